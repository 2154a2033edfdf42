//! UBL Invoice and CreditNote: any bytes read, and the legal-validity report drawn up for
//! whatever reads; no panic, and errors name a line.
#![no_main]

use formats::ubl::read_ubl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match read_ubl(data) {
        Ok(doc) => {
            let _ = doc.legal_gaps();
            assert!(!doc.number.trim().is_empty());
        }
        Err(e) => assert!(e.line >= 1),
    }
});
