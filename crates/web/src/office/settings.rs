//! The tenant's settings: the letterhead (name, KvK, VAT id, IBAN, address), how Tegoed reckons
//! (VAT deductibility, payment term, reference type), the contact for debtors, the early-payment
//! reward, the limits of plans agreed in the portal, and the brand colour. Seen by everyone,
//! changed by an administrator, every change audited.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use domain::FieldProblem;
use domain::contact::{Address, Bic, EmailAddress, Iban, KvkNumber, PhoneNumber, VatId};
use domain::dunning::agreement::ArrangementLimits;
use domain::messaging::{ContactDesk, EarlyPaymentReward, MessagingSettings, Reward};
use domain::money::Cents;
use domain::tenant::{ReferenceKind, Tenant, TenantChange};

use super::{ActForm, Chrome, Staff, failed, problem_lines};
use crate::App;
use crate::forms::Fields;

/// The form's values, as shown.
#[derive(Default)]
struct Values {
    legal_name: String,
    kvk: String,
    vat_id: String,
    iban: String,
    bic: String,
    street: String,
    postcode: String,
    city: String,
    country: String,
    can_deduct_vat: bool,
    term: String,
    kenmerk: bool,
    desk_name: String,
    desk_phone: String,
    desk_email: String,
    desk_hours: String,
    early_kind: String,
    early_days: String,
    early_value: String,
    min_instalment: String,
    max_months: String,
    brand_colour: String,
}

impl Values {
    fn of(t: &Tenant, s: &MessagingSettings) -> Values {
        let a = t.address.as_ref();
        let desk = s.desk.as_ref();
        let (early_kind, early_days, early_value) = match &s.early_payment {
            Some(EarlyPaymentReward { within_days, reward: Reward::Percentage { hundredths } }) => {
                // Hundredths of a percent read like cents: 150 is 1.50.
                ("percentage", within_days.to_string(), Cents::from_cents_unchecked(i64::from(*hundredths)).to_string())
            }
            Some(EarlyPaymentReward { within_days, reward: Reward::Amount { amount } }) => {
                ("amount", within_days.to_string(), amount.to_string())
            }
            Some(EarlyPaymentReward { within_days, reward: Reward::Code { .. } }) => ("code", within_days.to_string(), String::new()),
            None => ("none", String::new(), String::new()),
        };
        Values {
            legal_name: t.legal_name.clone(),
            kvk: t.kvk_number.as_ref().map(|k| k.as_str().to_string()).unwrap_or_default(),
            vat_id: t.vat_id.as_ref().map(|v| v.as_str().to_string()).unwrap_or_default(),
            iban: t.iban.as_str().to_string(),
            bic: t.bic.as_ref().map(|b| b.as_str().to_string()).unwrap_or_default(),
            street: a.map(|a| a.street.clone()).unwrap_or_default(),
            postcode: a.map(|a| a.postcode.clone()).unwrap_or_default(),
            city: a.map(|a| a.city.clone()).unwrap_or_default(),
            country: a.map(|a| a.country.clone()).unwrap_or_default(),
            can_deduct_vat: t.can_deduct_vat,
            term: t.default_payment_term_days.to_string(),
            kenmerk: t.reference_kind == ReferenceKind::Kenmerk,
            desk_name: desk.map(|d| d.name.clone()).unwrap_or_default(),
            desk_phone: desk.and_then(|d| d.phone.as_ref()).map(|p| p.as_str().to_string()).unwrap_or_default(),
            desk_email: desk.and_then(|d| d.email.as_ref()).map(|e| e.as_str().to_string()).unwrap_or_default(),
            desk_hours: desk.and_then(|d| d.hours.clone()).unwrap_or_default(),
            early_kind: early_kind.to_string(),
            early_days,
            early_value,
            min_instalment: s.arrangements.min_instalment.to_string(),
            max_months: s.arrangements.max_months.to_string(),
            brand_colour: s.brand_colour.clone().unwrap_or_default(),
        }
    }

    fn from_form(f: &Fields) -> Values {
        let g = |k: &str| f.get(k).unwrap_or_default().trim().to_string();
        Values {
            legal_name: g("legal_name"),
            kvk: g("kvk"),
            vat_id: g("vat_id"),
            iban: g("iban"),
            bic: g("bic"),
            street: g("street"),
            postcode: g("postcode"),
            city: g("city"),
            country: g("country"),
            can_deduct_vat: f.get("can_deduct_vat").is_some(),
            term: g("term"),
            kenmerk: g("reference_kind") != "rf",
            desk_name: g("desk_name"),
            desk_phone: g("desk_phone"),
            desk_email: g("desk_email"),
            desk_hours: g("desk_hours"),
            early_kind: g("early_kind"),
            early_days: g("early_days"),
            early_value: g("early_value"),
            min_instalment: g("min_instalment"),
            max_months: g("max_months"),
            brand_colour: g("brand_colour"),
        }
    }

    /// The tenant change and the messaging settings the form asks for, or what is wrong.
    fn parse(&self, current: &MessagingSettings) -> Result<(TenantChange, MessagingSettings), Vec<FieldProblem>> {
        let mut p = Vec::new();
        fn opt<T>(p: &mut Vec<FieldProblem>, field: &str, v: &str, parse: impl Fn(&str) -> Result<T, domain::Invalid>) -> Option<T> {
            if v.is_empty() {
                return None;
            }
            parse(v).map_err(|e| p.push(FieldProblem::new(field, e.reason))).ok()
        }
        let kvk = opt(&mut p, "kvk", &self.kvk, KvkNumber::parse);
        let vat_id = opt(&mut p, "vat_id", &self.vat_id, VatId::parse);
        let iban = opt(&mut p, "iban", &self.iban, Iban::parse);
        if self.iban.is_empty() {
            p.push(FieldProblem::new("iban", "debtors pay into it: it cannot be empty"));
        }
        let bic = opt(&mut p, "bic", &self.bic, Bic::parse);
        let address = if [&self.street, &self.postcode, &self.city, &self.country].iter().all(|v| v.is_empty()) {
            None
        } else {
            Address::parse(&self.street, &self.postcode, &self.city, &self.country)
                .map_err(|e| p.push(FieldProblem::new("address", e.reason)))
                .ok()
        };
        let term = self.term.parse::<u16>().map_err(|_| p.push(FieldProblem::new("term", "expected a whole number of days"))).ok();
        let change = TenantChange {
            legal_name: Some(self.legal_name.clone()),
            kvk_number: kvk,
            vat_id,
            iban,
            bic,
            address,
            can_deduct_vat: Some(self.can_deduct_vat),
            default_payment_term_days: term,
            reference_kind: Some(if self.kenmerk { ReferenceKind::Kenmerk } else { ReferenceKind::Rf }),
        };
        let desk = if self.desk_name.is_empty() {
            None
        } else {
            Some(ContactDesk {
                name: self.desk_name.clone(),
                phone: opt(&mut p, "desk_phone", &self.desk_phone, PhoneNumber::parse),
                email: opt(&mut p, "desk_email", &self.desk_email, EmailAddress::parse),
                hours: Some(self.desk_hours.clone()).filter(|h| !h.is_empty()),
            })
        };
        let days = || self.early_days.parse::<u16>().map_err(|_| FieldProblem::new("early_days", "expected a whole number of days"));
        let early_payment = match self.early_kind.as_str() {
            "none" | "" => None,
            // A code reward is kept as it was: the form does not edit codes.
            "code" => current.early_payment.clone(),
            kind => match (days(), Cents::parse(&self.early_value)) {
                (Ok(within_days), Ok(v)) => Some(EarlyPaymentReward {
                    within_days,
                    reward: if kind == "percentage" {
                        // "1,5" read as an amount is 150: hundredths of a percent.
                        Reward::Percentage { hundredths: u32::try_from(v.cents()).unwrap_or(0) }
                    } else {
                        Reward::Amount { amount: v }
                    },
                }),
                (d, v) => {
                    if let Err(e) = d {
                        p.push(e);
                    }
                    if let Err(e) = v {
                        p.push(FieldProblem::new("early_value", e.reason));
                    }
                    None
                }
            },
        };
        let min_instalment = Cents::parse(&self.min_instalment).map_err(|e| p.push(FieldProblem::new("min_instalment", e.reason))).ok();
        let max_months =
            self.max_months.parse::<u16>().map_err(|_| p.push(FieldProblem::new("max_months", "expected a whole number of months"))).ok();
        let settings = MessagingSettings {
            desk,
            early_payment,
            arrangements: ArrangementLimits {
                min_instalment: min_instalment.unwrap_or(current.arrangements.min_instalment),
                max_months: max_months.unwrap_or(current.arrangements.max_months),
            },
            brand_colour: Some(self.brand_colour.clone()).filter(|c| !c.is_empty()),
        };
        p.extend(settings.problems());
        if p.is_empty() { Ok((change, settings)) } else { Err(p) }
    }
}

#[derive(Template)]
#[template(path = "office/settings.html")]
struct SettingsPage {
    c: Chrome,
    v: Values,
    notice: Option<(bool, Vec<String>)>,
    may_configure: bool,
}

fn show(staff: &Staff, v: Values, notice: Option<(bool, Vec<String>)>, status: StatusCode) -> Response {
    staff.show(status, SettingsPage { c: staff.chrome("settings"), v, notice, may_configure: staff.role.may_configure() }.render())
}

async fn current(app: &App, staff: &Staff) -> Result<Option<(Tenant, MessagingSettings)>, store::StoreError> {
    let mut tx = app.db.read().await?;
    let t = tx.tenant(staff.tenant()).await?;
    let s = tx.messaging_settings(staff.tenant()).await?;
    tx.commit().await?;
    Ok(t.map(|t| (t, s)))
}

/// The settings.
pub(super) async fn page(State(app): State<App>, staff: Staff, RawQuery(q): RawQuery) -> Response {
    let saved = q.as_deref().is_some_and(|q| q.contains("done=saved"));
    match current(&app, &staff).await {
        Ok(Some((t, s))) => show(&staff, Values::of(&t, &s), saved.then(|| (false, vec![staff.t().saved.to_string()])), StatusCode::OK),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => failed("settings", &e),
    }
}

/// Stores the settings (an administrator), all of them or none.
pub(super) async fn save(State(app): State<App>, form: ActForm) -> Response {
    let staff = &form.staff;
    if !staff.role.may_configure() {
        return super::refused(staff, staff.t().admins_only);
    }
    let (tenant, settings) = match current(&app, staff).await {
        Ok(Some(c)) => c,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return failed("settings", &e),
    };
    let v = Values::from_form(&form.fields);
    let (change, new_settings) = match v.parse(&settings) {
        Ok(parsed) => parsed,
        Err(p) => return show(staff, v, Some((true, problem_lines(&p))), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let mut t = tenant.clone();
    let problems = change.apply(&mut t);
    if !problems.is_empty() {
        return show(staff, v, Some((true, problem_lines(&problems))), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let saved = async {
        let mut tx = app.db.write().await?;
        tx.update_tenant(&t).await?;
        tx.save_messaging_settings(staff.tenant(), &new_settings).await?;
        let detail = serde_json::json!({"tenant": &t, "messaging": &new_settings}).to_string();
        tx.audit(Some(staff.tenant()), Some(staff.user()), "settings_saved", &format!("tenant {}", staff.tenant()), &detail).await?;
        tx.commit().await
    }
    .await;
    match saved {
        Ok(()) => Redirect::to("/office/settings?done=saved").into_response(),
        Err(e) => failed("save settings", &e),
    }
}
