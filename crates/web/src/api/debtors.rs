//! Debtors of the caller's tenant.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::debtor::{Debtor, DebtorChange, DebtorKind, NewDebtor, Segment};
use domain::ids::DebtorId;
use serde::Deserialize;
use store::DebtorFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, Paged};
use crate::App;
use crate::extract::{Body, Idempotency, Params, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(create_debtor, list_debtors)).routes(routes!(get_debtor, update_debtor))
}

/// Filters of the debtor list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DebtorQuery {
    /// Only consumers or only businesses.
    kind: Option<DebtorKind>,
    /// Only this segment.
    segment: Option<Segment>,
    /// Only the debtor with this customer number.
    external_id: Option<String>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (1 to 500).
    limit: Option<u32>,
}

/// Create a debtor.
#[utoipa::path(post, path = "/debtors", tag = "debtors", request_body = NewDebtor,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first answer")),
    responses((status = 201, body = Debtor), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn create_debtor(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    idem: Idempotency,
    body: Body<NewDebtor>,
) -> Result<Response, ApiError> {
    let mut tx = app.db.write().await?;
    if let Some(replay) = idem.claim(&mut tx, tenant, &body.fingerprint).await? {
        return Ok(replay);
    }
    ApiError::check(body.value.problems())?;
    let d = tx.create_debtor(tenant, &body.value).await?;
    idem.respond(tx, tenant, StatusCode::CREATED, &d).await
}

/// List debtors.
#[utoipa::path(get, path = "/debtors", tag = "debtors", params(DebtorQuery),
    responses((status = 200, body = Paged<Debtor>), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn list_debtors(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<DebtorQuery>,
) -> Result<Json<Paged<Debtor>>, ApiError> {
    let page = PageParams { cursor: q.cursor, limit: q.limit }.page()?;
    let filter = DebtorFilter { kind: q.kind, segment: q.segment, external_id: q.external_id };
    let mut tx = app.db.read().await?;
    let items = tx.debtors(tenant, &filter, page).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, page, |d| d.id.0)))
}

/// Read a debtor.
#[utoipa::path(get, path = "/debtors/{id}", tag = "debtors", params(("id" = i64, Path, description = "Debtor id")),
    responses((status = 200, body = Debtor), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn get_debtor(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Json<Debtor>, ApiError> {
    let mut tx = app.db.read().await?;
    let d = tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(d))
}

/// Change a debtor.
#[utoipa::path(patch, path = "/debtors/{id}", tag = "debtors", params(("id" = i64, Path, description = "Debtor id")),
    request_body = DebtorChange,
    responses((status = 200, body = Debtor), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn update_debtor(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    body: Body<DebtorChange>,
) -> Result<Json<Debtor>, ApiError> {
    let mut tx = app.db.write().await?;
    let mut d = tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    ApiError::check(body.value.apply(&mut d))?;
    tx.update_debtor(&d).await?;
    let d = tx.debtor(tenant, d.id).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(d))
}
