//! Bank statements: what a bank says came in and went out, entry by entry.
//!
//! Two families are read, and told apart by their first bytes (`../shared/docs/formats.md`
//! §6–7): ISO 20022 camt.053 (statement), camt.054 (debit/credit notification) and camt.052
//! (intraday report), all versions, by the local names of their elements; and SWIFT MT940 with
//! the `:86:` dialects of ING, Rabobank, ABN AMRO (structured and the legacy 32-column layout)
//! and Knab. Both are read as a stream: an entry is handed out as soon as it is complete, so a
//! statement of a gigabyte needs no more memory than its largest entry.

mod camt;
mod mt940;

use std::fmt;
use std::io::BufRead;

use domain::money::Cents;
use jiff::civil::Date;

pub use camt::CamtReader;
pub use mt940::Mt940Reader;

/// The kind of file a statement came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementFormat {
    /// ISO 20022 camt.053, the end-of-day statement.
    Camt053,
    /// ISO 20022 camt.054, a debit/credit notification (intraday or batch details).
    Camt054,
    /// ISO 20022 camt.052, an intraday account report.
    Camt052,
    /// SWIFT MT940.
    Mt940,
}

impl StatementFormat {
    /// The short name used in reports and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            StatementFormat::Camt053 => "camt.053",
            StatementFormat::Camt054 => "camt.054",
            StatementFormat::Camt052 => "camt.052",
            StatementFormat::Mt940 => "mt940",
        }
    }
}

impl fmt::Display for StatementFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way the money went, seen from the account holder (the tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Money in (`CRDT`, `C`).
    Credit,
    /// Money out (`DBIT`, `D`).
    Debit,
}

impl Direction {
    /// `credit` or `debit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Credit => "credit",
            Direction::Debit => "debit",
        }
    }
}

/// Whether the bank has booked an entry for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    /// Booked (`BOOK`; every MT940 line).
    Booked,
    /// Pending (`PDNG`): may still change.
    Pending,
    /// For information only (`INFO`), or a status Tegoed does not know.
    Information,
}

/// One entry of a statement: one booked amount, or one transaction of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementEntry {
    /// Line in the file where the entry starts.
    pub line: u64,
    /// The account the statement is for (an IBAN, or the bank's own account number), as written.
    pub account: String,
    /// The statement's own identification (`Stmt/Id`, MT940 `:20:` and `:28C:`).
    pub statement: String,
    /// Currency of the amount.
    pub currency: String,
    /// Amount, always positive; see `direction`.
    pub amount: Cents,
    /// In or out.
    pub direction: Direction,
    /// The bank reverses an earlier entry (`RvslInd`, MT940 `RC`/`RD`).
    pub reversal: bool,
    /// Booked, pending or information.
    pub status: EntryStatus,
    /// Booking date.
    pub booked_on: Date,
    /// Value date.
    pub value_on: Option<Date>,
    /// The bank's own reference for the entry (`AcctSvcrRef`, MT940 `//` reference).
    pub bank_reference: Option<String>,
    /// Which transaction of a batch entry this is (0-based), when the bank split it.
    pub batch_index: Option<u32>,
    /// The payer's end-to-end reference (`EndToEndId`, `/EREF/`), unless `NOTPROVIDED`.
    pub end_to_end_id: Option<String>,
    /// Mandate of a direct debit (`MndtId`, `/MARF/`).
    pub mandate: Option<String>,
    /// The bank's transaction code (`BkTxCd` domain/family/sub-family or proprietary code, MT940 type).
    pub bank_code: Option<String>,
    /// Name of the other party: the payer of money in, the payee of money out.
    pub counterparty_name: Option<String>,
    /// The other party's account, as written (usually an IBAN).
    pub counterparty_account: Option<String>,
    /// A structured creditor reference (`Strd/CdtrRefInf/Ref`, `/REMI/STRD/CUR/…`), as written.
    pub structured_reference: Option<String>,
    /// Free remittance text (several parts joined by a space).
    pub remittance: Option<String>,
    /// Why a payment came back (`RtrInf/Rsn/Cd`, `/RTRN/`), such as `AC04` or `MD06`.
    pub return_reason: Option<String>,
}

impl StatementEntry {
    /// Money that came back: a reversal, or an entry with a return reason.
    pub fn is_return(&self) -> bool {
        self.reversal || self.return_reason.is_some()
    }
}

/// A statement that cannot be read: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {message}", if path.is_empty() { String::new() } else { format!(" ({path})") })]
pub struct StatementError {
    /// Line in the file (1-based).
    pub line: u64,
    /// The XML path of the element, or the MT940 field tag (`:61:`); empty for the file as a whole.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl StatementError {
    pub(crate) fn new(line: u64, path: impl Into<String>, message: impl Into<String>) -> Self {
        StatementError { line, path: path.into(), message: message.into() }
    }
}

/// Reads any supported statement, entry by entry, choosing the reader by the file's first bytes.
// One reader per file, never stored in bulk: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum StatementReader<R: BufRead> {
    /// A camt.05x document.
    Camt(CamtReader<R>),
    /// An MT940 file.
    Mt940(Mt940Reader<R>),
}

impl<R: BufRead> StatementReader<R> {
    /// Looks at the start of the file: XML is read as camt, anything else as MT940.
    pub fn new(mut reader: R) -> Result<Self, StatementError> {
        let head = reader.fill_buf().map_err(|e| StatementError::new(1, "", format!("cannot read the file: {e}")))?;
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let first = head.iter().find(|b| !b.is_ascii_whitespace());
        match first {
            None => Err(StatementError::new(1, "", "the file is empty; expected a camt.053/054 or MT940 statement")),
            Some(b'<') => Ok(StatementReader::Camt(CamtReader::new(reader))),
            Some(_) => Ok(StatementReader::Mt940(Mt940Reader::new(reader))),
        }
    }

    /// The format, once known (camt's kind is known after its root element).
    pub fn format(&self) -> Option<StatementFormat> {
        match self {
            StatementReader::Camt(c) => c.format(),
            StatementReader::Mt940(_) => Some(StatementFormat::Mt940),
        }
    }
}

impl<R: BufRead> Iterator for StatementReader<R> {
    type Item = Result<StatementEntry, StatementError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            StatementReader::Camt(c) => c.next(),
            StatementReader::Mt940(m) => m.next(),
        }
    }
}

/// Reads a whole statement held in memory: every entry, or the first error.
pub fn read_statement(bytes: &[u8]) -> Result<(StatementFormat, Vec<StatementEntry>), StatementError> {
    let mut reader = StatementReader::new(bytes)?;
    let mut entries = Vec::new();
    for entry in reader.by_ref() {
        entries.push(entry?);
    }
    let format = reader.format().ok_or_else(|| StatementError::new(1, "", "no camt document element found"))?;
    Ok((format, entries))
}

/// Parses a decimal amount (`127.50`, `000000000127,50`, `1000,`, `10,5`) into cents. More than
/// two decimals are accepted only when the extra ones are zero (ISO allows five).
pub(crate) fn parse_amount(text: &str, decimal: char) -> Result<Cents, String> {
    let t = text.trim();
    let (whole, frac) = match t.split_once(decimal) {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    let expected = || format!("expected an amount like 1234{decimal}56, got '{t}'");
    if whole.is_empty() && frac.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(expected());
    }
    let (cents_part, rest) = frac.split_at(frac.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(format!("'{t}' has more than two decimals; Tegoed books whole cents"));
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 15 {
        return Err(format!("'{t}' is too large an amount"));
    }
    let units: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| expected())? };
    let mut cents: i64 = cents_part.parse().unwrap_or(0);
    if cents_part.len() == 1 {
        cents *= 10;
    }
    Cents::new(units * 100 + cents).map_err(|e| e.to_string())
}

/// Trims a value and drops it when empty or a placeholder for "none".
pub(crate) fn meaningful(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v.eq_ignore_ascii_case("NOTPROVIDED") || v.eq_ignore_ascii_case("NONREF") { None } else { Some(v.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_the_forms_banks_write_them() {
        let c = |s: &str, d| parse_amount(s, d).map(Cents::cents);
        assert_eq!(c("127.50", '.'), Ok(12750));
        assert_eq!(c("000000000000087.71", '.'), Ok(8771));
        assert_eq!(c("000000000127,50", ','), Ok(12750));
        assert_eq!(c("1000,", ','), Ok(100000));
        assert_eq!(c("10,5", ','), Ok(1050));
        assert_eq!(c("2700", '.'), Ok(270000));
        assert_eq!(c("8.85000", '.'), Ok(885));
        assert!(c("8.851", '.').expect_err("refused").contains("more than two decimals"));
        assert!(c("8,85", '.').expect_err("refused").contains("expected an amount"));
        assert!(c("", ',').is_err());
        assert!(c("-5,00", ',').is_err());
    }
}
