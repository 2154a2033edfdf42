//! Invoices and credit notes.

use jiff::civil::Date;

use domain::ids::{CreditNoteId, DebtorId, InvoiceId, TenantId};
use domain::invoice::{CreditNote, Currency, Invoice, InvoiceStatus, NewCreditNote, settled_status};
use domain::money::Cents;
use domain::reference::PaymentReference;

use crate::conn::{Tx, dispatch, values_list};
use crate::filter::{Arg, Filter, bind_args};
use crate::time::Stamp;
use crate::{Page, Result, StoreError, corrupt};

#[derive(sqlx::FromRow)]
pub(crate) struct InvoiceRow {
    id: i64,
    tenant_id: i64,
    debtor_id: i64,
    number: String,
    external_id: Option<String>,
    issue_date: jiff_sqlx::Date,
    due_date: jiff_sqlx::Date,
    currency: String,
    total: i64,
    vat: i64,
    paid: i64,
    credited: i64,
    status: String,
    payment_reference: Option<String>,
    created_at: Stamp,
    updated_at: Stamp,
}

const INVOICE_COLUMNS: &str = "id, tenant_id, debtor_id, number, external_id, issue_date, due_date, currency, total, vat, \
     paid, credited, status, payment_reference, created_at, updated_at";

fn cents(what: &str, v: i64) -> Result<Cents> {
    Cents::new(v).map_err(|e| corrupt(what, e))
}

impl TryFrom<InvoiceRow> for Invoice {
    type Error = StoreError;
    fn try_from(r: InvoiceRow) -> Result<Invoice> {
        let what = format!("invoice {}", r.id);
        let (total, paid, credited) = (cents(&what, r.total)?, cents(&what, r.paid)?, cents(&what, r.credited)?);
        Ok(Invoice {
            id: InvoiceId(r.id),
            tenant_id: TenantId(r.tenant_id),
            debtor_id: DebtorId(r.debtor_id),
            number: r.number,
            external_id: r.external_id,
            issue_date: r.issue_date.to_jiff(),
            due_date: r.due_date.to_jiff(),
            currency: Currency::parse(&r.currency).map_err(|e| corrupt(&what, e))?,
            total,
            vat: cents(&what, r.vat)?,
            paid,
            credited,
            outstanding: total - paid - credited,
            status: InvoiceStatus::parse(&r.status).map_err(|e| corrupt(&what, e))?,
            payment_reference: r.payment_reference,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

/// An invoice ready to be stored: checked, with its due date decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRecord {
    /// Who owes it.
    pub debtor_id: DebtorId,
    /// Invoice number.
    pub number: String,
    /// Identifier in the tenant's system.
    pub external_id: Option<String>,
    /// Invoice date.
    pub issue_date: Date,
    /// Due date.
    pub due_date: Date,
    /// Total including VAT.
    pub total: Cents,
    /// VAT included.
    pub vat: Cents,
    /// Already paid before Tegoed knew the invoice (an import's open amount below the total).
    pub paid: Cents,
    /// Payment reference.
    pub payment_reference: Option<String>,
}

/// A reference as given, or, when it is a valid kenmerk or RF reference, in its stored form (no
/// spaces, RF in capitals), so that a payment quoting it finds the invoice.
fn canonical_reference(given: &str) -> String {
    PaymentReference::parse(given).map_or_else(|_| given.trim().to_string(), |r| r.as_str().to_string())
}

/// Which invoices a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    /// Only this status.
    pub status: Option<InvoiceStatus>,
    /// Only this debtor's.
    pub debtor_id: Option<DebtorId>,
    /// Only those due before this date.
    pub due_before: Option<Date>,
    /// Only those due after this date.
    pub due_after: Option<Date>,
    /// Only overdue ones (`true`) or only the others (`false`), as seen on the given day.
    pub overdue: Option<(bool, Date)>,
}

/// Rows per INSERT when storing many: 1,000 × 15 parameters stays below both SQLite's (32,766)
/// and PostgreSQL's (65,535) limit on bound parameters.
pub(crate) const INSERT_BATCH: usize = 1_000;

impl Tx {
    /// Stores one invoice.
    pub async fn create_invoice(&mut self, tenant: TenantId, inv: &InvoiceRecord) -> Result<Invoice> {
        let ids = self.insert_invoices(tenant, std::slice::from_ref(inv)).await?;
        let id = ids.first().copied().ok_or_else(|| corrupt("insert", "no id returned"))?;
        self.invoice(tenant, id).await?.ok_or_else(|| corrupt("insert", "invoice vanished"))
    }

    /// Stores many invoices in batches; returns their ids in order. An invoice without a payment
    /// reference gets the tenant's next one.
    pub async fn insert_invoices(&mut self, tenant: TenantId, invoices: &[InvoiceRecord]) -> Result<Vec<InvoiceId>> {
        let now = Stamp::now();
        let mut ids = Vec::with_capacity(invoices.len());
        for chunk in invoices.chunks(INSERT_BATCH) {
            let wanted = chunk.iter().filter(|i| i.payment_reference.is_none()).count();
            let mut issued = if wanted > 0 { self.issue_references(tenant, wanted).await? } else { Vec::new() }.into_iter();
            let references: Vec<Option<String>> =
                chunk.iter().map(|i| i.payment_reference.as_deref().map(canonical_reference).or_else(|| issued.next())).collect();
            let sql = format!(
                "INSERT INTO invoices (tenant_id, debtor_id, number, external_id, issue_date, due_date, currency, total, vat, \
                 paid, credited, status, payment_reference, created_at, updated_at) VALUES {} RETURNING id",
                values_list(self.backend(), chunk.len(), 15)
            );
            let rows: Vec<(i64,)> = dispatch!(self, c => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for (inv, reference) in chunk.iter().zip(&references) {
                    let status = settled_status(inv.total, inv.paid, Cents::ZERO, InvoiceStatus::Open);
                    q = q
                        .bind(tenant.0)
                        .bind(inv.debtor_id.0)
                        .bind(inv.number.clone())
                        .bind(inv.external_id.clone())
                        .bind(jiff_sqlx::Date::from(inv.issue_date))
                        .bind(jiff_sqlx::Date::from(inv.due_date))
                        .bind(Currency::Eur.as_str())
                        .bind(inv.total.cents())
                        .bind(inv.vat.cents())
                        .bind(inv.paid.cents())
                        .bind(0_i64)
                        .bind(status.as_str())
                        .bind(reference.clone())
                        .bind(now)
                        .bind(now);
                }
                q.fetch_all(c).await?
            });
            // RETURNING gives rows in VALUES order on both backends for a single INSERT; sort to
            // be safe, as ids are assigned in that order too.
            let mut batch: Vec<i64> = rows.into_iter().map(|r| r.0).collect();
            batch.sort_unstable();
            ids.extend(batch.into_iter().map(InvoiceId));
        }
        Ok(ids)
    }

    /// An invoice of the tenant.
    pub async fn invoice(&mut self, tenant: TenantId, id: InvoiceId) -> Result<Option<Invoice>> {
        let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE tenant_id = $1 AND id = $2");
        let row: Option<InvoiceRow> =
            dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id.0).fetch_optional(c).await?);
        row.map(Invoice::try_from).transpose()
    }

    /// The tenant's invoices with these ids (missing ones are left out).
    pub async fn invoices_by_id(&mut self, tenant: TenantId, ids: &[InvoiceId]) -> Result<Vec<Invoice>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(inv) = self.invoice(tenant, *id).await? {
                out.push(inv);
            }
        }
        Ok(out)
    }

    /// Whether the tenant has an invoice with this number.
    pub async fn invoice_number_taken(&mut self, tenant: TenantId, number: &str) -> Result<bool> {
        let n: i64 = dispatch!(self, c => sqlx::query_scalar("SELECT COUNT(*) FROM invoices WHERE tenant_id = $1 AND number = $2")
            .bind(tenant.0).bind(number.to_string()).fetch_one(c).await?);
        Ok(n > 0)
    }

    /// The tenant's invoice with this number, if any.
    pub async fn invoice_by_number(&mut self, tenant: TenantId, number: &str) -> Result<Option<Invoice>> {
        let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE tenant_id = $1 AND number = $2");
        let row: Option<InvoiceRow> = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0).bind(number.trim().to_string()).fetch_optional(c).await?);
        row.map(Invoice::try_from).transpose()
    }

    /// Whether the tenant has a credit note with this number.
    pub async fn credit_note_number_taken(&mut self, tenant: TenantId, number: &str) -> Result<bool> {
        let n: i64 = dispatch!(self, c => sqlx::query_scalar("SELECT COUNT(*) FROM credit_notes WHERE tenant_id = $1 AND number = $2")
            .bind(tenant.0).bind(number.trim().to_string()).fetch_one(c).await?);
        Ok(n > 0)
    }

    /// The tenant's invoices in id order.
    pub async fn invoices(&mut self, tenant: TenantId, f: &InvoiceFilter, page: Page) -> Result<Vec<Invoice>> {
        let mut w = Filter::new(self.backend(), tenant.0, page.after);
        if let Some(status) = f.status {
            // A literal from a closed set of words, not user text: with `status = 'open'` spelt
            // out, the partial index on open invoices can serve the due-date filters.
            w.and_sql(&format!("status = '{}'", status.as_str()));
        }
        w.and_some("debtor_id = ?", f.debtor_id, |d| Arg::Int(d.0));
        w.and_some("due_date < ?", f.due_before, |d| Arg::Date(d.into()));
        w.and_some("due_date > ?", f.due_after, |d| Arg::Date(d.into()));
        match f.overdue {
            None => {}
            // Written as the partial index invoices_open_by_due is defined, so it can serve.
            Some((true, today)) => {
                w.and_sql("status = 'open'");
                w.and("due_date < ?", Arg::Date(today.into()));
                w.and_sql("total - paid - credited > 0");
            }
            Some((false, today)) => {
                w.and("NOT (status = 'open' AND due_date < ? AND total - paid - credited > 0)", Arg::Date(today.into()))
            }
        }
        let (clause, args) = w.finish("ORDER BY id LIMIT ?", page.limit);
        let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices{clause}");
        let rows: Vec<InvoiceRow> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        rows.into_iter().map(Invoice::try_from).collect()
    }

    /// Stores a changed invoice's editable fields and its money-derived status.
    pub async fn update_invoice(&mut self, inv: &Invoice) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "UPDATE invoices SET due_date = $3, external_id = $4, payment_reference = $5, status = $6, paid = $7, \
             credited = $8, updated_at = $9 WHERE tenant_id = $1 AND id = $2")
            .bind(inv.tenant_id.0)
            .bind(inv.id.0)
            .bind(jiff_sqlx::Date::from(inv.due_date))
            .bind(inv.external_id.clone())
            .bind(inv.payment_reference.clone())
            .bind(inv.status.as_str())
            .bind(inv.paid.cents())
            .bind(inv.credited.cents())
            .bind(Stamp::now())
            .execute(c).await?.rows_affected());
        Ok(())
    }

    /// Books a credit note and, when it names an invoice, lowers what is open on it.
    /// The caller has checked the note against the invoice ([`NewCreditNote::problems`]).
    pub async fn create_credit_note(&mut self, tenant: TenantId, n: &NewCreditNote) -> Result<CreditNote> {
        let row: CreditNoteRow = dispatch!(self, c => sqlx::query_as(
            "INSERT INTO credit_notes (tenant_id, debtor_id, invoice_id, number, issue_date, total, vat, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id, tenant_id, debtor_id, invoice_id, number, issue_date, total, vat, reason, created_at")
            .bind(tenant.0)
            .bind(n.debtor_id.0)
            .bind(n.invoice_id.map(|i| i.0))
            .bind(n.number.trim().to_string())
            .bind(jiff_sqlx::Date::from(n.issue_date))
            .bind(n.total.cents())
            .bind(n.vat.cents())
            .bind(n.reason.clone())
            .bind(Stamp::now())
            .fetch_one(c).await?);
        if let Some(invoice_id) = n.invoice_id {
            let mut inv = self.invoice(tenant, invoice_id).await?.ok_or_else(|| corrupt("credit note", "invoice vanished"))?;
            inv.credited = inv.credited + n.total;
            inv.outstanding = inv.total - inv.paid - inv.credited;
            inv.status = settled_status(inv.total, inv.paid, inv.credited, inv.status);
            self.update_invoice(&inv).await?;
        }
        row.try_into()
    }

    /// A credit note of the tenant.
    pub async fn credit_note(&mut self, tenant: TenantId, id: CreditNoteId) -> Result<Option<CreditNote>> {
        let row: Option<CreditNoteRow> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, tenant_id, debtor_id, invoice_id, number, issue_date, total, vat, reason, created_at \
             FROM credit_notes WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id.0).fetch_optional(c).await?);
        row.map(CreditNote::try_from).transpose()
    }

    /// The tenant's credit notes in id order, optionally one debtor's or one invoice's.
    pub async fn credit_notes(
        &mut self,
        tenant: TenantId,
        debtor: Option<DebtorId>,
        invoice: Option<InvoiceId>,
        page: Page,
    ) -> Result<Vec<CreditNote>> {
        let mut w = Filter::new(self.backend(), tenant.0, page.after);
        w.and_some("debtor_id = ?", debtor, |d| Arg::Int(d.0));
        w.and_some("invoice_id = ?", invoice, |i| Arg::Int(i.0));
        let (clause, args) = w.finish("ORDER BY id LIMIT ?", page.limit);
        let sql = format!(
            "SELECT id, tenant_id, debtor_id, invoice_id, number, issue_date, total, vat, reason, created_at FROM credit_notes{clause}"
        );
        let rows: Vec<CreditNoteRow> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        rows.into_iter().map(CreditNote::try_from).collect()
    }

    /// Changes the reason given on a credit note (the amounts are fixed once booked).
    pub async fn update_credit_note_reason(&mut self, tenant: TenantId, id: CreditNoteId, reason: Option<&str>) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query("UPDATE credit_notes SET reason = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id.0).bind(reason.map(str::to_string)).execute(c).await?.rows_affected());
        Ok(n == 1)
    }
}

#[derive(sqlx::FromRow)]
struct CreditNoteRow {
    id: i64,
    tenant_id: i64,
    debtor_id: i64,
    invoice_id: Option<i64>,
    number: String,
    issue_date: jiff_sqlx::Date,
    total: i64,
    vat: i64,
    reason: Option<String>,
    created_at: Stamp,
}

impl TryFrom<CreditNoteRow> for CreditNote {
    type Error = StoreError;
    fn try_from(r: CreditNoteRow) -> Result<CreditNote> {
        let what = format!("credit note {}", r.id);
        Ok(CreditNote {
            id: CreditNoteId(r.id),
            tenant_id: TenantId(r.tenant_id),
            debtor_id: DebtorId(r.debtor_id),
            invoice_id: r.invoice_id.map(InvoiceId),
            number: r.number,
            issue_date: r.issue_date.to_jiff(),
            total: cents(&what, r.total)?,
            vat: cents(&what, r.vat)?,
            reason: r.reason,
            created_at: r.created_at.0,
        })
    }
}

/// An invoice's own document (the PDF the tenant sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDocument {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Its file name.
    pub file_name: String,
    /// The bytes.
    pub content: Vec<u8>,
}

impl Tx {
    /// Stores (or replaces) an invoice's document.
    pub async fn save_invoice_document(
        &mut self,
        tenant: TenantId,
        invoice: InvoiceId,
        file_name: &str,
        content: &[u8],
        sha256: &str,
    ) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "INSERT INTO invoice_documents (tenant_id, invoice_id, file_name, content, sha256, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant_id, invoice_id) DO UPDATE SET file_name = excluded.file_name, content = excluded.content, \
             sha256 = excluded.sha256, uploaded_at = excluded.uploaded_at")
            .bind(tenant.0).bind(invoice.0).bind(file_name.to_string()).bind(content.to_vec()).bind(sha256.to_string()).bind(Stamp::now())
            .execute(c).await?.rows_affected());
        Ok(())
    }

    /// The documents of those of `invoices` that have one.
    pub async fn invoice_documents(&mut self, tenant: TenantId, invoices: &[InvoiceId]) -> Result<Vec<InvoiceDocument>> {
        let mut out = Vec::new();
        for id in invoices {
            let row: Option<(String, Vec<u8>)> = dispatch!(self, c => sqlx::query_as(
                "SELECT file_name, content FROM invoice_documents WHERE tenant_id = $1 AND invoice_id = $2")
                .bind(tenant.0).bind(id.0).fetch_optional(c).await?);
            if let Some((file_name, content)) = row {
                out.push(InvoiceDocument { invoice_id: *id, file_name, content });
            }
        }
        Ok(out)
    }
}
