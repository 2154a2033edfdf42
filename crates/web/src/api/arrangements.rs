//! Arrangements: instalment plans over chosen invoices of a debtor. While kept they hold those
//! invoices off the track; the daily run finds a plan broken (an instalment not paid within its
//! grace) or completed, and the track resumes for a broken one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::dunning::agreement::{DEFAULT_ARRANGEMENT_GRACE_DAYS, Instalment, Schedule, Standing};
use domain::ids::{DebtorId, InvoiceId};
use domain::money::Cents;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use store::ArrangementRecord;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::App;
use crate::extract::{Body, Idempotency, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(create_arrangement, list_arrangements)).routes(routes!(cancel_arrangement))
}

/// A new arrangement.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewArrangement {
    /// The invoices it covers: open, of this debtor, in no other active arrangement.
    #[schema(value_type = Vec<i64>)]
    invoice_ids: Vec<InvoiceId>,
    /// Dates and amounts; they add up to what is owed on the invoices.
    instalments: Vec<Instalment>,
    /// Days of grace after each instalment's date (default 5).
    grace_days: Option<i32>,
    /// A note for colleagues.
    note: Option<String>,
}

/// An arrangement and how it stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Arrangement {
    /// Identifier.
    id: i64,
    /// The debtor.
    debtor_id: i64,
    /// The invoices it covers.
    invoice_ids: Vec<i64>,
    /// Dates and amounts.
    instalments: Vec<Instalment>,
    /// Days of grace after each instalment's date.
    grace_days: i32,
    /// The sum of the instalments.
    total: Cents,
    /// Paid or credited on its invoices since it was agreed.
    paid: Cents,
    /// active, completed, broken or cancelled (as last stored).
    status: String,
    /// For an active plan, today: kept, completed or broken (the daily run stores the last two).
    standing: Option<&'static str>,
    /// For an active plan: the day it breaks if nothing more is paid.
    #[schema(value_type = Option<String>, format = Date)]
    breaks_on: Option<Date>,
    /// A note.
    note: Option<String>,
    /// When agreed.
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    /// The day it ended.
    #[schema(value_type = Option<String>, format = Date)]
    ended_on: Option<Date>,
}

impl Arrangement {
    pub(crate) fn from_record(a: ArrangementRecord, today: Date) -> Self {
        let active = a.status == "active";
        let standing = active.then(|| match a.schedule.standing(a.paid_since, today) {
            Standing::Kept => "kept",
            Standing::Completed => "completed",
            Standing::Broken { .. } => "broken",
        });
        Arrangement {
            id: a.id,
            debtor_id: a.debtor_id.0,
            invoice_ids: a.invoice_ids.iter().map(|i| i.0).collect(),
            total: a.schedule.total(),
            breaks_on: if active { a.schedule.breaks_on(a.paid_since).map(|(_, on)| on) } else { None },
            instalments: a.schedule.instalments,
            grace_days: a.schedule.grace_days,
            paid: a.paid_since,
            status: a.status,
            standing,
            note: a.note,
            created_at: a.created_at,
            ended_on: a.ended_on,
        }
    }
}

/// Agree an arrangement with a debtor.
#[utoipa::path(post, path = "/debtors/{id}/arrangements", tag = "dunning", params(("id" = i64, Path, description = "Debtor id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first answer")),
    request_body = NewArrangement,
    responses((status = 201, body = Arrangement), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn create_arrangement(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    idem: Idempotency,
    body: Body<NewArrangement>,
) -> Result<Response, ApiError> {
    let mut tx = app.db.write().await?;
    if let Some(replay) = idem.claim(&mut tx, tenant, &body.fingerprint).await? {
        return Ok(replay);
    }
    let a = body.value;
    let debtor = tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let today = crate::today();
    let schedule = Schedule { instalments: a.instalments, grace_days: a.grace_days.unwrap_or(DEFAULT_ARRANGEMENT_GRACE_DAYS) };
    let note = a.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let new_id = match ledger::arrangements::agree(&mut tx, tenant, debtor.id, &a.invoice_ids, &schedule, note, today).await? {
        Ok(id) => id,
        Err(problems) => return Err(ApiError::check(problems).err().unwrap_or(ApiError::NotFound)),
    };
    let stored = tx.arrangement(tenant, new_id).await?.ok_or(ApiError::NotFound)?;
    idem.respond(tx, tenant, StatusCode::CREATED, &Arrangement::from_record(stored, today)).await
}

/// A debtor's arrangements, oldest first.
#[utoipa::path(get, path = "/debtors/{id}/arrangements", tag = "dunning", params(("id" = i64, Path, description = "Debtor id")),
    responses((status = 200, body = Vec<Arrangement>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn list_arrangements(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Arrangement>>, ApiError> {
    let mut tx = app.db.read().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let list = tx.arrangements_of(tenant, DebtorId(id)).await?;
    tx.commit().await?;
    let today = crate::today();
    Ok(Json(list.into_iter().map(|a| Arrangement::from_record(a, today)).collect()))
}

/// Cancel an active arrangement: its invoices go back on the track at the next run.
#[utoipa::path(post, path = "/arrangements/{id}/cancel", tag = "dunning", params(("id" = i64, Path, description = "Arrangement id")),
    responses((status = 204, description = "Cancelled"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn cancel_arrangement(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    let mut tx = app.db.write().await?;
    if !tx.end_arrangement(tenant, id, "cancelled", crate::today()).await? {
        return Err(ApiError::NotFound);
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
