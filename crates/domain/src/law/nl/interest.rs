//! Statutory interest (art. 6:119 BW) and statutory commercial interest (art. 6:119a BW).
//!
//! Reference convention (nl-collection-law.md §2.4, "A365-C"): interest runs from the day after
//! the due date up to and including the day of payment, so `days = end − start`; periods are
//! split at every rate change (6:120 lid 1) and every anniversary of the start; on each
//! anniversary the interest of the year just ended is added to the base (6:119 lid 2, 6:119a
//! lid 3); each period earns `base × rate × days / 365`, also in leap years; only the final
//! total is rounded to cents. A start on 29 February has its anniversaries on 28 February in
//! other years. The conventions seen elsewhere are options, not the default.
//!
//! Payments are applied per art. 6:44 BW: first to costs, then to interest (the oldest, already
//! added to the base, first), then to the principal.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use super::rates::InterestKind;
use super::{euros, round_to_cents, two_decimals};
use crate::Invalid;
use crate::money::Cents;

/// How the days of a period are turned into a fraction of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DayCount {
    /// Actual days / 365, always (the reference; compensationsns.nl).
    #[default]
    Actual365,
    /// Actual days / the length of the capitalisation year (366 when it holds a 29 February),
    /// as some calculators do.
    ActualCapitalisationYear,
}

/// Choices that differ between calculators; the default is the reference convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Convention {
    /// Day count.
    pub day_count: DayCount,
    /// Round the interest of each period to cents, and split at every 1 January and 1 July,
    /// as some calculators do, instead of rounding once at the end.
    pub round_each_period: bool,
}

/// A payment made while interest runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPayment {
    /// Day the money arrived; interest on what it pays runs up to and including this day.
    pub on: Date,
    /// Amount.
    pub amount: Cents,
}

/// A claim to compute interest on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Consumer (6:119) or commercial (6:119a).
    pub kind: InterestKind,
    /// The principal.
    pub principal: Cents,
    /// The last day for payment: interest runs from the next day.
    pub from: Date,
    /// The day up to and including which interest is computed (payment or calculation date).
    pub to: Date,
    /// Collection costs owed, which payments settle first (6:44 BW).
    pub costs: Cents,
    /// Payments received in the meantime.
    pub payments: Vec<PartPayment>,
}

/// One period of the breakdown courts and debtors expect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    /// Start (exclusive, like the due date).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: Date,
    /// End (inclusive).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: Date,
    /// Days.
    pub days: i32,
    /// Yearly rate in percent.
    pub rate: String,
    /// Amount interest ran on, shown to the cent.
    pub base: String,
    /// Interest of the period, shown to the cent (the total is rounded once, from the
    /// unrounded periods).
    pub interest: String,
}

/// How a payment was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedPayment {
    /// Day of payment.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub on: Date,
    /// Amount.
    pub amount: String,
    /// Part that paid costs.
    pub to_costs: String,
    /// Part that paid interest.
    pub to_interest: String,
    /// Part that paid principal.
    pub to_principal: String,
}

/// Interest over a claim with its breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InterestStatement {
    /// Interest accrued over the whole time, rounded once.
    pub interest: Cents,
    /// Interest still owed on `to` after payments.
    pub interest_outstanding: Cents,
    /// Principal still owed on `to`.
    pub principal_outstanding: Cents,
    /// Costs still owed on `to`.
    pub costs_outstanding: Cents,
    /// Money paid beyond everything owed.
    pub overpaid: Cents,
    /// The periods.
    pub periods: Vec<Period>,
    /// The payments and where each went.
    pub payments: Vec<AppliedPayment>,
}

/// The day `years` years after `start`; a 29 February start falls on 28 February in other years.
fn anniversary(start: Date, years: i16) -> Option<Date> {
    let year = start.year().checked_add(years)?;
    let day = if start.month() == 2 && start.day() == 29 && !jiff::civil::date(year, 1, 1).in_leap_year() { 28 } else { start.day() };
    Date::new(year, start.month(), day).ok()
}

fn next_half_year(d: Date) -> Option<Date> {
    if d.month() < 7 { Date::new(d.year(), 7, 1).ok() } else { Date::new(d.year().checked_add(1)?, 1, 1).ok() }
}

/// Computes interest over a claim. Fails when the period lies before the rate table begins,
/// or when `to` lies before `from`.
pub fn statutory_interest(claim: &Claim, convention: Convention) -> Result<InterestStatement, Invalid> {
    if claim.to < claim.from {
        return Err(Invalid::new("period", format!("{} lies before {}", claim.to, claim.from)));
    }
    if claim.kind.rate_on(claim.from).is_none() {
        return Err(Invalid::new("date", format!("no {:?} interest rate is known for {}", claim.kind, claim.from)));
    }
    let mut payments = claim.payments.clone();
    payments.sort_by_key(|p| p.on);
    if let Some(p) = payments.iter().find(|p| p.on <= claim.from || p.on > claim.to || !p.amount.is_positive()) {
        return Err(Invalid::new(
            "payment",
            format!("payment of {} on {} must be positive and lie after {} and not after {}", p.amount, p.on, claim.from, claim.to),
        ));
    }

    let mut principal = euros(claim.principal);
    let mut capitalised = Decimal::ZERO; // interest added to the base on anniversaries, still unpaid
    let mut accrued = Decimal::ZERO; // interest of the running year, still unpaid
    let mut costs = euros(claim.costs);
    let mut total_interest = Decimal::ZERO;
    let mut overpaid = Decimal::ZERO;
    let mut periods = Vec::new();
    let mut applied = Vec::new();
    let mut year = 0i16;
    let mut cursor = claim.from;
    let mut next_payment = 0;

    while cursor < claim.to {
        let anniv = anniversary(claim.from, year + 1).unwrap_or(Date::MAX);
        let mut end = claim.to.min(anniv);
        if let Some(change) = claim.kind.next_change_after(cursor) {
            end = end.min(change);
        }
        if convention.round_each_period
            && let Some(h) = next_half_year(cursor)
        {
            end = end.min(h);
        }
        if let Some(p) = payments.get(next_payment) {
            end = end.min(p.on);
        }
        // Periods are split at every change, so the rate on a period's first day holds for all of
        // it; a period that ends on a change day counts that day at the old rate, as the
        // reference calculation does (2014-02-01 → 2015-01-01: 334 days at 3 %).
        let rate = claim.kind.rate_on(cursor).ok_or_else(|| Invalid::new("date", format!("no rate known for {cursor}")))?;
        let days = crate::dates::days_between(cursor, end);
        let year_length = match convention.day_count {
            DayCount::Actual365 => 365,
            DayCount::ActualCapitalisationYear => {
                let (y0, y1) = (anniversary(claim.from, year).unwrap_or(cursor), anniv);
                crate::dates::days_between(y0, y1)
            }
        };
        let base = principal + capitalised;
        let mut interest = base * rate.fraction() * Decimal::from(days) / Decimal::from(year_length);
        if convention.round_each_period {
            interest = euros(round_to_cents(interest));
        }
        periods.push(Period {
            from: cursor,
            to: end,
            days,
            rate: rate.percent().normalize().to_string(),
            base: two_decimals(base),
            interest: two_decimals(interest),
        });
        accrued += interest;
        total_interest += interest;
        cursor = end;
        if cursor == anniv {
            capitalised += accrued;
            accrued = Decimal::ZERO;
            year += 1;
        }
        while let Some(p) = payments.get(next_payment).filter(|p| p.on == cursor) {
            let mut left = euros(p.amount);
            let mut take = |owed: &mut Decimal| {
                let part = left.min(*owed);
                *owed -= part;
                left -= part;
                part
            };
            let to_costs = take(&mut costs);
            let to_interest = take(&mut capitalised) + take(&mut accrued);
            let to_principal = take(&mut principal);
            overpaid += left;
            applied.push(AppliedPayment {
                on: p.on,
                amount: two_decimals(euros(p.amount)),
                to_costs: two_decimals(to_costs),
                to_interest: two_decimals(to_interest),
                to_principal: two_decimals(to_principal),
            });
            next_payment += 1;
        }
    }
    Ok(InterestStatement {
        interest: round_to_cents(total_interest),
        interest_outstanding: round_to_cents(capitalised + accrued),
        principal_outstanding: round_to_cents(principal),
        costs_outstanding: round_to_cents(costs),
        overpaid: round_to_cents(overpaid),
        periods,
        payments: applied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn euro(s: &str) -> Cents {
        Cents::parse(s).expect("amount")
    }

    fn claim(kind: InterestKind, principal: &str, from: Date, to: Date) -> Claim {
        Claim { kind, principal: euro(principal), from, to, costs: Cents::ZERO, payments: vec![] }
    }

    fn rows(s: &InterestStatement) -> Vec<(String, String, i32, String, String, String)> {
        s.periods
            .iter()
            .map(|p| (p.from.to_string(), p.to.to_string(), p.days, p.rate.clone(), p.base.clone(), p.interest.clone()))
            .collect()
    }

    #[test]
    fn the_compensationsns_example() {
        // nl-collection-law.md §2.4: €100 from 2013-02-01 to 2023-10-30, 6:119, compound, A365 → 28.94.
        let s = statutory_interest(&claim(InterestKind::Consumer, "100", date(2013, 2, 1), date(2023, 10, 30)), Convention::default())
            .expect("computes");
        assert_eq!(s.interest, euro("28.94"));
        let r = rows(&s);
        let row = |from: &str| r.iter().find(|p| p.0 == from).cloned().unwrap_or_else(|| panic!("period from {from}"));
        assert_eq!(row("2013-02-01"), ("2013-02-01".into(), "2014-02-01".into(), 365, "3".into(), "100.00".into(), "3.00".into()));
        assert_eq!(row("2014-02-01"), ("2014-02-01".into(), "2015-01-01".into(), 334, "3".into(), "103.00".into(), "2.83".into()));
        // The document prints three decimals (0.175, 2.475); shown to the cent they are 0.17 and 2.47.
        assert_eq!(row("2015-01-01"), ("2015-01-01".into(), "2015-02-01".into(), 31, "2".into(), "103.00".into(), "0.17".into()));
        assert_eq!(row("2016-02-01").2, 366, "a leap year has 366 days, still divided by 365");
        assert_eq!(row("2016-02-01").5, "2.17");
        assert_eq!(row("2023-01-01"), ("2023-01-01".into(), "2023-02-01".into(), 31, "4".into(), "121.78".into(), "0.41".into()));
        assert_eq!(row("2023-07-01"), ("2023-07-01".into(), "2023-10-30".into(), 121, "6".into(), "124.42".into(), "2.47".into()));
    }

    #[test]
    fn a_single_period_at_one_rate() {
        // 3,796.99 × 6 % × 51 / 365 = 31.8323… (6:119 at 6 % from 1 July 2023).
        let s = statutory_interest(&claim(InterestKind::Consumer, "3796.99", date(2023, 11, 11), date(2024, 1, 1)), Convention::default())
            .expect("computes");
        assert_eq!(s.interest, euro("31.83"));
        assert_eq!(rows(&s), [("2023-11-11".into(), "2024-01-01".into(), 51, "6".into(), "3796.99".into(), "31.83".into())]);
        // §2.6: €5,000 × 10.15 % × 90/365 = €125.14 (commercial, H2 2025 → 2026 at the same rate).
        let s = statutory_interest(&claim(InterestKind::Commercial, "5000", date(2025, 10, 1), date(2025, 12, 30)), Convention::default())
            .expect("computes");
        assert_eq!(s.interest, euro("125.14"));
    }

    #[test]
    fn periods_split_at_rate_changes_and_anniversaries_only() {
        let s = statutory_interest(&claim(InterestKind::Commercial, "1000", date(2023, 3, 15), date(2024, 9, 1)), Convention::default())
            .expect("computes");
        let bounds: Vec<(String, String)> = s.periods.iter().map(|p| (p.from.to_string(), p.to.to_string())).collect();
        assert_eq!(
            bounds,
            [
                ("2023-03-15".into(), "2023-07-01".into()),
                ("2023-07-01".into(), "2024-01-01".into()),
                ("2024-01-01".into(), "2024-03-15".into()),
                ("2024-03-15".into(), "2024-07-01".into()),
                ("2024-07-01".into(), "2024-09-01".into()),
            ]
        );
        // From the anniversary the first year's interest is part of the base.
        let first_year: Decimal = s.periods[..3].iter().map(|p| p.interest.parse::<Decimal>().expect("decimal")).sum();
        let base_after: Decimal = s.periods[3].base.parse().expect("decimal");
        assert!((base_after - Decimal::from(1000) - first_year).abs() <= Decimal::new(2, 2), "{base_after} vs {first_year}");
    }

    #[test]
    fn leap_day_start_has_its_anniversary_on_28_february() {
        let s = statutory_interest(&claim(InterestKind::Consumer, "1000", date(2024, 2, 29), date(2026, 3, 10)), Convention::default())
            .expect("computes");
        let ends: Vec<String> = s.periods.iter().map(|p| p.to.to_string()).collect();
        assert!(ends.contains(&"2025-02-28".to_string()), "{ends:?}");
        assert!(ends.contains(&"2026-02-28".to_string()), "{ends:?}");
        assert_eq!(s.periods.iter().map(|p| p.days).sum::<i32>(), crate::dates::days_between(date(2024, 2, 29), date(2026, 3, 10)));
    }

    #[test]
    fn the_other_conventions_are_options() {
        let c = claim(InterestKind::Consumer, "108.12", date(2016, 2, 1), date(2017, 2, 1));
        let a365 = statutory_interest(&c, Convention::default()).expect("computes");
        let capyear = statutory_interest(&c, Convention { day_count: DayCount::ActualCapitalisationYear, round_each_period: false })
            .expect("computes");
        assert_eq!(a365.interest, euro("2.17"), "366/365 of 2 %");
        assert_eq!(capyear.interest, euro("2.16"), "exactly 2 % over a 366-day year");
        let rounded = statutory_interest(
            &claim(InterestKind::Consumer, "1000", date(2015, 3, 1), date(2016, 3, 1)),
            Convention { day_count: DayCount::Actual365, round_each_period: true },
        )
        .expect("computes");
        let bounds: Vec<String> = rounded.periods.iter().map(|p| p.to.to_string()).collect();
        assert_eq!(bounds, ["2015-07-01", "2016-01-01", "2016-03-01"], "split at each half-year");
    }

    #[test]
    fn payments_settle_costs_then_interest_then_principal() {
        let mut c = claim(InterestKind::Consumer, "1000", date(2024, 1, 31), date(2024, 12, 31));
        c.costs = euro("150");
        c.payments =
            vec![PartPayment { on: date(2024, 6, 30), amount: euro("200") }, PartPayment { on: date(2024, 9, 30), amount: euro("2000") }];
        let s = statutory_interest(&c, Convention::default()).expect("computes");
        // Up to 30 June: 1000 × 7 % × 151/365 = 28.9589; the 200 pays 150 costs, 28.96 interest, 21.04 principal.
        assert_eq!(s.payments[0].to_costs, "150.00");
        assert_eq!(s.payments[0].to_interest, "28.96");
        assert_eq!(s.payments[0].to_principal, "21.04");
        // Interest runs on the reduced principal from then on.
        assert_eq!(s.periods[1].base, "978.96");
        // The second payment clears everything; the rest is overpaid.
        assert_eq!(s.principal_outstanding, Cents::ZERO);
        assert_eq!(s.interest_outstanding, Cents::ZERO);
        assert!(s.overpaid.is_positive());
        assert_eq!(s.periods.last().map(|p| p.base.as_str()), Some("0.00"));
    }

    #[test]
    fn bad_claims_are_refused() {
        assert!(
            statutory_interest(&claim(InterestKind::Consumer, "1", date(2024, 2, 1), date(2024, 1, 1)), Convention::default()).is_err()
        );
        assert!(
            statutory_interest(&claim(InterestKind::Commercial, "1", date(2001, 1, 1), date(2024, 1, 1)), Convention::default()).is_err()
        );
        let mut c = claim(InterestKind::Consumer, "1", date(2024, 1, 1), date(2024, 2, 1));
        c.payments = vec![PartPayment { on: date(2024, 3, 1), amount: euro("1") }];
        assert!(statutory_interest(&c, Convention::default()).is_err());
        let zero = statutory_interest(&claim(InterestKind::Consumer, "100", date(2024, 1, 1), date(2024, 1, 1)), Convention::default())
            .expect("empty");
        assert_eq!((zero.interest, zero.periods.len()), (Cents::ZERO, 0));
    }
}
