//! Payment references a debtor quotes when paying, so that the payment finds its invoice: the
//! Dutch betalingskenmerk and the international ISO 11649 RF creditor reference.
//!
//! Betalingskenmerk: Betaalvereniging Nederland, "De specificaties van het Nederlandse
//! betalingskenmerk" — 7 to 16 digits (not 8 or 15); from 9 digits on a check digit first,
//! "gewogen modulus 11" over the digits after it with weights 2, 4, 8, 5, 10, 9, 7, 3, 6, 1 from
//! the right; for 9 to 14 digits a length digit second (the number of digits after it, modulo 10).
//! RF: ISO 11649 — `RF`, two check digits, 1 to 21 letters or digits; mod 97 over the reference
//! with `RF` and the check digits moved to the end is 1 (as for an IBAN). Both summarised, with
//! worked examples, in `../shared/docs/formats.md` §3 and §4.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// Weights of the betalingskenmerk check, from the right-most digit leftwards, repeating.
const KENMERK_WEIGHTS: [u32; 10] = [2, 4, 8, 5, 10, 9, 7, 3, 6, 1];

/// The check digit of a betalingskenmerk over the digits after it.
fn kenmerk_check_digit(body: &[u8]) -> u8 {
    let a: u32 = body.iter().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * KENMERK_WEIGHTS[i % 10]).sum();
    match 11 - a % 11 {
        10 => 1,
        11 => 0,
        c => u8::try_from(c).unwrap_or(0),
    }
}

/// A Dutch betalingskenmerk, as digits without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Betalingskenmerk(String);

impl Betalingskenmerk {
    /// Reads a kenmerk, with or without spaces; checks length, length digit and check digit.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let err = |m: String| Invalid::new("betalingskenmerk", m);
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(format!("'{input}' is not a number of 7 to 16 digits")));
        }
        let b = digits.as_bytes();
        match b.len() {
            7 => {}
            9..=14 => {
                let length_digit = (b.len() - 2) % 10;
                if usize::from(b[1] - b'0') != length_digit {
                    return Err(err(format!("the second digit of a {}-digit kenmerk is {length_digit}", b.len())));
                }
            }
            16 => {}
            n => return Err(err(format!("{n} digits: a kenmerk has 7, 9 to 14, or 16 digits"))),
        }
        if b.len() > 7 && kenmerk_check_digit(&b[1..]) != b[0] - b'0' {
            return Err(err(format!("'{input}' fails its check digit: a digit is wrong")));
        }
        Ok(Betalingskenmerk(digits))
    }

    /// The 16-digit kenmerk for a number below 10^15 (a check digit, then the number with leading
    /// zeros), the form Tegoed issues.
    pub fn issue(number: u64) -> Result<Self, Invalid> {
        if number >= 1_000_000_000_000_000 {
            return Err(Invalid::new("betalingskenmerk", format!("{number} has more than 15 digits")));
        }
        let body = format!("{number:015}");
        let c = kenmerk_check_digit(body.as_bytes());
        Ok(Betalingskenmerk(format!("{c}{body}")))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Printed in groups of four from the left: `5000 0567 8901 2345`.
    pub fn grouped(&self) -> String {
        group_by_four(&self.0)
    }
}

fn group_by_four(s: &str) -> String {
    s.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

impl TryFrom<String> for Betalingskenmerk {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Betalingskenmerk::parse(&s)
    }
}

impl From<Betalingskenmerk> for String {
    fn from(k: Betalingskenmerk) -> String {
        k.0
    }
}

impl fmt::Display for Betalingskenmerk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `n mod 97` of a string of letters and digits, letters counting as 10 (A) to 35 (Z), computed
/// piecewise (no big integers).
fn mod97(chars: impl Iterator<Item = u8>) -> u32 {
    chars.fold(0u32, |acc, c| {
        let v = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
        if v >= 10 { (acc * 100 + v) % 97 } else { (acc * 10 + v) % 97 }
    })
}

/// An ISO 11649 RF creditor reference, upper case without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RfReference(String);

impl RfReference {
    /// Reads an RF reference, with or without spaces, in any case; checks its check digits.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let err = |m: String| Invalid::new("rf_reference", m);
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() < 5 || b.len() > 25 || !s.starts_with("RF") || !b[2..4].iter().all(u8::is_ascii_digit) {
            return Err(err(format!("'{input}' is not RF, two check digits and 1 to 21 letters or digits")));
        }
        if !b[4..].iter().all(u8::is_ascii_alphanumeric) {
            return Err(err(format!("'{input}' has a character other than a letter or digit")));
        }
        if mod97(b[4..].iter().chain(&b[..4]).copied()) != 1 {
            return Err(err(format!("'{input}' fails its check digits: a character is wrong")));
        }
        Ok(RfReference(s))
    }

    /// The RF reference for a creditor's own reference of 1 to 21 letters or digits.
    pub fn issue(reference: &str) -> Result<Self, Invalid> {
        let r = reference.to_ascii_uppercase();
        if r.is_empty() || r.len() > 21 || !r.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Invalid::new("rf_reference", format!("'{reference}' is not 1 to 21 letters or digits")));
        }
        let check = 98 - mod97(r.bytes().chain(*b"RF00"));
        Ok(RfReference(format!("RF{check:02}{r}")))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Printed in groups of four: `RF18 5390 0754 7034`.
    pub fn grouped(&self) -> String {
        group_by_four(&self.0)
    }
}

impl TryFrom<String> for RfReference {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        RfReference::parse(&s)
    }
}

impl From<RfReference> for String {
    fn from(r: RfReference) -> String {
        r.0
    }
}

impl fmt::Display for RfReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A structured payment reference of either kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentReference {
    /// A Dutch betalingskenmerk.
    Kenmerk(Betalingskenmerk),
    /// An ISO 11649 RF reference.
    Rf(RfReference),
}

impl PaymentReference {
    /// Reads either kind: `RF…` as an RF reference, digits as a kenmerk.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        if input.trim_start().get(..2).is_some_and(|p| p.eq_ignore_ascii_case("RF")) {
            RfReference::parse(input).map(PaymentReference::Rf)
        } else {
            Betalingskenmerk::parse(input).map(PaymentReference::Kenmerk)
        }
    }

    /// The reference as stored and exchanged.
    pub fn as_str(&self) -> &str {
        match self {
            PaymentReference::Kenmerk(k) => k.as_str(),
            PaymentReference::Rf(r) => r.as_str(),
        }
    }

    /// References quoted in free text (a transfer's description), each only if its check digits
    /// hold: 9- to 16-digit kenmerken (written with or without spaces between groups of digits)
    /// and RF references. A 7-digit kenmerk has no check digit and is never taken from free text.
    pub fn find_in_text(text: &str) -> Vec<PaymentReference> {
        let mut found: Vec<PaymentReference> = Vec::new();
        let mut push = |r: PaymentReference| {
            if !found.contains(&r) {
                found.push(r);
            }
        };
        // Runs of digits joined by single spaces: "5000 0567 8901 2345" is one candidate.
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
                i += 1;
                continue;
            }
            let mut digits = String::new();
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || (b[j] == b' ' && j + 1 < b.len() && b[j + 1].is_ascii_digit())) {
                if b[j] != b' ' {
                    digits.push(char::from(b[j]));
                }
                j += 1;
            }
            let alone = j >= b.len() || !b[j].is_ascii_alphabetic();
            if alone && (9..=16).contains(&digits.len()) {
                if let Ok(k) = Betalingskenmerk::parse(&digits) {
                    push(PaymentReference::Kenmerk(k));
                }
            } else if alone && digits.len() > 16 {
                // Groups run together with other numbers: try each 16-digit window on group borders.
                for start in (0..=digits.len() - 16).step_by(4) {
                    if let Ok(k) = Betalingskenmerk::parse(&digits[start..start + 16]) {
                        push(PaymentReference::Kenmerk(k));
                    }
                }
            }
            i = j.max(i + 1);
        }
        // RF references: "RF", two digits, then letters and digits, spaces allowed between groups.
        let upper = text.to_ascii_uppercase();
        let u = upper.as_bytes();
        for start in 0..u.len().saturating_sub(4) {
            if &u[start..start + 2] != b"RF" || (start > 0 && u[start - 1].is_ascii_alphanumeric()) {
                continue;
            }
            let mut candidate = String::new();
            let mut j = start;
            while j < u.len() && candidate.len() < 25 {
                let c = u[j];
                if c.is_ascii_alphanumeric() {
                    candidate.push(char::from(c));
                } else if !(c == b' ' && j + 1 < u.len() && u[j + 1].is_ascii_alphanumeric()) {
                    break;
                }
                j += 1;
            }
            // The longest prefix that checks out: a reference may be followed by other words.
            for end in (5..=candidate.len()).rev() {
                if let Ok(r) = RfReference::parse(&candidate[..end]) {
                    push(PaymentReference::Rf(r));
                    break;
                }
            }
        }
        found
    }
}

impl fmt::Display for PaymentReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The shared test vectors: kind, value, valid or invalid, source.
    fn vectors() -> Vec<(String, String, bool)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/references/test-vectors.tsv");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}; the shared samples must sit beside the project"));
        text.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[0].to_string(), f[1].to_string(), f[2] == "valid")
            })
            .collect()
    }

    #[test]
    fn every_shared_test_vector_is_judged_as_expected() {
        let v = vectors();
        assert!(v.iter().filter(|(k, _, _)| k == "betalingskenmerk").count() >= 25);
        assert!(v.iter().filter(|(k, _, _)| k == "rf").count() >= 7);
        for (kind, value, valid) in v {
            let got = match kind.as_str() {
                "betalingskenmerk" => Betalingskenmerk::parse(&value).is_ok(),
                "rf" => RfReference::parse(&value).is_ok(),
                "iban" => crate::contact::Iban::parse(&value).is_ok(),
                other => panic!("unknown kind {other}"),
            };
            assert_eq!(got, valid, "{kind} {value}");
        }
    }

    #[test]
    fn issued_references_match_the_worked_examples() {
        assert_eq!(Betalingskenmerk::issue(56_789_012_345).map(|k| k.grouped()).ok().as_deref(), Some("5000 0567 8901 2345"));
        assert_eq!(Betalingskenmerk::issue(1).map(|k| k.to_string()).ok().as_deref(), Some("9000000000000001"));
        assert!(Betalingskenmerk::issue(1_000_000_000_000_000).is_err());
        assert_eq!(RfReference::issue("539007547034").map(|r| r.grouped()).ok().as_deref(), Some("RF18 5390 0754 7034"));
        assert_eq!(RfReference::issue("inv2024001").map(|r| r.to_string()).ok().as_deref(), Some("RF78INV2024001"));
        assert!(RfReference::issue("").is_err() && RfReference::issue("A-1").is_err() && RfReference::issue(&"1".repeat(22)).is_err());
        assert_eq!(Betalingskenmerk::parse("5000 0567 8901 2345").map(String::from).ok().as_deref(), Some("5000056789012345"));
        assert_eq!(RfReference::parse("rf18 5390 0754 7034").map(String::from).ok().as_deref(), Some("RF18539007547034"));
        let e = Betalingskenmerk::parse("123456789012345").expect_err("15 digits");
        assert!(e.to_string().contains("15 digits"), "{e}");
    }

    #[test]
    fn references_are_found_in_free_text_only_with_valid_check_digits() {
        let text = "Betaling fact 2024-001 kenmerk 5000 0567 8901 2345, ook RF18 5390 0754 7034 en 9001123412341234 (fake)";
        let found: Vec<String> = PaymentReference::find_in_text(text).iter().map(ToString::to_string).collect();
        assert_eq!(found, ["5000056789012345", "RF18539007547034"]);
        assert_eq!(PaymentReference::find_in_text("/REMI/STRD/ISO/RF35567890123456789012345/").len(), 1);
        assert!(PaymentReference::find_in_text("order 1234567 of 12-03-2024, tel 0612345678").is_empty(), "no check digit, no match");
        assert_eq!(PaymentReference::find_in_text("kenmerk:1067931951601240").len(), 1);
        assert_eq!(PaymentReference::find_in_text("AB5000056789012345").len(), 0, "not when glued to letters");
        assert!(matches!(PaymentReference::parse("RF45G72UUR"), Ok(PaymentReference::Rf(_))));
        assert!(matches!(PaymentReference::parse("271234567"), Ok(PaymentReference::Kenmerk(_))));
    }

    proptest! {
        #[test]
        fn issued_kenmerken_validate_and_a_wrong_check_digit_never_does(n in 0u64..1_000_000_000_000_000, wrong in 1u8..10) {
            let k = Betalingskenmerk::issue(n).expect("issue");
            prop_assert_eq!(k.as_str().len(), 16);
            prop_assert_eq!(Betalingskenmerk::parse(&k.grouped()).expect("valid"), k.clone());
            let mut b = k.as_str().as_bytes().to_vec();
            b[0] = b'0' + (b[0] - b'0' + wrong) % 10;
            prop_assert!(Betalingskenmerk::parse(std::str::from_utf8(&b).expect("ascii")).is_err());
            prop_assert_eq!(PaymentReference::find_in_text(&format!("betaling {} dank", k.grouped())), vec![PaymentReference::Kenmerk(k)]);
        }

        #[test]
        fn issued_rf_references_validate_and_catch_any_single_substitution(
            r in "[A-Z0-9]{1,21}", at in any::<prop::sample::Index>(), to in "[A-Z0-9]"
        ) {
            let rf = RfReference::issue(&r).expect("issue");
            prop_assert_eq!(RfReference::parse(&rf.grouped().to_lowercase()).expect("valid"), rf.clone());
            let mut b = rf.as_str().as_bytes().to_vec();
            let i = 2 + at.index(b.len() - 2);
            let c = to.as_bytes()[0];
            prop_assume!(b[i] != c && b[i].is_ascii_digit() == c.is_ascii_digit());
            b[i] = c;
            prop_assert!(RfReference::parse(std::str::from_utf8(&b).expect("ascii")).is_err());
        }
    }
}
