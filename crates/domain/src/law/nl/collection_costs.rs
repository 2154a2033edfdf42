//! Out-of-court collection costs (buitengerechtelijke incassokosten): the staffel of the Besluit
//! vergoeding voor buitengerechtelijke incassokosten (Stb. 2012, 141), art. 2; the €40 minimum
//! for commercial transactions (art. 6:96 lid 4 BW); VAT on top when the creditor cannot deduct
//! it (Besluit art. 2 lid 3). Rules and worked examples: nl-collection-law.md §1.

use serde::{Deserialize, Serialize};

use crate::money::Cents;

/// The bands of the staffel (Besluit art. 2 lid 1): the width of each band in cents and its rate
/// in half-percents. The last band is open-ended at 0.5 %.
const BANDS: [(i64, i64); 4] = [(250_000, 30), (250_000, 20), (500_000, 10), (19_000_000, 2)];
/// Rate of the open-ended last band, in half-percents.
const LAST_BAND: i64 = 1;
/// Art. 2 lid 2: at least €40.
pub const MINIMUM: Cents = Cents::from_cents_unchecked(4_000);
/// Art. 2 lid 1: at most €6,775.
pub const MAXIMUM: Cents = Cents::from_cents_unchecked(677_500);
/// The general VAT rate, art. 9 lid 1 Wet op de omzetbelasting 1968: 21 %.
pub const VAT_PERCENT: i64 = 21;

/// Who owes, which decides the rules that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Debtor {
    /// A natural person not acting for a business: the staffel is mandatory (6:96 lid 5) and
    /// due only after a 14-day letter's term ran out unpaid (6:96 lid 6).
    Consumer,
    /// A business: the staffel unless the contract says otherwise, never below €40 (6:96 lid 4).
    Business(Agreement),
}

/// What a business contract says about collection costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Agreement {
    /// Nothing: the staffel applies as default law.
    Staffel,
    /// A fixed amount.
    Fixed(Cents),
    /// A percentage of the principal, in hundredths of a percent (15 % = 1500).
    Percentage(u32),
}

/// One band of the staffel as applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Band {
    /// Rate of the band, in percent ("15", "0.5").
    pub rate: String,
    /// Part of the principal in this band.
    pub base: String,
    /// Costs over that part, shown to the cent (the total is rounded once, from the exact parts).
    pub amount: String,
}

/// Collection costs with how they were reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectionCosts {
    /// The principal (hoofdsom): the sum of the invoices in one demand, without interest.
    pub principal: Cents,
    /// The costs, before VAT.
    pub costs: Cents,
    /// VAT on the costs (zero when the creditor can deduct VAT).
    pub vat: Cents,
    /// Costs plus VAT.
    pub total: Cents,
    /// How the costs were found: "staffel", "minimum", "maximum", "fixed", "percentage".
    pub basis: &'static str,
    /// The staffel bands used (empty for an agreed amount).
    pub bands: Vec<Band>,
}

fn half_up_div(numerator: i64, denominator: i64) -> i64 {
    // Non-negative inputs only: numerator / denominator rounded half up.
    (2 * numerator + denominator) / (2 * denominator)
}

/// The staffel over a principal, with each band, before the minimum and maximum.
fn staffel(principal: Cents) -> (i64, Vec<Band>) {
    // Every rate is a whole number of half-percents, so costs in cents are
    // Σ part × half-percents / 200: one exact integer sum, rounded once (half up) at the end.
    let mut rest = principal.cents().max(0);
    let mut numerator = 0i64;
    let mut bands = Vec::new();
    let bands_with_last = BANDS.iter().copied().chain(std::iter::once((i64::MAX, LAST_BAND)));
    for (width, half_percents) in bands_with_last {
        if rest == 0 {
            break;
        }
        let part = rest.min(width);
        numerator += part * half_percents;
        rest -= part;
        let exact = part * half_percents; // in cents × 200
        bands.push(Band {
            rate: if half_percents % 2 == 0 { (half_percents / 2).to_string() } else { format!("{}.5", half_percents / 2) },
            base: Cents::from_cents_unchecked(part).to_string(),
            amount: format!("{}", Cents::from_cents_unchecked(half_up_div(exact, 200))),
        });
    }
    (half_up_div(numerator, 200), bands)
}

/// The collection costs a creditor may claim over a principal.
///
/// `vat_deductible`: whether the creditor can deduct VAT; when it cannot (and says so in the
/// letter), 21 % is added, also to the €40 minimum (nl-collection-law.md §1.4).
pub fn collection_costs(principal: Cents, debtor: Debtor, vat_deductible: bool) -> CollectionCosts {
    let (staffel_costs, bands) = staffel(principal);
    let (costs, basis, bands) = match debtor {
        Debtor::Consumer | Debtor::Business(Agreement::Staffel) => {
            if staffel_costs < MINIMUM.cents() {
                (MINIMUM.cents(), "minimum", bands)
            } else if staffel_costs > MAXIMUM.cents() {
                (MAXIMUM.cents(), "maximum", bands)
            } else {
                (staffel_costs, "staffel", bands)
            }
        }
        Debtor::Business(Agreement::Fixed(amount)) => (amount.cents().max(MINIMUM.cents()), "fixed", Vec::new()),
        Debtor::Business(Agreement::Percentage(bp)) => {
            let c = half_up_div(principal.cents().max(0) * i64::from(bp), 10_000);
            (c.max(MINIMUM.cents()), "percentage", Vec::new())
        }
    };
    let vat = if vat_deductible { 0 } else { half_up_div(costs * VAT_PERCENT, 100) };
    CollectionCosts {
        principal,
        costs: Cents::from_cents_unchecked(costs),
        vat: Cents::from_cents_unchecked(vat),
        total: Cents::from_cents_unchecked(costs + vat),
        basis,
        bands,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn euro(s: &str) -> Cents {
        Cents::parse(s).expect("amount")
    }

    fn consumer(p: &str) -> CollectionCosts {
        collection_costs(euro(p), Debtor::Consumer, true)
    }

    #[test]
    fn worked_examples_of_the_law_document() {
        // §1.2: €1,752.79 × 15 % = 262.9185 → 262.92; with VAT 318.13 (ECLI:NL:RBZWB:2016:5464).
        let c = collection_costs(euro("1752.79"), Debtor::Consumer, false);
        assert_eq!((c.costs.to_string(), c.vat.to_string(), c.total.to_string()), ("262.92".into(), "55.21".into(), "318.13".into()));
        // §1.2 DAS: €10,000 → 375 + 250 + 250 = 875.
        assert_eq!(consumer("10000").costs, euro("875"));
        // §1.4: €800 → 120, with VAT 145.20 (ECLI:NL:RBNHO:2022:5944).
        assert_eq!(collection_costs(euro("800"), Debtor::Consumer, false).total, euro("145.20"));
    }

    #[test]
    fn both_ends_of_every_band() {
        for (principal, costs) in [
            ("0.01", "40.00"),
            ("266.66", "40.00"),
            ("266.67", "40.00"),
            ("266.68", "40.00"),
            ("266.70", "40.01"),
            ("2500.00", "375.00"),
            ("2500.01", "375.00"),
            ("2500.10", "375.01"),
            ("5000.00", "625.00"),
            ("5000.20", "625.01"),
            ("10000.00", "875.00"),
            ("10001.00", "875.01"),
            ("200000.00", "2775.00"),
            ("200002.00", "2775.01"),
            ("999998.00", "6774.99"),
            ("999999.00", "6775.00"),
            ("1000000.00", "6775.00"),
            ("1000000.02", "6775.00"),
            ("5000000.00", "6775.00"),
        ] {
            assert_eq!(consumer(principal).costs.to_string(), costs, "principal {principal}");
        }
        assert_eq!(consumer("100").basis, "minimum");
        assert_eq!(consumer("2000000").basis, "maximum");
        assert_eq!(consumer("3000").basis, "staffel");
    }

    #[test]
    fn rounding_is_half_up_once() {
        // 15 % of 0.03 = 0.0045 per band part; only the sum is rounded: 333.33 → 49.9995 → 50.00.
        assert_eq!(consumer("333.33").costs, euro("50.00"));
        // 2,500.05: 375 + 0.005 = 375.005 → 375.01.
        assert_eq!(consumer("2500.05").costs, euro("375.01"));
    }

    #[test]
    fn the_bands_explain_the_amount() {
        let c = consumer("10000");
        let parts: Vec<(String, String, String)> = c.bands.iter().map(|b| (b.rate.clone(), b.base.to_string(), b.amount.clone())).collect();
        assert_eq!(
            parts,
            [
                ("15".into(), "2500.00".into(), "375.00".into()),
                ("10".into(), "2500.00".into(), "250.00".into()),
                ("5".into(), "5000.00".into(), "250.00".into())
            ]
        );
        assert_eq!(consumer("300000").bands.last().map(|b| b.rate.as_str()), Some("0.5"));
    }

    #[test]
    fn vat_applies_to_the_minimum_too() {
        let c = collection_costs(euro("100"), Debtor::Consumer, false);
        assert_eq!((c.costs, c.vat, c.total), (euro("40"), euro("8.40"), euro("48.40")));
    }

    #[test]
    fn business_agreements_never_go_below_forty_euro() {
        let fixed = collection_costs(euro("1000"), Debtor::Business(Agreement::Fixed(euro("25"))), true);
        assert_eq!((fixed.costs, fixed.basis), (euro("40"), "fixed"));
        let fixed = collection_costs(euro("1000"), Debtor::Business(Agreement::Fixed(euro("250"))), true);
        assert_eq!(fixed.costs, euro("250"));
        let pct = collection_costs(euro("1000"), Debtor::Business(Agreement::Percentage(1_500)), true);
        assert_eq!(pct.costs, euro("150"));
        let pct = collection_costs(euro("100"), Debtor::Business(Agreement::Percentage(1_500)), false);
        assert_eq!((pct.costs, pct.total), (euro("40"), euro("48.40")));
        let staffel = collection_costs(euro("1752.79"), Debtor::Business(Agreement::Staffel), true);
        assert_eq!(staffel.costs, euro("262.92"));
    }

    proptest! {
        #[test]
        fn within_bounds_and_monotone(a in 0i64..200_000_000, b in 0i64..200_000_000) {
            let (lo, hi) = (a.min(b), a.max(b));
            let c_lo = collection_costs(Cents::from_cents_unchecked(lo), Debtor::Consumer, true).costs;
            let c_hi = collection_costs(Cents::from_cents_unchecked(hi), Debtor::Consumer, true).costs;
            prop_assert!(c_lo >= MINIMUM && c_hi <= MAXIMUM);
            prop_assert!(c_lo <= c_hi, "more principal never means less costs");
        }

        #[test]
        fn vat_is_21_percent_of_the_costs(p in 0i64..200_000_000) {
            let c = collection_costs(Cents::from_cents_unchecked(p), Debtor::Consumer, false);
            let exact = c.costs.cents() * 21;
            prop_assert!((c.vat.cents() * 100 - exact).abs() <= 50);
            prop_assert_eq!(c.total, c.costs + c.vat);
        }
    }
}
