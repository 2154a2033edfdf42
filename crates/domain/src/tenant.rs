//! The creditor: the company whose invoices Tegoed gets paid.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::contact::{Address, Bic, Iban, KvkNumber, VatId};
use crate::ids::TenantId;
use crate::{FieldProblem, check_text};

/// The payment term a tenant gets when it names none: 30 days, the statutory default for
/// business transactions (art. 6:119a lid 2 BW) and the common one for consumers.
pub const DEFAULT_PAYMENT_TERM_DAYS: u16 = 30;

crate::debtor::word_enum!(
    /// The payment reference a tenant's invoices carry (see [`crate::reference`]).
    #[derive(Default)]
    ReferenceKind {
        /** The Dutch betalingskenmerk, 16 digits: what Dutch banking apps and debtors know. */ #[default] Kenmerk = "kenmerk",
        /** The ISO 11649 RF reference: understood by banks across SEPA. */ Rf = "rf",
    }
);

impl ReferenceKind {
    /// The reference numbered `n` (from 1) of this kind.
    pub fn issue(self, n: u64) -> Result<String, crate::Invalid> {
        match self {
            ReferenceKind::Kenmerk => crate::reference::Betalingskenmerk::issue(n).map(String::from),
            ReferenceKind::Rf => crate::reference::RfReference::issue(&n.to_string()).map(String::from),
        }
    }
}

/// A creditor company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    /// Identifier.
    pub id: TenantId,
    /// Name as registered at the KvK; the name every debtor sees.
    pub legal_name: String,
    /// Chamber of Commerce number.
    pub kvk_number: Option<KvkNumber>,
    /// VAT identification number.
    pub vat_id: Option<VatId>,
    /// Account debtors pay into.
    pub iban: Iban,
    /// BIC of that account; not needed within SEPA.
    pub bic: Option<Bic>,
    /// Postal address (letterhead, return address).
    pub address: Option<Address>,
    /// Whether the tenant can deduct VAT: if not, VAT is added on top of collection costs.
    pub can_deduct_vat: bool,
    /// Days between invoice date and due date when an invoice names no due date.
    pub default_payment_term_days: u16,
    /// The kind of payment reference every new invoice gets.
    pub reference_kind: ReferenceKind,
    /// When the tenant was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// What it takes to create a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTenant {
    /// Name as registered at the KvK.
    pub legal_name: String,
    /// Chamber of Commerce number.
    #[serde(default)]
    pub kvk_number: Option<KvkNumber>,
    /// VAT identification number.
    #[serde(default)]
    pub vat_id: Option<VatId>,
    /// Account debtors pay into.
    pub iban: Iban,
    /// BIC of that account.
    #[serde(default)]
    pub bic: Option<Bic>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<Address>,
    /// Whether the tenant can deduct VAT (most companies can).
    #[serde(default = "yes")]
    pub can_deduct_vat: bool,
    /// Payment term in days.
    #[serde(default = "default_term")]
    pub default_payment_term_days: u16,
    /// The kind of payment reference every new invoice gets (default: kenmerk).
    #[serde(default)]
    pub reference_kind: ReferenceKind,
}

fn yes() -> bool {
    true
}

fn default_term() -> u16 {
    DEFAULT_PAYMENT_TERM_DAYS
}

impl NewTenant {
    /// A tenant with a name and an IBAN, every other setting at its default.
    pub fn minimal(legal_name: impl Into<String>, iban: Iban) -> Self {
        NewTenant {
            legal_name: legal_name.into(),
            kvk_number: None,
            vat_id: None,
            iban,
            bic: None,
            address: None,
            can_deduct_vat: true,
            default_payment_term_days: DEFAULT_PAYMENT_TERM_DAYS,
            reference_kind: ReferenceKind::Kenmerk,
        }
    }

    /// Cross-field rules that types alone cannot carry.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        check_text(&mut p, "legal_name", &self.legal_name, 200);
        check_term(&mut p, self.default_payment_term_days);
        p
    }
}

/// A change to some of a tenant's settings; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantChange {
    /// New legal name.
    pub legal_name: Option<String>,
    /// New KvK number.
    pub kvk_number: Option<KvkNumber>,
    /// New VAT id.
    pub vat_id: Option<VatId>,
    /// New IBAN.
    pub iban: Option<Iban>,
    /// New BIC.
    pub bic: Option<Bic>,
    /// New address.
    pub address: Option<Address>,
    /// New VAT deductibility.
    pub can_deduct_vat: Option<bool>,
    /// New default payment term.
    pub default_payment_term_days: Option<u16>,
    /// The kind of payment reference new invoices get from now on.
    pub reference_kind: Option<ReferenceKind>,
}

impl TenantChange {
    /// Applies the change, returning the problems if the result would be invalid.
    pub fn apply(self, t: &mut Tenant) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if let Some(v) = self.legal_name {
            check_text(&mut p, "legal_name", &v, 200);
            t.legal_name = v.trim().to_string();
        }
        if let Some(v) = self.default_payment_term_days {
            check_term(&mut p, v);
            t.default_payment_term_days = v;
        }
        if let Some(v) = self.reference_kind {
            t.reference_kind = v;
        }
        if self.address.is_some() {
            t.address = self.address;
        }
        if self.kvk_number.is_some() {
            t.kvk_number = self.kvk_number;
        }
        if self.vat_id.is_some() {
            t.vat_id = self.vat_id;
        }
        if let Some(v) = self.iban {
            t.iban = v;
        }
        if self.bic.is_some() {
            t.bic = self.bic;
        }
        if let Some(v) = self.can_deduct_vat {
            t.can_deduct_vat = v;
        }
        p
    }
}

fn check_term(p: &mut Vec<FieldProblem>, days: u16) {
    if days > 365 {
        p.push(FieldProblem::new("default_payment_term_days", format!("must be at most 365 days, got {days}")));
    }
}
