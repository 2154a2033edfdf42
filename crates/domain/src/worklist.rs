//! Today's worklist: everything that waits for a person, in the order it matters.
//!
//! The order (the rule: amount, age, risk, broken promises first):
//! 1. Broken promises and broken arrangements come first, whatever their amount: the debtor
//!    said they would pay and did not, and the seeds' advice is to follow that up at once,
//!    while the promise is fresh.
//! 2. Everything else by weight: the amount at stake, grown by how long it has waited (one
//!    month of waiting counts as much as the amount itself), and by the debtor's risk (a risky
//!    debtor ×1.5, a loyal one ×0.75).
//! 3. Ties: the oldest first, then by kind and id, so the list never shuffles between views.

use jiff::civil::Date;

use crate::debtor::{Segment, word_enum};
use crate::ids::DebtorId;
use crate::money::Cents;

word_enum!(
    /// What waits for a person.
    WorkKind {
        /** A promise to pay that was not kept. */ BrokenPromise = "broken_promise",
        /** An arrangement whose instalments stopped. */ BrokenArrangement = "broken_arrangement",
        /** A call the dunning track put on the list. */ CallTask = "call_task",
        /** A dispute about an invoice, waiting for a decision. */ Dispute = "dispute",
        /** A payment plan the debtor asked for outside the tenant's limits. */ Proposal = "proposal",
        /** The debtor said they cannot pay; an arrangement is to be offered. */ CantPay = "cant_pay",
        /** A step that a person approves before it goes out. */ Approval = "approval",
        /** A payment from the bank that could not be matched to invoices. */ PaymentToMatch = "payment_to_match",
        /** A message that bounced or failed on every channel. */ MessageFailed = "message_failed",
        /** A message whose delivery is uncertain (a worker stopped while sending). */ MessageInDoubt = "message_in_doubt",
        /** A step that reached the debtor on no channel. */ Unreachable = "unreachable",
    }
);

impl WorkKind {
    /// Whether it leaves the list only when a person marks it done; the others leave by
    /// themselves when what they wait for happens (a call logged, a dispute decided, …).
    pub fn marked_done(self) -> bool {
        matches!(
            self,
            WorkKind::BrokenPromise
                | WorkKind::BrokenArrangement
                | WorkKind::MessageFailed
                | WorkKind::MessageInDoubt
                | WorkKind::Unreachable
        )
    }

    fn broken(self) -> bool {
        matches!(self, WorkKind::BrokenPromise | WorkKind::BrokenArrangement)
    }
}

/// One thing on the worklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    /// What it is.
    pub kind: WorkKind,
    /// The thing it is about: the pause, arrangement, action, proposal, flag, bank entry or
    /// message id, depending on the kind.
    pub subject_id: i64,
    /// The debtor, when it is about one (a payment to match may not be).
    pub debtor: Option<(DebtorId, String)>,
    /// The debtor's segment (standard when unknown).
    pub segment: Segment,
    /// The amount at stake.
    pub amount: Cents,
    /// The day it started to wait.
    pub since: Date,
    /// A short description.
    pub detail: String,
}

impl WorkItem {
    /// Days it has waited by `today` (never less than zero).
    pub fn days_waiting(&self, today: Date) -> i64 {
        i64::from((today - self.since).get_days()).max(0)
    }

    /// The weight of rule 2, in cents: amount × (30 + days waiting) / 30 × risk.
    pub fn weight(&self, today: Date) -> i128 {
        let (num, den) = match self.segment {
            Segment::Risk => (3, 2),
            Segment::Standard => (1, 1),
            Segment::Loyal => (3, 4),
        };
        i128::from(self.amount.cents()) * i128::from(30 + self.days_waiting(today)) * num / (30 * den)
    }
}

/// Puts the list in the order of the module's rule.
pub fn order(items: &mut [WorkItem], today: Date) {
    items.sort_by(|a, b| {
        b.kind
            .broken()
            .cmp(&a.kind.broken())
            .then_with(|| b.weight(today).cmp(&a.weight(today)))
            .then_with(|| a.since.cmp(&b.since))
            .then_with(|| a.kind.as_str().cmp(b.kind.as_str()))
            .then_with(|| a.subject_id.cmp(&b.subject_id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn item(kind: WorkKind, id: i64, euros: i64, since: Date, segment: Segment) -> WorkItem {
        WorkItem {
            kind,
            subject_id: id,
            debtor: None,
            segment,
            amount: Cents::new(euros * 100).expect("amount"),
            since,
            detail: String::new(),
        }
    }

    #[test]
    fn broken_promises_first_then_by_amount_age_and_risk() {
        let today = date(2026, 12, 4);
        let mut list = vec![
            item(WorkKind::CallTask, 1, 1_000, today, Segment::Standard),
            item(WorkKind::BrokenPromise, 2, 50, today, Segment::Loyal),
            // 600 waiting 30 days weighs 1,200: more than 1,000 of today.
            item(WorkKind::Dispute, 3, 600, date(2026, 11, 4), Segment::Standard),
            // 800 of a risky debtor weighs 1,200 today: equal, the older one first.
            item(WorkKind::CantPay, 4, 800, today, Segment::Risk),
            // 1,200 of a loyal debtor weighs 900.
            item(WorkKind::Approval, 5, 1_200, today, Segment::Loyal),
            item(WorkKind::BrokenArrangement, 6, 20, date(2026, 12, 1), Segment::Standard),
        ];
        order(&mut list, today);
        let ids: Vec<i64> = list.iter().map(|i| i.subject_id).collect();
        // Among the broken ones the weight decides too: € 50 loyal (37.50) before € 20 of three days (22).
        assert_eq!(ids, vec![2, 6, 3, 4, 1, 5]);
    }

    #[test]
    fn weight_grows_with_waiting_and_never_counts_the_future() {
        let today = date(2026, 12, 4);
        let fresh = item(WorkKind::CallTask, 1, 100, today, Segment::Standard);
        let future = item(WorkKind::CallTask, 1, 100, date(2026, 12, 10), Segment::Standard);
        let old = item(WorkKind::CallTask, 1, 100, date(2026, 10, 5), Segment::Standard);
        assert_eq!(fresh.weight(today), 10_000);
        assert_eq!(future.weight(today), 10_000);
        assert_eq!(old.days_waiting(today), 60);
        assert_eq!(old.weight(today), 30_000);
    }

    #[test]
    fn only_some_kinds_wait_to_be_marked_done() {
        assert!(WorkKind::BrokenPromise.marked_done() && WorkKind::MessageInDoubt.marked_done());
        assert!(!WorkKind::CallTask.marked_done() && !WorkKind::Dispute.marked_done() && !WorkKind::Proposal.marked_done());
    }
}
