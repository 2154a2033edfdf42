//! What the XML readers of statements and e-invoices share, and escaping for what Tegoed writes as XML or HTML.

use quick_xml::events::BytesRef;

/// The character an entity or character reference stands for (`&amp;`, `&#233;`, `&#xE9;`),
/// or `None` for an entity XML does not define.
pub(crate) fn referenced_char(r: &BytesRef<'_>) -> Option<char> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => Some(c),
        Ok(None) => quick_xml::escape::resolve_predefined_entity(&r.xml10_content()).and_then(|s| s.chars().next()),
        Err(_) => None,
    }
}

/// An element's name without its namespace prefix, found with a byte loop: names are short,
/// and a generic search costs more than the rest of reading a tag.
pub(crate) fn local_name(qualified: &str) -> &str {
    match qualified.bytes().position(|b| b == b':') {
        Some(i) => &qualified[i + 1..],
        None => qualified,
    }
}

/// Text made safe inside XML and HTML elements and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
