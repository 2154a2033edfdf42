//! Email over SMTP: a multipart message (plain text and HTML with the EPC QR code inline) sent
//! through a pooled connection to the tenant's mail server.
//!
//! The `Message-ID` is made from the outbox id, so a message sent again after a worker stopped
//! in the middle of an attempt carries the same id as the first (mail clients show one).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::texts::Rendered;

/// Why an email could not go out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The server refused it for good (5xx: no such mailbox, refused content).
    #[error("refused for good: {0}")]
    Permanent(String),
    /// A passing failure (4xx, connection lost, timeout): try again later.
    #[error("failed for now: {0}")]
    Transient(String),
    /// The message could not be built (an address that is not one).
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// Where and as whom email is sent.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (plain, for a local relay), `smtp://…?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` (TLS).
    pub url: String,
    /// The sender address (`Tegoed <noreply@example.nl>` or a bare address).
    pub from: String,
    /// Connections kept open to the server.
    pub connections: u32,
}

/// One email ready to go.
#[derive(Debug, Clone)]
pub struct Email<'a> {
    /// Recipient address.
    pub to: &'a str,
    /// Recipient's name.
    pub to_name: &'a str,
    /// The creditor's name, shown as the sender's.
    pub sender_name: &'a str,
    /// Where replies go: the creditor's desk.
    pub reply_to: Option<&'a str>,
    /// The texts.
    pub rendered: &'a Rendered,
    /// The EPC QR code as PNG, shown inline.
    pub qr_png: &'a [u8],
    /// The `Message-ID`, angle brackets included.
    pub message_id: &'a str,
}

/// A pooled SMTP client.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.email.to_string()).finish()
    }
}

impl Mailer {
    /// A mailer for the server and sender given.
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let from: Mailbox = settings.from.parse().map_err(|e| MailError::Build(format!("sender '{}': {e}", settings.from)))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
            .map_err(|e| MailError::Build(format!("mail server URL '{}': {e}", settings.url)))?
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(PoolConfig::new().max_size(settings.connections.max(1)))
            .build();
        Ok(Mailer { transport, from })
    }

    /// The `Message-ID` of an outbox message: the same for every attempt.
    pub fn message_id(&self, tenant: i64, outbox_id: i64) -> String {
        format!("<tegoed.{tenant}.{outbox_id}@{}>", self.from.email.domain())
    }

    /// Builds the MIME message: multipart/alternative of the plain text and a multipart/related
    /// of the HTML with the QR code as `cid:epc-qr`.
    pub fn build(&self, e: &Email<'_>) -> Result<Message, MailError> {
        let to = Mailbox::new(
            Some(e.to_name.to_string()),
            e.to.parse().map_err(|err| MailError::Build(format!("recipient '{}': {err}", e.to)))?,
        );
        let from = Mailbox::new(Some(e.sender_name.to_string()), self.from.email.clone());
        let mut b = Message::builder().from(from).to(to).subject(e.rendered.subject.clone()).message_id(Some(e.message_id.to_string()));
        if let Some(r) = e.reply_to {
            let addr = r.parse().map_err(|err| MailError::Build(format!("reply-to '{r}': {err}")))?;
            b = b.reply_to(Mailbox::new(Some(e.sender_name.to_string()), addr));
        }
        let png = ContentType::parse("image/png").map_err(|err| MailError::Build(err.to_string()))?;
        let body = MultiPart::alternative().singlepart(SinglePart::plain(e.rendered.text.clone())).multipart(
            MultiPart::related()
                .singlepart(SinglePart::html(e.rendered.html.clone()))
                .singlepart(Attachment::new_inline("epc-qr".to_string()).body(e.qr_png.to_vec(), png)),
        );
        b.multipart(body).map_err(|err| MailError::Build(err.to_string()))
    }

    /// Sends a message; the server's answer on success.
    pub async fn send(&self, message: Message) -> Result<String, MailError> {
        match self.transport.send(message).await {
            Ok(r) => Ok(format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))),
            Err(e) if e.is_permanent() => Err(MailError::Permanent(e.to_string())),
            Err(e) => Err(MailError::Transient(e.to_string())),
        }
    }
}
