//! Reports for credit controllers: how old what is open is (ageing), how many days of sales are
//! outstanding (DSO), how many promises and arrangements are kept, what each dunning step
//! brings in, and why debtors do not pay.

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

/// Promises or arrangements made in a period, by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Kept {
    /// Made in the period.
    pub made: i64,
    /// Still running.
    pub open: i64,
    /// Kept (a promise paid by its day, an arrangement paid in full).
    pub kept: i64,
    /// Broken.
    pub broken: i64,
    /// Ended otherwise (an arrangement cancelled).
    pub cancelled: i64,
    /// What they were about.
    pub amount: Cents,
}

impl Kept {
    /// Kept as a share of those that ended kept or broken, in whole percent; none before any
    /// ended.
    pub fn kept_percent(&self) -> Option<i64> {
        percent(self.kept, self.kept + self.broken)
    }
}

/// `part` of `whole` in whole percent, rounded half up; none of nothing.
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (200 * part + whole) / (2 * whole))
}

/// The windows after a step in which payment is counted: 7, 14 and 30 days.
pub const PAID_WITHIN: [i32; 3] = [7, 14, 30];

/// What one step of one policy brought in: of the invoices it was taken for, how many were paid
/// in full within 7, 14 and 30 days after it. Only steps at least that long ago count for a
/// window (`eligible`), so a step taken yesterday does not lower the 30-day figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepOutcome {
    /// The policy.
    pub policy: String,
    /// The step, counted from 1.
    pub step: i64,
    /// Invoices the step was taken for in the period.
    pub invoices: i64,
    /// Per window of [`PAID_WITHIN`]: invoices whose step lies that long ago.
    pub eligible: [i64; 3],
    /// Per window: of those, paid in full within it.
    pub paid: [i64; 3],
}

impl StepOutcome {
    /// Paid within each window, in whole percent of the eligible.
    pub fn paid_percent(&self) -> [Option<i64>; 3] {
        [0, 1, 2].map(|i| percent(self.paid[i], self.eligible[i]))
    }
}

/// How often a reason for not paying was given in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonCount {
    /// dispute, cant_pay:income, cant_pay:costs, cant_pay:illness, cant_pay:waiting,
    /// cant_pay:debts, cant_pay:other, cant_pay:unspecified, wont_pay, wrong_number, or
    /// promised_later.
    pub reason: String,
    /// How often.
    pub count: i64,
}

/// The reason codes a debtor chooses from in the portal ("I can't pay").
pub const CANT_PAY_REASONS: [&str; 6] = ["income", "costs", "illness", "waiting", "debts", "other"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_and_paid_percentages() {
        let k = Kept { made: 10, open: 3, kept: 5, broken: 2, cancelled: 0, amount: Cents::ZERO };
        assert_eq!(k.kept_percent(), Some(71), "5 of 7");
        assert_eq!(Kept::default().kept_percent(), None);
        let s = StepOutcome { policy: "p".into(), step: 1, invoices: 9, eligible: [9, 6, 0], paid: [3, 3, 0] };
        assert_eq!(s.paid_percent(), [Some(33), Some(50), None]);
        assert_eq!(percent(1, 8), Some(13), "12.5 rounds up");
    }
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
