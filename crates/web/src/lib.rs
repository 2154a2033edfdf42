//! Tegoed's HTTP surface. Thin by design: extract the request, call `domain` and `store`,
//! render JSON. The REST API lives under `/api/v1`; `/healthz` and `/metrics` serve operators.

pub mod api;
pub mod extract;
mod forms;
pub mod keys;
pub mod metrics;
mod multipart;
pub mod office;
pub mod pay;
pub mod portal;
pub mod problem;
mod reports;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiff::civil::Date;
use store::Db;

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    /// The ledger.
    pub db: Db,
    /// The operator's token for the tenant admin routes; none disables them.
    pub admin_token: Option<Arc<str>>,
    /// Request metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// Payment links and providers' webhooks, when configured.
    pub providers: Option<Arc<pay::Providers>>,
    /// Refuses client addresses that keep guessing portal links or entries.
    pub portal_guard: Arc<portal::Guard>,
    /// The portal's QR codes drawn lately.
    pub portal_qr_codes: Arc<portal::QrCodes>,
    /// Refuses client addresses that keep failing to sign in to the back-office.
    pub login_guard: Arc<portal::Guard>,
}

impl App {
    /// State for a server on this database.
    pub fn new(db: Db, admin_token: Option<String>) -> Self {
        App {
            db,
            admin_token: admin_token.map(Arc::from),
            metrics: Arc::default(),
            providers: None,
            portal_guard: Arc::default(),
            portal_qr_codes: Arc::default(),
            login_guard: Arc::default(),
        }
    }

    /// Behind a reverse proxy: the portal's and the sign-in's guards take the client's address
    /// from the last `X-Forwarded-For` hop instead of the connection, and the session cookie is
    /// sent only over HTTPS.
    pub fn behind_proxy(mut self, yes: bool) -> Self {
        self.portal_guard = Arc::new(portal::Guard::new(yes));
        self.login_guard = Arc::new(portal::Guard::new(yes));
        self
    }

    /// Serves payment links and the providers' webhooks.
    pub fn with_providers(mut self, providers: pay::Providers) -> Self {
        self.providers = Some(Arc::new(providers));
        self
    }
}

/// Today in the Netherlands: the day every due date is compared with.
pub fn today() -> Date {
    domain::dates::business_date(jiff::Timestamp::now())
}

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    let (api, openapi) = api::routes().split_for_parts();
    let openapi_json = Arc::new(openapi.to_pretty_json().unwrap_or_default());
    Router::new()
        .nest("/api/v1", api)
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi_json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], doc.as_str().to_owned()) }
            }),
        )
        .merge(pay::routes())
        .merge(portal::routes())
        .merge(office::routes())
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/metrics", get(render_metrics))
        .layer(middleware::from_fn_with_state(app.clone(), audit_api_changes))
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .layer(axum::extract::DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .with_state(app)
}

/// Writes every change made through the API (a write that succeeded) to the tenant's audit log:
/// the method and path, the key's public prefix (or the operator's token), and the answer's
/// status. The change itself committed in its own unit of work before this line is written; a
/// failure to write the line is logged and does not undo the change.
async fn audit_api_changes(State(app): State<App>, req: Request, next: Next) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || !req.uri().path().starts_with("/api/v1/") {
        return next.run(req).await;
    }
    let subject = format!("{} {}", req.method(), req.uri().path());
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    let resp = next.run(req).await;
    if !resp.status().is_success() {
        return resp;
    }
    let prefix = presented.as_deref().and_then(keys::split).map(|(prefix, _)| prefix.to_string());
    let status = resp.status().as_u16();
    let written: Result<(), store::StoreError> = async {
        let mut tx = app.db.write().await?;
        let tenant = match &prefix {
            Some(p) => tx.api_key(p).await?.map(|k| k.tenant_id),
            None => None,
        };
        let who = prefix.as_deref().map_or_else(|| "operator token".to_string(), |p| format!("API key tg_{p}"));
        tx.audit(tenant, None, "api_change", &subject, &format!("{who}: {status}")).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = written {
        tracing::error!(error = %e, subject, "the audit line of an API change was not written");
    }
    resp
}

/// What a person who opens the server's address sees: the ways to the back-office, the portal
/// and the API.
async fn home() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("home.html"))
}

async fn healthz(State(app): State<App>) -> Response {
    match app.db.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "database unavailable"}))).into_response()
        }
    }
}

async fn render_metrics(State(app): State<App>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], app.metrics.render())
}

async fn observe(State(app): State<App>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    // The route template, not the path: ids must not explode the number of series.
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let resp = next.run(req).await;
    app.metrics.observe(&method, &route, resp.status().as_u16(), started.elapsed());
    resp
}

/// Serves the application on a bound listener until the process is told to stop.
pub async fn serve(listener: tokio::net::TcpListener, app: App) -> std::io::Result<()> {
    // The peer's address reaches the portal's guard.
    axum::serve(listener, router(app).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

/// Serves the application on a bound listener until the task is dropped (tests, benchmarks).
pub async fn serve_on(listener: tokio::net::TcpListener, app: App) -> std::io::Result<()> {
    axum::serve(listener, router(app).into_make_service_with_connect_info::<std::net::SocketAddr>()).await
}

/// Resolves when the process is told to stop (Ctrl-C, or SIGTERM on Unix).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
