//! The consumer's 14-day letter (veertiendagenbrief), art. 6:96 lid 6 BW: collection costs
//! become due from a consumer only after a letter, sent after default, that states the exact
//! costs and gives fourteen days to pay, counted from the day after receipt
//! (HR 25 November 2016, ECLI:NL:HR:2016:2704). Rules: nl-collection-law.md §1.5.

use jiff::civil::{Date, Weekday};
use serde::Serialize;

use super::collection_costs::CollectionCosts;
use crate::Invalid;
use crate::dates::{add_days, written};
use crate::debtor::Language;

/// How the letter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// By post: received `days` after sending (at least 1), never on a Sunday or Monday, when
    /// PostNL delivers no letters; such a day moves to the Tuesday.
    Post {
        /// Days between posting and delivery.
        days: u8,
    },
    /// By email with proof of delivery: received the day it is sent.
    EmailWithProofOfDelivery,
}

impl Default for Delivery {
    /// Post, one day: the assumption courts examine (nl-collection-law.md §1.5).
    fn default() -> Self {
        Delivery::Post { days: 1 }
    }
}

/// The dates that follow from sending a 14-day letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LetterTerm {
    /// The day the letter went out.
    pub sent_on: Date,
    /// The day it is taken to be received.
    pub received_on: Date,
    /// The last day to pay without costs: fourteen days from the day after receipt.
    pub pay_by: Date,
    /// The first day the costs are due if nothing was paid.
    pub costs_due_from: Date,
}

/// The term of a letter sent on `sent_on`.
pub fn letter_term(sent_on: Date, delivery: Delivery) -> LetterTerm {
    let received_on = match delivery {
        Delivery::EmailWithProofOfDelivery => sent_on,
        Delivery::Post { days } => {
            let mut d = add_days(sent_on, i32::from(days.max(1)));
            while matches!(d.weekday(), Weekday::Sunday | Weekday::Monday) {
                d = add_days(d, 1);
            }
            d
        }
    };
    let pay_by = add_days(received_on, 14);
    LetterTerm { sent_on, received_on, pay_by, costs_due_from: add_days(pay_by, 1) }
}

/// Whether a consumer owes the collection costs on `today`: only after a letter's term ran out
/// and something is still unpaid (HR 13 June 2014, ECLI:NL:HR:2014:1405: no further step needed).
pub fn consumer_costs_due(term: &LetterTerm, today: Date, still_owed: bool) -> bool {
    still_owed && today >= term.costs_due_from
}

/// Wordings that make a 14-day letter invalid: a term counted from the letter's own date or
/// its sending, not from the day after receipt (HR 2016:2704).
const INVALID_WORDINGS: [&str; 8] = [
    "na heden",
    "na dagtekening",
    "na de dagtekening",
    "na verzending",
    "na datum van deze brief",
    "na de datum van deze brief",
    "from the date of this letter",
    "of the date of this letter",
];

/// Checks the deadline sentence of a 14-day letter: no wording the Hoge Raad rejected, and a
/// stated date, if any, not before the day the term allows.
pub fn check_deadline_wording(text: &str, term: &LetterTerm, stated_date: Option<Date>) -> Result<(), Invalid> {
    let lower = text.to_lowercase();
    if let Some(w) = INVALID_WORDINGS.iter().find(|w| lower.contains(*w)) {
        return Err(Invalid::new(
            "deadline wording",
            format!("'{w}' counts the term from the letter instead of from the day after receipt (HR 25-11-2016, ECLI:NL:HR:2016:2704)"),
        ));
    }
    if let Some(d) = stated_date
        && d < term.pay_by
    {
        return Err(Invalid::new("deadline date", format!("{d} is before {}, the last day of fourteen days after receipt", term.pay_by)));
    }
    Ok(())
}

/// The sentences the law requires in a 14-day letter, in the debtor's language: the deadline
/// in a wording the Hoge Raad accepted, with the date; that paying in time costs nothing; the
/// exact costs; and, when the creditor cannot deduct VAT, that it says so and adds it.
pub fn required_sentences(costs: &CollectionCosts, term: &LetterTerm, language: Language) -> Vec<String> {
    let date = |d: Date| written(d, language);
    let mut s = Vec::new();
    match language {
        Language::Nl => {
            s.push(format!(
                "Betaal binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd, dus uiterlijk op {}.",
                date(term.pay_by)
            ));
            s.push("Betaalt u op tijd, dan betaalt u geen incassokosten.".to_string());
            s.push(format!("Betaalt u niet op tijd, dan moet u ook incassokosten betalen: {}.", costs.total.to_dutch()));
            if costs.vat.is_positive() {
                s.push(format!(
                    "Wij kunnen de btw niet verrekenen. Daarom zijn de incassokosten verhoogd met 21% btw: {} plus {} btw.",
                    costs.costs.to_dutch(),
                    costs.vat.to_dutch()
                ));
            }
        }
        Language::En => {
            s.push(format!(
                "Please pay within fourteen days from the day after this letter is delivered to you, that is by {} at the latest.",
                date(term.pay_by)
            ));
            s.push("If you pay in time, you pay no collection costs.".to_string());
            s.push(format!("If you do not pay in time, you will also owe collection costs of {}.", costs.total.written(language)));
            if costs.vat.is_positive() {
                s.push(format!(
                    "We cannot deduct VAT, so the collection costs include 21% VAT: {} plus {} VAT.",
                    costs.costs.written(language),
                    costs.vat.written(language)
                ));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::nl::collection_costs::{Debtor, collection_costs};
    use crate::money::Cents;
    use jiff::civil::date;

    #[test]
    fn the_term_starts_the_day_after_receipt() {
        // Posted Thursday 5 March 2026, delivered Friday 6 March: pay by Friday 20 March; costs from the 21st.
        let t = letter_term(date(2026, 3, 5), Delivery::default());
        assert_eq!((t.received_on, t.pay_by, t.costs_due_from), (date(2026, 3, 6), date(2026, 3, 20), date(2026, 3, 21)));
        // Posted Saturday: no delivery on Sunday or Monday, so Tuesday.
        let t = letter_term(date(2026, 3, 7), Delivery::default());
        assert_eq!(t.received_on, date(2026, 3, 10));
        let t = letter_term(date(2026, 3, 7), Delivery::Post { days: 2 });
        assert_eq!(t.received_on, date(2026, 3, 10), "Monday moves to Tuesday too");
        // Email with proof of delivery: received the same day.
        let t = letter_term(date(2026, 3, 7), Delivery::EmailWithProofOfDelivery);
        assert_eq!((t.received_on, t.pay_by), (date(2026, 3, 7), date(2026, 3, 21)));
    }

    #[test]
    fn costs_only_after_the_term_and_only_when_unpaid() {
        let t = letter_term(date(2026, 3, 5), Delivery::default());
        assert!(!consumer_costs_due(&t, date(2026, 3, 20), true), "the last day to pay is still free");
        assert!(consumer_costs_due(&t, date(2026, 3, 21), true));
        assert!(!consumer_costs_due(&t, date(2026, 4, 30), false), "paid in full: no costs");
    }

    #[test]
    fn wordings_the_hoge_raad_rejected_are_refused() {
        let t = letter_term(date(2026, 3, 5), Delivery::default());
        assert!(check_deadline_wording("Betaal binnen veertien dagen na dagtekening van deze brief.", &t, None).is_err());
        assert!(check_deadline_wording("Betaal binnen 14 dagen na heden.", &t, None).is_err());
        assert!(check_deadline_wording("binnen veertien dagen na verzending van deze brief", &t, None).is_err());
        assert!(check_deadline_wording("Betaal binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd.", &t, None).is_ok());
        assert!(check_deadline_wording("Betaal uiterlijk op 19 maart 2026.", &t, Some(date(2026, 3, 19))).is_err(), "one day short");
        assert!(check_deadline_wording("Betaal uiterlijk op 20 maart 2026.", &t, Some(date(2026, 3, 20))).is_ok());
        for language in [Language::Nl, Language::En] {
            let c = collection_costs(Cents::parse("1752.79").expect("amount"), Debtor::Consumer, false);
            let text = required_sentences(&c, &t, language).join(" ");
            assert!(check_deadline_wording(&text, &t, None).is_ok(), "our own text is valid: {text}");
        }
    }

    #[test]
    fn the_letter_states_the_exact_costs_and_the_vat() {
        let t = letter_term(date(2026, 3, 5), Delivery::default());
        let c = collection_costs(Cents::parse("1752.79").expect("amount"), Debtor::Consumer, false);
        let nl = required_sentences(&c, &t, Language::Nl);
        assert_eq!(nl[0], "Betaal binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd, dus uiterlijk op 20 maart 2026.");
        assert!(nl[2].contains("€ 318,13"), "{nl:?}");
        assert!(nl[3].contains("€ 262,92 plus € 55,21 btw"), "{nl:?}");
        let en = required_sentences(&collection_costs(Cents::parse("800").expect("amount"), Debtor::Consumer, true), &t, Language::En);
        assert_eq!(en.len(), 3, "no VAT sentence when the creditor deducts VAT");
        assert!(en[0].contains("20 March 2026") && en[2].contains("€120.00"), "{en:?}");
    }
}
