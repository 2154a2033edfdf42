//! The Tegoed binary's parts that tests call directly: configuration, invoice import, and
//! the demo and synthetic data generators.

pub mod config;
pub mod import;
pub mod synth;
