//! The `tegoed` binary and the invoice import, on SQLite and PostgreSQL.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use domain::ids::TenantId;
use domain::invoice::InvoiceStatus;
use formats::invoice_csv::ColumnMapping;
use ledger::{ImportError, import_invoice_csv};
use store::{Db, DebtorFilter, InvoiceFilter, Page, on_both_backends};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn tegoed(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tegoed"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("TEGOED_CONFIG")
        .output()
        .expect("run tegoed")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn new_tenant(db: &Db) -> TenantId {
    let iban = domain::contact::Iban::parse("NL91ABNA0417164300").expect("iban");
    web::api::provision_tenant(db, &domain::tenant::NewTenant::minimal("Import B.V.", iban)).await.expect("tenant").tenant.id
}

async fn counts(db: &Db, t: TenantId) -> (usize, usize) {
    let mut tx = db.read().await.expect("tx");
    let debtors = tx.debtors(t, &DebtorFilter::default(), Page::first(500)).await.expect("debtors").len();
    let invoices = tx.invoices(t, &InvoiceFilter::default(), Page::first(500)).await.expect("invoices").len();
    (debtors, invoices)
}

async fn a_dutch_export_imports_whole(db: Db) {
    let t = new_tenant(&db).await;
    let bytes = std::fs::read(data("exact-export.csv")).expect("file");
    let report = import_invoice_csv(&db, t, &bytes, &ColumnMapping::default()).await.expect("import");
    assert_eq!((report.invoices, report.debtors_created), (4, 3));
    assert_eq!(report.total.cents(), 121_000 + 9_995 + 484_000 + 36_300);
    assert_eq!(report.open.cents(), 121_000 + 9_995 + 200_000);

    let mut tx = db.read().await.expect("tx");
    let debtor = tx.debtor_by_external_id(t, "K100").await.expect("query").expect("created");
    assert_eq!(debtor.name, "Bakkerij De Vries B.V.");
    assert_eq!(debtor.contacts[0].email.as_ref().map(|e| e.as_str()), Some("info@bakkerijdevries.example.com"));
    assert_eq!(
        tx.debtor_by_external_id(t, "K102").await.expect("query").expect("created").name,
        "Café 't Hoekje",
        "Windows-1252 read right"
    );
    let all = tx.invoices(t, &InvoiceFilter::default(), Page::first(10)).await.expect("invoices");
    let by_number = |n: &str| all.iter().find(|i| i.number == n).expect("imported").clone();
    assert_eq!(by_number("2026-0002").due_date, jiff::civil::date(2026, 2, 4), "no due date: invoice date + 30 days");
    assert_eq!((by_number("2026-0003").paid.cents(), by_number("2026-0003").status), (284_000, InvoiceStatus::Open));
    assert_eq!(by_number("2026-0004").status, InvoiceStatus::Paid);
    drop(tx);

    // The same file again: every number is taken, so nothing at all is stored twice.
    match import_invoice_csv(&db, t, &bytes, &ColumnMapping::default()).await {
        Err(ImportError::Rejected(problems)) => {
            assert_eq!(problems.len(), 4);
            assert!(problems.iter().all(|p| p.message.contains("was imported before")), "{problems:?}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(counts(&db, t).await, (3, 4));
}

async fn one_bad_row_imports_nothing(db: Db) {
    let t = new_tenant(&db).await;
    let bytes = std::fs::read(data("bad-rows.csv")).expect("file");
    let Err(ImportError::Rejected(problems)) = import_invoice_csv(&db, t, &bytes, &ColumnMapping::default()).await else {
        panic!("bad rows must be rejected");
    };
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(lines.iter().any(|l| l.starts_with("line 3, column 'Factuurdatum': '31-02-2026' is not a date")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("line 6, column 'Bedrag incl. BTW': '1.234' is not an amount")), "{lines:#?}");
    assert_eq!(counts(&db, t).await, (0, 0), "nothing imported");

    // Rows that read well but break rules together: also nothing.
    let csv = "Factuurnummer;Klantnummer;Klantnaam;Factuurdatum;Vervaldatum;Bedrag\n\
               A-1;K1;Een;5-1-2026;1-1-2026;12,50\n\
               A-2;K2;;5-1-2026;;10,00\n\
               A-1;K1;Een;6-1-2026;;10,00\n";
    let Err(ImportError::Rejected(problems)) = import_invoice_csv(&db, t, csv.as_bytes(), &ColumnMapping::default()).await else {
        panic!("rule-breaking rows must be rejected");
    };
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].starts_with("line 2, column 'due_date': 2026-01-01 lies before the invoice date"), "{lines:#?}");
    assert!(lines[1].starts_with("line 3, column 'customer_id': customer K2 is not known yet"), "{lines:#?}");
    assert!(lines[2].starts_with("line 4, column 'number': invoice number A-1 appears on line 2 already"), "{lines:#?}");
    assert_eq!(counts(&db, t).await, (0, 0), "the debtor created for line 2 was rolled back too");
}

async fn the_binary_imports_and_reports(db: Db) {
    let url = match &db {
        Db::Sqlite(_) => {
            let path =
                std::env::temp_dir().join(format!("tegoed-cli-{}-{}.db", std::process::id(), jiff::Timestamp::now().as_microsecond()));
            format!("sqlite:{}", path.display())
        }
        Db::Postgres(_) => store::testing::postgres_url().await,
    };
    let out = tegoed(&url, &["tenant", "create", "--name", "CLI B.V.", "--iban", "NL91 ABNA 0417 1643 00", "--kvk", "12345678"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let tenant = stdout.lines().find_map(|l| l.strip_prefix("tenant ")).expect("tenant id").trim().to_string();
    let key = stdout.lines().find_map(|l| l.strip_prefix("api key ")).expect("key");
    assert!(web::keys::split(key).is_some(), "{key}");

    let out = tegoed(&url, &["import", "invoices", data("exact-export.csv").to_str().expect("path"), "--tenant", &tenant]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("imported 4 invoices (3 new debtors)"), "{}", text(&out.stdout));

    let bad = data("bad-rows.csv");
    let out = tegoed(&url, &["import", "invoices", bad.to_str().expect("path"), "--tenant", &tenant]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("{}: line 3, column 'Factuurdatum': '31-02-2026' is not a date", bad.display())), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");

    let out = tegoed(
        &url,
        &[
            "import",
            "invoices",
            data("custom.csv").to_str().expect("path"),
            "--tenant",
            &tenant,
            "--mapping",
            data("custom-mapping.toml").to_str().expect("path"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("imported 2 invoices (2 new debtors), total € 1.250,50"), "{}", text(&out.stdout));

    let out =
        tegoed(&url, &["import", "invoices", data("custom.csv").to_str().expect("path"), "--tenant", &tenant, "--column", "totl=Gross"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("field 'totl', which does not exist"), "{}", text(&out.stderr));

    // E-invoices: a folder of UBL files in one batch, with the legal-validity report per document.
    let ubl = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/ubl/peppol-bis3");
    let out = tegoed(&url, &["import", "invoices", ubl, "--tenant", &tenant, "--format", "ubl"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("imported 1 invoices and 1 credit notes (1 new debtors)"), "{stdout}");
    assert!(stdout.contains("base-example.xml: invoice Snippet1"), "{stdout}");
    assert!(stdout.contains("advice (EN 16931 BT-84): the account to pay into, IBAN32423940, is not a valid IBAN"), "{stdout}");
    let si_ubl = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/ubl/si-ubl-2.0/SI-UBL-2.0_ok_minimal.xml");
    let broken = std::env::temp_dir().join(format!("tegoed-broken-{}.xml", std::process::id()));
    std::fs::write(
        &broken,
        std::fs::read_to_string(si_ubl).expect("sample").replace("242.00</cbc:PayableAmount>", "242,00</cbc:PayableAmount>"),
    )
    .expect("write");
    let out = tegoed(&url, &["import", "invoices", si_ubl, broken.to_str().expect("path"), "--tenant", &tenant, "--format", "ubl"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: line 82, Invoice/LegalMonetaryTotal/PayableAmount: expected an amount like 1234.56, got '242,00'",
            broken.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("1 problem(s); nothing was imported"), "{stderr}");

    let out = tegoed(&url, &["import", "invoices", "/nonexistent.csv", "--tenant", &tenant]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("reading /nonexistent.csv"), "{}", text(&out.stderr));

    let out = tegoed(&url, &["gen", "--debtors", "40", "--invoices", "300", "--seed", "9", "--as-of", "2026-11-23"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("debtors 40 invoices 300") && stdout.contains("rows/s") && stdout.contains("peak memory"), "{stdout}");
    let gen_tenant: i64 = stdout.lines().find_map(|l| l.strip_prefix("tenant ")).expect("tenant").trim().parse().expect("id");
    let db = Db::connect(&url).await.expect("open");
    assert_eq!(counts(&db, TenantId(gen_tenant)).await, (40, 300));

    let out = tegoed(&url, &["migrate"]);
    assert!(out.status.success() && text(&out.stdout).contains("up to date"), "{}", text(&out.stderr));
    let out = tegoed(&url, &["tenant", "create", "--name", "X", "--iban", "NL00BANK0000000000"]);
    assert!(!out.status.success() && text(&out.stderr).contains("--iban"), "{}", text(&out.stderr));
}

on_both_backends!(a_dutch_export_imports_whole, one_bad_row_imports_nothing, the_binary_imports_and_reports);

#[test]
fn the_same_seed_generates_the_same_ledger() {
    let dir = std::env::temp_dir();
    let stamp = jiff::Timestamp::now().as_microsecond();
    let dump = |n: u32| {
        let url = format!("sqlite:{}", dir.join(format!("tegoed-gen-{}-{stamp}-{n}.db", std::process::id())).display());
        let out = tegoed(&url, &["gen", "--debtors", "25", "--invoices", "120", "--seed", "42", "--as-of", "2026-06-30"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let db = Db::connect(&url).await.expect("open");
            let mut tx = db.read().await.expect("tx");
            let inv = tx.invoices(TenantId(1), &InvoiceFilter::default(), Page::first(500)).await.expect("invoices");
            inv.iter()
                .map(|i| format!("{} {} {} {} {} {}", i.number, i.debtor_id, i.issue_date, i.due_date, i.total, i.paid))
                .collect::<Vec<_>>()
        })
    };
    let (a, b) = (dump(1), dump(2));
    assert_eq!(a.len(), 120);
    assert_eq!(a, b);
}

fn calc(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_tegoed")).arg("calc").args(args).output().expect("run tegoed");
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON: {e}: {}", text(&out.stdout)))
}

#[test]
fn calc_reproduces_the_worked_examples_of_the_law_document() {
    // §1.2 / §1.4: €1,752.79 → 262.92, with VAT 318.13 (ECLI:NL:RBZWB:2016:5464).
    let c = calc(&["collection-costs", "--principal", "1752.79", "--vat-not-deductible"]);
    assert_eq!(
        (&c["principal"], &c["costs"], &c["vat"], &c["total"]),
        (&"1752.79".into(), &"262.92".into(), &"55.21".into(), &"318.13".into())
    );
    // §1.2 DAS: €10,000 → €875; a business debtor gets the same staffel by default.
    assert_eq!(calc(&["collection-costs", "--principal", "10000", "--business"])["costs"], "875.00");
    // §1.4: €800 → €145.20 including VAT (ECLI:NL:RBNHO:2022:5944).
    assert_eq!(calc(&["collection-costs", "--principal", "800", "--vat-not-deductible"])["total"], "145.20");
    // §1.2 band edges.
    for (principal, costs) in [("266.67", "40.00"), ("2500", "375.00"), ("5000", "625.00"), ("200000", "2775.00"), ("1000000", "6775.00")] {
        assert_eq!(calc(&["collection-costs", "--principal", principal])["costs"], costs, "{principal}");
    }
    assert_eq!(
        calc(&["collection-costs", "--principal", "100", "--business", "--agreed-amount", "25"])["costs"],
        "40.00",
        "never below €40"
    );

    // §2.4: €100 from 2013-02-01 to 2023-10-30 at 6:119, compound, A365 → 28.94 (compensationsns.nl).
    let i = calc(&["interest", "--kind", "consumer", "--principal", "100", "--from", "2013-02-01", "--to", "2023-10-30"]);
    assert_eq!(i["interest"], "28.94");
    let first = &i["periods"][0];
    assert_eq!(
        (&first["from"], &first["to"], &first["days"], &first["rate"], &first["base"]),
        (&"2013-02-01".into(), &"2014-02-01".into(), &365.into(), &"3".into(), &"100.00".into())
    );
    // §2.6: €5,000 × 10.15 % × 90/365 = €125.14.
    assert_eq!(
        calc(&["interest", "--kind", "commercial", "--principal", "5000", "--from", "2025-10-01", "--to", "2025-12-30"])["interest"],
        "125.14"
    );
    // The issue's example: one period at 6 %.
    let i = calc(&["interest", "--kind", "consumer", "--principal", "3796.99", "--from", "2023-11-11", "--to", "2024-01-01"]);
    assert_eq!((i["interest"].as_str(), i["periods"].as_array().map(Vec::len)), (Some("31.83"), Some(1)));
    // Payments: costs, then interest, then principal.
    let i = calc(&[
        "interest",
        "--kind",
        "consumer",
        "--principal",
        "1000",
        "--from",
        "2024-01-31",
        "--to",
        "2024-12-31",
        "--costs",
        "150",
        "--payment",
        "2024-06-30=200",
    ]);
    assert_eq!((&i["payments"][0]["to_costs"], &i["payments"][0]["to_interest"]), (&"150.00".into(), &"28.96".into()));

    let out = Command::new(env!("CARGO_BIN_EXE_tegoed"))
        .args(["calc", "interest", "--kind", "civil", "--principal", "1", "--from", "2024-01-01", "--to", "2024-02-01"])
        .output()
        .expect("run");
    assert!(!out.status.success() && text(&out.stderr).contains("expected consumer or commercial"), "{}", text(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_tegoed")).args(["calc", "collection-costs", "--principal", "1.234"]).output().expect("run");
    assert!(!out.status.success() && text(&out.stderr).contains("--principal"), "{}", text(&out.stderr));
}
