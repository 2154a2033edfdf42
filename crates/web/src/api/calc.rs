//! Dutch collection law as a calculator: collection costs and statutory interest, with the
//! breakdown a debtor or a court expects. The same answers as `tegoed calc`.

use axum::Json;
use axum::extract::State;
use domain::Invalid;
use domain::law::nl::collection_costs::{Agreement, Band, Debtor, collection_costs};
use domain::law::nl::interest::{AppliedPayment, Claim, Convention, DayCount, PartPayment, Period, statutory_interest};
use domain::law::nl::rates::InterestKind;
use domain::money::Cents;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::App;
use crate::extract::{Params, TenantKey};
use crate::problem::{ApiError, Problem};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(calc_collection_costs)).routes(routes!(calc_interest))
}

/// Collection costs, amounts as strings with two decimals.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CostsAnswer {
    /// The principal (hoofdsom).
    pub principal: String,
    /// Costs before VAT.
    pub costs: String,
    /// VAT on the costs.
    pub vat: String,
    /// Costs plus VAT.
    pub total: String,
    /// staffel, minimum, maximum, fixed or percentage.
    pub basis: &'static str,
    /// The staffel bands used.
    pub bands: Vec<Band>,
}

/// Interest with its periods, amounts as strings with two decimals.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InterestAnswer {
    /// Interest over the whole time, rounded once.
    pub interest: String,
    /// The periods: from, to, days, rate, base, interest.
    pub periods: Vec<Period>,
    /// Payments and where each went (costs, interest, principal).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<AppliedPayment>,
    /// Principal still owed at the end.
    pub principal_outstanding: String,
    /// Interest still owed at the end.
    pub interest_outstanding: String,
}

/// What decides the collection costs.
#[derive(Debug, Clone, Default)]
pub struct CostsQuestion {
    /// The principal.
    pub principal: Cents,
    /// A business debtor.
    pub business: bool,
    /// The creditor cannot deduct VAT.
    pub vat_not_deductible: bool,
    /// An agreed fixed amount (business only).
    pub agreed_amount: Option<Cents>,
    /// An agreed percentage in hundredths of a percent (business only).
    pub agreed_basis_points: Option<u32>,
}

/// Answers a collection-costs question.
pub fn answer_costs(q: &CostsQuestion) -> Result<CostsAnswer, Invalid> {
    if q.principal.is_negative() {
        return Err(Invalid::new("principal", "must be zero or more"));
    }
    let debtor = match (q.business, q.agreed_amount, q.agreed_basis_points) {
        (false, None, None) => Debtor::Consumer,
        (false, _, _) => {
            return Err(Invalid::new(
                "business",
                "an agreed amount or percentage is for business debtors only: for consumers the staffel is mandatory",
            ));
        }
        (true, Some(_), Some(_)) => return Err(Invalid::new("agreed_amount", "give an agreed amount or an agreed percentage, not both")),
        (true, Some(a), None) => Debtor::Business(Agreement::Fixed(a)),
        (true, None, Some(bp)) => Debtor::Business(Agreement::Percentage(bp)),
        (true, None, None) => Debtor::Business(Agreement::Staffel),
    };
    let c = collection_costs(q.principal, debtor, !q.vat_not_deductible);
    Ok(CostsAnswer {
        principal: c.principal.to_string(),
        costs: c.costs.to_string(),
        vat: c.vat.to_string(),
        total: c.total.to_string(),
        basis: c.basis,
        bands: c.bands,
    })
}

/// Answers an interest question.
pub fn answer_interest(claim: &Claim, convention: Convention) -> Result<InterestAnswer, Invalid> {
    let s = statutory_interest(claim, convention)?;
    Ok(InterestAnswer {
        interest: s.interest.to_string(),
        periods: s.periods,
        payments: s.payments,
        principal_outstanding: s.principal_outstanding.to_string(),
        interest_outstanding: s.interest_outstanding.to_string(),
    })
}

/// Maps a parse error to a problem with the named field.
fn field(name: &'static str) -> impl Fn(Invalid) -> ApiError {
    move |e| ApiError::field(name, e.reason)
}

/// Parses a percentage such as `15` or `12.5` into hundredths of a percent.
pub fn parse_percentage(s: &str) -> Result<u32, Invalid> {
    let d: rust_decimal::Decimal = s
        .trim()
        .trim_end_matches('%')
        .replace(',', ".")
        .parse()
        .map_err(|_| Invalid::new("percentage", format!("'{s}' is not a percentage")))?;
    let bp = (d * rust_decimal::Decimal::ONE_HUNDRED).normalize();
    if bp.is_sign_negative() || bp.scale() > 0 || bp > rust_decimal::Decimal::from(100_000) {
        return Err(Invalid::new("percentage", format!("'{s}' must lie between 0 and 1000 with at most two decimals")));
    }
    u32::try_from(bp.mantissa()).map_err(|_| Invalid::new("percentage", format!("'{s}' is too large")))
}

/// Parses `YYYY-MM-DD=AMOUNT` as a payment.
pub fn parse_payment(s: &str) -> Result<PartPayment, Invalid> {
    let (d, a) =
        s.split_once('=').ok_or_else(|| Invalid::new("payment", format!("'{s}': expected DATE=AMOUNT, like 2024-03-01=250.00")))?;
    Ok(PartPayment { on: domain::dates::parse_date(d)?, amount: Cents::parse(a)? })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CostsQuery {
    /// The principal in euro: the sum of the invoices in one demand (1752.79 or 1.752,79).
    principal: String,
    /// A business debtor (default: consumer).
    #[serde(default)]
    business: bool,
    /// The creditor cannot deduct VAT (default: the tenant's setting).
    vat_not_deductible: Option<bool>,
    /// An agreed fixed amount in euro (business only).
    agreed_amount: Option<String>,
    /// An agreed percentage of the principal (business only).
    agreed_percentage: Option<String>,
}

/// Collection costs over a principal (BIK staffel, €40 minimum, €6,775 maximum, VAT).
#[utoipa::path(get, path = "/calc/collection-costs", tag = "law", params(CostsQuery),
    responses((status = 200, body = CostsAnswer), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn calc_collection_costs(
    State(app): State<App>,
    TenantKey(tenant): TenantKey,
    Params(q): Params<CostsQuery>,
) -> Result<Json<CostsAnswer>, ApiError> {
    let vat_not_deductible = match q.vat_not_deductible {
        Some(v) => v,
        None => {
            let mut tx = app.db.read().await?;
            let t = tx.tenant(tenant).await?.ok_or(ApiError::NotFound)?;
            tx.commit().await?;
            !t.can_deduct_vat
        }
    };
    let question = CostsQuestion {
        principal: Cents::parse(&q.principal).map_err(field("principal"))?,
        business: q.business,
        vat_not_deductible,
        agreed_amount: q.agreed_amount.as_deref().map(Cents::parse).transpose().map_err(field("agreed_amount"))?,
        agreed_basis_points: q.agreed_percentage.as_deref().map(parse_percentage).transpose().map_err(field("agreed_percentage"))?,
    };
    answer_costs(&question).map(Json).map_err(|e| ApiError::field(e.expected, e.reason))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct InterestQuery {
    /// consumer (art. 6:119 BW) or commercial (art. 6:119a BW).
    kind: InterestKind,
    /// The principal in euro.
    principal: String,
    /// The last day for payment; interest runs from the next day.
    #[param(value_type = String, format = Date)]
    from: Date,
    /// The day up to and including which interest runs.
    #[param(value_type = String, format = Date)]
    to: Date,
    /// Costs owed, which payments settle first (art. 6:44 BW).
    costs: Option<String>,
    /// Payments as DATE=AMOUNT, separated by commas.
    payments: Option<String>,
    /// Divide by the length of the capitalisation year instead of 365.
    #[serde(default)]
    capitalisation_year_day_count: bool,
    /// Round each period to cents and split at every half-year.
    #[serde(default)]
    round_each_period: bool,
}

/// Statutory or commercial interest with its periods (split at rate changes and anniversaries,
/// compounded yearly, actual days / 365, rounded once).
#[utoipa::path(get, path = "/calc/interest", tag = "law", params(InterestQuery),
    responses((status = 200, body = InterestAnswer), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
async fn calc_interest(TenantKey(_): TenantKey, Params(q): Params<InterestQuery>) -> Result<Json<InterestAnswer>, ApiError> {
    let payments = match q.payments.as_deref() {
        None | Some("") => Vec::new(),
        Some(list) => list.split(',').map(parse_payment).collect::<Result<_, _>>().map_err(field("payments"))?,
    };
    let claim = Claim {
        kind: q.kind,
        principal: Cents::non_negative(Cents::parse(&q.principal).map_err(field("principal"))?.cents()).map_err(field("principal"))?,
        from: q.from,
        to: q.to,
        costs: q.costs.as_deref().map(Cents::parse).transpose().map_err(field("costs"))?.unwrap_or(Cents::ZERO),
        payments,
    };
    let convention = Convention {
        day_count: if q.capitalisation_year_day_count { DayCount::ActualCapitalisationYear } else { DayCount::Actual365 },
        round_each_period: q.round_each_period,
    };
    answer_interest(&claim, convention).map(Json).map_err(|e| ApiError::field(e.expected, e.reason))
}
