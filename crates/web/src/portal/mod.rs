//! The debtor portal, reached by the link in every message (`/portal/{token}`) or, without one,
//! by an invoice number and postcode (`/portal`): the open invoices with any costs and interest,
//! how to pay all or some of them, a payment plan the debtor chooses, a promise, a dispute with
//! an attachment, "I can't pay", and contact preferences — in the debtor's language,
//! switchable, without any script.
//!
//! A link that does not work (unknown, expired, revoked) gets the same page whatever the reason,
//! so a guess tells nothing about who exists; an address that keeps guessing is refused for a
//! while ([`Guard`]). Every form carries a token only a page of that link has, and a form from
//! another origin is refused.

mod guard;
mod qr_codes;
mod words;

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;

use domain::dates::{add_days, written};
use domain::debtor::{DebtorKind, DigitalAffinity, Language};
use domain::dunning::agreement::{Frequency, Schedule};
use domain::dunning::policy::Channel;
use domain::ids::InvoiceId;
use domain::invoice::{Invoice, InvoiceStatus};
use domain::money::Cents;
pub use guard::Guard;
pub use qr_codes::QrCodes;

/// Seconds a refused address waits (the guard's window).
pub(crate) const GUARD_WINDOW_SECS: u64 = guard::WINDOW.as_secs();
use words::{HELP_EN, HELP_NL, REASONS, Words, words};

use crate::App;
use crate::forms::{Fields, same_origin};

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/portal", get(entry_page).post(enter))
        .route("/portal/{token}", get(overview))
        .route("/portal/{token}/pay", get(pay))
        .route("/portal/{token}/invoices/{number}", get(document))
        .route("/portal/{token}/arrangement", post(arrangement))
        .route("/portal/{token}/promise", post(promise))
        .route("/portal/{token}/dispute", post(dispute))
        .route("/portal/{token}/cant-pay", post(cant_pay))
        .route("/portal/{token}/preferences", post(preferences))
        .route("/portal.css", get(stylesheet))
}

/// The latest day a debtor can promise to pay by in the portal; later needs an arrangement.
const PROMISE_DAYS: i32 = 30;
/// The latest first instalment of a plan proposed in the portal, in days from today.
const PLAN_START_DAYS: i32 = 30;
/// Largest file a debtor can send with a dispute.
const MAX_ATTACHMENT: usize = 5 * 1024 * 1024;
/// Days a link made at the entry (invoice number and postcode) works.
const ENTRY_LINK_DAYS: i64 = 1;
/// Days the track holds while a person decides on a proposed plan.
const PROPOSAL_HOLD_DAYS: i32 = 14;

/// One open invoice on the page.
struct Row {
    /// Part of what the page asks to pay now.
    selected: bool,
    number: String,
    issued: String,
    due: String,
    open: String,
    /// Where its document downloads (the number as a path segment), when it has one.
    document: Option<String>,
}

/// A line of the costs and interest breakdown.
struct CostLine {
    label: String,
    amount: String,
}

/// Costs and interest claimed in messages that went out, with how they were reached.
struct CostsView {
    lines: Vec<CostLine>,
    total_with: String,
}

/// A payment plan the debtor is looking at.
struct PlanView {
    rows: Vec<(usize, String, String)>,
    total: String,
    /// It can be agreed at once.
    within: bool,
    /// The form that agrees it: shown until it is agreed or sent.
    confirm: bool,
    every: &'static str,
    amount: String,
    first: String,
}

/// A message at the top of the page after a form.
struct Notice {
    error: bool,
    lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct Overview {
    lang: &'static str,
    debtor_language: &'static str,
    prefers_letters: bool,
    token: String,
    csrf: String,
    today: String,
    latest: String,
    plan_latest: String,
    notice: Option<Notice>,
    t: Words,
    creditor: String,
    brand: Option<String>,
    debtor: String,
    invoices: Vec<Row>,
    total: String,
    costs: Option<CostsView>,
    iban: String,
    reference: String,
    qr_svg: String,
    /// Where "pay now" goes, with a payment provider.
    pay_href: Option<String>,
    plan: Option<PlanView>,
    /// A plan just agreed or sent for a decision.
    settled: Option<PlanView>,
    can_arrange: bool,
    plan_every: &'static str,
    plan_amount: String,
    plan_first: String,
    plan_limits: String,
    reasons: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str, bool)>,
    contact: String,
}

/// The entry for a debtor without a link.
#[derive(Template)]
#[template(path = "portal_entry.html")]
struct Entry {
    lang: &'static str,
    notice: Option<String>,
}

/// What the overview is asked to show besides the invoices.
#[derive(Default)]
struct View {
    lang: Option<String>,
    /// Invoice numbers ticked to pay now.
    selected: Vec<String>,
    /// A plan to show: how often, the amount as typed, the first day.
    plan: Option<(String, String, String)>,
    /// A plan just agreed or sent for a decision, shown on top without its form.
    settled: Option<PlanView>,
}

impl View {
    fn from_query(query: Option<&str>) -> View {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
        let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let plan = match (one("every"), one("amount"), one("first")) {
            (Some(e), Some(a), Some(f)) => Some((e, a, f)),
            _ => None,
        };
        View {
            lang: one("lang"),
            selected: pairs.iter().filter(|(k, _)| k == "select").map(|(_, v)| v.clone()).collect(),
            plan,
            settled: None,
        }
    }

    fn lang(lang: Option<&str>) -> View {
        View { lang: lang.map(str::to_string), ..View::default() }
    }
}

/// The stylesheet hash a page with the tenant's colour allows, and the style itself.
fn brand_style(colour: Option<&str>) -> Option<(String, String)> {
    use base64::Engine;
    use sha2::Digest;
    let colour = colour.filter(|c| domain::messaging::contrast_with_white(c).is_some())?;
    let style = format!(":root{{--brand:{colour}}}");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style.as_bytes()));
    Some((style, format!("'sha256-{hash}'")))
}

/// Headers of every portal page: no script may run, nothing is framed or cached, and the token
/// in the address is never sent to another site as a referrer. `style` allows the page's one inline style
/// (the tenant's colour) by its hash.
fn guarded(status: StatusCode, body: String, style: Option<&str>) -> Response {
    let mut r = (status, Html(body)).into_response();
    let h = r.headers_mut();
    let csp = format!(
        "default-src 'none'; style-src 'self'{}; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        style.map(|s| format!(" {s}")).unwrap_or_default()
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    // Same-origin: the token in the address never leaves for another site (the provider, a
    // link in a text), while the portal's own forms still carry their Origin (with no-referrer
    // browsers send `Origin: null` on a form post).
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn unavailable() -> Response {
    guarded(
        StatusCode::NOT_FOUND,
        "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Link werkt niet / Link does not work</title><link rel=\"stylesheet\" href=\"/portal.css\"></head><body><main>\
         <h1>Deze link werkt niet (meer)</h1><p>Gebruik de link uit uw nieuwste bericht, of <a href=\"/portal\">zoek uw rekening op met het factuurnummer en uw postcode</a>.</p>\
         <h1 lang=\"en\">This link does not work (any more)</h1><p lang=\"en\">Please use the link in your latest message, or <a href=\"/portal?lang=en\">find your bill by invoice number and postcode</a>.</p>\
         </main></body></html>\n"
            .to_string(),
        None,
    )
}

fn too_many() -> Response {
    let mut r = guarded(
        StatusCode::TOO_MANY_REQUESTS,
        "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Even wachten / Please wait</title><link rel=\"stylesheet\" href=\"/portal.css\"></head><body><main>\
         <h1>Te veel pogingen</h1><p>Probeer het over een kwartier opnieuw, of neem contact op met wie u het bericht stuurde.</p>\
         <h1 lang=\"en\">Too many tries</h1><p lang=\"en\">Please try again in a quarter of an hour, or contact the sender of your message.</p>\
         </main></body></html>\n"
            .to_string(),
        None,
    );
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(guard::WINDOW.as_secs()));
    r
}

/// A fault on our side: logged, and a bare 500 for the debtor.
fn failed(what: &str, e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "{what}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn notice(error: bool, lines: &[&str]) -> Option<Notice> {
    Some(Notice { error, lines: lines.iter().map(|l| (*l).to_string()).collect() })
}

fn chosen_language(lang: Option<&str>, default: Language) -> Language {
    match lang {
        Some("en") => Language::En,
        Some("nl") => Language::Nl,
        _ => default,
    }
}

/// The client address of a request, for the guard.
fn client(app: &App, headers: &HeaderMap, peer: Option<&axum::Extension<ConnectInfo<SocketAddr>>>) -> Option<IpAddr> {
    app.portal_guard.client(headers, peer.map(|p| &p.0))
}

/// Everything a portal page is made from.
struct Loaded {
    /// SHA-256 of the link's token, as stored.
    token_sha256: String,
    access: store::PortalAccess,
    tenant: domain::tenant::Tenant,
    debtor: domain::debtor::Debtor,
    /// Open invoices with something left to pay, oldest first.
    open: Vec<Invoice>,
    settings: domain::messaging::MessagingSettings,
    documented: Vec<InvoiceId>,
    claims: Vec<store::SentClaim>,
    /// Open invoices already in an active arrangement.
    arranged: Vec<InvoiceId>,
}

/// The portal behind a token that works; `None` for one that does not.
async fn load(app: &App, token: &str) -> Result<Option<Loaded>, Box<dyn std::error::Error + Send + Sync>> {
    let hash = channels::psp::link_token_hash(token);
    let mut tx = app.db.read().await?;
    let Some(access) = tx.portal_access(&hash).await? else { return Ok(None) };
    if access.revoked_at.is_some() || access.expires_at <= jiff::Timestamp::now() {
        return Ok(None);
    }
    let (Some(tenant), Some(debtor)) = (tx.tenant(access.tenant).await?, tx.debtor(access.tenant, access.debtor_id).await?) else {
        return Ok(None);
    };
    let filter = store::InvoiceFilter { status: Some(InvoiceStatus::Open), debtor_id: Some(access.debtor_id), ..Default::default() };
    let mut open: Vec<Invoice> =
        tx.invoices(access.tenant, &filter, store::Page::first(5_000)).await?.into_iter().filter(|i| i.outstanding.is_positive()).collect();
    open.sort_by_key(|i| (i.due_date, i.id));
    let settings = tx.messaging_settings(access.tenant).await?;
    let store::InvoiceMarks { documented, arranged, claims } = tx.invoice_marks(access.tenant, access.debtor_id).await?;
    tx.commit().await?;
    Ok(Some(Loaded { token_sha256: hash, access, tenant, debtor, open, settings, documented, claims, arranged }))
}

/// An amount as a debtor types it: `50`, `25,50`, `€ 25.50`.
fn typed_amount(s: &str) -> Option<Cents> {
    Cents::parse(s).ok().filter(|c| c.is_positive())
}

impl Loaded {
    /// Whether the debtor may choose this channel as the one they prefer: email or SMS when a
    /// contact has an address or number, WhatsApp only with consent (as the planner sees it).
    fn can_prefer(&self, c: Channel) -> bool {
        let reach = domain::dunning::planner::DebtorProfile::from(&self.debtor);
        match c {
            Channel::Email => reach.has_email,
            Channel::Sms => reach.has_phone,
            Channel::Whatsapp => reach.whatsapp_opt_in,
            Channel::Letter | Channel::Phone => false,
        }
    }

    /// What a plan can cover: open invoices in no arrangement yet, and what is open on them.
    fn arrangeable(&self) -> (Vec<InvoiceId>, Cents) {
        let free: Vec<&Invoice> = self.open.iter().filter(|i| !self.arranged.contains(&i.id)).collect();
        (free.iter().map(|i| i.id).collect(), free.iter().map(|i| i.outstanding).sum())
    }

    /// The plan for how often, how much and from when, or the words of why it cannot be.
    fn plan(&self, every: &str, amount: &str, first: &str, t: &Words) -> Result<(Schedule, Frequency, Cents, Date), &'static str> {
        let frequency = Frequency::parse(every).unwrap_or(Frequency::Monthly);
        let amount = typed_amount(amount).ok_or(t.plan_bad_amount)?;
        let today = crate::today();
        let first = first.parse::<Date>().ok().filter(|d| *d >= today && *d <= add_days(today, PLAN_START_DAYS)).ok_or(t.plan_bad_date)?;
        let (_, owed) = self.arrangeable();
        if !owed.is_positive() {
            return Err(t.plan_nothing);
        }
        let schedule = Schedule::of_amount(owed, first, frequency, amount).ok_or(t.plan_too_many)?;
        Ok((schedule, frequency, amount, first))
    }

    /// The costs and interest claimed in messages that went out, on what is open now.
    fn costs(&self, language: Language, today: Date) -> Option<CostsView> {
        use domain::law::nl::collection_costs::{Agreement, Debtor as CostsDebtor, collection_costs};
        use domain::law::nl::interest::{Claim, Convention, statutory_interest};
        use domain::law::nl::rates::InterestKind;
        let claimed = |costs: bool| -> Vec<&Invoice> {
            self.open
                .iter()
                .filter(|i| {
                    self.claims
                        .iter()
                        .any(|c| (if costs { c.adds_collection_costs } else { c.starts_interest }) && c.invoice_ids.contains(&i.id))
                })
                .collect()
        };
        let (with_costs, with_interest) = (claimed(true), claimed(false));
        if with_costs.is_empty() && with_interest.is_empty() {
            return None;
        }
        let mut lines = Vec::new();
        let mut extra = Cents::ZERO;
        if !with_costs.is_empty() {
            // Claimed as the message claimed them (channels::compose): the statutory scale.
            let who = match self.debtor.kind {
                DebtorKind::Consumer => CostsDebtor::Consumer,
                DebtorKind::Business => CostsDebtor::Business(Agreement::Staffel),
            };
            let principal: Cents = with_costs.iter().map(|i| i.outstanding).sum();
            let c = collection_costs(principal, who, self.tenant.can_deduct_vat);
            let how = match (c.basis, language) {
                ("minimum", Language::Nl) => "het wettelijke minimum van € 40,00".to_string(),
                ("minimum", Language::En) => "the statutory minimum of € 40.00".to_string(),
                ("maximum", Language::Nl) => "het wettelijke maximum van € 6.775,00".to_string(),
                ("maximum", Language::En) => "the statutory maximum of € 6,775.00".to_string(),
                _ => c
                    .bands
                    .iter()
                    .map(|b| {
                        let base = b.base.parse::<Cents>().map_or_else(|_| b.base.clone(), |v| v.written(language));
                        let rate = if language == Language::Nl { b.rate.replace('.', ",") } else { b.rate.clone() };
                        match language {
                            Language::Nl => format!("{rate}% over {base}"),
                            Language::En => format!("{rate}% of {base}"),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" + "),
            };
            let t = words(language);
            let over = match language {
                Language::Nl => format!("{} over {} ({how})", t.collection_costs, principal.written(language)),
                Language::En => format!("{} on {} ({how})", t.collection_costs, principal.written(language)),
            };
            lines.push(CostLine { label: over, amount: c.costs.written(language) });
            if c.vat.is_positive() {
                lines.push(CostLine { label: format!("{} (21%)", t.costs_vat), amount: c.vat.written(language) });
            }
            extra = extra + c.total;
        }
        let kind = match self.debtor.kind {
            DebtorKind::Consumer => InterestKind::Consumer,
            DebtorKind::Business => InterestKind::Commercial,
        };
        let t = words(language);
        for inv in with_interest {
            let claim = Claim { kind, principal: inv.outstanding, from: inv.due_date, to: today, costs: Cents::ZERO, payments: Vec::new() };
            match statutory_interest(&claim, Convention::default()) {
                Ok(s) if s.interest.is_positive() => {
                    let rates: Vec<String> =
                        s.periods.iter().map(|p| p.rate.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
                    let rates =
                        rates.iter().map(|r| if language == Language::Nl { r.replace('.', ",") } else { r.clone() }).collect::<Vec<_>>();
                    lines.push(CostLine {
                        label: format!(
                            "{} {} ({} {}, {}%)",
                            t.interest_on,
                            inv.number,
                            t.interest_since,
                            written(add_days(inv.due_date, 1), language),
                            rates.join("/")
                        ),
                        amount: s.interest.written(language),
                    });
                    extra = extra + s.interest;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, invoice = inv.number, "portal: no interest worked out"),
            }
        }
        if lines.is_empty() {
            return None;
        }
        let open: Cents = self.open.iter().map(|i| i.outstanding).sum();
        Some(CostsView { lines, total_with: (open + extra).written(language) })
    }
}

async fn overview(
    State(app): State<App>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    let ip = client(&app, &headers, peer.as_ref());
    if app.portal_guard.refused(ip) {
        return too_many();
    }
    let view = View::from_query(query.as_deref());
    match load(&app, &token).await {
        Ok(Some(l)) => page(&app, &token, &l, view, None, StatusCode::OK),
        Ok(None) => {
            app.portal_guard.miss(ip);
            unavailable()
        }
        Err(e) => failed("portal page", &e),
    }
}

/// Loads the portal again and shows it with a notice (after a form).
async fn respond(app: &App, token: &str, view: View, notice: Option<Notice>) -> Response {
    let status = if notice.as_ref().is_some_and(|n| n.error) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    match load(app, token).await {
        Ok(Some(l)) => page(app, token, &l, view, notice, status),
        Ok(None) => unavailable(),
        Err(e) => failed("portal page", &e),
    }
}

/// The overview page.
fn page(app: &App, token: &str, l: &Loaded, view: View, mut notice: Option<Notice>, status: StatusCode) -> Response {
    match render(app, token, l, view, &mut notice) {
        Ok((body, style)) => guarded(status, body, style.as_deref()),
        Err(e) => failed("portal page", &e),
    }
}

fn render(
    app: &App,
    token: &str,
    l: &Loaded,
    view: View,
    notice: &mut Option<Notice>,
) -> Result<(String, Option<String>), Box<dyn std::error::Error + Send + Sync>> {
    let language = chosen_language(view.lang.as_deref(), l.debtor.language);
    let t = words(language);
    let today = crate::today();
    let all = &l.open;
    // What to pay now: the ticked invoices, or all when none (or none that is open) is ticked.
    let selected = &view.selected;
    let none_valid = !all.iter().any(|i| selected.contains(&i.number));
    let chosen = |number: &str| selected.is_empty() || none_valid || selected.iter().any(|s| s == number);
    let open: Vec<&Invoice> = all.iter().filter(|i| chosen(&i.number)).collect();
    let total: Cents = open.iter().map(|i| i.outstanding).sum();
    let rows = all
        .iter()
        .map(|i| Row {
            selected: chosen(&i.number),
            number: i.number.clone(),
            issued: written(i.issue_date, language),
            due: written(i.due_date, language),
            open: i.outstanding.written(language),
            document: l.documented.contains(&i.id).then(|| path_segment(&i.number)),
        })
        .collect();
    let mut qr_svg = String::new();
    if total.is_positive() {
        let payload = formats::epc_qr::encode(&channels::compose::transfer(&l.tenant, total, &open, language))?;
        let title = match language {
            Language::Nl => format!("QR-code: betaal {} aan {}", total.written(language), l.tenant.legal_name),
            Language::En => format!("QR code: pay {} to {}", total.written(language), l.tenant.legal_name),
        };
        qr_svg = app.portal_qr_codes.qr_svg(&payload, &title)?;
    }
    let contact = match (&l.settings.desk, language) {
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
        (None, Language::Nl) => format!("Neem contact op met {}.", l.tenant.legal_name),
        (None, Language::En) => format!("Please contact {}.", l.tenant.legal_name),
    };
    // A plan the debtor asked to see.
    let (_, owed) = l.arrangeable();
    let limits = l.settings.arrangements;
    let mut plan = None;
    let (mut plan_every, mut plan_amount, mut plan_first) =
        ("monthly", String::new(), add_days(today, 7).min(add_days(today, PLAN_START_DAYS)).to_string());
    if let Some((every, amount, first)) = &view.plan {
        plan_amount.clone_from(amount);
        plan_first.clone_from(first);
        plan_every = if every == "weekly" { "weekly" } else { "monthly" };
        match l.plan(every, amount, first, &t) {
            Ok((schedule, frequency, amount, first)) => {
                plan = Some(plan_view(&schedule, limits.beyond(&schedule).is_empty(), frequency, amount, first, language, true))
            }
            Err(why) => *notice = notice_error(notice.take(), why),
        }
    }
    let plan_limits = match language {
        Language::Nl => format!(
            "Open zonder regeling: {}. Direct afgesproken: vanaf {} per keer, in hoogstens {} maanden.",
            owed.written(language),
            limits.min_instalment.written(language),
            limits.max_months
        ),
        Language::En => format!(
            "Open without a plan: {}. Agreed at once: from {} each time, within {} months.",
            owed.written(language),
            limits.min_instalment.written(language),
            limits.max_months
        ),
    };
    let channels =
        [(Channel::Email, "E-mail", "Email"), (Channel::Sms, "SMS", "Text message (SMS)"), (Channel::Whatsapp, "WhatsApp", "WhatsApp")]
            .into_iter()
            .filter(|(c, _, _)| l.can_prefer(*c))
            .map(|(c, nl, en)| (c.as_str(), if language == Language::Nl { nl } else { en }, l.debtor.preferred_channel == Some(c)))
            .collect();
    let brand = brand_style(l.settings.brand_colour.as_deref());
    let page = Overview {
        lang: language.as_str(),
        debtor_language: l.debtor.language.as_str(),
        prefers_letters: l.debtor.digital_affinity == DigitalAffinity::Offline,
        token: token.to_string(),
        csrf: csrf_for(&l.token_sha256),
        today: today.to_string(),
        latest: add_days(today, PROMISE_DAYS).to_string(),
        plan_latest: add_days(today, PLAN_START_DAYS).to_string(),
        notice: notice.take(),
        creditor: l.tenant.legal_name.clone(),
        brand: brand.as_ref().map(|(s, _)| s.clone()),
        debtor: l.debtor.contacts.first().map_or(l.debtor.name.clone(), |c| c.name.clone()),
        invoices: rows,
        total: total.written(language),
        costs: l.costs(language, today),
        iban: l.tenant.iban.grouped(),
        reference: channels::compose::single_reference(&open).unwrap_or_else(|| channels::compose::remittance_text(&open, language)),
        qr_svg,
        pay_href: (app.providers.as_ref().is_some_and(|p| p.mollie.is_some()) && total.is_positive()).then(|| {
            let query: String =
                form_urlencoded::Serializer::new(String::new()).extend_pairs(open.iter().map(|i| ("select", i.number.as_str()))).finish();
            format!("/portal/{token}/pay?{query}")
        }),
        plan,
        settled: view.settled,
        can_arrange: owed.is_positive(),
        plan_every,
        plan_amount,
        plan_first,
        plan_limits,
        reasons: REASONS.iter().map(|(k, nl, en)| (*k, if language == Language::Nl { *nl } else { *en })).collect(),
        channels,
        contact,
        t,
    };
    Ok((page.render()?, brand.map(|(_, hash)| hash)))
}

/// Text as one percent-encoded path segment (RFC 3986 §2.3: only unreserved characters stay).
fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn notice_error(before: Option<Notice>, why: &str) -> Option<Notice> {
    let mut n = before.unwrap_or(Notice { error: true, lines: Vec::new() });
    n.error = true;
    n.lines.push(why.to_string());
    Some(n)
}

fn plan_view(s: &Schedule, within: bool, f: Frequency, amount: Cents, first: Date, language: Language, confirm: bool) -> PlanView {
    PlanView {
        rows: s.instalments.iter().enumerate().map(|(n, i)| (n + 1, written(i.due_on, language), i.amount.written(language))).collect(),
        total: s.total().written(language),
        within,
        confirm,
        every: f.as_str(),
        amount: amount.to_string(),
        first: first.to_string(),
    }
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], include_str!("portal.css"))
        .into_response()
}

/// The form token of a portal: derived from the (secret) portal token, so only a page served
/// for that token can carry it; a form posted from another site has neither.
fn csrf_for(token_sha256: &str) -> String {
    channels::psp::link_token_hash(&format!("tegoed-portal-form:{token_sha256}"))
}

/// The fields of a posted form, in order (a name may come more than once).
fn forbidden() -> Response {
    guarded(
        StatusCode::FORBIDDEN,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>403</title></head><body><p>Dit formulier is verlopen. / This form has expired.</p></body></html>\n".to_string(),
        None,
    )
}

/// The checks every form passes: the page's own form token, no other site as its origin, and a
/// portal link that works. The portal on success; else the answer to give.
async fn accepted(app: &App, token: &str, headers: &HeaderMap, fields: &Fields) -> Result<Loaded, Response> {
    let expected = csrf_for(&channels::psp::link_token_hash(token));
    let sent = fields.get("csrf").unwrap_or_default();
    let same = expected.len() == sent.len() && expected.bytes().zip(sent.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if !same_origin(app, headers) || !same {
        return Err(forbidden());
    }
    match load(app, token).await {
        Ok(Some(l)) => Ok(l),
        Ok(None) => Err(unavailable()),
        Err(e) => Err(failed("portal form", &e)),
    }
}

/// A portal form that passed [`accepted`]: the link's token, the page's language (`?lang=`),
/// the fields, a file sent with it (multipart forms), and the portal it was sent from.
struct PortalForm {
    token: String,
    lang: Option<String>,
    fields: Fields,
    /// The file's name and content, when one was chosen.
    file: Option<(String, Vec<u8>)>,
    portal: Loaded,
}

impl PortalForm {
    /// The language the answer is in.
    fn language(&self) -> Language {
        chosen_language(self.lang.as_deref(), self.portal.debtor.language)
    }

    /// The overview again, with a notice on top.
    async fn answer(&self, app: &App, error: bool, lines: &[&str]) -> Response {
        respond(app, &self.token, View::lang(self.lang.as_deref()), notice(error, lines)).await
    }
}

impl axum::extract::FromRequest<App> for PortalForm {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, app: &App) -> Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let Path(token) = Path::<String>::from_request_parts(&mut parts, app).await.map_err(IntoResponse::into_response)?;
        let body =
            axum::body::to_bytes(body, MAX_ATTACHMENT + 64 * 1024).await.map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        // The dispute form sends multipart (for its file); the others a plain form.
        let (fields, file) = crate::forms::read(content_type, &body).ok_or_else(|| StatusCode::BAD_REQUEST.into_response())?;
        let portal = accepted(app, &token, &parts.headers, &fields).await?;
        Ok(PortalForm { token, lang: lang_of(parts.uri.query()), fields, file, portal })
    }
}

/// The language a form answers in: the page's (`?lang=`), else the debtor's.
fn lang_of(query: Option<&str>) -> Option<String> {
    View::from_query(query).lang
}

/// Pay now: a payment link for the ticked invoices (or all), opened at once. A link (GET), not
/// a form: the provider's checkout is on another origin, and the page's `form-action 'self'`
/// would stop a form from being redirected there. It makes a payment link of the debtor's own
/// and moves no money, so it needs no form token.
async fn pay(State(app): State<App>, Path(token): Path<String>, RawQuery(query): RawQuery) -> Response {
    let l = match load(&app, &token).await {
        Ok(Some(l)) => l,
        Ok(None) => return unavailable(),
        Err(e) => return failed("portal payment link", &e),
    };
    let selected = View::from_query(query.as_deref()).selected;
    let Some(p) = app.providers.as_ref().filter(|p| p.mollie.is_some()) else { return unavailable() };
    let mut ids: Vec<InvoiceId> = l.open.iter().filter(|i| selected.contains(&i.number)).map(|i| i.id).collect();
    if ids.is_empty() {
        ids = l.open.iter().map(|i| i.id).collect();
    }
    if ids.is_empty() {
        return respond(&app, &token, View::default(), None).await;
    }
    let made = async {
        let link = channels::psp::new_link(1)?;
        let mut tx = app.db.write().await?;
        tx.create_payment_link(l.access.tenant, l.access.debtor_id, &ids, None, &link.sha256, link.expires_at).await?;
        tx.commit().await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(link.token)
    };
    match made.await {
        Ok(t) => Redirect::to(&format!("{}/pay/{t}", p.public_url.trim_end_matches('/'))).into_response(),
        Err(e) => failed("portal payment link", &e),
    }
}

/// An invoice's document, as the tenant uploaded it.
async fn document(State(app): State<App>, Path((token, number)): Path<(String, String)>) -> Response {
    let l = match load(&app, &token).await {
        Ok(Some(l)) => l,
        Ok(None) => return unavailable(),
        Err(e) => return failed("portal document", &e),
    };
    let found = async {
        let mut tx = app.db.read().await?;
        let inv = tx.invoice_by_number(l.access.tenant, &number).await?.filter(|i| i.debtor_id == l.access.debtor_id);
        let doc = match inv {
            Some(i) => tx.invoice_documents(l.access.tenant, &[i.id]).await?.pop(),
            None => None,
        };
        tx.commit().await?;
        Ok::<_, store::StoreError>(doc)
    };
    match found.await {
        Ok(Some(doc)) => {
            let name: String = doc.file_name.chars().filter(|c| c.is_ascii_alphanumeric() || "-_. ".contains(*c)).collect();
            let mut r = ([(header::CONTENT_TYPE, "application/pdf")], doc.content).into_response();
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            r
        }
        Ok(None) => unavailable(),
        Err(e) => failed("portal document", &e),
    }
}

/// A payment plan the debtor chose: agreed at once within the tenant's limits, otherwise sent
/// to a person (and the track waits meanwhile).
async fn arrangement(State(app): State<App>, form: PortalForm) -> Response {
    let (language, l, f) = (form.language(), &form.portal, &form.fields);
    let t = words(language);
    let (every, amount, first) =
        (f.get("every").unwrap_or_default(), f.get("amount").unwrap_or_default(), f.get("first").unwrap_or_default());
    let (schedule, frequency, per, first_on) = match l.plan(every, amount, first, &t) {
        Ok(p) => p,
        Err(why) => return form.answer(&app, true, &[why]).await,
    };
    let beyond = l.settings.arrangements.beyond(&schedule);
    let (ids, _) = l.arrangeable();
    let (tenant, debtor) = (l.access.tenant, l.access.debtor_id);
    let today = crate::today();
    let summary = format!("{} × {} {}, {} in all", schedule.instalments.len(), per, frequency.as_str(), schedule.total());
    let stored = async {
        let mut tx = app.db.write().await?;
        let agreed = if beyond.is_empty() {
            match ledger::arrangements::agree(&mut tx, tenant, debtor, &ids, &schedule, Some("in het portaal / in the portal"), today)
                .await?
            {
                Ok(_) => {
                    tx.add_portal_event(tenant, debtor, "arrangement", &summary).await?;
                    true
                }
                // The invoices changed under the debtor's hands; the page shows what is open now.
                Err(_) => return Ok(None),
            }
        } else {
            let why = beyond.iter().map(|b| b.describe()).collect::<Vec<_>>().join("; ");
            let hold = tx
                .add_pause(
                    tenant,
                    debtor,
                    None,
                    "hold",
                    Some(add_days(today, PROPOSAL_HOLD_DAYS)),
                    None,
                    "betalingsregeling voorgesteld / payment plan proposed",
                )
                .await?;
            tx.add_arrangement_proposal(tenant, debtor, &ids, &schedule, frequency, &why, Some(hold)).await?;
            tx.add_portal_event(tenant, debtor, "arrangement_proposed", &format!("{summary}; {why}")).await?;
            false
        };
        tx.commit().await?;
        Ok::<_, store::StoreError>(Some(agreed))
    };
    match stored.await {
        Ok(Some(agreed)) => {
            // The agreed or proposed plan stays on the page, without its form.
            let settled = plan_view(&schedule, agreed, frequency, per, first_on, language, false);
            let view = View { settled: Some(settled), ..View::lang(form.lang.as_deref()) };
            respond(&app, &form.token, view, notice(false, &[if agreed { t.plan_agreed } else { t.plan_sent }])).await
        }
        Ok(None) => form.answer(&app, true, &[t.plan_nothing]).await,
        Err(e) => failed("portal arrangement", &e),
    }
}

/// A promise to pay by a date: the track waits until then (and three days' grace).
async fn promise(State(app): State<App>, form: PortalForm) -> Response {
    let (t, l) = (words(form.language()), &form.portal);
    let today = crate::today();
    let date = form.fields.get("date").and_then(|d| d.parse::<Date>().ok());
    let Some(date) = date.filter(|d| *d >= today && *d <= add_days(today, PROMISE_DAYS)) else {
        return form.answer(&app, true, &[t.bad_date]).await;
    };
    let open: Cents = l.open.iter().map(|i| i.outstanding).sum();
    let stored = async {
        let mut tx = app.db.write().await?;
        let amount = open.is_positive().then_some(open);
        tx.add_pause(
            l.access.tenant,
            l.access.debtor_id,
            None,
            "promise",
            Some(date),
            amount,
            "beloofd in het portaal / promised in the portal",
        )
        .await?;
        tx.commit().await
    };
    match stored.await {
        Ok(()) => form.answer(&app, false, &[t.promised]).await,
        Err(e) => failed("portal promise", &e),
    }
}

/// What a file sent with a dispute is, by its first bytes: PDF, PNG or JPEG, nothing else.
fn attachment_type(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// A file name as it may be stored and shown: the last part of a path, printable, at most 100
/// characters.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control() && !"\"<>|:*?".contains(*c)).take(100).collect();
    if clean.trim().is_empty() { "bijlage".to_string() } else { clean.trim().to_string() }
}

/// A dispute of one invoice, with a text and optionally a file: its reminders stop at once,
/// and a person looks at it.
async fn dispute(State(app): State<App>, form: PortalForm) -> Response {
    let (t, l, fields) = (words(form.language()), &form.portal, &form.fields);
    let text = fields.text("text");
    if text.is_empty() {
        return form.answer(&app, true, &[t.no_text]).await;
    }
    let file = match &form.file {
        None => None,
        Some((name, content)) => match attachment_type(content) {
            Some(kind) if content.len() <= MAX_ATTACHMENT => Some((clean_file_name(name), kind, content)),
            _ => return form.answer(&app, true, &[t.bad_file]).await,
        },
    };
    let number = fields.get("invoice").unwrap_or_default().to_string();
    let Some(inv) = l.open.iter().find(|i| i.number == number) else {
        return form.answer(&app, true, &[t.no_text]).await;
    };
    let stored = async {
        let mut tx = app.db.write().await?;
        let pause = tx
            .add_pause(
                l.access.tenant,
                l.access.debtor_id,
                Some(inv.id),
                "dispute",
                None,
                None,
                &format!("via het portaal / in the portal: {text}"),
            )
            .await?;
        if let Some((name, kind, content)) = &file {
            use sha2::Digest;
            let sha = crate::keys::hex(&sha2::Sha256::digest(content));
            let id = tx.add_dispute_attachment(l.access.tenant, l.access.debtor_id, pause, name, kind, content, &sha).await?;
            let detail = format!("{name} ({kind}, {} bytes) with the dispute of invoice {}; file {id}", content.len(), inv.number);
            tx.add_portal_event(l.access.tenant, l.access.debtor_id, "dispute_file", &detail).await?;
        }
        tx.commit().await
    };
    match stored.await {
        Ok(()) => form.answer(&app, false, &[t.disputed]).await,
        Err(e) => failed("portal dispute", &e),
    }
}

/// "I can't pay": thanks, the track waits 30 days, the file is flagged for a person with the
/// reason, and the page names where free help is.
async fn cant_pay(State(app): State<App>, form: PortalForm) -> Response {
    let (language, l, fields) = (form.language(), &form.portal, &form.fields);
    let text = fields.text("text");
    let reason = REASONS.iter().find(|(k, _, _)| Some(*k) == fields.get("reason"));
    let today = crate::today();
    let mut note = "kan niet betalen (portaal) / can't pay (portal)".to_string();
    if let Some((k, _, en)) = reason {
        note.push_str(&format!(" [{k}: {en}]"));
    }
    if !text.is_empty() {
        note.push_str(&format!(": {text}"));
    }
    let stored = async {
        let mut tx = app.db.write().await?;
        tx.add_pause(l.access.tenant, l.access.debtor_id, None, "hold", Some(add_days(today, 30)), None, &note).await?;
        tx.set_flag(l.access.tenant, l.access.debtor_id, domain::dunning::planner::Flag::CantPay, today, Some(&note)).await?;
        tx.add_portal_event(l.access.tenant, l.access.debtor_id, "cant_pay", &note).await?;
        tx.commit().await
    };
    match stored.await {
        Ok(()) => {
            let lines: &[&str] = if language == Language::Nl { &HELP_NL } else { &HELP_EN };
            form.answer(&app, false, lines).await
        }
        Err(e) => failed("portal can't pay", &e),
    }
}

/// The debtor's own choices: the language of messages, the channel they prefer, and letters by
/// post instead of email and texts (the planner then gives the track for the hardly online).
async fn preferences(State(app): State<App>, form: PortalForm) -> Response {
    let (l, fields) = (&form.portal, &form.fields);
    let language = if fields.get("language") == Some("en") { Language::En } else { Language::Nl };
    let letters = fields.get("letters") == Some("yes");
    let channel = fields.get("channel").and_then(|c| Channel::parse(c).ok()).filter(|c| l.can_prefer(*c));
    let stored = async {
        let mut tx = app.db.write().await?;
        if let Some(mut d) = tx.debtor(l.access.tenant, l.access.debtor_id).await? {
            d.language = language;
            d.digital_affinity = if letters { DigitalAffinity::Offline } else { DigitalAffinity::Online };
            d.preferred_channel = channel;
            tx.update_debtor(&d).await?;
            let detail = format!(
                "language {}, channel {}, letters by post {}",
                language.as_str(),
                channel.map_or("no preference", Channel::as_str),
                if letters { "yes" } else { "no" }
            );
            tx.add_portal_event(l.access.tenant, l.access.debtor_id, "preferences", &detail).await?;
        }
        tx.commit().await
    };
    match stored.await {
        // The page answers in the language just chosen.
        Ok(()) => {
            respond(&app, &form.token, View::lang(Some(language.as_str())), notice(false, &[words(language).preferences_saved])).await
        }
        Err(e) => failed("portal preferences", &e),
    }
}

/// The entry for a debtor without a link: invoice number and postcode.
async fn entry_page(RawQuery(query): RawQuery) -> Response {
    let lang = if lang_of(query.as_deref()).as_deref() == Some("en") { "en" } else { "nl" };
    match (Entry { lang, notice: None }).render() {
        Ok(body) => guarded(StatusCode::OK, body, None),
        Err(e) => failed("portal entry", &e),
    }
}

/// Opens the portal of the one debtor with this invoice number and postcode, through a link
/// that works for a day. Every failed try counts against the client's address.
async fn enter(
    State(app): State<App>,
    headers: HeaderMap,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    body: axum::body::Bytes,
) -> Response {
    let ip = client(&app, &headers, peer.as_ref());
    if app.portal_guard.refused(ip) {
        return too_many();
    }
    if !same_origin(&app, &headers) {
        return forbidden();
    }
    let fields = Fields::urlencoded(&body);
    let lang = if fields.get("lang") == Some("en") { "en" } else { "nl" };
    let (number, postcode) = (fields.text("number"), fields.text("postcode"));
    let found = async {
        let mut tx = app.db.write().await?;
        let matches = if number.is_empty() || postcode.is_empty() {
            Vec::new()
        } else {
            tx.debtors_by_invoice_and_postcode(&number, &postcode).await?
        };
        // Exactly one: two debtors with the same invoice number and postcode get no portal here.
        let [(tenant, debtor)] = matches.as_slice() else { return Ok(None) };
        let link = channels::psp::new_link(ENTRY_LINK_DAYS)?;
        tx.create_portal_token(*tenant, *debtor, &link.sha256, link.expires_at).await?;
        tx.add_portal_event(*tenant, *debtor, "entered", &format!("by invoice number {number} and postcode")).await?;
        tx.commit().await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Some(link.token))
    };
    match found.await {
        Ok(Some(token)) => Redirect::to(&format!("/portal/{token}?lang={lang}")).into_response(),
        Ok(None) => {
            app.portal_guard.miss(ip);
            let words = if lang == "en" {
                "We could not find this combination. Check the invoice number and postcode, or contact the sender of your invoice."
            } else {
                "Deze combinatie vonden wij niet. Kijk het factuurnummer en de postcode na, of neem contact op met wie u de factuur stuurde."
            };
            match (Entry { lang, notice: Some(words.to_string()) }).render() {
                Ok(body) => guarded(StatusCode::UNPROCESSABLE_ENTITY, body, None),
                Err(e) => failed("portal entry", &e),
            }
        }
        Err(e) => failed("portal entry", &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pdf_png_and_jpeg_are_taken_by_their_content() {
        assert_eq!(attachment_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(attachment_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(attachment_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(attachment_type(b"MZ\x90\x00"), None, "a program named .pdf");
        assert_eq!(attachment_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(clean_file_name("C:\\Users\\jan\\bon \"1\".pdf"), "bon 1.pdf");
        assert_eq!(clean_file_name("../../"), "bijlage");
    }

    #[test]
    fn the_brand_colour_is_allowed_by_its_hash_only() {
        let (style, hash) = brand_style(Some("#0b5cad")).expect("as written");
        assert_eq!(style, ":root{--brand:#0b5cad}");
        assert!(hash.starts_with("'sha256-") && hash.ends_with("='"));
        assert_eq!(brand_style(Some("red;}body{display:none")), None, "not a colour");
    }
}
