//! Payments received and how they are allocated to invoices.

use std::collections::HashSet;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::FieldProblem;
use crate::contact::Iban;
use crate::ids::{DebtorId, InvoiceId, PaymentId, TenantId};
use crate::invoice::{Invoice, InvoiceStatus};
use crate::money::Cents;

/// A part of a payment applied to one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    /// The invoice paid (in part).
    pub invoice_id: InvoiceId,
    /// How much of the payment goes to it.
    pub amount: Cents,
}

/// Money received from (or refunded to) a debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    /// Identifier.
    pub id: PaymentId,
    /// The tenant that received it.
    pub tenant_id: TenantId,
    /// The debtor it came from, once known.
    pub debtor_id: Option<DebtorId>,
    /// Amount received.
    pub amount: Cents,
    /// Date the money arrived (bank booking date).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub received_on: Date,
    /// Name of the account holder who paid.
    pub payer_name: Option<String>,
    /// Account the money came from.
    pub payer_iban: Option<Iban>,
    /// Remittance text or structured reference as the bank gave it.
    pub description: Option<String>,
    /// The bank's or PSP's own reference for this entry.
    pub bank_reference: Option<String>,
    /// Where the money went.
    pub allocations: Vec<Allocation>,
    /// What is not allocated yet (kept as the debtor's credit).
    pub unallocated: Cents,
    /// The day the money went back (a returned transfer or direct debit, a refund): what it
    /// paid is open again.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub returned_on: Option<Date>,
    /// When booked in Tegoed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// What it takes to book a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPayment {
    /// The debtor it came from, if known.
    #[serde(default)]
    pub debtor_id: Option<DebtorId>,
    /// Amount received (positive).
    pub amount: Cents,
    /// Date the money arrived.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub received_on: Date,
    /// Payer's name.
    #[serde(default)]
    pub payer_name: Option<String>,
    /// Payer's account.
    #[serde(default)]
    pub payer_iban: Option<Iban>,
    /// Remittance information.
    #[serde(default)]
    pub description: Option<String>,
    /// The bank's reference.
    #[serde(default)]
    pub bank_reference: Option<String>,
    /// Invoices to apply it to now.
    #[serde(default)]
    pub allocations: Vec<Allocation>,
}

impl NewPayment {
    /// Rules the types cannot carry (allocations are checked by [`check_allocations`]).
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if !self.amount.is_positive() {
            p.push(FieldProblem::new("amount", format!("must be more than zero, got {}", self.amount)));
        }
        p
    }
}

/// Spreads `amount` over open invoices, the oldest due first, each at most what is open on it;
/// what is left over stays unallocated (the debtor's credit). `open`: invoice, due date, open.
pub fn oldest_first(amount: Cents, open: &[(InvoiceId, jiff::civil::Date, Cents)]) -> Vec<Allocation> {
    let mut open: Vec<&(InvoiceId, jiff::civil::Date, Cents)> = open.iter().filter(|(_, _, o)| o.is_positive()).collect();
    open.sort_by_key(|(id, due, _)| (*due, *id));
    let mut left = amount;
    let mut out = Vec::new();
    for (id, _, outstanding) in open {
        if !left.is_positive() {
            break;
        }
        let a = if *outstanding < left { *outstanding } else { left };
        out.push(Allocation { invoice_id: *id, amount: a });
        left = left - a;
    }
    out
}

/// Checks allocations against the payment's unallocated amount and the invoices' open amounts.
///
/// `invoices` holds the invoices named, as found for the tenant (a missing one was not found).
/// Every allocation must be positive, name an invoice of the payment's debtor once, not exceed
/// what is still open on it, and together not exceed what is left of the payment.
pub fn check_allocations(
    field: &str,
    debtor_id: Option<DebtorId>,
    unallocated: Cents,
    allocations: &[Allocation],
    invoices: &[Invoice],
) -> Vec<FieldProblem> {
    let mut p = Vec::new();
    let mut seen = HashSet::new();
    let mut sum = Cents::ZERO;
    for (i, a) in allocations.iter().enumerate() {
        let at = |f: &str| format!("{field}[{i}].{f}");
        if !a.amount.is_positive() {
            p.push(FieldProblem::new(at("amount"), format!("must be more than zero, got {}", a.amount)));
        }
        if !seen.insert(a.invoice_id) {
            p.push(FieldProblem::new(at("invoice_id"), format!("invoice {} is named twice", a.invoice_id)));
            continue;
        }
        match invoices.iter().find(|inv| inv.id == a.invoice_id) {
            None => p.push(FieldProblem::new(at("invoice_id"), format!("no invoice {}", a.invoice_id))),
            Some(inv) => {
                if debtor_id.is_some_and(|d| d != inv.debtor_id) {
                    p.push(FieldProblem::new(
                        at("invoice_id"),
                        format!("invoice {} belongs to another debtor than the payment", inv.number),
                    ));
                } else if matches!(inv.status, InvoiceStatus::Paid | InvoiceStatus::Credited) {
                    p.push(FieldProblem::new(at("invoice_id"), format!("invoice {} is {} already", inv.number, inv.status)));
                } else if a.amount > inv.outstanding {
                    p.push(FieldProblem::new(
                        at("amount"),
                        format!("{} is more than the {} still open on invoice {}", a.amount, inv.outstanding, inv.number),
                    ));
                }
            }
        }
        sum = sum + a.amount;
    }
    if !allocations.is_empty() && sum > unallocated {
        p.push(FieldProblem::new(field, format!("together {sum}, more than the {unallocated} of the payment not yet allocated")));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::Currency;
    use jiff::civil::date;

    fn c(v: i64) -> Cents {
        Cents::new(v).expect("in range")
    }

    fn invoice(id: i64, debtor: i64, outstanding: i64) -> Invoice {
        Invoice {
            id: InvoiceId(id),
            tenant_id: TenantId(1),
            debtor_id: DebtorId(debtor),
            number: format!("F{id}"),
            external_id: None,
            issue_date: date(2024, 1, 1),
            due_date: date(2024, 1, 31),
            currency: Currency::Eur,
            total: c(10_000),
            vat: c(0),
            paid: c(10_000 - outstanding),
            credited: c(0),
            outstanding: c(outstanding),
            status: if outstanding > 0 { InvoiceStatus::Open } else { InvoiceStatus::Paid },
            payment_reference: None,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn alloc(id: i64, amount: i64) -> Allocation {
        Allocation { invoice_id: InvoiceId(id), amount: c(amount) }
    }

    #[test]
    fn one_payment_over_several_invoices_with_a_rest() {
        let invs = [invoice(1, 7, 10_000), invoice(2, 7, 2_500)];
        let p = check_allocations("allocations", Some(DebtorId(7)), c(15_000), &[alloc(1, 10_000), alloc(2, 2_500)], &invs);
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn every_wrong_allocation_is_named() {
        let invs = [invoice(1, 7, 10_000), invoice(2, 8, 2_500), invoice(3, 7, 0)];
        let p = check_allocations(
            "allocations",
            Some(DebtorId(7)),
            c(5_000),
            &[alloc(1, 10_001), alloc(2, 1), alloc(3, 1), alloc(4, 1), alloc(1, 5), alloc(1, 0)],
            &invs,
        );
        let got: Vec<(&str, bool)> = p.iter().map(|x| (x.field.as_str(), !x.message.is_empty())).collect();
        assert_eq!(
            got,
            [
                ("allocations[0].amount", true),
                ("allocations[1].invoice_id", true),
                ("allocations[2].invoice_id", true),
                ("allocations[3].invoice_id", true),
                ("allocations[4].invoice_id", true),
                ("allocations[5].amount", true),
                ("allocations[5].invoice_id", true),
                ("allocations", true),
            ]
        );
        assert!(p[0].message.contains("more than the 100.00 still open on invoice F1"));
        assert!(p[7].message.contains("more than the 50.00"));
    }
}
