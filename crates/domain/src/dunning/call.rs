//! Calls on the worklist: what a credit controller heard, and what that does to the debtor's
//! track. The seeds' rule: a call is the human step before anything hard, and what the debtor
//! says on it steers what follows.

use crate::debtor::word_enum;
use crate::money::Cents;

use super::planner::Flag;

word_enum!(
    /// What came of a call.
    CallOutcome {
        /** Spoke to the debtor; nothing more to record. */ Reached = "reached",
        /** Nobody answered: the task stays on the worklist. */ NotReached = "not_reached",
        /** The debtor promised to pay an amount by a day: the track waits. */ Promise = "promise",
        /** The debtor disputes an invoice: that invoice waits for a decision. */ Dispute = "dispute",
        /** The debtor cannot pay at once: an arrangement is offered and the track holds meanwhile. */ CantPay = "cant_pay",
        /** The debtor will not pay: the soft steps are passed over, toward hand-over. */ WontPay = "wont_pay",
        /** The number is wrong: no more calls or texts to it. */ WrongNumber = "wrong_number",
    }
);

/// Days the track holds after "can't pay", while the debtor considers the arrangement offered.
pub const ARRANGEMENT_OFFER_HOLD_DAYS: i32 = 14;

/// The smallest monthly instalment offered by default.
pub const MIN_OFFERED_INSTALMENT: Cents = Cents::from_cents_unchecked(2_500);

/// Most instalments offered by default: a year.
pub const MAX_OFFERED_INSTALMENTS: usize = 12;

impl CallOutcome {
    /// Whether the call closes the task; only an unanswered call leaves it open.
    pub fn closes_task(self) -> bool {
        self != CallOutcome::NotReached
    }

    /// The flag the call sets on the debtor's file.
    pub fn flag(self) -> Option<Flag> {
        match self {
            CallOutcome::CantPay => Some(Flag::CantPay),
            CallOutcome::WontPay => Some(Flag::WontPay),
            CallOutcome::WrongNumber => Some(Flag::WrongNumber),
            CallOutcome::Reached | CallOutcome::NotReached | CallOutcome::Promise | CallOutcome::Dispute => None,
        }
    }
}
