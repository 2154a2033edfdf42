//! Which invoices an incoming payment pays, with a score and the reasons for it.
//!
//! The keys, strongest first (`../shared/docs/formats.md` §1 "Matching key order"):
//! 1. a structured reference (betalingskenmerk or RF) that is an invoice's own: exact;
//! 2. references quoted in the free text, taken only when their check digits hold;
//! 3. invoice numbers in the free text;
//! 4. the amount, from an account that paid for a known debtor before;
//! 5. the payer's name resembling a debtor's, with the amount of one of its invoices.
//!
//! At [`AUTO_ALLOCATE_SCORE`] or above a payment is allocated by itself; below it goes to the
//! credit controller's queue with the best candidates and why. The name alone never allocates.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{DebtorId, InvoiceId};
use crate::money::Cents;
use crate::payment::Allocation;
use crate::reference::PaymentReference;

/// From this score on a payment is allocated without a person looking at it.
pub const AUTO_ALLOCATE_SCORE: u8 = 80;

/// Below this name resemblance (0 to 100) a name is no evidence at all.
pub const NAME_FLOOR: u8 = 50;

/// Most candidates shown for a payment in the queue.
pub const MAX_SUGGESTIONS: usize = 5;

/// An invoice as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchInvoice {
    /// The invoice.
    pub id: InvoiceId,
    /// Its debtor.
    pub debtor_id: DebtorId,
    /// Its number, as the tenant issued it.
    pub number: String,
    /// Its payment reference (canonical form), if any.
    pub reference: Option<String>,
    /// What is still to be paid; zero once settled.
    pub outstanding: Cents,
    /// Whether it can still take money (open or partly paid, not settled or credited).
    pub open: bool,
    /// Its due date: the oldest is paid first.
    pub due_on: Date,
}

/// A payment to be matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incoming<'a> {
    /// The amount received.
    pub amount: Cents,
    /// The payer's name.
    pub payer_name: Option<&'a str>,
    /// The payer's account (an IBAN in electronic form).
    pub payer_account: Option<&'a str>,
    /// A structured reference from the bank.
    pub structured_reference: Option<&'a str>,
    /// The free text.
    pub remittance: Option<&'a str>,
}

/// An invoice the payment may be for, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Its number.
    pub number: String,
    /// Its debtor.
    pub debtor_id: DebtorId,
    /// What is still to be paid on it.
    pub outstanding: Cents,
    /// How sure, 0 to 100.
    pub score: u8,
    /// Why it is suggested.
    pub reason: String,
}

/// What the matcher concluded about one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// How sure, 0 to 100; allocate by itself from [`AUTO_ALLOCATE_SCORE`].
    pub score: u8,
    /// The debtor who paid, when known.
    pub debtor_id: Option<DebtorId>,
    /// Where the money goes (only when allocating by itself).
    pub allocations: Vec<Allocation>,
    /// Why, in order of weight.
    pub reasons: Vec<String>,
    /// For the queue: the best candidates, best first.
    pub suggestions: Vec<Suggestion>,
}

impl Verdict {
    /// Whether the payment is allocated without a person.
    pub fn is_automatic(&self) -> bool {
        self.score >= AUTO_ALLOCATE_SCORE
    }
}

/// The invoices, debtors and known accounts a statement is matched against. Built once per
/// import; it learns as it goes (an allocation lowers what is outstanding, a matched account
/// is remembered), so two payments in one statement do not pay the same invoice twice.
#[derive(Debug, Default)]
pub struct MatchBook {
    invoices: Vec<MatchInvoice>,
    by_id: HashMap<InvoiceId, u32>,
    by_reference: HashMap<String, u32>,
    by_number: HashMap<String, u32>,
    by_debtor: HashMap<DebtorId, Vec<u32>>,
    by_amount: HashMap<i64, Vec<u32>>,
    accounts: HashMap<String, DebtorId>,
    names: HashMap<DebtorId, String>,
}

impl MatchBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an invoice (again: replaced).
    pub fn add_invoice(&mut self, invoice: MatchInvoice) {
        if self.by_id.contains_key(&invoice.id) {
            return;
        }
        let at = u32::try_from(self.invoices.len()).unwrap_or(u32::MAX);
        self.by_id.insert(invoice.id, at);
        if let Some(r) = &invoice.reference {
            self.by_reference.insert(r.clone(), at);
        }
        self.by_number.insert(invoice.number.to_lowercase(), at);
        if invoice.open {
            self.by_debtor.entry(invoice.debtor_id).or_default().push(at);
            self.by_amount.entry(invoice.outstanding.cents()).or_default().push(at);
        }
        self.invoices.push(invoice);
    }

    /// Remembers that payments from this account are the debtor's.
    pub fn learn_account(&mut self, account: &str, debtor: DebtorId) {
        self.accounts.insert(normalise_account(account), debtor);
    }

    /// Records a debtor's name, for name resemblance.
    pub fn add_debtor_name(&mut self, debtor: DebtorId, name: &str) {
        self.names.insert(debtor, name.to_string());
    }

    /// How many invoices the book holds.
    pub fn len(&self) -> usize {
        self.invoices.len()
    }

    /// Whether the book holds no invoices.
    pub fn is_empty(&self) -> bool {
        self.invoices.is_empty()
    }

    /// The invoice with this id, if in the book.
    pub fn invoice(&self, id: InvoiceId) -> Option<&MatchInvoice> {
        self.by_id.get(&id).map(|&i| &self.invoices[i as usize])
    }

    /// Takes allocations into account: what is outstanding goes down, settled invoices close.
    pub fn settle(&mut self, allocations: &[Allocation]) {
        for a in allocations {
            if let Some(&i) = self.by_id.get(&a.invoice_id) {
                let inv = &mut self.invoices[i as usize];
                let before = inv.outstanding.cents();
                inv.outstanding = inv.outstanding.checked_sub(a.amount).filter(|c| !c.is_negative()).unwrap_or(Cents::ZERO);
                if let Some(list) = self.by_amount.get_mut(&before) {
                    list.retain(|&k| k != i);
                }
                if inv.outstanding.is_positive() {
                    self.by_amount.entry(inv.outstanding.cents()).or_default().push(i);
                } else {
                    inv.open = false;
                    if let Some(list) = self.by_debtor.get_mut(&inv.debtor_id) {
                        list.retain(|&k| k != i);
                    }
                }
            }
        }
    }

    /// The keys of a payment the store should load invoices for before matching: references
    /// (structured and quoted), tokens that may be invoice numbers, and the payer's account.
    pub fn keys_of(incoming: &Incoming<'_>) -> MatchKeys {
        let mut keys = MatchKeys::default();
        if let Some(r) = incoming.structured_reference {
            keys.references.push(canonical(r));
        }
        if let Some(text) = incoming.remittance {
            keys.references.extend(PaymentReference::find_in_text(text).iter().map(|r| r.as_str().to_string()));
            keys.numbers.extend(tokens(text));
        }
        keys.accounts.extend(incoming.payer_account.map(normalise_account));
        keys
    }

    fn open_of(&self, debtor: DebtorId) -> Vec<&MatchInvoice> {
        let mut list: Vec<&MatchInvoice> =
            self.by_debtor.get(&debtor).map(|l| l.iter().map(|&i| &self.invoices[i as usize]).collect()).unwrap_or_default();
        list.sort_by_key(|i| (i.due_on, i.id));
        list
    }

    /// Whether any key but the name points at an invoice or a debtor: a quick test, without
    /// judging, for which payments the name step will be needed.
    pub fn has_key_match(&self, incoming: &Incoming<'_>) -> bool {
        incoming.structured_reference.is_some_and(|r| self.by_reference.contains_key(&canonical(r)))
            || incoming.payer_account.is_some_and(|a| self.accounts.contains_key(&normalise_account(a)))
            || incoming.remittance.is_some_and(|text| {
                PaymentReference::find_in_text(text).iter().any(|r| self.by_reference.contains_key(r.as_str()))
                    || tokens(text).iter().any(|t| self.by_number.contains_key(t))
            })
    }

    /// Matches one payment. Pure: the book does not change (see [`MatchBook::settle`]).
    pub fn judge(&self, incoming: &Incoming<'_>) -> Verdict {
        let known_debtor = incoming.payer_account.and_then(|a| self.accounts.get(&normalise_account(a)).copied());

        // 1 and 2: references, structured or quoted with valid check digits.
        let mut referenced: Vec<(&MatchInvoice, &'static str)> = Vec::new();
        if let Some(r) = incoming.structured_reference
            && let Some(&i) = self.by_reference.get(&canonical(r))
        {
            referenced.push((&self.invoices[i as usize], "structured reference"));
        }
        if let Some(text) = incoming.remittance {
            for r in PaymentReference::find_in_text(text) {
                if let Some(&i) = self.by_reference.get(r.as_str())
                    && !referenced.iter().any(|(inv, _)| inv.id == self.invoices[i as usize].id)
                {
                    referenced.push((&self.invoices[i as usize], "reference in the description"));
                }
            }
        }
        if !referenced.is_empty() {
            let score = if referenced[0].1 == "structured reference" { 100 } else { 95 };
            let reasons = referenced
                .iter()
                .map(|(inv, how)| format!("{how} {} is invoice {}", inv.reference.as_deref().unwrap_or(""), inv.number))
                .collect();
            return self.decide(incoming, referenced.into_iter().map(|(i, _)| i).collect(), score, reasons, known_debtor);
        }

        // 3: invoice numbers in the text.
        if let Some(text) = incoming.remittance {
            let mut named: Vec<&MatchInvoice> = Vec::new();
            for t in tokens(text) {
                if let Some(&i) = self.by_number.get(&t)
                    && !named.iter().any(|n| n.id == self.invoices[i as usize].id)
                {
                    named.push(&self.invoices[i as usize]);
                }
            }
            if !named.is_empty() {
                let open: Cents = named.iter().filter(|i| i.open).map(|i| i.outstanding).sum();
                let score = if open == incoming.amount {
                    90
                } else if incoming.amount < open {
                    80
                } else {
                    70
                };
                let numbers: Vec<&str> = named.iter().map(|i| i.number.as_str()).collect();
                let reasons = vec![format!("the description names invoice {}", numbers.join(", "))];
                return self.decide(incoming, named, score, reasons, known_debtor);
            }
        }

        // 4: a known account and the amount.
        if let Some(debtor) = known_debtor {
            let open = self.open_of(debtor);
            let account = incoming.payer_account.unwrap_or("");
            let total: Cents = open.iter().map(|i| i.outstanding).sum();
            let exact: Vec<&MatchInvoice> = open.iter().copied().filter(|i| i.outstanding == incoming.amount).collect();
            let why = format!("account {account} paid for this debtor before");
            return match exact.len() {
                1 => self.decide(incoming, exact, 85, vec![why, "the amount is what one open invoice still needs".into()], known_debtor),
                0 if total == incoming.amount && !open.is_empty() => {
                    self.decide(incoming, open, 85, vec![why, "the amount is all that is open".into()], known_debtor)
                }
                0 => self.decide(incoming, open, 60, vec![why, "the amount fits no open invoice".into()], known_debtor),
                _ => self.decide(incoming, exact, 65, vec![why, "several open invoices need this amount".into()], known_debtor),
            };
        }

        // 5: the payer's name resembles a debtor's who has an invoice open for this amount.
        if let Some(name) = incoming.payer_name {
            let mut best: Vec<(u8, &MatchInvoice)> = self
                .by_amount
                .get(&incoming.amount.cents())
                .map(|l| l.iter().map(|&i| &self.invoices[i as usize]).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|inv| {
                    let s = similarity(name, self.names.get(&inv.debtor_id)?);
                    (s >= NAME_FLOOR).then_some((s, inv))
                })
                .collect();
            best.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.due_on.cmp(&b.1.due_on)));
            if let Some(&(s, _)) = best.first() {
                let score = name_score(s);
                let suggestions = best
                    .iter()
                    .take(MAX_SUGGESTIONS)
                    .map(|(s, inv)| {
                        suggestion(inv, name_score(*s), format!("the payer's name resembles the debtor's ({s}%) and the amount fits"))
                    })
                    .collect();
                return Verdict {
                    score,
                    debtor_id: None,
                    allocations: Vec::new(),
                    reasons: vec![format!("the payer's name resembles a debtor's ({s}%) who has an invoice open for this amount")],
                    suggestions,
                };
            }
        }
        Verdict {
            score: 0,
            debtor_id: None,
            allocations: Vec::new(),
            reasons: vec!["no reference, invoice number or known account".into()],
            suggestions: Vec::new(),
        }
    }

    /// Turns the invoices a key points at into a verdict: allocate when sure, else suggest.
    fn decide(
        &self,
        incoming: &Incoming<'_>,
        invoices: Vec<&MatchInvoice>,
        mut score: u8,
        mut reasons: Vec<String>,
        known_debtor: Option<DebtorId>,
    ) -> Verdict {
        let debtors: HashSet<DebtorId> = invoices.iter().map(|i| i.debtor_id).collect();
        let debtor_id = (debtors.len() == 1).then(|| invoices[0].debtor_id);
        if debtors.len() > 1 {
            score = score.min(60);
            reasons.push("the invoices belong to different debtors".into());
        }
        let settled: Vec<&str> = invoices.iter().filter(|i| !i.open).map(|i| i.number.as_str()).collect();
        if !settled.is_empty() {
            reasons.push(format!("invoice {} is settled already", settled.join(", ")));
            if settled.len() == invoices.len() {
                score = score.min(40);
            }
        }
        if let (Some(known), Some(d)) = (known_debtor, debtor_id)
            && known != d
        {
            reasons.push(format!("the account paid for debtor {known} before, not for this one"));
        }
        let open: Vec<(InvoiceId, Date, Cents)> = invoices.iter().filter(|i| i.open).map(|i| (i.id, i.due_on, i.outstanding)).collect();
        let total: Cents = open.iter().map(|(_, _, o)| *o).sum();
        if score >= AUTO_ALLOCATE_SCORE && incoming.amount > total {
            reasons.push(format!("{} more than is open is kept as the debtor's credit", incoming.amount - total));
        } else if score >= AUTO_ALLOCATE_SCORE && incoming.amount < total {
            reasons.push(format!("a part payment: {} of {}", incoming.amount, total));
        }
        let allocations = if score >= AUTO_ALLOCATE_SCORE { crate::payment::oldest_first(incoming.amount, &open) } else { Vec::new() };
        let reason = reasons.first().cloned().unwrap_or_default();
        let suggestions = invoices.iter().take(MAX_SUGGESTIONS).map(|i| suggestion(i, score, reason.clone())).collect();
        Verdict { score, debtor_id, allocations, reasons, suggestions }
    }
}

/// A name that resembles fully scores 70: below [`AUTO_ALLOCATE_SCORE`], always.
fn name_score(similarity: u8) -> u8 {
    30 + u8::try_from(u16::from(similarity) * 4 / 10).unwrap_or(40)
}

fn suggestion(inv: &MatchInvoice, score: u8, reason: String) -> Suggestion {
    Suggestion { invoice_id: inv.id, number: inv.number.clone(), debtor_id: inv.debtor_id, outstanding: inv.outstanding, score, reason }
}

/// What to load from the store for a set of payments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchKeys {
    /// Payment references (canonical).
    pub references: Vec<String>,
    /// Tokens that may be invoice numbers (lower case).
    pub numbers: Vec<String>,
    /// Payer accounts (electronic form).
    pub accounts: Vec<String>,
}

impl MatchKeys {
    /// Adds another payment's keys.
    pub fn extend(&mut self, other: MatchKeys) {
        self.references.extend(other.references);
        self.numbers.extend(other.numbers);
        self.accounts.extend(other.accounts);
    }

    /// Sorts and drops repeats.
    pub fn dedup(&mut self) {
        for v in [&mut self.references, &mut self.numbers, &mut self.accounts] {
            v.sort_unstable();
            v.dedup();
        }
    }
}

/// A reference in the form invoices store it: a valid kenmerk or RF canonically, else as given.
fn canonical(reference: &str) -> String {
    PaymentReference::parse(reference).map_or_else(|_| reference.trim().to_string(), |r| r.as_str().to_string())
}

/// An account in electronic form: upper case, no spaces.
pub fn normalise_account(account: &str) -> String {
    account.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase()
}

/// Words of a description that may be invoice numbers: runs of letters, digits, `-` and `_`
/// holding at least one digit, lower case.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .map(|t| t.trim_matches(['-', '_']))
        .filter(|t| t.len() >= 3 && t.bytes().any(|b| b.is_ascii_digit()))
        .map(str::to_lowercase)
        .collect()
}

/// Words that say nothing about who a business is.
const NAME_NOISE: &[&str] = &["bv", "nv", "vof", "cv", "b", "v", "n", "de", "het", "en", "van", "inzake", "the", "ltd", "gmbh"];

fn name_words(name: &str) -> HashSet<String> {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !NAME_NOISE.contains(w))
        .map(str::to_string)
        .collect()
}

/// How much two names resemble each other, 0 to 100 (Dice coefficient over their words, legal
/// forms and small words left out).
pub fn similarity(a: &str, b: &str) -> u8 {
    let (a, b) = (name_words(a), name_words(b));
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let common = a.intersection(&b).count();
    u8::try_from(200 * common / (a.len() + b.len())).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::Betalingskenmerk;

    fn cents(c: i64) -> Cents {
        Cents::new(c).expect("cents")
    }

    fn date(s: &str) -> Date {
        s.parse().expect("date")
    }

    fn invoice(id: i64, debtor: i64, number: &str, outstanding: i64, due: &str) -> MatchInvoice {
        MatchInvoice {
            id: InvoiceId(id),
            debtor_id: DebtorId(debtor),
            number: number.into(),
            reference: Some(Betalingskenmerk::issue(u64::try_from(id).expect("id")).expect("kenmerk").as_str().to_string()),
            outstanding: cents(outstanding),
            open: outstanding > 0,
            due_on: date(due),
        }
    }

    fn book() -> MatchBook {
        let mut b = MatchBook::new();
        b.add_invoice(invoice(1, 10, "2026-0001", 12100, "2026-10-01"));
        b.add_invoice(invoice(2, 10, "2026-0002", 5000, "2026-11-01"));
        b.add_invoice(invoice(3, 20, "2026-0003", 5000, "2026-10-15"));
        b.add_invoice(invoice(4, 20, "2026-0004", 0, "2026-09-01"));
        b.add_debtor_name(DebtorId(10), "Bakkerij De Gouden Korst B.V.");
        b.add_debtor_name(DebtorId(20), "Jansen Installatietechniek");
        b.learn_account("NL91ABNA0417164300", DebtorId(20));
        b
    }

    fn kenmerk(id: u64) -> String {
        Betalingskenmerk::issue(id).expect("kenmerk").as_str().to_string()
    }

    fn pay(amount: i64) -> Incoming<'static> {
        Incoming { amount: cents(amount), payer_name: None, payer_account: None, structured_reference: None, remittance: None }
    }

    #[test]
    fn a_structured_reference_allocates_exactly() {
        let b = book();
        let r = kenmerk(1);
        let v = b.judge(&Incoming { structured_reference: Some(&r), ..pay(12100) });
        assert_eq!(v.score, 100);
        assert!(v.is_automatic());
        assert_eq!(v.allocations, vec![Allocation { invoice_id: InvoiceId(1), amount: cents(12100) }]);
        assert_eq!(v.debtor_id, Some(DebtorId(10)));
    }

    #[test]
    fn overpayment_is_kept_as_credit_and_part_payment_allocates_part() {
        let b = book();
        let r = kenmerk(2);
        let over = b.judge(&Incoming { structured_reference: Some(&r), ..pay(6000) });
        assert_eq!(over.allocations, vec![Allocation { invoice_id: InvoiceId(2), amount: cents(5000) }]);
        assert!(over.reasons.iter().any(|r| r.contains("credit")), "{:?}", over.reasons);
        let part = b.judge(&Incoming { structured_reference: Some(&r), ..pay(2000) });
        assert_eq!(part.allocations, vec![Allocation { invoice_id: InvoiceId(2), amount: cents(2000) }]);
    }

    #[test]
    fn references_in_text_need_valid_check_digits_and_may_pay_several_invoices() {
        let b = book();
        let text = format!("betaling {} en {}", Betalingskenmerk::issue(1).expect("k").grouped(), kenmerk(2));
        let v = b.judge(&Incoming { remittance: Some(&text), ..pay(17100) });
        assert_eq!(v.score, 95);
        assert_eq!(v.allocations.len(), 2);
        assert_eq!(v.allocations.iter().map(|a| a.amount).sum::<Cents>(), cents(17100));
        // One digit off: the check digit fails, so it is not taken as a reference.
        let mut wrong = kenmerk(1);
        let last = wrong.pop().expect("digit");
        wrong.push(if last == '9' { '0' } else { char::from(last as u8 + 1) });
        let v = b.judge(&Incoming { remittance: Some(&wrong), ..pay(12100) });
        assert!(v.score < 95, "{v:?}");
    }

    #[test]
    fn an_invoice_number_in_text_with_the_right_amount() {
        let b = book();
        let v = b.judge(&Incoming { remittance: Some("Factuur 2026-0002, groet"), ..pay(5000) });
        assert_eq!((v.score, v.allocations.len()), (90, 1));
        let partial = b.judge(&Incoming { remittance: Some("fact. 2026-0002"), ..pay(1000) });
        assert_eq!(partial.score, 80);
        let too_much = b.judge(&Incoming { remittance: Some("2026-0002"), ..pay(9000) });
        assert!(!too_much.is_automatic() && too_much.allocations.is_empty());
        assert_eq!(too_much.suggestions[0].invoice_id, InvoiceId(2));
    }

    #[test]
    fn a_settled_invoice_goes_to_the_queue() {
        let b = book();
        let v = b.judge(&Incoming { remittance: Some("2026-0004"), ..pay(5000) });
        assert!(!v.is_automatic());
        assert!(v.reasons.iter().any(|r| r.contains("settled already")), "{:?}", v.reasons);
    }

    #[test]
    fn a_known_account_with_the_amount_of_one_invoice() {
        let b = book();
        let v = b.judge(&Incoming { payer_account: Some("nl91 abna 0417 1643 00"), ..pay(5000) });
        assert_eq!((v.score, v.debtor_id), (85, Some(DebtorId(20))));
        assert_eq!(v.allocations, vec![Allocation { invoice_id: InvoiceId(3), amount: cents(5000) }]);
        let odd = b.judge(&Incoming { payer_account: Some("NL91ABNA0417164300"), ..pay(1234) });
        assert_eq!((odd.score, odd.debtor_id), (60, Some(DebtorId(20))));
        assert!(odd.allocations.is_empty());
    }

    #[test]
    fn a_resembling_name_is_only_a_suggestion() {
        let b = book();
        let v = b.judge(&Incoming { payer_name: Some("BAKKERIJ DE GOUDEN KORST"), ..pay(5000) });
        assert!(!v.is_automatic());
        assert_eq!(v.suggestions[0].invoice_id, InvoiceId(2));
        assert_eq!(v.score, 70);
        let nothing = b.judge(&Incoming { payer_name: Some("Iemand Anders"), ..pay(5000) });
        assert_eq!((nothing.score, nothing.suggestions.len()), (0, 0));
    }

    #[test]
    fn settling_keeps_two_payments_from_paying_one_invoice_twice() {
        let mut b = book();
        let r = kenmerk(2);
        let first = b.judge(&Incoming { structured_reference: Some(&r), ..pay(5000) });
        b.settle(&first.allocations);
        let second = b.judge(&Incoming { structured_reference: Some(&r), ..pay(5000) });
        assert!(!second.is_automatic());
        assert!(second.allocations.is_empty());
        assert_eq!(b.invoice(InvoiceId(2)).map(|i| i.open), Some(false));
    }

    #[test]
    fn names_compare_by_their_words() {
        assert_eq!(similarity("M P Droog", "Droog, M.P."), 100);
        assert_eq!(similarity("Jansen B.V.", "JANSEN BV"), 100);
        assert_eq!(similarity("Jansen Installatietechniek", "Jansen"), 66);
        assert_eq!(similarity("", "Jansen"), 0);
    }

    #[test]
    fn keys_name_what_to_load() {
        let mut k = MatchBook::keys_of(&Incoming {
            structured_reference: Some("RF18 5390 0754 7034"),
            remittance: Some("factuur 2026-0001 en 2026-0001"),
            payer_account: Some("nl91 abna 0417 1643 00"),
            ..pay(1)
        });
        k.dedup();
        assert_eq!(k.references, vec!["RF18539007547034".to_string()]);
        assert_eq!(k.numbers, vec!["2026-0001".to_string()]);
        assert_eq!(k.accounts, vec!["NL91ABNA0417164300".to_string()]);
    }
}
