//! Messages to debtors: claiming outbox messages for delivery, recording each attempt as
//! evidence, falling back to the next channel, and the tenant's own texts and messaging settings.
//!
//! A message is claimed before anything is done with it: its status becomes `sending` until the
//! lease ends (`next_attempt_at`). Right before it goes out, its attempt is started (the count
//! goes up and an attempt row is written, committed). A worker that dies while holding a
//! message leaves it to be claimed again after the lease — unless it died during an attempt:
//! then the provider may or may not have taken the message, and sending it again could reach
//! the debtor twice. Such a message is set `in_doubt` and left for a person, who resends it
//! ([`Tx::resend_message`]) or not.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use domain::debtor::{Language, LanguageLevel};
use domain::dunning::policy::{Channel, StepKind};
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::messaging::{MessageText, MessagingSettings};
use domain::money::Cents;

use crate::conn::{Backend, Tx, dispatch};
use crate::time::Stamp;
use crate::{Page, Result, corrupt};

/// A message a worker now holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedMessage {
    /// Outbox id.
    pub id: i64,
    /// Its tenant.
    pub tenant: TenantId,
    /// The dunning action it carries out.
    pub action_id: i64,
    /// How it goes out.
    pub channel: Channel,
    /// The end of this claim's lease; it also tells this claim from a later one.
    pub held_until: Timestamp,
    /// Attempts made before this claim.
    pub attempts_before: i64,
}

/// What a message says and about what: the action it carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAction {
    /// The action.
    pub id: i64,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// The step's kind.
    pub kind: StepKind,
    /// The template key the step names.
    pub template: String,
    /// The channels the action may use, in order.
    pub channels: Vec<Channel>,
    /// The invoices it is about.
    pub invoices: Vec<InvoiceId>,
    /// What was open on them when the run planned it.
    pub amount: Cents,
    /// The run that planned it.
    pub run_date: Date,
    /// The step claims collection costs.
    pub adds_collection_costs: bool,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The provider took the message: it is sent.
    Accepted {
        /// Address or number it went to.
        recipient: String,
        /// Subject, if the channel has one.
        subject: Option<String>,
        /// The text as sent.
        body: String,
        /// The id it travels under (`Message-ID` for email, the provider's id for others).
        message_id: String,
        /// What the provider answered.
        reply: String,
    },
    /// A passing failure: try again at `at`.
    Retry {
        /// What went wrong.
        error: String,
        /// The earliest next attempt.
        at: Timestamp,
    },
    /// The channel failed for good (a bounce, no address, attempts used up): the next channel
    /// takes over if the action has one, else the action needs a person.
    Failed {
        /// What went wrong.
        error: String,
        /// `bounced` (the provider refused the address) or `undeliverable`.
        delivery: &'static str,
        /// The channel taking over.
        fallback: Option<Channel>,
    },
    /// Nothing to send any more (paid, credited or paused meanwhile).
    Cancelled {
        /// Why.
        reason: String,
    },
    /// The attempt broke off without an answer: the provider may have taken the message. It is
    /// set `in_doubt` for a person, as after a worker that stopped while sending.
    InDoubt {
        /// What happened.
        error: String,
    },
}

/// One attempt to deliver a message, as evidence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttemptRecord {
    /// 1 for the first.
    pub attempt: i64,
    /// When it started.
    pub started_at: Timestamp,
    /// When it ended, if it did.
    pub finished_at: Option<Timestamp>,
    /// accepted, retry, failed, cancelled or in_doubt; none while it runs.
    pub outcome: Option<String>,
    /// What the provider said, or what went wrong.
    pub detail: Option<String>,
}

/// A message in the outbox with its delivery evidence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MessageRecord {
    /// Identifier.
    pub id: i64,
    /// The action it carries out.
    pub action_id: i64,
    /// The debtor.
    pub debtor_id: DebtorId,
    /// email, sms, whatsapp or letter.
    pub channel: String,
    /// pending, sending, sent, in_doubt, failed or cancelled.
    pub status: String,
    /// Address or number it went to.
    pub recipient: Option<String>,
    /// Subject as sent.
    pub subject: Option<String>,
    /// Text as sent.
    pub body: Option<String>,
    /// The id it travels under.
    pub message_id: Option<String>,
    /// What the provider answered.
    pub provider_reply: Option<String>,
    /// When it was accepted.
    pub sent_at: Option<Timestamp>,
    /// accepted, delivered, read, bounced or undeliverable.
    pub delivery: Option<String>,
    /// The last problem.
    pub last_error: Option<String>,
    /// The message whose failure this one falls back from.
    pub fallback_of: Option<i64>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// Every attempt, first first.
    pub attempts: Vec<AttemptRecord>,
}

/// A tenant's own text for a step, language and level.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredTemplate {
    /// The words.
    #[serde(flatten)]
    pub text: MessageText,
    /// When it was last changed.
    pub updated_at: Timestamp,
}

fn channel(s: &str) -> Result<Channel> {
    Channel::parse(s).map_err(|e| corrupt("outbox channel", e))
}

impl Tx {
    /// Claims up to `limit` messages on the given channels that are due at `now` — waiting, or
    /// held by a worker whose lease ran out — for `lease`, oldest due first. Of the tenants given,
    /// or (none given) across tenants: a worker serves every tenant unless told otherwise, and
    /// each claimed message names its own. On PostgreSQL rows
    /// another worker is claiming are skipped (`FOR UPDATE SKIP LOCKED`); SQLite's write lock
    /// lets one claim run at a time.
    pub async fn claim_messages(
        &mut self,
        channels: &[Channel],
        tenants: &[TenantId],
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<ClaimedMessage>> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let list = channels.iter().map(|c| format!("'{}'", c.as_str())).collect::<Vec<_>>().join(", ");
        let lock = if self.backend() == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        let only = if tenants.is_empty() {
            String::new()
        } else {
            format!(" AND tenant_id IN ({})", tenants.iter().map(|t| t.0.to_string()).collect::<Vec<_>>().join(", "))
        };
        let sql = format!(
            "SELECT id, tenant_id, action_id, channel, attempts, status FROM outbox \
             WHERE status IN ('pending', 'sending') AND next_attempt_at <= $1 AND channel IN ({list}){only} \
             ORDER BY next_attempt_at, id LIMIT $2{lock}"
        );
        let until = now.checked_add(lease).map_err(|e| corrupt("lease", e))?;
        let mut out = Vec::new();
        // Rows set in doubt are not claimed: look again until something is claimed or nothing
        // is due, so a batch of them never ends a drain early.
        while out.is_empty() {
            let rows: Vec<(i64, i64, i64, String, i64, String)> = dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(Stamp(now)).bind(i64::from(limit)).fetch_all(c).await?);
            if rows.is_empty() {
                return Ok(out);
            }
            for (id, tenant, action_id, ch, attempts, status) in rows {
                if status == "sending" {
                    // Held by a worker that is gone. If it was in the middle of an attempt, the
                    // message may have reached the debtor: a person decides, it is not sent again.
                    let open = dispatch!(self, c => sqlx::query(
                        "UPDATE message_attempts SET outcome = 'in_doubt', finished_at = $3, \
                         detail = 'the worker stopped during this attempt: whether the provider took the message is not known' \
                         WHERE outbox_id = $1 AND attempt = $2 AND outcome IS NULL")
                        .bind(id).bind(attempts).bind(Stamp(now)).execute(c).await?.rows_affected());
                    if open == 1 {
                        dispatch!(self, c => sqlx::query(
                            "UPDATE outbox SET status = 'in_doubt', claimed_until = NULL, \
                             last_error = 'the worker stopped while sending: it may have gone out; resend it or leave it' WHERE id = $1")
                            .bind(id).execute(c).await?.rows_affected());
                        continue;
                    }
                }
                dispatch!(self, c => sqlx::query(
                    "UPDATE outbox SET status = 'sending', next_attempt_at = $2, claimed_until = $2 WHERE id = $1")
                    .bind(id).bind(Stamp(until)).execute(c).await?.rows_affected());
                out.push(ClaimedMessage {
                    id,
                    tenant: TenantId(tenant),
                    action_id,
                    channel: channel(&ch)?,
                    held_until: until,
                    attempts_before: attempts,
                });
            }
        }
        Ok(out)
    }

    /// The action a message carries out.
    pub async fn message_action(&mut self, tenant: TenantId, action: i64) -> Result<Option<MessageAction>> {
        type Row = (i64, i64, String, String, String, String, i64, jiff_sqlx::Date, bool);
        let row: Option<Row> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, debtor_id, kind, template, channels, invoices, amount, run_date, adds_collection_costs \
             FROM dunning_actions WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(action).fetch_optional(c).await?);
        row.map(|(id, debtor, kind, template, channels, invoices, amount, run_date, costs)| {
            let ids: Vec<i64> = serde_json::from_str(&invoices).map_err(|e| corrupt("action invoices", e))?;
            Ok(MessageAction {
                id,
                debtor_id: DebtorId(debtor),
                kind: StepKind::parse(&kind).map_err(|e| corrupt("action kind", e))?,
                template,
                channels: serde_json::from_str(&channels).map_err(|e| corrupt("action channels", e))?,
                invoices: ids.into_iter().map(InvoiceId).collect(),
                amount: Cents::new(amount).map_err(|e| corrupt("action amount", e))?,
                run_date: run_date.to_jiff(),
                adds_collection_costs: costs,
            })
        })
        .transpose()
    }

    /// Starts an attempt at a claimed message, right before it goes out: its number, or `None`
    /// when the claim was lost (the lease ran out and another worker took the message over).
    pub async fn start_attempt(&mut self, m: &ClaimedMessage) -> Result<Option<i64>> {
        let attempt: Option<i64> = dispatch!(self, c => sqlx::query_scalar(
            "UPDATE outbox SET attempts = attempts + 1 WHERE id = $1 AND status = 'sending' AND claimed_until = $2 RETURNING attempts")
            .bind(m.id).bind(Stamp(m.held_until)).fetch_optional(c).await?);
        if let Some(n) = attempt {
            dispatch!(self, c => sqlx::query(
                "INSERT INTO message_attempts (tenant_id, outbox_id, attempt, started_at) VALUES ($1, $2, $3, $4)")
                .bind(m.tenant.0).bind(m.id).bind(n).bind(Stamp::now()).execute(c).await?.rows_affected());
        }
        Ok(attempt)
    }

    /// Records how an attempt at a claimed message ended: the one [`Tx::start_attempt`] began,
    /// or (`None`) one that ends as it starts (nothing left to send, no address). False when the
    /// claim was lost meanwhile; nothing is changed then.
    pub async fn record_attempt(&mut self, m: &ClaimedMessage, started: Option<i64>, outcome: &AttemptOutcome) -> Result<bool> {
        let attempt = match started {
            Some(n) => n,
            None => match self.start_attempt(m).await? {
                Some(n) => n,
                None => return Ok(false),
            },
        };
        let now = Stamp::now();
        let (word, detail) = match outcome {
            AttemptOutcome::Accepted { reply, .. } => ("accepted", reply.clone()),
            AttemptOutcome::Retry { error, .. } => ("retry", error.clone()),
            AttemptOutcome::Failed { error, .. } => ("failed", error.clone()),
            AttemptOutcome::Cancelled { reason } => ("cancelled", reason.clone()),
            AttemptOutcome::InDoubt { error } => ("in_doubt", error.clone()),
        };
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE message_attempts SET outcome = $4, detail = $5, finished_at = $6 \
             WHERE tenant_id = $1 AND outbox_id = $2 AND attempt = $3 AND outcome IS NULL \
             AND EXISTS (SELECT 1 FROM outbox o WHERE o.id = $2 AND o.status = 'sending' AND o.claimed_until = $7)")
            .bind(m.tenant.0).bind(m.id).bind(attempt).bind(word).bind(detail).bind(now).bind(Stamp(m.held_until))
            .execute(c).await?.rows_affected());
        if n != 1 {
            return Ok(false);
        }
        match outcome {
            AttemptOutcome::Accepted { recipient, subject, body, message_id, reply } => {
                dispatch!(self, c => sqlx::query(
                    "UPDATE outbox SET status = 'sent', delivery = 'accepted', recipient = $2, subject = $3, body = $4, message_id = $5, \
                     provider_reply = $6, sent_at = $7, claimed_until = NULL, last_error = NULL WHERE id = $1")
                    .bind(m.id).bind(recipient.clone()).bind(subject.clone()).bind(body.clone()).bind(message_id.clone())
                    .bind(reply.clone()).bind(now).execute(c).await?.rows_affected());
            }
            AttemptOutcome::Retry { error, at } => {
                dispatch!(self, c => sqlx::query(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = $2, claimed_until = NULL, last_error = $3 WHERE id = $1")
                    .bind(m.id).bind(Stamp(*at)).bind(error.clone()).execute(c).await?.rows_affected());
            }
            AttemptOutcome::Failed { error, delivery, fallback } => {
                dispatch!(self, c => sqlx::query(
                    "UPDATE outbox SET status = 'failed', delivery = $2, claimed_until = NULL, last_error = $3 WHERE id = $1")
                    .bind(m.id).bind(*delivery).bind(error.clone()).execute(c).await?.rows_affected());
                self.fall_back(m.tenant, m.action_id, m.id, *fallback).await?;
            }
            AttemptOutcome::InDoubt { error } => {
                dispatch!(self, c => sqlx::query(
                    "UPDATE outbox SET status = 'in_doubt', claimed_until = NULL, last_error = $2 WHERE id = $1")
                    .bind(m.id).bind(format!("{error}; resend it or leave it")).execute(c).await?.rows_affected());
            }
            AttemptOutcome::Cancelled { reason } => {
                dispatch!(self, c => sqlx::query(
                    "UPDATE outbox SET status = 'cancelled', claimed_until = NULL, last_error = $2 WHERE id = $1")
                    .bind(m.id).bind(reason.clone()).execute(c).await?.rows_affected());
            }
        }
        Ok(true)
    }

    /// Queues a message in doubt (or failed, or cancelled) to be sent again, on a person's word;
    /// false when the tenant has no such message or it is waiting, being sent or sent.
    pub async fn resend_message(&mut self, tenant: TenantId, id: i64) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE outbox SET status = 'pending', next_attempt_at = $3, last_error = NULL, delivery = NULL \
             WHERE tenant_id = $1 AND id = $2 AND status IN ('in_doubt', 'failed', 'cancelled')")
            .bind(tenant.0).bind(id).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// After message `failed` of an action failed for good: queue the channel that takes over,
    /// or, with none left, put the action on the worklist as unreachable.
    async fn fall_back(&mut self, tenant: TenantId, action: i64, failed: i64, next: Option<Channel>) -> Result<()> {
        match next {
            Some(next) => {
                dispatch!(self, c => sqlx::query(
                    "INSERT INTO outbox (tenant_id, action_id, channel, status, next_attempt_at, fallback_of, created_at) \
                     VALUES ($1, $2, $3, 'pending', $4, $5, $4) ON CONFLICT DO NOTHING")
                    .bind(tenant.0).bind(action).bind(next.as_str()).bind(Stamp::now()).bind(failed).execute(c).await?.rows_affected());
            }
            None => {
                dispatch!(self, c => sqlx::query("UPDATE dunning_actions SET status = 'unreachable' WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0).bind(action).execute(c).await?.rows_affected());
            }
        }
        Ok(())
    }

    /// Records a provider's delivery report for the message it sent on `channel` under
    /// `message_id`: delivered or read (never going back from read to delivered), or
    /// undeliverable — then the message has failed after all and the action's next channel
    /// takes over. The message's tenant and id, or `None` when no message has that id.
    pub async fn record_delivery(
        &mut self,
        channel: Channel,
        message_id: &str,
        delivery: &str,
        detail: &str,
    ) -> Result<Option<(TenantId, i64)>> {
        let row: Option<(i64, i64, i64, String, Option<String>, String)> = dispatch!(self, c => sqlx::query_as(
            "SELECT o.id, o.tenant_id, o.action_id, o.status, o.delivery, a.channels FROM outbox o \
             JOIN dunning_actions a ON a.id = o.action_id WHERE o.channel = $1 AND o.message_id = $2")
            .bind(channel.as_str()).bind(message_id.to_string()).fetch_optional(c).await?);
        let Some((id, tenant, action, status, current, channels)) = row else { return Ok(None) };
        let tenant = TenantId(tenant);
        match delivery {
            "undeliverable" if status == "sent" => {
                dispatch!(self, c => sqlx::query(
                    "UPDATE outbox SET status = 'failed', delivery = 'undeliverable', last_error = $2 WHERE id = $1")
                    .bind(id).bind(format!("the provider could not deliver it: {detail}")).execute(c).await?.rows_affected());
                let channels: Vec<Channel> = serde_json::from_str(&channels).map_err(|e| corrupt("action channels", e))?;
                let tried = self.channels_tried(tenant, action).await?;
                self.fall_back(tenant, action, id, domain::messaging::fallback(&channels, &tried)).await?;
            }
            "delivered" | "read" if current.as_deref() != Some("read") => {
                dispatch!(self, c => sqlx::query("UPDATE outbox SET delivery = $2 WHERE id = $1")
                    .bind(id).bind(delivery.to_string()).execute(c).await?.rows_affected());
            }
            _ => {}
        }
        Ok(Some((tenant, id)))
    }

    /// The channels an action's messages used so far, failed or not.
    pub async fn channels_tried(&mut self, tenant: TenantId, action: i64) -> Result<Vec<Channel>> {
        let rows: Vec<String> = dispatch!(self, c => sqlx::query_scalar(
            "SELECT channel FROM outbox WHERE tenant_id = $1 AND action_id = $2 ORDER BY id")
            .bind(tenant.0).bind(action).fetch_all(c).await?);
        rows.iter().map(|s| channel(s)).collect()
    }

    /// The tenant's messages in id order, optionally one debtor's or those in one status, each
    /// with its attempts.
    pub async fn messages(
        &mut self,
        tenant: TenantId,
        debtor: Option<DebtorId>,
        status: Option<&str>,
        page: Page,
    ) -> Result<Vec<MessageRecord>> {
        type Row = (
            i64,
            i64,
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<Stamp>,
            Option<String>,
            Option<String>,
            Option<i64>,
            Stamp,
        );
        let mut w = crate::filter::Filter::aliased(self.backend(), "o", tenant.0, page.after);
        w.and_some("a.debtor_id = ?", debtor, |d| crate::filter::Arg::Int(d.0));
        w.and_some("o.status = ?", status, |s| crate::filter::Arg::Text(s.to_string()));
        let (clause, args) = w.finish("ORDER BY o.id LIMIT ?", page.limit);
        let sql = format!(
            "SELECT o.id, o.action_id, a.debtor_id, o.channel, o.status, o.recipient, o.subject, o.body, o.message_id, o.provider_reply, \
             o.sent_at, o.delivery, o.last_error, o.fallback_of, o.created_at FROM outbox o JOIN dunning_actions a ON a.id = o.action_id{clause}"
        );
        let rows: Vec<Row> =
            dispatch!(self, c => crate::filter::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        let mut out = Vec::with_capacity(rows.len());
        for (
            id,
            action_id,
            d,
            channel,
            status,
            recipient,
            subject,
            body,
            message_id,
            provider_reply,
            sent_at,
            delivery,
            last_error,
            fallback_of,
            created,
        ) in rows
        {
            let attempts = self.attempts_of(tenant, id).await?;
            out.push(MessageRecord {
                id,
                action_id,
                debtor_id: DebtorId(d),
                channel,
                status,
                recipient,
                subject,
                body,
                message_id,
                provider_reply,
                sent_at: sent_at.map(|s| s.0),
                delivery,
                last_error,
                fallback_of,
                created_at: created.0,
                attempts,
            });
        }
        Ok(out)
    }

    async fn attempts_of(&mut self, tenant: TenantId, outbox: i64) -> Result<Vec<AttemptRecord>> {
        type Row = (i64, Stamp, Option<Stamp>, Option<String>, Option<String>);
        let rows: Vec<Row> = dispatch!(self, c => sqlx::query_as(
            "SELECT attempt, started_at, finished_at, outcome, detail FROM message_attempts WHERE tenant_id = $1 AND outbox_id = $2 ORDER BY attempt")
            .bind(tenant.0).bind(outbox).fetch_all(c).await?);
        Ok(rows
            .into_iter()
            .map(|(attempt, s, f, outcome, detail)| AttemptRecord {
                attempt,
                started_at: s.0,
                finished_at: f.map(|f| f.0),
                outcome,
                detail,
            })
            .collect())
    }

    /// The tenant's own text for a step, language and level, if it has one.
    pub async fn message_template(
        &mut self,
        tenant: TenantId,
        step: StepKind,
        language: Language,
        level: LanguageLevel,
    ) -> Result<Option<StoredTemplate>> {
        let row: Option<(String, String, String, Stamp)> = dispatch!(self, c => sqlx::query_as(
            "SELECT subject, body, sms, updated_at FROM message_templates WHERE tenant_id = $1 AND step_kind = $2 AND language = $3 AND level = $4")
            .bind(tenant.0).bind(step.as_str()).bind(language.as_str()).bind(level.as_str()).fetch_optional(c).await?);
        Ok(row.map(|(subject, body, sms, at)| StoredTemplate { text: MessageText { subject, body, sms }, updated_at: at.0 }))
    }

    /// Every text the tenant wrote itself, by step, language and level.
    pub async fn message_templates(&mut self, tenant: TenantId) -> Result<Vec<(StepKind, Language, LanguageLevel, StoredTemplate)>> {
        let rows: Vec<(String, String, String, String, String, String, Stamp)> = dispatch!(self, c => sqlx::query_as(
            "SELECT step_kind, language, level, subject, body, sms, updated_at FROM message_templates WHERE tenant_id = $1 \
             ORDER BY step_kind, language, level")
            .bind(tenant.0).fetch_all(c).await?);
        rows.into_iter()
            .map(|(step, lang, level, subject, body, sms, at)| {
                Ok((
                    StepKind::parse(&step).map_err(|e| corrupt("template step", e))?,
                    Language::parse(&lang).map_err(|e| corrupt("template language", e))?,
                    LanguageLevel::parse(&level).map_err(|e| corrupt("template level", e))?,
                    StoredTemplate { text: MessageText { subject, body, sms }, updated_at: at.0 },
                ))
            })
            .collect()
    }

    /// Stores the tenant's own text for a step, language and level (replacing an earlier one).
    pub async fn save_message_template(
        &mut self,
        tenant: TenantId,
        step: StepKind,
        language: Language,
        level: LanguageLevel,
        text: &MessageText,
    ) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "INSERT INTO message_templates (tenant_id, step_kind, language, level, subject, body, sms, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, step_kind, language, level) DO UPDATE SET \
             subject = excluded.subject, body = excluded.body, sms = excluded.sms, updated_at = excluded.updated_at")
            .bind(tenant.0).bind(step.as_str()).bind(language.as_str()).bind(level.as_str()).bind(text.subject.clone())
            .bind(text.body.clone()).bind(text.sms.clone()).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Removes the tenant's own text, so Tegoed's default applies again; false when there was none.
    pub async fn delete_message_template(
        &mut self,
        tenant: TenantId,
        step: StepKind,
        language: Language,
        level: LanguageLevel,
    ) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "DELETE FROM message_templates WHERE tenant_id = $1 AND step_kind = $2 AND language = $3 AND level = $4")
            .bind(tenant.0).bind(step.as_str()).bind(language.as_str()).bind(level.as_str()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// The tenant's messaging settings (the defaults when it has stored none).
    pub async fn messaging_settings(&mut self, tenant: TenantId) -> Result<MessagingSettings> {
        let row: Option<String> = dispatch!(self, c => sqlx::query_scalar("SELECT settings FROM tenant_messaging WHERE tenant_id = $1")
            .bind(tenant.0).fetch_optional(c).await?);
        row.map_or(Ok(MessagingSettings::default()), |s| serde_json::from_str(&s).map_err(|e| corrupt("messaging settings", e)))
    }

    /// Stores the tenant's messaging settings.
    pub async fn save_messaging_settings(&mut self, tenant: TenantId, settings: &MessagingSettings) -> Result<()> {
        let json = serde_json::to_string(settings).map_err(|e| corrupt("messaging settings", e))?;
        dispatch!(self, c => sqlx::query(
            "INSERT INTO tenant_messaging (tenant_id, settings, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at")
            .bind(tenant.0).bind(json).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(())
    }
}
