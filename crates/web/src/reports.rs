//! The reports as the API and the back-office both give them: gathered from the store, as CSV,
//! and as an SVG bar chart drawn on the server (no script, no chart library).

use std::fmt::Write;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use domain::ids::TenantId;
use domain::money::Cents;
use domain::reports::{AgeingBucket, Kept, PAID_WITHIN, ReasonCount, StepOutcome, dso};

use crate::problem::ApiError;

/// Which day or period, and in which form.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportQuery {
    /// The day the report is for (default today).
    #[param(value_type = Option<String>, format = Date)]
    pub(crate) as_of: Option<Date>,
    /// json (default), csv, or svg (not for dso).
    pub(crate) format: Option<String>,
    /// For DSO: the days of sales it is measured against (default 90, 1 to 366).
    pub(crate) days: Option<u16>,
    /// For the reports over a period: its first day (default 90 days before its last; for step
    /// outcomes 120).
    #[param(value_type = Option<String>, format = Date)]
    pub(crate) from: Option<Date>,
    /// Its last day (default `as_of`).
    #[param(value_type = Option<String>, format = Date)]
    pub(crate) to: Option<Date>,
}

impl ReportQuery {
    pub(crate) fn as_of(&self) -> Date {
        self.as_of.unwrap_or_else(crate::today)
    }

    /// The period, `default_days` long unless given; refused when it runs backwards or spans
    /// more than three years.
    pub(crate) fn period(&self, default_days: i32) -> Result<(Date, Date), ApiError> {
        let to = self.to.unwrap_or_else(|| self.as_of());
        let from = self.from.unwrap_or_else(|| domain::dates::add_days(to, 1 - default_days));
        if from > to {
            return Err(ApiError::field("from", format!("{from} lies after to ({to})")));
        }
        if (to - from).get_days() > 3 * 366 {
            return Err(ApiError::field("from", "a period spans at most three years"));
        }
        Ok((from, to))
    }

    pub(crate) fn days(&self) -> Result<u16, ApiError> {
        let days = self.days.unwrap_or(90);
        if !(1..=366).contains(&days) {
            return Err(ApiError::field("days", "1 to 366"));
        }
        Ok(days)
    }
}

/// A CSV download; amounts in it are plain decimals (`1234.56`, as `Cents` displays).
pub(crate) fn csv(body: String, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
        ],
        body,
    )
        .into_response()
}

/// An SVG chart.
pub(crate) fn svg(body: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml")], body).into_response()
}

/// One bar of a chart: its label, its size, and the text written above it.
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) value: i64,
    pub(crate) text: String,
}

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A bar chart with a title and each bar's text above it; wide enough for its bars.
pub(crate) fn bar_chart(title: &str, bars: &[Bar]) -> String {
    let (top, bottom) = (55.0_f64, 250.0_f64);
    let step = 95.0_f64;
    let w = (40.0 + bars.len() as f64 * step).max(520.0);
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"300\" viewBox=\"0 0 {w:.0} 300\" role=\"img\" aria-label=\"{t}\" font-family=\"Arial, sans-serif\">\
         <title>{t}</title><rect width=\"{w:.0}\" height=\"300\" fill=\"#fff\"/>\
         <text x=\"20\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{t}</text>\
         <line x1=\"30\" y1=\"{bottom}\" x2=\"{:.0}\" y2=\"{bottom}\" stroke=\"#767676\"/>",
        w - 20.0,
        t = esc(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let x = 40.0 + i as f64 * step;
        let bar = (b.value.max(0) as f64 / max) * (bottom - top);
        let y = bottom - bar;
        // Under the bar in two lines: the first word, then the rest.
        let (first, rest) = b.label.split_once(' ').unwrap_or((&b.label, ""));
        let _ = write!(
            out,
            "<rect x=\"{x:.0}\" y=\"{y:.1}\" width=\"70\" height=\"{bar:.1}\" fill=\"#0b57d0\"><title>{label}: {text}</title></rect>\
             <text x=\"{cx:.0}\" y=\"{ty:.1}\" text-anchor=\"middle\" font-size=\"12\">{text}</text>\
             <text x=\"{cx:.0}\" y=\"268\" text-anchor=\"middle\" font-size=\"12\">{first}</text>\
             <text x=\"{cx:.0}\" y=\"283\" text-anchor=\"middle\" font-size=\"12\">{rest}</text>",
            label = esc(&b.label),
            first = esc(first),
            rest = esc(rest),
            text = esc(&b.text),
            cx = x + 35.0,
            ty = y - 6.0,
        );
    }
    out.push_str("</svg>");
    out
}

/// What is open on `as_of`, by days past the due date.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Ageing {
    /// The day.
    #[schema(value_type = String, format = Date)]
    pub(crate) as_of: Date,
    /// Open invoices by days past their due date.
    pub(crate) buckets: Vec<AgeingBucket>,
    /// What is open in all.
    pub(crate) total: Cents,
}

impl Ageing {
    pub(crate) async fn load(db: &store::Db, tenant: TenantId, as_of: Date) -> Result<Ageing, store::StoreError> {
        let mut tx = db.read().await?;
        let buckets = tx.ageing(tenant, as_of).await?;
        tx.commit().await?;
        let total = buckets.iter().map(|b| b.open).sum();
        Ok(Ageing { as_of, buckets, total })
    }

    pub(crate) fn csv(&self) -> String {
        let mut body = String::from("bucket,invoices,open\n");
        for b in &self.buckets {
            let _ = writeln!(body, "{},{},{}", b.bucket, b.invoices, b.open);
        }
        body
    }

    pub(crate) fn chart(&self) -> String {
        let bars: Vec<Bar> = self
            .buckets
            .iter()
            .map(|b| Bar { label: b.bucket.replace('_', " "), value: b.open.cents(), text: b.open.to_dutch() })
            .collect();
        bar_chart(&format!("Ageing on {} (days past due)", self.as_of), &bars)
    }
}

/// Days sales outstanding.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Dso {
    /// The day.
    #[schema(value_type = String, format = Date)]
    pub(crate) as_of: Date,
    /// Days of sales it is measured against.
    pub(crate) days: u16,
    /// What is open on the tenant's open invoices.
    pub(crate) open: Cents,
    /// What was invoiced in those days (issue dates up to and including `as_of`).
    pub(crate) invoiced: Cents,
    /// open ÷ invoiced × days, one decimal; none when nothing was invoiced.
    pub(crate) dso: Option<f64>,
    /// How it is computed.
    pub(crate) method: &'static str,
}

impl Dso {
    pub(crate) async fn load(db: &store::Db, tenant: TenantId, as_of: Date, days: u16) -> Result<Dso, store::StoreError> {
        let ageing = Ageing::load(db, tenant, as_of).await?;
        Dso::of(db, tenant, &ageing, days).await
    }

    /// DSO on the day of an ageing report already made, with what is open taken from it (the
    /// reports page shows both: the open invoices are summed once).
    pub(crate) async fn of(db: &store::Db, tenant: TenantId, ageing: &Ageing, days: u16) -> Result<Dso, store::StoreError> {
        let as_of = ageing.as_of;
        let mut tx = db.read().await?;
        let invoiced = tx.invoiced_between(tenant, domain::dates::add_days(as_of, 1 - i32::from(days)), as_of).await?;
        tx.commit().await?;
        let open = ageing.total;
        Ok(Dso {
            as_of,
            days,
            open,
            invoiced,
            dso: dso(open, invoiced, days),
            method: "period method: open receivables on as_of / invoiced (incl. VAT) in the `days` days up to as_of × days",
        })
    }

    pub(crate) fn csv(&self) -> String {
        format!(
            "as_of,days,open,invoiced,dso\n{},{},{},{},{}\n",
            self.as_of,
            self.days,
            self.open,
            self.invoiced,
            self.dso.map(|d| d.to_string()).unwrap_or_default()
        )
    }
}

/// Promises and arrangements made in a period, and how many were kept.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct KeptReport {
    /// First day of the period.
    #[schema(value_type = String, format = Date)]
    pub(crate) from: Date,
    /// Last day of the period.
    #[schema(value_type = String, format = Date)]
    pub(crate) to: Date,
    /// Promises to pay made in the period.
    pub(crate) promises: Kept,
    /// Kept promises as a share of those kept or broken, in percent.
    pub(crate) promises_kept_percent: Option<i64>,
    /// Arrangements agreed in the period.
    pub(crate) arrangements: Kept,
    /// Completed arrangements as a share of those completed or broken, in percent.
    pub(crate) arrangements_kept_percent: Option<i64>,
}

impl KeptReport {
    pub(crate) async fn load(db: &store::Db, tenant: TenantId, from: Date, to: Date) -> Result<KeptReport, store::StoreError> {
        let mut tx = db.read().await?;
        let promises = tx.promises_kept(tenant, from, to).await?;
        let arrangements = tx.arrangements_kept(tenant, from, to).await?;
        tx.commit().await?;
        Ok(KeptReport {
            from,
            to,
            promises_kept_percent: promises.kept_percent(),
            promises,
            arrangements_kept_percent: arrangements.kept_percent(),
            arrangements,
        })
    }

    pub(crate) fn csv(&self) -> String {
        let mut body = String::from("what,made,open,kept,broken,cancelled,amount,kept_percent\n");
        for (what, k, pct) in
            [("promises", &self.promises, self.promises_kept_percent), ("arrangements", &self.arrangements, self.arrangements_kept_percent)]
        {
            let _ = writeln!(
                body,
                "{what},{},{},{},{},{},{},{}",
                k.made,
                k.open,
                k.kept,
                k.broken,
                k.cancelled,
                k.amount,
                pct.map(|p| p.to_string()).unwrap_or_default()
            );
        }
        body
    }

    pub(crate) fn chart(&self) -> String {
        let mut bars = Vec::new();
        for (what, k) in [("promises", &self.promises), ("arrangements", &self.arrangements)] {
            for (how, n) in [("kept", k.kept), ("broken", k.broken), ("running", k.open)] {
                bars.push(Bar { label: format!("{what} {how}"), value: n, text: n.to_string() });
            }
        }
        bar_chart(&format!("Promises and arrangements made {} to {}", self.from, self.to), &bars)
    }
}

/// What each dunning step brought in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct StepOutcomes {
    /// First day of the period the steps were taken in.
    #[schema(value_type = String, format = Date)]
    pub(crate) from: Date,
    /// Last day of it.
    #[schema(value_type = String, format = Date)]
    pub(crate) to: Date,
    /// The day the windows are judged on.
    #[schema(value_type = String, format = Date)]
    pub(crate) as_of: Date,
    /// Days after a step in which payment is counted.
    pub(crate) windows: [i32; 3],
    /// Per policy and step.
    pub(crate) steps: Vec<StepOutcome>,
}

impl StepOutcomes {
    pub(crate) async fn load(
        db: &store::Db,
        tenant: TenantId,
        from: Date,
        to: Date,
        as_of: Date,
    ) -> Result<StepOutcomes, store::StoreError> {
        let mut tx = db.read().await?;
        let steps = tx.step_outcomes(tenant, from, to, as_of).await?;
        tx.commit().await?;
        Ok(StepOutcomes { from, to, as_of, windows: PAID_WITHIN, steps })
    }

    pub(crate) fn csv(&self) -> String {
        let mut body = String::from("policy,step,invoices,eligible_7,paid_7,eligible_14,paid_14,eligible_30,paid_30\n");
        for s in &self.steps {
            let _ = writeln!(
                body,
                "{},{},{},{},{},{},{},{},{}",
                csv_field(&s.policy),
                s.step,
                s.invoices,
                s.eligible[0],
                s.paid[0],
                s.eligible[1],
                s.paid[1],
                s.eligible[2],
                s.paid[2]
            );
        }
        body
    }

    /// Paid within 30 days after each step, in percent.
    pub(crate) fn chart(&self) -> String {
        let bars: Vec<Bar> = self
            .steps
            .iter()
            .map(|s| {
                let pct = s.paid_percent()[2];
                Bar {
                    label: format!("{} {}", short(&s.policy), s.step),
                    value: pct.unwrap_or(0),
                    text: pct.map_or_else(|| "–".to_string(), |p| format!("{p}%")),
                }
            })
            .collect();
        bar_chart(&format!("Paid within 30 days after each step, {} to {}", self.from, self.to), &bars)
    }
}

/// Why debtors did not pay.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Reasons {
    /// First day of the period.
    #[schema(value_type = String, format = Date)]
    pub(crate) from: Date,
    /// Last day of it.
    #[schema(value_type = String, format = Date)]
    pub(crate) to: Date,
    /// Every reason, with how often it was given.
    pub(crate) reasons: Vec<ReasonCount>,
}

impl Reasons {
    pub(crate) async fn load(db: &store::Db, tenant: TenantId, from: Date, to: Date) -> Result<Reasons, store::StoreError> {
        let mut tx = db.read().await?;
        let reasons = tx.non_payment_reasons(tenant, from, to).await?;
        tx.commit().await?;
        Ok(Reasons { from, to, reasons })
    }

    pub(crate) fn csv(&self) -> String {
        let mut body = String::from("reason,count\n");
        for r in &self.reasons {
            let _ = writeln!(body, "{},{}", r.reason, r.count);
        }
        body
    }

    pub(crate) fn chart(&self) -> String {
        let bars: Vec<Bar> = self
            .reasons
            .iter()
            .map(|r| Bar { label: r.reason.trim_start_matches("cant_pay:").replace('_', " "), value: r.count, text: r.count.to_string() })
            .collect();
        bar_chart(&format!("Reasons for not paying, {} to {}", self.from, self.to), &bars)
    }
}

/// A policy's name short enough for under a bar.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(12).collect();
    if s.chars().count() > 12 {
        out.push('…');
    }
    out
}

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180 §2).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_a_bar_and_a_text_per_value_and_escapes_labels() {
        let svg = bar_chart(
            "A & B",
            &[Bar { label: "<x>".into(), value: 2, text: "2".into() }, Bar { label: "y".into(), value: 0, text: "0".into() }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect x=").count(), 2);
        assert!(svg.contains("<title>A &amp; B</title>") && svg.contains("&lt;x&gt;") && !svg.contains("<x>"));
        assert!(svg.contains("height=\"195.0\""), "the largest bar fills the chart");
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
