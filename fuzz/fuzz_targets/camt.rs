//! camt.053/054/052: any bytes read entry by entry, through the streaming reader and the
//! whole-file reader; both must agree, and neither may panic.
#![no_main]

use formats::statement::{CamtReader, read_statement};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let streamed: Result<Vec<_>, _> = CamtReader::new(data).collect();
    if data.first() == Some(&b'<') {
        match (&streamed, read_statement(data)) {
            (Ok(a), Ok((_, b))) => assert_eq!(a, &b, "the stream and the whole-file reader disagree"),
            (Err(a), Err(b)) => assert_eq!(a.line, b.line),
            (a, b) => panic!("one reader accepted, the other refused: {a:?} / {b:?}"),
        }
    }
    if let Ok(entries) = streamed {
        for e in entries {
            assert!(!e.amount.is_negative(), "amounts are unsigned, the direction is separate");
            assert!(e.line >= 1);
        }
    }
});
