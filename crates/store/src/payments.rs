//! Payments and their allocations to invoices.

use domain::contact::Iban;
use domain::ids::{DebtorId, InvoiceId, PaymentId, TenantId};
use domain::invoice::settled_status;
use domain::money::Cents;
use domain::payment::{Allocation, NewPayment, Payment};

use crate::conn::{Tx, dispatch};
use crate::filter::{Arg, Filter, bind_args};
use crate::time::Stamp;
use crate::{Page, Result, StoreError, corrupt};

#[derive(sqlx::FromRow)]
struct PaymentRow {
    id: i64,
    tenant_id: i64,
    debtor_id: Option<i64>,
    amount: i64,
    received_on: jiff_sqlx::Date,
    payer_name: Option<String>,
    payer_iban: Option<String>,
    description: Option<String>,
    bank_reference: Option<String>,
    unallocated: i64,
    returned_on: Option<jiff_sqlx::Date>,
    created_at: Stamp,
}

const PAYMENT_COLUMNS: &str = "id, tenant_id, debtor_id, amount, received_on, payer_name, payer_iban, description, bank_reference, unallocated, returned_on, created_at";

impl PaymentRow {
    fn into_payment(self, allocations: Vec<Allocation>) -> Result<Payment> {
        let what = format!("payment {}", self.id);
        Ok(Payment {
            id: PaymentId(self.id),
            tenant_id: TenantId(self.tenant_id),
            debtor_id: self.debtor_id.map(DebtorId),
            amount: Cents::new(self.amount).map_err(|e| corrupt(&what, e))?,
            received_on: self.received_on.to_jiff(),
            payer_name: self.payer_name,
            payer_iban: self.payer_iban.as_deref().map(Iban::parse).transpose().map_err(|e| corrupt(&what, e))?,
            description: self.description,
            bank_reference: self.bank_reference,
            allocations,
            unallocated: Cents::new(self.unallocated).map_err(|e| corrupt(&what, e))?,
            returned_on: self.returned_on.map(|d| d.to_jiff()),
            created_at: self.created_at.0,
        })
    }
}

impl Tx {
    /// Books a payment and its allocations. The caller has checked the allocations
    /// ([`domain::payment::check_allocations`]) within this same unit of work.
    pub async fn create_payment(&mut self, tenant: TenantId, p: &NewPayment) -> Result<Payment> {
        let sql = "INSERT INTO payments (tenant_id, debtor_id, amount, received_on, payer_name, payer_iban, description, \
             bank_reference, unallocated, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $3, $9) RETURNING id";
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(sql)
            .bind(tenant.0)
            .bind(p.debtor_id.map(|d| d.0))
            .bind(p.amount.cents())
            .bind(jiff_sqlx::Date::from(p.received_on))
            .bind(p.payer_name.clone())
            .bind(p.payer_iban.as_ref().map(|i| i.as_str().to_string()))
            .bind(p.description.clone())
            .bind(p.bank_reference.clone())
            .bind(Stamp::now())
            .fetch_one(c).await?);
        self.allocate(tenant, PaymentId(id), &p.allocations).await?;
        self.payment(tenant, PaymentId(id)).await?.ok_or_else(|| corrupt("payment", "vanished after insert"))
    }

    /// Applies more of a payment to invoices: lowers the payment's unallocated amount, raises
    /// each invoice's paid amount and settles its status. Checked by the caller.
    pub async fn allocate(&mut self, tenant: TenantId, payment: PaymentId, allocations: &[Allocation]) -> Result<()> {
        let now = Stamp::now();
        for a in allocations {
            dispatch!(self, c => sqlx::query(
                "INSERT INTO allocations (tenant_id, payment_id, invoice_id, amount, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(tenant.0).bind(payment.0).bind(a.invoice_id.0).bind(a.amount.cents()).bind(now)
                .execute(c).await?.rows_affected());
            let mut inv = self.invoice(tenant, a.invoice_id).await?.ok_or_else(|| corrupt("allocation", "invoice vanished"))?;
            inv.paid = inv.paid + a.amount;
            inv.status = settled_status(inv.total, inv.paid, inv.credited, inv.status);
            self.update_invoice(&inv).await?;
        }
        let sum: Cents = allocations.iter().map(|a| a.amount).sum();
        let done = dispatch!(self, c => sqlx::query(
            "UPDATE payments SET unallocated = unallocated - $3 WHERE tenant_id = $1 AND id = $2 AND unallocated >= $3")
            .bind(tenant.0).bind(payment.0).bind(sum.cents()).execute(c).await?.rows_affected());
        if done != 1 {
            return Err(StoreError::Corrupt(format!("payment {payment} has less than {sum} left to allocate")));
        }
        Ok(())
    }

    /// A payment of the tenant, with its allocations.
    pub async fn payment(&mut self, tenant: TenantId, id: PaymentId) -> Result<Option<Payment>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE tenant_id = $1 AND id = $2");
        let row: Option<PaymentRow> =
            dispatch!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id.0).fetch_optional(c).await?);
        match row {
            None => Ok(None),
            Some(r) => {
                let allocations = self.allocations(tenant, &[id]).await?.into_iter().map(|(_, a)| a).collect();
                r.into_payment(allocations).map(Some)
            }
        }
    }

    /// The tenant's payments in id order, optionally one debtor's.
    pub async fn payments(&mut self, tenant: TenantId, debtor: Option<DebtorId>, page: Page) -> Result<Vec<Payment>> {
        let mut w = Filter::new(self.backend(), tenant.0, page.after);
        w.and_some("debtor_id = ?", debtor, |d| Arg::Int(d.0));
        let (clause, args) = w.finish("ORDER BY id LIMIT ?", page.limit);
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments{clause}");
        let rows: Vec<PaymentRow> = dispatch!(self, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await?);
        let ids: Vec<PaymentId> = rows.iter().map(|r| PaymentId(r.id)).collect();
        let mut allocations = self.allocations(tenant, &ids).await?;
        rows.into_iter()
            .map(|r| {
                let id = PaymentId(r.id);
                let mine = allocations.iter().filter(|(p, _)| *p == id).map(|(_, a)| *a).collect();
                allocations.retain(|(p, _)| *p != id);
                r.into_payment(mine)
            })
            .collect()
    }

    /// Changes the debtor a payment is attributed to.
    pub async fn set_payment_debtor(&mut self, tenant: TenantId, id: PaymentId, debtor: Option<DebtorId>) -> Result<()> {
        dispatch!(self, c => sqlx::query("UPDATE payments SET debtor_id = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id.0).bind(debtor.map(|d| d.0)).execute(c).await?.rows_affected());
        Ok(())
    }

    async fn allocations(&mut self, tenant: TenantId, payments: &[PaymentId]) -> Result<Vec<(PaymentId, Allocation)>> {
        let (Some(lo), Some(hi)) = (payments.iter().min(), payments.iter().max()) else {
            return Ok(Vec::new());
        };
        let rows: Vec<(i64, i64, i64)> = dispatch!(self, c => sqlx::query_as(
            "SELECT payment_id, invoice_id, amount FROM allocations \
             WHERE tenant_id = $1 AND payment_id BETWEEN $2 AND $3 AND reversed_at IS NULL ORDER BY id")
            .bind(tenant.0).bind(lo.0).bind(hi.0).fetch_all(c).await?);
        rows.into_iter()
            .filter(|(p, _, _)| payments.contains(&PaymentId(*p)))
            .map(|(p, i, a)| {
                let amount = Cents::new(a).map_err(|e| corrupt("allocation", e))?;
                Ok((PaymentId(p), Allocation { invoice_id: InvoiceId(i), amount }))
            })
            .collect()
    }
}
