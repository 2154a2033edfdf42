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
