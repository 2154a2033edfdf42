//! Every bank statement in `../shared/samples/` read with all its entries, and statements made
//! here for the edge cases the samples do not show.

use domain::money::Cents;
use formats::statement::{Direction, EntryStatus, StatementEntry, StatementFormat, read_statement};

fn sample(path: &str) -> Vec<u8> {
    let full = format!("{}/../../../shared/samples/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("sample {full}: {e}"))
}

fn read(path: &str) -> (StatementFormat, Vec<StatementEntry>) {
    read_statement(&sample(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cents(e: &StatementEntry) -> i64 {
    e.amount.cents()
}

/// Σ credits − Σ debits, the movement a statement's balances must show.
fn movement(entries: &[StatementEntry]) -> i64 {
    entries.iter().map(|e| if e.direction == Direction::Credit { cents(e) } else { -cents(e) }).sum()
}

#[test]
fn rabobank_camt053_export_with_kenmerk_in_both_forms() {
    let (format, entries) = read("camt053/CAMT053.xml");
    assert_eq!(format, StatementFormat::Camt053);
    assert_eq!(entries.len(), 9);
    let tax = &entries[0];
    assert_eq!((tax.line, cents(tax), tax.direction), (248, 407600, Direction::Debit));
    assert_eq!(tax.structured_reference.as_deref(), Some("1067931951601240"));
    assert_eq!(tax.remittance.as_deref(), Some("BETALINGSKENM.  1067931951601240"));
    assert_eq!(tax.counterparty_name.as_deref(), Some("Belastingdienst Apeldoorn"));
    assert_eq!(tax.counterparty_account.as_deref(), Some("NL86INGB0002445588"));
    assert_eq!(tax.bank_code.as_deref(), Some("086"));
    let income = &entries[2];
    assert_eq!((cents(income), income.direction), (442525, Direction::Credit));
    assert_eq!(income.counterparty_name.as_deref(), Some("XS NEWS B V"));
    assert_eq!(income.counterparty_account.as_deref(), Some("NL62ABNA0408441224"));
    assert_eq!(income.remittance.as_deref(), Some("2016Q3-0004"));
    assert_eq!(income.booked_on.to_string(), "2016-08-15");
    // Two accounts in one file: the last statement is for the other one.
    assert_eq!(entries[8].account, "NL59RABO3181240869");
    assert!(entries[..8].iter().all(|e| e.account == "NL17RABO0310029597"));
    assert_eq!(entries.iter().filter(|e| e.direction == Direction::Credit).count(), 4);
}

#[test]
fn camt053_versions_02_and_04_read_alike() {
    let (_, v2) = read("camt053/camt053.v2.minimal.xml");
    let (_, v4) = read("camt053/camt053.v4.xml");
    for entries in [&v2, &v4] {
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!((cents(e), e.direction, e.status), (885, Direction::Credit, EntryStatus::Booked));
        assert_eq!(e.account, "NL26VAYB8060476890");
        assert_eq!(e.counterparty_name.as_deref(), Some("NAME NAME"));
        assert_eq!(e.counterparty_account.as_deref(), Some("NL56AGDH9619008421"));
        assert_eq!(e.structured_reference.as_deref(), Some("4654654654654654"));
        assert_eq!((e.booked_on.to_string(), e.value_on.map(|d| d.to_string())), ("2014-12-31".into(), Some("2015-01-02".into())));
    }
    assert_eq!(v4[0].bank_reference.as_deref(), Some("AAAASESS-FP-CN_98765/01"));
    assert_eq!(v4[0].bank_code.as_deref(), Some("PAYM/0001/0005"));
}

#[test]
fn sns_camt053_with_entry_references() {
    let (_, entries) = read("camt053/example-camt053-a.xml");
    assert_eq!(entries.len(), 11);
    assert_eq!(entries.iter().map(|e| e.account.as_str()).filter(|a| *a == "NL14SNSB0012345678").count(), 7);
    let transfer = &entries[2];
    assert_eq!((cents(transfer), transfer.direction), (50000, Direction::Credit));
    assert_eq!(transfer.bank_reference.as_deref(), Some("20260126-394900"));
    assert_eq!(transfer.counterparty_account.as_deref(), Some("NL78SNSB0022446688"));
    assert_eq!(transfer.bank_code.as_deref(), Some("PMNT/RCDT/BOOK"));
    // Every entry has a reference of its own: the key that books it once.
    let mut refs: Vec<_> = entries.iter().map(|e| e.bank_reference.clone().expect("reference")).collect();
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 11);
}

#[test]
fn camt053_version_08_with_status_code_party_choice_and_rf() {
    let (_, entries) = read("camt053/valid_example_v8.xml");
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e.status == EntryStatus::Information));
    assert_eq!(entries[0].counterparty_name.as_deref(), Some("Jon Doe"));
    assert_eq!(entries[0].end_to_end_id.as_deref(), Some("80000004540000100095"));
    assert_eq!(entries[1].structured_reference.as_deref(), Some("RF38000000000000000000552"));
    assert_eq!((cents(&entries[1]), entries[1].currency.as_str()), (8885, "CHF"));
    assert_eq!((entries[2].direction, entries[2].counterparty_name.as_deref()), (Direction::Debit, Some("DHL Express (Schweiz) AG")));
}

#[test]
fn camt054_notifications() {
    let (format, entries) = read("camt054/valid_example.xml");
    assert_eq!(format, StatementFormat::Camt054);
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[0].batch_index, Some(0));
    assert_eq!(entries[0].counterparty_name.as_deref(), Some("Rutschmann Pia"));
    // A batch whose transactions carry no amounts stays one entry, with all its texts.
    let (_, batch) = read("camt054/camt054.v2.xml");
    assert_eq!(batch.len(), 1);
    assert_eq!((cents(&batch[0]), batch[0].currency.as_str()), (20_000_000, "SEK"));
    let text = batch[0].remittance.as_deref().expect("texts");
    assert!(text.contains("ISR ref number V1") && text.contains("ISR ref number V2"), "{text}");
}

#[test]
fn ing_structured_mt940() {
    let (format, entries) = read("mt940/ing/ming-ing-provided-example-single-message.txt");
    assert_eq!(format, StatementFormat::Mt940);
    assert_eq!(entries.len(), 9);
    assert!(entries.iter().all(|e| e.account == "NL20INGB0001234567" && e.statement == "P140104000009999/3"));
    // The statement's own totals (/SUM/4/5/627,00/3969,15/). Its closing balance does not add up
    // in this example, so the totals are what is checked.
    let sum = |d| entries.iter().filter(|e| e.direction == d).map(cents).sum::<i64>();
    assert_eq!((sum(Direction::Debit), sum(Direction::Credit)), (62700, 396915));
    let paid = &entries[6];
    assert_eq!((cents(paid), paid.direction), (2500, Direction::Credit));
    assert_eq!(paid.structured_reference.as_deref(), Some("6390338414964113"));
    assert_eq!(paid.counterparty_name.as_deref(), Some("ING Testrekening"));
    assert_eq!(paid.counterparty_account.as_deref(), Some("NL08INGB0000001234"));
    assert_eq!(paid.end_to_end_id.as_deref(), Some("E2E2014030155826300"));
    assert_eq!(paid.bank_reference.as_deref(), Some("00000000000007"));
    // The codeword wrapped inside a value ("MNDTID5" / "653M5") is joined without a space.
    assert_eq!(entries[3].mandate.as_deref(), Some("MNDTID5653M5"));
    assert_eq!(entries[3].return_reason.as_deref(), Some("MD06"));
    assert!(entries[3].is_return());
    assert_eq!(entries[7].remittance.as_deref(), Some("TOTAAL 168 POSTEN"));
    assert_eq!(entries[8].return_reason.as_deref(), Some("AC04"));
}

#[test]
fn ing_mt940_from_the_format_description() {
    let (_, entries) = read("mt940/ing/ming-from-spec.txt");
    assert_eq!(entries.len(), 8);
    assert_eq!(66223 + movement(&entries), 56435);
    assert_eq!(entries[2].return_reason.as_deref(), Some("MS03"));
    assert_eq!(entries[2].remittance.as_deref(), Some("Factuurnr 123456 Klantnr 00123"));
    assert_eq!(entries[6].structured_reference.as_deref(), Some("9001123412341234"));
    assert_eq!(entries[0].counterparty_name.as_deref(), Some("ING BANK NV INZAKE WEB"));
}

#[test]
fn rabobank_structured_mt940() {
    let (_, entries) = read("mt940/rabobank/rabobank_mt940_structured.txt");
    assert_eq!(entries.len(), 9);
    assert_eq!(movement(&entries[..2]), 119035 - 114795);
    let first = &entries[0];
    assert_eq!((cents(first), first.direction), (12750, Direction::Debit));
    assert_eq!(first.counterparty_account.as_deref(), Some("NL96RBOS0523149468"));
    assert_eq!(first.counterparty_name.as_deref(), Some("Nespresso Nederland B.V."));
    assert_eq!(first.end_to_end_id.as_deref(), Some("02-04-2013 22:56 1120000153447185"));
    let wrapped = &entries[3];
    assert_eq!(wrapped.remittance.as_deref(), Some("factuurnummer 201303-128cursus certified PO"));
    assert_eq!(entries[7].remittance.as_deref(), Some("Ref: 201302-080"));
    assert_eq!(entries[7].counterparty_name.as_deref(), Some("BEDRIJF NV"));
    let (_, tax) = read("mt940/rabobank/rabobank_mt940_structured_dutch_tax.txt");
    assert_eq!(tax.len(), 1);
    assert_eq!(tax[0].structured_reference.as_deref(), Some("1234567899874563"));
    assert_eq!(tax[0].booked_on.to_string(), "2013-12-27");
}

#[test]
fn abn_amro_structured_legacy_and_knab() {
    let (_, acceptgiro) = read("mt940/abnamro/abn_structured_sepa_acceptgiro.txt");
    assert_eq!(acceptgiro.len(), 1);
    // The kenmerk is wrapped across two lines inside a space-padded "ISSUER: CUR REF:".
    assert_eq!(acceptgiro[0].structured_reference.as_deref(), Some("4420043232693268"));
    assert_eq!(cents(&acceptgiro[0]), 1050);

    let (_, mixed) = read("mt940/abnamro/abnamro_structured.txt");
    assert_eq!(mixed.len(), 10);
    assert_eq!(movement(&mixed[..3]), -2510);
    assert!(mixed[0].remittance.as_deref().is_some_and(|r| r.starts_with("BEA NR:MA1402")));
    let ideal = &mixed[3];
    assert_eq!(ideal.counterparty_account.as_deref(), Some("NL70ABNA0888888888"));
    assert_eq!(ideal.counterparty_name.as_deref(), Some("NS GROEP INZAKE NSR IDEA"));
    assert_eq!(ideal.booked_on.to_string(), "2014-01-27");
    assert_eq!(ideal.value_on.map(|d| d.to_string()).as_deref(), Some("2014-01-26"));
    let legacy = &mixed[5];
    assert_eq!(legacy.structured_reference.as_deref(), Some("1234567890098876"));
    assert_eq!(legacy.counterparty_name.as_deref(), Some("BELASTINGDIENST"));
    // Five identical lines are five entries: nothing is merged or dropped.
    assert_eq!(mixed[5..].iter().filter(|e| **e == StatementEntry { line: e.line, ..legacy.clone() }).count(), 5);

    let (_, knab) = read("mt940/knab/knab_sepa_acceptgiro.txt");
    assert_eq!(knab.len(), 1);
    assert_eq!((cents(&knab[0]), knab[0].account.as_str()), (1000, "NL92KNAB0123123123"));
    assert_eq!(knab[0].counterparty_account.as_deref(), Some("NL86INGB0002445588"));
    assert_eq!(knab[0].end_to_end_id.as_deref(), Some("6767676767676766"));
    assert_eq!(knab[0].bank_reference.as_deref(), Some("ASFKJASDFKJASDFD"));
}

/// ABN AMRO's published examples are one document of numbered messages; each is read alone.
#[test]
fn abn_amro_published_examples() {
    let text = String::from_utf8(sample("mt940/abnamro/MT940_voorbeeldbestanden_abnamro.txt")).expect("ASCII");
    let messages: Vec<&str> = text.split("ABNANL2A\r\n940\r\nABNANL2A").skip(1).collect();
    assert_eq!(messages.len(), 13);
    let mut seen = Vec::new();
    for m in messages {
        let body = m.split("\r\n\r\n").next().expect("a message");
        let (_, entries) = read_statement(body.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{body}"));
        assert_eq!(entries.len(), 1, "{body}");
        seen.push(entries.into_iter().next().expect("one"));
    }
    assert_eq!(seen[0].counterparty_name.as_deref(), Some("QASD JGRED"));
    assert_eq!(seen[0].remittance.as_deref(), Some("Dit zijn de omschrijvingsregels"));
    assert_eq!(seen[0].end_to_end_id, None, "NOTPROVIDED is no reference");
    assert_eq!(seen[4].return_reason.as_deref(), Some("MS02"));
    assert_eq!(seen[7].mandate.as_deref(), Some("123456789XXmandaat"));
    assert_eq!(seen[7].counterparty_account.as_deref(), Some("NL66ABNA1234567890"));
    assert_eq!(seen[8].return_reason.as_deref(), Some("AC01"));
    assert_eq!(seen[8].counterparty_account.as_deref(), Some("NL71ABNA1234567890"));
    assert!(seen[8].is_return() && seen[9].is_return());
    assert_eq!(seen[11].direction, Direction::Debit, "a lower-case d is a debit");
    assert_eq!(seen[12].structured_reference.as_deref(), Some("1234567812345678"));
    assert_eq!(seen[12].amount, Cents::new(50001).expect("cents"));
}

#[test]
fn a_camt_batch_is_split_into_its_transactions() {
    let xml = r#"<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt><Stmt><Id>S1</Id>
<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>false</RvslInd><Sts>BOOK</Sts>
<BookgDt><DtTm>2026-11-20T09:00:00+01:00</DtTm></BookgDt><AcctSvcrRef>B-1</AcctSvcrRef>
<NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>
<TxDtls><Refs><AcctSvcrRef>B-1-a</AcctSvcrRef><EndToEndId>E1</EndToEndId></Refs><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Nm>Bakkerij &amp; Zn</Nm></Dbtr><DbtrAcct><Id><IBAN>NL02ABNA0123456789</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Ustrd>factuur 2026-0001</Ustrd></RmtInf></TxDtls>
<TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><Amt Ccy="EUR">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Nm>Caf&#233; B</Nm></Dbtr></RltdPties><RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls>
</NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts><ValDt><Dt>2026-11-21</Dt></ValDt></Ntry>
</Stmt></BkToCstmrStmt></Document>"#;
    let (_, entries) = read_statement(xml.as_bytes()).expect("reads");
    assert_eq!(entries.len(), 3);
    assert_eq!((cents(&entries[0]), entries[0].batch_index, entries[0].bank_reference.as_deref()), (1000, Some(0), Some("B-1-a")));
    assert_eq!(entries[0].counterparty_name.as_deref(), Some("Bakkerij & Zn"));
    assert_eq!(entries[0].booked_on.to_string(), "2026-11-20");
    assert_eq!((cents(&entries[1]), entries[1].batch_index, entries[1].bank_reference.as_deref()), (2000, Some(1), Some("B-1")));
    assert_eq!(entries[1].counterparty_name.as_deref(), Some("Café B"));
    assert_eq!((entries[1].end_to_end_id.as_deref(), entries[1].return_reason.as_deref()), (None, Some("AC04")));
    assert!(entries[2].reversal && entries[2].is_return());
    assert_eq!(entries[2].booked_on.to_string(), "2026-11-21", "no booking date: the value date");
}

#[test]
fn bad_statements_say_where_and_what() {
    let err = |bytes: &[u8]| read_statement(bytes).expect_err("must be refused").to_string();
    let camt = |ntry: &str| {
        format!(
            "<Document>\n<BkToCstmrStmt>\n<Stmt><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>\n{ntry}\n</Stmt></BkToCstmrStmt></Document>"
        )
    };
    let e = err(camt("<Ntry><Amt>1.234</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-01-01</Dt></BookgDt></Ntry>").as_bytes());
    assert!(e.starts_with("line 4 (Document/BkToCstmrStmt/Stmt/Ntry/Amt): '1.234' has more than two decimals"), "{e}");
    let e = err(camt("<Ntry><Amt>1.00</Amt><CdtDbtInd>CRED</CdtDbtInd><BookgDt><Dt>2026-01-01</Dt></BookgDt></Ntry>").as_bytes());
    assert!(e.contains("CdtDbtInd): expected CRDT or DBIT, got CRED"), "{e}");
    let e = err(camt("<Ntry><Amt>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>1 jan</Dt></BookgDt></Ntry>").as_bytes());
    assert!(e.contains("BookgDt): expected a date like 2026-11-23, got '1 jan'"), "{e}");
    let e = err(camt("<Ntry><Amt>1.00</Amt>").as_bytes());
    assert!(e.contains("not well-formed XML") || e.contains("ends before"), "{e}");
    let e = err(b"<Document><pain.001/></Document>");
    assert!(e.contains("expected BkToCstmrStmt"), "{e}");
    let e = err(b"<Invoice/>");
    assert!(e.contains("root element Document"), "{e}");
    let e = err(b"   \n");
    assert!(e.contains("the file is empty"), "{e}");

    let mt =
        |line61: &str| format!(":20:X\r\n:25:NL91ABNA0417164300\r\n:28C:1\r\n:60F:C260101EUR0,00\r\n{line61}\r\n:62F:C260101EUR0,00\r\n");
    let e = err(mt(":61:2601010101X5,00NTRFNONREF").as_bytes());
    assert_eq!(e, "line 5 (:61:): expected C or D (credit or debit) at position 11, got 'X5,00NTRFNONREF'");
    let e = err(mt(":61:2613010101C5,00NTRFNONREF").as_bytes());
    assert!(e.contains("'261301' is not a date"), "{e}");
    let e = err(mt(":61:260101C5.00NTRFNONREF").as_bytes());
    assert!(e.starts_with("line 5 (:61:)"), "{e}");
    let e = err(b":20:X\r\n:25:NL91ABNA0417164300\r\n:62F:C260101EUR0,00\r\nsomething that is not MT940 at all\r\n");
    assert_eq!(e, "line 4: expected a field tag such as :61: or :86:, found 'something that is not MT940 at all'");
    let e = err(b":20:X\r\n:61:2601010101C5,00NTRFNONREF\r\n");
    assert!(e.contains("before the account (:25:)"), "{e}");
}

#[test]
fn mt940_year_rolls_over_between_value_and_entry_date() {
    let text = ":20:X\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C251231EUR0,00\n:61:2512310102C5,00NTRFNONREF\n:86:/REMI/USTD//x/\n:61:2601011231D5,00NTRFNONREF\n:62F:C260102EUR0,00\n";
    let (_, entries) = read_statement(text.as_bytes()).expect("reads");
    assert_eq!(entries[0].booked_on.to_string(), "2026-01-02");
    assert_eq!(entries[1].booked_on.to_string(), "2025-12-31");
    assert_eq!(entries[1].remittance, None, "an entry without :86: has no text");
}
