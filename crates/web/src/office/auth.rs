//! Signing in and out, and switching tenants. Passwords are stored as Argon2id hashes (RFC 9106)
//! with the parameters OWASP's Password Storage Cheat Sheet gives as its first choice (19 MiB,
//! two passes, one lane: the crate's defaults). Sessions live on the server; the cookie holds
//! only a random secret whose SHA-256 finds the session.

use std::net::SocketAddr;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use askama::Template;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::{SignedDuration, Timestamp};

use domain::ids::TenantId;

use super::words::{Words, words};
use super::{ActForm, COOKIE, failed, page};
use crate::App;
use crate::forms::{Fields, same_origin};
use crate::keys;
use domain::debtor::Language;

/// A session ends after this long without use.
pub(crate) const IDLE: SignedDuration = SignedDuration::from_hours(8);
/// A session ends this long after signing in, however busy (OWASP Session Management Cheat
/// Sheet: an absolute timeout besides the idle one); a working day.
pub(crate) const LONGEST: SignedDuration = SignedDuration::from_hours(12);

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// The Argon2id PHC string of a password, with a fresh random 16-byte salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    hasher().hash_password_with_salt(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether a password matches a stored PHC string (any Argon2 parameters it names).
pub fn verify_password(password: &str, hash: &str) -> bool {
    hasher().verify_password(password.as_bytes(), hash).is_ok()
}

/// A hash to check against when the user does not exist, so that a wrong address costs as much
/// time as a wrong password and the answer's timing tells nothing.
fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("no user has this password").unwrap_or_default())
}

#[derive(Template)]
#[template(path = "office/login.html")]
struct LoginPage {
    lang: &'static str,
    t: &'static Words,
    email: String,
    error: Option<&'static str>,
}

fn login_page_with(lang: Language, status: StatusCode, email: String, error: Option<&'static str>) -> Response {
    let t = words(lang);
    match (LoginPage { lang: lang.as_str(), t, email, error }).render() {
        Ok(html) => page(status, html),
        Err(e) => failed("login page", &e),
    }
}

/// The sign-in form.
pub(super) async fn login_page(headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let (lang, set) = super::lang_of(&headers, q.as_deref());
    let mut r = login_page_with(lang, StatusCode::OK, String::new(), None);
    if set {
        super::remember_lang(&mut r, lang);
    }
    r
}

/// Signs in: the right address and password start a session for the user's first tenant.
pub(super) async fn login(
    State(app): State<App>,
    headers: HeaderMap,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    body: axum::body::Bytes,
) -> Response {
    let (lang, _) = super::lang_of(&headers, None);
    if !same_origin(&app, &headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let client = app.login_guard.client(&headers, peer.as_ref().map(|p| &p.0));
    if app.login_guard.refused(client) {
        let mut r = login_page_with(lang, StatusCode::TOO_MANY_REQUESTS, String::new(), Some(words(lang).too_many));
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(crate::portal::GUARD_WINDOW_SECS));
        return r;
    }
    let fields = Fields::urlencoded(&body);
    let typed = fields.get("email").unwrap_or_default().trim().to_string();
    let password = fields.get("password").unwrap_or_default();
    match sign_in(&app, &typed, password).await {
        Ok(Some(cookie)) => {
            let mut r = Redirect::to("/office").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Ok(None) => {
            app.login_guard.miss(client);
            login_page_with(lang, StatusCode::UNAUTHORIZED, typed, Some(words(lang).wrong_login))
        }
        Err(e) => failed("sign in", &e),
    }
}

/// The session cookie for a user whose password matches, or none; the attempt is audited.
async fn sign_in(app: &App, typed: &str, password: &str) -> Result<Option<String>, store::StoreError> {
    let email = domain::access::login_name(typed).ok();
    let mut tx = app.db.read().await?;
    let user = match &email {
        Some(e) => tx.user_by_email(e).await?,
        None => None,
    };
    let memberships = match &user {
        Some(u) => tx.memberships(u.id).await?,
        None => Vec::new(),
    };
    tx.commit().await?;
    // Argon2 takes tens of milliseconds: off the async threads.
    let stored = user.as_ref().map_or_else(|| decoy().to_string(), |u| u.password_hash.clone());
    let pw = password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify_password(&pw, &stored)).await.unwrap_or(false);
    let mut tx = app.db.write().await?;
    let first = memberships.first();
    let (Some(u), true, Some(first)) = (user.as_ref().filter(|u| u.disabled_at.is_none()), matches, first) else {
        let who = user.as_ref().map(|u| u.id);
        let detail = match (&user, matches) {
            (None, _) => "unknown address",
            (Some(u), true) if u.disabled_at.is_some() => "user switched off",
            (Some(_), true) => "no tenant to work for",
            (Some(_), false) => "wrong password",
        };
        tx.audit(None, who, "sign_in_failed", &format!("user {}", email.as_deref().unwrap_or(typed)), detail).await?;
        tx.commit().await?;
        return Ok(None);
    };
    let secret = random_token();
    let form_token = random_token();
    tx.create_session(&keys::hash_secret(&secret), u.id, first.tenant_id, &form_token, Timestamp::now() + IDLE).await?;
    tx.audit(Some(first.tenant_id), Some(u.id), "sign_in", &format!("user {}", u.id), &u.email).await?;
    tx.commit().await?;
    let secure = if app.login_guard.trust_forwarded_for { "; Secure" } else { "" };
    Ok(Some(format!("{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax{secure}")))
}

/// 32 random bytes as hex.
pub(super) fn random_token() -> String {
    let mut b = [0u8; 32];
    // The operating system's random source does not fail on the platforms Tegoed runs on; an
    // all-zero token would still be refused by nobody, so fail loudly instead.
    getrandom::fill(&mut b).unwrap_or_else(|e| panic!("no random source: {e}"));
    keys::hex(&b)
}

/// A password for a user made by a program (the demo): 20 characters (about 116 random bits),
/// without look-alikes (0/O, 1/l/I).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 20];
    getrandom::fill(&mut b).unwrap_or_else(|e| panic!("no random source: {e}"));
    b.iter().map(|x| char::from(ALPHABET[usize::from(*x) % ALPHABET.len()])).collect()
}

/// Signs out: the session ends on the server, the cookie is dropped.
pub(super) async fn logout(State(app): State<App>, form: ActForm) -> Response {
    let s = &form.staff.session;
    let result: Result<(), store::StoreError> = async {
        let mut tx = app.db.write().await?;
        tx.end_session(s.id).await?;
        tx.audit(Some(s.tenant_id), Some(s.user_id), "sign_out", &format!("user {}", s.user_id), "").await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = result {
        return failed("sign out", &e);
    }
    let mut r = Redirect::to("/office/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_static("tegoed_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
    r
}

/// Switches the session to another tenant the user works for.
pub(super) async fn switch_tenant(State(app): State<App>, form: ActForm) -> Response {
    let s = &form.staff.session;
    let Some(tenant) = form.fields.get("tenant").and_then(|t| t.parse::<i64>().ok()).map(TenantId) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let result: Result<bool, store::StoreError> = async {
        let mut tx = app.db.write().await?;
        if !tx.switch_session_tenant(s.id, tenant).await? {
            return Ok(false);
        }
        tx.audit(Some(tenant), Some(s.user_id), "tenant_switched", &format!("tenant {tenant}"), &format!("from tenant {}", s.tenant_id))
            .await?;
        tx.commit().await?;
        Ok(true)
    }
    .await;
    match result {
        Ok(true) => Redirect::to("/office").into_response(),
        Ok(false) => super::refused(&form.staff, words(form.staff.lang).not_your_tenant),
        Err(e) => failed("switch tenant", &e),
    }
}

/// Staff is taken to sign in when a page needs a session it does not have.
pub(super) fn to_login() -> Response {
    Redirect::to("/office/login").into_response()
}

/// Adds a user with a role for each of the tenants given, or — when the address is taken —
/// gives that user the password and the roles. The change is audited per tenant.
pub async fn add_user(
    db: &store::Db,
    email: &str,
    name: &str,
    password: &str,
    roles: &[(TenantId, domain::access::Role)],
) -> Result<domain::ids::UserId, crate::problem::ApiError> {
    use crate::problem::ApiError;
    use domain::FieldProblem;
    let mut problems = Vec::new();
    let login = domain::access::login_name(email).map_err(|e| problems.push(FieldProblem::new("email", e.reason))).ok();
    domain::check_text(&mut problems, "name", name, 200);
    domain::access::check_new_password(&mut problems, "password", password);
    if roles.is_empty() {
        problems.push(FieldProblem::new("tenant", "a user works for at least one tenant"));
    }
    ApiError::check(problems)?;
    let login = login.ok_or_else(|| ApiError::Internal("checked above".into()))?;
    let pw = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::Internal)?;
    let mut tx = db.write().await?;
    for (tenant, _) in roles {
        if tx.tenant(*tenant).await?.is_none() {
            return Err(ApiError::field("tenant", format!("no tenant {tenant}")));
        }
    }
    let user = match tx.user_by_email(&login).await? {
        Some(u) => {
            tx.set_password_hash(u.id, &hash).await?;
            u.id
        }
        None => tx.create_user(&login, name, &hash).await?,
    };
    for (tenant, role) in roles {
        tx.set_membership(user, *tenant, *role).await?;
        tx.audit(Some(*tenant), None, "user_role_set", &format!("user {user}"), &format!("{login}: {role}")).await?;
    }
    tx.commit().await?;
    Ok(user)
}

#[derive(Template)]
#[template(path = "office/password.html")]
struct PasswordPage {
    c: super::Chrome,
    notice: Option<(bool, Vec<String>)>,
}

/// The form to change one's own password.
pub(super) async fn password_page(staff: super::Staff) -> Response {
    staff.show(StatusCode::OK, PasswordPage { c: staff.chrome(""), notice: None }.render())
}

/// Changes one's own password: the current one first; every other session of the user ends.
pub(super) async fn change_password(State(app): State<App>, form: ActForm) -> Response {
    let staff = &form.staff;
    let t = staff.t();
    let (current, new, again) = (
        form.fields.get("current").unwrap_or_default().to_string(),
        form.fields.get("new").unwrap_or_default().to_string(),
        form.fields.get("again").unwrap_or_default().to_string(),
    );
    let refuse = |lines: Vec<String>| {
        staff.show(StatusCode::UNPROCESSABLE_ENTITY, PasswordPage { c: staff.chrome(""), notice: Some((true, lines)) }.render())
    };
    let mut problems = Vec::new();
    domain::access::check_new_password(&mut problems, "new", &new);
    if !problems.is_empty() {
        return refuse(problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect());
    }
    if new != again {
        return refuse(vec![t.not_same.to_string()]);
    }
    let stored = async {
        let mut tx = app.db.read().await?;
        let h = tx.password_hash(staff.user()).await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(h)
    }
    .await;
    let stored = match stored {
        Ok(Some(h)) => h,
        Ok(None) => return to_login(),
        Err(e) => return failed("password", &e),
    };
    let checked = tokio::task::spawn_blocking(move || (verify_password(&current, &stored), hash_password(&new))).await;
    let hash = match checked {
        Ok((true, Ok(h))) => h,
        Ok((false, _)) => return refuse(vec![t.wrong_current.to_string()]),
        Ok((_, Err(e))) => return failed("password hash", &e),
        Err(e) => return failed("password hash", &e),
    };
    let saved = async {
        let mut tx = app.db.write().await?;
        tx.set_password_hash(staff.user(), &hash).await?;
        let ended = tx.end_other_sessions(staff.user(), staff.session.id).await?;
        tx.audit(
            Some(staff.tenant()),
            Some(staff.user()),
            "password_changed",
            &format!("user {}", staff.user()),
            &format!("{ended} other session(s) ended"),
        )
        .await?;
        tx.commit().await
    }
    .await;
    match saved {
        Ok(()) => staff.show(
            StatusCode::OK,
            PasswordPage { c: staff.chrome(""), notice: Some((false, vec![t.password_changed.to_string()])) }.render(),
        ),
        Err(e) => failed("password", &e),
    }
}
