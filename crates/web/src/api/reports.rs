//! Reports: the ageing of what is open, days sales outstanding, promises and arrangements kept,
//! what each dunning step brings in, and why debtors do not pay; as JSON, CSV, or an SVG chart
//! drawn on the server.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::App;
use crate::extract::{Params, TenantKey};
use crate::problem::{ApiError, Problem};
use crate::reports::{Ageing, Dso, KeptReport, Reasons, ReportQuery, StepOutcomes, csv, svg};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(ageing))
        .routes(routes!(days_sales_outstanding))
        .routes(routes!(kept))
        .routes(routes!(step_outcomes))
        .routes(routes!(reasons))
}

/// A report in the form asked for.
fn answer<T: serde::Serialize>(
    report: T,
    format: Option<&str>,
    name: &str,
    csv_of: impl Fn(&T) -> String,
    chart: Option<fn(&T) -> String>,
) -> Result<Response, ApiError> {
    match (format.unwrap_or("json"), chart) {
        ("json", _) => Ok(Json(report).into_response()),
        ("csv", _) => Ok(csv(csv_of(&report), name)),
        ("svg", Some(chart)) => Ok(svg(chart(&report))),
        (other, Some(_)) => Err(ApiError::field("format", format!("'{other}': expected json, csv or svg"))),
        (other, None) => Err(ApiError::field("format", format!("'{other}': expected json or csv"))),
    }
}

/// What is open on the tenant's open invoices by days past their due date: not due, 1–30,
/// 31–60, 61–90, over 90.
#[utoipa::path(get, path = "/reports/ageing", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Ageing), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn ageing(State(app): State<App>, TenantKey(tenant): TenantKey, Params(q): Params<ReportQuery>) -> Result<Response, ApiError> {
    let as_of = q.as_of();
    let report = Ageing::load(&app.db, tenant, as_of).await?;
    answer(report, q.format.as_deref(), &format!("ageing-{as_of}"), Ageing::csv, Some(Ageing::chart))
}

/// Days sales outstanding by the period method.
#[utoipa::path(get, path = "/reports/dso", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Dso), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn days_sales_outstanding(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<ReportQuery>,
) -> Result<Response, ApiError> {
    let as_of = q.as_of();
    let report = Dso::load(&app.db, tenant, as_of, q.days()?).await?;
    answer(report, q.format.as_deref(), &format!("dso-{as_of}"), Dso::csv, None)
}

/// Promises to pay and arrangements made in a period, and how many were kept.
#[utoipa::path(get, path = "/reports/kept", tag = "reports", params(ReportQuery),
    responses((status = 200, body = KeptReport), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn kept(State(app): State<App>, TenantKey(tenant): TenantKey, Params(q): Params<ReportQuery>) -> Result<Response, ApiError> {
    let (from, to) = q.period(90)?;
    let report = KeptReport::load(&app.db, tenant, from, to).await?;
    answer(report, q.format.as_deref(), &format!("kept-{from}-{to}"), KeptReport::csv, Some(KeptReport::chart))
}

/// Per policy and step taken in a period: the invoices paid in full within 7, 14 and 30 days
/// after it.
#[utoipa::path(get, path = "/reports/step-outcomes", tag = "reports", params(ReportQuery),
    responses((status = 200, body = StepOutcomes), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn step_outcomes(State(app): State<App>, TenantKey(tenant): TenantKey, Params(q): Params<ReportQuery>) -> Result<Response, ApiError> {
    let (from, to) = q.period(120)?;
    let report = StepOutcomes::load(&app.db, tenant, from, to, q.as_of()).await?;
    answer(report, q.format.as_deref(), &format!("step-outcomes-{from}-{to}"), StepOutcomes::csv, Some(StepOutcomes::chart))
}

/// Why debtors did not pay, as they said it in a period: disputes, "can't pay" by reason,
/// "won't pay", wrong numbers, promises to pay later.
#[utoipa::path(get, path = "/reports/reasons", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Reasons), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn reasons(State(app): State<App>, TenantKey(tenant): TenantKey, Params(q): Params<ReportQuery>) -> Result<Response, ApiError> {
    let (from, to) = q.period(90)?;
    let report = Reasons::load(&app.db, tenant, from, to).await?;
    answer(report, q.format.as_deref(), &format!("reasons-{from}-{to}"), Reasons::csv, Some(Reasons::chart))
}
