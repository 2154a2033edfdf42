//! QR codes drawn recently, kept: choosing a QR code's mask (eight trial encodings, ISO/IEC
//! 18004 §7.8.3) is most of the work of a portal page, and a debtor's code is the same on every
//! visit until something is paid or ticked differently.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Codes kept at most; when full, all are dropped and drawn again as needed.
const KEPT: usize = 4_096;

/// A code is known by its payload and its title.
type Key = (Vec<u8>, String);

/// The EPC QR codes drawn lately, as SVG.
#[derive(Debug, Default)]
pub struct QrCodes {
    kept: Mutex<HashMap<Key, Arc<str>>>,
}

impl QrCodes {
    /// The EPC QR code of a payload as SVG with its title, drawn once and then kept.
    pub fn qr_svg(&self, payload: &[u8], title: &str) -> Result<String, formats::qr::QrError> {
        let key = (payload.to_vec(), title.to_string());
        if let Some(svg) = self.kept.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(svg.to_string());
        }
        let svg: Arc<str> = formats::qr::QrSymbol::epc(payload)?.svg(title).into();
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= KEPT {
            kept.clear();
        }
        kept.insert(key, svg.clone());
        Ok(svg.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_drawn_once_and_is_the_same_after() {
        let codes = QrCodes::default();
        let payload = b"BCD\n002\n1\nSCT\n\nBakkerij\nNL91ABNA0417164300\nEUR1.00\n\n\nFactuur 1";
        let first = codes.qr_svg(payload, "QR").expect("as written");
        assert_eq!(first, formats::qr::QrSymbol::epc(payload).expect("as written").svg("QR"));
        assert_eq!(codes.qr_svg(payload, "QR").expect("as written"), first);
        assert_eq!(codes.kept.lock().expect("as written").len(), 1);
    }
}
