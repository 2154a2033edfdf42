//! Message texts: minijinja templates per step, language and level, Tegoed's defaults (in
//! `texts/nl.txt` and `texts/en.txt`) or the tenant's own, rendered into an email's subject,
//! plain-text and HTML parts and a short text for SMS and WhatsApp.
//!
//! A text names what it needs by variable (`{{ total }}`, `{{ pay_by }}`, `{{ invoices }}` …,
//! see [`MessageContext`]) and may take in the shared paragraphs with `{{ blocks.pay }}`,
//! `{{ blocks.help }}`, `{{ blocks.contact }}` and `{{ blocks.invoices }}`. `{{ qr }}` on a line
//! of its own places the EPC QR code in the HTML part; the plain-text part leaves it out.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use domain::debtor::{Language, LanguageLevel};
use domain::dunning::policy::StepKind;
use domain::messaging::MessageText;

/// Which text: the step, the debtor's language and language level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TemplateKey {
    /// The step.
    pub step: StepKind,
    /// The language.
    pub language: Language,
    /// The level.
    pub level: LanguageLevel,
}

/// The steps that send a message (a call task is a person's job, not a text).
pub fn message_steps() -> impl Iterator<Item = StepKind> {
    StepKind::ALL.iter().copied().filter(|s| *s != StepKind::CallTask)
}

/// Tegoed's texts, parsed once from the files compiled into the binary.
struct Defaults {
    templates: HashMap<TemplateKey, MessageText>,
    blocks: HashMap<(Language, LanguageLevel), BTreeMap<String, String>>,
}

fn defaults() -> &'static Defaults {
    static D: OnceLock<Defaults> = OnceLock::new();
    D.get_or_init(|| {
        let mut d = Defaults { templates: HashMap::new(), blocks: HashMap::new() };
        for (language, file, text) in [
            (Language::Nl, "texts/nl.txt", include_str!("../texts/nl.txt")),
            (Language::En, "texts/en.txt", include_str!("../texts/en.txt")),
        ] {
            // The files are part of the source: a malformed one fails every test that renders.
            if let Err(e) = parse_defaults(language, text, &mut d) {
                panic!("{file}: {e}");
            }
        }
        d
    })
}

fn parse_defaults(language: Language, text: &str, d: &mut Defaults) -> Result<(), String> {
    let mut sections: Vec<(usize, &str, Vec<&str>)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(head) = line.strip_prefix("=== ") {
            sections.push((n + 1, head, Vec::new()));
        } else if let Some((_, _, lines)) = sections.last_mut() {
            lines.push(line);
        } else if !(line.starts_with('#') || line.trim().is_empty()) {
            return Err(format!("line {}: text before the first '=== ' heading", n + 1));
        }
    }
    for (line, head, mut lines) in sections {
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        let words: Vec<&str> = head.split_whitespace().collect();
        let level = |w: &str| LanguageLevel::parse(w).map_err(|e| format!("line {line}: {e}"));
        match words.as_slice() {
            ["block", name, lvl] => {
                d.blocks.entry((language, level(lvl)?)).or_default().insert((*name).to_string(), lines.join("\n"));
            }
            [step, lvl] => {
                let step = StepKind::parse(step).map_err(|e| format!("line {line}: {e}"))?;
                let field = |prefix: &str, at: usize| {
                    lines
                        .get(at)
                        .and_then(|l| l.strip_prefix(prefix))
                        .map(str::to_string)
                        .ok_or(format!("line {}: expected '{prefix}'", line + at + 1))
                };
                let subject = field("subject: ", 0)?;
                let sms = field("sms: ", 1)?;
                if lines.get(2) != Some(&"---") {
                    return Err(format!("line {}: expected '---' before the body", line + 3));
                }
                let body = lines[3..].join("\n");
                d.templates.insert(TemplateKey { step, language, level: level(lvl)? }, MessageText { subject, body, sms });
            }
            _ => return Err(format!("line {line}: expected '=== STEP LEVEL' or '=== block NAME LEVEL', got '{head}'")),
        }
    }
    Ok(())
}

/// Tegoed's own text for a step, language and level.
pub fn default_template(key: TemplateKey) -> Option<&'static MessageText> {
    defaults().templates.get(&key)
}

/// One invoice as a text names it, every value written for the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceLine {
    /// Invoice number.
    pub number: String,
    /// Invoice date.
    pub issued: String,
    /// Due date.
    pub due: String,
    /// Its amount.
    pub amount: String,
    /// Paid or credited on it so far.
    pub settled: String,
    /// What is still open on it.
    pub open: String,
    /// Its payment reference, if it has one.
    pub reference: Option<String>,
}

/// The creditor as a text names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditorLine {
    /// Legal name.
    pub name: String,
    /// IBAN in groups of four.
    pub iban: String,
    /// Address lines for a letterhead.
    pub address: Vec<String>,
}

/// The debtor as a text names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebtorLine {
    /// The debtor's name.
    pub name: String,
    /// Whom the message addresses: the contact person, else the debtor.
    pub addressee: String,
}

/// The person to contact, written out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskLine {
    /// Name.
    pub name: String,
    /// Phone number as written for people.
    pub phone: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Opening hours.
    pub hours: Option<String>,
}

/// Collection costs a step states, written out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CostsLine {
    /// Costs including any VAT.
    pub total: String,
    /// Costs before VAT.
    pub costs: String,
    /// VAT on the costs.
    pub vat: String,
}

/// The reward for paying early, written out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RewardLine {
    /// The sentence a nudge says it with.
    pub text: String,
    /// The last day to earn it.
    pub pay_by: String,
    /// What to pay to earn it (the total less the discount; the total for a code).
    pub amount: String,
}

/// Everything a text can name; every amount and date already written in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageContext {
    /// The creditor.
    pub tenant: CreditorLine,
    /// The debtor.
    pub debtor: DebtorLine,
    /// The invoices the message is about.
    pub invoices: Vec<InvoiceLine>,
    /// What is open on them in all.
    pub total: String,
    /// The day to pay by.
    pub pay_by: String,
    /// The payment reference to quote, when one invoice is concerned.
    pub reference: Option<String>,
    /// What to write with a transfer otherwise (the invoice numbers).
    pub remittance: String,
    /// A link that pays in one tap, when the tenant has a payment provider.
    pub payment_link: Option<String>,
    /// The debtor's portal, when there is one.
    pub portal_link: Option<String>,
    /// Whom to contact.
    pub desk: Option<DeskLine>,
    /// Collection costs the step states, if it claims them.
    pub costs: Option<CostsLine>,
    /// The sentences the law requires in this step (the 14-day letter's), in order.
    pub legal: Vec<String>,
    /// The reward for paying early, while it can still be earned.
    pub reward: Option<RewardLine>,
}

/// A message filled in: subject, plain text, HTML and the short text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML, the same content as the plain text.
    pub html: String,
    /// Short text for SMS and WhatsApp.
    pub sms: String,
}

/// A text that could not be filled in, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {message}")]
pub struct TextError {
    /// subject, body or sms.
    pub part: &'static str,
    /// What is wrong (minijinja's message, with the line).
    pub message: String,
}

/// Marks the QR code's place in the HTML part and in a letter; never appears in a finished
/// message.
pub const QR_MARK: &str = "\u{1}qr\u{1}";
/// Marks where a letter draws its table of invoices (`{{ blocks.invoices }}`).
pub const INVOICES_MARK: &str = "\u{1}invoices\u{1}";

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // A misspelt variable is an error, not an empty gap in a letter to a debtor.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

fn render_one(env: &Environment<'_>, part: &'static str, source: &str, ctx: &minijinja::Value) -> Result<String, TextError> {
    env.render_str(source, ctx).map_err(|e| TextError { part, message: describe(&e) })
}

fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("line {line}: {}", e.detail().unwrap_or(&e.to_string())),
        None => e.to_string(),
    }
}

fn fill(
    env: &Environment<'_>,
    template: &MessageText,
    language: Language,
    level: LanguageLevel,
    ctx: &MessageContext,
    qr: &str,
    invoices: Option<&str>,
) -> Result<(String, String), TextError> {
    let base = minijinja::Value::from(minijinja::value::Serde(ctx));
    let with_qr = minijinja::context! { qr => qr, ..base };
    let mut blocks = BTreeMap::new();
    for (name, source) in defaults().blocks.get(&(language, level)).into_iter().flatten() {
        let filled = match (name.as_str(), invoices) {
            ("invoices", Some(mark)) => mark.to_string(),
            _ => render_one(env, "body", source, &with_qr)?,
        };
        blocks.insert(name.clone(), filled);
    }
    let full = minijinja::context! { blocks => blocks, ..with_qr };
    Ok((render_one(env, "subject", &template.subject, &full)?, render_one(env, "body", &template.body, &full)?))
}

/// Fills in a text for a debtor in `language` at `level`.
pub fn render(template: &MessageText, language: Language, level: LanguageLevel, ctx: &MessageContext) -> Result<Rendered, TextError> {
    let env = environment();
    // Filled in once, with the QR code's mark; the plain text is the same without it.
    let (subject, marked) = fill(&env, template, language, level, ctx, QR_MARK, None)?;
    let subject = subject.replace(QR_MARK, "");
    let text = marked.replace(QR_MARK, "");
    let sms = {
        let base = minijinja::Value::from(minijinja::value::Serde(ctx));
        render_one(&env, "sms", &template.sms, &minijinja::context! { qr => "", ..base })?
    };
    Ok(Rendered {
        subject: one_line(&subject),
        text: tidy(&text),
        html: html(&tidy(&marked), ctx.payment_link.as_deref(), &one_line(&subject)),
        sms: one_line(&sms),
    })
}

/// Fills in a text for a letter: the subject, and the body with [`QR_MARK`] and
/// [`INVOICES_MARK`] each on a paragraph of its own where the letter draws them.
pub fn render_letter(
    template: &MessageText,
    language: Language,
    level: LanguageLevel,
    ctx: &MessageContext,
) -> Result<(String, String), TextError> {
    let (subject, body) = fill(&environment(), template, language, level, ctx, QR_MARK, Some(INVOICES_MARK))?;
    Ok((one_line(&subject), tidy(&body)))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trailing spaces off, at most one empty line between paragraphs, no empty lines at the ends.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines().map(str::trim_end) {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out.push('\n');
    out
}

/// Escaped text with its web addresses made links.
fn linked(line: &str) -> String {
    let mut out = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let trimmed = word.trim_end_matches(['.', ',', ')', ':', ';']);
        if trimmed.starts_with("https://") || trimmed.starts_with("http://") {
            let e = formats::xml::escape(trimmed);
            out.push_str(&format!("<a href=\"{e}\">{e}</a>{}", formats::xml::escape(&word[trimmed.len()..])));
        } else {
            out.push_str(&formats::xml::escape(word));
        }
    }
    out
}

/// The HTML part: the plain text's paragraphs, lists and links, the payment link as a button,
/// the QR code where the text put `{{ qr }}` (an inline image, `cid:epc-qr`).
fn html(text: &str, payment_link: Option<&str>, title: &str) -> String {
    let mut body = String::new();
    for para in text.split("\n\n") {
        let lines: Vec<&str> = para.lines().collect();
        if lines == [QR_MARK] {
            body.push_str(
                "<p><img src=\"cid:epc-qr\" width=\"180\" height=\"180\" alt=\"QR-code / QR code (EPC)\" style=\"display:block\"></p>\n",
            );
            continue;
        }
        let mut list = false;
        let mut p = String::new();
        for line in lines {
            if let Some(item) = line.strip_prefix("- ") {
                if !list {
                    p.push_str("<ul>");
                    list = true;
                }
                p.push_str(&format!("<li>{}</li>", button_or_link(item, payment_link)));
            } else {
                if list {
                    p.push_str("</ul>");
                    list = false;
                }
                if !p.is_empty() && !p.ends_with("</ul>") {
                    p.push_str("<br>");
                }
                p.push_str(&button_or_link(line, payment_link));
            }
        }
        if list {
            p.push_str("</ul>");
            body.push_str(&format!("{p}\n"));
        } else {
            body.push_str(&format!("<p>{p}</p>\n"));
        }
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title></head>\n\
         <body style=\"font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;max-width:600px\">\n{body}</body></html>\n",
        formats::xml::escape(title)
    )
}

/// A line whose payment link stands alone after a label becomes a button; other links stay links.
fn button_or_link(line: &str, payment_link: Option<&str>) -> String {
    if let Some(link) = payment_link
        && let Some(label) = line.strip_suffix(link).or_else(|| line.strip_suffix(&format!("{link}.")))
    {
        let e = formats::xml::escape(link);
        return format!(
            "{}<a href=\"{e}\" style=\"display:inline-block;background:#0b57d0;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:bold\">{e}</a>",
            formats::xml::escape(label)
        );
    }
    linked(line)
}

/// Checks a text a tenant wants to store: it must fill in for every kind of message (one
/// invoice or several, with or without a payment link, desk or costs), keep the SMS within 160
/// characters, and a 14-day letter must carry every sentence the law requires.
pub fn check(template: &MessageText, step: StepKind, language: Language, level: LanguageLevel) -> Vec<TextError> {
    let mut errors = Vec::new();
    for ctx in sample_contexts(step, language) {
        match render(template, language, level, &ctx) {
            Err(e) => {
                errors.push(e);
                break;
            }
            Ok(r) => {
                let n = r.sms.chars().count();
                if n > 160 {
                    errors.push(TextError { part: "sms", message: format!("is {n} characters filled in; an SMS holds 160") });
                    break;
                }
                if let Some(missing) = ctx.legal.iter().find(|s| !r.text.contains(s.as_str())) {
                    errors.push(TextError {
                        part: "body",
                        message: format!(
                            "a 14-day letter must state, word for word (art. 6:96 lid 6 BW; HR 25-11-2016, ECLI:NL:HR:2016:2704): '{missing}' — use {{% for s in legal %}}{{{{ s }}}}{{% endfor %}}"
                        ),
                    });
                    break;
                }
            }
        }
    }
    errors
}

/// Contexts to try a text with: one invoice with every extra, and several with none.
pub fn sample_contexts(step: StepKind, language: Language) -> Vec<MessageContext> {
    use domain::law::nl::collection_costs::{Debtor, collection_costs};
    use domain::law::nl::fourteen_day_letter::{Delivery, letter_term, required_sentences};
    use domain::money::Cents;
    let date = |d: jiff::civil::Date| domain::dates::written(d, language);
    let money = |c: i64| Cents::from_cents_unchecked(c).written(language);
    let day = jiff::civil::date(2026, 3, 2);
    let costs = collection_costs(Cents::from_cents_unchecked(175_279), Debtor::Consumer, false);
    let legal = if step == StepKind::FourteenDayLetter {
        required_sentences(&costs, &letter_term(day, Delivery::default()), language)
    } else {
        Vec::new()
    };
    let line = |n: &str, c: i64, r: Option<&str>| InvoiceLine {
        number: n.into(),
        issued: date(jiff::civil::date(2026, 1, 5)),
        due: date(jiff::civil::date(2026, 2, 4)),
        amount: money(c),
        settled: money(0),
        open: money(c),
        reference: r.map(str::to_string),
    };
    let tenant = CreditorLine {
        name: "Fietsenwinkel De Spaak B.V.".into(),
        iban: "NL91 ABNA 0417 1643 00".into(),
        address: vec!["Spaakstraat 1".into(), "1234 AB Utrecht".into()],
    };
    let debtor = DebtorLine { name: "J. de Vries".into(), addressee: "mevrouw De Vries".into() };
    let full = MessageContext {
        tenant: tenant.clone(),
        debtor: debtor.clone(),
        invoices: vec![line("2026-0042", 175_279, Some("1234 5678 9012 3452"))],
        total: money(175_279),
        pay_by: date(jiff::civil::date(2026, 3, 16)),
        reference: Some("1234 5678 9012 3452".into()),
        remittance: "2026-0042".into(),
        payment_link: Some("https://pay.example.nl/p/abc123".into()),
        portal_link: Some("https://portal.example.nl/d/xyz789".into()),
        desk: Some(DeskLine {
            name: "Sanne de Boer".into(),
            phone: Some("020 123 4567".into()),
            email: Some("debiteuren@despaak.nl".into()),
            hours: Some("ma–vr 9:00–17:00".into()),
        }),
        costs: Some(CostsLine {
            total: costs.total.written(language),
            costs: costs.costs.written(language),
            vat: costs.vat.written(language),
        }),
        legal: legal.clone(),
        reward: Some(RewardLine {
            text: match language {
                Language::Nl => "Betaalt u uiterlijk 14 maart 2026, dan krijgt u € 35,06 korting: u betaalt dan € 1.717,73.".into(),
                Language::En => "Pay by 14 March 2026 and you get €35.06 off: you then pay €1,717.73.".into(),
            },
            pay_by: date(jiff::civil::date(2026, 3, 14)),
            amount: money(171_773),
        }),
    };
    let bare = MessageContext {
        tenant,
        debtor,
        invoices: vec![line("2026-0042", 12_100, None), line("2026-0057", 4_840, None)],
        total: money(16_940),
        pay_by: date(jiff::civil::date(2026, 3, 16)),
        reference: None,
        remittance: "2026-0042, 2026-0057".into(),
        payment_link: None,
        portal_link: None,
        desk: None,
        costs: if legal.is_empty() { None } else { full.costs.clone() },
        legal,
        reward: None,
    };
    vec![full, bare]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_a_default_in_every_language_and_level() {
        let mut wrong = Vec::new();
        for step in message_steps() {
            for language in Language::ALL {
                for level in LanguageLevel::ALL {
                    let key = TemplateKey { step, language: *language, level: *level };
                    let t = default_template(key).unwrap_or_else(|| panic!("no default for {key:?}"));
                    let problems = check(t, step, *language, *level);
                    if !problems.is_empty() {
                        wrong.push(format!("{key:?}: {problems:?}"));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn a_misspelt_variable_is_an_error_with_its_line() {
        let t = MessageText { subject: "x".into(), body: "Hallo\n{{ totaal }}".into(), sms: "x".into() };
        let e = check(&t, StepKind::Reminder, Language::Nl, LanguageLevel::Plain);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].part, "body");
        assert!(e[0].message.starts_with("line 2"), "{}", e[0].message);
    }

    #[test]
    fn a_fourteen_day_letter_without_the_legal_sentences_is_refused() {
        let mut t =
            default_template(TemplateKey { step: StepKind::FourteenDayLetter, language: Language::Nl, level: LanguageLevel::Standard })
                .expect("default")
                .clone();
        t.body = t.body.replace("{% for s in legal %}{{ s }}\n{% endfor %}", "Betaal binnen 14 dagen na dagtekening.");
        let e = check(&t, StepKind::FourteenDayLetter, Language::Nl, LanguageLevel::Standard);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("6:96 lid 6"), "{}", e[0].message);
    }

    #[test]
    fn a_long_sms_is_refused() {
        let t = MessageText { subject: "x".into(), body: "x".into(), sms: "{{ tenant.name }} ".repeat(8) };
        let e = check(&t, StepKind::Reminder, Language::En, LanguageLevel::Standard);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].part, "sms");
    }

    #[test]
    fn html_escapes_what_the_tenant_and_debtor_wrote() {
        let mut ctx = sample_contexts(StepKind::Reminder, Language::En).remove(0);
        ctx.debtor.addressee = "<script>alert(1)</script> & Co".into();
        let t = default_template(TemplateKey { step: StepKind::Reminder, language: Language::En, level: LanguageLevel::Standard })
            .expect("default");
        let r = render(t, Language::En, LanguageLevel::Standard, &ctx).expect("renders");
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
        assert!(r.text.contains("<script>alert(1)</script> & Co"), "the plain text is not escaped");
        assert!(r.html.contains("cid:epc-qr") && !r.text.contains('\u{1}'));
        assert!(r.html.contains("href=\"https://pay.example.nl/p/abc123\" style="), "the payment link is a button");
    }
}
