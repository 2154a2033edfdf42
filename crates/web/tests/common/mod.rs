//! What the web tests share: the API over real HTTP, tenants and debtors made through it, and a
//! local stand-in for Mollie.
#![allow(dead_code)]

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use store::Db;

pub const ADMIN: &str = "admin-token-for-tests";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
}

/// One tenant as the API sees it: its id and key.
pub struct Tenant {
    pub id: i64,
    pub key: String,
}

impl TestApp {
    pub async fn start(db: Db) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = web::App::new(db, Some(ADMIN.to_string()));
        tokio::spawn(async move { axum::serve(listener, web::router(app)).await.expect("serve") });
        TestApp { base: format!("http://{addr}"), http: channels::providers::http_client() }
    }

    /// Serves the whole application as `tegoed serve` does, with the peer's address for the
    /// portal's guard; with Mollie at `mollie` when given. Behind a proxy, the guard reads
    /// `X-Forwarded-For`.
    pub async fn serve(db: Db, mollie: Option<String>, behind_proxy: bool) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let providers = web::pay::Providers {
            public_url: base.clone(),
            mollie: mollie.map(|api| channels::psp::Mollie::new(channels::psp::MollieSettings { api, api_key: MOLLIE_KEY.into() })),
            twilio_auth_token: None,
            whatsapp: None,
        };
        let app = web::App::new(db, Some(ADMIN.to_string())).with_providers(providers).behind_proxy(behind_proxy);
        tokio::spawn(async move { web::serve_on(listener, app).await.expect("serve") });
        TestApp { base, http: channels::providers::http_client() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, body, headers)
    }

    pub async fn get(&self, key: &str, path: &str) -> (StatusCode, Value) {
        let (s, b, _) = self.send(self.http.get(self.url(path)).bearer_auth(key)).await;
        (s, b)
    }

    pub async fn post(&self, key: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, b, _) = self.send(self.http.post(self.url(path)).bearer_auth(key).json(&body)).await;
        (s, b)
    }

    pub async fn patch(&self, key: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, b, _) = self.send(self.http.patch(self.url(path)).bearer_auth(key).json(&body)).await;
        (s, b)
    }

    pub async fn put(&self, key: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, b, _) = self.send(self.http.put(self.url(path)).bearer_auth(key).json(&body)).await;
        (s, b)
    }

    pub async fn post_empty(&self, key: &str, path: &str) -> StatusCode {
        self.send(self.http.post(self.url(path)).bearer_auth(key)).await.0
    }

    pub async fn tenant(&self, name: &str) -> Tenant {
        let (s, b) = self.post(ADMIN, "/tenants", json!({"legal_name": name, "iban": "NL91ABNA0417164300"})).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        Tenant { id: b["tenant"]["id"].as_i64().expect("id"), key: b["api_key"].as_str().expect("key").to_string() }
    }

    /// Creates a debtor and returns its id.
    pub async fn debtor(&self, t: &Tenant, name: &str) -> i64 {
        let (s, b) = self.post(&t.key, "/debtors", json!({"kind": "consumer", "name": name})).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["id"].as_i64().expect("id")
    }

    /// Creates an invoice and returns it.
    pub async fn invoice(&self, t: &Tenant, debtor: i64, number: &str, due: &str, total: i64) -> Value {
        let (s, b) = self
            .post(
                &t.key,
                "/invoices",
                json!({"debtor_id": debtor, "number": number, "issue_date": "2026-01-01", "due_date": due, "total": total, "vat": 0}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b
    }
}

pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default()
}

/// A local stand-in for Mollie's Payments API that checks each request as Mollie does: the
/// bearer key, JSON, an amount in EUR with two decimals, a description of at most 255
/// characters, absolute redirect and webhook URLs, metadata within 1 KB. It answers like Mollie
/// and lets the test decide when a payment is paid.
#[derive(Default)]
pub struct FakeMollie {
    pub created: std::sync::Mutex<Vec<Value>>,
    pub paid: std::sync::Mutex<std::collections::HashSet<String>>,
}

pub const MOLLIE_KEY: &str = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM";

pub async fn fake_mollie() -> (String, Arc<FakeMollie>) {
    use axum::extract::{Path, State};
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    let state = Arc::new(FakeMollie::default());
    let problem = |detail: &str, field: &str| {
        (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"status": 422, "title": "Unprocessable Entity", "detail": detail, "field": field})),
        )
            .into_response()
    };
    let authorized = |h: &HeaderMap| h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {MOLLIE_KEY}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let checkout_base = base.clone();
    let payment = move |id: &str, value: &str, status: &str| {
        json!({"resource": "payment", "id": id, "mode": "test", "status": status, "amount": {"currency": "EUR", "value": value},
            "paidAt": if status == "paid" { json!("2026-12-04T10:15:00+00:00") } else { Value::Null },
            "_links": {"checkout": {"href": format!("{checkout_base}/checkout/{id}"), "type": "text/html"}}})
    };
    let payment_again = payment.clone();
    let router = axum::Router::new()
        .route(
            "/v2/payments",
            axum::routing::post(move |State(s): State<Arc<FakeMollie>>, h: HeaderMap, body: String| async move {
                if !authorized(&h) {
                    return (axum::http::StatusCode::UNAUTHORIZED, axum::Json(json!({"status": 401, "title": "Unauthorized Request"})))
                        .into_response();
                }
                if h.get("content-type").and_then(|v| v.to_str().ok()).is_none_or(|c| !c.starts_with("application/json")) {
                    return problem("send JSON", "body");
                }
                if h.get("idempotency-key").is_none() {
                    return problem("no Idempotency-Key", "header");
                }
                let Ok(b) = serde_json::from_str::<Value>(&body) else { return problem("The request body is not valid JSON", "body") };
                let value = b["amount"]["value"].as_str().unwrap_or_default();
                let two_decimals = value.split_once('.').is_some_and(|(e, d)| {
                    !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()) && d.len() == 2 && d.bytes().all(|c| c.is_ascii_digit())
                });
                if b["amount"]["currency"] != "EUR" || !two_decimals || value == "0.00" {
                    return problem("The amount is invalid", "amount");
                }
                let description = b["description"].as_str().unwrap_or_default();
                if description.is_empty() || description.chars().count() > 255 {
                    return problem("The description is invalid", "description");
                }
                for field in ["redirectUrl", "webhookUrl"] {
                    let url = b[field].as_str().unwrap_or_default();
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        return problem(&format!("The {field} is invalid"), field);
                    }
                }
                if b["metadata"].to_string().len() > 1024 {
                    return problem("The metadata is too large", "metadata");
                }
                let mut created = s.created.lock().expect("lock");
                let id = format!("tr_Fake{}", created.len() + 1);
                created.push(b.clone());
                (axum::http::StatusCode::CREATED, axum::Json(payment(&id, value, "open"))).into_response()
            }),
        )
        .route(
            "/v2/payments/{id}",
            axum::routing::get(move |State(s): State<Arc<FakeMollie>>, h: HeaderMap, Path(id): Path<String>| async move {
                if !authorized(&h) {
                    return (axum::http::StatusCode::UNAUTHORIZED, axum::Json(json!({"status": 401}))).into_response();
                }
                let n: usize = id.trim_start_matches("tr_Fake").parse().unwrap_or(0);
                let created = s.created.lock().expect("lock");
                let Some(b) = n.checked_sub(1).and_then(|i| created.get(i)) else {
                    return (axum::http::StatusCode::NOT_FOUND, axum::Json(json!({"status": 404, "title": "Not Found"}))).into_response();
                };
                let status = if s.paid.lock().expect("lock").contains(&id) { "paid" } else { "open" };
                axum::Json(payment_again(&id, b["amount"]["value"].as_str().unwrap_or_default(), status)).into_response()
            }),
        )
        // The checkout page a debtor's browser is sent to.
        .route(
            "/checkout/{id}",
            axum::routing::get(|Path(id): Path<String>| async move {
                axum::response::Html(format!(
                    "<!DOCTYPE html><html><head><title>Mollie checkout</title></head><body><h1>Mollie test checkout {id}</h1></body></html>"
                ))
            }),
        )
        .with_state(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    (base, state)
}

/// The password every back-office user of the tests has.
pub const PASSWORD: &str = "correct horse battery staple";

/// A tenant with a back-office and work waiting: a credit controller (also read-only for a
/// second tenant), a read-only colleague, and on the list a call task of two weeks ago, a
/// broken promise and a dispute of debtors with overdue invoices.
pub struct Office {
    pub tenant: Tenant,
    pub other: Tenant,
    /// Sign-in names, unique per fixture (tests share a PostgreSQL database).
    pub controller: String,
    pub reader: String,
    pub admin: String,
    /// "Jansen": a call task for € 100 and a dispute about J-2.
    pub jansen: i64,
    /// "De Vries": a broken promise of € 50.
    pub de_vries: i64,
    pub call_task: i64,
    pub broken_promise: i64,
}

pub async fn office(app: &TestApp, db: &Db) -> Office {
    use domain::access::Role;
    use domain::ids::{DebtorId, InvoiceId, TenantId};
    let tenant = app.tenant("Kantoor B.V.").await;
    let other = app.tenant("Tweede Klant B.V.").await;
    let jansen = app.debtor(&tenant, "Jansen").await;
    let de_vries = app.debtor(&tenant, "De Vries").await;
    let j1 = app.invoice(&tenant, jansen, "J-1", "2026-10-01", 10_000).await["id"].as_i64().expect("id");
    let j2 = app.invoice(&tenant, jansen, "J-2", "2026-10-15", 25_000).await["id"].as_i64().expect("id");
    app.invoice(&tenant, de_vries, "V-1", "2026-09-01", 5_000).await;
    app.debtor(&other, "Klant van de tweede").await;
    let t = TenantId(tenant.id);
    let two_weeks_ago = domain::dates::add_days(web::today(), -14);
    let task = domain::dunning::planner::PlannedAction {
        debtor_id: DebtorId(jansen),
        policy: "consumer-standard".into(),
        step: 2,
        kind: domain::dunning::policy::StepKind::CallTask,
        due_on: two_weeks_ago,
        channels: vec![domain::dunning::policy::Channel::Phone],
        invoices: vec![InvoiceId(j1)],
        amount: domain::money::Cents::from_cents_unchecked(10_000),
        template: "call_task".into(),
        needs_approval: false,
        adds_collection_costs: false,
        starts_interest: false,
        key: "office-call".into(),
    };
    let mut tx = db.write().await.expect("tx");
    tx.record_actions(t, two_weeks_ago, &[(task, store::ActionStatus::TaskOpen)]).await.expect("task");
    let promise = tx
        .add_pause(
            t,
            DebtorId(de_vries),
            None,
            "promise",
            Some(jiff::civil::date(2026, 11, 1)),
            Some(domain::money::Cents::from_cents_unchecked(5_000)),
            "on the phone",
        )
        .await
        .expect("promise");
    assert!(tx.settle_promise(t, promise, "broken").await.expect("broken"));
    tx.add_pause(t, DebtorId(jansen), Some(InvoiceId(j2)), "dispute", None, None, "bike was delivered damaged").await.expect("dispute");
    tx.commit().await.expect("commit");
    let call_task = {
        let mut tx = db.read().await.expect("tx");
        let id = tx.open_task_of(t, DebtorId(jansen)).await.expect("task").expect("open task");
        tx.commit().await.expect("commit");
        id
    };
    let controller = format!("anna{}@kantoor.example", tenant.id);
    let reader = format!("rob{}@kantoor.example", tenant.id);
    let typed = format!("Anna{}@Kantoor.example", tenant.id);
    web::office::add_user(db, &typed, "Anna de Boer", PASSWORD, &[(t, Role::CreditController), (TenantId(other.id), Role::ReadOnly)])
        .await
        .expect("controller");
    web::office::add_user(db, &reader, "Rob Kijker", PASSWORD, &[(t, Role::ReadOnly)]).await.expect("reader");
    let admin = format!("beheer{}@kantoor.example", tenant.id);
    web::office::add_user(db, &admin, "Bea Beheer", PASSWORD, &[(t, Role::Admin)]).await.expect("admin");
    Office { tenant, other, controller, reader, admin, jansen, de_vries, call_task, broken_promise: promise }
}

/// A browser without a browser: follows nothing by itself, keeps the session cookie and the
/// chosen language.
pub struct Visitor {
    pub base: String,
    pub http: reqwest::Client,
    pub cookie: Option<String>,
    pub lang: Option<String>,
}

impl Visitor {
    pub fn new(app: &TestApp) -> Visitor {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Visitor { base: app.base.clone(), http, cookie: None, lang: None }
    }

    async fn finish(&mut self, req: reqwest::RequestBuilder) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let mut jar = Vec::new();
        if let Some(c) = &self.cookie {
            jar.push(format!("tegoed_session={c}"));
        }
        if let Some(l) = &self.lang {
            jar.push(format!("tegoed_lang={l}"));
        }
        let req = if jar.is_empty() { req } else { req.header("cookie", jar.join("; ")) };
        let resp = req.send().await.expect("request");
        let (status, headers) = (resp.status(), resp.headers().clone());
        for v in headers.get_all("set-cookie") {
            let v = v.to_str().expect("ascii");
            if let Some(rest) = v.strip_prefix("tegoed_session=") {
                let value = rest.split(';').next().unwrap_or_default();
                self.cookie = (!value.is_empty()).then(|| value.to_string());
            }
            if let Some(rest) = v.strip_prefix("tegoed_lang=") {
                self.lang = rest.split(';').next().map(str::to_string);
            }
        }
        (status, resp.text().await.expect("body"), headers)
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let req = self.http.get(format!("{}{path}", self.base));
        self.finish(req).await
    }

    /// Posts a plain form of names and values.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, reqwest::header::HeaderMap) {
        self.post_form(path, form).await
    }

    /// Posts a plain form built of owned values (`Vec<(&str, String)>`, …).
    pub async fn post_form(
        &mut self,
        path: &str,
        form: &(impl serde::Serialize + ?Sized),
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let body = serde_urlencoded::to_string(form).expect("form");
        let req = self.http.post(format!("{}{path}", self.base)).header("content-type", "application/x-www-form-urlencoded").body(body);
        self.finish(req).await
    }

    /// Posts a multipart form (RFC 7578) with one file in field `file`.
    pub async fn post_file(&mut self, path: &str, form: &[(&str, &str)], file_name: &str, file: &[u8]) -> (StatusCode, String) {
        let boundary = "----tegoed-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in form {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        let (s, text, _) = self.finish(req).await;
        (s, text)
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> StatusCode {
        self.post("/office/login", &[("email", email), ("password", password)]).await.0
    }
}

/// The form token of a back-office page.
pub fn form_token(html: &str) -> String {
    let at = html.find("name=\"token\" value=\"").expect("a form with a token") + 20;
    html[at..].split('"').next().expect("token").to_string()
}
