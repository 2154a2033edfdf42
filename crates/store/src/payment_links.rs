//! Payment links and the provider payments started from them.

use jiff::Timestamp;

use domain::ids::{DebtorId, InvoiceId, PaymentId, TenantId};
use domain::money::Cents;

use crate::conn::{Tx, dispatch};
use crate::time::Stamp;
use crate::{Result, corrupt};

/// A payment link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentLinkRecord {
    /// Identifier.
    pub id: i64,
    /// Its tenant.
    pub tenant: TenantId,
    /// The debtor who pays.
    pub debtor_id: DebtorId,
    /// The invoices it pays.
    pub invoices: Vec<InvoiceId>,
    /// A fixed amount to pay (an instalment), at most what is open; none: all that is open.
    pub amount: Option<Cents>,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// When a person revoked it.
    pub revoked_at: Option<Timestamp>,
}

/// A payment started at a provider from a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPaymentRecord {
    /// Identifier.
    pub id: i64,
    /// Its tenant.
    pub tenant: TenantId,
    /// The link it was started from.
    pub link_id: i64,
    /// The provider's id (`tr_…`).
    pub provider_id: String,
    /// The amount asked.
    pub amount: Cents,
    /// The provider's last known status.
    pub status: String,
    /// The ledger payment it became, once paid.
    pub payment_id: Option<PaymentId>,
}

type LinkRow = (i64, i64, i64, String, Option<i64>, Stamp, Option<Stamp>);

impl Tx {
    /// Stores a payment link under the SHA-256 of its token; its id. With `amount`, the link
    /// pays that much (at most what is open), else all that is open.
    pub async fn create_payment_link(
        &mut self,
        tenant: TenantId,
        debtor: DebtorId,
        invoices: &[InvoiceId],
        amount: Option<Cents>,
        token_sha256: &str,
        expires_at: Timestamp,
    ) -> Result<i64> {
        let ids = serde_json::to_string(&invoices.iter().map(|i| i.0).collect::<Vec<_>>()).map_err(|e| corrupt("link invoices", e))?;
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO payment_links (tenant_id, debtor_id, token_sha256, invoices, amount, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(tenant.0).bind(debtor.0).bind(token_sha256.to_string()).bind(ids).bind(amount.map(Cents::cents)).bind(Stamp::now()).bind(Stamp(expires_at))
            .fetch_one(c).await?);
        Ok(id)
    }

    /// The link whose token has this SHA-256, of whichever tenant (the token is the credential).
    pub async fn payment_link_by_token(&mut self, token_sha256: &str) -> Result<Option<PaymentLinkRecord>> {
        let row: Option<LinkRow> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, tenant_id, debtor_id, invoices, amount, expires_at, revoked_at FROM payment_links WHERE token_sha256 = $1")
            .bind(token_sha256.to_string()).fetch_optional(c).await?);
        row.map(link).transpose()
    }

    /// A tenant's link by id.
    pub async fn payment_link(&mut self, tenant: TenantId, id: i64) -> Result<Option<PaymentLinkRecord>> {
        let row: Option<LinkRow> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, tenant_id, debtor_id, invoices, amount, expires_at, revoked_at FROM payment_links WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id).fetch_optional(c).await?);
        row.map(link).transpose()
    }

    /// Records a payment started at `provider` from a link, in status `open`.
    pub async fn create_provider_payment(
        &mut self,
        tenant: TenantId,
        link: i64,
        provider: &str,
        provider_id: &str,
        amount: Cents,
        checkout_url: Option<&str>,
    ) -> Result<i64> {
        let now = Stamp::now();
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO psp_payments (tenant_id, link_id, provider, provider_id, amount, status, checkout_url, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $7) RETURNING id")
            .bind(tenant.0).bind(link).bind(provider.to_string()).bind(provider_id.to_string()).bind(amount.cents())
            .bind(checkout_url.map(str::to_string)).bind(now).fetch_one(c).await?);
        Ok(id)
    }

    /// The payment a provider knows by `provider_id`, locked for the rest of this unit of work
    /// on PostgreSQL, so that two webhooks for it book it once.
    pub async fn provider_payment(&mut self, provider: &str, provider_id: &str) -> Result<Option<ProviderPaymentRecord>> {
        let lock = if self.backend() == crate::Backend::Postgres { " FOR UPDATE" } else { "" };
        let sql = format!(
            "SELECT id, tenant_id, link_id, provider_id, amount, status, payment_id FROM psp_payments WHERE provider = $1 AND provider_id = $2{lock}"
        );
        type Row = (i64, i64, i64, String, i64, String, Option<i64>);
        let row: Option<Row> = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(provider.to_string()).bind(provider_id.to_string()).fetch_optional(c).await?);
        row.map(|(id, tenant, link_id, provider_id, amount, status, payment)| {
            Ok(ProviderPaymentRecord {
                id,
                tenant: TenantId(tenant),
                link_id,
                provider_id,
                amount: Cents::new(amount).map_err(|e| corrupt("provider payment amount", e))?,
                status,
                payment_id: payment.map(PaymentId),
            })
        })
        .transpose()
    }

    /// Records a provider payment's status and, once paid and booked, the ledger payment.
    pub async fn update_provider_payment(&mut self, id: i64, status: &str, payment: Option<PaymentId>) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "UPDATE psp_payments SET status = $2, payment_id = COALESCE($3, payment_id), updated_at = $4 WHERE id = $1")
            .bind(id).bind(status.to_string()).bind(payment.map(|p| p.0)).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(())
    }
}

fn link((id, tenant, debtor, invoices, amount, expires, revoked): LinkRow) -> Result<PaymentLinkRecord> {
    let ids: Vec<i64> = serde_json::from_str(&invoices).map_err(|e| corrupt("link invoices", e))?;
    Ok(PaymentLinkRecord {
        id,
        tenant: TenantId(tenant),
        debtor_id: DebtorId(debtor),
        invoices: ids.into_iter().map(InvoiceId).collect(),
        amount: amount.map(Cents::new).transpose().map_err(|e| corrupt("link amount", e))?,
        expires_at: expires.0,
        revoked_at: revoked.map(|r| r.0),
    })
}
