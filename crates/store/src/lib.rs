//! Tegoed's persistence: the only crate that speaks SQL.
//!
//! One API over two backends. [`Db`] is either an embedded SQLite file (the default: one
//! binary, nothing to install) or a PostgreSQL server (several app servers on one database).
//! Every query is written once, in SQL both understand, and compiled for both backends by the
//! [`dispatch!`] macro; where the dialects differ the SQL is chosen per backend in one place.
//!
//! All reading and writing happens in a [`Tx`], a unit of work: commit makes all of it
//! visible, drop throws all of it away. Every method that names a stored thing takes the
//! tenant it belongs to, and every query filters on it.

mod agreements;
mod banking;
mod conn;
mod debtors;
mod dunning;
mod filter;
mod idempotency;
mod invoices;
mod messages;
mod payment_links;
mod payments;
mod portal;
mod reports;
mod tenants;
#[cfg(feature = "testing")]
pub mod testing;
mod time;
mod users;
mod worklist;

pub use agreements::{Agreements, ArrangementRecord, FlagRecord, PromiseInForce, TaskRecord, TimelineEvent};
pub use conn::{Backend, Db, Tx};
pub use debtors::DebtorFilter;
pub use dunning::{ActionRecord, ActionStatus, OpenBatch, PauseRecord, TenantPolicies};
pub use idempotency::IdempotencyClaim;
pub use invoices::{InvoiceDocument, InvoiceFilter, InvoiceRecord};
pub use messages::{AttemptOutcome, AttemptRecord, ClaimedMessage, MessageAction, MessageRecord, StoredTemplate};
pub use payment_links::{PaymentLinkRecord, ProviderPaymentRecord};
pub use portal::{ArrangementProposal, DisputeAttachment, InvoiceMarks, PortalAccess, SentClaim};
pub use tenants::ApiKeyRecord;
pub use users::{AuditEntry, Membership, SessionRecord, UserRecord};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken: the field (`number`, `external_id`, …) already has this value.
    #[error("{field} is already in use")]
    Conflict {
        /// The field whose value is taken.
        field: &'static str,
    },
    /// The database URL is not one Tegoed can use.
    #[error("unsupported database URL '{0}': expected sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let Some(db) = e.as_database_error()
            && db.is_unique_violation()
        {
            // PostgreSQL names the constraint; SQLite names the columns in the message.
            let text = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
            for field in ["number", "external_id", "bank_reference", "prefix", "email"] {
                if text.contains(field) {
                    return StoreError::Conflict { field };
                }
            }
        }
        StoreError::Database(e)
    }
}

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A window on a list ordered by id: the rows after `after`, at most `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Only rows with a larger id (the cursor of the previous page).
    pub after: Option<i64>,
    /// At most this many rows.
    pub limit: u32,
}

impl Page {
    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Page { after: None, limit }
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}
