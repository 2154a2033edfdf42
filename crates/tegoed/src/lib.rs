//! The Tegoed binary's parts that tests call directly: configuration, the daily dunning run,
//! and the demo and synthetic data generators.

pub mod config;
/// The daily dunning run, which lives in `ledger` (the back-office previews with it too).
pub use ledger::dunning as dunning_run;
pub mod scheduler;
pub mod statement_gen;
pub mod synth;
