//! Invoices of the caller's tenant.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldProblem;
use domain::ids::{DebtorId, InvoiceId};
use domain::invoice::{Invoice, InvoiceChange, InvoiceStatus, NewInvoice};
use jiff::civil::Date;
use serde::Deserialize;
use store::{InvoiceFilter, InvoiceRecord};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, Paged};
use crate::extract::{Body, Idempotency, Params, TenantKey};
use crate::problem::{ApiError, Problem};
use crate::{App, today};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(create_invoice, list_invoices))
        .routes(routes!(get_invoice, update_invoice))
        .routes(routes!(payment_qr))
        .routes(routes!(get_document, put_document))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_DOCUMENT_BYTES))
}

/// Largest invoice document taken: an invoice PDF is a few hundred kilobytes.
const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// How an uploaded document is named.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DocumentQuery {
    /// The file name debtors see (default `factuur-{number}.pdf`).
    file_name: Option<String>,
}

/// Store the invoice as the tenant sent it (a PDF, the request body, at most 10 MB): every email
/// about the invoice carries it.
#[utoipa::path(put, path = "/invoices/{id}/document", tag = "invoices", params(("id" = i64, Path, description = "Invoice id"), DocumentQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The PDF"),
    responses((status = 204, description = "Stored"), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn put_document(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    Params(q): Params<DocumentQuery>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    use sha2::Digest;
    // A PDF starts with its header (ISO 32000-1 §7.5.2), within the first bytes.
    if !body.get(..1024.min(body.len())).is_some_and(|head| head.windows(5).any(|w| w == b"%PDF-")) {
        return Err(ApiError::field("body", "expected a PDF (it starts with %PDF-)"));
    }
    let mut tx = app.db.write().await?;
    let inv = tx.invoice(tenant, InvoiceId(id)).await?.ok_or(ApiError::NotFound)?;
    let name = q.file_name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| format!("factuur-{}.pdf", inv.number));
    if name.len() > 200 || name.contains(['/', '\\', '"', '\r', '\n']) {
        return Err(ApiError::field("file_name", "at most 200 characters, without slashes, quotes or line breaks"));
    }
    let sha = crate::keys::hex(&sha2::Sha256::digest(&body));
    tx.save_invoice_document(tenant, inv.id, &name, &body, &sha).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The invoice as the tenant sent it.
#[utoipa::path(get, path = "/invoices/{id}/document", tag = "invoices", params(("id" = i64, Path, description = "Invoice id")),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn get_document(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let mut tx = app.db.read().await?;
    let doc = tx.invoice_documents(tenant, &[InvoiceId(id)]).await?.pop().ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    let disposition = format!("attachment; filename=\"{}\"", doc.file_name);
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)], doc.content).into_response())
}

/// Filters of the invoice list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct InvoiceQuery {
    /// Only this status.
    status: Option<InvoiceStatus>,
    /// Only this debtor's invoices.
    debtor_id: Option<i64>,
    /// Only invoices due before this date (exclusive).
    #[param(value_type = Option<String>, format = Date)]
    due_before: Option<Date>,
    /// Only invoices due after this date (exclusive).
    #[param(value_type = Option<String>, format = Date)]
    due_after: Option<Date>,
    /// true: only open invoices past their due date with money owed; false: all others.
    overdue: Option<bool>,
    /// The day `overdue` is judged on (default: today in Europe/Amsterdam).
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<Date>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (1 to 500).
    limit: Option<u32>,
}

/// Create an invoice.
#[utoipa::path(post, path = "/invoices", tag = "invoices", request_body = NewInvoice,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first answer")),
    responses((status = 201, body = Invoice), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn create_invoice(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    idem: Idempotency,
    body: Body<NewInvoice>,
) -> Result<Response, ApiError> {
    let mut tx = app.db.write().await?;
    if let Some(replay) = idem.claim(&mut tx, tenant, &body.fingerprint).await? {
        return Ok(replay);
    }
    let n = &body.value;
    let term = tx.tenant(tenant).await?.ok_or(ApiError::NotFound)?.default_payment_term_days;
    let mut problems = n.problems(term);
    if tx.debtor(tenant, n.debtor_id).await?.is_none() {
        problems.push(FieldProblem::new("debtor_id", format!("no debtor {}", n.debtor_id)));
    }
    ApiError::check(problems)?;
    let record = InvoiceRecord {
        debtor_id: n.debtor_id,
        number: n.number.trim().to_string(),
        external_id: n.external_id.clone(),
        issue_date: n.issue_date,
        due_date: n.due_date_or(term),
        total: n.total,
        vat: n.vat,
        paid: domain::money::Cents::ZERO,
        payment_reference: n.payment_reference.clone(),
    };
    let inv = tx.create_invoice(tenant, &record).await?;
    idem.respond(tx, tenant, StatusCode::CREATED, &inv).await
}

/// List invoices.
#[utoipa::path(get, path = "/invoices", tag = "invoices", params(InvoiceQuery),
    responses((status = 200, body = Paged<Invoice>), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn list_invoices(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<InvoiceQuery>,
) -> Result<Json<Paged<Invoice>>, ApiError> {
    let page = PageParams { cursor: q.cursor, limit: q.limit }.page()?;
    let filter = InvoiceFilter {
        status: q.status,
        debtor_id: q.debtor_id.map(DebtorId),
        due_before: q.due_before,
        due_after: q.due_after,
        overdue: q.overdue.map(|o| (o, q.as_of.unwrap_or_else(today))),
    };
    let mut tx = app.db.read().await?;
    let items = tx.invoices(tenant, &filter, page).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, page, |i| i.id.0)))
}

/// Read an invoice.
#[utoipa::path(get, path = "/invoices/{id}", tag = "invoices", params(("id" = i64, Path, description = "Invoice id")),
    responses((status = 200, body = Invoice), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn get_invoice(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Json<Invoice>, ApiError> {
    let mut tx = app.db.read().await?;
    let inv = tx.invoice(tenant, InvoiceId(id)).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(inv))
}

/// The picture format of a payment QR code.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct QrQuery {
    /// `svg` (default) or `png`.
    format: Option<String>,
    /// Pixels per module of a PNG (1 to 20, default 6).
    scale: Option<u32>,
}

/// The EPC QR code ("Girocode") a debtor scans with a banking app to pay what is still open
/// on the invoice to the tenant's account, quoting the invoice's payment reference: SVG or
/// PNG, error-correction level M (EPC069-12). 409 when nothing is left to pay.
#[utoipa::path(get, path = "/invoices/{id}/payment-qr", tag = "invoices",
    params(("id" = i64, Path, description = "Invoice id"), QrQuery),
    responses((status = 200, description = "The QR code", content_type = "image/svg+xml"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn payment_qr(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    Params(q): Params<QrQuery>,
) -> Result<Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    use formats::epc_qr::{Remittance, Transfer, encode};
    let bad = |detail: String, field: &str, why: &str| ApiError::BadRequest(detail, vec![FieldProblem::new(field, why)]);
    let png_scale = match q.format.as_deref() {
        None | Some("svg") if q.scale.is_some() => return Err(bad("scale is for PNG".into(), "scale", "only with format=png")),
        None | Some("svg") => None,
        Some("png") => match q.scale.unwrap_or(6) {
            scale @ 1..=20 => Some(scale),
            _ => return Err(bad("scale must lie between 1 and 20".into(), "scale", "out of range")),
        },
        Some(other) => return Err(bad(format!("format {other} is not svg or png"), "format", "expected svg or png")),
    };
    let mut tx = app.db.read().await?;
    let inv = tx.invoice(tenant, InvoiceId(id)).await?.ok_or(ApiError::NotFound)?;
    let owner = tx.tenant(tenant).await?.ok_or(ApiError::NotFound)?;
    let debtor = tx.debtor(tenant, inv.debtor_id).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    if inv.status != InvoiceStatus::Open || !inv.outstanding.is_positive() {
        return Err(ApiError::Conflict(FieldProblem::new("outstanding", format!("nothing is left to pay on invoice {}", inv.number))));
    }
    let remittance = match &inv.payment_reference {
        Some(r) => Remittance::Structured(r.clone()),
        None => Remittance::Unstructured(format!("Factuur {}", inv.number).chars().take(140).collect()),
    };
    let transfer = Transfer {
        bic: owner.bic.clone(),
        name: owner.legal_name.chars().take(70).collect(),
        iban: owner.iban.clone(),
        amount: Some(inv.outstanding),
        purpose: None,
        remittance,
        note: None,
    };
    let payload = encode(&transfer).map_err(|e| ApiError::Internal(e.to_string()))?;
    let symbol = formats::qr::QrSymbol::epc(&payload).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(match png_scale {
        Some(scale) => {
            let png = symbol.png(scale).map_err(|e| ApiError::Internal(e.to_string()))?;
            ([(header::CONTENT_TYPE, "image/png")], png).into_response()
        }
        None => {
            let title = match debtor.language {
                domain::debtor::Language::Nl => {
                    format!("Betaal {} aan {} voor factuur {}", inv.outstanding.to_dutch(), owner.legal_name, inv.number)
                }
                domain::debtor::Language::En => {
                    format!("Pay EUR {} to {} for invoice {}", inv.outstanding, owner.legal_name, inv.number)
                }
            };
            ([(header::CONTENT_TYPE, "image/svg+xml")], symbol.svg(&title)).into_response()
        }
    })
}

/// Change an invoice: due date, external id, payment reference, or status between open,
/// written_off and handed_over.
#[utoipa::path(patch, path = "/invoices/{id}", tag = "invoices", params(("id" = i64, Path, description = "Invoice id")),
    request_body = InvoiceChange,
    responses((status = 200, body = Invoice), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn update_invoice(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    body: Body<InvoiceChange>,
) -> Result<Json<Invoice>, ApiError> {
    let mut tx = app.db.write().await?;
    let mut inv = tx.invoice(tenant, InvoiceId(id)).await?.ok_or(ApiError::NotFound)?;
    ApiError::check(body.value.apply(&mut inv))?;
    tx.update_invoice(&inv).await?;
    let inv = tx.invoice(tenant, inv.id).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(inv))
}
