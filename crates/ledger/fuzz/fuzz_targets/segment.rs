//! Segment headers and records from arbitrary bytes: decoding never panics, and whatever
//! decodes as a record re-encodes to the same bytes.
#![no_main]

use covenant_ledger::segment::{self, Decoded};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = segment::decode_header(data);
    let seed = data.first().map_or(0, |&b| u32::from(b));
    let mut pos = 0;
    let mut crc = seed;
    while pos < data.len() {
        match segment::decode_record(&data[pos..], crc) {
            Decoded::Record { payload, crc: c, len } => {
                let mut again = Vec::new();
                assert_eq!(segment::encode_record(crc, payload, &mut again), c);
                assert_eq!(&again[..], &data[pos..pos + len]);
                pos += len;
                crc = c;
            }
            Decoded::BadChecksum { len, crc: c, .. } => {
                pos += len;
                crc = c;
            }
            _ => break,
        }
    }
});
