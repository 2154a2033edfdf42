//! The debtor portal, reached by the link in every message (`/portal/{token}`): the open
//! invoices, what is open in all, and how to pay — in the debtor's language, switchable, without
//! any script. A link that does not work (unknown, expired, revoked) gets the same page whatever
//! the reason, so a guess tells nothing about who exists.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use domain::dates::written;
use domain::debtor::Language;
use domain::invoice::InvoiceStatus;
use domain::money::Cents;
use serde::Deserialize;

use crate::App;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/portal/{token}", get(overview))
        .route("/portal/{token}/promise", axum::routing::post(promise))
        .route("/portal/{token}/dispute", axum::routing::post(dispute))
        .route("/portal/{token}/cant-pay", axum::routing::post(cant_pay))
        .route("/portal/{token}/preferences", axum::routing::post(preferences))
        .route("/portal.css", get(stylesheet))
}

/// The latest day a debtor can promise to pay by in the portal; later needs an arrangement.
const PROMISE_DAYS: i32 = 30;

/// Free help with money worries the "I can't pay" flow names (TONE.md): the national Geldfit
/// line, free, 0800-8115 (reported by Geldfit's own team, blikopnieuws.nl 2022-04), geldfit.nl,
/// and the municipality's debt help.
const HELP_NL: [&str; 3] = [
    "Dank u dat u het ons laat weten. Wij sturen u de komende 30 dagen geen herinneringen en rekenen geen kosten; iemand van ons neemt contact met u op om samen een regeling te vinden.",
    "Gratis en anoniem hulp bij geldzorgen: Geldfit, telefoon 0800-8115, of geldfit.nl.",
    "Ook uw gemeente helpt gratis bij schulden (schuldhulpverlening).",
];
const HELP_EN: [&str; 3] = [
    "Thank you for telling us. We will send you no reminders for the next 30 days and add no costs; one of us will contact you to find a plan together.",
    "Free and anonymous help with money worries: Geldfit, phone 0800-8115 (Dutch), or geldfit.nl.",
    "Your municipality also helps with debts for free (schuldhulpverlening).",
];

/// What the portal's pages say, per language.
struct Words {
    title: &'static str,
    languages: &'static str,
    greeting: &'static str,
    intro: &'static str,
    nothing_open: &'static str,
    caption: &'static str,
    invoice: &'static str,
    date: &'static str,
    due: &'static str,
    open: &'static str,
    total: &'static str,
    how_to_pay: &'static str,
    pay_now: &'static str,
    name: &'static str,
    amount: &'static str,
    reference: &'static str,
    questions: &'static str,
    pay_this: &'static str,
    pay_selected: &'static str,
    promise_title: &'static str,
    promise_date: &'static str,
    promise_button: &'static str,
    promised: &'static str,
    dispute_title: &'static str,
    dispute_text: &'static str,
    dispute_button: &'static str,
    disputed: &'static str,
    cant_pay_title: &'static str,
    cant_pay_intro: &'static str,
    cant_pay_text: &'static str,
    cant_pay_button: &'static str,
    bad_date: &'static str,
    preferences_title: &'static str,
    preferences_language: &'static str,
    preferences_letters: &'static str,
    preferences_button: &'static str,
    preferences_saved: &'static str,
    no_text: &'static str,
}

fn words(language: Language) -> Words {
    match language {
        Language::Nl => Words {
            title: "Uw openstaande rekeningen",
            languages: "Taal",
            greeting: "Hallo",
            intro: "Dit staat nog open. U kunt het hier in één keer betalen.",
            nothing_open: "Er staat niets meer open. Dank u wel!",
            caption: "Openstaande rekeningen",
            invoice: "Factuur",
            date: "Datum",
            due: "Vervaldatum",
            open: "Open",
            total: "Totaal",
            how_to_pay: "Zo betaalt u",
            pay_now: "Betaal nu",
            name: "Ten name van",
            amount: "Bedrag",
            reference: "Kenmerk",
            questions: "Vragen?",
            pay_this: "Betalen",
            pay_selected: "Alleen de aangevinkte betalen",
            promise_title: "Later betalen? Beloof een datum",
            promise_date: "Ik betaal uiterlijk op",
            promise_button: "Datum doorgeven",
            promised: "Dank u. Tot die datum sturen wij u geen herinneringen.",
            dispute_title: "Klopt er iets niet?",
            dispute_text: "Wat klopt er niet?",
            dispute_button: "Doorgeven",
            disputed: "Dank u. Wij zetten de herinneringen voor deze factuur stop en kijken ernaar. U hoort van ons.",
            cant_pay_title: "Ik kan nu niet betalen",
            cant_pay_intro: "Dat kan gebeuren. Laat het ons weten, dan zoeken we samen een oplossing.",
            cant_pay_text: "Wilt u iets vertellen? (mag leeg blijven)",
            cant_pay_button: "Laat het weten",
            bad_date: "Kies een datum vanaf vandaag en binnen 30 dagen. Later betalen? Vraag een betalingsregeling aan.",
            preferences_title: "Hoe wilt u berichten van ons krijgen?",
            preferences_language: "Taal van onze berichten",
            preferences_letters: "Ik krijg liever brieven per post",
            preferences_button: "Opslaan",
            preferences_saved: "Opgeslagen. Onze volgende berichten volgen uw keuze.",
            no_text: "Schrijf kort wat er niet klopt.",
        },
        Language::En => Words {
            title: "Your open invoices",
            languages: "Language",
            greeting: "Hello",
            intro: "This is still open. You can pay it here in one go.",
            nothing_open: "Nothing is left to pay. Thank you!",
            caption: "Open invoices",
            invoice: "Invoice",
            date: "Date",
            due: "Due",
            open: "Open",
            total: "Total",
            how_to_pay: "How to pay",
            pay_now: "Pay now",
            name: "In the name of",
            amount: "Amount",
            reference: "Reference",
            questions: "Questions?",
            pay_this: "Pay",
            pay_selected: "Pay only the ticked ones",
            promise_title: "Paying later? Promise a date",
            promise_date: "I will pay by",
            promise_button: "Send the date",
            promised: "Thank you. Until that date we will send you no reminders.",
            dispute_title: "Is something not right?",
            dispute_text: "What is not right?",
            dispute_button: "Send",
            disputed: "Thank you. We have stopped the reminders for this invoice and will look into it. You will hear from us.",
            cant_pay_title: "I can't pay right now",
            cant_pay_intro: "That happens. Let us know, and we will find a solution together.",
            cant_pay_text: "Anything you want to tell us? (may stay empty)",
            cant_pay_button: "Let us know",
            bad_date: "Choose a date from today and within 30 days. Paying later? Ask for a payment plan.",
            preferences_title: "How would you like to hear from us?",
            preferences_language: "Language of our messages",
            preferences_letters: "I prefer letters by post",
            preferences_button: "Save",
            preferences_saved: "Saved. Our next messages follow your choice.",
            no_text: "Please write briefly what is not right.",
        },
    }
}

/// One open invoice on the page.
struct Row {
    /// Part of what the page asks to pay now.
    selected: bool,
    number: String,
    issued: String,
    due: String,
    open: String,
}

/// A message at the top of the page after a form.
struct Notice {
    error: bool,
    lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct Overview {
    lang: &'static str,
    debtor_language: &'static str,
    prefers_letters: bool,
    token: String,
    csrf: String,
    today: String,
    latest: String,
    notice: Option<Notice>,
    t: Words,
    creditor: String,
    debtor: String,
    invoices: Vec<Row>,
    total: String,
    iban: String,
    reference: String,
    qr_svg: String,
    pay_link: Option<String>,
    contact: String,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// Headers of every portal page: no script may run, nothing is framed or cached, and the token
/// in the address is never sent on as a referrer.
fn guarded(status: StatusCode, body: String) -> Response {
    let mut r = (status, Html(body)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn unavailable() -> Response {
    guarded(
        StatusCode::NOT_FOUND,
        "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Link werkt niet / Link does not work</title><link rel=\"stylesheet\" href=\"/portal.css\"></head><body><main>\
         <h1>Deze link werkt niet (meer)</h1><p>Gebruik de link uit uw nieuwste bericht, of neem contact op met wie u het bericht stuurde.</p>\
         <h1 lang=\"en\">This link does not work (any more)</h1><p lang=\"en\">Please use the link in your latest message, or contact the sender.</p>\
         </main></body></html>\n"
            .to_string(),
    )
}

async fn overview(State(app): State<App>, Path(token): Path<String>, RawQuery(query): RawQuery) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let lang = pairs.iter().find(|(k, _)| k == "lang").map(|(_, v)| v.clone());
    let selected: Vec<String> = pairs.into_iter().filter(|(k, _)| k == "select").map(|(_, v)| v).collect();
    respond_with(&app, &token, lang.as_deref(), None, &selected).await
}

async fn respond(app: &App, token: &str, lang: Option<&str>, notice: Option<Notice>) -> Response {
    respond_with(app, token, lang, notice, &[]).await
}

/// The overview; with `selected` invoice numbers, the total, QR code and payment link are for
/// those only.
async fn respond_with(app: &App, token: &str, lang: Option<&str>, notice: Option<Notice>, selected: &[String]) -> Response {
    let status = if notice.as_ref().is_some_and(|n| n.error) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    match render(app, token, lang, notice, selected).await {
        Ok(Some(page)) => guarded(status, page),
        Ok(None) => unavailable(),
        Err(e) => failed("portal page", &e),
    }
}

async fn render(
    app: &App,
    token: &str,
    lang: Option<&str>,
    notice: Option<Notice>,
    selected: &[String],
) -> Result<Option<String>, Box<dyn std::error::Error + Send + Sync>> {
    let hash = channels::psp::link_token_hash(token);
    let mut tx = app.db.read().await?;
    let Some(access) = tx.portal_access(&hash).await? else { return Ok(None) };
    if access.revoked_at.is_some() || access.expires_at <= jiff::Timestamp::now() {
        return Ok(None);
    }
    let (Some(tenant), Some(debtor)) = (tx.tenant(access.tenant).await?, tx.debtor(access.tenant, access.debtor_id).await?) else {
        return Ok(None);
    };
    let open_ids: Vec<_> = tx.open_invoices_of(access.tenant, access.debtor_id).await?.into_iter().map(|(i, _)| i.id).collect();
    let invoices = tx.invoices_by_id(access.tenant, &open_ids).await?;
    let settings = tx.messaging_settings(access.tenant).await?;
    tx.commit().await?;
    let language = match lang {
        Some("en") => Language::En,
        Some("nl") => Language::Nl,
        _ => debtor.language,
    };
    let all: Vec<_> = invoices.iter().filter(|i| i.status == InvoiceStatus::Open && i.outstanding.is_positive()).collect();
    // What to pay now: the ticked invoices, or all when none (or none that is open) is ticked.
    let chosen =
        |number: &str| selected.is_empty() || selected.iter().any(|s| s == number) || !all.iter().any(|i| selected.contains(&i.number));
    let open: Vec<_> = all.iter().copied().filter(|i| chosen(&i.number)).collect();
    let open_ids: Vec<_> = open.iter().map(|i| i.id).collect();
    let total: Cents = open.iter().map(|i| i.outstanding).sum();
    let rows = all
        .iter()
        .map(|i| Row {
            selected: chosen(&i.number),
            number: i.number.clone(),
            issued: written(i.issue_date, language),
            due: written(i.due_date, language),
            open: i.outstanding.written(language),
        })
        .collect();
    let mut qr_svg = String::new();
    if total.is_positive() {
        let payload = formats::epc_qr::encode(&channels::compose::transfer(&tenant, total, &open, language))?;
        let title = match language {
            Language::Nl => format!("QR-code: betaal {} aan {}", total.written(language), tenant.legal_name),
            Language::En => format!("QR code: pay {} to {}", total.written(language), tenant.legal_name),
        };
        qr_svg = formats::qr::QrSymbol::epc(&payload)?.svg(&title);
    }
    // With a payment provider, a fresh payment link for what is open now.
    let pay_link = match (&app.providers, total.is_positive()) {
        (Some(p), true) if p.mollie.is_some() => {
            let link = channels::psp::new_link(1)?;
            let mut tx = app.db.write().await?;
            tx.create_payment_link(access.tenant, access.debtor_id, &open_ids, None, &link.sha256, link.expires_at).await?;
            tx.commit().await?;
            Some(format!("{}/pay/{}", p.public_url.trim_end_matches('/'), link.token))
        }
        _ => None,
    };
    let contact = match (&settings.desk, language) {
        (Some(d), Language::Nl) => format!(
            "Neem contact op met {}{}{}{}.",
            d.name,
            d.phone.as_ref().map(|p| format!(", telefoon {p}")).unwrap_or_default(),
            d.hours.as_ref().map(|h| format!(" ({h})")).unwrap_or_default(),
            d.email.as_ref().map(|e| format!(", e-mail {e}")).unwrap_or_default()
        ),
        (Some(d), Language::En) => format!(
            "Please contact {}{}{}{}.",
            d.name,
            d.phone.as_ref().map(|p| format!(", phone {p}")).unwrap_or_default(),
            d.hours.as_ref().map(|h| format!(" ({h})")).unwrap_or_default(),
            d.email.as_ref().map(|e| format!(", email {e}")).unwrap_or_default()
        ),
        (None, Language::Nl) => format!("Neem contact op met {}.", tenant.legal_name),
        (None, Language::En) => format!("Please contact {}.", tenant.legal_name),
    };
    let today = crate::today();
    let page = Overview {
        lang: language.as_str(),
        debtor_language: debtor.language.as_str(),
        prefers_letters: debtor.digital_affinity == domain::debtor::DigitalAffinity::Offline,
        token: token.to_string(),
        csrf: csrf_for(&hash),
        today: today.to_string(),
        latest: domain::dates::add_days(today, PROMISE_DAYS).to_string(),
        notice,
        t: words(language),
        creditor: tenant.legal_name.clone(),
        debtor: debtor.contacts.first().map_or(debtor.name.clone(), |c| c.name.clone()),
        invoices: rows,
        total: total.written(language),
        iban: tenant.iban.grouped(),
        reference: channels::compose::single_reference(&open).unwrap_or_else(|| channels::compose::remittance_text(&open, language)),
        qr_svg,
        pay_link,
        contact,
    };
    Ok(Some(page.render()?))
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], include_str!("portal.css"))
        .into_response()
}

/// The form token of a portal: derived from the (secret) portal token, so only a page served
/// for that token can carry it; a form posted from another site has neither.
fn csrf_for(token_sha256: &str) -> String {
    channels::psp::link_token_hash(&format!("tegoed-portal-form:{token_sha256}"))
}

/// What a portal form sends.
#[derive(Debug, Default, Deserialize)]
struct Form {
    csrf: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    invoice: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    letters: Option<String>,
}

/// The checks every form passes: a portal link that works, the page's own form token, and no
/// other site as its origin. The access and the debtor's language on success.
async fn accept(app: &App, token: &str, headers: &axum::http::HeaderMap, form: &Form) -> Result<Option<store::PortalAccess>, Response> {
    let hash = channels::psp::link_token_hash(token);
    let origin_ok = match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
            let public = app.providers.as_ref().map(|p| p.public_url.trim_end_matches('/').to_string());
            origin.ends_with(&format!("//{host}")) || public.is_some_and(|p| p == origin)
        }
    };
    let expected = csrf_for(&hash);
    let same = expected.len() == form.csrf.len() && expected.bytes().zip(form.csrf.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if !origin_ok || !same {
        return Err(guarded(StatusCode::FORBIDDEN, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>403</title></head><body><p>Dit formulier is verlopen. / This form has expired.</p></body></html>\n".to_string()));
    }
    let mut tx = app.db.read().await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())?;
    let access = tx.portal_access(&hash).await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())?;
    let _ = tx.commit().await;
    Ok(access.filter(|a| a.revoked_at.is_none() && a.expires_at > jiff::Timestamp::now()))
}

/// A form that passed [`accept`], read, with the access it was sent under; else the answer to
/// give (refused, or the page of a link that does not work).
async fn accepted(app: &App, token: &str, headers: &axum::http::HeaderMap, body: &[u8]) -> Result<(store::PortalAccess, Form), Response> {
    let form: Form = serde_urlencoded::from_bytes(body).unwrap_or_default();
    match accept(app, token, headers, &form).await? {
        Some(access) => Ok((access, form)),
        None => Err(unavailable()),
    }
}

/// A fault on our side while handling a portal form: logged, and a bare 500 for the debtor.
fn failed(what: &str, e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "{what}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn notice(error: bool, lines: &[&str]) -> Option<Notice> {
    Some(Notice { error, lines: lines.iter().map(|l| (*l).to_string()).collect() })
}

async fn language_of(app: &App, a: &store::PortalAccess, lang: Option<&str>) -> Language {
    match lang {
        Some("en") => Language::En,
        Some("nl") => Language::Nl,
        _ => match app.db.read().await {
            Ok(mut tx) => tx.debtor(a.tenant, a.debtor_id).await.ok().flatten().map_or(Language::Nl, |d| d.language),
            Err(_) => Language::Nl,
        },
    }
}

/// A promise to pay by a date: the track waits until then (and three days' grace).
async fn promise(
    State(app): State<App>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (access, form) = match accepted(&app, &token, &headers, &body).await {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    let t = words(language_of(&app, &access, q.lang.as_deref()).await);
    let today = crate::today();
    let date = form.date.as_deref().and_then(|d| d.parse::<jiff::civil::Date>().ok());
    let Some(date) = date.filter(|d| *d >= today && *d <= domain::dates::add_days(today, PROMISE_DAYS)) else {
        return respond(&app, &token, q.lang.as_deref(), notice(true, &[t.bad_date])).await;
    };
    let stored = async {
        let mut tx = app.db.write().await?;
        let open: Cents = tx.open_invoices_of(access.tenant, access.debtor_id).await?.iter().map(|(i, _)| i.outstanding).sum();
        let amount = open.is_positive().then_some(open);
        tx.add_pause(
            access.tenant,
            access.debtor_id,
            None,
            "promise",
            Some(date),
            amount,
            "beloofd in het portaal / promised in the portal",
        )
        .await?;
        tx.commit().await
    };
    match stored.await {
        Ok(()) => respond(&app, &token, q.lang.as_deref(), notice(false, &[t.promised])).await,
        Err(e) => failed("portal promise", &e),
    }
}

/// A dispute of one invoice: its reminders stop at once, and a person looks at it.
async fn dispute(
    State(app): State<App>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (access, form) = match accepted(&app, &token, &headers, &body).await {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    let t = words(language_of(&app, &access, q.lang.as_deref()).await);
    let text: String = form.text.unwrap_or_default().trim().chars().take(2000).collect();
    if text.is_empty() {
        return respond(&app, &token, q.lang.as_deref(), notice(true, &[t.no_text])).await;
    }
    let number = form.invoice.unwrap_or_default();
    let stored = async {
        let mut tx = app.db.write().await?;
        let invoice = tx
            .invoice_by_number(access.tenant, &number)
            .await?
            .filter(|i| i.debtor_id == access.debtor_id && i.status == InvoiceStatus::Open && i.outstanding.is_positive());
        let found = invoice.is_some();
        if let Some(inv) = invoice {
            tx.add_pause(
                access.tenant,
                access.debtor_id,
                Some(inv.id),
                "dispute",
                None,
                None,
                &format!("via het portaal / in the portal: {text}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok::<bool, store::StoreError>(found)
    };
    match stored.await {
        Ok(true) => respond(&app, &token, q.lang.as_deref(), notice(false, &[t.disputed])).await,
        Ok(false) => respond(&app, &token, q.lang.as_deref(), notice(true, &[t.no_text])).await,
        Err(e) => failed("portal dispute", &e),
    }
}

/// "I can't pay": thanks, the track waits 30 days, the file is flagged for a person, and the
/// page names where free help is.
async fn cant_pay(
    State(app): State<App>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (access, form) = match accepted(&app, &token, &headers, &body).await {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    let language = language_of(&app, &access, q.lang.as_deref()).await;
    let text: String = form.text.unwrap_or_default().trim().chars().take(2000).collect();
    let today = crate::today();
    let reason = if text.is_empty() {
        "kan niet betalen (portaal) / can't pay (portal)".to_string()
    } else {
        format!("kan niet betalen (portaal) / can't pay (portal): {text}")
    };
    let stored = async {
        let mut tx = app.db.write().await?;
        tx.add_pause(access.tenant, access.debtor_id, None, "hold", Some(domain::dates::add_days(today, 30)), None, &reason).await?;
        tx.set_flag(access.tenant, access.debtor_id, domain::dunning::planner::Flag::CantPay, today, Some(&reason)).await?;
        tx.commit().await
    };
    match stored.await {
        Ok(()) => {
            let lines: &[&str] = if language == Language::Nl { &HELP_NL } else { &HELP_EN };
            respond(&app, &token, q.lang.as_deref(), notice(false, lines)).await
        }
        Err(e) => failed("portal can't pay", &e),
    }
}

/// The debtor's own choices: the language of messages, and letters by post instead of email and
/// texts (the planner then gives the debtor the track for the hardly online).
async fn preferences(
    State(app): State<App>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (access, form) = match accepted(&app, &token, &headers, &body).await {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    let language = match form.language.as_deref() {
        Some("en") => Language::En,
        _ => Language::Nl,
    };
    let letters = form.letters.as_deref() == Some("yes");
    let stored = async {
        let mut tx = app.db.write().await?;
        if let Some(mut d) = tx.debtor(access.tenant, access.debtor_id).await? {
            d.language = language;
            d.digital_affinity = if letters { domain::debtor::DigitalAffinity::Offline } else { domain::debtor::DigitalAffinity::Online };
            tx.update_debtor(&d).await?;
        }
        tx.commit().await
    };
    match stored.await {
        // The page answers in the language just chosen.
        Ok(()) => respond(&app, &token, Some(language.as_str()), notice(false, &[words(language).preferences_saved])).await,
        Err(e) => failed("portal preferences", &e),
    }
}
