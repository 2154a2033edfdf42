//! The store on both backends: what the database itself guarantees, beyond what the API checks.

use domain::debtor::{DebtorKind, NewDebtor};
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::invoice::{InvoiceStatus, NewCreditNote};
use domain::money::Cents;
use domain::payment::{Allocation, NewPayment};
use domain::tenant::NewTenant;
use jiff::civil::{Date, date};
use store::{Db, IdempotencyClaim, InvoiceFilter, InvoiceRecord, Page, StoreError, on_both_backends};

fn c(v: i64) -> Cents {
    Cents::new(v).expect("in range")
}

async fn tenant(db: &Db, name: &str) -> TenantId {
    let mut tx = db.write().await.expect("tx");
    let iban = domain::contact::Iban::parse("NL91ABNA0417164300").expect("iban");
    let t = tx.create_tenant(&NewTenant::minimal(name, iban)).await.expect("tenant").id;
    tx.commit().await.expect("commit");
    t
}

async fn debtor(db: &Db, t: TenantId) -> DebtorId {
    let mut tx = db.write().await.expect("tx");
    let d = tx.create_debtor(t, &NewDebtor::named(DebtorKind::Consumer, "D")).await.expect("debtor").id;
    tx.commit().await.expect("commit");
    d
}

fn record(debtor: DebtorId, number: &str, due: Date, total: i64) -> InvoiceRecord {
    InvoiceRecord {
        debtor_id: debtor,
        number: number.into(),
        external_id: None,
        issue_date: date(2026, 1, 1),
        due_date: due,
        total: c(total),
        vat: Cents::ZERO,
        paid: Cents::ZERO,
        payment_reference: None,
    }
}

async fn rows_cannot_point_into_another_tenant(db: Db) {
    let (a, b) = (tenant(&db, "A").await, tenant(&db, "B").await);
    let bd = debtor(&db, b).await;
    let mut tx = db.write().await.expect("tx");
    // Even a caller that skips every check cannot attach A's invoice to B's debtor.
    let err = tx.create_invoice(a, &record(bd, "X-1", date(2026, 2, 1), 100)).await.expect_err("cross-tenant foreign key");
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    drop(tx);
    let mut tx = db.read().await.expect("tx");
    assert!(tx.debtor(a, bd).await.expect("query").is_none(), "B's debtor is not A's");
    assert!(tx.debtor(b, bd).await.expect("query").is_some());
}

async fn a_dropped_unit_of_work_leaves_nothing(db: Db) {
    let t = tenant(&db, "T").await;
    let d = debtor(&db, t).await;
    {
        let mut tx = db.write().await.expect("tx");
        tx.create_invoice(t, &record(d, "R-1", date(2026, 2, 1), 100)).await.expect("insert");
    }
    let mut tx = db.read().await.expect("tx");
    assert!(!tx.invoice_number_taken(t, "R-1").await.expect("query"));
}

async fn batches_keep_order_and_filters_count_right(db: Db) {
    let t = tenant(&db, "T").await;
    let d = debtor(&db, t).await;
    let records: Vec<InvoiceRecord> = (0..1_234)
        .map(|i| record(d, &format!("B-{i:05}"), date(2026, 1, 1).checked_add(jiff::Span::new().days(i % 100)).expect("date"), 100 + i))
        .collect();
    let mut tx = db.write().await.expect("tx");
    let ids = tx.insert_invoices(t, &records).await.expect("insert");
    tx.commit().await.expect("commit");
    assert_eq!(ids.len(), 1_234);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let mut tx = db.read().await.expect("tx");
    let first = tx.invoice(t, ids[0]).await.expect("query").expect("exists");
    let last = tx.invoice(t, ids[1_233]).await.expect("query").expect("exists");
    assert_eq!((first.number.as_str(), last.number.as_str(), last.total.cents()), ("B-00000", "B-01233", 1_333));

    let mut all = Vec::new();
    let mut page = Page::first(500);
    loop {
        let got = tx.invoices(t, &InvoiceFilter::default(), page).await.expect("page");
        let done = got.len() < 500;
        page.after = got.last().map(|i| i.id.0);
        all.extend(got);
        if done {
            break;
        }
    }
    assert_eq!(all.len(), 1_234);
    // Due dates run 2026-01-01 + (i mod 100) days; on 2026-01-11, days 0..=9 are overdue.
    let overdue = InvoiceFilter { overdue: Some((true, date(2026, 1, 11))), ..Default::default() };
    let n = tx.invoices(t, &overdue, Page::first(500)).await.expect("overdue").len();
    assert_eq!(n, (0..1_234).filter(|i| i % 100 < 10).count());
}

async fn money_settles_invoices(db: Db) {
    let t = tenant(&db, "T").await;
    let d = debtor(&db, t).await;
    let mut tx = db.write().await.expect("tx");
    let inv = tx.create_invoice(t, &record(d, "S-1", date(2026, 2, 1), 10_000)).await.expect("invoice");
    let note = NewCreditNote {
        debtor_id: d,
        invoice_id: Some(inv.id),
        number: "CN-1".into(),
        issue_date: date(2026, 1, 5),
        total: c(2_500),
        vat: Cents::ZERO,
        reason: None,
    };
    tx.create_credit_note(t, &note).await.expect("credit note");
    let pay = |amount: i64, to: InvoiceId| NewPayment {
        debtor_id: Some(d),
        amount: c(amount),
        received_on: date(2026, 2, 2),
        payer_name: None,
        payer_iban: None,
        description: None,
        bank_reference: None,
        allocations: vec![Allocation { invoice_id: to, amount: c(amount) }],
    };
    tx.create_payment(t, &pay(5_000, inv.id)).await.expect("payment");
    let now = tx.invoice(t, inv.id).await.expect("query").expect("exists");
    assert_eq!((now.paid.cents(), now.credited.cents(), now.outstanding.cents(), now.status), (5_000, 2_500, 2_500, InvoiceStatus::Open));
    tx.create_payment(t, &pay(2_500, inv.id)).await.expect("payment");
    let now = tx.invoice(t, inv.id).await.expect("query").expect("exists");
    assert_eq!((now.outstanding.cents(), now.status), (0, InvoiceStatus::Paid));
    // The database refuses more money on it than it can hold, whatever the caller checked.
    assert!(tx.create_payment(t, &pay(1, inv.id)).await.is_err());
}

async fn uniqueness_is_reported_by_field(db: Db) {
    let t = tenant(&db, "T").await;
    let d = debtor(&db, t).await;
    let mut tx = db.write().await.expect("tx");
    tx.create_invoice(t, &record(d, "U-1", date(2026, 2, 1), 100)).await.expect("first");
    let err = tx.create_invoice(t, &record(d, "U-1", date(2026, 2, 1), 100)).await.expect_err("duplicate");
    assert!(matches!(err, StoreError::Conflict { field: "number" }), "{err:?}");
    drop(tx);
    // The same number in another tenant is fine.
    let other = tenant(&db, "O").await;
    let od = debtor(&db, other).await;
    let mut tx = db.write().await.expect("tx");
    tx.create_invoice(other, &record(od, "U-1", date(2026, 2, 1), 100)).await.expect("other tenant");
}

async fn idempotency_keys_and_api_keys(db: Db) {
    let t = tenant(&db, "T").await;
    let mut tx = db.write().await.expect("tx");
    assert_eq!(tx.claim_idempotency_key(t, "k", "fp-1").await.expect("claim"), IdempotencyClaim::Fresh);
    tx.record_idempotent_response(t, "k", 201, "{\"id\":1}").await.expect("record");
    tx.commit().await.expect("commit");
    let mut tx = db.write().await.expect("tx");
    assert_eq!(
        tx.claim_idempotency_key(t, "k", "fp-1").await.expect("claim"),
        IdempotencyClaim::Replay { status: 201, body: "{\"id\":1}".into() }
    );
    assert_eq!(tx.claim_idempotency_key(t, "k", "fp-2").await.expect("claim"), IdempotencyClaim::Mismatch);

    tx.add_api_key(t, &format!("p{}", t.0), "hash", "test").await.expect("key");
    assert_eq!(tx.api_key(&format!("p{}", t.0)).await.expect("query").map(|k| k.tenant_id), Some(t));
    assert!(tx.revoke_api_key(t, &format!("p{}", t.0)).await.expect("revoke"));
    assert_eq!(tx.api_key(&format!("p{}", t.0)).await.expect("query"), None, "a revoked key finds nothing");
    assert!(!tx.revoke_api_key(t, &format!("p{}", t.0)).await.expect("revoke again"));
}

async fn migrating_twice_changes_nothing(db: Db) {
    db.migrate().await.expect("second migration run");
    db.ping().await.expect("ping");
}

async fn every_new_invoice_gets_a_reference_of_the_tenants_kind_once(db: Db) {
    let (t, other) = (tenant(&db, "T").await, tenant(&db, "O").await);
    let (d, od) = (debtor(&db, t).await, debtor(&db, other).await);
    let mut given = record(d, "F-3", date(2026, 2, 1), 100);
    given.payment_reference = Some("5000 0567 8901 2345".into());
    let mut own = record(d, "F-4", date(2026, 2, 1), 100);
    own.payment_reference = Some("order 77".into());
    let mut tx = db.write().await.expect("tx");
    let ids = tx
        .insert_invoices(t, &[record(d, "F-1", date(2026, 2, 1), 100), record(d, "F-2", date(2026, 2, 1), 100), given, own])
        .await
        .expect("insert");
    let o = tx.create_invoice(other, &record(od, "F-1", date(2026, 2, 1), 100)).await.expect("other tenant's");
    let refs: Vec<String> =
        tx.invoices_by_id(t, &ids).await.expect("read").into_iter().map(|i| i.payment_reference.expect("a reference")).collect();
    assert_eq!(refs[2], "5000056789012345", "a given kenmerk is kept, without spaces");
    assert_eq!(refs[3], "order 77", "a reference of the tenant's own is kept as given");
    for r in &refs[..2] {
        assert!(domain::reference::Betalingskenmerk::parse(r).is_ok(), "{r}");
    }
    assert_ne!(refs[0], refs[1]);
    assert_eq!(o.payment_reference, Some(refs[0].clone()), "each tenant numbers its own");
    // The tenant switches to RF: numbering goes on, never issuing a number twice.
    let mut tenant_now = tx.tenant(t).await.expect("read").expect("tenant");
    tenant_now.reference_kind = domain::tenant::ReferenceKind::Rf;
    tx.update_tenant(&tenant_now).await.expect("update");
    let rf = tx.create_invoice(t, &record(d, "F-5", date(2026, 2, 1), 100)).await.expect("insert").payment_reference.expect("reference");
    assert_eq!(rf, domain::reference::RfReference::issue("3").expect("rf").to_string());
    tx.commit().await.expect("commit");
}

on_both_backends!(
    every_new_invoice_gets_a_reference_of_the_tenants_kind_once,
    rows_cannot_point_into_another_tenant,
    a_dropped_unit_of_work_leaves_nothing,
    batches_keep_order_and_filters_count_right,
    money_settles_invoices,
    uniqueness_is_reported_by_field,
    idempotency_keys_and_api_keys,
    migrating_twice_changes_nothing
);
