//! Policies: ordered steps with their timing, thresholds and channels.

use serde::{Deserialize, Serialize};

use crate::debtor::word_enum;
use crate::money::Cents;
use crate::{FieldProblem, check_text};

word_enum!(
    /// What a step does.
    StepKind {
        /** A helpful message before the due date, with a payment link. */ PreDueNudge = "pre_due_nudge",
        /** A friendly reminder: perhaps it slipped through. */ Reminder = "reminder",
        /** A phone call by a credit controller, on the worklist. */ CallTask = "call_task",
        /** A formal demand with a firm date (aanmaning). */ Demand = "demand",
        /** A formal notice of default (ingebrekestelling). */ NoticeOfDefault = "notice_of_default",
        /** The consumer's 14-day letter (art. 6:96 lid 6 BW). */ FourteenDayLetter = "fourteen_day_letter",
        /** The last message before hand-over. */ FinalNotice = "final_notice",
        /** Hand-over to a collection agency. */ HandOver = "hand_over",
        /** A step of the tenant's own. */ Custom = "custom",
    }
);

impl StepKind {
    /// Steps that catching up may never pass over: they have legal effect, or end the track.
    pub fn never_skipped(self) -> bool {
        matches!(self, StepKind::Demand | StepKind::NoticeOfDefault | StepKind::FourteenDayLetter | StepKind::HandOver)
    }

    /// Steps that only ask: passed over once a debtor has said they will not pay.
    pub fn is_soft(self) -> bool {
        matches!(self, StepKind::PreDueNudge | StepKind::Reminder | StepKind::CallTask | StepKind::Custom)
    }
}

word_enum!(
    /// A way to reach a debtor.
    Channel {
        /** Email. */ Email = "email",
        /** SMS. */ Sms = "sms",
        /** WhatsApp (only with opt-in). */ Whatsapp = "whatsapp",
        /** A letter by post. */ Letter = "letter",
        /** A phone call. */ Phone = "phone",
    }
);

impl Channel {
    /// Whether the channel needs the debtor to be online.
    pub fn is_digital(self) -> bool {
        matches!(self, Channel::Email | Channel::Sms | Channel::Whatsapp)
    }
}

/// What a step's offset counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Anchor {
    /// The invoice's due date.
    DueDate,
    /// The day the previous step was done.
    PreviousStep,
}

/// One step of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    /// What it does.
    pub kind: StepKind,
    /// Days after the anchor (negative before the due date, for a nudge).
    pub offset_days: i32,
    /// What the offset counts from.
    pub anchor: Anchor,
    /// The debtor must owe at least this much overdue for the step to be taken.
    #[serde(default)]
    pub min_overdue: Cents,
    /// Channels in order of preference.
    pub channels: Vec<Channel>,
    /// The text to send, by key (per language and level).
    pub template: String,
    /// A person approves the action before it goes out.
    #[serde(default)]
    pub needs_approval: bool,
    /// The step claims collection costs (computed by `law::nl`).
    #[serde(default)]
    pub adds_collection_costs: bool,
    /// The step claims statutory interest (computed by `law::nl`).
    #[serde(default)]
    pub starts_interest: bool,
}

impl Step {
    /// A step with the given kind, timing and channels, the rest at their defaults.
    pub fn new(kind: StepKind, anchor: Anchor, offset_days: i32, channels: &[Channel]) -> Self {
        Step {
            kind,
            offset_days,
            anchor,
            min_overdue: Cents::ZERO,
            channels: channels.to_vec(),
            template: kind.as_str().to_string(),
            needs_approval: false,
            adds_collection_costs: false,
            starts_interest: false,
        }
    }
}

/// An ordered list of steps, with a name that identifies it within a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    /// Name, unique per tenant ("consumer-standard").
    pub name: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Policy {
    /// Rules a policy meets before it can be used.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        check_text(&mut p, "name", &self.name, 64);
        if self.steps.is_empty() {
            p.push(FieldProblem::new("steps", "a policy needs at least one step"));
        }
        if self.steps.len() > 30 {
            p.push(FieldProblem::new("steps", "at most 30 steps"));
        }
        for (i, s) in self.steps.iter().enumerate() {
            let at = |f: &str| format!("steps[{i}].{f}");
            check_text(&mut p, &at("template"), &s.template, 64);
            if s.channels.is_empty() {
                p.push(FieldProblem::new(at("channels"), "name at least one channel"));
            }
            match s.kind {
                StepKind::CallTask if s.channels != [Channel::Phone] => {
                    p.push(FieldProblem::new(at("channels"), "a call task is made by phone: channels must be [\"phone\"]"))
                }
                StepKind::CallTask => {}
                _ if s.channels.contains(&Channel::Phone) => {
                    p.push(FieldProblem::new(at("channels"), "only a call task uses the phone channel"))
                }
                _ => {}
            }
            if s.kind == StepKind::PreDueNudge && (i != 0 || s.anchor != Anchor::DueDate || s.offset_days > 0) {
                p.push(FieldProblem::new(at("kind"), "a pre-due nudge is the first step, on or before the due date"));
            }
            if s.anchor == Anchor::PreviousStep && s.offset_days < 0 {
                p.push(FieldProblem::new(at("offset_days"), "a step cannot come before the step it follows"));
            }
            if s.kind == StepKind::FourteenDayLetter && !s.channels.iter().any(|c| matches!(c, Channel::Letter | Channel::Email)) {
                p.push(FieldProblem::new(at("channels"), "a 14-day letter goes by letter or by email with proof of delivery"));
            }
            if i > 0 && s.anchor == Anchor::DueDate {
                // Steps anchored on the due date must not come before an earlier one.
                let earlier = self.steps[..i].iter().filter(|e| e.anchor == Anchor::DueDate).map(|e| e.offset_days).max();
                if earlier.is_some_and(|e| e > s.offset_days) {
                    p.push(FieldProblem::new(at("offset_days"), "comes before an earlier step; steps are in date order"));
                }
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_checked() {
        let good = Policy {
            name: "p".into(),
            steps: vec![
                Step::new(StepKind::PreDueNudge, Anchor::DueDate, -3, &[Channel::Email]),
                Step::new(StepKind::Reminder, Anchor::DueDate, 5, &[Channel::Email]),
                Step::new(StepKind::CallTask, Anchor::PreviousStep, 7, &[Channel::Phone]),
            ],
        };
        assert!(good.problems().is_empty(), "{:?}", good.problems());
        let bad = Policy {
            name: String::new(),
            steps: vec![
                Step::new(StepKind::Reminder, Anchor::DueDate, 5, &[Channel::Phone]),
                Step::new(StepKind::PreDueNudge, Anchor::DueDate, -3, &[Channel::Email]),
                Step::new(StepKind::CallTask, Anchor::PreviousStep, -1, &[Channel::Email]),
                Step::new(StepKind::FourteenDayLetter, Anchor::PreviousStep, 7, &[Channel::Sms]),
                Step::new(StepKind::Demand, Anchor::DueDate, 1, &[]),
            ],
        };
        let fields: Vec<String> = bad.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "steps[0].channels",
                "steps[1].kind",
                "steps[1].offset_days",
                "steps[2].channels",
                "steps[2].offset_days",
                "steps[3].channels",
                "steps[4].channels",
                "steps[4].offset_days"
            ]
        );
    }
}
