//! Idempotency keys: a client that retries a POST with the same key gets the first answer
//! again instead of a second invoice or payment.

use domain::ids::TenantId;

use crate::Result;
use crate::conn::{Tx, dispatch};
use crate::time::Stamp;

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is new and now held by this unit of work: do the work, then record the answer.
    Fresh,
    /// The same request was answered before: return this status and body.
    Replay {
        /// HTTP status of the first answer.
        status: u16,
        /// Body of the first answer.
        body: String,
    },
    /// The key was used for a different request.
    Mismatch,
}

impl Tx {
    /// Claims an idempotency key for a request with this fingerprint (method, path and a hash
    /// of the body). On PostgreSQL a concurrent claim of the same key waits for this unit of
    /// work to end; on SQLite the write lock already serialises them.
    pub async fn claim_idempotency_key(&mut self, tenant: TenantId, key: &str, fingerprint: &str) -> Result<IdempotencyClaim> {
        let inserted = dispatch!(self, c => sqlx::query(
            "INSERT INTO idempotency_keys (tenant_id, key, request_fingerprint, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, key) DO NOTHING")
            .bind(tenant.0).bind(key.to_string()).bind(fingerprint.to_string()).bind(Stamp::now())
            .execute(c).await?.rows_affected());
        if inserted == 1 {
            return Ok(IdempotencyClaim::Fresh);
        }
        let (stored_fingerprint, status, body): (String, Option<i64>, Option<String>) = dispatch!(self, c => sqlx::query_as(
            "SELECT request_fingerprint, response_status, response_body FROM idempotency_keys WHERE tenant_id = $1 AND key = $2")
            .bind(tenant.0).bind(key.to_string()).fetch_one(c).await?);
        if stored_fingerprint != fingerprint {
            return Ok(IdempotencyClaim::Mismatch);
        }
        Ok(IdempotencyClaim::Replay { status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(500), body: body.unwrap_or_default() })
    }

    /// Records the answer given for a claimed key, in the same unit of work as the work itself.
    pub async fn record_idempotent_response(&mut self, tenant: TenantId, key: &str, status: u16, body: &str) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE tenant_id = $1 AND key = $2")
            .bind(tenant.0).bind(key.to_string()).bind(i64::from(status)).bind(body.to_string())
            .execute(c).await?.rows_affected());
        Ok(())
    }
}
