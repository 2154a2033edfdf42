//! The REST API under `/api/v1`, with its OpenAPI description generated from these handlers.

mod arrangements;
mod bank;
pub mod calc;
mod credit_notes;
mod debtors;
mod dunning;
mod invoices;
pub(crate) mod messages;
mod payments;
pub(crate) mod policies;
mod portal_requests;
mod reports;
mod tenants;
pub(crate) mod worklist;

pub use tenants::{IssuedKey, TenantWithKey, issue_api_key, provision_tenant};

use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::App;
use crate::problem::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tegoed API",
        description = "Credit management: debtors, invoices, credit notes and payments of one tenant. \
            Amounts are integer euro cents; dates are ISO yyyy-mm-dd. Errors are application/problem+json \
            (RFC 9457) with an `errors` list naming each field at fault. POST requests accept an \
            Idempotency-Key header: a retry with the same key and body returns the first answer.",
    ),
    modifiers(&Security),
    tags(
        (name = "tenants", description = "The creditor companies (admin) and the caller's own tenant"),
        (name = "debtors", description = "Customers who owe"),
        (name = "invoices", description = "Invoices and their status"),
        (name = "credit-notes", description = "Credit notes"),
        (name = "payments", description = "Payments received and their allocation to invoices"),
        (name = "dunning", description = "Policies, pauses, promises, arrangements, the call worklist, the actions of the daily run and each debtor's timeline"),
        (name = "messages", description = "Messages to debtors with their delivery evidence, the texts of every step per language and level, and who debtors can contact"),
        (name = "portal", description = "What debtors asked for in the portal that a person decides: payment plans beyond the limits, and files sent with disputes"),
        (name = "reports", description = "Ageing, days sales outstanding, promises and arrangements kept, outcomes per dunning step, reasons for not paying; as JSON, CSV or an SVG chart"),
        (name = "law", description = "Dutch collection law: collection costs and statutory interest, with their breakdown"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("tg_<prefix>_<secret>").build()),
        );
        components.add_security_scheme("admin_token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// Every route of the API, collected with its OpenAPI description.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(tenants::routes())
        .merge(debtors::routes())
        .merge(invoices::routes())
        .merge(credit_notes::routes())
        .merge(payments::routes())
        .merge(bank::routes())
        .merge(calc::routes())
        .merge(dunning::routes())
        .merge(policies::routes())
        .merge(arrangements::routes())
        .merge(worklist::routes())
        .merge(messages::routes())
        .merge(portal_requests::routes())
        .merge(reports::routes())
}

/// Default and largest page size of a list.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

/// The window of a list request: `cursor` from the previous page's `next_cursor`, and `limit`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Where to continue: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// How many items at most (1 to 500, default 50).
    pub limit: Option<u32>,
}

impl PageParams {
    fn page(&self) -> Result<store::Page, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(
                format!("limit must lie between 1 and {MAX_LIMIT}"),
                vec![domain::FieldProblem::new("limit", "out of range")],
            ));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(c.strip_prefix('c').and_then(|n| n.parse::<i64>().ok()).filter(|n| *n > 0).ok_or_else(|| {
                ApiError::BadRequest(
                    "cursor is not one this API gave out".into(),
                    vec![domain::FieldProblem::new("cursor", "unknown cursor")],
                )
            })?),
        };
        Ok(store::Page { after, limit })
    }
}

/// A page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    /// The items, in the order they were created.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Paged<T> {
    fn new(items: Vec<T>, page: store::Page, id: impl Fn(&T) -> i64) -> Self {
        let next_cursor = if items.len() == page.limit as usize { items.last().map(|i| format!("c{}", id(i))) } else { None };
        Paged { items, next_cursor }
    }
}
