//! Dutch collection law: out-of-court collection costs (art. 6:96 BW and the Besluit
//! vergoeding voor buitengerechtelijke incassokosten), statutory and commercial interest
//! (art. 6:119, 6:119a and 6:120 BW), the consumer's 14-day letter (art. 6:96 lid 6 BW),
//! and payment terms (art. 6:119a lid 5 and 6 BW). Sources and open questions:
//! `../shared/docs/nl-collection-law.md`.

pub mod collection_costs;
pub mod fourteen_day_letter;
pub mod interest;
pub mod payment_terms;
pub mod rates;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::money::Cents;

/// Rounds a euro amount to cents, half away from zero: the Besluit prescribes no rounding, and
/// cents half-up reproduces the amounts courts grant (nl-collection-law.md §1.2).
pub fn round_to_cents(euros: Decimal) -> Cents {
    let cents = (euros * Decimal::ONE_HUNDRED).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    // Amounts here are bounded by the claims they come from, far inside i64.
    Cents::from_cents_unchecked(i64::try_from(cents.mantissa() / 10i128.pow(cents.scale())).unwrap_or(i64::MAX))
}

/// Euro amount of some cents, exactly.
pub fn euros(c: Cents) -> Decimal {
    Decimal::new(c.cents(), 2)
}

/// A decimal written with exactly two decimals, rounded half away from zero (for display).
pub fn two_decimals(d: Decimal) -> String {
    format!("{:.2}", d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}
