//! Identifiers and contact details that come from outside: IBAN, BIC, email, phone, KvK, VAT id,
//! postal address. Each is parsed once into a type that can only hold a valid value.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Invalid;

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident, $example:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = $example))]
        pub struct $name(String);

        impl $name {
            /// The value in its normalised form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Invalid;
            fn try_from(s: String) -> Result<Self, Invalid> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Invalid;
            fn from_str(s: &str) -> Result<Self, Invalid> {
                $name::parse(s)
            }
        }
    };
}

string_newtype!(
    /// An International Bank Account Number (ISO 13616), stored without spaces, upper case.
    /// Country format and mod-97 check from the SWIFT IBAN registry via `iban_validate`.
    Iban,
    "NL91ABNA0417164300"
);

impl Iban {
    /// Accepts spaces and lower case, as people type and print IBANs.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        use iban::IbanLike;
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        let parsed: iban::Iban = compact.parse().map_err(|e| Invalid::new("IBAN", format!("'{input}' is not a valid IBAN: {e}")))?;
        Ok(Iban(parsed.electronic_str().to_string()))
    }

    /// The IBAN in groups of four, as printed on reminders (`NL91 ABNA 0417 1643 00`).
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + self.0.len() / 4);
        for (i, ch) in self.0.chars().enumerate() {
            if i > 0 && i.is_multiple_of(4) {
                out.push(' ');
            }
            out.push(ch);
        }
        out
    }
}

string_newtype!(
    /// A Business Identifier Code (ISO 9362): 4 letters bank, 2 letters country, 2 location,
    /// optionally 3 branch characters.
    Bic,
    "ABNANL2A"
);

impl Bic {
    /// Accepts lower case and surrounding spaces.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let ok =
            (b.len() == 8 || b.len() == 11) && b[..6].iter().all(u8::is_ascii_uppercase) && b[6..].iter().all(u8::is_ascii_alphanumeric);
        if !ok {
            return Err(Invalid::new("BIC", format!("'{input}' is not a BIC: expected 8 or 11 characters, the first six letters")));
        }
        Ok(Bic(s))
    }
}

string_newtype!(
    /// An email address, checked for the shape mail servers accept (RFC 5321 lengths, one `@`,
    /// a domain with a dot); whether it exists is learnt from delivery, not guessed here.
    EmailAddress,
    "j.de.vries@example.nl"
);

impl EmailAddress {
    /// Trims spaces and lower-cases the domain (the local part is case-sensitive by the RFC).
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        let err = |why: &str| Invalid::new("email address", format!("'{input}' is not an email address: {why}"));
        let (local, domain) = s.rsplit_once('@').ok_or_else(|| err("no '@'"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(err("the part before '@' must be 1 to 64 characters"));
        }
        if s.len() > 254 {
            return Err(err("longer than 254 characters"));
        }
        if local.contains('@') || s.chars().any(|c| c.is_whitespace() || c.is_control() || "<>(),;:\"[]\\".contains(c)) {
            return Err(err("contains a character that is not allowed"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(err("misplaced dot before '@'"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(err("the domain after '@' is not a valid host name"));
        }
        Ok(EmailAddress(format!("{local}@{}", domain.to_lowercase())))
    }
}

string_newtype!(
    /// A phone number in international E.164 form (`+31612345678`). Dutch national numbers
    /// (`06-12345678`, `020 123 4567`) are turned into it.
    PhoneNumber,
    "+31612345678"
);

impl PhoneNumber {
    /// Accepts spaces, dashes, dots and brackets; `00` and `0` prefixes as dialled in the Netherlands.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let err = |why: &str| Invalid::new("phone number", format!("'{input}' is not a phone number: {why}"));
        let trimmed = input.trim();
        if let Some(bad) = trimmed.chars().find(|c| !(c.is_ascii_digit() || " -.()+/".contains(*c))) {
            return Err(err(&format!("unexpected character '{bad}'")));
        }
        let plus = trimmed.starts_with('+');
        if trimmed[usize::from(plus)..].contains('+') {
            return Err(err("'+' may only come first"));
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_string()
        } else if let Some(rest) = digits.strip_prefix('0') {
            // A Dutch national number: ten digits with the leading 0 (numbering plan of the ACM).
            if digits.len() != 10 {
                return Err(err("a Dutch number has ten digits starting with 0"));
            }
            format!("31{rest}")
        } else {
            return Err(err("start with + and the country code, or with 0 for a Dutch number"));
        };
        if !(8..=15).contains(&international.len()) || international.starts_with('0') {
            return Err(err("an international number has 8 to 15 digits after the +"));
        }
        Ok(PhoneNumber(format!("+{international}")))
    }
}

string_newtype!(
    /// A Dutch Chamber of Commerce (KvK) number: eight digits.
    KvkNumber,
    "12345678"
);

impl KvkNumber {
    /// Accepts surrounding spaces.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new("KvK number", format!("'{input}' is not a KvK number: expected eight digits")));
        }
        Ok(KvkNumber(s.to_string()))
    }
}

string_newtype!(
    /// A VAT identification number. Dutch ones (`NL` + 9 digits + `B` + 2 digits, the format of
    /// the Belastingdienst's btw-identificatienummer) are checked in full; other EU ones by shape
    /// (two-letter country prefix, 2 to 13 letters or digits, as in VIES).
    VatId,
    "NL123456789B01"
);

impl VatId {
    /// Accepts spaces, dots and lower case.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s: String = input.chars().filter(|c| !c.is_whitespace() && *c != '.').collect::<String>().to_ascii_uppercase();
        let err = |why: &str| Invalid::new("VAT id", format!("'{input}' is not a VAT id: {why}"));
        let b = s.as_bytes();
        if b.len() < 4 || !b[..2].iter().all(u8::is_ascii_uppercase) {
            return Err(err("expected a two-letter country prefix and the number"));
        }
        if &s[..2] == "NL" {
            let ok = b.len() == 14 && b[2..11].iter().all(u8::is_ascii_digit) && b[11] == b'B' && b[12..].iter().all(u8::is_ascii_digit);
            if !ok {
                return Err(err("a Dutch VAT id is NL, nine digits, B and two digits"));
            }
        } else if !(4..=15).contains(&b.len()) || !b[2..].iter().all(u8::is_ascii_alphanumeric) {
            return Err(err("expected 2 to 13 letters or digits after the country prefix"));
        }
        Ok(VatId(s))
    }
}

/// A postal address, as printed in the window of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AddressInput")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    /// Street and house number, one line.
    pub street: String,
    /// Postal code; Dutch ones normalised to `1234 AB`.
    pub postcode: String,
    /// City.
    pub city: String,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default = "default_country")]
    pub country: String,
}

fn default_country() -> String {
    "NL".to_string()
}

/// An address as it arrives, before [`Address::parse`] has checked it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddressInput {
    street: String,
    postcode: String,
    city: String,
    #[serde(default = "default_country")]
    country: String,
}

impl TryFrom<AddressInput> for Address {
    type Error = Invalid;
    fn try_from(a: AddressInput) -> Result<Self, Invalid> {
        Address::parse(&a.street, &a.postcode, &a.city, &a.country)
    }
}

impl Address {
    /// Checks that every line is filled and normalises the Dutch postcode (four digits, the first
    /// not 0, two letters other than SA, SD and SS, as PostNL issues them).
    pub fn parse(street: &str, postcode: &str, city: &str, country: &str) -> Result<Self, Invalid> {
        let country = country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Invalid::new("country", format!("'{country}' is not a two-letter country code")));
        }
        if street.trim().is_empty() || city.trim().is_empty() {
            return Err(Invalid::new("address", "street and city must not be empty"));
        }
        let postcode = if country == "NL" {
            let compact: String = postcode.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
            let b = compact.as_bytes();
            let ok = b.len() == 6
                && b[0] != b'0'
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4..].iter().all(u8::is_ascii_uppercase)
                && !matches!(&compact[4..], "SA" | "SD" | "SS");
            if !ok {
                return Err(Invalid::new(
                    "postcode",
                    format!("'{postcode}' is not a Dutch postcode: expected four digits and two letters, like 1234 AB"),
                ));
            }
            format!("{} {}", &compact[..4], &compact[4..])
        } else {
            postcode.trim().to_string()
        };
        Ok(Address { street: street.trim().to_string(), postcode, city: city.trim().to_string(), country })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn iban_accepts_printed_forms_and_refuses_bad_checksums() {
        let i = Iban::parse("nl91 abna 0417 1643 00").expect("valid");
        assert_eq!(i.as_str(), "NL91ABNA0417164300");
        assert_eq!(i.grouped(), "NL91 ABNA 0417 1643 00");
        assert!(Iban::parse("GB82WEST12345698765432").is_ok());
        let e = Iban::parse("NL92ABNA0417164300").expect_err("checksum");
        assert!(e.reason.contains("NL92ABNA0417164300"));
        assert!(Iban::parse("NL91ABNA041716430").is_err(), "too short for NL");
    }

    #[test]
    fn iban_test_vectors_from_the_samples() {
        // ../shared/samples/references/test-vectors.tsv lists these as valid.
        for iban in ["NL91ABNA0417164300", "GB82WEST12345698765432", "DE89370400440532013000"] {
            assert!(Iban::parse(iban).is_ok(), "{iban}");
        }
    }

    #[test]
    fn email_shapes() {
        assert_eq!(EmailAddress::parse(" Jan@Example.NL ").expect("valid").as_str(), "Jan@example.nl");
        for bad in
            ["jan", "jan@", "@example.nl", "jan@example", "jan de vries@example.nl", "jan@@example.nl", "jan..x@example.nl", "jan@-x.nl"]
        {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_numbers_become_e164() {
        assert_eq!(PhoneNumber::parse("06-12345678").expect("valid").as_str(), "+31612345678");
        assert_eq!(PhoneNumber::parse("020 123 4567").expect("valid").as_str(), "+31201234567");
        assert_eq!(PhoneNumber::parse("0032 2 123 45 67").expect("valid").as_str(), "+3221234567");
        assert!(PhoneNumber::parse("+31 (0)6").is_err());
        for bad in ["0612345", "12345678", "+31 6 1234 5678 9999 9", "06-1234567x", "+3+1612345678"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kvk_vat_bic() {
        assert!(KvkNumber::parse("12345678").is_ok());
        assert!(KvkNumber::parse("1234567").is_err());
        assert_eq!(VatId::parse("nl 1234.56.789.B01").expect("valid").as_str(), "NL123456789B01");
        assert!(VatId::parse("NL123456789B1").is_err());
        assert!(VatId::parse("DE123456789").is_ok());
        assert_eq!(Bic::parse("abnanl2a").expect("valid").as_str(), "ABNANL2A");
        assert!(Bic::parse("ABNANL2").is_err());
    }

    #[test]
    fn dutch_postcodes() {
        let a = Address::parse("Damrak 1", "1012lg", "Amsterdam", "nl").expect("valid");
        assert_eq!(a.postcode, "1012 LG");
        assert_eq!(a.country, "NL");
        assert!(Address::parse("Damrak 1", "0123 AB", "Amsterdam", "NL").is_err());
        assert!(Address::parse("Damrak 1", "1012 SS", "Amsterdam", "NL").is_err());
        assert_eq!(Address::parse("Rue 1", "B-1000", "Brussel", "BE").expect("valid").postcode, "B-1000");
    }

    #[test]
    fn newtypes_deserialize_through_their_parser() {
        let i: Iban = serde_json::from_str("\"nl91abna0417164300\"").expect("valid");
        assert_eq!(i.as_str(), "NL91ABNA0417164300");
        let e = serde_json::from_str::<EmailAddress>("\"nope\"").expect_err("invalid");
        assert!(e.to_string().contains("no '@'"));
        let a: Address = serde_json::from_str(r#"{"street":"Damrak 1","postcode":"1012lg","city":"Amsterdam"}"#).expect("valid");
        assert_eq!(a.postcode, "1012 LG");
        assert!(serde_json::from_str::<Address>(r#"{"street":"Damrak 1","postcode":"0000","city":"Amsterdam"}"#).is_err());
    }

    proptest! {
        #[test]
        fn every_generated_nl_iban_with_right_check_digits_parses(account in 0u64..10_000_000_000) {
            // Build an NL IBAN the ISO 13616 way: BBAN, then check digits = 98 - (n mod 97).
            let bban = format!("ABNA{account:010}");
            let numeric: String = format!("{bban}NL00").chars().map(|c| if c.is_ascii_digit() { c.to_string() } else { (c as u32 - 'A' as u32 + 10).to_string() }).collect();
            let m = numeric.bytes().fold(0u64, |acc, d| (acc * 10 + u64::from(d - b'0')) % 97);
            let iban = format!("NL{:02}{bban}", 98 - m);
            prop_assert!(Iban::parse(&iban).is_ok(), "{}", iban);
            let wrong = format!("NL{:02}{bban}", (98 - m) % 97 + 1);
            prop_assert!(Iban::parse(&wrong).is_err(), "{}", wrong);
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = Iban::parse(&s);
            let _ = EmailAddress::parse(&s);
            let _ = PhoneNumber::parse(&s);
            let _ = VatId::parse(&s);
            let _ = Bic::parse(&s);
        }
    }
}
