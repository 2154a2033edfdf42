//! Bank statements and their entries, what matching reads, and payments that come back.

use std::collections::HashSet;

use domain::bank::{BankEntry, BankEntryStatus, EntryDirection, StatementReport};
use domain::ids::{BankEntryId, DebtorId, InvoiceId, PaymentId, StatementId, TenantId};
use domain::invoice::settled_status;
use domain::matching::{MatchInvoice, Suggestion};
use domain::money::Cents;
use jiff::civil::Date;

use crate::conn::{Backend, Tx, dispatch, values_list};
use crate::filter::{Arg, Filter, bind_args};
use crate::time::Stamp;
use crate::{Page, Result, corrupt};

/// Most values in one `IN (…)` list.
const IN_CHUNK: usize = 500;

#[derive(sqlx::FromRow)]
struct MatchRow {
    id: i64,
    debtor_id: i64,
    number: String,
    payment_reference: Option<String>,
    outstanding: i64,
    status: String,
    due_date: jiff_sqlx::Date,
}

const MATCH_COLUMNS: &str = "id, debtor_id, number, payment_reference, total - paid - credited AS outstanding, status, due_date";

impl MatchRow {
    fn into_invoice(self) -> Result<MatchInvoice> {
        let outstanding = Cents::new(self.outstanding.max(0)).map_err(|e| corrupt("invoice", e))?;
        Ok(MatchInvoice {
            id: InvoiceId(self.id),
            debtor_id: DebtorId(self.debtor_id),
            number: self.number,
            reference: self.payment_reference,
            open: outstanding.is_positive() && self.status != "paid" && self.status != "credited",
            outstanding,
            due_on: self.due_date.to_jiff(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    statement_id: i64,
    account: String,
    entry_key: String,
    line: i64,
    direction: String,
    amount: i64,
    currency: String,
    booked_on: jiff_sqlx::Date,
    value_on: Option<jiff_sqlx::Date>,
    counterparty_name: Option<String>,
    counterparty_account: Option<String>,
    structured_reference: Option<String>,
    remittance: Option<String>,
    end_to_end_id: Option<String>,
    bank_reference: Option<String>,
    bank_code: Option<String>,
    return_reason: Option<String>,
    status: String,
    score: i64,
    reasons: String,
    suggestions: String,
    payment_id: Option<i64>,
}

const ENTRY_COLUMNS: &str = "id, statement_id, account, entry_key, line, direction, amount, currency, booked_on, value_on, \
     counterparty_name, counterparty_account, structured_reference, remittance, end_to_end_id, bank_reference, bank_code, \
     return_reason, status, score, reasons, suggestions, payment_id";

impl EntryRow {
    fn into_entry(self) -> Result<BankEntry> {
        let what = format!("bank entry {}", self.id);
        let reasons: Vec<String> = serde_json::from_str(&self.reasons).map_err(|e| corrupt(&what, e))?;
        let suggestions: Vec<Suggestion> = serde_json::from_str(&self.suggestions).map_err(|e| corrupt(&what, e))?;
        Ok(BankEntry {
            id: BankEntryId(self.id),
            statement_id: StatementId(self.statement_id),
            account: self.account,
            entry_key: self.entry_key,
            line: u64::try_from(self.line).map_err(|e| corrupt(&what, e))?,
            direction: EntryDirection::parse(&self.direction).map_err(|e| corrupt(&what, e))?,
            amount: Cents::new(self.amount).map_err(|e| corrupt(&what, e))?,
            currency: self.currency,
            booked_on: self.booked_on.to_jiff(),
            value_on: self.value_on.map(|d| d.to_jiff()),
            counterparty_name: self.counterparty_name,
            counterparty_account: self.counterparty_account,
            structured_reference: self.structured_reference,
            remittance: self.remittance,
            end_to_end_id: self.end_to_end_id,
            bank_reference: self.bank_reference,
            bank_code: self.bank_code,
            return_reason: self.return_reason,
            status: BankEntryStatus::parse(&self.status).map_err(|e| corrupt(&what, e))?,
            score: u8::try_from(self.score).map_err(|e| corrupt(&what, e))?,
            reasons,
            suggestions,
            payment_id: self.payment_id.map(PaymentId),
        })
    }
}

/// The invoices table read through a named index. Without statistics SQLite's planner guesses:
/// it preferred the covering unique index on (tenant_id, number) and computed lower(number) for
/// every invoice of the tenant (0.36 s per 500 numbers on a million invoices, against 3 ms through
/// the expression index), and the partial index of open invoices by amount over the index by
/// debtor (2–3 s per 500 debtors). PostgreSQL plans these well on its own.
fn invoices_by(backend: Backend, index: &str) -> String {
    match backend {
        Backend::Sqlite => format!("invoices INDEXED BY {index}"),
        Backend::Postgres => "invoices".to_string(),
    }
}

impl Tx {
    async fn match_rows(&mut self, tenant: TenantId, column: &str, index: &str, values: &[String]) -> Result<Vec<MatchInvoice>> {
        let table = invoices_by(self.backend(), index);
        let mut out = Vec::new();
        for chunk in values.chunks(IN_CHUNK) {
            let mut w = Filter::tenant(self.backend(), tenant.0);
            w.and_in_text(column, chunk.iter().cloned());
            let (clause, args) = w.clause();
            let sql = format!("SELECT {MATCH_COLUMNS} FROM {table}{clause}");
            let rows: Vec<MatchRow> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
            for r in rows {
                out.push(r.into_invoice()?);
            }
        }
        Ok(out)
    }

    /// Invoices (of any status) with these payment references.
    pub async fn match_invoices_by_reference(&mut self, tenant: TenantId, references: &[String]) -> Result<Vec<MatchInvoice>> {
        self.match_rows(tenant, "payment_reference", "invoices_by_reference", references).await
    }

    /// Invoices (of any status) whose number, in lower case, is one of these.
    pub async fn match_invoices_by_number(&mut self, tenant: TenantId, numbers_lower: &[String]) -> Result<Vec<MatchInvoice>> {
        self.match_rows(tenant, "lower(number)", "invoices_by_lower_number", numbers_lower).await
    }

    /// The open invoices of these debtors.
    pub async fn open_match_invoices_of(&mut self, tenant: TenantId, debtors: &[DebtorId]) -> Result<Vec<MatchInvoice>> {
        let mut out = Vec::new();
        for chunk in debtors.chunks(IN_CHUNK) {
            let mut w = Filter::tenant(self.backend(), tenant.0);
            w.and_in("debtor_id", chunk.iter().map(|d| d.0));
            w.and_sql("status NOT IN ('paid', 'credited') AND total - paid - credited > 0");
            let (clause, args) = w.clause();
            let sql = format!("SELECT {MATCH_COLUMNS} FROM {}{clause}", invoices_by(self.backend(), "invoices_by_debtor"));
            let rows: Vec<MatchRow> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
            for r in rows {
                out.push(r.into_invoice()?);
            }
        }
        Ok(out)
    }

    /// The open invoices that still need exactly one of these amounts (cents), each with its
    /// debtor's name.
    pub async fn open_match_invoices_with_amounts(&mut self, tenant: TenantId, amounts: &[i64]) -> Result<Vec<(MatchInvoice, String)>> {
        let mut out = Vec::new();
        for chunk in amounts.chunks(IN_CHUNK) {
            let mut w = Filter::tenant(self.backend(), tenant.0);
            w.and_sql("status NOT IN ('paid', 'credited')");
            w.and_in("total - paid - credited", chunk.iter().copied());
            let (clause, args) = w.clause();
            let sql = format!(
                "SELECT i.id, i.debtor_id, i.number, i.payment_reference, i.outstanding, i.status, i.due_date, d.name \
                 FROM (SELECT {MATCH_COLUMNS} FROM {}{clause}) i JOIN debtors d ON d.id = i.debtor_id",
                invoices_by(self.backend(), "invoices_open_by_outstanding")
            );
            type Row = (i64, i64, String, Option<String>, i64, String, jiff_sqlx::Date, String);
            let rows: Vec<Row> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
            for (id, debtor_id, number, payment_reference, outstanding, status, due_date, name) in rows {
                let row = MatchRow { id, debtor_id, number, payment_reference, outstanding, status, due_date };
                out.push((row.into_invoice()?, name));
            }
        }
        Ok(out)
    }

    /// How many invoices of the tenant are open.
    pub async fn count_open_invoices(&mut self, tenant: TenantId) -> Result<i64> {
        Ok(dispatch!(self, c => sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE tenant_id = $1 AND status NOT IN ('paid', 'credited') AND total - paid - credited > 0")
            .bind(tenant.0).fetch_one(c).await?))
    }

    /// A page of the tenant's open invoices in id order (for making test statements).
    pub async fn open_match_invoices_page(&mut self, tenant: TenantId, after: i64, limit: u32) -> Result<Vec<MatchInvoice>> {
        let mut w = Filter::new(self.backend(), tenant.0, Some(after));
        w.and_sql("status NOT IN ('paid', 'credited') AND total - paid - credited > 0");
        let (clause, args) = w.finish("ORDER BY id LIMIT ?", limit);
        let sql = format!("SELECT {MATCH_COLUMNS} FROM invoices{clause}");
        let rows: Vec<MatchRow> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        rows.into_iter().map(MatchRow::into_invoice).collect()
    }

    /// For each account, the debtor whose payments came from it, the most recent last.
    pub async fn debtors_of_accounts(&mut self, tenant: TenantId, accounts: &[String]) -> Result<Vec<(String, DebtorId)>> {
        let mut out = Vec::new();
        for chunk in accounts.chunks(IN_CHUNK) {
            let mut w = Filter::tenant(self.backend(), tenant.0);
            w.and_in_text("payer_iban", chunk.iter().cloned());
            w.and_sql("debtor_id IS NOT NULL AND returned_on IS NULL");
            let (clause, args) = w.clause();
            let sql = format!("SELECT payer_iban, debtor_id FROM payments{clause} ORDER BY id");
            let rows: Vec<(String, i64)> =
                dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
            out.extend(rows.into_iter().map(|(a, d)| (a, DebtorId(d))));
        }
        Ok(out)
    }

    /// The names of these debtors.
    pub async fn debtor_names(&mut self, tenant: TenantId, debtors: &[DebtorId]) -> Result<Vec<(DebtorId, String)>> {
        let mut out = Vec::new();
        for chunk in debtors.chunks(IN_CHUNK) {
            let mut w = Filter::tenant(self.backend(), tenant.0);
            w.and_in("id", chunk.iter().map(|d| d.0));
            let (clause, args) = w.clause();
            let sql = format!("SELECT id, name FROM debtors{clause}");
            let rows: Vec<(i64, String)> =
                dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
            out.extend(rows.into_iter().map(|(d, n)| (DebtorId(d), n)));
        }
        Ok(out)
    }

    /// Which of these entry keys the account has already.
    pub async fn known_entry_keys(&mut self, tenant: TenantId, account: &str, keys: &[String]) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        for chunk in keys.chunks(IN_CHUNK) {
            let mut w = Filter::tenant(self.backend(), tenant.0);
            w.and("account = ?", Arg::Text(account.to_string()));
            w.and_in_text("entry_key", chunk.iter().cloned());
            let (clause, args) = w.clause();
            let sql = format!("SELECT entry_key FROM bank_entries{clause}");
            let rows: Vec<(String,)> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
            out.extend(rows.into_iter().map(|(k,)| k));
        }
        Ok(out)
    }

    /// Which of these bank references payments booked by hand or by an earlier import carry.
    pub async fn taken_bank_references(&mut self, tenant: TenantId, references: &[String]) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        for chunk in references.chunks(IN_CHUNK) {
            let mut w = Filter::tenant(self.backend(), tenant.0);
            w.and_in_text("bank_reference", chunk.iter().cloned());
            let (clause, args) = w.clause();
            let sql = format!("SELECT bank_reference FROM payments{clause}");
            let rows: Vec<(String,)> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
            out.extend(rows.into_iter().map(|(k,)| k));
        }
        Ok(out)
    }

    /// Records an imported statement file; its counts follow with [`Tx::finish_statement`].
    pub async fn create_statement(&mut self, tenant: TenantId, file_name: &str, format: &str, sha256: &str) -> Result<StatementId> {
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO bank_statements (tenant_id, file_name, format, file_sha256, entries, new_entries, known_entries, not_booked, \
             allocated, queued, returned, imported_at) VALUES ($1, $2, $3, $4, 0, 0, 0, 0, 0, 0, 0, $5) RETURNING id")
            .bind(tenant.0).bind(file_name).bind(format).bind(sha256).bind(Stamp::now()).fetch_one(c).await?);
        Ok(StatementId(id))
    }

    /// Names the format and content hash of an imported file, once read to its end.
    pub async fn describe_statement(&mut self, tenant: TenantId, id: StatementId, format: &str, sha256: &str) -> Result<()> {
        dispatch!(self, c => sqlx::query("UPDATE bank_statements SET format = $3, file_sha256 = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id.0).bind(format).bind(sha256).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Stores what an import did.
    pub async fn finish_statement(&mut self, tenant: TenantId, r: &StatementReport) -> Result<()> {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        dispatch!(self, c => sqlx::query(
            "UPDATE bank_statements SET entries = $3, new_entries = $4, known_entries = $5, not_booked = $6, allocated = $7, \
             queued = $8, returned = $9 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(r.statement_id.0).bind(n(r.entries)).bind(n(r.new_entries)).bind(n(r.known_entries))
            .bind(n(r.not_booked)).bind(n(r.allocated)).bind(n(r.queued)).bind(n(r.returned)).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Stores new bank entries, in order; returns their ids.
    pub async fn insert_bank_entries(&mut self, tenant: TenantId, entries: &[BankEntry]) -> Result<Vec<BankEntryId>> {
        const COLUMNS: usize = 25;
        let now = Stamp::now();
        let mut ids = Vec::with_capacity(entries.len());
        for chunk in entries.chunks(400) {
            let sql = format!(
                "INSERT INTO bank_entries (tenant_id, statement_id, account, entry_key, line, direction, amount, currency, booked_on, \
                 value_on, counterparty_name, counterparty_account, structured_reference, remittance, end_to_end_id, bank_reference, \
                 bank_code, return_reason, status, score, reasons, suggestions, payment_id, created_at, resolved_at) VALUES {} RETURNING id",
                values_list(self.backend(), chunk.len(), COLUMNS)
            );
            let mut encoded = Vec::with_capacity(chunk.len());
            for e in chunk {
                let reasons = serde_json::to_string(&e.reasons).map_err(|x| corrupt("reasons", x))?;
                let suggestions = serde_json::to_string(&e.suggestions).map_err(|x| corrupt("suggestions", x))?;
                let line = i64::try_from(e.line).map_err(|x| corrupt("line", x))?;
                encoded.push((e, reasons, suggestions, line));
            }
            let rows: Vec<(i64,)> = dispatch!(self, c => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for (e, reasons, suggestions, line) in &encoded {
                    let resolved = (e.status != BankEntryStatus::NeedsMatch).then_some(now);
                    q = q.bind(tenant.0).bind(e.statement_id.0).bind(e.account.as_str()).bind(e.entry_key.as_str()).bind(*line)
                        .bind(e.direction.as_str()).bind(e.amount.cents()).bind(e.currency.as_str())
                        .bind(jiff_sqlx::Date::from(e.booked_on)).bind(e.value_on.map(jiff_sqlx::Date::from))
                        .bind(e.counterparty_name.as_deref()).bind(e.counterparty_account.as_deref())
                        .bind(e.structured_reference.as_deref()).bind(e.remittance.as_deref()).bind(e.end_to_end_id.as_deref())
                        .bind(e.bank_reference.as_deref()).bind(e.bank_code.as_deref()).bind(e.return_reason.as_deref())
                        .bind(e.status.as_str()).bind(i64::from(e.score)).bind(reasons.as_str()).bind(suggestions.as_str())
                        .bind(e.payment_id.map(|p| p.0)).bind(now).bind(resolved);
                }
                q.fetch_all(c).await?
            });
            ids.extend(rows.into_iter().map(|(id,)| BankEntryId(id)));
        }
        Ok(ids)
    }

    /// The tenant's bank entries in id order, optionally only those with one status (the
    /// queue is `needs_match`).
    pub async fn bank_entries(&mut self, tenant: TenantId, status: Option<BankEntryStatus>, page: Page) -> Result<Vec<BankEntry>> {
        let mut w = Filter::new(self.backend(), tenant.0, page.after);
        w.and_some("status = ?", status, |s| Arg::Text(s.as_str().to_string()));
        let (clause, args) = w.finish("ORDER BY id LIMIT ?", page.limit);
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM bank_entries{clause}");
        let rows: Vec<EntryRow> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        rows.into_iter().map(EntryRow::into_entry).collect()
    }

    /// One bank entry of the tenant.
    pub async fn bank_entry(&mut self, tenant: TenantId, id: BankEntryId) -> Result<Option<BankEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM bank_entries WHERE tenant_id = $1 AND id = $2");
        let row: Option<EntryRow> =
            dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id.0).fetch_optional(c).await?);
        row.map(EntryRow::into_entry).transpose()
    }

    /// Settles an entry of the queue: matched by hand or dismissed. Only an entry still in the
    /// queue changes; returns whether it did.
    pub async fn resolve_bank_entry(&mut self, tenant: TenantId, id: BankEntryId, status: BankEntryStatus) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE bank_entries SET status = $3, resolved_at = $4 WHERE tenant_id = $1 AND id = $2 AND status = 'needs_match'")
            .bind(tenant.0).bind(id.0).bind(status.as_str()).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Notes the payer's end-to-end reference on a payment, so a return can find it.
    pub async fn set_payment_end_to_end(&mut self, tenant: TenantId, payment: PaymentId, end_to_end: &str) -> Result<()> {
        dispatch!(self, c => sqlx::query("UPDATE payments SET end_to_end_id = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(payment.0).bind(end_to_end).execute(c).await?.rows_affected());
        Ok(())
    }

    /// The payment that money going out returns: the latest not yet returned with the same
    /// end-to-end reference, else from the same account for the same amount.
    pub async fn payment_to_return(
        &mut self,
        tenant: TenantId,
        end_to_end: Option<&str>,
        account: Option<&str>,
        amount: Cents,
    ) -> Result<Option<PaymentId>> {
        if let Some(e2e) = end_to_end {
            let id: Option<i64> = dispatch!(self, c => sqlx::query_scalar(
                "SELECT id FROM payments WHERE tenant_id = $1 AND end_to_end_id = $2 AND amount = $3 AND returned_on IS NULL \
                 ORDER BY id DESC LIMIT 1")
                .bind(tenant.0).bind(e2e).bind(amount.cents()).fetch_optional(c).await?);
            if id.is_some() {
                return Ok(id.map(PaymentId));
            }
        }
        let Some(account) = account else { return Ok(None) };
        let id: Option<i64> = dispatch!(self, c => sqlx::query_scalar(
            "SELECT id FROM payments WHERE tenant_id = $1 AND payer_iban = $2 AND amount = $3 AND returned_on IS NULL \
             ORDER BY id DESC LIMIT 1")
            .bind(tenant.0).bind(account).bind(amount.cents()).fetch_optional(c).await?);
        Ok(id.map(PaymentId))
    }

    /// Marks a payment as come back: its allocations are reversed, so the invoices it paid are
    /// open again (and re-enter the dunning track at the next run), and nothing of it is left
    /// as credit. Returns the invoices reopened.
    pub async fn return_payment(&mut self, tenant: TenantId, payment: PaymentId, on: Date, reason: Option<&str>) -> Result<Vec<InvoiceId>> {
        let now = Stamp::now();
        let allocations: Vec<(i64, i64, i64)> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, invoice_id, amount FROM allocations WHERE tenant_id = $1 AND payment_id = $2 AND reversed_at IS NULL ORDER BY id")
            .bind(tenant.0).bind(payment.0).fetch_all(c).await?);
        let mut reopened = Vec::new();
        for (id, invoice, amount) in allocations {
            dispatch!(self, c => sqlx::query("UPDATE allocations SET reversed_at = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.0).bind(id).bind(now).execute(c).await?.rows_affected());
            let mut inv = self.invoice(tenant, InvoiceId(invoice)).await?.ok_or_else(|| corrupt("allocation", "invoice vanished"))?;
            inv.paid = inv.paid - Cents::new(amount).map_err(|e| corrupt("allocation", e))?;
            inv.status = settled_status(inv.total, inv.paid, inv.credited, inv.status);
            self.update_invoice(&inv).await?;
            reopened.push(inv.id);
        }
        dispatch!(self, c => sqlx::query(
            "UPDATE payments SET returned_on = $3, return_reason = $4, unallocated = 0 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(payment.0).bind(jiff_sqlx::Date::from(on)).bind(reason).execute(c).await?.rows_affected());
        Ok(reopened)
    }
}
