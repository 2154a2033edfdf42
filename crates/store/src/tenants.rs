//! Tenants and their API keys.

use domain::contact::{Address, Bic, Iban, KvkNumber, VatId};
use domain::ids::TenantId;
use domain::tenant::{NewTenant, ReferenceKind, Tenant};

use crate::conn::{Tx, dispatch};
use crate::time::Stamp;
use crate::{Page, Result, corrupt};

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: i64,
    legal_name: String,
    kvk_number: Option<String>,
    vat_id: Option<String>,
    iban: String,
    bic: Option<String>,
    address: Option<String>,
    can_deduct_vat: bool,
    default_payment_term_days: i64,
    reference_kind: String,
    created_at: Stamp,
}

const TENANT_COLUMNS: &str =
    "id, legal_name, kvk_number, vat_id, iban, bic, address, can_deduct_vat, default_payment_term_days, reference_kind, created_at";

impl TryFrom<TenantRow> for Tenant {
    type Error = crate::StoreError;
    fn try_from(r: TenantRow) -> Result<Tenant> {
        let what = |f: &str| format!("tenant {} {f}", r.id);
        Ok(Tenant {
            id: TenantId(r.id),
            legal_name: r.legal_name.clone(),
            kvk_number: r.kvk_number.as_deref().map(KvkNumber::parse).transpose().map_err(|e| corrupt(&what("kvk_number"), e))?,
            vat_id: r.vat_id.as_deref().map(VatId::parse).transpose().map_err(|e| corrupt(&what("vat_id"), e))?,
            iban: Iban::parse(&r.iban).map_err(|e| corrupt(&what("iban"), e))?,
            bic: r.bic.as_deref().map(Bic::parse).transpose().map_err(|e| corrupt(&what("bic"), e))?,
            address: decode_address(r.address.as_deref()).map_err(|e| corrupt(&what("address"), e))?,
            can_deduct_vat: r.can_deduct_vat,
            default_payment_term_days: u16::try_from(r.default_payment_term_days).map_err(|e| corrupt(&what("term"), e))?,
            reference_kind: ReferenceKind::parse(&r.reference_kind).map_err(|e| corrupt(&what("reference_kind"), e))?,
            created_at: r.created_at.0,
        })
    }
}

pub(crate) fn encode_address(a: Option<&Address>) -> Option<String> {
    // Serialising a struct of strings cannot fail.
    a.map(|a| serde_json::to_string(a).unwrap_or_default())
}

pub(crate) fn decode_address(s: Option<&str>) -> std::result::Result<Option<Address>, serde_json::Error> {
    s.map(serde_json::from_str).transpose()
}

/// A stored API key: whose it is and the hash of its secret part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// The tenant the key acts for.
    pub tenant_id: TenantId,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
}

impl Tx {
    /// Creates a tenant.
    pub async fn create_tenant(&mut self, t: &NewTenant) -> Result<Tenant> {
        let now = Stamp::now();
        let sql = format!(
            "INSERT INTO tenants (legal_name, kvk_number, vat_id, iban, bic, address, can_deduct_vat, default_payment_term_days, \
             reference_kind, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {TENANT_COLUMNS}"
        );
        let row: TenantRow = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(t.legal_name.trim())
            .bind(t.kvk_number.as_ref().map(|v| v.as_str().to_string()))
            .bind(t.vat_id.as_ref().map(|v| v.as_str().to_string()))
            .bind(t.iban.as_str().to_string())
            .bind(t.bic.as_ref().map(|v| v.as_str().to_string()))
            .bind(encode_address(t.address.as_ref()))
            .bind(t.can_deduct_vat)
            .bind(i64::from(t.default_payment_term_days))
            .bind(t.reference_kind.as_str())
            .bind(now)
            .fetch_one(c)
            .await?);
        row.try_into()
    }

    /// A tenant by id.
    pub async fn tenant(&mut self, id: TenantId) -> Result<Option<Tenant>> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1");
        let row: Option<TenantRow> = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?);
        row.map(Tenant::try_from).transpose()
    }

    /// Tenants in id order.
    pub async fn tenants(&mut self, page: Page) -> Result<Vec<Tenant>> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id > $1 ORDER BY id LIMIT $2");
        let rows: Vec<TenantRow> = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(page.after.unwrap_or(0)).bind(i64::from(page.limit)).fetch_all(c).await?);
        rows.into_iter().map(Tenant::try_from).collect()
    }

    /// Stores a changed tenant.
    pub async fn update_tenant(&mut self, t: &Tenant) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "UPDATE tenants SET legal_name = $2, kvk_number = $3, vat_id = $4, iban = $5, bic = $6, address = $7, \
             can_deduct_vat = $8, default_payment_term_days = $9, reference_kind = $10 WHERE id = $1")
            .bind(t.id.0)
            .bind(t.legal_name.clone())
            .bind(t.kvk_number.as_ref().map(|v| v.as_str().to_string()))
            .bind(t.vat_id.as_ref().map(|v| v.as_str().to_string()))
            .bind(t.iban.as_str().to_string())
            .bind(t.bic.as_ref().map(|v| v.as_str().to_string()))
            .bind(encode_address(t.address.as_ref()))
            .bind(t.can_deduct_vat)
            .bind(i64::from(t.default_payment_term_days))
            .bind(t.reference_kind.as_str())
            .execute(c).await?.rows_affected());
        Ok(())
    }

    /// Issues `n` payment references of the tenant's kind: numbers taken from its counter in this
    /// unit of work, so that none is ever issued twice.
    pub async fn issue_references(&mut self, tenant: TenantId, n: usize) -> Result<Vec<String>> {
        let count = i64::try_from(n).map_err(|e| corrupt("reference count", e))?;
        let (last, kind): (i64, String) = dispatch!(self, c => sqlx::query_as(
            "UPDATE tenants SET references_issued = references_issued + $2 WHERE id = $1 RETURNING references_issued, reference_kind")
            .bind(tenant.0).bind(count).fetch_one(c).await?);
        let kind = ReferenceKind::parse(&kind).map_err(|e| corrupt("reference_kind", e))?;
        let first = u64::try_from(last - count + 1).map_err(|e| corrupt("references issued", e))?;
        (first..first + n as u64).map(|k| kind.issue(k).map_err(|e| corrupt("payment reference", e))).collect()
    }

    /// Stores a new API key for a tenant: its public prefix and the hash of its secret.
    pub async fn add_api_key(&mut self, tenant: TenantId, prefix: &str, secret_hash: &str, label: &str) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "INSERT INTO api_keys (tenant_id, prefix, secret_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(tenant.0).bind(prefix.to_string()).bind(secret_hash.to_string()).bind(label.to_string()).bind(Stamp::now())
            .execute(c).await?.rows_affected());
        Ok(())
    }

    /// The live (not revoked) key with this prefix.
    pub async fn api_key(&mut self, prefix: &str) -> Result<Option<ApiKeyRecord>> {
        let row: Option<(i64, String)> = dispatch!(self, c => sqlx::query_as(
            "SELECT tenant_id, secret_hash FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL")
            .bind(prefix.to_string()).fetch_optional(c).await?);
        Ok(row.map(|(t, h)| ApiKeyRecord { tenant_id: TenantId(t), secret_hash: h }))
    }

    /// Revokes a tenant's key; false when the tenant has no live key with that prefix.
    pub async fn revoke_api_key(&mut self, tenant: TenantId, prefix: &str) -> Result<bool> {
        let done = dispatch!(self, c => sqlx::query(
            "UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND prefix = $2 AND revoked_at IS NULL")
            .bind(tenant.0).bind(prefix.to_string()).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(done == 1)
    }
}
