//! The REST API over real HTTP, every test on SQLite and on PostgreSQL.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{Db, on_both_backends};

mod common;

use common::*;

async fn tenant_routes(db: Db) {
    let app = TestApp::start(db).await;
    let (s, b, h) = app.send(app.http.post(app.url("/tenants")).json(&json!({"legal_name": "X", "iban": "NL91ABNA0417164300"}))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    assert_eq!(h["www-authenticate"], "Bearer");
    assert_eq!(h["content-type"], "application/problem+json");

    let (s, b) = app
        .post(
            ADMIN,
            "/tenants",
            json!({"legal_name": "Jansen Installatie B.V.", "iban": "nl91 abna 0417 1643 00", "kvk_number": "12345678",
            "vat_id": "NL123456789B01", "can_deduct_vat": false, "default_payment_term_days": 14,
            "address": {"street": "Damrak 1", "postcode": "1012lg", "city": "Amsterdam"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["tenant"]["iban"], "NL91ABNA0417164300");
    assert_eq!(b["tenant"]["address"]["postcode"], "1012 LG");
    assert_eq!(b["tenant"]["can_deduct_vat"], false);
    let t = Tenant { id: b["tenant"]["id"].as_i64().expect("id"), key: b["api_key"].as_str().expect("key").into() };

    let (s, b) = app.post(ADMIN, "/tenants", json!({"legal_name": " ", "iban": "NL92ABNA0417164300"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(fields(&b), ["iban"], "the first field at fault is named");
    let (s, b) =
        app.post(ADMIN, "/tenants", json!({"legal_name": " ", "iban": "NL91ABNA0417164300", "default_payment_term_days": 400})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(fields(&b), ["legal_name", "default_payment_term_days"]);

    let (s, b) = app.get(&t.key, "/tenant").await;
    assert_eq!((s, b["legal_name"].as_str()), (StatusCode::OK, Some("Jansen Installatie B.V.")));
    let (s, b) = app.patch(&t.key, "/tenant", json!({"default_payment_term_days": 30, "bic": "abnanl2a"})).await;
    assert_eq!((s, b["default_payment_term_days"].as_i64(), b["bic"].as_str()), (StatusCode::OK, Some(30), Some("ABNANL2A")), "{b}");
    let (s, _) = app.get(&t.key, "/tenants").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a tenant key is not the admin token");

    let (s, b) = app.get(ADMIN, &format!("/tenants/{}", t.id)).await;
    assert_eq!((s, b["id"].as_i64()), (StatusCode::OK, Some(t.id)));
    let (s, b) = app.patch(ADMIN, &format!("/tenants/{}", t.id), json!({"legal_name": "Jansen B.V."})).await;
    assert_eq!((s, b["legal_name"].as_str()), (StatusCode::OK, Some("Jansen B.V.")));
    let (s, _) = app.get(ADMIN, "/tenants/999999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, b) = app.post(ADMIN, &format!("/tenants/{}/api-keys", t.id), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let second = b["api_key"].as_str().expect("key").to_string();
    assert_ne!(second, t.key);
    assert_eq!(app.get(&second, "/tenant").await.1["id"].as_i64(), Some(t.id));

    // The admin list pages through every tenant, this one included.
    app.tenant("Second").await;
    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            None => "/tenants?limit=1".to_string(),
            Some(c) => format!("/tenants?limit=1&cursor={c}"),
        };
        let (s, b) = app.get(ADMIN, &path).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        seen.extend(b["items"].as_array().expect("items").iter().map(|t| t["id"].as_i64().expect("id")));
        match b["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert!(seen.contains(&t.id));
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ordered, no repeats: {seen:?}");
}

async fn debtor_routes(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Debtors B.V.").await;
    let (s, d) = app
        .post(
            &t.key,
            "/debtors",
            json!({"kind": "business", "name": "Bakkerij De Vries", "external_id": "K1", "segment": "loyal",
            "language": "en", "language_level": "formal", "digital_affinity": "offline", "credit_limit": 500000,
            "contacts": [{"name": "Anna de Vries", "email": "anna@example.com", "phone": "06-12345678", "whatsapp_opt_in": true}],
            "address": {"street": "Kerkstraat 1", "postcode": "3511 AB", "city": "Utrecht"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(d["contacts"][0]["phone"], "+31612345678");
    assert_eq!(d["segment"], "loyal");
    let id = d["id"].as_i64().expect("id");
    app.debtor(&t, "Jan Jansen").await;

    let (s, b) = app.get(&t.key, &format!("/debtors/{id}")).await;
    assert_eq!((s, &b), (StatusCode::OK, &d));

    for (query, expected) in
        [("kind=business", 1), ("kind=consumer", 1), ("segment=loyal", 1), ("segment=risk", 0), ("external_id=K1", 1), ("", 2)]
    {
        let (s, b) = app.get(&t.key, &format!("/debtors?{query}")).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["items"].as_array().map(Vec::len), Some(expected), "{query}");
    }
    let (s, b) = app.get(&t.key, "/debtors?kind=alien").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(fields(&b), ["kind"]);

    let (s, b) = app.patch(&t.key, &format!("/debtors/{id}"), json!({"segment": "risk", "name": "Bakkerij De Vries B.V."})).await;
    assert_eq!((s, b["segment"].as_str(), b["name"].as_str()), (StatusCode::OK, Some("risk"), Some("Bakkerij De Vries B.V.")), "{b}");
    assert_eq!(b["language"], "en", "fields not named stay as they were");

    let (s, b) = app.post(&t.key, "/debtors", json!({"kind": "consumer", "name": "Dup", "external_id": "K1"})).await;
    assert_eq!((s, fields(&b)), (StatusCode::CONFLICT, vec!["external_id".to_string()]), "{b}");
    let (s, b) =
        app.post(&t.key, "/debtors", json!({"kind": "consumer", "name": "", "contacts": [{"name": "X", "whatsapp_opt_in": true}]})).await;
    assert_eq!(
        (s, fields(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_string(), "contacts[0].whatsapp_opt_in".to_string()]),
        "{b}"
    );
    let (s, b) = app.post(&t.key, "/debtors", json!({"kind": "consumer", "name": "X", "contacts": [{"name": "X", "email": "x@"}]})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["contacts[0].email".to_string()]), "{b}");
    let (s, b) = app.post(&t.key, "/debtors", json!({"kind": "consumer", "name": "X", "colour": "red"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused, not ignored: {b}");
    let (s, _) = app.get(&t.key, "/debtors/999999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn invoice_routes(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Invoices B.V.").await;
    let (a, b) = (app.debtor(&t, "A").await, app.debtor(&t, "B").await);

    let (s, inv) = app
        .post(&t.key, "/invoices", json!({"debtor_id": a, "number": "F-1", "issue_date": "2026-01-31", "total": 12100, "vat": 2100}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["due_date"], "2026-03-02", "invoice date plus the tenant's 30-day term");
    assert_eq!((inv["status"].as_str(), inv["outstanding"].as_i64(), inv["currency"].as_str()), (Some("open"), Some(12100), Some("EUR")));
    assert_eq!(inv["payment_reference"], "9000000000000001", "the tenant's first betalingskenmerk");
    let id = inv["id"].as_i64().expect("id");
    for n in 2..=7 {
        let due = format!("2026-02-{:02}", n * 3);
        app.invoice(&t, if n % 2 == 0 { a } else { b }, &format!("F-{n}"), &due, 1000 * n).await;
    }

    let count = |b: &Value| b["items"].as_array().map_or(0, Vec::len);
    for (query, expected) in [
        (format!("debtor_id={a}"), 4),
        (format!("debtor_id={b}"), 3),
        ("due_before=2026-02-10".into(), 2),
        ("due_after=2026-02-10".into(), 5),
        ("overdue=true&as_of=2026-02-13".into(), 3),
        ("overdue=false&as_of=2026-02-13".into(), 4),
        ("status=open".into(), 7),
        ("status=paid".into(), 0),
    ] {
        let (s, body) = app.get(&t.key, &format!("/invoices?{query}")).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(count(&body), expected, "{query}: {body}");
    }

    // Pages of three: 3 + 3 + 1, each invoice once, in order.
    let (s, p1) = app.get(&t.key, "/invoices?limit=3").await;
    assert_eq!((s, count(&p1)), (StatusCode::OK, 3));
    let c1 = p1["next_cursor"].as_str().expect("more").to_string();
    let (_, p2) = app.get(&t.key, &format!("/invoices?limit=3&cursor={c1}")).await;
    let c2 = p2["next_cursor"].as_str().expect("more").to_string();
    let (_, p3) = app.get(&t.key, &format!("/invoices?limit=3&cursor={c2}")).await;
    assert_eq!((count(&p2), count(&p3), p3["next_cursor"].as_str()), (3, 1, None));
    for (query, field) in
        [("cursor=zzz", "cursor"), ("limit=501", "limit"), ("due_before=31-02-2026", "due_before"), ("status=lost", "status")]
    {
        let (s, body) = app.get(&t.key, &format!("/invoices?{query}")).await;
        assert_eq!((s, fields(&body)), (StatusCode::BAD_REQUEST, vec![field.to_string()]), "{query}: {body}");
    }

    let (s, b) = app.get(&t.key, &format!("/invoices/{id}")).await;
    assert_eq!((s, b["number"].as_str()), (StatusCode::OK, Some("F-1")));
    let (s, b) = app.patch(&t.key, &format!("/invoices/{id}"), json!({"due_date": "2026-03-31", "status": "handed_over"})).await;
    assert_eq!((s, b["due_date"].as_str(), b["status"].as_str()), (StatusCode::OK, Some("2026-03-31"), Some("handed_over")), "{b}");
    let (s, b) = app.patch(&t.key, &format!("/invoices/{id}"), json!({"status": "paid"})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["status".to_string()]), "{b}");
    let (s, b) = app.patch(&t.key, &format!("/invoices/{id}"), json!({"due_date": "2025-01-01"})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["due_date".to_string()]), "{b}");
    let (_, b) = app.get(&t.key, &format!("/invoices/{id}")).await;
    assert_eq!(b["due_date"], "2026-03-31", "a refused change changes nothing");

    let (s, b) = app.post(&t.key, "/invoices", json!({"debtor_id": a, "number": "F-1", "issue_date": "2026-01-01", "total": 5})).await;
    assert_eq!((s, fields(&b)), (StatusCode::CONFLICT, vec!["number".to_string()]), "{b}");
    let (s, b) = app
        .post(
            &t.key,
            "/invoices",
            json!({"debtor_id": 999999999, "number": "F-9", "issue_date": "2026-02-01", "due_date": "2026-01-01", "total": 0, "vat": 7}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(fields(&b), ["total", "vat", "due_date", "debtor_id"]);
    let (s, b) = app
        .post(&t.key, "/invoices", json!({"debtor_id": a, "number": "F-9", "issue_date": "2026-02-01", "total": 100, "currency": "USD"}))
        .await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["currency".to_string()]), "{b}");
    let (s, b) = app.post(&t.key, "/invoices", json!({"debtor_id": a, "number": "F-9", "issue_date": "2026-02-01", "total": 12.5})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["total".to_string()]), "cents are whole numbers: {b}");
    let (s, tenant) = app.patch(&t.key, "/tenant", json!({"reference_kind": "rf"})).await;
    assert_eq!((s, &tenant["reference_kind"]), (StatusCode::OK, &json!("rf")), "{tenant}");
    let r = app.debtor(&t, "R").await;
    let (s, rf) =
        app.post(&t.key, "/invoices", json!({"debtor_id": r, "number": "R-1", "issue_date": "2026-01-31", "total": 100, "vat": 0})).await;
    assert_eq!((s, &rf["payment_reference"]), (StatusCode::CREATED, &json!("RF798")), "the eighth reference, now as RF: {rf}");
    let (s, bad) = app.patch(&t.key, "/tenant", json!({"reference_kind": "ogm"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    app.patch(&t.key, "/tenant", json!({"reference_kind": "kenmerk"})).await;
}

async fn credit_note_routes(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Credit B.V.").await;
    let d = app.debtor(&t, "A").await;
    let other = app.debtor(&t, "B").await;
    let inv = app.invoice(&t, d, "F-1", "2026-02-01", 10_000).await;
    let inv_id = inv["id"].as_i64().expect("id");

    let (s, n) = app
        .post(&t.key, "/credit-notes", json!({"debtor_id": d, "invoice_id": inv_id, "number": "C-1", "issue_date": "2026-01-10", "total": 4000, "reason": "returned goods"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{n}");
    let (_, i) = app.get(&t.key, &format!("/invoices/{inv_id}")).await;
    assert_eq!((i["credited"].as_i64(), i["outstanding"].as_i64(), i["status"].as_str()), (Some(4000), Some(6000), Some("open")));

    let (s, b) = app
        .post(
            &t.key,
            "/credit-notes",
            json!({"debtor_id": d, "invoice_id": inv_id, "number": "C-2", "issue_date": "2026-01-10", "total": 6001}),
        )
        .await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["total".to_string()]), "{b}");
    let (s, b) = app
        .post(
            &t.key,
            "/credit-notes",
            json!({"debtor_id": other, "invoice_id": inv_id, "number": "C-2", "issue_date": "2026-01-10", "total": 10}),
        )
        .await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["invoice_id".to_string()]), "{b}");
    let (s, _) = app
        .post(
            &t.key,
            "/credit-notes",
            json!({"debtor_id": d, "invoice_id": inv_id, "number": "C-2", "issue_date": "2026-01-11", "total": 6000}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, i) = app.get(&t.key, &format!("/invoices/{inv_id}")).await;
    assert_eq!((i["outstanding"].as_i64(), i["status"].as_str()), (Some(0), Some("credited")));
    let (s, b) = app.post(&t.key, "/credit-notes", json!({"debtor_id": d, "number": "C-1", "issue_date": "2026-01-11", "total": 1})).await;
    assert_eq!((s, fields(&b)), (StatusCode::CONFLICT, vec!["number".to_string()]), "{b}");

    let (s, b) = app.get(&t.key, &format!("/credit-notes?invoice_id={inv_id}")).await;
    assert_eq!((s, b["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
    let nid = n["id"].as_i64().expect("id");
    let (s, b) = app.get(&t.key, &format!("/credit-notes/{nid}")).await;
    assert_eq!((s, b["reason"].as_str()), (StatusCode::OK, Some("returned goods")));
    let (s, b) = app.patch(&t.key, &format!("/credit-notes/{nid}"), json!({"reason": "damaged in transport"})).await;
    assert_eq!((s, b["reason"].as_str(), b["total"].as_i64()), (StatusCode::OK, Some("damaged in transport"), Some(4000)));
    let (s, _) = app.patch(&t.key, &format!("/credit-notes/{nid}"), json!({"total": 1})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "amounts of a booked credit note are fixed");
}

async fn payment_routes(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Payments B.V.").await;
    let d = app.debtor(&t, "A").await;
    let other = app.debtor(&t, "B").await;
    let i1 = app.invoice(&t, d, "F-1", "2026-02-01", 10_000).await["id"].as_i64().expect("id");
    let i2 = app.invoice(&t, d, "F-2", "2026-02-01", 5_000).await["id"].as_i64().expect("id");
    let i3 = app.invoice(&t, other, "F-3", "2026-02-01", 5_000).await["id"].as_i64().expect("id");

    // One payment over two invoices, the second in part, the rest kept as credit.
    let (s, p) = app
        .post(
            &t.key,
            "/payments",
            json!({"debtor_id": d, "amount": 13_000, "received_on": "2026-02-03", "payer_iban": "NL91ABNA0417164300",
            "payer_name": "A", "description": "F-1 F-2", "bank_reference": "BANK-1",
            "allocations": [{"invoice_id": i1, "amount": 10_000}, {"invoice_id": i2, "amount": 2_000}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["unallocated"], 1_000);
    assert_eq!(p["allocations"].as_array().map(Vec::len), Some(2));
    let pid = p["id"].as_i64().expect("id");
    let (_, inv1) = app.get(&t.key, &format!("/invoices/{i1}")).await;
    let (_, inv2) = app.get(&t.key, &format!("/invoices/{i2}")).await;
    assert_eq!((inv1["status"].as_str(), inv1["outstanding"].as_i64()), (Some("paid"), Some(0)));
    assert_eq!((inv2["status"].as_str(), inv2["outstanding"].as_i64(), inv2["paid"].as_i64()), (Some("open"), Some(3_000), Some(2_000)));

    let (s, b) =
        app.post(&t.key, &format!("/payments/{pid}/allocations"), json!({"allocations": [{"invoice_id": i2, "amount": 1_001}]})).await;
    assert_eq!(
        (s, fields(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["allocations".to_string()]),
        "more than is left of the payment: {b}"
    );
    let (s, b) = app.post(&t.key, &format!("/payments/{pid}/allocations"), json!({"allocations": [{"invoice_id": i3, "amount": 1}]})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["allocations[0].invoice_id".to_string()]), "{b}");
    let (s, b) =
        app.post(&t.key, &format!("/payments/{pid}/allocations"), json!({"allocations": [{"invoice_id": i2, "amount": 1_000}]})).await;
    assert_eq!((s, b["unallocated"].as_i64()), (StatusCode::CREATED, Some(0)), "{b}");
    assert_eq!(app.get(&t.key, &format!("/invoices/{i2}")).await.1["outstanding"], 2_000);

    let (s, b) = app
        .post(&t.key, "/payments", json!({"amount": 500, "received_on": "2026-02-03", "allocations": [{"invoice_id": i1, "amount": 500}, {"invoice_id": 999999999, "amount": 1}]}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(fields(&b), ["allocations[0].invoice_id", "allocations[1].invoice_id", "allocations"]);
    let (s, b) = app.post(&t.key, "/payments", json!({"amount": -5, "received_on": "2026-02-03"})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["amount".to_string()]), "{b}");
    let (s, b) = app.post(&t.key, "/payments", json!({"amount": 5, "received_on": "2026-02-03", "bank_reference": "BANK-1"})).await;
    assert_eq!((s, fields(&b)), (StatusCode::CONFLICT, vec!["bank_reference".to_string()]), "the same bank entry twice: {b}");

    // A payment of unknown origin, attributed later.
    let (s, u) = app.post(&t.key, "/payments", json!({"amount": 5_000, "received_on": "2026-02-04"})).await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    let uid = u["id"].as_i64().expect("id");
    let (s, b) = app.patch(&t.key, &format!("/payments/{uid}"), json!({"debtor_id": other})).await;
    assert_eq!((s, b["debtor_id"].as_i64()), (StatusCode::OK, Some(other)), "{b}");
    let (s, b) =
        app.post(&t.key, &format!("/payments/{uid}/allocations"), json!({"allocations": [{"invoice_id": i3, "amount": 5_000}]})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(app.get(&t.key, &format!("/invoices/{i3}")).await.1["status"], "paid");
    let (s, b) = app.patch(&t.key, &format!("/payments/{uid}"), json!({"debtor_id": d})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["debtor_id".to_string()]), "{b}");

    let (s, b) = app.get(&t.key, &format!("/payments?debtor_id={d}")).await;
    assert_eq!((s, b["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
    let (s, b) = app.get(&t.key, &format!("/payments/{pid}")).await;
    assert_eq!((s, b["allocations"].as_array().map(Vec::len)), (StatusCode::OK, Some(3)));
}

async fn tenant_isolation(db: Db) {
    let app = TestApp::start(db).await;
    let a = app.tenant("A B.V.").await;
    let b = app.tenant("B B.V.").await;
    let bd = app.debtor(&b, "B's debtor").await;
    let bi = app.invoice(&b, bd, "B-1", "2026-02-01", 1_000).await["id"].as_i64().expect("id");
    let (_, bn) = app
        .post(
            &b.key,
            "/credit-notes",
            json!({"debtor_id": bd, "invoice_id": bi, "number": "BC-1", "issue_date": "2026-01-02", "total": 10}),
        )
        .await;
    let (_, bp) = app.post(&b.key, "/payments", json!({"debtor_id": bd, "amount": 10, "received_on": "2026-01-03"})).await;
    let (bn, bp) = (bn["id"].as_i64().expect("id"), bp["id"].as_i64().expect("id"));
    app.debtor(&a, "A's debtor").await;

    for path in [format!("/debtors/{bd}"), format!("/invoices/{bi}"), format!("/credit-notes/{bn}"), format!("/payments/{bp}")] {
        let (s, body) = app.get(&a.key, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "GET {path}: {body}");
        assert_eq!(body["errors"], Value::Null, "a 404 tells nothing about the other tenant");
        assert_eq!(app.get(&b.key, &path).await.0, StatusCode::OK, "B sees its own {path}");
    }
    for (path, body) in [
        (format!("/debtors/{bd}"), json!({"name": "taken over"})),
        (format!("/invoices/{bi}"), json!({"status": "written_off"})),
        (format!("/credit-notes/{bn}"), json!({"reason": "x"})),
        (format!("/payments/{bp}"), json!({"debtor_id": bd})),
    ] {
        assert_eq!(app.patch(&a.key, &path, body).await.0, StatusCode::NOT_FOUND, "PATCH {path}");
    }
    let (s, _) = app.post(&a.key, &format!("/payments/{bp}/allocations"), json!({"allocations": [{"invoice_id": bi, "amount": 1}]})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Naming B's objects in a body: they do not exist for A.
    let (s, body) =
        app.post(&a.key, "/invoices", json!({"debtor_id": bd, "number": "A-1", "issue_date": "2026-01-01", "total": 100})).await;
    assert_eq!((s, fields(&body)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["debtor_id".to_string()]));
    let (s, body) = app
        .post(&a.key, "/payments", json!({"amount": 100, "received_on": "2026-01-01", "allocations": [{"invoice_id": bi, "amount": 1}]}))
        .await;
    assert_eq!((s, fields(&body)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["allocations[0].invoice_id".to_string()]));
    let (s, body) = app
        .post(&a.key, "/credit-notes", json!({"debtor_id": bd, "invoice_id": bi, "number": "AC", "issue_date": "2026-01-01", "total": 1}))
        .await;
    assert_eq!((s, fields(&body)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["invoice_id".to_string()]));
    // Lists show only the caller's own.
    for path in ["/debtors", "/invoices", "/credit-notes", "/payments"] {
        let (_, body) = app.get(&a.key, path).await;
        assert!(body["items"].as_array().expect("items").iter().all(|i| i["tenant_id"].as_i64() == Some(a.id)), "{path}: {body}");
    }
    assert_eq!(app.get(&a.key, "/tenant").await.1["id"].as_i64(), Some(a.id));
    // B's objects are untouched.
    assert_eq!(app.get(&b.key, &format!("/invoices/{bi}")).await.1["status"], "open");
    assert_eq!(app.get(&b.key, &format!("/debtors/{bd}")).await.1["name"], "B's debtor");
}

async fn idempotent_post(db: Db) {
    let app = Arc::new(TestApp::start(db).await);
    let t = app.tenant("Idem B.V.").await;
    let d = app.debtor(&t, "A").await;
    let body = json!({"debtor_id": d, "number": "F-1", "issue_date": "2026-01-01", "total": 100});
    let post = |key: &'static str, body: Value| {
        let app = app.clone();
        let tkey = t.key.clone();
        async move { app.send(app.http.post(app.url("/invoices")).bearer_auth(tkey).header("Idempotency-Key", key).json(&body)).await }
    };
    let (s1, b1, h1) = post("k-1", body.clone()).await;
    let (s2, b2, h2) = post("k-1", body.clone()).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(b1, b2, "a retry gets the first answer");
    assert!(h1.get("idempotent-replayed").is_none());
    assert_eq!(h2["idempotent-replayed"], "true");
    let (s, b, _) = post("k-1", json!({"debtor_id": d, "number": "F-2", "issue_date": "2026-01-01", "total": 100})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["type"], "urn:tegoed:problem:idempotency-key-reused");

    // A rejected request does not use up its key: fixed and sent again, it goes through.
    let bad = json!({"debtor_id": d, "number": "F-3", "issue_date": "2026-01-01", "total": 0});
    assert_eq!(post("k-2", bad).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // Eight clients sending the same request at once make one invoice.
    let concurrent = json!({"debtor_id": d, "number": "F-4", "issue_date": "2026-01-01", "total": 400});
    let handles: Vec<_> = (0..8).map(|_| tokio::spawn(post("k-4", concurrent.clone()))).collect();
    let mut ids = Vec::new();
    for h in handles {
        let (s, b, _) = h.await.expect("task");
        assert_eq!(s, StatusCode::CREATED, "{b}");
        ids.push(b["id"].as_i64().expect("id"));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one invoice for eight identical requests");
    let (_, list) = app.get(&t.key, "/invoices").await;
    let numbers: Vec<&str> = list["items"].as_array().expect("items").iter().filter_map(|i| i["number"].as_str()).collect();
    assert_eq!(numbers, ["F-1", "F-4"]);

    // The same key is independent per tenant.
    let other = app.tenant("Other B.V.").await;
    let od = app.debtor(&other, "O").await;
    let (s, b, _) = app
        .send(
            app.http
                .post(app.url("/invoices"))
                .bearer_auth(&other.key)
                .header("Idempotency-Key", "k-1")
                .json(&json!({"debtor_id": od, "number": "F-1", "issue_date": "2026-01-01", "total": 100})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["tenant_id"].as_i64(), Some(other.id));

    // Payments: a retried payment allocates once.
    let inv = app.invoice(&t, d, "F-9", "2026-02-01", 1_000).await["id"].as_i64().expect("id");
    let pay = json!({"debtor_id": d, "amount": 600, "received_on": "2026-02-02", "allocations": [{"invoice_id": inv, "amount": 600}]});
    for _ in 0..3 {
        let (s, _, _) =
            app.send(app.http.post(app.url("/payments")).bearer_auth(&t.key).header("Idempotency-Key", "pay-1").json(&pay)).await;
        assert_eq!(s, StatusCode::CREATED);
    }
    assert_eq!(app.get(&t.key, &format!("/invoices/{inv}")).await.1["paid"], 600);
}

async fn malformed_requests(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Malformed B.V.").await;
    let (s, b, h) = app
        .send(app.http.post(app.url("/debtors")).bearer_auth(&t.key).header("content-type", "application/json").body("{\"kind\": "))
        .await;
    assert_eq!((s, h["content-type"].to_str().ok()), (StatusCode::BAD_REQUEST, Some("application/problem+json")), "{b}");
    let (s, _, _) = app.send(app.http.post(app.url("/debtors")).bearer_auth(&t.key).body("kind=consumer")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a body that is not JSON");
    let (s, b) = app.post(&t.key, "/debtors", json!({"kind": "consumer"})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_string()]), "{b}");
    let (s, b) = app.post(&t.key, "/debtors", json!({"kind": "consumer", "name": "X", "contacts": [{"email": "x@example.com"}]})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["contacts[0].name".to_string()]), "{b}");
    for key in ["", "tg_short", "tg_0123456789ab_0000000000000000000000000000000000000000000000000000000000000000"] {
        let (s, _) = app.get(key, "/debtors").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "key {key:?}");
    }
    let (s, b, _) = app.send(app.http.post(app.url("/invoices")).bearer_auth(&t.key).header("Idempotency-Key", "").json(&json!({}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
}

async fn operations_endpoints(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Ops B.V.").await;
    app.get(&t.key, "/debtors").await;
    let health = app.http.get(format!("{}/healthz", app.base)).send().await.expect("healthz");
    assert_eq!(health.status(), StatusCode::OK);
    let metrics = app.http.get(format!("{}/metrics", app.base)).send().await.expect("metrics").text().await.expect("text");
    assert!(metrics.contains("tegoed_http_requests_total{method=\"GET\",route=\"/api/v1/debtors\",status=\"200\"} 1"), "{metrics}");
    assert!(metrics.contains("route=\"/api/v1/tenants\",status=\"201\""), "{metrics}");

    // The OpenAPI document describes every route, and every described route is served.
    let doc: Value = app.http.get(app.url("/openapi.json")).send().await.expect("openapi").json().await.expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    let mut described: Vec<(String, String)> = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().expect("item").keys() {
            described.push((method.to_uppercase(), path.clone()));
        }
    }
    described.sort();
    let expected = [
        ("GET", "/actions"),
        ("GET", "/policies"),
        ("PUT", "/policies/{name}"),
        ("GET", "/policy-assignments"),
        ("PUT", "/policy-assignments"),
        ("PUT", "/debtors/{id}/policy"),
        ("PUT", "/invoices/{id}/policy"),
        ("GET", "/debtors/{id}/arrangements"),
        ("POST", "/debtors/{id}/arrangements"),
        ("POST", "/arrangements/{id}/cancel"),
        ("GET", "/tasks"),
        ("POST", "/tasks/{id}/calls"),
        ("POST", "/debtors/{id}/calls"),
        ("GET", "/debtors/{id}/flags"),
        ("POST", "/debtors/{id}/flags/{flag}/clear"),
        ("GET", "/debtors/{id}/timeline"),
        ("GET", "/calc/collection-costs"),
        ("GET", "/calc/interest"),
        ("GET", "/credit-notes"),
        ("POST", "/credit-notes"),
        ("GET", "/credit-notes/{id}"),
        ("PATCH", "/credit-notes/{id}"),
        ("GET", "/debtors/{id}/pauses"),
        ("POST", "/debtors/{id}/pauses"),
        ("POST", "/pauses/{id}/end"),
        ("GET", "/debtors"),
        ("POST", "/debtors"),
        ("GET", "/debtors/{id}"),
        ("PATCH", "/debtors/{id}"),
        ("GET", "/invoices"),
        ("POST", "/invoices"),
        ("GET", "/invoices/{id}"),
        ("PATCH", "/invoices/{id}"),
        ("GET", "/payments"),
        ("POST", "/payments"),
        ("GET", "/payments/{id}"),
        ("PATCH", "/payments/{id}"),
        ("POST", "/payments/{id}/allocations"),
        ("POST", "/bank-statements"),
        ("POST", "/e-invoices"),
        ("GET", "/invoices/{id}/payment-qr"),
        ("GET", "/invoices/{id}/document"),
        ("PUT", "/invoices/{id}/document"),
        ("GET", "/messages"),
        ("POST", "/messages/{id}/resend"),
        ("GET", "/message-texts"),
        ("GET", "/message-texts/{step}/{language}/{level}"),
        ("PUT", "/message-texts/{step}/{language}/{level}"),
        ("DELETE", "/message-texts/{step}/{language}/{level}"),
        ("POST", "/message-texts/{step}/{language}/{level}/preview"),
        ("GET", "/messaging-settings"),
        ("PUT", "/messaging-settings"),
        ("POST", "/debtors/{id}/payment-links"),
        ("POST", "/arrangements/{id}/payment-links"),
        ("POST", "/debtors/{id}/portal-links"),
        ("GET", "/arrangement-proposals"),
        ("GET", "/debtors/{id}/arrangement-proposals"),
        ("POST", "/arrangement-proposals/{id}/approve"),
        ("POST", "/arrangement-proposals/{id}/reject"),
        ("GET", "/debtors/{id}/dispute-files"),
        ("GET", "/dispute-files/{id}"),
        ("GET", "/reports/ageing"),
        ("GET", "/reports/dso"),
        ("GET", "/reports/kept"),
        ("GET", "/reports/step-outcomes"),
        ("GET", "/reports/reasons"),
        ("POST", "/debtors/{id}/portal-links/revoke"),
        ("GET", "/bank-entries"),
        ("GET", "/bank-entries/{id}"),
        ("POST", "/bank-entries/{id}/match"),
        ("POST", "/bank-entries/{id}/dismiss"),
        ("GET", "/tenant"),
        ("PATCH", "/tenant"),
        ("GET", "/tenants"),
        ("POST", "/tenants"),
        ("GET", "/tenants/{id}"),
        ("PATCH", "/tenants/{id}"),
        ("POST", "/tenants/{id}/api-keys"),
    ];
    let mut expected: Vec<(String, String)> = expected.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    expected.sort();
    assert_eq!(described, expected);
    for (method, path) in &described {
        let url = app.url(&path.replace("{id}", "999999999").replace("{name}", "p").replace("{flag}", "wont_pay"));
        let req = app
            .http
            .request(method.parse().expect("method"), url)
            .bearer_auth("tg_000000000000_0000000000000000000000000000000000000000000000000000000000000000");
        let status = req.json(&json!({})).send().await.expect("send").status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} is routed and guarded");
    }
    assert!(doc["components"]["schemas"]["Invoice"]["properties"]["outstanding"].is_object(), "schemas come from the domain types");
}

async fn law_calculator(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Law B.V.").await;
    let (s, c) = app.get(&t.key, "/calc/collection-costs?principal=1.752,79&vat_not_deductible=true").await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!((&c["costs"], &c["vat"], &c["total"]), (&json!("262.92"), &json!("55.21"), &json!("318.13")));
    // Without the flag, the tenant's own VAT setting decides.
    assert_eq!(app.get(&t.key, "/calc/collection-costs?principal=800").await.1["total"], "120.00");
    app.patch(&t.key, "/tenant", json!({"can_deduct_vat": false})).await;
    assert_eq!(app.get(&t.key, "/calc/collection-costs?principal=800").await.1["total"], "145.20");
    let (s, c) = app.get(&t.key, "/calc/collection-costs?principal=1000&business=true&agreed_percentage=15&vat_not_deductible=false").await;
    assert_eq!((s, &c["costs"], &c["basis"]), (StatusCode::OK, &json!("150.00"), &json!("percentage")), "{c}");
    let (s, c) = app.get(&t.key, "/calc/collection-costs?principal=1000&agreed_amount=100").await;
    assert_eq!((s, fields(&c)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["business".to_string()]), "consumers get the staffel: {c}");
    let (s, c) = app.get(&t.key, "/calc/collection-costs?principal=1.234").await;
    assert_eq!((s, fields(&c)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["principal".to_string()]), "{c}");

    let (s, i) = app.get(&t.key, "/calc/interest?kind=consumer&principal=100&from=2013-02-01&to=2023-10-30").await;
    assert_eq!((s, &i["interest"]), (StatusCode::OK, &json!("28.94")), "{i}");
    assert_eq!(i["periods"][1]["days"], 334);
    let (s, i) = app
        .get(
            &t.key,
            "/calc/interest?kind=consumer&principal=1000&from=2024-01-31&to=2024-12-31&costs=150&payments=2024-06-30=200,2024-09-30=2000",
        )
        .await;
    assert_eq!((s, i["payments"].as_array().map(Vec::len), &i["principal_outstanding"]), (StatusCode::OK, Some(2), &json!("0.00")), "{i}");
    let (s, i) = app.get(&t.key, "/calc/interest?kind=commercial&principal=100&from=2001-01-01&to=2002-01-01").await;
    assert_eq!((s, fields(&i)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["date".to_string()]), "before the rate table: {i}");
    let (s, _) = app.get(&t.key, "/calc/interest?kind=civil&principal=100&from=2024-01-01&to=2024-02-01").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.get("", "/calc/interest?kind=consumer&principal=100&from=2024-01-01&to=2024-02-01").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn dunning_pauses_and_actions(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Pauses B.V.").await;
    let other = app.tenant("Other B.V.").await;
    let d = app.debtor(&t, "A").await;
    let inv = app.invoice(&t, d, "F-1", "2026-02-01", 1_000).await["id"].as_i64().expect("id");
    let od = app.debtor(&other, "O").await;

    let (s, p) =
        app.post(&t.key, &format!("/debtors/{d}/pauses"), json!({"kind": "dispute", "invoice_id": inv, "reason": "goods damaged"})).await;
    assert_eq!((s, &p["kind"], &p["invoice_id"]), (StatusCode::CREATED, &json!("dispute"), &json!(inv)), "{p}");
    let (s, h) = app
        .post(
            &t.key,
            &format!("/debtors/{d}/pauses"),
            json!({"kind": "promise", "until": "2099-03-01", "amount": 500, "reason": "pays on payday"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{h}");
    for (body, field) in [
        (json!({"kind": "dispute", "reason": "x"}), "invoice_id"),
        (json!({"kind": "promise", "amount": 500, "reason": "x"}), "until"),
        (json!({"kind": "promise", "until": "2099-03-01", "reason": "x"}), "amount"),
        (json!({"kind": "promise", "until": "2020-03-01", "amount": 500, "reason": "x"}), "until"),
        (json!({"kind": "hold", "amount": 500, "reason": "x"}), "amount"),
        (json!({"kind": "debt_help", "until": "2026-03-01", "reason": "x"}), "until"),
        (json!({"kind": "hold", "invoice_id": inv, "reason": "x"}), "invoice_id"),
        (json!({"kind": "hold", "reason": ""}), "reason"),
        (json!({"kind": "arrangement", "reason": "x"}), "kind"),
    ] {
        let (s, b) = app.post(&t.key, &format!("/debtors/{d}/pauses"), body.clone()).await;
        assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]), "{body}: {b}");
    }
    let (s, b) =
        app.post(&t.key, &format!("/debtors/{d}/pauses"), json!({"kind": "dispute", "invoice_id": 999999999, "reason": "x"})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["invoice_id".to_string()]));

    let (s, list) = app.get(&t.key, &format!("/debtors/{d}/pauses")).await;
    assert_eq!((s, list.as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
    // Another tenant sees none of it and can end none of it.
    assert_eq!(app.get(&other.key, &format!("/debtors/{d}/pauses")).await.0, StatusCode::NOT_FOUND);
    let pid = p["id"].as_i64().expect("id");
    let (s, _, _) = app.send(app.http.post(app.url(&format!("/pauses/{pid}/end"))).bearer_auth(&other.key)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(&other.key, &format!("/debtors/{d}/pauses"), json!({"kind": "hold", "reason": "x"})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.post(&t.key, &format!("/debtors/{od}/pauses"), json!({"kind": "hold", "reason": "x"})).await.0, StatusCode::NOT_FOUND);

    let (s, _, _) = app.send(app.http.post(app.url(&format!("/pauses/{pid}/end"))).bearer_auth(&t.key)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, _) = app.send(app.http.post(app.url(&format!("/pauses/{pid}/end"))).bearer_auth(&t.key)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "ended once");
    assert_eq!(app.get(&t.key, &format!("/debtors/{d}/pauses")).await.1.as_array().map(Vec::len), Some(1));

    let (s, a) = app.get(&t.key, "/actions?status=task_open").await;
    assert_eq!((s, a["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "no run yet: {a}");
    let (s, b) = app.get(&t.key, "/actions?status=sent").await;
    assert_eq!((s, fields(&b)), (StatusCode::BAD_REQUEST, vec!["status".to_string()]));
}

async fn dunning_policies(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Policies B.V.").await;
    let other = app.tenant("Other B.V.").await;
    let d = app.debtor(&t, "A").await;
    let inv = app.invoice(&t, d, "F-1", "2026-02-01", 1_000).await["id"].as_i64().expect("id");

    let (s, list) = app.get(&t.key, "/policies").await;
    let list = list.as_array().cloned().unwrap_or_default();
    assert_eq!((s, list.len()), (StatusCode::OK, 12), "two kinds, three segments, online or not");
    assert!(list.iter().all(|p| p["source"] == "default" && p["steps"].as_array().is_some_and(|s| !s.is_empty())));

    let firm = json!({"steps": [
        {"kind": "reminder", "anchor": "due_date", "offset_days": 3, "channels": ["email"], "template": "reminder"},
        {"kind": "demand", "anchor": "previous_step", "offset_days": 7, "channels": ["email", "letter"], "template": "demand",
         "starts_interest": true}
    ]});
    let (s, p) = app.put(&t.key, "/policies/firm", firm.clone()).await;
    assert_eq!((s, &p["name"], &p["steps"][1]["starts_interest"]), (StatusCode::OK, &json!("firm"), &json!(true)), "{p}");
    let (s, b) = app.put(&t.key, "/policies/consumer-standard", firm.clone()).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_string()]), "{b}");
    let bad = json!({"steps": [{"kind": "call_task", "anchor": "due_date", "offset_days": 1, "channels": ["email"], "template": "x"}]});
    let (s, b) = app.put(&t.key, "/policies/bad", bad).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["steps[0].channels".to_string()]), "{b}");
    let (_, list) = app.get(&t.key, "/policies").await;
    assert_eq!((&list[0]["source"], &list[0]["name"]), (&json!("tenant"), &json!("firm")));
    assert_eq!(app.get(&other.key, "/policies").await.1.as_array().map(Vec::len), Some(12), "tenants do not see each other's");

    let (s, a) = app.put(&t.key, "/policy-assignments", json!({"kind": "consumer", "segment": "risk", "policy": "firm"})).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let (s, b) = app.put(&t.key, "/policy-assignments", json!({"kind": "consumer", "segment": "risk", "policy": "nope"})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["policy".to_string()]));
    let (_, all) = app.get(&t.key, "/policy-assignments").await;
    let assigned: Vec<&Value> = all.as_array().expect("list").iter().filter(|a| !a["policy"].is_null()).collect();
    assert_eq!(assigned, [&json!({"kind": "consumer", "segment": "risk", "policy": "firm"})]);
    assert_eq!(all.as_array().map(Vec::len), Some(6));
    let (other_firm, _) =
        app.put(&other.key, "/policy-assignments", json!({"kind": "consumer", "segment": "risk", "policy": "firm"})).await;
    assert_eq!(other_firm, StatusCode::UNPROCESSABLE_ENTITY, "another tenant's policy is unknown here");
    app.put(&t.key, "/policy-assignments", json!({"kind": "consumer", "segment": "risk", "policy": null})).await;
    assert!(app.get(&t.key, "/policy-assignments").await.1.as_array().expect("list").iter().all(|a| a["policy"].is_null()));

    assert_eq!(app.put(&t.key, &format!("/debtors/{d}/policy"), json!({"policy": "firm"})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.put(&t.key, &format!("/invoices/{inv}/policy"), json!({"policy": "firm"})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.put(&t.key, &format!("/invoices/{inv}/policy"), json!({"policy": null})).await.0, StatusCode::NO_CONTENT);
    let (s, b) = app.put(&t.key, &format!("/debtors/{d}/policy"), json!({"policy": "nope"})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["policy".to_string()]));
    assert_eq!(app.put(&other.key, &format!("/debtors/{d}/policy"), json!({"policy": null})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.put(&other.key, &format!("/invoices/{inv}/policy"), json!({"policy": null})).await.0, StatusCode::NOT_FOUND);
}

async fn dunning_arrangements_calls_and_timeline(db: Db) {
    let app = TestApp::start(db.clone()).await;
    let t = app.tenant("Calls B.V.").await;
    let other = app.tenant("Other B.V.").await;
    let d = app.debtor(&t, "A").await;
    let f1 = app.invoice(&t, d, "F-1", "2026-02-01", 10_000).await["id"].as_i64().expect("id");
    let f2 = app.invoice(&t, d, "F-2", "2026-03-01", 5_000).await["id"].as_i64().expect("id");
    let d2 = app.debtor(&t, "B").await;
    let g1 = app.invoice(&t, d2, "G-1", "2026-03-01", 5_000).await["id"].as_i64().expect("id");
    let path = format!("/debtors/{d}/arrangements");
    let halves = json!([{"due_on": "2099-01-01", "amount": 7_500}, {"due_on": "2099-02-01", "amount": 7_500}]);

    for (body, field) in [
        (json!({"invoice_ids": [], "instalments": halves}), "invoice_ids"),
        (json!({"invoice_ids": [f1, g1], "instalments": halves}), "invoice_ids[1]"),
        (json!({"invoice_ids": [f1], "instalments": halves}), "instalments"),
        (json!({"invoice_ids": [f1, f2], "instalments": [{"due_on": "2020-01-01", "amount": 15_000}]}), "instalments[0].due_on"),
        (json!({"invoice_ids": [f1, f2], "instalments": halves, "grace_days": 90}), "grace_days"),
    ] {
        let (s, b) = app.post(&t.key, &path, body.clone()).await;
        assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]), "{body}: {b}");
    }
    let (s, b) = app.post(&t.key, &path, json!({"invoice_ids": [f1, f1], "instalments": halves})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(fields(&b).contains(&"invoice_ids".to_string()), "a double is named: {b}");
    let (s, a) = app.post(&t.key, &path, json!({"invoice_ids": [f1, f2], "instalments": halves, "note": "two halves"})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (&a["status"], &a["standing"], &a["breaks_on"], &a["total"], &a["paid"]),
        (&json!("active"), &json!("kept"), &json!("2099-01-07"), &json!(15_000), &json!(0))
    );
    let (s, b) = app.post(&t.key, &path, json!({"invoice_ids": [f2], "instalments": [{"due_on": "2099-01-01", "amount": 5_000}]})).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["invoice_ids[0]".to_string()]), "already arranged: {b}");
    assert_eq!(app.get(&t.key, &path).await.1.as_array().map(Vec::len), Some(1));
    assert_eq!(app.get(&other.key, &path).await.0, StatusCode::NOT_FOUND);
    let aid = a["id"].as_i64().expect("id");
    assert_eq!(app.post_empty(&other.key, &format!("/arrangements/{aid}/cancel")).await, StatusCode::NOT_FOUND);
    assert_eq!(app.post_empty(&t.key, &format!("/arrangements/{aid}/cancel")).await, StatusCode::NO_CONTENT);
    assert_eq!(app.post_empty(&t.key, &format!("/arrangements/{aid}/cancel")).await, StatusCode::NOT_FOUND, "cancelled once");
    assert_eq!(app.get(&t.key, &path).await.1[0]["status"], "cancelled");

    // Calls without a task: the debtor called in.
    let calls = format!("/debtors/{d}/calls");
    for (body, field) in [
        (json!({"outcome": "promise"}), "promise"),
        (json!({"outcome": "reached", "promise": {"pay_by": "2099-01-01", "amount": 100}}), "promise"),
        (json!({"outcome": "promise", "promise": {"pay_by": "2020-01-01", "amount": 100}}), "promise.pay_by"),
        (json!({"outcome": "dispute", "dispute": {"invoice_id": g1, "reason": "not mine"}}), "dispute.invoice_id"),
        (json!({"outcome": "dispute"}), "dispute"),
    ] {
        let (s, b) = app.post(&t.key, &calls, body.clone()).await;
        assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]), "{body}: {b}");
    }
    let (s, c) = app.post(&t.key, &calls, json!({"outcome": "cant_pay", "note": "lost their job"})).await;
    assert_eq!((s, &c["flag"], &c["task_closed"]), (StatusCode::CREATED, &json!("cant_pay"), &json!(false)), "{c}");
    let offer = &c["offer"];
    assert_eq!(offer["invoice_ids"], json!([f1, f2]), "the arrangement was cancelled: both are free");
    let offered: i64 = offer["instalments"].as_array().expect("instalments").iter().map(|i| i["amount"].as_i64().unwrap_or(0)).sum();
    assert_eq!(offered, 15_000);
    let (s, c) = app.post(&t.key, &calls, json!({"outcome": "wont_pay"})).await;
    assert_eq!((s, &c["flag"], &c["offer"]), (StatusCode::CREATED, &json!("wont_pay"), &Value::Null));
    let (s, c) = app.post(&t.key, &calls, json!({"outcome": "promise", "promise": {"pay_by": "2099-01-01", "amount": 15_000}})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let pauses = app.get(&t.key, &format!("/debtors/{d}/pauses")).await.1;
    let promise = pauses.as_array().expect("pauses").iter().find(|p| p["kind"] == "promise").cloned().expect("a promise");
    assert_eq!((&promise["amount"], &promise["until"]), (&json!(15_000), &json!("2099-01-01")));
    let (s, c) = app.post(&t.key, &calls, json!({"outcome": "dispute", "dispute": {"invoice_id": f2, "reason": "never delivered"}})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");

    // A retried call is logged once.
    let retry =
        || app.http.post(app.url(&calls)).bearer_auth(&t.key).header("Idempotency-Key", "call-1").json(&json!({"outcome": "reached"}));
    let (s1, c1, _) = app.send(retry()).await;
    let (s2, c2, h2) = app.send(retry()).await;
    assert_eq!((s1, s2, &c1["call_id"]), (StatusCode::CREATED, StatusCode::CREATED, &c2["call_id"]));
    assert_eq!(h2["idempotent-replayed"], "true");

    let (s, flags) = app.get(&t.key, &format!("/debtors/{d}/flags")).await;
    let names: Vec<&str> = flags.as_array().expect("flags").iter().filter_map(|f| f["flag"].as_str()).collect();
    assert_eq!((s, names), (StatusCode::OK, vec!["cant_pay", "wont_pay"]));
    assert_eq!(app.post_empty(&t.key, &format!("/debtors/{d}/flags/wont_pay/clear")).await, StatusCode::NO_CONTENT);
    assert_eq!(app.post_empty(&t.key, &format!("/debtors/{d}/flags/wont_pay/clear")).await, StatusCode::NOT_FOUND);
    assert_eq!(app.post_empty(&t.key, &format!("/debtors/{d}/flags/angry/clear")).await, StatusCode::BAD_REQUEST);
    assert_eq!(app.post_empty(&other.key, &format!("/debtors/{d}/flags/cant_pay/clear")).await, StatusCode::NOT_FOUND);

    // A call task as the daily run stores it, then worked from the list.
    let tenant = domain::ids::TenantId(t.id);
    let task = domain::dunning::planner::PlannedAction {
        debtor_id: domain::ids::DebtorId(d),
        policy: "consumer-standard".into(),
        step: 2,
        kind: domain::dunning::policy::StepKind::CallTask,
        due_on: jiff::civil::date(2026, 11, 20),
        channels: vec![domain::dunning::policy::Channel::Phone],
        invoices: vec![domain::ids::InvoiceId(f1)],
        amount: domain::money::Cents::from_cents_unchecked(10_000),
        template: "call_task".into(),
        needs_approval: false,
        adds_collection_costs: false,
        starts_interest: false,
        key: "test-call".into(),
    };
    let mut tx = db.write().await.expect("tx");
    tx.record_actions(tenant, jiff::civil::date(2026, 11, 20), &[(task, store::ActionStatus::TaskOpen)]).await.expect("task");
    tx.commit().await.expect("commit");
    let (s, list) = app.get(&t.key, "/tasks").await;
    let task = list["items"][0].clone();
    assert_eq!(
        (s, &task["debtor_name"], &task["amount"], &task["attempts"]),
        (StatusCode::OK, &json!("A"), &json!(10_000), &json!(0)),
        "{list}"
    );
    assert_eq!(app.get(&other.key, "/tasks").await.1["items"], json!([]));
    let tid = task["id"].as_i64().expect("id");
    let on_task = format!("/tasks/{tid}/calls");
    let (s, c) = app.post(&t.key, &on_task, json!({"outcome": "not_reached"})).await;
    assert_eq!((s, &c["task_closed"]), (StatusCode::CREATED, &json!(false)), "{c}");
    assert_eq!(app.get(&t.key, "/tasks").await.1["items"][0]["attempts"], 1);
    assert_eq!(app.post(&other.key, &on_task, json!({"outcome": "reached"})).await.0, StatusCode::NOT_FOUND);
    let (s, c) = app.post(&t.key, &on_task, json!({"outcome": "wrong_number", "note": "a bakery answered"})).await;
    assert_eq!((s, &c["task_closed"], &c["flag"]), (StatusCode::CREATED, &json!(true), &json!("wrong_number")), "{c}");
    assert_eq!(app.get(&t.key, "/tasks").await.1["items"], json!([]));
    assert_eq!(app.get(&t.key, "/tasks?closed=true").await.1["items"][0]["id"], tid);
    let (s, b) = app.post(&t.key, &on_task, json!({"outcome": "reached"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(app.get(&t.key, &format!("/actions?debtor_id={d}")).await.1["items"][0]["closed_at"].is_string());

    // The timeline tells it all, in order.
    let (s, tl) = app.get(&t.key, &format!("/debtors/{d}/timeline")).await;
    assert_eq!(s, StatusCode::OK);
    let events = tl.as_array().expect("events");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    for k in
        ["invoice_issued", "arrangement_agreed", "arrangement_cancelled", "call", "flag_set", "flag_cleared", "pause_started", "action"]
    {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert_eq!(kinds.iter().filter(|k| **k == "call").count(), 7, "five calls in, two on the task: {kinds:?}");
    let days: Vec<&str> = events.iter().filter_map(|e| e["on"].as_str()).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "in order: {days:?}");
    assert_eq!(app.get(&other.key, &format!("/debtors/{d}/timeline")).await.0, StatusCode::NOT_FOUND);
}

async fn bank_statement_routes(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Bank B.V.").await;
    let d = app.debtor(&t, "Papier & Co").await;
    let f100 = app.invoice(&t, d, "F-100", "2026-11-01", 15000).await;
    let f101 = app.invoice(&t, d, "F-101", "2026-11-01", 2500).await;
    let reference = f100["payment_reference"].as_str().expect("every invoice gets a reference").to_string();
    let mt940 = format!(
        ":20:P261121\r\n:25:NL91ABNA0417164300EUR\r\n:28C:1\r\n:60F:C261120EUR0,00\r\n\
         :61:2611211121C150,00NTRF{reference}//00000000000011\r\n:86:/EREF/E1//CNTP/NL39RABO0300065264/RABONL2U/Papier/UTRECHT//REMI/STRD/CUR/{reference}/\r\n\
         :61:2611211121C25,00NTRFNONREF//00000000000012\r\n:86:/CNTP/NL20INGB0001234567/INGBNL2A/P en C/AMSTERDAM//REMI/USTD//groet/\r\n\
         :61:2611211121C10,00NTRFNONREF//00000000000013\r\n:86:/CNTP/NL20INGB0001234567/INGBNL2A/Eigen rekening/AMSTERDAM//REMI/USTD//spaar/\r\n\
         :62F:C261121EUR185,00\r\n-}}"
    );
    let upload = |body: String, name: &str| {
        app.http
            .post(app.url(&format!("/bank-statements?file_name={name}")))
            .bearer_auth(&t.key)
            .header("Content-Type", "text/plain")
            .body(body)
    };
    let (s, report, _) = app.send(upload(mt940.clone(), "ing.sta")).await;
    assert_eq!(s, StatusCode::CREATED, "{report}");
    assert_eq!((report["format"].as_str(), report["allocated"].as_u64(), report["queued"].as_u64()), (Some("mt940"), Some(1), Some(2)));
    let (_, paid) = app.get(&t.key, &format!("/invoices/{}", f100["id"])).await;
    assert_eq!(paid["status"], "paid");

    let (s, queue) = app.get(&t.key, "/bank-entries?status=needs_match").await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    let items = queue["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let (first, second) = (items[0]["id"].as_i64().expect("id"), items[1]["id"].as_i64().expect("id"));
    assert_eq!(items[0]["amount"], 2500);
    assert_eq!(items[0]["counterparty_account"], "NL20INGB0001234567");

    // More than the payment: refused, and the entry stays in the queue.
    let (s, problem) = app
        .post(
            &t.key,
            &format!("/bank-entries/{first}/match"),
            json!({"debtor_id": d, "allocations": [{"invoice_id": f101["id"], "amount": 2600}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (s, matched) = app
        .post(
            &t.key,
            &format!("/bank-entries/{first}/match"),
            json!({"debtor_id": d, "allocations": [{"invoice_id": f101["id"], "amount": 2500}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{matched}");
    assert_eq!(matched["status"], "matched_by_hand");
    let (_, f101_now) = app.get(&t.key, &format!("/invoices/{}", f101["id"])).await;
    assert_eq!(f101_now["status"], "paid");
    let (_, payment) = app.get(&t.key, &format!("/payments/{}", matched["payment_id"])).await;
    assert_eq!(payment["debtor_id"], d);
    let (s, again) = app.post(&t.key, &format!("/bank-entries/{first}/match"), json!({"debtor_id": d, "allocations": []})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{again}");
    let (s, dismissed) = app.post(&t.key, &format!("/bank-entries/{second}/dismiss"), json!({})).await;
    assert_eq!((s, dismissed["status"].as_str()), (StatusCode::OK, Some("dismissed")));
    let (_, queue) = app.get(&t.key, "/bank-entries?status=needs_match").await;
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(0));

    // The same file again books nothing.
    let (s, report, _) = app.send(upload(mt940.clone(), "ing.sta")).await;
    assert_eq!(s, StatusCode::CREATED, "{report}");
    assert_eq!((report["new_entries"].as_u64(), report["known_entries"].as_u64()), (Some(0), Some(3)));
    let (_, all) = app.get(&t.key, "/bank-entries").await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(3));

    // A bad file: the line and what was expected, and nothing stored.
    let bad = mt940.replace("C10,00NTRF", "X10,00NTRF");
    let (s, problem, _) = app.send(upload(bad, "bad.sta")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "bad.sta:9 :61:");
    assert!(problem["errors"][0]["message"].as_str().is_some_and(|m| m.contains("expected C or D")), "{problem}");
    let (s, _) = app.get(&t.key, "/bank-entries?status=sleeping").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Another tenant sees none of it.
    let other = app.tenant("Ander B.V.").await;
    let (s, _) = app.get(&other.key, &format!("/bank-entries/{first}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.post(&other.key, &format!("/bank-entries/{second}/dismiss"), json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn e_invoice_upload(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("SimplerInvoicing").await;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/ubl/si-ubl-2.0");
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).expect("sample");
    let upload = |body: String, name: &str| {
        app.http
            .post(app.url(&format!("/e-invoices?file_name={name}")))
            .bearer_auth(&t.key)
            .header("Content-Type", "application/xml")
            .body(body)
    };
    // The BR-NL-1 sample: imported, and the report says what is missing and by which rule.
    let (s, report, _) = app.send(upload(read("SI-UBL-2.0_BR-NL-1_error_wrong_scheme.xml"), "wrong-scheme.xml")).await;
    assert_eq!(s, StatusCode::CREATED, "{report}");
    assert_eq!((report["invoices"].as_u64(), report["legally_incomplete"].as_u64()), (Some(1), Some(1)));
    let doc = &report["documents"][0];
    assert_eq!(doc["number"], "12115118");
    let rules: Vec<&str> = doc["legal_gaps"].as_array().expect("gaps").iter().filter_map(|g| g["rule"].as_str()).collect();
    assert!(rules.contains(&"NLCIUS BR-NL-1"), "{rules:?}");
    let gap = doc["legal_gaps"].as_array().expect("gaps").iter().find(|g| g["rule"] == "NLCIUS BR-NL-1").expect("gap");
    assert_eq!(gap["severity"], "required");
    assert!(gap["message_nl"].as_str().is_some_and(|m| m.contains("KvK")), "{gap}");
    let (s, invoice) = app.get(&t.key, &format!("/invoices/{}", doc["invoice_id"])).await;
    assert_eq!(s, StatusCode::OK, "{invoice}");
    assert_eq!(
        (invoice["total"].as_i64(), invoice["outstanding"].as_i64(), invoice["status"].as_str()),
        (Some(22700), Some(22700), Some("open"))
    );

    // The same invoice again: refused by number, with the place in the file.
    let (s, problem, _) = app.send(upload(read("SI-UBL-2.0_ok_minimal.xml"), "minimal.xml")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "minimal.xml:1 Invoice/ID", "{problem}");
    assert!(problem["errors"][0]["message"].as_str().is_some_and(|m| m.contains("imported before")), "{problem}");

    // Not UBL at all.
    let (s, problem, _) = app.send(upload("<Order/>".into(), "order.xml")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["errors"][0]["message"].as_str().is_some_and(|m| m.contains("found <Order>")), "{problem}");
}

async fn payment_qr_code(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Papierhandel Noord B.V.").await;
    let d = app.debtor(&t, "Drukkerij Oost").await;
    let inv = app.invoice(&t, d, "F-700", "2026-11-01", 15000).await;
    let reference = inv["payment_reference"].as_str().expect("every invoice gets a reference").to_string();
    let raw = |path: String, key: &str| {
        let req = app.http.get(app.url(&path)).bearer_auth(key.to_string());
        async move {
            let resp = req.send().await.expect("request");
            let status = resp.status();
            let kind = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            (status, kind, resp.bytes().await.expect("body").to_vec())
        }
    };
    let id = inv["id"].as_i64().expect("id");

    let (s, kind, svg) = raw(format!("/invoices/{id}/payment-qr"), &t.key).await;
    assert_eq!((s, kind.as_str()), (StatusCode::OK, "image/svg+xml"));
    let svg = String::from_utf8(svg).expect("utf-8");
    assert!(svg.contains("<title>Betaal € 150,00 aan Papierhandel Noord B.V. voor factuur F-700</title>"), "{svg}");

    // The PNG scans back to the EPC payload: the tenant's account, what is open, the reference.
    let (s, kind, png_bytes) = raw(format!("/invoices/{id}/payment-qr?format=png&scale=4"), &t.key).await;
    assert_eq!((s, kind.as_str()), (StatusCode::OK, "image/png"));
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    let (w, row) = (info.width as usize, info.line_size);
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(w, w, |x, y| if buf[y * row + x / 8] & (0x80 >> (x % 8)) != 0 { 255 } else { 0 });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, payload) = grids[0].decode().expect("scans");
    let lines: Vec<&str> = payload.split('\n').collect();
    assert_eq!(&lines[..4], ["BCD", "002", "1", "SCT"]);
    assert_eq!((lines[5], lines[7], lines[9]), ("Papierhandel Noord B.V.", "EUR150", reference.as_str()));

    let (s, _, _) = raw(format!("/invoices/{id}/payment-qr?format=gif"), &t.key).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, _) = raw(format!("/invoices/{id}/payment-qr?format=png&scale=50"), &t.key).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let other = app.tenant("Ander B.V.").await;
    let (s, _, _) = raw(format!("/invoices/{id}/payment-qr"), &other.key).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The invoice's own PDF: stored, read back, and refused when it is not a PDF.
    let pdf = b"%PDF-1.4\n% a test invoice\n%%EOF\n".to_vec();
    let put = |body: Vec<u8>, key: String| {
        app.http.put(app.url(&format!("/invoices/{id}/document?file_name=F-700.pdf"))).bearer_auth(key).body(body).send()
    };
    assert_eq!(put(pdf.clone(), t.key.clone()).await.expect("put").status(), StatusCode::NO_CONTENT);
    assert_eq!(put(b"<html>".to_vec(), t.key.clone()).await.expect("put").status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(put(pdf.clone(), other.key.clone()).await.expect("put").status(), StatusCode::NOT_FOUND);
    let (s, kind, got) = raw(format!("/invoices/{id}/document"), &t.key).await;
    assert_eq!((s, kind.as_str(), got), (StatusCode::OK, "application/pdf", pdf));

    // Written off: nothing to pay, no code.
    let (s, body) = app.patch(&t.key, &format!("/invoices/{id}"), json!({"status": "written_off"})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, _, problem) = raw(format!("/invoices/{id}/payment-qr"), &t.key).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(String::from_utf8_lossy(&problem).contains("nothing is left to pay on invoice F-700"));
}

async fn message_texts_and_settings(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Fietsenwinkel De Spaak B.V.").await;
    let (s, all) = app.get(&t.key, "/message-texts").await;
    assert_eq!(s, StatusCode::OK);
    let all = all.as_array().expect("list");
    assert_eq!(all.len(), 48, "8 steps × 2 languages × 3 levels");
    assert!(all.iter().all(|x| x["source"] == "default"));
    let (s, one) = app.get(&t.key, "/message-texts/reminder/nl/plain").await;
    assert_eq!(s, StatusCode::OK);
    assert!(one["subject"].as_str().expect("subject").starts_with("Herinnering"), "{one}");
    let (s, _) = app.get(&t.key, "/message-texts/call_task/nl/plain").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a call is a task, not a text");

    // A misspelt variable is refused with its line; a good text is stored and used.
    let bad = json!({"subject": "Herinnering {{ total }}", "body": "Beste {{ debtor.addressee }},\n\n{{ totaal }}", "sms": "{{ total }}"});
    let (s, problem) = app.put(&t.key, "/message-texts/reminder/nl/plain", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["body"]);
    assert!(problem["errors"][0]["message"].as_str().expect("message").starts_with("line 3"), "{problem}");
    let good = json!({
        "subject": "Even een seintje: {{ total }}",
        "body": "Hoi {{ debtor.addressee }},\n\nEr staat nog {{ total }} open.\n\n{{ blocks.pay }}\n\n{{ blocks.contact }}",
        "sms": "{{ tenant.name }}: nog {{ total }} open."
    });
    let (s, saved) = app.put(&t.key, "/message-texts/reminder/nl/plain", good).await;
    assert_eq!((s, saved["source"].as_str()), (StatusCode::OK, Some("tenant")), "{saved}");
    let (_, all) = app.get(&t.key, "/message-texts").await;
    assert_eq!(all.as_array().expect("list").iter().filter(|x| x["source"] == "tenant").count(), 1);
    let (s, preview) = app.post(&t.key, "/message-texts/reminder/nl/plain/preview", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    assert_eq!(preview["subject"], "Even een seintje: € 1.752,79");
    assert!(preview["text"].as_str().expect("text").starts_with("Hoi mevrouw De Vries,"), "{preview}");
    assert!(preview["html"].as_str().expect("html").contains("cid:epc-qr"));
    assert_eq!(preview["problems"], json!([]));
    // Another tenant still has Tegoed's text.
    let other = app.tenant("Ander B.V.").await;
    let (_, theirs) = app.get(&other.key, "/message-texts/reminder/nl/plain").await;
    assert_eq!(theirs["source"], "default");

    // A 14-day letter must keep what the law requires, and an SMS its 160 characters.
    let (_, letter) = app.get(&t.key, "/message-texts/fourteen_day_letter/nl/standard").await;
    let mut stripped = letter.clone();
    stripped["body"] =
        json!(letter["body"].as_str().expect("body").replace("{% for s in legal %}{{ s }}\n{% endfor %}", "Betaal binnen 14 dagen."));
    let text = json!({"subject": stripped["subject"], "body": stripped["body"], "sms": stripped["sms"]});
    let (s, problem) = app.put(&t.key, "/message-texts/fourteen_day_letter/nl/standard", text).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem.to_string().contains("6:96 lid 6"), "{problem}");
    let long = json!({"subject": "x", "body": "x", "sms": "{{ tenant.name }} ".repeat(8)});
    let (s, problem) = app.put(&t.key, "/message-texts/reminder/en/formal", long).await;
    assert_eq!((s, fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["sms".to_string()]));

    // Back to the default.
    assert_eq!(app.send(app.http.delete(app.url("/message-texts/reminder/nl/plain")).bearer_auth(&t.key)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.send(app.http.delete(app.url("/message-texts/reminder/nl/plain")).bearer_auth(&t.key)).await.0, StatusCode::NOT_FOUND);
    let (_, one) = app.get(&t.key, "/message-texts/reminder/nl/plain").await;
    assert_eq!(one["source"], "default");

    // Who debtors can contact.
    let (s, settings) = app.get(&t.key, "/messaging-settings").await;
    let defaults =
        json!({"desk": null, "early_payment": null, "arrangements": {"min_instalment": 2_500, "max_months": 12}, "brand_colour": null});
    assert_eq!((s, settings), (StatusCode::OK, defaults));
    let (s, problem) = app.put(&t.key, "/messaging-settings", json!({"desk": {"name": "Sanne de Boer"}})).await;
    assert_eq!((s, fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["desk".to_string()]));
    let (s, problem) = app.put(&t.key, "/messaging-settings", json!({"desk": {"name": "Sanne", "phone": "12"}})).await;
    assert_eq!((s, fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["desk.phone".to_string()]));
    let desk = json!({"desk": {"name": "Sanne de Boer", "phone": "020 123 4567", "email": "debiteuren@despaak.nl", "hours": "ma–vr 9–17"}});
    let (s, saved) = app.put(&t.key, "/messaging-settings", desk).await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    let (_, got) = app.get(&t.key, "/messaging-settings").await;
    assert_eq!(got["desk"]["name"], "Sanne de Boer");

    // The outbox: empty, filtered by status, nothing to resend.
    let (s, page) = app.get(&t.key, "/messages?status=in_doubt").await;
    assert_eq!((s, page["items"].clone()), (StatusCode::OK, json!([])));
    let (s, _) = app.get(&t.key, "/messages?status=lost").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(app.post_empty(&t.key, "/messages/999999/resend").await, StatusCode::NOT_FOUND);
}

async fn payment_links_and_provider_webhooks(db: Db) {
    let (mollie_url, mollie) = fake_mollie().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let providers = web::pay::Providers {
        public_url: base.clone(),
        mollie: Some(channels::psp::Mollie::new(channels::psp::MollieSettings { api: mollie_url.clone(), api_key: MOLLIE_KEY.into() })),
        twilio_auth_token: Some("twilio-token".into()),
        whatsapp: Some(("app-secret".into(), "verify-me".into())),
    };
    let state = web::App::new(db, Some(ADMIN.to_string())).with_providers(providers);
    tokio::spawn(async move { axum::serve(listener, web::router(state)).await.expect("serve") });
    let app = TestApp { base: base.clone(), http: channels::providers::http_client() };
    // A browser that shows where it is sent instead of following (the provider is not here).
    let _ = channels::providers::http_client();
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");

    let t = app.tenant("Fietsenwinkel De Spaak B.V.").await;
    let d = app.debtor(&t, "Jan de Vries").await;
    let a = app.invoice(&t, d, "F-1", "2026-10-01", 10_000).await;
    let b = app.invoice(&t, d, "F-2", "2026-11-01", 5_000).await;
    let (s, link) = app.post(&t.key, &format!("/debtors/{d}/payment-links"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().expect("url").to_string();
    assert!(url.starts_with(&format!("{base}/pay/")), "{url}");
    let (s, problem) = app.post(&t.key, &format!("/debtors/{d}/payment-links"), json!({"invoice_ids": [999999]})).await;
    assert_eq!((s, fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["invoice_ids[0]".to_string()]));

    // Opening the link starts a payment for what is open now and sends the debtor to Mollie.
    let resp = browser.get(&url).send().await.expect("open link");
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()["location"].to_str().expect("location").to_string();
    assert_eq!(location, format!("{mollie_url}/checkout/tr_Fake1"));
    {
        let created = mollie.created.lock().expect("lock");
        assert_eq!(created.len(), 1);
        assert_eq!(created[0]["amount"], json!({"currency": "EUR", "value": "150.00"}));
        assert_eq!(created[0]["webhookUrl"], format!("{base}/webhooks/mollie"));
        assert_eq!(created[0]["redirectUrl"], format!("{url}/done"));
        assert!(created[0]["description"].as_str().expect("description").contains("F-1, F-2"));
    }

    // Mollie reports: open first (nothing booked), then paid (booked once, oldest first).
    let webhook = |id: &str| app.http.post(format!("{base}/webhooks/mollie")).form(&[("id", id)]).send();
    assert_eq!(webhook("tr_Fake1").await.expect("webhook").status(), StatusCode::OK);
    let (_, payments) = app.get(&t.key, "/payments").await;
    assert_eq!(payments["items"].as_array().expect("items").len(), 0);
    mollie.paid.lock().expect("lock").insert("tr_Fake1".into());
    for _ in 0..2 {
        assert_eq!(webhook("tr_Fake1").await.expect("webhook").status(), StatusCode::OK);
    }
    let (_, payments) = app.get(&t.key, "/payments").await;
    let items = payments["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "booked once: {payments}");
    assert_eq!(items[0]["amount"], 15_000);
    for inv in [&a, &b] {
        let (_, got) = app.get(&t.key, &format!("/invoices/{}", inv["id"])).await;
        assert_eq!(got["status"], "paid", "{got}");
    }
    assert_eq!(webhook("tr_Unknown9").await.expect("webhook").status(), StatusCode::OK, "unknown ids are not told apart");

    // The link once everything is paid: a thank-you, no new payment.
    let resp = browser.get(&url).send().await.expect("open link");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.expect("page").contains("Er staat niets meer open"));
    assert_eq!(mollie.created.lock().expect("lock").len(), 1);
    assert_eq!(
        browser.get(format!("{base}/pay/0123456789abcdef0123456789abcdef")).send().await.expect("open").status(),
        StatusCode::NOT_FOUND
    );

    // Paying early earns the tenant's reward: the link asks 2% less, and the payment settles
    // the invoice with the discount credited.
    let reward = json!({"early_payment": {"within_days": 14, "reward": {"kind": "percentage", "hundredths": 200}}});
    let (s, saved) = app.put(&t.key, "/messaging-settings", reward).await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    let today = web::today().to_string();
    let (s, fresh) =
        app.post(&t.key, "/invoices", json!({"debtor_id": d, "number": "F-3", "issue_date": today, "total": 12_100, "vat": 2_100})).await;
    assert_eq!(s, StatusCode::CREATED, "{fresh}");
    let (_, link) = app.post(&t.key, &format!("/debtors/{d}/payment-links"), json!({"invoice_ids": [fresh["id"]]})).await;
    let resp = browser.get(link["url"].as_str().expect("url")).send().await.expect("open link");
    assert!(resp.status().is_redirection());
    assert_eq!(mollie.created.lock().expect("lock")[1]["amount"]["value"], "118.58", "121.00 less 2% (2.42)");
    mollie.paid.lock().expect("lock").insert("tr_Fake2".into());
    assert_eq!(webhook("tr_Fake2").await.expect("webhook").status(), StatusCode::OK);
    let (_, got) = app.get(&t.key, &format!("/invoices/{}", fresh["id"])).await;
    assert_eq!((got["status"].as_str(), got["paid"].as_i64(), got["credited"].as_i64()), (Some("paid"), Some(11_858), Some(242)), "{got}");
    let (_, notes) = app.get(&t.key, &format!("/credit-notes?invoice_id={}", fresh["id"])).await;
    assert_eq!(notes["items"][0]["number"], "F-3-KORTING", "{notes}");
    assert_eq!(notes["items"][0]["vat"], 42, "the discount takes its share of the VAT: 2.42 × 21/121");

    // An arrangement: one link per instalment still due, each for that instalment.
    let d2 = app.debtor(&t, "Karin Kleinbetaler").await;
    let big = app.invoice(&t, d2, "F-9", "2026-09-01", 30_000).await;
    let plan = json!({"invoice_ids": [big["id"]], "instalments": [
        {"due_on": "2099-01-01", "amount": 10_000}, {"due_on": "2099-02-01", "amount": 10_000}, {"due_on": "2099-03-01", "amount": 10_000}]});
    let (s, arrangement) = app.post(&t.key, &format!("/debtors/{d2}/arrangements"), plan).await;
    assert_eq!(s, StatusCode::CREATED, "{arrangement}");
    let (s, links) = app.post(&t.key, &format!("/arrangements/{}/payment-links", arrangement["id"]), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{links}");
    let links = links.as_array().expect("links").clone();
    assert_eq!(links.iter().map(|l| l["amount"].as_i64().expect("amount")).collect::<Vec<_>>(), [10_000, 10_000, 10_000]);
    assert!(browser.get(links[0]["url"].as_str().expect("url")).send().await.expect("open").status().is_redirection());
    assert_eq!(mollie.created.lock().expect("lock")[2]["amount"]["value"], "100.00");
    mollie.paid.lock().expect("lock").insert("tr_Fake3".into());
    assert_eq!(webhook("tr_Fake3").await.expect("webhook").status(), StatusCode::OK);
    let (s, links) = app.post(&t.key, &format!("/arrangements/{}/payment-links", arrangement["id"]), json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(links.as_array().map(Vec::len), Some(2), "the first instalment is paid: {links}");

    // Twilio's callbacks count only when signed over the URL and the sorted parameters.
    let params = [("MessageSid", "SM0000000000000000000000000000000a"), ("MessageStatus", "delivered")];
    let mut data = format!("{base}/webhooks/twilio");
    for (k, v) in &params {
        data.push_str(k);
        data.push_str(v);
    }
    let signature = {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(b"twilio-token").expect("key");
        mac.update(data.as_bytes());
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, mac.finalize().into_bytes())
    };
    let twilio =
        |sig: &str| app.http.post(format!("{base}/webhooks/twilio")).header("X-Twilio-Signature", sig.to_string()).form(&params).send();
    assert_eq!(twilio("forged").await.expect("post").status(), StatusCode::FORBIDDEN);
    assert_eq!(twilio(&signature).await.expect("post").status(), StatusCode::NO_CONTENT);

    // WhatsApp: the subscription check, and notifications signed over the raw body.
    let check = app
        .http
        .get(format!("{base}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444"))
        .send()
        .await
        .expect("get");
    assert_eq!(check.text().await.expect("body"), "1158201444");
    let wrong = app
        .http
        .get(format!("{base}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"))
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let body =
        r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"statuses":[{"id":"wamid.X","status":"read"}]}}]}]}"#;
    let sig = {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"app-secret").expect("key");
        mac.update(body.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let post = |s: String| app.http.post(format!("{base}/webhooks/whatsapp")).header("X-Hub-Signature-256", s).body(body).send();
    assert_eq!(post("sha256=00".into()).await.expect("post").status(), StatusCode::FORBIDDEN);
    assert_eq!(post(format!("sha256={sig}")).await.expect("post").status(), StatusCode::NO_CONTENT);
}

async fn debtor_portal(db: Db) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let providers = web::pay::Providers { public_url: base.clone(), mollie: None, twilio_auth_token: None, whatsapp: None };
    let state = web::App::new(db, Some(ADMIN.to_string())).with_providers(providers);
    tokio::spawn(async move { axum::serve(listener, web::router(state)).await.expect("serve") });
    let app = TestApp { base: base.clone(), http: channels::providers::http_client() };
    let t = app.tenant("Fietsenwinkel De Spaak B.V.").await;
    let d = app.debtor(&t, "<b>Jan</b> de Vries").await;
    app.invoice(&t, d, "F-10", "2026-10-01", 10_000).await;
    app.invoice(&t, d, "F-11", "2026-11-01", 5_000).await;
    let desk = json!({"desk": {"name": "Sanne de Boer", "phone": "020 123 4567"}});
    assert_eq!(app.put(&t.key, "/messaging-settings", desk).await.0, StatusCode::OK);
    let (s, link) = app.post(&t.key, &format!("/debtors/{d}/portal-links"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().expect("url").to_string();
    assert!(url.starts_with(&format!("{base}/portal/")));

    let page = |u: String| async move {
        let r = channels::providers::http_client().get(u).send().await.expect("get");
        let (status, headers) = (r.status(), r.headers().clone());
        (status, headers, r.text().await.expect("body"))
    };
    let (s, h, nl) = page(url.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let csp = h["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{csp}");
    assert_eq!(h["referrer-policy"], "same-origin");
    for expected in ["Hallo", "F-10", "F-11", "€ 150,00", "NL91 ABNA 0417 1643 00", "<svg", "Sanne de Boer", "&#60;b&#62;Jan&#60;/b&#62;"]
    {
        assert!(nl.contains(expected), "'{expected}' is not on the page:\n{nl}");
    }
    assert!(!nl.contains("<script") && !nl.contains("<b>Jan"), "{nl}");
    let (_, _, en) = page(format!("{url}?lang=en")).await;
    assert!(en.contains("Hello") && en.contains("€150.00") && en.contains("lang=\"en\""), "{en}");
    // Paying some: the total and the QR code are for the ticked invoice only.
    let (s, _, some) = page(format!("{url}?select=F-11")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(some.contains("id=\"total\">€ 50,00<") && some.contains("<dd>€ 50,00</dd>"), "{some}");
    assert!(some.contains("value=\"F-11\" id=\"select-2\" aria-label=\"Betalen F-11\" checked"), "{some}");
    assert!(!some.contains("value=\"F-10\" id=\"select-1\" aria-label=\"Betalen F-10\" checked"), "{some}");

    // Forms: only with the page's own form token, and not from another site.
    let csrf = nl.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("form token").to_string();
    let post = |path: &str, form: Vec<(&str, String)>, origin: Option<&str>| {
        let mut req = app.http.post(format!("{url}/{path}")).form(&form);
        if let Some(o) = origin {
            req = req.header("Origin", o.to_string());
        }
        async move {
            let r = req.send().await.expect("post");
            (r.status(), r.text().await.expect("body"))
        }
    };
    let (s, _) = post("promise", vec![("csrf", "forged".into()), ("date", web::today().to_string())], None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = post("promise", vec![("csrf", csrf.clone()), ("date", web::today().to_string())], Some("https://evil.example")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let far = domain::dates::add_days(web::today(), 90).to_string();
    let (s, body) = post("promise", vec![("csrf", csrf.clone()), ("date", far)], Some(&base)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("betalingsregeling"), "{body}");
    let soon = domain::dates::add_days(web::today(), 10).to_string();
    let (s, body) = post("promise", vec![("csrf", csrf.clone()), ("date", soon.clone())], Some(&base)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Tot die datum sturen wij u geen herinneringen"), "{body}");
    let (s, body) =
        post("dispute", vec![("csrf", csrf.clone()), ("invoice", "F-11".into()), ("text", "Fiets nooit geleverd".into())], None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = post("cant-pay", vec![("csrf", csrf.clone()), ("text", "Baan kwijt".into())], None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("0800-8115") && body.contains("gemeente"), "{body}");
    let (_, pauses) = app.get(&t.key, &format!("/debtors/{d}/pauses")).await;
    let kinds: Vec<&str> = pauses.as_array().expect("pauses").iter().map(|p| p["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, ["promise", "dispute", "hold"], "{pauses}");
    assert_eq!(pauses[0]["until"], soon.as_str());
    assert!(pauses[1]["reason"].as_str().expect("reason").contains("Fiets nooit geleverd"));
    let (_, flags) = app.get(&t.key, &format!("/debtors/{d}/flags")).await;
    assert_eq!(flags[0]["flag"], "cant_pay", "{flags}");
    // Preferences: English, and letters by post.
    let (s, body) = post("preferences", vec![("csrf", csrf.clone()), ("language", "en".into()), ("letters", "yes".into())], None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Saved. Our next messages follow your choice."), "{body}");
    let (_, debtor) = app.get(&t.key, &format!("/debtors/{d}")).await;
    assert_eq!((debtor["language"].as_str(), debtor["digital_affinity"].as_str()), (Some("en"), Some("offline")), "{debtor}");

    // A link that does not work says nothing about why, or about whom.
    let (s, _, unknown) = page(format!("{base}/portal/0123456789abcdef0123456789abcdef")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let other = app.tenant("Ander B.V.").await;
    assert_eq!(app.post(&other.key, &format!("/debtors/{d}/portal-links/revoke"), json!({})).await.0, StatusCode::NOT_FOUND);
    let (s, revoked) = app.post(&t.key, &format!("/debtors/{d}/portal-links/revoke"), json!({})).await;
    assert_eq!((s, revoked["revoked"].as_i64()), (StatusCode::OK, Some(1)));
    let (s, _, after) = page(url).await;
    assert_eq!((s, after), (StatusCode::NOT_FOUND, unknown), "a revoked link looks like an unknown one");
    let css = app.http.get(format!("{base}/portal.css")).send().await.expect("css");
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}

async fn reports(db: Db) {
    let app = TestApp::start(db).await;
    let t = app.tenant("Fietsenwinkel De Spaak B.V.").await;
    let d = app.debtor(&t, "Jan de Vries").await;
    // Seen on 15 May 2026: due later, due today, 11, 44, 85 and 120 days late.
    for (n, due, total) in [
        ("A", "2026-05-20", 10_000),
        ("B", "2026-05-15", 5_000),
        ("C", "2026-05-04", 20_000),
        ("D", "2026-04-01", 30_000),
        ("E", "2026-02-19", 40_000),
        ("F", "2026-01-15", 50_000),
    ] {
        app.invoice(&t, d, n, due, total).await;
    }
    let (s, r) = app.get(&t.key, "/reports/ageing?as_of=2026-05-15").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let got: Vec<(String, i64, i64)> = r["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| (b["bucket"].as_str().expect("bucket").to_string(), b["invoices"].as_i64().expect("n"), b["open"].as_i64().expect("open")))
        .collect();
    let want = [("not_due", 2, 15_000), ("1-30", 1, 20_000), ("31-60", 1, 30_000), ("61-90", 1, 40_000), ("over_90", 1, 50_000)];
    assert_eq!(got, want.map(|(b, n, o)| (b.to_string(), n, o)).to_vec());
    assert_eq!(r["total"], 155_000);
    let csv = app.http.get(app.url("/reports/ageing?as_of=2026-05-15&format=csv")).bearer_auth(&t.key).send().await.expect("csv");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        csv.text().await.expect("body"),
        "bucket,invoices,open\nnot_due,2,150.00\n1-30,1,200.00\n31-60,1,300.00\n61-90,1,400.00\nover_90,1,500.00\n"
    );
    let svg = app.http.get(app.url("/reports/ageing?as_of=2026-05-15&format=svg")).bearer_auth(&t.key).send().await.expect("svg");
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().await.expect("body");
    assert!(svg.starts_with("<svg") && svg.contains("€ 500,00") && svg.matches("<rect x=").count() == 5, "{svg}");
    // DSO: 1,550.00 open, the same invoiced on 1 January, within 180 days of 15 May.
    let (_, r) = app.get(&t.key, "/reports/dso?as_of=2026-05-15&days=180").await;
    assert_eq!((r["open"].as_i64(), r["invoiced"].as_i64(), r["dso"].as_f64()), (Some(155_000), Some(155_000), Some(180.0)), "{r}");
    assert!(r["method"].as_str().expect("method").starts_with("period method"));
    let (_, r) = app.get(&t.key, "/reports/dso?as_of=2026-05-15").await;
    assert_eq!((r["invoiced"].as_i64(), &r["dso"]), (Some(0), &Value::Null), "nothing invoiced in the 90 days");
    let (s, p) = app.get(&t.key, "/reports/dso?days=0").await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["days".to_string()]));
    let (s, p) = app.get(&t.key, "/reports/ageing?format=pdf").await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["format".to_string()]));
    // Another tenant's reports are its own.
    let other = app.tenant("Ander B.V.").await;
    let (_, r) = app.get(&other.key, "/reports/ageing?as_of=2026-05-15").await;
    assert_eq!(r["total"], 0);
}

on_both_backends!(
    reports,
    debtor_portal,
    payment_links_and_provider_webhooks,
    message_texts_and_settings,
    payment_qr_code,
    e_invoice_upload,
    bank_statement_routes,
    dunning_policies,
    dunning_arrangements_calls_and_timeline,
    dunning_pauses_and_actions,
    law_calculator,
    tenant_routes,
    debtor_routes,
    invoice_routes,
    credit_note_routes,
    payment_routes,
    tenant_isolation,
    idempotent_post,
    malformed_requests,
    operations_endpoints
);
