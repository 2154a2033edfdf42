//! What every handler takes from a request: the JSON body with its errors located, query
//! parameters, the caller's credentials and the Idempotency-Key.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::FieldProblem;
use domain::ids::TenantId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use store::{IdempotencyClaim, Tx};

use crate::problem::ApiError;
use crate::{App, keys};

/// Largest request body accepted: 1 MiB is far above any JSON object this API takes.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A JSON body parsed into `T`; a parse error names the JSON path of the field at fault.
pub struct Body<T> {
    /// The parsed value.
    pub value: T,
    /// SHA-256 of the raw bytes, to tell a retried request from a different one.
    pub fingerprint: String,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"));
        if !is_json {
            return Err(ApiError::BadRequest("send the body as JSON with Content-Type: application/json".into(), vec![]));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("the body cannot be read: {e}"), vec![]))?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = strip_position(&inner.to_string());
            if inner.classify() != serde_json::error::Category::Data {
                return ApiError::BadRequest(format!("the body is not valid JSON: {message}"), vec![]);
            }
            // A missing field is reported at its parent; name the field itself.
            let missing = message.strip_prefix("missing field `").and_then(|m| m.split('`').next());
            let field = match (path.as_str(), missing) {
                (".", Some(m)) => m.to_string(),
                (".", None) => "body".to_string(),
                (p, Some(m)) => format!("{p}.{m}"),
                (p, None) => p.to_string(),
            };
            ApiError::Invalid(vec![FieldProblem::new(field, message)])
        })?;
        Ok(Body { value, fingerprint: keys::hex(&Sha256::digest(&bytes)) })
    }
}

/// serde_json appends " at line 1 column 42"; the field path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Query parameters parsed into `T`, with a clear 400 when they do not fit.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Params).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            ApiError::BadRequest(format!("query parameter {path}: {message}"), vec![FieldProblem::new(path, message)])
        })
    }
}

/// The tenant whose API key came with the request.
#[derive(Debug, Clone, Copy)]
pub struct TenantKey(pub TenantId);

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

impl FromRequestParts<App> for TenantKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        const WHY: &str = "send a tenant API key as 'Authorization: Bearer tg_…'";
        let presented = bearer(&parts.headers).ok_or(ApiError::Unauthorized(WHY))?;
        let (prefix, secret) = keys::split(presented).ok_or(ApiError::Unauthorized(WHY))?;
        let mut tx = app.db.read().await?;
        let record = tx.api_key(prefix).await?;
        tx.commit().await?;
        match record {
            Some(r) if keys::same(&keys::hash_secret(secret), &r.secret_hash) => Ok(TenantKey(r.tenant_id)),
            _ => Err(ApiError::Unauthorized("the API key is not valid or was revoked")),
        }
    }
}

/// The operator, identified by the admin token from the configuration.
pub struct AdminKey;

impl FromRequestParts<App> for AdminKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let Some(expected) = app.admin_token.as_deref() else {
            return Err(ApiError::Forbidden(
                "no admin token is configured (TEGOED_ADMIN_TOKEN); tenants are managed with `tegoed tenant create`",
            ));
        };
        match bearer(&parts.headers) {
            Some(t) if keys::same(t, expected) => Ok(AdminKey),
            _ => Err(ApiError::Unauthorized("send the admin token as 'Authorization: Bearer …'")),
        }
    }
}

/// The Idempotency-Key of a POST, with the method and path it came with.
pub struct Idempotency {
    key: Option<String>,
    scope: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Idempotency {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let key = match parts.headers.get("idempotency-key") {
            None => None,
            Some(v) => {
                let k = v.to_str().map_err(|_| ApiError::BadRequest("Idempotency-Key must be visible ASCII".into(), vec![]))?.trim();
                if k.is_empty() || k.len() > 255 {
                    return Err(ApiError::BadRequest("Idempotency-Key must be 1 to 255 characters".into(), vec![]));
                }
                Some(k.to_string())
            }
        };
        Ok(Idempotency { key, scope: format!("{} {}", parts.method, parts.uri.path()) })
    }
}

impl Idempotency {
    /// Claims the key inside the unit of work; returns the earlier answer when this is a retry.
    pub async fn claim(&self, tx: &mut Tx, tenant: TenantId, fingerprint: &str) -> Result<Option<Response>, ApiError> {
        let Some(key) = &self.key else { return Ok(None) };
        let fp = format!("{} {fingerprint}", self.scope);
        match tx.claim_idempotency_key(tenant, key, &fp).await? {
            IdempotencyClaim::Fresh => Ok(None),
            IdempotencyClaim::Mismatch => Err(ApiError::IdempotencyKeyReused),
            IdempotencyClaim::Replay { status, body } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                let mut resp = (status, body).into_response();
                resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
                resp.headers_mut().insert("idempotent-replayed", header::HeaderValue::from_static("true"));
                Ok(Some(resp))
            }
        }
    }

    /// Records the answer with the key, commits the unit of work, and answers.
    pub async fn respond<T: Serialize>(&self, mut tx: Tx, tenant: TenantId, status: StatusCode, value: &T) -> Result<Response, ApiError> {
        let body = serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))?;
        if let Some(key) = &self.key {
            tx.record_idempotent_response(tenant, key, status.as_u16(), &body).await?;
        }
        tx.commit().await?;
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
        Ok(resp)
    }
}
