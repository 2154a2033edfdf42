//! Reaching the debtor: the person at the creditor a debtor can talk to, and the rules for
//! delivering a message — when to try again, when a channel has failed for good, and which
//! channel takes over then.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::contact::{EmailAddress, PhoneNumber};
use crate::dunning::policy::Channel;
use crate::{FieldProblem, check_text};

/// The person (or desk) at the creditor a debtor can call or write to. Every message names one
/// (TONE.md: "a person to contact, with a name, a phone number and hours").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactDesk {
    /// A name a debtor can ask for ("Sanne de Boer").
    pub name: String,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<PhoneNumber>,
    /// Email address replies go to.
    #[serde(default)]
    pub email: Option<EmailAddress>,
    /// When the phone is answered, as the tenant writes it ("ma–vr 9:00–17:00").
    #[serde(default)]
    pub hours: Option<String>,
}

/// A tenant's settings for messages to its debtors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagingSettings {
    /// Who debtors can talk to; without one, messages name the tenant and its address only.
    #[serde(default)]
    pub desk: Option<ContactDesk>,
}

impl MessagingSettings {
    /// Every problem with the settings, by field.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if let Some(desk) = &self.desk {
            check_text(&mut p, "desk.name", &desk.name, 100);
            if let Some(h) = &desk.hours {
                check_text(&mut p, "desk.hours", h, 100);
            }
            if desk.phone.is_none() && desk.email.is_none() {
                p.push(FieldProblem::new("desk", "needs a phone number or an email address, or both, for debtors to use"));
            }
        }
        p
    }
}

/// The words of a message for one step, language and level, as templates: Tegoed's default or
/// the tenant's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageText {
    /// Subject line of an email, heading of a letter.
    pub subject: String,
    /// The message (email, letter).
    pub body: String,
    /// The short text (SMS, WhatsApp): at most 160 characters once filled in.
    pub sms: String,
}

/// How many times a message is tried on one channel before that channel counts as failed.
pub const MAX_ATTEMPTS: u32 = 8;

/// The wait before attempt `attempts + 1` after `attempts` tries that failed for a passing
/// reason (a server busy, a connection refused): 1, 2, 4 … minutes, at most 2 hours; `None`
/// once [`MAX_ATTEMPTS`] are used up (about 4¼ hours in all), when the channel has failed.
pub fn retry_delay(attempts: u32) -> Option<SignedDuration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let minutes = 1i64 << attempts.saturating_sub(1).min(7);
    Some(SignedDuration::from_mins(minutes.min(120)))
}

/// The channel that takes over when the ones tried so far failed for good: the next of the
/// action's channels (in the policy's order of preference, already limited to those that reach
/// the debtor) not tried yet. A phone call is a task for a person, never a fallback message.
pub fn fallback(channels: &[Channel], tried: &[Channel]) -> Option<Channel> {
    channels.iter().copied().find(|c| *c != Channel::Phone && !tried.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS).map(|a| retry_delay(a).map_or(-1, |d| d.as_mins())).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64]);
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
        assert!(waits.windows(2).all(|w| w[0] < w[1]));
        assert!(waits.iter().all(|m| *m <= 120));
    }

    #[test]
    fn fallback_follows_the_policy_order_and_never_calls() {
        use Channel::*;
        assert_eq!(fallback(&[Email, Sms, Letter], &[Email]), Some(Sms));
        assert_eq!(fallback(&[Email, Sms, Letter], &[Email, Sms]), Some(Letter));
        assert_eq!(fallback(&[Email, Phone, Letter], &[Email]), Some(Letter));
        assert_eq!(fallback(&[Email], &[Email]), None);
    }

    #[test]
    fn a_desk_needs_a_way_to_reach_it() {
        let mut s: MessagingSettings = serde_json::from_str(r#"{"desk": {"name": "Sanne de Boer"}}"#).expect("valid json");
        assert_eq!(s.problems().len(), 1);
        s.desk.as_mut().expect("desk").phone = Some(PhoneNumber::parse("020 123 4567").expect("phone"));
        assert!(s.problems().is_empty());
        let err = serde_json::from_str::<MessagingSettings>(r#"{"desk": {"name": "X", "phone": "12"}}"#).expect_err("bad phone");
        assert!(err.to_string().contains("phone"), "{err}");
    }
}
