//! The daily dunning run on SQLite and PostgreSQL: a double run, a run killed with SIGKILL and
//! repeated, two runners at once, and catching up after an outage; and the outbox it fills,
//! delivered to a real SMTP server by a `tegoed send` killed and restarted again and again.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::Duration;

use domain::dates::add_days;
use domain::dunning::agreement::{Instalment, Schedule};
use domain::dunning::planner::{Flag, OpenItem};
use domain::dunning::policy::StepKind;
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::invoice::Invoice;
use domain::money::Cents;
use domain::payment::{Allocation, NewPayment};
use jiff::civil::{Date, date};
use store::{Db, on_both_backends};
use tegoed::dunning_run::{BATCH_INVOICES, run};
use tegoed::synth;

const AS_OF: Date = date(2026, 11, 23);

async fn url_of(db: &Db) -> String {
    match db {
        Db::Sqlite(_) => {
            let path =
                std::env::temp_dir().join(format!("tegoed-dun-{}-{}.db", std::process::id(), jiff::Timestamp::now().as_microsecond()));
            format!("sqlite:{}", path.display())
        }
        Db::Postgres(_) => store::testing::postgres_url().await,
    }
}

/// Every step done of a tenant as comparable text (invoice number, step, day), and the number of
/// actions: two tenants with the same generated data compare equal whatever their ids.
async fn ledger_of_actions(db: &Db, tenant: TenantId) -> (BTreeSet<String>, usize) {
    let mut tx = db.read().await.expect("tx");
    let (doubled, actions, _) = tx.action_counts(tenant).await.expect("counts");
    assert_eq!(doubled, 0, "a step done twice for an invoice");
    let mut numbers = BTreeMap::new();
    let mut page = store::Page::first(500);
    loop {
        let batch = tx.invoices(tenant, &Default::default(), page).await.expect("invoices");
        page.after = batch.last().map(|i| i.id.0);
        let done = batch.len() < 500;
        numbers.extend(batch.into_iter().map(|i| (i.id, i.number)));
        if done {
            break;
        }
    }
    let steps = tx.progress_between(tenant, DebtorId(0), DebtorId(i64::MAX)).await.expect("progress");
    let text = steps.iter().map(|s| format!("{} {} {}", numbers[&s.invoice_id], s.step, s.on)).collect();
    (text, usize::try_from(actions).expect("count"))
}

async fn generated(db: &Db, debtors: u64, invoices: u64) -> TenantId {
    synth::generate(db, debtors, invoices, 11, AS_OF, false, false).await.expect("generate").tenant
}

async fn a_second_run_on_the_same_day_adds_nothing(db: Db) {
    let t = generated(&db, 400, 2_000).await;
    let first = run(&db, t, AS_OF, false, 300).await.expect("run");
    assert!(first.stored > 50, "{first:?}");
    let second = run(&db, t, AS_OF, false, 300).await.expect("run again");
    assert_eq!(second.stored, 0, "{second:?}");
    let (steps, actions) = ledger_of_actions(&db, t).await;
    assert_eq!(actions as u64, first.stored);
    assert!(steps.len() >= actions);
    // The next day only what fell due since.
    let next = run(&db, t, domain::dates::add_days(AS_OF, 1), false, 300).await.expect("next day");
    assert!(next.stored < first.stored);
    // A dry run stores nothing.
    let dry = run(&db, t, domain::dates::add_days(AS_OF, 9), true, 300).await.expect("dry run");
    assert!(!dry.planned.is_empty());
    assert_eq!(ledger_of_actions(&db, t).await.1 as u64, first.stored + next.stored);
}

async fn after_an_outage_no_step_is_skipped_and_none_fires_twice(db: Db) {
    let t = generated(&db, 300, 1_500).await;
    // Nothing ran for two months; then daily runs.
    let mut day = domain::dates::add_days(AS_OF, 60);
    let catch_up = run(&db, t, day, true, BATCH_INVOICES).await.expect("dry run");
    for a in &catch_up.planned {
        assert!(
            !matches!(a.kind, StepKind::FourteenDayLetter | StepKind::HandOver | StepKind::Demand),
            "catching up went straight to {:?}",
            a.kind
        );
    }
    let debtors: BTreeSet<DebtorId> = catch_up.planned.iter().map(|a| a.debtor_id).collect();
    assert_eq!(debtors.len(), catch_up.planned.len(), "one action per debtor per run");
    for _ in 0..90 {
        run(&db, t, day, false, BATCH_INVOICES).await.expect("run");
        day = domain::dates::add_days(day, 1);
    }
    // Every invoice that reached a step with legal weight or the hand-over went through every
    // such step of its policy before it.
    let mut tx = db.read().await.expect("tx");
    let steps = tx.progress_between(t, DebtorId(0), DebtorId(i64::MAX)).await.expect("progress");
    let mut by_invoice: BTreeMap<i64, Vec<(usize, Date)>> = BTreeMap::new();
    for s in steps {
        by_invoice.entry(s.invoice_id.0).or_default().push((s.step, s.on));
    }
    let mut handed_over = 0;
    for (invoice, mut done) in by_invoice {
        done.sort();
        assert!(done.windows(2).all(|w| w[0].1 < w[1].1), "invoice {invoice}: steps in order, one per day: {done:?}");
        let inv = tx.invoice(t, domain::ids::InvoiceId(invoice)).await.expect("query").expect("exists");
        let debtor = tx.debtor(t, inv.debtor_id).await.expect("query").expect("exists");
        let policy = domain::dunning::defaults::default_policy_for(debtor.kind, debtor.segment, debtor.digital_affinity);
        let last = done.last().map_or(0, |d| d.0);
        for (k, s) in policy.steps.iter().enumerate().take(last) {
            if s.kind.never_skipped() {
                assert!(done.iter().any(|d| d.0 == k), "invoice {invoice} skipped {:?}: {done:?}", s.kind);
            }
        }
        if policy.steps[last].kind == StepKind::HandOver {
            handed_over += 1;
        }
    }
    assert!(handed_over > 0, "ninety days of runs reach hand-overs");
}

async fn a_killed_run_repeated_stores_every_action_once(db: Db) {
    let url = url_of(&db).await;
    let db = Db::connect(&url).await.expect("open");
    db.migrate().await.expect("migrate");
    // Two tenants with the same generated data: one run whole, one killed again and again.
    let reference = generated(&db, 6_000, 30_000).await;
    let victim = generated(&db, 6_000, 30_000).await;
    run(&db, reference, AS_OF, false, 500).await.expect("reference run");
    let mut kills = 0;
    for attempt in 0..40u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tegoed"))
            .args(["--database", &url, "run", "--tenant", &victim.0.to_string(), "--date", "2026-11-23", "--batch-invoices", "500"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(150 + (attempt * 97) % 400));
        match child.try_wait().expect("wait") {
            Some(status) => {
                assert!(status.success(), "the run failed on its own");
                break;
            }
            None => {
                // SIGKILL: no cleanup, no rollback handler, exactly like a crash.
                child.kill().expect("kill");
                child.wait().expect("reap");
                kills += 1;
            }
        }
    }
    assert!(kills > 0, "the run was never caught mid-way; make the data larger");
    let finish = Command::new(env!("CARGO_BIN_EXE_tegoed"))
        .args(["--database", &url, "run", "--tenant", &victim.0.to_string(), "--date", "2026-11-23", "--batch-invoices", "500"])
        .output()
        .expect("final run");
    assert!(finish.status.success(), "{}", String::from_utf8_lossy(&finish.stderr));
    let (want, want_n) = ledger_of_actions(&db, reference).await;
    let (got, got_n) = ledger_of_actions(&db, victim).await;
    assert_eq!(got_n, want_n, "killed {kills} times: the same number of actions as one clean run");
    assert_eq!(got, want, "the same steps for the same invoices");
}

async fn two_runners_at_once_store_each_action_once(db: Db) {
    let url = url_of(&db).await;
    let db = Db::connect(&url).await.expect("open");
    db.migrate().await.expect("migrate");
    let reference = generated(&db, 3_000, 15_000).await;
    let contested = generated(&db, 3_000, 15_000).await;
    run(&db, reference, AS_OF, false, 400).await.expect("reference run");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_tegoed"))
            .args(["--database", &url, "run", "--tenant", &contested.0.to_string(), "--date", "2026-11-23", "--batch-invoices", "400"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().expect("a"), b.wait_with_output().expect("b"));
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let (want, want_n) = ledger_of_actions(&db, reference).await;
    let (got, got_n) = ledger_of_actions(&db, contested).await;
    assert_eq!((got_n, got), (want_n, want));
}

async fn a_paused_debtor_gets_nothing_until_the_pause_ends(db: Db) {
    let t = generated(&db, 200, 1_000).await;
    let all = run(&db, t, AS_OF, true, BATCH_INVOICES).await.expect("dry run");
    let target = all.planned[0].debtor_id;
    let mut tx = db.write().await.expect("tx");
    let hold = tx.add_pause(t, target, None, "hold", None, None, "talking to the customer").await.expect("pause");
    tx.commit().await.expect("commit");
    let paused = run(&db, t, AS_OF, false, BATCH_INVOICES).await.expect("run");
    assert_eq!(paused.stored as usize, all.planned.len() - 1, "everyone but the paused debtor");
    let mut tx = db.read().await.expect("tx");
    assert!(tx.actions(t, Some(target), None, store::Page::first(10)).await.expect("actions").is_empty());
    drop(tx);
    let mut tx = db.write().await.expect("tx");
    assert!(tx.end_pause(t, hold).await.expect("end"));
    tx.commit().await.expect("commit");
    run(&db, t, domain::dates::add_days(AS_OF, 1), false, BATCH_INVOICES).await.expect("next run");
    let mut tx = db.read().await.expect("tx");
    let actions = tx.actions(t, Some(target), None, store::Page::first(10)).await.expect("actions");
    assert_eq!(actions.len(), 1, "the track resumes the day after the hold ends");
}

/// Pays `amount` on an invoice, received on `on`.
async fn pay(db: &Db, t: TenantId, invoice: InvoiceId, debtor: DebtorId, amount: Cents, on: Date) {
    let mut tx = db.write().await.expect("tx");
    let p = NewPayment {
        debtor_id: Some(debtor),
        amount,
        received_on: on,
        payer_name: None,
        payer_iban: None,
        description: None,
        bank_reference: None,
        allocations: vec![Allocation { invoice_id: invoice, amount }],
    };
    tx.create_payment(t, &p).await.expect("payment");
    tx.commit().await.expect("commit");
}

/// Debtors with something planned today, each with its open invoices (at least two debtors).
async fn debtors_on_track(db: &Db, t: TenantId) -> Vec<(DebtorId, Vec<OpenItem>)> {
    let planned = run(db, t, AS_OF, true, BATCH_INVOICES).await.expect("dry run").planned;
    let mut tx = db.read().await.expect("tx");
    let mut out = Vec::new();
    for a in planned.iter().take(2) {
        let open = tx.open_invoices_of(t, a.debtor_id).await.expect("open").into_iter().map(|(i, _)| i).collect();
        out.push((a.debtor_id, open));
    }
    assert_eq!(out.len(), 2, "the generated data has debtors on the track");
    out
}

async fn actions_of(db: &Db, t: TenantId, d: DebtorId) -> usize {
    let mut tx = db.read().await.expect("tx");
    tx.actions(t, Some(d), None, store::Page::first(100)).await.expect("actions").len()
}

async fn a_broken_promise_flags_the_debtor_and_the_track_resumes(db: Db) {
    let t = generated(&db, 200, 1_000).await;
    let [(kept_by, kept_inv), (broken_by, _)]: [_; 2] = debtors_on_track(&db, t).await.try_into().expect("two");
    let pay_by = add_days(AS_OF, 5);
    let mut tx = db.write().await.expect("tx");
    let first = &kept_inv[0];
    tx.add_pause(t, kept_by, None, "promise", Some(pay_by), Some(first.outstanding), "pays on Friday").await.expect("promise");
    tx.add_pause(t, broken_by, None, "promise", Some(pay_by), Some(Cents::from_cents_unchecked(5_000)), "pays €50").await.expect("promise");
    tx.commit().await.expect("commit");

    let today = run(&db, t, AS_OF, false, BATCH_INVOICES).await.expect("run");
    assert_eq!((today.promises_kept, today.promises_broken), (0, 0));
    assert_eq!((actions_of(&db, t, kept_by).await, actions_of(&db, t, broken_by).await), (0, 0), "both wait for their promise");
    // One keeps the promise; the other pays part of it, which is not enough.
    pay(&db, t, first.id, kept_by, first.outstanding, add_days(AS_OF, 4)).await;
    let open = { db.read().await.expect("tx").open_invoices_of(t, broken_by).await.expect("open") };
    pay(&db, t, open[0].0.id, broken_by, Cents::from_cents_unchecked(1_000), add_days(AS_OF, 4)).await;
    // Within the grace nothing is broken yet.
    let in_grace = run(&db, t, add_days(pay_by, 3), false, BATCH_INVOICES).await.expect("run");
    assert_eq!((in_grace.promises_kept, in_grace.promises_broken), (1, 0), "{in_grace:?}");
    let after = run(&db, t, add_days(pay_by, 4), false, BATCH_INVOICES).await.expect("run");
    assert_eq!((after.promises_kept, after.promises_broken), (0, 1), "{after:?}");
    assert_eq!(actions_of(&db, t, broken_by).await, 1, "the track resumes the day the promise is broken");
    let mut tx = db.read().await.expect("tx");
    let flags = tx.flags_of(t, broken_by).await.expect("flags");
    assert_eq!(flags.iter().map(|f| (f.flag, f.set_on)).collect::<Vec<_>>(), [(Flag::BrokenPromise, add_days(pay_by, 4))]);
    assert!(tx.flags_of(t, kept_by).await.expect("flags").is_empty());
    assert!(tx.pauses_of(t, broken_by).await.expect("pauses").is_empty(), "the promise ended");
    let kinds: Vec<&str> = tx.timeline(t, broken_by).await.expect("timeline").iter().map(|e| e.kind).collect();
    for k in ["invoice_issued", "pause_started", "payment", "promise_broken", "flag_set", "action"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    drop(tx);
    // Judged once: a second run on the same day finds nothing new.
    let again = run(&db, t, add_days(pay_by, 4), false, BATCH_INVOICES).await.expect("run");
    assert_eq!((again.promises_broken, again.stored), (0, 0));
}

async fn an_arrangement_holds_its_invoices_until_an_instalment_is_missed(db: Db) {
    let t = generated(&db, 200, 1_000).await;
    let [(debtor, open), (other, other_open)]: [_; 2] = debtors_on_track(&db, t).await.try_into().expect("two");
    let owed: Cents = open.iter().map(|i| i.outstanding).sum();
    let half = Cents::from_cents_unchecked(owed.cents() / 2);
    let schedule = |first: Date, second: Date, total: Cents| Schedule {
        instalments: vec![
            Instalment { due_on: first, amount: Cents::from_cents_unchecked(total.cents() / 2) },
            Instalment { due_on: second, amount: total - Cents::from_cents_unchecked(total.cents() / 2) },
        ],
        grace_days: 5,
    };
    let ids: Vec<InvoiceId> = open.iter().map(|i| i.id).collect();
    let other_ids: Vec<InvoiceId> = other_open.iter().map(|i| i.id).collect();
    let mut tx = db.write().await.expect("tx");
    let settled_on = |invoices: &[Invoice]| invoices.iter().map(|i| i.paid + i.credited).sum::<Cents>();
    let settled = settled_on(&tx.invoices_by_id(t, &ids).await.expect("invoices"));
    let other_settled = settled_on(&tx.invoices_by_id(t, &other_ids).await.expect("invoices"));
    let plan = schedule(add_days(AS_OF, 10), add_days(AS_OF, 40), owed);
    assert!(plan.problems(owed, AS_OF).is_empty());
    tx.add_arrangement(t, debtor, &ids, &plan, settled, Some("two halves")).await.expect("arrangement");
    let other_owed: Cents = other_open.iter().map(|i| i.outstanding).sum();
    tx.add_arrangement(t, other, &other_ids, &schedule(add_days(AS_OF, 10), add_days(AS_OF, 20), other_owed), other_settled, None)
        .await
        .expect("arrangement");
    assert_eq!(tx.invoices_in_arrangements(t, &ids).await.expect("taken"), ids);
    tx.commit().await.expect("commit");

    run(&db, t, AS_OF, false, BATCH_INVOICES).await.expect("run");
    assert_eq!(actions_of(&db, t, debtor).await, 0, "held by the arrangement");
    // The first debtor pays the first half, spread over its invoices; the other pays everything.
    let mut left = half;
    for inv in &open {
        let part = inv.outstanding.min(left);
        if part.is_positive() {
            pay(&db, t, inv.id, debtor, part, add_days(AS_OF, 9)).await;
            left = left - part;
        }
    }
    for inv in &other_open {
        pay(&db, t, inv.id, other, inv.outstanding, add_days(AS_OF, 9)).await;
    }
    let kept = run(&db, t, add_days(AS_OF, 16), false, BATCH_INVOICES).await.expect("run");
    assert_eq!((kept.arrangements_completed, kept.arrangements_broken), (1, 0), "{kept:?}");
    assert_eq!(actions_of(&db, t, debtor).await, 0, "kept: still held");
    // The second instalment is not paid: broken the day after its grace.
    let grace_last = add_days(AS_OF, 45);
    assert_eq!(run(&db, t, grace_last, false, BATCH_INVOICES).await.expect("run").arrangements_broken, 0);
    let broken = run(&db, t, add_days(grace_last, 1), false, BATCH_INVOICES).await.expect("run");
    assert_eq!(broken.arrangements_broken, 1, "{broken:?}");
    assert_eq!(actions_of(&db, t, debtor).await, 1, "the track resumes");
    let mut tx = db.read().await.expect("tx");
    let stored = tx.arrangements_of(t, debtor).await.expect("arrangements");
    assert_eq!((stored[0].status.as_str(), stored[0].ended_on, stored[0].paid_since), ("broken", Some(add_days(grace_last, 1)), half));
    assert_eq!(tx.arrangements_of(t, other).await.expect("arrangements")[0].status, "completed");
    assert!(tx.invoices_in_arrangements(t, &ids).await.expect("taken").is_empty(), "free for a new arrangement");
}

/// The daily run's email, delivered by `tegoed send` processes killed with SIGKILL at random
/// moments and started again: the SMTP server receives no message twice. Every message is sent
/// and received once, except those a kill caught in the middle of sending: those wait, in
/// doubt, for a person (received once or not at all), and are never sent again by themselves.
async fn a_killed_sender_restarted_delivers_each_message_once(db: Db) {
    use mailparse::MailHeaderMap;
    let url = url_of(&db).await;
    let db = Db::connect(&url).await.expect("open");
    db.migrate().await.expect("migrate");
    let tenant = generated(&db, 500, 2_000).await;
    run(&db, tenant, AS_OF, false, 500).await.expect("run");
    let all = store::Page::first(10_000);
    let mut tx = db.read().await.expect("tx");
    let queued = tx.messages(tenant, None, Some("pending"), all).await.expect("messages");
    tx.commit().await.expect("commit");
    let emails = queued.iter().filter(|m| m.channel == "email").count();
    assert!(emails > 100, "the run queued {emails} emails; make the data larger");

    let dir = std::env::temp_dir().join("tegoed-tests").join(format!("mail-killed-{}-{:?}", std::process::id(), db.backend()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mail dir");
    let server = channels::testing::SmtpServer::start(&dir);
    let mut kills = 0;
    for attempt in 0..60u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tegoed"))
            .args(["--database", &url, "send", "--once", "--lease-seconds", "1", "--parallel", "2", "--tenant", &tenant.0.to_string()])
            .env("TEGOED_SMTP_URL", server.url())
            .env("TEGOED_MAIL_FROM", "noreply@tegoed.test")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(200 + (attempt * 131) % 700));
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("kill");
            child.wait().expect("reap");
            kills += 1;
        } else {
            let out = child.wait_with_output().expect("output");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let mut tx = db.read().await.expect("tx");
            let left = tx.messages(tenant, None, Some("pending"), all).await.expect("pending").len()
                + tx.messages(tenant, None, Some("sending"), all).await.expect("sending").len();
            tx.commit().await.expect("commit");
            if left == queued.len() - emails {
                break;
            }
            // Messages held by a killed worker wait out their lease.
            std::thread::sleep(Duration::from_millis(1_100));
        }
    }
    assert!(kills > 0, "the sender was never caught mid-way; make the data larger");

    let mut tx = db.read().await.expect("tx");
    let sent = tx.messages(tenant, None, Some("sent"), all).await.expect("sent");
    let doubtful = tx.messages(tenant, None, Some("in_doubt"), all).await.expect("in doubt");
    tx.commit().await.expect("commit");
    assert_eq!(sent.len() + doubtful.len(), emails, "every email went out or waits for a person (killed {kills} times)");
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for raw in server.received() {
        let m = mailparse::parse_mail(raw.as_bytes()).expect("MIME");
        *received.entry(m.headers.get_first_value("Message-ID").expect("Message-ID")).or_default() += 1;
    }
    for m in &sent {
        let id = m.message_id.clone().expect("a sent message has its id");
        assert_eq!(received.remove(&id), Some(1), "{id} is received exactly once: {:?}", m.attempts);
    }
    let mailer = channels::email::Mailer::new(&channels::email::MailSettings {
        url: server.url(),
        from: "noreply@tegoed.test".into(),
        connections: 1,
    })
    .expect("mailer");
    let mut delivered_in_doubt = 0;
    for m in &doubtful {
        assert_eq!(m.attempts.last().and_then(|a| a.outcome.as_deref()), Some("in_doubt"), "{m:?}");
        let got = received.remove(&mailer.message_id(tenant.0, m.id)).unwrap_or(0);
        assert!(got <= 1, "a message in doubt was received {got} times");
        delivered_in_doubt += got;
    }
    assert!(received.is_empty(), "messages no outbox row accounts for, or received twice: {received:?}");
    eprintln!(
        "{emails} emails, {kills} kills: {} sent, {} in doubt ({delivered_in_doubt} of them had arrived)",
        sent.len(),
        doubtful.len()
    );
}

/// A sender told to stop (SIGTERM, as a deploy or `systemctl stop` does) claims nothing more and
/// finishes what it holds: no message is left in doubt, and the next sender sends the rest.
async fn a_sender_told_to_stop_finishes_what_it_holds(db: Db) {
    let url = url_of(&db).await;
    let db = Db::connect(&url).await.expect("open");
    db.migrate().await.expect("migrate");
    let tenant = generated(&db, 500, 2_000).await;
    run(&db, tenant, AS_OF, false, 500).await.expect("run");
    let dir = std::env::temp_dir().join("tegoed-tests").join(format!("mail-term-{}-{:?}", std::process::id(), db.backend()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mail dir");
    let server = channels::testing::SmtpServer::start(&dir);
    let sender = |once: bool| {
        let mut args = vec!["--database".to_string(), url.clone(), "send".into(), "--tenant".into(), tenant.0.to_string()];
        if once {
            args.push("--once".into());
        }
        Command::new(env!("CARGO_BIN_EXE_tegoed"))
            .args(args)
            .env("TEGOED_SMTP_URL", server.url())
            .env("TEGOED_MAIL_FROM", "noreply@tegoed.test")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let mut child = sender(false);
    std::thread::sleep(Duration::from_millis(700));
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill -TERM");
    assert!(term.success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "a sender told to stop exits cleanly: {status}");
    let part = server.received().len();
    assert!(part > 0, "the sender sent nothing before it was stopped");
    assert!(sender(true).wait().expect("wait").success());
    let all = store::Page::first(10_000);
    let mut tx = db.read().await.expect("tx");
    let doubtful = tx.messages(tenant, None, Some("in_doubt"), all).await.expect("in doubt");
    let sent = tx.messages(tenant, None, Some("sent"), all).await.expect("sent");
    tx.commit().await.expect("commit");
    assert!(doubtful.is_empty(), "{doubtful:?}");
    assert_eq!(server.received().len(), sent.len(), "each sent message received once ({part} before the stop)");
}

on_both_backends!(
    a_broken_promise_flags_the_debtor_and_the_track_resumes,
    an_arrangement_holds_its_invoices_until_an_instalment_is_missed,
    a_paused_debtor_gets_nothing_until_the_pause_ends,
    a_second_run_on_the_same_day_adds_nothing,
    after_an_outage_no_step_is_skipped_and_none_fires_twice,
    a_killed_run_repeated_stores_every_action_once,
    two_runners_at_once_store_each_action_once,
    a_killed_sender_restarted_delivers_each_message_once,
    a_sender_told_to_stop_finishes_what_it_holds
);
