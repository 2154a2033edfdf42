//! MT940 of every Dutch dialect: any bytes read statement line by statement line; no panic,
//! and every entry it gives has a line and an unsigned amount.
#![no_main]

use formats::statement::{Mt940Reader, StatementReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for entry in Mt940Reader::new(data).flatten() {
        assert!(!entry.amount.is_negative());
        assert!(entry.line >= 1);
    }
    // Detection by the first byte, then the same reader.
    if let Ok(reader) = StatementReader::new(data) {
        for entry in reader {
            if entry.is_err() {
                break;
            }
        }
    }
});
