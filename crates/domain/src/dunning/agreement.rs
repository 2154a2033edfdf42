//! What a debtor agrees to: an arrangement (an instalment plan over chosen invoices) or a promise
//! to pay an amount by a day. Both take invoices off the track while they are kept; a missed
//! instalment or an unkept promise, after a grace period, puts them back on it.
//!
//! Whether an agreement is kept is judged by money, not by which invoice a payment was booked
//! on: what was paid or credited on the invoices it covers since it was agreed
//! (`settled_now - settled_at_start`) is set against what was due by then.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::FieldProblem;
use crate::dates::add_days;
use crate::money::Cents;

/// Days after a promised date before the promise counts as broken: a bank transfer made on the
/// day can take a working day to arrive, and a weekend can add two more.
pub const PROMISE_GRACE_DAYS: i32 = 3;

/// Days after an instalment's date before a plan counts as broken, unless agreed otherwise.
pub const DEFAULT_ARRANGEMENT_GRACE_DAYS: i32 = 5;

/// Most instalments in a plan: beyond two years an arrangement is a debt-help case.
pub const MAX_INSTALMENTS: usize = 24;

/// One instalment of an arrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Instalment {
    /// The day it is to be paid.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due_on: Date,
    /// The amount.
    pub amount: Cents,
}

/// An instalment plan: dates and amounts, and the days of grace after each date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Instalments, in date order.
    pub instalments: Vec<Instalment>,
    /// Days of grace after each instalment's date.
    pub grace_days: i32,
}

/// How an arrangement stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "standing")]
pub enum Standing {
    /// Every instalment due so far is paid.
    Kept,
    /// Everything is paid.
    Completed,
    /// An instalment was not paid within its grace: broken on the day after the grace ended.
    Broken {
        /// Index of the first instalment missed.
        instalment: usize,
        /// The first day the plan counts as broken.
        on: Date,
    },
}

impl Schedule {
    /// The sum of the instalments.
    pub fn total(&self) -> Cents {
        self.instalments.iter().map(|i| i.amount).sum()
    }

    /// Rules a plan meets before it is agreed: it covers exactly what is owed on its invoices,
    /// instalments are positive and in date order, the first falls on or after `today`.
    pub fn problems(&self, owed: Cents, today: Date) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if self.instalments.is_empty() {
            p.push(FieldProblem::new("instalments", "name at least one instalment"));
        }
        if self.instalments.len() > MAX_INSTALMENTS {
            p.push(FieldProblem::new("instalments", format!("at most {MAX_INSTALMENTS}; a longer plan is a case for debt help")));
        }
        if !(0..=60).contains(&self.grace_days) {
            p.push(FieldProblem::new("grace_days", "0 to 60 days"));
        }
        for (i, inst) in self.instalments.iter().enumerate() {
            if !inst.amount.is_positive() {
                p.push(FieldProblem::new(format!("instalments[{i}].amount"), "must be more than zero"));
            }
            if i == 0 && inst.due_on < today {
                p.push(FieldProblem::new(format!("instalments[{i}].due_on"), format!("lies before today ({today})")));
            }
            if i > 0 && inst.due_on <= self.instalments[i - 1].due_on {
                p.push(FieldProblem::new(format!("instalments[{i}].due_on"), "instalments are in date order, one per day at most"));
            }
        }
        if !self.instalments.is_empty() && self.total() != owed {
            p.push(FieldProblem::new("instalments", format!("add up to {}, but {} is owed on the invoices", self.total(), owed)));
        }
        p
    }

    /// The first day the plan counts as broken if no more than `paid` is ever paid toward it;
    /// `None` when `paid` covers every instalment.
    pub fn breaks_on(&self, paid: Cents) -> Option<(usize, Date)> {
        let mut due = Cents::ZERO;
        for (i, inst) in self.instalments.iter().enumerate() {
            due = due + inst.amount;
            if due > paid {
                return Some((i, add_days(inst.due_on, self.grace_days + 1)));
            }
        }
        None
    }

    /// How the plan stands on `today`, with `paid` paid toward it.
    pub fn standing(&self, paid: Cents, today: Date) -> Standing {
        match self.breaks_on(paid) {
            None => Standing::Completed,
            Some((instalment, on)) if on <= today => Standing::Broken { instalment, on },
            Some(_) => Standing::Kept,
        }
    }

    /// A plan to offer a debtor who cannot pay at once: monthly instalments of at least
    /// `min_instalment` (the last takes the remainder), at most `max_count`, the first on `first`.
    pub fn propose(owed: Cents, first: Date, min_instalment: Cents, max_count: usize) -> Schedule {
        let owed_c = owed.cents().max(0);
        let min = min_instalment.cents().max(1);
        let count = usize::try_from((owed_c + min - 1) / min).unwrap_or(max_count).clamp(1, max_count.max(1));
        let n = i64::try_from(count).unwrap_or(1);
        let each = owed_c / n;
        let instalments = (0..count)
            .map(|i| {
                let k = i64::try_from(i).unwrap_or(0);
                let amount = if i + 1 == count { owed_c - each * (n - 1) } else { each };
                Instalment { due_on: add_months(first, k), amount: Cents::from_cents_unchecked(amount) }
            })
            .collect();
        Schedule { instalments, grace_days: DEFAULT_ARRANGEMENT_GRACE_DAYS }
    }
}

crate::debtor::word_enum!(
    /// How often a debtor pays an instalment of a plan they propose.
    Frequency { /** Every week. */ Weekly = "weekly", /** Every month, on the same day. */ Monthly = "monthly" }
);

/// What a tenant agrees to at once when a debtor proposes a plan in the portal; a plan beyond
/// these waits for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArrangementLimits {
    /// The smallest instalment (the last one may be smaller: it is what remains).
    pub min_instalment: Cents,
    /// The longest plan, in months from the first instalment to the last.
    pub max_months: u16,
}

impl Default for ArrangementLimits {
    /// €25 an instalment, at most 12 months: a year is the longest a creditor commonly agrees
    /// to without looking at the debtor's situation; longer plans are for a person to judge.
    fn default() -> Self {
        ArrangementLimits { min_instalment: Cents::from_cents_unchecked(2_500), max_months: 12 }
    }
}

/// Why a proposed plan needs a person's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "beyond")]
pub enum BeyondLimits {
    /// An instalment (other than the last) is below the tenant's minimum.
    InstalmentTooSmall {
        /// The tenant's minimum.
        minimum: Cents,
    },
    /// The last instalment falls later than the tenant's longest plan allows.
    TooLong {
        /// The tenant's longest plan, in months.
        max_months: u16,
    },
}

impl BeyondLimits {
    /// A plain sentence for the back-office.
    pub fn describe(&self) -> String {
        match self {
            BeyondLimits::InstalmentTooSmall { minimum } => format!("instalments below the minimum of {minimum}"),
            BeyondLimits::TooLong { max_months } => format!("longer than {max_months} months"),
        }
    }
}

impl ArrangementLimits {
    /// Every problem with the limits, by field.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if !self.min_instalment.is_positive() {
            p.push(FieldProblem::new("arrangements.min_instalment", "must be more than zero"));
        }
        if !(1..=24).contains(&self.max_months) {
            p.push(FieldProblem::new("arrangements.max_months", "1 to 24 months"));
        }
        p
    }

    /// Where a plan goes beyond the limits; empty when it can be agreed at once.
    pub fn beyond(&self, schedule: &Schedule) -> Vec<BeyondLimits> {
        let mut out = Vec::new();
        let n = schedule.instalments.len();
        if schedule.instalments.iter().take(n.saturating_sub(1)).any(|i| i.amount < self.min_instalment)
            || (n == 1 && schedule.instalments[0].amount < self.min_instalment && schedule.total() > self.min_instalment)
        {
            out.push(BeyondLimits::InstalmentTooSmall { minimum: self.min_instalment });
        }
        if let (Some(first), Some(last)) = (schedule.instalments.first(), schedule.instalments.last())
            && last.due_on > add_months(first.due_on, i64::from(self.max_months))
        {
            out.push(BeyondLimits::TooLong { max_months: self.max_months });
        }
        out
    }
}

impl Schedule {
    /// The plan a debtor chooses: `amount` every week or month from `first`, the last instalment
    /// what remains. `None` when it would take more than [`MAX_INSTALMENTS`] instalments (or
    /// nothing is owed, or the amount is not positive).
    pub fn of_amount(owed: Cents, first: Date, frequency: Frequency, amount: Cents) -> Option<Schedule> {
        let (owed, each) = (owed.cents(), amount.cents());
        if owed <= 0 || each <= 0 {
            return None;
        }
        let count = (owed + each - 1) / each;
        if count > i64::try_from(MAX_INSTALMENTS).unwrap_or(i64::MAX) {
            return None;
        }
        let instalments = (0..count)
            .map(|k| {
                let due_on = match frequency {
                    Frequency::Weekly => add_days(first, i32::try_from(7 * k).unwrap_or(i32::MAX)),
                    Frequency::Monthly => add_months(first, k),
                };
                let amount = if k + 1 == count { owed - each * (count - 1) } else { each };
                Instalment { due_on, amount: Cents::from_cents_unchecked(amount) }
            })
            .collect();
        Some(Schedule { instalments, grace_days: DEFAULT_ARRANGEMENT_GRACE_DAYS })
    }

    /// The smallest amount per instalment that pays `owed` within [`MAX_INSTALMENTS`].
    pub fn smallest_amount(owed: Cents) -> Cents {
        let n = i64::try_from(MAX_INSTALMENTS).unwrap_or(1);
        Cents::from_cents_unchecked((owed.cents().max(0) + n - 1) / n)
    }
}

/// `months` calendar months after `d`, on the last day of a shorter month (31 January + 1 month
/// is 28 or 29 February).
fn add_months(d: Date, months: i64) -> Date {
    d.checked_add(jiff::Span::new().months(months)).unwrap_or(d)
}

/// A promise to pay `amount` by `pay_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Promise {
    /// The day promised.
    pub pay_by: Date,
    /// The amount promised.
    pub amount: Cents,
}

/// How a promise ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PromiseOutcome {
    /// The amount was paid.
    Kept,
    /// Not (all of) the amount was paid by the day plus grace.
    Broken,
}

impl PromiseOutcome {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseOutcome::Kept => "kept",
            PromiseOutcome::Broken => "broken",
        }
    }
}

impl Promise {
    /// The last day the promise holds the track: the promised day plus grace.
    pub fn holds_until(&self) -> Date {
        add_days(self.pay_by, PROMISE_GRACE_DAYS)
    }

    /// The outcome on `today` with `paid` paid since the promise: kept as soon as the amount is
    /// paid; broken once the grace has passed without it; `None` while it may still be kept.
    pub fn outcome(&self, paid: Cents, today: Date) -> Option<PromiseOutcome> {
        if paid >= self.amount {
            Some(PromiseOutcome::Kept)
        } else if today > self.holds_until() {
            Some(PromiseOutcome::Broken)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn c(v: i64) -> Cents {
        Cents::from_cents_unchecked(v)
    }

    fn plan() -> Schedule {
        Schedule {
            instalments: vec![
                Instalment { due_on: date(2026, 12, 1), amount: c(10_000) },
                Instalment { due_on: date(2027, 1, 1), amount: c(10_000) },
                Instalment { due_on: date(2027, 2, 1), amount: c(5_000) },
            ],
            grace_days: 5,
        }
    }

    #[test]
    fn a_plan_breaks_the_day_after_the_grace_of_the_first_instalment_not_covered() {
        let p = plan();
        assert_eq!(p.breaks_on(c(0)), Some((0, date(2026, 12, 7))));
        assert_eq!(p.standing(c(0), date(2026, 12, 6)), Standing::Kept, "the last day of grace");
        assert_eq!(p.standing(c(0), date(2026, 12, 7)), Standing::Broken { instalment: 0, on: date(2026, 12, 7) });
        // A partial first instalment is not enough; paying ahead carries over.
        assert_eq!(p.breaks_on(c(9_999)), Some((0, date(2026, 12, 7))));
        assert_eq!(p.breaks_on(c(15_000)), Some((1, date(2027, 1, 7))));
        assert_eq!(p.standing(c(15_000), date(2026, 12, 20)), Standing::Kept);
        assert_eq!(p.standing(c(25_000), date(2026, 12, 20)), Standing::Completed);
    }

    #[test]
    fn a_plan_must_cover_what_is_owed_in_date_order() {
        assert!(plan().problems(c(25_000), date(2026, 11, 23)).is_empty());
        let fields = |s: &Schedule, owed, today| s.problems(c(owed), today).into_iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(fields(&plan(), 30_000, date(2026, 11, 23)), ["instalments"]);
        assert_eq!(fields(&plan(), 25_000, date(2026, 12, 2)), ["instalments[0].due_on"]);
        let mut p = plan();
        p.instalments[2].due_on = date(2027, 1, 1);
        p.instalments[1].amount = c(0);
        p.instalments[2].amount = c(15_000);
        p.grace_days = 61;
        assert_eq!(fields(&p, 25_000, date(2026, 11, 23)), ["grace_days", "instalments[1].amount", "instalments[2].due_on"]);
        let empty = Schedule { instalments: vec![], grace_days: 5 };
        assert_eq!(fields(&empty, 1, date(2026, 11, 23)), ["instalments"]);
    }

    #[test]
    fn a_proposal_adds_up_exactly_in_monthly_instalments() {
        let p = Schedule::propose(c(100_001), date(2027, 1, 31), c(5_000), 12);
        assert_eq!(p.instalments.len(), 12, "capped at the most instalments");
        assert_eq!(p.total(), c(100_001));
        assert_eq!(p.instalments[1].due_on, date(2027, 2, 28), "the end of a shorter month");
        assert_eq!(p.instalments[2].due_on, date(2027, 3, 31));
        assert!(p.problems(c(100_001), date(2027, 1, 31)).is_empty());
        let small = Schedule::propose(c(12_000), date(2027, 1, 1), c(5_000), 12);
        assert_eq!(small.instalments.iter().map(|i| i.amount.cents()).collect::<Vec<_>>(), [4_000, 4_000, 4_000]);
        assert_eq!(Schedule::propose(c(100), date(2027, 1, 1), c(5_000), 12).instalments.len(), 1);
    }

    #[test]
    fn a_promise_is_kept_by_the_amount_and_broken_after_the_grace() {
        let p = Promise { pay_by: date(2026, 12, 4), amount: c(20_000) };
        assert_eq!(p.holds_until(), date(2026, 12, 7));
        assert_eq!(p.outcome(c(20_000), date(2026, 12, 1)), Some(PromiseOutcome::Kept), "paid early");
        assert_eq!(p.outcome(c(19_999), date(2026, 12, 7)), None, "still within the grace");
        assert_eq!(p.outcome(c(19_999), date(2026, 12, 8)), Some(PromiseOutcome::Broken));
    }

    #[test]
    fn a_debtor_chooses_the_amount_and_the_last_instalment_takes_the_rest() {
        let s = Schedule::of_amount(c(25_000), date(2026, 12, 10), Frequency::Monthly, c(10_000)).expect("as written");
        assert_eq!(s.instalments.iter().map(|i| i.amount.cents()).collect::<Vec<_>>(), [10_000, 10_000, 5_000]);
        assert_eq!(s.instalments[2].due_on, date(2027, 2, 10));
        assert!(s.problems(c(25_000), date(2026, 12, 4)).is_empty());
        let w = Schedule::of_amount(c(25_000), date(2026, 12, 10), Frequency::Weekly, c(5_000)).expect("as written");
        assert_eq!(w.instalments.len(), 5);
        assert_eq!(w.instalments[4].due_on, date(2027, 1, 7));
        assert_eq!(Schedule::of_amount(c(25_000), date(2026, 12, 10), Frequency::Weekly, c(1_000)), None, "25 instalments");
        assert_eq!(Schedule::smallest_amount(c(25_000)), c(1_042));
        assert!(Schedule::of_amount(c(25_000), date(2026, 12, 10), Frequency::Weekly, c(1_042)).is_some());
    }

    #[test]
    fn a_plan_within_the_limits_is_agreed_at_once_and_one_beyond_waits_for_a_person() {
        let limits = ArrangementLimits { min_instalment: c(2_500), max_months: 6 };
        let ok = Schedule::of_amount(c(25_000), date(2026, 12, 10), Frequency::Monthly, c(5_000)).expect("as written");
        assert_eq!(limits.beyond(&ok), []);
        let small = Schedule::of_amount(c(25_000), date(2026, 12, 10), Frequency::Weekly, c(2_000)).expect("as written");
        assert_eq!(limits.beyond(&small), [BeyondLimits::InstalmentTooSmall { minimum: c(2_500) }]);
        // A last instalment below the minimum is what remains, not a reason.
        let rest = Schedule::of_amount(c(25_100), date(2026, 12, 10), Frequency::Monthly, c(5_000)).expect("as written");
        assert_eq!(rest.instalments.last().expect("as written").amount, c(100));
        assert_eq!(limits.beyond(&rest), []);
        let long = Schedule::of_amount(c(100_000), date(2026, 12, 10), Frequency::Monthly, c(10_000)).expect("as written");
        assert_eq!(limits.beyond(&long), [BeyondLimits::TooLong { max_months: 6 }]);
        assert!(limits.problems().is_empty());
        assert_eq!(ArrangementLimits { min_instalment: c(0), max_months: 0 }.problems().len(), 2);
    }
}
