//! Importing bank statements on both backends: matching, allocation, the queue, returns,
//! idempotency and all-or-nothing.

use domain::bank::BankEntryStatus;
use domain::contact::Iban;
use domain::debtor::{DebtorKind, NewDebtor};
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::invoice::{Invoice, InvoiceStatus};
use domain::money::Cents;
use domain::reference::Betalingskenmerk;
use domain::tenant::NewTenant;
use jiff::civil::date;
use ledger::{StatementImportError, import_statement};
use store::{Db, InvoiceRecord, Page, on_both_backends};

fn c(v: i64) -> Cents {
    Cents::new(v).expect("cents")
}

struct Books {
    tenant: TenantId,
    bakker: DebtorId,
    jansen: DebtorId,
    invoices: Vec<Invoice>,
}

async fn books(db: &Db) -> Books {
    let mut tx = db.write().await.expect("tx");
    let iban = Iban::parse("NL91ABNA0417164300").expect("iban");
    let tenant = tx.create_tenant(&NewTenant::minimal("Tegoed Test BV", iban)).await.expect("tenant").id;
    let bakker = tx.create_debtor(tenant, &NewDebtor::named(DebtorKind::Business, "Bakkerij De Gouden Korst B.V.")).await.expect("d").id;
    let jansen = tx.create_debtor(tenant, &NewDebtor::named(DebtorKind::Business, "Jansen Installatietechniek")).await.expect("d").id;
    let mut invoices = Vec::new();
    for (debtor, number, total) in
        [(bakker, "T-1", 12100), (bakker, "T-2", 5000), (jansen, "T-3", 7260), (jansen, "T-4", 1999), (bakker, "T-5", 4444)]
    {
        let record = InvoiceRecord {
            debtor_id: debtor,
            number: number.into(),
            external_id: None,
            issue_date: date(2026, 10, 1),
            due_date: date(2026, 10, 31),
            total: c(total),
            vat: Cents::ZERO,
            paid: Cents::ZERO,
            payment_reference: None,
        };
        invoices.push(tx.create_invoice(tenant, &record).await.expect("invoice"));
    }
    tx.commit().await.expect("commit");
    Books { tenant, bakker, jansen, invoices }
}

fn reference(inv: &Invoice) -> String {
    inv.payment_reference.clone().expect("every invoice gets a reference")
}

async fn invoice(db: &Db, t: TenantId, id: InvoiceId) -> Invoice {
    db.read().await.expect("tx").invoice(t, id).await.expect("read").expect("exists")
}

/// One camt.053 entry.
struct Ntry<'a> {
    amount: &'a str,
    currency: &'a str,
    credit: bool,
    reference: &'a str,
    name: &'a str,
    iban: &'a str,
    strd: Option<&'a str>,
    ustrd: Option<&'a str>,
    e2e: &'a str,
}

fn camt(id: &str, entries: &[Ntry<'_>]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n<BkToCstmrStmt><Stmt><Id>{id}</Id>\n<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>\n"
    );
    for e in entries {
        let party = if e.credit { "Dbtr" } else { "Cdtr" };
        let rmt = match (e.strd, e.ustrd) {
            (Some(r), _) => {
                format!("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>CUR</Issr></Tp><Ref>{r}</Ref></CdtrRefInf></Strd>")
            }
            (None, Some(u)) => format!("<Ustrd>{u}</Ustrd>"),
            (None, None) => String::new(),
        };
        xml.push_str(&format!(
            "<Ntry><Amt Ccy=\"{}\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt>\n\
             <AcctSvcrRef>{}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>{}</EndToEndId></Refs>\n\
             <RltdPties><{party}><Nm>{}</Nm></{party}><{party}Acct><Id><IBAN>{}</IBAN></Id></{party}Acct></RltdPties>\n\
             <RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry>\n",
            e.currency,
            e.amount,
            if e.credit { "CRDT" } else { "DBIT" },
            e.reference,
            e.e2e,
            e.name,
            e.iban
        ));
    }
    xml.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    xml
}

fn entry<'a>(reference: &'a str, amount: &'a str) -> Ntry<'a> {
    Ntry {
        amount,
        currency: "EUR",
        credit: true,
        reference,
        name: "Iemand",
        iban: "NL02ABNA0123456789",
        strd: None,
        ustrd: None,
        e2e: "NOTPROVIDED",
    }
}

async fn counts(db: &Db, t: TenantId) -> (usize, usize) {
    let mut tx = db.read().await.expect("tx");
    let payments = tx.payments(t, None, Page::first(1000)).await.expect("payments").len();
    let entries = tx.bank_entries(t, None, Page::first(1000)).await.expect("entries").len();
    (payments, entries)
}

async fn a_statement_is_matched_booked_once_and_returns_reopen(db: Db) {
    let b = books(&db).await;
    let [t1, t2, t3, t4, _t5] = [0, 1, 2, 3, 4].map(|i| b.invoices[i].clone());
    let grouped = Betalingskenmerk::parse(&reference(&t2)).expect("kenmerk").grouped();
    let text_ref = format!("betaling kenmerk {grouped}");
    let r1 = reference(&t1);
    let xml = camt(
        "S-1",
        &[
            Ntry { strd: Some(&r1), name: "Bakkerij De Gouden Korst", iban: "NL39RABO0300065264", e2e: "E2E-1", ..entry("R1", "121.00") },
            Ntry { ustrd: Some(&text_ref), ..entry("R2", "20.00") },
            Ntry { ustrd: Some("Factuur T-3"), name: "Jansen", iban: "NL44RABO0123456789", ..entry("R3", "72.60") },
            Ntry { ustrd: Some("bedankt!"), name: "Onbekend", ..entry("R4", "12.34") },
            Ntry { credit: false, ustrd: Some("inkoop papier"), name: "Papier BV", ..entry("R5", "99.00") },
            Ntry { currency: "USD", ..entry("R6", "10.00") },
            Ntry { ustrd: Some("dank"), name: "JANSEN INSTALLATIETECHNIEK", iban: "NL20INGB0001234567", ..entry("R7", "19.99") },
        ],
    );
    let report = import_statement(&db, b.tenant, "s1.xml", xml.as_bytes()).await.expect("imports");
    assert_eq!(report.format, "camt.053");
    assert_eq!((report.entries, report.new_entries, report.known_entries), (7, 7, 0));
    assert_eq!((report.allocated, report.queued, report.returned), (3, 2, 0));
    assert_eq!(report.allocated_amount, c(12100 + 2000 + 7260));
    assert_eq!(report.queued_amount, c(1234 + 1999));

    let t = b.tenant;
    assert_eq!(invoice(&db, t, t1.id).await.status, InvoiceStatus::Paid);
    let partly = invoice(&db, t, t2.id).await;
    assert_eq!((partly.status, partly.paid), (InvoiceStatus::Open, c(2000)));
    assert_eq!(invoice(&db, t, t3.id).await.status, InvoiceStatus::Paid);
    assert_eq!(invoice(&db, t, t4.id).await.paid, Cents::ZERO, "a resembling name only suggests");

    let mut tx = db.read().await.expect("tx");
    let queue = tx.bank_entries(t, Some(BankEntryStatus::NeedsMatch), Page::first(10)).await.expect("queue");
    assert_eq!(queue.len(), 2);
    let by_name = queue.iter().find(|e| e.amount == c(1999)).expect("the name match is queued");
    assert_eq!(by_name.suggestions[0].invoice_id, t4.id);
    assert!(by_name.reasons[0].contains("name resembles"), "{:?}", by_name.reasons);
    assert!(by_name.payment_id.is_some(), "the money is booked as a payment, waiting for its invoices");
    let all = tx.bank_entries(t, None, Page::first(10)).await.expect("all");
    let status_of = |r: &str| all.iter().find(|e| e.entry_key.ends_with(r)).map(|e| e.status);
    assert_eq!(status_of(":R5"), Some(BankEntryStatus::Other));
    assert_eq!(status_of(":R6"), Some(BankEntryStatus::ForeignCurrency));
    assert_eq!(status_of(":R1"), Some(BankEntryStatus::Allocated));
    drop(tx);

    // The same file again, and a notification overlapping it: nothing is booked twice.
    let before = counts(&db, t).await;
    let again = import_statement(&db, t, "s1-again.xml", xml.as_bytes()).await.expect("imports");
    assert_eq!((again.entries, again.new_entries, again.known_entries, again.allocated), (7, 0, 7, 0));
    let overlap = camt("S-2", &[Ntry { strd: Some(&r1), ..entry("R1", "121.00") }, Ntry { ustrd: Some("T-5"), ..entry("R8", "44.44") }]);
    let more = import_statement(&db, t, "s2.xml", overlap.as_bytes()).await.expect("imports");
    assert_eq!((more.new_entries, more.known_entries, more.allocated), (1, 1, 1));
    assert_eq!(counts(&db, t).await, (before.0 + 1, before.1 + 1));

    // An MT940 with the first payment coming back, and a payment from the account that paid for
    // the bakery before: known account plus the amount of its one fitting invoice.
    let mt940 = ":20:P261121\r\n:25:NL91ABNA0417164300EUR\r\n:28C:1\r\n:60F:C261120EUR0,00\r\n\
        :61:2611211121D121,00NRTIEREF//00000000000001\r\n/TRCD/01304/\r\n\
        :86:/RTRN/MD06//EREF/E2E-1//CNTP/NL39RABO0300065264/RABONL2U/Bakkerij/UTRECHT//REMI/USTD//terug/\r\n\
        :61:2611211121C30,00NTRFNONREF//00000000000002\r\n/TRCD/00100/\r\n\
        :86:/EREF/NOTPROVIDED//CNTP/NL39RABO0300065264/RABONL2U/Bakkerij/UTRECHT//REMI/USTD//rest/\r\n\
        :62F:C261121EUR0,00\r\n-}";
    let back = import_statement(&db, t, "ing.sta", mt940.as_bytes()).await.expect("imports");
    assert_eq!((back.format.as_str(), back.returned, back.allocated), ("mt940", 1, 1));
    let reopened = invoice(&db, t, t1.id).await;
    assert_eq!((reopened.status, reopened.paid), (InvoiceStatus::Open, Cents::ZERO), "the return reopens the invoice");
    assert_eq!(invoice(&db, t, t2.id).await.paid, c(5000), "30.00 completes T-2 from the known account");
    let mut tx = db.read().await.expect("tx");
    let payments = tx.payments(t, Some(b.bakker), Page::first(10)).await.expect("payments");
    let returned = payments.iter().find(|p| p.amount == c(12100)).expect("first payment");
    assert_eq!(returned.returned_on, Some(date(2026, 11, 21)));
    assert!(returned.allocations.is_empty() && returned.unallocated == Cents::ZERO);
    let timeline = tx.timeline(t, b.bakker).await.expect("timeline");
    assert!(timeline.iter().any(|e| e.kind == "payment_returned" && e.detail.contains("MD06")), "{timeline:?}");
    assert!(tx.payments(t, Some(b.jansen), Page::first(10)).await.expect("p").iter().all(|p| p.returned_on.is_none()));
}

async fn a_bad_statement_stores_nothing(db: Db) {
    let b = books(&db).await;
    let r1 = reference(&b.invoices[0]);
    let mut xml = camt("S-1", &[Ntry { strd: Some(&r1), ..entry("R1", "121.00") }, entry("R2", "1.005")]);
    let before = counts(&db, b.tenant).await;
    let err = import_statement(&db, b.tenant, "bad.xml", xml.as_bytes()).await.expect_err("refused");
    let StatementImportError::Rejected { file, error } = &err else { panic!("{err:?}") };
    assert_eq!(file, "bad.xml");
    assert_eq!(error.line, 9);
    assert!(error.path.ends_with("Ntry/Amt") && error.message.contains("more than two decimals"), "{error:?}");
    assert!(err.to_string().starts_with("bad.xml: line 9 (Document/BkToCstmrStmt/Stmt/Ntry/Amt)"), "{err}");
    assert_eq!(counts(&db, b.tenant).await, before, "the first, good entry is not booked either");
    assert_eq!(invoice(&db, b.tenant, b.invoices[0].id).await.paid, Cents::ZERO);
    xml.truncate(xml.len() / 2);
    assert!(matches!(import_statement(&db, b.tenant, "cut.xml", xml.as_bytes()).await, Err(StatementImportError::Rejected { .. })));
    assert!(matches!(
        import_statement(&db, TenantId(999_999), "x.xml", b"<Document/>".as_slice()).await,
        Err(StatementImportError::NoTenant(_))
    ));
}

async fn every_sample_statement_imports(db: Db) {
    let b = books(&db).await;
    let dir = format!("{}/../../../shared/samples", env!("CARGO_MANIFEST_DIR"));
    let files = [
        "camt053/CAMT053.xml",
        "camt053/camt053.v2.minimal.xml",
        "camt053/camt053.v4.xml",
        "camt053/example-camt053-a.xml",
        "camt053/valid_example_v8.xml",
        "camt054/camt054.v2.xml",
        "camt054/valid_example.xml",
        "mt940/ing/ming-from-spec.txt",
        "mt940/ing/ming-ing-provided-example-single-message.txt",
        "mt940/rabobank/rabobank_mt940_structured.txt",
        "mt940/rabobank/rabobank_mt940_structured_dutch_tax.txt",
        "mt940/abnamro/abn_structured_sepa_acceptgiro.txt",
        "mt940/abnamro/abnamro_structured.txt",
        "mt940/knab/knab_sepa_acceptgiro.txt",
    ];
    let mut total = 0;
    for f in files {
        let bytes = std::fs::read(format!("{dir}/{f}")).unwrap_or_else(|e| panic!("{f}: {e}"));
        let r = import_statement(&db, b.tenant, f, bytes.as_slice()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.new_entries + r.not_booked + r.known_entries, r.entries, "{f}: {r:?}");
        assert_eq!(r.known_entries, 0, "{f}: every entry of a sample is new");
        total += r.new_entries;
    }
    // The three information-only entries of the camt.053.001.08 sample are not stored.
    assert_eq!(total, 9 + 1 + 1 + 11 + 1 + 5 + 8 + 9 + 9 + 1 + 1 + 10 + 1);
    assert_eq!(counts(&db, b.tenant).await.1 as u64, total);
}

/// A payment in time of the total less the early-payment discount settles the invoice: the
/// discount is credited. Paid late, the same amount leaves the rest open.
async fn paying_early_earns_the_discount(db: Db) {
    let b = books(&db).await;
    let mut tx = db.write().await.expect("tx");
    let reward =
        domain::messaging::EarlyPaymentReward { within_days: 60, reward: domain::messaging::Reward::Percentage { hundredths: 200 } };
    tx.save_messaging_settings(b.tenant, &domain::messaging::MessagingSettings { early_payment: Some(reward), ..Default::default() })
        .await
        .expect("settings");
    tx.commit().await.expect("commit");
    let (t1, t2) = (&b.invoices[0], &b.invoices[1]);
    let r1 = reference(t1);
    let mut early = entry("EARLY-1", "118.58");
    early.strd = Some(&r1);
    let xml = camt("reward", &[early]);
    import_statement(&db, b.tenant, "reward.xml", xml.as_bytes()).await.expect("imports");
    let paid = invoice(&db, b.tenant, t1.id).await;
    assert_eq!((paid.status.as_str(), paid.paid, paid.credited), ("paid", c(11_858), c(242)), "{paid:?}");
    // Within the window but short by more than the discount: no credit, the rest stays open.
    let r2 = reference(t2);
    let mut short = entry("SHORT-2", "40.00");
    short.strd = Some(&r2);
    let xml = camt("short", &[short]);
    import_statement(&db, b.tenant, "short.xml", xml.as_bytes()).await.expect("imports");
    let part = invoice(&db, b.tenant, t2.id).await;
    assert_eq!((part.credited, part.outstanding), (Cents::ZERO, c(1_000)));
}

on_both_backends!(
    paying_early_earns_the_discount,
    a_statement_is_matched_booked_once_and_returns_reopen,
    a_bad_statement_stores_nothing,
    every_sample_statement_imports
);
