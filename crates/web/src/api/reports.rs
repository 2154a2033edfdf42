//! Reports: the ageing of what is open, and days sales outstanding; as JSON, CSV, or (ageing)
//! an SVG chart drawn on the server.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::money::Cents;
use domain::reports::{AgeingBucket, dso};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::App;
use crate::extract::{Params, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(ageing)).routes(routes!(days_sales_outstanding))
}

/// Which day, and in which form.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    /// The day the report is for (default today).
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<Date>,
    /// json (default), csv, or svg (ageing only).
    format: Option<String>,
    /// For DSO: the days of sales it is measured against (default 90, 1 to 366).
    days: Option<u16>,
}

/// The ageing report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Ageing {
    /// The day.
    #[schema(value_type = String, format = Date)]
    as_of: Date,
    /// Open invoices by days past their due date.
    buckets: Vec<AgeingBucket>,
    /// What is open in all.
    total: Cents,
}

/// A CSV download; amounts in it are plain decimals (`1234.56`, as `Cents` displays).
fn csv(body: String, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
        ],
        body,
    )
        .into_response()
}

/// What is open on the tenant's open invoices by days past their due date: not due, 1–30,
/// 31–60, 61–90, over 90.
#[utoipa::path(get, path = "/reports/ageing", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Ageing), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn ageing(State(app): State<App>, TenantKey(tenant): TenantKey, Params(q): Params<ReportQuery>) -> Result<Response, ApiError> {
    let as_of = q.as_of.unwrap_or_else(crate::today);
    let mut tx = app.db.read().await?;
    let buckets = tx.ageing(tenant, as_of).await?;
    tx.commit().await?;
    let total: Cents = buckets.iter().map(|b| b.open).sum();
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(Ageing { as_of, buckets, total }).into_response()),
        "csv" => {
            let mut body = String::from("bucket,invoices,open\n");
            for b in &buckets {
                body.push_str(&format!("{},{},{}\n", b.bucket, b.invoices, b.open));
            }
            Ok(csv(body, &format!("ageing-{as_of}")))
        }
        "svg" => Ok(([(header::CONTENT_TYPE, "image/svg+xml")], ageing_chart(&buckets, as_of)).into_response()),
        other => Err(ApiError::field("format", format!("'{other}': expected json, csv or svg"))),
    }
}

/// A bar chart of the ageing buckets, with each bar's amount written above it.
fn ageing_chart(buckets: &[AgeingBucket], as_of: Date) -> String {
    let (w, h, top, bottom) = (520.0_f64, 300.0_f64, 40.0_f64, 250.0_f64);
    let max = buckets.iter().map(|b| b.open.cents()).max().unwrap_or(0).max(1) as f64;
    let mut bars = String::new();
    for (i, b) in buckets.iter().enumerate() {
        let x = 40.0 + i as f64 * 95.0;
        let bar = (b.open.cents() as f64 / max) * (bottom - top);
        let y = bottom - bar;
        bars.push_str(&format!(
            "<rect x=\"{x:.0}\" y=\"{y:.1}\" width=\"70\" height=\"{bar:.1}\" fill=\"#0b57d0\"><title>{}: {} ({} invoices)</title></rect>\
             <text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\">{}</text>\
             <text x=\"{:.0}\" y=\"270\" text-anchor=\"middle\" font-size=\"13\">{}</text>",
            b.bucket,
            b.open.to_dutch(),
            b.invoices,
            x + 35.0,
            y - 6.0,
            b.open.to_dutch(),
            x + 35.0,
            b.bucket.replace('_', " ")
        ));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Ageing on {as_of}\" font-family=\"Arial, sans-serif\">\
         <title>Ageing on {as_of}: open amounts by days past due</title><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\
         <text x=\"20\" y=\"24\" font-size=\"15\" font-weight=\"bold\">Ageing on {as_of} (days past due)</text>\
         <line x1=\"30\" y1=\"{bottom}\" x2=\"{:.0}\" y2=\"{bottom}\" stroke=\"#767676\"/>{bars}</svg>",
        w - 20.0
    )
}

/// Days sales outstanding.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Dso {
    /// The day.
    #[schema(value_type = String, format = Date)]
    as_of: Date,
    /// Days of sales it is measured against.
    days: u16,
    /// What is open on the tenant's open invoices.
    open: Cents,
    /// What was invoiced in those days (issue dates up to and including `as_of`).
    invoiced: Cents,
    /// open ÷ invoiced × days, one decimal; none when nothing was invoiced.
    dso: Option<f64>,
    /// How it is computed.
    method: &'static str,
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
    let as_of = q.as_of.unwrap_or_else(crate::today);
    let days = q.days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(ApiError::field("days", "1 to 366"));
    }
    let mut tx = app.db.read().await?;
    let open: Cents = tx.ageing(tenant, as_of).await?.iter().map(|b| b.open).sum();
    let invoiced = tx.invoiced_between(tenant, domain::dates::add_days(as_of, 1 - i32::from(days)), as_of).await?;
    tx.commit().await?;
    let report = Dso {
        as_of,
        days,
        open,
        invoiced,
        dso: dso(open, invoiced, days),
        method: "period method: open receivables on as_of / invoiced (incl. VAT) in the `days` days up to as_of × days",
    };
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(report).into_response()),
        "csv" => Ok(csv(
            format!(
                "as_of,days,open,invoiced,dso\n{},{},{},{},{}\n",
                report.as_of,
                report.days,
                report.open,
                report.invoiced,
                report.dso.map(|d| d.to_string()).unwrap_or_default()
            ),
            &format!("dso-{as_of}"),
        )),
        other => Err(ApiError::field("format", format!("'{other}': expected json or csv"))),
    }
}
