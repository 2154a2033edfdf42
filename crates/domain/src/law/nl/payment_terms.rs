//! Maximum payment terms in business transactions, art. 6:119a lid 5 and lid 6 BW
//! (nl-collection-law.md §3.1).

use crate::debtor::DebtorKind;

/// Longest term a business may agree without an express, not grossly unfair agreement (lid 5).
pub const BUSINESS_MAX_DAYS: u16 = 60;
/// Longest term a large company may take from an SME since 1 July 2022 (lid 6); longer is void.
pub const LARGE_TO_SME_MAX_DAYS: u16 = 30;

/// A warning when a payment term is longer than the law allows without more, or `None`.
///
/// `large_debtor_paying_sme`: the debtor is a large company (two of: balance sheet over €20 m,
/// turnover over €40 m, 250 employees or more) and the creditor an SME.
pub fn payment_term_warning(kind: DebtorKind, term_days: u16, large_debtor_paying_sme: bool) -> Option<String> {
    if kind != DebtorKind::Business {
        return None;
    }
    if large_debtor_paying_sme && term_days > LARGE_TO_SME_MAX_DAYS {
        return Some(format!(
            "a payment term of {term_days} days is void between a large company and an SME (art. 6:119a lid 6 BW): {LARGE_TO_SME_MAX_DAYS} days applies"
        ));
    }
    if term_days > BUSINESS_MAX_DAYS {
        return Some(format!(
            "a payment term of {term_days} days exceeds {BUSINESS_MAX_DAYS} days; it holds only if expressly agreed and not grossly unfair to the creditor (art. 6:119a lid 5 BW)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms() {
        assert_eq!(payment_term_warning(DebtorKind::Business, 60, false), None);
        assert!(payment_term_warning(DebtorKind::Business, 61, false).is_some_and(|w| w.contains("lid 5")));
        assert_eq!(payment_term_warning(DebtorKind::Business, 30, true), None);
        assert!(payment_term_warning(DebtorKind::Business, 31, true).is_some_and(|w| w.contains("lid 6")));
        assert_eq!(payment_term_warning(DebtorKind::Consumer, 90, true), None, "the business rules do not bind consumers");
    }
}
