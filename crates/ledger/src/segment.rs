//! Segment files: the durable, append-only home of entry bytes.
//!
//! A segment is preallocated to a fixed size and starts with a 32-byte header:
//! `"CVLSEG01"`, the sequence number of its first entry (u64 little-endian), 12 zero
//! bytes, and the CRC-32 (IEEE) of the preceding 28 bytes (u32 little-endian).
//! Records follow back to back:
//!
//! ```text
//! varint(len)  payload[len]  crc32(varint || payload) as u32 LE
//! ```
//!
//! `len` is an unsigned LEB128 in its shortest form and is never zero, so a zero byte
//! where a record would start marks the end of the data; the rest of the file is zero.
//! The CRC of each record is seeded with the stored CRC of the record before it (the
//! header CRC for the first record). Because of that chain, a stale record left behind
//! by a torn write can never be mistaken for the continuation of newer data.

/// Magic bytes opening every segment.
pub const MAGIC: &[u8; 8] = b"CVLSEG01";
/// Size of the segment header.
pub const HEADER_LEN: usize = 32;
/// Largest entry the ledger stores (canonical bytes).
pub const MAX_ENTRY_LEN: usize = 1 << 20;
/// Segment files larger than this are refused rather than read into memory.
pub const MAX_SEGMENT_SIZE: u64 = 1 << 30;
/// Longest varint a valid length can take (lengths stay below 2^21).
const MAX_VARINT_LEN: usize = 3;

/// Encodes a segment header.
pub fn encode_header(first_seq: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..16].copy_from_slice(&first_seq.to_le_bytes());
    let crc = crc32fast::hash(&h[..28]);
    h[28..].copy_from_slice(&crc.to_le_bytes());
    h
}

/// The CRC of the header of the segment starting at `first_seq` (the chain seed).
pub fn header_crc(first_seq: u64) -> u32 {
    let h = encode_header(first_seq);
    u32::from_le_bytes([h[28], h[29], h[30], h[31]])
}

/// A parsed header: first sequence number and the CRC that seeds the record chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub first_seq: u64,
    pub crc: u32,
}

/// Parses a segment header; `None` if it is not a valid header.
pub fn decode_header(bytes: &[u8]) -> Option<Header> {
    let h = bytes.get(..HEADER_LEN)?;
    if &h[..8] != MAGIC || h[16..28].iter().any(|&b| b != 0) {
        return None;
    }
    let crc = u32::from_le_bytes([h[28], h[29], h[30], h[31]]);
    if crc32fast::hash(&h[..28]) != crc {
        return None;
    }
    let first_seq = u64::from_le_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]);
    Some(Header { first_seq, crc })
}

/// Bytes a record of `len` payload bytes occupies.
pub fn record_len(len: usize) -> usize {
    varint_len(len) + len + 4
}

fn varint_len(mut v: usize) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// Appends one framed record to `out` and returns its CRC (the seed of the next one).
pub fn encode_record(prev_crc: u32, payload: &[u8], out: &mut Vec<u8>) -> u32 {
    let start = out.len();
    let mut v = payload.len();
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out.extend_from_slice(payload);
    let mut h = crc32fast::Hasher::new_with_initial(prev_crc);
    h.update(&out[start..]);
    let crc = h.finalize();
    out.extend_from_slice(&crc.to_le_bytes());
    crc
}

/// What was found at a position where a record may start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A well-framed record whose checksum matches.
    Record {
        payload: &'a [u8],
        crc: u32,
        len: usize,
    },
    /// A well-framed record whose checksum does not match (corruption, or torn write).
    BadChecksum {
        payload: &'a [u8],
        crc: u32,
        len: usize,
    },
    /// A zero byte: the end of the data.
    End,
    /// The bytes run out inside a record.
    Truncated,
    /// The length prefix is not a shortest-form varint within limits.
    BadLength,
}

/// Decodes the record at the start of `buf`, checking its CRC against the chain.
pub fn decode_record(buf: &[u8], prev_crc: u32) -> Decoded<'_> {
    let Some(&first) = buf.first() else {
        return Decoded::Truncated;
    };
    if first == 0 {
        return Decoded::End;
    }
    let mut len: usize = 0;
    let mut shift = 0;
    let mut i = 0;
    loop {
        let Some(&b) = buf.get(i) else {
            return Decoded::Truncated;
        };
        len |= usize::from(b & 0x7f) << shift;
        i += 1;
        if b & 0x80 == 0 {
            // A trailing zero group means a longer-than-needed encoding.
            if b == 0 && i > 1 {
                return Decoded::BadLength;
            }
            break;
        }
        shift += 7;
        if i >= MAX_VARINT_LEN {
            return Decoded::BadLength;
        }
    }
    if len == 0 || len > MAX_ENTRY_LEN {
        return Decoded::BadLength;
    }
    let total = i + len + 4;
    let Some(rec) = buf.get(..total) else {
        return Decoded::Truncated;
    };
    let payload = &rec[i..i + len];
    let stored = u32::from_le_bytes([
        rec[total - 4],
        rec[total - 3],
        rec[total - 2],
        rec[total - 1],
    ]);
    let mut h = crc32fast::Hasher::new_with_initial(prev_crc);
    h.update(&rec[..total - 4]);
    if h.finalize() == stored {
        Decoded::Record {
            payload,
            crc: stored,
            len: total,
        }
    } else {
        Decoded::BadChecksum {
            payload,
            crc: stored,
            len: total,
        }
    }
}

/// The file name of the segment whose first entry is `first_seq`.
pub fn file_name(first_seq: u64) -> String {
    format!("{first_seq:020}.seg")
}

/// Parses a segment file name back to its first sequence number.
pub fn parse_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".seg")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Walks the records of a segment image, stopping at the end marker or the first
/// record that does not frame or check. Returns the records and where the walk stopped.
pub struct Walk<'a> {
    buf: &'a [u8],
    pub pos: usize,
    pub crc: u32,
}

impl<'a> Walk<'a> {
    /// Starts after the header; `buf` is the whole segment image.
    pub fn new(buf: &'a [u8], header: Header) -> Self {
        Self {
            buf,
            pos: HEADER_LEN,
            crc: header.crc,
        }
    }

    /// Decodes the record at the current position without advancing.
    pub fn peek(&self) -> Decoded<'a> {
        match self.buf.get(self.pos..) {
            Some(rest) => decode_record(rest, self.crc),
            None => Decoded::Truncated,
        }
    }

    /// Moves past a record of `len` bytes whose stored CRC is `crc`.
    pub fn advance(&mut self, len: usize, crc: u32) {
        self.pos += len;
        self.crc = crc;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn header_roundtrip_and_rejects_damage() {
        let h = encode_header(1234);
        let d = decode_header(&h).unwrap();
        assert_eq!(d.first_seq, 1234);
        assert_eq!(d.crc, header_crc(1234));
        for i in 0..HEADER_LEN {
            let mut x = h;
            x[i] ^= 0x40;
            assert!(decode_header(&x).is_none(), "byte {i}");
        }
    }

    #[test]
    fn records_chain() {
        let mut buf = Vec::new();
        let c1 = encode_record(7, b"{\"a\":1}", &mut buf);
        let c2 = encode_record(c1, &[b'x'; 300], &mut buf);
        let Decoded::Record { payload, crc, len } = decode_record(&buf, 7) else {
            panic!()
        };
        assert_eq!(payload, b"{\"a\":1}");
        assert_eq!(crc, c1);
        assert!(matches!(decode_record(&buf[len..], c1), Decoded::Record { crc, .. } if crc == c2));
        // The same bytes under a different chain seed are refused.
        assert!(matches!(
            decode_record(&buf[len..], c1 ^ 1),
            Decoded::BadChecksum { .. }
        ));
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), seed in any::<u32>()) {
            let _ = decode_record(&bytes, seed);
            let _ = decode_header(&bytes);
        }

        #[test]
        fn roundtrip(payload in prop::collection::vec(any::<u8>(), 1..2000), seed in any::<u32>()) {
            let mut buf = Vec::new();
            let crc = encode_record(seed, &payload, &mut buf);
            prop_assert_eq!(buf.len(), record_len(payload.len()));
            prop_assert_eq!(decode_record(&buf, seed), Decoded::Record { payload: &payload, crc, len: buf.len() });
        }

        #[test]
        fn single_byte_damage_never_passes(payload in prop::collection::vec(1u8.., 1..300), pos in any::<prop::sample::Index>(), x in 1u8..) {
            let mut buf = Vec::new();
            encode_record(0, &payload, &mut buf);
            let i = pos.index(buf.len());
            buf[i] ^= x;
            let ok = matches!(decode_record(&buf, 0), Decoded::Record { len, .. } if len == buf.len());
            prop_assert!(!ok);
        }
    }
}
