//! Reaching the debtor: the texts of every message (per step, language and level), composing a
//! message from the ledger, email over SMTP, and the worker that drains the outbox — each message
//! delivered once, retried with backoff, failed over to the next channel, and kept as evidence.

pub mod compose;
pub mod email;
pub mod letter;
pub mod outbox;
pub mod providers;
pub mod psp;
#[cfg(feature = "testing")]
pub mod testing;
pub mod texts;
