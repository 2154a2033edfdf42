//! The dunning engine's pure core: policies of ordered steps, the default tracks, and the
//! planner that decides, for one debtor on one day, the next step — or nothing.
//!
//! Decisions, so that every run is explainable:
//! - Progress is kept per invoice: which steps of its policy were done, and on which day.
//! - A step's day is its anchor plus its offset: the invoice's due date, or the day the previous
//!   step was really done. A step anchored on the previous step is not due before that one
//!   happened, so spacing between messages survives any delay.
//! - Catching up after an outage: of the steps that are due, the most recent is taken, and the
//!   earlier ones are passed over — except a step with legal weight (demand, notice of default,
//!   14-day letter) or the hand-over, which is never passed over: the scan stops there.
//! - A step whose minimum overdue amount the debtor does not reach is passed over on its day.
//! - A pre-due nudge is only sent up to the due date.
//! - A debtor who said they will not pay has the soft steps (nudge, reminder, call, custom)
//!   passed over from that day; formal steps keep their own spacing, so legal terms still hold.
//! - A phone number known to be wrong reaches nobody: no calls, SMS or WhatsApp.
//! - An arrangement holds its invoices until the day after the grace of the first instalment
//!   not covered by what was paid since; a promise holds every invoice until its day plus grace.
//! - Paid, credited, written-off and handed-over invoices, disputed invoices, invoices in an
//!   arrangement, and every invoice of a debtor with a promise, a hold or a debt-help referral
//!   in force are off the track.
//! - One action per debtor per run: the step due most recently; every invoice at that step is
//!   listed in it (one consolidated notice). Invoices at other steps wait for a later run.
//! - The action's idempotency key is derived from debtor, policy, step and the invoices listed,
//!   so planning twice on the same state gives the same key and a store can refuse doubles.

pub mod agreement;
pub mod call;
pub mod defaults;
pub mod planner;
pub mod policy;
