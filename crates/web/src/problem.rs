//! Errors as `application/problem+json` (RFC 9457), with field-level details.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::FieldProblem;
use serde::Serialize;
use store::StoreError;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of that kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// One entry per field that is wrong.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// Why a request failed.
#[derive(Debug)]
pub enum ApiError {
    /// Nothing by that id for this tenant (also when it belongs to another tenant).
    NotFound,
    /// No valid credentials.
    Unauthorized(&'static str),
    /// Credentials that may not do this.
    Forbidden(&'static str),
    /// The request cannot be read (bad JSON, bad query parameter).
    BadRequest(String, Vec<FieldProblem>),
    /// The request is readable but breaks a rule.
    Invalid(Vec<FieldProblem>),
    /// A value that must be unique is taken.
    Conflict(FieldProblem),
    /// An Idempotency-Key reused for a different request.
    IdempotencyKeyReused,
    /// A fault on our side; the detail goes to the log, not to the client.
    Internal(String),
}

impl ApiError {
    /// One field is wrong.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldProblem::new(field, message)])
    }

    /// Fails when any problems were found.
    pub fn check(problems: Vec<FieldProblem>) -> Result<(), ApiError> {
        if problems.is_empty() { Ok(()) } else { Err(ApiError::Invalid(problems)) }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields = |errors: &[FieldProblem]| errors.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; ");
        match self {
            ApiError::NotFound => f.write_str("not found"),
            ApiError::Unauthorized(why) | ApiError::Forbidden(why) => f.write_str(why),
            ApiError::BadRequest(d, _) => f.write_str(d),
            ApiError::Invalid(errors) => f.write_str(&fields(errors)),
            ApiError::Conflict(p) => write!(f, "{} {}", p.field, p.message),
            ApiError::IdempotencyKeyReused => f.write_str("Idempotency-Key already used for another request"),
            ApiError::Internal(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { field } => ApiError::Conflict(FieldProblem::new(field, "is already in use by another record")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title, detail, errors) = match self {
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found", None, vec![]),
            ApiError::Unauthorized(why) => (StatusCode::UNAUTHORIZED, "unauthorized", "Not authenticated", Some(why.to_string()), vec![]),
            ApiError::Forbidden(why) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed", Some(why.to_string()), vec![]),
            ApiError::BadRequest(d, errors) => (StatusCode::BAD_REQUEST, "bad-request", "The request cannot be read", Some(d), errors),
            ApiError::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "The request breaks a rule",
                Some(format!("{} field(s) need attention", errors.len())),
                errors,
            ),
            ApiError::Conflict(p) => {
                (StatusCode::CONFLICT, "conflict", "Already exists", Some(format!("{} {}", p.field, p.message)), vec![p])
            }
            ApiError::IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency-Key already used for another request",
                Some("send a new Idempotency-Key for a different request".to_string()),
                vec![],
            ),
            ApiError::Internal(why) => {
                tracing::error!(error = %why, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side", None, vec![])
            }
        };
        let body =
            Problem { kind: format!("urn:tegoed:problem:{slug}"), title: title.to_string(), status: status.as_u16(), detail, errors };
        let mut resp = (status, axum::Json(body)).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}
