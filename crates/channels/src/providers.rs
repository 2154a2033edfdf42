//! Text messages through providers' HTTP APIs: SMS by Twilio's Messages API, WhatsApp by Meta's
//! WhatsApp Cloud API (approved template messages only), and the signatures their delivery
//! reports carry.
//!
//! - Twilio: `POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth with
//!   the account SID and auth token, a form with `To`, `From` (or `MessagingServiceSid` for an
//!   `MG…` sender), `Body` and `StatusCallback`; the answer is the message resource with its
//!   `sid`. Status callbacks are forms signed in `X-Twilio-Signature`: base64 of HMAC-SHA1 with
//!   the auth token over the full callback URL followed by every parameter name and value,
//!   sorted by name (twilio.com/docs/usage/security#validating-requests).
//! - WhatsApp: `POST {api}/{phone-number-id}/messages` with a bearer token and
//!   `{"messaging_product": "whatsapp", "to", "type": "template", "template": {"name",
//!   "language": {"code"}, "components": [{"type": "body", "parameters": [{"type": "text",
//!   "text"}…]}]}}`; the answer lists `messages[0].id`. Webhooks are JSON signed in
//!   `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`, and
//!   carry `entry[].changes[].value.statuses[]` with `id` and `status` (sent, delivered, read,
//!   failed) (developers.facebook.com/docs/whatsapp/cloud-api).

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;

use domain::contact::PhoneNumber;
use domain::debtor::Language;

/// Why a provider did not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// Refused for good (no such number, not a mobile number, opted out).
    #[error("refused for good: {0}")]
    Permanent(String),
    /// A passing failure (server busy, rate limit, network): try again later.
    #[error("failed for now: {0}")]
    Transient(String),
}

/// An HTTP client for providers: HTTPS with the system's root certificates, time limits.
pub fn http_client() -> reqwest::Client {
    // rustls needs one crypto provider for the process; ring is the one lettre uses too. A
    // second install (another client) is refused harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

fn transient(e: reqwest::Error) -> ProviderError {
    ProviderError::Transient(e.to_string())
}

/// How Tegoed reaches Twilio.
#[derive(Debug, Clone)]
pub struct TwilioSettings {
    /// API root (`https://api.twilio.com`; a local fake in tests).
    pub api: String,
    /// Account SID (`AC…`).
    pub account_sid: String,
    /// Auth token (also signs status callbacks).
    pub auth_token: String,
    /// Sender: a phone number, an alphanumeric sender id, or a messaging service (`MG…`).
    pub from: String,
    /// Where Twilio reports delivery (Tegoed's `/webhooks/twilio`), if reachable.
    pub status_callback: Option<String>,
}

/// SMS through Twilio.
#[derive(Debug, Clone)]
pub struct SmsSender {
    http: reqwest::Client,
    settings: TwilioSettings,
}

#[derive(Deserialize)]
struct TwilioMessage {
    sid: String,
    status: String,
}

#[derive(Deserialize)]
struct TwilioError {
    code: Option<i64>,
    message: Option<String>,
}

impl SmsSender {
    /// A sender with these settings.
    pub fn new(settings: TwilioSettings) -> Self {
        SmsSender { http: http_client(), settings }
    }

    /// Sends `body` to `to`; the message's SID and status on success.
    pub async fn send(&self, to: &PhoneNumber, body: &str) -> Result<(String, String), ProviderError> {
        let s = &self.settings;
        let url = format!("{}/2010-04-01/Accounts/{}/Messages.json", s.api.trim_end_matches('/'), s.account_sid);
        let sender = if s.from.starts_with("MG") { "MessagingServiceSid" } else { "From" };
        let mut form = vec![("To", to.as_str()), (sender, s.from.as_str()), ("Body", body)];
        if let Some(cb) = &s.status_callback {
            form.push(("StatusCallback", cb.as_str()));
        }
        let resp = self.http.post(url).basic_auth(&s.account_sid, Some(&s.auth_token)).form(&form).send().await.map_err(transient)?;
        let status = resp.status();
        let text = resp.text().await.map_err(transient)?;
        if status.is_success() {
            let m: TwilioMessage = serde_json::from_str(&text).map_err(|e| ProviderError::Transient(format!("unreadable answer: {e}")))?;
            return Ok((m.sid, m.status));
        }
        let e: Option<TwilioError> = serde_json::from_str(&text).ok();
        let detail = match &e {
            Some(TwilioError { code: Some(c), message }) => format!("Twilio {status} error {c}: {}", message.as_deref().unwrap_or("")),
            _ => format!("Twilio {status}: {text}"),
        };
        // 400 is the request's own fault (invalid number 21211, opted out 21610, …): sending it
        // again will not help. Anything else (401 misconfiguration, 429, 5xx) may pass.
        if status == reqwest::StatusCode::BAD_REQUEST {
            Err(ProviderError::Permanent(detail))
        } else {
            Err(ProviderError::Transient(detail))
        }
    }
}

/// Checks Twilio's `X-Twilio-Signature` of a callback to `url` with form `params`.
pub fn twilio_signature_valid(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()) else { return false };
    mac.update(data.as_bytes());
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else { return false };
    mac.verify_slice(&given).is_ok()
}

/// How Tegoed reaches the WhatsApp Cloud API.
#[derive(Debug, Clone)]
pub struct WhatsAppSettings {
    /// API root with version (`https://graph.facebook.com/v21.0`; a local fake in tests).
    pub api: String,
    /// The business phone number's id.
    pub phone_number_id: String,
    /// Access token.
    pub token: String,
    /// Prefix of the approved templates' names: the template of a step is `{prefix}{step}`
    /// (`tegoed_reminder`), in the debtor's language.
    pub template_prefix: String,
}

/// WhatsApp template messages.
#[derive(Debug, Clone)]
pub struct WhatsAppSender {
    http: reqwest::Client,
    settings: WhatsAppSettings,
}

#[derive(Deserialize)]
struct WaAnswer {
    messages: Vec<WaId>,
}

#[derive(Deserialize)]
struct WaId {
    id: String,
}

impl WhatsAppSender {
    /// A sender with these settings.
    pub fn new(settings: WhatsAppSettings) -> Self {
        WhatsAppSender { http: http_client(), settings }
    }

    /// The approved template a step uses.
    pub fn template_name(&self, step: &str) -> String {
        format!("{}{step}", self.settings.template_prefix)
    }

    /// Sends template `template` in `language` to `to`, its body's parameters in order; the
    /// message id (`wamid…`) on success.
    pub async fn send(&self, to: &PhoneNumber, template: &str, language: Language, params: &[String]) -> Result<String, ProviderError> {
        let s = &self.settings;
        let url = format!("{}/{}/messages", s.api.trim_end_matches('/'), s.phone_number_id);
        let parameters: Vec<serde_json::Value> = params.iter().map(|p| serde_json::json!({"type": "text", "text": p})).collect();
        let body = serde_json::json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.as_str().trim_start_matches('+'),
            "type": "template",
            "template": {
                "name": template,
                "language": {"code": language.as_str()},
                "components": [{"type": "body", "parameters": parameters}],
            },
        });
        let resp = self.http.post(url).bearer_auth(&s.token).json(&body).send().await.map_err(transient)?;
        let status = resp.status();
        let text = resp.text().await.map_err(transient)?;
        if status.is_success() {
            let a: WaAnswer = serde_json::from_str(&text).map_err(|e| ProviderError::Transient(format!("unreadable answer: {e}")))?;
            return a.messages.into_iter().next().map(|m| m.id).ok_or_else(|| ProviderError::Transient(format!("no message id in {text}")));
        }
        let detail = format!("WhatsApp {status}: {text}");
        // 400 is the request (unknown template, number not on WhatsApp, no opt-in window);
        // 401/403 a token problem a person must fix, 429 and 5xx pass.
        if status == reqwest::StatusCode::BAD_REQUEST {
            Err(ProviderError::Permanent(detail))
        } else {
            Err(ProviderError::Transient(detail))
        }
    }
}

/// Checks the `X-Hub-Signature-256` of a WhatsApp webhook body.
pub fn whatsapp_signature_valid(app_secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex) = header.trim().strip_prefix("sha256=") else { return false };
    let Some(given) = decode_hex(hex) else { return false };
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes()) else { return false };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// A delivery report: the provider's message id and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The id the message was sent under.
    pub message_id: String,
    /// delivered, read or undeliverable (Tegoed's words).
    pub delivery: &'static str,
    /// The provider's own words (status, error code).
    pub detail: String,
}

/// Twilio's `MessageStatus` as a report, when it is a final one.
pub fn twilio_report(params: &[(String, String)]) -> Option<DeliveryReport> {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let status = get("MessageStatus")?;
    let delivery = match status {
        "delivered" => "delivered",
        "read" => "read",
        "undelivered" | "failed" => "undeliverable",
        _ => return None,
    };
    let detail = match get("ErrorCode") {
        Some(code) if !code.is_empty() => format!("{status} (error {code})"),
        _ => status.to_string(),
    };
    Some(DeliveryReport { message_id: get("MessageSid")?.to_string(), delivery, detail })
}

/// The statuses in a WhatsApp webhook body, as reports (`sent` is not final and is skipped).
pub fn whatsapp_reports(body: &[u8]) -> Result<Vec<DeliveryReport>, serde_json::Error> {
    let v: serde_json::Value = serde_json::from_slice(body)?;
    let mut out = Vec::new();
    for entry in v["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            for s in change["value"]["statuses"].as_array().into_iter().flatten() {
                let delivery = match s["status"].as_str() {
                    Some("delivered") => "delivered",
                    Some("read") => "read",
                    Some("failed") => "undeliverable",
                    _ => continue,
                };
                let Some(id) = s["id"].as_str() else { continue };
                let errors: Vec<String> = s["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| format!("{} {}", e["code"], e["title"].as_str().unwrap_or_default()))
                    .collect();
                let detail = if errors.is_empty() { delivery.to_string() } else { format!("{delivery}: {}", errors.join("; ")) };
                out.push(DeliveryReport { message_id: id.to_string(), delivery, detail });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_signatures_are_checked_over_url_and_sorted_parameters() {
        // The example of Twilio's security documentation.
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let token = "12345";
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).expect("key");
        mac.update(b"https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+12349013030Digits1234From+12349013030To+18005551212");
        let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert!(twilio_signature_valid(token, url, &params, &sig));
        assert!(!twilio_signature_valid("other", url, &params, &sig));
        let mut changed = params.clone();
        changed[2].1 = "9999".into();
        assert!(!twilio_signature_valid(token, url, &changed, &sig));
        assert!(!twilio_signature_valid(token, url, &params, "not base64!"));
    }

    #[test]
    fn whatsapp_signatures_are_hmac_sha256_of_the_raw_body() {
        let body = br#"{"entry":[]}"#;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"secret").expect("key");
        mac.update(body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert!(whatsapp_signature_valid("secret", body, &format!("sha256={hex}")));
        assert!(!whatsapp_signature_valid("secret", b"{\"entry\":[1]}", &format!("sha256={hex}")));
        assert!(!whatsapp_signature_valid("secret", body, &hex));
    }

    #[test]
    fn final_statuses_become_reports() {
        let p = |s: &str| vec![("MessageSid".to_string(), "SM1".to_string()), ("MessageStatus".to_string(), s.to_string())];
        assert_eq!(twilio_report(&p("sent")), None);
        assert_eq!(twilio_report(&p("delivered")).map(|r| r.delivery), Some("delivered"));
        assert_eq!(twilio_report(&p("undelivered")).map(|r| r.delivery), Some("undeliverable"));
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[
            {"id":"wamid.A","status":"sent"},{"id":"wamid.B","status":"read"},
            {"id":"wamid.C","status":"failed","errors":[{"code":131026,"title":"Message undeliverable"}]}]}}]}]}"#;
        let r = whatsapp_reports(body).expect("json");
        assert_eq!(
            r.iter().map(|r| (r.message_id.as_str(), r.delivery)).collect::<Vec<_>>(),
            [("wamid.B", "read"), ("wamid.C", "undeliverable")]
        );
        assert!(r[1].detail.contains("131026"));
    }
}
