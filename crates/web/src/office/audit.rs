//! The audit log of the session's tenant: every change and manual action, who did it and when,
//! newest first.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{Chrome, Staff, failed};
use crate::App;

/// Lines per page.
const PAGE: u32 = 100;

struct Line {
    at: String,
    who: String,
    action: String,
    subject: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "office/audit.html")]
struct AuditPage {
    c: Chrome,
    lines: Vec<Line>,
    /// Where the next (older) page starts.
    older: Option<i64>,
}

/// One page of the audit log; `?before=ID` continues below that line.
pub(super) async fn page(State(app): State<App>, staff: Staff, RawQuery(q): RawQuery) -> Response {
    let before = form_urlencoded::parse(q.unwrap_or_default().as_bytes()).find(|(k, _)| k == "before").and_then(|(_, v)| v.parse().ok());
    let entries = async {
        let mut tx = app.db.read().await?;
        let e = tx.audit_log(staff.tenant(), store::Page { after: before, limit: PAGE }).await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(e)
    }
    .await;
    let entries = match entries {
        Ok(e) => e,
        Err(e) => return failed("audit log", &e),
    };
    let zone = jiff::tz::TimeZone::get(domain::dates::BUSINESS_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
    let older = (entries.len() == PAGE as usize).then(|| entries.last().map(|e| e.id)).flatten();
    let lines = entries
        .into_iter()
        .map(|e| Line {
            at: e.at.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string(),
            who: e.user.map_or_else(|| "—".to_string(), |(_, name)| name),
            action: e.action,
            subject: e.subject,
            detail: e.detail,
        })
        .collect();
    staff.show(StatusCode::OK, AuditPage { c: staff.chrome("audit"), lines, older }.render())
}
