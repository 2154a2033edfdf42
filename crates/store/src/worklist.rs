//! What waits for a person, gathered from where it lives: pauses, arrangements, actions,
//! proposals, flags, bank entries and messages. The order is the domain's
//! (`domain::worklist::order`).

use domain::debtor::Segment;
use domain::dunning::agreement::Instalment;
use domain::ids::{DebtorId, TenantId, UserId};
use domain::money::Cents;
use domain::worklist::{WorkItem, WorkKind};

use crate::conn::{Tx, dispatch};
use crate::time::Stamp;
use crate::{Result, corrupt};

/// The columns every query below selects before `since`: subject, debtor, name, segment,
/// amount, detail.
type Head = (i64, Option<i64>, Option<String>, Option<String>, i64, String);
/// A row with `since` a date.
type DatedRow = (i64, Option<i64>, Option<String>, Option<String>, i64, String, jiff_sqlx::Date);
/// A row with `since` an instant.
type StampedRow = (i64, Option<i64>, Option<String>, Option<String>, i64, String, Option<Stamp>);
/// A pending proposal: id, debtor, name, segment, instalments, why outside the limits, when.
type ProposalRow = (i64, i64, Option<String>, Option<String>, String, String, Stamp);

fn not_done(kind: WorkKind, alias: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM worklist_done w WHERE w.tenant_id = {alias}.tenant_id AND w.kind = '{}' AND w.subject_id = {alias}.id)",
        kind.as_str()
    )
}

const DEBTOR: &str = "LEFT JOIN debtors d ON d.tenant_id = x.tenant_id AND d.id = x.debtor_id";

impl Tx {
    /// Everything on a tenant's worklist now, unordered.
    pub async fn worklist(&mut self, tenant: TenantId) -> Result<Vec<WorkItem>> {
        let mut items = Vec::new();
        let by_date: [(WorkKind, String); 6] = [
            (
                WorkKind::BrokenArrangement,
                format!(
                    "SELECT x.id, x.debtor_id, d.name, d.segment, x.total, COALESCE(x.note, ''), x.ended_on FROM arrangements x {DEBTOR} \
                     WHERE x.tenant_id = $1 AND x.status = 'broken' AND {}",
                    not_done(WorkKind::BrokenArrangement, "x")
                ),
            ),
            (
                WorkKind::CallTask,
                format!(
                    "SELECT x.id, x.debtor_id, d.name, d.segment, x.amount, x.policy || ', step ' || CAST(x.step + 1 AS TEXT), x.run_date \
                     FROM dunning_actions x {DEBTOR} WHERE x.tenant_id = $1 AND x.status = 'task_open' AND x.closed_at IS NULL"
                ),
            ),
            (
                WorkKind::Approval,
                format!(
                    "SELECT x.id, x.debtor_id, d.name, d.segment, x.amount, x.kind || ' (' || x.policy || ', step ' || CAST(x.step + 1 AS TEXT) || ')', x.run_date \
                     FROM dunning_actions x {DEBTOR} WHERE x.tenant_id = $1 AND x.status = 'awaiting_approval' AND x.closed_at IS NULL"
                ),
            ),
            (
                WorkKind::Unreachable,
                format!(
                    "SELECT x.id, x.debtor_id, d.name, d.segment, x.amount, x.kind || ' (' || x.policy || ', step ' || CAST(x.step + 1 AS TEXT) || ')', x.run_date \
                     FROM dunning_actions x {DEBTOR} WHERE x.tenant_id = $1 AND x.status = 'unreachable' AND {}",
                    not_done(WorkKind::Unreachable, "x")
                ),
            ),
            (
                WorkKind::CantPay,
                format!(
                    "SELECT x.id, x.debtor_id, d.name, d.segment, \
                     CAST(COALESCE((SELECT SUM(i.total - i.paid - i.credited) FROM invoices i WHERE i.tenant_id = x.tenant_id \
                     AND i.debtor_id = x.debtor_id AND i.status = 'open'), 0) AS BIGINT), COALESCE(x.note, ''), x.set_on \
                     FROM debtor_flags x {DEBTOR} WHERE x.tenant_id = $1 AND x.flag = 'cant_pay' AND x.cleared_at IS NULL"
                ),
            ),
            (
                WorkKind::PaymentToMatch,
                "SELECT x.id, NULL, x.counterparty_name, NULL, x.amount, COALESCE(x.remittance, ''), x.booked_on FROM bank_entries x \
                 WHERE x.tenant_id = $1 AND x.status = 'needs_match'"
                    .to_string(),
            ),
        ];
        for (kind, sql) in by_date {
            let rows: Vec<DatedRow> =
                dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).fetch_all(c).await?);
            for (s, d, n, seg, a, detail, since) in rows {
                items.push(item(kind, (s, d, n, seg, a, detail), since.to_jiff())?);
            }
        }
        let by_instant: [(WorkKind, String); 4] = [
            (
                WorkKind::BrokenPromise,
                format!(
                    "SELECT x.id, x.debtor_id, d.name, d.segment, COALESCE(x.amount, 0), COALESCE(x.reason, ''), x.ended_at FROM pauses x {DEBTOR} \
                     WHERE x.tenant_id = $1 AND x.kind = 'promise' AND x.outcome = 'broken' AND {}",
                    not_done(WorkKind::BrokenPromise, "x")
                ),
            ),
            (
                WorkKind::Dispute,
                format!(
                    "SELECT x.id, x.debtor_id, d.name, d.segment, COALESCE(i.total - i.paid - i.credited, 0), \
                     COALESCE(i.number || ': ', '') || COALESCE(x.reason, ''), x.created_at FROM pauses x {DEBTOR} \
                     LEFT JOIN invoices i ON i.tenant_id = x.tenant_id AND i.id = x.invoice_id \
                     WHERE x.tenant_id = $1 AND x.kind = 'dispute' AND x.ended_at IS NULL"
                ),
            ),
            (
                WorkKind::MessageFailed,
                format!(
                    "SELECT o.id, x.debtor_id, d.name, d.segment, x.amount, o.channel || ': ' || COALESCE(o.last_error, ''), o.created_at \
                     FROM outbox o JOIN dunning_actions x ON x.id = o.action_id {DEBTOR} WHERE o.tenant_id = $1 AND o.status = 'failed' \
                     AND x.status <> 'unreachable' AND NOT EXISTS (SELECT 1 FROM outbox f WHERE f.fallback_of = o.id) AND {}",
                    not_done(WorkKind::MessageFailed, "o")
                ),
            ),
            (
                WorkKind::MessageInDoubt,
                format!(
                    "SELECT o.id, x.debtor_id, d.name, d.segment, x.amount, o.channel || ' to ' || COALESCE(o.recipient, '') || ': ' || COALESCE(o.last_error, ''), \
                     o.created_at FROM outbox o JOIN dunning_actions x ON x.id = o.action_id {DEBTOR} \
                     WHERE o.tenant_id = $1 AND o.status = 'in_doubt' AND {}",
                    not_done(WorkKind::MessageInDoubt, "o")
                ),
            ),
        ];
        for (kind, sql) in by_instant {
            let rows: Vec<StampedRow> =
                dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).fetch_all(c).await?);
            for (s, d, n, seg, a, detail, since) in rows {
                let since =
                    since.map_or_else(|| domain::dates::business_date(jiff::Timestamp::now()), |s| domain::dates::business_date(s.0));
                items.push(item(kind, (s, d, n, seg, a, detail), since)?);
            }
        }
        // Pending proposals: the amount is what the plan would pay.
        let rows: Vec<ProposalRow> = dispatch!(self, c => sqlx::query_as(
            "SELECT x.id, x.debtor_id, d.name, d.segment, x.instalments, x.outside_limits, x.created_at FROM arrangement_proposals x \
             LEFT JOIN debtors d ON d.tenant_id = x.tenant_id AND d.id = x.debtor_id WHERE x.tenant_id = $1 AND x.status = 'pending'")
            .bind(tenant.0).fetch_all(c).await?);
        for (s, d, n, seg, instalments, beyond, at) in rows {
            let plan: Vec<Instalment> = serde_json::from_str(&instalments).map_err(|e| corrupt("proposal instalments", e))?;
            let total: Cents = plan.iter().map(|i| i.amount).sum();
            items.push(item(WorkKind::Proposal, (s, Some(d), n, seg, total.cents(), beyond), domain::dates::business_date(at.0))?);
        }
        Ok(items)
    }

    /// Marks an item that waits for a person as dealt with; false when it was already.
    pub async fn mark_work_done(&mut self, tenant: TenantId, kind: WorkKind, subject: i64, user: Option<UserId>) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "INSERT INTO worklist_done (tenant_id, kind, subject_id, user_id, done_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, kind, subject_id) DO NOTHING")
            .bind(tenant.0).bind(kind.as_str()).bind(subject).bind(user.map(|u| u.0)).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }
}

fn item(kind: WorkKind, (subject_id, debtor, name, segment, amount, detail): Head, since: jiff::civil::Date) -> Result<WorkItem> {
    Ok(WorkItem {
        kind,
        subject_id,
        debtor: debtor.map(|d| (DebtorId(d), name.clone().unwrap_or_default())),
        segment: segment.as_deref().map(Segment::parse).transpose().map_err(|e| corrupt("segment", e))?.unwrap_or(Segment::Standard),
        amount: Cents::new(amount).map_err(|e| corrupt("worklist amount", e))?,
        since,
        detail: if debtor.is_none() { [name.unwrap_or_default(), detail].join(" ").trim().to_string() } else { detail },
    })
}
