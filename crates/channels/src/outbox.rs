//! The outbox worker: claims due messages, composes each from the ledger as it is now, sends it,
//! and records the outcome as evidence — in that order, each step its own transaction.
//!
//! Exactly once: a message is claimed (committed) before it goes out, and its outcome is
//! recorded right after the provider answers; a second worker never holds the same message (the
//! claim skips held rows until their lease ends). A worker killed between claim and send leaves
//! a message that is claimed again after the lease and sent once. The one moment no protocol can
//! cover is a kill after the provider took the message and before the outcome was stored: the
//! next claim marks that attempt `in_doubt` and sends again, under the same `Message-ID`.
//!
//! Before sending, the message is composed anew: invoices paid, credited or disputed since the
//! run are left out, and the message is cancelled when none is left or the debtor's track was
//! paused (a promise, a hold, debt help) in between.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use domain::dates::business_date;
use domain::dunning::policy::Channel;
use domain::ids::InvoiceId;
use domain::messaging::{fallback, retry_delay};
use store::{AttemptOutcome, ClaimedMessage, Db, StoreError};

use crate::compose::{Facts, compose};
use crate::email::{Email, MailError, Mailer};
use crate::providers::{ProviderError, SmsSender, WhatsAppSender};
use crate::texts::{TemplateKey, default_template, render, render_letter};

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// How long a claimed message is held before another worker may take it over.
    pub lease: SignedDuration,
    /// Messages claimed at a time.
    pub batch: u32,
    /// Messages sent at the same time.
    pub parallel: usize,
    /// Wait between looks at an empty outbox.
    pub idle_wait: Duration,
    /// Only these tenants' messages (none: every tenant's), for a worker of its own per tenant.
    pub tenants: Vec<domain::ids::TenantId>,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            lease: SignedDuration::from_mins(5),
            batch: 64,
            parallel: 4,
            idle_wait: Duration::from_secs(5),
            tenants: Vec::new(),
        }
    }
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Messages the provider took.
    pub sent: u64,
    /// Messages to be tried again later.
    pub retried: u64,
    /// Messages whose channel failed for good.
    pub failed: u64,
    /// Messages with nothing left to say.
    pub cancelled: u64,
    /// Messages whose sending broke off without an answer: they wait for a person.
    pub in_doubt: u64,
    /// Messages another worker had taken over by the time the outcome was recorded.
    pub lost_claims: u64,
}

/// What printing a tenant's letters did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Printed {
    /// The print file written, if any letter was due.
    pub file: Option<std::path::PathBuf>,
    /// Letters in it.
    pub letters: u64,
    /// Pages in it, cover included.
    pub pages: u64,
    /// Letters that could not be made (no address): their fallback takes over.
    pub failed: u64,
    /// Letters with nothing left to say.
    pub cancelled: u64,
}

/// Why the worker stopped.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A task panicked or was cancelled.
    #[error("a delivery task stopped: {0}")]
    Task(String),
}

/// Delivers outbox messages on the channels it has a sender for.
#[derive(Debug, Clone)]
pub struct Worker {
    db: Db,
    mailer: Option<Mailer>,
    sms: Option<SmsSender>,
    whatsapp: Option<WhatsAppSender>,
    /// Tegoed's public address, when messages carry payment links.
    pay_links: Option<String>,
    /// Tegoed's public address, when messages carry a link to the debtor's portal.
    portal_links: Option<String>,
    /// This worker is the installation's only sender: a message on a channel it has no sender
    /// for fails over to the action's next channel instead of waiting for another worker.
    sole: bool,
    settings: WorkerSettings,
}

impl Worker {
    /// A worker over the database with no channel yet (it can still print letters).
    pub fn new(db: Db, settings: WorkerSettings) -> Self {
        Worker { db, mailer: None, sms: None, whatsapp: None, pay_links: None, portal_links: None, sole: false, settings }
    }

    /// Sends email through `mailer`.
    pub fn with_mailer(mut self, mailer: Mailer) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// Sends SMS through `sms`.
    pub fn with_sms(mut self, sms: SmsSender) -> Self {
        self.sms = Some(sms);
        self
    }

    /// Puts a payment link in every message: `{public_url}/pay/{token}`, valid for
    /// [`crate::psp::LINK_DAYS`] days, paying what is open on the message's invoices when opened.
    pub fn with_payment_links(mut self, public_url: &str) -> Self {
        self.pay_links = Some(public_url.trim_end_matches('/').to_string());
        self
    }

    /// Puts a link to the debtor's portal in every message: `{public_url}/portal/{token}`,
    /// valid for [`crate::psp::LINK_DAYS`] days.
    pub fn with_portal_links(mut self, public_url: &str) -> Self {
        self.portal_links = Some(public_url.trim_end_matches('/').to_string());
        self
    }

    /// Makes this worker the installation's only sender: messages on a channel that is not
    /// configured (WhatsApp in a policy, without a WhatsApp account) fail over to the action's
    /// next channel instead of waiting in the outbox for ever.
    pub fn as_sole_sender(mut self) -> Self {
        self.sole = true;
        self
    }

    /// Sends WhatsApp template messages through `whatsapp`.
    pub fn with_whatsapp(mut self, whatsapp: WhatsAppSender) -> Self {
        self.whatsapp = Some(whatsapp);
        self
    }

    /// The channels this worker delivers.
    pub fn channels(&self) -> Vec<Channel> {
        if self.sole {
            return vec![Channel::Email, Channel::Sms, Channel::Whatsapp];
        }
        let mut c = Vec::new();
        if self.mailer.is_some() {
            c.push(Channel::Email);
        }
        if self.sms.is_some() {
            c.push(Channel::Sms);
        }
        if self.whatsapp.is_some() {
            c.push(Channel::Whatsapp);
        }
        c
    }

    /// Sends everything due now, batch by batch, until nothing is due.
    pub async fn drain(&self) -> Result<Drained, WorkerError> {
        self.drain_until(&AtomicBool::new(false)).await
    }

    /// Like [`Worker::drain`], but claims nothing more once `stopping` is set; what was claimed
    /// is finished, so a worker told to stop leaves no message in doubt.
    async fn drain_until(&self, stopping: &AtomicBool) -> Result<Drained, WorkerError> {
        let mut total = Drained::default();
        let me = Arc::new(self.clone());
        loop {
            if stopping.load(Ordering::Relaxed) {
                return Ok(total);
            }
            let mut tx = self.db.write().await?;
            let claimed = tx
                .claim_messages(&self.channels(), &self.settings.tenants, Timestamp::now(), self.settings.lease, self.settings.batch)
                .await?;
            tx.commit().await?;
            if claimed.is_empty() {
                return Ok(total);
            }
            let queue = Arc::new(tokio::sync::Mutex::new(claimed));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..self.settings.parallel.max(1) {
                let (me, queue) = (me.clone(), queue.clone());
                tasks.spawn(async move {
                    let mut done = Drained::default();
                    loop {
                        let Some(m) = queue.lock().await.pop() else { return Ok::<_, WorkerError>(done) };
                        let prepared = match me.prepare(&m).await? {
                            Prepared::Settled(outcome) => Err(outcome),
                            Prepared::Letter(_) => Err(retry_or_fail(
                                &m,
                                m.attempts_before + 1,
                                "letters go out in a print file (tegoed letters)".into(),
                                None,
                            )),
                            ready => Ok(ready),
                        };
                        let (started, outcome) = match prepared {
                            Err(outcome) => (None, outcome),
                            Ok(ready) => {
                                // The attempt is on record before the message leaves: a kill
                                // from here until the outcome is stored leaves it in doubt.
                                let mut tx = me.db.write().await?;
                                let started = tx.start_attempt(&m).await?;
                                tx.commit().await?;
                                let Some(attempt) = started else {
                                    done.lost_claims += 1;
                                    continue;
                                };
                                let outcome = match ready {
                                    Prepared::Email(email) => me.send_email(&m, attempt, *email).await,
                                    Prepared::Text(text) => me.send_text(&m, attempt, *text).await,
                                    Prepared::Settled(o) => o,
                                    Prepared::Letter(_) => retry_or_fail(&m, attempt, "not sent by this worker".into(), None),
                                };
                                (started, outcome)
                            }
                        };
                        let mut tx = me.db.write().await?;
                        let kept = tx.record_attempt(&m, started, &outcome).await?;
                        tx.commit().await?;
                        match (kept, &outcome) {
                            (false, _) => done.lost_claims += 1,
                            (true, AttemptOutcome::Accepted { .. }) => done.sent += 1,
                            (true, AttemptOutcome::Retry { .. }) => done.retried += 1,
                            (true, AttemptOutcome::Failed { .. }) => done.failed += 1,
                            (true, AttemptOutcome::Cancelled { .. }) => done.cancelled += 1,
                            (true, AttemptOutcome::InDoubt { .. }) => done.in_doubt += 1,
                        }
                    }
                });
            }
            while let Some(r) = tasks.join_next().await {
                let d = r.map_err(|e| WorkerError::Task(e.to_string()))??;
                total.sent += d.sent;
                total.retried += d.retried;
                total.failed += d.failed;
                total.cancelled += d.cancelled;
                total.lost_claims += d.lost_claims;
                total.in_doubt += d.in_doubt;
            }
        }
    }

    /// Drains the outbox again and again until `stop` resolves; then finishes the messages it
    /// holds and returns.
    pub async fn run(&self, stop: impl std::future::Future<Output = ()>) {
        let stopping = AtomicBool::new(false);
        let woken = tokio::sync::Notify::new();
        let work = async {
            while !stopping.load(Ordering::Relaxed) {
                match self.drain_until(&stopping).await {
                    Ok(d) if d != Drained::default() => {
                        tracing::info!(sent = d.sent, retried = d.retried, failed = d.failed, cancelled = d.cancelled, "outbox drained")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "outbox worker"),
                }
                tokio::select! {
                    _ = woken.notified() => {}
                    _ = tokio::time::sleep(self.settings.idle_wait) => {}
                }
            }
        };
        let watch = async {
            stop.await;
            stopping.store(true, Ordering::Relaxed);
            woken.notify_one();
        };
        tokio::select! {
            _ = work => {}
            _ = async { watch.await; std::future::pending::<()>().await } => {}
        }
    }

    /// Lays out every letter due for a tenant into one print file in `dir` — a cover page that
    /// lists them, then each letter from a new page — and records each as sent, with the file
    /// and its pages as evidence. The file is written whole under a temporary name and then
    /// renamed, so a print service watching `dir` never takes half a file.
    pub async fn print_letters(&self, tenant: domain::ids::TenantId, dir: &std::path::Path) -> Result<Printed, WorkerError> {
        let now = Timestamp::now();
        let mut tx = self.db.write().await?;
        let claimed = tx.claim_messages(&[Channel::Letter], &[tenant], now, self.settings.lease, 100_000).await?;
        tx.commit().await?;
        let mut printed = Printed::default();
        let mut ready = Vec::new();
        for m in claimed {
            let outcome = match self.prepare(&m).await? {
                Prepared::Letter(l) => {
                    ready.push((m, l));
                    continue;
                }
                Prepared::Settled(o) => o,
                Prepared::Email(_) | Prepared::Text(_) => retry_or_fail(&m, m.attempts_before + 1, "not a letter".into(), None),
            };
            match &outcome {
                AttemptOutcome::Cancelled { .. } => printed.cancelled += 1,
                _ => printed.failed += 1,
            }
            let mut tx = self.db.write().await?;
            tx.record_attempt(&m, None, &outcome).await?;
            tx.commit().await?;
        }
        if ready.is_empty() {
            return Ok(printed);
        }
        let mut tx = self.db.write().await?;
        let mut started = Vec::with_capacity(ready.len());
        for (m, l) in ready {
            if let Some(n) = tx.start_attempt(&m).await? {
                started.push((m, n, l));
            }
        }
        tx.commit().await?;
        let day = business_date(now);
        let stamp = now.strftime("%H%M%S");
        let name = format!("tegoed-letters-{}-{day}-{stamp}.pdf", tenant.0);
        let letters: Vec<crate::letter::Letter> = started.iter().map(|(_, _, l)| l.letter.clone()).collect();
        let (_, layout) = crate::letter::print_file(&name, None, &letters);
        let pages_of_letters: usize = layout.iter().map(|p| p.pages).sum();
        let n = letters.len();
        let mut lines = vec![
            format!(
                "{n} {}, {pages_of_letters} {} / {n} {}, {pages_of_letters} {}",
                if n == 1 { "brief" } else { "brieven" },
                if pages_of_letters == 1 { "pagina" } else { "pagina's" },
                if n == 1 { "letter" } else { "letters" },
                if pages_of_letters == 1 { "page" } else { "pages" },
            ),
            String::new(),
        ];
        for (i, ((_, _, l), place)) in started.iter().zip(&layout).enumerate() {
            lines.push(format!("{:>4}. {} — {} — {} p.", i + 1, l.recipient, l.letter.subject, place.pages));
        }
        let title = format!("Printbestand / print file {} — {day}", letters.first().map_or("", |l| l.sender.as_str()));
        let cover = crate::letter::Cover { title, lines };
        let (pdf, placed) = crate::letter::print_file(&name, Some(&cover), &letters);
        let path = dir.join(&name);
        let part = dir.join(format!("{name}.part"));
        std::fs::write(&part, &pdf)
            .and_then(|()| std::fs::rename(&part, &path))
            .map_err(|e| WorkerError::Task(format!("{}: {e}", path.display())))?;
        let mut tx = self.db.write().await?;
        for (i, ((m, n, l), place)) in started.into_iter().zip(&placed).enumerate() {
            let outcome = AttemptOutcome::Accepted {
                recipient: l.recipient,
                subject: Some(l.letter.subject),
                body: l.text,
                message_id: format!("{name}#{}", i + 1),
                reply: format!("in print file {name}, pages {}–{}", place.first_page, place.first_page + place.pages - 1),
            };
            tx.record_attempt(&m, Some(n), &outcome).await?;
        }
        tx.commit().await?;
        printed.file = Some(path);
        printed.letters = letters.len() as u64;
        printed.pages = placed.last().map_or(0, |p| (p.first_page + p.pages - 1) as u64);
        Ok(printed)
    }

    /// Everything up to sending: the message composed from the ledger as it is now and filled
    /// in, or an outcome already settled (nothing left to send, no address, no channel).
    async fn prepare(&self, m: &ClaimedMessage) -> Result<Prepared, WorkerError> {
        let today = business_date(Timestamp::now());
        let mut tx = self.db.read().await?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("outbox message {} names {what} that does not exist", m.id));
        let action = tx.message_action(m.tenant, m.action_id).await?.ok_or_else(|| corrupt("an action"))?;
        let tenant = tx.tenant(m.tenant).await?.ok_or_else(|| corrupt("a tenant"))?;
        let debtor = tx.debtor(m.tenant, action.debtor_id).await?.ok_or_else(|| corrupt("a debtor"))?;
        let invoices = tx.invoices_by_id(m.tenant, &action.invoices).await?;
        let pauses = tx.pauses_of(m.tenant, action.debtor_id).await?;
        let settings = tx.messaging_settings(m.tenant).await?;
        let own = tx.message_template(m.tenant, action.kind, debtor.language, debtor.language_level).await?;
        let tried = tx.channels_tried(m.tenant, m.action_id).await?;
        let documents = if m.channel == Channel::Email { tx.invoice_documents(m.tenant, &action.invoices).await? } else { Vec::new() };
        let wrong_number = matches!(m.channel, Channel::Sms | Channel::Whatsapp)
            && tx.flags_of(m.tenant, action.debtor_id).await?.iter().any(|f| f.flag == domain::dunning::planner::Flag::WrongNumber);
        tx.commit().await?;

        let in_force = |until: Option<jiff::civil::Date>| until.is_none_or(|u| u >= today);
        if let Some(p) = pauses.iter().find(|p| p.invoice_id.is_none() && in_force(p.until)) {
            return Ok(Prepared::Settled(AttemptOutcome::Cancelled {
                reason: format!("the debtor's track was paused ({}) after the run planned this message", p.kind),
            }));
        }
        let disputed: Vec<InvoiceId> = pauses.iter().filter(|p| in_force(p.until)).filter_map(|p| p.invoice_id).collect();
        let failed_for_good = |error: String, delivery: &'static str| AttemptOutcome::Failed {
            error,
            delivery,
            fallback: fallback(&action.channels, &tried),
        };
        // The message's own links, stored before it goes out.
        let new_link =
            || crate::psp::new_link(crate::psp::LINK_DAYS).map_err(|e| WorkerError::Task(format!("no random source for a link: {e}")));
        let pay = self.pay_links.as_ref().map(|base| new_link().map(|l| (base, l))).transpose()?;
        let portal = self.portal_links.as_ref().map(|base| new_link().map(|l| (base, l))).transpose()?;
        if pay.is_some() || portal.is_some() {
            let mut tx = self.db.write().await?;
            if let Some((_, l)) = &pay {
                tx.create_payment_link(m.tenant, action.debtor_id, &action.invoices, None, &l.sha256, l.expires_at).await?;
            }
            if let Some((_, l)) = &portal {
                tx.create_portal_token(m.tenant, action.debtor_id, &l.sha256, l.expires_at).await?;
            }
            tx.commit().await?;
        }
        let payment_link = pay.map(|(base, l)| format!("{base}/pay/{}", l.token));
        let portal_link = portal.map(|(base, l)| format!("{base}/portal/{}", l.token));
        let facts = Facts {
            tenant: &tenant,
            debtor: &debtor,
            invoices: &invoices,
            disputed: &disputed,
            settings: &settings,
            step: action.kind,
            adds_collection_costs: action.adds_collection_costs,
            channel: m.channel,
            today,
            payment_link: payment_link.as_deref(),
            portal_link: portal_link.as_deref(),
        };
        let composed = match compose(&facts) {
            Ok(Some(c)) => c,
            Ok(None) => {
                return Ok(Prepared::Settled(AttemptOutcome::Cancelled {
                    reason: "nothing is open any more on the invoices of this message: paid, credited or disputed since the run".into(),
                }));
            }
            Err(e) => return Ok(Prepared::Settled(failed_for_good(format!("the payment QR code cannot be made: {e}"), "undeliverable"))),
        };
        let key = TemplateKey { step: action.kind, language: debtor.language, level: debtor.language_level };
        let template = match own {
            Some(t) => t.text,
            None => default_template(key).cloned().ok_or_else(|| StoreError::Corrupt(format!("no text for {key:?}")))?,
        };
        let retry_or_fail = |error: String| retry_or_fail(m, m.attempts_before + 1, error, fallback(&action.channels, &tried));
        let rendered = match render(&template, debtor.language, debtor.language_level, &composed.context) {
            Ok(r) => r,
            // A tenant's text that no longer fills in (checked when stored, so rare): a person
            // can correct it before the attempts run out.
            Err(e) => return Ok(Prepared::Settled(retry_or_fail(format!("the text does not fill in: {e}")))),
        };
        let configured = match m.channel {
            Channel::Email => self.mailer.is_some(),
            Channel::Sms => self.sms.is_some(),
            Channel::Whatsapp => self.whatsapp.is_some(),
            Channel::Letter | Channel::Phone => true,
        };
        if !configured {
            return Ok(Prepared::Settled(failed_for_good(
                format!("{} is not set up in this installation", m.channel.as_str()),
                "undeliverable",
            )));
        }
        match m.channel {
            Channel::Email => {
                let Some(mailer) = &self.mailer else { return Ok(Prepared::Settled(retry_or_fail("no mail server configured".into()))) };
                let Some(contact) = debtor.contacts.iter().find(|c| c.email.is_some()) else {
                    return Ok(Prepared::Settled(failed_for_good("the debtor has no email address".into(), "undeliverable")));
                };
                let to = contact.email.as_ref().map(|e| e.as_str()).unwrap_or_default();
                let qr = formats::qr::QrSymbol::epc(&composed.epc_payload)
                    .and_then(|s| s.png(4))
                    .map_err(|e| StoreError::Corrupt(format!("QR code: {e}")))?;
                let message_id = mailer.message_id(m.tenant.0, m.id);
                let reply_to = settings.desk.as_ref().and_then(|d| d.email.as_ref()).map(|e| e.as_str().to_string());
                // The documents of the invoices the message is still about.
                let attachments: Vec<store::InvoiceDocument> = documents
                    .into_iter()
                    .filter(|d| {
                        invoices.iter().any(|i| {
                            i.id == d.invoice_id
                                && i.status == domain::invoice::InvoiceStatus::Open
                                && i.outstanding.is_positive()
                                && !disputed.contains(&i.id)
                        })
                    })
                    .collect();
                let email = Email {
                    to,
                    to_name: &contact.name,
                    sender_name: &tenant.legal_name,
                    reply_to: reply_to.as_deref(),
                    rendered: &rendered,
                    qr_png: &qr,
                    message_id: &message_id,
                    attachments: &attachments,
                };
                Ok(match mailer.build(&email) {
                    Ok(message) => Prepared::Email(Box::new(ReadyEmail {
                        message,
                        recipient: to.to_string(),
                        subject: rendered.subject,
                        body: rendered.text,
                        message_id,
                        fallback: fallback(&action.channels, &tried),
                    })),
                    Err(e) => Prepared::Settled(failed_for_good(e.to_string(), "undeliverable")),
                })
            }
            Channel::Letter => {
                let Some(address) = &debtor.address else {
                    return Ok(Prepared::Settled(failed_for_good("the debtor has no postal address".into(), "undeliverable")));
                };
                let (subject, body) = match render_letter(&template, debtor.language, debtor.language_level, &composed.context) {
                    Ok(r) => r,
                    Err(e) => return Ok(Prepared::Settled(retry_or_fail(format!("the text does not fill in: {e}")))),
                };
                let qr = formats::qr::QrSymbol::epc(&composed.epc_payload).map_err(|e| StoreError::Corrupt(format!("QR code: {e}")))?;
                let letter = crate::letter::Letter::compose(&facts, address, &composed.context, subject, body, qr);
                let recipient = letter.recipient.join(", ");
                Ok(Prepared::Letter(Box::new(ReadyLetter { letter, recipient, text: rendered.text })))
            }
            Channel::Sms | Channel::Whatsapp => {
                if wrong_number {
                    return Ok(Prepared::Settled(failed_for_good(
                        "the debtor's phone number is marked wrong since the run".into(),
                        "undeliverable",
                    )));
                }
                let whatsapp = m.channel == Channel::Whatsapp;
                // WhatsApp only to a person who opted in (TONE.md; the WhatsApp Business
                // policy); SMS to anyone with a number.
                let Some(contact) = debtor.contacts.iter().find(|c| c.phone.is_some() && (!whatsapp || c.whatsapp_opt_in)) else {
                    let why = if whatsapp {
                        "no contact with a phone number agreed to WhatsApp messages"
                    } else {
                        "the debtor has no phone number"
                    };
                    return Ok(Prepared::Settled(failed_for_good(why.into(), "undeliverable")));
                };
                let Some(to) = contact.phone.clone() else {
                    return Ok(Prepared::Settled(failed_for_good("no phone number".into(), "undeliverable")));
                };
                let ctx = &composed.context;
                let link = ctx.payment_link.clone().or_else(|| ctx.portal_link.clone()).unwrap_or_else(|| {
                    format!("{} · {}", ctx.tenant.iban, ctx.reference.clone().unwrap_or_else(|| ctx.remittance.clone()))
                });
                Ok(Prepared::Text(Box::new(ReadyText {
                    to,
                    text: rendered.sms,
                    template: action.kind.as_str().to_string(),
                    language: debtor.language,
                    params: vec![ctx.tenant.name.clone(), ctx.total.clone(), ctx.pay_by.clone(), link],
                    fallback: fallback(&action.channels, &tried),
                })))
            }
            Channel::Phone => {
                Ok(Prepared::Settled(failed_for_good("a call is a task for a person, not a message".into(), "undeliverable")))
            }
        }
    }

    /// Sends a prepared SMS or WhatsApp message: what happened, to be recorded.
    async fn send_text(&self, m: &ClaimedMessage, attempt: i64, t: ReadyText) -> AttemptOutcome {
        let sent = match (m.channel, &self.sms, &self.whatsapp) {
            (Channel::Sms, Some(sms), _) => {
                sms.send(&t.to, &t.text).await.map(|(sid, status)| (sid, format!("Twilio: {status}"), t.text.clone()))
            }
            (Channel::Whatsapp, _, Some(wa)) => {
                let template = wa.template_name(&t.template);
                wa.send(&t.to, &template, t.language, &t.params).await.map(|id| {
                    (
                        id,
                        "WhatsApp: accepted".to_string(),
                        format!("template {template} ({}): {}", t.language.as_str(), t.params.join(" | ")),
                    )
                })
            }
            _ => return retry_or_fail(m, attempt, format!("no sender for {} in this worker", m.channel.as_str()), t.fallback),
        };
        match sent {
            Ok((id, reply, body)) => {
                AttemptOutcome::Accepted { recipient: t.to.as_str().to_string(), subject: None, body, message_id: id, reply }
            }
            Err(ProviderError::Permanent(e)) => AttemptOutcome::Failed { error: e, delivery: "undeliverable", fallback: t.fallback },
            Err(ProviderError::Transient(e)) => retry_or_fail(m, attempt, e, t.fallback),
        }
    }

    /// Sends a prepared email: what happened, to be recorded.
    async fn send_email(&self, m: &ClaimedMessage, attempt: i64, e: ReadyEmail) -> AttemptOutcome {
        let Some(mailer) = &self.mailer else { return retry_or_fail(m, attempt, "no mail server configured".into(), e.fallback) };
        match mailer.send(e.message).await {
            Ok(reply) => {
                AttemptOutcome::Accepted { recipient: e.recipient, subject: Some(e.subject), body: e.body, message_id: e.message_id, reply }
            }
            Err(MailError::Permanent(err)) => AttemptOutcome::Failed { error: err, delivery: "bounced", fallback: e.fallback },
            Err(MailError::Build(err)) => AttemptOutcome::Failed { error: err, delivery: "undeliverable", fallback: e.fallback },
            Err(MailError::Transient(err)) => retry_or_fail(m, attempt, err, e.fallback),
            Err(MailError::InDoubt(err)) => AttemptOutcome::InDoubt { error: err },
        }
    }
}

/// A message made ready, or an outcome settled before anything was sent.
enum Prepared {
    Settled(AttemptOutcome),
    Email(Box<ReadyEmail>),
    Letter(Box<ReadyLetter>),
    Text(Box<ReadyText>),
}

/// An SMS or WhatsApp message ready to go.
struct ReadyText {
    to: domain::contact::PhoneNumber,
    /// The SMS text.
    text: String,
    /// The step, naming the WhatsApp template.
    template: String,
    language: domain::debtor::Language,
    /// The WhatsApp template's parameters: creditor, amount, pay-by day, how to pay.
    params: Vec<String>,
    fallback: Option<Channel>,
}

/// A letter laid out and waiting for its print file.
struct ReadyLetter {
    letter: crate::letter::Letter,
    recipient: String,
    text: String,
}

/// An email built and waiting to go out, with what the evidence keeps of it.
struct ReadyEmail {
    message: lettre::Message,
    recipient: String,
    subject: String,
    body: String,
    message_id: String,
    fallback: Option<Channel>,
}

/// After a passing failure of attempt `attempt`: try again after the backoff, or, when the
/// attempts are used up, the channel has failed and the fallback takes over.
fn retry_or_fail(m: &ClaimedMessage, attempt: i64, error: String, fallback: Option<Channel>) -> AttemptOutcome {
    match retry_delay(u32::try_from(attempt).unwrap_or(u32::MAX)) {
        Some(wait) => AttemptOutcome::Retry { error, at: Timestamp::now().checked_add(wait).unwrap_or(Timestamp::MAX) },
        None => AttemptOutcome::Failed {
            error: format!("gave up after {attempt} attempts on {}: {error}", m.channel.as_str()),
            delivery: "undeliverable",
            fallback,
        },
    }
}
