//! Payments of the caller's tenant and their allocation to invoices.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldProblem;
use domain::ids::{DebtorId, PaymentId};
use domain::payment::{Allocation, NewPayment, Payment, check_allocations};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, Paged};
use crate::App;
use crate::extract::{Body, Idempotency, Params, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(create_payment, list_payments))
        .routes(routes!(get_payment, update_payment))
        .routes(routes!(allocate_payment))
}

/// Filters of the payment list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PaymentQuery {
    /// Only this debtor's.
    debtor_id: Option<i64>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (1 to 500).
    limit: Option<u32>,
}

/// The debtor a payment came from, set once known.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PaymentChange {
    /// The debtor.
    #[schema(value_type = i64)]
    debtor_id: DebtorId,
}

/// More allocations of a payment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewAllocations {
    /// Invoices and amounts.
    allocations: Vec<Allocation>,
}

/// Book a payment, optionally allocating it to invoices at once (several invoices, partial
/// amounts; what is left stays unallocated as the debtor's credit).
#[utoipa::path(post, path = "/payments", tag = "payments", request_body = NewPayment,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first answer")),
    responses((status = 201, body = Payment), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn create_payment(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    idem: Idempotency,
    body: Body<NewPayment>,
) -> Result<Response, ApiError> {
    let mut tx = app.db.write().await?;
    if let Some(replay) = idem.claim(&mut tx, tenant, &body.fingerprint).await? {
        return Ok(replay);
    }
    let p = &body.value;
    let mut problems = p.problems();
    if let Some(d) = p.debtor_id
        && tx.debtor(tenant, d).await?.is_none()
    {
        problems.push(FieldProblem::new("debtor_id", format!("no debtor {d}")));
    }
    let ids: Vec<_> = p.allocations.iter().map(|a| a.invoice_id).collect();
    let invoices = tx.invoices_by_id(tenant, &ids).await?;
    problems.extend(check_allocations("allocations", p.debtor_id, p.amount, &p.allocations, &invoices));
    ApiError::check(problems)?;
    let payment = tx.create_payment(tenant, p).await?;
    idem.respond(tx, tenant, StatusCode::CREATED, &payment).await
}

/// List payments.
#[utoipa::path(get, path = "/payments", tag = "payments", params(PaymentQuery),
    responses((status = 200, body = Paged<Payment>)), security(("api_key" = [])))]
async fn list_payments(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<PaymentQuery>,
) -> Result<Json<Paged<Payment>>, ApiError> {
    let page = PageParams { cursor: q.cursor, limit: q.limit }.page()?;
    let mut tx = app.db.read().await?;
    let items = tx.payments(tenant, q.debtor_id.map(DebtorId), page).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, page, |p| p.id.0)))
}

/// Read a payment with its allocations.
#[utoipa::path(get, path = "/payments/{id}", tag = "payments", params(("id" = i64, Path, description = "Payment id")),
    responses((status = 200, body = Payment), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn get_payment(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Json<Payment>, ApiError> {
    let mut tx = app.db.read().await?;
    let p = tx.payment(tenant, PaymentId(id)).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(p))
}

/// Attribute a payment to a debtor (before it has allocations to another debtor's invoices).
#[utoipa::path(patch, path = "/payments/{id}", tag = "payments", params(("id" = i64, Path, description = "Payment id")),
    request_body = PaymentChange,
    responses((status = 200, body = Payment), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn update_payment(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    body: Body<PaymentChange>,
) -> Result<Json<Payment>, ApiError> {
    let mut tx = app.db.write().await?;
    let p = tx.payment(tenant, PaymentId(id)).await?.ok_or(ApiError::NotFound)?;
    let debtor = body.value.debtor_id;
    if tx.debtor(tenant, debtor).await?.is_none() {
        return Err(ApiError::field("debtor_id", format!("no debtor {debtor}")));
    }
    let ids: Vec<_> = p.allocations.iter().map(|a| a.invoice_id).collect();
    if tx.invoices_by_id(tenant, &ids).await?.iter().any(|i| i.debtor_id != debtor) {
        return Err(ApiError::field("debtor_id", "the payment is allocated to invoices of another debtor"));
    }
    tx.set_payment_debtor(tenant, p.id, Some(debtor)).await?;
    let p = tx.payment(tenant, p.id).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(p))
}

/// Allocate more of a payment to invoices.
#[utoipa::path(post, path = "/payments/{id}/allocations", tag = "payments", params(("id" = i64, Path, description = "Payment id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first answer")),
    request_body = NewAllocations,
    responses((status = 201, body = Payment), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn allocate_payment(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    idem: Idempotency,
    body: Body<NewAllocations>,
) -> Result<Response, ApiError> {
    let mut tx = app.db.write().await?;
    if let Some(replay) = idem.claim(&mut tx, tenant, &body.fingerprint).await? {
        return Ok(replay);
    }
    let p = tx.payment(tenant, PaymentId(id)).await?.ok_or(ApiError::NotFound)?;
    let allocations = &body.value.allocations;
    if allocations.is_empty() {
        return Err(ApiError::field("allocations", "name at least one invoice"));
    }
    let ids: Vec<_> = allocations.iter().map(|a| a.invoice_id).collect();
    let invoices = tx.invoices_by_id(tenant, &ids).await?;
    ApiError::check(check_allocations("allocations", p.debtor_id, p.unallocated, allocations, &invoices))?;
    tx.allocate(tenant, p.id, allocations).await?;
    let p = tx.payment(tenant, p.id).await?.ok_or(ApiError::NotFound)?;
    idem.respond(tx, tenant, StatusCode::CREATED, &p).await
}
