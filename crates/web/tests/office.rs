//! The back-office over real HTTP, on SQLite and PostgreSQL: signing in, sessions, roles,
//! switching tenants, the worklist and its order, a debtor's file and its quick actions, and
//! the audit log.

mod common;

use common::{PASSWORD, TestApp, Visitor, form_token, office};
use reqwest::StatusCode;
use store::{Db, on_both_backends};

fn position(html: &str, needle: &str) -> usize {
    html.find(needle).unwrap_or_else(|| panic!("'{needle}' is not on the page: {html}"))
}

async fn signing_in_and_sessions(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let mut v = Visitor::new(&app);

    // Without a session every page leads to the sign-in.
    let (s, _, h) = v.get("/office").await;
    assert_eq!((s, h["location"].to_str().expect("ascii")), (StatusCode::SEE_OTHER, "/office/login"));
    let (s, login, h) = v.get("/office/login").await;
    assert_eq!(s, StatusCode::OK);
    assert!(login.contains("autocomplete=\"current-password\"") && !login.contains("<script"), "{login}");
    assert!(h["content-security-policy"].to_str().expect("ascii").contains("default-src 'none'"));

    // A wrong password and an unknown address get the same answer, and nothing is remembered.
    let (s1, wrong, _) = v.post("/office/login", &[("email", o.controller.as_str()), ("password", "not the password at all")]).await;
    let (s2, unknown, _) = v.post("/office/login", &[("email", "nobody@kantoor.example"), ("password", PASSWORD)]).await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert!(wrong.contains("horen niet bij elkaar") && unknown.contains("horen niet bij elkaar"));
    assert!(v.cookie.is_none());

    // The address in any case; the session cookie is HttpOnly and SameSite.
    let (s, _, h) = v.post("/office/login", &[("email", &format!(" ANNA{}@kantoor.example ", o.tenant.id)), ("password", PASSWORD)]).await;
    assert_eq!((s, h["location"].to_str().expect("ascii")), (StatusCode::SEE_OTHER, "/office"));
    let set = h["set-cookie"].to_str().expect("ascii");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    let (s, page, _) = v.get("/office?lang=en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Anna de Boer</a> <span class=\"role\">(credit controller)") && page.contains("Kantoor B.V."), "{page}");

    // A form without the session's token, or from another site, is refused and changes nothing.
    let path = format!("/office/debtors/{}/notes", o.jansen);
    let (s, _, _) = v.post(&path, &[("note", "no token")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let token = form_token(&page);
    let foreign = v
        .http
        .post(format!("{}{path}", v.base))
        .header("cookie", format!("tegoed_session={}", v.cookie.clone().expect("session")))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}&note=from+elsewhere"))
        .send()
        .await
        .expect("request");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let (_, file, _) = v.get(&format!("/office/debtors/{}", o.jansen)).await;
    assert!(!file.contains("no token") && !file.contains("from elsewhere"));

    // Switching to the second client: read-only there, and the first client's debtors are gone.
    let (s, _, _) = v.post("/office/tenant", &[("token", &token), ("tenant", &o.other.id.to_string())]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page, _) = v.get("/office?lang=en").await;
    assert!(page.contains("Anna de Boer</a> <span class=\"role\">(read-only)"), "{page}");
    assert!(!page.contains("Jansen"));
    let (s, refused, _) = v.get(&format!("/office/debtors/{}", o.jansen)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{refused}");
    let (s, _, _) = v.post(&path, &[("token", &token), ("note", "as read-only")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A tenant the user does not work for cannot be switched to.
    let (s, _, _) = v.post("/office/tenant", &[("token", &token), ("tenant", "999999")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = v.post("/office/tenant", &[("token", &token), ("tenant", &o.tenant.id.to_string())]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // Signing out ends the session on the server: the old cookie no longer works.
    let old = v.cookie.clone();
    let (s, _, _) = v.post("/office/logout", &[("token", &token)]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    v.cookie = old;
    let (s, _, _) = v.get("/office").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "a session ended by signing out");

    // A read-only colleague sees the list but cannot act.
    let mut r = Visitor::new(&app);
    assert_eq!(r.sign_in(&o.reader, PASSWORD).await, StatusCode::SEE_OTHER);
    let (_, page, _) = r.get(&format!("/office/debtors/{}", o.jansen)).await;
    assert!(page.contains("Jansen") && !page.contains("id=\"log-call\""), "no quick actions for read-only");
    let token = form_token(&page);
    let (s, _, _) = r.post(&path, &[("token", &token), ("note", "read-only note")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The audit log has the sign-ins, the failed ones, the switches and the sign-out.
    let (_, audit, _) = r.get("/office/audit").await;
    for line in ["sign_in", "tenant_switched", "sign_out", "user_role_set"] {
        assert!(audit.contains(line), "{line} in {audit}");
    }
    // Changes through the API are in it too, with the key that made them; refused ones are not.
    let (s, _) = app.post(&o.tenant.key, "/debtors", serde_json::json!({"kind": "consumer", "name": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, audit, _) = r.get("/office/audit").await;
    let prefix = &o.tenant.key[..15];
    assert_eq!(audit.matches("POST /api/v1/invoices<").count(), 3, "the fixture's three invoices: {audit}");
    assert!(audit.contains(&format!("API key {prefix}: 201")), "{audit}");
    assert_eq!(audit.matches("POST /api/v1/debtors<").count(), 2, "Jansen and De Vries, not the refused one: {audit}");
    let mut tx = db.read().await.expect("tx");
    let all = tx.audit_log(domain::ids::TenantId(o.tenant.id), store::Page::first(500)).await.expect("log");
    tx.commit().await.expect("commit");
    assert!(!all.iter().any(|e| e.detail.contains("read-only note") || e.detail.contains("no token")));

    // Ten misses from one address: refused for a while, even with the right password.
    let mut g = Visitor::new(&app);
    for _ in 0..8 {
        assert_eq!(g.sign_in(&o.reader, "wrong wrong wrong").await, StatusCode::UNAUTHORIZED);
    }
    let (s, _, h) = g.post("/office/login", &[("email", o.reader.as_str()), ("password", PASSWORD)]).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h["retry-after"], "900");
}

async fn worklist_and_debtor_file(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);

    // The broken promise of € 50 first, whatever its amount; then by weight: the dispute about
    // € 250 raised today (weight 250) before the call task about € 100 waiting two weeks
    // (100 × 44/30 ≈ 147).
    let (_, list, _) = v.get("/office?lang=en").await;
    let promise = position(&list, &format!("id=\"work-broken_promise-{}\"", o.broken_promise));
    let call = position(&list, &format!("id=\"work-call_task-{}\"", o.call_task));
    let dispute = position(&list, "id=\"work-dispute-");
    assert!(promise < dispute && dispute < call, "broken promise, dispute (€250), call (€100)");
    assert!(list.contains("€250.00") && list.contains("bike was delivered damaged"));
    // One kind at a time, still in order; the count of each kind links to it.
    let (_, disputes, _) = v.get("/office?kind=dispute").await;
    assert!(disputes.contains("id=\"work-dispute-") && !disputes.contains("work-call_task-") && !disputes.contains("work-broken_promise-"));
    assert!(list.contains("href=\"/office?kind=call_task\""), "{list}");
    let (_, beyond, _) = v.get("/office?page=2").await;
    assert!(!beyond.contains("<tr class=") && !beyond.contains("id=\"pages\""), "three items fit one page");

    // The file: the open items with their totals, the dispute as a pause, the quick actions.
    let (s, file, _) = v.get(&format!("/office/debtors/{}", o.jansen)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(file.contains("J-1") && file.contains("J-2") && file.contains("€350.00"), "{file}");
    assert!(file.contains("bike was delivered damaged") && file.contains("invoice issued"));
    // The next steps, as the daily run would take them: J-1 goes on after its call (J-2 waits
    // for the dispute's decision).
    let next = &file[position(&file, "id=\"next\"")..position(&file, "id=\"actions-h\"")];
    assert!(next.contains("If nothing is paid or agreed") && next.contains("€100.00") && !next.contains("€350.00"), "{next}");
    let token = form_token(&file);
    let calls = format!("/office/debtors/{}/calls", o.jansen);

    // A promise without a day is refused with the field named, and what was typed stays.
    let (s, page, _) = v.post(&calls, &[("token", &token), ("outcome", "promise"), ("note", "pays friday"), ("amount", "100")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("pay_by: expected a date") && page.contains(">pays friday</textarea>"), "{page}");
    // A promise in the past is refused by the same rule as the API's.
    let (s, page, _) = v.post(&calls, &[("token", &token), ("outcome", "promise"), ("pay_by", "2020-01-01"), ("amount", "100")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("promise.pay_by"), "{page}");

    // Reached and talked: the call closes the task, and it leaves the list.
    let (s, _, h) = v.post(&calls, &[("token", &token), ("outcome", "reached"), ("note", "will check with partner")]).await;
    assert_eq!(
        (s, h["location"].to_str().expect("ascii")),
        (StatusCode::SEE_OTHER, format!("/office/debtors/{}?done=call", o.jansen).as_str())
    );
    let (_, file, _) = v.get(&format!("/office/debtors/{}?done=call&lang=en", o.jansen)).await;
    assert!(file.contains("The call is logged.") && file.contains("reached: will check with partner"), "{file}");
    let (_, list, _) = v.get("/office").await;
    assert!(!list.contains(&format!("work-call_task-{}", o.call_task)));

    // A note and a hold.
    let (s, _, _) = v.post(&format!("/office/debtors/{}/notes", o.jansen), &[("token", &token), ("note", "Prefers mornings")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let today = web::today();
    let until = domain::dates::add_days(today, 10).to_string();
    let (s, page, _) =
        v.post(&format!("/office/debtors/{}/holds", o.jansen), &[("token", &token), ("until", &until), ("reason", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("reason: must not be empty"));
    let too_late = domain::dates::add_days(today, 91).to_string();
    let (s, _, _) =
        v.post(&format!("/office/debtors/{}/holds", o.jansen), &[("token", &token), ("until", &too_late), ("reason", "x")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) =
        v.post(&format!("/office/debtors/{}/holds", o.jansen), &[("token", &token), ("until", &until), ("reason", "on holiday")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, file, _) = v.get(&format!("/office/debtors/{}", o.jansen)).await;
    assert!(file.contains("Anna de Boer: Prefers mornings") && file.contains("on holiday"), "{file}");

    // Ending the hold: only a pause of this debtor, once.
    let mut tx = db.read().await.expect("tx");
    let pauses = tx.pauses_of(domain::ids::TenantId(o.tenant.id), domain::ids::DebtorId(o.jansen)).await.expect("pauses");
    tx.commit().await.expect("commit");
    let hold = pauses.iter().find(|p| p.kind == "hold").expect("the hold").id;
    let wrong = format!("/office/debtors/{}/pauses/{hold}/end", o.de_vries);
    assert_eq!(v.post(&wrong, &[("token", &token)]).await.0, StatusCode::FORBIDDEN);
    let end = format!("/office/debtors/{}/pauses/{hold}/end", o.jansen);
    assert_eq!(v.post(&end, &[("token", &token)]).await.0, StatusCode::SEE_OTHER);
    assert_eq!(v.post(&end, &[("token", &token)]).await.0, StatusCode::FORBIDDEN);

    // The broken promise leaves the list when marked done, once; another kind cannot be.
    let done = format!("/office/work/broken_promise/{}/done", o.broken_promise);
    assert_eq!(v.post(&done, &[("token", &token)]).await.0, StatusCode::SEE_OTHER);
    assert_eq!(v.post(&done, &[("token", &token)]).await.0, StatusCode::FORBIDDEN, "not on the list any more");
    assert_eq!(v.post("/office/work/dispute/1/done", &[("token", &token)]).await.0, StatusCode::NOT_FOUND);
    let (_, list, _) = v.get("/office").await;
    assert!(!list.contains("work-broken_promise-") && list.contains("work-dispute-"));

    // The dispute about J-2 (€ 250): more than is open cannot be credited; € 100 can, with
    // its share of the VAT, and the pause ends.
    let dispute = {
        let mut tx = db.read().await.expect("tx");
        let p = tx.pauses_of(domain::ids::TenantId(o.tenant.id), domain::ids::DebtorId(o.jansen)).await.expect("pauses");
        tx.commit().await.expect("commit");
        p.iter().find(|p| p.kind == "dispute").expect("the dispute").id
    };
    let decide = format!("/office/debtors/{}/disputes/{dispute}/decision", o.jansen);
    let (s, page, _) = v
        .post(
            &decide,
            &[
                ("token", &token),
                ("decision", "accept"),
                ("credit_number", "C-J-2"),
                ("credit_amount", "300"),
                ("decision_reason", "damage"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("credit_amount: 300.00 is more than the 250.00 still open on invoice J-2"), "{page}");
    let (s, page, _) = v.post(&decide, &[("token", &token), ("decision", "maybe"), ("decision_reason", "x")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("decision: choose accept"));
    let (s, _, h) = v
        .post(
            &decide,
            &[
                ("token", &token),
                ("decision", "accept"),
                ("credit_number", "C-J-2"),
                ("credit_amount", "100,00"),
                ("decision_reason", "front wheel was damaged"),
            ],
        )
        .await;
    assert_eq!(
        (s, h["location"].to_str().expect("ascii")),
        (StatusCode::SEE_OTHER, format!("/office/debtors/{}?done=dispute_accepted", o.jansen).as_str())
    );
    let (_, notes) = app.get(&o.tenant.key, &format!("/credit-notes?debtor_id={}", o.jansen)).await;
    assert_eq!(
        (&notes["items"][0]["number"], &notes["items"][0]["total"]),
        (&serde_json::json!("C-J-2"), &serde_json::json!(10_000)),
        "{notes}"
    );
    let (_, file, _) = v.get(&format!("/office/debtors/{}?done=dispute_accepted", o.jansen)).await;
    assert!(file.contains("The dispute is accepted with a credit note") && file.contains("€250.00"), "€100 + €150 open");
    assert!(file.contains("Dispute accepted: credit note C-J-2"), "{file}");
    // Decided once: a second decision finds no dispute.
    let (s, _, _) = v.post(&decide, &[("token", &token), ("decision", "reject"), ("decision_reason", "again")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, list, _) = v.get("/office").await;
    assert!(!list.contains("work-dispute-"));

    // Rejecting: the pause ends, the reason is in the file, no credit note.
    let mut tx = db.write().await.expect("tx");
    let second = tx
        .add_pause(domain::ids::TenantId(o.tenant.id), domain::ids::DebtorId(o.de_vries), None, "dispute", None, None, "never ordered")
        .await
        .expect("dispute");
    tx.commit().await.expect("commit");
    let decide = format!("/office/debtors/{}/disputes/{second}/decision", o.de_vries);
    let (s, _, _) = v.post(&decide, &[("token", &token), ("decision", "reject"), ("decision_reason", "signed delivery note")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, file, _) = v.get(&format!("/office/debtors/{}", o.de_vries)).await;
    assert!(file.contains("Dispute rejected: signed delivery note") && !file.contains("never ordered</td>"), "{file}");
    let (_, notes) = app.get(&o.tenant.key, &format!("/credit-notes?debtor_id={}", o.de_vries)).await;
    assert_eq!(notes["items"], serde_json::json!([]));

    // Every change is in the audit log with who did it.
    let (_, audit, _) = v.get("/office/audit").await;
    for line in ["call_logged", "note_added", "hold_started", "pause_ended", "work_done", "dispute_decided"] {
        assert!(audit.contains(line), "{line}");
    }
    assert!(audit.contains("Anna de Boer"));

    // The other tenant's list and files are its own.
    let mut tx = db.read().await.expect("tx");
    let theirs = tx.worklist(domain::ids::TenantId(o.other.id)).await.expect("list");
    tx.commit().await.expect("commit");
    assert!(theirs.is_empty());
}

async fn reports_over_a_period(db: Db) {
    use domain::ids::{DebtorId, InvoiceId, TenantId};
    use serde_json::json;
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let t = &o.tenant;
    let today = web::today();
    let day = |n: i32| domain::dates::add_days(today, n);
    let (a, b, c) = (app.debtor(t, "A").await, app.debtor(t, "B").await, app.debtor(t, "C").await);
    let a1 = app.invoice(t, a, "A-1", "2026-10-01", 10_000).await["id"].as_i64().expect("id");
    let a2 = app.invoice(t, a, "A-2", "2026-10-01", 20_000).await["id"].as_i64().expect("id");
    let b1 = app.invoice(t, b, "B-1", "2026-10-01", 30_000).await["id"].as_i64().expect("id");
    let c1 = app.invoice(t, c, "C-1", "2026-10-01", 40_000).await["id"].as_i64().expect("id");
    let step = |debtor: i64, invoices: Vec<i64>, on: jiff::civil::Date, key: &str| domain::dunning::planner::PlannedAction {
        debtor_id: DebtorId(debtor),
        policy: "consumer-standard".into(),
        step: 0,
        kind: domain::dunning::policy::StepKind::Reminder,
        due_on: on,
        channels: vec![domain::dunning::policy::Channel::Letter],
        invoices: invoices.into_iter().map(InvoiceId).collect(),
        amount: domain::money::Cents::from_cents_unchecked(100),
        template: "reminder".into(),
        needs_approval: false,
        adds_collection_costs: false,
        starts_interest: false,
        key: key.into(),
    };
    let tenant = TenantId(t.id);
    let mut tx = db.write().await.expect("tx");
    // A's reminder 40 days ago: A-1 paid 5 days after it, A-2 only in part. B's 5 days ago:
    // too recent for any window, though B-1 is paid.
    tx.record_actions(tenant, day(-40), &[(step(a, vec![a1, a2], day(-40), "ra"), store::ActionStatus::TaskOpen)]).await.expect("a");
    tx.record_actions(tenant, day(-5), &[(step(b, vec![b1], day(-5), "rb"), store::ActionStatus::TaskOpen)]).await.expect("b");
    // Promises: one kept, one broken, one running; a dispute; the portal's "can't pay".
    let money = domain::money::Cents::from_cents_unchecked;
    for (debtor, outcome) in [(a, Some("kept")), (b, Some("broken")), (c, None)] {
        let p = tx.add_pause(tenant, DebtorId(debtor), None, "promise", Some(day(7)), Some(money(1_000)), "phone").await.expect("promise");
        if let Some(o) = outcome {
            tx.settle_promise(tenant, p, o).await.expect("settle");
        }
    }
    tx.add_pause(tenant, DebtorId(c), Some(InvoiceId(c1)), "dispute", None, None, "wrong price").await.expect("dispute");
    tx.add_portal_event(tenant, DebtorId(b), "cant_pay", "kan niet betalen (portaal) / can't pay (portal) [illness: I am ill]")
        .await
        .expect("event");
    tx.commit().await.expect("commit");
    for (debtor, invoice, amount, on) in [(a, a1, 10_000, day(-35)), (a, a2, 5_000, day(-35)), (b, b1, 30_000, day(-3))] {
        let (s, p) = app
            .post(&t.key, "/payments", json!({"debtor_id": debtor, "amount": amount, "received_on": on.to_string(), "allocations": [{"invoice_id": invoice, "amount": amount}]}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
    }
    for outcome in ["cant_pay", "wont_pay", "wrong_number"] {
        let (s, r) = app.post(&t.key, &format!("/debtors/{c}/calls"), json!({"outcome": outcome})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let (s, arr) = app
        .post(
            &t.key,
            &format!("/debtors/{c}/arrangements"),
            json!({"invoice_ids": [c1], "instalments": [{"due_on": "2099-01-01", "amount": 40_000}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{arr}");
    assert_eq!(app.post_empty(&t.key, &format!("/arrangements/{}/cancel", arr["id"])).await, StatusCode::NO_CONTENT);

    let (s, r) = app.get(&t.key, "/reports/step-outcomes").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r["steps"],
        // With the fixture's call task (step 3, two weeks ago, not paid): in the 7- and 14-day
        // windows, not yet in the 30-day one.
        json!([
            {"policy": "consumer-standard", "step": 1, "invoices": 3, "eligible": [2, 2, 2], "paid": [1, 1, 1]},
            {"policy": "consumer-standard", "step": 3, "invoices": 1, "eligible": [1, 1, 0], "paid": [0, 0, 0]}
        ]),
        "{r}"
    );
    let csv = app
        .http
        .get(app.url("/reports/step-outcomes?format=csv"))
        .bearer_auth(&t.key)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("body");
    assert_eq!(
        csv,
        "policy,step,invoices,eligible_7,paid_7,eligible_14,paid_14,eligible_30,paid_30\nconsumer-standard,1,3,2,1,2,1,2,1\nconsumer-standard,3,1,1,0,1,0,0,0\n"
    );

    let (_, k) = app.get(&t.key, "/reports/kept").await;
    assert_eq!(
        (&k["promises"], &k["promises_kept_percent"]),
        // With the fixture's broken promise of € 50.
        (&json!({"made": 4, "open": 1, "kept": 1, "broken": 2, "cancelled": 0, "amount": 8_000}), &json!(33)),
        "{k}"
    );
    assert_eq!(
        (&k["arrangements"]["made"], &k["arrangements"]["cancelled"], &k["arrangements_kept_percent"]),
        (&json!(1), &json!(1), &json!(null))
    );

    let (_, r) = app.get(&t.key, "/reports/reasons").await;
    let counts: Vec<(String, i64)> = r["reasons"]
        .as_array()
        .expect("list")
        .iter()
        .map(|x| (x["reason"].as_str().expect("reason").to_string(), x["count"].as_i64().expect("n")))
        .collect();
    // The fixture adds a dispute and a promise.
    let expect =
        [("dispute", 2), ("cant_pay:illness", 1), ("cant_pay:unspecified", 1), ("wont_pay", 1), ("wrong_number", 1), ("promised_later", 4)];
    for (reason, n) in expect {
        assert!(counts.contains(&(reason.to_string(), n)), "{reason}: {n} in {counts:?}");
    }
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 10, "nothing else counted: {counts:?}");
    let svg =
        app.http.get(app.url("/reports/reasons?format=svg")).bearer_auth(&t.key).send().await.expect("svg").text().await.expect("body");
    assert_eq!(svg.matches("<rect x=").count(), 11, "a bar per reason");

    // Bad periods and forms are refused; another tenant's figures are its own.
    let (s, _) = app.get(&t.key, &format!("/reports/kept?from={}&to={}", day(1), day(0))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.get(&t.key, "/reports/dso?format=svg").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, theirs) = app.get(&o.other.key, "/reports/kept").await;
    assert_eq!(theirs["promises"]["made"], 0);

    // The back-office's page shows them all, with charts and CSV behind the session.
    let mut v = Visitor::new(&app);
    assert_eq!(v.get("/office/reports/kept.svg").await.0, StatusCode::SEE_OTHER, "signed in only");
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);
    let (s, page, _) = v.get("/office/reports?lang=en").await;
    assert_eq!(s, StatusCode::OK);
    for part in ["Ageing of open items", "DSO", "33%", "consumer-standard", "1 / 2 (50%)", "cant_pay:illness", "kept.svg?as_of="] {
        assert!(page.contains(part), "{part} in {page}");
    }
    for name in ["ageing", "kept", "step-outcomes", "reasons"] {
        let (s, body, h) = v.get(&format!("/office/reports/{name}.svg")).await;
        assert_eq!((s, h["content-type"].to_str().expect("ascii")), (StatusCode::OK, "image/svg+xml"), "{name}");
        assert!(body.starts_with("<svg"));
        let (s, body, _) = v.get(&format!("/office/reports/{name}.csv")).await;
        assert!(s == StatusCode::OK && body.lines().count() >= 2, "{name}: {body}");
    }
    assert_eq!(v.get("/office/reports/dso.svg").await.0, StatusCode::NOT_FOUND, "DSO is a figure, not a chart");
    let (_, page, _) = v.get("/office/reports?from=yesterday").await;
    assert!(page.contains("A date is not valid"));
}

async fn editing_texts(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);
    let (s, page, _) = v.get("/office/texts?step=reminder&language=en&level=plain&lang=en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("reminder · en · plain") && page.contains("Tegoed’s default text"), "{page}");
    assert!(!page.contains("id=\"save\""), "a credit controller cannot store texts");
    let token = form_token(&page);
    // The editor's form for the English plain reminder, as the page sends it.
    let form = |token: &str, subject: &str, body: &str, action: &str| -> Vec<(&'static str, String)> {
        vec![
            ("token", token.to_string()),
            ("step", "reminder".to_string()),
            ("language", "en".to_string()),
            ("level", "plain".to_string()),
            ("subject", subject.to_string()),
            ("body", body.to_string()),
            ("sms", "{{ tenant.name }}: please pay {{ total }}, ref {{ reference }}".to_string()),
            ("action", action.to_string()),
        ]
    };
    // Preview fills the typed text in with example data, and stores nothing.
    let body = "Dear {{ debtor.name }},\r\n\r\nWe have not yet received {{ total }}.\r\n{{ blocks.invoices }}\r\n{{ blocks.pay }}\r\n{{ blocks.help }}\r\n{{ blocks.contact }}";
    let (s, page, _) = v.post_form("/office/texts", &form(&token, "Still open: {{ total }}", body, "preview")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"rendered-subject\">Still open: €"), "{page}");
    assert!(page.contains("We have not yet received €"), "{page}");
    // A text that cannot be filled in says where.
    let (_, page, _) = v.post_form("/office/texts", &form(&token, "Open: {{ total", body, "preview")).await;
    assert!(page.contains("id=\"notice\"") && page.contains("<p>subject: "), "{page}");
    // Storing is for administrators.
    let (s, _, _) = v.post_form("/office/texts", &form(&token, "Still open: {{ total }}", body, "save")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, t) = app.get(&o.tenant.key, "/message-texts/reminder/en/plain").await;
    assert_eq!(t["source"], "default");

    let mut a = Visitor::new(&app);
    assert_eq!(a.sign_in(&o.admin, PASSWORD).await, StatusCode::SEE_OTHER);
    let (_, page, _) = a.get("/office/texts?step=reminder&language=en&level=plain").await;
    let token = form_token(&page);
    let (s, page, _) = a.post_form("/office/texts", &form(&token, "Open: {{ total", body, "save")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a broken text is not stored: {page}");
    let (s, _, h) = a.post_form("/office/texts", &form(&token, "Still open: {{ total }}", body, "save")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h["location"].to_str().expect("ascii").ends_with("done=saved"));
    let (_, t) = app.get(&o.tenant.key, "/message-texts/reminder/en/plain").await;
    assert_eq!((&t["source"], &t["subject"]), (&serde_json::json!("tenant"), &serde_json::json!("Still open: {{ total }}")));
    assert!(!t["body"].as_str().expect("body").contains('\r'), "line breaks are stored as LF");
    // Back to the default; both changes are in the audit log.
    let (s, _, _) = a
        .post("/office/texts", &[("token", &token), ("step", "reminder"), ("language", "en"), ("level", "plain"), ("action", "reset")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&o.tenant.key, "/message-texts/reminder/en/plain").await.1["source"], "default");
    let (_, audit, _) = a.get("/office/audit").await;
    assert!(audit.contains("text_saved") && audit.contains("text_reset"));
}

async fn editing_policies(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);
    let (s, page, _) = v.get("/office/policies?lang=en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Tegoed’s default policy") && page.contains("id=\"track\""), "a default, with its track: {page}");
    let token = form_token(&page);
    let form = |token: &str, name: &str, first_offset: &str, channels: &str, action: &str| -> Vec<(String, String)> {
        [
            ("token", token),
            ("name", name),
            ("steps", "2"),
            ("kind_0", "reminder"),
            ("offset_0", first_offset),
            ("anchor_0", "due_date"),
            ("channels_0", channels),
            ("kind_1", "demand"),
            ("offset_1", "14"),
            ("anchor_1", "previous_step"),
            ("channels_1", "email, letter"),
            ("min_1", "50"),
            ("kind_2", ""),
            ("action", action),
        ]
        .iter()
        .map(|(k, x)| (k.to_string(), x.to_string()))
        .collect()
    };
    // The preview walks the track: a reminder 7 days after the due date, the demand 14 after it.
    let (s, page, _) = v.post_form("/office/policies", &form(&token, "Zacht", "7", "email", "preview")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("(7 days after the due date)") && page.contains("(21 days after the due date)"), "{page}");
    // One step's days changed: the whole track moves.
    let (_, page, _) = v.post_form("/office/policies", &form(&token, "Zacht", "10", "email", "preview")).await;
    assert!(page.contains("(10 days after the due date)") && page.contains("(24 days after the due date)"), "{page}");
    assert!(!page.contains("(21 days after the due date)"));
    // What cannot be a policy is named.
    let (s, page, _) = v.post_form("/office/policies", &form(&token, "Zacht", "7", "pigeon", "preview")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("steps[0].channels"), "{page}");
    let (_, page, _) = v.post_form("/office/policies", &form(&token, "Zacht", "7", "phone", "preview")).await;
    assert!(page.contains("only a call task uses the phone channel"), "{page}");
    // Storing is for administrators, under a name of the tenant's own.
    assert_eq!(v.post_form("/office/policies", &form(&token, "Zacht", "7", "email", "save")).await.0, StatusCode::FORBIDDEN);
    let mut a = Visitor::new(&app);
    assert_eq!(a.sign_in(&o.admin, PASSWORD).await, StatusCode::SEE_OTHER);
    let (_, page, _) = a.get("/office/policies").await;
    let admin_token = form_token(&page);
    let (s, page, _) = a.post_form("/office/policies", &form(&admin_token, "consumer-standard", "7", "email", "save")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("is the name of a default policy"), "{page}");
    let (s, _, _) = a.post_form("/office/policies", &form(&admin_token, "Zacht", "10", "email", "save")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, list) = app.get(&o.tenant.key, "/policies").await;
    let mine = &list[0];
    assert_eq!(
        (&mine["name"], &mine["source"], &mine["steps"][0]["offset_days"]),
        (&serde_json::json!("Zacht"), &serde_json::json!("tenant"), &serde_json::json!(10))
    );
    assert_eq!(
        (&mine["steps"][1]["anchor"], &mine["steps"][1]["min_overdue"]),
        (&serde_json::json!("previous_step"), &serde_json::json!(5_000))
    );
    // Consumers of the standard segment follow it from now on; a name not of the tenant's own is refused.
    let (s, page, _) =
        a.post("/office/policies/assignments", &[("token", &admin_token), ("assign_consumer_standard", "consumer-standard")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("<p>assign_consumer_standard: ") && page.contains("is not a policy of your own"), "{page}");
    assert_eq!(
        v.post("/office/policies/assignments", &[("token", &token), ("assign_consumer_standard", "Zacht")]).await.0,
        StatusCode::FORBIDDEN,
        "administrators only"
    );
    let (s, _, _) = a.post("/office/policies/assignments", &[("token", &admin_token), ("assign_consumer_standard", "Zacht")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, assigned) = app.get(&o.tenant.key, "/policy-assignments").await;
    let list = assigned.as_array().expect("list");
    assert!(list.iter().any(|x| x["kind"] == "consumer" && x["segment"] == "standard" && x["policy"] == "Zacht"), "{assigned}");
    let (_, page, _) = a.get("/office/policies").await;
    assert!(page.contains("<option value=\"Zacht\" selected>Zacht</option>"), "{page}");
    let (_, audit, _) = a.get("/office/audit").await;
    assert!(audit.contains("policy_saved") && audit.contains("policy Zacht") && audit.contains("policies_assigned"));
}

async fn imports_page(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);
    let (s, page, _) = v.get("/office/imports?lang=en").await;
    assert_eq!(s, StatusCode::OK);
    let token = form_token(&page);
    let count = |db: Db| async move {
        let mut tx = db.read().await.expect("tx");
        let n = tx
            .invoices(domain::ids::TenantId(o.tenant.id), &store::InvoiceFilter::default(), store::Page::first(1000))
            .await
            .expect("list")
            .len();
        tx.commit().await.expect("commit");
        n
    };
    let before = count(db.clone()).await;

    // A list with one bad row: nothing is stored, and the line and column are named.
    let bad = "Factuurnummer;Klantnummer;Klantnaam;Factuurdatum;Vervaldatum;Bedrag\nI-1;K9;Negen;5-1-2026;4-2-2026;12,50\nI-2;K9;Negen;5-1-2026;4-2-2026;twaalf\n";
    let (s, page) = v.post_file("/office/imports", &[("token", &token), ("kind", "csv")], "lijst.csv", bad.as_bytes()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Nothing imported: lijst.csv") && page.contains("lijst.csv:3 [Bedrag]"), "{page}");
    assert_eq!(count(db.clone()).await, before, "all or nothing");
    let good = "Factuurnummer;Klantnummer;Klantnaam;Factuurdatum;Vervaldatum;Bedrag\nI-1;K9;Negen;5-1-2026;4-2-2026;12,50\nI-2;K9;Negen;5-1-2026;4-2-2026;10,00\n";
    let (s, page) = v.post_file("/office/imports", &[("token", &token), ("kind", "csv")], "lijst.csv", good.as_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("Imported: lijst.csv") && page.contains("2 invoices (€22.50)") && page.contains("1 new debtors"), "{page}");
    assert_eq!(count(db.clone()).await, before + 2);

    // A real SI-UBL e-invoice, and a real camt.053 statement; then a broken statement.
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples");
    let ubl = std::fs::read(format!("{samples}/ubl/si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml")).expect("sample");
    let (s, page) = v.post_file("/office/imports", &[("token", &token), ("kind", "ubl")], "minimal.xml", &ubl).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("1 invoices, 0 credit notes"), "{page}");
    let camt = std::fs::read(format!("{samples}/camt053/camt053.v2.minimal.xml")).expect("sample");
    let (s, page) = v.post_file("/office/imports", &[("token", &token), ("kind", "statement")], "afschrift.xml", &camt).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("camt.053") && page.contains("entries"), "{page}");
    let broken = &camt[..camt.len() / 2];
    let (s, page) = v.post_file("/office/imports", &[("token", &token), ("kind", "statement")], "half.xml", broken).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Nothing imported: half.xml") && page.contains("half.xml:"), "{page}");
    let (s, _) = v.post_file("/office/imports", &[("kind", "csv")], "lijst.csv", good.as_bytes()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no form token");

    // Read-only users cannot import; every import is listed and audited.
    let mut r = Visitor::new(&app);
    assert_eq!(r.sign_in(&o.reader, PASSWORD).await, StatusCode::SEE_OTHER);
    let (_, page, _) = r.get("/office/imports").await;
    assert!(!page.contains("id=\"import-button\""));
    let (s, _) = r.post_file("/office/imports", &[("token", &form_token(&page)), ("kind", "csv")], "x.csv", good.as_bytes()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, page, _) = v.get("/office/imports").await;
    assert!(page.matches("import_").count() == 0 && page.contains("csv lijst.csv") && page.contains("statement half.xml"), "{page}");
}

async fn deciding_proposals_and_approvals(db: Db) {
    use domain::dunning::agreement::{Frequency, Schedule};
    use domain::ids::{DebtorId, InvoiceId, TenantId};
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let t = TenantId(o.tenant.id);
    let today = web::today();
    let (_, invoices) = app.get(&o.tenant.key, &format!("/invoices?debtor_id={}", o.jansen)).await;
    let j1 = invoices["items"].as_array().expect("list").iter().find(|i| i["number"] == "J-1").expect("J-1")["id"].as_i64().expect("id");
    let plan = Schedule::of_amount(
        domain::money::Cents::from_cents_unchecked(10_000),
        domain::dates::add_days(today, 10),
        Frequency::Monthly,
        domain::money::Cents::from_cents_unchecked(1_000),
    )
    .expect("plan");
    let sam = app.debtor(&o.tenant, "Sam").await;
    let hand_over = |debtor: i64, key: &str| domain::dunning::planner::PlannedAction {
        debtor_id: DebtorId(debtor),
        policy: "consumer-standard".into(),
        step: 5,
        kind: domain::dunning::policy::StepKind::HandOver,
        due_on: today,
        channels: vec![domain::dunning::policy::Channel::Letter, domain::dunning::policy::Channel::Email],
        invoices: vec![],
        amount: domain::money::Cents::from_cents_unchecked(5_000),
        template: "hand_over".into(),
        needs_approval: true,
        adds_collection_costs: true,
        starts_interest: true,
        key: key.into(),
    };
    let mut tx = db.write().await.expect("tx");
    let hold =
        tx.add_pause(t, DebtorId(o.jansen), None, "hold", Some(domain::dates::add_days(today, 14)), None, "proposal").await.expect("hold");
    let proposal = tx
        .add_arrangement_proposal(
            t,
            DebtorId(o.jansen),
            &[InvoiceId(j1)],
            &plan,
            Frequency::Monthly,
            "an instalment of €10 is below the €25 the tenant allows",
            Some(hold),
        )
        .await
        .expect("proposal");
    tx.record_actions(
        t,
        today,
        &[
            (hand_over(o.de_vries, "ho-1"), store::ActionStatus::AwaitingApproval),
            (hand_over(sam, "ho-2"), store::ActionStatus::AwaitingApproval),
        ],
    )
    .await
    .expect("actions");
    tx.commit().await.expect("commit");
    let approvals = {
        let mut tx = db.read().await.expect("tx");
        let a = tx.actions(t, None, Some(store::ActionStatus::AwaitingApproval), store::Page::first(10)).await.expect("actions");
        tx.commit().await.expect("commit");
        a
    };
    let of = |d: i64| approvals.iter().find(|a| a.debtor_id == DebtorId(d)).expect("action").id;
    let (to_reject, to_approve) = (of(o.de_vries), of(sam));

    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);
    let (_, list, _) = v.get("/office?lang=en").await;
    for id in [format!("work-proposal-{proposal}"), format!("work-approval-{to_reject}"), format!("work-approval-{to_approve}")] {
        assert!(list.contains(&id), "{id} on the list");
    }
    let (_, file, _) = v.get(&format!("/office/debtors/{}", o.jansen)).await;
    assert!(file.contains(&format!("waiting-proposals-{proposal}")) && file.contains("Payment plan proposed in the portal"), "{file}");
    let token = form_token(&file);

    // Another debtor's path cannot decide it; approving makes the arrangement and ends the hold.
    let wrong = format!("/office/debtors/{}/proposals/{proposal}/decision", o.de_vries);
    assert_eq!(v.post(&wrong, &[("token", &token), ("decision", "approve")]).await.0, StatusCode::FORBIDDEN);
    let path = format!("/office/debtors/{}/proposals/{proposal}/decision", o.jansen);
    assert_eq!(v.post(&path, &[("token", &token), ("decision", "approve")]).await.0, StatusCode::SEE_OTHER);
    let (_, arrangements) = app.get(&o.tenant.key, &format!("/debtors/{}/arrangements", o.jansen)).await;
    assert_eq!(arrangements.as_array().map(Vec::len), Some(1), "{arrangements}");
    assert_eq!(v.post(&path, &[("token", &token), ("decision", "reject")]).await.0, StatusCode::FORBIDDEN, "decided once");
    let mut tx = db.read().await.expect("tx");
    assert!(!tx.pauses_of(t, DebtorId(o.jansen)).await.expect("pauses").iter().any(|p| p.id == hold), "the hold ended");
    tx.commit().await.expect("commit");

    // Hand-overs waiting for approval: rejected, nothing goes out; approved, it is queued.
    let reject = format!("/office/debtors/{}/actions/{to_reject}/decision", o.de_vries);
    assert_eq!(v.post(&reject, &[("token", &token), ("decision", "reject")]).await.0, StatusCode::SEE_OTHER);
    let approve = format!("/office/debtors/{sam}/actions/{to_approve}/decision");
    assert_eq!(v.post(&approve, &[("token", &token), ("decision", "approve")]).await.0, StatusCode::SEE_OTHER);
    assert_eq!(v.post(&approve, &[("token", &token), ("decision", "approve")]).await.0, StatusCode::FORBIDDEN, "once");
    let (_, theirs) = app.get(&o.tenant.key, &format!("/messages?debtor_id={}", o.de_vries)).await;
    assert_eq!(theirs["items"], serde_json::json!([]), "a rejected step sends nothing");
    let (_, sams) = app.get(&o.tenant.key, &format!("/messages?debtor_id={sam}")).await;
    assert_eq!(
        (&sams["items"][0]["channel"], &sams["items"][0]["status"]),
        (&serde_json::json!("letter"), &serde_json::json!("pending")),
        "{sams}"
    );
    let (_, list, _) = v.get("/office").await;
    assert!(!list.contains("work-approval-") && !list.contains("work-proposal-"), "all decided");
    let (_, audit, _) = v.get("/office/audit").await;
    for line in ["proposal_approved", "action_rejected", "action_approved"] {
        assert!(audit.contains(line), "{line}");
    }
}

async fn tenant_settings(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);
    let (s, page, _) = v.get("/office/settings?lang=en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Kantoor B.V.") && !page.contains("id=\"save\""), "seen, not changed, by a credit controller");
    let token = form_token(&page);
    assert_eq!(v.post("/office/settings", &[("token", &token), ("legal_name", "X")]).await.0, StatusCode::FORBIDDEN);

    let mut a = Visitor::new(&app);
    assert_eq!(a.sign_in(&o.admin, PASSWORD).await, StatusCode::SEE_OTHER);
    let (_, page, _) = a.get("/office/settings?lang=en").await;
    let token = form_token(&page);
    let form = |iban: &'static str, colour: &'static str| {
        vec![
            ("token", token.clone()),
            ("legal_name", "Kantoor Incasso B.V.".to_string()),
            ("kvk", "12345678".to_string()),
            ("iban", iban.to_string()),
            ("street", "Damrak 1".to_string()),
            ("postcode", "1012 LG".to_string()),
            ("city", "Amsterdam".to_string()),
            ("country", "NL".to_string()),
            ("term", "14".to_string()),
            ("reference_kind", "rf".to_string()),
            ("desk_name", "Anna de Boer".to_string()),
            ("desk_phone", "020 123 4567".to_string()),
            ("desk_email", "debiteuren@kantoor.example".to_string()),
            ("early_kind", "percentage".to_string()),
            ("early_days", "10".to_string()),
            ("early_value", "1,5".to_string()),
            ("min_instalment", "50".to_string()),
            ("max_months", "6".to_string()),
            ("brand_colour", colour.to_string()),
        ]
    };
    // A wrong IBAN and a colour white does not read on: refused, named, nothing stored.
    let (s, page, _) = a.post_form("/office/settings", &form("NL00 RABO 0000 0000 00", "#ffff00")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("<p>iban: ") && page.contains("<p>brand_colour: "), "{page}");
    assert!(page.contains("value=\"Kantoor Incasso B.V.\""), "what was typed stays");
    let (_, t) = app.get(&o.tenant.key, "/tenant").await;
    assert_eq!(t["legal_name"], "Kantoor B.V.");
    // Valid: all of it is stored.
    let (s, _, _) = a.post_form("/office/settings", &form("NL91 ABNA 0417 1643 00", "#0b5394")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, t) = app.get(&o.tenant.key, "/tenant").await;
    assert_eq!(
        (&t["legal_name"], &t["reference_kind"], &t["can_deduct_vat"], &t["default_payment_term_days"]),
        (&serde_json::json!("Kantoor Incasso B.V."), &serde_json::json!("rf"), &serde_json::json!(false), &serde_json::json!(14)),
        "{t}"
    );
    let (_, m) = app.get(&o.tenant.key, "/messaging-settings").await;
    assert_eq!(m["early_payment"], serde_json::json!({"within_days": 10, "reward": {"kind": "percentage", "hundredths": 150}}), "{m}");
    assert_eq!(
        (&m["arrangements"]["min_instalment"], &m["arrangements"]["max_months"]),
        (&serde_json::json!(5_000), &serde_json::json!(6))
    );
    assert_eq!((&m["desk"]["name"], &m["brand_colour"]), (&serde_json::json!("Anna de Boer"), &serde_json::json!("#0b5394")));
    let (_, page, _) = a.get("/office/settings?done=saved&lang=en").await;
    assert!(page.contains("Saved.") && page.contains("value=\"1.50\""), "{page}");
    let (_, audit, _) = a.get("/office/audit").await;
    assert!(audit.contains("settings_saved"));
}

async fn arrangement_and_hand_over(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);
    let (_, file, _) = v.get(&format!("/office/debtors/{}?lang=en", o.jansen)).await;
    let token = form_token(&file);
    let path = format!("/office/debtors/{}/arrangements", o.jansen);
    let first = domain::dates::add_days(web::today(), 7).to_string();
    // € 350 open: € 10 a month would take 35 instalments, more than 24.
    let (s, page, _) = v.post(&path, &[("token", &token), ("every", "month"), ("instalment", "10"), ("first", &first)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("more than 24 instalments"), "{page}");
    let (s, page, _) = v.post(&path, &[("token", &token), ("every", "month"), ("instalment", "100"), ("first", "2020-01-01")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("first: lies before today"), "{page}");
    let (s, _, _) = v
        .post(&path, &[("token", &token), ("every", "month"), ("instalment", "100"), ("first", &first), ("note", "agreed on the phone")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, arrangements) = app.get(&o.tenant.key, &format!("/debtors/{}/arrangements", o.jansen)).await;
    let a = &arrangements[0];
    assert_eq!((&a["total"], a["instalments"].as_array().map(Vec::len)), (&serde_json::json!(35_000), Some(4)), "{arrangements}");
    let (s, page, _) = v.post(&path, &[("token", &token), ("every", "month"), ("instalment", "100"), ("first", &first)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "everything is in an arrangement now");
    assert!(page.contains("nothing is open outside an arrangement"), "{page}");

    // Handing over De Vries: every open invoice leaves the track, with a note on the file.
    let hand = format!("/office/debtors/{}/hand-over", o.de_vries);
    assert_eq!(v.post(&hand, &[("token", &token), ("agency", "")]).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v.post(&hand, &[("token", &token), ("agency", "Incasso Noord B.V.")]).await.0, StatusCode::SEE_OTHER);
    let (_, inv) = app.get(&o.tenant.key, &format!("/invoices?debtor_id={}", o.de_vries)).await;
    assert_eq!(inv["items"][0]["status"], "handed_over", "{inv}");
    let (_, file, _) = v.get(&format!("/office/debtors/{}?done=handed_over", o.de_vries)).await;
    assert!(file.contains("Handed over to Incasso Noord B.V.: V-1") && file.contains("The open invoices are handed over."), "{file}");
    let (_, audit, _) = v.get("/office/audit").await;
    assert!(audit.contains("arrangement_agreed") && audit.contains("handed_over"));
}

async fn matching_payments_by_hand(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let mt940 = ":20:P261121\r\n:25:NL91ABNA0417164300EUR\r\n:28C:1\r\n:60F:C261120EUR0,00\r\n\
         :61:2611211121C25,00NTRFNONREF//00000000000012\r\n:86:/CNTP/NL20INGB0001234567/INGBNL2A/J Jansen/AMSTERDAM//REMI/USTD//groet/\r\n\
         :61:2611211121C10,00NTRFNONREF//00000000000013\r\n:86:/CNTP/NL20INGB0007654321/INGBNL2A/Eigen rekening/AMSTERDAM//REMI/USTD//spaar/\r\n\
         :62F:C261121EUR35,00\r\n-}";
    let report =
        ledger::import_statement(&db, domain::ids::TenantId(o.tenant.id), "afschrift.sta", mt940.as_bytes()).await.expect("import");
    assert_eq!(report.queued, 2, "{report:?}");
    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);
    let (_, list, _) = v.get("/office?lang=en").await;
    let ids: Vec<i64> = list
        .match_indices("href=\"/office/payments/")
        .filter_map(|(at, m)| list[at + m.len()..].split('"').next().and_then(|n| n.parse().ok()))
        .collect();
    assert_eq!(ids.len(), 2, "both payments on the list: {list}");
    let (s, page, _) = v.get(&format!("/office/payments/{}", ids[0])).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("€25.00") && page.contains("J Jansen"), "{page}");
    let token = form_token(&page);
    let path = format!("/office/payments/{}", ids[0]);
    let (s, page, _) = v.post(&path, &[("token", &token), ("action", "match"), ("number", "X-404")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("number: no invoice X-404"), "{page}");
    let (s, _, h) = v.post(&path, &[("token", &token), ("action", "match"), ("number", "J-1")]).await;
    assert_eq!((s, h["location"].to_str().expect("ascii")), (StatusCode::SEE_OTHER, "/office?done=matched"));
    let (_, invoices) = app.get(&o.tenant.key, &format!("/invoices?debtor_id={}", o.jansen)).await;
    let j1 = invoices["items"].as_array().expect("list").iter().find(|i| i["number"] == "J-1").expect("J-1").clone();
    assert_eq!(j1["outstanding"], 7_500, "{j1}");
    assert_eq!(v.post(&path, &[("token", &token), ("action", "match"), ("number", "J-1")]).await.0, StatusCode::FORBIDDEN, "once");
    // The other one is the tenant's own transfer: out of the queue.
    let other = format!("/office/payments/{}", ids[1]);
    let (s, _, _) = v.post(&other, &[("token", &token), ("action", "dismiss")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, list, _) = v.get("/office?done=dismissed").await;
    assert!(!list.contains("/office/payments/") && list.contains("The payment has left the queue."), "{list}");
    let (_, audit, _) = v.get("/office/audit").await;
    assert!(audit.contains("payment_matched") && audit.contains("payment_dismissed"));
}

async fn a_long_worklist_in_pages(db: Db) {
    use domain::debtor::{DebtorKind, NewDebtor};
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let t = domain::ids::TenantId(o.tenant.id);
    let today = web::today();
    let mut tx = db.write().await.expect("tx");
    let many: Vec<NewDebtor> = (0..150).map(|n| NewDebtor::named(DebtorKind::Consumer, format!("Klant {n}"))).collect();
    for d in tx.insert_debtors(t, &many).await.expect("debtors") {
        tx.set_flag(t, d, domain::dunning::planner::Flag::CantPay, today, Some("lost work")).await.expect("flag");
    }
    tx.commit().await.expect("commit");
    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in(&o.controller, PASSWORD).await, StatusCode::SEE_OTHER);
    let (_, first, _) = v.get("/office?lang=en").await;
    assert_eq!(first.matches("<tr class=").count(), 100, "a page holds 100");
    assert!(first.contains("(153)") && first.contains("Page 1 of 2") && first.contains("href=\"/office?page=2\""), "{first}");
    let (_, second, _) = v.get("/office?page=2").await;
    assert_eq!(second.matches("<tr class=").count(), 53);
    assert!(second.contains("<td>101</td>"), "numbering goes on");
    let (_, cant, _) = v.get("/office?kind=cant_pay&page=2").await;
    assert_eq!(cant.matches("<tr class=\"cant_pay\"").count(), 50);
    assert!(cant.contains("href=\"/office?kind=cant_pay&#38;page=1\""), "the filter stays on the pages' links: {cant}");
}

async fn changing_one_s_password(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let (mut here, mut elsewhere) = (Visitor::new(&app), Visitor::new(&app));
    assert_eq!(here.sign_in(&o.reader, PASSWORD).await, StatusCode::SEE_OTHER);
    assert_eq!(elsewhere.sign_in(&o.reader, PASSWORD).await, StatusCode::SEE_OTHER);
    let (s, page, _) = here.get("/office/password?lang=en").await;
    assert_eq!(s, StatusCode::OK);
    let token = form_token(&page);
    let new = "a much longer pass phrase";
    let (s, page, _) = here.post("/office/password", &[("token", &token), ("current", "wrong"), ("new", new), ("again", new)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("The current password is not right."));
    let (s, page, _) =
        here.post("/office/password", &[("token", &token), ("current", PASSWORD), ("new", "short"), ("again", "short")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("new: must be at least 12 characters"), "{page}");
    let (s, page, _) = here
        .post("/office/password", &[("token", &token), ("current", PASSWORD), ("new", new), ("again", "something else entirely")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("The two new passwords differ."));
    // Even a read-only user changes their own password; their other sessions end.
    let (s, page, _) = here.post("/office/password", &[("token", &token), ("current", PASSWORD), ("new", new), ("again", new)]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Your password is changed"), "{page}");
    assert_eq!(here.get("/office").await.0, StatusCode::OK, "this session goes on");
    assert_eq!(elsewhere.get("/office").await.0, StatusCode::SEE_OTHER, "the other one ended");
    let mut again = Visitor::new(&app);
    assert_eq!(again.sign_in(&o.reader, PASSWORD).await, StatusCode::UNAUTHORIZED);
    assert_eq!(again.sign_in(&o.reader, new).await, StatusCode::SEE_OTHER);
}

on_both_backends!(
    changing_one_s_password,
    a_long_worklist_in_pages,
    matching_payments_by_hand,
    arrangement_and_hand_over,
    tenant_settings,
    signing_in_and_sessions,
    worklist_and_debtor_file,
    reports_over_a_period,
    editing_texts,
    editing_policies,
    imports_page,
    deciding_proposals_and_approvals
);
