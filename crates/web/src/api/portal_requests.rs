//! What debtors asked for in the portal that a person decides: payment plans beyond the
//! tenant's limits, and the files sent with disputes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::dunning::agreement::Instalment;
use domain::ids::DebtorId;
use domain::money::Cents;
use jiff::Timestamp;
use ledger::arrangements::ProposalDecision;
use serde::Serialize;
use store::ArrangementProposal;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::App;
use crate::api::arrangements::Arrangement;
use crate::extract::TenantKey;
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(pending_proposals))
        .routes(routes!(debtor_proposals))
        .routes(routes!(approve_proposal))
        .routes(routes!(reject_proposal))
        .routes(routes!(dispute_files))
        .routes(routes!(dispute_file))
}

/// A payment plan a debtor proposed in the portal beyond the tenant's limits.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Proposal {
    /// Identifier.
    id: i64,
    /// The debtor.
    debtor_id: i64,
    /// The invoices it covers.
    invoice_ids: Vec<i64>,
    /// weekly or monthly.
    frequency: &'static str,
    /// Dates and amounts the debtor chose.
    instalments: Vec<Instalment>,
    /// The sum of the instalments.
    total: Cents,
    /// Why a person decides: where it goes beyond the limits.
    beyond_limits: String,
    /// pending, approved or rejected.
    status: String,
    /// The arrangement an approval made.
    arrangement_id: Option<i64>,
    /// When proposed.
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    /// When decided.
    #[schema(value_type = Option<String>, format = DateTime)]
    decided_at: Option<Timestamp>,
}

impl From<ArrangementProposal> for Proposal {
    fn from(p: ArrangementProposal) -> Self {
        Proposal {
            id: p.id,
            debtor_id: p.debtor_id.0,
            invoice_ids: p.invoice_ids.iter().map(|i| i.0).collect(),
            frequency: p.frequency.as_str(),
            total: p.schedule.total(),
            instalments: p.schedule.instalments,
            beyond_limits: p.beyond_limits,
            status: p.status,
            arrangement_id: p.arrangement_id,
            created_at: p.created_at,
            decided_at: p.decided_at,
        }
    }
}

/// Proposals waiting for a decision, oldest first.
#[utoipa::path(get, path = "/arrangement-proposals", tag = "portal",
    responses((status = 200, body = Vec<Proposal>)), security(("api_key" = [])))]
async fn pending_proposals(State(app): State<App>, TenantKey(tenant): TenantKey) -> Result<Json<Vec<Proposal>>, ApiError> {
    let mut tx = app.db.read().await?;
    let list = tx.arrangement_proposals(tenant, None).await?;
    tx.commit().await?;
    Ok(Json(list.into_iter().map(Proposal::from).collect()))
}

/// A debtor's proposals, decided or not, oldest first.
#[utoipa::path(get, path = "/debtors/{id}/arrangement-proposals", tag = "portal", params(("id" = i64, Path, description = "Debtor id")),
    responses((status = 200, body = Vec<Proposal>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn debtor_proposals(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Proposal>>, ApiError> {
    let mut tx = app.db.read().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let list = tx.arrangement_proposals(tenant, Some(DebtorId(id))).await?;
    tx.commit().await?;
    Ok(Json(list.into_iter().map(Proposal::from).collect()))
}

/// Approve a proposal: it becomes an arrangement (checked as one made over the API), and the
/// hold kept while it waited ends.
#[utoipa::path(post, path = "/arrangement-proposals/{id}/approve", tag = "portal", params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 201, body = Arrangement), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn approve_proposal(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let mut tx = app.db.write().await?;
    let today = crate::today();
    let arrangement = match ledger::arrangements::decide_proposal(&mut tx, tenant, id, true, today).await? {
        ProposalDecision::Approved(a) => a,
        other => return Err(refused(other)),
    };
    let stored = tx.arrangement(tenant, arrangement).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Arrangement::from_record(stored, today))).into_response())
}

/// Why a decision was not taken, as the API says it.
fn refused(d: ProposalDecision) -> ApiError {
    match d {
        ProposalDecision::NotFound => ApiError::NotFound,
        ProposalDecision::AlreadyDecided(status) => {
            ApiError::Conflict(domain::FieldProblem::new("status", format!("the proposal was {status} already")))
        }
        ProposalDecision::Invalid(problems) => ApiError::Invalid(problems),
        ProposalDecision::Approved(_) | ProposalDecision::Rejected => ApiError::Internal("a decision taken is not refused".into()),
    }
}

/// Reject a proposal: the hold kept while it waited ends, and the track resumes at the next run.
#[utoipa::path(post, path = "/arrangement-proposals/{id}/reject", tag = "portal", params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 204, description = "Rejected"), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn reject_proposal(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    let mut tx = app.db.write().await?;
    match ledger::arrangements::decide_proposal(&mut tx, tenant, id, false, crate::today()).await? {
        ProposalDecision::Rejected => {
            tx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
        other => Err(refused(other)),
    }
}

/// A file a debtor sent with a dispute.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct DisputeFile {
    /// Identifier.
    id: i64,
    /// The dispute (pause) it belongs to.
    pause_id: i64,
    /// The file's name as sent.
    file_name: String,
    /// application/pdf, image/png or image/jpeg, found from its content.
    content_type: String,
    /// Size in bytes.
    size: i64,
    /// SHA-256 of the content, hex.
    sha256: String,
    /// When received.
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
}

/// The files a debtor sent with disputes, oldest first.
#[utoipa::path(get, path = "/debtors/{id}/dispute-files", tag = "portal", params(("id" = i64, Path, description = "Debtor id")),
    responses((status = 200, body = Vec<DisputeFile>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn dispute_files(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
) -> Result<Json<Vec<DisputeFile>>, ApiError> {
    let mut tx = app.db.read().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let files = tx.dispute_attachments_of(tenant, DebtorId(id)).await?;
    tx.commit().await?;
    Ok(Json(
        files
            .into_iter()
            .map(|f| DisputeFile {
                id: f.id,
                pause_id: f.pause_id,
                file_name: f.file_name,
                content_type: f.content_type,
                size: f.size,
                sha256: f.sha256,
                created_at: f.created_at,
            })
            .collect(),
    ))
}

/// One dispute file's content, as a download.
#[utoipa::path(get, path = "/dispute-files/{id}", tag = "portal", params(("id" = i64, Path, description = "File id")),
    responses((status = 200, description = "The file"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn dispute_file(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let mut tx = app.db.read().await?;
    let (name, kind, content) = tx.dispute_attachment_content(tenant, id).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || "-_. ".contains(*c)).collect();
    let mut r = content.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&kind).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(r)
}
