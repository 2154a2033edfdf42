//! The sums behind the reports, computed in the database.

use jiff::civil::Date;

use domain::dates::{add_days, start_of};
use domain::ids::TenantId;
use domain::money::Cents;
use domain::reports::{AgeingBucket, BUCKETS, CANT_PAY_REASONS, Kept, PAID_WITHIN, ReasonCount, StepOutcome, bucket_bounds};

use crate::conn::{Backend, Tx, dispatch};
use crate::time::Stamp;
use crate::{Result, corrupt};

/// The instants a period of business days covers: from the start of `from` to the start of the
/// day after `to`.
fn instants(from: Date, to: Date) -> (Stamp, Stamp) {
    (Stamp(start_of(from)), Stamp(start_of(add_days(to, 1))))
}

fn kept(row: (i64, i64, i64, i64, i64, i64)) -> Result<Kept> {
    let (made, open, kept, broken, cancelled, amount) = row;
    Ok(Kept { made, open, kept, broken, cancelled, amount: Cents::new(amount).map_err(|e| corrupt("kept amount", e))? })
}

impl Tx {
    /// What is open on the tenant's open invoices on `as_of`, by ageing bucket (every bucket,
    /// empty ones with zero).
    pub async fn ageing(&mut self, tenant: TenantId, as_of: Date) -> Result<Vec<AgeingBucket>> {
        let b = bucket_bounds(as_of).map(jiff_sqlx::Date::from);
        let rows: Vec<(i64, i64, i64)> = dispatch!(self, c => sqlx::query_as(
            "SELECT CAST(CASE WHEN due_date >= $2 THEN 0 WHEN due_date >= $3 THEN 1 WHEN due_date >= $4 THEN 2 WHEN due_date >= $5 THEN 3 ELSE 4 END AS BIGINT), \
             COUNT(*), CAST(COALESCE(SUM(total - paid - credited), 0) AS BIGINT) \
             FROM invoices WHERE tenant_id = $1 AND status = 'open' GROUP BY 1 ORDER BY 1")
            .bind(tenant.0).bind(b[0]).bind(b[1]).bind(b[2]).bind(b[3]).fetch_all(c).await?);
        let mut out: Vec<AgeingBucket> = BUCKETS.iter().map(|bucket| AgeingBucket { bucket, invoices: 0, open: Cents::ZERO }).collect();
        for (i, n, open) in rows {
            let slot = usize::try_from(i).ok().and_then(|i| out.get_mut(i)).ok_or_else(|| corrupt("ageing", "bucket"))?;
            slot.invoices = n;
            slot.open = Cents::new(open).map_err(|e| corrupt("ageing", e))?;
        }
        Ok(out)
    }

    /// What the tenant invoiced with an issue date from `from` to `to`, both included.
    pub async fn invoiced_between(&mut self, tenant: TenantId, from: Date, to: Date) -> Result<Cents> {
        let sum: i64 = dispatch!(self, c => sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(total), 0) AS BIGINT) FROM invoices WHERE tenant_id = $1 AND issue_date >= $2 AND issue_date <= $3")
            .bind(tenant.0).bind(jiff_sqlx::Date::from(from)).bind(jiff_sqlx::Date::from(to)).fetch_one(c).await?);
        Cents::new(sum).map_err(|e| corrupt("invoiced", e))
    }

    /// Promises to pay made from `from` to `to`, by how they ended.
    pub async fn promises_kept(&mut self, tenant: TenantId, from: Date, to: Date) -> Result<Kept> {
        let (a, b) = instants(from, to);
        let row: (i64, i64, i64, i64, i64, i64) = dispatch!(self, c => sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN outcome = 'kept' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN outcome = 'broken' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN ended_at IS NOT NULL AND outcome IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(amount), 0) AS BIGINT) \
             FROM pauses WHERE tenant_id = $1 AND kind = 'promise' AND created_at >= $2 AND created_at < $3")
            .bind(tenant.0).bind(a).bind(b).fetch_one(c).await?);
        kept(row)
    }

    /// Arrangements agreed from `from` to `to`, by how they ended (completed counts as kept).
    pub async fn arrangements_kept(&mut self, tenant: TenantId, from: Date, to: Date) -> Result<Kept> {
        let (a, b) = instants(from, to);
        let row: (i64, i64, i64, i64, i64, i64) = dispatch!(self, c => sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'broken' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(total), 0) AS BIGINT) \
             FROM arrangements WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3")
            .bind(tenant.0).bind(a).bind(b).fetch_one(c).await?);
        kept(row)
    }

    /// Per policy and step taken from `from` to `to`: how many of its invoices were paid in
    /// full within 7, 14 and 30 days after it, counting for each window only steps taken at
    /// least that long before `as_of`. An invoice counts as paid on the day the last payment
    /// allocated to it (and not returned) was received.
    pub async fn step_outcomes(&mut self, tenant: TenantId, from: Date, to: Date, as_of: Date) -> Result<Vec<StepOutcome>> {
        let paid_on = "(SELECT MAX(py.received_on) FROM allocations al JOIN payments py ON py.tenant_id = al.tenant_id AND py.id = al.payment_id \
                       WHERE al.tenant_id = p.tenant_id AND al.invoice_id = p.invoice_id AND al.reversed_at IS NULL)";
        let after = match self.backend() {
            Backend::Sqlite => format!("(julianday({paid_on}) - julianday(p.done_on))"),
            Backend::Postgres => format!("({paid_on} - p.done_on)"),
        };
        let mut windows = String::new();
        for (i, n) in PAID_WITHIN.iter().enumerate() {
            let cut = 4 + i;
            windows.push_str(&format!(
                ", CAST(COALESCE(SUM(CASE WHEN p.done_on <= ${cut} THEN 1 ELSE 0 END), 0) AS BIGINT)\
                 , CAST(COALESCE(SUM(CASE WHEN p.done_on <= ${cut} AND i.status = 'paid' AND {after} <= {n} THEN 1 ELSE 0 END), 0) AS BIGINT)"
            ));
        }
        let sql = format!(
            "SELECT p.policy, CAST(p.step + 1 AS BIGINT), COUNT(*){windows} FROM dunning_progress p \
             JOIN invoices i ON i.tenant_id = p.tenant_id AND i.id = p.invoice_id \
             WHERE p.tenant_id = $1 AND p.done_on >= $2 AND p.done_on <= $3 GROUP BY p.policy, p.step ORDER BY p.policy, p.step"
        );
        let cuts = PAID_WITHIN.map(|n| jiff_sqlx::Date::from(add_days(as_of, -n)));
        type Row = (String, i64, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(tenant.0).bind(jiff_sqlx::Date::from(from)).bind(jiff_sqlx::Date::from(to))
            .bind(cuts[0]).bind(cuts[1]).bind(cuts[2]).fetch_all(c).await?);
        Ok(rows
            .into_iter()
            .map(|(policy, step, invoices, e7, p7, e14, p14, e30, p30)| StepOutcome {
                policy,
                step,
                invoices,
                eligible: [e7, e14, e30],
                paid: [p7, p14, p30],
            })
            .collect())
    }

    /// Why debtors did not pay, as they said it from `from` to `to`: disputes raised, "can't
    /// pay" by the reason chosen in the portal (unspecified on the phone), "won't pay", wrong
    /// numbers, and promises to pay later. Every reason is listed, unused ones with zero.
    pub async fn non_payment_reasons(&mut self, tenant: TenantId, from: Date, to: Date) -> Result<Vec<ReasonCount>> {
        let (a, b) = instants(from, to);
        let pauses: Vec<(String, i64)> = dispatch!(self, c => sqlx::query_as(
            "SELECT kind, COUNT(*) FROM pauses WHERE tenant_id = $1 AND kind IN ('dispute', 'promise') AND created_at >= $2 AND created_at < $3 GROUP BY kind")
            .bind(tenant.0).bind(a).bind(b).fetch_all(c).await?);
        let calls: Vec<(String, i64)> = dispatch!(self, c => sqlx::query_as(
            "SELECT outcome, COUNT(*) FROM calls WHERE tenant_id = $1 AND outcome IN ('cant_pay', 'wont_pay', 'wrong_number') \
             AND called_at >= $2 AND called_at < $3 GROUP BY outcome")
            .bind(tenant.0).bind(a).bind(b).fetch_all(c).await?);
        let portal: Vec<String> = dispatch!(self, c => sqlx::query_scalar(
            "SELECT detail FROM portal_events WHERE tenant_id = $1 AND kind = 'cant_pay' AND created_at >= $2 AND created_at < $3")
            .bind(tenant.0).bind(a).bind(b).fetch_all(c).await?);
        let count = |list: &[(String, i64)], k: &str| list.iter().find(|(x, _)| x == k).map_or(0, |(_, n)| *n);
        let mut out = vec![ReasonCount { reason: "dispute".into(), count: count(&pauses, "dispute") }];
        // The portal writes the reason chosen as "[code: words]" in the event.
        let code = |d: &str| d.split_once('[').and_then(|(_, r)| r.split_once(':')).map(|(c, _)| c.to_string());
        for r in CANT_PAY_REASONS {
            let n = portal.iter().filter(|d| code(d).as_deref() == Some(r)).count();
            out.push(ReasonCount { reason: format!("cant_pay:{r}"), count: i64::try_from(n).unwrap_or(i64::MAX) });
        }
        let unspecified = portal.iter().filter(|d| code(d).is_none_or(|c| !CANT_PAY_REASONS.contains(&c.as_str()))).count();
        out.push(ReasonCount {
            reason: "cant_pay:unspecified".into(),
            count: count(&calls, "cant_pay") + i64::try_from(unspecified).unwrap_or(i64::MAX),
        });
        out.push(ReasonCount { reason: "wont_pay".into(), count: count(&calls, "wont_pay") });
        out.push(ReasonCount { reason: "wrong_number".into(), count: count(&calls, "wrong_number") });
        out.push(ReasonCount { reason: "promised_later".into(), count: count(&pauses, "promise") });
        Ok(out)
    }
}
