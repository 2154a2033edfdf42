//! Booking what comes in, for the command line, the API and the back-office alike: invoice
//! lists (CSV) and e-invoices (UBL, with a report of what a legally valid Dutch invoice lacks)
//! imported, bank statements read, matched to invoices and stored, each in one unit of work;
//! agreeing arrangements; and the daily dunning run with its preview of a debtor's next steps.

pub mod arrangements;
pub mod dunning;
pub mod e_invoices;
pub mod early_payment;
pub mod invoice_csv;
pub mod provider_payments;
pub mod statements;

pub use e_invoices::{EInvoiceFile, EInvoiceImportError, EInvoiceProblem, EInvoiceReport, import_e_invoices};
pub use invoice_csv::{ImportError, ImportReport, import_invoice_csv};
pub use statements::{MatchRehearsal, StatementImportError, import_statement, rehearse_matching};
