//! The reports in the back-office: each with its chart (an SVG drawn on the server), its
//! figures, and a CSV download; over a period and day the user chooses.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;

use super::{Chrome, Staff, failed, money};
use crate::App;
use crate::reports::{Ageing, Dso, KeptReport, Reasons, ReportQuery, StepOutcomes, csv, svg};

/// The query of the page, read leniently: a date that does not parse is left out (and said).
fn query(q: Option<&str>) -> (ReportQuery, bool) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
    let mut bad = false;
    let mut date = |k: &str| {
        let v = pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty())?;
        let d = v.parse::<Date>().ok();
        bad |= d.is_none();
        d
    };
    let (as_of, from, to) = (date("as_of"), date("from"), date("to"));
    (ReportQuery { as_of, format: None, days: None, from, to }, bad)
}

struct KeptLine {
    what: &'static str,
    made: i64,
    running: i64,
    kept: i64,
    broken: i64,
    cancelled: i64,
    amount: String,
    percent: String,
}

struct StepLine {
    policy: String,
    step: i64,
    invoices: i64,
    within: [String; 3],
}

#[derive(Template)]
#[template(path = "office/reports.html")]
struct ReportsPage {
    c: Chrome,
    /// The period and day as chosen, for the form and the links.
    as_of: String,
    from: String,
    to: String,
    query: String,
    bad_date: bool,
    ageing: Vec<(String, i64, String)>,
    ageing_total: String,
    dso: String,
    kept: Vec<KeptLine>,
    steps: Vec<StepLine>,
    reasons: Vec<(String, i64)>,
}

fn pct(p: Option<i64>) -> String {
    p.map_or_else(|| "–".to_string(), |p| format!("{p}%"))
}

/// Every report on one page.
pub(super) async fn page(State(app): State<App>, staff: Staff, RawQuery(q): RawQuery) -> Response {
    let (q, bad_date) = query(q.as_deref());
    let as_of = q.as_of();
    let (Ok((from, to)), Ok((step_from, step_to))) = (q.period(90), q.period(120)) else {
        return super::refused(&staff, staff.t().bad_date);
    };
    let tenant = staff.tenant();
    let loaded = async {
        let ageing = Ageing::load(&app.db, tenant, as_of).await?;
        let dso = Dso::of(&app.db, tenant, &ageing, 90).await?;
        Ok::<_, store::StoreError>((
            ageing,
            dso,
            KeptReport::load(&app.db, tenant, from, to).await?,
            StepOutcomes::load(&app.db, tenant, step_from, step_to, as_of).await?,
            Reasons::load(&app.db, tenant, from, to).await?,
        ))
    }
    .await;
    let (ageing, dso, kept, steps, reasons) = match loaded {
        Ok(l) => l,
        Err(e) => return failed("reports", &e),
    };
    let (t, lang) = (staff.t(), staff.lang);
    let query = format!("as_of={as_of}&from={from}&to={to}");
    let kept_lines =
        [(t.promises, &kept.promises, kept.promises_kept_percent), (t.arrangements, &kept.arrangements, kept.arrangements_kept_percent)]
            .into_iter()
            .map(|(what, k, p)| KeptLine {
                what,
                made: k.made,
                running: k.open,
                kept: k.kept,
                broken: k.broken,
                cancelled: k.cancelled,
                amount: money(lang, k.amount),
                percent: pct(p),
            })
            .collect();
    let view = ReportsPage {
        c: staff.chrome("reports"),
        as_of: as_of.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        query,
        bad_date,
        ageing: ageing.buckets.iter().map(|b| (b.bucket.replace('_', " "), b.invoices, money(lang, b.open))).collect(),
        ageing_total: money(lang, ageing.total),
        dso: dso.dso.map_or_else(|| "–".to_string(), |d| format!("{d:.1}")),
        kept: kept_lines,
        steps: steps
            .steps
            .iter()
            .map(|s| {
                let p = s.paid_percent();
                StepLine {
                    policy: s.policy.clone(),
                    step: s.step,
                    invoices: s.invoices,
                    within: [0, 1, 2].map(|i| format!("{} / {} ({})", s.paid[i], s.eligible[i], pct(p[i]))),
                }
            })
            .collect(),
        reasons: reasons.reasons.iter().map(|r| (r.reason.clone(), r.count)).collect(),
    };
    staff.show(StatusCode::OK, view.render())
}

/// A report's chart (`{name}.svg`) or CSV (`{name}.csv`) for the session's tenant.
pub(super) async fn file(State(app): State<App>, staff: Staff, Path(file): Path<String>, RawQuery(q): RawQuery) -> Response {
    let (q, _) = query(q.as_deref());
    let Some((name, kind)) = file.rsplit_once('.') else { return StatusCode::NOT_FOUND.into_response() };
    let tenant = staff.tenant();
    let as_of = q.as_of();
    let (Ok((from, to)), Ok((step_from, step_to))) = (q.period(90), q.period(120)) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let made: Result<Option<(String, String)>, store::StoreError> = async {
        Ok(match name {
            "ageing" => Ageing::load(&app.db, tenant, as_of).await.map(|r| Some((r.csv(), r.chart())))?,
            "dso" => Dso::load(&app.db, tenant, as_of, 90).await.map(|r| Some((r.csv(), String::new())))?,
            "kept" => KeptReport::load(&app.db, tenant, from, to).await.map(|r| Some((r.csv(), r.chart())))?,
            "step-outcomes" => StepOutcomes::load(&app.db, tenant, step_from, step_to, as_of).await.map(|r| Some((r.csv(), r.chart())))?,
            "reasons" => Reasons::load(&app.db, tenant, from, to).await.map(|r| Some((r.csv(), r.chart())))?,
            _ => None,
        })
    }
    .await;
    match (made, kind) {
        (Ok(Some((body, _))), "csv") => csv(body, &format!("{name}-{as_of}")),
        (Ok(Some((_, chart))), "svg") if !chart.is_empty() => svg(chart),
        (Ok(_), _) => StatusCode::NOT_FOUND.into_response(),
        (Err(e), _) => failed("report file", &e),
    }
}
