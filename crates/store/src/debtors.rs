//! Debtors.

use domain::contact::{KvkNumber, VatId};
use domain::debtor::{ContactPerson, Debtor, DebtorKind, DigitalAffinity, Language, LanguageLevel, NewDebtor, Segment};
use domain::dunning::planner::DebtorProfile;
use domain::ids::{DebtorId, TenantId};
use domain::money::Cents;

use crate::conn::{Tx, dispatch, values_list};
use crate::filter::{Arg, Filter, bind_args};
use crate::tenants::{decode_address, encode_address};
use crate::time::Stamp;
use crate::{Page, Result, StoreError, corrupt};

#[derive(sqlx::FromRow)]
struct DebtorRow {
    id: i64,
    tenant_id: i64,
    external_id: Option<String>,
    kind: String,
    name: String,
    contacts: String,
    address: Option<String>,
    language: String,
    language_level: String,
    digital_affinity: String,
    preferred_channel: Option<String>,
    segment: String,
    credit_limit: Option<i64>,
    kvk_number: Option<String>,
    vat_id: Option<String>,
    created_at: Stamp,
    updated_at: Stamp,
}

const DEBTOR_COLUMNS: &str = "id, tenant_id, external_id, kind, name, contacts, address, language, language_level, \
     digital_affinity, preferred_channel, segment, credit_limit, kvk_number, vat_id, created_at, updated_at";

impl TryFrom<DebtorRow> for Debtor {
    type Error = StoreError;
    fn try_from(r: DebtorRow) -> Result<Debtor> {
        let what = |f: &str| format!("debtor {} {f}", r.id);
        let contacts: Vec<ContactPerson> = serde_json::from_str(&r.contacts).map_err(|e| corrupt(&what("contacts"), e))?;
        Ok(Debtor {
            id: DebtorId(r.id),
            tenant_id: TenantId(r.tenant_id),
            external_id: r.external_id.clone(),
            kind: DebtorKind::parse(&r.kind).map_err(|e| corrupt(&what("kind"), e))?,
            name: r.name.clone(),
            contacts,
            address: decode_address(r.address.as_deref()).map_err(|e| corrupt(&what("address"), e))?,
            language: Language::parse(&r.language).map_err(|e| corrupt(&what("language"), e))?,
            language_level: LanguageLevel::parse(&r.language_level).map_err(|e| corrupt(&what("language_level"), e))?,
            digital_affinity: DigitalAffinity::parse(&r.digital_affinity).map_err(|e| corrupt(&what("digital_affinity"), e))?,
            preferred_channel: r
                .preferred_channel
                .as_deref()
                .map(domain::dunning::policy::Channel::parse)
                .transpose()
                .map_err(|e| corrupt(&what("preferred_channel"), e))?,
            segment: Segment::parse(&r.segment).map_err(|e| corrupt(&what("segment"), e))?,
            credit_limit: r.credit_limit.map(Cents::new).transpose().map_err(|e| corrupt(&what("credit_limit"), e))?,
            kvk_number: r.kvk_number.as_deref().map(KvkNumber::parse).transpose().map_err(|e| corrupt(&what("kvk_number"), e))?,
            vat_id: r.vat_id.as_deref().map(VatId::parse).transpose().map_err(|e| corrupt(&what("vat_id"), e))?,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

/// Which debtors a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DebtorFilter {
    /// Only consumers or only businesses.
    pub kind: Option<DebtorKind>,
    /// Only this segment.
    pub segment: Option<Segment>,
    /// Only the debtor with this customer number.
    pub external_id: Option<String>,
}

fn contacts_json(contacts: &[ContactPerson]) -> String {
    // A list of plain structs always serialises.
    serde_json::to_string(contacts).unwrap_or_else(|_| "[]".to_string())
}

impl Tx {
    /// Creates a debtor.
    pub async fn create_debtor(&mut self, tenant: TenantId, d: &NewDebtor) -> Result<Debtor> {
        let ids = self.insert_debtors(tenant, std::slice::from_ref(d)).await?;
        let id = ids.first().copied().ok_or_else(|| corrupt("insert", "no id returned"))?;
        self.debtor(tenant, id).await?.ok_or_else(|| corrupt("insert", "debtor vanished"))
    }

    /// Stores many debtors in batches of rows per INSERT; returns their ids in order.
    pub async fn insert_debtors(&mut self, tenant: TenantId, debtors: &[NewDebtor]) -> Result<Vec<DebtorId>> {
        let now = Stamp::now();
        let mut ids = Vec::with_capacity(debtors.len());
        for chunk in debtors.chunks(crate::invoices::INSERT_BATCH) {
            let sql = format!(
                "INSERT INTO debtors (tenant_id, external_id, kind, name, contacts, address, language, language_level, \
                 digital_affinity, preferred_channel, segment, credit_limit, kvk_number, vat_id, created_at, updated_at) VALUES {} RETURNING id",
                values_list(self.backend(), chunk.len(), 16)
            );
            let rows: Vec<(i64,)> = dispatch!(self, c => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for d in chunk {
                    q = q
                        .bind(tenant.0)
                        .bind(d.external_id.as_ref().map(|s| s.trim().to_string()))
                        .bind(d.kind.as_str())
                        .bind(d.name.trim().to_string())
                        .bind(contacts_json(&d.contacts))
                        .bind(encode_address(d.address.as_ref()))
                        .bind(d.language.as_str())
                        .bind(d.language_level.as_str())
                        .bind(d.digital_affinity.as_str())
                        .bind(d.preferred_channel.map(|c| c.as_str()))
                        .bind(d.segment.as_str())
                        .bind(d.credit_limit.map(Cents::cents))
                        .bind(d.kvk_number.as_ref().map(|v| v.as_str().to_string()))
                        .bind(d.vat_id.as_ref().map(|v| v.as_str().to_string()))
                        .bind(now)
                        .bind(now);
                }
                q.fetch_all(c).await?
            });
            let mut batch: Vec<i64> = rows.into_iter().map(|r| r.0).collect();
            batch.sort_unstable();
            ids.extend(batch.into_iter().map(DebtorId));
        }
        Ok(ids)
    }

    /// A debtor of the tenant.
    pub async fn debtor(&mut self, tenant: TenantId, id: DebtorId) -> Result<Option<Debtor>> {
        let sql = format!("SELECT {DEBTOR_COLUMNS} FROM debtors WHERE tenant_id = $1 AND id = $2");
        let row: Option<DebtorRow> =
            dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id.0).fetch_optional(c).await?);
        row.map(Debtor::try_from).transpose()
    }

    /// What the planner needs of the tenant's debtors with these ids, with the policy chosen for
    /// each, if any: seven columns, not the whole debtor. (Selecting "debtors with open invoices"
    /// in SQL instead made SQLite pick a plan 1,000 times slower on a million invoices.)
    pub async fn debtor_profiles(&mut self, tenant: TenantId, ids: &[DebtorId]) -> Result<Vec<(DebtorProfile, Option<String>)>> {
        /// Of each contact, only whether it has an address, a number and WhatsApp consent.
        #[derive(serde::Deserialize)]
        struct Reach {
            #[serde(default)]
            email: Option<serde::de::IgnoredAny>,
            #[serde(default)]
            phone: Option<serde::de::IgnoredAny>,
            #[serde(default)]
            whatsapp_opt_in: bool,
        }
        type Row = (i64, String, String, String, Option<String>, String, bool, Option<String>);
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(10_000) {
            let mut w = Filter::new(self.backend(), tenant.0, None);
            w.and_in("id", chunk.iter().map(|d| d.0));
            let (clause, args) = w.finish("ORDER BY id LIMIT ?", u32::try_from(chunk.len()).unwrap_or(u32::MAX));
            let sql = format!(
                "SELECT id, kind, segment, digital_affinity, preferred_channel, contacts, address IS NOT NULL, policy_name FROM debtors{clause}"
            );
            let rows: Vec<Row> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
            for (id, kind, segment, affinity, preferred, contacts, has_address, policy) in rows {
                let what = format!("debtor {id}");
                let reach: Vec<Reach> = serde_json::from_str(&contacts).map_err(|e| corrupt(&what, e))?;
                let profile = DebtorProfile {
                    id: DebtorId(id),
                    kind: DebtorKind::parse(&kind).map_err(|e| corrupt(&what, e))?,
                    segment: Segment::parse(&segment).map_err(|e| corrupt(&what, e))?,
                    digital_affinity: DigitalAffinity::parse(&affinity).map_err(|e| corrupt(&what, e))?,
                    preferred_channel: preferred
                        .as_deref()
                        .map(domain::dunning::policy::Channel::parse)
                        .transpose()
                        .map_err(|e| corrupt(&what, e))?,
                    has_email: reach.iter().any(|r| r.email.is_some()),
                    has_phone: reach.iter().any(|r| r.phone.is_some()),
                    whatsapp_opt_in: reach.iter().any(|r| r.phone.is_some() && r.whatsapp_opt_in),
                    has_address,
                };
                out.push((profile, policy));
            }
        }
        Ok(out)
    }

    /// The tenant's debtor with this customer number.
    pub async fn debtor_by_external_id(&mut self, tenant: TenantId, external_id: &str) -> Result<Option<Debtor>> {
        let sql = format!("SELECT {DEBTOR_COLUMNS} FROM debtors WHERE tenant_id = $1 AND external_id = $2");
        let row: Option<DebtorRow> = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0).bind(external_id.to_string()).fetch_optional(c).await?);
        row.map(Debtor::try_from).transpose()
    }

    /// The tenant's debtors in id order.
    pub async fn debtors(&mut self, tenant: TenantId, filter: &DebtorFilter, page: Page) -> Result<Vec<Debtor>> {
        let mut w = Filter::new(self.backend(), tenant.0, page.after);
        w.and_some("kind = ?", filter.kind, |k| Arg::Text(k.as_str().to_string()));
        w.and_some("segment = ?", filter.segment, |s| Arg::Text(s.as_str().to_string()));
        w.and_some("external_id = ?", filter.external_id.clone(), Arg::Text);
        let (clause, args) = w.finish("ORDER BY id LIMIT ?", page.limit);
        let sql = format!("SELECT {DEBTOR_COLUMNS} FROM debtors{clause}");
        let rows: Vec<DebtorRow> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        rows.into_iter().map(Debtor::try_from).collect()
    }

    /// Stores a changed debtor.
    pub async fn update_debtor(&mut self, d: &Debtor) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "UPDATE debtors SET external_id = $3, kind = $4, name = $5, contacts = $6, address = $7, language = $8, \
             language_level = $9, digital_affinity = $10, segment = $11, credit_limit = $12, kvk_number = $13, vat_id = $14, \
             updated_at = $15, preferred_channel = $16 WHERE tenant_id = $1 AND id = $2")
            .bind(d.tenant_id.0)
            .bind(d.id.0)
            .bind(d.external_id.clone())
            .bind(d.kind.as_str())
            .bind(d.name.clone())
            .bind(contacts_json(&d.contacts))
            .bind(encode_address(d.address.as_ref()))
            .bind(d.language.as_str())
            .bind(d.language_level.as_str())
            .bind(d.digital_affinity.as_str())
            .bind(d.segment.as_str())
            .bind(d.credit_limit.map(Cents::cents))
            .bind(d.kvk_number.as_ref().map(|v| v.as_str().to_string()))
            .bind(d.vat_id.as_ref().map(|v| v.as_str().to_string()))
            .bind(Stamp::now())
            .bind(d.preferred_channel.map(|c| c.as_str()))
            .execute(c).await?.rows_affected());
        Ok(())
    }
}
