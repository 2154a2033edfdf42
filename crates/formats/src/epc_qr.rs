//! The EPC QR code payload ("GiroCode"): what a banking app reads from a reminder to fill in a
//! SEPA credit transfer. EPC069-12 "Quick Response Code: Guidelines to Enable Data Capture for
//! the Initiation of a SEPA Credit Transfer" v2.1, summarised with its field limits in
//! `../shared/docs/formats.md` §2: twelve lines separated by LF, service tag `BCD`, version
//! `002` (BIC optional), character set, `SCT`, BIC, name (≤ 70), IBAN, amount (`EUR` and at most
//! two decimals, 0.01 to 999,999,999.99), purpose (4 letters or digits), structured reference
//! (≤ 35; an RF reference must check out) or unstructured text (≤ 140) — never both — and a
//! note to the payer (≤ 70); at most 331 bytes; nothing after the last filled line.

use domain::contact::{Bic, Iban};
use domain::money::Cents;
use domain::reference::RfReference;

/// Most bytes a payload may have (QR version 13 at error correction level M).
pub const MAX_BYTES: usize = 331;

/// The character set of a payload (line 3). Tegoed writes UTF-8; it reads ISO 8859-1 too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// `1`: UTF-8.
    Utf8,
    /// `2`: ISO 8859-1.
    Latin1,
}

/// What the debtor pays with: the remittance information, of one kind at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remittance {
    /// None: the payer types it.
    None,
    /// A creditor reference (line 10): an RF reference or a betalingskenmerk.
    Structured(String),
    /// Free text (line 11).
    Unstructured(String),
}

/// A credit transfer to be initiated by a QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// BIC of the beneficiary's bank (optional in version 002).
    pub bic: Option<Bic>,
    /// The beneficiary's name.
    pub name: String,
    /// The beneficiary's account.
    pub iban: Iban,
    /// The amount; without it the payer types one.
    pub amount: Option<Cents>,
    /// An ISO 20022 purpose code.
    pub purpose: Option<String>,
    /// Reference or text.
    pub remittance: Remittance,
    /// A note shown to the payer, not sent with the payment.
    pub note: Option<String>,
}

/// A payload that breaks a rule: the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("EPC QR line {line} ({field}): {message}")]
pub struct EpcError {
    /// Line number, 1 to 12 (0 for the whole payload).
    pub line: usize,
    /// The element.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

fn err(line: usize, field: &'static str, message: impl Into<String>) -> EpcError {
    EpcError { line, field, message: message.into() }
}

/// `EUR` and the amount with a dot and no trailing zeros: `EUR12.3`, `EUR250`, `EUR1234.56`.
fn amount_text(c: Cents) -> String {
    let (euros, cents) = (c.cents() / 100, c.cents() % 100);
    match cents {
        0 => format!("EUR{euros}"),
        c if c % 10 == 0 => format!("EUR{euros}.{}", c / 10),
        c => format!("EUR{euros}.{c:02}"),
    }
}

fn parse_amount(s: &str) -> Result<Cents, String> {
    let digits = s.strip_prefix("EUR").ok_or("starts with EUR")?;
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok_whole =
        !whole.is_empty() && whole.len() <= 9 && whole.bytes().all(|b| b.is_ascii_digit()) && (whole == "0" || !whole.starts_with('0'));
    if !ok_whole || frac.len() > 2 || (digits.contains('.') && frac.is_empty()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{s}' is not EUR and an amount with at most two decimals"));
    }
    let euros: i64 = whole.parse().map_err(|_| format!("'{s}' is not a number"))?;
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| format!("'{s}' is not a number"))?;
    let total = euros * 100 + cents;
    if !(1..=99_999_999_999).contains(&total) {
        return Err(format!("'{s}' is outside EUR0.01 to EUR999999999.99"));
    }
    Cents::new(total).map_err(|e| e.to_string())
}

/// Checks the rules every transfer meets, whichever way it was made.
fn check(t: &Transfer) -> Result<(), EpcError> {
    let chars = |s: &str| s.chars().count();
    if t.name.trim().is_empty() || chars(&t.name) > 70 {
        return Err(err(6, "name", "1 to 70 characters"));
    }
    if let Some(a) = t.amount
        && !(1..=99_999_999_999).contains(&a.cents())
    {
        return Err(err(8, "amount", "EUR0.01 to EUR999999999.99"));
    }
    if let Some(p) = &t.purpose
        && (p.len() != 4 || !p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
    {
        return Err(err(9, "purpose", format!("'{p}' is not a 4-character purpose code")));
    }
    match &t.remittance {
        Remittance::Structured(r) => {
            if r.is_empty() || chars(r) > 35 {
                return Err(err(10, "reference", "1 to 35 characters"));
            }
            if r.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("RF")) {
                RfReference::parse(r).map_err(|e| err(10, "reference", e.to_string()))?;
            }
        }
        Remittance::Unstructured(text) if text.is_empty() || chars(text) > 140 => {
            return Err(err(11, "text", "1 to 140 characters"));
        }
        _ => {}
    }
    if let Some(n) = &t.note
        && (n.is_empty() || chars(n) > 70)
    {
        return Err(err(12, "note", "1 to 70 characters"));
    }
    // One element per line: no line break, and no other control character (a form feed, a
    // tab), which prints as nothing or garbage in a banking app.
    let remittance = match &t.remittance {
        Remittance::Structured(s) => Some((10, "reference", s)),
        Remittance::Unstructured(s) => Some((11, "text", s)),
        Remittance::None => None,
    };
    let texts = [(6, "name", Some(&t.name)), (12, "note", t.note.as_ref())];
    for (line, field, s) in texts.into_iter().filter_map(|(l, f, s)| s.map(|s| (l, f, s))).chain(remittance) {
        if s.contains(['\n', '\r']) {
            return Err(err(line, field, "a line break inside an element"));
        }
        if let Some(c) = s.chars().find(|c| c.is_control()) {
            return Err(err(line, field, format!("a control character (U+{:04X}); expected printable text", u32::from(c))));
        }
    }
    Ok(())
}

/// The payload for a transfer: version 002, UTF-8, at most 331 bytes.
pub fn encode(t: &Transfer) -> Result<Vec<u8>, EpcError> {
    check(t)?;
    let (structured, text) = match &t.remittance {
        Remittance::None => ("", ""),
        Remittance::Structured(r) => (r.as_str(), ""),
        Remittance::Unstructured(u) => ("", u.as_str()),
    };
    let reference = if structured.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("RF")) {
        RfReference::parse(structured).map(String::from).unwrap_or_default()
    } else {
        structured.to_string()
    };
    let lines = [
        "BCD".to_string(),
        "002".into(),
        "1".into(),
        "SCT".into(),
        t.bic.as_ref().map(|b| b.as_str().to_string()).unwrap_or_default(),
        t.name.trim().to_string(),
        t.iban.as_str().to_string(),
        t.amount.map(amount_text).unwrap_or_default(),
        t.purpose.clone().unwrap_or_default(),
        reference,
        text.to_string(),
        t.note.clone().unwrap_or_default(),
    ];
    let last = lines.iter().rposition(|l| !l.is_empty()).unwrap_or(0);
    let payload = lines[..=last].join("\n").into_bytes();
    if payload.len() > MAX_BYTES {
        return Err(err(0, "payload", format!("{} bytes; at most {MAX_BYTES} fit the QR code", payload.len())));
    }
    Ok(payload)
}

/// A payload read back, with its character set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Version 1 or 2.
    pub version: u8,
    /// The character set it was written in.
    pub charset: Charset,
    /// The transfer.
    pub transfer: Transfer,
}

/// Reads and checks a payload (version 001 or 002, UTF-8 or ISO 8859-1).
pub fn decode(bytes: &[u8]) -> Result<Decoded, EpcError> {
    if bytes.len() > MAX_BYTES {
        return Err(err(0, "payload", format!("{} bytes; at most {MAX_BYTES}", bytes.len())));
    }
    // Line 3 names the character set; the first lines are ASCII either way.
    let charset = match bytes.split(|b| *b == b'\n').nth(2).map(|l| l.strip_suffix(b"\r").unwrap_or(l)) {
        Some(b"1") => Charset::Utf8,
        Some(b"2") => Charset::Latin1,
        Some(other) => return Err(err(3, "charset", format!("'{}' is not 1 (UTF-8) or 2 (ISO 8859-1)", String::from_utf8_lossy(other)))),
        None => return Err(err(3, "charset", "missing")),
    };
    let text = match charset {
        Charset::Utf8 => String::from_utf8(bytes.to_vec()).map_err(|e| err(0, "payload", format!("not UTF-8: {e}")))?,
        Charset::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    if lines.len() > 12 {
        return Err(err(13, "payload", "more than 12 lines"));
    }
    let line = |i: usize| lines.get(i - 1).copied().unwrap_or("");
    let opt = |i: usize| Some(line(i).to_string()).filter(|s| !s.is_empty());
    if line(1) != "BCD" {
        return Err(err(1, "service tag", format!("'{}' is not BCD", line(1))));
    }
    let version = match line(2) {
        "001" => 1,
        "002" => 2,
        v => return Err(err(2, "version", format!("'{v}' is not 001 or 002"))),
    };
    if line(4) != "SCT" {
        return Err(err(4, "identification", format!("'{}' is not SCT", line(4))));
    }
    let bic = opt(5).map(|b| Bic::parse(&b).map_err(|e| err(5, "bic", e.to_string()))).transpose()?;
    if version == 1 && bic.is_none() {
        return Err(err(5, "bic", "version 001 requires the BIC"));
    }
    let iban = Iban::parse(line(7)).map_err(|e| err(7, "iban", e.to_string()))?;
    let amount = opt(8).map(|a| parse_amount(&a).map_err(|m| err(8, "amount", m))).transpose()?;
    let remittance = match (opt(10), opt(11)) {
        (Some(_), Some(_)) => return Err(err(11, "text", "a structured reference and text: at most one of lines 10 and 11")),
        // Written as Tegoed writes it: an RF reference without spaces, so a payload read and
        // written again says the same.
        (Some(r), None) if r.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("RF")) => {
            Remittance::Structured(String::from(RfReference::parse(&r).map_err(|e| err(10, "reference", e.to_string()))?))
        }
        (Some(r), None) => Remittance::Structured(r),
        (None, Some(u)) => Remittance::Unstructured(u),
        (None, None) => Remittance::None,
    };
    let transfer = Transfer { bic, name: line(6).trim().to_string(), iban, amount, purpose: opt(9), remittance, note: opt(12) };
    check(&transfer)?;
    Ok(Decoded { version, charset, transfer })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample(name: &str) -> Vec<u8> {
        let path = format!("{}/../../../shared/samples/epc-qr/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}; the shared samples must sit beside the project"))
    }

    fn iban(s: &str) -> Iban {
        Iban::parse(s).expect("iban")
    }

    fn c(v: i64) -> Cents {
        Cents::new(v).expect("cents")
    }

    #[test]
    fn tegoed_writes_the_sample_payloads_byte_for_byte() {
        let base = Transfer {
            bic: None,
            name: "Voorbeeld Incasso B.V.".into(),
            iban: iban("NL91ABNA0417164300"),
            amount: Some(c(123_456)),
            purpose: None,
            remittance: Remittance::Structured("RF492024000123".into()),
            note: None,
        };
        assert_eq!(encode(&base).expect("rf"), sample("nl_constructed_rf_reference.txt"));
        let kenmerk = Transfer {
            bic: Some(Bic::parse("ABNANL2A").expect("bic")),
            amount: Some(c(25_000)),
            remittance: Remittance::Structured("5000056789012345".into()),
            ..base.clone()
        };
        assert_eq!(encode(&kenmerk).expect("kenmerk"), sample("nl_constructed_betalingskenmerk_structured.txt"));
        let text = Transfer {
            amount: Some(c(9_995)),
            remittance: Remittance::Unstructured("Factuur 2024-000123 klantnr 4711".into()),
            note: Some("Herinnering 1".into()),
            ..base.clone()
        };
        assert_eq!(encode(&text).expect("text"), sample("nl_constructed_unstructured.txt"));
        let epc = Transfer {
            bic: Some(Bic::parse("BHBLDEHHXXX").expect("bic")),
            name: "Franz Mustermänn".into(),
            iban: iban("DE71110220330123456789"),
            amount: Some(c(1_230)),
            purpose: Some("GDDS".into()),
            remittance: Remittance::Structured("RF18539007547034".into()),
            note: None,
        };
        assert_eq!(encode(&epc).expect("epc"), sample("epc069-12_example1_v002.txt"));
    }

    #[test]
    fn every_valid_sample_reads_and_every_invalid_one_is_refused_at_its_line() {
        for name in [
            "epc069-12_example1_v002.txt",
            "epc069-12_example2_v002_latin1.txt",
            "nl_constructed_betalingskenmerk_structured.txt",
            "nl_constructed_rf_reference.txt",
            "nl_constructed_unstructured.txt",
            "wikipedia_redcross_v001.txt",
        ] {
            decode(&sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let latin = decode(&sample("epc069-12_example2_v002_latin1.txt")).expect("latin-1");
        assert_eq!((latin.charset, latin.transfer.name.as_str()), (Charset::Latin1, "François D'Alsace S.A."));
        assert_eq!(latin.transfer.remittance, Remittance::Unstructured("Client:Marie Louise La Lune".into()));
        assert_eq!(decode(&sample("wikipedia_redcross_v001.txt")).expect("v1").version, 1);
        let e = decode(&sample("invalid_amount_too_many_decimals.txt")).expect_err("three decimals");
        assert_eq!((e.line, e.field), (8, "amount"), "{e}");
        let e = decode(&sample("invalid_both_remittances.txt")).expect_err("both");
        assert_eq!(e.line, 11, "{e}");
    }

    #[test]
    fn control_characters_are_refused_and_what_is_read_is_written_the_same() {
        // Found by fuzzing: a form feed in the name was read, and trimmed away on writing.
        let e = decode("BCD\n002\n1\nSCT\n\nJan\u{c}sen\nNL91ABNA0417164300".as_bytes()).expect_err("refused");
        assert_eq!((e.line, e.field), (6, "name"));
        assert!(e.message.contains("U+000C"), "{e}");
        let e = decode("BCD\n002\n1\nSCT\n\nJansen\nNL91ABNA0417164300\n\n\n\nfactuur\t12".as_bytes()).expect_err("refused");
        assert_eq!((e.line, e.field), (11, "text"));
        // Spaces around the name and inside an RF reference: read as they are written.
        let d = decode("BCD\n002\n1\nSCT\n\n Jansen \nNL91ABNA0417164300\n\n\nRF18 5390 0754 7034".as_bytes()).expect("read");
        assert_eq!(d.transfer.name, "Jansen");
        assert_eq!(d.transfer.remittance, Remittance::Structured("RF18539007547034".into()));
        let again = decode(&encode(&d.transfer).expect("write")).expect("read");
        assert_eq!(again.transfer, d.transfer);
    }

    #[test]
    fn rules_are_enforced_when_writing() {
        let t = Transfer {
            bic: None,
            name: "X".into(),
            iban: iban("NL91ABNA0417164300"),
            amount: Some(c(100)),
            purpose: None,
            remittance: Remittance::Structured("RF19539007547034".into()),
            note: None,
        };
        assert_eq!(encode(&t).map_err(|e| e.line), Err(10), "a wrong RF reference");
        let long = Transfer { name: "N".repeat(71), remittance: Remittance::None, ..t.clone() };
        assert_eq!(encode(&long).map_err(|e| e.line), Err(6));
        let zero = Transfer { amount: Some(Cents::ZERO), remittance: Remittance::None, ..t.clone() };
        assert_eq!(encode(&zero).map_err(|e| e.line), Err(8));
        // A line break would start the next element: refused at the element's own line.
        let broken = Transfer { remittance: Remittance::Unstructured("factuur\n12".into()), ..t.clone() };
        let e = encode(&broken).expect_err("refused");
        assert_eq!((e.line, e.field, e.message.as_str()), (11, "text", "a line break inside an element"));
        let broken = Transfer { note: Some("zie\r\nbijlage".into()), remittance: Remittance::None, ..t.clone() };
        assert_eq!(encode(&broken).map_err(|e| (e.line, e.field)), Err((12, "note")));
        let bare = Transfer { amount: None, remittance: Remittance::None, ..t };
        assert_eq!(encode(&bare).expect("bare"), b"BCD\n002\n1\nSCT\n\nX\nNL91ABNA0417164300".to_vec(), "no trailing empty lines");
        for (text, ok) in
            [("EUR0.01", true), ("EUR999999999.99", true), ("EUR1000000000", false), ("EUR01", false), ("EUR1.", false), ("EUR", false)]
        {
            assert_eq!(parse_amount(text).is_ok(), ok, "{text}");
        }
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back_the_same(
            name in "[A-Za-zÀ-ÿ .'&-]{1,70}",
            cents in proptest::option::of(1i64..99_999_999_999),
            kind in 0u8..3,
            text in "[A-Za-z0-9 /:-]{1,140}",
            n in 1u64..1_000_000_000,
            note in proptest::option::of("[A-Za-z0-9 ]{1,70}"),
        ) {
            prop_assume!(!name.trim().is_empty() && name.trim() == name);
            let remittance = match kind {
                0 => Remittance::None,
                1 => Remittance::Structured(RfReference::issue(&n.to_string()).expect("rf").to_string()),
                _ => Remittance::Unstructured(text),
            };
            let t = Transfer { bic: None, name, iban: iban("NL91ABNA0417164300"), amount: cents.map(c), purpose: None, remittance, note };
            match encode(&t) {
                Ok(bytes) => {
                    prop_assert!(bytes.len() <= MAX_BYTES);
                    prop_assert_eq!(decode(&bytes).expect("reads back").transfer, t);
                }
                Err(e) => prop_assert_eq!(e.line, 0, "only the size may refuse a valid transfer: {}", e),
            }
        }
    }
}
