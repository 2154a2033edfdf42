//! The Tegoed binary's parts that tests call directly: configuration, the daily dunning run,
//! and the demo and synthetic data generators.

pub mod config;
pub mod dunning_run;
pub mod scheduler;
pub mod statement_gen;
pub mod synth;
