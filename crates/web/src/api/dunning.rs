//! The dunning engine over the API: pauses that take a debtor's invoices off the track, and
//! the actions the daily run stored.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldProblem;
use domain::dunning::planner::Flag;
use domain::ids::{DebtorId, InvoiceId};
use domain::money::Cents;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use store::{ActionRecord, ActionStatus, PauseRecord};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, Paged};
use crate::App;
use crate::extract::{Body, Params, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(create_pause, list_pauses))
        .routes(routes!(end_pause))
        .routes(routes!(list_actions))
        .routes(routes!(list_flags))
        .routes(routes!(clear_flag))
        .routes(routes!(timeline))
}

/// What kind of pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum PauseKind {
    /// One invoice is disputed.
    Dispute,
    /// A credit controller holds the debtor.
    Hold,
    /// The debtor promised to pay by a day.
    Promise,
    /// The debtor was referred to debt help.
    DebtHelp,
}

impl PauseKind {
    fn as_str(self) -> &'static str {
        match self {
            PauseKind::Dispute => "dispute",
            PauseKind::Hold => "hold",
            PauseKind::Promise => "promise",
            PauseKind::DebtHelp => "debt_help",
        }
    }
}

/// A new pause.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewPause {
    /// dispute (names an invoice), hold, promise (needs `until`) or debt_help.
    kind: PauseKind,
    /// The disputed invoice.
    #[schema(value_type = Option<i64>)]
    invoice_id: Option<InvoiceId>,
    /// Last day of the pause; for a promise, the day promised (a few days' grace follow).
    #[schema(value_type = Option<String>, format = Date)]
    until: Option<Date>,
    /// For a promise: the amount promised, in cents.
    amount: Option<Cents>,
    /// Why, in a sentence.
    reason: String,
}

/// A pause in force.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Pause {
    /// Identifier.
    id: i64,
    /// The debtor.
    debtor_id: i64,
    /// The invoice, for a dispute.
    invoice_id: Option<i64>,
    /// dispute, arrangement, promise, hold or debt_help.
    kind: String,
    /// Last day, if any.
    #[schema(value_type = Option<String>, format = Date)]
    until: Option<Date>,
    /// Why.
    reason: Option<String>,
    /// A promise's amount.
    amount: Option<Cents>,
}

impl From<PauseRecord> for Pause {
    fn from(p: PauseRecord) -> Self {
        Pause {
            id: p.id,
            debtor_id: p.debtor_id.0,
            invoice_id: p.invoice_id.map(|i| i.0),
            kind: p.kind,
            until: p.until,
            reason: p.reason,
            amount: p.amount,
        }
    }
}

/// A stored dunning action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Action {
    /// Identifier.
    id: i64,
    /// The debtor.
    debtor_id: i64,
    /// The run that stored it.
    #[schema(value_type = String, format = Date)]
    run_date: Date,
    /// The policy followed.
    policy: String,
    /// Step index in the policy.
    step: i64,
    /// The step's kind.
    kind: String,
    /// The day it fell due.
    #[schema(value_type = String, format = Date)]
    due_on: Date,
    /// Channels to try, in order.
    channels: Vec<String>,
    /// Invoice ids listed.
    invoices: Vec<i64>,
    /// What was open on them, in cents.
    amount: i64,
    /// queued, awaiting_approval, task_open (a call on the worklist) or unreachable.
    status: String,
    /// When a person closed it (a call task, by a call with a final outcome).
    #[schema(value_type = Option<String>, format = DateTime)]
    closed_at: Option<jiff::Timestamp>,
}

impl From<ActionRecord> for Action {
    fn from(a: ActionRecord) -> Self {
        Action {
            id: a.id,
            debtor_id: a.debtor_id.0,
            run_date: a.run_date,
            policy: a.policy,
            step: a.step,
            kind: a.kind,
            due_on: a.due_on,
            channels: a.channels,
            invoices: a.invoices,
            amount: a.amount.cents(),
            status: a.status,
            closed_at: a.closed_at,
        }
    }
}

/// Pause a debtor's track (or, for a dispute, one invoice's). A promise ends by itself: kept
/// once the amount is paid, broken (and the debtor flagged) when the day plus a few days' grace
/// passes without it. Arrangements, with their instalments, have their own route.
#[utoipa::path(post, path = "/debtors/{id}/pauses", tag = "dunning", params(("id" = i64, Path, description = "Debtor id")),
    request_body = NewPause,
    responses((status = 201, body = Pause), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn create_pause(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    body: Body<NewPause>,
) -> Result<Response, ApiError> {
    let p = body.value;
    let mut tx = app.db.write().await?;
    let debtor = tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let mut problems = Vec::new();
    domain::check_text(&mut problems, "reason", &p.reason, 500);
    match (p.kind, p.invoice_id) {
        (PauseKind::Dispute, None) => problems.push(FieldProblem::new("invoice_id", "a dispute names the disputed invoice")),
        (PauseKind::Dispute, Some(i)) => {
            if tx.invoice(tenant, i).await?.is_none_or(|inv| inv.debtor_id != debtor.id) {
                problems.push(FieldProblem::new("invoice_id", format!("no invoice {i} of this debtor")));
            }
        }
        (_, Some(_)) => {
            problems.push(FieldProblem::new("invoice_id", "only a dispute names an invoice; the others pause the whole debtor"))
        }
        (_, None) => {}
    }
    let today = crate::today();
    match (p.kind, p.until) {
        (PauseKind::Promise, None) => problems.push(FieldProblem::new("until", "a promise has a date")),
        (PauseKind::Promise, Some(u)) if u < today => problems.push(FieldProblem::new("until", format!("lies before today ({today})"))),
        (PauseKind::DebtHelp, Some(_)) => problems.push(FieldProblem::new("until", "a debt-help referral lasts until it is ended")),
        _ => {}
    }
    match (p.kind, p.amount) {
        (PauseKind::Promise, None) => problems.push(FieldProblem::new("amount", "a promise has an amount")),
        (PauseKind::Promise, Some(a)) if !a.is_positive() => problems.push(FieldProblem::new("amount", "must be more than zero")),
        (PauseKind::Promise, Some(_)) => {}
        (_, Some(_)) => problems.push(FieldProblem::new("amount", "only a promise has an amount")),
        (_, None) => {}
    }
    ApiError::check(problems)?;
    let pause_id = tx.add_pause(tenant, debtor.id, p.invoice_id, p.kind.as_str(), p.until, p.amount, p.reason.trim()).await?;
    let created = tx.pauses_of(tenant, debtor.id).await?.into_iter().find(|x| x.id == pause_id).ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Pause::from(created))).into_response())
}

/// A debtor's pauses in force.
#[utoipa::path(get, path = "/debtors/{id}/pauses", tag = "dunning", params(("id" = i64, Path, description = "Debtor id")),
    responses((status = 200, body = Vec<Pause>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn list_pauses(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Json<Vec<Pause>>, ApiError> {
    let mut tx = app.db.read().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let list = tx.pauses_of(tenant, DebtorId(id)).await?;
    tx.commit().await?;
    Ok(Json(list.into_iter().map(Pause::from).collect()))
}

/// End a pause: the track resumes at the next run.
#[utoipa::path(post, path = "/pauses/{id}/end", tag = "dunning", params(("id" = i64, Path, description = "Pause id")),
    responses((status = 204, description = "Ended"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn end_pause(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    let mut tx = app.db.write().await?;
    if !tx.end_pause(tenant, id).await? {
        return Err(ApiError::NotFound);
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters of the action list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ActionQuery {
    /// Only this debtor's.
    debtor_id: Option<i64>,
    /// queued, awaiting_approval, task_open or unreachable.
    status: Option<String>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (1 to 500).
    limit: Option<u32>,
}

/// The actions the daily runs stored (status task_open: the call worklist).
#[utoipa::path(get, path = "/actions", tag = "dunning", params(ActionQuery),
    responses((status = 200, body = Paged<Action>), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn list_actions(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<ActionQuery>,
) -> Result<Json<Paged<Action>>, ApiError> {
    let page = PageParams { cursor: q.cursor, limit: q.limit }.page()?;
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(ActionStatus::parse(s).ok_or_else(|| {
            ApiError::BadRequest(
                format!("status '{s}' is not one of queued, awaiting_approval, task_open, unreachable"),
                vec![FieldProblem::new("status", "unknown")],
            )
        })?),
    };
    let mut tx = app.db.read().await?;
    let items: Vec<Action> = tx.actions(tenant, q.debtor_id.map(DebtorId), status, page).await?.into_iter().map(Action::from).collect();
    tx.commit().await?;
    Ok(Json(Paged::new(items, page, |a| a.id)))
}

/// A flag on a debtor's file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct DebtorFlag {
    /// broken_promise, cant_pay, wont_pay or wrong_number.
    flag: Flag,
    /// The day it was set.
    #[schema(value_type = String, format = Date)]
    set_on: Date,
    /// Why.
    note: Option<String>,
}

/// The flags on a debtor's file: wont_pay passes over the soft steps, wrong_number stops calls
/// and texts, broken_promise and cant_pay inform whoever calls next.
#[utoipa::path(get, path = "/debtors/{id}/flags", tag = "dunning", params(("id" = i64, Path, description = "Debtor id")),
    responses((status = 200, body = Vec<DebtorFlag>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn list_flags(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Json<Vec<DebtorFlag>>, ApiError> {
    let mut tx = app.db.read().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let flags = tx.flags_of(tenant, DebtorId(id)).await?;
    tx.commit().await?;
    Ok(Json(flags.into_iter().map(|f| DebtorFlag { flag: f.flag, set_on: f.set_on, note: f.note }).collect()))
}

/// Clear a flag (a corrected phone number, a debtor who will pay after all).
#[utoipa::path(post, path = "/debtors/{id}/flags/{flag}/clear", tag = "dunning",
    params(("id" = i64, Path, description = "Debtor id"), ("flag" = String, Path, description = "The flag")),
    responses((status = 204, description = "Cleared"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn clear_flag(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path((id, flag)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    let flag = Flag::parse(&flag).map_err(|e| ApiError::BadRequest(e.to_string(), vec![FieldProblem::new("flag", "unknown")]))?;
    let mut tx = app.db.write().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    if !tx.clear_flag(tenant, DebtorId(id), flag).await? {
        return Err(ApiError::NotFound);
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One thing that happened in a debtor's file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Event {
    /// The business day.
    #[schema(value_type = String, format = Date)]
    on: Date,
    /// The instant, when recorded.
    #[schema(value_type = Option<String>, format = DateTime)]
    at: Option<jiff::Timestamp>,
    /// invoice_issued, credit_note, payment, action, pause_started, pause_ended, promise_kept,
    /// promise_broken, arrangement_agreed, arrangement_completed, arrangement_broken,
    /// arrangement_cancelled, call, flag_set or flag_cleared.
    kind: &'static str,
    /// The id of the invoice, credit note, payment, action, pause, arrangement, call or flag.
    ref_id: i64,
    /// The amount involved, in cents.
    amount: Option<Cents>,
    /// What it was.
    detail: String,
}

/// Everything that happened in a debtor's file, in order: invoices, credit notes, payments,
/// actions of the daily run, pauses and how they ended, arrangements, calls and flags.
#[utoipa::path(get, path = "/debtors/{id}/timeline", tag = "dunning", params(("id" = i64, Path, description = "Debtor id")),
    responses((status = 200, body = Vec<Event>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn timeline(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Json<Vec<Event>>, ApiError> {
    let mut tx = app.db.read().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let events = tx.timeline(tenant, DebtorId(id)).await?;
    tx.commit().await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| Event { on: e.on, at: e.at, kind: e.kind, ref_id: e.ref_id, amount: e.amount, detail: e.detail })
            .collect(),
    ))
}
