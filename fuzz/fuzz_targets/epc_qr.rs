//! EPC QR payloads: any bytes decoded; a transfer that decodes is encoded again (UTF-8), that
//! payload decodes to the same transfer, and it draws as a QR code of at most version 13.
#![no_main]

use formats::epc_qr::{Charset, decode, encode};
use formats::qr::QrSymbol;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = decode(data) else { return };
    let payload = match encode(&decoded.transfer) {
        Ok(p) => p,
        // ISO 8859-1 letters take two bytes in UTF-8: a full Latin-1 payload may not fit 331.
        Err(e) if e.line == 0 && decoded.charset == Charset::Latin1 => return,
        Err(e) => panic!("a transfer that was read cannot be written: {e}"),
    };
    let again = decode(&payload).expect("what Tegoed writes it reads");
    assert_eq!(again.transfer, decoded.transfer);
    let symbol = QrSymbol::epc(&payload).expect("every payload Tegoed writes fits a QR code");
    assert!(symbol.version() <= 13);
});
