//! Composing a message from the ledger as it is at the moment of sending: the invoices still
//! open (a payment or dispute since the run drops them), the amounts and dates written for the
//! reader, the day to pay by, collection costs and the 14-day letter's sentences where the step
//! claims them, and the EPC QR payload for what is open.

use jiff::civil::Date;

use domain::dates::{add_days, written};
use domain::debtor::{Debtor, DebtorKind};
use domain::dunning::policy::{Channel, StepKind};
use domain::invoice::{Invoice, InvoiceStatus};
use domain::law::nl::collection_costs::{Agreement, Debtor as CostsDebtor, collection_costs};
use domain::law::nl::fourteen_day_letter::{Delivery, letter_term, required_sentences};
use domain::messaging::MessagingSettings;
use domain::money::Cents;
use domain::reference::PaymentReference;
use domain::tenant::Tenant;
use formats::epc_qr::{Remittance, Transfer};

use crate::texts::{CostsLine, CreditorLine, DebtorLine, DeskLine, InvoiceLine, MessageContext, RewardLine};

/// What a message is composed from.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The creditor.
    pub tenant: &'a Tenant,
    /// The debtor.
    pub debtor: &'a Debtor,
    /// The invoices the action named, as they are now.
    pub invoices: &'a [Invoice],
    /// Invoices disputed since (left out of the message).
    pub disputed: &'a [domain::ids::InvoiceId],
    /// The tenant's messaging settings.
    pub settings: &'a MessagingSettings,
    /// The step.
    pub step: StepKind,
    /// The step claims collection costs.
    pub adds_collection_costs: bool,
    /// How the message goes out.
    pub channel: Channel,
    /// The day it goes out.
    pub today: Date,
    /// A link that pays in one tap, if the tenant has a payment provider.
    pub payment_link: Option<&'a str>,
    /// The debtor's portal, if there is one.
    pub portal_link: Option<&'a str>,
}

/// A composed message: what the texts are filled in with, and the transfer its QR code makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// The text's variables.
    pub context: MessageContext,
    /// The EPC QR payload (version 002) for everything open.
    pub epc_payload: Vec<u8>,
    /// What is open on the invoices in the message.
    pub total: Cents,
}

/// Days a step gives to pay, from the day it goes out; a letter gets two more for the post.
fn days_to_pay(step: StepKind, channel: Channel) -> i32 {
    let days = match step {
        StepKind::Reminder | StepKind::Custom | StepKind::FinalNotice => 7,
        StepKind::Demand | StepKind::NoticeOfDefault => 14,
        StepKind::PreDueNudge | StepKind::HandOver | StepKind::CallTask | StepKind::FourteenDayLetter => 0,
    };
    if channel == Channel::Letter && days > 0 { days + 2 } else { days }
}

/// Composes the message; `None` when nothing is left to ask for (everything paid, credited or
/// disputed since the run planned it).
pub fn compose(f: &Facts<'_>) -> Result<Option<Composed>, formats::epc_qr::EpcError> {
    let language = f.debtor.language;
    let open: Vec<&Invoice> = f
        .invoices
        .iter()
        .filter(|i| i.status == InvoiceStatus::Open && i.outstanding.is_positive() && !f.disputed.contains(&i.id))
        .collect();
    if open.is_empty() {
        return Ok(None);
    }
    let total = open.iter().fold(Cents::ZERO, |sum, i| sum.checked_add(i.outstanding).unwrap_or(sum));
    let shown_reference = |r: &str| PaymentReference::parse(r).map_or_else(|_| r.to_string(), |p| grouped(&p));
    let invoices: Vec<InvoiceLine> = open
        .iter()
        .map(|i| InvoiceLine {
            number: i.number.clone(),
            issued: written(i.issue_date, language),
            due: written(i.due_date, language),
            amount: i.total.written(language),
            settled: i.paid.checked_add(i.credited).unwrap_or(i.paid).written(language),
            open: i.outstanding.written(language),
            reference: i.payment_reference.as_deref().map(shown_reference),
        })
        .collect();
    let single_reference = single_reference(&open);
    let remittance_text = remittance_text(&open, language);
    let costs = f.adds_collection_costs.then(|| {
        let who = match f.debtor.kind {
            DebtorKind::Consumer => CostsDebtor::Consumer,
            DebtorKind::Business => CostsDebtor::Business(Agreement::Staffel),
        };
        collection_costs(total, who, f.tenant.can_deduct_vat)
    });
    let (pay_by, legal) = if f.step == StepKind::FourteenDayLetter {
        // The term runs from the day after receipt; a letter is taken to arrive by post the
        // next delivery day, and so is an email (no proof of delivery is kept): a longer term
        // is always allowed (nl-collection-law.md §1.5).
        let term = letter_term(f.today, Delivery::default());
        let letter_costs = costs.clone().unwrap_or_else(|| collection_costs(total, CostsDebtor::Consumer, f.tenant.can_deduct_vat));
        (term.pay_by, required_sentences(&letter_costs, &term, language))
    } else if f.step == StepKind::PreDueNudge {
        (open.iter().map(|i| i.due_date).min().unwrap_or(f.today), Vec::new())
    } else {
        (add_days(f.today, days_to_pay(f.step, f.channel)), Vec::new())
    };
    // The reward for paying early, on the invoices that can still earn it today.
    let reward = f.settings.early_payment.as_ref().and_then(|r| {
        let earning: Vec<(&Invoice, Option<Cents>)> =
            open.iter().filter(|i| f.today <= r.pay_by(i.issue_date)).map(|i| (*i, r.discount(i.total, i.issue_date, f.today))).collect();
        let last_day = earning.iter().map(|(i, _)| r.pay_by(i.issue_date)).min()?;
        let discount: Cents = earning.iter().filter_map(|(_, d)| *d).sum();
        let pay_by = written(last_day, language);
        let nl = language == domain::debtor::Language::Nl;
        let (text, amount) = match &r.reward {
            domain::messaging::Reward::Code { code, gives } => (
                if nl {
                    format!("Betaalt u uiterlijk {pay_by}, dan krijgt u {gives} met de code {code}.")
                } else {
                    format!("Pay by {pay_by} and you get {gives} with the code {code}.")
                },
                total,
            ),
            _ if discount.is_positive() => {
                let pay = total - discount;
                let (d, p) = (discount.written(language), pay.written(language));
                (
                    if nl {
                        format!("Betaalt u uiterlijk {pay_by}, dan krijgt u {d} korting: u betaalt dan {p}.")
                    } else {
                        format!("Pay by {pay_by} and you get {d} off: you then pay {p}.")
                    },
                    pay,
                )
            }
            _ => return None,
        };
        Some((RewardLine { text, pay_by, amount: amount.written(language) }, amount))
    });
    let addressee = f.debtor.contacts.first().map_or_else(|| f.debtor.name.clone(), |c| c.name.clone());
    let tenant = CreditorLine {
        name: f.tenant.legal_name.clone(),
        iban: f.tenant.iban.grouped(),
        address: f.tenant.address.as_ref().map_or_else(Vec::new, |a| vec![a.street.clone(), format!("{} {}", a.postcode, a.city)]),
    };
    let desk = f.settings.desk.as_ref().map(|d| DeskLine {
        name: d.name.clone(),
        phone: d.phone.as_ref().map(|p| p.as_str().to_string()),
        email: d.email.as_ref().map(|e| e.as_str().to_string()),
        hours: d.hours.clone(),
    });
    let context = MessageContext {
        tenant,
        debtor: DebtorLine { name: f.debtor.name.clone(), addressee },
        invoices,
        total: total.written(language),
        pay_by: written(pay_by, language),
        reference: single_reference.as_deref().map(shown_reference),
        remittance: remittance_text.clone(),
        payment_link: f.payment_link.map(str::to_string),
        portal_link: f.portal_link.map(str::to_string),
        desk,
        costs: costs.map(|c| CostsLine {
            total: c.total.written(language),
            costs: c.costs.written(language),
            vat: c.vat.written(language),
        }),
        legal,
        reward: reward.as_ref().map(|(line, _)| line.clone()),
    };
    // While the reward can be earned, the code pays the rewarded amount.
    let qr_amount = reward.map_or(total, |(_, amount)| amount);
    let epc_payload = formats::epc_qr::encode(&transfer(f.tenant, qr_amount, &open, language))?;
    Ok(Some(Composed { context, epc_payload, total }))
}

/// The payment reference to quote when one invoice is paid: its own.
pub fn single_reference(open: &[&Invoice]) -> Option<String> {
    match open {
        [one] => one.payment_reference.clone(),
        _ => None,
    }
}

/// What a transfer for these invoices says without a structured reference: their numbers
/// (`factuur 2026-1`, `invoices 2026-1, 2026-2`).
pub fn remittance_text(open: &[&Invoice], language: domain::debtor::Language) -> String {
    let numbers = open.iter().map(|i| i.number.as_str()).collect::<Vec<_>>().join(", ");
    match language {
        domain::debtor::Language::Nl if open.len() == 1 => format!("factuur {numbers}"),
        domain::debtor::Language::Nl => format!("facturen {numbers}"),
        domain::debtor::Language::En if open.len() == 1 => format!("invoice {numbers}"),
        domain::debtor::Language::En => format!("invoices {numbers}"),
    }
}

/// The SEPA transfer that pays `amount` on these invoices to the tenant: quoting the one
/// invoice's own reference, else their numbers.
pub fn transfer(tenant: &Tenant, amount: Cents, open: &[&Invoice], language: domain::debtor::Language) -> Transfer {
    Transfer {
        bic: tenant.bic.clone(),
        name: tenant.legal_name.chars().take(70).collect(),
        iban: tenant.iban.clone(),
        amount: Some(amount),
        purpose: None,
        remittance: match single_reference(open) {
            Some(r) => Remittance::Structured(r),
            None => Remittance::Unstructured(remittance_text(open, language).chars().take(140).collect()),
        },
        note: None,
    }
}

fn grouped(r: &PaymentReference) -> String {
    match r {
        PaymentReference::Kenmerk(k) => k.grouped(),
        PaymentReference::Rf(rf) => rf.grouped(),
    }
}
