//! Synthetic bank statements paying a tenant's open invoices (data from `tegoed gen`), in the
//! ways real payers pay: by structured reference, a reference or invoice number typed into the
//! description, with no reference at all, or not for an invoice — plus the tenant's own payments
//! out. For the parsing and matching benchmarks; the same seed gives the same file.

use std::io::Write;

use domain::ids::{DebtorId, TenantId};
use domain::matching::MatchInvoice;
use domain::money::Cents;
use domain::reference::PaymentReference;
use jiff::civil::Date;
use store::Db;

use crate::synth::{Rng, dutch_iban};

/// The file format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// camt.053.001.02, as Dutch banks deliver it.
    Camt053,
    /// MT940 with ING's structured `:86:`.
    Mt940,
}

/// How a made-up entry pays.
#[derive(Clone, Copy)]
enum Way {
    Structured,
    ReferenceInText,
    NumberInText,
    NameOnly,
    Unknown,
    Supplier,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct GenStatementReport {
    /// Entries written.
    pub entries: u64,
    /// Open invoices they were drawn from.
    pub open_invoices: u64,
    /// Bytes written.
    pub bytes: u64,
}

struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn amount(c: Cents, decimal: char) -> String {
    format!("{}{decimal}{:02}", c.cents() / 100, c.cents() % 100)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Writes `entries` entries of the given kind to `out`, drawing on the tenant's open invoices.
pub async fn write_statement(
    db: &Db,
    tenant: TenantId,
    entries: u64,
    kind: StatementKind,
    seed: u64,
    on: Date,
    out: impl Write,
) -> Result<GenStatementReport, anyhow::Error> {
    let mut open: Vec<MatchInvoice> = Vec::new();
    let mut tx = db.read().await?;
    let own = tx.tenant(tenant).await?.ok_or_else(|| anyhow::anyhow!("no tenant {tenant}"))?;
    loop {
        let after = open.last().map_or(0, |i| i.id.0);
        let page = tx.open_match_invoices_page(tenant, after, 50_000).await?;
        if page.is_empty() {
            break;
        }
        open.extend(page);
    }
    if open.is_empty() {
        anyhow::bail!("tenant {tenant} has no open invoices to pay; run tegoed gen first");
    }
    let mut rng = Rng::new(seed);
    let ways: Vec<(Way, usize)> = (0..entries)
        .map(|_| {
            let way = match rng.below(100) {
                0..55 => Way::Structured,
                55..70 => Way::ReferenceInText,
                70..80 => Way::NumberInText,
                80..85 => Way::NameOnly,
                85..95 => Way::Unknown,
                _ => Way::Supplier,
            };
            (way, rng.below(open.len() as u64) as usize)
        })
        .collect();
    let mut wanted: Vec<DebtorId> = ways.iter().filter(|(w, _)| matches!(w, Way::NameOnly)).map(|(_, i)| open[*i].debtor_id).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let names: std::collections::HashMap<DebtorId, String> = tx.debtor_names(tenant, &wanted).await?.into_iter().collect();
    tx.commit().await?;

    let account = own.iban.as_str().to_string();
    let mut w = Counting { inner: std::io::BufWriter::with_capacity(1 << 20, out), bytes: 0 };
    let day = on.strftime("%Y-%m-%d").to_string();
    let yymmdd = on.strftime("%y%m%d").to_string();
    if kind == StatementKind::Camt053 {
        write!(
            w,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
             <BkToCstmrStmt>\n<GrpHdr><MsgId>TEGOED-GEN-{seed}</MsgId><CreDtTm>{day}T18:00:00+01:00</CreDtTm></GrpHdr>\n\
             <Stmt>\n<Id>GEN{seed}-{day}</Id>\n<ElctrncSeqNb>1</ElctrncSeqNb>\n<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
        )?;
    }
    for (n, (way, i)) in ways.iter().enumerate() {
        let inv = &open[*i];
        let reference = inv.reference.clone().unwrap_or_default();
        let grouped = match PaymentReference::parse(&reference) {
            Ok(PaymentReference::Kenmerk(k)) => k.grouped(),
            Ok(PaymentReference::Rf(r)) => r.grouped(),
            Err(_) => reference.clone(),
        };
        let payer_iban = dutch_iban("RABO", inv.debtor_id.0 as u64).as_str().to_string();
        let (credit, value, name, iban, strd, ustrd) = match way {
            Way::Structured => (true, inv.outstanding, format!("Klant {}", inv.debtor_id), payer_iban, Some(reference.clone()), None),
            Way::ReferenceInText => {
                (true, inv.outstanding, format!("Klant {}", inv.debtor_id), payer_iban, None, Some(format!("Betaling kenmerk {grouped}")))
            }
            Way::NumberInText => (
                true,
                inv.outstanding,
                format!("Klant {}", inv.debtor_id),
                payer_iban,
                None,
                Some(format!("Factuur {} dank u", inv.number)),
            ),
            Way::NameOnly => {
                let name = names.get(&inv.debtor_id).cloned().unwrap_or_default().to_uppercase();
                (true, inv.outstanding, name, dutch_iban("ABNA", 5_000_000 + n as u64).as_str().to_string(), None, Some("Betaling".into()))
            }
            Way::Unknown => (
                true,
                Cents::from_cents_unchecked(100 + rng.below(50_000) as i64),
                format!("Particulier {n}"),
                dutch_iban("INGB", 7_000_000 + n as u64).as_str().to_string(),
                None,
                Some("Overboeking".into()),
            ),
            Way::Supplier => (
                false,
                Cents::from_cents_unchecked(1_000 + rng.below(500_000) as i64),
                "Kantoorartikelen B.V.".into(),
                dutch_iban("INGB", 8_000_000 + n as u64 % 50).as_str().to_string(),
                None,
                Some(format!("Inkoopfactuur {n}")),
            ),
        };
        let bank_ref = format!("GEN{seed}{n:010}");
        match kind {
            StatementKind::Camt053 => {
                let party = if credit { "Dbtr" } else { "Cdtr" };
                let rmt = match (&strd, &ustrd) {
                    (Some(r), _) => {
                        format!(
                            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>CUR</Issr></Tp><Ref>{r}</Ref></CdtrRefInf></Strd>"
                        )
                    }
                    (None, Some(u)) => format!("<Ustrd>{}</Ustrd>", xml_escape(u)),
                    (None, None) => String::new(),
                };
                write!(
                    w,
                    "<Ntry>\n  <Amt Ccy=\"EUR\">{}</Amt>\n  <CdtDbtInd>{}</CdtDbtInd>\n  <RvslInd>false</RvslInd>\n  <Sts>BOOK</Sts>\n  \
                     <BookgDt><Dt>{day}</Dt></BookgDt>\n  <ValDt><Dt>{day}</Dt></ValDt>\n  <AcctSvcrRef>{bank_ref}</AcctSvcrRef>\n  \
                     <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{}</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>\n  <NtryDtls><TxDtls>\n    \
                     <Refs><AcctSvcrRef>{bank_ref}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>\n    \
                     <AmtDtls><TxAmt><Amt Ccy=\"EUR\">{}</Amt></TxAmt></AmtDtls>\n    \
                     <RltdPties><{party}><Nm>{}</Nm></{party}><{party}Acct><Id><IBAN>{iban}</IBAN></Id></{party}Acct></RltdPties>\n    \
                     <RmtInf>{rmt}</RmtInf>\n  </TxDtls></NtryDtls>\n</Ntry>\n",
                    amount(value, '.'),
                    if credit { "CRDT" } else { "DBIT" },
                    if credit { "RCDT" } else { "ICDT" },
                    amount(value, '.'),
                    xml_escape(&name),
                )?;
            }
            StatementKind::Mt940 => {
                if n % 1000 == 0 {
                    if n > 0 {
                        write!(w, ":62F:C{yymmdd}EUR0,00\r\n-}}\r\n")?;
                    }
                    write!(
                        w,
                        "{{1:F01INGBNL2ABXXX0000000000}}{{2:I940INGBNL2AXXXN}}{{4:\r\n:20:P{yymmdd}{:08}\r\n:25:{account}EUR\r\n:28C:{}\r\n:60F:C{yymmdd}EUR0,00\r\n",
                        n / 1000,
                        n / 1000 + 1
                    )?;
                }
                let customer = strd.clone().filter(|r| r.len() == 16).unwrap_or_else(|| "NONREF".into());
                write!(
                    w,
                    ":61:{yymmdd}{}{}{}NTRF{customer}//{:014}\r\n/TRCD/00100/\r\n",
                    &yymmdd[2..],
                    if credit { "C" } else { "D" },
                    amount(value, ','),
                    n
                )?;
                let remi = match (&strd, &ustrd) {
                    (Some(r), _) => format!("/REMI/STRD/CUR/{r}/"),
                    (None, Some(u)) => format!("/REMI/USTD//{u}/"),
                    (None, None) => String::new(),
                };
                let info = format!("/EREF/NOTPROVIDED//CNTP/{iban}/RABONL2U/{name}/UTRECHT/{remi}");
                let chars: Vec<char> = info.chars().collect();
                for (k, line) in chars.chunks(65).enumerate() {
                    let text: String = line.iter().collect();
                    if k == 0 {
                        write!(w, ":86:{text}\r\n")?;
                    } else {
                        write!(w, "{text}\r\n")?;
                    }
                }
            }
        }
    }
    match kind {
        StatementKind::Camt053 => write!(w, "</Stmt>\n</BkToCstmrStmt>\n</Document>\n")?,
        StatementKind::Mt940 => write!(w, ":62F:C{yymmdd}EUR0,00\r\n-}}\r\n")?,
    }
    w.flush()?;
    Ok(GenStatementReport { entries, open_invoices: open.len() as u64, bytes: w.bytes })
}
