//! The sums behind the reports, computed in the database.

use jiff::civil::Date;

use domain::ids::TenantId;
use domain::money::Cents;
use domain::reports::{AgeingBucket, BUCKETS, bucket_bounds};

use crate::conn::{Tx, dispatch};
use crate::{Result, corrupt};

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
}
