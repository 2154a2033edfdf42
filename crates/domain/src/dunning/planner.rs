//! The planner: one debtor, one day, its invoices and their progress, the policy → the next
//! action, or none. Pure and deterministic; the daily run stores what it returns under the
//! action's key, in the same transaction as the outbox message (see the module docs).

use jiff::civil::Date;
use serde::Serialize;

use super::policy::{Anchor, Channel, Policy, StepKind};
use crate::dates::add_days;
use crate::debtor::{Debtor, DebtorKind, DigitalAffinity, Segment, word_enum};
use crate::ids::{DebtorId, InvoiceId};
use crate::invoice::{Invoice, InvoiceStatus};
use crate::money::Cents;

/// A step done for an invoice, in the current track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StepDone {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Index of the step in its policy.
    pub step: usize,
    /// The day it was done.
    pub on: Date,
}

/// Something that takes invoices off the track for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Pause {
    /// An invoice is disputed, until a decision or the given day.
    Dispute {
        /// The invoice.
        invoice_id: InvoiceId,
        /// Last day of the pause, if it has one.
        until: Option<Date>,
    },
    /// Invoices in an arrangement, until the day it breaks (see [`super::agreement::Schedule::breaks_on`]).
    Arrangement {
        /// The invoices it covers.
        invoice_ids: Vec<InvoiceId>,
        /// The first day it counts as broken if nothing more is paid; `None` when all is paid.
        breaks_on: Option<Date>,
    },
    /// The debtor promised to pay by a day (including any grace): all invoices wait until then.
    Promise {
        /// Last day of the pause.
        until: Date,
    },
    /// A credit controller put the debtor on hold.
    Hold {
        /// Last day of the hold, if it has one.
        until: Option<Date>,
    },
    /// The debtor was referred to debt help: no collection until that is lifted.
    DebtHelp,
}

impl Pause {
    fn covers(&self, invoice: InvoiceId, today: Date) -> bool {
        match self {
            Pause::Dispute { invoice_id, until } => *invoice_id == invoice && until.is_none_or(|u| today <= u),
            Pause::Arrangement { invoice_ids, breaks_on } => invoice_ids.contains(&invoice) && breaks_on.is_none_or(|b| today < b),
            Pause::Promise { until } => today <= *until,
            Pause::Hold { until } => until.is_none_or(|u| today <= u),
            Pause::DebtHelp => true,
        }
    }
}

word_enum!(
    /// A fact on a debtor's file that changes the track, set by a call or a broken promise.
    Flag {
        /** A promise to pay was not kept. */ BrokenPromise = "broken_promise",
        /** The debtor cannot pay at once: an arrangement was offered. */ CantPay = "cant_pay",
        /** The debtor will not pay: the soft steps are passed over, toward hand-over. */ WontPay = "wont_pay",
        /** The phone number is wrong: no calls, SMS or WhatsApp until it is corrected. */ WrongNumber = "wrong_number",
    }
);

/// The flags on a debtor's file as the planner uses them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DebtorState {
    /// The day the debtor said they will not pay: from then on the soft steps (nudges, reminders,
    /// calls, custom steps) are passed over and the formal ones come at their own pace.
    pub escalated_on: Option<Date>,
    /// The phone number is known to be wrong.
    pub wrong_number: bool,
}

impl DebtorState {
    /// The state from the flags in force, each with the day it was set.
    pub fn from_flags(flags: &[(Flag, Date)]) -> Self {
        let mut s = DebtorState::default();
        for &(flag, on) in flags {
            match flag {
                Flag::WontPay => s.escalated_on = Some(s.escalated_on.map_or(on, |e| e.min(on))),
                Flag::WrongNumber => s.wrong_number = true,
                Flag::BrokenPromise | Flag::CantPay => {}
            }
        }
        s
    }
}

/// What the planner needs of an open invoice: no more, so that the daily run reads no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenItem {
    /// The invoice.
    pub id: InvoiceId,
    /// Its debtor.
    pub debtor_id: DebtorId,
    /// Its due date.
    pub due_date: Date,
    /// What is still owed on it.
    pub outstanding: Cents,
}

impl OpenItem {
    /// The invoice as the planner sees it, if it is open with money owed.
    pub fn of(inv: &Invoice) -> Option<Self> {
        (inv.status == InvoiceStatus::Open && inv.outstanding.is_positive()).then_some(OpenItem {
            id: inv.id,
            debtor_id: inv.debtor_id,
            due_date: inv.due_date,
            outstanding: inv.outstanding,
        })
    }
}

/// What the planner needs of a debtor: which track, and how they can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtorProfile {
    /// The debtor.
    pub id: DebtorId,
    /// Consumer or business.
    pub kind: DebtorKind,
    /// Segment.
    pub segment: Segment,
    /// Online or hardly online.
    pub digital_affinity: DigitalAffinity,
    /// The channel the debtor prefers, put first when a step offers it.
    pub preferred_channel: Option<Channel>,
    /// A contact has an email address.
    pub has_email: bool,
    /// A contact has a phone number.
    pub has_phone: bool,
    /// A contact with a phone number agreed to WhatsApp.
    pub whatsapp_opt_in: bool,
    /// The debtor has a postal address.
    pub has_address: bool,
}

impl From<&Debtor> for DebtorProfile {
    fn from(d: &Debtor) -> Self {
        DebtorProfile {
            id: d.id,
            kind: d.kind,
            segment: d.segment,
            digital_affinity: d.digital_affinity,
            preferred_channel: d.preferred_channel,
            has_email: d.contacts.iter().any(|c| c.email.is_some()),
            has_phone: d.contacts.iter().any(|c| c.phone.is_some()),
            whatsapp_opt_in: d.contacts.iter().any(|c| c.phone.is_some() && c.whatsapp_opt_in),
            has_address: d.address.is_some(),
        }
    }
}

/// What the planner knows of one debtor.
#[derive(Debug, Clone, Copy)]
pub struct DebtorFile<'a> {
    /// The debtor.
    pub debtor: &'a DebtorProfile,
    /// Flags on the file.
    pub state: DebtorState,
    /// The debtor's open invoices.
    pub invoices: &'a [OpenItem],
    /// Steps done, per invoice.
    pub done: &'a [StepDone],
    /// Pauses in force or past.
    pub pauses: &'a [Pause],
}

/// The track a policy lays out for one invoice of `outstanding` due on `due`, as the planner
/// itself would walk it when the debtor pays nothing and says nothing: every step with the day
/// it falls on and the channel it goes by, from 30 days before the due date to `horizon` days
/// after it. What the policy editor previews.
pub fn simulate(policy: &Policy, debtor: &DebtorProfile, outstanding: Cents, due: Date, horizon: i32) -> Vec<PlannedAction> {
    let invoice = [OpenItem { id: InvoiceId(1), debtor_id: debtor.id, due_date: due, outstanding }];
    let file = DebtorFile { debtor, state: DebtorState::default(), invoices: &invoice, done: &[], pauses: &[] };
    preview(&file, policy, add_days(due, -30), add_days(due, horizon)).into_iter().map(|(_, a)| a).collect()
}

/// The next thing to do for a debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedAction {
    /// The debtor.
    pub debtor_id: DebtorId,
    /// The policy followed.
    pub policy: String,
    /// Index of the step in the policy.
    pub step: usize,
    /// What the step does.
    pub kind: StepKind,
    /// The day the step fell due (today or earlier, after an outage).
    pub due_on: Date,
    /// Channels to try, in order; empty when none can reach the debtor (a person must act).
    pub channels: Vec<Channel>,
    /// Invoices at this step: one consolidated notice.
    pub invoices: Vec<InvoiceId>,
    /// What is still open on them.
    pub amount: Cents,
    /// The text, by key.
    pub template: String,
    /// A person approves before it goes out.
    pub needs_approval: bool,
    /// Collection costs are claimed.
    pub adds_collection_costs: bool,
    /// Statutory interest is claimed.
    pub starts_interest: bool,
    /// Key under which the action is stored exactly once.
    pub key: String,
}

/// Whether an open invoice is on the track today: money owed, and not paused.
fn on_track(inv: &OpenItem, pauses: &[Pause], today: Date) -> bool {
    inv.outstanding.is_positive() && !pauses.iter().any(|p| p.covers(inv.id, today))
}

/// The step an invoice should take today, with the day it fell due (see the module docs for the
/// catch-up rule).
fn due_step(
    policy: &Policy,
    inv: &OpenItem,
    done: &[StepDone],
    overdue_total: Cents,
    state: DebtorState,
    today: Date,
) -> Option<(usize, Date)> {
    let done_on = |i: usize| done.iter().find(|d| d.invoice_id == inv.id && d.step == i).map(|d| d.on);
    let last_done = done.iter().filter(|d| d.invoice_id == inv.id).map(|d| d.step).max();
    // The day the previous step happened or was passed over; None while it is still to happen.
    let mut previous = Some(inv.due_date);
    let mut chosen = None;
    for (i, step) in policy.steps.iter().enumerate() {
        let anchor = match (step.anchor, previous) {
            (Anchor::DueDate, _) => inv.due_date,
            (Anchor::PreviousStep, Some(p)) => p,
            // Anchored on a step that has not happened yet: not due.
            (Anchor::PreviousStep, None) => break,
        };
        let due = add_days(anchor, step.offset_days);
        if let Some(on) = done_on(i) {
            previous = Some(on);
            continue;
        }
        if last_done.is_some_and(|l| i < l) {
            // Passed over before: steps anchored on it count from its own day.
            previous = Some(due);
            continue;
        }
        if let Some(e) = state.escalated_on.filter(|_| step.kind.is_soft()) {
            // Will not pay: a soft step is passed over, at the latest on the day that was said.
            previous = Some(due.min(e));
            continue;
        }
        if due > today {
            break;
        }
        let applies = step.min_overdue <= overdue_total && (step.kind != StepKind::PreDueNudge || today <= inv.due_date);
        if applies {
            chosen = Some((i, due));
            if step.kind.never_skipped() {
                break;
            }
            previous = None;
        } else {
            previous = Some(due);
        }
    }
    chosen
}

/// Channels for a step that can reach this debtor, in the step's order. A debtor who is hardly
/// online always gets a letter (never a digital-only step); WhatsApp only with opt-in.
/// A phone number known to be wrong reaches nobody: no calls, SMS or WhatsApp. The channel the
/// debtor prefers goes first when the step offers it and it can reach them.
pub fn reachable_channels(step_channels: &[Channel], debtor: &DebtorProfile, state: DebtorState) -> Vec<Channel> {
    let has_email = debtor.has_email;
    let has_phone = !state.wrong_number && debtor.has_phone;
    let whatsapp = has_phone && debtor.whatsapp_opt_in;
    let offline = debtor.digital_affinity == DigitalAffinity::Offline;
    let mut out: Vec<Channel> = step_channels
        .iter()
        .copied()
        .filter(|c| match c {
            Channel::Email => has_email && !offline,
            Channel::Sms => has_phone && !offline,
            Channel::Whatsapp => whatsapp && !offline,
            Channel::Letter => debtor.has_address,
            Channel::Phone => has_phone,
        })
        .collect();
    if let Some(at) = debtor.preferred_channel.and_then(|p| out.iter().position(|c| *c == p)) {
        let preferred = out.remove(at);
        out.insert(0, preferred);
    }
    let is_call = step_channels == [Channel::Phone];
    if !is_call && debtor.has_address && !out.contains(&Channel::Letter) && (offline || out.is_empty()) {
        out.push(Channel::Letter);
    }
    out
}

/// FNV-1a over the invoice ids: a short, stable digest for the action key.
fn digest(ids: &[InvoiceId]) -> u64 {
    ids.iter().flat_map(|id| id.0.to_le_bytes()).fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The next action for a debtor on `today` under `policy`, or `None`.
pub fn plan(file: &DebtorFile<'_>, policy: &Policy, today: Date) -> Option<PlannedAction> {
    let mine = |id: InvoiceId| file.invoices.iter().any(|i| i.id == id);
    if file.done.iter().any(|d| d.on == today && mine(d.invoice_id)) {
        // At most one step per debtor per day: a second run on the same date adds nothing.
        return None;
    }
    let live: Vec<&OpenItem> = file.invoices.iter().filter(|i| on_track(i, file.pauses, today)).collect();
    let overdue_total: Cents = live.iter().filter(|i| i.due_date < today).map(|i| i.outstanding).sum();
    let candidates: Vec<(usize, Date, &OpenItem)> = live
        .iter()
        .filter_map(|inv| due_step(policy, inv, file.done, overdue_total, file.state, today).map(|(s, d)| (s, d, *inv)))
        .collect();
    // The step due most recently; on a tie, the further one.
    let &(step, due_on, _) = candidates.iter().max_by_key(|(s, d, _)| (*d, *s))?;
    let mut invoices: Vec<InvoiceId> = candidates.iter().filter(|(s, _, _)| *s == step).map(|(_, _, i)| i.id).collect();
    invoices.sort();
    let amount = candidates.iter().filter(|(s, _, _)| *s == step).map(|(_, _, i)| i.outstanding).sum();
    let s = &policy.steps[step];
    Some(PlannedAction {
        debtor_id: file.debtor.id,
        policy: policy.name.clone(),
        step,
        kind: s.kind,
        due_on,
        channels: reachable_channels(&s.channels, file.debtor, file.state),
        key: format!("d{}/{}/s{step}/{:016x}", file.debtor.id, policy.name, digest(&invoices)),
        invoices,
        amount,
        template: s.template.clone(),
        needs_approval: s.needs_approval,
        adds_collection_costs: s.adds_collection_costs,
        starts_interest: s.starts_interest,
    })
}

/// What will happen, day by day, from `from` through `until`, if nothing is paid and every
/// planned action is carried out on its day.
pub fn preview(file: &DebtorFile<'_>, policy: &Policy, from: Date, until: Date) -> Vec<(Date, PlannedAction)> {
    replay(file.done.to_vec(), from, until, |done, day| plan(&DebtorFile { done, ..*file }, policy, day))
}

/// Plans day by day from `from` through `until`, recording each action's steps as done on its
/// day before planning the next: `plan_day` gets the progress so far and the day.
pub fn replay(
    mut done: Vec<StepDone>,
    from: Date,
    until: Date,
    mut plan_day: impl FnMut(&[StepDone], Date) -> Option<PlannedAction>,
) -> Vec<(Date, PlannedAction)> {
    let mut out = Vec::new();
    let mut day = from;
    while day <= until {
        if let Some(action) = plan_day(&done, day) {
            done.extend(action.invoices.iter().map(|&invoice_id| StepDone { invoice_id, step: action.step, on: day }));
            out.push((day, action));
        }
        day = add_days(day, 1);
    }
    out
}

#[cfg(test)]
mod tests;
