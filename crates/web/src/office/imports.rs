//! The imports page: an invoice list (CSV), an e-invoice (UBL) or a bank statement, read and
//! stored all or nothing by the same code as the command line and the API; the result, or every
//! error with its line, and the imports done before.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use formats::invoice_csv::ColumnMapping;
use ledger::{EInvoiceFile, EInvoiceImportError, ImportError, StatementImportError};

use super::{ActForm, Chrome, Staff, failed, money};
use crate::App;

#[derive(Template)]
#[template(path = "office/imports.html")]
struct ImportsPage {
    c: Chrome,
    /// What was imported just now, or why nothing was.
    result: Option<(bool, String, Vec<String>)>,
    /// When, who, what, for the imports before.
    recent: Vec<(String, String, String)>,
}

async fn show(app: &App, staff: &Staff, result: Option<(bool, String, Vec<String>)>, status: StatusCode) -> Response {
    let recent = async {
        let mut tx = app.db.read().await?;
        let log = tx.audit_log(staff.tenant(), store::Page::first(500)).await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(log)
    }
    .await;
    let recent = match recent {
        Ok(log) => {
            let zone = jiff::tz::TimeZone::get(domain::dates::BUSINESS_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
            log.into_iter()
                .filter(|e| e.action.starts_with("import_"))
                .take(20)
                .map(|e| {
                    let who = e.user.map(|(_, n)| n).unwrap_or_default();
                    (e.at.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string(), who, format!("{}: {}", e.subject, e.detail))
                })
                .collect()
        }
        Err(e) => return failed("imports", &e),
    };
    staff.show(status, ImportsPage { c: staff.chrome("imports"), result, recent }.render())
}

/// The page.
pub(super) async fn page(State(app): State<App>, staff: Staff) -> Response {
    show(&app, &staff, None, StatusCode::OK).await
}

/// Reads and stores the file sent; every outcome is in the audit log.
pub(super) async fn import(State(app): State<App>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let staff = &form.staff;
    let (t, lang) = (staff.t(), staff.lang);
    let Some((name, bytes)) = form.file.as_ref() else {
        return show(&app, staff, Some((true, t.not_imported.to_string(), vec![t.no_file.to_string()])), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let name = if name.is_empty() { "upload".to_string() } else { name.clone() };
    let tenant = staff.tenant();
    let kind = form.fields.get("kind").unwrap_or("csv");
    // Ok(lines of the report) or Err(problems, each naming where).
    let outcome: Result<Result<Vec<String>, Vec<String>>, store::StoreError> = match kind {
        "csv" => {
            let pairs: Vec<&str> =
                form.fields.get("columns").unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            match ColumnMapping::default().with_pairs(pairs) {
                Err(e) => Ok(Err(vec![format!("columns: {e}")])),
                Ok(mapping) => match ledger::import_invoice_csv(&app.db, tenant, bytes, &mapping).await {
                    Ok(r) => Ok(Ok(vec![format!(
                        "{} invoices ({}), {} still open; {} new debtors",
                        r.invoices,
                        money(lang, r.total),
                        money(lang, r.open),
                        r.debtors_created
                    )])),
                    Err(ImportError::Rejected(problems)) => Ok(Err(problems
                        .iter()
                        .map(|p| match &p.column {
                            Some(c) => format!("{name}:{} [{c}]: {}", p.line, p.message),
                            None => format!("{name}:{}: {}", p.line, p.message),
                        })
                        .collect())),
                    Err(ImportError::NoTenant(_)) => Ok(Err(vec!["no such tenant".into()])),
                    Err(ImportError::Store(e)) => Err(e),
                },
            }
        }
        "ubl" => {
            let file = EInvoiceFile { name: name.clone(), bytes: bytes.clone() };
            match ledger::import_e_invoices(&app.db, tenant, std::slice::from_ref(&file)).await {
                Ok(r) => {
                    let mut lines = vec![format!(
                        "{} invoices, {} credit notes, {} new debtors; {} open",
                        r.invoices,
                        r.credit_notes,
                        r.debtors_created,
                        money(lang, r.open)
                    )];
                    for d in &r.documents {
                        for g in &d.legal_gaps {
                            let message = if lang == domain::debtor::Language::Nl { &g.message_nl } else { &g.message };
                            lines.push(format!("{} {}: {} ({})", d.number, g.path, message, g.rule));
                        }
                    }
                    Ok(Ok(lines))
                }
                Err(EInvoiceImportError::Rejected(problems)) => {
                    Ok(Err(problems.iter().map(|p| format!("{}:{} {}: {}", p.file, p.line, p.path, p.message)).collect()))
                }
                Err(EInvoiceImportError::NoTenant(_)) => Ok(Err(vec!["no such tenant".into()])),
                Err(EInvoiceImportError::Store(e)) => Err(e),
            }
        }
        "statement" => match ledger::import_statement(&app.db, tenant, &name, bytes.as_slice()).await {
            Ok(r) => Ok(Ok(vec![format!(
                "{}: {} entries ({} new, {} read before); {} allocated ({}), {} to match by hand ({}), {} returned",
                r.format,
                r.entries,
                r.new_entries,
                r.known_entries,
                r.allocated,
                money(lang, r.allocated_amount),
                r.queued,
                money(lang, r.queued_amount),
                r.returned
            )])),
            Err(StatementImportError::Rejected { file, error }) => {
                Ok(Err(vec![format!("{file}:{} {}: {}", error.line, error.path, error.message)]))
            }
            Err(StatementImportError::NoTenant(_)) => Ok(Err(vec!["no such tenant".into()])),
            Err(StatementImportError::Store(e)) => Err(e),
        },
        _ => Ok(Err(vec![format!("kind: '{kind}' is not one of csv, ubl, statement")])),
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return failed("import", &e),
    };
    let (action, detail) = match &outcome {
        Ok(lines) => ("import_done", lines.first().cloned().unwrap_or_default()),
        Err(problems) => ("import_refused", format!("{} problem(s): {}", problems.len(), problems.first().cloned().unwrap_or_default())),
    };
    let audited = async {
        let mut tx = app.db.write().await?;
        tx.audit(Some(tenant), Some(staff.user()), action, &format!("{kind} {name}"), &detail).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = audited {
        return failed("audit import", &e);
    }
    match outcome {
        Ok(lines) => show(&app, staff, Some((false, format!("{}: {name}", t.imported), lines)), StatusCode::OK).await,
        Err(problems) => {
            show(&app, staff, Some((true, format!("{}: {name}", t.not_imported), problems)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
