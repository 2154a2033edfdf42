//! Booking what comes in, for the command line and the API alike: bank statements read,
//! matched to invoices and stored in one unit of work, and e-invoices (UBL) imported with a
//! report of what a legally valid Dutch invoice lacks; and agreeing arrangements.

pub mod arrangements;
pub mod e_invoices;
pub mod early_payment;
pub mod provider_payments;
pub mod statements;

pub use e_invoices::{EInvoiceFile, EInvoiceImportError, EInvoiceProblem, EInvoiceReport, import_e_invoices};
pub use statements::{MatchRehearsal, StatementImportError, import_statement, rehearse_matching};
