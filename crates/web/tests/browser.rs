//! The debtor portal in real headless Chromium, driven over WebDriver (chromedriver), on a
//! phone-sized screen, in Dutch and in English: open the link, pay some invoices through the
//! provider, propose a payment plan, promise a date, dispute with a file, "I can't pay", and
//! preferences; and the entry by invoice number and postcode. A screenshot of every page is
//! saved under `target/screenshots/`. Every flow runs on SQLite and PostgreSQL.
//!
//! The back-office at a desk-sized screen: sign in, work the worklist, open a debtor's file, log
//! a call, read the audit log.
//!
//! Needs `chromium` and `chromium-driver` (Debian); `.ci/run` installs them. Without them the
//! test fails, naming what is missing.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{Db, on_both_backends};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// WebDriver's key for an element reference (W3C WebDriver §12.1).
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session, closed when dropped.
struct Browser {
    driver: Child,
    session: String,
    http: reqwest::Client,
    base: String,
    _profile: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `target/screenshots/` of the workspace, also when the build goes elsewhere (CI builds in
/// `$HOME/.cache/tegoed-target`).
fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    dir
}

impl Browser {
    /// Chromium with a phone's screen (a window of 390 × 844 CSS pixels), its own fresh profile.
    async fn phone() -> Browser {
        let b = Browser::start(390, 844).await;
        // A phone's layout viewport: 390 CSS pixels wide, as a mobile browser lays pages out.
        b.cdp("Emulation.setDeviceMetricsOverride", json!({"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true})).await;
        b
    }

    /// Chromium with a desk's screen (1280 × 900), its own fresh profile.
    async fn desk() -> Browser {
        Browser::start(1280, 900).await
    }

    async fn start(width: u32, height: u32) -> Browser {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: install Debian's chromium and chromium-driver (bash .ci/run does)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .args(
                std::env::var("TEGOED_CHROMEDRIVER_LOG")
                    .map(|f| vec![format!("--log-path={f}"), "--verbose".to_string()])
                    .unwrap_or_default(),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let profile = std::env::temp_dir().join(format!("tegoed-chromium-{}-{port}", std::process::id()));
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.json::<Value>().await.is_ok_and(|v| v["value"]["ready"] == true)
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not start on port {port}");
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "timeouts": {"pageLoad": 20_000, "script": 10_000}, "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", format!("--window-size={width},{height}"), format!("--user-data-dir={}", profile.display())]
        }}}});
        let r: Value = http.post(format!("{base}/session")).json(&caps).send().await.expect("session").json().await.expect("json");
        let session = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {r}")).to_string();
        Browser { driver, session, http, base, _profile: TempDir(profile) }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r: Value = req.send().await.expect("webdriver").json().await.expect("json");
        assert!(r["value"]["error"].is_null(), "WebDriver {path}: {r}");
        r["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self.call(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}")).to_string()
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{e}/click"), Some(json!({}))).await;
    }

    /// Clicks something that loads a new page, and waits until the new page has loaded.
    async fn click_through(&self, css: &str) {
        self.script("window.tegoedOldPage = true;").await;
        self.click(css).await;
        for _ in 0..200 {
            let done = self.script("return window.tegoedOldPage === undefined && document.readyState === 'complete';").await;
            if done == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let why = self
            .script("return [...document.querySelectorAll('input, select, textarea')].filter(e => !e.checkValidity()).map(e => e.name + ': ' + e.validationMessage + ' [' + e.value + ']');")
            .await;
        let hit = self
            .script(&format!("const f = document.querySelector('{css}').form; const b = document.querySelector('{css}').getBoundingClientRect(); if (f) {{ b.x += 0; window.tegoedForm = [f.action, f.method, f.checkValidity(), [...f.elements].map(e => e.name + '=' + e.value + ':' + e.checkValidity())]; }} const e = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2); return [b.x, b.y, b.width, b.height, e ? e.outerHTML.slice(0, 120) : null, location.href, window.tegoedForm];"))
            .await;
        self.screenshot("failed-click").await;
        panic!("clicking {css} loaded no new page; fields not valid: {why}; what is there: {hit}");
    }

    async fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{e}/clear"), Some(json!({}))).await;
        self.call(reqwest::Method::POST, &format!("/element/{e}/value"), Some(json!({"text": text}))).await;
    }

    /// Sets a field's value as a date picker would (typing into one depends on the locale).
    async fn set_value(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        let args = json!([{ELEMENT: e}, value]);
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": "arguments[0].value = arguments[1];", "args": args})))
            .await;
    }

    async fn script(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": []}))).await
    }

    async fn text(&self) -> String {
        self.script("return document.body.innerText;").await.as_str().unwrap_or_default().to_string()
    }

    /// Fails, showing the page's text, unless it says `words`.
    async fn expect_text(&self, words: &str) {
        let text = self.text().await;
        assert!(text.contains(words), "'{words}' is not on the page at {}:\n{text}", self.url().await);
    }

    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_string()
    }

    /// The whole page as a PNG, beyond the screen's height.
    async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await;
        let (w, h) =
            (metrics["cssContentSize"]["width"].as_f64().unwrap_or(390.0), metrics["cssContentSize"]["height"].as_f64().unwrap_or(844.0));
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": true, "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().expect("png")).expect("base64");
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(screenshots().join(format!("{name}.png")), png).expect("write screenshot");
    }

    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(reqwest::Method::POST, "/goog/cdp/execute", Some(json!({"cmd": cmd, "params": params}))).await
    }

    /// What a screen reader needs of every page: every field has a label; and no script runs.
    async fn check_labels(&self, what: &str) {
        let unlabelled = self
            .script(
                "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]\
                 .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id);",
            )
            .await;
        assert_eq!(unlabelled, json!([]), "{what}: fields without a label");
        let scripts = self.script("return document.scripts.length;").await;
        assert_eq!(scripts, json!(0), "{what}: no script on the page");
    }

    /// What a phone user needs of every page besides [`Browser::check_labels`]: nothing is
    /// wider than the screen.
    async fn check_page(&self, what: &str) {
        self.check_labels(what).await;
        let width = self.script("return window.innerWidth;").await;
        let wide = self
            .script("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 390).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 12);")
            .await;
        assert_eq!(width, json!(390), "{what}: wider than a phone by: {wide}");
        let overflow = self.script("return document.documentElement.scrollWidth - window.innerWidth;").await;
        assert!(overflow.as_f64().unwrap_or(0.0) <= 0.0, "{what}: the page is {overflow} px wider than a phone");
    }
}

/// The words the flows look for, per language.
struct Expect {
    lang: &'static str,
    greeting: &'static str,
    plan_within: &'static str,
    plan_agreed: &'static str,
    promised: &'static str,
    disputed: &'static str,
    help: &'static str,
    saved: &'static str,
}

const NL: Expect = Expect {
    lang: "nl",
    greeting: "Hallo Jan de Vries",
    plan_within: "Dit schema kunt u meteen vastleggen.",
    plan_agreed: "Afgesproken.",
    promised: "Tot die datum sturen wij u geen herinneringen.",
    disputed: "Wij zetten de herinneringen voor deze factuur stop",
    help: "Geldfit, telefoon 0800-8115",
    saved: "Opgeslagen.",
};

const EN: Expect = Expect {
    lang: "en",
    greeting: "Hello Jan de Vries",
    plan_within: "You can agree this schedule right away.",
    plan_agreed: "Agreed.",
    promised: "Until that date we will send you no reminders.",
    disputed: "We have stopped the reminders for this invoice",
    help: "Geldfit, phone 0800-8115",
    saved: "Saved.",
};

async fn portal_in_chromium(db: Db) {
    let (mollie_url, mollie) = fake_mollie().await;
    let app = TestApp::serve(db.clone(), Some(mollie_url.clone()), false).await;
    let t = app.tenant("Fietsenwinkel De Spaak B.V.").await;
    let settings =
        json!({"desk": {"name": "Sanne de Boer", "phone": "020 123 4567", "email": "debiteuren@despaak.nl"}, "brand_colour": "#0b5cad"});
    assert_eq!(app.put(&t.key, "/messaging-settings", settings).await.0, StatusCode::OK);
    let backend = format!("{:?}", db.backend()).to_lowercase();
    let browser = Browser::phone().await;
    let attachment = std::env::temp_dir().join(format!("tegoed-bon-{}-{backend}.pdf", std::process::id()));
    std::fs::write(&attachment, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").expect("pdf");

    for (n, e) in [NL, EN].iter().enumerate() {
        let shot = |name: &str| format!("portal-{backend}-{}-{name}", e.lang);
        let postcode = format!("35{n}1 AB");
        let body = json!({"kind": "consumer", "name": "Jan de Vries", "language": e.lang,
            "address": {"street": "Kerkstraat 1", "postcode": postcode, "city": "Utrecht"},
            "contacts": [{"name": "Jan de Vries", "email": "jan@example.nl", "phone": "0612345678"}]});
        let (s, d) = app.post(&t.key, "/debtors", body).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let d = d["id"].as_i64().expect("id");
        let prefix = format!("{}{n}", e.lang.to_uppercase());
        for (i, (due, total)) in [("2026-09-01", 12_000), ("2026-10-01", 8_000), ("2026-11-01", 5_000)].iter().enumerate() {
            app.invoice(&t, d, &format!("{prefix}-{}", i + 1), due, *total).await;
        }
        let (_, link) = app.post(&t.key, &format!("/debtors/{d}/portal-links"), json!({})).await;
        let url = link["url"].as_str().expect("url").to_string();

        // Open the link: the invoices, the total, how to pay, whom to call.
        browser.goto(&url).await;
        let text = browser.text().await;
        assert!(text.contains(e.greeting) && text.contains(&format!("{prefix}-1")) && text.contains("Sanne de Boer"), "{text}");
        browser.check_page("overview").await;
        browser.screenshot(&shot("1-overview")).await;

        // Pay some: untick the first two, show the total of the rest, pay it at the provider.
        browser.click("#select-1").await;
        browser.click("#select-2").await;
        browser.click_through("button.secondary").await;
        let total = browser.script("return document.getElementById('total').innerText;").await;
        assert!(total.as_str().expect("total").contains("50"), "only the third invoice: {total}");
        browser.screenshot(&shot("2-pay-selected")).await;
        browser.click_through("#pay-now").await;
        assert_eq!(browser.url().await, format!("{mollie_url}/checkout/tr_Fake{}", n + 1));
        browser.expect_text("Mollie test checkout").await;
        assert_eq!(mollie.created.lock().expect("lock")[n]["amount"]["value"], "50.00");
        browser.screenshot(&shot("3-provider")).await;

        // A payment plan: € 100 a month from next week; shown, then agreed.
        browser.goto(&url).await;
        browser.type_in("#plan-amount", "100").await;
        browser.click_through("#plan-show").await;
        let text = browser.text().await;
        assert!(text.contains(e.plan_within), "{text}");
        browser.check_page("plan").await;
        browser.screenshot(&shot("4-plan")).await;
        browser.click_through("#plan-confirm").await;
        browser.expect_text(e.plan_agreed).await;
        browser.screenshot(&shot("5-plan-agreed")).await;
        let (_, plans) = app.get(&t.key, &format!("/debtors/{d}/arrangements")).await;
        assert_eq!(plans[0]["total"], 25_000, "{plans}");

        // A promise to pay in ten days.
        let date = domain::dates::add_days(web::today(), 10).to_string();
        browser.set_value("#promise-date", &date).await;
        browser.click_through("#promise-send").await;
        browser.expect_text(e.promised).await;
        browser.screenshot(&shot("6-promise")).await;

        // A dispute of the second invoice, with a PDF.
        browser.set_value("#dispute-invoice", &format!("{prefix}-2")).await;
        browser.type_in("#dispute-text", "De fiets is nooit geleverd.").await;
        let file = browser.find("#dispute-file").await;
        browser
            .call(reqwest::Method::POST, &format!("/element/{file}/value"), Some(json!({"text": attachment.display().to_string()})))
            .await;
        browser.click_through("#dispute-send").await;
        browser.expect_text(e.disputed).await;
        browser.screenshot(&shot("7-dispute")).await;
        let (_, files) = app.get(&t.key, &format!("/debtors/{d}/dispute-files")).await;
        assert_eq!(files[0]["content_type"], "application/pdf", "{files}");

        // "I can't pay", with a reason.
        browser.click("input[name=reason][value=income]").await;
        browser.click_through("#cant-pay-send").await;
        let text = browser.text().await;
        assert!(text.contains(e.help), "{text}");
        browser.screenshot(&shot("8-cant-pay")).await;

        // Preferences: SMS first, letters by post.
        browser.set_value("#pref-channel", "sms").await;
        browser.click("input[name=letters]").await;
        browser.click_through("#preferences-save").await;
        browser.expect_text(e.saved).await;
        browser.screenshot(&shot("9-preferences")).await;
        let (_, debtor) = app.get(&t.key, &format!("/debtors/{d}")).await;
        assert_eq!((debtor["preferred_channel"].as_str(), debtor["digital_affinity"].as_str()), (Some("sms"), Some("offline")));
        let (_, pauses) = app.get(&t.key, &format!("/debtors/{d}/pauses")).await;
        let kinds: Vec<&str> = pauses.as_array().expect("pauses").iter().map(|p| p["kind"].as_str().expect("kind")).collect();
        assert_eq!(kinds, ["promise", "dispute", "hold"], "{pauses}");

        // Without the link: the entry by invoice number and postcode.
        browser.goto(&format!("{}/portal?lang={}", app.base, e.lang)).await;
        browser.check_page("entry").await;
        browser.screenshot(&shot("10-entry")).await;
        browser.type_in("#entry-number", &format!("{prefix}-3")).await;
        browser.type_in("#entry-postcode", &postcode.to_lowercase().replace(' ', "")).await;
        browser.click_through("#entry-open").await;
        let text = browser.text().await;
        assert!(text.contains(e.greeting), "{text}");
        assert!(browser.url().await.starts_with(&format!("{}/portal/", app.base)));
    }
    let _ = std::fs::remove_file(attachment);
}

/// The back-office at a desk: sign in, work the worklist (a broken promise marked done), open a
/// debtor's file, log a call, and read the audit log; a screenshot of every page.
async fn back_office_in_chromium(db: Db) {
    let app = TestApp::serve(db.clone(), None, false).await;
    let o = office(&app, &db).await;
    let b = Browser::desk().await;
    let backend = if matches!(db.backend(), store::Backend::Sqlite) { "sqlite" } else { "postgres" };
    let shot = |name: &str| format!("office-{backend}-{name}");

    b.goto(&format!("{}/office/login?lang=en", app.base)).await;
    b.check_labels("sign-in").await;
    b.screenshot(&shot("01-sign-in")).await;
    b.type_in("#email", &o.controller).await;
    b.type_in("#password", "not the password").await;
    b.click_through("#sign-in").await;
    b.expect_text("This e-mail address and password do not match").await;
    b.type_in("#password", PASSWORD).await;
    b.click_through("#sign-in").await;
    b.expect_text("Today's worklist").await;
    b.expect_text("Broken promise").await;
    b.check_labels("worklist").await;
    b.screenshot(&shot("02-worklist")).await;

    // Work the list: the broken promise was followed up, so it is marked done.
    b.click_through(&format!("#work-broken_promise-{} button", o.broken_promise)).await;
    let gone = b.script(&format!("return document.querySelector('#work-broken_promise-{}') === null;", o.broken_promise)).await;
    assert_eq!(gone, json!(true), "the broken promise left the list");
    b.expect_text("Dispute to decide").await;
    b.screenshot(&shot("03-worklist-worked")).await;

    // The call task's debtor, from the list.
    b.click_through(&format!("#work-call_task-{} a", o.call_task)).await;
    b.expect_text("Jansen").await;
    b.expect_text("bike was delivered damaged").await;
    b.check_labels("debtor file").await;
    b.screenshot(&shot("04-debtor")).await;

    // Log the call: the debtor promises to pay € 100 within a week.
    let pay_by = domain::dates::add_days(web::today(), 7).to_string();
    b.set_value("#outcome", "promise").await;
    b.type_in("#call-note", "Pays next week, salary is late").await;
    b.set_value("#pay_by", &pay_by).await;
    b.type_in("#amount", "100,00").await;
    b.click_through("#log-call").await;
    b.expect_text("The call is logged.").await;
    b.expect_text("promise: Pays next week, salary is late").await;
    b.screenshot(&shot("05-call-logged")).await;

    // Decide the dispute about J-2: accepted, with a credit note for € 50 of the € 250.
    b.click("#pauses details.decide summary").await;
    b.screenshot(&shot("06-dispute")).await;
    b.click("#pauses input[value=accept]").await;
    b.type_in("#pauses input[name=credit_amount]", "50,00").await;
    b.type_in("#pauses input[name=decision_reason]", "Scratched frame: partial credit agreed").await;
    b.click_through("#pauses button[id^=decide-button]").await;
    b.expect_text("The dispute is accepted with a credit note").await;
    b.expect_text("Dispute accepted: credit note C-J-2 of").await;
    b.screenshot(&shot("07-dispute-decided")).await;

    // The task left the list; the promise pauses the file.
    b.goto(&format!("{}/office", app.base)).await;
    let gone = b.script(&format!("return document.querySelector('#work-call_task-{}') === null;", o.call_task)).await;
    assert_eq!(gone, json!(true), "the call task left the list");

    b.goto(&format!("{}/office/audit", app.base)).await;
    b.expect_text("call_logged").await;
    b.expect_text("work_done").await;
    b.expect_text("dispute_decided").await;
    b.screenshot(&shot("08-audit")).await;

    // Every report, with its chart drawn by the server.
    b.goto(&format!("{}/office/reports", app.base)).await;
    for words in [
        "Ageing of open items",
        "DSO (days sales outstanding)",
        "Promises and arrangements: kept?",
        "Outcome per step",
        "Reasons for not paying",
    ] {
        b.expect_text(words).await;
    }
    let charts = b.script("return [...document.images].map(i => i.complete && i.naturalWidth > 0);").await;
    assert_eq!(charts, json!([true, true, true, true]), "every chart loaded");
    b.check_labels("reports").await;
    b.screenshot(&shot("09-reports")).await;

    // A policy step edited: the preview's track moves with it.
    b.goto(&format!("{}/office/policies", app.base)).await;
    b.expect_text("The track of an example invoice").await;
    b.screenshot(&shot("11-policy")).await;
    // The second step, five days later: its day in the track moves by five.
    let second_day = "return document.querySelector('#track tbody tr:nth-child(2) td:nth-child(3)').textContent;";
    let days_after = |v: &Value| -> i32 {
        let t = v.as_str().unwrap_or_default();
        t.split('(').nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no day in {t}"))
    };
    let before = days_after(&b.script(second_day).await);
    let offset = b.script("return document.querySelector('#offset_1').value;").await;
    let later = offset.as_str().and_then(|o| o.parse::<i32>().ok()).expect("a number of days") + 5;
    b.type_in("#offset_1", &later.to_string()).await;
    b.click_through("#preview").await;
    b.expect_text("The track of an example invoice").await;
    assert_eq!(days_after(&b.script(second_day).await), before + 5, "the second step moved by five days");
    b.check_labels("policy").await;
    b.screenshot(&shot("12-policy-preview")).await;

    // A text edited and seen as the debtor would get it.
    b.goto(&format!("{}/office/texts?step=reminder&language=en&level=plain", app.base)).await;
    b.type_in("#subject", "Did this slip through? {{ total }} is still open").await;
    b.click_through("#preview").await;
    let subject = b.script("return document.querySelector('#rendered-subject').textContent;").await;
    assert!(subject.as_str().is_some_and(|s| s.starts_with("Did this slip through? €") && s.ends_with("is still open")), "{subject}");
    b.check_labels("texts").await;
    b.screenshot(&shot("10-text-preview")).await;

    // An invoice list imported from the imports page, as a file chosen in the browser.
    b.goto(&format!("{}/office/imports", app.base)).await;
    let csv = std::env::temp_dir().join(format!("tegoed-import-{}-{backend}.csv", std::process::id()));
    std::fs::write(&csv, "Factuurnummer;Klantnummer;Klantnaam;Factuurdatum;Vervaldatum;Bedrag\nB-1;K7;Zeven;5-1-2026;4-2-2026;99,95\n")
        .expect("csv");
    let input = b.find("#file").await;
    b.call(reqwest::Method::POST, &format!("/element/{input}/value"), Some(json!({"text": csv.display().to_string()}))).await;
    b.click_through("#import-button").await;
    b.expect_text("Imported: ").await;
    b.expect_text("1 invoices (€99.95)").await;
    let _ = std::fs::remove_file(&csv);
    b.check_labels("imports").await;
    b.screenshot(&shot("13-imports")).await;
    b.goto(&format!("{}/office/settings", app.base)).await;
    b.check_labels("settings").await;
    b.screenshot(&shot("14-settings")).await;

    // Dutch, as the team works in it.
    b.goto(&format!("{}/office?lang=nl", app.base)).await;
    b.expect_text("Werklijst van vandaag").await;
    b.screenshot(&shot("15-werklijst")).await;
}

on_both_backends!(portal_in_chromium, back_office_in_chromium);
