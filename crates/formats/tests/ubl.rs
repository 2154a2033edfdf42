//! UBL e-invoices: every shared sample read with its fields, the legal-validity report on
//! the samples and on documents with one thing taken out, and errors with line and path.

use domain::money::Cents;
use formats::ubl::{DocumentKind, GapSeverity, LegalGap, Specification, UblDocument, read_ubl};
use jiff::civil::date;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/ubl");

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!("{SAMPLES}/{name}")).unwrap_or_else(|e| panic!("sample {name}: {e}"))
}

fn read(name: &str) -> UblDocument {
    read_ubl(sample(name).as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn rules(gaps: &[LegalGap], severity: GapSeverity) -> Vec<&'static str> {
    gaps.iter().filter(|g| g.severity == severity).map(|g| g.rule).collect()
}

fn eur(s: &str) -> Cents {
    Cents::parse(s).expect("amount")
}

#[test]
fn si_ubl_minimal_invoice_has_every_field_a_collector_needs() {
    let d = read("si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml");
    assert_eq!(d.kind, DocumentKind::Invoice);
    assert_eq!(d.specification, Specification::SiUbl2);
    assert_eq!(d.number, "12115118");
    assert_eq!(d.issue_date, date(2015, 1, 9));
    assert_eq!(d.due_date, Some(date(2015, 1, 9)));
    assert_eq!(d.type_code.as_deref(), Some("380"));
    assert_eq!(d.currency, "EUR");
    assert_eq!(d.order_reference.as_deref(), Some("47806"));
    assert_eq!(d.customer.name.as_deref(), Some("Ontvanger"));
    let legal = d.customer.legal_id.as_ref().expect("customer KvK");
    assert_eq!((legal.id.as_str(), legal.scheme.as_deref()), ("11111111", Some("0106")));
    assert_eq!(d.customer.street.as_deref(), Some("Teststraat 123"));
    assert_eq!(d.customer.postal_zone.as_deref(), Some("1111 AA"));
    assert_eq!(d.supplier.name.as_deref(), Some("SimplerInvoicing"));
    assert_eq!(d.supplier.vat_id.as_deref(), Some("NL1111.11.111.B.01"));
    assert_eq!(d.payment_means_code.as_deref(), Some("30"));
    assert_eq!(d.payment_id.as_deref(), Some("Deb. 10202 / Fact. 12115118"));
    assert_eq!(d.payee_account.as_deref(), Some("NL11BANK1111111111"));
    assert_eq!(d.vat_total, Some(eur("42.00")));
    assert_eq!(d.tax_exclusive, Some(eur("200.00")));
    assert_eq!(d.tax_inclusive, eur("242.00"));
    assert_eq!(d.payable, eur("242.00"));
    assert_eq!(d.prepaid, Cents::ZERO);
    assert_eq!(d.vat_breakdown.len(), 1);
    assert_eq!(d.vat_breakdown[0].category.as_deref(), Some("S"));
    assert_eq!(d.vat_breakdown[0].percent.as_deref(), Some("21"));
    assert_eq!(d.vat_breakdown[0].taxable, Some(eur("200.00")));
    assert_eq!(d.lines.len(), 1);
    assert_eq!(d.lines[0].name.as_deref(), Some("SimplerInvoicing test invoice"));
    assert_eq!(d.lines[0].quantity.as_deref(), Some("1"));

    // Valid per NLCIUS: nothing required is missing. The test account fails its IBAN check,
    // and no delivery date is given: both advice.
    let gaps = d.legal_gaps();
    assert_eq!(rules(&gaps, GapSeverity::Required), Vec::<&str>::new(), "{gaps:#?}");
    assert_eq!(rules(&gaps, GapSeverity::Advised), ["Wet OB 1968 art. 35a lid 1 onder g", "EN 16931 BT-84"]);
}

#[test]
fn si_ubl_full_invoice_reads_delivery_and_is_valid() {
    let d = read("si-ubl-2.0/SI-UBL-2.0_ok_full.xml");
    assert_eq!(d.specification, Specification::SiUbl2);
    assert!(d.delivery_date.is_some() || d.period.0.is_some(), "{d:#?}");
    assert!(d.lines.len() >= 2, "{} lines", d.lines.len());
    assert!(d.payable.is_positive());
    let gaps = d.legal_gaps();
    assert_eq!(rules(&gaps, GapSeverity::Required), Vec::<&str>::new(), "{gaps:#?}");
}

#[test]
fn si_ubl_credit_note_381_is_a_valid_credit_note() {
    let d = read("si-ubl-2.0/SI-UBL-2.0_BR-NL-8_ok_381.xml");
    assert_eq!(d.kind, DocumentKind::CreditNote);
    assert_eq!(d.type_code.as_deref(), Some("381"));
    assert!(!d.lines.is_empty(), "credit note lines are read");
    let gaps = d.legal_gaps();
    assert!(!rules(&gaps, GapSeverity::Required).contains(&"NLCIUS BR-NL-8"), "{gaps:#?}");
    assert_eq!(rules(&gaps, GapSeverity::Required), Vec::<&str>::new(), "{gaps:#?}");
}

#[test]
fn si_ubl_wrong_legal_scheme_is_reported_as_br_nl_1_and_missing_kvk() {
    let d = read("si-ubl-2.0/SI-UBL-2.0_BR-NL-1_error_wrong_scheme.xml");
    assert_eq!(d.supplier.legal_id.as_ref().and_then(|l| l.scheme.as_deref()), Some("0109"));
    assert_eq!(d.customer.party_id.as_deref(), Some("10202"));
    assert_eq!(d.buyer_reference.as_deref(), Some("47806"));
    let gaps = d.legal_gaps();
    let required = rules(&gaps, GapSeverity::Required);
    assert!(required.contains(&"NLCIUS BR-NL-1"), "{gaps:#?}");
    assert!(required.contains(&"Handelsregisterbesluit 2008 art. 20"), "{gaps:#?}");
    let br_nl_1 = gaps.iter().find(|g| g.rule == "NLCIUS BR-NL-1").expect("BR-NL-1");
    assert_eq!(br_nl_1.path, "AccountingSupplierParty/Party/PartyLegalEntity/CompanyID");
    assert!(br_nl_1.message_nl.contains("KvK-nummer"));
}

#[test]
fn peppol_invoice_and_its_credit_note() {
    let inv = read("peppol-bis3/base-example.xml");
    assert_eq!(inv.specification, Specification::PeppolBis3);
    assert_eq!(inv.number, "Snippet1");
    assert_eq!(inv.due_date, Some(date(2017, 12, 1)));
    assert_eq!(inv.vat_total, Some(eur("331.25")));
    assert_eq!(inv.tax_inclusive, eur("1656.25"));
    assert_eq!(inv.payable, eur("1656.25"));
    assert_eq!(inv.customer.contact_name.as_deref(), Some("Lisa Johnson"));
    assert_eq!(inv.customer.email.as_deref(), Some("lj@buyer.se"));
    assert_eq!(inv.lines.len(), 2);

    let credit = read("peppol-bis3/base-creditnote-correction.xml");
    assert_eq!(credit.kind, DocumentKind::CreditNote);
    assert_eq!(credit.preceding_invoice.as_deref(), Some("Snippet1"));
    assert_eq!(credit.customer.party_id.as_deref(), Some("FR23342"));
    assert_eq!(credit.delivery_date, Some(date(2017, 11, 1)));
    // Not a Dutch document: the NLCIUS rules do not apply; the made-up account does not pass.
    let gaps = credit.legal_gaps();
    assert!(gaps.iter().all(|g| !g.rule.starts_with("NLCIUS")), "{gaps:#?}");
    assert!(rules(&gaps, GapSeverity::Advised).contains(&"EN 16931 BT-84"));
}

/// The minimal sample with one change.
fn minimal_with(from: &str, to: &str) -> UblDocument {
    let text = sample("si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml");
    assert!(text.contains(from), "the sample holds {from}");
    read_ubl(text.replacen(from, to, 1).as_bytes()).expect("still readable")
}

#[test]
fn missing_supplier_vat_number_is_article_35a_c() {
    let d = minimal_with("<cbc:CompanyID>NL1111.11.111.B.01</cbc:CompanyID>", "");
    let gaps = d.legal_gaps();
    assert_eq!(rules(&gaps, GapSeverity::Required), ["Wet OB 1968 art. 35a lid 1 onder c"]);
    let gap = gaps.iter().find(|g| g.severity == GapSeverity::Required).expect("a required gap");
    assert_eq!(gap.path, "AccountingSupplierParty/Party/PartyTaxScheme/CompanyID");
}

#[test]
fn reverse_charge_needs_customer_vat_number_and_the_words_btw_verlegd() {
    let d = minimal_with(
        "<cbc:ID>S</cbc:ID>\n                <cbc:Percent>21</cbc:Percent>",
        "<cbc:ID>AE</cbc:ID>\n                <cbc:Percent>0</cbc:Percent>",
    );
    let required = rules(&d.legal_gaps(), GapSeverity::Required);
    assert!(required.contains(&"Wet OB 1968 art. 35a lid 1 onder d"), "{required:?}");
    assert!(required.contains(&"Wet OB 1968 art. 35a lid 1 onder m"), "{required:?}");
}

#[test]
fn totals_that_do_not_add_up_are_reported() {
    let d = minimal_with(
        r#"<cbc:PayableAmount currencyID="EUR">242.00</cbc:PayableAmount>"#,
        r#"<cbc:PayableAmount currencyID="EUR">224.00</cbc:PayableAmount>"#,
    );
    let gaps = d.legal_gaps();
    assert_eq!(rules(&gaps, GapSeverity::Required), ["EN 16931 BR-CO-16"]);
    let gap = gaps.iter().find(|g| g.rule == "EN 16931 BR-CO-16").expect("BR-CO-16");
    assert!(gap.message.contains("224.00") && gap.message.contains("242.00"), "{}", gap.message);
}

#[test]
fn a_credit_note_code_in_an_invoice_is_br_nl_8() {
    let d = minimal_with("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>", "<cbc:InvoiceTypeCode>381</cbc:InvoiceTypeCode>");
    assert_eq!(rules(&d.legal_gaps(), GapSeverity::Required), ["NLCIUS BR-NL-8"]);
}

#[test]
fn a_line_without_a_name_and_no_order_reference() {
    let d = minimal_with("<cbc:Name>SimplerInvoicing test invoice</cbc:Name>", "");
    assert_eq!(rules(&d.legal_gaps(), GapSeverity::Required), ["Wet OB 1968 art. 35a lid 1 onder f"]);
    let d = minimal_with("<cbc:ID>47806</cbc:ID>", "");
    assert_eq!(rules(&d.legal_gaps(), GapSeverity::Required), ["NLCIUS BR-NL-2"]);
}

fn error_of(text: &str) -> formats::ubl::UblError {
    read_ubl(text.as_bytes()).expect_err("refused")
}

#[test]
fn errors_name_line_and_path() {
    let text = sample("si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml");
    let e = error_of(&text.replacen("<cbc:ID>12115118</cbc:ID>", "", 1));
    assert_eq!(e.path, "Invoice/ID");
    assert!(e.message.contains("invoice number"), "{e}");

    let e = error_of(&text.replacen("<cbc:IssueDate>2015-01-09</cbc:IssueDate>", "<cbc:IssueDate>09-01-2015</cbc:IssueDate>", 1));
    assert_eq!((e.line, e.path.as_str()), (12, "Invoice/IssueDate"), "{e}");
    assert!(e.message.contains("'09-01-2015'"));

    let e = error_of(&text.replacen(
        r#"<cbc:PayableAmount currencyID="EUR">242.00</cbc:PayableAmount>"#,
        r#"<cbc:PayableAmount currencyID="EUR">242.001</cbc:PayableAmount>"#,
        1,
    ));
    assert_eq!(e.path, "Invoice/LegalMonetaryTotal/PayableAmount");
    assert!(e.message.contains("more than two decimals"), "{e}");
    assert_eq!(e.line, text.lines().position(|l| l.contains("<cbc:PayableAmount")).expect("line") as u64 + 1);

    let e = error_of(&text.replacen(r#"<cbc:PayableAmount currencyID="EUR">"#, r#"<cbc:PayableAmount currencyID="USD">"#, 1));
    assert!(e.message.contains("USD"), "{e}");

    let e = error_of(&text.replacen("</cac:AccountingCustomerParty>", "", 1));
    assert!(e.message.contains("not well-formed"), "{e}");
    assert!(e.line > 40, "{e}");

    let e = error_of("<Order><ID>1</ID></Order>");
    assert!(e.message.contains("found <Order>"), "{e}");
    let e = error_of("");
    assert!(e.message.contains("no UBL"), "{e}");
}

#[test]
fn any_prefix_and_entities_are_read() {
    let text = sample("si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml")
        .replace("cbc:", "b:")
        .replace("xmlns:cbc=", "xmlns:b=")
        .replace("<b:RegistrationName>Ontvanger</b:RegistrationName>", "<b:RegistrationName>Jansen &amp; Zn</b:RegistrationName>");
    let d = read_ubl(text.as_bytes()).expect("read");
    assert_eq!(d.customer.name.as_deref(), Some("Jansen & Zn"));
    assert_eq!(d.number, "12115118");
}
