//! Entries of the tenant's bank statements, and what became of each.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::debtor::word_enum;
use crate::ids::{BankEntryId, PaymentId, StatementId};
use crate::matching::Suggestion;
use crate::money::Cents;

word_enum!(
    /// What became of a bank entry.
    BankEntryStatus {
        /** Money in, matched and allocated without a person. */ Allocated = "allocated",
        /** Money in, booked as a payment, waiting for a person to say what it pays. */ NeedsMatch = "needs_match",
        /** Money in, allocated by a person from the queue. */ MatchedByHand = "matched_by_hand",
        /** Money out that returned or refunded an earlier payment, which reopened its invoices. */ Returned = "returned",
        /** Not a debtor's payment: money out to a supplier, a fee, the tenant's own transfer coming back. */ Other = "other",
        /** Money in that a person (or a zero amount) marked as not a debtor's payment. */ Dismissed = "dismissed",
        /** An amount in another currency than the euro: kept, not booked. */ ForeignCurrency = "foreign_currency",
    }
);

word_enum!(
    /// Which way the money went, seen from the tenant.
    EntryDirection { /** Money in. */ Credit = "credit", /** Money out. */ Debit = "debit" }
);

/// One entry of a bank statement as Tegoed keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankEntry {
    /// Identifier (0 before it is stored).
    pub id: BankEntryId,
    /// The statement file it was first imported from.
    pub statement_id: StatementId,
    /// The tenant's account it is on.
    pub account: String,
    /// What makes it unique on the account: the bank's reference, or a content hash.
    pub entry_key: String,
    /// Line in the statement file.
    pub line: u64,
    /// In or out.
    pub direction: EntryDirection,
    /// Amount, positive.
    pub amount: Cents,
    /// Currency of the amount.
    pub currency: String,
    /// Booking date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub booked_on: Date,
    /// Value date.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub value_on: Option<Date>,
    /// The other party's name.
    pub counterparty_name: Option<String>,
    /// The other party's account.
    pub counterparty_account: Option<String>,
    /// Structured creditor reference, as the bank gave it.
    pub structured_reference: Option<String>,
    /// Free text.
    pub remittance: Option<String>,
    /// The payer's end-to-end reference.
    pub end_to_end_id: Option<String>,
    /// The bank's reference.
    pub bank_reference: Option<String>,
    /// The bank's transaction code.
    pub bank_code: Option<String>,
    /// Why money came back, if it did.
    pub return_reason: Option<String>,
    /// What became of it.
    pub status: BankEntryStatus,
    /// How sure the match is, 0 to 100.
    pub score: u8,
    /// Why it was matched (or not).
    pub reasons: Vec<String>,
    /// For the queue: the best candidates.
    pub suggestions: Vec<Suggestion>,
    /// The payment it was booked as, or the payment it returned.
    pub payment_id: Option<PaymentId>,
}

/// What importing one statement file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementReport {
    /// The import's id (0 when nothing was new and nothing was stored).
    pub statement_id: StatementId,
    /// camt.053, camt.054, camt.052 or mt940.
    pub format: String,
    /// Entries read from the file.
    pub entries: u64,
    /// Entries seen for the first time and stored.
    pub new_entries: u64,
    /// Entries imported before (the same file again, or an overlapping statement): left alone.
    pub known_entries: u64,
    /// Entries the bank had not booked yet (pending or information only): not stored.
    pub not_booked: u64,
    /// Payments allocated to invoices without a person.
    pub allocated: u64,
    /// Payments waiting in the queue for a person.
    pub queued: u64,
    /// Earlier payments that came back and reopened their invoices.
    pub returned: u64,
    /// Money in allocated to invoices, in total.
    pub allocated_amount: Cents,
    /// Money in waiting in the queue, in total.
    pub queued_amount: Cents,
}
