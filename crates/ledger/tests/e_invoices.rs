//! Importing UBL e-invoices on both backends: the shared samples as a batch, debtors found
//! again, credit notes reducing their invoice, and nothing stored when one document is bad.

use domain::contact::Iban;
use domain::ids::TenantId;
use domain::invoice::InvoiceStatus;
use domain::money::Cents;
use domain::tenant::NewTenant;
use formats::ubl::{DocumentKind, GapSeverity};
use jiff::civil::date;
use ledger::{EInvoiceFile, EInvoiceImportError, import_e_invoices};
use store::{Db, DebtorFilter, InvoiceFilter, Page, on_both_backends};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/ubl");

fn file(name: &str) -> EInvoiceFile {
    let bytes = std::fs::read(format!("{SAMPLES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"));
    EInvoiceFile { name: name.to_string(), bytes }
}

async fn tenant(db: &Db) -> TenantId {
    let mut tx = db.write().await.expect("tx");
    let iban = Iban::parse("NL91ABNA0417164300").expect("iban");
    let t = tx.create_tenant(&NewTenant::minimal("Tegoed Test BV", iban)).await.expect("tenant").id;
    tx.commit().await.expect("commit");
    t
}

async fn counts(db: &Db, t: TenantId) -> (usize, usize) {
    let mut tx = db.read().await.expect("tx");
    let invoices = tx.invoices(t, &InvoiceFilter::default(), Page::first(500)).await.expect("invoices").len();
    let debtors = tx.debtors(t, &DebtorFilter::default(), Page::first(500)).await.expect("debtors").len();
    (invoices, debtors)
}

async fn the_samples_import_as_one_batch(db: Db) {
    let t = tenant(&db).await;
    let files = [
        file("si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml"),
        file("peppol-bis3/base-example.xml"),
        file("peppol-bis3/base-creditnote-correction.xml"),
        file("si-ubl-2.0/SI-UBL-2.0_ok_full.xml"),
    ];
    let report = import_e_invoices(&db, t, &files).await.expect("imported");
    assert_eq!((report.invoices, report.credit_notes), (3, 1));
    let open_of = |i: usize| report.documents[i].amount;
    assert_eq!(report.open, open_of(0) + open_of(1) + open_of(3) - open_of(2), "what is open after the batch's credit note");
    assert_eq!(report.documents.len(), 4);

    // The SI-UBL invoice: payable, a new debtor with its KvK number, a reference of Tegoed's
    // own because the payment id is free text.
    let si = &report.documents[0];
    assert_eq!(si.number, "12115118");
    assert_eq!(si.amount, Cents::parse("242.00").expect("amount"));
    assert!(si.notes.iter().any(|n| n.contains("not a structured reference")), "{:?}", si.notes);
    assert!(si.legal_gaps.iter().all(|g| g.severity == GapSeverity::Advised), "{:?}", si.legal_gaps);
    let mut tx = db.read().await.expect("tx");
    let inv = tx.invoice(t, si.invoice_id.expect("stored")).await.expect("read").expect("exists");
    assert_eq!((inv.issue_date, inv.due_date), (date(2015, 1, 9), date(2015, 1, 9)));
    assert_eq!(inv.total, Cents::parse("242.00").expect("amount"));
    assert_eq!(inv.vat, Cents::parse("42.00").expect("amount"));
    assert_eq!(inv.outstanding, inv.total);
    assert!(inv.payment_reference.is_some(), "every invoice gets a reference");
    let debtor = tx.debtor(t, si.debtor_id).await.expect("read").expect("exists");
    assert_eq!(debtor.name, "Ontvanger");
    assert_eq!(debtor.kvk_number.as_ref().map(|k| k.as_str()), Some("11111111"));
    assert_eq!(debtor.address.as_ref().map(|a| a.city.as_str()), Some("Grotestad"));

    // The Peppol credit note corrects the Peppol invoice of the same batch, for the same debtor.
    let (invoice, credit) = (&report.documents[1], &report.documents[2]);
    assert_eq!(credit.kind, DocumentKind::CreditNote);
    assert_eq!(credit.debtor_id, invoice.debtor_id, "the buyer is found again by its identifier");
    assert_eq!(credit.credited_invoice_id, invoice.invoice_id);
    let peppol = tx.invoice(t, invoice.invoice_id.expect("stored")).await.expect("read").expect("exists");
    assert_eq!(peppol.credited, credit.amount);
    assert_eq!(peppol.outstanding, peppol.total - credit.amount);
    if peppol.outstanding == Cents::ZERO {
        assert_eq!(peppol.status, InvoiceStatus::Credited);
    }
    let contact = tx.debtor(t, invoice.debtor_id).await.expect("read").expect("exists");
    assert_eq!(contact.contacts.first().and_then(|c| c.email.as_ref()).map(|e| e.as_str()), Some("lj@buyer.se"));
    drop(tx);

    // Three customers: Ontvanger, the Peppol buyer, and the full sample's buyer.
    assert_eq!(report.debtors_created, counts(&db, t).await.1);
    assert_eq!(counts(&db, t).await.0, 3);

    // The same document again is refused by number, and nothing of the batch is stored.
    let again = [file("si-ubl-2.0/SI-UBL-2.0_BR-NL-8_ok_381.xml"), file("si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml")];
    let Err(EInvoiceImportError::Rejected(problems)) = import_e_invoices(&db, t, &again).await else {
        panic!("a second import of the same invoice must be refused")
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].file, "si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml");
    assert!(problems[0].message.contains("12115118 was imported before"), "{}", problems[0]);
    assert_eq!(counts(&db, t).await, (3, 3));
}

async fn a_bad_document_stores_nothing_and_every_problem_is_named(db: Db) {
    let t = tenant(&db).await;
    let good = file("si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml");
    let text = String::from_utf8(good.bytes.clone()).expect("utf-8");
    let broken = EInvoiceFile {
        name: "broken.xml".into(),
        bytes: text.replacen("<cbc:IssueDate>2015-01-09</cbc:IssueDate>", "<cbc:IssueDate>9 januari</cbc:IssueDate>", 1).into_bytes(),
    };
    let dollars = EInvoiceFile {
        name: "dollars.xml".into(),
        bytes: text.replace("EUR", "USD").replacen("<cbc:ID>12115118</cbc:ID>", "<cbc:ID>USD-1</cbc:ID>", 1).into_bytes(),
    };
    let Err(EInvoiceImportError::Rejected(problems)) = import_e_invoices(&db, t, &[good.clone(), broken, dollars]).await else {
        panic!("refused")
    };
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert_eq!(shown[0], "broken.xml: line 12, Invoice/IssueDate: expected a date like 2026-11-23, got '9 januari'");
    assert!(shown[1].starts_with("dollars.xml: line 1, Invoice/DocumentCurrencyCode: the document is in USD"), "{}", shown[1]);
    assert_eq!(counts(&db, t).await, (0, 0), "the good document of the batch is not stored either");

    // Twice the same number in one batch.
    let Err(EInvoiceImportError::Rejected(problems)) = import_e_invoices(&db, t, &[good.clone(), good.clone()]).await else {
        panic!("refused")
    };
    assert!(problems[0].message.contains("is also in"), "{}", problems[0]);
    assert_eq!(counts(&db, t).await, (0, 0));
    // Alone it goes in.
    import_e_invoices(&db, t, &[good]).await.expect("imported");
    assert_eq!(counts(&db, t).await, (1, 1));
}

on_both_backends!(the_samples_import_as_one_batch, a_bad_document_stores_nothing_and_every_problem_is_named);
