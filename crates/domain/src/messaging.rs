//! Reaching the debtor: the person at the creditor a debtor can talk to, and the rules for
//! delivering a message — when to try again, when a channel has failed for good, and which
//! channel takes over then.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::contact::{EmailAddress, PhoneNumber};
use crate::dunning::policy::Channel;
use crate::money::Cents;
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

/// What paying early earns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Reward {
    /// A percentage off the invoice's total, in hundredths of a percent (200 = 2%).
    Percentage {
        /// Hundredths of a percent, 1 to 5000.
        hundredths: u32,
    },
    /// A fixed amount off.
    Amount {
        /// The amount, in cents.
        amount: Cents,
    },
    /// A code for something else (a voucher, free delivery on the next order).
    Code {
        /// The code to quote.
        code: String,
        /// What it gives, as the debtor reads it ("10% off your next order").
        gives: String,
    },
}

/// A reward for paying an invoice within some days of its date (the seeds: reward paying on
/// time). Nudges offer it; a payment in time earns it, a discount as a credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EarlyPaymentReward {
    /// Days from the invoice date within which the payment must arrive.
    pub within_days: u16,
    /// What it earns.
    pub reward: Reward,
}

impl EarlyPaymentReward {
    /// The last day a payment earns the reward.
    pub fn pay_by(&self, issue_date: jiff::civil::Date) -> jiff::civil::Date {
        crate::dates::add_days(issue_date, i32::from(self.within_days))
    }

    /// The discount an invoice of `total` dated `issue_date` earns when paid on `on`: none
    /// after the last day, for a code, or when nothing would be left to pay. A percentage is of
    /// the total with VAT, rounded half-up to the cent once.
    pub fn discount(&self, total: Cents, issue_date: jiff::civil::Date, on: jiff::civil::Date) -> Option<Cents> {
        if on > self.pay_by(issue_date) {
            return None;
        }
        let d = match &self.reward {
            Reward::Percentage { hundredths } => {
                let cents = i128::from(total.cents()) * i128::from(*hundredths);
                Cents::new(i64::try_from((cents + 5_000) / 10_000).ok()?).ok()?
            }
            Reward::Amount { amount } => *amount,
            Reward::Code { .. } => return None,
        };
        (d.is_positive() && d < total).then_some(d)
    }

    fn problems(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if !(1..=90).contains(&self.within_days) {
            p.push(FieldProblem::new("early_payment.within_days", "must lie between 1 and 90"));
        }
        match &self.reward {
            Reward::Percentage { hundredths } if !(1..=5_000).contains(hundredths) => {
                p.push(FieldProblem::new("early_payment.reward.hundredths", "must lie between 1 (0.01%) and 5000 (50%)"))
            }
            Reward::Amount { amount } if !amount.is_positive() => {
                p.push(FieldProblem::new("early_payment.reward.amount", "must be more than zero"))
            }
            Reward::Code { code, gives } => {
                check_text(&mut p, "early_payment.reward.code", code, 40);
                check_text(&mut p, "early_payment.reward.gives", gives, 200);
            }
            _ => {}
        }
        p
    }
}

/// A tenant's settings for messages to its debtors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagingSettings {
    /// Who debtors can talk to; without one, messages name the tenant and its address only.
    #[serde(default)]
    pub desk: Option<ContactDesk>,
    /// A reward for paying early, offered in every nudge; none by default.
    #[serde(default)]
    pub early_payment: Option<EarlyPaymentReward>,
    /// What a debtor may agree to in the portal without a person: the smallest instalment and
    /// the longest plan.
    #[serde(default)]
    pub arrangements: crate::dunning::agreement::ArrangementLimits,
    /// The tenant's colour in the debtor portal, as `#rrggbb`; Tegoed's own when none.
    #[serde(default)]
    pub brand_colour: Option<String>,
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
        if let Some(e) = &self.early_payment {
            p.extend(e.problems());
        }
        p.extend(self.arrangements.problems());
        if let Some(c) = &self.brand_colour {
            match contrast_with_white(c) {
                None => p.push(FieldProblem::new("brand_colour", "a colour as #rrggbb, for example #0b5cad")),
                Some(ratio) if ratio < 4.5 => p.push(FieldProblem::new(
                    "brand_colour",
                    format!(
                        "white text on it has a contrast of {ratio:.1}:1; choose a darker colour (at least 4.5:1, WCAG 2.1 criterion 1.4.3)"
                    ),
                )),
                Some(_) => {}
            }
        }
        p
    }
}

/// The contrast ratio of white text on a `#rrggbb` colour, by WCAG 2.1's definitions of relative
/// luminance and contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance); `None`
/// when it is not such a colour. Buttons in the portal are white on the tenant's colour.
pub fn contrast_with_white(colour: &str) -> Option<f64> {
    let hex = colour.strip_prefix('#').filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))?;
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).ok()?) / 255.0;
        Some(if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) })
    };
    let l = 0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?;
    Some(1.05 / (l + 0.05))
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
    fn a_brand_colour_must_carry_white_text_readably() {
        // WCAG 2.1: black on white is 21:1; #0b5cad gives about 6.9:1; yellow about 1.1:1.
        assert!((contrast_with_white("#000000").expect("as written") - 21.0).abs() < 0.01);
        assert!(contrast_with_white("#0b5cad").expect("as written") > 4.5);
        assert!(contrast_with_white("#ffff00").expect("as written") < 1.2);
        assert_eq!(contrast_with_white("blue"), None);
        let mut s = MessagingSettings { brand_colour: Some("#ffff00".into()), ..Default::default() };
        assert_eq!(s.problems()[0].field, "brand_colour");
        s.brand_colour = Some("#0b5cad".into());
        assert!(s.problems().is_empty());
    }

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
    fn paying_early_earns_its_reward_until_the_last_day() {
        let d = |m, day| jiff::civil::date(2026, m, day);
        let two = EarlyPaymentReward { within_days: 10, reward: Reward::Percentage { hundredths: 200 } };
        let total = Cents::new(12_345).expect("cents");
        assert_eq!(two.pay_by(d(3, 1)), d(3, 11));
        assert_eq!(two.discount(total, d(3, 1), d(3, 11)), Some(Cents::new(247).expect("cents")), "2% of 123.45 is 2.469, half-up 2.47");
        assert_eq!(two.discount(total, d(3, 1), d(3, 12)), None, "a day late");
        let fixed = EarlyPaymentReward { within_days: 10, reward: Reward::Amount { amount: Cents::new(20_000).expect("cents") } };
        assert_eq!(fixed.discount(total, d(3, 1), d(3, 2)), None, "never the whole invoice");
        let code = EarlyPaymentReward { within_days: 10, reward: Reward::Code { code: "SNEL10".into(), gives: "10% korting".into() } };
        assert_eq!(code.discount(total, d(3, 1), d(3, 2)), None);
        let bad: MessagingSettings =
            serde_json::from_str(r#"{"early_payment": {"within_days": 0, "reward": {"kind": "percentage", "hundredths": 9000}}}"#)
                .expect("json");
        assert_eq!(bad.problems().len(), 2);
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
