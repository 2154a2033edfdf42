//! The policy editor: a policy's steps (kind, days, anchor, minimum overdue, channels, text,
//! approval, costs and interest), previewed as the track the planner walks for an example
//! invoice, stored by an administrator under a name of the tenant's own.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use domain::FieldProblem;
use domain::debtor::{DebtorKind, DigitalAffinity, Segment};
use domain::dunning::planner::{DebtorProfile, simulate};
use domain::dunning::policy::{Anchor, Channel, Policy, Step, StepKind};
use domain::ids::DebtorId;
use domain::money::Cents;

use super::{ActForm, Chrome, Staff, day, failed, money, problem_lines};
use crate::App;
use crate::api::policies::{defaults, problems_of};
use crate::forms::Fields;

/// The example invoice of the preview.
const EXAMPLE: Cents = Cents::from_cents_unchecked(50_000);
/// Days after the due date the preview follows the track.
const HORIZON: i32 = 180;

/// One step as the form shows it.
struct StepRow {
    i: usize,
    kinds: Vec<(&'static str, bool)>,
    offset: String,
    due_date_anchor: bool,
    min_overdue: String,
    channels: String,
    template: String,
    approval: bool,
    costs: bool,
    interest: bool,
}

struct TrackLine {
    step: usize,
    kind: String,
    on: String,
    after: i64,
    by: String,
    marks: String,
}

#[derive(Template)]
#[template(path = "office/policies.html")]
struct PoliciesPage {
    assigned: Vec<Assigned>,
    own_names: Vec<String>,
    c: Chrome,
    /// Name, chosen, source word.
    names: Vec<(String, bool, &'static str)>,
    name: String,
    source: &'static str,
    rows: Vec<StepRow>,
    /// The empty row that adds a step.
    new_row: StepRow,
    track: Vec<TrackLine>,
    example: String,
    notice: Option<(bool, Vec<String>)>,
    may_configure: bool,
}

fn row(i: usize, s: Option<&Step>) -> StepRow {
    let kind = s.map(|s| s.kind);
    let mut kinds: Vec<(&'static str, bool)> = vec![("", kind.is_none())];
    kinds.extend(StepKind::ALL.iter().map(|k| (k.as_str(), Some(*k) == kind)));
    StepRow {
        i,
        kinds,
        offset: s.map(|s| s.offset_days.to_string()).unwrap_or_default(),
        due_date_anchor: s.is_none_or(|s| s.anchor == Anchor::DueDate),
        min_overdue: s.filter(|s| s.min_overdue.is_positive()).map(|s| s.min_overdue.to_string()).unwrap_or_default(),
        channels: s.map(|s| s.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default(),
        template: s.map(|s| s.template.clone()).unwrap_or_default(),
        approval: s.is_some_and(|s| s.needs_approval),
        costs: s.is_some_and(|s| s.adds_collection_costs),
        interest: s.is_some_and(|s| s.starts_interest),
    }
}

/// The policy on the form, or what keeps it from being one.
fn from_form(f: &Fields) -> Result<Policy, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut steps = Vec::new();
    let count: usize = f.get("steps").and_then(|n| n.parse().ok()).unwrap_or(0).min(31);
    for i in 0..=count {
        let get = |k: &str| f.get(&format!("{k}_{i}")).unwrap_or_default().trim().to_string();
        let kind = get("kind");
        if kind.is_empty() || f.get(&format!("remove_{i}")).is_some() {
            continue;
        }
        let at = |k: &str| format!("steps[{i}].{k}");
        let Ok(kind) = StepKind::parse(&kind) else {
            problems.push(FieldProblem::new(at("kind"), format!("'{kind}' is not a step kind")));
            continue;
        };
        let offset = get("offset").parse::<i32>().unwrap_or_else(|_| {
            problems.push(FieldProblem::new(at("offset_days"), "expected a whole number of days"));
            0
        });
        let min = get("min");
        let min_overdue = if min.is_empty() {
            Cents::ZERO
        } else {
            Cents::parse(&min).unwrap_or_else(|e| {
                problems.push(FieldProblem::new(at("min_overdue"), e.reason));
                Cents::ZERO
            })
        };
        let mut channels = Vec::new();
        for c in get("channels").split([',', ' ']).filter(|c| !c.is_empty()) {
            match Channel::parse(c) {
                Ok(c) => channels.push(c),
                Err(e) => problems.push(FieldProblem::new(at("channels"), e.reason)),
            }
        }
        let anchor = if get("anchor") == "previous_step" { Anchor::PreviousStep } else { Anchor::DueDate };
        let template = Some(get("template")).filter(|t| !t.is_empty()).unwrap_or_else(|| kind.as_str().to_string());
        let on = |k: &str| f.get(&format!("{k}_{i}")).is_some();
        steps.push(Step {
            kind,
            offset_days: offset,
            anchor,
            min_overdue,
            channels,
            template,
            needs_approval: on("approval"),
            adds_collection_costs: on("costs"),
            starts_interest: on("interest"),
        });
    }
    let policy = Policy { name: f.get("name").unwrap_or_default().trim().to_string(), steps };
    if problems.is_empty() { Ok(policy) } else { Err(problems) }
}

/// The policies to pick from (the tenant's own first, then Tegoed's; own or not), and which
/// kind and segment of debtor follows which own policy.
async fn book(app: &App, staff: &Staff) -> Result<(Vec<(Policy, bool)>, Vec<Assigned>), store::StoreError> {
    let mut tx = app.db.read().await?;
    let own = tx.tenant_policies(staff.tenant()).await?;
    tx.commit().await?;
    let mut assigned = Vec::new();
    for kind in DebtorKind::ALL {
        for segment in Segment::ALL {
            let current = own.assignments.get(&(*kind, *segment)).cloned();
            assigned.push(Assigned { kind: kind.as_str(), segment: segment.as_str(), current });
        }
    }
    let mut mine: Vec<Policy> = own.policies.into_values().collect();
    mine.sort_by(|a, b| a.name.cmp(&b.name));
    let list = mine.into_iter().map(|p| (p, true)).chain(defaults().into_iter().map(|p| (p, false))).collect();
    Ok((list, assigned))
}

/// Which own policy a kind and segment of debtor follows (none: Tegoed's default).
struct Assigned {
    kind: &'static str,
    segment: &'static str,
    current: Option<String>,
}

/// The editor with `policy`, given the tenant's book of policies (read once per request).
fn show(
    staff: &Staff,
    (list, assigned): (Vec<(Policy, bool)>, Vec<Assigned>),
    policy: Policy,
    own: bool,
    notice: Option<(bool, Vec<String>)>,
    status: StatusCode,
) -> Response {
    let own_names: Vec<String> = list.iter().filter(|(_, mine)| *mine).map(|(p, _)| p.name.clone()).collect();
    let t = staff.t();
    let today = crate::today();
    let example = DebtorProfile {
        id: DebtorId(0),
        kind: DebtorKind::Consumer,
        segment: Segment::Standard,
        digital_affinity: DigitalAffinity::Online,
        preferred_channel: None,
        has_email: true,
        has_phone: true,
        whatsapp_opt_in: false,
        has_address: true,
    };
    let track = simulate(&policy, &example, EXAMPLE, today, HORIZON)
        .into_iter()
        .map(|a| TrackLine {
            step: a.step + 1,
            kind: a.kind.to_string(),
            on: day(staff.lang, a.due_on),
            after: i64::from((a.due_on - today).get_days()),
            by: a.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" → "),
            marks: [(a.needs_approval, t.approval), (a.adds_collection_costs, t.claims_costs), (a.starts_interest, t.claims_interest)]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, w)| *w)
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let names =
        list.iter().map(|(p, mine)| (p.name.clone(), p.name == policy.name, if *mine { t.source_own } else { t.source_tegoed })).collect();
    let view = PoliciesPage {
        assigned,
        own_names,
        c: staff.chrome("policies"),
        names,
        name: policy.name.clone(),
        source: if own { t.source_own } else { t.source_tegoed },
        rows: policy.steps.iter().enumerate().map(|(i, s)| row(i, Some(s))).collect(),
        new_row: row(policy.steps.len(), None),
        track,
        example: money(staff.lang, EXAMPLE),
        notice,
        may_configure: staff.role.may_configure(),
    };
    staff.show(status, view.render())
}

/// The editor, with the policy named by `?name=` (the first one by default).
pub(super) async fn page(State(app): State<App>, staff: Staff, RawQuery(q): RawQuery) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
    let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let book = match book(&app, &staff).await {
        Ok(b) => b,
        Err(e) => return failed("policies", &e),
    };
    let wanted = one("name");
    let Some((policy, own)) = book.0.iter().find(|(p, _)| Some(&p.name) == wanted.as_ref()).or(book.0.first()).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let notice = one("done").filter(|d| d == "saved").map(|_| (false, vec![staff.t().saved.to_string()]));
    show(&staff, book, policy, own, notice, StatusCode::OK)
}

/// The editor again after a form, with the policy as the form had it.
async fn again(app: &App, staff: &Staff, policy: Policy, notice: Option<(bool, Vec<String>)>, status: StatusCode) -> Response {
    match book(app, staff).await {
        Ok(b) => show(staff, b, policy, false, notice, status),
        Err(e) => failed("policies", &e),
    }
}

/// Preview (stores nothing) or save (an administrator).
pub(super) async fn act(State(app): State<App>, form: ActForm) -> Response {
    let staff = &form.staff;
    let save = form.fields.get("action") == Some("save");
    let policy = match from_form(&form.fields) {
        Ok(p) => p,
        Err(problems) => {
            // Show what could be read, with what could not.
            let name = form.fields.get("name").unwrap_or_default().to_string();
            let current = Policy { name, steps: Vec::new() };
            return again(&app, staff, current, Some((true, problem_lines(&problems))), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let problems = problems_of(&policy);
    if !save {
        let notice = (!problems.iter().all(|p| p.field == "name")).then(|| (true, problem_lines(&problems)));
        return again(&app, staff, policy, notice, StatusCode::OK).await;
    }
    if !staff.role.may_configure() {
        return super::refused(staff, staff.t().admins_only);
    }
    if !problems.is_empty() {
        let mut l = vec![staff.t().not_stored.to_string()];
        l.extend(problem_lines(&problems));
        return again(&app, staff, policy, Some((true, l)), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let saved = async {
        let mut tx = app.db.write().await?;
        tx.save_policy(staff.tenant(), &policy).await?;
        let steps = serde_json::to_string(&policy.steps).unwrap_or_default();
        tx.audit(Some(staff.tenant()), Some(staff.user()), "policy_saved", &format!("policy {}", policy.name), &steps).await?;
        tx.commit().await
    }
    .await;
    match saved {
        Ok(()) => {
            let q: String =
                form_urlencoded::Serializer::new(String::new()).append_pair("name", &policy.name).append_pair("done", "saved").finish();
            Redirect::to(&format!("/office/policies?{q}")).into_response()
        }
        Err(e) => failed("save policy", &e),
    }
}

/// Stores which own policy each kind and segment of debtor follows (an administrator).
pub(super) async fn assign(State(app): State<App>, form: ActForm) -> Response {
    let staff = &form.staff;
    if !staff.role.may_configure() {
        return super::refused(staff, staff.t().admins_only);
    }
    let result = async {
        let mut tx = app.db.write().await?;
        let own = tx.tenant_policies(staff.tenant()).await?;
        let mut problems = Vec::new();
        let mut chosen = Vec::new();
        for kind in DebtorKind::ALL {
            for segment in Segment::ALL {
                let field = format!("assign_{kind}_{segment}");
                let name = form.fields.get(&field).unwrap_or_default().trim().to_string();
                if name.is_empty() {
                    chosen.push((*kind, *segment, None));
                } else if own.policies.contains_key(&name) {
                    chosen.push((*kind, *segment, Some(name)));
                } else {
                    problems.push(FieldProblem::new(field, format!("'{name}' is not a policy of your own")));
                }
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let mut summary = Vec::new();
        for (kind, segment, name) in &chosen {
            tx.assign_policy(staff.tenant(), *kind, *segment, name.as_deref()).await?;
            summary.push(format!("{kind}/{segment}: {}", name.as_deref().unwrap_or("default")));
        }
        tx.audit(Some(staff.tenant()), Some(staff.user()), "policies_assigned", &format!("tenant {}", staff.tenant()), &summary.join(", "))
            .await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(Ok(()))
    }
    .await;
    match result {
        Ok(Ok(())) => Redirect::to("/office/policies?done=saved").into_response(),
        Ok(Err(p)) => match book(&app, staff).await {
            Ok(book) => match book.0.first().cloned() {
                Some((policy, own)) => show(staff, book, policy, own, Some((true, problem_lines(&p))), StatusCode::UNPROCESSABLE_ENTITY),
                None => StatusCode::NOT_FOUND.into_response(),
            },
            Err(e) => failed("policies", &e),
        },
        Err(e) => failed("assign policies", &e),
    }
}
