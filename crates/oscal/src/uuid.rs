//! Deterministic UUIDs: name-based version 5 (RFC 9562 section 5.5) so that exporting the
//! same program twice gives the same identifiers and the files diff cleanly.
//!
//! Version 5 hashes a namespace UUID and a name with SHA-1 and keeps the first 16 bytes,
//! with the version nibble set to 5 and the RFC 9562 variant bits. SHA-1 here only makes
//! identifiers stable, it protects nothing. Version 8 (custom hashes such as SHA-256) would
//! not do: OSCAL's UUID datatype allows versions 4 and 5 only.

use sha1::{Digest, Sha1};

/// Covenant's namespace UUID (`6f3c2a71-4f0e-5b8e-9d7a-2c1b0e5f4a10`), so our identifiers
/// cannot collide with another tool's name-based ones built from the same names.
const NAMESPACE: [u8; 16] = [
    0x6f, 0x3c, 0x2a, 0x71, 0x4f, 0x0e, 0x5b, 0x8e, 0x9d, 0x7a, 0x2c, 0x1b, 0x0e, 0x5f, 0x4a, 0x10,
];

/// A UUID derived from `parts`; the name is the parts joined unambiguously.
pub fn derive(parts: &[&str]) -> String {
    let mut h = Sha1::new();
    h.update(NAMESPACE);
    for p in parts {
        // Length-prefix each part so ("ab","c") and ("a","bc") differ.
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// True when `s` has the textual shape of an RFC 4122 UUID of version 1–8.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    for (i, c) in b.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        };
        if !ok {
            return false;
        }
    }
    matches!(b[14], b'1'..=b'8') && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_well_formed() {
        let a = derive(&["component", "dashboard"]);
        assert_eq!(a, derive(&["component", "dashboard"]));
        assert_ne!(a, derive(&["component", "dashboar", "d"]));
        assert!(is_uuid(&a), "{a}");
        assert_eq!(&a[14..15], "5");
    }
}
