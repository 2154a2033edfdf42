//! A debtor's file: contact data and preferences, the open invoices with the step each reached,
//! what pauses the track, the timeline (every message with its text and delivery evidence, every
//! call, payment, portal action and note), and the quick actions: log a call, write a note, put
//! the track on hold, end a pause.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;

use domain::FieldProblem;
use domain::dates::add_days;
use domain::dunning::call::CallOutcome;
use domain::ids::{DebtorId, InvoiceId};
use domain::invoice::InvoiceStatus;
use domain::money::Cents;

use super::{ActForm, Chrome, Staff, day, failed, money, problem_lines};
use crate::App;
use crate::api::worklist::{DisputeRaised, NewCall, PromiseMade, log_call};
use crate::problem::ApiError;

/// Longest hold a person can set from the file, in days.
const MAX_HOLD_DAYS: i32 = 90;

struct Contact {
    name: String,
    email: String,
    phone: String,
    whatsapp: bool,
}

struct OpenLine {
    id: i64,
    number: String,
    due: String,
    days_late: i64,
    open: String,
    step: String,
}

struct PauseLine {
    id: i64,
    /// A dispute: the invoice's number, what is open on it (as typed in the form), and the
    /// credit note number suggested.
    dispute: Option<(String, String, String)>,
    kind: String,
    until: String,
    reason: String,
    amount: String,
}

struct Event {
    on: String,
    kind: String,
    amount: String,
    detail: String,
    /// A message's text and evidence.
    message: Option<MessageView>,
}

struct MessageView {
    recipient: String,
    subject: String,
    body: String,
    message_id: String,
    delivery: String,
    attempts: Vec<String>,
}

/// A proposal or an action waiting for a decision.
struct Waiting {
    /// "proposals" or "actions": where the decision goes.
    what: &'static str,
    id: i64,
    title: &'static str,
    detail: String,
    amount: String,
}

/// A step the daily run would take.
struct NextStep {
    on: String,
    kind: String,
    by: String,
    amount: String,
    approval: bool,
}

/// Days ahead the file previews the track.
const PREVIEW_DAYS: i32 = 60;

#[derive(Template)]
#[template(path = "office/debtor.html")]
struct DebtorPage {
    waiting: Vec<Waiting>,
    next: Vec<NextStep>,
    c: Chrome,
    id: i64,
    name: String,
    facts: Vec<(&'static str, String)>,
    contacts: Vec<Contact>,
    flags: Vec<String>,
    open: Vec<OpenLine>,
    total: String,
    pauses: Vec<PauseLine>,
    events: Vec<Event>,
    notice: Option<(bool, Vec<String>)>,
    /// Value, words, chosen.
    outcomes: Vec<(&'static str, &'static str, bool)>,
    today: String,
    hold_latest: String,
    /// What the call form held when it was refused.
    kept: Kept,
}

/// What a refused call form held, to fill it again.
#[derive(Default)]
struct Kept {
    outcome: String,
    note: String,
    pay_by: String,
    amount: String,
    reason: String,
}

/// The file of one debtor of the session's tenant.
pub(super) async fn page(State(app): State<App>, staff: Staff, Path(id): Path<i64>, RawQuery(q): RawQuery) -> Response {
    let done = form_urlencoded::parse(q.unwrap_or_default().as_bytes()).find(|(k, _)| k == "done").map(|(_, v)| v.into_owned());
    let notice = done.map(|d| (false, vec![staff.t().done_word(&d).to_string()]));
    render(&app, &staff, DebtorId(id), StatusCode::OK, notice, Kept::default()).await
}

async fn render(app: &App, staff: &Staff, id: DebtorId, status: StatusCode, notice: Option<(bool, Vec<String>)>, kept: Kept) -> Response {
    let today = crate::today();
    let tenant = staff.tenant();
    let loaded = async {
        let mut tx = app.db.read().await?;
        let Some(debtor) = tx.debtor(tenant, id).await? else { return Ok(None) };
        let filter = store::InvoiceFilter { status: Some(InvoiceStatus::Open), debtor_id: Some(id), ..Default::default() };
        let mut open = tx.invoices(tenant, &filter, store::Page::first(5_000)).await?;
        open.sort_by_key(|i| (i.due_date, i.id));
        let steps = tx.progress_between(tenant, id, id).await?;
        let pauses = tx.pauses_of(tenant, id).await?;
        let flags = tx.flags_of(tenant, id).await?;
        let timeline = tx.timeline(tenant, id).await?;
        let messages = tx.messages(tenant, Some(id), None, store::Page::first(10_000)).await?;
        let proposals: Vec<store::ArrangementProposal> =
            tx.arrangement_proposals(tenant, Some(id)).await?.into_iter().filter(|p| p.status == "pending").collect();
        let approvals: Vec<store::ActionRecord> = tx
            .actions(tenant, Some(id), Some(store::ActionStatus::AwaitingApproval), store::Page::first(100))
            .await?
            .into_iter()
            .filter(|a| a.closed_at.is_none())
            .collect();
        tx.commit().await?;
        Ok::<_, store::StoreError>(Some((debtor, open, steps, pauses, flags, timeline, messages, proposals, approvals)))
    }
    .await;
    let (debtor, open, steps, pauses, flags, timeline, messages, proposals, approvals) = match loaded {
        Ok(Some(l)) => l,
        Ok(None) => return super::refused(staff, staff.t().no_such_debtor),
        Err(e) => return failed("debtor file", &e),
    };
    // The next steps as the daily run itself would take them, from today, if nothing changes.
    let planned = match ledger::dunning::preview_debtor(&app.db, tenant, id, today, add_days(today, PREVIEW_DAYS)).await {
        Ok(p) => p,
        Err(e) => return failed("preview", &e),
    };
    let (t, lang) = (staff.t(), staff.lang);
    let mut facts = vec![
        (t.kind, t.debtor_kind(debtor.kind).to_string()),
        (t.language, format!("{} ({})", debtor.language, debtor.language_level)),
        (t.segment, debtor.segment.to_string()),
        (t.preferred_channel, debtor.preferred_channel.map_or_else(|| "—".to_string(), |c| c.to_string())),
    ];
    if let Some(a) = &debtor.address {
        facts.push((t.address, format!("{}, {} {}, {}", a.street, a.postcode, a.city, a.country)));
    }
    if let Some(x) = &debtor.external_id {
        facts.push((t.external_id, x.clone()));
    }
    let contacts = debtor
        .contacts
        .iter()
        .map(|c| Contact {
            name: c.name.clone(),
            email: c.email.as_ref().map(|e| e.as_str().to_string()).unwrap_or_default(),
            phone: c.phone.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default(),
            whatsapp: c.whatsapp_opt_in,
        })
        .collect();
    let step_of = |inv: InvoiceId| steps.iter().filter(|s| s.invoice_id == inv).max_by_key(|s| s.step);
    let total: Cents = open.iter().map(|i| i.outstanding).sum();
    let open_lines = open
        .iter()
        .map(|i| OpenLine {
            id: i.id.0,
            number: i.number.clone(),
            due: day(lang, i.due_date),
            days_late: i64::from((today - i.due_date).get_days()).max(0),
            open: money(lang, i.outstanding),
            step: step_of(i.id).map_or_else(|| "—".to_string(), |s| format!("{} ({})", s.step + 1, day(lang, s.on))),
        })
        .collect();
    let pauses = pauses
        .iter()
        .map(|p| PauseLine {
            id: p.id,
            dispute: p.invoice_id.filter(|_| p.kind == "dispute").and_then(|i| open.iter().find(|o| o.id == i)).map(|i| {
                let typed = format!("{}.{:02}", i.outstanding.cents() / 100, i.outstanding.cents() % 100);
                (i.number.clone(), typed, format!("C-{}", i.number))
            }),
            kind: p.kind.clone(),
            until: p.until.map(|u| day(lang, u)).unwrap_or_default(),
            reason: p.reason.clone().unwrap_or_default(),
            amount: p.amount.map(|a| money(lang, a)).unwrap_or_default(),
        })
        .collect();
    let flags = flags.iter().map(|f| format!("{}{}", f.flag, f.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default())).collect();
    let by_id: HashMap<i64, &store::MessageRecord> = messages.iter().map(|m| (m.id, m)).collect();
    // Newest first: the file is read from the top.
    let events = timeline
        .iter()
        .rev()
        .map(|e| Event {
            on: day(lang, e.on),
            kind: e.kind.replace('_', " "),
            amount: e.amount.map(|a| money(lang, a)).unwrap_or_default(),
            detail: e.detail.clone(),
            message: e.kind.starts_with("message_").then(|| by_id.get(&e.ref_id)).flatten().map(|m| MessageView {
                recipient: m.recipient.clone().unwrap_or_default(),
                subject: m.subject.clone().unwrap_or_default(),
                body: m.body.clone().unwrap_or_default(),
                message_id: m.message_id.clone().unwrap_or_default(),
                delivery: m.delivery.clone().unwrap_or_else(|| m.status.clone()),
                attempts: m
                    .attempts
                    .iter()
                    .map(|a| {
                        format!(
                            "#{} {} → {}: {}",
                            a.attempt,
                            a.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                            a.outcome.as_deref().unwrap_or("…"),
                            a.detail.as_deref().unwrap_or_default()
                        )
                    })
                    .collect(),
            }),
        })
        .collect();
    let mut waiting: Vec<Waiting> = proposals
        .iter()
        .map(|p| Waiting {
            what: "proposals",
            id: p.id,
            title: t.proposal_word,
            detail: format!(
                "{} {} ({}), {} {}: {}",
                p.schedule.instalments.len(),
                t.instalments_word,
                p.frequency.as_str(),
                t.first_on,
                p.schedule.instalments.first().map(|i| day(lang, i.due_on)).unwrap_or_default(),
                p.beyond_limits
            ),
            amount: money(lang, p.schedule.total()),
        })
        .collect();
    waiting.extend(approvals.iter().map(|a| Waiting {
        what: "actions",
        id: a.id,
        title: t.action_word,
        detail: format!("{} ({}, step {}) by {}", a.kind, a.policy, a.step + 1, a.channels.join(" → ")),
        amount: money(lang, a.amount),
    }));
    let outcomes = CallOutcome::ALL.iter().map(|o| (o.as_str(), t.call_outcome(*o), kept.outcome == o.as_str())).collect();
    let next = planned
        .iter()
        .map(|(on, a)| NextStep {
            on: day(lang, *on),
            kind: a.kind.to_string(),
            by: a.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" → "),
            amount: money(lang, a.amount),
            approval: a.needs_approval,
        })
        .collect();
    let view = DebtorPage {
        next,
        waiting,
        c: staff.chrome("worklist"),
        id: id.0,
        name: debtor.name.clone(),
        facts,
        contacts,
        flags,
        open: open_lines,
        total: money(lang, total),
        pauses,
        events,
        notice,
        outcomes,
        today: today.to_string(),
        hold_latest: add_days(today, MAX_HOLD_DAYS).to_string(),
        kept,
    };
    staff.show(status, view.render())
}

/// The form's fields kept, to fill the form again after a refusal.
fn kept(form: &ActForm) -> Kept {
    let f = |k: &str| form.fields.get(k).unwrap_or_default().to_string();
    Kept { outcome: f("outcome"), note: f("note"), pay_by: f("pay_by"), amount: f("amount"), reason: f("reason") }
}

/// After a change: the file again, saying what was done.
fn back(id: i64, done: &str) -> Response {
    Redirect::to(&format!("/office/debtors/{id}?done={done}")).into_response()
}

/// Logs a call with what came of it; an open call task of the debtor is closed by it.
pub(super) async fn call(State(app): State<App>, Path(id): Path<i64>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let (staff, f) = (&form.staff, &form.fields);
    let mut problems = Vec::new();
    let outcome = match CallOutcome::parse(f.get("outcome").unwrap_or_default()) {
        Ok(o) => Some(o),
        Err(e) => {
            problems.push(FieldProblem::new("outcome", e.reason));
            None
        }
    };
    let promise = match outcome {
        Some(CallOutcome::Promise) => {
            let pay_by = f.get("pay_by").unwrap_or_default().parse::<Date>();
            let amount = Cents::parse(f.get("amount").unwrap_or_default());
            match (pay_by, amount) {
                (Ok(pay_by), Ok(amount)) => Some(PromiseMade { pay_by, amount }),
                (d, a) => {
                    if d.is_err() {
                        problems.push(FieldProblem::new("pay_by", "expected a date"));
                    }
                    if let Err(e) = a {
                        problems.push(FieldProblem::new("amount", e.reason));
                    }
                    None
                }
            }
        }
        _ => None,
    };
    let dispute = match outcome {
        Some(CallOutcome::Dispute) => match f.get("invoice").and_then(|v| v.parse::<i64>().ok()) {
            Some(i) => Some(DisputeRaised { invoice_id: InvoiceId(i), reason: f.text("reason") }),
            None => {
                problems.push(FieldProblem::new("invoice", "choose the invoice the debtor disputes"));
                None
            }
        },
        _ => None,
    };
    let (Some(outcome), true) = (outcome, problems.is_empty()) else {
        return render(&app, staff, DebtorId(id), StatusCode::UNPROCESSABLE_ENTITY, Some((true, problem_lines(&problems))), kept(&form))
            .await;
    };
    let note = Some(f.text("note")).filter(|n| !n.is_empty());
    let call = NewCall { outcome, note: note.clone(), promise, dispute };
    let result = async {
        let mut tx = app.db.write().await?;
        if tx.debtor(staff.tenant(), DebtorId(id)).await?.is_none() {
            return Err(ApiError::NotFound);
        }
        let task = tx.open_task_of(staff.tenant(), DebtorId(id)).await?;
        let logged = log_call(&mut tx, staff.tenant(), DebtorId(id), task, call).await?;
        let detail = format!("{outcome}{}", note.map(|n| format!(": {n}")).unwrap_or_default());
        tx.audit(Some(staff.tenant()), Some(staff.user()), "call_logged", &format!("debtor {id}"), &detail).await?;
        tx.commit().await?;
        Ok(logged)
    }
    .await;
    match result {
        Ok(_) => back(id, "call"),
        Err(ApiError::NotFound) => super::refused(staff, staff.t().no_such_debtor),
        Err(ApiError::Invalid(p) | ApiError::BadRequest(_, p)) => {
            render(&app, staff, DebtorId(id), StatusCode::UNPROCESSABLE_ENTITY, Some((true, problem_lines(&p))), kept(&form)).await
        }
        Err(e) => failed("log call", &e),
    }
}

/// Writes a note in the file.
pub(super) async fn note(State(app): State<App>, Path(id): Path<i64>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let staff = &form.staff;
    let text = form.fields.text("note");
    let mut problems = Vec::new();
    domain::check_text(&mut problems, "note", &text, 2000);
    if !problems.is_empty() {
        return render(&app, staff, DebtorId(id), StatusCode::UNPROCESSABLE_ENTITY, Some((true, problem_lines(&problems))), kept(&form))
            .await;
    }
    let result = async {
        let mut tx = app.db.write().await?;
        if tx.debtor(staff.tenant(), DebtorId(id)).await?.is_none() {
            return Ok(false);
        }
        tx.add_debtor_note(staff.tenant(), DebtorId(id), Some(staff.user()), &text).await?;
        tx.audit(Some(staff.tenant()), Some(staff.user()), "note_added", &format!("debtor {id}"), &text).await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(true)
    }
    .await;
    match result {
        Ok(true) => back(id, "note"),
        Ok(false) => super::refused(staff, staff.t().no_such_debtor),
        Err(e) => failed("note", &e),
    }
}

/// Puts the debtor's track on hold until a day, with a reason.
pub(super) async fn hold(State(app): State<App>, Path(id): Path<i64>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let staff = &form.staff;
    let today = crate::today();
    let reason = form.fields.text("reason");
    let mut problems = Vec::new();
    domain::check_text(&mut problems, "reason", &reason, 500);
    let until = form.fields.get("until").unwrap_or_default().parse::<Date>().ok();
    match until {
        None => problems.push(FieldProblem::new("until", "expected a date")),
        Some(u) if u <= today => problems.push(FieldProblem::new("until", format!("must lie after today ({today})"))),
        Some(u) if u > add_days(today, MAX_HOLD_DAYS) => problems
            .push(FieldProblem::new("until", format!("at most {MAX_HOLD_DAYS} days ahead; a longer stop is a hand-over or a write-off"))),
        Some(_) => {}
    }
    let (Some(until), true) = (until, problems.is_empty()) else {
        return render(&app, staff, DebtorId(id), StatusCode::UNPROCESSABLE_ENTITY, Some((true, problem_lines(&problems))), kept(&form))
            .await;
    };
    let result = async {
        let mut tx = app.db.write().await?;
        if tx.debtor(staff.tenant(), DebtorId(id)).await?.is_none() {
            return Ok(false);
        }
        let pause = tx.add_pause(staff.tenant(), DebtorId(id), None, "hold", Some(until), None, &reason).await?;
        let detail = format!("until {until}: {reason}");
        tx.audit(Some(staff.tenant()), Some(staff.user()), "hold_started", &format!("pause {pause} of debtor {id}"), &detail).await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(true)
    }
    .await;
    match result {
        Ok(true) => back(id, "hold"),
        Ok(false) => super::refused(staff, staff.t().no_such_debtor),
        Err(e) => failed("hold", &e),
    }
}

/// Ends a pause of the debtor (a hold, a promise, a dispute) so the track goes on.
pub(super) async fn end_pause(State(app): State<App>, Path((id, pause)): Path<(i64, i64)>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let staff = &form.staff;
    let result = async {
        let mut tx = app.db.write().await?;
        // Only a pause of this debtor: the path names both.
        if !tx.pauses_of(staff.tenant(), DebtorId(id)).await?.iter().any(|p| p.id == pause) {
            return Ok(false);
        }
        tx.end_pause(staff.tenant(), pause).await?;
        tx.audit(
            Some(staff.tenant()),
            Some(staff.user()),
            "pause_ended",
            &format!("pause {pause} of debtor {id}"),
            &form.fields.text("why"),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(true)
    }
    .await;
    match result {
        Ok(true) => back(id, "pause_ended"),
        Ok(false) => super::refused(staff, staff.t().no_such_pause),
        Err(e) => failed("end pause", &e),
    }
}

/// Decides a dispute: accepted with a credit note over (part of) what is open on the invoice, or
/// rejected; either way the pause ends and the track goes on for what is still owed.
pub(super) async fn decide_dispute(State(app): State<App>, Path((id, pause)): Path<(i64, i64)>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let (staff, f) = (&form.staff, &form.fields);
    let (tenant, debtor) = (staff.tenant(), DebtorId(id));
    let reason = f.text("decision_reason");
    let accept = match f.get("decision") {
        Some("accept") => true,
        Some("reject") => false,
        _ => {
            let p = [FieldProblem::new("decision", "choose accept (with a credit note) or reject")];
            return render(&app, staff, debtor, StatusCode::UNPROCESSABLE_ENTITY, Some((true, problem_lines(&p))), Kept::default()).await;
        }
    };
    let result = async {
        let mut tx = app.db.write().await?;
        let Some(p) = tx.pauses_of(tenant, debtor).await?.into_iter().find(|p| p.id == pause && p.kind == "dispute") else {
            return Err(ApiError::NotFound);
        };
        let mut problems = Vec::new();
        domain::check_text(&mut problems, "decision_reason", &reason, 500);
        let mut detail = String::new();
        if accept {
            let invoice = match p.invoice_id {
                Some(i) => tx.invoice(tenant, i).await?,
                None => None,
            };
            let Some(invoice) = invoice else {
                return Err(ApiError::field("decision", "this dispute names no invoice to credit; reject it or end the pause"));
            };
            let total = match Cents::parse(f.get("credit_amount").unwrap_or_default()) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(FieldProblem::new("credit_amount", e.reason));
                    Cents::ZERO
                }
            };
            let note = domain::invoice::NewCreditNote {
                debtor_id: debtor,
                invoice_id: Some(invoice.id),
                number: f.text("credit_number"),
                issue_date: crate::today(),
                total,
                vat: invoice.vat_share(total),
                reason: Some(reason.clone()),
            };
            problems.extend(note.problems(Some(&invoice)).into_iter().map(|mut p| {
                p.field = match p.field.as_str() {
                    "number" => "credit_number".into(),
                    "total" => "credit_amount".into(),
                    other => other.into(),
                };
                p
            }));
            ApiError::check(problems)?;
            let made = tx.create_credit_note(tenant, &note).await.map_err(|e| match e {
                store::StoreError::Conflict { .. } => {
                    ApiError::field("credit_number", format!("credit note {} exists already", note.number))
                }
                other => other.into(),
            })?;
            detail = format!("accepted: credit note {} of {} on {}: {reason}", made.number, made.total, invoice.number);
        } else {
            ApiError::check(problems)?;
            detail.push_str(&format!("rejected: {reason}"));
        }
        tx.end_pause(tenant, pause).await?;
        tx.add_debtor_note(tenant, debtor, Some(staff.user()), &format!("Dispute {detail}")).await?;
        tx.audit(Some(tenant), Some(staff.user()), "dispute_decided", &format!("pause {pause} of debtor {id}"), &detail).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => back(id, if accept { "dispute_accepted" } else { "dispute_rejected" }),
        Err(ApiError::NotFound) => super::refused(staff, staff.t().no_such_pause),
        Err(ApiError::Invalid(p)) => {
            render(&app, staff, debtor, StatusCode::UNPROCESSABLE_ENTITY, Some((true, problem_lines(&p))), Kept::default()).await
        }
        Err(e) => failed("decide dispute", &e),
    }
}

/// Decides a proposal from the portal (approve: it becomes an arrangement) or an action that
/// waits for approval (approve: it goes out; reject: nothing goes out).
pub(super) async fn decide(State(app): State<App>, Path((id, what, subject)): Path<(i64, String, i64)>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let staff = &form.staff;
    let (tenant, debtor) = (staff.tenant(), DebtorId(id));
    let approve = match form.fields.get("decision") {
        Some("approve") => true,
        Some("reject") => false,
        _ => return StatusCode::BAD_REQUEST.into_response(),
    };
    let word = if approve { "approved" } else { "rejected" };
    let result = async {
        let mut tx = app.db.write().await?;
        let outcome: Result<(), Vec<FieldProblem>> = match what.as_str() {
            "proposals" => {
                let mine = tx.arrangement_proposal(tenant, subject).await?.is_some_and(|p| p.debtor_id == debtor);
                if !mine {
                    return Ok(None);
                }
                match ledger::arrangements::decide_proposal(&mut tx, tenant, subject, approve, crate::today()).await? {
                    ledger::arrangements::ProposalDecision::Approved(_) | ledger::arrangements::ProposalDecision::Rejected => Ok(()),
                    ledger::arrangements::ProposalDecision::Invalid(p) => Err(p),
                    _ => return Ok(None),
                }
            }
            "actions" => {
                let mine = tx
                    .actions(tenant, Some(debtor), Some(store::ActionStatus::AwaitingApproval), store::Page::first(100))
                    .await?
                    .iter()
                    .any(|a| a.id == subject && a.closed_at.is_none());
                if !mine {
                    return Ok(None);
                }
                if approve {
                    tx.approve_action(tenant, subject).await?
                } else {
                    tx.reject_action(tenant, subject).await?
                };
                Ok(())
            }
            _ => return Ok(None),
        };
        if outcome.is_ok() {
            let subject_word = if what == "proposals" { "proposal" } else { "action" };
            tx.audit(
                Some(tenant),
                Some(staff.user()),
                &format!("{subject_word}_{word}"),
                &format!("{subject_word} {subject} of debtor {id}"),
                "",
            )
            .await?;
            tx.commit().await?;
        }
        Ok::<_, store::StoreError>(Some(outcome))
    }
    .await;
    match result {
        Ok(Some(Ok(()))) => back(id, word),
        Ok(Some(Err(p))) => {
            render(&app, staff, debtor, StatusCode::UNPROCESSABLE_ENTITY, Some((true, problem_lines(&p))), Kept::default()).await
        }
        Ok(None) => super::refused(staff, staff.t().not_on_list),
        Err(e) => failed("decide", &e),
    }
}

/// Agrees an arrangement on the phone: monthly or weekly instalments of an amount from a first
/// day, over every open invoice in no arrangement yet. A person agrees it, so the portal's
/// limits do not apply; the plan's own rules (at most 24 instalments, dates ahead) do.
pub(super) async fn arrangement(State(app): State<App>, Path(id): Path<i64>, form: ActForm) -> Response {
    use domain::dunning::agreement::{Frequency, Schedule};
    if let Some(r) = form.refusal() {
        return r;
    }
    let (staff, f) = (&form.staff, &form.fields);
    let (tenant, debtor) = (staff.tenant(), DebtorId(id));
    let today = crate::today();
    let mut problems = Vec::new();
    let frequency = if f.get("every") == Some("week") { Frequency::Weekly } else { Frequency::Monthly };
    let amount =
        Cents::parse(f.get("instalment").unwrap_or_default()).map_err(|e| problems.push(FieldProblem::new("instalment", e.reason))).ok();
    let first = f.get("first").unwrap_or_default().parse::<Date>().ok();
    match first {
        None => problems.push(FieldProblem::new("first", "expected a date")),
        Some(d) if d < today => problems.push(FieldProblem::new("first", format!("lies before today ({today})"))),
        Some(_) => {}
    }
    let note = f.text("note");
    let result = async {
        let mut tx = app.db.write().await?;
        if tx.debtor(tenant, debtor).await?.is_none() {
            return Ok::<_, store::StoreError>(None);
        }
        let (invoices, owed, _) = ledger::arrangements::arrangeable(&mut tx, tenant, debtor).await?;
        if !owed.is_positive() {
            problems.push(FieldProblem::new("instalment", "nothing is open outside an arrangement"));
        }
        let (Some(amount), Some(first), true) = (amount, first, problems.is_empty()) else { return Ok(Some(Err(problems))) };
        let Some(plan) = Schedule::of_amount(owed, first, frequency, amount) else {
            let max = domain::dunning::agreement::MAX_INSTALMENTS;
            return Ok(Some(Err(vec![FieldProblem::new("instalment", format!("{owed} takes more than {max} instalments of {amount}"))])));
        };
        let note = Some(note.as_str()).filter(|n| !n.is_empty());
        match ledger::arrangements::agree(&mut tx, tenant, debtor, &invoices, &plan, note, today).await? {
            Ok(a) => {
                let detail =
                    format!("{} instalments of {amount} ({}) from {first}, {owed} in all", plan.instalments.len(), frequency.as_str());
                tx.audit(Some(tenant), Some(staff.user()), "arrangement_agreed", &format!("arrangement {a} of debtor {id}"), &detail)
                    .await?;
                tx.commit().await?;
                Ok(Some(Ok(())))
            }
            Err(p) => Ok(Some(Err(p))),
        }
    }
    .await;
    match result {
        Ok(Some(Ok(()))) => back(id, "arrangement"),
        Ok(Some(Err(p))) => {
            render(&app, staff, debtor, StatusCode::UNPROCESSABLE_ENTITY, Some((true, problem_lines(&p))), Kept::default()).await
        }
        Ok(None) => super::refused(staff, staff.t().no_such_debtor),
        Err(e) => failed("arrangement", &e),
    }
}

/// Hands the debtor's open invoices over to a collection agency: they leave the track.
pub(super) async fn hand_over(State(app): State<App>, Path(id): Path<i64>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let staff = &form.staff;
    let (tenant, debtor) = (staff.tenant(), DebtorId(id));
    let agency = form.fields.text("agency");
    let mut problems = Vec::new();
    domain::check_text(&mut problems, "agency", &agency, 200);
    if !problems.is_empty() {
        return render(&app, staff, debtor, StatusCode::UNPROCESSABLE_ENTITY, Some((true, problem_lines(&problems))), Kept::default())
            .await;
    }
    let result = async {
        let mut tx = app.db.write().await?;
        if tx.debtor(tenant, debtor).await?.is_none() {
            return Ok(None);
        }
        let filter = store::InvoiceFilter { status: Some(InvoiceStatus::Open), debtor_id: Some(debtor), ..Default::default() };
        let open = tx.invoices(tenant, &filter, store::Page::first(5_000)).await?;
        let mut numbers = Vec::new();
        for mut inv in open {
            let change = domain::invoice::InvoiceChange { status: Some(InvoiceStatus::HandedOver), ..Default::default() };
            if change.apply(&mut inv).is_empty() {
                tx.update_invoice(&inv).await?;
                numbers.push(inv.number.clone());
            }
        }
        let detail = format!("to {agency}: {}", numbers.join(", "));
        tx.add_debtor_note(tenant, debtor, Some(staff.user()), &format!("Handed over {detail}")).await?;
        tx.audit(Some(tenant), Some(staff.user()), "handed_over", &format!("debtor {id}"), &detail).await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(Some(()))
    }
    .await;
    match result {
        Ok(Some(())) => back(id, "handed_over"),
        Ok(None) => super::refused(staff, staff.t().no_such_debtor),
        Err(e) => failed("hand over", &e),
    }
}
