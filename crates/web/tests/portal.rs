//! The debtor portal over real HTTP, every test on SQLite and on PostgreSQL: payment plans
//! within and beyond the tenant's limits, disputes with files, costs and interest, preferences,
//! paying through the provider, the entry by invoice number and postcode, and how guessing,
//! expired, revoked and tampered links are met.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{Db, on_both_backends};

/// A page as a browser gets it: status, headers and body, redirects not followed.
async fn page(url: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let r = no_redirects().get(url).send().await.expect("get");
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.text().await.expect("body"))
}

fn no_redirects() -> reqwest::Client {
    let _ = channels::providers::http_client();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// Posts a form from the portal's own origin.
async fn post(url: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let origin = url.split("/portal").next().unwrap_or_default().to_string();
    let r = no_redirects().post(url).header("Origin", origin).form(form).send().await.expect("post");
    (r.status(), r.text().await.expect("body"))
}

/// The form token on a portal page.
fn csrf(body: &str) -> String {
    body.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("form token").to_string()
}

async fn portal_link(app: &TestApp, t: &Tenant, debtor: i64) -> String {
    let (s, link) = app.post(&t.key, &format!("/debtors/{debtor}/portal-links"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{link}");
    link["url"].as_str().expect("url").to_string()
}

async fn debtor_at(app: &TestApp, t: &Tenant, name: &str, postcode: &str) -> i64 {
    let body = json!({"kind": "consumer", "name": name, "address": {"street": "Kerkstraat 1", "postcode": postcode, "city": "Utrecht"},
        "contacts": [{"name": name, "email": "jan@example.nl", "phone": "0612345678"}]});
    let (s, b) = app.post(&t.key, "/debtors", body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_i64().expect("id")
}

fn timeline_kinds(timeline: &Value) -> Vec<String> {
    timeline.as_array().expect("timeline").iter().map(|e| e["kind"].as_str().expect("kind").to_string()).collect()
}

async fn portal_payment_plans(db: Db) {
    let app = TestApp::serve(db, None, false).await;
    let t = app.tenant("Fietsenwinkel De Spaak B.V.").await;
    let limits = json!({"arrangements": {"min_instalment": 2_500, "max_months": 6}});
    assert_eq!(app.put(&t.key, "/messaging-settings", limits).await.0, StatusCode::OK);
    let d = app.debtor(&t, "Jan de Vries").await;
    app.invoice(&t, d, "F-1", "2026-10-01", 20_000).await;
    app.invoice(&t, d, "F-2", "2026-11-01", 10_000).await;
    let url = portal_link(&app, &t, d).await;
    let today = web::today();
    let first = domain::dates::add_days(today, 7).to_string();

    // Looking at a plan: € 100 a month, three instalments, within the limits.
    let (s, _, body) = page(&format!("{url}?every=monthly&amount=100&first={first}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Uw betalingsschema (3 termijnen)"), "{body}");
    assert!(body.contains("Dit schema kunt u meteen vastleggen."), "{body}");
    assert!(body.contains("Direct afgesproken: vanaf € 25,00 per keer, in hoogstens 6 maanden."), "{body}");
    // Bad input is named, and nothing is stored.
    let (_, _, bad) = page(&format!("{url}?every=monthly&amount=veel&first={first}")).await;
    assert!(bad.contains("Vul een bedrag in euro in"), "{bad}");
    let (_, _, many) = page(&format!("{url}?every=weekly&amount=1&first={first}")).await;
    assert!(many.contains("meer dan 24 termijnen"), "{many}");
    let late = domain::dates::add_days(today, 45).to_string();
    let (_, _, far) = page(&format!("{url}?every=weekly&amount=50&first={late}")).await;
    assert!(far.contains("binnen 30 dagen"), "{far}");

    // Agreed at once.
    let token = csrf(&body);
    let (s, agreed) =
        post(&format!("{url}/arrangement"), &[("csrf", &token), ("every", "monthly"), ("amount", "100.00"), ("first", &first)]).await;
    assert_eq!(s, StatusCode::OK, "{agreed}");
    assert!(agreed.contains("Afgesproken.") && agreed.contains("Uw betalingsschema"), "{agreed}");
    let (_, list) = app.get(&t.key, &format!("/debtors/{d}/arrangements")).await;
    let plans = list.as_array().expect("arrangements");
    assert_eq!(plans.len(), 1, "{list}");
    assert_eq!(plans[0]["total"], 30_000);
    assert_eq!(plans[0]["instalments"][0], json!({"due_on": first, "amount": 10_000}));
    assert_eq!(plans[0]["status"], "active");
    let (_, timeline) = app.get(&t.key, &format!("/debtors/{d}/timeline")).await;
    assert!(timeline_kinds(&timeline).contains(&"portal_arrangement".to_string()), "{timeline}");
    // Nothing is left to arrange now.
    let (_, _, after) = page(&url).await;
    assert!(!after.contains("id=\"plan-show\""), "{after}");

    // Beyond the limits: € 20 a week is below the minimum; a person decides, the track waits.
    let e = app.debtor(&t, "Els Bakker").await;
    app.invoice(&t, e, "F-3", "2026-10-01", 12_000).await;
    let url_e = portal_link(&app, &t, e).await;
    let (_, _, look) = page(&format!("{url_e}?every=weekly&amount=20&first={first}")).await;
    assert!(look.contains("Dit schema gaat verder dan wat wij direct kunnen afspreken."), "{look}");
    let token_e = csrf(&look);
    let (s, sent) =
        post(&format!("{url_e}/arrangement"), &[("csrf", &token_e), ("every", "weekly"), ("amount", "20.00"), ("first", &first)]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(sent.contains("Een medewerker bekijkt uw voorstel"), "{sent}");
    let (_, pending) = app.get(&t.key, "/arrangement-proposals").await;
    let pending = pending.as_array().expect("proposals").clone();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["debtor_id"], e);
    assert_eq!(pending[0]["frequency"], "weekly");
    assert_eq!(pending[0]["total"], 12_000);
    assert_eq!(pending[0]["instalments"].as_array().expect("instalments").len(), 6);
    assert!(pending[0]["beyond_limits"].as_str().expect("why").contains("minimum"), "{pending:?}");
    let (_, pauses) = app.get(&t.key, &format!("/debtors/{e}/pauses")).await;
    assert_eq!(pauses[0]["kind"], "hold", "{pauses}");
    // Approved: an arrangement, the hold ends; deciding twice is refused.
    let id = pending[0]["id"].as_i64().expect("id");
    let (s, made) = app.post(&t.key, &format!("/arrangement-proposals/{id}/approve"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    assert_eq!(made["total"], 12_000);
    assert_eq!(app.post_empty(&t.key, &format!("/arrangement-proposals/{id}/reject")).await, StatusCode::CONFLICT);
    let (_, pauses) = app.get(&t.key, &format!("/debtors/{e}/pauses")).await;
    assert_eq!(pauses.as_array().expect("pauses").len(), 0, "{pauses}");
    let (_, timeline) = app.get(&t.key, &format!("/debtors/{e}/timeline")).await;
    let kinds = timeline_kinds(&timeline);
    for k in ["portal_arrangement_proposed", "proposal_approved", "arrangement_agreed"] {
        assert!(kinds.contains(&k.to_string()), "{k}: {timeline}");
    }
    // Rejected: the hold ends and the track resumes.
    let f = app.debtor(&t, "Piet Smit").await;
    app.invoice(&t, f, "F-4", "2026-10-01", 100_000).await;
    let url_f = portal_link(&app, &t, f).await;
    let (_, _, look) = page(&format!("{url_f}?every=monthly&amount=100&first={first}")).await;
    assert!(look.contains("Dit schema gaat verder"), "10 months is longer than 6: {look}");
    let (s, _) =
        post(&format!("{url_f}/arrangement"), &[("csrf", &csrf(&look)), ("every", "monthly"), ("amount", "100"), ("first", &first)]).await;
    assert_eq!(s, StatusCode::OK);
    let (_, pending) = app.get(&t.key, "/arrangement-proposals").await;
    let id = pending[0]["id"].as_i64().expect("id");
    assert!(pending[0]["beyond_limits"].as_str().expect("why").contains("longer than 6 months"), "{pending}");
    let other = app.tenant("Ander B.V.").await;
    assert_eq!(app.post_empty(&other.key, &format!("/arrangement-proposals/{id}/reject")).await, StatusCode::NOT_FOUND);
    assert_eq!(app.post_empty(&t.key, &format!("/arrangement-proposals/{id}/reject")).await, StatusCode::NO_CONTENT);
    let (_, pauses) = app.get(&t.key, &format!("/debtors/{f}/pauses")).await;
    assert_eq!(pauses.as_array().expect("pauses").len(), 0, "{pauses}");
    let (_, mine) = app.get(&t.key, &format!("/debtors/{f}/arrangement-proposals")).await;
    assert_eq!(mine[0]["status"], "rejected");
    let (_, none) = app.get(&t.key, "/arrangement-proposals").await;
    assert_eq!(none, json!([]));
}

/// A multipart body as a browser sends the dispute form.
fn dispute_form(csrf: &str, invoice: &str, text: &str, file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----TegoedTestBoundary7MA4YWxk";
    let mut b = Vec::new();
    for (name, value) in [("csrf", csrf), ("invoice", invoice), ("text", text)] {
        b.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    let (name, content) = file.unwrap_or(("", b""));
    b.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    b.extend(content);
    b.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

async fn send_dispute(url: &str, form: (String, Vec<u8>)) -> (StatusCode, String) {
    let r = no_redirects().post(format!("{url}/dispute")).header("Content-Type", form.0).body(form.1).send().await.expect("post");
    (r.status(), r.text().await.expect("body"))
}

async fn portal_disputes_with_files(db: Db) {
    let app = TestApp::serve(db, None, false).await;
    let t = app.tenant("Fietsenwinkel De Spaak B.V.").await;
    let d = app.debtor(&t, "Jan de Vries").await;
    app.invoice(&t, d, "F-1", "2026-10-01", 20_000).await;
    app.invoice(&t, d, "F-2", "2026-11-01", 10_000).await;
    let url = portal_link(&app, &t, d).await;
    let (_, _, body) = page(&url).await;
    let token = csrf(&body);
    assert!(body.contains("enctype=\"multipart/form-data\"") && body.contains("type=\"file\""), "{body}");

    // Not a PDF, JPEG or PNG (whatever its name says), or too large: refused, nothing stored.
    let (s, refused) = send_dispute(&url, dispute_form(&token, "F-2", "Nooit geleverd", Some(("bon.pdf", b"MZ\x90\x00program")))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("stuur een PDF, JPG of PNG van hoogstens 5 MB"), "{refused}");
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(5 * 1024 * 1024 + 1, b'0');
    let (s, _) = send_dispute(&url, dispute_form(&token, "F-2", "Nooit geleverd", Some(("groot.pdf", &big)))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, pauses) = app.get(&t.key, &format!("/debtors/{d}/pauses")).await;
    assert_eq!(pauses, json!([]), "a refused file keeps the dispute from being stored half");
    // A forged form token is refused before anything is read into the store.
    let (s, _) = send_dispute(&url, dispute_form("forged", "F-2", "x", None)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A PDF with the dispute: the invoice is paused at once and the file kept as sent.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let (s, ok) = send_dispute(&url, dispute_form(&token, "F-2", "Fiets nooit geleverd <script>", Some(("C:\\fotos\\bon.pdf", pdf)))).await;
    assert_eq!(s, StatusCode::OK, "{ok}");
    assert!(ok.contains("Wij zetten de herinneringen voor deze factuur stop"), "{ok}");
    let (_, pauses) = app.get(&t.key, &format!("/debtors/{d}/pauses")).await;
    assert_eq!(pauses[0]["kind"], "dispute");
    let (_, files) = app.get(&t.key, &format!("/debtors/{d}/dispute-files")).await;
    assert_eq!(files[0]["file_name"], "bon.pdf", "{files}");
    assert_eq!(files[0]["content_type"], "application/pdf");
    assert_eq!(files[0]["size"], pdf.len());
    assert_eq!(files[0]["pause_id"], pauses[0]["id"]);
    let r = app.http.get(app.url(&format!("/dispute-files/{}", files[0]["id"]))).bearer_auth(&t.key).send().await.expect("get");
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), pdf);
    let other = app.tenant("Ander B.V.").await;
    let r = app.http.get(app.url(&format!("/dispute-files/{}", files[0]["id"]))).bearer_auth(&other.key).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "another tenant cannot read it");
    // A PNG without a file name, and a plain text dispute, are fine too.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let (s, _) = send_dispute(&url, dispute_form(&token, "F-1", "Bedrag klopt niet", Some(("", png)))).await;
    assert_eq!(s, StatusCode::OK);
    let (_, files) = app.get(&t.key, &format!("/debtors/{d}/dispute-files")).await;
    assert_eq!((files[1]["file_name"].as_str(), files[1]["content_type"].as_str()), (Some("bijlage"), Some("image/png")));
    let (_, timeline) = app.get(&t.key, &format!("/debtors/{d}/timeline")).await;
    assert_eq!(timeline_kinds(&timeline).iter().filter(|k| *k == "portal_dispute_file").count(), 2, "{timeline}");
}

async fn portal_costs_preferences_and_pay(db: Db) {
    let (mollie_url, mollie) = fake_mollie().await;
    let app = TestApp::serve(db.clone(), Some(mollie_url.clone()), false).await;
    let t = app.tenant("Fietsenwinkel De Spaak B.V.").await;
    let d = debtor_at(&app, &t, "Jan de Vries", "3511 AB").await;
    let f1 = app.invoice(&t, d, "F-1", "2026-01-15", 100_000).await;
    app.invoice(&t, d, "F-2", "2026-11-01", 10_000).await;
    let url = portal_link(&app, &t, d).await;
    let (_, _, before) = page(&url).await;
    assert!(!before.contains("Kosten en rente"), "nothing claimed yet");

    // A step that claims collection costs and starts interest went out for F-1.
    let tenant = domain::ids::TenantId(t.id);
    let invoice = domain::ids::InvoiceId(f1["id"].as_i64().expect("id"));
    let action = domain::dunning::planner::PlannedAction {
        debtor_id: domain::ids::DebtorId(d),
        policy: "standard".into(),
        step: 3,
        kind: domain::dunning::policy::StepKind::NoticeOfDefault,
        due_on: web::today(),
        channels: vec![domain::dunning::policy::Channel::Email],
        invoices: vec![invoice],
        amount: domain::money::Cents::from_cents_unchecked(100_000),
        template: "notice_of_default".into(),
        needs_approval: false,
        adds_collection_costs: true,
        starts_interest: true,
        key: "test-notice".into(),
    };
    let mut tx = db.write().await.expect("tx");
    tx.record_actions(tenant, web::today(), &[(action, store::ActionStatus::Queued)]).await.expect("actions");
    let now = jiff::Timestamp::now();
    let claimed = tx
        .claim_messages(&[domain::dunning::policy::Channel::Email], &[tenant], now, jiff::SignedDuration::from_secs(60), 10)
        .await
        .expect("claim");
    let started = tx.start_attempt(&claimed[0]).await.expect("start");
    let sent = store::AttemptOutcome::Accepted {
        recipient: "jan@example.nl".into(),
        subject: Some("Ingebrekestelling".into()),
        body: "…".into(),
        message_id: "<1@tegoed>".into(),
        reply: "250 OK".into(),
    };
    tx.record_attempt(&claimed[0], started, &sent).await.expect("record");
    tx.commit().await.expect("commit");

    let (_, _, body) = page(&url).await;
    // Collection costs over € 1.000,00 by the statutory scale: 15% = € 150,00, no VAT as the
    // tenant deducts it (the default); interest from the day after the due date.
    for expected in [
        "Kosten en rente",
        "Incassokosten over € 1.000,00 (15% over € 1.000,00)",
        "€ 150,00",
        "Wettelijke rente over factuur F-1 (vanaf 16 januari 2026",
    ] {
        assert!(body.contains(expected), "'{expected}' is not on the page:\n{body}");
    }
    assert!(!body.contains("Btw over de incassokosten"), "{body}");
    assert!(!body.contains("Wettelijke rente over factuur F-2"), "F-2 was not in the step");

    // Preferences: SMS first, and English.
    let token = csrf(&body);
    assert!(body.contains("<option value=\"sms\">SMS</option>"), "{body}");
    let (s, saved) = post(&format!("{url}/preferences"), &[("csrf", &token), ("language", "en"), ("channel", "sms")]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(saved.contains("Saved.") && saved.contains("<option value=\"sms\" selected>"), "{saved}");
    let (_, debtor) = app.get(&t.key, &format!("/debtors/{d}")).await;
    assert_eq!((debtor["preferred_channel"].as_str(), debtor["language"].as_str()), (Some("sms"), Some("en")), "{debtor}");
    let (_, _) = post(&format!("{url}/preferences"), &[("csrf", &token), ("language", "en"), ("channel", "whatsapp")]).await;
    let (_, debtor) = app.get(&t.key, &format!("/debtors/{d}")).await;
    assert_eq!(debtor["preferred_channel"], Value::Null, "no WhatsApp consent: no WhatsApp preference");
    let (_, timeline) = app.get(&t.key, &format!("/debtors/{d}/timeline")).await;
    assert!(timeline_kinds(&timeline).contains(&"portal_preferences".to_string()), "{timeline}");

    // Paying the ticked invoice: a payment link made on the click, and on to the provider.
    let (_, _, some) = page(&format!("{url}?select=F-2")).await;
    let token_path = url.rsplit('/').next().expect("token").to_string();
    assert!(some.contains(&format!("href=\"/portal/{token_path}/pay?select=F-2\" id=\"pay-now\"")), "{some}");
    assert!(mollie.created.lock().expect("lock").is_empty(), "looking makes no payment");
    let r = no_redirects().get(format!("{url}/pay?select=F-2")).send().await.expect("pay");
    assert!(r.status().is_redirection(), "{}", r.status());
    let to_link = r.headers()["location"].to_str().expect("location").to_string();
    assert!(to_link.starts_with(&format!("{}/pay/", app.base)), "{to_link}");
    let r = no_redirects().get(&to_link).send().await.expect("open link");
    assert_eq!(r.headers()["location"].to_str().expect("location"), format!("{mollie_url}/checkout/tr_Fake1"));
    assert_eq!(mollie.created.lock().expect("lock")[0]["amount"], json!({"currency": "EUR", "value": "100.00"}));

    // The invoice's own PDF downloads from the portal, and only this debtor's.
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let r =
        app.http.put(app.url(&format!("/invoices/{}/document", f1["id"]))).bearer_auth(&t.key).body(pdf.clone()).send().await.expect("put");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, _, body) = page(&url).await;
    assert!(body.contains(&format!("href=\"/portal/{}/invoices/F-1\" download", url.rsplit('/').next().expect("token"))), "{body}");
    let r = no_redirects().get(format!("{url}/invoices/F-1")).send().await.expect("download");
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"factuur-F-1.pdf\"");
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), pdf);
    let (s, _, _) = page(&format!("{url}/invoices/F-2")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no document");
}

async fn portal_entry_links_and_guessing(db: Db) {
    let app = TestApp::serve(db.clone(), None, true).await;
    let t = app.tenant("Fietsenwinkel De Spaak B.V.").await;
    let d = debtor_at(&app, &t, "Jan de Vries", "3511 AB").await;
    app.invoice(&t, d, "F-100", "2026-10-01", 20_000).await;
    // Two tenants each have an invoice X-1 of a debtor at 1000 AA.
    let other = app.tenant("Ander B.V.").await;
    let twin_a = debtor_at(&app, &other, "A", "1000 AA").await;
    let twin_b = debtor_at(&app, &t, "B", "1000 AA").await;
    app.invoice(&other, twin_a, "X-1", "2026-10-01", 1_000).await;
    app.invoice(&t, twin_b, "X-1", "2026-10-01", 1_000).await;
    let http = no_redirects();
    let enter = |client: &'static str, number: &'static str, postcode: &'static str| {
        let req = http.post(format!("{}/portal", app.base)).header("X-Forwarded-For", client).form(&[
            ("number", number),
            ("postcode", postcode),
            ("lang", "nl"),
        ]);
        async move {
            let r = req.send().await.expect("enter");
            let location = r.headers().get("location").map(|l| l.to_str().expect("location").to_string());
            (r.status(), location, r.text().await.expect("body"))
        }
    };
    let (s, _, entry) = page(&format!("{}/portal", app.base)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(entry.contains("Factuurnummer") && entry.contains("Postcode"), "{entry}");

    // The right invoice number and postcode, written any way: a link that works for a day.
    let (s, location, _) = enter("198.51.100.1", "F-100", "3511ab").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let location = location.expect("location");
    let (s, _, body) = page(&format!("{}{location}", app.base)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("F-100") && body.contains("Hallo Jan de Vries"), "{body}");
    let (_, timeline) = app.get(&t.key, &format!("/debtors/{d}/timeline")).await;
    assert!(timeline_kinds(&timeline).contains(&"portal_entered".to_string()), "{timeline}");

    // A wrong postcode and an unknown number read the same; so does a number two debtors share.
    let (s1, _, wrong_postcode) = enter("198.51.100.2", "F-100", "9999 ZZ").await;
    let (s2, _, unknown) = enter("198.51.100.2", "F-999", "3511 AB").await;
    assert_eq!((s1, s2), (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(wrong_postcode, unknown);
    let (s, _, shared) = enter("198.51.100.3", "X-1", "1000 AA").await;
    assert_eq!((s, &shared), (StatusCode::UNPROCESSABLE_ENTITY, &unknown), "two debtors match: neither is opened");

    // Guessing: after ten misses an address is refused for a while, even with the right answer;
    // another address is not.
    for _ in 0..8 {
        let (s, _, _) = enter("198.51.100.2", "F-998", "3511 AB").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = http
        .post(format!("{}/portal", app.base))
        .header("X-Forwarded-For", "198.51.100.2")
        .form(&[("number", "F-100"), ("postcode", "3511 AB")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "900");
    let (s, _, _) = enter("198.51.100.4", "F-100", "3511 AB").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "another address is not refused");
    // Guessing links counts too.
    for i in 0..10 {
        let r = http.get(format!("{}/portal/{i:032x}", app.base)).header("X-Forwarded-For", "198.51.100.5").send().await.expect("get");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    let r = http.get(format!("{}{location}", app.base)).header("X-Forwarded-For", "198.51.100.5").send().await.expect("get");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "refused, even for a link that works");

    // Expired, revoked and tampered links all get the one page of a link that does not work.
    let url = portal_link(&app, &t, d).await;
    let (_, _, unknown_page) = page(&format!("{}/portal/{:032x}", app.base, 7)).await;
    let mut tampered = url.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == 'a' { 'b' } else { 'a' });
    let (s, _, tampered_page) = page(&tampered).await;
    assert_eq!((s, &tampered_page), (StatusCode::NOT_FOUND, &unknown_page));
    let expired = channels::psp::new_link(1).expect("link");
    let mut tx = db.write().await.expect("tx");
    let past = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1);
    tx.create_portal_token(domain::ids::TenantId(t.id), domain::ids::DebtorId(d), &expired.sha256, past).await.expect("token");
    tx.commit().await.expect("commit");
    let (s, _, expired_page) = page(&format!("{}/portal/{}", app.base, expired.token)).await;
    assert_eq!((s, &expired_page), (StatusCode::NOT_FOUND, &unknown_page));
    // A form with an expired link's own token is met the same way.
    let (s, _) = post(
        &format!("{}/portal/{}/promise", app.base, expired.token),
        &[
            ("csrf", &{
                let hash = channels::psp::link_token_hash(&expired.token);
                channels::psp::link_token_hash(&format!("tegoed-portal-form:{hash}"))
            }),
            ("date", &web::today().to_string()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&t.key, &format!("/debtors/{d}/portal-links/revoke"), json!({})).await.0, StatusCode::OK);
    let (s, _, revoked_page) = page(&url).await;
    assert_eq!((s, &revoked_page), (StatusCode::NOT_FOUND, &unknown_page));
}

on_both_backends!(portal_payment_plans, portal_disputes_with_files, portal_costs_preferences_and_pay, portal_entry_links_and_guessing);
