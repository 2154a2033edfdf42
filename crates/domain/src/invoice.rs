//! Invoices and credit notes, and how money settles them.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::dates::add_days;
use crate::debtor::word_enum;
use crate::ids::{CreditNoteId, DebtorId, InvoiceId, TenantId};
use crate::money::Cents;
use crate::{FieldProblem, Invalid, check_text};

word_enum!(
    /// Where an invoice stands.
    InvoiceStatus {
        /** Money is still owed. */ Open = "open",
        /** Payments cover it. */ Paid = "paid",
        /** Credit notes cover it, with no payment. */ Credited = "credited",
        /** The tenant gave up the claim. */ WrittenOff = "written_off",
        /** A collection agency has the claim now. */ HandedOver = "handed_over",
    }
);

word_enum!(
    /// The currency of an amount. Tegoed collects in euro only; the type is here so every stored
    /// amount says so and a foreign-currency import is refused, never silently read as euro.
    Currency { /** Euro. */ Eur = "EUR" }
);

/// An invoice of a tenant to a debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invoice {
    /// Identifier.
    pub id: InvoiceId,
    /// The tenant that sent it.
    pub tenant_id: TenantId,
    /// Who owes it.
    pub debtor_id: DebtorId,
    /// Invoice number, unique per tenant.
    pub number: String,
    /// Identifier in the tenant's own system.
    pub external_id: Option<String>,
    /// Invoice date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub issue_date: Date,
    /// Due date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due_date: Date,
    /// Currency.
    pub currency: Currency,
    /// Total including VAT.
    pub total: Cents,
    /// VAT included in the total.
    pub vat: Cents,
    /// Allocated from payments.
    pub paid: Cents,
    /// Covered by credit notes.
    pub credited: Cents,
    /// What is still owed: total − paid − credited.
    pub outstanding: Cents,
    /// Status.
    pub status: InvoiceStatus,
    /// Payment reference printed on the invoice (betalingskenmerk or RF).
    pub payment_reference: Option<String>,
    /// When created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

impl Invoice {
    /// Whether money is owed and the due date has passed on `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status == InvoiceStatus::Open && self.outstanding.is_positive() && self.due_date < today
    }
}

/// What it takes to create an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewInvoice {
    /// Who owes it.
    pub debtor_id: DebtorId,
    /// Invoice number, unique per tenant.
    pub number: String,
    /// Identifier in the tenant's own system.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Invoice date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub issue_date: Date,
    /// Due date; when absent, the invoice date plus the tenant's payment term.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub due_date: Option<Date>,
    /// Currency (only EUR).
    #[serde(default = "eur")]
    pub currency: Currency,
    /// Total including VAT.
    pub total: Cents,
    /// VAT included in the total.
    #[serde(default)]
    pub vat: Cents,
    /// Payment reference printed on the invoice.
    #[serde(default)]
    pub payment_reference: Option<String>,
}

fn eur() -> Currency {
    Currency::Eur
}

/// Rules every invoice meets, whichever way it arrives (API, CSV, e-invoice).
pub fn invoice_problems(number: &str, issue_date: Date, due_date: Date, total: Cents, vat: Cents) -> Vec<FieldProblem> {
    let mut p = Vec::new();
    check_text(&mut p, "number", number, 64);
    if !total.is_positive() {
        p.push(FieldProblem::new("total", format!("must be more than zero, got {total}; a negative amount is a credit note")));
    }
    if vat.is_negative() || vat > total {
        p.push(FieldProblem::new("vat", format!("must lie between 0 and the total {total}, got {vat}")));
    }
    if due_date < issue_date {
        p.push(FieldProblem::new("due_date", format!("{due_date} lies before the invoice date {issue_date}")));
    }
    p
}

impl NewInvoice {
    /// The due date: given, or the invoice date plus the payment term.
    pub fn due_date_or(&self, term_days: u16) -> Date {
        self.due_date.unwrap_or_else(|| due_date_from_term(self.issue_date, term_days))
    }

    /// Rules the types cannot carry, with the tenant's payment term for a missing due date.
    pub fn problems(&self, term_days: u16) -> Vec<FieldProblem> {
        let mut p = invoice_problems(&self.number, self.issue_date, self.due_date_or(term_days), self.total, self.vat);
        if let Some(e) = &self.external_id {
            check_text(&mut p, "external_id", e, 64);
        }
        if let Some(r) = &self.payment_reference {
            check_text(&mut p, "payment_reference", r, 35);
        }
        p
    }
}

/// The due date of an invoice that names none: the invoice date plus the payment term.
pub fn due_date_from_term(issue_date: Date, term_days: u16) -> Date {
    add_days(issue_date, i32::from(term_days))
}

/// A change to an invoice. Amounts are fixed once issued (correct them with a credit note);
/// the status can only be moved by hand between open, written off and handed over: paid and
/// credited follow from the money.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceChange {
    /// New due date (an extension agreed with the debtor).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub due_date: Option<Date>,
    /// New identifier in the tenant's system.
    pub external_id: Option<String>,
    /// New payment reference.
    pub payment_reference: Option<String>,
    /// New status: open, written_off or handed_over.
    pub status: Option<InvoiceStatus>,
}

impl InvoiceChange {
    /// Applies the change, returning the problems if the result would be invalid.
    pub fn apply(self, inv: &mut Invoice) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if let Some(d) = self.due_date {
            if d < inv.issue_date {
                p.push(FieldProblem::new("due_date", format!("{d} lies before the invoice date {}", inv.issue_date)));
            }
            inv.due_date = d;
        }
        if let Some(e) = self.external_id {
            check_text(&mut p, "external_id", &e, 64);
            inv.external_id = Some(e);
        }
        if let Some(r) = self.payment_reference {
            check_text(&mut p, "payment_reference", &r, 35);
            inv.payment_reference = Some(r);
        }
        if let Some(s) = self.status {
            match s {
                InvoiceStatus::Paid | InvoiceStatus::Credited => p.push(FieldProblem::new(
                    "status",
                    "paid and credited follow from payments and credit notes; book one of those instead",
                )),
                InvoiceStatus::Open | InvoiceStatus::WrittenOff | InvoiceStatus::HandedOver => {
                    if matches!(inv.status, InvoiceStatus::Paid | InvoiceStatus::Credited) {
                        p.push(FieldProblem::new(
                            "status",
                            format!("the invoice is {} and nothing is owed; its status cannot change by hand", inv.status),
                        ));
                    } else {
                        inv.status = s;
                    }
                }
            }
        }
        p
    }
}

/// The status an invoice has after its paid or credited amount changed.
///
/// Money decides: nothing outstanding → paid (or credited, if no payment was involved).
/// Something outstanding → open, except that a written-off or handed-over invoice stays so.
pub fn settled_status(total: Cents, paid: Cents, credited: Cents, current: InvoiceStatus) -> InvoiceStatus {
    let outstanding = total - paid - credited;
    if !outstanding.is_positive() {
        if paid.is_positive() { InvoiceStatus::Paid } else { InvoiceStatus::Credited }
    } else {
        match current {
            InvoiceStatus::WrittenOff | InvoiceStatus::HandedOver => current,
            _ => InvoiceStatus::Open,
        }
    }
}

/// A credit note: reduces what a debtor owes, usually on one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditNote {
    /// Identifier.
    pub id: CreditNoteId,
    /// The tenant that issued it.
    pub tenant_id: TenantId,
    /// The debtor it is for.
    pub debtor_id: DebtorId,
    /// The invoice it reduces, if any.
    pub invoice_id: Option<InvoiceId>,
    /// Credit note number, unique per tenant.
    pub number: String,
    /// Date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub issue_date: Date,
    /// Amount credited, including VAT (positive).
    pub total: Cents,
    /// VAT included.
    pub vat: Cents,
    /// Why (a dispute settled, a return, a discount).
    pub reason: Option<String>,
    /// When created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// What it takes to create a credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCreditNote {
    /// The debtor it is for.
    pub debtor_id: DebtorId,
    /// The invoice it reduces.
    #[serde(default)]
    pub invoice_id: Option<InvoiceId>,
    /// Credit note number.
    pub number: String,
    /// Date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub issue_date: Date,
    /// Amount credited, including VAT (positive).
    pub total: Cents,
    /// VAT included.
    #[serde(default)]
    pub vat: Cents,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

impl Invoice {
    /// The VAT in a part of this invoice's total, in the invoice's own proportion, rounded half
    /// up to the cent: what a credit note for `part` carries (Wet OB 1968 art. 29 lid 4: a
    /// credit note states the VAT it corrects).
    pub fn vat_share(&self, part: Cents) -> Cents {
        if !self.total.is_positive() {
            return Cents::ZERO;
        }
        let (vat, part, total) = (i128::from(self.vat.cents()), i128::from(part.cents()), i128::from(self.total.cents()));
        let share = (2 * vat * part + total) / (2 * total);
        Cents::from_cents_unchecked(i64::try_from(share).unwrap_or(0))
    }
}

impl NewCreditNote {
    /// Rules the types cannot carry; `invoice` is the invoice named, when there is one.
    pub fn problems(&self, invoice: Option<&Invoice>) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        check_text(&mut p, "number", &self.number, 64);
        if !self.total.is_positive() {
            p.push(FieldProblem::new("total", format!("must be more than zero, got {}", self.total)));
        }
        if self.vat.is_negative() || self.vat > self.total {
            p.push(FieldProblem::new("vat", format!("must lie between 0 and the total {}, got {}", self.total, self.vat)));
        }
        if let Some(inv) = invoice {
            if inv.debtor_id != self.debtor_id {
                p.push(FieldProblem::new("invoice_id", format!("invoice {} belongs to another debtor", inv.number)));
            } else if self.total > inv.outstanding {
                p.push(FieldProblem::new(
                    "total",
                    format!(
                        "{} is more than the {} still open on invoice {}; book a refund for money already paid",
                        self.total, inv.outstanding, inv.number
                    ),
                ));
            }
        }
        p
    }
}

impl std::str::FromStr for InvoiceStatus {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        InvoiceStatus::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn c(v: i64) -> Cents {
        Cents::new(v).expect("in range")
    }

    #[test]
    fn a_part_carries_its_share_of_the_vat() {
        let mut inv = Invoice {
            id: InvoiceId(1),
            tenant_id: TenantId(1),
            debtor_id: DebtorId(1),
            number: "F1".into(),
            external_id: None,
            issue_date: date(2026, 1, 1),
            due_date: date(2026, 1, 31),
            currency: Currency::Eur,
            total: c(12_100),
            vat: c(2_100),
            paid: c(0),
            credited: c(0),
            outstanding: c(12_100),
            status: InvoiceStatus::Open,
            payment_reference: None,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        };
        assert_eq!(inv.vat_share(c(12_100)), c(2_100), "the whole");
        assert_eq!(inv.vat_share(c(6_050)), c(1_050), "half");
        assert_eq!(inv.vat_share(c(1)), c(0), "0.17 cent rounds down");
        assert_eq!(inv.vat_share(c(3)), c(1), "0.52 cent rounds up");
        inv.vat = c(0);
        assert_eq!(inv.vat_share(c(5_000)), c(0));
    }

    #[test]
    fn money_decides_paid_and_credited() {
        use InvoiceStatus::*;
        assert_eq!(settled_status(c(100), c(0), c(0), Open), Open);
        assert_eq!(settled_status(c(100), c(60), c(0), Open), Open);
        assert_eq!(settled_status(c(100), c(60), c(40), Open), Paid);
        assert_eq!(settled_status(c(100), c(0), c(100), Open), Credited);
        assert_eq!(settled_status(c(100), c(100), c(0), HandedOver), Paid);
        assert_eq!(settled_status(c(100), c(10), c(0), WrittenOff), WrittenOff);
        assert_eq!(settled_status(c(100), c(10), c(0), Paid), Open, "a reversed payment reopens");
    }

    #[test]
    fn words_on_the_wire_are_the_stored_words() {
        assert_eq!(serde_json::to_string(&Currency::Eur).expect("json"), "\"EUR\"");
        assert_eq!(serde_json::to_string(&InvoiceStatus::WrittenOff).expect("json"), "\"written_off\"");
        for s in InvoiceStatus::ALL {
            assert_eq!(serde_json::from_str::<InvoiceStatus>(&format!("\"{s}\"")).expect("json"), *s);
        }
    }

    #[test]
    fn invoice_rules() {
        let p = invoice_problems("", date(2024, 3, 1), date(2024, 2, 1), c(0), c(5));
        let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["number", "total", "vat", "due_date"]);
        assert!(invoice_problems("F1", date(2024, 3, 1), date(2024, 3, 31), c(12100), c(2100)).is_empty());
    }

    #[test]
    fn due_date_defaults_to_the_term() {
        let n = NewInvoice {
            debtor_id: DebtorId(1),
            number: "F1".into(),
            external_id: None,
            issue_date: date(2024, 1, 31),
            due_date: None,
            currency: Currency::Eur,
            total: c(100),
            vat: c(0),
            payment_reference: None,
        };
        assert_eq!(n.due_date_or(30), date(2024, 3, 1));
    }

    proptest! {
        #[test]
        fn status_is_open_exactly_when_something_is_owed(total in 1i64..1_000_000, paid in 0i64..1_000_000, credited in 0i64..1_000_000) {
            let s = settled_status(c(total), c(paid), c(credited), InvoiceStatus::Open);
            prop_assert_eq!(s == InvoiceStatus::Open, total - paid - credited > 0);
        }
    }
}
