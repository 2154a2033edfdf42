//! Importing e-invoices (UBL 2.1 Invoice and CreditNote: Peppol BIS 3, SI-UBL 2.0) that the
//! tenant sent to its debtors: every document of a batch, or none. Each one comes back with
//! the report of what a legally valid Dutch invoice lacks.

use std::collections::HashMap;

use domain::contact::{Address, EmailAddress, KvkNumber, PhoneNumber, VatId};
use domain::debtor::{ContactPerson, DebtorKind, Language, NewDebtor};
use domain::ids::{CreditNoteId, DebtorId, InvoiceId, TenantId};
use domain::invoice::{NewCreditNote, due_date_from_term, invoice_problems};
use domain::money::Cents;
use domain::reference::PaymentReference;
use formats::ubl::{DocumentKind, LegalGap, Specification, UblDocument, UblParty, read_ubl};
use serde::Serialize;
use store::{Db, InvoiceRecord, StoreError};

/// One file of a batch.
#[derive(Debug, Clone)]
pub struct EInvoiceFile {
    /// Its name, used in reports.
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// Where a document of a batch is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EInvoiceProblem {
    /// The file.
    pub file: String,
    /// Line in the file (1 for the document as a whole).
    pub line: u64,
    /// XML path below the document, empty for the document as a whole.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for EInvoiceProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: line {}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: line {}, {}: {}", self.file, self.line, self.path, self.message)
        }
    }
}

/// What happened to one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EInvoiceOutcome {
    /// The file it came from.
    pub file: String,
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// The rule set it claims.
    pub specification: Specification,
    /// Its number.
    pub number: String,
    /// The debtor it is for.
    pub debtor_id: DebtorId,
    /// The invoice stored, for an invoice.
    pub invoice_id: Option<InvoiceId>,
    /// The credit note stored, for a credit note.
    pub credit_note_id: Option<CreditNoteId>,
    /// For a credit note, the invoice it reduced, when Tegoed knows it.
    pub credited_invoice_id: Option<InvoiceId>,
    /// What is due (for a credit note: the amount credited).
    pub amount: Cents,
    /// What a legally valid Dutch invoice lacks; empty when nothing.
    pub legal_gaps: Vec<LegalGap>,
    /// What Tegoed decided on the way, for the person importing.
    pub notes: Vec<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EInvoiceReport {
    /// Invoices stored.
    pub invoices: usize,
    /// Credit notes stored.
    pub credit_notes: usize,
    /// Debtors created for customers not known yet.
    pub debtors_created: usize,
    /// Sum still open of the invoices stored, after the credit notes of the batch.
    pub open: Cents,
    /// Documents with at least one required element missing.
    pub legally_incomplete: usize,
    /// Each document, in the order given.
    pub documents: Vec<EInvoiceOutcome>,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum EInvoiceImportError {
    /// Documents that cannot be read or booked; each names file, line and path.
    #[error("{} problem(s); nothing was imported", .0.len())]
    Rejected(Vec<EInvoiceProblem>),
    /// No such tenant.
    #[error("no tenant {0}")]
    NoTenant(TenantId),
    /// The database failed; the unit of work was rolled back.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a customer is found again: the supplier's customer number (`PartyIdentification`),
/// else the KvK number, the VAT number, the electronic address, or at last the name.
fn customer_key(p: &UblParty) -> Option<String> {
    p.party_id
        .clone()
        .or_else(|| p.legal_id.as_ref().map(|l| l.id.clone()))
        .or_else(|| p.vat_id.clone())
        .or_else(|| p.endpoint.as_ref().map(|e| e.id.clone()))
        .or_else(|| p.name.clone())
}

/// A new debtor from the customer party: a business (e-invoices are B2B and B2G), Dutch
/// unless the customer is abroad, with the contact the invoice names.
fn new_debtor(p: &UblParty, name: &str, key: &str) -> (NewDebtor, Vec<String>) {
    let mut notes = Vec::new();
    let mut d = NewDebtor::named(DebtorKind::Business, name);
    d.external_id = Some(key.to_string());
    if p.country.as_deref().is_some_and(|c| c != "NL") {
        d.language = Language::En;
    }
    if let Some(l) = &p.legal_id
        && l.scheme.as_deref() == Some("0106")
    {
        match KvkNumber::parse(&l.id) {
            Ok(k) => d.kvk_number = Some(k),
            Err(e) => notes.push(format!("the customer's KvK number was not kept: {e}")),
        }
    }
    if let Some(v) = &p.vat_id {
        match VatId::parse(v) {
            Ok(v) => d.vat_id = Some(v),
            Err(e) => notes.push(format!("the customer's VAT number was not kept: {e}")),
        }
    }
    if let (Some(street), Some(city)) = (&p.street, &p.city) {
        let postcode = p.postal_zone.as_deref().unwrap_or_default();
        match Address::parse(street, postcode, city, p.country.as_deref().unwrap_or("NL")) {
            Ok(a) => d.address = Some(a),
            Err(e) => notes.push(format!("the customer's address was not kept: {e}")),
        }
    }
    let email = p.email.as_deref().and_then(|e| match EmailAddress::parse(e) {
        Ok(e) => Some(e),
        Err(err) => {
            notes.push(format!("the contact's email was not kept: {err}"));
            None
        }
    });
    let phone = p.phone.as_deref().and_then(|t| match PhoneNumber::parse(t) {
        Ok(t) => Some(t),
        Err(err) => {
            notes.push(format!("the contact's phone number was not kept: {err}"));
            None
        }
    });
    if email.is_some() || phone.is_some() {
        d.contacts.push(ContactPerson {
            name: p.contact_name.clone().unwrap_or_else(|| name.to_string()),
            email,
            phone,
            whatsapp_opt_in: false,
        });
    }
    (d, notes)
}

/// Reads every file and stores its invoice or credit note, creating debtors for customers
/// not known yet, in one unit of work. One unreadable or unbookable document and nothing is
/// stored; every problem of the batch is listed. Legal gaps do not stop an import (the money
/// is owed all the same) but are reported per document.
pub async fn import_e_invoices(db: &Db, tenant: TenantId, files: &[EInvoiceFile]) -> Result<EInvoiceReport, EInvoiceImportError> {
    let mut problems = Vec::new();
    let mut docs: Vec<(&EInvoiceFile, UblDocument)> = Vec::with_capacity(files.len());
    for f in files {
        match read_ubl(&f.bytes) {
            Ok(d) => docs.push((f, d)),
            Err(e) => problems.push(EInvoiceProblem { file: f.name.clone(), line: e.line, path: e.path, message: e.message }),
        }
    }
    let at =
        |f: &EInvoiceFile, path: &str, message: String| EInvoiceProblem { file: f.name.clone(), line: 1, path: path.to_string(), message };

    let mut tx = db.write().await?;
    let term = tx.tenant(tenant).await?.ok_or(EInvoiceImportError::NoTenant(tenant))?.default_payment_term_days;
    let mut seen: HashMap<(DocumentKind, String), &str> = HashMap::new();
    for (f, d) in &docs {
        let root = d.kind.root_element();
        if d.currency != "EUR" {
            problems.push(at(
                f,
                &format!("{root}/DocumentCurrencyCode"),
                format!("the document is in {}; Tegoed collects euro", d.currency),
            ));
        }
        if let Some(first) = seen.insert((d.kind, d.number.clone()), &f.name) {
            problems.push(at(f, &format!("{root}/ID"), format!("number {} is also in {first}", d.number)));
        }
        let taken = match d.kind {
            DocumentKind::Invoice => tx.invoice_number_taken(tenant, &d.number).await?,
            DocumentKind::CreditNote => tx.credit_note_number_taken(tenant, &d.number).await?,
        };
        if taken {
            problems.push(at(f, &format!("{root}/ID"), format!("number {} was imported before", d.number)));
        }
        if customer_key(&d.customer).is_none() {
            problems.push(at(
                f,
                &format!("{root}/AccountingCustomerParty/Party"),
                "the customer has no identifier and no name; Tegoed cannot tell who owes this".into(),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(EInvoiceImportError::Rejected(problems));
    }

    // Debtors: found by key, or created from the first document that names them.
    let mut debtors: HashMap<String, DebtorId> = HashMap::new();
    let mut created = 0;
    let mut outcomes = Vec::with_capacity(docs.len());
    let mut records: Vec<InvoiceRecord> = Vec::new();
    // Which outcome each record is.
    let mut invoice_outcomes: Vec<usize> = Vec::new();
    for (f, d) in &docs {
        let mut notes = Vec::new();
        let Some(key) = customer_key(&d.customer) else { continue };
        let debtor_id = match debtors.get(&key) {
            Some(id) => *id,
            None => {
                let id = match tx.debtor_by_external_id(tenant, &key).await? {
                    Some(existing) => existing.id,
                    None => {
                        let name = d.customer.name.clone().unwrap_or_else(|| key.clone());
                        let (new, debtor_notes) = new_debtor(&d.customer, &name, &key);
                        notes.extend(debtor_notes);
                        let debtor_problems = new.problems();
                        if !debtor_problems.is_empty() {
                            for p in debtor_problems {
                                problems.push(at(f, "AccountingCustomerParty/Party", format!("{}: {}", p.field, p.message)));
                            }
                            continue;
                        }
                        created += 1;
                        notes.push(format!("new debtor {name} (customer {key})"));
                        tx.create_debtor(tenant, &new).await?.id
                    }
                };
                debtors.insert(key.clone(), id);
                id
            }
        };
        let vat = d.vat_total.unwrap_or(Cents::ZERO);
        let mut outcome = EInvoiceOutcome {
            file: f.name.clone(),
            kind: d.kind,
            specification: d.specification,
            number: d.number.clone(),
            debtor_id,
            invoice_id: None,
            credit_note_id: None,
            credited_invoice_id: None,
            amount: d.payable,
            legal_gaps: d.legal_gaps(),
            notes,
        };
        if d.kind == DocumentKind::Invoice {
            let due_date = match d.due_date {
                Some(due) => due,
                None => {
                    outcome.notes.push(format!("no due date: the tenant's payment term of {term} days applies"));
                    due_date_from_term(d.issue_date, term)
                }
            };
            for p in invoice_problems(&d.number, d.issue_date, due_date, d.tax_inclusive, vat) {
                problems.push(at(f, "", format!("{}: {}", p.field, p.message)));
            }
            if d.payable > d.tax_inclusive {
                problems.push(at(
                    f,
                    "Invoice/LegalMonetaryTotal/PayableAmount",
                    format!("the amount due {} is more than the total {}", d.payable, d.tax_inclusive),
                ));
            }
            // A structured reference (betalingskenmerk or RF) is kept; free text is matched
            // by the invoice number in it, and the invoice gets a reference of Tegoed's own.
            let payment_reference = d.payment_id.as_deref().and_then(|p| PaymentReference::parse(p).ok()).map(|r| r.as_str().to_string());
            if let (Some(given), None) = (&d.payment_id, &payment_reference) {
                outcome.notes.push(format!("payment id '{given}' is not a structured reference; Tegoed issues one"));
            }
            invoice_outcomes.push(outcomes.len());
            records.push(InvoiceRecord {
                debtor_id,
                number: d.number.clone(),
                external_id: None,
                issue_date: d.issue_date,
                due_date,
                total: d.tax_inclusive,
                vat,
                paid: d.tax_inclusive - d.payable.min(d.tax_inclusive),
                payment_reference,
            });
        }
        outcomes.push(outcome);
    }
    if !problems.is_empty() {
        return Err(EInvoiceImportError::Rejected(problems));
    }
    let ids = tx.insert_invoices(tenant, &records).await?;
    for (i, id) in invoice_outcomes.iter().zip(&ids) {
        outcomes[*i].invoice_id = Some(*id);
    }

    // Credit notes after the invoices, so one may credit an invoice of the same batch.
    let mut credit_notes = 0;
    let mut credited_in_batch = Cents::ZERO;
    for ((f, d), outcome) in docs.iter().zip(outcomes.iter_mut()) {
        if d.kind != DocumentKind::CreditNote {
            continue;
        }
        let invoice = match &d.preceding_invoice {
            None => None,
            Some(number) => {
                let found = tx.invoice_by_number(tenant, number).await?;
                if found.is_none() {
                    outcome.notes.push(format!("invoice {number} it corrects is not known to Tegoed; the credit stays with the debtor"));
                }
                found.filter(|inv| {
                    let same = inv.debtor_id == outcome.debtor_id;
                    if !same {
                        outcome.notes.push(format!("invoice {number} belongs to another debtor; the credit stays with this debtor"));
                    }
                    same
                })
            }
        };
        let note = NewCreditNote {
            debtor_id: outcome.debtor_id,
            invoice_id: invoice.as_ref().map(|i| i.id),
            number: d.number.clone(),
            issue_date: d.issue_date,
            total: d.tax_inclusive,
            vat: d.vat_total.unwrap_or(Cents::ZERO),
            reason: d.preceding_invoice.as_ref().map(|n| format!("correction of invoice {n}")),
        };
        let note_problems = note.problems(invoice.as_ref());
        for p in note_problems {
            problems.push(at(f, "CreditNote", format!("{}: {}", p.field, p.message)));
        }
        if problems.is_empty() {
            let stored = tx.create_credit_note(tenant, &note).await?;
            if stored.invoice_id.is_some_and(|i| ids.contains(&i)) {
                credited_in_batch = credited_in_batch + stored.total;
            }
            outcome.credit_note_id = Some(stored.id);
            outcome.credited_invoice_id = stored.invoice_id;
            credit_notes += 1;
        }
    }
    if !problems.is_empty() {
        return Err(EInvoiceImportError::Rejected(problems));
    }
    tx.commit().await?;
    Ok(EInvoiceReport {
        invoices: records.len(),
        credit_notes,
        debtors_created: created,
        open: records.iter().map(|r| r.total - r.paid).sum::<Cents>() - credited_in_batch,
        legally_incomplete: outcomes
            .iter()
            .filter(|o| o.legal_gaps.iter().any(|g| g.severity == formats::ubl::GapSeverity::Required))
            .count(),
        documents: outcomes,
    })
}
