//! Access to the debtor portal: tokens handed out in messages, found by their SHA-256.

use jiff::Timestamp;

use domain::ids::{DebtorId, TenantId};

use crate::Result;
use crate::conn::{Tx, dispatch};
use crate::time::Stamp;

/// Whose portal a token opens, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalAccess {
    /// The tenant.
    pub tenant: TenantId,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

impl Tx {
    /// Stores a portal token (as its SHA-256) for a debtor.
    pub async fn create_portal_token(
        &mut self,
        tenant: TenantId,
        debtor: DebtorId,
        token_sha256: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "INSERT INTO portal_tokens (tenant_id, debtor_id, token_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(tenant.0).bind(debtor.0).bind(token_sha256.to_string()).bind(Stamp::now()).bind(Stamp(expires_at))
            .execute(c).await?.rows_affected());
        Ok(())
    }

    /// The access a token with this SHA-256 gives, of whichever tenant (the token is the
    /// credential).
    pub async fn portal_access(&mut self, token_sha256: &str) -> Result<Option<PortalAccess>> {
        let row: Option<(i64, i64, Stamp, Option<Stamp>)> = dispatch!(self, c => sqlx::query_as(
            "SELECT tenant_id, debtor_id, expires_at, revoked_at FROM portal_tokens WHERE token_sha256 = $1")
            .bind(token_sha256.to_string()).fetch_optional(c).await?);
        Ok(row.map(|(t, d, e, r)| PortalAccess {
            tenant: TenantId(t),
            debtor_id: DebtorId(d),
            expires_at: e.0,
            revoked_at: r.map(|r| r.0),
        }))
    }

    /// Revokes every portal token of a debtor still in force; how many.
    pub async fn revoke_portal_tokens(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<u64> {
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE portal_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND debtor_id = $2 AND revoked_at IS NULL")
            .bind(tenant.0).bind(debtor.0).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n)
    }
}
