use jiff::Timestamp;
use jiff::civil::{Date, date};
use proptest::prelude::*;

use super::*;
use crate::contact::{Address, EmailAddress, PhoneNumber};
use crate::debtor::{ContactPerson, DebtorKind, Language, LanguageLevel, Segment};
use crate::dunning::defaults::default_policy_for;
use crate::ids::TenantId;
use crate::invoice::Currency;

fn debtor(kind: DebtorKind, affinity: DigitalAffinity, email: bool, address: bool) -> Debtor {
    Debtor {
        id: DebtorId(7),
        tenant_id: TenantId(1),
        external_id: None,
        kind,
        name: "D".into(),
        contacts: vec![ContactPerson {
            name: "D".into(),
            email: email.then(|| EmailAddress::parse("d@example.com").expect("email")),
            phone: Some(PhoneNumber::parse("0612345678").expect("phone")),
            whatsapp_opt_in: false,
        }],
        address: address.then(|| Address::parse("Kerkstraat 1", "1234 AB", "Utrecht", "NL").expect("address")),
        language: Language::Nl,
        language_level: LanguageLevel::Standard,
        digital_affinity: affinity,
        preferred_channel: None,
        segment: Segment::Standard,
        credit_limit: None,
        kvk_number: None,
        vat_id: None,
        created_at: Timestamp::UNIX_EPOCH,
        updated_at: Timestamp::UNIX_EPOCH,
    }
}

fn invoice(id: i64, due: Date, outstanding: i64) -> Invoice {
    let total = Cents::from_cents_unchecked(outstanding.max(1));
    let out = Cents::from_cents_unchecked(outstanding);
    Invoice {
        id: InvoiceId(id),
        tenant_id: TenantId(1),
        debtor_id: DebtorId(7),
        number: format!("F{id}"),
        external_id: None,
        issue_date: add_days(due, -30),
        due_date: due,
        currency: Currency::Eur,
        total,
        vat: Cents::ZERO,
        paid: total - out,
        credited: Cents::ZERO,
        outstanding: out,
        status: if outstanding > 0 { InvoiceStatus::Open } else { InvoiceStatus::Paid },
        payment_reference: None,
        created_at: Timestamp::UNIX_EPOCH,
        updated_at: Timestamp::UNIX_EPOCH,
    }
}

fn consumer_policy() -> Policy {
    default_policy_for(DebtorKind::Consumer, Segment::Standard, DigitalAffinity::Online)
}

/// The open ones among invoices, as the planner sees them.
fn items(invoices: &[Invoice]) -> Vec<OpenItem> {
    invoices.iter().filter_map(OpenItem::of).collect()
}

fn file<'a>(d: &'a DebtorProfile, invoices: &'a [OpenItem], done: &'a [StepDone], pauses: &'a [Pause]) -> DebtorFile<'a> {
    DebtorFile { debtor: d, state: DebtorState::default(), invoices, done, pauses }
}

#[test]
fn a_consumer_track_day_by_day() {
    let d = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Online, true, true));
    let inv = items(&[invoice(1, date(2026, 3, 31), 25_000)]);
    let steps = preview(&file(&d, &inv, &[], &[]), &consumer_policy(), date(2026, 3, 1), date(2026, 6, 30));
    let got: Vec<(Date, StepKind)> = steps.iter().map(|(day, a)| (*day, a.kind)).collect();
    assert_eq!(
        got,
        [
            (date(2026, 3, 28), StepKind::PreDueNudge),
            (date(2026, 4, 4), StepKind::Reminder),
            (date(2026, 4, 9), StepKind::CallTask),
            (date(2026, 4, 14), StepKind::Reminder),
            (date(2026, 4, 21), StepKind::FourteenDayLetter),
            (date(2026, 5, 12), StepKind::HandOver),
        ]
    );
    let letter = &steps[4].1;
    assert!(letter.adds_collection_costs && !letter.needs_approval);
    assert_eq!(letter.channels, [Channel::Letter, Channel::Email]);
    assert!(steps[5].1.needs_approval);
}

#[test]
fn a_small_debt_gets_no_call() {
    let d = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Online, true, true));
    let inv = items(&[invoice(1, date(2026, 3, 31), 5_000)]);
    let steps = preview(&file(&d, &inv, &[], &[]), &consumer_policy(), date(2026, 3, 1), date(2026, 6, 30));
    assert!(steps.iter().all(|(_, a)| a.kind != StepKind::CallTask));
    // The second reminder counts from the day the call would have been.
    assert_eq!(steps.iter().filter(|(_, a)| a.kind == StepKind::Reminder).nth(1).map(|(d, _)| *d), Some(date(2026, 4, 14)));
}

#[test]
fn invoices_at_the_same_step_share_one_notice() {
    let d = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Online, true, true));
    let inv = items(&[invoice(1, date(2026, 3, 31), 10_000), invoice(2, date(2026, 3, 31), 20_000), invoice(3, date(2026, 5, 31), 5_000)]);
    let a = plan(&file(&d, &inv, &[], &[]), &consumer_policy(), date(2026, 4, 4)).expect("a reminder");
    assert_eq!((a.kind, a.invoices.clone(), a.amount.cents()), (StepKind::Reminder, vec![InvoiceId(1), InvoiceId(2)], 30_000));
    assert_eq!(a.key, plan(&file(&d, &inv, &[], &[]), &consumer_policy(), date(2026, 4, 4)).expect("same").key, "deterministic");
}

#[test]
fn after_an_outage_the_most_recent_step_and_never_a_legal_one_skipped() {
    let d = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Online, true, true));
    let inv = items(&[invoice(1, date(2026, 1, 31), 25_000)]);
    // Nothing ran for months: the reminder is next (later steps count from it), not the hand-over.
    let a = plan(&file(&d, &inv, &[], &[]), &consumer_policy(), date(2026, 6, 1)).expect("an action");
    assert_eq!(a.kind, StepKind::Reminder);
    // A tenant policy with steps on the due date: the newest due is taken, up to a legal step.
    let mut p = consumer_policy();
    for s in &mut p.steps[1..] {
        s.anchor = Anchor::DueDate;
    }
    p.steps[2].offset_days = 9;
    p.steps[3].offset_days = 14;
    p.steps[4].offset_days = 21;
    p.steps[5].offset_days = 60;
    let a = plan(&file(&d, &inv, &[], &[]), &p, date(2026, 6, 1)).expect("an action");
    assert_eq!(a.kind, StepKind::FourteenDayLetter, "the hand-over is due too, but the letter comes first");
    assert_eq!(a.due_on, date(2026, 2, 21));
}

#[test]
fn pauses_and_paid_invoices_stop_the_track() {
    let d = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Online, true, true));
    let inv = items(&[invoice(1, date(2026, 3, 31), 10_000), invoice(2, date(2026, 3, 31), 0)]);
    let today = date(2026, 4, 4);
    let p = consumer_policy();
    assert_eq!(plan(&file(&d, &inv, &[], &[]), &p, today).map(|a| a.invoices), Some(vec![InvoiceId(1)]), "the paid one is not listed");
    for pause in [
        Pause::Dispute { invoice_id: InvoiceId(1), until: None },
        Pause::Arrangement { invoice_ids: vec![InvoiceId(1)], breaks_on: Some(add_days(today, 1)) },
        Pause::Arrangement { invoice_ids: vec![InvoiceId(1)], breaks_on: None },
        Pause::Promise { until: today },
        Pause::Hold { until: Some(date(2026, 4, 30)) },
        Pause::DebtHelp,
    ] {
        assert_eq!(plan(&file(&d, &inv, &[], std::slice::from_ref(&pause)), &p, today), None, "{pause:?}");
    }
    let expired = [
        Pause::Dispute { invoice_id: InvoiceId(1), until: Some(date(2026, 4, 3)) },
        Pause::Promise { until: date(2026, 4, 3) },
        Pause::Arrangement { invoice_ids: vec![InvoiceId(1)], breaks_on: Some(today) },
    ];
    assert!(plan(&file(&d, &inv, &[], &expired), &p, today).is_some(), "expired pauses and a broken arrangement no longer hold");
}

#[test]
fn channels_fit_the_debtor() {
    let ok = DebtorState::default();
    let offline = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Offline, true, true));
    assert_eq!(reachable_channels(&[Channel::Email, Channel::Sms], &offline, ok), [Channel::Letter], "never digital-only");
    let mut no_email = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Online, false, true));
    assert_eq!(
        reachable_channels(&[Channel::Email, Channel::Whatsapp, Channel::Sms], &no_email, ok),
        [Channel::Sms],
        "WhatsApp needs opt-in"
    );
    let unreachable = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Online, false, false));
    assert_eq!(reachable_channels(&[Channel::Email], &unreachable, ok), Vec::<Channel>::new());
    assert_eq!(reachable_channels(&[Channel::Phone], &offline, ok), [Channel::Phone]);
    let mut prefers_sms = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Online, true, true));
    prefers_sms.has_phone = true;
    prefers_sms.preferred_channel = Some(Channel::Sms);
    assert_eq!(reachable_channels(&[Channel::Email, Channel::Sms], &prefers_sms, ok), [Channel::Sms, Channel::Email], "preferred first");
    assert_eq!(reachable_channels(&[Channel::Email], &prefers_sms, ok), [Channel::Email], "a step without it keeps its own");
    prefers_sms.has_phone = false;
    assert_eq!(reachable_channels(&[Channel::Email, Channel::Sms], &prefers_sms, ok), [Channel::Email], "no number, no SMS");
    // A wrong number reaches nobody: no call, no SMS, no WhatsApp; a letter instead.
    no_email.whatsapp_opt_in = true;
    let wrong = DebtorState { wrong_number: true, ..ok };
    assert_eq!(reachable_channels(&[Channel::Whatsapp, Channel::Sms], &no_email, wrong), [Channel::Letter]);
    assert_eq!(reachable_channels(&[Channel::Phone], &no_email, wrong), Vec::<Channel>::new());
}

#[test]
fn wont_pay_passes_over_the_soft_steps_toward_hand_over() {
    let d = DebtorProfile::from(&debtor(DebtorKind::Consumer, DigitalAffinity::Online, true, true));
    let inv = items(&[invoice(1, date(2026, 3, 31), 25_000)]);
    let p = consumer_policy();
    // The reminder went out on 4 April; on the call (9 April) the debtor says they will not pay.
    let done = [
        StepDone { invoice_id: InvoiceId(1), step: 1, on: date(2026, 4, 4) },
        StepDone { invoice_id: InvoiceId(1), step: 2, on: date(2026, 4, 9) },
    ];
    let state = DebtorState::from_flags(&[(Flag::WontPay, date(2026, 4, 9)), (Flag::BrokenPromise, date(2026, 4, 1))]);
    assert_eq!(state.escalated_on, Some(date(2026, 4, 9)));
    let f = DebtorFile { state, ..file(&d, &inv, &done, &[]) };
    let got: Vec<(Date, StepKind)> = preview(&f, &p, date(2026, 4, 10), date(2026, 6, 30)).iter().map(|(d, a)| (*d, a.kind)).collect();
    // The second reminder (due 14 April) is passed over on the 9th; the letter counts from then,
    // and the hand-over keeps the letter's full term.
    assert_eq!(got, [(date(2026, 4, 16), StepKind::FourteenDayLetter), (date(2026, 5, 7), StepKind::HandOver)]);
    let normal: Vec<(Date, StepKind)> =
        preview(&file(&d, &inv, &done, &[]), &p, date(2026, 4, 10), date(2026, 6, 30)).iter().map(|(d, a)| (*d, a.kind)).collect();
    assert_eq!(normal[0], (date(2026, 4, 14), StepKind::Reminder));
    assert!(got[0].0 < normal[1].0, "faster than the normal track");
}

fn arb_invoice(id: i64) -> impl Strategy<Value = Invoice> {
    (0i32..120, prop_oneof![Just(0i64), 1i64..500_000]).prop_map(move |(day, out)| invoice(id, add_days(date(2026, 1, 1), day), out))
}

fn arb_pause() -> impl Strategy<Value = Pause> {
    prop_oneof![
        (1i64..5, proptest::option::of(0i32..200))
            .prop_map(|(i, u)| Pause::Dispute { invoice_id: InvoiceId(i), until: u.map(|d| add_days(date(2026, 1, 1), d)) }),
        (1i64..5, proptest::option::of(0i32..200))
            .prop_map(|(i, b)| Pause::Arrangement { invoice_ids: vec![InvoiceId(i)], breaks_on: b.map(|d| add_days(date(2026, 1, 1), d)) }),
        (0i32..200).prop_map(|d| Pause::Promise { until: add_days(date(2026, 1, 1), d) }),
        (0i32..200).prop_map(|d| Pause::Hold { until: Some(add_days(date(2026, 1, 1), d)) }),
    ]
}

proptest! {
    #[test]
    fn runs_over_time_keep_every_rule(
        business in any::<bool>(),
        offline in any::<bool>(),
        segment in 0usize..3,
        invoices in (1usize..5).prop_flat_map(|n| (1..=n as i64).map(arb_invoice).collect::<Vec<_>>()),
        pauses in proptest::collection::vec(arb_pause(), 0..3),
        gaps in proptest::collection::vec(1i32..40, 1..40),
        wont_pay in proptest::option::of(0i32..200),
        wrong_number in any::<bool>(),
    ) {
        let kind = if business { DebtorKind::Business } else { DebtorKind::Consumer };
        let affinity = if offline { DigitalAffinity::Offline } else { DigitalAffinity::Online };
        let d = DebtorProfile::from(&debtor(kind, affinity, true, true));
        let open = items(&invoices);
        let policy = default_policy_for(kind, Segment::ALL[segment], affinity);
        let mut done: Vec<StepDone> = Vec::new();
        let mut keys = std::collections::HashSet::new();
        let mut today = date(2025, 12, 1);
        for gap in gaps {
            today = add_days(today, gap);
            let state = DebtorState { escalated_on: wont_pay.map(|w| add_days(date(2026, 1, 1), w)), wrong_number };
            let f = DebtorFile { state, ..file(&d, &open, &done, &pauses) };
            let Some(a) = plan(&f, &policy, today) else { continue };
            // Deterministic, and never for a paid, disputed or paused invoice.
            let again = plan(&f, &policy, today);
            prop_assert_eq!(Some(&a), again.as_ref());
            for id in &a.invoices {
                let inv = invoices.iter().find(|i| i.id == *id).expect("listed invoices are the debtor's");
                prop_assert!(inv.status == InvoiceStatus::Open && inv.outstanding.is_positive());
                prop_assert!(!pauses.iter().any(|p| p.covers(*id, today)), "paused invoice {} listed", id);
                // Steps in order: past every step done before.
                let last = done.iter().filter(|s| s.invoice_id == *id).map(|s| s.step).max();
                prop_assert!(last.is_none_or(|l| a.step > l));
                // Never past a step with legal weight that was not done.
                for (k, s) in policy.steps.iter().enumerate().take(a.step) {
                    if s.kind.never_skipped() {
                        prop_assert!(done.iter().any(|x| x.invoice_id == *id && x.step == k), "skipped {:?}", s.kind);
                    }
                }
            }
            prop_assert!(a.due_on <= today);
            if state.escalated_on.is_some_and(|e| e <= today) {
                prop_assert!(!a.kind.is_soft(), "{:?} after the debtor said they will not pay", a.kind);
            }
            if wrong_number {
                prop_assert!(!a.channels.iter().any(|c| matches!(c, Channel::Phone | Channel::Sms | Channel::Whatsapp)));
            }
            prop_assert!(keys.insert(a.key.clone()), "one action per step per cycle: key {} twice", a.key);
            if offline && a.kind != StepKind::CallTask {
                prop_assert!(a.channels.contains(&Channel::Letter));
            }
            done.extend(a.invoices.iter().map(|&invoice_id| StepDone { invoice_id, step: a.step, on: today }));
            // Replay: planning again on the same day adds nothing.
            prop_assert_eq!(plan(&DebtorFile { state, ..file(&d, &open, &done, &pauses) }, &policy, today), None);
        }
    }
}

#[test]
fn a_simulated_track_follows_the_policy_and_moves_with_an_offset() {
    let d = debtor(DebtorKind::Consumer, DigitalAffinity::Online, true, true);
    let profile = DebtorProfile::from(&d);
    let due = date(2026, 3, 1);
    let mut p = Policy {
        name: "test".into(),
        steps: vec![
            crate::dunning::policy::Step::new(StepKind::Reminder, Anchor::DueDate, 7, &[Channel::Email]),
            crate::dunning::policy::Step::new(StepKind::Demand, Anchor::PreviousStep, 14, &[Channel::Email, Channel::Letter]),
        ],
    };
    let amount = Cents::new(10_000).expect("amount");
    let days = |p: &Policy| simulate(p, &profile, amount, due, 120).iter().map(|a| (a.step, a.due_on)).collect::<Vec<_>>();
    assert_eq!(days(&p), vec![(0, date(2026, 3, 8)), (1, date(2026, 3, 22))]);
    p.steps[0].offset_days = 10;
    assert_eq!(days(&p), vec![(0, date(2026, 3, 11)), (1, date(2026, 3, 25))], "the demand follows the reminder");
    p.steps[1].min_overdue = Cents::new(20_000).expect("amount");
    assert_eq!(days(&p), vec![(0, date(2026, 3, 11))], "too little owed for the demand");
    // The default consumer track runs in date order, once per step.
    let track = simulate(&consumer_policy(), &profile, amount, due, 120);
    assert!(track.windows(2).all(|w| w[0].due_on < w[1].due_on && w[0].step < w[1].step), "{track:?}");
}
