//! The debtor: the customer who owes, and how to reach them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::contact::{Address, EmailAddress, KvkNumber, PhoneNumber, VatId};
use crate::dunning::policy::Channel;
use crate::ids::{DebtorId, TenantId};
use crate::money::Cents;
use crate::{FieldProblem, check_text};

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name { $($(#[$vdoc])* #[serde(rename = $word)] $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored and exchanged for this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// Reads the stored word back.
            pub fn parse(s: &str) -> Result<Self, $crate::Invalid> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err($crate::Invalid::new(stringify!($name), format!(
                        "'{s}' is not one of: {}", [$($word),+].join(", ")
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use word_enum;

word_enum!(
    /// Consumer or business: different law (14-day letter, interest kind) and different tone.
    DebtorKind { /** A natural person not acting for a business. */ Consumer = "consumer", /** A company or a person acting for one. */ Business = "business" }
);
word_enum!(
    /// The language every text to the debtor is written in.
    Language { /** Dutch. */ Nl = "nl", /** English. */ En = "en" }
);
word_enum!(
    /// How texts are worded: plain (B1), standard, or formal (see TONE.md).
    LanguageLevel { /** Short sentences, everyday words (B1). */ Plain = "plain", /** Normal business language. */ Standard = "standard", /** Full sentences and titles. */ Formal = "formal" }
);
word_enum!(
    /// Whether the debtor lives online; hardly-online debtors never get a digital-only track.
    DigitalAffinity { /** Reads email and messages. */ Online = "online", /** Hardly online: letters and calls. */ Offline = "offline" }
);
word_enum!(
    /// The group a debtor's track is chosen by.
    Segment { /** Long, good relationship: a gentler track. */ Loyal = "loyal", /** Everyone else. */ Standard = "standard", /** Known to pay late or not: a firmer track. */ Risk = "risk" }
);

/// A person at the debtor to address messages to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactPerson {
    /// Name, as used in a greeting.
    pub name: String,
    /// Email address.
    #[serde(default)]
    pub email: Option<EmailAddress>,
    /// Phone number (calls, SMS).
    #[serde(default)]
    pub phone: Option<PhoneNumber>,
    /// Whether this person agreed to WhatsApp messages; without it, none are sent.
    #[serde(default)]
    pub whatsapp_opt_in: bool,
}

/// A debtor of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Debtor {
    /// Identifier.
    pub id: DebtorId,
    /// The tenant this debtor owes.
    pub tenant_id: TenantId,
    /// The tenant's own customer number.
    pub external_id: Option<String>,
    /// Consumer or business.
    pub kind: DebtorKind,
    /// Name of the person or company.
    pub name: String,
    /// People to address, the first one first.
    pub contacts: Vec<ContactPerson>,
    /// Postal address.
    pub address: Option<Address>,
    /// Language of every text.
    pub language: Language,
    /// Wording of every text.
    pub language_level: LanguageLevel,
    /// Online or hardly online.
    pub digital_affinity: DigitalAffinity,
    /// The channel the debtor prefers for messages (email, SMS or WhatsApp): put first when a
    /// step offers it.
    #[serde(default)]
    pub preferred_channel: Option<Channel>,
    /// Segment.
    pub segment: Segment,
    /// Most the debtor may owe before new deliveries should stop.
    pub credit_limit: Option<Cents>,
    /// KvK number of a business debtor.
    pub kvk_number: Option<KvkNumber>,
    /// VAT id of a business debtor.
    pub vat_id: Option<VatId>,
    /// When created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// What it takes to create a debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewDebtor {
    /// The tenant's own customer number; unique per tenant.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Consumer or business.
    pub kind: DebtorKind,
    /// Name.
    pub name: String,
    /// Contact persons.
    #[serde(default)]
    pub contacts: Vec<ContactPerson>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<Address>,
    /// Language (default Dutch).
    #[serde(default = "default_language")]
    pub language: Language,
    /// Language level (default standard).
    #[serde(default = "default_level")]
    pub language_level: LanguageLevel,
    /// Digital affinity (default online).
    #[serde(default = "default_affinity")]
    pub digital_affinity: DigitalAffinity,
    /// Preferred channel for messages: email, sms or whatsapp (default none).
    #[serde(default)]
    pub preferred_channel: Option<Channel>,
    /// Segment (default standard).
    #[serde(default = "default_segment")]
    pub segment: Segment,
    /// Credit limit.
    #[serde(default)]
    pub credit_limit: Option<Cents>,
    /// KvK number.
    #[serde(default)]
    pub kvk_number: Option<KvkNumber>,
    /// VAT id.
    #[serde(default)]
    pub vat_id: Option<VatId>,
}

fn default_language() -> Language {
    Language::Nl
}
fn default_level() -> LanguageLevel {
    LanguageLevel::Standard
}
fn default_affinity() -> DigitalAffinity {
    DigitalAffinity::Online
}
fn default_segment() -> Segment {
    Segment::Standard
}

impl NewDebtor {
    /// A debtor with a name and a kind, every other field at its default.
    pub fn named(kind: DebtorKind, name: impl Into<String>) -> Self {
        NewDebtor {
            external_id: None,
            kind,
            name: name.into(),
            contacts: Vec::new(),
            address: None,
            language: default_language(),
            language_level: default_level(),
            digital_affinity: default_affinity(),
            preferred_channel: None,
            segment: default_segment(),
            credit_limit: None,
            kvk_number: None,
            vat_id: None,
        }
    }

    /// Rules the types cannot carry.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        check_text(&mut p, "name", &self.name, 200);
        check_external_id(&mut p, self.external_id.as_deref());
        check_contacts(&mut p, &self.contacts);
        check_credit_limit(&mut p, self.credit_limit);
        check_preferred_channel(&mut p, self.preferred_channel);
        p
    }
}

/// A change to some of a debtor's fields; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DebtorChange {
    /// New customer number.
    pub external_id: Option<String>,
    /// New kind.
    pub kind: Option<DebtorKind>,
    /// New name.
    pub name: Option<String>,
    /// New contact persons (replaces the list).
    pub contacts: Option<Vec<ContactPerson>>,
    /// New address.
    pub address: Option<Address>,
    /// New language.
    pub language: Option<Language>,
    /// New language level.
    pub language_level: Option<LanguageLevel>,
    /// New digital affinity.
    pub digital_affinity: Option<DigitalAffinity>,
    /// New preferred channel.
    pub preferred_channel: Option<Channel>,
    /// New segment.
    pub segment: Option<Segment>,
    /// New credit limit.
    pub credit_limit: Option<Cents>,
    /// New KvK number.
    pub kvk_number: Option<KvkNumber>,
    /// New VAT id.
    pub vat_id: Option<VatId>,
}

impl DebtorChange {
    /// Applies the change, returning the problems if the result would be invalid.
    pub fn apply(self, d: &mut Debtor) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if let Some(v) = self.name {
            check_text(&mut p, "name", &v, 200);
            d.name = v.trim().to_string();
        }
        if let Some(v) = self.external_id {
            check_external_id(&mut p, Some(&v));
            d.external_id = Some(v.trim().to_string());
        }
        if let Some(v) = self.contacts {
            check_contacts(&mut p, &v);
            d.contacts = v;
        }
        if let Some(v) = self.credit_limit {
            check_credit_limit(&mut p, Some(v));
            d.credit_limit = Some(v);
        }
        macro_rules! set { ($($f:ident),*) => { $( if let Some(v) = self.$f { d.$f = v; } )* } }
        set!(kind, language, language_level, digital_affinity, segment);
        macro_rules! set_opt { ($($f:ident),*) => { $( if self.$f.is_some() { d.$f = self.$f; } )* } }
        set_opt!(address, kvk_number, vat_id);
        if self.preferred_channel.is_some() {
            check_preferred_channel(&mut p, self.preferred_channel);
            d.preferred_channel = self.preferred_channel;
        }
        p
    }
}

fn check_external_id(p: &mut Vec<FieldProblem>, v: Option<&str>) {
    if let Some(v) = v {
        check_text(p, "external_id", v, 64);
    }
}

fn check_contacts(p: &mut Vec<FieldProblem>, contacts: &[ContactPerson]) {
    for (i, c) in contacts.iter().enumerate() {
        check_text(p, &format!("contacts[{i}].name"), &c.name, 200);
        if c.whatsapp_opt_in && c.phone.is_none() {
            p.push(FieldProblem::new(format!("contacts[{i}].whatsapp_opt_in"), "needs a phone number to send WhatsApp messages to"));
        }
    }
}

fn check_preferred_channel(p: &mut Vec<FieldProblem>, v: Option<Channel>) {
    if v.is_some_and(|c| !c.is_digital()) {
        p.push(FieldProblem::new("preferred_channel", "email, sms or whatsapp; a debtor who prefers letters is 'offline'"));
    }
}

fn check_credit_limit(p: &mut Vec<FieldProblem>, v: Option<Cents>) {
    if v.is_some_and(Cents::is_negative) {
        p.push(FieldProblem::new("credit_limit", "must be zero or more"));
    }
}
