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
    assert!(page.contains("Anna de Boer (credit controller)") && page.contains("Kantoor B.V."), "{page}");

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
    assert!(page.contains("Anna de Boer (read-only)"), "{page}");
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

    // The file: the open items with their totals, the dispute as a pause, the quick actions.
    let (s, file, _) = v.get(&format!("/office/debtors/{}", o.jansen)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(file.contains("J-1") && file.contains("J-2") && file.contains("€350.00"), "{file}");
    assert!(file.contains("bike was delivered damaged") && file.contains("invoice issued"));
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

on_both_backends!(signing_in_and_sessions, worklist_and_debtor_file);
