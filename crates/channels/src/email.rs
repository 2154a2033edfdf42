//! Email over SMTP: a multipart message (plain text and HTML with the EPC QR code inline) sent
//! through a pooled connection to the tenant's mail server.
//!
//! The `Message-ID` is made from the outbox id, so a message resent by a person after a worker
//! stopped in the middle of an attempt carries the same id as the first (mail clients show one).
//!
//! For `smtp://` servers (a local relay, or submission with `?tls=required`) the connections are
//! Tegoed's own, with `TCP_NODELAY`: lettre writes a message's body and its closing `.` in two
//! writes, and with Nagle's algorithm the second waits for the server's delayed ACK — 40 ms for
//! every message on Linux, which capped a worker at about 25 messages per second per
//! connection. `smtps://` goes through lettre's own pooled transport.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
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
    /// The connection failed in the middle of the transaction, without an answer from the
    /// server: the message may have been taken. Not to be sent again without a person.
    #[error("no answer from the mail server; it may have taken the message: {0}")]
    InDoubt(String),
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
    /// Documents attached (file name, PDF bytes): the invoices as the creditor sent them.
    pub attachments: &'a [store::InvoiceDocument],
}

/// A plain or STARTTLS SMTP server and Tegoed's open connections to it.
struct Direct {
    host: String,
    port: u16,
    starttls: bool,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: tokio::sync::Mutex<Vec<AsyncSmtpConnection>>,
    keep: usize,
}

#[derive(Clone)]
enum Transport {
    Direct(std::sync::Arc<Direct>),
    Lettre(AsyncSmtpTransport<Tokio1Executor>),
}

/// A pooled SMTP client.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

fn classify(e: lettre::transport::smtp::Error) -> MailError {
    if e.is_permanent() { MailError::Permanent(e.to_string()) } else { MailError::Transient(e.to_string()) }
}

/// Reads `smtp://[user:password@]host[:port][?tls=required]`; `None` for another scheme.
fn direct(url: &str, keep: usize) -> Result<Option<Direct>, MailError> {
    let bad = |why: &str| MailError::Build(format!("mail server URL '{url}': {why}"));
    let Some(rest) = url.strip_prefix("smtp://") else { return Ok(None) };
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let starttls = match query {
        "" | "tls=none" => false,
        "tls=required" | "tls=opportunistic" => true,
        other => return Err(bad(&format!("unknown option '{other}': expected tls=required"))),
    };
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let hostport = hostport.trim_end_matches('/');
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("the port is not a number"))?),
        None => (hostport, if starttls { 587 } else { 25 }),
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let decode = |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default();
    let credentials = userinfo.map(|u| {
        let (user, password) = u.split_once(':').unwrap_or((u, ""));
        Credentials::new(decode(user), decode(password))
    });
    Ok(Some(Direct {
        host: host.to_string(),
        port,
        starttls,
        credentials,
        hello: ClientId::default(),
        idle: tokio::sync::Mutex::new(Vec::new()),
        keep,
    }))
}

impl Direct {
    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        let connect = tokio::net::TcpStream::connect((self.host.as_str(), self.port));
        let stream = tokio::time::timeout(Duration::from_secs(30), connect)
            .await
            .map_err(|_| MailError::Transient(format!("connecting to {}:{} timed out", self.host, self.port)))?
            .map_err(|e| MailError::Transient(format!("connecting to {}:{}: {e}", self.host, self.port)))?;
        stream.set_nodelay(true).map_err(|e| MailError::Transient(e.to_string()))?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello).await.map_err(classify)?;
        if self.starttls {
            let tls = TlsParameters::new(self.host.clone()).map_err(|e| MailError::Build(e.to_string()))?;
            conn.starttls(tls, &self.hello).await.map_err(classify)?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c).await.map_err(classify)?;
        }
        Ok(conn)
    }

    async fn send(&self, message: &Message) -> Result<lettre::transport::smtp::response::Response, MailError> {
        let reused = self.idle.lock().await.pop();
        // A connection the server may have closed while idle is tested first (NOOP).
        let mut conn = match reused {
            Some(mut c) => {
                if c.test_connected().await {
                    c
                } else {
                    self.connect().await?
                }
            }
            None => self.connect().await?,
        };
        let answer = match tokio::time::timeout(Duration::from_secs(60), conn.send(message.envelope(), &message.formatted())).await {
            Ok(a) => a,
            Err(_) => return Err(MailError::InDoubt(format!("{}:{} did not answer within 60 s", self.host, self.port))),
        };
        if answer.is_ok() && !conn.has_broken() {
            let mut idle = self.idle.lock().await;
            if idle.len() < self.keep {
                idle.push(conn);
            }
        }
        // A 4xx or 5xx answer says the server did not take it; anything else (the connection
        // dropped, no answer) leaves it unknown.
        answer.map_err(|e| if e.is_permanent() || e.is_transient() { classify(e) } else { MailError::InDoubt(e.to_string()) })
    }
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
        let keep = usize::try_from(settings.connections.max(1)).unwrap_or(1);
        let transport = match direct(&settings.url, keep)? {
            Some(d) => {
                // rustls needs its crypto provider before STARTTLS; lettre's own transport sets it up.
                let _ = rustls::crypto::ring::default_provider().install_default();
                Transport::Direct(std::sync::Arc::new(d))
            }
            None => Transport::Lettre(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
                    .map_err(|e| MailError::Build(format!("mail server URL '{}': {e}", settings.url)))?
                    .timeout(Some(Duration::from_secs(30)))
                    .pool_config(PoolConfig::new().max_size(settings.connections.max(1)))
                    .build(),
            ),
        };
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
        if e.attachments.is_empty() {
            return b.multipart(body).map_err(|err| MailError::Build(err.to_string()));
        }
        let pdf = ContentType::parse("application/pdf").map_err(|err| MailError::Build(err.to_string()))?;
        let mut mixed = MultiPart::mixed().multipart(body);
        for d in e.attachments {
            mixed = mixed.singlepart(Attachment::new(d.file_name.clone()).body(d.content.clone(), pdf.clone()));
        }
        b.multipart(mixed).map_err(|err| MailError::Build(err.to_string()))
    }

    /// Sends a message; the server's answer on success.
    pub async fn send(&self, message: Message) -> Result<String, MailError> {
        let r = match &self.transport {
            Transport::Direct(d) => d.send(&message).await?,
            Transport::Lettre(t) => t.send(message).await.map_err(classify)?,
        };
        Ok(format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_read_with_their_credentials_and_tls() {
        let d = direct("smtp://mailer%40despaak.nl:p%40ss@mail.example.nl:587?tls=required", 2).expect("url").expect("direct");
        assert_eq!((d.host.as_str(), d.port, d.starttls), ("mail.example.nl", 587, true));
        assert!(d.credentials.is_some());
        let local = direct("smtp://127.0.0.1", 1).expect("url").expect("direct");
        assert_eq!((local.port, local.starttls), (25, false));
        assert!(direct("smtps://u:p@mail.example.nl", 1).expect("url").is_none(), "implicit TLS goes through lettre");
        assert!(direct("smtp://host:x", 1).is_err());
        assert!(direct("smtp://host?tls=maybe", 1).is_err());
    }
}
