//! Payment links and the payment provider behind them: Mollie's Payments API.
//!
//! A message carries a link to Tegoed itself (`{public_url}/pay/{token}`), never to a provider
//! payment: a provider payment expires within hours, a reminder is read days later. Opening the
//! link creates a Mollie payment for what is open at that moment and sends the debtor to its
//! checkout; Mollie then calls the webhook with the payment's id only, and Tegoed fetches the
//! payment to learn its status — the webhook itself is not trusted
//! (docs.mollie.com/reference/webhooks).
//!
//! - `POST {api}/v2/payments` with `Authorization: Bearer {api key}` and `{"amount":
//!   {"currency": "EUR", "value": "10.00"}, "description", "redirectUrl", "webhookUrl",
//!   "metadata"}`; an `Idempotency-Key` header makes a retry return the first payment. The
//!   answer has `id` (`tr_…`), `status` and `_links.checkout.href`.
//! - `GET {api}/v2/payments/{id}`: `status` (open, pending, authorized, paid, canceled, expired,
//!   failed), `amount`, `paidAt`.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use domain::money::Cents;

use crate::providers::{ProviderError, http_client};

/// How long a link in a message works (a payment link, a portal link): long enough for a
/// reminder read late and the next steps of the track, after which a new message brings a new
/// link.
pub const LINK_DAYS: i64 = 120;

/// A new link's credential: the token (128 random bits, shown once, in the message), the
/// SHA-256 it is stored and found under, and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The token, hex.
    pub token: String,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// When it stops working.
    pub expires_at: jiff::Timestamp,
}

/// A new link valid for `days` days; an error when the OS has no random source (then no link
/// is safe to give out).
pub fn new_link(days: i64) -> Result<NewLink, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let sha256 = link_token_hash(&token);
    let expires_at = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(24 * days)).unwrap_or(jiff::Timestamp::MAX);
    Ok(NewLink { token, sha256, expires_at })
}

/// The SHA-256 (hex) a link's token is stored and found under.
pub fn link_token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// How Tegoed reaches Mollie.
#[derive(Debug, Clone)]
pub struct MollieSettings {
    /// API root (`https://api.mollie.com`; a local fake in tests).
    pub api: String,
    /// API key (`live_…` or `test_…`).
    pub api_key: String,
}

/// A payment as the provider tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPayment {
    /// Its id (`tr_…`).
    pub id: String,
    /// open, pending, authorized, paid, canceled, expired or failed.
    pub status: String,
    /// The amount.
    pub amount: Cents,
    /// Where the debtor pays it.
    pub checkout_url: Option<String>,
    /// The day it was paid.
    pub paid_on: Option<jiff::civil::Date>,
}

/// What to ask the provider for.
#[derive(Debug, Clone)]
pub struct PaymentRequest<'a> {
    /// The amount.
    pub amount: Cents,
    /// What the debtor sees on the checkout and the bank statement.
    pub description: &'a str,
    /// Where the debtor comes back to.
    pub redirect_url: &'a str,
    /// Where the provider reports.
    pub webhook_url: &'a str,
    /// Tegoed's own ids, returned with the payment.
    pub metadata: serde_json::Value,
    /// Makes a retry of the same request return the same payment.
    pub idempotency_key: &'a str,
}

/// Mollie's Payments API.
#[derive(Debug, Clone)]
pub struct Mollie {
    http: reqwest::Client,
    settings: MollieSettings,
}

#[derive(Deserialize)]
struct MollieAmount {
    currency: String,
    value: String,
}

#[derive(Deserialize)]
struct MollieLink {
    href: String,
}

#[derive(Deserialize)]
struct MollieLinks {
    checkout: Option<MollieLink>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MolliePayment {
    id: String,
    status: String,
    amount: MollieAmount,
    paid_at: Option<String>,
    #[serde(rename = "_links")]
    links: Option<MollieLinks>,
}

/// An amount as Mollie writes it: a string with exactly two decimals.
pub fn mollie_value(c: Cents) -> String {
    let v = c.cents();
    format!("{}{}.{:02}", if v < 0 { "-" } else { "" }, v.unsigned_abs() / 100, v.unsigned_abs() % 100)
}

impl Mollie {
    /// A client with these settings.
    pub fn new(settings: MollieSettings) -> Self {
        Mollie { http: http_client(), settings }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v2/{path}", self.settings.api.trim_end_matches('/'))
    }

    async fn read(resp: reqwest::Response) -> Result<ProviderPayment, ProviderError> {
        let status = resp.status();
        let text = resp.text().await.map_err(|e| ProviderError::Transient(e.to_string()))?;
        if !status.is_success() {
            let detail = format!("Mollie {status}: {text}");
            // 422 is the request's fault (amount below the minimum, a bad URL); others may pass.
            return Err(if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
                ProviderError::Permanent(detail)
            } else {
                ProviderError::Transient(detail)
            });
        }
        let p: MolliePayment = serde_json::from_str(&text).map_err(|e| ProviderError::Transient(format!("unreadable answer: {e}")))?;
        if p.amount.currency != "EUR" {
            return Err(ProviderError::Permanent(format!("payment {} is in {}, not EUR", p.id, p.amount.currency)));
        }
        let amount = Cents::parse(&p.amount.value).map_err(|e| ProviderError::Transient(format!("amount: {e}")))?;
        let paid_on = p.paid_at.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok()).map(domain::dates::business_date);
        Ok(ProviderPayment { id: p.id, status: p.status, amount, checkout_url: p.links.and_then(|l| l.checkout).map(|c| c.href), paid_on })
    }

    /// Creates a payment.
    pub async fn create_payment(&self, r: &PaymentRequest<'_>) -> Result<ProviderPayment, ProviderError> {
        let body = serde_json::json!({
            "amount": {"currency": "EUR", "value": mollie_value(r.amount)},
            "description": r.description.chars().take(255).collect::<String>(),
            "redirectUrl": r.redirect_url,
            "webhookUrl": r.webhook_url,
            "metadata": r.metadata,
        });
        let resp = self
            .http
            .post(self.url("payments"))
            .bearer_auth(&self.settings.api_key)
            .header("Idempotency-Key", r.idempotency_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| ProviderError::Transient(e.to_string()))?;
        Self::read(resp).await
    }

    /// Fetches a payment as it is now.
    pub async fn payment(&self, id: &str) -> Result<ProviderPayment, ProviderError> {
        if !id.starts_with("tr_") || !id[3..].bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ProviderError::Permanent(format!("'{id}' is not a Mollie payment id")));
        }
        let resp = self
            .http
            .get(self.url(&format!("payments/{id}")))
            .bearer_auth(&self.settings.api_key)
            .send()
            .await
            .map_err(|e| ProviderError::Transient(e.to_string()))?;
        Self::read(resp).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_two_decimals_and_tokens_are_random() {
        assert_eq!(mollie_value(Cents::new(175_279).expect("cents")), "1752.79");
        assert_eq!(mollie_value(Cents::new(1_000).expect("cents")), "10.00");
        assert_eq!(mollie_value(Cents::new(5).expect("cents")), "0.05");
        let a = new_link(LINK_DAYS).expect("random");
        let b = new_link(LINK_DAYS).expect("random");
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 32);
        assert_eq!(link_token_hash(&a.token), a.sha256);
        let hours = a.expires_at.duration_since(jiff::Timestamp::now()).as_hours();
        assert!((24 * LINK_DAYS - 1..=24 * LINK_DAYS).contains(&hours), "{hours}");
    }
}
