//! The tracks Tegoed starts a tenant with, after the seeds: make paying easy, remind kindly,
//! call before anything hard, the 14-day letter before any cost for a consumer, and a
//! complete hand-over only when all that failed. Loyal customers get more time, risky ones
//! less. A debtor who is hardly online never gets a digital-only track: letters and calls.

use super::policy::{Anchor, Channel, Policy, Step, StepKind};
use crate::debtor::{DebtorKind, DigitalAffinity, Segment};
use crate::money::Cents;

use Anchor::{DueDate, PreviousStep};
use Channel::{Email, Letter, Phone, Sms, Whatsapp};

/// Days between steps for a segment: loyal customers get more room, risky ones less.
fn spacing(segment: Segment, standard: i32) -> i32 {
    match segment {
        Segment::Loyal => standard * 2,
        Segment::Standard => standard,
        Segment::Risk => (standard + 1) / 2,
    }
}

fn call(min_overdue: i64, after: i32) -> Step {
    let mut s = Step::new(StepKind::CallTask, PreviousStep, after, &[Phone]);
    s.min_overdue = Cents::from_cents_unchecked(min_overdue);
    s
}

fn hand_over(after: i32) -> Step {
    let mut s = Step::new(StepKind::HandOver, PreviousStep, after, &[Letter, Email]);
    s.needs_approval = true;
    s.adds_collection_costs = true;
    s.starts_interest = true;
    s
}

/// The default policy for a kind of debtor in a segment.
pub fn default_policy(kind: DebtorKind, segment: Segment) -> Policy {
    let gap = |d| spacing(segment, d);
    let steps = match kind {
        DebtorKind::Consumer => {
            let mut steps = Vec::new();
            if segment != Segment::Risk {
                steps.push(Step::new(StepKind::PreDueNudge, DueDate, -3, &[Email, Whatsapp, Sms]));
            }
            steps.push(Step::new(StepKind::Reminder, DueDate, gap(4), &[Email, Sms, Letter]));
            // The human step before the hard one; loyal customers are called whatever they owe.
            steps.push(call(if segment == Segment::Loyal { 0 } else { 10_000 }, gap(5)));
            steps.push(Step::new(StepKind::Reminder, PreviousStep, gap(5), &[Email, Letter]));
            let mut letter = Step::new(StepKind::FourteenDayLetter, PreviousStep, gap(7), &[Letter, Email]);
            letter.adds_collection_costs = true;
            steps.push(letter);
            // The letter's term: fourteen days from the day after receipt, plus post and margin.
            steps.push(hand_over(21.max(gap(14))));
            steps
        }
        DebtorKind::Business => {
            let mut demand = Step::new(StepKind::Demand, PreviousStep, gap(7), &[Email, Letter]);
            demand.starts_interest = true;
            demand.adds_collection_costs = true;
            vec![Step::new(StepKind::Reminder, DueDate, gap(5), &[Email]), call(0, gap(5)), demand, hand_over(gap(14))]
        }
    };
    let name = format!("{}-{}", kind.as_str(), segment.as_str());
    Policy { name, steps }
}

/// A policy made fit for a debtor who is hardly online: every message also goes by letter, a
/// nudge is dropped (a letter to say "handy: pay now" costs more than it brings), calls stay.
pub fn for_offline(policy: &Policy) -> Policy {
    let steps = policy
        .steps
        .iter()
        .filter(|s| s.kind != StepKind::PreDueNudge)
        .map(|s| {
            let mut s = s.clone();
            if s.kind != StepKind::CallTask {
                s.channels = vec![Letter];
            }
            s
        })
        .collect();
    Policy { name: format!("{}-offline", policy.name), steps }
}

/// The default policy for a debtor.
pub fn default_policy_for(kind: DebtorKind, segment: Segment, affinity: DigitalAffinity) -> Policy {
    let p = default_policy(kind, segment);
    if affinity == DigitalAffinity::Offline { for_offline(&p) } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::debtor::{DebtorKind, DigitalAffinity, Segment};

    fn all() -> Vec<Policy> {
        let mut v = Vec::new();
        for kind in DebtorKind::ALL {
            for segment in Segment::ALL {
                for affinity in DigitalAffinity::ALL {
                    v.push(default_policy_for(*kind, *segment, *affinity));
                }
            }
        }
        v
    }

    #[test]
    fn every_default_policy_is_valid() {
        for p in all() {
            assert!(p.problems().is_empty(), "{}: {:?}", p.name, p.problems());
        }
    }

    #[test]
    fn consumers_get_the_14_day_letter_before_any_cost_or_hand_over() {
        for p in all().into_iter().filter(|p| p.name.starts_with("consumer")) {
            let letter = p.steps.iter().position(|s| s.kind == StepKind::FourteenDayLetter).expect("has the letter");
            let first_cost = p.steps.iter().position(|s| s.adds_collection_costs).expect("costs at some point");
            assert_eq!(letter, first_cost, "{}: costs come with the letter, not before", p.name);
            let call = p.steps.iter().position(|s| s.kind == StepKind::CallTask).expect("a call");
            assert!(call < letter, "{}: the call comes before the hard step", p.name);
            assert_eq!(p.steps.last().map(|s| s.kind), Some(StepKind::HandOver));
            assert!(
                p.steps.last().is_some_and(|s| s.needs_approval && s.offset_days >= 16),
                "{}: hand-over after the letter's term",
                p.name
            );
        }
    }

    #[test]
    fn the_hardly_online_never_get_a_digital_only_step() {
        for p in all().into_iter().filter(|p| p.name.ends_with("offline")) {
            for s in &p.steps {
                assert!(s.channels.iter().any(|c| !c.is_digital()), "{}: {:?}", p.name, s);
            }
            assert!(p.steps.iter().all(|s| s.kind != StepKind::PreDueNudge));
        }
    }

    #[test]
    fn loyal_tracks_are_gentler_and_risky_ones_firmer() {
        let days = |p: &Policy| p.steps.iter().map(|s| s.offset_days.max(0)).sum::<i32>();
        for kind in DebtorKind::ALL {
            let (loyal, standard, risk) =
                (default_policy(*kind, Segment::Loyal), default_policy(*kind, Segment::Standard), default_policy(*kind, Segment::Risk));
            assert!(days(&loyal) > days(&standard) && days(&standard) > days(&risk), "{kind}");
        }
    }
}
