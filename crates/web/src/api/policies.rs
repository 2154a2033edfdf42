//! Dunning policies: Tegoed's defaults, the tenant's own, which kind and segment of debtor
//! follows which, and a policy chosen for one debtor or one invoice.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::FieldProblem;
use domain::debtor::{DebtorKind, DigitalAffinity, Segment};
use domain::dunning::defaults::default_policy_for;
use domain::dunning::policy::{Policy, Step};
use domain::ids::{DebtorId, InvoiceId};
use serde::{Deserialize, Serialize};
use store::Tx;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::App;
use crate::extract::{Body, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_policies))
        .routes(routes!(save_policy))
        .routes(routes!(list_assignments, assign_policy))
        .routes(routes!(debtor_policy))
        .routes(routes!(invoice_policy))
}

/// Every default policy: per kind and segment, and its variant for the hardly online.
pub(crate) fn defaults() -> Vec<Policy> {
    let mut v = Vec::new();
    for kind in DebtorKind::ALL {
        for segment in Segment::ALL {
            for affinity in DigitalAffinity::ALL {
                v.push(default_policy_for(*kind, *segment, *affinity));
            }
        }
    }
    v
}

/// What keeps a tenant policy from being stored: the policy's own rules, and a name that is
/// not one of Tegoed's defaults.
pub(crate) fn problems_of(policy: &Policy) -> Vec<FieldProblem> {
    let mut problems = policy.problems();
    if defaults().iter().any(|d| d.name == policy.name) {
        problems.push(FieldProblem::new("name", format!("'{}' is the name of a default policy; choose another", policy.name)));
    }
    problems
}

/// A policy and where it comes from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PolicyEntry {
    /// tenant (the tenant's own) or default (Tegoed's).
    source: &'static str,
    /// The policy.
    #[serde(flatten)]
    policy: Policy,
}

/// The tenant's own policies, then Tegoed's defaults.
#[utoipa::path(get, path = "/policies", tag = "dunning",
    responses((status = 200, body = Vec<PolicyEntry>)), security(("api_key" = [])))]
async fn list_policies(State(app): State<App>, TenantKey(tenant): TenantKey) -> Result<Json<Vec<PolicyEntry>>, ApiError> {
    let mut tx = app.db.read().await?;
    let own = tx.tenant_policies(tenant).await?;
    tx.commit().await?;
    let mut mine: Vec<Policy> = own.policies.into_values().collect();
    mine.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out: Vec<PolicyEntry> = mine.into_iter().map(|policy| PolicyEntry { source: "tenant", policy }).collect();
    out.extend(defaults().into_iter().map(|policy| PolicyEntry { source: "default", policy }));
    Ok(Json(out))
}

/// The steps of a tenant policy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PolicySteps {
    /// The steps, in order.
    steps: Vec<Step>,
}

/// Create or replace a tenant policy. Progress is kept per step index: replacing the steps of
/// a policy in use moves its debtors to the step at the same place in the new list.
#[utoipa::path(put, path = "/policies/{name}", tag = "dunning", params(("name" = String, Path, description = "Policy name")),
    request_body = PolicySteps,
    responses((status = 200, body = Policy), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn save_policy(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(name): Path<String>,
    body: Body<PolicySteps>,
) -> Result<Json<Policy>, ApiError> {
    let policy = Policy { name: name.trim().to_string(), steps: body.value.steps };
    ApiError::check(problems_of(&policy))?;
    let mut tx = app.db.write().await?;
    tx.save_policy(tenant, &policy).await?;
    tx.commit().await?;
    Ok(Json(policy))
}

/// Which policy a kind of debtor in a segment follows.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Assignment {
    /// consumer or business.
    kind: DebtorKind,
    /// loyal, standard or risk.
    segment: Segment,
    /// A tenant policy; null for Tegoed's default.
    policy: Option<String>,
}

/// For every kind and segment, the tenant policy it follows (null: Tegoed's default, chosen by
/// kind, segment and whether the debtor is hardly online).
#[utoipa::path(get, path = "/policy-assignments", tag = "dunning",
    responses((status = 200, body = Vec<Assignment>)), security(("api_key" = [])))]
async fn list_assignments(State(app): State<App>, TenantKey(tenant): TenantKey) -> Result<Json<Vec<Assignment>>, ApiError> {
    let mut tx = app.db.read().await?;
    let own = tx.tenant_policies(tenant).await?;
    tx.commit().await?;
    let mut out = Vec::new();
    for kind in DebtorKind::ALL {
        for segment in Segment::ALL {
            out.push(Assignment { kind: *kind, segment: *segment, policy: own.assignments.get(&(*kind, *segment)).cloned() });
        }
    }
    Ok(Json(out))
}

/// A policy name that must be one of the tenant's own, or null.
async fn known_policy(tx: &mut Tx, tenant: domain::ids::TenantId, name: Option<&str>) -> Result<(), ApiError> {
    if let Some(n) = name
        && !tx.tenant_policies(tenant).await?.policies.contains_key(n)
    {
        return Err(ApiError::field("policy", format!("no tenant policy named '{n}' (PUT /policies/{n} first; null for the default)")));
    }
    Ok(())
}

/// Have a kind of debtor in a segment follow a tenant policy, or the default again (null).
#[utoipa::path(put, path = "/policy-assignments", tag = "dunning", request_body = Assignment,
    responses((status = 200, body = Assignment), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn assign_policy(State(app): State<App>, TenantKey(tenant): TenantKey, body: Body<Assignment>) -> Result<Json<Assignment>, ApiError> {
    let a = body.value;
    let mut tx = app.db.write().await?;
    known_policy(&mut tx, tenant, a.policy.as_deref()).await?;
    tx.assign_policy(tenant, a.kind, a.segment, a.policy.as_deref()).await?;
    tx.commit().await?;
    Ok(Json(a))
}

/// A policy chosen for one debtor or invoice.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PolicyChoice {
    /// A tenant policy; null to follow the assignment (or, for an invoice, its debtor's) again.
    policy: Option<String>,
}

/// Have one debtor follow a tenant policy over its segment's, or not any more (null).
#[utoipa::path(put, path = "/debtors/{id}/policy", tag = "dunning", params(("id" = i64, Path, description = "Debtor id")),
    request_body = PolicyChoice,
    responses((status = 204, description = "Chosen"), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn debtor_policy(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    body: Body<PolicyChoice>,
) -> Result<StatusCode, ApiError> {
    let mut tx = app.db.write().await?;
    tx.debtor(tenant, DebtorId(id)).await?.ok_or(ApiError::NotFound)?;
    known_policy(&mut tx, tenant, body.value.policy.as_deref()).await?;
    tx.set_debtor_policy(tenant, DebtorId(id), body.value.policy.as_deref()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Have one invoice follow a tenant policy over its debtor's, or not any more (null).
#[utoipa::path(put, path = "/invoices/{id}/policy", tag = "dunning", params(("id" = i64, Path, description = "Invoice id")),
    request_body = PolicyChoice,
    responses((status = 204, description = "Chosen"), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn invoice_policy(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Path(id): Path<i64>,
    body: Body<PolicyChoice>,
) -> Result<StatusCode, ApiError> {
    let mut tx = app.db.write().await?;
    tx.invoice(tenant, InvoiceId(id)).await?.ok_or(ApiError::NotFound)?;
    known_policy(&mut tx, tenant, body.value.policy.as_deref()).await?;
    tx.set_invoice_policy(tenant, InvoiceId(id), body.value.policy.as_deref()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
