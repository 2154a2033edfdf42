//! Importing a bank statement: every new entry booked once, payments matched to invoices,
//! returns reopening what they paid — all in one unit of work, or nothing.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Read};

use domain::bank::{BankEntry, BankEntryStatus, EntryDirection, StatementReport};
use domain::ids::{BankEntryId, DebtorId, StatementId, TenantId};
use domain::matching::{Incoming, MatchBook, MatchKeys, NAME_FLOOR, Verdict, normalise_account, similarity};
use domain::money::Cents;
use domain::payment::NewPayment;
use formats::statement::{Direction, EntryStatus, StatementEntry, StatementError, StatementReader};
use sha2::{Digest, Sha256};
use store::{Db, StoreError, Tx};

/// Entries read, matched and stored together: bounds memory for statements of any size.
const CHUNK: usize = 5_000;

/// Why a statement was not imported. Nothing of it was stored.
#[derive(Debug, thiserror::Error)]
pub enum StatementImportError {
    /// The file cannot be read: where, and what was expected.
    #[error("{file}: {error}; nothing was imported")]
    Rejected {
        /// The file's name.
        file: String,
        /// Line, path and message.
        error: StatementError,
    },
    /// No such tenant.
    #[error("no tenant {0}")]
    NoTenant(TenantId),
    /// The database failed; the unit of work was rolled back.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Hashes what the statement reader consumes, so the file is read once.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: BufRead> Read for Hashing<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.hash.update(&out[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Hashing<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            self.hash.update(&buf[..amount.min(buf.len())]);
        }
        self.inner.consume(amount);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What makes an entry unique on its account. The bank's reference with the booking day (and
/// the transaction's place in a batch); without one, a hash of everything the entry says plus
/// how many identical entries came before it in the file — so five identical card payments
/// stay five, and the same file imported again finds the same five keys.
struct EntryKeys {
    seen: HashMap<String, u32>,
}

impl EntryKeys {
    fn key(&mut self, e: &StatementEntry) -> String {
        if let Some(r) = &e.bank_reference {
            let mut key = format!("{}:{r}", e.booked_on);
            if let Some(i) = e.batch_index {
                key.push_str(&format!("#{i}"));
            }
            return key;
        }
        let mut h = Sha256::new();
        for part in [
            e.account.as_str(),
            &e.booked_on.to_string(),
            e.direction.as_str(),
            &e.amount.cents().to_string(),
            e.counterparty_account.as_deref().unwrap_or(""),
            e.counterparty_name.as_deref().unwrap_or(""),
            e.structured_reference.as_deref().unwrap_or(""),
            e.remittance.as_deref().unwrap_or(""),
            e.end_to_end_id.as_deref().unwrap_or(""),
            e.bank_code.as_deref().unwrap_or(""),
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        let digest = hex(&h.finalize()[..16]);
        let n = self.seen.entry(digest.clone()).or_insert(0);
        *n += 1;
        format!("h:{digest}:{n}")
    }
}

/// Reads a statement (camt.053/054/052 or MT940, told apart by its content) and books it for
/// the tenant in one unit of work: an error anywhere, in the file or the database, and nothing
/// is stored. Entries imported before are left alone.
pub async fn import_statement(
    db: &Db,
    tenant: TenantId,
    file_name: &str,
    input: impl BufRead,
) -> Result<StatementReport, StatementImportError> {
    let rejected = |error| StatementImportError::Rejected { file: file_name.to_string(), error };
    let mut reader = StatementReader::new(Hashing { inner: input, hash: Sha256::new() }).map_err(rejected)?;
    let mut tx = db.write().await?;
    tx.tenant(tenant).await?.ok_or(StatementImportError::NoTenant(tenant))?;
    let statement = tx.create_statement(tenant, file_name, "", "").await?;
    let mut report = StatementReport {
        statement_id: statement,
        format: String::new(),
        entries: 0,
        new_entries: 0,
        known_entries: 0,
        not_booked: 0,
        allocated: 0,
        queued: 0,
        returned: 0,
        allocated_amount: Cents::ZERO,
        queued_amount: Cents::ZERO,
    };
    let mut keys = EntryKeys { seen: HashMap::new() };
    let mut in_file: HashSet<(String, String)> = HashSet::new();
    let mut chunk = Vec::with_capacity(CHUNK);
    loop {
        let next = reader.next().transpose().map_err(rejected)?;
        let end = next.is_none();
        if let Some(entry) = next {
            report.entries += 1;
            if entry.status != EntryStatus::Booked {
                report.not_booked += 1;
            } else {
                let key = keys.key(&entry);
                if in_file.insert((entry.account.clone(), key.clone())) {
                    chunk.push((key, entry));
                } else {
                    report.known_entries += 1;
                }
            }
        }
        if chunk.len() >= CHUNK || (end && !chunk.is_empty()) {
            book_chunk(&mut tx, tenant, statement, std::mem::take(&mut chunk), &mut report).await?;
        }
        if end {
            break;
        }
    }
    report.format = reader.format().map(|f| f.as_str().to_string()).unwrap_or_default();
    let sha = match reader {
        StatementReader::Camt(c) => c.into_inner().hash,
        StatementReader::Mt940(m) => m.into_inner().hash,
    };
    tx.finish_statement(tenant, &report).await?;
    tx.describe_statement(tenant, statement, &report.format, &hex(&sha.finalize())).await?;
    tx.commit().await?;
    Ok(report)
}

/// What matching a statement would do, without booking anything, and how long each part took.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRehearsal {
    /// Payments (money in, in euro) in the statement.
    pub payments: u64,
    /// Of those, how many would be allocated without a person.
    pub automatic: u64,
    /// Of those, how many would wait in the queue.
    pub queued: u64,
    /// Invoices the book held for matching.
    pub invoices_loaded: u64,
    /// Seconds reading the invoices, debtors and known accounts the statement points at.
    pub load_seconds: f64,
    /// Seconds judging every payment and settling the book.
    pub judge_seconds: f64,
}

/// Matches the payments of a read statement against the tenant's invoices as an import would,
/// in one read-only unit of work, and stores nothing.
pub async fn rehearse_matching(db: &Db, tenant: TenantId, entries: &[StatementEntry]) -> Result<MatchRehearsal, StoreError> {
    let payments: Vec<&StatementEntry> = entries
        .iter()
        .filter(|e| e.direction == Direction::Credit && !e.is_return() && e.currency == "EUR" && e.amount.is_positive())
        .collect();
    let mut tx = db.read().await?;
    let started = std::time::Instant::now();
    let mut book = load_book(&mut tx, tenant, &payments).await?;
    let unmatched: Vec<&StatementEntry> = payments.iter().copied().filter(|e| !book.has_key_match(&incoming(e))).collect();
    widen_book(&mut tx, tenant, &mut book, &unmatched).await?;
    tx.commit().await?;
    let load_seconds = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let (mut automatic, mut queued) = (0, 0);
    for e in &payments {
        let v = book.judge(&incoming(e));
        if v.is_automatic() {
            book.settle(&v.allocations);
            automatic += 1;
        } else {
            queued += 1;
        }
    }
    Ok(MatchRehearsal {
        payments: payments.len() as u64,
        automatic,
        queued,
        invoices_loaded: book.len() as u64,
        load_seconds,
        judge_seconds: started.elapsed().as_secs_f64(),
    })
}

fn incoming(e: &StatementEntry) -> Incoming<'_> {
    Incoming {
        amount: e.amount,
        payer_name: e.counterparty_name.as_deref(),
        payer_account: e.counterparty_account.as_deref(),
        structured_reference: e.structured_reference.as_deref(),
        remittance: e.remittance.as_deref(),
    }
}

/// Loads what matching these payments may need: invoices by reference and number, the debtors
/// behind known accounts with their open invoices.
async fn load_book(tx: &mut Tx, tenant: TenantId, payments: &[&StatementEntry]) -> Result<MatchBook, StoreError> {
    let mut keys = MatchKeys::default();
    for e in payments {
        keys.extend(MatchBook::keys_of(&incoming(e)));
    }
    keys.dedup();
    let mut book = MatchBook::new();
    for inv in tx.match_invoices_by_reference(tenant, &keys.references).await? {
        book.add_invoice(inv);
    }
    for inv in tx.match_invoices_by_number(tenant, &keys.numbers).await? {
        book.add_invoice(inv);
    }
    let accounts = tx.debtors_of_accounts(tenant, &keys.accounts).await?;
    let mut debtors: Vec<DebtorId> = accounts.iter().map(|(_, d)| *d).collect();
    debtors.sort_unstable();
    debtors.dedup();
    for (account, debtor) in accounts {
        book.learn_account(&account, debtor);
    }
    for inv in tx.open_match_invoices_of(tenant, &debtors).await? {
        book.add_invoice(inv);
    }
    Ok(book)
}

/// Adds the open invoices with the amounts of payments nothing else matched, when their
/// debtor's name resembles the payer's: the last key, name resemblance.
async fn widen_book(tx: &mut Tx, tenant: TenantId, book: &mut MatchBook, unmatched: &[&StatementEntry]) -> Result<(), StoreError> {
    let mut payers: HashMap<i64, Vec<&str>> = HashMap::new();
    for e in unmatched {
        if let Some(name) = e.counterparty_name.as_deref() {
            payers.entry(e.amount.cents()).or_default().push(name);
        }
    }
    let mut amounts: Vec<i64> = payers.keys().copied().collect();
    amounts.sort_unstable();
    for (inv, name) in tx.open_match_invoices_with_amounts(tenant, &amounts).await? {
        let resembles = payers.get(&inv.outstanding.cents()).is_some_and(|p| p.iter().any(|payer| similarity(payer, &name) >= NAME_FLOOR));
        if resembles {
            book.add_debtor_name(inv.debtor_id, &name);
            book.add_invoice(inv);
        }
    }
    Ok(())
}

fn bank_entry(statement: StatementId, key: String, e: StatementEntry, status: BankEntryStatus) -> BankEntry {
    BankEntry {
        id: BankEntryId(0),
        statement_id: statement,
        account: e.account,
        entry_key: key,
        line: e.line,
        direction: match e.direction {
            Direction::Credit => EntryDirection::Credit,
            Direction::Debit => EntryDirection::Debit,
        },
        amount: e.amount,
        currency: e.currency,
        booked_on: e.booked_on,
        value_on: e.value_on,
        counterparty_name: e.counterparty_name,
        counterparty_account: e.counterparty_account,
        structured_reference: e.structured_reference,
        remittance: e.remittance,
        end_to_end_id: e.end_to_end_id,
        bank_reference: e.bank_reference,
        bank_code: e.bank_code,
        return_reason: e.return_reason,
        status,
        score: 0,
        reasons: Vec::new(),
        suggestions: Vec::new(),
        payment_id: None,
    }
}

/// Books one chunk of new-to-this-file entries.
async fn book_chunk(
    tx: &mut Tx,
    tenant: TenantId,
    statement: StatementId,
    chunk: Vec<(String, StatementEntry)>,
    report: &mut StatementReport,
) -> Result<(), StoreError> {
    // Entries this account has from earlier imports are left alone.
    let mut by_account: HashMap<&str, Vec<String>> = HashMap::new();
    for (key, e) in &chunk {
        by_account.entry(e.account.as_str()).or_default().push(key.clone());
    }
    let mut known: HashSet<(String, String)> = HashSet::new();
    for (account, keys) in by_account {
        for k in tx.known_entry_keys(tenant, account, &keys).await? {
            known.insert((account.to_string(), k));
        }
    }
    let fresh: Vec<(String, StatementEntry)> =
        chunk.into_iter().filter(|(k, e)| !known.contains(&(e.account.clone(), k.clone()))).collect();
    report.known_entries += (known.len()) as u64;
    report.new_entries += fresh.len() as u64;

    // A payment booked by hand with the bank's reference is the same money.
    let references: Vec<String> = fresh.iter().filter_map(|(_, e)| e.bank_reference.clone()).collect();
    let taken = tx.taken_bank_references(tenant, &references).await?;

    let is_payment =
        |e: &StatementEntry| e.direction == Direction::Credit && !e.is_return() && e.currency == "EUR" && e.amount.is_positive();
    let payments: Vec<&StatementEntry> = fresh.iter().map(|(_, e)| e).filter(|e| is_payment(e)).collect();
    let mut book = load_book(tx, tenant, &payments).await?;

    // Payments no key matches may resemble a debtor by name: load the invoices with their amounts.
    let unmatched: Vec<&StatementEntry> = payments.iter().copied().filter(|e| !book.has_key_match(&incoming(e))).collect();
    if !unmatched.is_empty() {
        widen_book(tx, tenant, &mut book, &unmatched).await?;
    }
    // A reward for paying early is honoured as the payments are booked.
    let reward = tx.messaging_settings(tenant).await?.early_payment;
    // Judge in file order, settling as we go, so two payments never pay one invoice twice.
    let mut stored = Vec::with_capacity(fresh.len());
    for (key, e) in fresh {
        let entry = if is_payment(&e) {
            let verdict = book.judge(&incoming(&e));
            let (paid_on, paid) = (e.booked_on, verdict.allocations.iter().map(|a| a.invoice_id).collect::<Vec<_>>());
            let entry = book_payment(tx, tenant, statement, key, e, verdict, &taken, &mut book, report).await?;
            if let Some(r) = reward.as_ref().filter(|_| entry.status == BankEntryStatus::Allocated) {
                crate::early_payment::grant_discounts(tx, tenant, r, &paid, paid_on).await?;
            }
            entry
        } else {
            book_other(tx, tenant, statement, key, e, report).await?
        };
        stored.push(entry);
    }
    tx.insert_bank_entries(tenant, &stored).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn book_payment(
    tx: &mut Tx,
    tenant: TenantId,
    statement: StatementId,
    key: String,
    e: StatementEntry,
    v: Verdict,
    taken: &HashSet<String>,
    book: &mut MatchBook,
    report: &mut StatementReport,
) -> Result<BankEntry, StoreError> {
    if e.bank_reference.as_ref().is_some_and(|r| taken.contains(r)) {
        let mut entry = bank_entry(statement, key, e, BankEntryStatus::Dismissed);
        entry.reasons = vec!["a payment with this bank reference was booked before".into()];
        return Ok(entry);
    }
    let automatic = v.is_automatic();
    let payment = NewPayment {
        debtor_id: if automatic { v.debtor_id } else { None },
        amount: e.amount,
        received_on: e.booked_on,
        payer_name: e.counterparty_name.clone(),
        payer_iban: e.counterparty_account.as_deref().and_then(|a| domain::contact::Iban::parse(a).ok()),
        description: e.remittance.clone().or(e.structured_reference.clone()),
        bank_reference: e.bank_reference.clone().map(|r| match e.batch_index {
            Some(i) => format!("{r}#{i}"),
            None => r,
        }),
        allocations: if automatic { v.allocations.clone() } else { Vec::new() },
    };
    let booked = tx.create_payment(tenant, &payment).await?;
    if let Some(e2e) = &e.end_to_end_id {
        tx.set_payment_end_to_end(tenant, booked.id, e2e).await?;
    }
    let status = if automatic {
        book.settle(&v.allocations);
        if let (Some(account), Some(debtor)) = (&e.counterparty_account, v.debtor_id) {
            book.learn_account(&normalise_account(account), debtor);
        }
        report.allocated += 1;
        report.allocated_amount = report.allocated_amount + v.allocations.iter().map(|a| a.amount).sum::<Cents>();
        BankEntryStatus::Allocated
    } else {
        report.queued += 1;
        report.queued_amount = report.queued_amount + e.amount;
        BankEntryStatus::NeedsMatch
    };
    let mut entry = bank_entry(statement, key, e, status);
    entry.score = v.score;
    entry.reasons = v.reasons;
    entry.suggestions = v.suggestions;
    entry.payment_id = Some(booked.id);
    Ok(entry)
}

/// Money out, money back, foreign currency, zero: a return reopens the payment it returns.
async fn book_other(
    tx: &mut Tx,
    tenant: TenantId,
    statement: StatementId,
    key: String,
    e: StatementEntry,
    report: &mut StatementReport,
) -> Result<BankEntry, StoreError> {
    if e.currency != "EUR" {
        let mut entry = bank_entry(statement, key, e, BankEntryStatus::ForeignCurrency);
        entry.reasons = vec!["Tegoed books euro amounts only".into()];
        return Ok(entry);
    }
    if !e.amount.is_positive() {
        let mut entry = bank_entry(statement, key, e, BankEntryStatus::Dismissed);
        entry.reasons = vec!["a zero amount".into()];
        return Ok(entry);
    }
    if e.direction == Direction::Credit {
        // Money in that is a return: the tenant's own transfer or collection came back.
        let mut entry = bank_entry(statement, key, e, BankEntryStatus::Other);
        entry.reasons = vec![format!("money of the tenant's came back ({})", entry.return_reason.as_deref().unwrap_or("reversal"))];
        return Ok(entry);
    }
    let account = e.counterparty_account.as_deref().map(normalise_account);
    let returned = tx.payment_to_return(tenant, e.end_to_end_id.as_deref(), account.as_deref(), e.amount).await?;
    let Some(payment) = returned else {
        return Ok(bank_entry(statement, key, e, BankEntryStatus::Other));
    };
    let reopened = tx.return_payment(tenant, payment, e.booked_on, e.return_reason.as_deref()).await?;
    report.returned += 1;
    let mut entry = bank_entry(statement, key, e, BankEntryStatus::Returned);
    entry.payment_id = Some(payment);
    entry.reasons = vec![match &entry.return_reason {
        Some(r) => format!("payment {payment} came back ({r}); {} invoice(s) open again", reopened.len()),
        None => format!("payment {payment} was refunded; {} invoice(s) open again", reopened.len()),
    }];
    Ok(entry)
}

/// How matching a queued bank entry by hand went.
#[derive(Debug)]
pub enum HandMatch {
    /// Matched (or dismissed): the entry as it is now.
    Done(Box<domain::bank::BankEntry>),
    /// The tenant has no such entry.
    NotFound,
    /// The entry is not waiting in the queue (any more): its status.
    NotQueued(domain::bank::BankEntryStatus),
    /// The debtor or the allocations are not right.
    Invalid(Vec<domain::FieldProblem>),
}

/// Matches a queued bank entry by hand, for the API and the back-office alike: its payment is
/// the debtor's and pays these invoices (what is left stays the debtor's credit); or, with no
/// debtor, it is dismissed as not a debtor's payment (its money stays booked as a payment of
/// no debtor). In the caller's unit of work.
pub async fn match_by_hand(
    tx: &mut store::Tx,
    tenant: TenantId,
    entry: domain::ids::BankEntryId,
    debtor: Option<domain::ids::DebtorId>,
    allocations: &[domain::payment::Allocation],
) -> Result<HandMatch, StoreError> {
    use domain::bank::BankEntryStatus;
    let Some(e) = tx.bank_entry(tenant, entry).await? else { return Ok(HandMatch::NotFound) };
    if e.status != BankEntryStatus::NeedsMatch {
        return Ok(HandMatch::NotQueued(e.status));
    }
    let Some(debtor) = debtor else {
        tx.resolve_bank_entry(tenant, e.id, BankEntryStatus::Dismissed).await?;
        return Ok(tx.bank_entry(tenant, e.id).await?.map_or(HandMatch::NotFound, |e| HandMatch::Done(Box::new(e))));
    };
    let payment_id = e.payment_id.ok_or_else(|| StoreError::Corrupt(format!("queued bank entry {} has no payment", e.id)))?;
    let Some(payment) = tx.payment(tenant, payment_id).await? else { return Ok(HandMatch::NotFound) };
    if tx.debtor(tenant, debtor).await?.is_none() {
        return Ok(HandMatch::Invalid(vec![domain::FieldProblem::new("debtor_id", format!("no debtor {debtor}"))]));
    }
    let ids: Vec<_> = allocations.iter().map(|a| a.invoice_id).collect();
    let invoices = tx.invoices_by_id(tenant, &ids).await?;
    let problems = domain::payment::check_allocations("allocations", Some(debtor), payment.unallocated, allocations, &invoices);
    if !problems.is_empty() {
        return Ok(HandMatch::Invalid(problems));
    }
    tx.set_payment_debtor(tenant, payment.id, Some(debtor)).await?;
    if !allocations.is_empty() {
        tx.allocate(tenant, payment.id, allocations).await?;
    }
    tx.resolve_bank_entry(tenant, e.id, BankEntryStatus::MatchedByHand).await?;
    Ok(tx.bank_entry(tenant, e.id).await?.map_or(HandMatch::NotFound, |e| HandMatch::Done(Box::new(e))))
}
