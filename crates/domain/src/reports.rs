//! Reports for credit controllers: how old what is open is (ageing), and how many days of sales
//! are outstanding (DSO).

use jiff::civil::Date;
use serde::Serialize;

use crate::dates::add_days;
use crate::money::Cents;

/// The ageing buckets by days past the due date, oldest last.
pub const BUCKETS: [&str; 5] = ["not_due", "1-30", "31-60", "61-90", "over_90"];

/// The due dates that start buckets 1 to 4 on `as_of`: an invoice due on or after `bounds[0]`
/// is not due yet; on or after `bounds[1]` it is 1–30 days late; and so on; before `bounds[3]`
/// it is over 90 days late. An invoice due today is not late.
pub fn bucket_bounds(as_of: Date) -> [Date; 4] {
    [as_of, add_days(as_of, -30), add_days(as_of, -60), add_days(as_of, -90)]
}

/// The bucket (index into [`BUCKETS`]) of an invoice due on `due` as seen on `as_of`.
pub fn bucket_of(due: Date, as_of: Date) -> usize {
    bucket_bounds(as_of).iter().position(|b| due >= *b).unwrap_or(4)
}

/// One bucket of the ageing report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgeingBucket {
    /// not_due, 1-30, 31-60, 61-90 or over_90 (days past the due date).
    pub bucket: &'static str,
    /// Open invoices in it.
    pub invoices: i64,
    /// What is open on them.
    pub open: Cents,
}

/// Days sales outstanding by the period method: what is open on `as_of`, divided by what was
/// invoiced in the `days` days up to and including `as_of`, times `days`. `None` when nothing
/// was invoiced in the period. Rounded to one decimal.
pub fn dso(open: Cents, invoiced: Cents, days: u16) -> Option<f64> {
    if !invoiced.is_positive() {
        return None;
    }
    let v = open.cents() as f64 / invoiced.cents() as f64 * f64::from(days);
    Some((v * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn buckets_count_days_past_the_due_date() {
        let today = date(2026, 12, 4);
        assert_eq!(bucket_of(today, today), 0, "due today is not late");
        assert_eq!(bucket_of(date(2026, 12, 3), today), 1);
        assert_eq!(bucket_of(date(2026, 11, 4), today), 1, "30 days late");
        assert_eq!(bucket_of(date(2026, 11, 3), today), 2, "31 days late");
        assert_eq!(bucket_of(date(2026, 9, 5), today), 3, "90 days late");
        assert_eq!(bucket_of(date(2026, 9, 4), today), 4, "91 days late");
    }

    #[test]
    fn dso_by_the_period_method() {
        let c = Cents::from_cents_unchecked;
        assert_eq!(dso(c(50_000), c(150_000), 90), Some(30.0));
        assert_eq!(dso(c(10_000), c(30_000), 90), Some(30.0));
        assert_eq!(dso(c(1), c(3), 10), Some(3.3));
        assert_eq!(dso(c(1), c(0), 90), None);
    }
}
