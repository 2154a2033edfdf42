//! Tegoed's business types and rules.
//!
//! Pure: no IO, no async, no database. Every value that enters from outside is parsed into a
//! type that cannot hold a wrong value (`Cents`, `Iban`, `EmailAddress`, …); every rule that
//! decides money or dates lives here so it can be tested without a server.

pub mod access;
pub mod bank;
pub mod contact;
pub mod dates;
pub mod debtor;
pub mod dunning;
pub mod ids;
pub mod invoice;
pub mod law;
pub mod matching;
pub mod messaging;
pub mod money;
pub mod payment;
pub mod reference;
pub mod reports;
pub mod tenant;
pub mod worklist;

mod invalid;

pub use invalid::{FieldProblem, Invalid, check_text};
