//! The debtor portal: access by tokens handed out in messages (found by their SHA-256) or by an
//! invoice number and postcode, and what debtors ask for there: arrangement proposals, dispute
//! files, and events for the timeline.

use jiff::Timestamp;

use domain::dunning::agreement::{Frequency, Schedule};
use domain::ids::{DebtorId, InvoiceId, TenantId};

use crate::conn::{Tx, dispatch};
use crate::tenants::decode_address;
use crate::time::Stamp;
use crate::{Result, corrupt};

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

/// An arrangement a debtor proposed in the portal beyond the tenant's limits, waiting for a
/// person (or decided).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrangementProposal {
    /// Identifier.
    pub id: i64,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// The invoices it covers.
    pub invoice_ids: Vec<InvoiceId>,
    /// The plan the debtor chose.
    pub schedule: Schedule,
    /// Weekly or monthly.
    pub frequency: Frequency,
    /// Why a person must decide.
    pub beyond_limits: String,
    /// pending, approved or rejected.
    pub status: String,
    /// The arrangement an approval made.
    pub arrangement_id: Option<i64>,
    /// When proposed.
    pub created_at: Timestamp,
    /// When decided.
    pub decided_at: Option<Timestamp>,
    /// The hold that keeps the track still meanwhile.
    pub hold_pause_id: Option<i64>,
}

/// A file a debtor sent with a dispute, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeAttachment {
    /// Identifier.
    pub id: i64,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// The dispute (a pause) it belongs to.
    pub pause_id: i64,
    /// The file's name as sent.
    pub file_name: String,
    /// Its type, as found from its content.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// When received.
    pub created_at: Timestamp,
}

/// A message step that claimed collection costs or started statutory interest, and went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentClaim {
    /// The invoices the step named.
    pub invoice_ids: Vec<InvoiceId>,
    /// It claimed collection costs.
    pub adds_collection_costs: bool,
    /// It started statutory interest.
    pub starts_interest: bool,
}

/// What a portal page marks on a debtor's invoices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceMarks {
    /// Invoices whose document is stored.
    pub documented: Vec<InvoiceId>,
    /// Invoices in an active arrangement.
    pub arranged: Vec<InvoiceId>,
    /// Steps sent that claimed collection costs or started statutory interest.
    pub claims: Vec<SentClaim>,
}

impl Tx {
    /// Records what a debtor did in the portal, for the timeline.
    pub async fn add_portal_event(&mut self, tenant: TenantId, debtor: DebtorId, kind: &str, detail: &str) -> Result<i64> {
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO portal_events (tenant_id, debtor_id, kind, detail, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(tenant.0).bind(debtor.0).bind(kind.to_string()).bind(detail.to_string()).bind(Stamp::now()).fetch_one(c).await?);
        Ok(id)
    }

    /// A debtor's portal events, oldest first: (id, when, kind, detail).
    pub async fn portal_events_of(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<Vec<(i64, Timestamp, String, String)>> {
        let rows: Vec<(i64, Stamp, String, String)> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, created_at, kind, detail FROM portal_events WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY id")
            .bind(tenant.0).bind(debtor.0).fetch_all(c).await?);
        Ok(rows.into_iter().map(|(id, at, kind, detail)| (id, at.0, kind, detail)).collect())
    }

    /// Stores a proposal that waits for a person, with the hold that keeps the track still.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_arrangement_proposal(
        &mut self,
        tenant: TenantId,
        debtor: DebtorId,
        invoices: &[InvoiceId],
        schedule: &Schedule,
        frequency: Frequency,
        beyond_limits: &str,
        hold_pause: Option<i64>,
    ) -> Result<i64> {
        let ids: Vec<i64> = invoices.iter().map(|i| i.0).collect();
        let invoices = serde_json::to_string(&ids).map_err(|e| corrupt("proposal invoices", e))?;
        let instalments = serde_json::to_string(&schedule.instalments).map_err(|e| corrupt("proposal instalments", e))?;
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO arrangement_proposals (tenant_id, debtor_id, invoices, instalments, frequency, outside_limits, status, created_at, hold_pause_id) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING id")
            .bind(tenant.0).bind(debtor.0).bind(invoices).bind(instalments).bind(frequency.as_str()).bind(beyond_limits.to_string())
            .bind(Stamp::now()).bind(hold_pause).fetch_one(c).await?);
        Ok(id)
    }

    /// The tenant's proposals, oldest first: the pending ones, or (with `debtor`) all of one
    /// debtor's.
    pub async fn arrangement_proposals(&mut self, tenant: TenantId, debtor: Option<DebtorId>) -> Result<Vec<ArrangementProposal>> {
        type Row = (i64, i64, String, String, String, String, String, Option<i64>, Stamp, Option<Stamp>, Option<i64>);
        let rows: Vec<Row> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, debtor_id, invoices, instalments, frequency, outside_limits, status, arrangement_id, created_at, decided_at, hold_pause_id \
             FROM arrangement_proposals WHERE tenant_id = $1 AND (($2 = 0 AND status = 'pending') OR debtor_id = $2) ORDER BY id")
            .bind(tenant.0).bind(debtor.map_or(0, |d| d.0)).fetch_all(c).await?);
        rows.into_iter()
            .map(|(id, d, invoices, instalments, frequency, beyond, status, arrangement_id, created_at, decided_at, hold_pause_id)| {
                let ids: Vec<i64> = serde_json::from_str(&invoices).map_err(|e| corrupt("proposal invoices", e))?;
                Ok(ArrangementProposal {
                    id,
                    debtor_id: DebtorId(d),
                    invoice_ids: ids.into_iter().map(InvoiceId).collect(),
                    schedule: Schedule {
                        instalments: serde_json::from_str(&instalments).map_err(|e| corrupt("proposal instalments", e))?,
                        grace_days: domain::dunning::agreement::DEFAULT_ARRANGEMENT_GRACE_DAYS,
                    },
                    frequency: Frequency::parse(&frequency).map_err(|e| corrupt("proposal frequency", e))?,
                    beyond_limits: beyond,
                    status,
                    arrangement_id,
                    created_at: created_at.0,
                    decided_at: decided_at.map(|s| s.0),
                    hold_pause_id,
                })
            })
            .collect()
    }

    /// One proposal of the tenant.
    pub async fn arrangement_proposal(&mut self, tenant: TenantId, id: i64) -> Result<Option<ArrangementProposal>> {
        let debtor: Option<(i64,)> = dispatch!(self, c => sqlx::query_as(
            "SELECT debtor_id FROM arrangement_proposals WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id).fetch_optional(c).await?);
        let Some((d,)) = debtor else { return Ok(None) };
        Ok(self.arrangement_proposals(tenant, Some(DebtorId(d))).await?.into_iter().find(|p| p.id == id))
    }

    /// Decides a pending proposal: approved (with the arrangement it became) or rejected; false
    /// when it was decided already.
    pub async fn decide_arrangement_proposal(&mut self, tenant: TenantId, id: i64, arrangement: Option<i64>) -> Result<bool> {
        let status = if arrangement.is_some() { "approved" } else { "rejected" };
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE arrangement_proposals SET status = $3, arrangement_id = $4, decided_at = $5 \
             WHERE tenant_id = $1 AND id = $2 AND status = 'pending'")
            .bind(tenant.0).bind(id).bind(status).bind(arrangement).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Stores a file sent with a dispute.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_dispute_attachment(
        &mut self,
        tenant: TenantId,
        debtor: DebtorId,
        pause_id: i64,
        file_name: &str,
        content_type: &str,
        content: &[u8],
        sha256: &str,
    ) -> Result<i64> {
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO dispute_attachments (tenant_id, debtor_id, pause_id, file_name, content_type, content, sha256, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(tenant.0).bind(debtor.0).bind(pause_id).bind(file_name.to_string()).bind(content_type.to_string())
            .bind(content.to_vec()).bind(sha256.to_string()).bind(Stamp::now()).fetch_one(c).await?);
        Ok(id)
    }

    /// A debtor's dispute files, oldest first, without their content.
    pub async fn dispute_attachments_of(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<Vec<DisputeAttachment>> {
        type Row = (i64, i64, i64, String, String, i64, String, Stamp);
        let rows: Vec<Row> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, debtor_id, pause_id, file_name, content_type, CAST(LENGTH(content) AS BIGINT), sha256, created_at \
             FROM dispute_attachments WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY id")
            .bind(tenant.0).bind(debtor.0).fetch_all(c).await?);
        Ok(rows
            .into_iter()
            .map(|(id, d, pause_id, file_name, content_type, size, sha256, at)| DisputeAttachment {
                id,
                debtor_id: DebtorId(d),
                pause_id,
                file_name,
                content_type,
                size,
                sha256,
                created_at: at.0,
            })
            .collect())
    }

    /// The content of one dispute file of the tenant: (file name, type, bytes).
    pub async fn dispute_attachment_content(&mut self, tenant: TenantId, id: i64) -> Result<Option<(String, String, Vec<u8>)>> {
        let row: Option<(String, String, Vec<u8>)> = dispatch!(self, c => sqlx::query_as(
            "SELECT file_name, content_type, content FROM dispute_attachments WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id).fetch_optional(c).await?);
        Ok(row)
    }

    /// Debtors, of any tenant, who have an invoice with this number and live at this postcode
    /// (compared without spaces and case): the portal's entry for a debtor without a link.
    pub async fn debtors_by_invoice_and_postcode(&mut self, number: &str, postcode: &str) -> Result<Vec<(TenantId, DebtorId)>> {
        let rows: Vec<(i64, i64, Option<String>)> = dispatch!(self, c => sqlx::query_as(
            "SELECT d.tenant_id, d.id, d.address FROM invoices i JOIN debtors d ON d.tenant_id = i.tenant_id AND d.id = i.debtor_id \
             WHERE i.number = $1 LIMIT 20")
            .bind(number.trim().to_string()).fetch_all(c).await?);
        let norm = |p: &str| p.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        let wanted = norm(postcode);
        let mut out = Vec::new();
        for (t, d, address) in rows {
            let address = decode_address(address.as_deref()).map_err(|e| corrupt("debtor address", e))?;
            if !wanted.is_empty() && address.is_some_and(|a| norm(&a.postcode) == wanted) && !out.contains(&(TenantId(t), DebtorId(d))) {
                out.push((TenantId(t), DebtorId(d)));
            }
        }
        Ok(out)
    }

    /// What a debtor's portal page marks on the invoices, in one query: which have their
    /// document, which are in an active arrangement, and the steps sent that claimed collection
    /// costs or started statutory interest.
    pub async fn invoice_marks(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<InvoiceMarks> {
        let rows: Vec<(String, i64, String)> = dispatch!(self, c => sqlx::query_as(
            "SELECT 'document', d.invoice_id, '' FROM invoice_documents d \
               JOIN invoices i ON i.tenant_id = d.tenant_id AND i.id = d.invoice_id WHERE d.tenant_id = $1 AND i.debtor_id = $2 \
             UNION ALL \
             SELECT 'arranged', ai.invoice_id, '' FROM arrangement_invoices ai \
               JOIN arrangements a ON a.tenant_id = ai.tenant_id AND a.id = ai.arrangement_id \
               WHERE ai.tenant_id = $1 AND a.debtor_id = $2 AND a.status = 'active' \
             UNION ALL \
             SELECT CASE WHEN a.adds_collection_costs AND a.starts_interest THEN 'costs+interest' \
                         WHEN a.adds_collection_costs THEN 'costs' ELSE 'interest' END, a.id, a.invoices FROM dunning_actions a \
               WHERE a.tenant_id = $1 AND a.debtor_id = $2 AND (a.adds_collection_costs OR a.starts_interest) \
               AND EXISTS (SELECT 1 FROM outbox o WHERE o.tenant_id = a.tenant_id AND o.action_id = a.id AND o.status = 'sent')")
            .bind(tenant.0).bind(debtor.0).fetch_all(c).await?);
        let mut marks = InvoiceMarks::default();
        for (kind, id, invoices) in rows {
            match kind.as_str() {
                "document" => marks.documented.push(InvoiceId(id)),
                "arranged" => marks.arranged.push(InvoiceId(id)),
                _ => {
                    let ids: Vec<i64> = serde_json::from_str(&invoices).map_err(|e| corrupt("action invoices", e))?;
                    marks.claims.push(SentClaim {
                        invoice_ids: ids.into_iter().map(InvoiceId).collect(),
                        adds_collection_costs: kind.starts_with("costs"),
                        starts_interest: kind.ends_with("interest"),
                    });
                }
            }
        }
        Ok(marks)
    }
}
