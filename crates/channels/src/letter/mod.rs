//! Letters for post as PDF: A4, the address where a window envelope shows it, the tenant's
//! letterhead, a table of the invoices with what was paid and what is open, the text of the
//! step, and a payment box with the EPC QR code, the IBAN and the payment reference. A day's
//! letters go into one print file behind a cover page that lists them.
//!
//! Layout follows DIN 5008 form B, the layout window envelopes (DIN 680, C5/6 and DL with the
//! window on the left) are made for: the address field starts 45 mm from the top and 20 mm
//! from the left edge and is 85 × 45 mm, its first 17.7 mm for the return address; text has a
//! left margin of 25 mm and a right one of 20 mm. Most window envelopes sold in Europe have
//! their window 15–20 mm from the left and about 44 mm from the top, which this field fits.
//!
//! The fonts are PDF's standard Helvetica and Helvetica-Bold (nothing embedded, every reader has
//! them); text is written in WinAnsiEncoding, so a character outside it prints as `?`.

mod metrics;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use domain::debtor::Language;
use formats::qr::QrSymbol;

use domain::contact::Address;

use crate::compose::Facts;
use crate::texts::{INVOICES_MARK, InvoiceLine, MessageContext, QR_MARK};

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 25.0;
const RIGHT: f32 = 20.0;
const TEXT_W: f32 = PAGE_W - LEFT - RIGHT;
const BOTTOM: f32 = 25.0;
const BODY_SIZE: f32 = 10.0;
const LEADING: f32 = 4.9;
/// Side of one QR module: a version-13 code (69 modules and the quiet zone) stays within 55 mm.
const QR_MODULE: f32 = 0.7;

/// One letter, everything written out for the reader.
#[derive(Debug, Clone)]
pub struct Letter {
    /// The reader's language (labels, page numbers).
    pub language: Language,
    /// The creditor's name, large at the top.
    pub sender: String,
    /// The letterhead's other lines: address, phone, email, KvK, VAT number, IBAN.
    pub letterhead: Vec<String>,
    /// One line in the window above the address: where undeliverable post goes back to.
    pub return_address: String,
    /// The recipient's address lines (name, for the attention of, street, postcode and city,
    /// country), at most six.
    pub recipient: Vec<String>,
    /// The letter's date, written out.
    pub date: String,
    /// The payment reference, when there is one.
    pub reference: Option<String>,
    /// The subject line.
    pub subject: String,
    /// The text, with [`QR_MARK`] and [`INVOICES_MARK`] on paragraphs of their own.
    pub body: String,
    /// The invoices for the table.
    pub invoices: Vec<InvoiceLine>,
    /// What is open on them in all.
    pub total: String,
    /// The payment box's lines beside the QR code (label, value).
    pub payment: Vec<(String, String)>,
    /// The EPC QR code.
    pub qr: QrSymbol,
}

impl Letter {
    /// A letter to `address` from what a message was composed of, with its subject and body
    /// filled in for a letter ([`crate::texts::render_letter`]).
    pub fn compose(f: &Facts<'_>, address: &Address, ctx: &MessageContext, subject: String, body: String, qr: QrSymbol) -> Letter {
        let language = f.debtor.language;
        let nl = language == Language::Nl;
        let t = f.tenant;
        let mut letterhead = Vec::new();
        let mut return_address = t.legal_name.clone();
        if let Some(a) = &t.address {
            letterhead.push(a.street.clone());
            letterhead.push(format!("{} {}", a.postcode, a.city));
            return_address = format!("{} · {} · {} {}", t.legal_name, a.street, a.postcode, a.city);
        }
        if let Some(desk) = &f.settings.desk {
            if let Some(phone) = &desk.phone {
                letterhead.push(format!("{} {}", if nl { "Tel." } else { "Phone" }, phone.as_str()));
            }
            if let Some(email) = &desk.email {
                letterhead.push(email.as_str().to_string());
            }
        }
        if let Some(kvk) = &t.kvk_number {
            letterhead.push(format!("{} {}", if nl { "KvK" } else { "Chamber of Commerce" }, kvk.as_str()));
        }
        if let Some(vat) = &t.vat_id {
            letterhead.push(format!("{} {}", if nl { "Btw" } else { "VAT" }, vat.as_str()));
        }
        letterhead.push(format!("IBAN {}", t.iban.grouped()));
        let mut recipient = vec![f.debtor.name.clone()];
        if let Some(c) =
            f.debtor.contacts.first().filter(|c| c.name != f.debtor.name && f.debtor.kind == domain::debtor::DebtorKind::Business)
        {
            recipient.push(format!("{} {}", if nl { "t.a.v." } else { "Attn." }, c.name));
        }
        recipient.push(address.street.clone());
        recipient.push(format!("{}  {}", address.postcode, address.city.to_uppercase()));
        if address.country != "NL" {
            recipient.push(address.country.clone());
        }
        let mut payment = vec![
            ("IBAN".to_string(), t.iban.grouped()),
            ((if nl { "Ten name van" } else { "In the name of" }).to_string(), t.legal_name.clone()),
            ((if nl { "Bedrag" } else { "Amount" }).to_string(), ctx.total.clone()),
        ];
        match &ctx.reference {
            Some(r) => payment.push(((if nl { "Betalingskenmerk" } else { "Payment reference" }).to_string(), r.clone())),
            None => payment.push(((if nl { "Omschrijving" } else { "Description" }).to_string(), ctx.remittance.clone())),
        }
        Letter {
            language,
            sender: t.legal_name.clone(),
            letterhead,
            return_address,
            recipient,
            date: domain::dates::written(f.today, language),
            reference: ctx.reference.clone(),
            subject,
            body,
            invoices: ctx.invoices.clone(),
            total: ctx.total.clone(),
            payment,
            qr,
        }
    }
}

/// The first page of a print file: what the batch holds.
#[derive(Debug, Clone)]
pub struct Cover {
    /// Heading.
    pub title: String,
    /// Lines under it (one per letter, and totals).
    pub lines: Vec<String>,
}

/// Where each letter of a print file starts and how many pages it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// First page, counting from 1.
    pub first_page: usize,
    /// Pages.
    pub pages: usize,
}

struct Labels {
    date: &'static str,
    reference: &'static str,
    subject: &'static str,
    columns: [&'static str; 6],
    total: &'static str,
    scan: &'static str,
    page: &'static str,
    of: &'static str,
}

fn labels(language: Language) -> Labels {
    match language {
        Language::Nl => Labels {
            date: "Datum",
            reference: "Betalingskenmerk",
            subject: "Betreft",
            columns: ["Factuur", "Datum", "Vervaldatum", "Bedrag", "Betaald", "Open"],
            total: "Totaal open",
            scan: "Betalen met uw bank-app: scan de QR-code.",
            page: "Pagina",
            of: "van",
        },
        Language::En => Labels {
            date: "Date",
            reference: "Payment reference",
            subject: "Subject",
            columns: ["Invoice", "Date", "Due", "Amount", "Paid", "Open"],
            total: "Total outstanding",
            scan: "Pay with your banking app: scan the QR code.",
            page: "Page",
            of: "of",
        },
    }
}

/// The WinAnsiEncoding byte of a character (`?` for one it cannot show).
fn win_ansi(c: char) -> u8 {
    let high = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('\u{2018}', 0x91),
        ('\u{2019}', 0x92),
        ('\u{201C}', 0x93),
        ('\u{201D}', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    match u32::from(c) {
        0x20..=0x7E | 0xA0..=0xFF => u8::try_from(u32::from(c)).unwrap_or(b'?'),
        _ => high.iter().find(|(h, _)| *h == c).map_or(b'?', |(_, b)| *b),
    }
}

/// Letters of names common among Dutch debtors that WinAnsiEncoding lacks, written as the
/// letter without its mark (Yılmaz → Yilmaz, Wałęsa → Walesa) rather than as `?`.
fn plain_letter(c: char) -> Option<&'static str> {
    let table = [
        ('ı', "i"),
        ('İ', "I"),
        ('ş', "s"),
        ('Ş', "S"),
        ('ğ', "g"),
        ('Ğ', "G"),
        ('ł', "l"),
        ('Ł', "L"),
        ('ő', "o"),
        ('Ő', "O"),
        ('ű', "u"),
        ('Ű', "U"),
        ('ć', "c"),
        ('Ć', "C"),
        ('č', "c"),
        ('Č', "C"),
        ('ř', "r"),
        ('Ř', "R"),
        ('ě', "e"),
        ('Ě', "E"),
        ('ą', "a"),
        ('Ą', "A"),
        ('ę', "e"),
        ('Ę', "E"),
        ('ń', "n"),
        ('Ń', "N"),
        ('ś', "s"),
        ('Ś', "S"),
        ('ź', "z"),
        ('Ź', "Z"),
        ('ż', "z"),
        ('Ż', "Z"),
        ('ț', "t"),
        ('Ț', "T"),
        ('ţ', "t"),
        ('Ţ', "T"),
        ('ș', "s"),
        ('Ș', "S"),
        ('ă', "a"),
        ('Ă', "A"),
        ('ĳ', "ij"),
        ('Ĳ', "IJ"),
        ('đ', "d"),
        ('Đ', "D"),
        ('ů', "u"),
        ('Ů', "U"),
        ('ė', "e"),
        ('ā', "a"),
        ('ē', "e"),
        ('ī', "i"),
        ('ū', "u"),
        ('\u{2212}', "-"),
    ];
    table.iter().find(|(from, _)| *from == c).map(|(_, to)| *to)
}

fn encode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match (win_ansi(c), plain_letter(c)) {
            (b'?', Some(plain)) if c != '?' => out.extend_from_slice(plain.as_bytes()),
            (b, _) => out.push(b),
        }
    }
    out
}

/// Width of a text in millimetres.
fn width(s: &str, size: f32, bold: bool) -> f32 {
    let table = if bold { &metrics::BOLD } else { &metrics::REGULAR };
    let units: u32 = encode(s).iter().map(|b| if *b >= 32 { u32::from(table[usize::from(*b - 32)]) } else { 0 }).sum();
    units as f32 / 1000.0 * size / MM
}

/// Breaks a paragraph into lines of at most `max` mm; a word longer than a line (a web address)
/// is cut where it must.
fn wrap(text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if width(&candidate, size, bold) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if width(&piece, size, bold) > max {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        line = piece;
    }
    lines.push(line);
    lines
}

/// Pages being written: drawing operations per page, the current height from the top.
struct Pages {
    done: Vec<Content>,
    page: Content,
    y: f32,
    continuation: String,
}

impl Pages {
    fn new() -> Self {
        Pages { done: Vec::new(), page: Content::new(), y: 0.0, continuation: String::new() }
    }

    fn text(&mut self, x: f32, y_top: f32, size: f32, bold: bool, s: &str) {
        let font = if bold { Name(b"F2") } else { Name(b"F1") };
        self.page.begin_text().set_font(font, size).next_line(x * MM, (PAGE_H - y_top) * MM).show(Str(&encode(s))).end_text();
    }

    fn text_right(&mut self, right: f32, y_top: f32, size: f32, bold: bool, s: &str) {
        self.text(right - width(s, size, bold), y_top, size, bold, s);
    }

    fn rule(&mut self, x: f32, y_top: f32, w: f32) {
        self.page.set_line_width(0.5).move_to(x * MM, (PAGE_H - y_top) * MM).line_to((x + w) * MM, (PAGE_H - y_top) * MM).stroke();
    }

    fn new_page(&mut self) {
        let old = std::mem::replace(&mut self.page, Content::new());
        self.done.push(old);
        self.y = 25.0;
        if !self.continuation.is_empty() {
            let c = self.continuation.clone();
            self.text(LEFT, 15.0, 8.0, false, &c);
        }
    }

    /// Makes room for `height` mm, starting a new page when it does not fit.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_H - BOTTOM {
            self.new_page();
        }
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.page);
        self.done
    }
}

fn draw_letter(p: &mut Pages, l: &Letter) {
    let lb = labels(l.language);
    p.continuation = format!("{} — {}", l.sender, l.subject);
    // Letterhead.
    p.text(LEFT, 20.0, 16.0, true, &l.sender);
    for (i, line) in l.letterhead.iter().enumerate() {
        p.text_right(PAGE_W - RIGHT, 15.0 + i as f32 * 3.6, 8.0, false, line);
    }
    // The window: return address, then the recipient (DIN 5008 form B: field from 45 mm).
    p.text(LEFT, 52.0, 7.0, false, &l.return_address);
    p.rule(LEFT, 53.2, width(&l.return_address, 7.0, false));
    for (i, line) in l.recipient.iter().take(6).enumerate() {
        p.text(LEFT, 66.0 + i as f32 * 4.4, 10.0, false, line);
    }
    // Date, reference, subject.
    p.text(LEFT, 100.0, 8.0, false, lb.date);
    p.text(LEFT, 104.0, BODY_SIZE, false, &l.date);
    if let Some(r) = &l.reference {
        p.text(LEFT + 55.0, 100.0, 8.0, false, lb.reference);
        p.text(LEFT + 55.0, 104.0, BODY_SIZE, false, r);
    }
    p.text(LEFT, 114.0, 8.0, false, lb.subject);
    let subject_lines = wrap(&l.subject, 11.0, true, TEXT_W);
    for (i, line) in subject_lines.iter().enumerate() {
        p.text(LEFT, 119.0 + i as f32 * 5.0, 11.0, true, line);
    }
    p.y = 119.0 + subject_lines.len() as f32 * 5.0 + 5.0;
    for para in l.body.split("\n\n") {
        match para.trim() {
            QR_MARK => draw_payment(p, l, &lb),
            INVOICES_MARK => draw_invoices(p, l, &lb),
            text => {
                let mut lines: Vec<(f32, String)> = Vec::new();
                for raw in text.lines() {
                    match raw.strip_prefix("- ") {
                        Some(item) => {
                            for (i, w) in wrap(item, BODY_SIZE, false, TEXT_W - 5.0).into_iter().enumerate() {
                                lines.push((5.0, if i == 0 { format!("•\u{a0}{w}") } else { w }));
                            }
                        }
                        None => lines.extend(wrap(raw, BODY_SIZE, false, TEXT_W).into_iter().map(|w| (0.0, w))),
                    }
                }
                // Keep a short paragraph together; a long one may run on over a page.
                if lines.len() <= 6 {
                    p.room(lines.len() as f32 * LEADING);
                }
                for (indent, line) in lines {
                    p.room(LEADING);
                    p.y += LEADING;
                    let x = if indent > 0.0 && line.starts_with('•') { LEFT + indent - 3.0 } else { LEFT + indent };
                    p.text(x, p.y, BODY_SIZE, false, &line);
                }
                p.y += LEADING * 0.8;
            }
        }
    }
}

fn draw_invoices(p: &mut Pages, l: &Letter, lb: &Labels) {
    // Columns: number, date, due date left; amount, paid, open right-aligned at their ends.
    // A date written out ("22 september 2026") takes up to about 28 mm at 9 pt.
    let lefts = [LEFT, LEFT + 27.0, LEFT + 58.0];
    let rights = [LEFT + 115.0, LEFT + 140.0, LEFT + TEXT_W];
    let row_h = 5.0;
    p.room(row_h * (l.invoices.len().min(8) as f32 + 3.0));
    p.y += row_h;
    for (i, c) in lb.columns.iter().enumerate() {
        if i < 3 {
            p.text(lefts[i], p.y, 8.5, true, c);
        } else {
            p.text_right(rights[i - 3], p.y, 8.5, true, c);
        }
    }
    let y = p.y + 1.5;
    p.rule(LEFT, y, TEXT_W);
    for inv in &l.invoices {
        p.room(row_h);
        p.y += row_h;
        let cells = [&inv.number, &inv.issued, &inv.due];
        for (x, c) in lefts.iter().zip(cells) {
            p.text(*x, p.y, 9.0, false, c);
        }
        for (x, c) in rights.iter().zip([&inv.amount, &inv.settled, &inv.open]) {
            p.text_right(*x, p.y, 9.0, false, c);
        }
    }
    let y = p.y + 1.5;
    p.rule(LEFT + 100.0, y, TEXT_W - 100.0);
    p.y += row_h;
    p.text_right(rights[1], p.y, 9.0, true, lb.total);
    p.text_right(rights[2], p.y, 9.0, true, &l.total);
    p.y += LEADING;
}

fn draw_payment(p: &mut Pages, l: &Letter, lb: &Labels) {
    let side = (l.qr.width() + 8) as f32 * QR_MODULE;
    p.room(side + 6.0);
    let top = p.y + 3.0;
    // The code, as squares: one rectangle per run of dark modules in a row.
    let origin_x = LEFT;
    let origin_y = top + 4.0 * QR_MODULE;
    let w = l.qr.width();
    for y in 0..w {
        let mut x = 0;
        while x < w {
            if !l.qr.is_dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < w && l.qr.is_dark(x, y) {
                x += 1;
            }
            let rx = origin_x + (start as f32 + 4.0) * QR_MODULE;
            let ry = origin_y + (y as f32 + 1.0) * QR_MODULE;
            p.page.rect(rx * MM, (PAGE_H - ry) * MM, (x - start) as f32 * QR_MODULE * MM, QR_MODULE * MM);
        }
    }
    p.page.fill_nonzero();
    let tx = LEFT + side + 4.0;
    p.text(tx, top + 7.0, BODY_SIZE, true, lb.scan);
    for (i, (label, value)) in l.payment.iter().enumerate() {
        let y = top + 13.0 + i as f32 * 5.0;
        p.text(tx, y, 8.5, false, label);
        p.text(tx + 32.0, y, BODY_SIZE, false, value);
    }
    p.y = top + side + 2.0;
}

fn draw_cover(p: &mut Pages, c: &Cover) {
    p.text(LEFT, 25.0, 16.0, true, &c.title);
    p.y = 32.0;
    for line in &c.lines {
        // One line per letter: what does not fit the page is cut short, visibly.
        let mut shown = wrap(line, 9.0, false, TEXT_W).into_iter().next().unwrap_or_default();
        if shown.len() < line.len() {
            while !shown.is_empty() && width(&format!("{shown}…"), 9.0, false) > TEXT_W {
                shown.pop();
            }
            shown.push('…');
        }
        p.room(LEADING);
        p.y += LEADING;
        p.text(LEFT, p.y, 9.0, false, &shown);
    }
}

/// Writes a print file: the cover (if any) on a page of its own, then each letter from a new
/// page, every page numbered within its letter. Returns the PDF and where each letter is.
pub fn print_file(title: &str, cover: Option<&Cover>, letters: &[Letter]) -> (Vec<u8>, Vec<Placed>) {
    // Each page with, for a letter's page, its language, number and the letter's page count.
    type Numbered = Option<(Language, usize, usize)>;
    let mut pages: Vec<(Content, Numbered)> = Vec::new();
    if let Some(c) = cover {
        let mut p = Pages::new();
        draw_cover(&mut p, c);
        pages.extend(p.finish().into_iter().map(|c| (c, None)));
    }
    let mut placed = Vec::with_capacity(letters.len());
    for l in letters {
        let mut p = Pages::new();
        draw_letter(&mut p, l);
        let drawn = p.finish();
        let n = drawn.len();
        placed.push(Placed { first_page: pages.len() + 1, pages: n });
        pages.extend(drawn.into_iter().enumerate().map(|(i, c)| (c, Some((l.language, i + 1, n)))));
    }
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    let ids: Vec<(Ref, Ref)> = (0..pages.len()).map(|i| (Ref::new(6 + 2 * i as i32), Ref::new(7 + 2 * i as i32))).collect();
    pdf.pages(tree).kids(ids.iter().map(|(page, _)| *page)).count(pages.len() as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info).title(TextStr(title)).creator(TextStr("Tegoed"));
    for ((mut content, numbering), (page_id, content_id)) in pages.into_iter().zip(ids) {
        if let Some((language, n, of)) = numbering
            && of > 1
        {
            let lb = labels(language);
            let s = format!("{} {n} {} {of}", lb.page, lb.of);
            let x = (PAGE_W - RIGHT) - width(&s, 8.0, false);
            content.begin_text().set_font(Name(b"F1"), 8.0).next_line(x * MM, 12.0 * MM).show(Str(&encode(&s))).end_text();
        }
        let mut page = pdf.page(page_id);
        page.parent(tree).media_box(Rect::new(0.0, 0.0, PAGE_W * MM, PAGE_H * MM)).contents(content_id);
        page.resources().fonts().pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    (pdf.finish(), placed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_measured_and_wrapped_with_helvetica_widths() {
        // "Hello" in Helvetica at 1000 units: H 722, e 556, l 222, l 222, o 556.
        assert!((width("Hello", 10.0, false) - 2.278 * 10.0 / MM).abs() < 1e-4);
        assert!(width("Hello", 10.0, true) > width("Hello", 10.0, false));
        let lines = wrap("Betaal binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd", 10.0, false, 60.0);
        assert!(lines.len() > 1 && lines.iter().all(|l| width(l, 10.0, false) <= 60.0), "{lines:?}");
        assert_eq!(lines.join(" "), "Betaal binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd");
        let url = wrap(&format!("https://{}", "x".repeat(200)), 10.0, false, 50.0);
        assert!(url.len() > 2 && url.iter().all(|l| width(l, 10.0, false) <= 50.0));
    }

    #[test]
    fn dutch_and_euro_characters_are_in_win_ansi() {
        assert_eq!(encode("€ 1.752,79 – één"), b"\x80 1.752,79 \x96 \xe9\xe9n".to_vec());
        assert_eq!(encode("Yılmaz, Wałęsa"), b"Yilmaz, Walesa".to_vec());
        assert_eq!(encode("\u{4e2d}"), b"?".to_vec());
    }
}
