//! Messages to debtors: claiming outbox messages for delivery, recording each attempt as
//! evidence, falling back to the next channel, and the tenant's own texts and messaging settings.
//!
//! A message is claimed before anything goes out: its status becomes `sending`, its attempt
//! count goes up and an attempt row is started, committed together. The claim holds until
//! `next_attempt_at` (the lease); a worker that dies while holding it leaves the message to be
//! claimed again after the lease, and that new claim marks the earlier attempt `in_doubt`.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use domain::debtor::{Language, LanguageLevel};
use domain::dunning::policy::{Channel, StepKind};
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::messaging::MessagingSettings;
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
    /// The number of this attempt (1 for the first).
    pub attempt: i64,
    /// A worker held it before and stopped without saying how it went: it may have gone out.
    pub previous_in_doubt: bool,
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
    /// pending, sending, sent, failed or cancelled.
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
    /// Subject line (email, letter heading).
    pub subject: String,
    /// Body (email, letter).
    pub body: String,
    /// Short text (SMS, WhatsApp).
    pub sms: String,
    /// When it was last changed.
    pub updated_at: Timestamp,
}

fn channel(s: &str) -> Result<Channel> {
    Channel::parse(s).map_err(|e| corrupt("outbox channel", e))
}

impl Tx {
    /// Claims up to `limit` messages on the given channels that are due at `now` — waiting, or
    /// held by a worker whose lease ran out — for `lease`, oldest due first. Across tenants: a
    /// worker serves every tenant, and each claimed message names its own. On PostgreSQL rows
    /// another worker is claiming are skipped (`FOR UPDATE SKIP LOCKED`); SQLite's write lock
    /// lets one claim run at a time.
    pub async fn claim_messages(
        &mut self,
        channels: &[Channel],
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<ClaimedMessage>> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let list = channels.iter().map(|c| format!("'{}'", c.as_str())).collect::<Vec<_>>().join(", ");
        let lock = if self.backend() == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "SELECT id, tenant_id, action_id, channel, attempts, status FROM outbox \
             WHERE status IN ('pending', 'sending') AND next_attempt_at <= $1 AND channel IN ({list}) \
             ORDER BY next_attempt_at, id LIMIT $2{lock}"
        );
        let rows: Vec<(i64, i64, i64, String, i64, String)> =
            dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(Stamp(now)).bind(i64::from(limit)).fetch_all(c).await?);
        let until = Stamp(now.checked_add(lease).map_err(|e| corrupt("lease", e))?);
        let mut out = Vec::with_capacity(rows.len());
        for (id, tenant, action_id, ch, attempts, status) in rows {
            let attempt = attempts + 1;
            let previous_in_doubt = status == "sending";
            dispatch!(self, c => sqlx::query(
                "UPDATE outbox SET status = 'sending', attempts = $2, next_attempt_at = $3, claimed_until = $3 WHERE id = $1")
                .bind(id).bind(attempt).bind(until).execute(c).await?.rows_affected());
            if previous_in_doubt {
                dispatch!(self, c => sqlx::query(
                    "UPDATE message_attempts SET outcome = 'in_doubt', finished_at = $3, \
                     detail = 'the worker stopped during this attempt: whether the provider took the message is not known' \
                     WHERE outbox_id = $1 AND attempt = $2 AND outcome IS NULL")
                    .bind(id).bind(attempts).bind(Stamp(now)).execute(c).await?.rows_affected());
            }
            dispatch!(self, c => sqlx::query(
                "INSERT INTO message_attempts (tenant_id, outbox_id, attempt, started_at) VALUES ($1, $2, $3, $4)")
                .bind(tenant).bind(id).bind(attempt).bind(Stamp(now)).execute(c).await?.rows_affected());
            out.push(ClaimedMessage { id, tenant: TenantId(tenant), action_id, channel: channel(&ch)?, attempt, previous_in_doubt });
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

    /// Records how the current attempt of a claimed message ended. Only the holder of the
    /// attempt can record it: false when the message has moved on (another worker claimed it
    /// after the lease ran out), and nothing is changed then.
    pub async fn record_attempt(&mut self, m: &ClaimedMessage, outcome: &AttemptOutcome) -> Result<bool> {
        let now = Stamp::now();
        let (word, detail) = match outcome {
            AttemptOutcome::Accepted { reply, .. } => ("accepted", reply.clone()),
            AttemptOutcome::Retry { error, .. } => ("retry", error.clone()),
            AttemptOutcome::Failed { error, .. } => ("failed", error.clone()),
            AttemptOutcome::Cancelled { reason } => ("cancelled", reason.clone()),
        };
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE message_attempts SET outcome = $4, detail = $5, finished_at = $6 \
             WHERE tenant_id = $1 AND outbox_id = $2 AND attempt = $3 AND outcome IS NULL \
             AND EXISTS (SELECT 1 FROM outbox o WHERE o.id = $2 AND o.status = 'sending' AND o.attempts = $3)")
            .bind(m.tenant.0).bind(m.id).bind(m.attempt).bind(word).bind(detail).bind(now).execute(c).await?.rows_affected());
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
                match fallback {
                    Some(next) => {
                        dispatch!(self, c => sqlx::query(
                            "INSERT INTO outbox (tenant_id, action_id, channel, status, next_attempt_at, fallback_of, created_at) \
                             VALUES ($1, $2, $3, 'pending', $4, $5, $4) ON CONFLICT DO NOTHING")
                            .bind(m.tenant.0).bind(m.action_id).bind(next.as_str()).bind(now).bind(m.id).execute(c).await?.rows_affected());
                    }
                    None => {
                        // No channel left: the action lands on the worklist as unreachable.
                        dispatch!(self, c => sqlx::query("UPDATE dunning_actions SET status = 'unreachable' WHERE tenant_id = $1 AND id = $2")
                            .bind(m.tenant.0).bind(m.action_id).execute(c).await?.rows_affected());
                    }
                }
            }
            AttemptOutcome::Cancelled { reason } => {
                dispatch!(self, c => sqlx::query(
                    "UPDATE outbox SET status = 'cancelled', claimed_until = NULL, last_error = $2 WHERE id = $1")
                    .bind(m.id).bind(reason.clone()).execute(c).await?.rows_affected());
            }
        }
        Ok(true)
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
        let rows: Vec<(i64, Stamp, Option<Stamp>, Option<String>, Option<String>)> = dispatch!(self, c => sqlx::query_as(
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
        Ok(row.map(|(subject, body, sms, at)| StoredTemplate { subject, body, sms, updated_at: at.0 }))
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
                    StoredTemplate { subject, body, sms, updated_at: at.0 },
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
        subject: &str,
        body: &str,
        sms: &str,
    ) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "INSERT INTO message_templates (tenant_id, step_kind, language, level, subject, body, sms, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, step_kind, language, level) DO UPDATE SET \
             subject = excluded.subject, body = excluded.body, sms = excluded.sms, updated_at = excluded.updated_at")
            .bind(tenant.0).bind(step.as_str()).bind(language.as_str()).bind(level.as_str()).bind(subject.to_string())
            .bind(body.to_string()).bind(sms.to_string()).bind(Stamp::now()).execute(c).await?.rows_affected());
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
