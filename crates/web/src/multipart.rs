//! Reading a `multipart/form-data` body (RFC 7578) that is already in memory: the portal's
//! dispute form with its attachment, and the back-office's imports. Small on purpose: fields by
//! name, a file with its name.

/// One part of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The field's name.
    pub name: String,
    /// The file name, for a file.
    pub file_name: Option<String>,
    /// The content.
    pub content: Vec<u8>,
}

/// The boundary named in a `Content-Type: multipart/form-data; boundary=…` header.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The parts of a body; `None` when it is not well formed.
pub fn parts(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    if boundary.is_empty() || boundary.len() > 70 {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let mut rest = body.strip_prefix(delimiter.as_bytes())?;
    let next = format!("\r\n--{boundary}");
    let mut out = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(out);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        rest = &rest[head_end + 4..];
        let end = find(rest, next.as_bytes())?;
        let content = rest[..end].to_vec();
        rest = &rest[end + next.len()..];
        let disposition = head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case("content-disposition").then_some(v)
        })?;
        let param = |key: &str| {
            disposition.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim().eq_ignore_ascii_case(key).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        out.push(Part { name: param("name")?, file_name: param("filename"), content });
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_a_file_as_a_browser_sends_them() {
        let ct = "multipart/form-data; boundary=----WebKitFormBoundaryx7";
        let b = boundary(ct).expect("as written");
        let body = b"------WebKitFormBoundaryx7\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
------WebKitFormBoundaryx7\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bon.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n\r\nx\r\n\
------WebKitFormBoundaryx7--\r\n";
        let p = parts(body, &b).expect("as written");
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name.as_str(), p[0].content.as_slice()), ("csrf", &b"abc"[..]));
        assert_eq!(p[1].file_name.as_deref(), Some("bon.pdf"));
        assert_eq!(p[1].content, b"%PDF-1.4\r\n\r\nx");
        assert_eq!(parts(&body[..40], &b), None, "cut off");
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
    }
}
