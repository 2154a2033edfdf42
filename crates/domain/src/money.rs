//! Exact money: euro cents in an `i64`, never a float.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// An amount of euro, in cents. Negative amounts exist (refunds, credit balances); every
/// arithmetic helper that could overflow is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = i64, example = 12150))]
pub struct Cents(i64);

impl TryFrom<i64> for Cents {
    type Error = Invalid;
    fn try_from(cents: i64) -> Result<Self, Invalid> {
        Cents::new(cents)
    }
}

impl From<Cents> for i64 {
    fn from(c: Cents) -> i64 {
        c.0
    }
}

/// The largest amount Tegoed accepts from outside: one hundred billion euro. Far above any
/// invoice, far below `i64::MAX`, so sums of millions of amounts cannot overflow.
pub const MAX_ABS_CENTS: i64 = 10_000_000_000_000;

impl Cents {
    /// Zero euro.
    pub const ZERO: Cents = Cents(0);

    /// An amount of cents, refused when beyond ±[`MAX_ABS_CENTS`].
    pub fn new(cents: i64) -> Result<Self, Invalid> {
        if cents.checked_abs().is_none_or(|a| a > MAX_ABS_CENTS) {
            return Err(Invalid::new("amount", format!("{cents} cents is beyond the largest amount Tegoed accepts")));
        }
        Ok(Cents(cents))
    }

    /// An amount that must not be negative (an invoice total, a payment received).
    pub fn non_negative(cents: i64) -> Result<Self, Invalid> {
        let c = Self::new(cents)?;
        if c.0 < 0 {
            return Err(Invalid::new("amount", format!("{} is negative; expected zero or more", c)));
        }
        Ok(c)
    }

    /// Cents from a trusted source (the database, an arithmetic result already checked).
    pub const fn from_cents_unchecked(cents: i64) -> Self {
        Cents(cents)
    }

    /// The amount in cents.
    pub const fn cents(self) -> i64 {
        self.0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Whether the amount is above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Sum that reports overflow instead of wrapping.
    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }

    /// Difference that reports overflow instead of wrapping.
    pub fn checked_sub(self, other: Cents) -> Option<Cents> {
        self.0.checked_sub(other.0).map(Cents)
    }

    /// The amount written the Dutch way for people: `€ 1.234,56`, `-€ 12,00`.
    pub fn to_dutch(self) -> String {
        self.grouped("€ ", '.', ',')
    }

    /// The amount written for people in their language: `€ 1.234,56` in Dutch, `€1,234.56` in
    /// English.
    pub fn written(self, language: crate::debtor::Language) -> String {
        match language {
            crate::debtor::Language::Nl => self.to_dutch(),
            crate::debtor::Language::En => self.grouped("€", ',', '.'),
        }
    }

    fn grouped(self, symbol: &str, thousands: char, decimal: char) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let euros = (abs / 100).to_string();
        let mut grouped = String::with_capacity(euros.len() + euros.len() / 3);
        for (i, ch) in euros.chars().enumerate() {
            if i > 0 && (euros.len() - i).is_multiple_of(3) {
                grouped.push(thousands);
            }
            grouped.push(ch);
        }
        format!("{sign}{symbol}{grouped}{decimal}{:02}", abs % 100)
    }

    /// Parses an amount as people and exports write it: `1234.56`, `1234,56`, `1.234,56`,
    /// `1,234.56`, `€ 12`, `-3,5`. At most two decimals. A lone separator followed by exactly
    /// three digits (`1.234`) is refused as ambiguous rather than guessed.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let err = |why: &str| Invalid::new("amount", format!("'{input}' is not an amount: {why}"));
        let mut s: String = input.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
        let negative = if let Some(rest) = s.strip_prefix('-') {
            s = rest.to_string();
            true
        } else {
            false
        };
        if let Some(rest) = s.strip_prefix('€') {
            s = rest.to_string();
        } else if let Some(rest) = s.strip_prefix("EUR") {
            s = rest.to_string();
        }
        let negative = if !negative && let Some(rest) = s.strip_prefix('-') {
            s = rest.to_string();
            true
        } else {
            negative
        };
        if s.is_empty() {
            return Err(err("no digits"));
        }
        if let Some(bad) = s.chars().find(|c| !c.is_ascii_digit() && *c != '.' && *c != ',') {
            return Err(err(&format!("unexpected character '{bad}'")));
        }
        let last_dot = s.rfind('.');
        let last_comma = s.rfind(',');
        // The decimal separator is the last separator when both kinds appear; the other is grouping.
        let (int_part, frac_part, grouping) = match (last_dot, last_comma) {
            (None, None) => (s.as_str(), "", None),
            (Some(d), Some(c)) => {
                let (dec, grp) = if d > c { (d, ',') } else { (c, '.') };
                let dec_char = s.as_bytes()[dec] as char;
                if s[dec + 1..].contains([',', '.']) || s.matches(dec_char).count() > 1 {
                    return Err(err("separators in the wrong order"));
                }
                (&s[..dec], &s[dec + 1..], Some(grp))
            }
            (Some(p), None) | (None, Some(p)) => {
                let sep = s.as_bytes()[p] as char;
                let count = s.matches(sep).count();
                let after = s.len() - p - 1;
                if count > 1 {
                    // 1.234.567 : grouping only, no decimals.
                    (s.as_str(), "", Some(sep))
                } else if after == 3 {
                    return Err(err(&format!(
                        "'{sep}' followed by three digits could be a thousands separator or a decimal point; write it with two decimals"
                    )));
                } else {
                    (&s[..p], &s[p + 1..], None)
                }
            }
        };
        let digits_int: String = match grouping {
            Some(g) => {
                let groups: Vec<&str> = int_part.split(g).collect();
                let first_ok = !groups[0].is_empty() && groups[0].len() <= 3;
                if !first_ok || groups[1..].iter().any(|grp| grp.len() != 3) {
                    return Err(err(&format!("'{g}' does not separate groups of three digits")));
                }
                groups.concat()
            }
            None => int_part.to_string(),
        };
        if digits_int.is_empty() && frac_part.is_empty() {
            return Err(err("no digits"));
        }
        if frac_part.len() > 2 {
            return Err(err("more than two decimals"));
        }
        if frac_part.contains([',', '.']) || digits_int.contains([',', '.']) {
            return Err(err("separators in the wrong place"));
        }
        if digits_int.len() > 15 {
            return Err(err("too large"));
        }
        let euros: i64 = if digits_int.is_empty() { 0 } else { digits_int.parse().map_err(|_| err("not a number"))? };
        let cents: i64 = match frac_part.len() {
            0 => 0,
            1 => frac_part.parse::<i64>().map_err(|_| err("not a number"))? * 10,
            _ => frac_part.parse::<i64>().map_err(|_| err("not a number"))?,
        };
        let total = euros.checked_mul(100).and_then(|e| e.checked_add(cents)).ok_or_else(|| err("too large"))?;
        Cents::new(if negative { -total } else { total })
    }
}

impl fmt::Display for Cents {
    /// Machine form with two decimals and a dot: `1234.56`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Cents {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cents::parse(s)
    }
}

impl Add for Cents {
    type Output = Cents;
    /// Panics on overflow, which amounts within [`MAX_ABS_CENTS`] cannot reach in any realistic sum.
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0.strict_add(rhs.0))
    }
}

impl Sub for Cents {
    type Output = Cents;
    /// Panics on overflow, like [`Add`].
    fn sub(self, rhs: Cents) -> Cents {
        Cents(self.0.strict_sub(rhs.0))
    }
}

impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_ways_people_write_amounts() {
        for (input, cents) in [
            ("1234.56", 123456),
            ("1234,56", 123456),
            ("1.234,56", 123456),
            ("1,234.56", 123456),
            ("1.234.567,89", 123456789),
            ("1.234.567", 123456700),
            ("€ 12", 1200),
            ("€12,5", 1250),
            ("-3,5", -350),
            ("€ -3,50", -350),
            ("0,05", 5),
            (",05", 5),
            ("  121,00 ", 12100),
            ("EUR 99.99", 9999),
            ("0", 0),
        ] {
            assert_eq!(Cents::parse(input).map(Cents::cents), Ok(cents), "{input}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_read_for_sure() {
        for (input, why) in [
            ("1.234", "three digits"),
            ("12,345", "three digits"),
            ("1,2345", "more than two decimals"),
            ("1.2345", "more than two decimals"),
            ("12.345,678", "more than two decimals"),
            ("1,23.45", "groups of three"),
            ("12a", "unexpected character 'a'"),
            ("", "no digits"),
            ("€", "no digits"),
            ("1.000,00.00", "wrong order"),
            ("99999999999999999", "too large"),
        ] {
            let err = Cents::parse(input).expect_err(input);
            assert!(err.reason.contains(why), "{input}: {}", err.reason);
            assert!(err.reason.contains(&format!("'{input}'")), "error names the input: {}", err.reason);
        }
    }

    #[test]
    fn writes_machine_and_dutch_forms() {
        let c = Cents::new(123456789).expect("in range");
        assert_eq!(c.to_string(), "1234567.89");
        assert_eq!(c.to_dutch(), "€ 1.234.567,89");
        assert_eq!(Cents::new(-5).expect("in range").to_string(), "-0.05");
        assert_eq!(Cents::new(-1200).expect("in range").to_dutch(), "-€ 12,00");
        assert_eq!(Cents::ZERO.to_dutch(), "€ 0,00");
    }

    #[test]
    fn bounds_are_enforced() {
        assert!(Cents::new(MAX_ABS_CENTS).is_ok());
        assert!(Cents::new(-MAX_ABS_CENTS).is_ok());
        assert!(Cents::new(MAX_ABS_CENTS + 1).is_err());
        assert!(Cents::new(i64::MIN).is_err());
        assert!(Cents::non_negative(-1).is_err());
        assert!(Cents::non_negative(0).is_ok());
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(c in -MAX_ABS_CENTS..=MAX_ABS_CENTS) {
            let cents = Cents::new(c).expect("in range");
            prop_assert_eq!(Cents::parse(&cents.to_string()), Ok(cents));
        }

        #[test]
        fn dutch_form_round_trips(c in -MAX_ABS_CENTS..=MAX_ABS_CENTS) {
            let cents = Cents::new(c).expect("in range");
            prop_assert_eq!(Cents::parse(&cents.to_dutch()), Ok(cents));
        }

        #[test]
        fn addition_is_exact_and_reversible(a in -MAX_ABS_CENTS..=MAX_ABS_CENTS, b in -MAX_ABS_CENTS..=MAX_ABS_CENTS) {
            let (x, y) = (Cents::new(a).expect("in range"), Cents::new(b).expect("in range"));
            prop_assert_eq!((x + y).cents(), a + b);
            prop_assert_eq!(x + y - y, x);
            prop_assert_eq!(x + y, y + x);
            prop_assert_eq!(-(-x), x);
        }

        #[test]
        fn sums_equal_integer_sums(v in proptest::collection::vec(-MAX_ABS_CENTS..=MAX_ABS_CENTS, 0..50)) {
            let total: Cents = v.iter().map(|&c| Cents::new(c).expect("in range")).sum();
            prop_assert_eq!(total.cents(), v.iter().sum::<i64>());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = Cents::parse(&s);
        }
    }
}
