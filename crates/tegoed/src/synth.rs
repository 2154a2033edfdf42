//! Made-up but realistic Dutch ledgers: a small one to show Tegoed (`tegoed demo`) and
//! deterministic ones of any size for benchmarks (`tegoed gen`).

use std::time::Instant;

use domain::contact::{Address, EmailAddress, Iban, KvkNumber, PhoneNumber, VatId};
use domain::dates::add_days;
use domain::debtor::{ContactPerson, DebtorKind, DigitalAffinity, Language, LanguageLevel, NewDebtor, Segment};
use domain::ids::{DebtorId, TenantId};
use domain::money::Cents;
use domain::payment::{Allocation, NewPayment};
use domain::tenant::NewTenant;
use jiff::civil::Date;
use store::{Db, InvoiceRecord, StoreError};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift maps 64 random bits onto 0..n with negligible bias for small n.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty list.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST_NAMES: &[&str] = &[
    "Jan", "Sanne", "Pieter", "Fleur", "Daan", "Emma", "Bram", "Lotte", "Ruben", "Anouk", "Thijs", "Sophie", "Lars", "Femke", "Joris",
    "Noor", "Sem", "Iris", "Koen", "Eva", "Mohamed", "Fatima", "Youssef", "Aylin", "Kevin", "Marieke", "Henk", "Ingrid", "Wim", "Els",
    "Priya", "Tim", "Julia", "Niels", "Yara", "Gerrit", "Annelies", "Stijn", "Maud", "Ahmet",
];
const SURNAMES: &[&str] = &[
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Yılmaz",
    "El Amrani",
    "Kok",
    "Jacobs",
    "Vermeulen",
    "van der Linden",
    "Willems",
    "Hoekstra",
    "Koster",
    "Prins",
];
const TRADES: &[&str] = &[
    "Bakkerij",
    "Installatiebedrijf",
    "Schildersbedrijf",
    "Hoveniersbedrijf",
    "Autobedrijf",
    "Drukkerij",
    "Transportbedrijf",
    "Administratiekantoor",
    "Bouwbedrijf",
    "Kapsalon",
    "Fietsenmaker",
    "Loodgietersbedrijf",
    "Cateringbedrijf",
    "Tandartspraktijk",
    "Dakdekkersbedrijf",
    "Elektrotechniek",
    "Zonwering",
    "Architectenbureau",
];
const LEGAL_FORMS: &[&str] = &["B.V.", "V.O.F.", "", "B.V.", "Holding B.V."];
const STREETS: &[&str] = &[
    "Kerkstraat",
    "Dorpsstraat",
    "Schoolstraat",
    "Molenweg",
    "Stationsweg",
    "Julianastraat",
    "Beatrixlaan",
    "Wilhelminastraat",
    "Nieuwstraat",
    "Marktplein",
    "Industrieweg",
    "Havenweg",
    "Lindelaan",
    "Eikenlaan",
    "Kastanjelaan",
    "Prinsengracht",
    "Oranjestraat",
];
/// City with the range of its four-digit postcodes (PostNL numbering).
const CITIES: &[(&str, u32, u32)] = &[
    ("Amsterdam", 1011, 1109),
    ("Rotterdam", 3011, 3089),
    ("Den Haag", 2491, 2597),
    ("Utrecht", 3511, 3585),
    ("Eindhoven", 5611, 5658),
    ("Groningen", 9711, 9747),
    ("Tilburg", 5011, 5049),
    ("Almere", 1311, 1363),
    ("Breda", 4811, 4841),
    ("Nijmegen", 6511, 6546),
    ("Zwolle", 8011, 8043),
    ("Leeuwarden", 8911, 8939),
    ("Maastricht", 6211, 6229),
    ("Haarlem", 2011, 2037),
    ("Apeldoorn", 7311, 7339),
];
const POSTCODE_LETTERS: &[u8] = b"ABCDEGHJKLMNPRTVWXZ";

fn slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ı' => Some('i'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn address(rng: &mut Rng) -> Address {
    let (city, lo, hi) = *rng.pick(CITIES);
    let digits = lo + rng.below(u64::from(hi - lo + 1)) as u32;
    let letters: String = (0..2).map(|_| char::from(*rng.pick(POSTCODE_LETTERS))).collect();
    let street = format!("{} {}", rng.pick(STREETS), 1 + rng.below(180));
    // Postcodes from the ranges above with letters other than SA/SD/SS always parse.
    Address::parse(&street, &format!("{digits}{letters}"), city, "NL").unwrap_or_else(|_| Address {
        street,
        postcode: format!("{digits} AB"),
        city: city.to_string(),
        country: "NL".into(),
    })
}

fn phone(rng: &mut Rng) -> Option<PhoneNumber> {
    PhoneNumber::parse(&format!("06{:08}", rng.below(100_000_000))).ok()
}

/// A valid Dutch IBAN for a bank code and account number (ISO 13616 mod-97 check digits).
pub fn dutch_iban(bank: &str, account: u64) -> Iban {
    let bban = format!("{bank}{:010}", account % 10_000_000_000);
    let numeric: String = format!("{bban}NL00")
        .chars()
        .map(|c| if c.is_ascii_digit() { c.to_string() } else { (u32::from(c) - u32::from('A') + 10).to_string() })
        .collect();
    let m = numeric.bytes().fold(0u64, |acc, d| (acc * 10 + u64::from(d - b'0')) % 97);
    // Every BBAN of four capitals and ten digits makes a valid NL IBAN with these check digits.
    Iban::parse(&format!("NL{:02}{bban}", 98 - m)).unwrap_or_else(|e| unreachable!("generated IBAN invalid: {e}"))
}

/// One made-up debtor with customer number `n`.
pub fn debtor(rng: &mut Rng, n: u64) -> NewDebtor {
    let business = rng.chance(35);
    let first = *rng.pick(FIRST_NAMES);
    let surname = *rng.pick(SURNAMES);
    let person = format!("{first} {surname}");
    let (kind, name, domain) = if business {
        let trade = *rng.pick(TRADES);
        let form = *rng.pick(LEGAL_FORMS);
        let name = format!("{trade} {surname} {form}").trim().to_string();
        let domain = format!("{}{}.example.com", slug(trade), slug(surname));
        (DebtorKind::Business, name, domain)
    } else {
        (DebtorKind::Consumer, person.clone(), "example.com".to_string())
    };
    let email = EmailAddress::parse(&format!("{}.{}{}@{domain}", slug(first), slug(surname), n % 1000)).ok();
    let offline = rng.chance(if business { 3 } else { 12 });
    let mut d = NewDebtor::named(kind, name);
    d.external_id = Some(format!("K{n:07}"));
    d.contacts = vec![ContactPerson {
        name: person,
        email: if offline && rng.chance(60) { None } else { email },
        phone: phone(rng),
        whatsapp_opt_in: !business && rng.chance(30),
    }];
    d.address = Some(address(rng));
    d.language = if rng.chance(7) { Language::En } else { Language::Nl };
    d.language_level = match (business, rng.below(100)) {
        (true, x) if x < 35 => LanguageLevel::Formal,
        (true, _) => LanguageLevel::Standard,
        (false, x) if x < 30 => LanguageLevel::Plain,
        (false, _) => LanguageLevel::Standard,
    };
    d.digital_affinity = if offline { DigitalAffinity::Offline } else { DigitalAffinity::Online };
    d.segment = match rng.below(100) {
        x if x < 20 => Segment::Loyal,
        x if x < 85 => Segment::Standard,
        _ => Segment::Risk,
    };
    if business {
        d.credit_limit = Some(Cents::from_cents_unchecked(i64::try_from(rng.below(50) + 1).unwrap_or(1) * 100_000));
        d.kvk_number = KvkNumber::parse(&format!("{:08}", 10_000_000 + rng.below(89_999_999))).ok();
        d.vat_id = VatId::parse(&format!("NL{:09}B01", rng.below(1_000_000_000))).ok();
    }
    d
}

/// One made-up invoice of a debtor, issued within the year before `as_of`, with how much of it
/// was paid: most old invoices are paid, some late ones in part, recent ones mostly not.
pub fn invoice(rng: &mut Rng, debtor_id: DebtorId, kind: DebtorKind, number: String, as_of: Date) -> InvoiceRecord {
    let issue_date = add_days(as_of, -(rng.below(365) as i32));
    let term = if kind == DebtorKind::Business { *rng.pick(&[14, 30, 30, 30, 60]) } else { *rng.pick(&[14, 14, 30]) };
    let due_date = add_days(issue_date, term);
    // Totals spread over orders of magnitude, as real ledgers are: many small, a few large.
    let (lo, spread): (u64, u64) = if kind == DebtorKind::Business { (10_000, 1_500_000) } else { (1_500, 80_000) };
    let total_cents = lo + rng.below(spread) * rng.below(1_000) / 1_000;
    let total = Cents::from_cents_unchecked(i64::try_from(total_cents).unwrap_or(i64::MAX));
    // VAT at 21% included in the total (Wet OB 1968 art. 9), rounded to the cent.
    let vat = Cents::from_cents_unchecked((total.cents() * 21 + 60) / 121);
    let days_late = domain::dates::days_between(due_date, as_of);
    let paid_chance = match days_late {
        d if d > 60 => 88,
        d if d > 30 => 70,
        d if d > 0 => 45,
        _ => 15,
    };
    let paid = if rng.chance(paid_chance) {
        total
    } else if days_late > 0 && rng.chance(8) {
        Cents::from_cents_unchecked(total.cents() * i64::try_from(20 + rng.below(60)).unwrap_or(50) / 100)
    } else {
        Cents::ZERO
    };
    InvoiceRecord { debtor_id, number, external_id: None, issue_date, due_date, total, vat, paid, payment_reference: None }
}

/// What `gen` made and how long it took.
#[derive(Debug, Clone)]
pub struct GenReport {
    /// The tenant holding the data.
    pub tenant: TenantId,
    /// Debtors stored.
    pub debtors: u64,
    /// Invoices stored.
    pub invoices: u64,
    /// Promises, arrangements, calls, portal events and disputes made (`--activity`).
    pub activity: u64,
    /// Seconds spent.
    pub seconds: f64,
}

/// Rows per unit of work: small enough to keep memory flat, large enough to amortise commits.
const GEN_CHUNK: u64 = 50_000;

/// A chunk of made-up rows on its way from the generator to the database.
enum Batch {
    Debtors(Vec<NewDebtor>),
    /// Invoices whose `debtor_id` holds the index of the debtor in generation order, to be
    /// replaced by the id the database gave it.
    Invoices(Vec<InvoiceRecord>),
}

/// Makes every row in a fixed order from one seeded generator, so the same seed and date give
/// the same data.
fn produce(seed: u64, debtors: u64, invoices: u64, as_of: Date, unpaid: bool, out: &tokio::sync::mpsc::Sender<Batch>) {
    let mut rng = Rng::new(seed);
    let mut kinds: Vec<DebtorKind> = Vec::with_capacity(usize::try_from(debtors).unwrap_or(0));
    let mut n = 0;
    while n < debtors {
        let batch: Vec<NewDebtor> = (n..(n + GEN_CHUNK).min(debtors)).map(|i| debtor(&mut rng, i + 1)).collect();
        kinds.extend(batch.iter().map(|d| d.kind));
        n += batch.len() as u64;
        if out.blocking_send(Batch::Debtors(batch)).is_err() {
            return;
        }
    }
    let mut n = 0;
    while n < invoices && !kinds.is_empty() {
        let batch: Vec<InvoiceRecord> = (n..(n + GEN_CHUNK).min(invoices))
            .map(|i| {
                let index = rng.below(kinds.len() as u64) as usize;
                let mut record = invoice(&mut rng, DebtorId(index as i64), kinds[index], format!("F{:08}", i + 1), as_of);
                if unpaid {
                    record.paid = Cents::ZERO;
                }
                record
            })
            .collect();
        n += batch.len() as u64;
        if out.blocking_send(Batch::Invoices(batch)).is_err() {
            return;
        }
    }
}

/// Fills a new tenant with `debtors` debtors and `invoices` invoices, the same for the same seed
/// and date; with `unpaid`, every invoice is left wholly open (for the matching benchmark). Rows are made on one thread while the previous chunk is stored from another, and
/// memory stays flat: at most two chunks are in flight.
pub async fn generate(
    db: &Db,
    debtors: u64,
    invoices: u64,
    seed: u64,
    as_of: Date,
    unpaid: bool,
    with_activity: bool,
) -> Result<GenReport, StoreError> {
    let started = Instant::now();
    let mut tx = db.write().await?;
    let mut t = NewTenant::minimal(format!("Synthetisch B.V. (seed {seed})"), dutch_iban("INGB", seed));
    t.kvk_number = KvkNumber::parse("12345678").ok();
    let tenant = tx.create_tenant(&t).await?.id;
    tx.commit().await?;

    let (sender, mut batches) = tokio::sync::mpsc::channel(1);
    let producer = tokio::task::spawn_blocking(move || produce(seed, debtors, invoices, as_of, unpaid, &sender));
    let mut ids: Vec<DebtorId> = Vec::with_capacity(usize::try_from(debtors).unwrap_or(0));
    let mut stored_invoices = 0;
    while let Some(batch) = batches.recv().await {
        let mut tx = db.write().await?;
        match batch {
            Batch::Debtors(batch) => ids.extend(tx.insert_debtors(tenant, &batch).await?),
            Batch::Invoices(mut batch) => {
                for inv in &mut batch {
                    inv.debtor_id = ids[inv.debtor_id.0 as usize];
                }
                stored_invoices += tx.insert_invoices(tenant, &batch).await?.len() as u64;
            }
        }
        tx.commit().await?;
    }
    producer.await.map_err(|e| StoreError::Corrupt(format!("the generator stopped: {e}")))?;
    let activity = if with_activity { activity(db, tenant, &ids, seed, as_of).await? } else { 0 };
    db.refresh_statistics().await?;
    Ok(GenReport { tenant, debtors: ids.len() as u64, invoices: stored_invoices, activity, seconds: started.elapsed().as_secs_f64() })
}

/// What debtors said and agreed, as a credit department sees it over a few weeks, recorded
/// now for the tenant's debtors (`ids`): promises to pay (8%: half kept, 30% broken, the rest
/// running), arrangements over their open invoices (2%: completed, broken, cancelled or
/// running), calls with their outcome (5%), "I can't pay" in the portal with a reason (1%) and
/// disputes about an open invoice (1%). For the
/// reports' benchmark: without it they read empty tables.
pub async fn activity(db: &Db, tenant: TenantId, ids: &[DebtorId], seed: u64, as_of: Date) -> Result<u64, StoreError> {
    use domain::dunning::agreement::Schedule;
    use domain::dunning::call::CallOutcome;
    let mut rng = Rng::new(seed ^ 0xAC71_7171);
    let mut made = 0;
    for chunk in ids.chunks(5_000) {
        let mut tx = db.write().await?;
        for &d in chunk {
            if rng.chance(8) {
                let amount = Cents::from_cents_unchecked(10_000 + 1_000 * rng.below(90) as i64);
                let p = tx.add_pause(tenant, d, None, "promise", Some(add_days(as_of, 7)), Some(amount), "synthetic").await?;
                match rng.below(10) {
                    0..=4 => tx.settle_promise(tenant, p, "kept").await?,
                    5..=7 => tx.settle_promise(tenant, p, "broken").await?,
                    _ => false,
                };
                made += 1;
            }
            // Arrangements and disputes are about the debtor's open invoices, as real ones are.
            let wants_arrangement = rng.chance(2);
            let wants_dispute = rng.chance(1);
            let open: Vec<(domain::ids::InvoiceId, Cents)> = if wants_arrangement || wants_dispute {
                tx.open_invoices_of(tenant, d).await?.into_iter().map(|(i, _)| (i.id, i.outstanding)).collect()
            } else {
                Vec::new()
            };
            if wants_arrangement && !open.is_empty() {
                let total: Cents = open.iter().map(|(_, o)| *o).sum();
                let ids: Vec<domain::ids::InvoiceId> = open.iter().map(|(i, _)| *i).collect();
                let plan = Schedule::propose(total, add_days(as_of, -60), Cents::from_cents_unchecked(5_000), 6);
                let a = tx.add_arrangement(tenant, d, &ids, &plan, Cents::ZERO, Some("synthetic")).await?;
                let status = *rng.pick(&["completed", "broken", "cancelled", "active"]);
                if status != "active" {
                    tx.end_arrangement(tenant, a, status, as_of).await?;
                }
                made += 1;
            }
            if rng.chance(5) {
                let outcome = *rng.pick(CallOutcome::ALL);
                tx.log_call(tenant, d, None, outcome, Some("synthetic")).await?;
                made += 1;
            }
            if rng.chance(1) {
                let reason = *rng.pick(&domain::reports::CANT_PAY_REASONS);
                tx.add_portal_event(
                    tenant,
                    d,
                    "cant_pay",
                    &format!("kan niet betalen (portaal) / can't pay (portal) [{reason}: synthetic]"),
                )
                .await?;
                made += 1;
            }
            if let Some((invoice, _)) = open.first().filter(|_| wants_dispute) {
                tx.add_pause(tenant, d, Some(*invoice), "dispute", None, None, "synthetic").await?;
                made += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(made)
}

/// Every debtor of a tenant, in id order.
pub async fn debtor_ids(db: &Db, tenant: TenantId) -> Result<Vec<DebtorId>, StoreError> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let mut tx = db.read().await?;
        let page = tx.debtors(tenant, &store::DebtorFilter::default(), store::Page { after, limit: 1_000 }).await?;
        tx.commit().await?;
        let Some(last) = page.last().map(|d| d.id) else { break };
        ids.extend(page.iter().map(|d| d.id));
        after = Some(last.0);
    }
    Ok(ids)
}

/// The name of the demo tenant, by which `tegoed demo` finds it again.
pub const DEMO_TENANT: &str = "Fietsenwinkel De Spaak B.V.";

/// The demo's back-office user.
pub const DEMO_USER: &str = "demo@tegoed.example";

/// Creates the demo tenant's ledger: a few hundred debtors, about four invoices each over the
/// last year, paid ones settled by real payments with allocations, some late, some in part.
pub async fn demo(db: &Db, tenant: TenantId, as_of: Date) -> Result<(), StoreError> {
    let mut rng = Rng::new(2026);
    let mut tx = db.write().await?;
    let debtors: Vec<NewDebtor> = (1..=320).map(|n| debtor(&mut rng, n)).collect();
    let ids = tx.insert_debtors(tenant, &debtors).await?;
    let mut number = 0;
    for (id, d) in ids.iter().zip(&debtors) {
        for _ in 0..(1 + rng.below(7)) {
            number += 1;
            let mut record = invoice(&mut rng, *id, d.kind, format!("2026-{number:05}"), as_of);
            let paid = std::mem::replace(&mut record.paid, Cents::ZERO);
            let inv = tx.create_invoice(tenant, &record).await?;
            if paid.is_positive() {
                let received_on = add_days(inv.due_date, rng.below(40) as i32 - 10).min(as_of).max(inv.issue_date);
                const BANKS: &[&str] = &["ABNA", "INGB", "RABO", "BUNQ", "KNAB"];
                let bank: &&str = rng.pick(BANKS);
                let payer_iban = Some(dutch_iban(bank, rng.next_u64()));
                tx.create_payment(
                    tenant,
                    &NewPayment {
                        debtor_id: Some(*id),
                        amount: paid,
                        received_on,
                        payer_name: Some(d.name.clone()),
                        payer_iban,
                        description: Some(format!("Factuur {}", inv.number)),
                        bank_reference: Some(format!("DEMO-{}", inv.number)),
                        allocations: vec![Allocation { invoice_id: inv.id, amount: paid }],
                    },
                )
                .await?;
            }
        }
    }
    tx.commit().await
}

/// A debtor for the portal benchmark: a consumer with `invoices` open invoices, none paid, and
/// a portal token; returns the token.
pub async fn portal_debtor(
    db: &Db,
    tenant: TenantId,
    invoices: u32,
    as_of: Date,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let mut rng = Rng::new(20_261_204);
    let mut tx = db.write().await?;
    let mut d = debtor(&mut rng, 1);
    d.kind = DebtorKind::Consumer;
    let id = tx.insert_debtors(tenant, std::slice::from_ref(&d)).await?[0];
    let records: Vec<InvoiceRecord> = (1..=invoices)
        .map(|n| {
            let mut r = invoice(&mut rng, id, DebtorKind::Consumer, format!("P-{n:05}"), as_of);
            r.paid = Cents::ZERO;
            r
        })
        .collect();
    tx.insert_invoices(tenant, &records).await?;
    let link = channels::psp::new_link(1)?;
    tx.create_portal_token(tenant, id, &link.sha256, link.expires_at).await?;
    tx.commit().await?;
    Ok(link.token)
}

/// A portal link, valid 30 days, for a demo debtor with overdue invoices: what a debtor opens
/// from a message. Its token.
pub async fn demo_portal_link(db: &Db, tenant: TenantId, as_of: Date) -> Result<Option<String>, Box<dyn std::error::Error + Send + Sync>> {
    let mut tx = db.write().await?;
    let filter =
        store::InvoiceFilter { status: Some(domain::invoice::InvoiceStatus::Open), overdue: Some((true, as_of)), ..Default::default() };
    let Some(invoice) = tx.invoices(tenant, &filter, store::Page::first(1)).await?.pop() else { return Ok(None) };
    let link = channels::psp::new_link(30)?;
    tx.create_portal_token(tenant, invoice.debtor_id, &link.sha256, link.expires_at).await?;
    tx.commit().await?;
    Ok(Some(link.token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let da: Vec<NewDebtor> = (0..50).map(|n| debtor(&mut a, n)).collect();
        let db: Vec<NewDebtor> = (0..50).map(|n| debtor(&mut b, n)).collect();
        assert_eq!(da, db);
        assert_ne!(da, (0..50).map(|n| debtor(&mut Rng::new(8), n)).collect::<Vec<_>>());
    }

    #[test]
    fn generated_values_are_valid() {
        let mut rng = Rng::new(1);
        let as_of = jiff::civil::date(2026, 11, 23);
        for n in 0..2_000 {
            let d = debtor(&mut rng, n);
            assert!(d.problems().is_empty(), "{d:?}");
            let inv = invoice(&mut rng, DebtorId(1), d.kind, format!("F{n}"), as_of);
            assert!(domain::invoice::invoice_problems(&inv.number, inv.issue_date, inv.due_date, inv.total, inv.vat).is_empty(), "{inv:?}");
            assert!(inv.paid <= inv.total && !inv.paid.is_negative());
            assert!(inv.issue_date <= as_of);
        }
        for n in [0, 1, 9_999_999_999, 4_171_643] {
            assert!(Iban::parse(dutch_iban("ABNA", n).as_str()).is_ok());
        }
    }
}
