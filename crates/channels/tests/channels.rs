//! The outbox worker against a real SMTP server on loopback, on SQLite and PostgreSQL; and every
//! default text rendered in both languages and all levels, compared with its snapshot.

use jiff::SignedDuration;
use jiff::civil::{Date, date};

use channels::email::{Email, MailSettings, Mailer};
use channels::outbox::{Worker, WorkerSettings};
use channels::testing::SmtpServer;
use channels::texts::{TemplateKey, default_template, message_steps, render, sample_contexts};
use domain::contact::{EmailAddress, Iban};
use domain::debtor::{ContactPerson, DebtorKind, Language, LanguageLevel, NewDebtor};
use domain::dunning::planner::PlannedAction;
use domain::dunning::policy::{Channel, StepKind};
use domain::ids::{DebtorId, InvoiceId, TenantId};
use domain::money::Cents;
use domain::tenant::NewTenant;
use store::{ActionStatus, Db, InvoiceRecord, on_both_backends};

/// A small PDF, as a tenant would upload an invoice.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn mail_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join("tegoed-tests").join(format!("mail-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mail dir");
    d
}

fn mailer(server: &SmtpServer) -> Mailer {
    Mailer::new(&MailSettings { url: server.url(), from: "Tegoed <noreply@tegoed.test>".into(), connections: 2 }).expect("mailer")
}

/// Worker settings for one tenant's messages: the tests share a PostgreSQL database.
fn settings(t: TenantId) -> WorkerSettings {
    WorkerSettings {
        lease: SignedDuration::from_secs(60),
        batch: 16,
        parallel: 2,
        idle_wait: std::time::Duration::from_millis(50),
        tenants: vec![t],
    }
}

async fn tenant(db: &Db) -> TenantId {
    let mut tx = db.write().await.expect("tx");
    let iban = Iban::parse("NL91ABNA0417164300").expect("iban");
    let t = tx.create_tenant(&NewTenant::minimal("Fietsenwinkel De Spaak B.V.", iban)).await.expect("tenant").id;
    tx.commit().await.expect("commit");
    t
}

/// A debtor with one contact (email address given) and one open invoice of `cents`.
async fn debtor_with_invoice(db: &Db, t: TenantId, name: &str, email: &str, cents: i64, language: Language) -> (DebtorId, InvoiceId) {
    let mut tx = db.write().await.expect("tx");
    let mut d = NewDebtor::named(DebtorKind::Consumer, name);
    d.language = language;
    d.language_level = LanguageLevel::Plain;
    d.contacts = vec![ContactPerson {
        name: name.into(),
        email: Some(EmailAddress::parse(email).expect("email")),
        phone: None,
        whatsapp_opt_in: false,
    }];
    let debtor = tx.create_debtor(t, &d).await.expect("debtor").id;
    let number = format!("2026-{}", debtor.0);
    let inv = tx
        .create_invoice(
            t,
            &InvoiceRecord {
                debtor_id: debtor,
                number,
                external_id: None,
                issue_date: date(2026, 1, 5),
                due_date: date(2026, 2, 4),
                total: Cents::new(cents).expect("cents"),
                vat: Cents::ZERO,
                paid: Cents::ZERO,
                payment_reference: None,
            },
        )
        .await
        .expect("invoice");
    tx.commit().await.expect("commit");
    (debtor, inv.id)
}

async fn plan(db: &Db, t: TenantId, debtor: DebtorId, invoice: InvoiceId, channels: &[Channel], run: Date) {
    let action = PlannedAction {
        debtor_id: debtor,
        policy: "consumer-standard".into(),
        step: 1,
        kind: StepKind::Reminder,
        due_on: run,
        channels: channels.to_vec(),
        invoices: vec![invoice],
        amount: Cents::new(1).expect("cents"),
        template: "reminder".into(),
        needs_approval: false,
        adds_collection_costs: false,
        starts_interest: false,
        key: format!("{}-{}-{run}", debtor.0, invoice.0),
    };
    let mut tx = db.write().await.expect("tx");
    tx.record_actions(t, run, &[(action, ActionStatus::Queued)]).await.expect("record");
    tx.commit().await.expect("commit");
}

fn parsed(raw: &str) -> mailparse::ParsedMail<'_> {
    mailparse::parse_mail(raw.as_bytes()).expect("MIME")
}

fn header(m: &mailparse::ParsedMail<'_>, name: &str) -> String {
    use mailparse::MailHeaderMap;
    m.headers.get_first_value(name).unwrap_or_default()
}

async fn every_action_is_received_once_with_its_parts(db: Db) {
    let server = SmtpServer::start(&mail_dir(&format!("once-{:?}", db.backend())));
    let t = tenant(&db).await;
    let run = date(2026, 3, 2);
    let mut expected = Vec::new();
    for i in 0..12 {
        let language = if i % 2 == 0 { Language::Nl } else { Language::En };
        let email = format!("klant{i}@example.nl");
        let (d, inv) = debtor_with_invoice(&db, t, &format!("Klant {i}"), &email, 10_000 + i, language).await;
        plan(&db, t, d, inv, &[Channel::Email, Channel::Letter], run).await;
        expected.push(email);
        if i == 2 {
            // The invoice as the creditor sent it goes along as a PDF attachment.
            let mut tx = db.write().await.expect("tx");
            tx.save_invoice_document(t, inv, "factuur-2.pdf", PDF, "sha").await.expect("document");
            tx.commit().await.expect("commit");
        }
    }
    let worker = Worker::new(db.clone(), settings(t)).with_mailer(mailer(&server)).with_portal_links("https://tegoed.example.nl/");
    let first = worker.drain().await.expect("drain");
    assert_eq!(first.sent, 12);
    let again = worker.drain().await.expect("drain again");
    assert_eq!(again.sent, 0, "nothing is sent twice");

    let received = server.received();
    assert_eq!(received.len(), 12);
    let mut to: Vec<String> = received.iter().map(|r| header(&parsed(r), "To")).collect();
    to.sort();
    for e in &expected {
        assert_eq!(to.iter().filter(|t| t.contains(e.as_str())).count(), 1, "{e} gets exactly one message: {to:?}");
    }
    let mut ids: Vec<String> = received.iter().map(|r| header(&parsed(r), "Message-ID")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "every message has its own Message-ID");

    // One message whole: sender, subject with the amount and date, the text and HTML parts with
    // the same content, the QR code inline and decodable to the EPC payload of what is open.
    let m = received.iter().map(|r| parsed(r)).find(|m| header(m, "To").contains("klant1@")).expect("klant1's message");
    assert!(header(&m, "From").contains("Fietsenwinkel De Spaak B.V."), "{}", header(&m, "From"));
    assert!(header(&m, "Subject").contains("€100.01"), "{}", header(&m, "Subject"));
    assert_eq!(m.ctype.mimetype, "multipart/alternative");
    let text = m.subparts[0].get_body().expect("text");
    assert_eq!(m.subparts[0].ctype.mimetype, "text/plain");
    assert!(text.contains("Dear Klant 1,") && text.contains("NL91 ABNA 0417 1643 00") && text.contains("€100.01"), "{text}");
    assert!(text.contains("https://tegoed.example.nl/portal/"), "every message offers the portal: {text}");
    let related = &m.subparts[1];
    assert_eq!(related.ctype.mimetype, "multipart/related");
    let html = related.subparts[0].get_body().expect("html");
    assert!(html.contains("Dear Klant 1,") && html.contains("cid:epc-qr"), "{html}");
    let image = &related.subparts[1];
    assert_eq!(image.ctype.mimetype, "image/png");
    assert_eq!(header(image, "Content-ID"), "<epc-qr>");
    let png = image.get_body_raw().expect("png");
    let img = decode_png(&png);
    let mut grid = rqrr::PreparedImage::prepare_from_greyscale(img.0, img.1, |x, y| img.2[y * img.0 + x]);
    let (_, content) = grid.detect_grids()[0].decode().expect("QR decodes");
    assert!(content.starts_with("BCD\n002\n1\nSCT\n"), "{content}");
    assert!(content.contains("NL91ABNA0417164300") && content.contains("EUR100.01"), "{content}");

    let with_pdf = received.iter().map(|r| parsed(r)).find(|m| header(m, "To").contains("klant2@")).expect("klant2's message");
    assert_eq!(with_pdf.ctype.mimetype, "multipart/mixed");
    assert_eq!(with_pdf.subparts[0].ctype.mimetype, "multipart/alternative");
    let pdf = &with_pdf.subparts[1];
    assert_eq!(pdf.ctype.mimetype, "application/pdf");
    assert!(header(pdf, "Content-Disposition").contains("factuur-2.pdf"));
    assert_eq!(pdf.get_body_raw().expect("pdf"), PDF);

    // Evidence: every message sent, with recipient, text, Message-ID and the server's answer.
    let mut tx = db.read().await.expect("tx");
    let msgs = tx.messages(t, None, None, store::Page { after: None, limit: 100 }).await.expect("messages");
    tx.commit().await.expect("commit");
    assert_eq!(msgs.len(), 12);
    for msg in &msgs {
        assert_eq!(msg.status, "sent");
        assert!(msg.provider_reply.as_deref().is_some_and(|r| r.starts_with("250 ") && r.contains("queued as")), "{msg:?}");
        assert!(msg.message_id.as_deref().is_some_and(|id| ids.contains(&id.to_string())), "{msg:?}");
        assert_eq!(msg.attempts.len(), 1);
        assert_eq!(msg.attempts[0].outcome.as_deref(), Some("accepted"));
    }
}

/// The PNG the mailer attaches, as width, height and one grey byte per pixel.
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let bits = info.bit_depth as usize;
    let mut grey = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let v = if bits == 1 {
                let byte = buf[y * info.line_size + x / 8];
                if byte & (0x80 >> (x % 8)) != 0 { 255 } else { 0 }
            } else {
                buf[y * info.line_size + x]
            };
            grey.push(v);
        }
    }
    (w, h, grey)
}

async fn a_bounce_falls_back_and_a_dead_end_reaches_a_person(db: Db) {
    let server = SmtpServer::start(&mail_dir(&format!("bounce-{:?}", db.backend())));
    let t = tenant(&db).await;
    let run = date(2026, 3, 2);
    let (d1, i1) = debtor_with_invoice(&db, t, "Letter Later", "bounce-one@example.nl", 5_000, Language::Nl).await;
    plan(&db, t, d1, i1, &[Channel::Email, Channel::Letter], run).await;
    let (d2, i2) = debtor_with_invoice(&db, t, "Nergens", "bounce-two@example.nl", 5_000, Language::Nl).await;
    plan(&db, t, d2, i2, &[Channel::Email], run).await;
    let worker = Worker::new(db.clone(), settings(t)).with_mailer(mailer(&server));
    let d = worker.drain().await.expect("drain");
    assert_eq!((d.sent, d.failed), (0, 2));
    assert!(server.received().is_empty());

    let mut tx = db.read().await.expect("tx");
    let m1 = tx.messages(t, Some(d1), None, store::Page { after: None, limit: 10 }).await.expect("messages");
    let m2 = tx.messages(t, Some(d2), None, store::Page { after: None, limit: 10 }).await.expect("messages");
    let actions = tx.actions(t, Some(d2), None, store::Page { after: None, limit: 10 }).await.expect("actions");
    let timeline = tx.timeline(t, d1).await.expect("timeline");
    tx.commit().await.expect("commit");
    assert_eq!(m1.len(), 2, "the bounced email and the letter that takes over: {m1:?}");
    assert_eq!((m1[0].channel.as_str(), m1[0].status.as_str(), m1[0].delivery.as_deref()), ("email", "failed", Some("bounced")));
    assert!(m1[0].last_error.as_deref().is_some_and(|e| e.contains("550")), "{:?}", m1[0].last_error);
    assert_eq!((m1[1].channel.as_str(), m1[1].status.as_str(), m1[1].fallback_of), ("letter", "pending", Some(m1[0].id)));
    assert_eq!(m2.len(), 1);
    assert_eq!(actions[0].status, "unreachable", "no channel left: a person must act");
    assert!(timeline.iter().any(|e| e.kind == "message_failed" && e.detail.contains("550")), "{timeline:?}");
}

async fn a_passing_failure_is_tried_again_later(db: Db) {
    let server = SmtpServer::start(&mail_dir(&format!("later-{:?}", db.backend())));
    let t = tenant(&db).await;
    let (d, i) = debtor_with_invoice(&db, t, "Druk", "later@example.nl", 5_000, Language::En).await;
    plan(&db, t, d, i, &[Channel::Email], date(2026, 3, 2)).await;
    let worker = Worker::new(db.clone(), settings(t)).with_mailer(mailer(&server));
    let first = worker.drain().await.expect("drain");
    assert_eq!(first.retried, 1);
    assert_eq!(worker.drain().await.expect("drain").retried, 0, "not before its time");
    let mut tx = db.read().await.expect("tx");
    let m = tx.messages(t, Some(d), None, store::Page { after: None, limit: 10 }).await.expect("messages");
    tx.commit().await.expect("commit");
    assert_eq!((m[0].status.as_str(), m[0].attempts.len()), ("pending", 1));
    assert!(m[0].last_error.as_deref().is_some_and(|e| e.contains("451")), "{:?}", m[0].last_error);
    assert_eq!(m[0].attempts[0].outcome.as_deref(), Some("retry"));
}

async fn nothing_goes_out_for_what_was_paid_or_paused_since_the_run(db: Db) {
    let server = SmtpServer::start(&mail_dir(&format!("paid-{:?}", db.backend())));
    let t = tenant(&db).await;
    let run = date(2026, 3, 2);
    let (paid, pi) = debtor_with_invoice(&db, t, "Betaald", "paid@example.nl", 5_000, Language::Nl).await;
    plan(&db, t, paid, pi, &[Channel::Email], run).await;
    let (held, hi) = debtor_with_invoice(&db, t, "Belofte", "held@example.nl", 5_000, Language::Nl).await;
    plan(&db, t, held, hi, &[Channel::Email], run).await;
    let mut tx = db.write().await.expect("tx");
    let payment = domain::payment::NewPayment {
        debtor_id: Some(paid),
        amount: Cents::new(5_000).expect("cents"),
        received_on: run,
        payer_name: None,
        payer_iban: None,
        description: None,
        bank_reference: None,
        allocations: vec![domain::payment::Allocation { invoice_id: pi, amount: Cents::new(5_000).expect("cents") }],
    };
    tx.create_payment(t, &payment).await.expect("payment");
    tx.add_pause(t, held, None, "hold", None, None, "called: sorting it out").await.expect("hold");
    tx.commit().await.expect("commit");
    let d = Worker::new(db.clone(), settings(t)).with_mailer(mailer(&server)).drain().await.expect("drain");
    assert_eq!((d.sent, d.cancelled), (0, 2));
    assert!(server.received().is_empty());
    let mut tx = db.read().await.expect("tx");
    let m = tx.messages(t, None, Some("cancelled"), store::Page { after: None, limit: 10 }).await.expect("messages");
    tx.commit().await.expect("commit");
    assert_eq!(m.len(), 2);
    assert!(m.iter().any(|m| m.last_error.as_deref().is_some_and(|e| e.contains("nothing is open"))), "{m:?}");
    assert!(m.iter().any(|m| m.last_error.as_deref().is_some_and(|e| e.contains("paused (hold)"))), "{m:?}");
}

/// A worker that stopped after the server took a message but before it said so: after the lease
/// the message is set in doubt and not sent again (it may have reached the debtor); a person can
/// resend it, and it goes out under the same Message-ID.
async fn an_attempt_cut_short_waits_for_a_person_and_keeps_its_message_id(db: Db) {
    let server = SmtpServer::start(&mail_dir(&format!("doubt-{:?}", db.backend())));
    let t = tenant(&db).await;
    let (d, i) = debtor_with_invoice(&db, t, "Twijfel", "doubt@example.nl", 5_000, Language::Nl).await;
    plan(&db, t, d, i, &[Channel::Email], date(2026, 3, 2)).await;
    let mail = mailer(&server);
    // The first worker: claims with a one-second lease, starts the attempt, sends, and stops
    // before recording.
    let mut tx = db.write().await.expect("tx");
    let claimed =
        tx.claim_messages(&[Channel::Email], &[t], jiff::Timestamp::now(), SignedDuration::from_secs(1), 10).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(tx.start_attempt(&claimed[0]).await.expect("start"), Some(1));
    tx.commit().await.expect("commit");
    let id = mail.message_id(t.0, claimed[0].id);
    let rendered = channels::texts::Rendered { subject: "s".into(), text: "t".into(), html: "<p>t</p>".into(), sms: "s".into() };
    let email = Email {
        to: "doubt@example.nl",
        to_name: "Twijfel",
        sender_name: "X",
        reply_to: None,
        rendered: &rendered,
        qr_png: &[0x89],
        message_id: &id,
        attachments: &[],
    };
    mail.send(mail.build(&email).expect("build")).await.expect("sent");
    // While the lease holds, no one else takes it; after it, it is in doubt and not resent.
    let worker = Worker::new(db.clone(), settings(t)).with_mailer(mail.clone());
    assert_eq!(worker.drain().await.expect("drain").sent, 0);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert_eq!(worker.drain().await.expect("drain").sent, 0);
    assert_eq!(server.received().len(), 1);
    let messages = |db: Db| async move {
        let mut tx = db.read().await.expect("tx");
        let m = tx.messages(t, Some(d), None, store::Page { after: None, limit: 10 }).await.expect("messages");
        tx.commit().await.expect("commit");
        m
    };
    let m = messages(db.clone()).await;
    assert_eq!(m[0].status, "in_doubt");
    let mut tx = db.read().await.expect("tx");
    let timeline = tx.timeline(t, d).await.expect("timeline");
    tx.commit().await.expect("commit");
    assert!(timeline.iter().any(|e| e.kind == "message_in_doubt"), "{timeline:?}");
    // A person resends it.
    let mut tx = db.write().await.expect("tx");
    assert!(tx.resend_message(t, m[0].id).await.expect("resend"));
    assert!(!tx.resend_message(t, m[0].id).await.expect("resend"), "once waiting, not again");
    tx.commit().await.expect("commit");
    assert_eq!(worker.drain().await.expect("drain").sent, 1);
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(header(&parsed(&received[0]), "Message-ID"), header(&parsed(&received[1]), "Message-ID"));
    let outcomes: Vec<Option<String>> = messages(db.clone()).await[0].attempts.iter().map(|a| a.outcome.clone()).collect();
    assert_eq!(outcomes, [Some("in_doubt".to_string()), Some("accepted".to_string())]);
}

/// A day's letters: one print file with a cover, each letter's address in the window, the
/// 14-day letter's legal sentences, and a QR code that a scanner reads as the EPC payload of
/// what is open. A debtor without a postal address gets no letter: the next channel takes over.
async fn letters_go_into_one_print_file_whose_qr_codes_scan(db: Db) {
    let t = tenant(&db).await;
    let run = date(2026, 3, 2);
    let (d, i) = debtor_with_invoice(&db, t, "Jan de Vries", "jan@example.nl", 175_279, Language::Nl).await;
    let (nowhere, ni) = debtor_with_invoice(&db, t, "Zonder Adres", "zonder@example.nl", 5_000, Language::Nl).await;
    let reference = domain::reference::Betalingskenmerk::issue(4_242).expect("kenmerk");
    let mut tx = db.write().await.expect("tx");
    let mut debtor = tx.debtor(t, d).await.expect("debtor").expect("exists");
    debtor.address = Some(domain::contact::Address::parse("Kerkstraat 12", "1234ab", "Utrecht", "NL").expect("address"));
    tx.update_debtor(&debtor).await.expect("address");
    let mut inv = tx.invoice(t, i).await.expect("invoice").expect("exists");
    inv.payment_reference = Some(reference.as_str().to_string());
    tx.update_invoice(&inv).await.expect("reference");
    tx.commit().await.expect("commit");
    let mut letter = letter_action(d, i, run);
    letter.kind = StepKind::FourteenDayLetter;
    letter.adds_collection_costs = true;
    let mut other = letter_action(nowhere, ni, run);
    other.channels = vec![Channel::Letter, Channel::Email];
    let mut tx = db.write().await.expect("tx");
    tx.record_actions(t, run, &[(letter, ActionStatus::Queued), (other, ActionStatus::Queued)]).await.expect("record");
    tx.commit().await.expect("commit");

    let dir = mail_dir(&format!("letters-{:?}", db.backend()));
    let worker = Worker::new(db.clone(), settings(t));
    let printed = worker.print_letters(t, &dir).await.expect("print");
    assert_eq!((printed.letters, printed.failed), (1, 1), "{printed:?}");
    let file = printed.file.expect("a print file");
    let again = worker.print_letters(t, &dir).await.expect("print again");
    assert_eq!((again.letters, again.file), (0, None), "nothing is printed twice");

    // The letter as a person and a scanner see it: pages rendered at 200 dpi, the text read back.
    let text = std::process::Command::new("pdftotext").args(["-layout"]).arg(&file).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "Jan de Vries",
        "Kerkstraat 12",
        "UTRECHT",
        "Fietsenwinkel De Spaak B.V.",
        "Betaal binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd",
        "€ 1.752,79",
        "2026-",
        "Printbestand",
    ] {
        assert!(text.contains(expected), "'{expected}' is not in the print file:\n{text}");
    }
    let prefix = dir.join("page");
    let rendered = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-png"])
        .arg(&file)
        .arg(&prefix)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(rendered.success());
    let page = dir.join("page-2.png");
    let scan = std::process::Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
        .arg(&page)
        .output()
        .expect("zbarimg (zbar-tools)");
    assert!(scan.status.success(), "no QR code found on {}", page.display());
    let expected = formats::epc_qr::encode(&formats::epc_qr::Transfer {
        bic: None,
        name: "Fietsenwinkel De Spaak B.V.".into(),
        iban: Iban::parse("NL91ABNA0417164300").expect("iban"),
        amount: Some(Cents::new(175_279).expect("cents")),
        purpose: None,
        remittance: formats::epc_qr::Remittance::Structured(reference.as_str().to_string()),
        note: None,
    })
    .expect("payload");
    assert_eq!(String::from_utf8_lossy(&scan.stdout).trim_end(), String::from_utf8_lossy(&expected).trim_end());

    let mut tx = db.read().await.expect("tx");
    let sent = tx.messages(t, Some(d), None, store::Page { after: None, limit: 10 }).await.expect("messages");
    let fell_back = tx.messages(t, Some(nowhere), None, store::Page { after: None, limit: 10 }).await.expect("messages");
    tx.commit().await.expect("commit");
    assert_eq!(sent[0].status, "sent");
    assert!(sent[0].provider_reply.as_deref().is_some_and(|r| r.contains("pages 2–")), "{:?}", sent[0].provider_reply);
    assert_eq!(sent[0].recipient.as_deref(), Some("Jan de Vries, Kerkstraat 12, 1234 AB  UTRECHT"));
    assert_eq!(
        fell_back.iter().map(|m| (m.channel.as_str(), m.status.as_str())).collect::<Vec<_>>(),
        [("letter", "failed"), ("email", "pending")]
    );
}

fn letter_action(debtor: DebtorId, invoice: InvoiceId, run: Date) -> PlannedAction {
    PlannedAction {
        debtor_id: debtor,
        policy: "consumer-standard".into(),
        step: 4,
        kind: StepKind::Reminder,
        due_on: run,
        channels: vec![Channel::Letter],
        invoices: vec![invoice],
        amount: Cents::new(1).expect("cents"),
        template: "fourteen_day_letter".into(),
        needs_approval: false,
        adds_collection_costs: false,
        starts_interest: false,
        key: format!("letter-{}-{}-{run}", debtor.0, invoice.0),
    }
}

/// What the fake providers received.
#[derive(Default)]
struct Received {
    sms: std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>,
    whatsapp: std::sync::Mutex<Vec<serde_json::Value>>,
}

const TWILIO_SID: &str = "AC00000000000000000000000000000001";
const TWILIO_TOKEN: &str = "twilio-auth-token";
const WA_TOKEN: &str = "EAAG-whatsapp-token";

/// Local stand-ins for Twilio's Messages API and the WhatsApp Cloud API that check each
/// request as the providers do (credentials, content type, required fields, number format,
/// known template, parameter count) and answer with their documented shapes and error codes.
async fn fake_providers() -> (String, std::sync::Arc<Received>) {
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use base64::Engine;
    use serde_json::json;
    let received = std::sync::Arc::new(Received::default());
    let twilio = move |State(r): State<std::sync::Arc<Received>>, Path(sid): Path<String>, h: HeaderMap, body: String| async move {
        let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{TWILIO_SID}:{TWILIO_TOKEN}")));
        if sid != TWILIO_SID || h.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
            return (StatusCode::UNAUTHORIZED, axum::Json(json!({"code": 20003, "message": "Authenticate", "status": 401})))
                .into_response();
        }
        if h.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/x-www-form-urlencoded") {
            return (StatusCode::BAD_REQUEST, axum::Json(json!({"code": 20001, "message": "Invalid content type", "status": 400})))
                .into_response();
        }
        let form: std::collections::HashMap<String, String> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
        let to = form.get("To").cloned().unwrap_or_default();
        let valid = to.starts_with('+') && (9..=16).contains(&to.len()) && to[1..].bytes().all(|b| b.is_ascii_digit());
        if !valid || to == "+31600000000" {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"code": 21211, "message": format!("The 'To' number {to} is not a valid phone number."), "status": 400})),
            )
                .into_response();
        }
        let body_text = form.get("Body").cloned().unwrap_or_default();
        if !(form.contains_key("From") || form.contains_key("MessagingServiceSid"))
            || body_text.is_empty()
            || body_text.chars().count() > 1600
        {
            return (StatusCode::BAD_REQUEST, axum::Json(json!({"code": 21602, "message": "Message body is required.", "status": 400})))
                .into_response();
        }
        let mut sms = r.sms.lock().expect("lock");
        let sid = format!("SM{:032x}", sms.len() + 1);
        sms.push(form);
        (StatusCode::CREATED, axum::Json(json!({"sid": sid, "status": "queued", "to": to, "body": body_text}))).into_response()
    };
    let whatsapp = move |State(r): State<std::sync::Arc<Received>>, Path(phone_id): Path<String>, h: HeaderMap, body: String| async move {
        let error = |code: i64, message: &str| {
            (StatusCode::BAD_REQUEST, axum::Json(json!({"error": {"message": message, "type": "OAuthException", "code": code}})))
                .into_response()
        };
        if phone_id != "106540352242922" || h.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {WA_TOKEN}")) {
            return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": {"message": "Invalid OAuth access token.", "code": 190}})))
                .into_response();
        }
        let Ok(b) = serde_json::from_str::<serde_json::Value>(&body) else { return error(100, "Invalid parameter") };
        let to = b["to"].as_str().unwrap_or_default().to_string();
        if b["messaging_product"] != "whatsapp" || b["type"] != "template" || to.is_empty() || !to.bytes().all(|c| c.is_ascii_digit()) {
            return error(100, "Invalid parameter");
        }
        let known = ["tegoed_pre_due_nudge", "tegoed_reminder", "tegoed_demand", "tegoed_final_notice"];
        let name = b["template"]["name"].as_str().unwrap_or_default();
        let lang = b["template"]["language"]["code"].as_str().unwrap_or_default();
        if !known.contains(&name) || !["nl", "en"].contains(&lang) {
            return error(132001, "Template name does not exist in the translation");
        }
        let params = b["template"]["components"][0]["parameters"].as_array().cloned().unwrap_or_default();
        if params.len() != 4 || params.iter().any(|p| p["type"] != "text" || p["text"].as_str().is_none_or(str::is_empty)) {
            return error(132000, "Number of parameters does not match the expected number of params");
        }
        let mut wa = r.whatsapp.lock().expect("lock");
        let id = format!("wamid.HBgLMzE2{:08}", wa.len() + 1);
        wa.push(b);
        axum::Json(json!({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [{"id": id}]}))
            .into_response()
    };
    let router = axum::Router::new()
        .route("/2010-04-01/Accounts/{sid}/Messages.json", axum::routing::post(twilio))
        .route("/v21.0/{phone_id}/messages", axum::routing::post(whatsapp))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    (format!("http://{addr}"), received)
}

async fn with_phone(db: &Db, t: TenantId, name: &str, phone: &str, opt_in: bool) -> (DebtorId, InvoiceId) {
    let (d, i) =
        debtor_with_invoice(db, t, name, &format!("{}@example.nl", name.to_lowercase().replace(' ', ".")), 12_100, Language::Nl).await;
    let mut tx = db.write().await.expect("tx");
    let mut debtor = tx.debtor(t, d).await.expect("debtor").expect("exists");
    debtor.contacts[0].email = None;
    debtor.contacts[0].phone = Some(domain::contact::PhoneNumber::parse(phone).expect("phone"));
    debtor.contacts[0].whatsapp_opt_in = opt_in;
    tx.update_debtor(&debtor).await.expect("update");
    tx.commit().await.expect("commit");
    (d, i)
}

/// WhatsApp goes only to a person who opted in, as an approved template; SMS otherwise; a
/// number the provider refuses, or a report that a text was not delivered, hands the message to
/// the next channel or, with none left, to a person.
async fn texts_go_out_by_sms_and_whatsapp_with_consent(db: Db) {
    let (api, received) = fake_providers().await;
    let t = tenant(&db).await;
    let run = date(2026, 3, 2);
    let (opted, oi) = with_phone(&db, t, "Ans Akkoord", "06 1234 5678", true).await;
    let (plain, pi) = with_phone(&db, t, "Bart Belt", "06 8765 4321", false).await;
    let (wrong, wi) = with_phone(&db, t, "Cor Kwijt", "06 0000 0000", false).await;
    plan(&db, t, opted, oi, &[Channel::Whatsapp, Channel::Sms], run).await;
    plan(&db, t, plain, pi, &[Channel::Whatsapp, Channel::Sms], run).await;
    plan(&db, t, wrong, wi, &[Channel::Sms], run).await;
    let sms = channels::providers::SmsSender::new(channels::providers::TwilioSettings {
        api: api.clone(),
        account_sid: TWILIO_SID.into(),
        auth_token: TWILIO_TOKEN.into(),
        from: "DeSpaak".into(),
        status_callback: Some("https://tegoed.example.nl/webhooks/twilio".into()),
    });
    let whatsapp = channels::providers::WhatsAppSender::new(channels::providers::WhatsAppSettings {
        api: format!("{api}/v21.0"),
        phone_number_id: "106540352242922".into(),
        token: WA_TOKEN.into(),
        template_prefix: "tegoed_".into(),
    });
    let worker = Worker::new(db.clone(), settings(t)).with_sms(sms).with_whatsapp(whatsapp);
    let d = worker.drain().await.expect("drain");
    assert_eq!((d.sent, d.failed), (2, 2), "{d:?}");

    let wa = received.whatsapp.lock().expect("lock").clone();
    assert_eq!(wa.len(), 1, "only the person who opted in gets WhatsApp");
    assert_eq!(wa[0]["to"], "31612345678");
    assert_eq!(wa[0]["template"]["name"], "tegoed_reminder");
    assert_eq!(wa[0]["template"]["language"]["code"], "nl");
    let params: Vec<&str> = wa[0]["template"]["components"][0]["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .map(|p| p["text"].as_str().expect("text"))
        .collect();
    assert_eq!(params[..2], ["Fietsenwinkel De Spaak B.V.", "€ 121,00"]);
    let texts = received.sms.lock().expect("lock").clone();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0]["To"], "+31687654321");
    assert_eq!(texts[0]["From"], "DeSpaak");
    assert_eq!(texts[0]["StatusCallback"], "https://tegoed.example.nl/webhooks/twilio");
    assert!(
        texts[0]["Body"].starts_with("Fietsenwinkel De Spaak B.V.:") && texts[0]["Body"].chars().count() <= 160,
        "{}",
        texts[0]["Body"]
    );

    let page = store::Page { after: None, limit: 10 };
    let mut tx = db.read().await.expect("tx");
    let bart = tx.messages(t, Some(plain), None, page).await.expect("messages");
    let cor = tx.messages(t, Some(wrong), None, page).await.expect("messages");
    let cor_action = tx.actions(t, Some(wrong), None, page).await.expect("actions");
    tx.commit().await.expect("commit");
    assert_eq!((bart[0].channel.as_str(), bart[0].status.as_str()), ("whatsapp", "failed"));
    assert!(bart[0].last_error.as_deref().is_some_and(|e| e.contains("agreed to WhatsApp")), "{:?}", bart[0].last_error);
    assert_eq!((bart[1].channel.as_str(), bart[1].status.as_str()), ("sms", "sent"));
    assert!(cor[0].last_error.as_deref().is_some_and(|e| e.contains("21211")), "{:?}", cor[0].last_error);
    assert_eq!(cor_action[0].status, "unreachable");

    // Delivery reports: read on WhatsApp; Bart's SMS not delivered after all: no channel left.
    let mut tx = db.write().await.expect("tx");
    let wamid = tx.messages(t, Some(opted), None, page).await.expect("messages")[0].message_id.clone().expect("wamid");
    assert!(tx.record_delivery(Channel::Whatsapp, &wamid, "delivered", "delivered").await.expect("report").is_some());
    assert!(tx.record_delivery(Channel::Whatsapp, &wamid, "read", "read").await.expect("report").is_some());
    assert!(tx.record_delivery(Channel::Whatsapp, &wamid, "delivered", "late delivered").await.expect("report").is_some());
    let sid = bart[1].message_id.clone().expect("sid");
    assert!(tx.record_delivery(Channel::Sms, &sid, "undeliverable", "undelivered (error 30003)").await.expect("report").is_some());
    assert!(tx.record_delivery(Channel::Sms, "SMunknown", "delivered", "delivered").await.expect("report").is_none());
    let ans = tx.messages(t, Some(opted), None, page).await.expect("messages");
    let bart = tx.messages(t, Some(plain), None, page).await.expect("messages");
    let bart_action = tx.actions(t, Some(plain), None, page).await.expect("actions");
    tx.commit().await.expect("commit");
    assert_eq!(ans[0].delivery.as_deref(), Some("read"), "read is not undone by a late delivered");

    // A number marked wrong after the run gets no text.
    let (marked, mi) = with_phone(&db, t, "Dirk Doorgeschakeld", "06 1111 2222", false).await;
    plan(&db, t, marked, mi, &[Channel::Sms], run).await;
    let mut tx = db.write().await.expect("tx");
    tx.set_flag(t, marked, domain::dunning::planner::Flag::WrongNumber, run, Some("called: not his number")).await.expect("flag");
    tx.commit().await.expect("commit");
    let before = received.sms.lock().expect("lock").len();
    assert_eq!(worker.drain().await.expect("drain").failed, 1);
    assert_eq!(received.sms.lock().expect("lock").len(), before);
    assert_eq!((bart[1].status.as_str(), bart[1].delivery.as_deref()), ("failed", Some("undeliverable")));
    assert_eq!(bart_action[0].status, "unreachable");
}

/// The server took the message but the connection broke before its answer: the message is in
/// doubt, waits for a person, and is not sent again by itself.
async fn a_send_cut_off_before_the_answer_waits_for_a_person(db: Db) {
    let server = SmtpServer::start(&mail_dir(&format!("drop-{:?}", db.backend())));
    let t = tenant(&db).await;
    let (d, i) = debtor_with_invoice(&db, t, "Dropje", "drop@example.nl", 5_000, Language::Nl).await;
    plan(&db, t, d, i, &[Channel::Email, Channel::Letter], date(2026, 3, 2)).await;
    let worker = Worker::new(db.clone(), settings(t)).with_mailer(mailer(&server));
    let first = worker.drain().await.expect("drain");
    assert_eq!((first.sent, first.in_doubt), (0, 1), "{first:?}");
    assert_eq!(worker.drain().await.expect("drain").sent, 0, "not sent again by itself");
    assert_eq!(server.received().len(), 1);
    let mut tx = db.read().await.expect("tx");
    let m = tx.messages(t, Some(d), None, store::Page { after: None, limit: 10 }).await.expect("messages");
    tx.commit().await.expect("commit");
    assert_eq!(m.len(), 1, "no fallback letter either: the email may have arrived");
    assert_eq!((m[0].status.as_str(), m[0].attempts[0].outcome.as_deref()), ("in_doubt", Some("in_doubt")));
}

/// The installation's only sender fails a message on a channel it has no account for over to
/// the action's next channel, instead of leaving it in the outbox.
async fn a_channel_not_set_up_falls_over_to_the_next(db: Db) {
    let server = SmtpServer::start(&mail_dir(&format!("sole-{:?}", db.backend())));
    let t = tenant(&db).await;
    let (d, i) = debtor_with_invoice(&db, t, "Wendy WhatsApp", "wendy@example.nl", 5_000, Language::Nl).await;
    plan(&db, t, d, i, &[Channel::Whatsapp, Channel::Email], date(2026, 3, 2)).await;
    let worker = Worker::new(db.clone(), settings(t)).with_mailer(mailer(&server)).as_sole_sender();
    let done = worker.drain().await.expect("drain");
    assert_eq!((done.failed, done.sent), (1, 1), "{done:?}");
    assert_eq!(server.received().len(), 1);
    let mut tx = db.read().await.expect("tx");
    let m = tx.messages(t, Some(d), None, store::Page { after: None, limit: 10 }).await.expect("messages");
    tx.commit().await.expect("commit");
    assert!(m[0].last_error.as_deref().is_some_and(|e| e.contains("whatsapp is not set up")), "{:?}", m[0].last_error);
    assert_eq!((m[1].channel.as_str(), m[1].status.as_str()), ("email", "sent"));
}

on_both_backends!(
    a_channel_not_set_up_falls_over_to_the_next,
    a_send_cut_off_before_the_answer_waits_for_a_person,
    texts_go_out_by_sms_and_whatsapp_with_consent,
    letters_go_into_one_print_file_whose_qr_codes_scan,
    every_action_is_received_once_with_its_parts,
    a_bounce_falls_back_and_a_dead_end_reaches_a_person,
    a_passing_failure_is_tried_again_later,
    nothing_goes_out_for_what_was_paid_or_paused_since_the_run,
    an_attempt_cut_short_waits_for_a_person_and_keeps_its_message_id,
);

/// Every default text, filled in with the sample context, equals its snapshot under
/// `tests/snapshots/` (written anew with `UPDATE_SNAPSHOTS=1`).
#[test]
fn every_default_text_matches_its_snapshot() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut differ = Vec::new();
    let mut count = 0;
    for step in message_steps() {
        for language in Language::ALL {
            for level in LanguageLevel::ALL {
                let key = TemplateKey { step, language: *language, level: *level };
                let t = default_template(key).expect("default");
                let ctx = sample_contexts(step, *language).remove(0);
                let r = render(t, *language, *level, &ctx).expect("renders");
                let got = format!("Subject: {}\nSMS ({} characters): {}\n\n{}", r.subject, r.sms.chars().count(), r.sms, r.text);
                let file = dir.join(format!("{}.{}.{}.txt", step.as_str(), language.as_str(), level.as_str()));
                count += 1;
                if update {
                    std::fs::create_dir_all(&dir).expect("snapshot dir");
                    std::fs::write(&file, &got).expect("write snapshot");
                } else if std::fs::read_to_string(&file).ok().as_deref() != Some(got.as_str()) {
                    differ.push(file.display().to_string());
                }
            }
        }
    }
    assert_eq!(count, 48, "8 steps × 2 languages × 3 levels");
    assert!(differ.is_empty(), "texts differ from their snapshots (UPDATE_SNAPSHOTS=1 to accept): {differ:#?}");
}
