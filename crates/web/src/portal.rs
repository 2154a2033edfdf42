//! The debtor portal, reached by the link in every message (`/portal/{token}`): the open
//! invoices, what is open in all, and how to pay — in the debtor's language, switchable, without
//! any script. A link that does not work (unknown, expired, revoked) gets the same page whatever
//! the reason, so a guess tells nothing about who exists.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
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
    Router::new().route("/portal/{token}", get(overview)).route("/portal.css", get(stylesheet))
}

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
            questions: "Vragen, of klopt er iets niet?",
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
            questions: "Questions, or is something not right?",
        },
    }
}

/// One open invoice on the page.
struct Row {
    number: String,
    issued: String,
    due: String,
    open: String,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct Overview {
    lang: &'static str,
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

async fn overview(State(app): State<App>, Path(token): Path<String>, Query(q): Query<LangQuery>) -> Response {
    match render(&app, &token, q.lang.as_deref()).await {
        Ok(Some(page)) => guarded(StatusCode::OK, page),
        Ok(None) => unavailable(),
        Err(e) => {
            tracing::error!(error = %e, "portal page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn render(app: &App, token: &str, lang: Option<&str>) -> Result<Option<String>, Box<dyn std::error::Error + Send + Sync>> {
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
    let open: Vec<_> = invoices.iter().filter(|i| i.status == InvoiceStatus::Open && i.outstanding.is_positive()).collect();
    let total: Cents = open.iter().map(|i| i.outstanding).sum();
    let rows = open
        .iter()
        .map(|i| Row {
            number: i.number.clone(),
            issued: written(i.issue_date, language),
            due: written(i.due_date, language),
            open: i.outstanding.written(language),
        })
        .collect();
    let numbers = open.iter().map(|i| i.number.as_str()).collect::<Vec<_>>().join(", ");
    let single = match open.as_slice() {
        [one] => one.payment_reference.clone(),
        _ => None,
    };
    let remittance = match language {
        Language::Nl => format!("factuur {numbers}"),
        Language::En => format!("invoice {numbers}"),
    };
    let mut qr_svg = String::new();
    if total.is_positive() {
        let transfer = formats::epc_qr::Transfer {
            bic: tenant.bic.clone(),
            name: tenant.legal_name.chars().take(70).collect(),
            iban: tenant.iban.clone(),
            amount: Some(total),
            purpose: None,
            remittance: match &single {
                Some(r) => formats::epc_qr::Remittance::Structured(r.clone()),
                None => formats::epc_qr::Remittance::Unstructured(remittance.chars().take(140).collect()),
            },
            note: None,
        };
        let payload = formats::epc_qr::encode(&transfer)?;
        let title = match language {
            Language::Nl => format!("QR-code: betaal {} aan {}", total.written(language), tenant.legal_name),
            Language::En => format!("QR code: pay {} to {}", total.written(language), tenant.legal_name),
        };
        qr_svg = formats::qr::QrSymbol::epc(&payload)?.svg(&title);
    }
    // With a payment provider, a fresh payment link for what is open now.
    let pay_link = match (&app.providers, total.is_positive()) {
        (Some(p), true) if p.mollie.is_some() => {
            let (token, hash) = channels::psp::new_link_token()?;
            let expires = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(24))?;
            let mut tx = app.db.write().await?;
            tx.create_payment_link(access.tenant, access.debtor_id, &open_ids, None, &hash, expires).await?;
            tx.commit().await?;
            Some(format!("{}/pay/{token}", p.public_url.trim_end_matches('/')))
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
    let page = Overview {
        lang: language.as_str(),
        t: words(language),
        creditor: tenant.legal_name.clone(),
        debtor: debtor.contacts.first().map_or(debtor.name.clone(), |c| c.name.clone()),
        invoices: rows,
        total: total.written(language),
        iban: tenant.iban.grouped(),
        reference: single.unwrap_or(remittance),
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
