//! Messages to debtors: the outbox with its delivery evidence, resending a message in doubt, the
//! texts of every step per language and level (Tegoed's or the tenant's own, editable and
//! previewable), and the tenant's messaging settings.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::FieldProblem;
use domain::debtor::{Language, LanguageLevel};
use domain::dunning::policy::StepKind;
use domain::ids::DebtorId;
use domain::messaging::{MessageText, MessagingSettings};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use channels::texts::{TemplateKey, check, default_template, message_steps, render, sample_contexts};

use super::{PageParams, Paged};
use crate::App;
use crate::extract::{Body, Params, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_messages))
        .routes(routes!(resend_message))
        .routes(routes!(list_texts))
        .routes(routes!(get_text, save_text, reset_text))
        .routes(routes!(preview_text))
        .routes(routes!(get_settings, save_settings))
        .routes(routes!(create_payment_link))
        .routes(routes!(instalment_payment_links))
        .routes(routes!(create_portal_link))
        .routes(routes!(revoke_portal_links))
}

/// A link to a debtor's portal.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PortalLink {
    /// The link; whoever has it sees the debtor's open invoices, so it goes to the debtor only.
    url: String,
    /// When it stops working.
    #[schema(value_type = String, format = DateTime)]
    expires_at: jiff::Timestamp,
}

/// A link to the debtor's portal (every message carries one of its own). Needs `public_url`.
#[utoipa::path(post, path = "/debtors/{id}/portal-links", tag = "messages", params(("id" = i64, Path, description = "Debtor id")),
    responses((status = 201, body = PortalLink), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn create_portal_link(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<PortalLink>), ApiError> {
    let base = public_url(&app)?;
    let mut tx = app.db.write().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let link = channels::psp::new_link(channels::psp::LINK_DAYS).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.create_portal_token(tenant, DebtorId(id), &link.sha256, link.expires_at).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(PortalLink { url: format!("{base}/portal/{}", link.token), expires_at: link.expires_at })))
}

/// How many portal links were revoked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Revoked {
    /// Links that worked until now.
    revoked: u64,
}

/// Stop every portal link of a debtor (a link that reached someone else); new messages bring
/// new ones.
#[utoipa::path(post, path = "/debtors/{id}/portal-links/revoke", tag = "messages", params(("id" = i64, Path, description = "Debtor id")),
    responses((status = 200, body = Revoked), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn revoke_portal_links(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<Json<Revoked>, ApiError> {
    let mut tx = app.db.write().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    let revoked = tx.revoke_portal_tokens(tenant, DebtorId(id)).await?;
    tx.commit().await?;
    Ok(Json(Revoked { revoked }))
}

/// Tegoed's public address, which payment links need.
fn public_url(app: &App) -> Result<String, ApiError> {
    app.providers.as_ref().map(|p| p.public_url.trim_end_matches('/').to_string()).ok_or_else(|| {
        ApiError::Conflict(FieldProblem::new("public_url", "payment links need Tegoed's public address (public_url) in the configuration"))
    })
}

/// Stores a new link in `tx` and returns it as the debtor gets it.
async fn issue_link(
    tx: &mut store::Tx,
    base: &str,
    tenant: domain::ids::TenantId,
    debtor: DebtorId,
    invoices: &[domain::ids::InvoiceId],
    amount: Option<domain::money::Cents>,
) -> Result<PaymentLink, ApiError> {
    let link = channels::psp::new_link(channels::psp::LINK_DAYS).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.create_payment_link(tenant, debtor, invoices, amount, &link.sha256, link.expires_at).await?;
    Ok(PaymentLink {
        url: format!("{base}/pay/{}", link.token),
        expires_at: link.expires_at,
        invoice_ids: invoices.iter().map(|i| i.0).collect(),
        amount,
    })
}

/// The payment link of one instalment of an arrangement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct InstalmentLink {
    /// When the instalment is due.
    #[schema(value_type = String, format = Date)]
    due_on: jiff::civil::Date,
    /// What is still to pay of it, in cents.
    amount: i64,
    /// The link.
    #[serde(flatten)]
    link: PaymentLink,
}

/// A payment link for each instalment of an arrangement still to pay, for the amount still due
/// on it (payments on the arrangement's invoices count toward the earliest instalments).
#[utoipa::path(post, path = "/arrangements/{id}/payment-links", tag = "messages", params(("id" = i64, Path, description = "Arrangement id")),
    responses((status = 201, body = Vec<InstalmentLink>), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn instalment_payment_links(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Vec<InstalmentLink>>), ApiError> {
    let base = public_url(&app)?;
    let mut tx = app.db.write().await?;
    let a = tx.arrangement(tenant, id).await?.ok_or(ApiError::NotFound)?;
    if a.status != "active" {
        return Err(ApiError::Conflict(FieldProblem::new("status", format!("the arrangement is {}, not active", a.status))));
    }
    let mut covered = a.paid_since;
    let mut out = Vec::new();
    for i in &a.schedule.instalments {
        let paid = covered.min(i.amount);
        covered = covered - paid;
        let due = i.amount - paid;
        if due.is_positive() {
            let link = issue_link(&mut tx, &base, tenant, a.debtor_id, &a.invoice_ids, Some(due)).await?;
            out.push(InstalmentLink { due_on: i.due_on, amount: due.cents(), link });
        }
    }
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Which invoices a payment link pays.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewPaymentLink {
    /// The debtor's invoices it pays; all open ones when left out.
    #[serde(default)]
    invoice_ids: Option<Vec<i64>>,
}

/// A payment link to hand to a debtor.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PaymentLink {
    /// The link: it pays what is open on the invoices when the debtor opens it.
    url: String,
    /// When it stops working.
    #[schema(value_type = String, format = DateTime)]
    expires_at: jiff::Timestamp,
    /// The invoices it pays.
    invoice_ids: Vec<i64>,
    /// The amount it pays, in cents, when fixed (an instalment); else what is open when opened.
    #[schema(value_type = Option<i64>)]
    amount: Option<domain::money::Cents>,
}

/// A payment link for some or all of a debtor's open invoices (every message carries one of
/// its own). Needs `public_url` in the configuration.
#[utoipa::path(post, path = "/debtors/{id}/payment-links", tag = "messages", params(("id" = i64, Path, description = "Debtor id")),
    request_body = NewPaymentLink,
    responses((status = 201, body = PaymentLink), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn create_payment_link(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    body: Body<NewPaymentLink>,
) -> Result<(StatusCode, Json<PaymentLink>), ApiError> {
    let Some(base) = app.providers.as_ref().map(|p| p.public_url.trim_end_matches('/').to_string()) else {
        return Err(ApiError::Conflict(FieldProblem::new(
            "public_url",
            "payment links need Tegoed's public address (public_url) in the configuration",
        )));
    };
    let debtor = DebtorId(id);
    let mut tx = app.db.write().await?;
    tx.debtor(tenant, debtor).await?.ok_or(ApiError::NotFound)?;
    let invoices: Vec<domain::ids::InvoiceId> = match body.value.invoice_ids {
        Some(ids) => {
            let ids: Vec<domain::ids::InvoiceId> = ids.into_iter().map(domain::ids::InvoiceId).collect();
            let found = tx.invoices_by_id(tenant, &ids).await?;
            let mut problems = Vec::new();
            for (i, want) in ids.iter().enumerate() {
                match found.iter().find(|f| f.id == *want) {
                    Some(inv) if inv.debtor_id == debtor => {}
                    Some(_) => problems.push(FieldProblem::new(format!("invoice_ids[{i}]"), format!("invoice {want} is another debtor's"))),
                    None => problems.push(FieldProblem::new(format!("invoice_ids[{i}]"), format!("no invoice {want}"))),
                }
            }
            if ids.is_empty() {
                problems.push(FieldProblem::new("invoice_ids", "name at least one invoice, or leave it out for all open ones"));
            }
            ApiError::check(problems)?;
            ids
        }
        None => {
            let open = tx.open_invoices_of(tenant, debtor).await?;
            if open.is_empty() {
                return Err(ApiError::Conflict(FieldProblem::new("invoice_ids", "the debtor has no open invoice")));
            }
            open.into_iter().map(|(i, _)| i.id).collect()
        }
    };
    let link = issue_link(&mut tx, &base, tenant, debtor, &invoices, None).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// One attempt to deliver a message.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Attempt {
    /// 1 for the first.
    attempt: i64,
    /// When it started.
    #[schema(value_type = String, format = DateTime)]
    started_at: jiff::Timestamp,
    /// When it ended.
    #[schema(value_type = Option<String>, format = DateTime)]
    finished_at: Option<jiff::Timestamp>,
    /// accepted, retry, failed, cancelled or in_doubt; absent while it runs.
    outcome: Option<String>,
    /// What the provider said, or what went wrong.
    detail: Option<String>,
}

/// A message to a debtor with its delivery evidence.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Message {
    /// Identifier.
    id: i64,
    /// The dunning action it carries out.
    action_id: i64,
    /// The debtor.
    debtor_id: i64,
    /// email, sms, whatsapp or letter.
    channel: String,
    /// pending, sending, sent, in_doubt (a worker stopped while sending it: it may have gone out),
    /// failed or cancelled.
    status: String,
    /// Address or number it went to.
    recipient: Option<String>,
    /// Subject as sent.
    subject: Option<String>,
    /// Text as sent.
    body: Option<String>,
    /// The id it travels under (the email's Message-ID).
    message_id: Option<String>,
    /// What the provider answered.
    provider_reply: Option<String>,
    /// When the provider took it.
    #[schema(value_type = Option<String>, format = DateTime)]
    sent_at: Option<jiff::Timestamp>,
    /// accepted, delivered, read, bounced or undeliverable.
    delivery: Option<String>,
    /// The last problem.
    last_error: Option<String>,
    /// The message whose channel failed, when this one takes over from it.
    fallback_of: Option<i64>,
    /// When it was queued.
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
    /// Every attempt, first first.
    attempts: Vec<Attempt>,
}

impl From<store::MessageRecord> for Message {
    fn from(m: store::MessageRecord) -> Self {
        Message {
            id: m.id,
            action_id: m.action_id,
            debtor_id: m.debtor_id.0,
            channel: m.channel,
            status: m.status,
            recipient: m.recipient,
            subject: m.subject,
            body: m.body,
            message_id: m.message_id,
            provider_reply: m.provider_reply,
            sent_at: m.sent_at,
            delivery: m.delivery,
            last_error: m.last_error,
            fallback_of: m.fallback_of,
            created_at: m.created_at,
            attempts: m
                .attempts
                .into_iter()
                .map(|a| Attempt {
                    attempt: a.attempt,
                    started_at: a.started_at,
                    finished_at: a.finished_at,
                    outcome: a.outcome,
                    detail: a.detail,
                })
                .collect(),
        }
    }
}

/// Filters of the message list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct MessageQuery {
    /// Only this debtor's.
    debtor_id: Option<i64>,
    /// pending, sending, sent, in_doubt, failed or cancelled.
    status: Option<String>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (1 to 500).
    limit: Option<u32>,
}

const STATUSES: [&str; 6] = ["pending", "sending", "sent", "in_doubt", "failed", "cancelled"];

/// Messages to debtors with what happened to each (`?status=in_doubt`: those a person must look at).
#[utoipa::path(get, path = "/messages", tag = "messages", params(MessageQuery),
    responses((status = 200, body = Paged<Message>), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn list_messages(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<MessageQuery>,
) -> Result<Json<Paged<Message>>, ApiError> {
    let page = PageParams { cursor: q.cursor, limit: q.limit }.page()?;
    if let Some(s) = q.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(ApiError::BadRequest(
            format!("status '{s}' is not one of {}", STATUSES.join(", ")),
            vec![FieldProblem::new("status", "unknown")],
        ));
    }
    let mut tx = app.db.read().await?;
    let items: Vec<Message> =
        tx.messages(tenant, q.debtor_id.map(DebtorId), q.status.as_deref(), page).await?.into_iter().map(Message::from).collect();
    tx.commit().await?;
    Ok(Json(Paged::new(items, page, |m| m.id)))
}

/// Send a message again: one in doubt (a worker stopped while sending it; check first that the
/// debtor did not get it), one that failed, or one that was cancelled.
#[utoipa::path(post, path = "/messages/{id}/resend", tag = "messages", params(("id" = i64, Path, description = "Message id")),
    responses((status = 202, description = "Queued to be sent again"), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn resend_message(State(app): State<App>, TenantKey(tenant): TenantKey, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    let mut tx = app.db.write().await?;
    if tx.resend_message(tenant, id).await? {
        tx.commit().await?;
        return Ok(StatusCode::ACCEPTED);
    }
    let known = tx.messages(tenant, None, None, store::Page { after: Some(id - 1), limit: 1 }).await?;
    match known.first().filter(|m| m.id == id) {
        Some(m) => Err(ApiError::Conflict(FieldProblem::new(
            "status",
            format!("the message is {}; only one in doubt, failed or cancelled is resent", m.status),
        ))),
        None => Err(ApiError::NotFound),
    }
}

/// The text of one step in one language and level, and whose it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Text {
    /// The step.
    step: StepKind,
    /// nl or en.
    language: Language,
    /// plain, standard or formal.
    level: LanguageLevel,
    /// tenant (the tenant's own) or default (Tegoed's).
    pub(crate) source: &'static str,
    /// The words.
    #[serde(flatten)]
    pub(crate) text: MessageText,
}

/// The text a tenant's messages of one step, language and level use: its own, or Tegoed's.
pub(crate) async fn text_of(app: &App, tenant: domain::ids::TenantId, key: TemplateKey) -> Result<Text, ApiError> {
    let mut tx = app.db.read().await?;
    let own = tx.message_template(tenant, key.step, key.language, key.level).await?;
    tx.commit().await?;
    let (source, text) = match own {
        Some(t) => ("tenant", t.text),
        None => ("default", default_template(key).cloned().ok_or(ApiError::NotFound)?),
    };
    Ok(Text { step: key.step, language: key.language, level: key.level, source, text })
}

/// Path parameters naming one text.
type TextPath = Path<(StepKind, Language, LanguageLevel)>;

fn key_of((step, language, level): (StepKind, Language, LanguageLevel)) -> Result<TemplateKey, ApiError> {
    if step == StepKind::CallTask {
        return Err(ApiError::NotFound);
    }
    Ok(TemplateKey { step, language, level })
}

/// Every step's text in every language and level, the tenant's own where it wrote one.
#[utoipa::path(get, path = "/message-texts", tag = "messages", responses((status = 200, body = Vec<Text>)), security(("api_key" = [])))]
async fn list_texts(State(app): State<App>, TenantKey(tenant): TenantKey) -> Result<Json<Vec<Text>>, ApiError> {
    let mut tx = app.db.read().await?;
    let own = tx.message_templates(tenant).await?;
    tx.commit().await?;
    let mut out = Vec::new();
    for step in message_steps() {
        for language in Language::ALL {
            for level in LanguageLevel::ALL {
                let key = TemplateKey { step, language: *language, level: *level };
                let mine = own.iter().find(|(s, l, v, _)| *s == step && l == language && v == level);
                let (source, text) = match mine {
                    Some((.., t)) => ("tenant", t.text.clone()),
                    None => ("default", default_template(key).cloned().ok_or(ApiError::NotFound)?),
                };
                out.push(Text { step, language: *language, level: *level, source, text });
            }
        }
    }
    Ok(Json(out))
}

/// One step's text in one language and level.
#[utoipa::path(get, path = "/message-texts/{step}/{language}/{level}", tag = "messages",
    params(("step" = StepKind, Path, description = "Step kind"), ("language" = Language, Path, description = "nl or en"),
        ("level" = LanguageLevel, Path, description = "plain, standard or formal")),
    responses((status = 200, body = Text), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn get_text(State(app): State<App>, TenantKey(tenant): TenantKey, path: TextPath) -> Result<Json<Text>, ApiError> {
    let key = key_of(path.0)?;
    Ok(Json(text_of(&app, tenant, key).await?))
}

pub(crate) fn problems_of(text: &MessageText, key: TemplateKey) -> Vec<FieldProblem> {
    check(text, key.step, key.language, key.level).into_iter().map(|e| FieldProblem::new(e.part, e.message)).collect()
}

/// Write the tenant's own text. It must fill in for every kind of message (one invoice or
/// several, with or without a payment link, a contact person or costs); the SMS must stay
/// within 160 characters; a 14-day letter must carry the sentences the law requires
/// (`{% for s in legal %}{{ s }}{% endfor %}`). Variables: tenant.name, tenant.iban,
/// debtor.name, debtor.addressee, invoices (number, issued, due, open, reference), total,
/// pay_by, reference, remittance, payment_link, portal_link, desk (name, phone, email, hours),
/// costs (total, costs, vat), legal, qr; blocks.invoices, blocks.pay, blocks.help,
/// blocks.contact.
#[utoipa::path(put, path = "/message-texts/{step}/{language}/{level}", tag = "messages",
    params(("step" = StepKind, Path, description = "Step kind"), ("language" = Language, Path, description = "nl or en"),
        ("level" = LanguageLevel, Path, description = "plain, standard or formal")),
    request_body = MessageText,
    responses((status = 200, body = Text), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn save_text(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    path: TextPath,
    body: Body<MessageText>,
) -> Result<Json<Text>, ApiError> {
    let key = key_of(path.0)?;
    ApiError::check(problems_of(&body.value, key))?;
    let mut tx = app.db.write().await?;
    tx.save_message_template(tenant, key.step, key.language, key.level, &body.value).await?;
    tx.commit().await?;
    Ok(Json(Text { step: key.step, language: key.language, level: key.level, source: "tenant", text: body.value }))
}

/// Drop the tenant's own text: Tegoed's default applies again.
#[utoipa::path(delete, path = "/message-texts/{step}/{language}/{level}", tag = "messages",
    params(("step" = StepKind, Path, description = "Step kind"), ("language" = Language, Path, description = "nl or en"),
        ("level" = LanguageLevel, Path, description = "plain, standard or formal")),
    responses((status = 204, description = "The default applies again"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn reset_text(State(app): State<App>, TenantKey(tenant): TenantKey, path: TextPath) -> Result<StatusCode, ApiError> {
    let key = key_of(path.0)?;
    let mut tx = app.db.write().await?;
    let removed = tx.delete_message_template(tenant, key.step, key.language, key.level).await?;
    tx.commit().await?;
    if removed { Ok(StatusCode::NO_CONTENT) } else { Err(ApiError::NotFound) }
}

/// A text filled in with example data, as a debtor would get it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Preview {
    /// Subject.
    subject: String,
    /// Plain text.
    text: String,
    /// HTML (the QR code as `cid:epc-qr`).
    html: String,
    /// SMS and WhatsApp text.
    sms: String,
    /// Its length in characters.
    sms_length: usize,
    /// What would stop the text from being stored.
    problems: Vec<FieldProblem>,
}

/// What to preview.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PreviewRequest {
    /// A text to try (not stored); without one, the stored one.
    #[serde(default)]
    text: Option<MessageText>,
}

/// Fill in a text with example data: the one given (not stored), or the stored one.
#[utoipa::path(post, path = "/message-texts/{step}/{language}/{level}/preview", tag = "messages",
    params(("step" = StepKind, Path, description = "Step kind"), ("language" = Language, Path, description = "nl or en"),
        ("level" = LanguageLevel, Path, description = "plain, standard or formal")),
    request_body = PreviewRequest,
    responses((status = 200, body = Preview), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn preview_text(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    path: TextPath,
    body: Body<PreviewRequest>,
) -> Result<Json<Preview>, ApiError> {
    let key = key_of(path.0)?;
    let text = match body.value.text {
        Some(t) => t,
        None => text_of(&app, tenant, key).await?.text,
    };
    let problems = problems_of(&text, key);
    let ctx = sample_contexts(key.step, key.language).remove(0);
    let r = render(&text, key.language, key.level, &ctx).map_err(|e| ApiError::field(e.part, e.message))?;
    Ok(Json(Preview { subject: r.subject, text: r.text, html: r.html, sms_length: r.sms.chars().count(), sms: r.sms, problems }))
}

/// The tenant's messaging settings: the person debtors can contact.
#[utoipa::path(get, path = "/messaging-settings", tag = "messages", responses((status = 200, body = MessagingSettings)), security(("api_key" = [])))]
async fn get_settings(State(app): State<App>, TenantKey(tenant): TenantKey) -> Result<Json<MessagingSettings>, ApiError> {
    let mut tx = app.db.read().await?;
    let s = tx.messaging_settings(tenant).await?;
    tx.commit().await?;
    Ok(Json(s))
}

/// Replace the tenant's messaging settings.
#[utoipa::path(put, path = "/messaging-settings", tag = "messages", request_body = MessagingSettings,
    responses((status = 200, body = MessagingSettings), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn save_settings(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    body: Body<MessagingSettings>,
) -> Result<Json<MessagingSettings>, ApiError> {
    ApiError::check(body.value.problems())?;
    let mut tx = app.db.write().await?;
    tx.save_messaging_settings(tenant, &body.value).await?;
    tx.commit().await?;
    Ok(Json(body.value))
}
