//! Business dates: a day in the calendar, no time and no zone.

use jiff::civil::Date;

use crate::Invalid;

/// The time zone every business date of Tegoed is reckoned in: a Dutch creditor's day.
pub const BUSINESS_TIME_ZONE: &str = "Europe/Amsterdam";

/// Parses a date as exports write it: ISO `2024-03-01`, or Dutch day-month-year `1-3-2024`,
/// `01-03-2024`, `1/3/2024`, `01.03.2024`. The year must have four digits: a two-digit year is
/// refused rather than guessed.
pub fn parse_date(input: &str) -> Result<Date, Invalid> {
    let s = input.trim();
    let err = |why: &str| Invalid::new("date", format!("'{input}' is not a date: {why}"));
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(err("expected yyyy-mm-dd or dd-mm-yyyy"));
    }
    let (y, m, d) = if parts[0].len() == 4 {
        if !s.contains('-') || parts[1].len() != 2 || parts[2].len() != 2 {
            return Err(err("an ISO date is written yyyy-mm-dd"));
        }
        (parts[0], parts[1], parts[2])
    } else if parts[2].len() == 4 && parts[0].len() <= 2 && parts[1].len() <= 2 {
        (parts[2], parts[1], parts[0])
    } else {
        return Err(err("expected yyyy-mm-dd or dd-mm-yyyy with a four-digit year"));
    };
    let num = |p: &str| p.parse::<i16>().map_err(|_| err("number out of range"));
    let (year, month, day) = (num(y)?, num(m)?, num(d)?);
    if !(1900..=2199).contains(&year) {
        return Err(err("the year must lie between 1900 and 2199"));
    }
    let month = i8::try_from(month).map_err(|_| err("no such month"))?;
    let day = i8::try_from(day).map_err(|_| err("no such day"))?;
    Date::new(year, month, day).map_err(|_| err("no such day in the calendar"))
}

/// The day an instant falls on in the Netherlands.
pub fn business_date(at: jiff::Timestamp) -> Date {
    let tz = jiff::tz::TimeZone::get(BUSINESS_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned(tz).date()
}

/// The instant a business day starts (midnight in the Netherlands).
pub fn start_of(d: Date) -> jiff::Timestamp {
    let tz = jiff::tz::TimeZone::get(BUSINESS_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
    d.to_zoned(tz).map_or_else(|_| jiff::Timestamp::UNIX_EPOCH, |z| z.timestamp())
}

/// A date `days` later (earlier when negative), saturating at the ends of jiff's calendar, far
/// beyond any business date.
pub fn add_days(d: Date, days: i32) -> Date {
    d.checked_add(jiff::Span::new().days(days)).unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
}

/// A date as a letter writes it, in the reader's language: `9 januari 2026`, `9 January 2026`.
pub fn written(d: Date, language: crate::debtor::Language) -> String {
    let month = usize::from(d.month().unsigned_abs()) - 1;
    match language {
        crate::debtor::Language::Nl => format!("{} {} {}", d.day(), DUTCH_MONTHS[month], d.year()),
        crate::debtor::Language::En => format!("{} {} {}", d.day(), ENGLISH_MONTHS[month], d.year()),
    }
}

const DUTCH_MONTHS: [&str; 12] =
    ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"];
const ENGLISH_MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i32 {
    // Both dates lie within jiff's range, so the span in days always fits.
    to.since(from).map(|span| span.get_days()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn iso_and_dutch_forms() {
        for (input, expected) in [
            ("2024-03-01", date(2024, 3, 1)),
            ("1-3-2024", date(2024, 3, 1)),
            ("01-03-2024", date(2024, 3, 1)),
            ("1/3/2024", date(2024, 3, 1)),
            ("01.03.2024", date(2024, 3, 1)),
            (" 29-02-2024 ", date(2024, 2, 29)),
        ] {
            assert_eq!(parse_date(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for (input, why) in [
            ("2023-02-29", "no such day"),
            ("31-04-2024", "no such day"),
            ("1-3-24", "four-digit year"),
            ("2024-3-1", "yyyy-mm-dd"),
            ("2024/03/01", "yyyy-mm-dd"),
            ("13-13-2024", "no such day"),
            ("yesterday", "expected"),
            ("", "expected"),
            ("01-01-0999", "between 1900"),
        ] {
            let e = parse_date(input).expect_err(input);
            assert!(e.reason.contains(why), "{input}: {}", e.reason);
        }
    }

    #[test]
    fn counts_days() {
        assert_eq!(days_between(date(2024, 2, 28), date(2024, 3, 1)), 2);
        assert_eq!(days_between(date(2024, 3, 1), date(2024, 2, 28)), -2);
        assert_eq!(days_between(date(2023, 1, 1), date(2024, 1, 1)), 365);
    }

    proptest! {
        #[test]
        fn both_forms_of_any_date_parse_to_it(days in 0i32..100_000) {
            let d = date(1900, 1, 1).checked_add(jiff::Span::new().days(days)).expect("in range");
            prop_assume!(d.year() <= 2199);
            prop_assert_eq!(parse_date(&d.to_string()), Ok(d));
            prop_assert_eq!(parse_date(&format!("{}-{}-{}", d.day(), d.month(), d.year())), Ok(d));
        }
    }
}
