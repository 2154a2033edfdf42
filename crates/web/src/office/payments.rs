//! Matching a payment by hand: a bank entry the matcher was not sure of, with its suggestions;
//! the invoices it pays (ticked, or by number), or out of the queue as not a debtor's payment.
//! The same rules as the API (`ledger::statements::match_by_hand`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use domain::FieldProblem;
use domain::ids::{BankEntryId, InvoiceId};
use domain::money::Cents;
use domain::payment::Allocation;
use ledger::statements::HandMatch;

use super::{ActForm, Chrome, Staff, day, failed, money, problem_lines};
use crate::App;

struct SuggestionLine {
    invoice: i64,
    number: String,
    debtor: i64,
    open: String,
    score: u8,
    reason: String,
}

#[derive(Template)]
#[template(path = "office/payment.html")]
struct PaymentPage {
    c: Chrome,
    id: i64,
    amount: String,
    payer: String,
    account: String,
    booked: String,
    remittance: String,
    suggestions: Vec<SuggestionLine>,
    notice: Option<(bool, Vec<String>)>,
}

async fn show(app: &App, staff: &Staff, id: i64, notice: Option<(bool, Vec<String>)>, status: StatusCode) -> Response {
    let entry = async {
        let mut tx = app.db.read().await?;
        let e = tx.bank_entry(staff.tenant(), BankEntryId(id)).await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(e)
    }
    .await;
    let e = match entry {
        Ok(Some(e)) if e.status == domain::bank::BankEntryStatus::NeedsMatch => e,
        Ok(_) => return super::refused(staff, staff.t().no_such_entry),
        Err(e) => return failed("bank entry", &e),
    };
    let lang = staff.lang;
    let view = PaymentPage {
        c: staff.chrome("worklist"),
        id,
        amount: money(lang, e.amount),
        payer: e.counterparty_name.clone().unwrap_or_default(),
        account: e.counterparty_account.clone().unwrap_or_default(),
        booked: day(lang, e.booked_on),
        remittance: [e.structured_reference.clone(), e.remittance.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · "),
        suggestions: e
            .suggestions
            .iter()
            .map(|s| SuggestionLine {
                invoice: s.invoice_id.0,
                number: s.number.clone(),
                debtor: s.debtor_id.0,
                open: money(lang, s.outstanding),
                score: s.score,
                reason: s.reason.clone(),
            })
            .collect(),
        notice,
    };
    staff.show(status, view.render())
}

/// The entry, to match.
pub(super) async fn page(State(app): State<App>, staff: Staff, Path(id): Path<i64>) -> Response {
    show(&app, &staff, id, None, StatusCode::OK).await
}

/// Matches the entry to the invoices ticked or named (each paid as far as the money goes, in
/// the order they fell due; what is left is the debtor's credit), or dismisses it.
pub(super) async fn decide(State(app): State<App>, Path(id): Path<i64>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let staff = &form.staff;
    let tenant = staff.tenant();
    let dismiss = form.fields.get("action") == Some("dismiss");
    let mut chosen: Vec<InvoiceId> =
        form.fields.0.iter().filter(|(k, _)| k == "invoice").filter_map(|(_, v)| v.parse::<i64>().ok()).map(InvoiceId).collect();
    let number = form.fields.text("number");
    let result = async {
        let mut tx = app.db.write().await?;
        let Some(entry) = tx.bank_entry(tenant, BankEntryId(id)).await? else { return Ok(HandMatch::NotFound) };
        let outcome = if dismiss {
            ledger::statements::match_by_hand(&mut tx, tenant, entry.id, None, &[]).await?
        } else {
            if !number.is_empty() {
                match tx.invoice_by_number(tenant, &number).await? {
                    Some(inv) => chosen.push(inv.id),
                    None => return Ok(HandMatch::Invalid(vec![FieldProblem::new("number", format!("no invoice {number}"))])),
                }
            }
            let mut invoices = tx.invoices_by_id(tenant, &chosen).await?;
            let Some(debtor) = invoices.first().map(|i| i.debtor_id) else {
                return Ok(HandMatch::Invalid(vec![FieldProblem::new("invoice", "choose the invoices it pays, or type a number")]));
            };
            if invoices.iter().any(|i| i.debtor_id != debtor) {
                return Ok(HandMatch::Invalid(vec![FieldProblem::new("invoice", "the invoices belong to more than one debtor")]));
            }
            invoices.sort_by_key(|i| (i.due_date, i.id));
            let mut left = entry.amount;
            let mut allocations = Vec::new();
            for inv in invoices {
                let amount = inv.outstanding.min(left);
                if amount.is_positive() {
                    allocations.push(Allocation { invoice_id: inv.id, amount });
                    left = left.checked_sub(amount).unwrap_or(Cents::ZERO);
                }
            }
            ledger::statements::match_by_hand(&mut tx, tenant, entry.id, Some(debtor), &allocations).await?
        };
        if let HandMatch::Done(e) = &outcome {
            let action = if dismiss { "payment_dismissed" } else { "payment_matched" };
            let detail = format!("{} from {}", e.amount, e.counterparty_name.as_deref().unwrap_or("?"));
            tx.audit(Some(tenant), Some(staff.user()), action, &format!("bank entry {id}"), &detail).await?;
            tx.commit().await?;
        }
        Ok::<_, store::StoreError>(outcome)
    }
    .await;
    match result {
        Ok(HandMatch::Done(_)) => Redirect::to(if dismiss { "/office?done=dismissed" } else { "/office?done=matched" }).into_response(),
        Ok(HandMatch::Invalid(p)) => show(&app, staff, id, Some((true, problem_lines(&p))), StatusCode::UNPROCESSABLE_ENTITY).await,
        Ok(HandMatch::NotFound | HandMatch::NotQueued(_)) => super::refused(staff, staff.t().no_such_entry),
        Err(e) => failed("match payment", &e),
    }
}
