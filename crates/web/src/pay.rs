//! What debtors and providers reach without an API key: the payment link of every message
//! (`/pay/{token}`), and the providers' webhooks — Mollie's payment reports, Twilio's SMS
//! status callbacks and WhatsApp's status notifications, each checked the way the provider
//! signs it.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::debtor::Language;
use domain::dunning::policy::Channel;

use channels::providers::{twilio_report, twilio_signature_valid, whatsapp_reports, whatsapp_signature_valid};
use channels::psp::{Mollie, PaymentRequest, link_token_hash};
use ledger::provider_payments::{LinkState, ProviderReport, Settled, open_link, settle};

use crate::App;

/// The providers Tegoed talks to, and the address they reach it at.
#[derive(Debug, Clone)]
pub struct Providers {
    /// Tegoed's public address (`https://incasso.example.nl`), for links and webhooks.
    pub public_url: String,
    /// Mollie, when payment links take payments.
    pub mollie: Option<Mollie>,
    /// Twilio's auth token, which signs its status callbacks.
    pub twilio_auth_token: Option<String>,
    /// WhatsApp's app secret (signs webhooks) and the verify token of its subscription check.
    pub whatsapp: Option<(String, String)>,
}

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/pay/{token}", get(pay))
        .route("/pay/{token}/done", get(done))
        .route("/webhooks/mollie", axum::routing::post(mollie_webhook))
        .route("/webhooks/twilio", axum::routing::post(twilio_webhook))
        .route("/webhooks/whatsapp", get(whatsapp_subscribe).post(whatsapp_webhook))
}

/// A short page for the debtor, in their language, that works without scripts.
fn page(language: Language, status: StatusCode, title: &str, text: &str) -> Response {
    let lang = language.as_str();
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title></head><body style=\"font-family:Arial,Helvetica,sans-serif;font-size:18px;line-height:1.5;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a\">\
         <h1 style=\"font-size:1.4rem\">{t}</h1><p>{x}</p></body></html>\n",
        t = formats::xml::escape(title),
        x = formats::xml::escape(text)
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// Opens a payment link: a payment for what is open now, and off to the provider's checkout.
async fn pay(State(app): State<App>, Path(token): Path<String>) -> Response {
    let Some(p) = app.providers.clone() else { return StatusCode::NOT_FOUND.into_response() };
    let state = match open_link(&app.db, &link_token_hash(&token), jiff::Timestamp::now()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "payment link");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let nl = |l: Language| l == Language::Nl;
    match state {
        LinkState::Unknown => page(
            Language::Nl,
            StatusCode::NOT_FOUND,
            "Deze betaallink bestaat niet / This payment link does not exist",
            "Controleer de link in uw bericht. / Please check the link in your message.",
        ),
        LinkState::Expired { language, creditor } => page(
            language,
            StatusCode::GONE,
            if nl(language) { "Deze betaallink is verlopen" } else { "This payment link has expired" },
            &if nl(language) {
                format!("Neem contact op met {creditor} voor een nieuwe link, of maak het bedrag over met de gegevens uit uw bericht.")
            } else {
                format!("Please contact {creditor} for a new link, or transfer the amount with the details in your message.")
            },
        ),
        LinkState::NothingOpen { language, creditor } => page(
            language,
            StatusCode::OK,
            if nl(language) { "Er staat niets meer open" } else { "Nothing is left to pay" },
            &if nl(language) {
                format!("Alles is betaald. Dank u wel! Heeft u vragen, neem dan contact op met {creditor}.")
            } else {
                format!("Everything has been paid. Thank you! If you have any questions, please contact {creditor}.")
            },
        ),
        LinkState::Pay { tenant, link, amount, numbers, language, creditor } => {
            let Some(mollie) = &p.mollie else {
                return page(
                    language,
                    StatusCode::SERVICE_UNAVAILABLE,
                    if nl(language) { "Online betalen kan nu niet" } else { "Paying online is not possible right now" },
                    if nl(language) {
                        "Maak het bedrag over met het rekeningnummer en kenmerk uit uw bericht."
                    } else {
                        "Please transfer the amount with the account number and reference in your message."
                    },
                );
            };
            let base = p.public_url.trim_end_matches('/');
            let description = format!("{creditor}: {} {}", if nl(language) { "factuur" } else { "invoice" }, numbers.join(", "));
            let redirect = format!("{base}/pay/{token}/done");
            let webhook = format!("{base}/webhooks/mollie");
            // The same link and amount within the same minute is the same payment (a double click).
            let key = format!("tegoed-{}-{link}-{}-{}", tenant.0, amount.cents(), jiff::Timestamp::now().as_second() / 60);
            let request = PaymentRequest {
                amount,
                description: &description,
                redirect_url: &redirect,
                webhook_url: &webhook,
                metadata: serde_json::json!({"tenant": tenant.0, "payment_link": link}),
                idempotency_key: &key,
            };
            let started = match mollie.create_payment(&request).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "starting a payment");
                    return page(
                        language,
                        StatusCode::BAD_GATEWAY,
                        if nl(language) { "Online betalen lukt nu niet" } else { "Paying online does not work right now" },
                        if nl(language) {
                            "Probeer het over een paar minuten opnieuw, of maak het bedrag over met de gegevens uit uw bericht."
                        } else {
                            "Please try again in a few minutes, or transfer the amount with the details in your message."
                        },
                    );
                }
            };
            let Some(checkout) = started.checkout_url.clone() else { return StatusCode::BAD_GATEWAY.into_response() };
            let stored = async {
                let mut tx = app.db.write().await?;
                if tx.provider_payment("mollie", &started.id).await?.is_none() {
                    tx.create_provider_payment(tenant, link, "mollie", &started.id, started.amount, Some(&checkout)).await?;
                }
                tx.commit().await
            };
            if let Err(e) = stored.await {
                tracing::error!(error = %e, "recording a started payment");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            Redirect::to(&checkout).into_response()
        }
    }
}

/// Where the provider sends the debtor back to.
async fn done(State(app): State<App>, Path(token): Path<String>) -> Response {
    let language = match open_link(&app.db, &link_token_hash(&token), jiff::Timestamp::now()).await {
        Ok(LinkState::Pay { language, .. } | LinkState::NothingOpen { language, .. } | LinkState::Expired { language, .. }) => language,
        _ => Language::Nl,
    };
    if language == Language::Nl {
        page(language, StatusCode::OK, "Dank u wel", "Zodra uw betaling binnen is, verwerken wij die. U hoeft verder niets te doen.")
    } else {
        page(
            language,
            StatusCode::OK,
            "Thank you",
            "As soon as your payment arrives, we will process it. There is nothing else you need to do.",
        )
    }
}

/// Mollie reports a payment by id only: Tegoed fetches it and books it when paid. Unknown ids
/// get 200 too (Mollie's advice: an answer must not tell which ids exist).
async fn mollie_webhook(State(app): State<App>, body: Bytes) -> Response {
    let Some(p) = app.providers.clone() else { return StatusCode::NOT_FOUND.into_response() };
    let Some(mollie) = &p.mollie else { return StatusCode::NOT_FOUND.into_response() };
    let Some(id) = form_urlencoded::parse(&body).find(|(k, _)| k == "id").map(|(_, v)| v.into_owned()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut tx = match app.db.read().await {
        Ok(tx) => tx,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let known = tx.provider_payment("mollie", &id).await.ok().flatten().is_some();
    let _ = tx.commit().await;
    if !known {
        return StatusCode::OK.into_response();
    }
    let payment = match mollie.payment(&id).await {
        Ok(p) => p,
        // Mollie retries a webhook that fails: let it, when Mollie itself could not be asked.
        Err(e) => {
            tracing::warn!(error = %e, "fetching a Mollie payment");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let report =
        ProviderReport { provider: "mollie", id: &payment.id, status: &payment.status, amount: payment.amount, paid_on: payment.paid_on };
    match settle(&app.db, report, crate::today()).await {
        Ok(Settled::Booked(p)) => tracing::info!(payment = p.0, mollie = %id, "booked a payment through a payment link"),
        Ok(_) => {}
        Err(e) => {
            tracing::error!(error = %e, "booking a Mollie payment");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    StatusCode::OK.into_response()
}

/// Twilio's SMS status callback, signed over the URL it was sent to and its parameters.
async fn twilio_webhook(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(p) = app.providers.clone() else { return StatusCode::NOT_FOUND.into_response() };
    let Some(token) = &p.twilio_auth_token else { return StatusCode::NOT_FOUND.into_response() };
    let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let url = format!("{}/webhooks/twilio", p.public_url.trim_end_matches('/'));
    let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !twilio_signature_valid(token, &url, &params, signature) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Some(r) = twilio_report(&params) {
        return record(&app, Channel::Sms, &[r]).await;
    }
    StatusCode::NO_CONTENT.into_response()
}

/// The subscription check of a WhatsApp webhook: echo the challenge for the right verify token.
async fn whatsapp_subscribe(State(app): State<App>, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let Some(p) = app.providers.clone() else { return StatusCode::NOT_FOUND.into_response() };
    let Some((_, verify)) = &p.whatsapp else { return StatusCode::NOT_FOUND.into_response() };
    match (q.get("hub.mode").map(String::as_str), q.get("hub.verify_token"), q.get("hub.challenge")) {
        (Some("subscribe"), Some(t), Some(challenge)) if t == verify => challenge.clone().into_response(),
        _ => StatusCode::FORBIDDEN.into_response(),
    }
}

/// WhatsApp's status notifications, signed with the app secret over the raw body.
async fn whatsapp_webhook(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(p) = app.providers.clone() else { return StatusCode::NOT_FOUND.into_response() };
    let Some((secret, _)) = &p.whatsapp else { return StatusCode::NOT_FOUND.into_response() };
    let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !whatsapp_signature_valid(secret, &body, signature) {
        return StatusCode::FORBIDDEN.into_response();
    }
    match whatsapp_reports(&body) {
        Ok(reports) => record(&app, Channel::Whatsapp, &reports).await,
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

async fn record(app: &App, channel: Channel, reports: &[channels::providers::DeliveryReport]) -> Response {
    let result = async {
        let mut tx = app.db.write().await?;
        for r in reports {
            tx.record_delivery(channel, &r.message_id, r.delivery, &r.detail).await?;
        }
        tx.commit().await
    };
    match result.await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "recording a delivery report");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
