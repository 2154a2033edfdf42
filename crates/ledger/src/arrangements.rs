//! Agreeing an arrangement over a debtor's invoices, one way for the API, the portal and a
//! person approving a proposal: the invoices must be open, the debtor's, and in no other active
//! arrangement, and the plan must pay exactly what is open on them.

use jiff::civil::Date;

use domain::FieldProblem;
use domain::dunning::agreement::Schedule;
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::invoice::InvoiceStatus;
use domain::money::Cents;
use store::{StoreError, Tx};

/// What is open on a debtor's invoices that an arrangement can cover: open, with something left
/// to pay, and in no active arrangement. With the total open and what was settled on them.
pub async fn arrangeable(tx: &mut Tx, tenant: TenantId, debtor: DebtorId) -> Result<(Vec<InvoiceId>, Cents, Cents), StoreError> {
    let ids: Vec<InvoiceId> = tx.open_invoices_of(tenant, debtor).await?.into_iter().map(|(i, _)| i.id).collect();
    let taken = tx.invoices_in_arrangements(tenant, &ids).await?;
    let free: Vec<InvoiceId> = ids.into_iter().filter(|i| !taken.contains(i)).collect();
    let invoices = tx.invoices_by_id(tenant, &free).await?;
    let open: Vec<_> = invoices.iter().filter(|i| i.status == InvoiceStatus::Open && i.outstanding.is_positive()).collect();
    let owed = open.iter().map(|i| i.outstanding).sum();
    let settled = open.iter().map(|i| i.paid + i.credited).sum();
    Ok((open.iter().map(|i| i.id).collect(), owed, settled))
}

/// Agrees an arrangement: the invoices are checked (named once, the debtor's, open, in no other
/// active arrangement) and the plan must cover what is open on them from `today`. The new
/// arrangement's id, or the problems by field.
pub async fn agree(
    tx: &mut Tx,
    tenant: TenantId,
    debtor: DebtorId,
    invoice_ids: &[InvoiceId],
    schedule: &Schedule,
    note: Option<&str>,
    today: Date,
) -> Result<Result<i64, Vec<FieldProblem>>, StoreError> {
    let mut problems = Vec::new();
    let mut ids = invoice_ids.to_vec();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        problems.push(FieldProblem::new("invoice_ids", "name at least one invoice"));
    }
    if ids.len() != invoice_ids.len() {
        problems.push(FieldProblem::new("invoice_ids", "an invoice is named twice"));
    }
    let invoices = tx.invoices_by_id(tenant, &ids).await?;
    let taken = tx.invoices_in_arrangements(tenant, &ids).await?;
    for (i, want) in invoice_ids.iter().enumerate() {
        let at = format!("invoice_ids[{i}]");
        match invoices.iter().find(|inv| inv.id == *want && inv.debtor_id == debtor) {
            None => problems.push(FieldProblem::new(at, format!("no invoice {want} of this debtor"))),
            Some(inv) if inv.status != InvoiceStatus::Open || !inv.outstanding.is_positive() => {
                problems.push(FieldProblem::new(at, format!("invoice {} is {}: nothing to arrange", inv.number, inv.status.as_str())))
            }
            Some(inv) if taken.contains(&inv.id) => {
                problems.push(FieldProblem::new(at, format!("invoice {} is in another active arrangement", inv.number)))
            }
            Some(_) => {}
        }
    }
    let mine: Vec<_> = invoices.iter().filter(|i| i.debtor_id == debtor).collect();
    let owed: Cents = mine.iter().map(|i| i.outstanding).sum();
    let settled: Cents = mine.iter().map(|i| i.paid + i.credited).sum();
    if problems.is_empty() {
        problems.extend(schedule.problems(owed, today));
    }
    if let Some(n) = note {
        domain::check_text(&mut problems, "note", n, 1000);
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    Ok(Ok(tx.add_arrangement(tenant, debtor, &ids, schedule, settled, note).await?))
}

/// How a decision on a debtor's proposal went.
#[derive(Debug)]
pub enum ProposalDecision {
    /// Approved: the arrangement it became.
    Approved(i64),
    /// Rejected: the track resumes at the next run.
    Rejected,
    /// The tenant has no such proposal.
    NotFound,
    /// It was decided before (approved or rejected).
    AlreadyDecided(String),
    /// It can no longer be agreed as it is (an invoice paid meanwhile, a first date passed).
    Invalid(Vec<FieldProblem>),
}

/// Decides a pending arrangement proposal from the portal, for the API and the back-office
/// alike: approving agrees it as an arrangement; either way the hold kept while it waited ends.
/// In the caller's unit of work.
pub async fn decide_proposal(tx: &mut Tx, tenant: TenantId, id: i64, approve: bool, today: Date) -> Result<ProposalDecision, StoreError> {
    let Some(p) = tx.arrangement_proposal(tenant, id).await? else { return Ok(ProposalDecision::NotFound) };
    if p.status != "pending" {
        return Ok(ProposalDecision::AlreadyDecided(p.status));
    }
    let arrangement = if approve {
        let note = format!("voorstel uit het portaal / proposal from the portal #{id}");
        match agree(tx, tenant, p.debtor_id, &p.invoice_ids, &p.schedule, Some(&note), today).await? {
            Ok(a) => Some(a),
            Err(problems) => return Ok(ProposalDecision::Invalid(problems)),
        }
    } else {
        None
    };
    if !tx.decide_arrangement_proposal(tenant, id, arrangement).await? {
        return Ok(ProposalDecision::AlreadyDecided("decided meanwhile".into()));
    }
    if let Some(hold) = p.hold_pause_id {
        tx.end_pause(tenant, hold).await?;
    }
    Ok(arrangement.map_or(ProposalDecision::Rejected, ProposalDecision::Approved))
}
