//! What a credit controller agrees with a debtor and learns from them: promises and arrangements
//! with what was paid since, flags on the debtor's file, calls against call tasks, and the
//! debtor's timeline of everything that happened.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;

use domain::dunning::agreement::{Instalment, Promise, Schedule};
use domain::dunning::call::CallOutcome;
use domain::dunning::planner::{Flag, Pause};
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::money::Cents;

use crate::conn::{Tx, dispatch};
use crate::filter::{Filter, bind_args};
use crate::time::Stamp;
use crate::{Page, Result, corrupt};

/// What the debtor has paid or credited on all of its invoices, as stored: what a promise's
/// progress is measured against.
const SETTLED_BY_DEBTOR: &str = "CAST((SELECT COALESCE(SUM(i.paid + i.credited), 0) FROM invoices i WHERE i.tenant_id = p.tenant_id AND i.debtor_id = p.debtor_id) AS BIGINT)";

/// A promise in force, with what was paid since it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseInForce {
    /// The pause that holds it.
    pub id: i64,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// What was promised.
    pub promise: Promise,
    /// Paid or credited since.
    pub paid_since: Cents,
}

/// An arrangement, with what was paid toward it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArrangementRecord {
    /// Identifier.
    pub id: i64,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// The invoices it covers.
    pub invoice_ids: Vec<InvoiceId>,
    /// Instalments and grace.
    pub schedule: Schedule,
    /// Paid or credited on its invoices since it was agreed.
    pub paid_since: Cents,
    /// active, completed, broken or cancelled.
    pub status: String,
    /// A note.
    pub note: Option<String>,
    /// When it was agreed.
    pub created_at: Timestamp,
    /// The day it ended, if it did.
    pub ended_on: Option<Date>,
}

/// Everything in force for a range of debtors that holds or steers their track.
#[derive(Debug, Clone, Default)]
pub struct Agreements {
    /// Disputes, holds, debt-help referrals and promises without an amount, by debtor.
    pub pauses: HashMap<DebtorId, Vec<Pause>>,
    /// Promises with an amount, still open.
    pub promises: Vec<PromiseInForce>,
    /// Active arrangements.
    pub arrangements: Vec<ArrangementRecord>,
    /// Flags in force, by debtor, with the day each was set.
    pub flags: HashMap<DebtorId, Vec<(Flag, Date)>>,
}

/// A flag on a debtor's file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlagRecord {
    /// The flag.
    pub flag: Flag,
    /// The day it was set.
    pub set_on: Date,
    /// Why.
    pub note: Option<String>,
}

/// A call task on the worklist.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaskRecord {
    /// The action that made it.
    pub id: i64,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// The debtor's name.
    pub debtor_name: String,
    /// The day the run put it on the list.
    pub run_date: Date,
    /// The policy followed.
    pub policy: String,
    /// Step index.
    pub step: i64,
    /// The invoices to talk about.
    pub invoices: Vec<i64>,
    /// What was open on them.
    pub amount: Cents,
    /// Calls made without reaching the debtor.
    pub attempts: i64,
    /// Closed by a call with a final outcome.
    pub closed_at: Option<Timestamp>,
}

/// One thing that happened in a debtor's file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimelineEvent {
    /// The business day it happened on.
    pub on: Date,
    /// The instant, when Tegoed recorded one.
    pub at: Option<Timestamp>,
    /// What happened: invoice_issued, credit_note, payment, action, pause_started, pause_ended,
    /// promise_kept, promise_broken, arrangement_agreed, arrangement_completed,
    /// arrangement_broken, arrangement_cancelled, call, note, flag_set, flag_cleared, message_sent,
    /// message_in_doubt, message_failed, message_cancelled, or a portal event.
    pub kind: &'static str,
    /// The thing it concerns (invoice, payment, action, pause, arrangement, call id).
    pub ref_id: i64,
    /// The amount involved, if any.
    pub amount: Option<Cents>,
    /// A short description: the invoice number, the step, the outcome, the reason.
    pub detail: String,
}

fn cents(v: i64, what: &str) -> Result<Cents> {
    Cents::new(v).map_err(|e| corrupt(what, e))
}

fn flag(word: &str) -> Result<Flag> {
    Flag::parse(word).map_err(|e| corrupt("flag", e))
}

impl Tx {
    /// Pauses, promises, arrangements and flags in force for debtors from `first` to `last`.
    pub async fn agreements_between(&mut self, tenant: TenantId, first: DebtorId, last: DebtorId) -> Result<Agreements> {
        let mut out = Agreements::default();
        let sql = format!(
            "SELECT p.id, p.debtor_id, p.invoice_id, p.kind, p.until, p.amount, {SETTLED_BY_DEBTOR} - COALESCE(p.settled_at_start, 0) \
             FROM pauses p WHERE p.tenant_id = $1 AND p.debtor_id BETWEEN $2 AND $3 AND p.ended_at IS NULL"
        );
        type Row = (i64, i64, Option<i64>, String, Option<jiff_sqlx::Date>, Option<i64>, i64);
        let rows: Vec<Row> = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0).bind(first.0).bind(last.0).fetch_all(c).await?);
        for (id, d, invoice, kind, until, amount, paid_since) in rows {
            let until = until.map(|u| u.to_jiff());
            let pause = match (kind.as_str(), invoice, amount) {
                ("dispute", Some(i), _) => Pause::Dispute { invoice_id: InvoiceId(i), until },
                ("promise", _, Some(amount)) => {
                    let pay_by = until.ok_or_else(|| corrupt("promise", "without a date"))?;
                    let promise = Promise { pay_by, amount: cents(amount, "promise amount")? };
                    out.promises.push(PromiseInForce { id, debtor_id: DebtorId(d), promise, paid_since: cents(paid_since, "paid since")? });
                    continue;
                }
                ("promise", _, None) => Pause::Promise { until: until.ok_or_else(|| corrupt("promise", "without a date"))? },
                ("hold", _, _) => Pause::Hold { until },
                ("debt_help", _, _) => Pause::DebtHelp,
                (k, _, _) => return Err(corrupt("pause", format!("{k} {id} cannot be read"))),
            };
            out.pauses.entry(DebtorId(d)).or_default().push(pause);
        }
        out.arrangements =
            self.arrangements_where(tenant, "a.debtor_id BETWEEN $2 AND $3 AND a.status = 'active'", first.0, last.0).await?;
        let rows: Vec<(i64, String, jiff_sqlx::Date)> = dispatch!(self, c => sqlx::query_as(
            "SELECT debtor_id, flag, set_on FROM debtor_flags WHERE tenant_id = $1 AND debtor_id BETWEEN $2 AND $3 AND cleared_at IS NULL")
            .bind(tenant.0).bind(first.0).bind(last.0).fetch_all(c).await?);
        for (d, f, on) in rows {
            out.flags.entry(DebtorId(d)).or_default().push((flag(&f)?, on.to_jiff()));
        }
        Ok(out)
    }

    /// Arrangements matching `condition` (over `a.`, with `$2` and `$3` bound to `x` and `y`), in
    /// id order, with their invoices and what was paid since.
    async fn arrangements_where(&mut self, tenant: TenantId, condition: &str, x: i64, y: i64) -> Result<Vec<ArrangementRecord>> {
        let sql = format!(
            "SELECT a.id, a.debtor_id, a.instalments, a.grace_days, \
             CAST((SELECT COALESCE(SUM(i.paid + i.credited), 0) FROM arrangement_invoices ai \
                   JOIN invoices i ON i.tenant_id = ai.tenant_id AND i.id = ai.invoice_id WHERE ai.arrangement_id = a.id) AS BIGINT) \
               - a.settled_at_start, \
             a.status, a.note, a.created_at, a.ended_on FROM arrangements a WHERE a.tenant_id = $1 AND {condition} ORDER BY a.id"
        );
        type Row = (i64, i64, String, i64, i64, String, Option<String>, Stamp, Option<jiff_sqlx::Date>);
        let rows: Vec<Row> =
            dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(x).bind(y).fetch_all(c).await?);
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut w = Filter::tenant(self.backend(), tenant.0);
        w.and_in("arrangement_id", rows.iter().map(|r| r.0));
        let (clause, args) = w.finish("ORDER BY arrangement_id, invoice_id LIMIT ?", u32::MAX);
        let sql = format!("SELECT arrangement_id, invoice_id FROM arrangement_invoices{clause}");
        let links: Vec<(i64, i64)> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        let mut invoices: HashMap<i64, Vec<InvoiceId>> = HashMap::new();
        for (a, i) in links {
            invoices.entry(a).or_default().push(InvoiceId(i));
        }
        rows.into_iter()
            .map(|(id, d, instalments, grace_days, paid_since, status, note, created_at, ended_on)| {
                let instalments: Vec<Instalment> = serde_json::from_str(&instalments).map_err(|e| corrupt("instalments", e))?;
                let grace_days = i32::try_from(grace_days).map_err(|e| corrupt("grace days", e))?;
                Ok(ArrangementRecord {
                    id,
                    debtor_id: DebtorId(d),
                    invoice_ids: invoices.remove(&id).unwrap_or_default(),
                    schedule: Schedule { instalments, grace_days },
                    paid_since: cents(paid_since, "paid since")?,
                    status,
                    note,
                    created_at: created_at.0,
                    ended_on: ended_on.map(|e| e.to_jiff()),
                })
            })
            .collect()
    }

    /// Agrees an arrangement over invoices of a debtor; `settled_at_start` is what was paid or
    /// credited on them so far.
    pub async fn add_arrangement(
        &mut self,
        tenant: TenantId,
        debtor: DebtorId,
        invoices: &[InvoiceId],
        schedule: &Schedule,
        settled_at_start: Cents,
        note: Option<&str>,
    ) -> Result<i64> {
        let instalments = serde_json::to_string(&schedule.instalments).map_err(|e| corrupt("instalments", e))?;
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO arrangements (tenant_id, debtor_id, instalments, grace_days, total, settled_at_start, status, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8) RETURNING id")
            .bind(tenant.0).bind(debtor.0).bind(instalments).bind(i64::from(schedule.grace_days)).bind(schedule.total().cents())
            .bind(settled_at_start.cents()).bind(note.map(str::to_string)).bind(Stamp::now()).fetch_one(c).await?);
        for inv in invoices {
            dispatch!(self, c => sqlx::query("INSERT INTO arrangement_invoices (tenant_id, arrangement_id, invoice_id) VALUES ($1, $2, $3)")
                .bind(tenant.0).bind(id).bind(inv.0).execute(c).await?.rows_affected());
        }
        Ok(id)
    }

    /// A debtor's arrangements, oldest first.
    pub async fn arrangements_of(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<Vec<ArrangementRecord>> {
        self.arrangements_where(tenant, "a.debtor_id = $2 AND a.id > $3", debtor.0, 0).await
    }

    /// One arrangement of the tenant.
    pub async fn arrangement(&mut self, tenant: TenantId, id: i64) -> Result<Option<ArrangementRecord>> {
        Ok(self.arrangements_where(tenant, "a.id = $2 AND a.id >= $3", id, 0).await?.pop())
    }

    /// Which of these invoices are in an active arrangement already.
    pub async fn invoices_in_arrangements(&mut self, tenant: TenantId, invoices: &[InvoiceId]) -> Result<Vec<InvoiceId>> {
        if invoices.is_empty() {
            return Ok(Vec::new());
        }
        let mut w = Filter::tenant(self.backend(), tenant.0);
        w.and_in("invoice_id", invoices.iter().map(|i| i.0));
        w.and_sql("arrangement_id IN (SELECT id FROM arrangements WHERE status = 'active')");
        let (clause, args) = w.finish("ORDER BY invoice_id LIMIT ?", u32::MAX);
        let sql = format!("SELECT invoice_id FROM arrangement_invoices{clause}");
        let rows: Vec<(i64,)> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        Ok(rows.into_iter().map(|(i,)| InvoiceId(i)).collect())
    }

    /// Ends an active arrangement as completed, broken or cancelled on a day; false when it was
    /// not active (ended already, by a concurrent run or a person).
    pub async fn end_arrangement(&mut self, tenant: TenantId, id: i64, status: &str, on: Date) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE arrangements SET status = $3, ended_on = $4 WHERE tenant_id = $1 AND id = $2 AND status = 'active'")
            .bind(tenant.0).bind(id).bind(status.to_string()).bind(jiff_sqlx::Date::from(on)).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Ends a promise as kept or broken; false when it had ended already.
    pub async fn settle_promise(&mut self, tenant: TenantId, id: i64, outcome: &str) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE pauses SET ended_at = $3, outcome = $4 WHERE tenant_id = $1 AND id = $2 AND kind = 'promise' AND ended_at IS NULL")
            .bind(tenant.0).bind(id).bind(Stamp::now()).bind(outcome.to_string()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Sets a flag on a debtor's file (nothing when it is set already).
    pub async fn set_flag(&mut self, tenant: TenantId, debtor: DebtorId, f: Flag, on: Date, note: Option<&str>) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "INSERT INTO debtor_flags (tenant_id, debtor_id, flag, set_on, note, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
            .bind(tenant.0).bind(debtor.0).bind(f.as_str()).bind(jiff_sqlx::Date::from(on)).bind(note.map(str::to_string))
            .bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Clears a flag; false when it was not set.
    pub async fn clear_flag(&mut self, tenant: TenantId, debtor: DebtorId, f: Flag) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE debtor_flags SET cleared_at = $4 WHERE tenant_id = $1 AND debtor_id = $2 AND flag = $3 AND cleared_at IS NULL")
            .bind(tenant.0).bind(debtor.0).bind(f.as_str()).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// The flags in force on a debtor's file.
    pub async fn flags_of(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<Vec<FlagRecord>> {
        let rows: Vec<(String, jiff_sqlx::Date, Option<String>)> = dispatch!(self, c => sqlx::query_as(
            "SELECT flag, set_on, note FROM debtor_flags WHERE tenant_id = $1 AND debtor_id = $2 AND cleared_at IS NULL ORDER BY id")
            .bind(tenant.0).bind(debtor.0).fetch_all(c).await?);
        rows.into_iter().map(|(f, on, note)| Ok(FlagRecord { flag: flag(&f)?, set_on: on.to_jiff(), note })).collect()
    }

    /// Open call tasks in id order (with `closed`, the closed ones instead).
    pub async fn tasks(&mut self, tenant: TenantId, closed: bool, page: Page) -> Result<Vec<TaskRecord>> {
        let mut w = Filter::new(self.backend(), tenant.0, page.after);
        w.and_sql(if closed { "closed_at IS NOT NULL" } else { "closed_at IS NULL" });
        self.tasks_where(w, page.limit).await
    }

    /// One call task of the tenant, open or closed.
    pub async fn task(&mut self, tenant: TenantId, id: i64) -> Result<Option<TaskRecord>> {
        let mut w = Filter::new(self.backend(), tenant.0, None);
        w.and("id = ?", crate::filter::Arg::Int(id));
        Ok(self.tasks_where(w, 1).await?.pop())
    }

    /// Call tasks matching a filter over the action's own columns, in id order.
    async fn tasks_where(&mut self, mut w: Filter, limit: u32) -> Result<Vec<TaskRecord>> {
        w.and_sql("status = 'task_open'");
        let (clause, args) = w.finish("ORDER BY id LIMIT ?", limit);
        // The debtor's name and the attempts are looked up per row.
        let sql = format!(
            "SELECT id, debtor_id, (SELECT name FROM debtors d WHERE d.tenant_id = a.tenant_id AND d.id = a.debtor_id), run_date, policy, \
             step, invoices, amount, (SELECT COUNT(*) FROM calls k WHERE k.tenant_id = a.tenant_id AND k.action_id = a.id \
             AND k.outcome = 'not_reached'), closed_at FROM dunning_actions a{clause}"
        );
        type Row = (i64, i64, String, jiff_sqlx::Date, String, i64, String, i64, i64, Option<Stamp>);
        let rows: Vec<Row> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        rows.into_iter()
            .map(|(id, d, name, run_date, policy, step, invoices, amount, attempts, closed_at)| {
                Ok(TaskRecord {
                    id,
                    debtor_id: DebtorId(d),
                    debtor_name: name,
                    run_date: run_date.to_jiff(),
                    policy,
                    step,
                    invoices: serde_json::from_str(&invoices).map_err(|e| corrupt("task invoices", e))?,
                    amount: cents(amount, "task amount")?,
                    attempts,
                    closed_at: closed_at.map(|s| s.0),
                })
            })
            .collect()
    }

    /// Logs a call with a debtor, against a call task or not.
    pub async fn log_call(
        &mut self,
        tenant: TenantId,
        debtor: DebtorId,
        task: Option<i64>,
        outcome: CallOutcome,
        note: Option<&str>,
    ) -> Result<i64> {
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO calls (tenant_id, debtor_id, action_id, outcome, note, called_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(tenant.0).bind(debtor.0).bind(task).bind(outcome.as_str()).bind(note.map(str::to_string)).bind(Stamp::now())
            .fetch_one(c).await?);
        Ok(id)
    }

    /// Closes a call task; false when it was closed already.
    pub async fn close_task(&mut self, tenant: TenantId, id: i64) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE dunning_actions SET closed_at = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'task_open' AND closed_at IS NULL")
            .bind(tenant.0).bind(id).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// The debtor's oldest open call task, if any.
    pub async fn open_task_of(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<Option<i64>> {
        let id: Option<i64> = dispatch!(self, c => sqlx::query_scalar(
            "SELECT id FROM dunning_actions WHERE tenant_id = $1 AND debtor_id = $2 AND status = 'task_open' AND closed_at IS NULL ORDER BY id LIMIT 1")
            .bind(tenant.0).bind(debtor.0).fetch_optional(c).await?);
        Ok(id)
    }

    /// Everything that happened in a debtor's file, in order.
    pub async fn timeline(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<Vec<TimelineEvent>> {
        let mut ev = Vec::new();
        let mut push = |on: Date, at: Option<Timestamp>, kind: &'static str, ref_id: i64, amount: Option<Cents>, detail: String| {
            ev.push(TimelineEvent { on, at, kind, ref_id, amount, detail });
        };
        let (t, d) = (tenant.0, debtor.0);
        let invoices: Vec<(i64, jiff_sqlx::Date, Stamp, String, i64, jiff_sqlx::Date)> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, issue_date, created_at, number, total, due_date FROM invoices WHERE tenant_id = $1 AND debtor_id = $2")
            .bind(t).bind(d).fetch_all(c).await?);
        for (id, issued, at, number, total, due) in invoices {
            push(
                issued.to_jiff(),
                Some(at.0),
                "invoice_issued",
                id,
                Some(cents(total, "total")?),
                format!("{number}, due {}", due.to_jiff()),
            );
        }
        let notes: Vec<(i64, jiff_sqlx::Date, Stamp, String, i64)> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, issue_date, created_at, number, total FROM credit_notes WHERE tenant_id = $1 AND debtor_id = $2")
            .bind(t).bind(d).fetch_all(c).await?);
        for (id, issued, at, number, total) in notes {
            push(issued.to_jiff(), Some(at.0), "credit_note", id, Some(cents(total, "total")?), number);
        }
        type PaymentEventRow = (i64, jiff_sqlx::Date, Stamp, i64, Option<String>, Option<jiff_sqlx::Date>, Option<String>);
        let payments: Vec<PaymentEventRow> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, received_on, created_at, amount, description, returned_on, return_reason FROM payments \
             WHERE tenant_id = $1 AND debtor_id = $2")
            .bind(t).bind(d).fetch_all(c).await?);
        for (id, on, at, amount, description, returned_on, reason) in payments {
            push(on.to_jiff(), Some(at.0), "payment", id, Some(cents(amount, "amount")?), description.unwrap_or_default());
            if let Some(back) = returned_on {
                let detail = match reason {
                    Some(r) => format!("the payment came back ({r}); its invoices are open again"),
                    None => "the payment came back; its invoices are open again".to_string(),
                };
                push(back.to_jiff(), None, "payment_returned", id, Some(cents(amount, "amount")?), detail);
            }
        }
        type ActionRow = (i64, jiff_sqlx::Date, Stamp, String, String, i64, String, String);
        let actions: Vec<ActionRow> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, run_date, created_at, kind, policy, amount, channels, status FROM dunning_actions WHERE tenant_id = $1 AND debtor_id = $2")
            .bind(t).bind(d).fetch_all(c).await?);
        for (id, on, at, kind, policy, amount, channels, status) in actions {
            let channels: Vec<String> = serde_json::from_str(&channels).map_err(|e| corrupt("channels", e))?;
            let detail = format!("{kind} ({policy}) by {}: {status}", if channels.is_empty() { "-".into() } else { channels.join("/") });
            push(on.to_jiff(), Some(at.0), "action", id, Some(cents(amount, "amount")?), detail);
        }
        type PauseRow =
            (i64, Stamp, Option<Stamp>, String, Option<jiff_sqlx::Date>, Option<String>, Option<i64>, Option<String>, Option<i64>);
        let pauses: Vec<PauseRow> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, created_at, ended_at, kind, until, reason, amount, outcome, invoice_id FROM pauses WHERE tenant_id = $1 AND debtor_id = $2")
            .bind(t).bind(d).fetch_all(c).await?);
        for (id, at, ended, kind, until, reason, amount, outcome, invoice) in pauses {
            let amount = amount.map(|a| cents(a, "amount")).transpose()?;
            let mut detail = kind.clone();
            if let Some(i) = invoice {
                detail.push_str(&format!(" of invoice {i}"));
            }
            if let Some(u) = until {
                detail.push_str(&format!(" until {}", u.to_jiff()));
            }
            if let Some(r) = reason.filter(|r| !r.is_empty()) {
                detail.push_str(&format!(": {r}"));
            }
            push(domain::dates::business_date(at.0), Some(at.0), "pause_started", id, amount, detail);
            if let Some(e) = ended {
                let kind = match outcome.as_deref() {
                    Some("kept") => "promise_kept",
                    Some("broken") => "promise_broken",
                    _ => "pause_ended",
                };
                push(domain::dates::business_date(e.0), Some(e.0), kind, id, amount, kind.replace('_', " "));
            }
        }
        // Messages once they are settled: sent (with where to), failed for good, or cancelled.
        type MessageRow = (i64, Stamp, Option<Stamp>, String, String, Option<String>, Option<String>, Option<String>);
        let messages: Vec<MessageRow> = dispatch!(self, c => sqlx::query_as(
            "SELECT o.id, o.created_at, o.sent_at, o.channel, o.status, o.recipient, o.subject, o.last_error FROM outbox o \
             JOIN dunning_actions a ON a.id = o.action_id WHERE o.tenant_id = $1 AND a.debtor_id = $2 AND o.status IN ('sent', 'in_doubt', 'failed', 'cancelled')")
            .bind(t).bind(d).fetch_all(c).await?);
        for (id, created, sent, channel, status, recipient, subject, error) in messages {
            let at = sent.unwrap_or(created).0;
            let (kind, detail) = match status.as_str() {
                "sent" => ("message_sent", format!("{channel} to {}: {}", recipient.unwrap_or_default(), subject.unwrap_or_default())),
                "failed" => ("message_failed", format!("{channel}: {}", error.unwrap_or_default())),
                "in_doubt" => {
                    ("message_in_doubt", format!("{channel} to {}: {}", recipient.unwrap_or_default(), error.unwrap_or_default()))
                }
                _ => ("message_cancelled", format!("{channel}: {}", error.unwrap_or_default())),
            };
            push(domain::dates::business_date(at), Some(at), kind, id, None, detail);
        }
        for a in self.arrangements_of(tenant, debtor).await? {
            let n = a.schedule.instalments.len();
            let detail = format!("{n} instalments over {} invoices", a.invoice_ids.len());
            push(
                domain::dates::business_date(a.created_at),
                Some(a.created_at),
                "arrangement_agreed",
                a.id,
                Some(a.schedule.total()),
                detail,
            );
            if let Some(on) = a.ended_on {
                let kind = match a.status.as_str() {
                    "completed" => "arrangement_completed",
                    "broken" => "arrangement_broken",
                    _ => "arrangement_cancelled",
                };
                push(on, None, kind, a.id, Some(a.paid_since), format!("paid {} of {}", a.paid_since, a.schedule.total()));
            }
        }
        let calls: Vec<(i64, Stamp, String, Option<String>)> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, called_at, outcome, note FROM calls WHERE tenant_id = $1 AND debtor_id = $2")
            .bind(t).bind(d).fetch_all(c).await?);
        for (id, at, outcome, note) in calls {
            let detail = match note.filter(|n| !n.is_empty()) {
                Some(n) => format!("{outcome}: {n}"),
                None => outcome,
            };
            push(domain::dates::business_date(at.0), Some(at.0), "call", id, None, detail);
        }
        type FlagRow = (i64, jiff_sqlx::Date, Stamp, Option<Stamp>, String, Option<String>);
        let flags: Vec<FlagRow> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, set_on, created_at, cleared_at, flag, note FROM debtor_flags WHERE tenant_id = $1 AND debtor_id = $2")
            .bind(t).bind(d).fetch_all(c).await?);
        for (id, on, at, cleared, f, note) in flags {
            let detail = match note.filter(|n| !n.is_empty()) {
                Some(n) => format!("{f}: {n}"),
                None => f.clone(),
            };
            push(on.to_jiff(), Some(at.0), "flag_set", id, None, detail);
            if let Some(c) = cleared {
                push(domain::dates::business_date(c.0), Some(c.0), "flag_cleared", id, None, f);
            }
        }
        // What the debtor did in the portal: proposals for a person, reasons, preferences, files.
        for (id, at, kind, detail) in self.portal_events_of(tenant, debtor).await? {
            let kind = match kind.as_str() {
                "cant_pay" => "portal_cant_pay",
                "preferences" => "portal_preferences",
                "entered" => "portal_entered",
                "arrangement_proposed" => "portal_arrangement_proposed",
                "dispute_file" => "portal_dispute_file",
                "promise" => "portal_promise",
                "dispute" => "portal_dispute",
                "arrangement" => "portal_arrangement",
                _ => "portal_event",
            };
            push(domain::dates::business_date(at), Some(at), kind, id, None, detail);
        }
        for (id, at, who, body) in self.debtor_notes(tenant, debtor).await? {
            let detail = match who {
                Some(w) => format!("{w}: {body}"),
                None => body,
            };
            push(domain::dates::business_date(at), Some(at), "note", id, None, detail);
        }
        for p in self.arrangement_proposals(tenant, Some(debtor)).await? {
            if let Some(at) = p.decided_at {
                let kind = if p.status == "approved" { "proposal_approved" } else { "proposal_rejected" };
                push(domain::dates::business_date(at), Some(at), kind, p.id, Some(p.schedule.total()), p.beyond_limits.clone());
            }
        }
        // By day, then by instant (events without one — an arrangement's end, judged by a run —
        // last on their day), then by kind and id for a stable order.
        ev.sort_by(|a, b| (a.on, a.at.is_none(), a.at, a.kind, a.ref_id).cmp(&(b.on, b.at.is_none(), b.at, b.kind, b.ref_id)));
        Ok(ev)
    }
}
