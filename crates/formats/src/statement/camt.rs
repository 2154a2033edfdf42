//! ISO 20022 camt.053 / camt.054 / camt.052, every version, read by local element names
//! (`../shared/docs/formats.md` §6.1: the three share the `Ntry` structure; `.02` to `.08` differ
//! in `Sts`, `TxDtls/Amt` and `Dbtr/Pty/Nm`, all handled here).

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use jiff::civil::Date;
use quick_xml::Reader;
use quick_xml::events::Event;

use super::{Direction, EntryStatus, StatementEntry, StatementError, StatementFormat, meaningful, parse_amount};
use crate::xml::{local_name, referenced_char};

/// A buffer between the caller's reader and the XML reader that knows the line of any byte
/// the XML reader has consumed. Line ends are counted only when a line is asked for (an entry
/// starts, a value is kept, an error is made), over all bytes since the last question, in one
/// pass: counting every small piece the XML reader consumes cost more than the rest of reading.
struct Lines<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
    /// `buf[..counted]` is counted in `ends`.
    counted: usize,
    ends: u64,
}

/// Bytes read from the caller's reader at a time.
const CHUNK: usize = 64 * 1024;

impl<R: Read> Lines<R> {
    fn new(inner: R) -> Self {
        Lines { inner, buf: vec![0; CHUNK], pos: 0, filled: 0, counted: 0, ends: 0 }
    }

    /// The line of the next byte to be read, counting from 1.
    fn line(&mut self) -> u64 {
        if self.pos > self.counted {
            self.ends += memchr::memchr_iter(b'\n', &self.buf[self.counted..self.pos]).count() as u64;
            self.counted = self.pos;
        }
        self.ends + 1
    }

    /// Reads the next chunk once the XML reader has consumed the current one.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> io::Result<&[u8]> {
        self.line();
        self.filled = loop {
            match self.inner.read(&mut self.buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        self.pos = 0;
        self.counted = 0;
        Ok(&self.buf[..self.filled])
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Lines<R> {
    // Called millions of times by the XML reader: the common case is two comparisons.
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos < self.filled {
            return Ok(&self.buf[self.pos..self.filled]);
        }
        self.refill()
    }

    #[inline]
    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.filled);
    }
}

/// What one `TxDtls` says.
#[derive(Default)]
struct Tx {
    amount: Option<(String, u64)>,
    currency: Option<String>,
    direction: Option<String>,
    bank_reference: Option<String>,
    end_to_end_id: Option<String>,
    mandate: Option<String>,
    debtor_name: Option<String>,
    debtor_account: Option<String>,
    creditor_name: Option<String>,
    creditor_account: Option<String>,
    ultimate_debtor: Option<String>,
    unstructured: Vec<String>,
    structured: Option<String>,
    return_reason: Option<String>,
    additional: Option<String>,
}

/// What one `Ntry` says outside its transactions.
#[derive(Default)]
struct Ntry {
    line: u64,
    amount: Option<(String, u64)>,
    currency: Option<String>,
    direction: Option<String>,
    reversal: bool,
    status: Option<String>,
    booked: Option<(String, u64)>,
    valued: Option<(String, u64)>,
    bank_reference: Option<String>,
    entry_reference: Option<String>,
    domain: Option<String>,
    family: Option<String>,
    sub_family: Option<String>,
    proprietary: Option<String>,
    additional: Option<String>,
    txs: Vec<Tx>,
}

/// Reads camt entries one by one from any buffered reader.
pub struct CamtReader<R: BufRead> {
    xml: Reader<Lines<R>>,
    buf: Vec<u8>,
    format: Option<StatementFormat>,
    path: String,
    marks: Vec<usize>,
    text: String,
    /// Whether the last tag opened an element (its text is being read).
    in_leaf: bool,
    /// Path length just past the statement element (`Stmt`, `Ntfctn`, `Rpt`).
    stmt: Option<usize>,
    statement_id: String,
    account: String,
    /// Path length just past `Ntry`, and past `TxDtls`.
    ntry: Option<usize>,
    tx: Option<usize>,
    entry: Ntry,
    pending_currency: Option<String>,
    ready: VecDeque<StatementEntry>,
    finished: bool,
}

impl<R: BufRead> CamtReader<R> {
    /// A reader over a camt document.
    pub fn new(reader: R) -> Self {
        let mut xml = Reader::from_reader(Lines::new(reader));
        let config = xml.config_mut();
        // White space between elements is skipped by the reader itself (half the events of an
        // indented file); after an entity it is kept, see `GeneralRef` below.
        config.trim_text_start = true;
        config.trim_text_end = false;
        config.expand_empty_elements = true;
        CamtReader {
            xml,
            buf: Vec::with_capacity(4096),
            format: None,
            path: String::with_capacity(256),
            marks: Vec::with_capacity(16),
            text: String::new(),
            in_leaf: false,
            stmt: None,
            statement_id: String::new(),
            account: String::new(),
            ntry: None,
            tx: None,
            entry: Ntry::default(),
            pending_currency: None,
            ready: VecDeque::new(),
            finished: false,
        }
    }

    /// The reader it reads from.
    pub fn into_inner(self) -> R {
        self.xml.into_inner().inner
    }

    /// camt.053, .054 or .052, once the root's first child has been read.
    pub fn format(&self) -> Option<StatementFormat> {
        self.format
    }

    fn error(&self, line: u64, message: impl Into<String>) -> StatementError {
        StatementError::new(line, self.path.trim_start_matches('/'), message)
    }

    /// Reads events until an entry is complete or the document ends.
    fn advance(&mut self) -> Result<(), StatementError> {
        while self.ready.is_empty() && !self.finished {
            self.buf.clear();
            let event = self.xml.read_event_into(&mut self.buf);
            // Lines are asked for only where they are kept or reported: the line where the
            // event ends (white space before a tag is read with the tag).
            match event {
                Err(e) => {
                    let line = self.xml.get_mut().line();
                    return Err(self.error(line, format!("not well-formed XML: {e}")));
                }
                Ok(Event::Eof) => {
                    let line = self.xml.get_mut().line();
                    if !self.marks.is_empty() {
                        return Err(self.error(line, "the document ends before its elements are closed"));
                    }
                    if self.format.is_none() {
                        return Err(StatementError::new(line, "", "no camt document element found"));
                    }
                    self.finished = true;
                }
                Ok(Event::Start(start)) => {
                    self.xml.config_mut().trim_text_start = true;
                    let qualified = start.name();
                    let name = local_name(qualified.as_ref());
                    let currency = if name == "Amt" {
                        start
                            .try_get_attribute("Ccy")
                            .ok()
                            .flatten()
                            .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
                    } else {
                        None
                    };
                    let line = if self.marks.len() < 2 || name == "Ntry" { self.xml.get_mut().line() } else { 0 };
                    self.marks.push(self.path.len());
                    self.path.push('/');
                    self.path.push_str(name);
                    self.text.clear();
                    self.in_leaf = true;
                    self.pending_currency = currency;
                    self.opened(line)?;
                }
                Ok(Event::End(_)) => {
                    self.xml.config_mut().trim_text_start = true;
                    let last = self.marks.last().map_or("", |m| &self.path[m + 1..]);
                    let line = if matches!(last, "Amt" | "Dt" | "DtTm") || self.marks.is_empty() { self.xml.get_mut().line() } else { 0 };
                    self.closed(line)?;
                    let mark = self.marks.pop().ok_or_else(|| self.error(line, "a closing tag without its opening tag"))?;
                    self.path.truncate(mark);
                    self.text.clear();
                    self.in_leaf = false;
                }
                // Only a leaf's own text matters: white space between elements is skipped.
                Ok(Event::Text(t)) if self.in_leaf => self.text.push_str(&t.xml10_content()),
                Ok(Event::CData(t)) if self.in_leaf => self.text.push_str(&t.xml10_content()),
                Ok(Event::GeneralRef(r)) => {
                    // "Jansen &amp; Zn": the space after the entity is part of the name.
                    self.xml.config_mut().trim_text_start = false;
                    match referenced_char(&r) {
                        Some(c) => self.text.push(c),
                        None => {
                            let line = self.xml.get_mut().line();
                            let message = format!("unknown entity &{};", r.xml10_content());
                            return Err(StatementError::new(line, self.path.trim_start_matches('/'), message));
                        }
                    }
                }
                Ok(_) => {}
            }
        }
        Ok(())
    }

    /// An element opened: note where the statement, entry and transaction start.
    fn opened(&mut self, line: u64) -> Result<(), StatementError> {
        let depth = self.marks.len();
        let name = &self.path[self.marks[depth - 1] + 1..];
        match depth {
            1 if name != "Document" => {
                return Err(self.error(line, format!("expected a camt document (root element Document), found <{name}>")));
            }
            2 => {
                self.format = Some(match name {
                    "BkToCstmrStmt" => StatementFormat::Camt053,
                    "BkToCstmrDbtCdtNtfctn" => StatementFormat::Camt054,
                    "BkToCstmrAcctRpt" => StatementFormat::Camt052,
                    _ => {
                        return Err(self.error(
                            line,
                            format!("expected BkToCstmrStmt (camt.053), BkToCstmrDbtCdtNtfctn (camt.054) or BkToCstmrAcctRpt (camt.052), found <{name}>"),
                        ));
                    }
                });
            }
            3 if matches!(name, "Stmt" | "Ntfctn" | "Rpt") => {
                self.stmt = Some(self.path.len());
                self.statement_id.clear();
                self.account.clear();
            }
            4 if name == "Ntry" && self.stmt.is_some() => {
                self.ntry = Some(self.path.len());
                self.entry = Ntry { line, ..Ntry::default() };
            }
            6 if name == "TxDtls" && self.ntry.is_some() => {
                self.tx = Some(self.path.len());
                self.entry.txs.push(Tx::default());
            }
            _ => {}
        }
        if name == "Amt"
            && let Some(ccy) = self.pending_currency.take()
        {
            match (self.ntry, self.tx) {
                (Some(_), Some(t)) if matches!(&self.path[t..], "/Amt" | "/AmtDtls/TxAmt/Amt") => {
                    if let Some(tx) = self.entry.txs.last_mut() {
                        tx.currency = Some(ccy);
                    }
                }
                (Some(n), None) if &self.path[n..] == "/Amt" => self.entry.currency = Some(ccy),
                _ => {}
            }
        }
        Ok(())
    }

    /// An element closed: take its text, and hand out an entry when `Ntry` closes.
    fn closed(&mut self, line: u64) -> Result<(), StatementError> {
        if let (Some(_), Some(t)) = (self.ntry, self.tx) {
            if self.path.len() == t {
                self.tx = None;
                return Ok(());
            }
            let rel = &self.path[t + 1..];
            let Some(tx) = self.entry.txs.last_mut() else { return Ok(()) };
            let v = meaningful(&self.text);
            match rel {
                "Amt" => tx.amount = v.map(|v| (v, line)),
                "AmtDtls/TxAmt/Amt" if tx.amount.is_none() => tx.amount = v.map(|v| (v, line)),
                "CdtDbtInd" => tx.direction = v,
                "Refs/AcctSvcrRef" => tx.bank_reference = v,
                "Refs/EndToEndId" => tx.end_to_end_id = v,
                "Refs/MndtId" => tx.mandate = v,
                "RltdPties/Dbtr/Nm" | "RltdPties/Dbtr/Pty/Nm" => tx.debtor_name = v,
                "RltdPties/DbtrAcct/Id/IBAN" | "RltdPties/DbtrAcct/Id/Othr/Id" => tx.debtor_account = v,
                "RltdPties/Cdtr/Nm" | "RltdPties/Cdtr/Pty/Nm" => tx.creditor_name = v,
                "RltdPties/CdtrAcct/Id/IBAN" | "RltdPties/CdtrAcct/Id/Othr/Id" => tx.creditor_account = v,
                "RltdPties/UltmtDbtr/Nm" | "RltdPties/UltmtDbtr/Pty/Nm" => tx.ultimate_debtor = v,
                "RmtInf/Ustrd" => tx.unstructured.extend(v),
                "RmtInf/Strd/CdtrRefInf/Ref" if tx.structured.is_none() => tx.structured = v,
                "RtrInf/Rsn/Cd" | "RtrInf/Rsn/Prtry" => tx.return_reason = v,
                "AddtlTxInf" => tx.additional = v,
                _ => {}
            }
            return Ok(());
        }
        if let Some(n) = self.ntry {
            if self.path.len() == n {
                self.ntry = None;
                let entry = std::mem::take(&mut self.entry);
                return self.finish_entry(entry);
            }
            let rel = &self.path[n + 1..];
            let v = meaningful(&self.text);
            let e = &mut self.entry;
            match rel {
                "Amt" => e.amount = v.map(|v| (v, line)),
                "CdtDbtInd" => e.direction = v,
                "RvslInd" => e.reversal = v.is_some_and(|v| v == "true" || v == "1"),
                "Sts" | "Sts/Cd" | "Sts/Prtry" => e.status = v,
                "BookgDt/Dt" | "BookgDt/DtTm" => e.booked = v.map(|v| (v, line)),
                "ValDt/Dt" | "ValDt/DtTm" => e.valued = v.map(|v| (v, line)),
                "AcctSvcrRef" => e.bank_reference = v,
                "NtryRef" => e.entry_reference = v,
                "BkTxCd/Domn/Cd" => e.domain = v,
                "BkTxCd/Domn/Fmly/Cd" => e.family = v,
                "BkTxCd/Domn/Fmly/SubFmlyCd" => e.sub_family = v,
                "BkTxCd/Prtry/Cd" => e.proprietary = v,
                "AddtlNtryInf" => e.additional = v,
                _ => {}
            }
            return Ok(());
        }
        if let Some(s) = self.stmt {
            if self.path.len() == s {
                self.stmt = None;
                return Ok(());
            }
            match &self.path[s + 1..] {
                "Id" => self.statement_id = self.text.trim().to_string(),
                "Acct/Id/IBAN" | "Acct/Id/Othr/Id" => self.account = self.text.trim().to_string(),
                _ => {}
            }
        }
        Ok(())
    }

    /// Turns a closed `Ntry` into one entry, or one per transaction of a batch.
    fn finish_entry(&mut self, e: Ntry) -> Result<(), StatementError> {
        let at = |field: &str| format!("{}/{field}", self.path.trim_start_matches('/'));
        let fail = |line: u64, field: &str, message: String| StatementError::new(line, at(field), message);
        if self.account.is_empty() {
            return Err(fail(e.line, "", "the statement names no account before its entries (Acct/Id/IBAN)".into()));
        }
        let (amount_text, amount_line) = e.amount.clone().ok_or_else(|| fail(e.line, "Amt", "an entry needs an amount".into()))?;
        let amount = parse_amount(&amount_text, '.').map_err(|m| fail(amount_line, "Amt", m))?;
        let direction = match e.direction.as_deref() {
            Some("CRDT") => Direction::Credit,
            Some("DBIT") => Direction::Debit,
            other => return Err(fail(e.line, "CdtDbtInd", format!("expected CRDT or DBIT, got {}", other.unwrap_or("nothing")))),
        };
        let date = |d: &Option<(String, u64)>, field: &str| -> Result<Option<Date>, StatementError> {
            match d {
                None => Ok(None),
                Some((text, line)) => text
                    .get(..10)
                    .and_then(|t| t.parse::<Date>().ok())
                    .map(Some)
                    .ok_or_else(|| fail(*line, field, format!("expected a date like 2026-11-23, got '{text}'"))),
            }
        };
        let value_on = date(&e.valued, "ValDt")?;
        let booked_on = date(&e.booked, "BookgDt")?
            .or(value_on)
            .ok_or_else(|| fail(e.line, "BookgDt", "an entry needs a booking date (BookgDt) or a value date (ValDt)".into()))?;
        let status = match e.status.as_deref() {
            Some("BOOK") => EntryStatus::Booked,
            Some("PDNG") => EntryStatus::Pending,
            _ => EntryStatus::Information,
        };
        let bank_code = match (&e.domain, &e.family, &e.sub_family) {
            (Some(d), Some(f), Some(s)) => Some(format!("{d}/{f}/{s}")),
            _ => e.proprietary.clone(),
        };
        let currency = e.currency.clone().unwrap_or_else(|| "EUR".into());
        let base = StatementEntry {
            line: e.line,
            account: self.account.clone(),
            statement: self.statement_id.clone(),
            currency,
            amount,
            direction,
            reversal: e.reversal,
            status,
            booked_on,
            value_on,
            bank_reference: e.bank_reference.clone().or(e.entry_reference.clone()),
            batch_index: None,
            end_to_end_id: None,
            mandate: None,
            bank_code,
            counterparty_name: None,
            counterparty_account: None,
            structured_reference: None,
            remittance: e.additional.clone(),
            return_reason: None,
        };
        let batch = e.txs.len() > 1;
        if e.txs.is_empty() {
            self.ready.push_back(base);
            return Ok(());
        }
        if batch && e.txs.iter().any(|t| t.amount.is_none()) {
            // A batch whose transactions carry no amounts of their own cannot be split: it is
            // one entry, with every transaction's text and references kept for matching.
            let mut entry = base;
            let first = &e.txs[0];
            let (name, account) = match direction {
                Direction::Credit => (&first.debtor_name, &first.debtor_account),
                Direction::Debit => (&first.creditor_name, &first.creditor_account),
            };
            entry.counterparty_name = name.clone();
            entry.counterparty_account = account.clone();
            let texts: Vec<String> =
                e.txs.iter().flat_map(|t| t.unstructured.iter().cloned().chain(t.structured.iter().cloned())).collect();
            if !texts.is_empty() {
                entry.remittance = Some(texts.join(" "));
            }
            self.ready.push_back(entry);
            return Ok(());
        }
        for (i, tx) in e.txs.into_iter().enumerate() {
            let mut entry = base.clone();
            if batch {
                let (text, line) = tx.amount.clone().ok_or_else(|| {
                    fail(e.line, "NtryDtls/TxDtls/Amt", format!("transaction {} of a batch entry has no amount of its own", i + 1))
                })?;
                entry.amount = parse_amount(&text, '.').map_err(|m| fail(line, "NtryDtls/TxDtls/Amt", m))?;
                if let Some(c) = &tx.currency {
                    entry.currency = c.clone();
                }
                entry.direction = match tx.direction.as_deref() {
                    Some("CRDT") => Direction::Credit,
                    Some("DBIT") => Direction::Debit,
                    _ => direction,
                };
                entry.batch_index = Some(u32::try_from(i).unwrap_or(u32::MAX));
                entry.bank_reference = tx.bank_reference.clone().or(entry.bank_reference);
            } else if entry.bank_reference.is_none() {
                entry.bank_reference = tx.bank_reference.clone();
            }
            let (name, account, other_name, other_account) = match entry.direction {
                Direction::Credit => (tx.debtor_name, tx.debtor_account, tx.creditor_name, tx.creditor_account),
                Direction::Debit => (tx.creditor_name, tx.creditor_account, tx.debtor_name, tx.debtor_account),
            };
            entry.counterparty_name = name.or(tx.ultimate_debtor).or(other_name);
            entry.counterparty_account = account.or(other_account);
            entry.end_to_end_id = tx.end_to_end_id;
            entry.mandate = tx.mandate;
            entry.structured_reference = tx.structured;
            entry.return_reason = tx.return_reason;
            if !tx.unstructured.is_empty() {
                entry.remittance = Some(tx.unstructured.join(" "));
            } else if tx.additional.is_some() {
                entry.remittance = tx.additional;
            }
            self.ready.push_back(entry);
        }
        Ok(())
    }
}

impl<R: BufRead> Iterator for CamtReader<R> {
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
