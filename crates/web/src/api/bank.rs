//! Files uploaded by the caller's tenant: bank statements, the queue of payments a person
//! matches, and e-invoices.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldProblem;
use domain::bank::{BankEntry, BankEntryStatus, StatementReport};
use domain::ids::{BankEntryId, DebtorId};
use domain::payment::Allocation;
use ledger::statements::HandMatch;
use ledger::{EInvoiceImportError, StatementImportError};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, Paged};
use crate::App;
use crate::extract::{Body, Params, TenantKey};
use crate::problem::{ApiError, Problem};

/// Largest statement file taken over the API; larger ones go through `tegoed import statement`.
const MAX_STATEMENT_BYTES: usize = 256 * 1024 * 1024;

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(upload_statement))
        .layer(DefaultBodyLimit::max(MAX_STATEMENT_BYTES))
        .routes(routes!(upload_e_invoice))
        .layer(DefaultBodyLimit::max(formats::ubl::MAX_UBL_BYTES))
        .routes(routes!(list_bank_entries))
        .routes(routes!(get_bank_entry))
        .routes(routes!(match_bank_entry))
        .routes(routes!(dismiss_bank_entry))
}

/// How an uploaded statement is named in reports.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    /// The file's name, as the bank called it.
    file_name: Option<String>,
}

/// Filters of the bank entry list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct EntryQuery {
    /// Only entries with this status; `needs_match` is the queue.
    status: Option<String>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (1 to 500).
    limit: Option<u32>,
}

/// What a queued payment pays.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct EntryMatch {
    /// The debtor who paid.
    #[schema(value_type = i64)]
    debtor_id: DebtorId,
    /// Invoices and amounts; what is left stays the debtor's credit.
    allocations: Vec<Allocation>,
}

/// Upload a bank statement: camt.053, camt.054, camt.052 or MT940, recognised by its content,
/// as the request body. Payments are matched to invoices and allocated when sure; the others
/// wait in the queue (`GET /bank-entries?status=needs_match`). Entries imported before (the same
/// file again, or an overlapping one) are left alone, so an upload can be retried safely. One
/// bad entry and nothing is imported: the answer names the line and what was expected.
#[utoipa::path(post, path = "/bank-statements", tag = "payments", params(UploadQuery),
    request_body(content = String, content_type = "application/xml", description = "The statement file as the bank gave it"),
    responses((status = 201, body = StatementReport), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn upload_statement(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<UploadQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = q.file_name.unwrap_or_else(|| "upload".to_string());
    match ledger::import_statement(&app.db, tenant, &name, body.as_ref()).await {
        Ok(report) => Ok((StatusCode::CREATED, Json(report)).into_response()),
        Err(StatementImportError::Rejected { file, error }) => {
            Err(ApiError::Invalid(vec![not_imported(&file, error.line, &error.path, &error.message)]))
        }
        Err(StatementImportError::NoTenant(_)) => Err(ApiError::NotFound),
        Err(StatementImportError::Store(e)) => Err(e.into()),
    }
}

/// Upload one e-invoice the tenant sent: a UBL 2.1 Invoice or CreditNote (Peppol BIS 3,
/// SI-UBL 2.0), as the request body. The invoice is stored for collection, a new customer
/// becomes a debtor, and a credit note reduces the invoice it corrects. The answer reports
/// what a legally valid Dutch invoice lacks (`documents[0].legal_gaps`, with the rule, in
/// English and Dutch). A document that cannot be read or booked is refused as a whole, naming
/// its line and XML path; an invoice number imported before is refused too.
#[utoipa::path(post, path = "/e-invoices", tag = "invoices", params(UploadQuery),
    request_body(content = String, content_type = "application/xml", description = "The UBL document"),
    responses((status = 201, description = "What was stored, and the legal-validity report of the document", content_type = "application/json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn upload_e_invoice(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<UploadQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let file = ledger::EInvoiceFile { name: q.file_name.unwrap_or_else(|| "upload".to_string()), bytes: body.to_vec() };
    match ledger::import_e_invoices(&app.db, tenant, std::slice::from_ref(&file)).await {
        Ok(report) => Ok((StatusCode::CREATED, Json(report)).into_response()),
        Err(EInvoiceImportError::Rejected(problems)) => {
            Err(ApiError::Invalid(problems.iter().map(|p| not_imported(&p.file, p.line, &p.path, &p.message)).collect()))
        }
        Err(EInvoiceImportError::NoTenant(_)) => Err(ApiError::NotFound),
        Err(EInvoiceImportError::Store(e)) => Err(e.into()),
    }
}

/// A refused upload's problem, named `file:line path` as the CLI prints it.
fn not_imported(file: &str, line: u64, path: &str, message: &str) -> FieldProblem {
    let at = if path.is_empty() { format!("{file}:{line}") } else { format!("{file}:{line} {path}") };
    FieldProblem::new(at, format!("{message}; nothing was imported"))
}

/// List bank entries, oldest first; with `status=needs_match` the queue of payments a person
/// must match, each with the best candidates and why.
#[utoipa::path(get, path = "/bank-entries", tag = "payments", params(EntryQuery),
    responses((status = 200, body = Paged<BankEntry>), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn list_bank_entries(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<EntryQuery>,
) -> Result<Json<Paged<BankEntry>>, ApiError> {
    let page = PageParams { cursor: q.cursor, limit: q.limit }.page()?;
    let status = q
        .status
        .as_deref()
        .map(BankEntryStatus::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.to_string(), vec![FieldProblem::new("status", e.to_string())]))?;
    let mut tx = app.db.read().await?;
    let items = tx.bank_entries(tenant, status, page).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, page, |e| e.id.0)))
}

/// Read a bank entry.
#[utoipa::path(get, path = "/bank-entries/{id}", tag = "payments", params(("id" = i64, Path, description = "Bank entry id")),
    responses((status = 200, body = BankEntry), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn get_bank_entry(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Json<BankEntry>, ApiError> {
    let mut tx = app.db.read().await?;
    let e = tx.bank_entry(tenant, BankEntryId(id)).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(e))
}

/// Match a queued payment by hand: the debtor who paid and the invoices it pays.
#[utoipa::path(post, path = "/bank-entries/{id}/match", tag = "payments", params(("id" = i64, Path, description = "Bank entry id")),
    request_body = EntryMatch,
    responses((status = 200, body = BankEntry), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn match_bank_entry(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    body: Body<EntryMatch>,
) -> Result<Json<BankEntry>, ApiError> {
    let mut tx = app.db.write().await?;
    let m = &body.value;
    let entry = done(ledger::statements::match_by_hand(&mut tx, tenant, BankEntryId(id), Some(m.debtor_id), &m.allocations).await?)?;
    tx.commit().await?;
    Ok(Json(entry))
}

/// The entry a hand match made, or why there is none, as the API says it.
fn done(m: HandMatch) -> Result<BankEntry, ApiError> {
    match m {
        HandMatch::Done(e) => Ok(*e),
        HandMatch::NotFound => Err(ApiError::NotFound),
        HandMatch::NotQueued(status) => {
            Err(ApiError::Conflict(FieldProblem::new("status", format!("the entry is {status}, not waiting in the queue"))))
        }
        HandMatch::Invalid(problems) => Err(ApiError::Invalid(problems)),
    }
}

/// Take a queued entry out of the queue as not a debtor's payment (the tenant's own transfer,
/// a refund from a supplier). Its money stays booked as a payment of no debtor.
#[utoipa::path(post, path = "/bank-entries/{id}/dismiss", tag = "payments", params(("id" = i64, Path, description = "Bank entry id")),
    responses((status = 200, body = BankEntry), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn dismiss_bank_entry(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
) -> Result<Json<BankEntry>, ApiError> {
    let mut tx = app.db.write().await?;
    let entry = done(ledger::statements::match_by_hand(&mut tx, tenant, BankEntryId(id), None, &[]).await?)?;
    tx.commit().await?;
    Ok(Json(entry))
}
