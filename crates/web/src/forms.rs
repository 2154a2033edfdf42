//! Forms sent by the server's own pages (portal and back-office): their fields, and whether
//! they came from one of its pages.

use axum::http::{HeaderMap, header};

use crate::App;

/// A file sent with a form: its name and content.
pub(crate) type File = (String, Vec<u8>);

/// A form's fields and its one file (field `file`; its name and content, when one was chosen),
/// from a plain or a multipart body; `None` for a multipart body that cannot be read.
pub(crate) fn read(content_type: &str, body: &[u8]) -> Option<(Fields, Option<File>)> {
    let Some(b) = crate::multipart::boundary(content_type) else { return Some((Fields::urlencoded(body), None)) };
    let mut file = None;
    let mut fields = Vec::new();
    for p in crate::multipart::parts(body, &b)? {
        if p.name == "file" {
            if !p.content.is_empty() {
                file = Some((p.file_name.unwrap_or_default(), p.content));
            }
        } else {
            fields.push((p.name, String::from_utf8_lossy(&p.content).into_owned()));
        }
    }
    Some((Fields(fields), file))
}

/// The fields of a form, in the order sent.
pub(crate) struct Fields(pub(crate) Vec<(String, String)>);

impl Fields {
    pub(crate) fn urlencoded(body: &[u8]) -> Fields {
        Fields(form_urlencoded::parse(body).into_owned().collect())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A free text field: trimmed, at most 2,000 characters.
    pub(crate) fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().trim().chars().take(2000).collect()
    }
}

/// Whether a form may come from a page of this server: no other site named as its origin. An
/// opaque origin (`null`, sent by some privacy settings) names none; the form token decides.
pub(crate) fn same_origin(app: &App, headers: &HeaderMap) -> bool {
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        None | Some("null") => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
            let public = app.providers.as_ref().map(|p| p.public_url.trim_end_matches('/').to_string());
            origin.ends_with(&format!("//{host}")) || public.is_some_and(|p| p == origin)
        }
    }
}
