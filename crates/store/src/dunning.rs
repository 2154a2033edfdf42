//! What the daily dunning run reads and writes: open invoices by debtor in batches, progress,
//! pauses, policies, and actions stored exactly once with their progress and outbox message.

use std::collections::HashMap;

use jiff::civil::Date;

use domain::debtor::{DebtorKind, Segment};
use domain::dunning::planner::{OpenItem, PlannedAction, StepDone};
use domain::dunning::policy::{Policy, Step};
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::money::Cents;

use crate::conn::{Tx, dispatch, values_list};
use crate::time::Stamp;
use crate::{Result, StoreError, corrupt};

/// Open invoices of a range of debtors, with the policy chosen for each invoice, if any.
pub struct OpenBatch {
    /// Invoices, by debtor id then id.
    pub invoices: Vec<(OpenItem, Option<String>)>,
    /// The last debtor in the batch; the next batch starts after it.
    pub last_debtor: Option<DebtorId>,
}

/// How an action was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStatus {
    /// A message waits in the outbox.
    Queued,
    /// A person must approve it first.
    AwaitingApproval,
    /// A call task on the worklist.
    TaskOpen,
    /// No channel reaches the debtor: a person must act.
    Unreachable,
}

impl ActionStatus {
    /// Reads the stored word.
    pub fn parse(s: &str) -> Option<Self> {
        [ActionStatus::Queued, ActionStatus::AwaitingApproval, ActionStatus::TaskOpen, ActionStatus::Unreachable]
            .into_iter()
            .find(|a| a.as_str() == s)
    }

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Queued => "queued",
            ActionStatus::AwaitingApproval => "awaiting_approval",
            ActionStatus::TaskOpen => "task_open",
            ActionStatus::Unreachable => "unreachable",
        }
    }
}

/// Invoices still on a track: open, with money owed. `status = 'open'` spelt out lets the partial
/// indexes on open invoices serve.
const OPEN: &str = "status = 'open' AND total - paid - credited > 0";

/// What the planner reads of an open invoice, and the policy chosen for it: five columns, not
/// the whole invoice (on SQLite every column of every row read costs an allocation).
const ITEM_COLUMNS: &str = "id, debtor_id, due_date, total - paid - credited, policy_name";

type ItemRow = (i64, i64, jiff_sqlx::Date, i64, Option<String>);

fn items(rows: Vec<ItemRow>) -> Result<Vec<(OpenItem, Option<String>)>> {
    rows.into_iter()
        .map(|(id, debtor, due, outstanding, policy)| {
            let outstanding = Cents::new(outstanding).map_err(|e| corrupt("outstanding", e))?;
            Ok((OpenItem { id: InvoiceId(id), debtor_id: DebtorId(debtor), due_date: due.to_jiff(), outstanding }, policy))
        })
        .collect()
}

/// A stored pause.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PauseRecord {
    /// Identifier.
    pub id: i64,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// The invoice, for a dispute or an arrangement.
    pub invoice_id: Option<InvoiceId>,
    /// dispute, arrangement, promise, hold or debt_help.
    pub kind: String,
    /// Last day, if it has one.
    pub until: Option<Date>,
    /// Why.
    pub reason: Option<String>,
    /// A promise's amount.
    pub amount: Option<Cents>,
}

/// A stored dunning action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActionRecord {
    /// Identifier.
    pub id: i64,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// The run that stored it.
    pub run_date: Date,
    /// The policy followed.
    pub policy: String,
    /// Step index in the policy.
    pub step: i64,
    /// The step's kind.
    pub kind: String,
    /// The day the step fell due.
    pub due_on: Date,
    /// Channels to try, in order.
    pub channels: Vec<String>,
    /// Invoice ids listed.
    pub invoices: Vec<i64>,
    /// What was open on them.
    pub amount: domain::money::Cents,
    /// queued, awaiting_approval, task_open or unreachable.
    pub status: String,
    /// When a person closed it (a call task, by a call with a final outcome).
    pub closed_at: Option<jiff::Timestamp>,
}

/// The policies of a tenant and which kind and segment follow which.
#[derive(Debug, Clone, Default)]
pub struct TenantPolicies {
    /// Policies by name.
    pub policies: HashMap<String, Policy>,
    /// (kind, segment) → policy name.
    pub assignments: HashMap<(DebtorKind, Segment), String>,
}

impl Tx {
    /// Open invoices (money owed) of the debtors after `after`, at most about `limit` invoices and
    /// never part of a debtor's.
    pub async fn open_invoices_batch(&mut self, tenant: TenantId, after: Option<DebtorId>, limit: u32) -> Result<OpenBatch> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM invoices WHERE tenant_id = $1 AND debtor_id > $2 AND {OPEN} ORDER BY debtor_id, id LIMIT $3"
        );
        let rows: Vec<ItemRow> = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0).bind(after.map_or(0, |d| d.0)).bind(i64::from(limit) + 1).fetch_all(c).await?);
        let full = rows.len() > limit as usize;
        let mut invoices = items(rows)?;
        if full {
            // The last debtor may continue beyond the limit: leave it whole to the next batch,
            // unless it is the only one (then take all of its invoices).
            let last = invoices.last().map(|(i, _)| i.debtor_id);
            invoices.retain(|(i, _)| Some(i.debtor_id) != last);
            if invoices.is_empty() {
                let d = last.ok_or_else(|| corrupt("batch", "empty"))?;
                invoices = self.open_invoices_of(tenant, d).await?;
            }
        }
        let last_debtor = invoices.last().map(|(i, _)| i.debtor_id);
        Ok(OpenBatch { invoices, last_debtor })
    }

    /// One debtor's open invoices, with the policy chosen for each, if any.
    pub async fn open_invoices_of(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<Vec<(OpenItem, Option<String>)>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM invoices WHERE tenant_id = $1 AND debtor_id = $2 AND {OPEN} ORDER BY id");
        let rows: Vec<ItemRow> =
            dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(debtor.0).fetch_all(c).await?);
        items(rows)
    }

    /// Steps done for the invoices of debtors from `first` to `last`, from the progress index by
    /// debtor alone (joining the invoices probed the progress table for every open invoice).
    pub async fn progress_between(&mut self, tenant: TenantId, first: DebtorId, last: DebtorId) -> Result<Vec<StepDone>> {
        let rows: Vec<(i64, i64, jiff_sqlx::Date)> = dispatch!(self, c => sqlx::query_as(
            "SELECT invoice_id, step, done_on FROM dunning_progress WHERE tenant_id = $1 AND debtor_id BETWEEN $2 AND $3")
            .bind(tenant.0).bind(first.0).bind(last.0).fetch_all(c).await?);
        rows.into_iter()
            .map(|(i, s, d)| {
                let step = usize::try_from(s).map_err(|e| corrupt("progress step", e))?;
                Ok(StepDone { invoice_id: InvoiceId(i), step, on: d.to_jiff() })
            })
            .collect()
    }

    /// Starts a pause (a dispute names an invoice; the others hold the whole debtor). A promise
    /// has an amount, and remembers what the debtor had settled so far to judge it by later.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_pause(
        &mut self,
        tenant: TenantId,
        debtor: DebtorId,
        invoice: Option<InvoiceId>,
        kind: &str,
        until: Option<Date>,
        amount: Option<Cents>,
        reason: &str,
    ) -> Result<i64> {
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO pauses (tenant_id, debtor_id, invoice_id, kind, until, amount, settled_at_start, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, \
               CAST((SELECT COALESCE(SUM(paid + credited), 0) FROM invoices WHERE tenant_id = $1 AND debtor_id = $2) AS BIGINT), $7, $8) \
             RETURNING id")
            .bind(tenant.0).bind(debtor.0).bind(invoice.map(|i| i.0)).bind(kind.to_string())
            .bind(until.map(jiff_sqlx::Date::from)).bind(amount.map(Cents::cents)).bind(reason.to_string()).bind(Stamp::now())
            .fetch_one(c).await?);
        Ok(id)
    }

    /// A debtor's pauses that have not been ended, oldest first.
    pub async fn pauses_of(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<Vec<PauseRecord>> {
        type Row = (i64, i64, Option<i64>, String, Option<jiff_sqlx::Date>, Option<String>, Option<i64>);
        let rows: Vec<Row> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, debtor_id, invoice_id, kind, until, reason, amount FROM pauses WHERE tenant_id = $1 AND debtor_id = $2 AND ended_at IS NULL ORDER BY id")
            .bind(tenant.0).bind(debtor.0).fetch_all(c).await?);
        rows.into_iter()
            .map(|(id, d, i, kind, until, reason, amount)| {
                Ok(PauseRecord {
                    id,
                    debtor_id: DebtorId(d),
                    invoice_id: i.map(InvoiceId),
                    kind,
                    until: until.map(|u| u.to_jiff()),
                    reason,
                    amount: amount.map(Cents::new).transpose().map_err(|e| corrupt("promise amount", e))?,
                })
            })
            .collect()
    }

    /// Ends a pause; false when the tenant has no pause with that id still in force.
    pub async fn end_pause(&mut self, tenant: TenantId, id: i64) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query("UPDATE pauses SET ended_at = $3 WHERE tenant_id = $1 AND id = $2 AND ended_at IS NULL")
            .bind(tenant.0).bind(id).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// The tenant's stored dunning actions in id order, optionally one debtor's or one status.
    pub async fn actions(
        &mut self,
        tenant: TenantId,
        debtor: Option<DebtorId>,
        status: Option<ActionStatus>,
        page: crate::Page,
    ) -> Result<Vec<ActionRecord>> {
        type Row = (i64, i64, jiff_sqlx::Date, String, i64, String, jiff_sqlx::Date, String, String, i64, String, Option<Stamp>);
        let mut w = crate::filter::Filter::new(self.backend(), tenant.0, page.after);
        w.and_some("debtor_id = ?", debtor, |d| crate::filter::Arg::Int(d.0));
        w.and_some("status = ?", status, |s| crate::filter::Arg::Text(s.as_str().to_string()));
        let (clause, args) = w.finish("ORDER BY id LIMIT ?", page.limit);
        let sql = format!(
            "SELECT id, debtor_id, run_date, policy, step, kind, due_on, channels, invoices, amount, status, closed_at FROM dunning_actions{clause}"
        );
        let rows: Vec<Row> =
            dispatch!(self, c => crate::filter::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        rows.into_iter()
            .map(|(id, d, run_date, policy, step, kind, due_on, channels, invoices, amount, status, closed_at)| {
                Ok(ActionRecord {
                    id,
                    debtor_id: DebtorId(d),
                    run_date: run_date.to_jiff(),
                    policy,
                    step,
                    kind,
                    due_on: due_on.to_jiff(),
                    channels: serde_json::from_str(&channels).map_err(|e| corrupt("action channels", e))?,
                    invoices: serde_json::from_str(&invoices).map_err(|e| corrupt("action invoices", e))?,
                    amount: domain::money::Cents::new(amount).map_err(|e| corrupt("action amount", e))?,
                    status,
                    closed_at: closed_at.map(|s| s.0),
                })
            })
            .collect()
    }

    /// Approves an action that waited for a person: it is queued, and its message waits in the
    /// outbox on its first channel. False when it is not (any more) awaiting approval.
    pub async fn approve_action(&mut self, tenant: TenantId, id: i64) -> Result<bool> {
        let channels: Option<String> = dispatch!(self, c => sqlx::query_scalar(
            "UPDATE dunning_actions SET status = 'queued' WHERE tenant_id = $1 AND id = $2 AND status = 'awaiting_approval' AND closed_at IS NULL \
             RETURNING channels")
            .bind(tenant.0).bind(id).fetch_optional(c).await?);
        let Some(channels) = channels else { return Ok(false) };
        let channels: Vec<String> = serde_json::from_str(&channels).map_err(|e| corrupt("action channels", e))?;
        let first = channels.first().ok_or_else(|| StoreError::Corrupt(format!("action {id} has no channel")))?;
        dispatch!(self, c => sqlx::query(
            "INSERT INTO outbox (tenant_id, action_id, channel, status, created_at) VALUES ($1, $2, $3, 'pending', $4)")
            .bind(tenant.0).bind(id).bind(first.clone()).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(true)
    }

    /// Rejects an action that waited for a person: it is closed and nothing goes out. False
    /// when it is not (any more) awaiting approval.
    pub async fn reject_action(&mut self, tenant: TenantId, id: i64) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE dunning_actions SET closed_at = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'awaiting_approval' AND closed_at IS NULL")
            .bind(tenant.0).bind(id).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// The tenant's own policies and assignments.
    pub async fn tenant_policies(&mut self, tenant: TenantId) -> Result<TenantPolicies> {
        let rows: Vec<(String, String)> = dispatch!(self, c => sqlx::query_as("SELECT name, steps FROM dunning_policies WHERE tenant_id = $1").bind(tenant.0).fetch_all(c).await?);
        let mut out = TenantPolicies::default();
        for (name, steps) in rows {
            let steps: Vec<Step> = serde_json::from_str(&steps).map_err(|e| corrupt(&format!("policy {name}"), e))?;
            out.policies.insert(name.clone(), Policy { name, steps });
        }
        let rows: Vec<(String, String, String)> = dispatch!(self, c => sqlx::query_as(
            "SELECT kind, segment, policy_name FROM dunning_assignments WHERE tenant_id = $1").bind(tenant.0).fetch_all(c).await?);
        for (kind, segment, name) in rows {
            let k = DebtorKind::parse(&kind).map_err(|e| corrupt("assignment", e))?;
            let s = Segment::parse(&segment).map_err(|e| corrupt("assignment", e))?;
            out.assignments.insert((k, s), name);
        }
        Ok(out)
    }

    /// Stores a tenant policy (replacing one of the same name).
    pub async fn save_policy(&mut self, tenant: TenantId, policy: &Policy) -> Result<()> {
        let steps = serde_json::to_string(&policy.steps).map_err(|e| corrupt("policy", e))?;
        let now = Stamp::now();
        dispatch!(self, c => sqlx::query(
            "INSERT INTO dunning_policies (tenant_id, name, steps, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET steps = excluded.steps, updated_at = excluded.updated_at")
            .bind(tenant.0).bind(policy.name.clone()).bind(steps).bind(now).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Has a kind of debtor in a segment follow a policy (`None`: Tegoed's default again).
    pub async fn assign_policy(&mut self, tenant: TenantId, kind: DebtorKind, segment: Segment, policy: Option<&str>) -> Result<()> {
        match policy {
            Some(name) => dispatch!(self, c => sqlx::query(
                "INSERT INTO dunning_assignments (tenant_id, kind, segment, policy_name) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (tenant_id, kind, segment) DO UPDATE SET policy_name = excluded.policy_name")
                .bind(tenant.0).bind(kind.as_str()).bind(segment.as_str()).bind(name.to_string()).execute(c).await?.rows_affected()),
            None => dispatch!(self, c => sqlx::query("DELETE FROM dunning_assignments WHERE tenant_id = $1 AND kind = $2 AND segment = $3")
                .bind(tenant.0).bind(kind.as_str()).bind(segment.as_str()).execute(c).await?.rows_affected()),
        };
        Ok(())
    }

    /// Has one debtor follow a policy over its segment's (`None`: its segment's again); false
    /// when the tenant has no such debtor.
    pub async fn set_debtor_policy(&mut self, tenant: TenantId, debtor: DebtorId, policy: Option<&str>) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query("UPDATE debtors SET policy_name = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(debtor.0).bind(policy.map(str::to_string)).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Has one invoice follow a policy over its debtor's (`None`: its debtor's again); false when
    /// the tenant has no such invoice.
    pub async fn set_invoice_policy(&mut self, tenant: TenantId, invoice: InvoiceId, policy: Option<&str>) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query("UPDATE invoices SET policy_name = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(invoice.0).bind(policy.map(str::to_string)).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Stores planned actions with their progress and, when they go out by themselves, their
    /// outbox messages — skipping each action stored already (the same key, or another step for
    /// the debtor on this run date). Multi-row statements, 500 actions at a time. Returns how
    /// many were stored now.
    pub async fn record_actions(&mut self, tenant: TenantId, run_date: Date, actions: &[(PlannedAction, ActionStatus)]) -> Result<u64> {
        const COLUMNS: usize = 17;
        let now = Stamp::now();
        let day = jiff_sqlx::Date::from(run_date);
        let mut stored = 0;
        for chunk in actions.chunks(500) {
            let sql = format!(
                "INSERT INTO dunning_actions (tenant_id, debtor_id, key, run_date, policy, step, kind, due_on, channels, invoices, amount, \
                 template, needs_approval, adds_collection_costs, starts_interest, status, created_at) VALUES {} \
                 ON CONFLICT DO NOTHING RETURNING id, key",
                values_list(self.backend(), chunk.len(), COLUMNS)
            );
            let mut encoded = Vec::with_capacity(chunk.len());
            for (a, status) in chunk {
                let channels = serde_json::to_string(&a.channels).map_err(|e| corrupt("channels", e))?;
                let invoices =
                    serde_json::to_string(&a.invoices.iter().map(|i| i.0).collect::<Vec<_>>()).map_err(|e| corrupt("invoices", e))?;
                let step = i64::try_from(a.step).map_err(|e| corrupt("step", e))?;
                encoded.push((a, *status, channels, invoices, step));
            }
            let rows: Vec<(i64, String)> = dispatch!(self, c => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for (a, status, channels, invoices, step) in &encoded {
                    q = q.bind(tenant.0).bind(a.debtor_id.0).bind(a.key.as_str()).bind(day).bind(a.policy.as_str()).bind(*step)
                        .bind(a.kind.as_str()).bind(jiff_sqlx::Date::from(a.due_on)).bind(channels.as_str()).bind(invoices.as_str())
                        .bind(a.amount.cents()).bind(a.template.as_str()).bind(a.needs_approval).bind(a.adds_collection_costs)
                        .bind(a.starts_interest).bind(status.as_str()).bind(now);
                }
                q.fetch_all(c).await?
            });
            let ids: HashMap<String, i64> = rows.into_iter().map(|(id, key)| (key, id)).collect();
            stored += ids.len() as u64;
            let mut progress: Vec<(i64, i64, i64, i64, &str)> = Vec::new();
            let mut outbox: Vec<(i64, &'static str)> = Vec::new();
            for (a, status, _, _, step) in &encoded {
                let Some(&id) = ids.get(&a.key) else { continue };
                progress.extend(a.invoices.iter().map(|inv| (inv.0, *step, id, a.debtor_id.0, a.policy.as_str())));
                if *status == ActionStatus::Queued {
                    let channel = a.channels.first().ok_or_else(|| StoreError::Corrupt("a queued action needs a channel".into()))?;
                    outbox.push((id, channel.as_str()));
                }
            }
            for rows in progress.chunks(1_000) {
                let sql = format!(
                    "INSERT INTO dunning_progress (tenant_id, invoice_id, step, done_on, action_id, debtor_id, policy) VALUES {}",
                    values_list(self.backend(), rows.len(), 7)
                );
                dispatch!(self, c => {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (invoice, step, action, debtor, policy) in rows {
                        q = q.bind(tenant.0).bind(*invoice).bind(*step).bind(day).bind(*action).bind(*debtor).bind(policy.to_string());
                    }
                    q.execute(c).await?.rows_affected()
                });
            }
            for rows in outbox.chunks(1_000) {
                let sql = format!(
                    "INSERT INTO outbox (tenant_id, action_id, channel, status, created_at) VALUES {}",
                    values_list(self.backend(), rows.len(), 5)
                );
                dispatch!(self, c => {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (action, channel) in rows {
                        q = q.bind(tenant.0).bind(*action).bind(*channel).bind("pending").bind(now);
                    }
                    q.execute(c).await?.rows_affected()
                });
            }
        }
        Ok(stored)
    }

    /// Counts of stored actions per debtor and run date that appear more than once (none, if
    /// the exactly-once guarantee holds), and the number of actions and outbox messages.
    pub async fn action_counts(&mut self, tenant: TenantId) -> Result<(i64, i64, i64)> {
        let doubled: i64 = dispatch!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT invoice_id, step FROM dunning_progress WHERE tenant_id = $1 GROUP BY invoice_id, step HAVING COUNT(*) > 1) x")
            .bind(tenant.0).fetch_one(c).await?);
        let actions: i64 = dispatch!(self, c => sqlx::query_scalar("SELECT COUNT(*) FROM dunning_actions WHERE tenant_id = $1").bind(tenant.0).fetch_one(c).await?);
        let outbox: i64 =
            dispatch!(self, c => sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE tenant_id = $1").bind(tenant.0).fetch_one(c).await?);
        Ok((doubled, actions, outbox))
    }
}
