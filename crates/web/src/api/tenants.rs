//! Tenants: created and listed by the operator (admin token); each tenant reads and changes
//! its own settings with its API key.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ids::TenantId;
use domain::tenant::{NewTenant, Tenant, TenantChange};
use serde::Serialize;
use store::Db;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, Paged};
use crate::extract::{AdminKey, Body, Params, TenantKey};
use crate::problem::{ApiError, Problem};
use crate::{App, keys};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(create_tenant, list_tenants))
        .routes(routes!(get_tenant, update_tenant))
        .routes(routes!(create_api_key))
        .routes(routes!(get_own_tenant, update_own_tenant))
}

/// A tenant with an API key, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantWithKey {
    /// The tenant.
    pub tenant: Tenant,
    /// The API key; only its hash is stored, so keep it now.
    pub api_key: String,
}

/// A new API key, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedKey {
    /// The API key; only its hash is stored, so keep it now.
    pub api_key: String,
}

/// Creates a tenant and its first API key in one unit of work.
pub async fn provision_tenant(db: &Db, new: &NewTenant) -> Result<TenantWithKey, ApiError> {
    ApiError::check(new.problems())?;
    let key = keys::generate().map_err(|e| ApiError::Internal(format!("no random source: {e}")))?;
    let mut tx = db.write().await?;
    let tenant = tx.create_tenant(new).await?;
    tx.add_api_key(tenant.id, &key.prefix, &key.secret_hash, "first key").await?;
    tx.commit().await?;
    Ok(TenantWithKey { tenant, api_key: key.key })
}

/// Issues another API key for a tenant.
pub async fn issue_api_key(db: &Db, tenant: TenantId, label: &str) -> Result<IssuedKey, ApiError> {
    let key = keys::generate().map_err(|e| ApiError::Internal(format!("no random source: {e}")))?;
    let mut tx = db.write().await?;
    tx.tenant(tenant).await?.ok_or(ApiError::NotFound)?;
    tx.add_api_key(tenant, &key.prefix, &key.secret_hash, label).await?;
    tx.commit().await?;
    Ok(IssuedKey { api_key: key.key })
}

/// Create a tenant (admin).
#[utoipa::path(post, path = "/tenants", tag = "tenants", request_body = NewTenant,
    responses((status = 201, description = "Created, with its first API key", body = TenantWithKey),
        (status = 422, description = "A field breaks a rule", body = Problem, content_type = "application/problem+json")),
    security(("admin_token" = [])))]
async fn create_tenant(State(app): State<App>, _: AdminKey, body: Body<NewTenant>) -> Result<Response, ApiError> {
    let created = provision_tenant(&app.db, &body.value).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// List tenants (admin).
#[utoipa::path(get, path = "/tenants", tag = "tenants", params(PageParams),
    responses((status = 200, body = Paged<Tenant>)), security(("admin_token" = [])))]
async fn list_tenants(State(app): State<App>, _: AdminKey, Params(p): Params<PageParams>) -> Result<Json<Paged<Tenant>>, ApiError> {
    let page = p.page()?;
    let mut tx = app.db.read().await?;
    let items = tx.tenants(page).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, page, |t| t.id.0)))
}

/// Read a tenant (admin).
#[utoipa::path(get, path = "/tenants/{id}", tag = "tenants", params(("id" = i64, Path, description = "Tenant id")),
    responses((status = 200, body = Tenant), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("admin_token" = [])))]
async fn get_tenant(State(app): State<App>, _: AdminKey, Path(id): Path<i64>) -> Result<Json<Tenant>, ApiError> {
    let mut tx = app.db.read().await?;
    let t = tx.tenant(TenantId(id)).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(t))
}

/// Change a tenant (admin).
#[utoipa::path(patch, path = "/tenants/{id}", tag = "tenants", params(("id" = i64, Path, description = "Tenant id")),
    request_body = TenantChange,
    responses((status = 200, body = Tenant), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("admin_token" = [])))]
async fn update_tenant(
    State(app): State<App>,
    _: AdminKey,
    Path(id): Path<i64>,
    body: Body<TenantChange>,
) -> Result<Json<Tenant>, ApiError> {
    change_tenant(&app.db, TenantId(id), body.value).await.map(Json)
}

/// Issue another API key for a tenant (admin).
#[utoipa::path(post, path = "/tenants/{id}/api-keys", tag = "tenants", params(("id" = i64, Path, description = "Tenant id")),
    responses((status = 201, body = IssuedKey), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("admin_token" = [])))]
async fn create_api_key(State(app): State<App>, _: AdminKey, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let key = issue_api_key(&app.db, TenantId(id), "issued over the API").await?;
    Ok((StatusCode::CREATED, Json(key)).into_response())
}

/// Read the caller's own tenant.
#[utoipa::path(get, path = "/tenant", tag = "tenants", responses((status = 200, body = Tenant)), security(("api_key" = [])))]
async fn get_own_tenant(State(app): State<App>, TenantKey(tenant): TenantKey) -> Result<Json<Tenant>, ApiError> {
    let mut tx = app.db.read().await?;
    let t = tx.tenant(tenant).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(t))
}

/// Change the caller's own tenant settings.
#[utoipa::path(patch, path = "/tenant", tag = "tenants", request_body = TenantChange,
    responses((status = 200, body = Tenant), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn update_own_tenant(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    body: Body<TenantChange>,
) -> Result<Json<Tenant>, ApiError> {
    change_tenant(&app.db, tenant, body.value).await.map(Json)
}

async fn change_tenant(db: &Db, id: TenantId, change: TenantChange) -> Result<Tenant, ApiError> {
    let mut tx = db.write().await?;
    let mut t = tx.tenant(id).await?.ok_or(ApiError::NotFound)?;
    ApiError::check(change.apply(&mut t))?;
    tx.update_tenant(&t).await?;
    tx.commit().await?;
    Ok(t)
}
