//! Booking what comes in, for the command line and the API alike: bank statements read,
//! matched to invoices and stored in one unit of work.

pub mod statements;

pub use statements::{MatchRehearsal, StatementImportError, import_statement, rehearse_matching};
