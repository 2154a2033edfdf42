//! Reading and writing the files Tegoed exchanges. Every error names where it is: the line and
//! column of a CSV file or the line and XML path of a statement or e-invoice.

pub mod epc_qr;
pub mod invoice_csv;
pub mod qr;
pub mod statement;
mod text;
pub mod ubl;
pub mod xml;

pub use text::decode_text;
