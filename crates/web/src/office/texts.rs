//! The text editor: every step's text per language and level, tried with example data before
//! it is stored (Preview stores nothing), stored by an administrator, or reset to Tegoed's.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use channels::texts::{TemplateKey, message_steps, render, sample_contexts};
use domain::debtor::{Language, LanguageLevel};
use domain::dunning::policy::StepKind;
use domain::messaging::MessageText;

use super::{ActForm, Chrome, Staff, failed, problem_lines};
use crate::App;
use crate::api::messages::{problems_of, text_of};
use crate::forms::Fields;

struct PreviewView {
    subject: String,
    text: String,
    sms: String,
    sms_length: usize,
}

#[derive(Template)]
#[template(path = "office/texts.html")]
struct TextsPage {
    c: Chrome,
    /// Value, chosen.
    steps: Vec<(&'static str, bool)>,
    languages: Vec<(&'static str, bool)>,
    levels: Vec<(&'static str, bool)>,
    key: String,
    source: &'static str,
    text: MessageText,
    preview: Option<PreviewView>,
    notice: Option<(bool, Vec<String>)>,
    may_configure: bool,
}

/// The text chosen by `step`, `language` and `level` (from a query or a form); the first
/// reminder in Dutch, standard level, by default.
fn key_of(get: impl Fn(&str) -> Option<String>) -> TemplateKey {
    let step = get("step").and_then(|s| StepKind::parse(&s).ok()).filter(|s| *s != StepKind::CallTask).unwrap_or(StepKind::Reminder);
    let language = get("language").and_then(|s| Language::parse(&s).ok()).unwrap_or(Language::Nl);
    let level = get("level").and_then(|s| LanguageLevel::parse(&s).ok()).unwrap_or(LanguageLevel::Standard);
    TemplateKey { step, language, level }
}

fn from_fields(f: &Fields) -> TemplateKey {
    key_of(|k| f.get(k).map(str::to_string))
}

async fn show(
    app: &App,
    staff: &Staff,
    key: TemplateKey,
    typed: Option<MessageText>,
    notice: Option<(bool, Vec<String>)>,
    status: StatusCode,
) -> Response {
    let stored = match text_of(app, staff.tenant(), key).await {
        Ok(t) => t,
        Err(e) => return failed("message text", &e),
    };
    let t = staff.t();
    let source = if stored.source == "tenant" { t.source_tenant } else { t.source_default };
    let text = typed.clone().unwrap_or(stored.text);
    // The preview: what is on the form, filled in with the first example of the step.
    let preview = typed.as_ref().and_then(|typed| {
        let ctx = sample_contexts(key.step, key.language).into_iter().next()?;
        render(typed, key.language, key.level, &ctx).ok().map(|r| PreviewView {
            subject: r.subject,
            text: r.text,
            sms_length: r.sms.chars().count(),
            sms: r.sms,
        })
    });
    let view = TextsPage {
        c: staff.chrome("texts"),
        steps: message_steps().map(|s| (s.as_str(), s == key.step)).collect(),
        languages: Language::ALL.iter().map(|l| (l.as_str(), *l == key.language)).collect(),
        levels: LanguageLevel::ALL.iter().map(|l| (l.as_str(), *l == key.level)).collect(),
        key: format!("{} · {} · {}", key.step, key.language, key.level),
        source,
        text,
        preview,
        notice,
        may_configure: staff.role.may_configure(),
    };
    staff.show(status, view.render())
}

/// The editor for one text.
pub(super) async fn page(State(app): State<App>, staff: Staff, RawQuery(q): RawQuery) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
    let key = key_of(|k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()));
    let done = pairs.iter().find(|(n, _)| n == "done").map(|(_, v)| v.as_str());
    let t = staff.t();
    let notice = match done {
        Some("saved") => Some((false, vec![t.saved.to_string()])),
        Some("reset") => Some((false, vec![t.reset_done.to_string()])),
        _ => None,
    };
    show(&app, &staff, key, None, notice, StatusCode::OK).await
}

fn typed(f: &Fields) -> MessageText {
    // Browsers send line breaks in a textarea as CR LF (HTML §4.10.11); texts keep LF.
    let field = |k: &str| f.get(k).unwrap_or_default().replace("\r\n", "\n");
    MessageText { subject: field("subject"), body: field("body"), sms: field("sms") }
}

fn back(key: TemplateKey, done: &str) -> Response {
    Redirect::to(&format!("/office/texts?step={}&language={}&level={}&done={done}", key.step, key.language, key.level)).into_response()
}

/// Preview (stores nothing), save (an administrator) or reset to the default.
pub(super) async fn act(State(app): State<App>, form: ActForm) -> Response {
    let staff = &form.staff;
    let key = from_fields(&form.fields);
    let text = typed(&form.fields);
    let action = form.fields.get("action").unwrap_or("preview");
    if action == "preview" {
        let problems = problems_of(&text, key);
        let notice = (!problems.is_empty()).then(|| (true, problem_lines(&problems)));
        return show(&app, staff, key, Some(text), notice, StatusCode::OK).await;
    }
    if !staff.role.may_configure() {
        return super::refused(staff, staff.t().admins_only);
    }
    let what = format!("{} {} {}", key.step, key.language, key.level);
    match action {
        "save" => {
            let problems = problems_of(&text, key);
            if !problems.is_empty() {
                let mut l = vec![staff.t().not_stored.to_string()];
                l.extend(problem_lines(&problems));
                return show(&app, staff, key, Some(text), Some((true, l)), StatusCode::UNPROCESSABLE_ENTITY).await;
            }
            let saved = async {
                let mut tx = app.db.write().await?;
                tx.save_message_template(staff.tenant(), key.step, key.language, key.level, &text).await?;
                tx.audit(Some(staff.tenant()), Some(staff.user()), "text_saved", &format!("text {what}"), &text.subject).await?;
                tx.commit().await
            }
            .await;
            match saved {
                Ok(()) => back(key, "saved"),
                Err(e) => failed("save text", &e),
            }
        }
        "reset" => {
            let reset = async {
                let mut tx = app.db.write().await?;
                if tx.delete_message_template(staff.tenant(), key.step, key.language, key.level).await? {
                    tx.audit(Some(staff.tenant()), Some(staff.user()), "text_reset", &format!("text {what}"), "").await?;
                }
                tx.commit().await
            }
            .await;
            match reset {
                Ok(()) => back(key, "reset"),
                Err(e) => failed("reset text", &e),
            }
        }
        _ => StatusCode::BAD_REQUEST.into_response(),
    }
}
