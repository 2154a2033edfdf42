//! E-invoices in UBL 2.1: `Invoice` and `CreditNote`, as Peppol BIS Billing 3.0, SI-UBL 2.0
//! (NLCIUS) or plain EN 16931 send them (`../shared/docs/formats.md` §8). Elements are found by
//! their local names, so any namespace prefix works. What a collector needs is read (debtor,
//! number, dates, totals, VAT, payable amount, payment id, payee IBAN), and
//! [`UblDocument::legal_gaps`] says what a legally valid Dutch invoice lacks.

use domain::money::Cents;
use jiff::civil::Date;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde::Serialize;

use crate::statement::{meaningful, parse_amount};
use crate::xml::{local_name, referenced_char};

/// Where a UBL document is wrong: line, XML path below the root, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, {path}: {message}")]
pub struct UblError {
    /// Line in the file, counting from 1.
    pub line: u64,
    /// Local element names from the root, like `Invoice/LegalMonetaryTotal/PayableAmount`.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Invoice or credit note (the root element).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// `Invoice`.
    Invoice,
    /// `CreditNote`.
    CreditNote,
}

impl DocumentKind {
    /// The root element's local name.
    pub fn root_element(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "Invoice",
            DocumentKind::CreditNote => "CreditNote",
        }
    }
}

/// The rule set a document says it follows (`cbc:CustomizationID`, formats.md §8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Specification {
    /// Peppol BIS Billing 3.0.
    PeppolBis3,
    /// SI-UBL 2.0, the Dutch CIUS of EN 16931 (NLCIUS).
    SiUbl2,
    /// EN 16931 or another CIUS of it.
    En16931,
    /// Plain UBL 2.1 without a known customization.
    Ubl21,
}

impl Specification {
    fn of(customization: Option<&str>) -> Self {
        match customization {
            Some(c) if c.contains("urn:fdc:nen.nl:nlcius") => Specification::SiUbl2,
            Some(c) if c.contains("urn:fdc:peppol.eu:2017:poacc:billing:3.0") => Specification::PeppolBis3,
            Some(c) if c.starts_with("urn:cen.eu:en16931") => Specification::En16931,
            _ => Specification::Ubl21,
        }
    }
}

/// An identifier with the scheme it is from (`schemeID`: 0106 is the Dutch KvK, 0190 the OIN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemeId {
    /// The identifier.
    pub id: String,
    /// The scheme, when given.
    pub scheme: Option<String>,
}

/// Supplier or customer, as far as a collector needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UblParty {
    /// Legal name (`PartyLegalEntity/RegistrationName`), else the trading name.
    pub name: Option<String>,
    /// Trading name (`PartyName/Name`).
    pub trading_name: Option<String>,
    /// The party's own identifier (`PartyIdentification/ID`): for a customer, often the
    /// supplier's customer number.
    pub party_id: Option<String>,
    /// Legal registration (`PartyLegalEntity/CompanyID`), e.g. a KvK number.
    pub legal_id: Option<SchemeId>,
    /// VAT number (`PartyTaxScheme/CompanyID`).
    pub vat_id: Option<String>,
    /// Electronic address (`EndpointID`).
    pub endpoint: Option<SchemeId>,
    /// Street and number.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub postal_zone: Option<String>,
    /// Country code (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Contact email.
    pub email: Option<String>,
}

/// VAT of one category and rate (`TaxTotal/TaxSubtotal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VatBreakdown {
    /// Amount the rate applies to.
    pub taxable: Option<Cents>,
    /// VAT of this category.
    pub tax: Option<Cents>,
    /// Category code: S standard, Z zero, E exempt, AE reverse charge, K intra-community, G
    /// export, O outside the scope.
    pub category: Option<String>,
    /// Rate in percent, as written.
    pub percent: Option<String>,
    /// Why no VAT is charged (exemption reason text or code).
    pub exemption_reason: Option<String>,
}

/// One invoice line, as far as the law asks about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UblLine {
    /// Line in the file where it starts.
    pub line: u64,
    /// Line identifier.
    pub id: Option<String>,
    /// Quantity, as written.
    pub quantity: Option<String>,
    /// What was delivered (`Item/Name`).
    pub name: Option<String>,
    /// Unit price excluding VAT, as written.
    pub price: Option<String>,
}

/// A UBL invoice or credit note, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UblDocument {
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// `CustomizationID`, as written.
    pub customization: Option<String>,
    /// The rule set it follows.
    pub specification: Specification,
    /// Number (BT-1).
    pub number: String,
    /// Issue date (BT-2).
    pub issue_date: Date,
    /// Due date (BT-9); a credit note gives it as `PaymentMeans/PaymentDueDate`.
    pub due_date: Option<Date>,
    /// Type code (BT-3): 380 invoice, 381 credit note, 384 corrected, 389 self-billed.
    pub type_code: Option<String>,
    /// Currency (BT-5).
    pub currency: String,
    /// Buyer reference (BT-10).
    pub buyer_reference: Option<String>,
    /// Order reference (BT-13).
    pub order_reference: Option<String>,
    /// The invoice a credit note corrects (BT-25).
    pub preceding_invoice: Option<String>,
    /// Date of delivery (BT-72).
    pub delivery_date: Option<Date>,
    /// Invoicing period start and end (BT-73, BT-74).
    pub period: (Option<Date>, Option<Date>),
    /// The seller.
    pub supplier: UblParty,
    /// The buyer: the debtor.
    pub customer: UblParty,
    /// Payment means code (BT-81): 30 credit transfer, 58 SEPA credit transfer, 59 SEPA direct debit.
    pub payment_means_code: Option<String>,
    /// Remittance information the payer is asked to quote (BT-83).
    pub payment_id: Option<String>,
    /// Account to pay into (BT-84), spaces removed.
    pub payee_account: Option<String>,
    /// Payment terms (BT-20).
    pub payment_terms: Option<String>,
    /// VAT total in the document currency (BT-110).
    pub vat_total: Option<Cents>,
    /// VAT per category and rate.
    pub vat_breakdown: Vec<VatBreakdown>,
    /// Total excluding VAT (BT-109).
    pub tax_exclusive: Option<Cents>,
    /// Total including VAT (BT-112).
    pub tax_inclusive: Cents,
    /// Paid in advance (BT-113).
    pub prepaid: Cents,
    /// Rounding (BT-114), in cents, may be negative.
    pub rounding: i64,
    /// What is due (BT-115).
    pub payable: Cents,
    /// The lines.
    pub lines: Vec<UblLine>,
}

/// One leaf element: its path below the root, text, line, and the attribute we use.
struct Leaf {
    path: String,
    text: String,
    line: u64,
    attr: Option<String>,
    /// Which `TaxSubtotal`, `InvoiceLine` or `PaymentMeans` it belongs to (counting from 1).
    group: u32,
}

/// Largest e-invoice taken; attachments are skipped, so this is far more than any real invoice.
pub const MAX_UBL_BYTES: usize = 64 * 1024 * 1024;

/// Reads one UBL invoice or credit note. Errors name the line and the XML path.
pub fn read_ubl(bytes: &[u8]) -> Result<UblDocument, UblError> {
    if bytes.len() > MAX_UBL_BYTES {
        return Err(UblError { line: 1, path: String::new(), message: format!("the file is larger than {MAX_UBL_BYTES} bytes") });
    }
    let (kind, leaves) = leaves(bytes)?;
    Document { kind, leaves: &leaves }.read()
}

fn attribute(start: &BytesStart<'_>, name: &str) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.trim().to_string()))
}

/// Walks the document once and keeps every leaf with text (base64 attachments excepted).
fn leaves(bytes: &[u8]) -> Result<(DocumentKind, Vec<Leaf>), UblError> {
    let mut xml = Reader::from_reader(bytes);
    let config = xml.config_mut();
    config.trim_text_start = false;
    config.trim_text_end = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut path = String::new();
    let mut marks: Vec<usize> = Vec::new();
    let mut text = String::new();
    let mut attr: Option<String> = None;
    let mut in_leaf = false;
    let mut skip_text = false;
    let mut kind = None;
    let mut group = 0u32;
    let mut counters = [0u32; 3];
    let mut leaves = Vec::new();
    // Line of the event being read: line ends counted once, up to where each event starts.
    let (mut line, mut counted) = (1u64, 0usize);
    let err = |line: u64, path: &str, message: String| UblError { line, path: path.trim_start_matches('/').to_string(), message };
    loop {
        let pos = usize::try_from(xml.buffer_position()).unwrap_or(usize::MAX).min(bytes.len());
        buf.clear();
        let event = xml.read_event_into(&mut buf);
        if pos > counted {
            line += memchr::memchr_iter(b'\n', &bytes[counted..pos]).count() as u64;
            counted = pos;
        }
        match event {
            Err(e) => return Err(err(line, &path, format!("not well-formed XML: {e}"))),
            Ok(Event::Eof) => break,
            Ok(Event::Start(start)) => {
                let qualified = start.name();
                let name = local_name(qualified.as_ref());
                if marks.is_empty() {
                    kind = Some(match name {
                        "Invoice" => DocumentKind::Invoice,
                        "CreditNote" => DocumentKind::CreditNote,
                        other => {
                            return Err(err(
                                line,
                                "",
                                format!("expected a UBL Invoice or CreditNote as the root element, found <{other}>"),
                            ));
                        }
                    });
                }
                marks.push(path.len());
                path.push('/');
                path.push_str(name);
                let depth = marks.len();
                if depth == 2 {
                    let counter = match name {
                        "InvoiceLine" | "CreditNoteLine" => Some(0),
                        "PaymentMeans" => Some(1),
                        _ => None,
                    };
                    group = counter.map_or(0, |c| {
                        counters[c] += 1;
                        counters[c]
                    });
                } else if depth == 3 && name == "TaxSubtotal" {
                    counters[2] += 1;
                    group = counters[2];
                }
                attr = match name {
                    "CompanyID" | "EndpointID" | "ID" => attribute(&start, "schemeID"),
                    n if n.ends_with("Amount") => attribute(&start, "currencyID"),
                    _ => None,
                };
                skip_text = name == "EmbeddedDocumentBinaryObject";
                text.clear();
                in_leaf = true;
            }
            Ok(Event::End(_)) => {
                if in_leaf && !skip_text {
                    // Below the root: from where the root's child starts.
                    let rel = marks.get(1).map_or("", |&m| &path[m + 1..]);
                    leaves.push(Leaf { path: rel.to_string(), text: std::mem::take(&mut text), line, attr: attr.take(), group });
                }
                let mark = marks.pop().ok_or_else(|| err(line, &path, "a closing tag without its opening tag".into()))?;
                path.truncate(mark);
                let depth = marks.len();
                if depth <= 1 || (depth == 2 && path.ends_with("/TaxTotal")) {
                    group = 0;
                }
                text.clear();
                in_leaf = false;
                skip_text = false;
            }
            Ok(Event::Text(t)) if in_leaf && !skip_text => text.push_str(&t.xml10_content()),
            Ok(Event::CData(t)) if in_leaf && !skip_text => text.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_leaf && !skip_text => {
                let c = referenced_char(&r).ok_or_else(|| err(line, &path, format!("unknown entity &{};", r.xml10_content())))?;
                text.push(c);
            }
            Ok(_) => {}
        }
    }
    if !marks.is_empty() {
        return Err(err(line, &path, "the document ends before its elements are closed".into()));
    }
    let kind = kind.ok_or_else(|| err(line, "", "no UBL Invoice or CreditNote element found".into()))?;
    Ok((kind, leaves))
}

struct Document<'a> {
    kind: DocumentKind,
    leaves: &'a [Leaf],
}

impl Document<'_> {
    fn error(&self, line: u64, path: &str, message: impl Into<String>) -> UblError {
        UblError { line, path: format!("{}/{path}", self.kind.root_element()), message: message.into() }
    }

    /// An element that is not there, reported at the document's last line.
    fn missing(&self, path: &str, message: impl Into<String>) -> UblError {
        self.error(self.leaves.last().map_or(1, |l| l.line), path, message)
    }

    fn leaf(&self, path: &str) -> Option<&Leaf> {
        self.leaves.iter().find(|l| l.path == path && meaningful(&l.text).is_some())
    }

    fn text(&self, path: &str) -> Option<String> {
        self.leaf(path).and_then(|l| meaningful(&l.text))
    }

    /// The first of several paths that has text.
    fn any(&self, paths: &[&str]) -> Option<String> {
        paths.iter().find_map(|p| self.text(p))
    }

    fn required(&self, path: &str, what: &str) -> Result<(String, u64), UblError> {
        let leaf = self.leaf(path).ok_or_else(|| self.missing(path, format!("{what} is missing; every invoice needs it")))?;
        Ok((leaf.text.trim().to_string(), leaf.line))
    }

    fn date(&self, path: &str) -> Result<Option<Date>, UblError> {
        match self.leaf(path) {
            None => Ok(None),
            Some(l) => l
                .text
                .trim()
                .parse::<Date>()
                .map(Some)
                .map_err(|_| self.error(l.line, path, format!("expected a date like 2026-11-23, got '{}'", l.text.trim()))),
        }
    }

    /// An amount in the document currency; a different `currencyID` is an error.
    fn amount(&self, path: &str, currency: &str) -> Result<Option<(i64, u64)>, UblError> {
        let Some(l) = self.leaf(path) else { return Ok(None) };
        signed_amount(&l.text).map(|c| Some((c, l.line))).map_err(|m| self.error(l.line, path, m)).and_then(|v| match &l.attr {
            Some(c) if c != currency => {
                Err(self.error(l.line, path, format!("the amount is in {c}, the document in {currency}; expected one currency")))
            }
            _ => Ok(v),
        })
    }

    fn party(&self, base: &str) -> UblParty {
        let t = |rel: &str| self.text(&format!("{base}/{rel}"));
        let scheme = |rel: &str| {
            self.leaf(&format!("{base}/{rel}")).and_then(|l| meaningful(&l.text).map(|id| SchemeId { id, scheme: l.attr.clone() }))
        };
        let trading_name = t("PartyName/Name");
        // A party may name several tax schemes; the VAT one is the VAT number.
        let vat_id = self
            .leaves
            .iter()
            .filter(|l| l.path == format!("{base}/PartyTaxScheme/CompanyID"))
            .find_map(|l| meaningful(&l.text))
            .filter(|_| self.text(&format!("{base}/PartyTaxScheme/TaxScheme/ID")).is_none_or(|s| s.eq_ignore_ascii_case("VAT")));
        let street = match (t("PostalAddress/StreetName"), t("PostalAddress/BuildingNumber")) {
            (Some(s), Some(n)) => Some(format!("{s} {n}")),
            (s, _) => s,
        };
        UblParty {
            name: t("PartyLegalEntity/RegistrationName").or_else(|| trading_name.clone()),
            trading_name,
            party_id: t("PartyIdentification/ID"),
            legal_id: scheme("PartyLegalEntity/CompanyID"),
            vat_id,
            endpoint: scheme("EndpointID"),
            street,
            city: t("PostalAddress/CityName"),
            postal_zone: t("PostalAddress/PostalZone"),
            country: t("PostalAddress/Country/IdentificationCode"),
            contact_name: t("Contact/Name"),
            phone: t("Contact/Telephone"),
            email: t("Contact/ElectronicMail"),
        }
    }

    fn grouped<'b>(&'b self, prefix: &'b str) -> impl Iterator<Item = (u32, Vec<&'b Leaf>)> + 'b {
        let mut groups: Vec<(u32, Vec<&Leaf>)> = Vec::new();
        for l in self.leaves.iter().filter(|l| l.group > 0 && l.path.starts_with(prefix)) {
            match groups.last_mut() {
                Some((g, v)) if *g == l.group => v.push(l),
                _ => groups.push((l.group, vec![l])),
            }
        }
        groups.into_iter()
    }

    fn read(&self) -> Result<UblDocument, UblError> {
        let kind = self.kind;
        let (number, _) = self.required("ID", "the invoice number (cbc:ID)")?;
        let (issued, issued_line) = self.required("IssueDate", "the issue date (cbc:IssueDate)")?;
        let issue_date = issued
            .parse::<Date>()
            .map_err(|_| self.error(issued_line, "IssueDate", format!("expected a date like 2026-11-23, got '{issued}'")))?;
        let (currency, _) = self.required("DocumentCurrencyCode", "the currency (cbc:DocumentCurrencyCode)")?;
        let due_date = match self.date("DueDate")? {
            Some(d) => Some(d),
            None => self.date("PaymentMeans/PaymentDueDate")?,
        };
        let customization = self.text("CustomizationID");
        let total = |path: &str| self.amount(&format!("LegalMonetaryTotal/{path}"), &currency);
        let (inclusive, inclusive_line) = total("TaxInclusiveAmount")?
            .ok_or_else(|| self.missing("LegalMonetaryTotal/TaxInclusiveAmount", "the total including VAT is missing"))?;
        let (payable, payable_line) =
            total("PayableAmount")?.ok_or_else(|| self.missing("LegalMonetaryTotal/PayableAmount", "the amount due is missing"))?;
        let non_negative = |(c, line): (i64, u64), path: &str| {
            Cents::non_negative(c).map_err(|_| self.error(line, path, "expected an amount of zero or more; Tegoed collects what is owed"))
        };
        let tax_inclusive = non_negative((inclusive, inclusive_line), "LegalMonetaryTotal/TaxInclusiveAmount")?;
        let payable = non_negative((payable, payable_line), "LegalMonetaryTotal/PayableAmount")?;
        let prepaid = match total("PrepaidAmount")? {
            Some(p) => non_negative(p, "LegalMonetaryTotal/PrepaidAmount")?,
            None => Cents::ZERO,
        };
        let rounding = total("PayableRoundingAmount")?.map_or(0, |(c, _)| c);
        let tax_exclusive = total("TaxExclusiveAmount")?.map(|(c, _)| Cents::new(c)).transpose().ok().flatten();

        // VAT: the TaxTotal in the document currency (a second one may give it in the tax currency).
        let mut vat_total = None;
        for l in self.leaves.iter().filter(|l| l.path == "TaxTotal/TaxAmount") {
            if l.attr.as_deref().is_none_or(|c| c == currency) {
                vat_total = Some(signed_amount(&l.text).map_err(|m| self.error(l.line, "TaxTotal/TaxAmount", m))?);
                break;
            }
        }
        let vat_total = vat_total.map(Cents::new).transpose().ok().flatten();
        let mut vat_breakdown = Vec::new();
        for (_, leaves) in self.grouped("TaxTotal/TaxSubtotal/") {
            let get = |rel: &str| leaves.iter().find(|l| l.path == format!("TaxTotal/TaxSubtotal/{rel}")).and_then(|l| meaningful(&l.text));
            let money = |rel: &str| -> Result<Option<Cents>, UblError> {
                match leaves.iter().find(|l| l.path == format!("TaxTotal/TaxSubtotal/{rel}")) {
                    None => Ok(None),
                    Some(l) => signed_amount(&l.text)
                        .map(|c| Cents::new(c).ok())
                        .map_err(|m| self.error(l.line, &format!("TaxTotal/TaxSubtotal/{rel}"), m)),
                }
            };
            vat_breakdown.push(VatBreakdown {
                taxable: money("TaxableAmount")?,
                tax: money("TaxAmount")?,
                category: get("TaxCategory/ID"),
                percent: get("TaxCategory/Percent"),
                exemption_reason: get("TaxCategory/TaxExemptionReason").or_else(|| get("TaxCategory/TaxExemptionReasonCode")),
            });
        }
        let line_element = match kind {
            DocumentKind::Invoice => "InvoiceLine",
            DocumentKind::CreditNote => "CreditNoteLine",
        };
        let quantity_element = match kind {
            DocumentKind::Invoice => "InvoicedQuantity",
            DocumentKind::CreditNote => "CreditedQuantity",
        };
        let lines = self
            .grouped(&format!("{line_element}/"))
            .map(|(_, leaves)| {
                let get = |rel: &str| leaves.iter().find(|l| l.path == format!("{line_element}/{rel}")).and_then(|l| meaningful(&l.text));
                UblLine {
                    line: leaves.first().map_or(0, |l| l.line),
                    id: get("ID"),
                    quantity: get(quantity_element),
                    name: get("Item/Name").or_else(|| get("Item/Description")),
                    price: get("Price/PriceAmount"),
                }
            })
            .collect();
        // The payment means that names an account, else the first.
        let mut means = self.grouped("PaymentMeans/").map(|(_, l)| l).collect::<Vec<_>>();
        means.sort_by_key(|m| !m.iter().any(|l| l.path == "PaymentMeans/PayeeFinancialAccount/ID"));
        let in_means = |rel: &str| {
            means.first().and_then(|m| m.iter().find(|l| l.path == format!("PaymentMeans/{rel}")).and_then(|l| meaningful(&l.text)))
        };
        Ok(UblDocument {
            kind,
            specification: Specification::of(customization.as_deref()),
            customization,
            number,
            issue_date,
            due_date,
            type_code: self.any(&["InvoiceTypeCode", "CreditNoteTypeCode"]),
            currency,
            buyer_reference: self.text("BuyerReference"),
            order_reference: self.text("OrderReference/ID"),
            preceding_invoice: self.text("BillingReference/InvoiceDocumentReference/ID"),
            delivery_date: self.date("Delivery/ActualDeliveryDate")?,
            period: (self.date("InvoicePeriod/StartDate")?, self.date("InvoicePeriod/EndDate")?),
            supplier: self.party("AccountingSupplierParty/Party"),
            customer: self.party("AccountingCustomerParty/Party"),
            payment_means_code: in_means("PaymentMeansCode"),
            payment_id: in_means("PaymentID"),
            payee_account: in_means("PayeeFinancialAccount/ID").map(|a| a.split_whitespace().collect::<String>().to_uppercase()),
            payment_terms: self.text("PaymentTerms/Note"),
            vat_total,
            vat_breakdown,
            tax_exclusive,
            tax_inclusive,
            prepaid,
            rounding,
            payable,
            lines,
        })
    }
}

/// A UBL amount: decimal point, at most two decimals that are not zero, may be negative.
fn signed_amount(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let cents = parse_amount(digits, '.').map_err(|m| m.replace(&format!("'{digits}'"), &format!("'{t}'")))?.cents();
    Ok(if negative { -cents } else { cents })
}

/// How much a gap matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapSeverity {
    /// The law or the Dutch CIUS requires it: the invoice is not valid without it.
    Required,
    /// Required only in a case the document does not show, or advised for collection.
    Advised,
}

/// Something a legally valid Dutch invoice lacks, with the rule that asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalGap {
    /// The rule, e.g. `Wet OB 1968 art. 35a lid 1 onder c` or `NLCIUS BR-NL-1`.
    pub rule: &'static str,
    /// Where the element belongs, below the root.
    pub path: String,
    /// Whether it is required or advised.
    pub severity: GapSeverity,
    /// What is missing, in English.
    pub message: String,
    /// What is missing, in Dutch.
    pub message_nl: String,
}

// Rules a Dutch invoice must meet. Article 35a lid 1 of the Wet op de omzetbelasting 1968
// (https://wetten.overheid.nl/BWBR0002629/, art. 35a) lists what an invoice states: a. the date
// of issue; b. a sequential number; c. the supplier's VAT number; d. the customer's VAT number
// when the customer owes the VAT (reverse charge) or for an intra-Community supply; e. full name
// and address of supplier and customer; f. quantity and nature of the goods or services; g. the
// date of the supply when it differs from the invoice date; h. the taxable amount per rate and
// the unit price excluding VAT; i. the VAT rate applied; j. the VAT due; k. for an exempt supply,
// a reference to the exemption; m. "btw verlegd" when the VAT is reverse-charged. The
// Handelsregisterbesluit 2008, art. 20 (https://wetten.overheid.nl/BWBR0023480/, art. 20) asks a
// registered business to state its KvK number on invoices. NLCIUS rules BR-NL-*: SI-UBL 2.0
// schematron (`si-ubl-2.0-nlcius.sch`, formats.md §8.3). Totals: EN 16931 BR-CO-15 and BR-CO-16.
const ART_35A_C: &str = "Wet OB 1968 art. 35a lid 1 onder c";
const ART_35A_D: &str = "Wet OB 1968 art. 35a lid 1 onder d";
const ART_35A_E: &str = "Wet OB 1968 art. 35a lid 1 onder e";
const ART_35A_F: &str = "Wet OB 1968 art. 35a lid 1 onder f";
const ART_35A_G: &str = "Wet OB 1968 art. 35a lid 1 onder g";
const ART_35A_H: &str = "Wet OB 1968 art. 35a lid 1 onder h";
const ART_35A_I: &str = "Wet OB 1968 art. 35a lid 1 onder i";
const ART_35A_J: &str = "Wet OB 1968 art. 35a lid 1 onder j";
const ART_35A_K: &str = "Wet OB 1968 art. 35a lid 1 onder k";
const ART_35A_M: &str = "Wet OB 1968 art. 35a lid 1 onder m";
const KVK: &str = "Handelsregisterbesluit 2008 art. 20";

impl UblDocument {
    /// What a legally valid Dutch invoice lacks: the VAT act's invoice contents, the KvK
    /// number, the Dutch CIUS rules when the document claims SI-UBL 2.0, and totals that do not
    /// add up. Empty when nothing is missing.
    pub fn legal_gaps(&self) -> Vec<LegalGap> {
        let mut gaps = Vec::new();
        let mut gap = |rule: &'static str, path: &str, severity: GapSeverity, en: &str, nl: &str| {
            gaps.push(LegalGap { rule, path: path.to_string(), severity, message: en.to_string(), message_nl: nl.to_string() });
        };
        use GapSeverity::{Advised, Required};
        const SUPPLIER: &str = "AccountingSupplierParty/Party";
        const CUSTOMER: &str = "AccountingCustomerParty/Party";
        let categories: Vec<&str> = self.vat_breakdown.iter().filter_map(|b| b.category.as_deref()).collect();
        let has = |c: &str| categories.contains(&c);
        let outside_scope = !categories.is_empty() && categories.iter().all(|c| *c == "O");

        if self.supplier.vat_id.is_none() && !outside_scope {
            gap(
                ART_35A_C,
                &format!("{SUPPLIER}/PartyTaxScheme/CompanyID"),
                Required,
                "the supplier's VAT number is missing",
                "het btw-identificatienummer van de leverancier ontbreekt",
            );
        }
        if (has("AE") || has("K")) && self.customer.vat_id.is_none() {
            gap(
                ART_35A_D,
                &format!("{CUSTOMER}/PartyTaxScheme/CompanyID"),
                Required,
                "the customer's VAT number is missing, required for reverse-charged or intra-Community VAT",
                "het btw-identificatienummer van de afnemer ontbreekt; dat is verplicht bij verlegde btw of een intracommunautaire levering",
            );
        }
        // The issue date (a) and the number (b) are required to read the document at all.
        for (party, path, en_who, nl_who) in
            [(&self.supplier, SUPPLIER, "supplier", "leverancier"), (&self.customer, CUSTOMER, "customer", "afnemer")]
        {
            if party.name.is_none() {
                gap(
                    ART_35A_E,
                    &format!("{path}/PartyLegalEntity/RegistrationName"),
                    Required,
                    &format!("the {en_who}'s name is missing"),
                    &format!("de naam van de {nl_who} ontbreekt"),
                );
            }
            let missing: Vec<(&str, &str)> = [
                (party.street.is_none(), ("street", "straat")),
                (party.city.is_none(), ("city", "plaats")),
                (party.postal_zone.is_none() && party.country.as_deref() == Some("NL"), ("postal code", "postcode")),
            ]
            .into_iter()
            .filter_map(|(m, w)| m.then_some(w))
            .collect();
            if !missing.is_empty() {
                let en: Vec<&str> = missing.iter().map(|w| w.0).collect();
                let nl: Vec<&str> = missing.iter().map(|w| w.1).collect();
                gap(
                    ART_35A_E,
                    &format!("{path}/PostalAddress"),
                    Required,
                    &format!("the {en_who}'s address is incomplete: no {}", en.join(", ")),
                    &format!("het adres van de {nl_who} is onvolledig: {} ontbreekt", nl.join(", ")),
                );
            }
        }
        if self.lines.is_empty() {
            gap(
                ART_35A_F,
                "InvoiceLine",
                Required,
                "the invoice has no lines saying what was delivered",
                "de factuur heeft geen regels die zeggen wat er geleverd is",
            );
        }
        for l in &self.lines {
            let id = l.id.as_deref().unwrap_or("?");
            if l.quantity.is_none() || l.name.is_none() {
                gap(
                    ART_35A_F,
                    &format!("line {id} (file line {})", l.line),
                    Required,
                    &format!("line {id} does not state the quantity and the nature of what was delivered"),
                    &format!("regel {id} vermeldt niet de hoeveelheid en de aard van het geleverde"),
                );
            }
            if l.price.is_none() {
                gap(
                    ART_35A_H,
                    &format!("line {id} (file line {})", l.line),
                    Required,
                    &format!("line {id} has no unit price excluding VAT"),
                    &format!("regel {id} heeft geen eenheidsprijs exclusief btw"),
                );
            }
        }
        if self.delivery_date.is_none() && self.period.0.is_none() && self.period.1.is_none() {
            gap(
                ART_35A_G,
                "Delivery/ActualDeliveryDate",
                Advised,
                "no delivery date or invoicing period: only correct when the supply took place on the invoice date",
                "geen leverdatum of factuurperiode: alleen juist als de levering op de factuurdatum plaatsvond",
            );
        }
        if self.vat_breakdown.is_empty() {
            gap(
                ART_35A_H,
                "TaxTotal/TaxSubtotal",
                Required,
                "the taxable amount per VAT rate is missing",
                "de maatstaf van heffing per btw-tarief ontbreekt",
            );
        }
        for b in &self.vat_breakdown {
            let category = b.category.as_deref().unwrap_or("?");
            if b.taxable.is_none() {
                gap(
                    ART_35A_H,
                    "TaxTotal/TaxSubtotal/TaxableAmount",
                    Required,
                    &format!("VAT category {category} has no taxable amount"),
                    &format!("btw-categorie {category} heeft geen maatstaf van heffing"),
                );
            }
            if b.percent.is_none() && matches!(category, "S" | "Z" | "AA" | "L" | "M") {
                gap(
                    ART_35A_I,
                    "TaxTotal/TaxSubtotal/TaxCategory/Percent",
                    Required,
                    &format!("VAT category {category} does not state its rate"),
                    &format!("btw-categorie {category} vermeldt het tarief niet"),
                );
            }
            if category == "E" && b.exemption_reason.is_none() {
                gap(
                    ART_35A_K,
                    "TaxTotal/TaxSubtotal/TaxCategory/TaxExemptionReason",
                    Required,
                    "VAT-exempt, but the exemption is not named",
                    "vrijgesteld van btw, maar de vrijstelling wordt niet genoemd",
                );
            }
            if category == "AE" && b.exemption_reason.is_none() {
                gap(
                    ART_35A_M,
                    "TaxTotal/TaxSubtotal/TaxCategory/TaxExemptionReason",
                    Required,
                    "VAT is reverse-charged, but the invoice does not say \"btw verlegd\"",
                    "de btw is verlegd, maar de factuur vermeldt geen \"btw verlegd\"",
                );
            }
        }
        if self.vat_total.is_none() {
            gap(ART_35A_J, "TaxTotal/TaxAmount", Required, "the VAT amount is missing", "het btw-bedrag ontbreekt");
        }
        let dutch_supplier = self.supplier.country.as_deref() == Some("NL");
        let kvk_or_oin = |id: &Option<SchemeId>| id.as_ref().is_some_and(|s| matches!(s.scheme.as_deref(), Some("0106" | "0190")));
        if dutch_supplier && !kvk_or_oin(&self.supplier.legal_id) {
            gap(
                KVK,
                &format!("{SUPPLIER}/PartyLegalEntity/CompanyID"),
                Required,
                "the supplier's KvK number (schemeID 0106) is missing",
                "het KvK-nummer van de leverancier (schemeID 0106) ontbreekt",
            );
        }

        if self.specification == Specification::SiUbl2 {
            if dutch_supplier && !kvk_or_oin(&self.supplier.legal_id) {
                gap(
                    "NLCIUS BR-NL-1",
                    &format!("{SUPPLIER}/PartyLegalEntity/CompanyID"),
                    Required,
                    "a Dutch supplier must give its KvK number (schemeID 0106) or OIN (0190)",
                    "een Nederlandse leverancier moet zijn KvK-nummer (schemeID 0106) of OIN (0190) vermelden",
                );
            }
            if self.buyer_reference.is_none() && self.order_reference.is_none() {
                gap(
                    "NLCIUS BR-NL-2",
                    "BuyerReference",
                    Required,
                    "neither the buyer reference nor the order reference is given",
                    "de referentie van de koper en de ordereferentie ontbreken allebei",
                );
            }
            if let Some(code) = &self.type_code {
                if !matches!(code.as_str(), "380" | "381" | "384" | "389") {
                    gap(
                        "NLCIUS BR-NL-7",
                        "InvoiceTypeCode",
                        Required,
                        &format!("type code {code} is not one of 380, 381, 384, 389"),
                        &format!("typecode {code} is niet een van 380, 381, 384, 389"),
                    );
                }
                let credit_code = code == "381";
                if credit_code != (self.kind == DocumentKind::CreditNote) {
                    gap(
                        "NLCIUS BR-NL-8",
                        "InvoiceTypeCode",
                        Required,
                        "type code 381 belongs in a CreditNote document, 380, 384 and 389 in an Invoice",
                        "typecode 381 hoort in een CreditNote, 380, 384 en 389 in een Invoice",
                    );
                }
            }
            if self.customer.country.as_deref() == Some("NL") && self.customer.legal_id.is_some() && !kvk_or_oin(&self.customer.legal_id) {
                gap(
                    "NLCIUS BR-NL-10",
                    &format!("{CUSTOMER}/PartyLegalEntity/CompanyID"),
                    Required,
                    "a Dutch customer's legal id must be a KvK number (schemeID 0106) or OIN (0190)",
                    "het registratienummer van een Nederlandse afnemer moet een KvK-nummer (0106) of OIN (0190) zijn",
                );
            }
            if self.payable.is_positive() && self.payment_means_code.is_none() {
                gap(
                    "NLCIUS BR-NL-11",
                    "PaymentMeans",
                    Required,
                    "an amount is due but no means of payment is given",
                    "er moet betaald worden, maar er is geen betaalwijze opgegeven",
                );
            }
            if let Some(code) = &self.payment_means_code
                // formats.md §8.3 lists 30, 48, 49, 57, 58, 59; the official SI-UBL 2.0 test set's
                // valid `SI-UBL-2.0_ok_full.xml` pays with 31 (debit transfer), so 31 is allowed too.
                && !matches!(code.as_str(), "30" | "31" | "48" | "49" | "57" | "58" | "59")
            {
                gap(
                    "NLCIUS BR-NL-12",
                    "PaymentMeans/PaymentMeansCode",
                    Required,
                    &format!("payment means code {code} is not one of 30, 31, 48, 49, 57, 58, 59"),
                    &format!("betaalwijzecode {code} is niet een van 30, 31, 48, 49, 57, 58, 59"),
                );
            }
        }

        if let (Some(exclusive), Some(vat)) = (self.tax_exclusive, self.vat_total)
            && exclusive + vat != self.tax_inclusive
        {
            gap(
                "EN 16931 BR-CO-15",
                "LegalMonetaryTotal/TaxInclusiveAmount",
                Required,
                &format!("the total excluding VAT {exclusive} plus VAT {vat} is not the total {}", self.tax_inclusive),
                &format!("het totaal exclusief btw {exclusive} plus btw {vat} is niet het totaal {}", self.tax_inclusive),
            );
        }
        let due = self.tax_inclusive.cents() - self.prepaid.cents() + self.rounding;
        if due != self.payable.cents() {
            let expected = Cents::new(due).map_or_else(|_| due.to_string(), |c| c.to_string());
            gap(
                "EN 16931 BR-CO-16",
                "LegalMonetaryTotal/PayableAmount",
                Required,
                &format!("the amount due {} is not the total minus what was prepaid ({expected})", self.payable),
                &format!("het te betalen bedrag {} is niet het totaal min de vooruitbetaling ({expected})", self.payable),
            );
        }
        if let Some(account) = &self.payee_account
            && domain::contact::Iban::parse(account).is_err()
        {
            gap(
                "EN 16931 BT-84",
                "PaymentMeans/PayeeFinancialAccount/ID",
                Advised,
                &format!("the account to pay into, {account}, is not a valid IBAN; the debtor cannot pay it by SEPA transfer"),
                &format!("het rekeningnummer {account} is geen geldig IBAN; de debiteur kan er niet per SEPA-overboeking op betalen"),
            );
        }
        gaps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_with_a_sign() {
        assert_eq!(signed_amount("-1500"), Ok(-150_000));
        assert_eq!(signed_amount("1656.25"), Ok(165_625));
        assert_eq!(signed_amount("+0.5"), Ok(50));
        assert!(signed_amount("1.005").expect_err("three decimals").contains("'1.005'"));
        assert!(signed_amount("12,50").is_err());
    }
}
