//! SWIFT MT940 as Dutch banks deliver it (`../shared/docs/formats.md` §7): SWIFT blocks (ING,
//! Knab), ABN AMRO's three-line header, Rabobank's `:940:`; `:61:` statement lines with the
//! entry date's year taken from the value date; and the `:86:` dialects — codewords
//! (ING `/CNTP/ /REMI/USTD//`, Rabobank `/ORDP//NAME/ /REMI//CDTRREFTP//…`, ABN AMRO and Knab
//! `/TRTP/ /IBAN/ /NAME/ /REMI/`), re-joined without spaces because the bank wraps at 65
//! characters anywhere; and ABN AMRO's legacy layout of 32-character columns with labels
//! (`IBAN:`, `NAAM:`, `OMSCHRIJVING:`, `BETALINGSKENM.:`), re-joined with a space.

use std::collections::VecDeque;
use std::io::BufRead;

use jiff::civil::Date;

use super::{Direction, EntryStatus, StatementEntry, StatementError, meaningful, parse_amount};
use crate::decode_text;

/// Codewords of the structured `:86:` layouts of ING, Rabobank, ABN AMRO and Knab.
const CODEWORDS: &[&str] = &[
    "RTRN", "EREF", "PREF", "MARF", "CSID", "CNTP", "REMI", "PURP", "ULTC", "ULTD", "ULTB", "BENM", "ORDP", "NAME", "ID", "ADDR", "ISDT",
    "TRTP", "RTYP", "IBAN", "BIC", "NRTX", "PIND", "SWOD", "SUM", "EXCH", "CHGS", "BUSP", "FX",
];

/// Labels of ABN AMRO's legacy 32-column `:86:` layout.
const LABELS: &[&str] =
    &["IBAN:", "BIC:", "NAAM:", "OMSCHRIJVING:", "KENMERK:", "BETALINGSKENM.:", "ID DEBITEUR:", "MACHTIGING:", "INCASSANT:"];

/// A field being read: its tag, its lines, and the line it started on.
struct Field {
    tag: String,
    lines: Vec<String>,
    line: u64,
}

/// Reads MT940 entries one by one from any buffered reader.
pub struct Mt940Reader<R: BufRead> {
    input: R,
    raw: Vec<u8>,
    line: u64,
    field: Option<Field>,
    reference: String,
    sequence: String,
    account: String,
    currency: String,
    /// A `:61:` line waiting for its `:86:`.
    pending: Option<StatementEntry>,
    ready: VecDeque<StatementEntry>,
    finished: bool,
}

impl<R: BufRead> Mt940Reader<R> {
    /// A reader over an MT940 file.
    pub fn new(input: R) -> Self {
        Mt940Reader {
            input,
            raw: Vec::with_capacity(256),
            line: 0,
            field: None,
            reference: String::new(),
            sequence: String::new(),
            account: String::new(),
            currency: "EUR".into(),
            pending: None,
            ready: VecDeque::new(),
            finished: false,
        }
    }

    /// The reader it reads from.
    pub fn into_inner(self) -> R {
        self.input
    }

    fn advance(&mut self) -> Result<(), StatementError> {
        while self.ready.is_empty() && !self.finished {
            self.raw.clear();
            let n = self
                .input
                .read_until(b'\n', &mut self.raw)
                .map_err(|e| StatementError::new(self.line + 1, "", format!("cannot read the file: {e}")))?;
            if n == 0 {
                self.flush_field()?;
                self.flush_entry();
                self.finished = true;
                break;
            }
            self.line += 1;
            // The line is read in place; only a line that is not UTF-8 is decoded into a copy.
            let raw = std::mem::take(&mut self.raw);
            let bytes = if self.line == 1 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&raw) } else { &raw[..] };
            let text = match std::str::from_utf8(bytes) {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => std::borrow::Cow::Owned(decode_text(bytes)),
            };
            let taken = self.take_line(text.trim_end_matches(['\r', '\n']));
            drop(text);
            self.raw = raw;
            taken?;
        }
        Ok(())
    }

    fn take_line(&mut self, text: &str) -> Result<(), StatementError> {
        if let Some((tag, rest)) = split_tag(text) {
            self.flush_field()?;
            self.field = Some(Field { tag: tag.to_string(), lines: vec![rest.to_string()], line: self.line });
            return Ok(());
        }
        let trimmed = text.trim();
        let envelope = trimmed.is_empty()
            || trimmed.starts_with('{')
            || trimmed.starts_with('-')
            || trimmed == "}"
            || trimmed == ":940:"
            || trimmed.starts_with("0000 ");
        if envelope {
            self.flush_field()?;
            if trimmed.starts_with('-') {
                self.flush_entry();
            }
            return Ok(());
        }
        if let Some(f) = self.field.as_mut()
            && (f.tag == "61" || f.tag == "86")
        {
            f.lines.push(text.to_string());
            return Ok(());
        }
        // Outside a field only a header may stand: ABN AMRO's `ABNANL2A` / `940`, or a BIC.
        if trimmed.len() <= 16 && trimmed.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ') {
            self.flush_field()?;
            return Ok(());
        }
        Err(StatementError::new(self.line, "", format!("expected a field tag such as :61: or :86:, found '{}'", shorten(trimmed))))
    }

    fn flush_field(&mut self) -> Result<(), StatementError> {
        let Some(field) = self.field.take() else { return Ok(()) };
        let value = field.lines[0].trim();
        match field.tag.as_str() {
            "20" => {
                self.flush_entry();
                self.reference = value.to_string();
            }
            "25" => {
                self.flush_entry();
                self.account = account_of(value);
            }
            "28" | "28C" => self.sequence = value.to_string(),
            "60F" | "60M" => {
                if let Some(ccy) = value.get(7..10) {
                    self.currency = ccy.to_string();
                }
            }
            "61" => {
                self.flush_entry();
                self.pending = Some(self.statement_line(&field)?);
            }
            "86" => {
                if let Some(mut entry) = self.pending.take() {
                    apply_information(&mut entry, &field.lines);
                    self.ready.push_back(entry);
                }
            }
            "62F" | "62M" | "64" | "65" => self.flush_entry(),
            _ => {}
        }
        Ok(())
    }

    fn flush_entry(&mut self) {
        if let Some(e) = self.pending.take() {
            self.ready.push_back(e);
        }
    }

    /// Reads a `:61:` field: `YYMMDD[MMDD][R]D|C[funds]amount type ref[//bankref]` and, on the
    /// next line, supplementary details (Rabobank: the counterparty's account).
    fn statement_line(&self, field: &Field) -> Result<StatementEntry, StatementError> {
        let line = field.line;
        let fail = |message: String| StatementError::new(line, ":61:", message);
        if self.account.is_empty() {
            return Err(fail("a statement line before the account (:25:)".into()));
        }
        let s = field.lines[0].trim_end();
        let b = s.as_bytes();
        let digits = |from: usize, n: usize| b.get(from..from + n).filter(|d| d.iter().all(u8::is_ascii_digit)).is_some();
        if !digits(0, 6) {
            return Err(fail(format!("expected the value date as YYMMDD at the start, got '{}'", shorten(s))));
        }
        let num = |from: usize, n: usize| s[from..from + n].parse::<i16>().unwrap_or(0);
        let year = 2000 + num(0, 2);
        let value_on =
            Date::new(year, num(2, 2) as i8, num(4, 2) as i8).map_err(|_| fail(format!("'{}' is not a date (YYMMDD)", &s[..6])))?;
        let mut i = 6;
        let mut booked_on = value_on;
        if digits(6, 4) {
            let (month, day) = (num(6, 2) as i8, num(8, 2) as i8);
            let year = match (value_on.month(), month) {
                (12, 1) => value_on.year() + 1,
                (1, 12) => value_on.year() - 1,
                _ => value_on.year(),
            };
            booked_on = Date::new(year, month, day).map_err(|_| fail(format!("'{}' is not an entry date (MMDD)", &s[6..10])))?;
            i = 10;
        }
        let upper = |k: usize| b.get(k).map(u8::to_ascii_uppercase);
        let reversal = upper(i) == Some(b'R');
        if reversal {
            i += 1;
        }
        let direction = match upper(i) {
            Some(b'C') => Direction::Credit,
            Some(b'D') => Direction::Debit,
            _ => return Err(fail(format!("expected C or D (credit or debit) at position {}, got '{}'", i + 1, shorten(&s[i..])))),
        };
        i += 1;
        if b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b',') {
            i += 1;
        }
        let amount = parse_amount(&s[start..i], ',').map_err(fail)?;
        let code = s
            .get(i..i + 4)
            .filter(|c| matches!(c.as_bytes()[0], b'N' | b'F' | b'S') && c.bytes().all(|b| b.is_ascii_alphanumeric()))
            .ok_or_else(|| fail(format!("expected a transaction type such as NTRF after the amount, got '{}'", shorten(&s[i..]))))?;
        i += 4;
        let rest = &s[i..];
        let (customer, bank) = match rest.split_once("//") {
            Some((c, b)) => (c, Some(b)),
            None => (rest, None),
        };
        let supplementary = field.lines.get(1).map(|l| l.trim()).filter(|l| !l.is_empty() && !l.starts_with('/'));
        Ok(StatementEntry {
            line,
            account: self.account.clone(),
            statement: if self.sequence.is_empty() { self.reference.clone() } else { format!("{}/{}", self.reference, self.sequence) },
            currency: self.currency.clone(),
            amount,
            direction,
            reversal,
            status: EntryStatus::Booked,
            booked_on,
            value_on: Some(value_on),
            bank_reference: bank.and_then(meaningful),
            batch_index: None,
            end_to_end_id: None,
            mandate: None,
            bank_code: Some(code.to_string()),
            counterparty_name: None,
            counterparty_account: supplementary.map(str::to_string),
            // ING puts a betalingskenmerk in the customer reference; the `:86:` says it too.
            structured_reference: None,
            remittance: None,
            return_reason: None,
        })
        .map(|mut e| {
            if customer.len() == 16 && customer.bytes().all(|c| c.is_ascii_digit()) {
                e.structured_reference = Some(customer.to_string());
            }
            e
        })
    }
}

impl<R: BufRead> Iterator for Mt940Reader<R> {
    type Item = Result<StatementEntry, StatementError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Err(e) = self.advance() {
            self.finished = true;
            self.ready.clear();
            return Some(Err(e));
        }
        self.ready.pop_front().map(Ok)
    }
}

/// `:61:rest` → `("61", "rest")`, for tags of two digits and an optional letter.
fn split_tag(line: &str) -> Option<(&str, &str)> {
    let b = line.as_bytes();
    if b.first() != Some(&b':') || !b.get(1..3)?.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let end = if b.get(3).is_some_and(u8::is_ascii_alphabetic) { 4 } else { 3 };
    (b.get(end) == Some(&b':')).then(|| (&line[1..end], &line[end + 1..]))
}

/// The account of `:25:`: ING writes `NL69INGB0123456789EUR`, Rabobank `NL50RABO0123456789 EUR`.
fn account_of(value: &str) -> String {
    let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let b = v.as_bytes();
    let n = b.len();
    if n > 4 && b[n - 3..].iter().all(u8::is_ascii_uppercase) && b[n - 4].is_ascii_digit() { v[..n - 3].to_string() } else { v }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s.to_string() }
}

/// Collapses runs of white space, as the fixed-width layouts pad with spaces.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fills an entry from its `:86:` lines.
fn apply_information(entry: &mut StatementEntry, lines: &[String]) {
    if lines[0].trim_start().starts_with('/') {
        apply_codewords(entry, &lines.concat());
    } else {
        apply_labels(entry, &lines.join(" "));
    }
}

/// Splits a codeword text into `(codeword, value)` pairs, in order.
fn codewords(text: &str) -> Vec<(&str, &str)> {
    let b = text.as_bytes();
    let mut starts: Vec<(usize, &str)> = Vec::new();
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'/', &b[i..]) {
        let slash = i + at;
        // A codeword is two to four capitals between slashes.
        let word_end = b[slash + 1..].iter().take(5).position(|&c| c == b'/').map(|n| slash + 1 + n);
        match word_end {
            Some(end) if end - slash > 2 && CODEWORDS.contains(&&text[slash + 1..end]) => {
                starts.push((slash, &text[slash + 1..end]));
                i = end + 1;
            }
            _ => i = slash + 1,
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, (at, code))| {
            let from = at + code.len() + 2;
            let to = starts.get(k + 1).map_or(text.len(), |(next, _)| *next);
            (*code, &text[from.min(to)..to])
        })
        .collect()
}

fn apply_codewords(entry: &mut StatementEntry, text: &str) {
    let pairs = codewords(text);
    let get = |code: &str| pairs.iter().find(|(c, _)| *c == code).map(|(_, v)| *v);
    let clean = |v: &str| meaningful(&squeeze(v.trim_matches('/')));
    entry.end_to_end_id = get("EREF").and_then(clean);
    entry.mandate = get("MARF").and_then(clean);
    entry.return_reason = get("RTRN").and_then(clean);
    if let Some(cntp) = get("CNTP") {
        // ING: account / BIC / name / city.
        let parts: Vec<&str> = cntp.split('/').collect();
        entry.counterparty_account = parts.first().copied().and_then(meaningful).or(entry.counterparty_account.take());
        entry.counterparty_name = parts.get(2).copied().and_then(|n| meaningful(&squeeze(n)));
    }
    if let Some(iban) = get("IBAN").and_then(clean) {
        entry.counterparty_account = Some(iban.replace(' ', ""));
    }
    if entry.counterparty_name.is_none() {
        entry.counterparty_name = get("NAME").and_then(clean);
    }
    if let Some(remi) = get("REMI") {
        read_remittance(entry, remi);
    }
}

/// The value of `/REMI/` in its forms: ING `USTD//text/` and `STRD/CUR/ref/`, Rabobank
/// `/CDTRREFTP//CD/SCOR/ISSR/CUR/CDTRREF/ref`, ABN AMRO `Issuer: CUR Ref: ref`, or plain text.
fn read_remittance(entry: &mut StatementEntry, remi: &str) {
    if let Some(text) = remi.strip_prefix("USTD/") {
        entry.remittance = meaningful(&squeeze(text.strip_prefix('/').unwrap_or(text).trim_end_matches('/')));
    } else if let Some(rest) = remi.strip_prefix("STRD/") {
        let reference = rest.split('/').nth(1).unwrap_or("");
        entry.structured_reference = meaningful(reference).or(entry.structured_reference.take());
    } else if let Some(at) = remi.find("CDTRREF/") {
        let reference = remi[at + "CDTRREF/".len()..].split('/').next().unwrap_or("");
        entry.structured_reference = meaningful(reference);
    } else {
        let upper = remi.to_ascii_uppercase();
        if let (Some(_), Some(r)) = (upper.find("ISSUER:"), upper.find("REF:")) {
            let reference: String = remi[r + 4..].trim_end_matches('/').chars().filter(|c| !c.is_whitespace()).collect();
            entry.structured_reference = meaningful(&reference);
        } else {
            entry.remittance = meaningful(&squeeze(remi.trim_end_matches('/')));
        }
    }
}

/// ABN AMRO's legacy layout: labels in 32-character columns.
fn apply_labels(entry: &mut StatementEntry, text: &str) {
    let upper = text.to_ascii_uppercase();
    let mut found: Vec<(usize, &str)> = LABELS.iter().filter_map(|l| upper.find(l).map(|at| (at, *l))).collect();
    if found.is_empty() {
        entry.remittance = meaningful(&squeeze(text));
        return;
    }
    found.sort_unstable();
    let value = |label: &str| {
        let k = found.iter().position(|(_, l)| *l == label)?;
        let from = found[k].0 + label.len();
        let to = found.get(k + 1).map_or(text.len(), |(next, _)| *next);
        meaningful(&squeeze(&text[from..to]))
    };
    entry.counterparty_account = value("IBAN:").or(entry.counterparty_account.take());
    entry.counterparty_name = value("NAAM:");
    let parts: Vec<String> = [value("OMSCHRIJVING:"), value("KENMERK:")].into_iter().flatten().collect();
    entry.remittance = if parts.is_empty() { meaningful(&squeeze(&text[..found[0].0])) } else { Some(parts.join(" ")) };
    if let Some(kenmerk) = value("BETALINGSKENM.:") {
        entry.structured_reference = kenmerk.split_whitespace().next().map(str::to_string);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_accounts() {
        assert_eq!(split_tag(":61:1401030103D15,00NTRF"), Some(("61", "1401030103D15,00NTRF")));
        assert_eq!(split_tag(":28C:3"), Some(("28C", "3")));
        assert_eq!(split_tag(":940:"), None);
        assert_eq!(split_tag("/TRCD/00108/"), None);
        assert_eq!(account_of("NL20INGB0001234567EUR"), "NL20INGB0001234567");
        assert_eq!(account_of("NL50RABO0123456789 EUR"), "NL50RABO0123456789");
        assert_eq!(account_of("123456789"), "123456789");
    }

    #[test]
    fn codewords_split_only_at_known_words() {
        let pairs = codewords("/ORDP//ID/20 3798473/REMI/NR.201303-111/11.3.2013/ISDT/2013-04-03");
        assert_eq!(pairs, vec![("ORDP", ""), ("ID", "20 3798473"), ("REMI", "NR.201303-111/11.3.2013"), ("ISDT", "2013-04-03")]);
    }
}
