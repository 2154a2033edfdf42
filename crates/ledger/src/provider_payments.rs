//! Payments through a payment link: what a link asks for when it is opened, and booking a
//! provider payment once it is paid — once, whatever the provider repeats.

use jiff::Timestamp;
use jiff::civil::Date;

use domain::debtor::Language;
use domain::ids::{PaymentId, TenantId};
use domain::invoice::InvoiceStatus;
use domain::money::Cents;
use domain::payment::{NewPayment, oldest_first};
use store::{Db, StoreError};

/// What an opened link asks the debtor to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// No link has this token.
    Unknown,
    /// The link expired or was revoked.
    Expired {
        /// The debtor's language.
        language: Language,
        /// The creditor's name.
        creditor: String,
    },
    /// Everything on it is paid, credited or written off.
    NothingOpen {
        /// The debtor's language.
        language: Language,
        /// The creditor's name.
        creditor: String,
    },
    /// What is open now.
    Pay {
        /// The tenant.
        tenant: TenantId,
        /// The link.
        link: i64,
        /// What is open on its invoices.
        amount: Cents,
        /// Invoice numbers, for the payment's description.
        numbers: Vec<String>,
        /// The debtor's language.
        language: Language,
        /// The creditor's name.
        creditor: String,
    },
}

/// Reads the link whose token has this SHA-256, and what is open on its invoices now.
pub async fn open_link(db: &Db, token_sha256: &str, now: Timestamp) -> Result<LinkState, StoreError> {
    let mut tx = db.read().await?;
    let Some(link) = tx.payment_link_by_token(token_sha256).await? else { return Ok(LinkState::Unknown) };
    let tenant = tx.tenant(link.tenant).await?.ok_or_else(|| StoreError::Corrupt("a link of no tenant".into()))?;
    let debtor = tx.debtor(link.tenant, link.debtor_id).await?.ok_or_else(|| StoreError::Corrupt("a link of no debtor".into()))?;
    let invoices = tx.invoices_by_id(link.tenant, &link.invoices).await?;
    let settings = tx.messaging_settings(link.tenant).await?;
    tx.commit().await?;
    let (language, creditor) = (debtor.language, tenant.legal_name);
    if link.revoked_at.is_some() || link.expires_at <= now {
        return Ok(LinkState::Expired { language, creditor });
    }
    let open: Vec<_> = invoices.iter().filter(|i| i.status == InvoiceStatus::Open && i.outstanding.is_positive()).collect();
    if open.is_empty() {
        return Ok(LinkState::NothingOpen { language, creditor });
    }
    // Paying early earns its discount here too (granted as a credit note when the payment comes).
    let today = domain::dates::business_date(now);
    let discount: Cents = match &settings.early_payment {
        Some(r) => open.iter().filter_map(|i| r.discount(i.total, i.issue_date, today).filter(|d| *d < i.outstanding)).sum(),
        None => Cents::ZERO,
    };
    let open_total = open.iter().map(|i| i.outstanding).sum::<Cents>();
    // An instalment's link pays the instalment (at most what is open); others all, less any reward.
    let amount = match link.amount {
        Some(fixed) => fixed.min(open_total),
        None => open_total - discount,
    };
    let numbers = open.iter().map(|i| i.number.clone()).collect();
    Ok(LinkState::Pay { tenant: link.tenant, link: link.id, amount, numbers, language, creditor })
}

/// A provider payment as the provider reports it when asked.
#[derive(Debug, Clone, Copy)]
pub struct ProviderReport<'a> {
    /// The provider (`mollie`).
    pub provider: &'a str,
    /// Its id there.
    pub id: &'a str,
    /// Its status there.
    pub status: &'a str,
    /// The amount paid.
    pub amount: Cents,
    /// The day it was paid.
    pub paid_on: Option<Date>,
}

/// What settling a provider payment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Tegoed started no payment with this id.
    Unknown,
    /// Its status was recorded; nothing to book (not paid, or booked before).
    Recorded,
    /// It was paid and is now booked as this payment, spread over the link's invoices oldest
    /// first (what is more than is open stays as the debtor's credit).
    Booked(PaymentId),
}

/// Records a provider's report on a payment started from a link, and books it when paid: in
/// one unit of work, and once (a second report of the same paid payment books nothing).
pub async fn settle(db: &Db, r: ProviderReport<'_>, today: Date) -> Result<Settled, StoreError> {
    let mut tx = db.write().await?;
    let Some(p) = tx.provider_payment(r.provider, r.id).await? else { return Ok(Settled::Unknown) };
    if r.status != "paid" || p.payment_id.is_some() {
        tx.update_provider_payment(p.id, r.status, None).await?;
        tx.commit().await?;
        return Ok(Settled::Recorded);
    }
    let link = tx.payment_link(p.tenant, p.link_id).await?.ok_or_else(|| StoreError::Corrupt("a payment of no link".into()))?;
    let invoices = tx.invoices_by_id(p.tenant, &link.invoices).await?;
    let open: Vec<_> = invoices
        .iter()
        .filter(|i| i.status == InvoiceStatus::Open && i.debtor_id == link.debtor_id)
        .map(|i| (i.id, i.due_date, i.outstanding))
        .collect();
    let payment = NewPayment {
        debtor_id: Some(link.debtor_id),
        amount: r.amount,
        received_on: r.paid_on.unwrap_or(today),
        payer_name: None,
        payer_iban: None,
        description: Some(format!("{} {}", r.provider, r.id)),
        bank_reference: Some(format!("{}:{}", r.provider, r.id)),
        allocations: oldest_first(r.amount, &open),
    };
    let booked = tx.create_payment(p.tenant, &payment).await?;
    if let Some(reward) = tx.messaging_settings(p.tenant).await?.early_payment {
        let paid: Vec<_> = payment.allocations.iter().map(|a| a.invoice_id).collect();
        crate::early_payment::grant_discounts(&mut tx, p.tenant, &reward, &paid, payment.received_on).await?;
    }
    tx.update_provider_payment(p.id, r.status, Some(booked.id)).await?;
    tx.commit().await?;
    Ok(Settled::Booked(booked.id))
}
