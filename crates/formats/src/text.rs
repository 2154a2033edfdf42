//! Text encodings of files from Dutch accounting packages.

/// Windows-1252 for bytes 0x80–0x9F, where it differs from ISO-8859-1 (WHATWG Encoding
/// Standard, index-windows-1252). Unassigned positions keep their C1 code point.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–',
    '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Decodes a file as UTF-8 (with or without a byte-order mark), or — when it is not valid
/// UTF-8 — as Windows-1252, the superset of ISO-8859-1 that Dutch Windows exports use.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
                _ => char::from(b),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_and_windows_1252() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFna\xC3\xAFef"), "naïef");
        assert_eq!(decode_text(b"na\xEFef \x80 12,50"), "naïef € 12,50");
    }
}
