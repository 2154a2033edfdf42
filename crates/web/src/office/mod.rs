//! The back-office: the credit controller's daily home. Sign in (`/office/login`), today's
//! worklist (`/office`), a debtor's file with its quick actions (`/office/debtors/{id}`), and the
//! audit log (`/office/audit`). Server-rendered, in Dutch or English, without any script.
//!
//! Every page needs a session ([`Staff`]); every form also needs the session's form token, must
//! not come from another origin, and — except signing out and switching tenants — a role that
//! may act ([`ActForm`]). Every change is written to the audit log in the same unit of work.

mod audit;
mod auth;
mod debtor;
mod imports;
mod payments;
mod policies;
mod reports;
mod settings;
mod texts;
mod words;
mod worklist;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp;

pub use auth::{add_user, hash_password, random_password, verify_password};
use domain::access::Role;
use domain::debtor::Language;
use store::SessionRecord;
use words::{Words, words};

use crate::App;
use crate::forms::{Fields, same_origin};
use crate::keys;

/// The session cookie's name.
const COOKIE: &str = "tegoed_session";
/// The cookie that keeps the chosen language.
const LANG_COOKIE: &str = "tegoed_lang";

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/office/login", get(auth::login_page).post(auth::login))
        .route("/office/logout", post(auth::logout))
        .route("/office/tenant", post(auth::switch_tenant))
        .route("/office/password", get(auth::password_page).post(auth::change_password))
        .route("/office", get(worklist::page))
        .route("/office/work/{kind}/{id}/done", post(worklist::done))
        .route("/office/debtors/{id}", get(debtor::page))
        .route("/office/payments/{id}", get(payments::page).post(payments::decide))
        .route("/office/debtors/{id}/calls", post(debtor::call))
        .route("/office/debtors/{id}/notes", post(debtor::note))
        .route("/office/debtors/{id}/holds", post(debtor::hold))
        .route("/office/debtors/{id}/arrangements", post(debtor::arrangement))
        .route("/office/debtors/{id}/hand-over", post(debtor::hand_over))
        .route("/office/debtors/{id}/pauses/{pause}/end", post(debtor::end_pause))
        .route("/office/debtors/{id}/disputes/{pause}/decision", post(debtor::decide_dispute))
        .route("/office/debtors/{id}/{what}/{subject}/decision", post(debtor::decide))
        .route("/office/imports", get(imports::page).post(imports::import))
        .route("/office/settings", get(settings::page).post(settings::save))
        .route("/office/audit", get(audit::page))
        .route("/office/reports", get(reports::page))
        .route("/office/texts", get(texts::page).post(texts::act))
        .route("/office/policies", get(policies::page).post(policies::act))
        .route("/office/policies/assignments", post(policies::assign))
        .route("/office/reports/{file}", get(reports::file))
        .route("/office.css", get(stylesheet))
}

async fn stylesheet() -> Response {
    let mut r = include_str!("office.css").into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    r
}

/// The language of a page: asked for by `?lang=` (then it is to be remembered), else the
/// remembered one, else Dutch.
fn lang_of(headers: &HeaderMap, query: Option<&str>) -> (Language, bool) {
    let asked = form_urlencoded::parse(query.unwrap_or_default().as_bytes()).find(|(k, _)| k == "lang").map(|(_, v)| v.into_owned());
    if let Some(l) = asked.as_deref().and_then(|v| Language::parse(v).ok()) {
        return (l, true);
    }
    (cookie(headers, LANG_COOKIE).and_then(|v| Language::parse(v).ok()).unwrap_or(Language::Nl), false)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn remember_lang(r: &mut Response, lang: Language) {
    if let Ok(v) = HeaderValue::from_str(&format!("{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.as_str())) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A signed-in member of staff, working for the session's tenant.
pub(crate) struct Staff {
    session: SessionRecord,
    role: Role,
    lang: Language,
    /// `?lang=` chose the language: the answer remembers it.
    lang_chosen: bool,
    /// The tenants the user may switch between.
    tenants: Vec<store::Membership>,
}

impl FromRequestParts<App> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let (lang, lang_chosen) = lang_of(&parts.headers, parts.uri.query());
        let Some(secret) = cookie(&parts.headers, COOKIE) else { return Err(auth::to_login()) };
        let found: Result<Option<(SessionRecord, Vec<store::Membership>)>, store::StoreError> = async {
            let mut tx = app.db.read().await?;
            let Some(s) = tx.session(&keys::hash_secret(secret)).await? else { return Ok(None) };
            let tenants = tx.memberships(s.user_id).await?;
            tx.commit().await?;
            Ok(Some((s, tenants)))
        }
        .await;
        let (session, tenants) = match found {
            Ok(Some(found)) => found,
            Ok(None) => return Err(auth::to_login()),
            Err(e) => return Err(failed("session", &e)),
        };
        let now = Timestamp::now();
        let live = live(&session, now);
        let Some(role) = session.role.filter(|_| live) else { return Err(auth::to_login()) };
        // Idle timeout: each use moves the end, at most once a minute (a write per page is waste).
        if now.duration_since(session.last_seen_at) > jiff::SignedDuration::from_mins(1) {
            let touched: Result<(), store::StoreError> = async {
                let mut tx = app.db.write().await?;
                tx.touch_session(session.id, now + auth::IDLE).await?;
                tx.commit().await
            }
            .await;
            if let Err(e) = touched {
                return Err(failed("session", &e));
            }
        }
        Ok(Staff { session, role, lang, lang_chosen, tenants })
    }
}

/// Whether a session still works at `now`: not signed out, used within the idle time, younger
/// than the longest a session lasts, its user not switched off.
fn live(s: &SessionRecord, now: Timestamp) -> bool {
    s.ended_at.is_none() && s.expires_at > now && now.duration_since(s.created_at) < auth::LONGEST && s.user_disabled_at.is_none()
}

impl Staff {
    fn t(&self) -> &'static Words {
        words(self.lang)
    }

    fn tenant(&self) -> domain::ids::TenantId {
        self.session.tenant_id
    }

    fn user(&self) -> domain::ids::UserId {
        self.session.user_id
    }

    /// What every page shows around its content.
    fn chrome(&self, nav: &'static str) -> Chrome {
        Chrome {
            lang: self.lang.as_str(),
            t: self.t(),
            user: self.session.user_name.clone(),
            role: self.t().role(self.role),
            tenant: self.session.tenant_name.clone(),
            tenants: self.tenants.iter().map(|m| (m.tenant_id.0, m.tenant_name.clone(), m.tenant_id == self.session.tenant_id)).collect(),
            token: self.session.form_token.clone(),
            nav,
            may_act: self.role.may_act(),
        }
    }

    /// A page for this member of staff (remembering a language just chosen).
    fn show(&self, status: StatusCode, rendered: Result<String, askama::Error>) -> Response {
        let mut r = match rendered {
            Ok(html) => page(status, html),
            Err(e) => return failed("office page", &e),
        };
        if self.lang_chosen {
            remember_lang(&mut r, self.lang);
        }
        r
    }
}

/// The frame of every page: who is signed in, for which tenant, the navigation.
pub(crate) struct Chrome {
    lang: &'static str,
    t: &'static Words,
    user: String,
    role: &'static str,
    tenant: String,
    /// id, name, current.
    tenants: Vec<(i64, String, bool)>,
    token: String,
    nav: &'static str,
    may_act: bool,
}

/// The largest form: an import of a file.
const MAX_FORM: usize = 20 * 1024 * 1024;

/// A form sent from a back-office page: signed in, the session's form token, not from another
/// origin. A multipart form may carry one file (field `file`).
pub(crate) struct ActForm {
    staff: Staff,
    fields: Fields,
    /// The file's name and content, when one was chosen.
    file: Option<(String, Vec<u8>)>,
}

impl axum::extract::FromRequest<App> for ActForm {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, app: &App) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, app).await?;
        let body = axum::body::to_bytes(body, MAX_FORM).await.map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let (fields, file) = crate::forms::read(content_type, &body).ok_or_else(|| StatusCode::BAD_REQUEST.into_response())?;
        let token_ok = fields.get("token").is_some_and(|t| keys::same(t, &staff.session.form_token));
        if !token_ok || !same_origin(app, &parts.headers) {
            return Err(refused(&staff, staff.t().form_expired));
        }
        Ok(ActForm { staff, fields, file })
    }
}

impl ActForm {
    /// The refusal for a user whose role may not act; none when it may.
    fn refusal(&self) -> Option<Response> {
        (!self.staff.role.may_act()).then(|| refused(&self.staff, self.staff.t().read_only))
    }
}

#[derive(Template)]
#[template(path = "office/refused.html")]
struct Refused {
    c: Chrome,
    why: &'static str,
}

/// 403 with the reason, in the frame of the back-office.
fn refused(staff: &Staff, why: &'static str) -> Response {
    staff.show(StatusCode::FORBIDDEN, Refused { c: staff.chrome(""), why }.render())
}

/// Headers of every back-office page: no script may run, nothing is framed or cached.
fn page(status: StatusCode, body: String) -> Response {
    let mut r = (status, Html(body)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Field problems as the lines of a notice: `field: message`.
fn problem_lines(problems: &[domain::FieldProblem]) -> Vec<String> {
    problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect()
}

/// A fault on our side: logged, and a bare 500.
fn failed(what: &str, e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "{what}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// An amount as written in the page's language.
fn money(lang: Language, c: domain::money::Cents) -> String {
    c.written(lang)
}

/// A day as written in the page's language.
fn day(lang: Language, d: jiff::civil::Date) -> String {
    domain::dates::written(d, lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn a_session_ends_idle_at_its_longest_signed_out_or_with_its_user() {
        let start: Timestamp = "2026-12-04T08:00:00Z".parse().expect("instant");
        let s = SessionRecord {
            id: 1,
            user_id: domain::ids::UserId(1),
            user_name: "Anna".into(),
            tenant_id: domain::ids::TenantId(1),
            tenant_name: "T".into(),
            role: Some(Role::Admin),
            form_token: "x".into(),
            created_at: start,
            last_seen_at: start,
            expires_at: start + auth::IDLE,
            ended_at: None,
            user_disabled_at: None,
        };
        let at = |h: i64| start + SignedDuration::from_hours(h);
        assert!(live(&s, at(7)));
        assert!(!live(&s, at(8)), "idle for 8 hours");
        let busy = SessionRecord { expires_at: at(20), ..s.clone() };
        assert!(live(&busy, at(11)));
        assert!(!live(&busy, at(12)), "12 hours after signing in, however busy");
        assert!(!live(&SessionRecord { ended_at: Some(at(1)), ..s.clone() }, at(2)), "signed out");
        assert!(!live(&SessionRecord { user_disabled_at: Some(at(1)), ..s }, at(2)), "user switched off");
    }
}
