//! Identifiers of stored things. A distinct type per thing, so a debtor id can never be passed
//! where an invoice id is meant.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = i64))]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A creditor using Tegoed (a company, or a client of a collection service).
    TenantId
);
id_type!(
    /// A debtor of one tenant.
    DebtorId
);
id_type!(
    /// An invoice of one tenant.
    InvoiceId
);
id_type!(
    /// A credit note of one tenant.
    CreditNoteId
);
id_type!(
    /// A payment received by one tenant.
    PaymentId
);
id_type!(
    /// An entry of a bank statement imported by one tenant.
    BankEntryId
);
id_type!(
    /// A bank statement file imported by one tenant.
    StatementId
);
id_type!(
    /// A person who signs in to the back-office.
    UserId
);
