//! Embeds the statutory interest rate table (data/nl-statutory-interest-rates.csv, a copy of
//! ../shared/data with its per-row sources) into the crate as constants, so the law module
//! reads no file at run time. A malformed row stops the build, naming the line.

use std::fmt::Write;

fn fields(line: &str) -> Vec<String> {
    // RFC 4180 fields: commas separate, double quotes enclose, "" is a quote inside quotes.
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

fn basis_points(rate: &str, line: usize) -> u32 {
    let (int, frac) = rate.split_once('.').unwrap_or((rate, ""));
    let ok = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.len() <= 2 && frac.bytes().all(|b| b.is_ascii_digit());
    assert!(ok, "nl-statutory-interest-rates.csv line {line}: rate_percent '{rate}' is not a percentage with at most two decimals");
    let int: u32 = int.parse().unwrap_or_else(|_| panic!("line {line}: rate too large"));
    let frac: u32 = format!("{frac:0<2}").parse().unwrap_or(0);
    int * 100 + frac
}

fn main() {
    let path = "data/nl-statutory-interest-rates.csv";
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut statutory = String::new();
    let mut commercial = String::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f = fields(line);
        assert!(
            f.len() == 6,
            "{path} line {n}: expected 6 fields (kind, effective_from, rate_percent, source_url, origin, notes), got {}",
            f.len()
        );
        let date: Vec<&str> = f[1].split('-').collect();
        assert!(date.len() == 3 && date[0].len() == 4, "{path} line {n}: effective_from '{}' is not yyyy-mm-dd", f[1]);
        let (y, m, d): (i16, i8, i8) = (
            date[0].parse().unwrap_or_else(|_| panic!("{path} line {n}: year")),
            date[1].parse().unwrap_or_else(|_| panic!("{path} line {n}: month")),
            date[2].parse().unwrap_or_else(|_| panic!("{path} line {n}: day")),
        );
        let row = format!(
            "    Rate {{ from: jiff::civil::date({y}, {m}, {d}), basis_points: {} }}, // line {n}: {}\n",
            basis_points(&f[2], n),
            f[4]
        );
        match f[0].as_str() {
            "wettelijk_6_119" => statutory.push_str(&row),
            "handels_6_119a" => commercial.push_str(&row),
            other => panic!("{path} line {n}: unknown kind '{other}'"),
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "/// Art. 6:119 BW (wettelijke rente), from {path}.\npub(crate) const STATUTORY: &[Rate] = &[\n{statutory}];");
    let _ = writeln!(
        out,
        "/// Art. 6:119a BW (wettelijke handelsrente), from {path}.\npub(crate) const COMMERCIAL: &[Rate] = &[\n{commercial}];"
    );
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("nl_rates.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
