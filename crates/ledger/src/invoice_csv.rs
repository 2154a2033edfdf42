//! Importing an invoice file into a tenant's ledger: all of it, or nothing.

use std::collections::HashMap;

use domain::debtor::{ContactPerson, NewDebtor};
use domain::ids::{DebtorId, TenantId};
use domain::invoice::invoice_problems;
use domain::money::Cents;
use formats::invoice_csv::{ColumnMapping, CsvInvoice, CsvProblem, read_invoices};
use store::{Db, InvoiceRecord, StoreError};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Invoices stored.
    pub invoices: usize,
    /// Debtors created because the file named customers not known yet.
    pub debtors_created: usize,
    /// Sum of the invoice totals.
    pub total: Cents,
    /// Sum still open.
    pub open: Cents,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has problems; each names its line (and column).
    #[error("{} problem(s) in the file; nothing was imported", .0.len())]
    Rejected(Vec<CsvProblem>),
    /// No such tenant.
    #[error("no tenant {0}")]
    NoTenant(TenantId),
    /// The database failed; the unit of work was rolled back.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads a CSV invoice file and stores every invoice in it, creating debtors for customer
/// numbers not known yet, in one unit of work. One bad row and nothing is stored.
pub async fn import_invoice_csv(db: &Db, tenant: TenantId, bytes: &[u8], mapping: &ColumnMapping) -> Result<ImportReport, ImportError> {
    let rows = read_invoices(bytes, mapping).map_err(ImportError::Rejected)?;
    let mut tx = db.write().await?;
    let term = tx.tenant(tenant).await?.ok_or(ImportError::NoTenant(tenant))?.default_payment_term_days;
    let mut problems = Vec::new();
    let problem = |row: &CsvInvoice, column: Option<&str>, message: String| CsvProblem {
        line: row.line,
        column: column.map(str::to_string),
        message,
    };

    // Invoice numbers: unique in the file and not yet used by the tenant.
    let mut first_line: HashMap<&str, u64> = HashMap::new();
    for row in &rows {
        if let Some(line) = first_line.get(row.number.as_str()) {
            problems.push(problem(row, Some("number"), format!("invoice number {} appears on line {line} already", row.number)));
        } else {
            first_line.insert(&row.number, row.line);
            if tx.invoice_number_taken(tenant, &row.number).await? {
                problems.push(problem(row, Some("number"), format!("invoice number {} was imported before", row.number)));
            }
        }
    }

    // Debtors: found by customer number, or created from the first row that names them.
    let mut debtors: HashMap<&str, DebtorId> = HashMap::new();
    let mut created = 0;
    for row in &rows {
        if debtors.contains_key(row.customer_id.as_str()) {
            continue;
        }
        if let Some(d) = tx.debtor_by_external_id(tenant, &row.customer_id).await? {
            debtors.insert(&row.customer_id, d.id);
            continue;
        }
        let Some(name) = &row.customer_name else {
            problems.push(problem(
                row,
                Some("customer_id"),
                format!("customer {} is not known yet and the file gives no customer name to create it", row.customer_id),
            ));
            continue;
        };
        let mut new = NewDebtor::named(row.customer_kind, name.clone());
        new.external_id = Some(row.customer_id.clone());
        if row.email.is_some() || row.phone.is_some() {
            new.contacts.push(ContactPerson {
                name: name.clone(),
                email: row.email.clone(),
                phone: row.phone.clone(),
                whatsapp_opt_in: false,
            });
        }
        for p in new.problems() {
            problems.push(problem(row, Some(&p.field), p.message));
        }
        let d = tx.create_debtor(tenant, &new).await?;
        debtors.insert(&row.customer_id, d.id);
        created += 1;
    }

    let mut records = Vec::with_capacity(rows.len());
    for row in &rows {
        let due_date = row.due_date.unwrap_or_else(|| domain::invoice::due_date_from_term(row.issue_date, term));
        for p in invoice_problems(&row.number, row.issue_date, due_date, row.total, row.vat) {
            problems.push(problem(row, Some(&p.field), p.message));
        }
        let paid = match row.open_amount {
            None => Cents::ZERO,
            Some(open) if open.is_negative() || open > row.total => {
                problems.push(problem(row, Some("open_amount"), format!("{open} must lie between 0 and the total {}", row.total)));
                Cents::ZERO
            }
            Some(open) => row.total - open,
        };
        let Some(&debtor_id) = debtors.get(row.customer_id.as_str()) else { continue };
        records.push(InvoiceRecord {
            debtor_id,
            number: row.number.clone(),
            external_id: None,
            issue_date: row.issue_date,
            due_date,
            total: row.total,
            vat: row.vat,
            paid,
            payment_reference: row.payment_reference.clone(),
        });
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        // Dropping the unit of work rolls back the debtors created above.
        return Err(ImportError::Rejected(problems));
    }
    tx.insert_invoices(tenant, &records).await?;
    tx.commit().await?;
    Ok(ImportReport {
        invoices: records.len(),
        debtors_created: created,
        total: records.iter().map(|r| r.total).sum(),
        open: records.iter().map(|r| r.total - r.paid).sum(),
    })
}
