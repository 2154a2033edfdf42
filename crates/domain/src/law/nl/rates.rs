//! The statutory interest rates, embedded at compile time from
//! `data/nl-statutory-interest-rates.csv` (a copy of `../shared/data`, with a source per row).
//! The engine uses this published table, never the ECB formula: the AMvB is discretionary, and
//! H2 2025 stayed at 6 % where the formula gave 5 % (nl-collection-law.md §2.2).

use jiff::civil::Date;
use rust_decimal::Decimal;

/// A rate in force from a date until the next row's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// First day it applies.
    pub from: Date,
    /// Yearly rate in hundredths of a percent (8.25 % = 825).
    pub basis_points: u32,
}

impl Rate {
    /// The rate as a fraction (8.25 % = 0.0825).
    pub fn fraction(self) -> Decimal {
        Decimal::new(i64::from(self.basis_points), 4)
    }

    /// The rate in percent (8.25).
    pub fn percent(self) -> Decimal {
        Decimal::new(i64::from(self.basis_points), 2)
    }
}

include!(concat!(env!("OUT_DIR"), "/nl_rates.rs"));

/// Which statutory rate a claim carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InterestKind {
    /// Wettelijke rente, art. 6:119 BW: consumers, and damages other than the price in a
    /// commercial contract.
    Consumer,
    /// Wettelijke handelsrente, art. 6:119a BW: the price in a contract between businesses.
    Commercial,
}

impl InterestKind {
    /// The table of this kind, oldest first.
    pub fn table(self) -> &'static [Rate] {
        match self {
            InterestKind::Consumer => STATUTORY,
            InterestKind::Commercial => COMMERCIAL,
        }
    }

    /// The rate in force on a day, if the table reaches back that far.
    pub fn rate_on(self, day: Date) -> Option<Rate> {
        let table = self.table();
        let i = table.partition_point(|r| r.from <= day);
        i.checked_sub(1).map(|i| table[i])
    }

    /// The first day after `day` on which the rate changes (a row of the table), if any.
    pub fn next_change_after(self, day: Date) -> Option<Date> {
        let table = self.table();
        table.get(table.partition_point(|r| r.from <= day)).map(|r| r.from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn tables_are_ordered_and_start_where_the_sources_do() {
        for kind in [InterestKind::Consumer, InterestKind::Commercial] {
            let t = kind.table();
            assert!(t.windows(2).all(|w| w[0].from < w[1].from), "{kind:?} strictly ascending");
            assert!(t.iter().all(|r| r.basis_points > 0 && r.basis_points < 2_000), "{kind:?} plausible rates");
        }
        assert_eq!(STATUTORY[0].from, date(1976, 4, 1));
        assert_eq!(COMMERCIAL[0].from, date(2002, 8, 8));
    }

    #[test]
    fn the_commercial_table_has_every_half_year() {
        // Art. 6:120 lid 2 BW: the commercial rate is set for each half-year from 1 January and
        // 1 July; the table must hold every one of them since 2003, up to the newest.
        let last = COMMERCIAL.last().map(|r| r.from).unwrap_or(Date::MIN);
        let mut day = date(2003, 1, 1);
        while day <= last {
            assert!(COMMERCIAL.iter().any(|r| r.from == day), "commercial rate for {day} missing");
            day = if day.month() == 1 { date(day.year(), 7, 1) } else { date(day.year() + 1, 1, 1) };
        }
        assert!(last >= date(2026, 1, 1), "the table reaches 2026");
        assert!(STATUTORY.last().map(|r| r.from) >= Some(date(2026, 1, 1)));
    }

    #[test]
    fn known_rates() {
        let c = InterestKind::Consumer;
        let b = InterestKind::Commercial;
        assert_eq!(c.rate_on(date(2025, 9, 1)).map(|r| r.basis_points), Some(600), "H2 2025 stayed at 6 % (§0.2)");
        assert_eq!(c.rate_on(date(2026, 1, 1)).map(|r| r.basis_points), Some(400));
        assert_eq!(c.rate_on(date(2015, 6, 30)).map(|r| r.basis_points), Some(200));
        assert_eq!(b.rate_on(date(2013, 3, 15)).map(|r| r.basis_points), Some(775));
        assert_eq!(b.rate_on(date(2013, 3, 16)).map(|r| r.basis_points), Some(875));
        assert_eq!(b.rate_on(date(2024, 1, 1)).map(|r| r.basis_points), Some(1250));
        assert_eq!(b.rate_on(date(2002, 8, 7)), None, "no commercial rate before 8 August 2002");
        assert_eq!(c.next_change_after(date(2023, 11, 11)), Some(date(2024, 1, 1)));
    }

    #[test]
    fn the_embedded_table_is_the_shared_one() {
        let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/nl-statutory-interest-rates.csv");
        let embedded = include_str!("../../../data/nl-statutory-interest-rates.csv");
        let shared =
            std::fs::read_to_string(shared).unwrap_or_else(|e| panic!("{shared}: {e}; the shared rate table must sit beside the project"));
        assert_eq!(embedded, shared, "data/nl-statutory-interest-rates.csv differs from ../shared/data: copy the new table in");
    }
}
