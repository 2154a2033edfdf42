//! The call worklist: call tasks the daily run created, and calls logged with what came of them.
//! What the debtor says steers the track: a promise or a dispute pauses it, "can't pay" holds
//! it while an arrangement is offered, "won't pay" passes over the soft steps, a wrong number
//! stops calls and texts to it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldProblem;
use domain::dates::add_days;
use domain::dunning::agreement::{Instalment, Schedule};
use domain::dunning::call::{ARRANGEMENT_OFFER_HOLD_DAYS, CallOutcome, MAX_OFFERED_INSTALMENTS, MIN_OFFERED_INSTALMENT};
use domain::dunning::planner::OpenItem;
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::money::Cents;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use store::{TaskRecord, Tx};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, Paged};
use crate::App;
use crate::extract::{Body, Idempotency, Params, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(list_tasks)).routes(routes!(call_on_task)).routes(routes!(call_debtor))
}

/// A call task.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Task {
    /// Identifier (the action that made it).
    id: i64,
    /// The debtor.
    debtor_id: i64,
    /// The debtor's name.
    debtor_name: String,
    /// The day it was put on the list.
    #[schema(value_type = String, format = Date)]
    run_date: Date,
    /// Why: the policy and the step.
    reason: String,
    /// The invoices to talk about.
    invoices: Vec<i64>,
    /// What was open on them.
    amount: Cents,
    /// Calls that did not reach the debtor.
    attempts: i64,
    /// When a call with a final outcome closed it.
    #[schema(value_type = Option<String>, format = DateTime)]
    closed_at: Option<Timestamp>,
}

impl From<TaskRecord> for Task {
    fn from(t: TaskRecord) -> Self {
        Task {
            id: t.id,
            debtor_id: t.debtor_id.0,
            debtor_name: t.debtor_name,
            run_date: t.run_date,
            reason: format!("step {} of policy {}", t.step + 1, t.policy),
            invoices: t.invoices,
            amount: t.amount,
            attempts: t.attempts,
            closed_at: t.closed_at,
        }
    }
}

/// Filters of the worklist.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct TaskQuery {
    /// true: the closed tasks instead of the open ones.
    closed: Option<bool>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (1 to 500).
    limit: Option<u32>,
}

/// The worklist: open call tasks, oldest first.
#[utoipa::path(get, path = "/tasks", tag = "dunning", params(TaskQuery),
    responses((status = 200, body = Paged<Task>), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn list_tasks(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<TaskQuery>,
) -> Result<Json<Paged<Task>>, ApiError> {
    let page = PageParams { cursor: q.cursor, limit: q.limit }.page()?;
    let mut tx = app.db.read().await?;
    let items: Vec<Task> = tx.tasks(tenant, q.closed.unwrap_or(false), page).await?.into_iter().map(Task::from).collect();
    tx.commit().await?;
    Ok(Json(Paged::new(items, page, |t| t.id)))
}

/// What the debtor promised on the call.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PromiseMade {
    /// The day they will pay by.
    #[schema(value_type = String, format = Date)]
    pub(crate) pay_by: Date,
    /// The amount, in cents.
    pub(crate) amount: Cents,
}

/// What the debtor disputes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisputeRaised {
    /// The invoice.
    #[schema(value_type = i64)]
    pub(crate) invoice_id: InvoiceId,
    /// Why, in the debtor's words.
    pub(crate) reason: String,
}

/// A call and what came of it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCall {
    /// reached, not_reached, promise, dispute, cant_pay, wont_pay or wrong_number.
    pub(crate) outcome: CallOutcome,
    /// What was said.
    pub(crate) note: Option<String>,
    /// With outcome promise: what was promised.
    pub(crate) promise: Option<PromiseMade>,
    /// With outcome dispute: the invoice and the reason.
    pub(crate) dispute: Option<DisputeRaised>,
}

/// What logging the call did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CallLogged {
    /// The call's id.
    pub(crate) call_id: i64,
    /// The task was closed by this call.
    pub(crate) task_closed: bool,
    /// The pause started: the promise, the dispute, or the hold while an arrangement is offered.
    pause_id: Option<i64>,
    /// The flag set on the debtor's file.
    flag: Option<String>,
    /// With outcome cant_pay: the arrangement to offer (POST it to /debtors/{id}/arrangements
    /// once the debtor agrees).
    offer: Option<Offer>,
}

/// An arrangement to offer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Offer {
    /// The open invoices it would cover.
    invoice_ids: Vec<i64>,
    /// Monthly instalments.
    instalments: Vec<Instalment>,
    /// Days of grace after each.
    grace_days: i32,
}

/// Log a call on a call task.
#[utoipa::path(post, path = "/tasks/{id}/calls", tag = "dunning", params(("id" = i64, Path, description = "Task id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first answer")),
    request_body = NewCall,
    responses((status = 201, body = CallLogged), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn call_on_task(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    idem: Idempotency,
    body: Body<NewCall>,
) -> Result<Response, ApiError> {
    let mut tx = app.db.write().await?;
    if let Some(replay) = idem.claim(&mut tx, tenant, &body.fingerprint).await? {
        return Ok(replay);
    }
    let task = tx.task(tenant, id).await?.ok_or(ApiError::NotFound)?;
    if let Some(closed) = task.closed_at {
        return Err(ApiError::Conflict(FieldProblem::new("id", format!("the task was closed at {closed}"))));
    }
    let logged = log_call(&mut tx, tenant, task.debtor_id, Some(task.id), body.value).await?;
    idem.respond(tx, tenant, StatusCode::CREATED, &logged).await
}

/// Log a call with a debtor that was not on the worklist (the debtor called in).
#[utoipa::path(post, path = "/debtors/{id}/calls", tag = "dunning", params(("id" = i64, Path, description = "Debtor id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first answer")),
    request_body = NewCall,
    responses((status = 201, body = CallLogged), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn call_debtor(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    idem: Idempotency,
    body: Body<NewCall>,
) -> Result<Response, ApiError> {
    let mut tx = app.db.write().await?;
    if let Some(replay) = idem.claim(&mut tx, tenant, &body.fingerprint).await? {
        return Ok(replay);
    }
    let debtor = tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let logged = log_call(&mut tx, tenant, debtor.id, None, body.value).await?;
    idem.respond(tx, tenant, StatusCode::CREATED, &logged).await
}

/// Checks the call, stores it and does what its outcome asks, in the caller's unit of work.
pub(crate) async fn log_call(
    tx: &mut Tx,
    tenant: TenantId,
    debtor: DebtorId,
    task: Option<i64>,
    call: NewCall,
) -> Result<CallLogged, ApiError> {
    let today = crate::today();
    let mut problems = Vec::new();
    let note = call.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note {
        domain::check_text(&mut problems, "note", n, 2000);
    }
    match (call.outcome, &call.promise) {
        (CallOutcome::Promise, None) => problems.push(FieldProblem::new("promise", "a promise has a day (pay_by) and an amount")),
        (CallOutcome::Promise, Some(p)) => {
            if p.pay_by < today {
                problems.push(FieldProblem::new("promise.pay_by", format!("lies before today ({today})")));
            }
            if !p.amount.is_positive() {
                problems.push(FieldProblem::new("promise.amount", "must be more than zero"));
            }
        }
        (_, Some(_)) => problems.push(FieldProblem::new("promise", "only with outcome promise")),
        (_, None) => {}
    }
    match (call.outcome, &call.dispute) {
        (CallOutcome::Dispute, None) => problems.push(FieldProblem::new("dispute", "a dispute names the invoice and the reason")),
        (CallOutcome::Dispute, Some(d)) => {
            domain::check_text(&mut problems, "dispute.reason", &d.reason, 500);
            if tx.invoice(tenant, d.invoice_id).await?.is_none_or(|inv| inv.debtor_id != debtor) {
                problems.push(FieldProblem::new("dispute.invoice_id", format!("no invoice {} of this debtor", d.invoice_id)));
            }
        }
        (_, Some(_)) => problems.push(FieldProblem::new("dispute", "only with outcome dispute")),
        (_, None) => {}
    }
    ApiError::check(problems)?;

    let call_id = tx.log_call(tenant, debtor, task, call.outcome, note).await?;
    let task_closed = match task {
        Some(t) if call.outcome.closes_task() => tx.close_task(tenant, t).await?,
        _ => false,
    };
    let mut pause_id = None;
    let mut offer = None;
    match call.outcome {
        CallOutcome::Promise => {
            let p = call.promise.as_ref().ok_or_else(|| ApiError::Internal("promise checked above".into()))?;
            let reason = note.unwrap_or("promised on the phone");
            pause_id = Some(tx.add_pause(tenant, debtor, None, "promise", Some(p.pay_by), Some(p.amount), reason).await?);
        }
        CallOutcome::Dispute => {
            let d = call.dispute.as_ref().ok_or_else(|| ApiError::Internal("dispute checked above".into()))?;
            pause_id = Some(tx.add_pause(tenant, debtor, Some(d.invoice_id), "dispute", None, None, d.reason.trim()).await?);
        }
        CallOutcome::CantPay => {
            let until = add_days(today, ARRANGEMENT_OFFER_HOLD_DAYS);
            pause_id = Some(tx.add_pause(tenant, debtor, None, "hold", Some(until), None, "arrangement offered on the phone").await?);
            offer = offer_for(tx, tenant, debtor, until).await?;
        }
        CallOutcome::Reached | CallOutcome::NotReached | CallOutcome::WontPay | CallOutcome::WrongNumber => {}
    }
    let flag = call.outcome.flag();
    if let Some(f) = flag {
        tx.set_flag(tenant, debtor, f, today, note).await?;
    }
    Ok(CallLogged { call_id, task_closed, pause_id, flag: flag.map(|f| f.as_str().to_string()), offer })
}

/// Monthly instalments over the debtor's open invoices not in an arrangement, the first on
/// `first`; none when nothing is owed outside one.
async fn offer_for(tx: &mut Tx, tenant: TenantId, debtor: DebtorId, first: Date) -> Result<Option<Offer>, ApiError> {
    let mut open: Vec<OpenItem> = tx.open_invoices_of(tenant, debtor).await?.into_iter().map(|(i, _)| i).collect();
    let ids: Vec<InvoiceId> = open.iter().map(|i| i.id).collect();
    let taken = tx.invoices_in_arrangements(tenant, &ids).await?;
    open.retain(|i| !taken.contains(&i.id));
    let owed: Cents = open.iter().map(|i| i.outstanding).sum();
    if !owed.is_positive() {
        return Ok(None);
    }
    let s = Schedule::propose(owed, first, MIN_OFFERED_INSTALMENT, MAX_OFFERED_INSTALMENTS);
    Ok(Some(Offer { invoice_ids: open.iter().map(|i| i.id.0).collect(), instalments: s.instalments, grace_days: s.grace_days }))
}
