//! Invoice lists exported as CSV by accounting packages (Exact Online, Twinfield, AFAS,
//! Moneybird, e-Boekhouden, Snelstart, …). There is no standard (see formats.md §9), so the
//! columns are found by a mapping: given per import, or recognised from common Dutch and
//! English header names. Dates may be ISO or Dutch day-month-year; amounts may use a decimal
//! comma and a thousands dot.

use std::collections::{BTreeMap, HashMap};

use domain::contact::{EmailAddress, PhoneNumber};
use domain::dates::parse_date;
use domain::debtor::DebtorKind;
use domain::money::Cents;
use jiff::civil::Date;
use serde::Deserialize;

use crate::decode_text;

/// A field of an invoice that a CSV column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Invoice number (required).
    Number,
    /// The tenant's customer number of the debtor (required).
    CustomerId,
    /// The debtor's name; needed to create a debtor not yet known.
    CustomerName,
    /// Invoice date (required).
    IssueDate,
    /// Due date; without it, the invoice date plus the tenant's payment term.
    DueDate,
    /// Total including VAT (required).
    Total,
    /// VAT included in the total.
    Vat,
    /// What is still open; less than the total means part was paid already.
    OpenAmount,
    /// Currency; only EUR is accepted.
    Currency,
    /// Debtor's email address (for a new debtor).
    Email,
    /// Debtor's phone number (for a new debtor).
    Phone,
    /// Payment reference printed on the invoice.
    PaymentReference,
    /// Consumer or business (for a new debtor).
    CustomerKind,
}

impl Field {
    const ALL: [Field; 13] = [
        Field::Number,
        Field::CustomerId,
        Field::CustomerName,
        Field::IssueDate,
        Field::DueDate,
        Field::Total,
        Field::Vat,
        Field::OpenAmount,
        Field::Currency,
        Field::Email,
        Field::Phone,
        Field::PaymentReference,
        Field::CustomerKind,
    ];

    /// The name used in mapping files and flags.
    pub fn name(self) -> &'static str {
        match self {
            Field::Number => "number",
            Field::CustomerId => "customer_id",
            Field::CustomerName => "customer_name",
            Field::IssueDate => "issue_date",
            Field::DueDate => "due_date",
            Field::Total => "total",
            Field::Vat => "vat",
            Field::OpenAmount => "open_amount",
            Field::Currency => "currency",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::PaymentReference => "payment_reference",
            Field::CustomerKind => "customer_kind",
        }
    }

    /// Reads a field name as written in a mapping.
    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == s.trim())
    }

    /// Header names recognised without a mapping, lower case.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Number => {
                &["number", "invoice number", "invoice_number", "invoice no", "factuurnummer", "factuurnr", "factuur nr", "factuur"]
            }
            Field::CustomerId => &[
                "customer_id",
                "customer id",
                "customer number",
                "debtor id",
                "klantnummer",
                "klantnr",
                "debiteurnummer",
                "debiteurnr",
                "relatienummer",
                "relatiecode",
            ],
            Field::CustomerName => &[
                "customer_name",
                "customer name",
                "customer",
                "debtor",
                "name",
                "klantnaam",
                "klant",
                "debiteur",
                "debiteurnaam",
                "relatie",
                "naam",
            ],
            Field::IssueDate => &["issue_date", "invoice date", "date", "factuurdatum", "datum"],
            Field::DueDate => &["due_date", "due date", "vervaldatum", "verloopdatum"],
            Field::Total => &[
                "total",
                "amount",
                "invoice amount",
                "bedrag",
                "totaal",
                "factuurbedrag",
                "bedrag incl. btw",
                "bedrag incl btw",
                "totaal incl. btw",
            ],
            Field::Vat => &["vat", "vat amount", "btw", "btw-bedrag", "btw bedrag"],
            Field::OpenAmount => &["open_amount", "open amount", "outstanding", "open", "openstaand", "openstaand bedrag", "saldo"],
            Field::Currency => &["currency", "valuta", "munteenheid"],
            Field::Email => &["email", "e-mail", "emailadres", "e-mailadres"],
            Field::Phone => &["phone", "telephone", "telefoon", "telefoonnummer", "mobiel"],
            Field::PaymentReference => &["payment_reference", "payment reference", "betalingskenmerk", "kenmerk"],
            Field::CustomerKind => &["customer_kind", "kind", "type", "soort"],
        }
    }

    const REQUIRED: [Field; 4] = [Field::Number, Field::CustomerId, Field::IssueDate, Field::Total];
}

/// How to read a file: which header holds which field, and the delimiter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// The field separator; found from the header line when absent (`;`, `,` or tab).
    pub delimiter: Option<char>,
    /// Kind of a new debtor when the file has no customer_kind column (default business).
    pub default_kind: Option<DebtorKind>,
    /// Field name → header text. Fields not named are recognised by common header names.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

impl ColumnMapping {
    /// Adds `field=Header` pairs as given on the command line.
    pub fn with_pairs<'a>(mut self, pairs: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        for pair in pairs {
            let (field, header) = pair.split_once('=').ok_or_else(|| format!("'{pair}': expected field=Header"))?;
            self.columns.insert(field.trim().to_string(), header.trim().to_string());
        }
        Ok(self)
    }
}

/// One problem in a file: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    /// Line in the file, counting from 1 (the header is line 1).
    pub line: u64,
    /// The column's header, when the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column '{c}': {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// An invoice row as read, checked cell by cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvInvoice {
    /// Line in the file.
    pub line: u64,
    /// Invoice number.
    pub number: String,
    /// Customer number.
    pub customer_id: String,
    /// Customer name, if given.
    pub customer_name: Option<String>,
    /// Consumer or business, if given (else the mapping's default).
    pub customer_kind: DebtorKind,
    /// Email, if given.
    pub email: Option<EmailAddress>,
    /// Phone, if given.
    pub phone: Option<PhoneNumber>,
    /// Invoice date.
    pub issue_date: Date,
    /// Due date, if given.
    pub due_date: Option<Date>,
    /// Total including VAT.
    pub total: Cents,
    /// VAT included.
    pub vat: Cents,
    /// Open amount, if given.
    pub open_amount: Option<Cents>,
    /// Payment reference, if given.
    pub payment_reference: Option<String>,
}

/// Most problems listed for one file: enough to fix a systematic mistake, not a flood.
pub const MAX_PROBLEMS: usize = 50;

/// Reads a whole invoice file. Either every row is good, or the problems (up to
/// [`MAX_PROBLEMS`]) say which lines and columns are not, so nothing is imported half.
pub fn read_invoices(bytes: &[u8], mapping: &ColumnMapping) -> Result<Vec<CsvInvoice>, Vec<CsvProblem>> {
    let text = decode_text(bytes);
    let first_line = text.lines().next().unwrap_or_default();
    if first_line.trim().is_empty() {
        return Err(vec![CsvProblem { line: 1, column: None, message: "the file is empty; expected a header line".into() }]);
    }
    let delimiter = mapping.delimiter.unwrap_or_else(|| detect_delimiter(first_line));
    let delimiter = u8::try_from(delimiter).ok().filter(u8::is_ascii).ok_or_else(|| {
        vec![CsvProblem { line: 1, column: None, message: format!("delimiter '{delimiter}' must be one ASCII character") }]
    })?;
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => return Err(vec![CsvProblem { line: 1, column: None, message: format!("the header line cannot be read: {e}") }]),
    };
    let columns = resolve_columns(&headers, mapping)?;
    let default_kind = mapping.default_kind.unwrap_or(DebtorKind::Business);

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                problems.push(CsvProblem { line, column: None, message: format!("cannot be read as CSV: {e}") });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != headers.len() {
            problems.push(CsvProblem {
                line,
                column: None,
                message: format!("has {} fields where the header has {}; check the delimiter and quotes", record.len(), headers.len()),
            });
            continue;
        }
        let mut row = RowReader { record: &record, headers: &headers, columns: &columns, line, problems: &mut problems };
        let number = row.required(Field::Number, |s| Ok(s.to_string()));
        let customer_id = row.required(Field::CustomerId, |s| Ok(s.to_string()));
        let customer_name = row.optional(Field::CustomerName, |s| Ok(s.to_string()));
        let customer_kind = row.optional(Field::CustomerKind, parse_kind);
        let email = row.optional(Field::Email, |s| EmailAddress::parse(s).map_err(|e| e.reason));
        let phone = row.optional(Field::Phone, |s| PhoneNumber::parse(s).map_err(|e| e.reason));
        let issue_date = row.required(Field::IssueDate, |s| parse_date(s).map_err(|e| e.reason));
        let due_date = row.optional(Field::DueDate, |s| parse_date(s).map_err(|e| e.reason));
        let total = row.required(Field::Total, parse_amount);
        let vat = row.optional(Field::Vat, parse_amount);
        let open_amount = row.optional(Field::OpenAmount, parse_amount);
        let payment_reference = row.optional(Field::PaymentReference, |s| Ok(s.to_string()));
        row.optional(Field::Currency, |s| {
            if s.eq_ignore_ascii_case("EUR") || s == "€" { Ok(()) } else { Err(format!("'{s}': Tegoed collects in euro only (EUR)")) }
        });
        let (Some(number), Some(customer_id), Some(issue_date), Some(total)) = (number, customer_id, issue_date, total) else {
            continue;
        };
        let (
            Some(customer_name),
            Some(customer_kind),
            Some(email),
            Some(phone),
            Some(due_date),
            Some(vat),
            Some(open_amount),
            Some(payment_reference),
        ) = (customer_name, customer_kind, email, phone, due_date, vat, open_amount, payment_reference)
        else {
            continue;
        };
        rows.push(CsvInvoice {
            line,
            number,
            customer_id,
            customer_name,
            customer_kind: customer_kind.unwrap_or(default_kind),
            email,
            phone,
            issue_date,
            due_date,
            total,
            vat: vat.unwrap_or(Cents::ZERO),
            open_amount,
            payment_reference,
        });
    }
    if problems.is_empty() && rows.is_empty() {
        problems.push(CsvProblem { line: 2, column: None, message: "no invoice rows below the header".into() });
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

fn parse_amount(s: &str) -> Result<Cents, String> {
    Cents::parse(s).map_err(|e| e.reason)
}

fn parse_kind(s: &str) -> Result<DebtorKind, String> {
    match s.to_lowercase().as_str() {
        "consumer" | "particulier" | "consument" | "b2c" | "p" => Ok(DebtorKind::Consumer),
        "business" | "zakelijk" | "bedrijf" | "b2b" | "z" => Ok(DebtorKind::Business),
        _ => Err(format!("'{s}' is not a kind of customer: expected consumer/particulier or business/zakelijk")),
    }
}

fn detect_delimiter(header: &str) -> char {
    [';', ',', '\t', '|'].into_iter().max_by_key(|d| header.matches(*d).count()).unwrap_or(',')
}

fn resolve_columns(headers: &[String], mapping: &ColumnMapping) -> Result<HashMap<Field, usize>, Vec<CsvProblem>> {
    let mut problems = Vec::new();
    let mut columns = HashMap::new();
    let find = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name.trim()));
    for (field_name, header) in &mapping.columns {
        match (Field::parse(field_name), find(header)) {
            (None, _) => problems.push(CsvProblem {
                line: 1,
                column: None,
                message: format!(
                    "the mapping names field '{field_name}', which does not exist; fields are: {}",
                    Field::ALL.map(Field::name).join(", ")
                ),
            }),
            (Some(_), None) => problems.push(CsvProblem {
                line: 1,
                column: Some(header.clone()),
                message: format!(
                    "the mapping puts {field_name} in column '{header}', but the header has no such column (it has: {})",
                    headers.join(", ")
                ),
            }),
            (Some(f), Some(i)) => {
                columns.insert(f, i);
            }
        }
    }
    for f in Field::ALL {
        if columns.contains_key(&f) {
            continue;
        }
        let taken: Vec<usize> = columns.values().copied().collect();
        if let Some(i) = headers
            .iter()
            .enumerate()
            .find_map(|(i, h)| (!taken.contains(&i) && f.synonyms().contains(&h.trim().to_lowercase().as_str())).then_some(i))
        {
            columns.insert(f, i);
        }
    }
    for f in Field::REQUIRED {
        if !columns.contains_key(&f) {
            problems.push(CsvProblem {
                line: 1,
                column: None,
                message: format!(
                    "no column for {}: name it in the mapping ({}=YOUR HEADER) or use a header such as '{}'",
                    f.name(),
                    f.name(),
                    f.synonyms()[1.min(f.synonyms().len() - 1)]
                ),
            });
        }
    }
    if problems.is_empty() { Ok(columns) } else { Err(problems) }
}

struct RowReader<'a> {
    record: &'a csv::StringRecord,
    headers: &'a [String],
    columns: &'a HashMap<Field, usize>,
    line: u64,
    problems: &'a mut Vec<CsvProblem>,
}

impl RowReader<'_> {
    /// `None` when a problem was recorded.
    fn required<T>(&mut self, f: Field, parse: impl Fn(&str) -> Result<T, String>) -> Option<T> {
        match self.optional(f, parse) {
            Some(Some(v)) => Some(v),
            Some(None) => {
                let i = self.columns[&f];
                self.problems.push(CsvProblem {
                    line: self.line,
                    column: Some(self.headers[i].clone()),
                    message: format!("{} is empty", f.name()),
                });
                None
            }
            None => None,
        }
    }

    /// `Some(None)` for a missing column or an empty cell; `None` when a problem was recorded.
    fn optional<T>(&mut self, f: Field, parse: impl Fn(&str) -> Result<T, String>) -> Option<Option<T>> {
        let Some(&i) = self.columns.get(&f) else { return Some(None) };
        let cell = self.record.get(i).unwrap_or_default();
        if cell.is_empty() {
            return Some(None);
        }
        match parse(cell) {
            Ok(v) => Some(Some(v)),
            Err(message) => {
                self.problems.push(CsvProblem { line: self.line, column: Some(self.headers[i].clone()), message });
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn read(text: &str) -> Result<Vec<CsvInvoice>, Vec<CsvProblem>> {
        read_invoices(text.as_bytes(), &ColumnMapping::default())
    }

    #[test]
    fn dutch_export_with_semicolons_decimal_commas_and_dutch_dates() {
        let rows = read(
            "Factuurnummer;Klantnummer;Klantnaam;Factuurdatum;Vervaldatum;Bedrag;BTW;Openstaand\n\
             F2024-001;K100;Bakkerij De Vries;1-3-2024;31-03-2024;1.210,00;210,00;1.210,00\n\
             F2024-002;K101;J. Jansen;2024-03-02;;\"99,95\";;50\n",
        )
        .expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].number, "F2024-001");
        assert_eq!(rows[0].issue_date, date(2024, 3, 1));
        assert_eq!(rows[0].due_date, Some(date(2024, 3, 31)));
        assert_eq!(rows[0].total.cents(), 121_000);
        assert_eq!(rows[0].vat.cents(), 21_000);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].due_date, None);
        assert_eq!(rows[1].open_amount.map(Cents::cents), Some(5_000));
        assert_eq!(rows[1].customer_kind, DebtorKind::Business);
    }

    #[test]
    fn a_mapping_names_unusual_headers() {
        let mapping = ColumnMapping { delimiter: Some(','), default_kind: Some(DebtorKind::Consumer), columns: BTreeMap::new() }
            .with_pairs(["number=Doc", "customer_id=Who", "issue_date=When", "total=Sum"])
            .expect("pairs");
        let rows = read_invoices(b"Doc,Who,When,Sum\nA1,C1,2024-01-05,12.50\n", &mapping).expect("valid");
        assert_eq!(rows[0].total.cents(), 1250);
        assert_eq!(rows[0].customer_kind, DebtorKind::Consumer);
    }

    #[test]
    fn every_bad_cell_is_named_by_line_and_column() {
        let problems = read(
            "invoice number,customer id,invoice date,amount,currency\n\
             A1,C1,2024-01-05,12.50,EUR\n\
             A2,C1,31-02-2024,12.50,EUR\n\
             A3,,2024-01-05,1.234,USD\n",
        )
        .expect_err("invalid");
        let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), 4, "{got:#?}");
        assert!(got[0].starts_with("line 3, column 'invoice date': '31-02-2024' is not a date"), "{}", got[0]);
        assert!(got[1].starts_with("line 4, column 'customer id': customer_id is empty"), "{}", got[1]);
        assert!(got[2].starts_with("line 4, column 'amount': '1.234' is not an amount"), "{}", got[2]);
        assert!(got[3].starts_with("line 4, column 'currency': 'USD'"), "{}", got[3]);
    }

    #[test]
    fn missing_required_columns_and_bad_mappings() {
        let p = read("number,date\nA1,2024-01-01\n").expect_err("invalid");
        let text: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert!(text.iter().any(|t| t.contains("no column for customer_id")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("no column for total")), "{text:?}");
        let m = ColumnMapping::default().with_pairs(["totl=Bedrag"]).expect("pairs");
        let p = read_invoices(b"a,b\n1,2\n", &m).expect_err("invalid");
        assert!(p[0].message.contains("field 'totl', which does not exist"));
        assert!(ColumnMapping::default().with_pairs(["nonsense"]).is_err());
    }

    #[test]
    fn ragged_rows_empty_files_and_windows_1252() {
        let p = read("number;customer id;date;amount\nA1;C1;2024-01-01\n").expect_err("ragged");
        assert_eq!(p[0].line, 2);
        assert!(p[0].message.contains("3 fields where the header has 4"));
        assert!(read("").is_err());
        assert!(read("number;customer id;date;amount\n").expect_err("no rows")[0].message.contains("no invoice rows"));
        let rows =
            read_invoices(b"number;klantnaam;customer id;date;amount\nA1;Caf\xe9 \x80;C1;2024-01-01;\x80 5\n", &ColumnMapping::default())
                .expect("valid");
        assert_eq!(rows[0].customer_name.as_deref(), Some("Café €"));
        assert_eq!(rows[0].total.cents(), 500);
    }
}
