//! `tegoed`: the one binary. Serves the API, migrates, creates tenants, imports invoice files,
//! and makes demo and benchmark data.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use domain::contact::{Iban, KvkNumber, VatId};
use domain::ids::{DebtorId, TenantId};
use domain::law::nl::interest::{Claim, Convention, DayCount, PartPayment, statutory_interest};
use domain::law::nl::rates::InterestKind;
use domain::money::Cents;
use domain::tenant::NewTenant;
use figment::providers::Format;
use formats::invoice_csv::ColumnMapping;
use jiff::civil::Date;
use ledger::{ImportError, import_invoice_csv};
use store::Db;
use tegoed::config::{self, Config, Overrides};
use tegoed::statement_gen::{self, StatementKind};
use tegoed::synth;
use tegoed::{dunning_run, scheduler};
use web::api::calc::{self, CostsQuestion};

#[derive(Parser)]
#[command(name = "tegoed", version, about = "Credit management that gets invoices paid and keeps the customer.")]
struct Cli {
    /// Database: sqlite:PATH or postgres://… [env TEGOED_DATABASE; default sqlite:tegoed.db]
    #[arg(long, global = true)]
    database: Option<String>,
    /// A TOML settings file (default: ./tegoed.toml when present).
    #[arg(long, global = true, env = "TEGOED_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        /// Address to listen on [env TEGOED_LISTEN; default 127.0.0.1:8080]
        #[arg(long)]
        listen: Option<String>,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// Deliver the outbox: every message the dunning runs queued, by email through `smtp_url`,
    /// each once, retried with backoff, falling back to the next channel when one fails.
    Send {
        /// Send what is due now and stop, instead of running until stopped.
        #[arg(long)]
        once: bool,
        /// Seconds a worker holds a message before another may take it over.
        #[arg(long, default_value_t = 300)]
        lease_seconds: u64,
        /// Messages sent at the same time.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
        /// Only this tenant's messages (repeatable; default: every tenant's).
        #[arg(long)]
        tenant: Vec<i64>,
    },
    /// Lay out a tenant's letters due for post into one print file (A4 PDF, window-envelope
    /// address, EPC QR code; a cover page lists them) and record them as sent.
    Letters {
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
        /// Folder to write the print file into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage the people who sign in to the back-office.
    #[command(subcommand)]
    User(UserCommand),
    /// Import data into a tenant's ledger.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Create a demo tenant with a year of realistic Dutch invoices and serve it.
    Demo {
        /// Address to listen on.
        #[arg(long)]
        listen: Option<String>,
        /// Create the data and print the key, but do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Run dunning for a tenant on a day: plan every debtor's next step and store it exactly once.
    Run {
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
        /// The day to run for (default today in Europe/Amsterdam).
        #[arg(long)]
        date: Option<Date>,
        /// Plan and print, store nothing.
        #[arg(long)]
        dry_run: bool,
        /// Open invoices per unit of work.
        #[arg(long, default_value_t = dunning_run::BATCH_INVOICES)]
        batch_invoices: u32,
    },
    /// Print what will happen to a debtor, day by day, if nothing is paid.
    Preview {
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
        /// Debtor id.
        #[arg(long)]
        debtor: i64,
        /// Last day to show.
        #[arg(long)]
        until: Date,
        /// First day to show (default today).
        #[arg(long)]
        from: Option<Date>,
    },
    /// Dutch collection law as a calculator; prints JSON with amounts as strings.
    #[command(subcommand)]
    Calc(CalcCommand),
    /// Benchmarks of hot paths; each prints its throughput and peak memory.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Generate deterministic synthetic data into a new tenant (for benchmarks).
    Gen {
        /// Number of debtors.
        #[arg(long)]
        debtors: u64,
        /// Number of invoices.
        #[arg(long)]
        invoices: u64,
        /// Seed: the same seed and date give the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The day the data is made around (default today).
        #[arg(long)]
        as_of: Option<Date>,
        /// Leave every invoice wholly unpaid (for the matching benchmark).
        #[arg(long)]
        unpaid: bool,
        /// Also record what debtors said and agreed (promises, arrangements, calls, portal
        /// "can't pay", disputes), dated today, for the reports' benchmark.
        #[arg(long)]
        activity: bool,
    },
    /// Write a synthetic bank statement paying a tenant's open invoices (data from `tegoed
    /// gen`) the ways payers do: structured reference, reference or invoice number in the text,
    /// name only, unknown payers, and payments out.
    GenStatement {
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
        /// Number of entries.
        #[arg(long)]
        entries: u64,
        /// camt053 or mt940.
        #[arg(long, default_value = "camt053")]
        format: String,
        /// Seed: the same seed gives the same file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Booking date of the entries (default today).
        #[arg(long)]
        date: Option<Date>,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Each report of a tenant (data from `tegoed gen`), run five times: the fastest and the
    /// slowest run.
    Reports {
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
        /// The day the reports are for.
        #[arg(long)]
        date: Date,
    },
    /// The debtor portal's overview page under load: a debtor with open invoices on a fresh
    /// SQLite database, served on loopback as `serve` does, loaded by wrk (Debian's `wrk`).
    Portal {
        /// Open invoices of the debtor.
        #[arg(long, default_value_t = 20)]
        invoices: u32,
        /// Seconds of load.
        #[arg(long, default_value_t = 20)]
        seconds: u32,
        /// Connections kept open by wrk.
        #[arg(long, default_value_t = 16)]
        connections: u32,
    },
    /// A full dunning run of a tenant (data from `tegoed gen`), timed, next to a bare read of
    /// the same open invoices.
    Dunning {
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
        /// The day to run for.
        #[arg(long)]
        date: Date,
    },
    /// Reading a bank statement file (camt or MT940) entry by entry, without storing it.
    Statement {
        /// The file.
        file: PathBuf,
    },
    /// Matching a statement's payments against a tenant's invoices as an import would, without
    /// booking; with `--book`, then importing it for real.
    Matching {
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
        /// The statement (from `tegoed gen-statement`).
        file: PathBuf,
        /// Also import it, and time that.
        #[arg(long)]
        book: bool,
    },
    /// Delivering every pending email in the outbox to `smtp_url` (queue them with `tegoed gen`
    /// and `tegoed run`): messages per second from outbox to mail server.
    Send {
        /// Messages sent at the same time.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
    },
    /// Statutory commercial interest over 20 years with a part-payment every month (240
    /// payments, ~280 periods), computed again and again.
    Interest {
        /// How many computations.
        #[arg(long, default_value_t = 20_000)]
        iterations: u32,
    },
}

#[derive(Subcommand)]
enum CalcCommand {
    /// Out-of-court collection costs over a principal (BIK staffel, €40 minimum, €6,775 maximum).
    CollectionCosts {
        /// The principal: the sum of the invoices in one demand (1752.79 or 1.752,79).
        #[arg(long)]
        principal: String,
        /// The creditor cannot deduct VAT: 21% is added.
        #[arg(long)]
        vat_not_deductible: bool,
        /// The debtor is a business (default: a consumer).
        #[arg(long)]
        business: bool,
        /// An agreed fixed amount (business only; never below €40).
        #[arg(long, conflicts_with = "agreed_percentage")]
        agreed_amount: Option<String>,
        /// An agreed percentage of the principal (business only; never below €40).
        #[arg(long)]
        agreed_percentage: Option<String>,
    },
    /// Statutory (consumer, art. 6:119 BW) or commercial (art. 6:119a BW) interest with its periods.
    Interest {
        /// consumer or commercial.
        #[arg(long)]
        kind: String,
        /// The principal.
        #[arg(long)]
        principal: String,
        /// The last day for payment; interest runs from the next day.
        #[arg(long)]
        from: Date,
        /// The day up to and including which interest runs.
        #[arg(long)]
        to: Date,
        /// Costs owed, which payments settle first (art. 6:44 BW).
        #[arg(long)]
        costs: Option<String>,
        /// A payment as DATE=AMOUNT; repeat for more.
        #[arg(long = "payment", value_name = "DATE=AMOUNT")]
        payments: Vec<String>,
        /// Divide by the length of the capitalisation year (366 with a 29 February) instead of 365.
        #[arg(long)]
        capitalisation_year_day_count: bool,
        /// Round each period to cents and split at every half-year.
        #[arg(long)]
        round_each_period: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user (or, for an address already in use, set the password and roles). The password
    /// is read from TEGOED_NEW_PASSWORD, else from the first line of standard input.
    Add {
        /// E-mail address: the sign-in name.
        #[arg(long)]
        email: String,
        /// The name colleagues see.
        #[arg(long)]
        name: String,
        /// A tenant the user works for (repeatable: a collection service's clients).
        #[arg(long, required = true)]
        tenant: Vec<i64>,
        /// admin, credit_controller or read_only.
        #[arg(long, default_value = "credit_controller")]
        role: String,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant and print its id and a new API key.
    Create {
        /// Legal name.
        #[arg(long)]
        name: String,
        /// IBAN debtors pay into.
        #[arg(long)]
        iban: String,
        /// KvK number.
        #[arg(long)]
        kvk: Option<String>,
        /// VAT id.
        #[arg(long)]
        vat_id: Option<String>,
        /// The tenant cannot deduct VAT (VAT is then added to collection costs).
        #[arg(long)]
        no_vat_deduction: bool,
        /// Default payment term in days.
        #[arg(long, default_value_t = domain::tenant::DEFAULT_PAYMENT_TERM_DAYS)]
        payment_term: u16,
    },
    /// Issue another API key for a tenant.
    Key {
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import invoices from a CSV file, or UBL e-invoices (Peppol BIS 3, SI-UBL 2.0: files or
    /// folders of .xml files): all of them, or none when any is wrong. For UBL, each document
    /// is reported with what a legally valid Dutch invoice lacks.
    Invoices {
        /// The file (csv), or the files and folders (ubl).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
        /// A TOML column mapping (delimiter, default_kind, [columns] field = "Header").
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// A column as field=Header; repeat for more (overrides the mapping file).
        #[arg(long = "column", value_name = "FIELD=HEADER")]
        columns: Vec<String>,
        /// Field separator (default: found from the header line).
        #[arg(long)]
        delimiter: Option<char>,
        /// File format: csv or ubl.
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// Import a bank statement (camt.053, camt.054, camt.052 or MT940, recognised by its
    /// content): payments matched and allocated, the rest queued for a person, returns
    /// reopening their invoices. Entries imported before are left alone; one bad entry and
    /// nothing is imported.
    Statement {
        /// The file.
        file: PathBuf,
        /// Tenant id.
        #[arg(long)]
        tenant: i64,
    },
}

/// `tegoed import invoices --format ubl`: every file, and every .xml file in a folder, as
/// one batch.
async fn import_ubl(config: &Config, tenant: TenantId, paths: &[PathBuf]) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for path in paths {
        let batch = if path.is_dir() {
            // An entry the folder listing cannot read is an error, not a file left out.
            let mut found = Vec::new();
            for entry in std::fs::read_dir(path).with_context(|| format!("reading folder {}", path.display()))? {
                let p = entry.with_context(|| format!("reading folder {}", path.display()))?.path();
                if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml")) {
                    found.push(p);
                }
            }
            found.sort();
            found
        } else {
            vec![path.clone()]
        };
        for p in batch {
            let bytes = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
            files.push(ledger::EInvoiceFile { name: p.display().to_string(), bytes });
        }
    }
    if files.is_empty() {
        bail!("no .xml files found in {}", paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    let db = open(config).await?;
    let result = ledger::import_e_invoices(&db, tenant, &files).await;
    db.close().await;
    match result {
        Ok(r) => {
            for d in &r.documents {
                let kind = match d.kind {
                    formats::ubl::DocumentKind::Invoice => "invoice",
                    formats::ubl::DocumentKind::CreditNote => "credit note",
                };
                println!("{}: {kind} {} for debtor {}, {}", d.file, d.number, d.debtor_id, d.amount.to_dutch());
                for n in &d.notes {
                    println!("  note: {n}");
                }
                for g in &d.legal_gaps {
                    let severity = match g.severity {
                        formats::ubl::GapSeverity::Required => "missing",
                        formats::ubl::GapSeverity::Advised => "advice",
                    };
                    println!("  {severity} ({}): {} [{}]", g.rule, g.message, g.path);
                }
            }
            println!(
                "imported {} invoices and {} credit notes ({} new debtors), open {}; {} of {} documents lack what a valid Dutch invoice needs",
                r.invoices,
                r.credit_notes,
                r.debtors_created,
                r.open.to_dutch(),
                r.legally_incomplete,
                r.documents.len()
            );
            Ok(())
        }
        Err(ledger::EInvoiceImportError::Rejected(problems)) => {
            for p in &problems {
                eprintln!("{p}");
            }
            bail!("{} problem(s); nothing was imported", problems.len())
        }
        Err(e) => Err(e.into()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen, .. } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides { database: cli.database.clone(), listen };
    let config = match config::load(cli.config.as_deref(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tegoed: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let level = config.log.parse().unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt().with_max_level(level).with_writer(std::io::stderr).init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tegoed: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tegoed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(config: &Config) -> Result<Db> {
    let db = Db::connect(&config.database).await.with_context(|| format!("opening database {}", config.database))?;
    db.migrate().await.context("migrating the database")?;
    Ok(db)
}

async fn run(command: Command, config: Config) -> Result<()> {
    match command {
        Command::Serve { .. } => {
            let db = open(&config).await?;
            serve(db, &config, None).await
        }
        Command::Send { once, lease_seconds, parallel, tenant } => {
            let db = open(&config).await?;
            let lease = jiff::SignedDuration::from_secs(i64::try_from(lease_seconds).context("--lease-seconds")?);
            let tenants = tenant.into_iter().map(TenantId).collect();
            let worker = outbox_worker(&db, &config, channels::outbox::WorkerSettings { lease, parallel, tenants, ..Default::default() })?;
            if once {
                let d = worker.drain().await?;
                println!(
                    "sent {}, to retry {}, failed {}, cancelled {}, in doubt {}",
                    d.sent, d.retried, d.failed, d.cancelled, d.in_doubt
                );
            } else {
                println!("delivering the outbox by {} until stopped", configured_channels(&config).join(", "));
                worker.run(web::shutdown_signal()).await;
            }
            db.close().await;
            Ok(())
        }
        Command::Letters { tenant, out } => {
            let db = open(&config).await?;
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            let worker = channels::outbox::Worker::new(db.clone(), channels::outbox::WorkerSettings::default());
            let p = worker.print_letters(TenantId(tenant), &out).await?;
            db.close().await;
            match &p.file {
                Some(f) => println!("{}: {} letters, {} pages", f.display(), p.letters, p.pages),
                None => println!("no letters due"),
            }
            if p.failed + p.cancelled > 0 {
                println!(
                    "{} could not be made (no postal address: the next channel takes over), {} no longer needed",
                    p.failed, p.cancelled
                );
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Reports { tenant, date }) => {
            let db = open(&config).await?;
            let tenant = TenantId(tenant);
            let (from, step_from) = (domain::dates::add_days(date, -89), domain::dates::add_days(date, -119));
            // What debtors said and agreed (`gen --activity`) is dated the day it was made: the
            // two reports over it run to today when `date` lies before.
            let said_to = date.max(web::today());
            let said_from = domain::dates::add_days(said_to, -89);
            let open = time_five(&db, "ageing", |mut tx| async move {
                let open: Cents = tx.ageing(tenant, date).await?.iter().map(|b| b.open).sum();
                tx.commit().await?;
                Ok(open.to_string())
            })
            .await?;
            time_five(&db, "dso", |mut tx| async move {
                let open_now: Cents = tx.ageing(tenant, date).await?.iter().map(|b| b.open).sum();
                let invoiced = tx.invoiced_between(tenant, from, date).await?;
                tx.commit().await?;
                Ok(format!("{:?} days", domain::reports::dso(open_now, invoiced, 90)))
            })
            .await?;
            time_five(&db, "kept", |mut tx| async move {
                let p = tx.promises_kept(tenant, said_from, said_to).await?;
                let a = tx.arrangements_kept(tenant, said_from, said_to).await?;
                tx.commit().await?;
                Ok(format!("{} promises, {} arrangements", p.made, a.made))
            })
            .await?;
            time_five(&db, "steps", |mut tx| async move {
                let s = tx.step_outcomes(tenant, step_from, date, date).await?;
                tx.commit().await?;
                Ok(format!("{} steps over {} invoices", s.len(), s.iter().map(|s| s.invoices).sum::<i64>()))
            })
            .await?;
            time_five(&db, "reasons", |mut tx| async move {
                let r = tx.non_payment_reasons(tenant, said_from, said_to).await?;
                tx.commit().await?;
                Ok(format!("{} reasons given", r.iter().map(|r| r.count).sum::<i64>()))
            })
            .await?;
            db.close().await;
            println!("open {open}; peak memory {}", peak_rss().unwrap_or_else(|| "unknown".into()));
            Ok(())
        }
        Command::Bench(BenchCommand::Portal { invoices, seconds, connections }) => bench_portal(invoices, seconds, connections).await,
        Command::Bench(BenchCommand::Send { parallel }) => {
            let db = open(&config).await?;
            let worker = outbox_worker(&db, &config, channels::outbox::WorkerSettings { parallel, batch: 256, ..Default::default() })?;
            let started = std::time::Instant::now();
            let d = worker.drain().await?;
            let secs = started.elapsed().as_secs_f64();
            db.close().await;
            println!(
                "{} messages sent ({} to retry, {} failed, {} cancelled) in {secs:.2} s: {:.0} messages/s from outbox to mail server",
                d.sent,
                d.retried,
                d.failed,
                d.cancelled,
                d.sent as f64 / secs.max(1e-9)
            );
            println!("peak memory {}", peak_rss().unwrap_or_else(|| "unknown".into()));
            Ok(())
        }
        Command::Migrate => {
            let db = open(&config).await?;
            db.close().await;
            println!("database {} is up to date", config.database);
            Ok(())
        }
        Command::Tenant(TenantCommand::Create { name, iban, kvk, vat_id, no_vat_deduction, payment_term }) => {
            let mut t = NewTenant::minimal(name, Iban::parse(&iban).map_err(|e| anyhow::anyhow!("--iban: {e}"))?);
            t.kvk_number = kvk.as_deref().map(KvkNumber::parse).transpose().map_err(|e| anyhow::anyhow!("--kvk: {e}"))?;
            t.vat_id = vat_id.as_deref().map(VatId::parse).transpose().map_err(|e| anyhow::anyhow!("--vat-id: {e}"))?;
            t.can_deduct_vat = !no_vat_deduction;
            t.default_payment_term_days = payment_term;
            let db = open(&config).await?;
            let created = web::api::provision_tenant(&db, &t).await?;
            db.close().await;
            println!("tenant {}", created.tenant.id);
            println!("api key {}", created.api_key);
            println!("(only a hash of the key is stored: keep it now)");
            Ok(())
        }
        Command::User(UserCommand::Add { email, name, tenant, role }) => {
            let role = domain::access::Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let password = match std::env::var("TEGOED_NEW_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let db = open(&config).await?;
            let roles: Vec<_> = tenant.into_iter().map(|t| (TenantId(t), role)).collect();
            let user = web::office::add_user(&db, &email, &name, &password, &roles).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            db.close().await;
            println!("user {user}: {email}, {role} for {} tenant(s)", roles.len());
            Ok(())
        }
        Command::Tenant(TenantCommand::Key { tenant }) => {
            let db = open(&config).await?;
            let key = web::api::issue_api_key(&db, TenantId(tenant), "issued on the command line").await?;
            db.close().await;
            println!("api key {}", key.api_key);
            Ok(())
        }
        Command::Import(ImportCommand::Invoices { files, tenant, format, .. }) if format == "ubl" => {
            import_ubl(&config, TenantId(tenant), &files).await
        }
        Command::Import(ImportCommand::Invoices { files, tenant, mapping, columns, delimiter, format }) => {
            if format != "csv" {
                bail!("--format {format}: expected csv or ubl");
            }
            let [file] = files.as_slice() else { bail!("a CSV import takes one file, got {}", files.len()) };
            let mut m = match &mapping {
                None => ColumnMapping::default(),
                Some(path) => {
                    let text = std::fs::read_to_string(path).with_context(|| format!("reading mapping {}", path.display()))?;
                    figment::Figment::from(figment::providers::Toml::string(&text))
                        .extract::<ColumnMapping>()
                        .with_context(|| format!("mapping {}", path.display()))?
                }
            };
            m = m.with_pairs(columns.iter().map(String::as_str)).map_err(|e| anyhow::anyhow!("--column {e}"))?;
            if delimiter.is_some() {
                m.delimiter = delimiter;
            }
            let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            let db = open(&config).await?;
            let result = import_invoice_csv(&db, TenantId(tenant), &bytes, &m).await;
            db.close().await;
            match result {
                Ok(r) => {
                    println!(
                        "imported {} invoices ({} new debtors), total {}, open {}",
                        r.invoices,
                        r.debtors_created,
                        r.total.to_dutch(),
                        r.open.to_dutch()
                    );
                    Ok(())
                }
                Err(ImportError::Rejected(problems)) => {
                    for p in &problems {
                        eprintln!("{}: {p}", file.display());
                    }
                    bail!("{}: {} problem(s); nothing was imported", file.display(), problems.len())
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Import(ImportCommand::Statement { file, tenant }) => {
            let input = std::fs::File::open(&file).with_context(|| format!("reading {}", file.display()))?;
            let db = open(&config).await?;
            let name = file.display().to_string();
            let result = ledger::import_statement(&db, TenantId(tenant), &name, std::io::BufReader::with_capacity(1 << 16, input)).await;
            db.close().await;
            let r = result?;
            println!(
                "{name}: {} entries ({}): {} new, {} imported before, {} not booked by the bank yet",
                r.entries, r.format, r.new_entries, r.known_entries, r.not_booked
            );
            println!(
                "allocated {} payments ({}), {} waiting for a person ({}), {} returned payments reopened their invoices",
                r.allocated,
                r.allocated_amount.to_dutch(),
                r.queued,
                r.queued_amount.to_dutch(),
                r.returned
            );
            Ok(())
        }
        Command::Demo { no_serve, .. } => {
            let db = open(&config).await?;
            let mut tx = db.read().await?;
            let existing = tx.tenants(store::Page::first(500)).await?.into_iter().find(|t| t.legal_name == synth::DEMO_TENANT);
            tx.commit().await?;
            let (tenant, key) = match existing {
                Some(t) => (t.id, web::api::issue_api_key(&db, t.id, "demo").await?.api_key),
                None => {
                    let mut t = NewTenant::minimal(synth::DEMO_TENANT, synth::dutch_iban("RABO", 3_141_592_653));
                    t.kvk_number = KvkNumber::parse("87654321").ok();
                    t.vat_id = VatId::parse("NL864250172B01").ok();
                    let created = web::api::provision_tenant(&db, &t).await?;
                    synth::demo(&db, created.tenant.id, web::today()).await.context("creating demo data")?;
                    // Work for the back-office: today's dunning run, and what debtors said and agreed.
                    dunning_run::run(&db, created.tenant.id, web::today(), false, dunning_run::BATCH_INVOICES).await?;
                    let ids = synth::debtor_ids(&db, created.tenant.id).await?;
                    synth::activity(&db, created.tenant.id, &ids, 2026, web::today()).await?;
                    (created.tenant.id, created.api_key)
                }
            };
            println!("demo tenant {tenant}: {}", synth::DEMO_TENANT);
            println!("api key {key}");
            if no_serve {
                db.close().await;
                return Ok(());
            }
            let portal = synth::demo_portal_link(&db, tenant, web::today()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            // A credit controller to sign in as, with a new password each start.
            let password = web::office::random_password();
            web::office::add_user(&db, synth::DEMO_USER, "Demo", &password, &[(tenant, domain::access::Role::Admin)])
                .await
                .map_err(|e| anyhow::anyhow!("demo user: {e}"))?;
            let office = (synth::DEMO_USER, password.as_str());
            serve(db, &config, Some(Demo { key: &key, portal_token: portal.as_deref(), office })).await
        }
        Command::Calc(calc) => {
            let json = match calc {
                CalcCommand::CollectionCosts { principal, vat_not_deductible, business, agreed_amount, agreed_percentage } => {
                    let q = CostsQuestion {
                        principal: Cents::parse(&principal).map_err(|e| anyhow::anyhow!("--principal: {e}"))?,
                        business,
                        vat_not_deductible,
                        agreed_amount: agreed_amount
                            .as_deref()
                            .map(Cents::parse)
                            .transpose()
                            .map_err(|e| anyhow::anyhow!("--agreed-amount: {e}"))?,
                        agreed_basis_points: agreed_percentage
                            .as_deref()
                            .map(calc::parse_percentage)
                            .transpose()
                            .map_err(|e| anyhow::anyhow!("--agreed-percentage: {e}"))?,
                    };
                    serde_json::to_string_pretty(&calc::answer_costs(&q)?)?
                }
                CalcCommand::Interest { kind, principal, from, to, costs, payments, capitalisation_year_day_count, round_each_period } => {
                    let kind = match kind.as_str() {
                        "consumer" => InterestKind::Consumer,
                        "commercial" => InterestKind::Commercial,
                        other => bail!("--kind {other}: expected consumer or commercial"),
                    };
                    let claim = Claim {
                        kind,
                        principal: Cents::parse(&principal).map_err(|e| anyhow::anyhow!("--principal: {e}"))?,
                        from,
                        to,
                        costs: costs
                            .as_deref()
                            .map(Cents::parse)
                            .transpose()
                            .map_err(|e| anyhow::anyhow!("--costs: {e}"))?
                            .unwrap_or(Cents::ZERO),
                        payments: payments
                            .iter()
                            .map(|p| calc::parse_payment(p))
                            .collect::<Result<_, _>>()
                            .map_err(|e| anyhow::anyhow!("--payment: {e}"))?,
                    };
                    let convention = Convention {
                        day_count: if capitalisation_year_day_count { DayCount::ActualCapitalisationYear } else { DayCount::Actual365 },
                        round_each_period,
                    };
                    serde_json::to_string_pretty(&calc::answer_interest(&claim, convention)?)?
                }
            };
            println!("{json}");
            Ok(())
        }
        Command::Run { tenant, date, dry_run, batch_invoices } => {
            let db = open(&config).await?;
            let day = date.unwrap_or_else(web::today);
            let report = dunning_run::run(&db, TenantId(tenant), day, dry_run, batch_invoices).await?;
            db.close().await;
            if dry_run {
                for a in &report.planned {
                    println!("{}", serde_json::to_string(a)?);
                }
            }
            println!(
                "dunning run {day} for tenant {tenant}: {} debtors with {} open invoices, {} actions stored, {} stored before{}",
                report.debtors,
                report.invoices,
                report.stored,
                report.already_stored,
                if dry_run { format!(", {} planned (dry run: nothing stored)", report.planned.len()) } else { String::new() }
            );
            Ok(())
        }
        Command::Preview { tenant, debtor, until, from } => {
            let db = open(&config).await?;
            let lines =
                dunning_run::preview_debtor(&db, TenantId(tenant), DebtorId(debtor), from.unwrap_or_else(web::today), until).await?;
            db.close().await;
            if lines.is_empty() {
                println!("nothing planned for debtor {debtor} until {until}");
            }
            for (day, a) in lines {
                println!(
                    "{day}  {:<20} {:<28} {} invoice(s), {}{}",
                    a.kind.as_str(),
                    a.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" > "),
                    a.invoices.len(),
                    a.amount.to_dutch(),
                    if a.needs_approval { "  (needs approval)" } else { "" }
                );
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Dunning { tenant, date }) => {
            let db = open(&config).await?;
            let started = std::time::Instant::now();
            let rows = dunning_run::read_open_invoices(&db, TenantId(tenant)).await?;
            let read = started.elapsed().as_secs_f64();
            let started = std::time::Instant::now();
            let report = dunning_run::run(&db, TenantId(tenant), date, false, dunning_run::BATCH_INVOICES).await?;
            let secs = started.elapsed().as_secs_f64();
            db.close().await;
            println!("bare read of {rows} open invoices: {read:.2} s");
            println!(
                "dunning run: {} debtors, {} open invoices, {} actions stored ({} before) in {secs:.2} s: {:.0} actions/s, {:.1}x the bare read",
                report.debtors,
                report.invoices,
                report.stored,
                report.already_stored,
                report.stored as f64 / secs.max(1e-9),
                secs / read.max(1e-9)
            );
            println!("peak memory {}", peak_rss().unwrap_or_else(|| "unknown".into()));
            Ok(())
        }
        Command::GenStatement { tenant, entries, format, seed, date, out } => {
            let kind = match format.as_str() {
                "camt053" => StatementKind::Camt053,
                "mt940" => StatementKind::Mt940,
                other => bail!("--format {other}: expected camt053 or mt940"),
            };
            let db = open(&config).await?;
            let file = std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
            let started = std::time::Instant::now();
            let r =
                statement_gen::write_statement(&db, TenantId(tenant), entries, kind, seed, date.unwrap_or_else(web::today), file).await?;
            db.close().await;
            println!(
                "{}: {} entries paying from {} open invoices, {:.1} MB in {:.2} s",
                out.display(),
                r.entries,
                r.open_invoices,
                r.bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Bench(BenchCommand::Statement { file }) => {
            let size = std::fs::metadata(&file).with_context(|| format!("reading {}", file.display()))?.len();
            let input = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&file)?);
            let started = std::time::Instant::now();
            let reader = formats::statement::StatementReader::new(input).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let (mut entries, mut credits) = (0u64, 0i64);
            for entry in reader {
                let e = entry.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                entries += 1;
                if e.direction == formats::statement::Direction::Credit {
                    credits += e.amount.cents();
                }
            }
            let secs = started.elapsed().as_secs_f64();
            println!("{}: {entries} entries, {} in, {:.1} MB", file.display(), Cents::from_cents_unchecked(credits), size as f64 / 1e6);
            println!(
                "read in {secs:.2} s: {:.0} MB/s, {:.0} entries/s",
                size as f64 / 1e6 / secs.max(1e-9),
                entries as f64 / secs.max(1e-9)
            );
            println!("peak memory {}", peak_rss().unwrap_or_else(|| "unknown".into()));
            Ok(())
        }
        Command::Bench(BenchCommand::Matching { tenant, file, book }) => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let started = std::time::Instant::now();
            let (_, entries) = formats::statement::read_statement(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let parse = started.elapsed().as_secs_f64();
            drop(bytes);
            let db = open(&config).await?;
            let r = ledger::rehearse_matching(&db, TenantId(tenant), &entries).await?;
            let open: i64 = {
                let mut tx = db.read().await?;
                let n = tx.count_open_invoices(TenantId(tenant)).await?;
                tx.commit().await?;
                n
            };
            println!("{}: {} entries read in {parse:.2} s; tenant {tenant} has {open} open invoices", file.display(), entries.len());
            println!(
                "matching {} payments: {:.2} s ({:.2} s reading {} invoices the statement points at, {:.2} s judging): {:.0} payments/s",
                r.payments,
                r.load_seconds + r.judge_seconds,
                r.load_seconds,
                r.invoices_loaded,
                r.judge_seconds,
                r.payments as f64 / (r.load_seconds + r.judge_seconds).max(1e-9)
            );
            println!("{} would be allocated without a person, {} would wait in the queue", r.automatic, r.queued);
            if book {
                let input = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&file)?);
                let started = std::time::Instant::now();
                let report = ledger::import_statement(&db, TenantId(tenant), &file.display().to_string(), input).await?;
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "import: {} entries, {} allocated, {} queued, {} returned in {secs:.2} s: {:.0} entries/s",
                    report.entries,
                    report.allocated,
                    report.queued,
                    report.returned,
                    report.entries as f64 / secs.max(1e-9)
                );
            }
            db.close().await;
            println!("peak memory {}", peak_rss().unwrap_or_else(|| "unknown".into()));
            Ok(())
        }
        Command::Bench(BenchCommand::Interest { iterations }) => {
            let from = jiff::civil::date(2005, 1, 31);
            let payments: Vec<PartPayment> = (1..=240)
                .map(|m| PartPayment {
                    on: from.checked_add(jiff::Span::new().months(m)).unwrap_or(from),
                    amount: Cents::from_cents_unchecked(15_000),
                })
                .collect();
            let claim = Claim {
                kind: InterestKind::Commercial,
                principal: Cents::from_cents_unchecked(5_000_000),
                from,
                to: jiff::civil::date(2025, 1, 31),
                costs: Cents::from_cents_unchecked(87_500),
                payments,
            };
            let first = statutory_interest(&claim, Convention::default())?;
            let started = std::time::Instant::now();
            let mut checksum = 0i64;
            for _ in 0..iterations.max(1) {
                let s = statutory_interest(std::hint::black_box(&claim), Convention::default())?;
                checksum = checksum.wrapping_add(s.interest.cents());
            }
            let secs = started.elapsed().as_secs_f64();
            let n = f64::from(iterations.max(1));
            println!("interest over 20 years, 240 monthly payments, {} periods: {} interest", first.periods.len(), first.interest);
            println!(
                "{} calls in {secs:.3} s: {:.1} µs per call, {:.0} calls/s (checksum {checksum})",
                iterations.max(1),
                secs / n * 1e6,
                n / secs
            );
            println!("peak memory {}", peak_rss().unwrap_or_else(|| "unknown".into()));
            Ok(())
        }
        Command::Gen { debtors, invoices, seed, as_of, unpaid, activity } => {
            let db = open(&config).await?;
            let report = synth::generate(&db, debtors, invoices, seed, as_of.unwrap_or_else(web::today), unpaid, activity).await?;
            db.close().await;
            let rows = (report.debtors + report.invoices) as f64;
            println!("tenant {}", report.tenant);
            println!("debtors {} invoices {}", report.debtors, report.invoices);
            if activity {
                println!("promises, arrangements, calls, portal events and disputes {}", report.activity);
            }
            println!("elapsed {:.2} s, {:.0} rows/s", report.seconds, rows / report.seconds.max(1e-9));
            println!("peak memory {}", peak_rss().unwrap_or_else(|| "unknown".into()));
            Ok(())
        }
    }
}

/// What `demo` shows besides the server: the API key and a demo debtor's portal.
/// Runs a report five times, each in its own read transaction, and prints the fastest and the
/// slowest run with what the last one found.
async fn time_five<F, Fut>(db: &Db, name: &str, run: F) -> Result<String>
where
    F: Fn(store::Tx) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<String, store::StoreError>>,
{
    let mut runs = Vec::new();
    let mut found = String::new();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        found = run(db.read().await?).await?;
        runs.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let (min, max) = runs.iter().fold((f64::MAX, 0.0f64), |(a, b), r| (a.min(*r), b.max(*r)));
    println!("{name:<8} fastest {min:>7.1} ms, slowest {max:>7.1} ms (5 runs): {found}");
    Ok(found)
}

struct Demo<'a> {
    key: &'a str,
    portal_token: Option<&'a str>,
    /// The back-office's demo sign-in: address and password.
    office: (&'a str, &'a str),
}

async fn serve(db: Db, config: &Config, demo: Option<Demo<'_>>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    println!("Tegoed is serving http://{addr}/");
    println!("  API:      http://{addr}/api/v1/   (OpenAPI: http://{addr}/api/v1/openapi.json)");
    if let Some(d) = demo {
        println!("  try:      curl -H 'Authorization: Bearer {}' 'http://{addr}/api/v1/invoices?overdue=true&limit=5'", d.key);
        println!("  office:   http://{addr}/office/login   (sign in as {} with password {})", d.office.0, d.office.1);
        if let Some(token) = d.portal_token {
            println!("  portal:   http://{addr}/portal/{token}   (a demo debtor's portal, as a message links to it)");
        }
    }
    let run_at = scheduler::parse_run_at(&config.run_at).map_err(|e| anyhow::anyhow!(e))?;
    if let Some(dir) = &config.letters_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating letters_dir {}", dir.display()))?;
        println!("  letters:  a print file per tenant after each daily run, in {}", dir.display());
    }
    let daily = run_at.map(|at| {
        println!("  dunning:  every day at {at} Europe/Amsterdam (run_at)");
        tokio::spawn(scheduler::daily(db.clone(), at, config.letters_dir.clone()))
    });
    let (stop_sending, stopped) = tokio::sync::oneshot::channel::<()>();
    let sending = match outbox_worker(&db, config, channels::outbox::WorkerSettings::default()) {
        Ok(worker) => {
            println!("  outbox:   delivered by {}", configured_channels(config).join(", "));
            Some(tokio::spawn(async move { worker.run(async { stopped.await.unwrap_or(()) }).await }))
        }
        Err(_) => {
            println!("  outbox:   not delivered (set smtp_url, or Twilio or WhatsApp, to send messages)");
            None
        }
    };
    let mut app = web::App::new(db.clone(), config.admin_token.clone()).behind_proxy(config.behind_proxy);
    if let Some(p) = providers(config) {
        println!("  pay:      payment links and webhooks at {}/pay/ and {}/webhooks/", p.public_url, p.public_url);
        app = app.with_providers(p);
    }
    web::serve(listener, app).await.context("serving")?;
    if let Some(task) = daily {
        task.abort();
    }
    // The sender finishes the messages it holds, so none is left in doubt.
    let _ = stop_sending.send(());
    if let Some(task) = sending {
        let _ = task.await;
    }
    db.close().await;
    Ok(())
}

/// The outbox worker with every channel the configuration names; an error when it names none.
fn outbox_worker(db: &Db, config: &Config, settings: channels::outbox::WorkerSettings) -> Result<channels::outbox::Worker> {
    let parallel = settings.parallel.max(1) as u32;
    // Without a tenant filter this worker serves everyone, so it is the only sender.
    let sole = settings.tenants.is_empty();
    let mut worker = channels::outbox::Worker::new(db.clone(), settings);
    if sole {
        worker = worker.as_sole_sender();
    }
    let mut any = false;
    if let Some(url) = &config.smtp_url {
        let mail = channels::email::MailSettings { url: url.clone(), from: config.mail_from.clone(), connections: parallel };
        worker = worker.with_mailer(channels::email::Mailer::new(&mail)?);
        any = true;
    }
    let base = config.public_url.as_deref().map(|u| u.trim_end_matches('/').to_string());
    if let (Some(sid), Some(token), Some(from)) = (&config.twilio_account_sid, &config.twilio_auth_token, &config.twilio_from) {
        worker = worker.with_sms(channels::providers::SmsSender::new(channels::providers::TwilioSettings {
            api: config.twilio_api.clone(),
            account_sid: sid.clone(),
            auth_token: token.clone(),
            from: from.clone(),
            status_callback: base.as_ref().map(|b| format!("{b}/webhooks/twilio")),
        }));
        any = true;
    }
    if let (Some(token), Some(phone)) = (&config.whatsapp_token, &config.whatsapp_phone_number_id) {
        worker = worker.with_whatsapp(channels::providers::WhatsAppSender::new(channels::providers::WhatsAppSettings {
            api: config.whatsapp_api.clone(),
            phone_number_id: phone.clone(),
            token: token.clone(),
            template_prefix: config.whatsapp_template_prefix.clone(),
        }));
        any = true;
    }
    if !any {
        bail!("no channel to send by: set smtp_url (TEGOED_SMTP_URL, e.g. smtp://127.0.0.1:25), or Twilio or WhatsApp");
    }
    if let (Some(b), Some(_)) = (&base, &config.mollie_api_key) {
        worker = worker.with_payment_links(b);
    }
    if let Some(b) = &base {
        worker = worker.with_portal_links(b);
    }
    Ok(worker)
}

/// The channels the configuration sets up.
fn configured_channels(config: &Config) -> Vec<&'static str> {
    let mut c = Vec::new();
    if config.smtp_url.is_some() {
        c.push("email");
    }
    if config.twilio_account_sid.is_some() && config.twilio_auth_token.is_some() && config.twilio_from.is_some() {
        c.push("sms");
    }
    if config.whatsapp_token.is_some() && config.whatsapp_phone_number_id.is_some() {
        c.push("whatsapp");
    }
    c
}

/// Payment links and the providers' webhooks, when `public_url` is set.
fn providers(config: &Config) -> Option<web::pay::Providers> {
    let public_url = config.public_url.clone()?;
    Some(web::pay::Providers {
        public_url,
        mollie: config
            .mollie_api_key
            .as_ref()
            .map(|k| channels::psp::Mollie::new(channels::psp::MollieSettings { api: config.mollie_api.clone(), api_key: k.clone() })),
        twilio_auth_token: config.twilio_auth_token.clone(),
        whatsapp: config.whatsapp_app_secret.clone().zip(config.whatsapp_verify_token.clone()),
    })
}

/// `tegoed bench portal`: the overview page of one debtor with `invoices` open invoices, on a
/// fresh SQLite database in a temporary directory, loaded by wrk for `seconds`.
async fn bench_portal(invoices: u32, seconds: u32, connections: u32) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("tegoed-bench-portal-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = Db::connect(&format!("sqlite:{}", dir.join("portal.db").display())).await?;
    db.migrate().await?;
    let tenant = web::api::provision_tenant(&db, &NewTenant::minimal(synth::DEMO_TENANT, synth::dutch_iban("RABO", 3_141_592_653))).await?;
    let token = synth::portal_debtor(&db, tenant.tenant.id, invoices, web::today()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/portal/{token}", listener.local_addr()?);
    let server = tokio::spawn(web::serve_on(listener, web::App::new(db.clone(), None)));
    // One page first: it must be the overview with every invoice.
    let first = url.clone();
    let page = tokio::task::spawn_blocking(move || http_get(&first)).await??;
    let rows = page.matches("name=\"select\"").count();
    if rows != invoices as usize {
        bail!("the overview shows {rows} invoices, not {invoices}");
    }
    println!("overview page: {} bytes, {rows} open invoices, SQLite; wrk -t2 -c{connections} -d{seconds}s --latency", page.len());
    let args = ["-t2".to_string(), format!("-c{connections}"), format!("-d{seconds}s"), "--latency".to_string(), url.clone()];
    let out = tokio::task::spawn_blocking(move || std::process::Command::new("wrk").args(&args).output())
        .await?
        .context("running wrk (install Debian's wrk)")?;
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    server.abort();
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        bail!("wrk failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    if let Some(line) = report.lines().find(|l| l.contains("Non-2xx or 3xx responses")) {
        bail!("{line}\n{report}");
    }
    let rps = report.lines().find_map(|l| l.trim().strip_prefix("Requests/sec:")).map(str::trim).unwrap_or("?").to_string();
    let p = |q: &str| report.lines().find_map(|l| l.trim().strip_prefix(q)).map(str::trim).unwrap_or("?").to_string();
    println!("{report}");
    println!("{rps} requests/s; latency p50 {}, p90 {}, p99 {}", p("50%"), p("90%"), p("99%"));
    println!("peak memory {}", peak_rss().unwrap_or_else(|| "unknown".into()));
    Ok(())
}

/// A page over plain HTTP/1.1 on loopback (the benchmark's first look).
fn http_get(url: &str) -> Result<String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").context("an http:// address")?;
    let (host, path) = rest.split_once('/').context("a path")?;
    let mut s = std::net::TcpStream::connect(host)?;
    s.write_all(format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).to_string();
    if !text.starts_with("HTTP/1.1 200") {
        bail!("the overview answered: {}", text.lines().next().unwrap_or_default());
    }
    Ok(text)
}

/// Peak resident memory of this process (VmHWM), where the OS tells it.
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).map(|v| v.trim().to_string())
}
