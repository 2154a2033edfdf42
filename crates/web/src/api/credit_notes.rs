//! Credit notes of the caller's tenant.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldProblem;
use domain::ids::{CreditNoteId, DebtorId, InvoiceId};
use domain::invoice::{CreditNote, NewCreditNote};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, Paged};
use crate::App;
use crate::extract::{Body, Idempotency, Params, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(create_credit_note, list_credit_notes)).routes(routes!(get_credit_note, update_credit_note))
}

/// Filters of the credit note list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CreditNoteQuery {
    /// Only this debtor's.
    debtor_id: Option<i64>,
    /// Only those on this invoice.
    invoice_id: Option<i64>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (1 to 500).
    limit: Option<u32>,
}

/// What can change on a booked credit note: only the reason; amounts are fixed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreditNoteChange {
    /// The reason.
    reason: Option<String>,
}

/// Book a credit note; when it names an invoice, what is open on that invoice goes down.
#[utoipa::path(post, path = "/credit-notes", tag = "credit-notes", request_body = NewCreditNote,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first answer")),
    responses((status = 201, body = CreditNote), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn create_credit_note(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    idem: Idempotency,
    body: Body<NewCreditNote>,
) -> Result<Response, ApiError> {
    let mut tx = app.db.write().await?;
    if let Some(replay) = idem.claim(&mut tx, tenant, &body.fingerprint).await? {
        return Ok(replay);
    }
    let n = &body.value;
    let invoice = match n.invoice_id {
        None => None,
        Some(id) => Some(tx.invoice(tenant, id).await?.ok_or_else(|| ApiError::field("invoice_id", format!("no invoice {id}")))?),
    };
    let mut problems = n.problems(invoice.as_ref());
    if tx.debtor(tenant, n.debtor_id).await?.is_none() {
        problems.push(FieldProblem::new("debtor_id", format!("no debtor {}", n.debtor_id)));
    }
    ApiError::check(problems)?;
    let note = tx.create_credit_note(tenant, n).await?;
    idem.respond(tx, tenant, StatusCode::CREATED, &note).await
}

/// List credit notes.
#[utoipa::path(get, path = "/credit-notes", tag = "credit-notes", params(CreditNoteQuery),
    responses((status = 200, body = Paged<CreditNote>)), security(("api_key" = [])))]
async fn list_credit_notes(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<CreditNoteQuery>,
) -> Result<Json<Paged<CreditNote>>, ApiError> {
    let page = PageParams { cursor: q.cursor, limit: q.limit }.page()?;
    let mut tx = app.db.read().await?;
    let items = tx.credit_notes(tenant, q.debtor_id.map(DebtorId), q.invoice_id.map(InvoiceId), page).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, page, |n| n.id.0)))
}

/// Read a credit note.
#[utoipa::path(get, path = "/credit-notes/{id}", tag = "credit-notes", params(("id" = i64, Path, description = "Credit note id")),
    responses((status = 200, body = CreditNote), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn get_credit_note(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Json<CreditNote>, ApiError> {
    let mut tx = app.db.read().await?;
    let n = tx.credit_note(tenant, CreditNoteId(id)).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(n))
}

/// Change the reason on a credit note.
#[utoipa::path(patch, path = "/credit-notes/{id}", tag = "credit-notes", params(("id" = i64, Path, description = "Credit note id")),
    request_body = CreditNoteChange,
    responses((status = 200, body = CreditNote), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn update_credit_note(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    body: Body<CreditNoteChange>,
) -> Result<Json<CreditNote>, ApiError> {
    if body.value.reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::field("reason", "must be at most 500 characters"));
    }
    let mut tx = app.db.write().await?;
    if !tx.update_credit_note_reason(tenant, CreditNoteId(id), body.value.reason.as_deref()).await? {
        return Err(ApiError::NotFound);
    }
    let n = tx.credit_note(tenant, CreditNoteId(id)).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(n))
}
