//! The reward for paying early, honoured when the money comes in: an invoice paid in time, up
//! to its discount, has the discount credited so nothing stays open on it.

use jiff::civil::Date;

use domain::ids::{InvoiceId, TenantId};
use domain::invoice::{InvoiceStatus, NewCreditNote};
use domain::messaging::EarlyPaymentReward;
use domain::money::Cents;
use store::{StoreError, Tx};

/// Credits the early-payment discount of each of `invoices` that a payment received on
/// `paid_on` left open by exactly that discount. The credit note takes its share of the
/// invoice's VAT, in proportion, as any partial credit does. Returns how many were granted.
pub async fn grant_discounts(
    tx: &mut Tx,
    tenant: TenantId,
    reward: &EarlyPaymentReward,
    invoices: &[InvoiceId],
    paid_on: Date,
) -> Result<u64, StoreError> {
    let mut granted = 0;
    for inv in tx.invoices_by_id(tenant, invoices).await? {
        let Some(discount) = reward.discount(inv.total, inv.issue_date, paid_on) else { continue };
        if inv.status != InvoiceStatus::Open || inv.outstanding != discount {
            continue;
        }
        let vat = if inv.total.is_positive() {
            let share = (i128::from(discount.cents()) * i128::from(inv.vat.cents()) * 2 + i128::from(inv.total.cents()))
                / (2 * i128::from(inv.total.cents()));
            Cents::new(i64::try_from(share).unwrap_or(0)).unwrap_or(Cents::ZERO)
        } else {
            Cents::ZERO
        };
        let mut number = format!("{}-KORTING", inv.number);
        let mut n = 1;
        while tx.credit_note_number_taken(tenant, &number).await? {
            n += 1;
            number = format!("{}-KORTING-{n}", inv.number);
        }
        let note = NewCreditNote {
            debtor_id: inv.debtor_id,
            invoice_id: Some(inv.id),
            number,
            issue_date: paid_on,
            total: discount,
            vat,
            reason: Some(format!(
                "Korting voor betaling binnen {} dagen / discount for paying within {} days",
                reward.within_days, reward.within_days
            )),
        };
        tx.create_credit_note(tenant, &note).await?;
        granted += 1;
    }
    Ok(granted)
}
