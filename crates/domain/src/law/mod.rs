//! Law that decides what a creditor may claim. Only Dutch law so far.

pub mod nl;
