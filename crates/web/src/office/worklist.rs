//! Today's worklist: everything that waits for a person, most important first (the order is
//! `domain::worklist::order`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use domain::worklist::{WorkKind, order};

use super::{ActForm, Chrome, Staff, day, failed, money};
use crate::App;

/// Lines per page of the list.
const PAGE: usize = 100;

/// One line of the list as shown.
struct Line {
    /// Place in the whole ordered list, from 1.
    rank: usize,
    kind: &'static str,
    kind_word: &'static str,
    subject_id: i64,
    debtor: Option<(i64, String)>,
    amount: String,
    since: String,
    days: i64,
    detail: String,
    /// It leaves the list when a person marks it done.
    mark_done: bool,
}

#[derive(Template)]
#[template(path = "office/worklist.html")]
struct WorklistPage {
    c: Chrome,
    lines: Vec<Line>,
    /// Items per kind, for the summary and the filter: kind, words, how many, chosen.
    counts: Vec<(&'static str, &'static str, usize, bool)>,
    /// All kinds shown.
    all: bool,
    /// Items shown, of how many.
    total: usize,
    /// Page, pages; the query for the pages' links.
    page: usize,
    pages: usize,
    kind_query: String,
    /// What was just done, from another page.
    notice: Option<&'static str>,
}

/// The worklist of the session's tenant.
pub(super) async fn page(State(app): State<App>, staff: Staff, axum::extract::RawQuery(q): axum::extract::RawQuery) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
    let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let done = one("done");
    let kind = one("kind").and_then(|k| WorkKind::parse(&k).ok());
    let page = one("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let notice = match done.as_deref() {
        Some("matched") => Some(staff.t().matched),
        Some("dismissed") => Some(staff.t().dismissed),
        _ => None,
    };
    let today = crate::today();
    let items = async {
        let mut tx = app.db.read().await?;
        let items = tx.worklist(staff.tenant()).await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(items)
    }
    .await;
    let mut items = match items {
        Ok(i) => i,
        Err(e) => return failed("worklist", &e),
    };
    order(&mut items, today);
    let t = staff.t();
    let counts = WorkKind::ALL
        .iter()
        .map(|k| (k.as_str(), t.work_kind(*k), items.iter().filter(|i| i.kind == *k).count(), Some(*k) == kind))
        .filter(|(_, _, n, _)| *n > 0)
        .collect();
    items.retain(|i| kind.is_none_or(|k| i.kind == k));
    let total = items.len();
    let pages = total.div_ceil(PAGE).max(1);
    let lines = items
        .iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .enumerate()
        .map(|(n, i)| Line {
            rank: (page - 1) * PAGE + n + 1,
            kind: i.kind.as_str(),
            kind_word: t.work_kind(i.kind),
            subject_id: i.subject_id,
            debtor: i.debtor.as_ref().map(|(id, name)| (id.0, name.clone())),
            amount: money(staff.lang, i.amount),
            since: day(staff.lang, i.since),
            days: i.days_waiting(today),
            detail: i.detail.clone(),
            mark_done: i.kind.marked_done(),
        })
        .collect();
    staff.show(
        StatusCode::OK,
        WorklistPage {
            c: staff.chrome("worklist"),
            lines,
            counts,
            all: kind.is_none(),
            total,
            page,
            pages,
            kind_query: kind.map(|k| format!("kind={k}&")).unwrap_or_default(),
            notice,
        }
        .render(),
    )
}

/// Marks an item that waits for a person as dealt with.
pub(super) async fn done(State(app): State<App>, Path((kind, id)): Path<(String, i64)>, form: ActForm) -> Response {
    if let Some(r) = form.refusal() {
        return r;
    }
    let Some(kind) = WorkKind::parse(&kind).ok().filter(|k| k.marked_done()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let staff = &form.staff;
    let result = async {
        let mut tx = app.db.write().await?;
        // Only what is on this tenant's list now.
        if !tx.worklist(staff.tenant()).await?.iter().any(|i| i.kind == kind && i.subject_id == id) {
            return Ok(false);
        }
        let fresh = tx.mark_work_done(staff.tenant(), kind, id, Some(staff.user())).await?;
        if fresh {
            let note = form.fields.text("note");
            tx.audit(Some(staff.tenant()), Some(staff.user()), "work_done", &format!("{kind} {id}"), &note).await?;
        }
        tx.commit().await?;
        Ok::<_, store::StoreError>(true)
    }
    .await;
    match result {
        Ok(true) => Redirect::to("/office").into_response(),
        Ok(false) => super::refused(staff, staff.t().not_on_list),
        Err(e) => failed("mark done", &e),
    }
}
