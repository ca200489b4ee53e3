//! C2SP signed notes with Ed25519 keys, and the key encodings used by the Go
//! `golang.org/x/mod/sumdb/note` package (which most transparency-log tools read).
//!
//! - verifier key: `<name>+<key id, 8 hex>+<base64(0x01 || public key)>`
//! - signer key:   `PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || seed)>`
//! - key id: the first four bytes of SHA-256(name || "\n" || 0x01 || public key)
//! - signature line: `— <name> <base64(key id || Ed25519 signature over the text)>`
//!
//! Written here, not taken from the `signed_note` crate: see "Why not the tlog crates" in
//! the crate documentation.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

const ALG_ED25519: u8 = 1;
/// Notes larger than this are refused unread, as in the reference implementation.
pub const MAX_NOTE_SIZE: usize = 1_000_000;
const MAX_SIGNATURES: usize = 100;
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a key or note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("invalid key name {0:?}: it must be non-empty, without spaces or '+'")]
    KeyName(String),
    #[error("malformed key: {0}")]
    Key(String),
    #[error("malformed note: {0}")]
    Malformed(String),
    #[error("no signature by key {name} ({id:08x}) on the note")]
    Unsigned { name: String, id: u32 },
    #[error("signature by key {0} does not verify")]
    BadSignature(String),
    #[error("could not read randomness for a new key: {0}")]
    Random(String),
}

/// Reports whether `name` is a valid key name (non-empty, no Unicode space, no '+').
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The 4-byte key id of an Ed25519 key with this name.
pub fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A named Ed25519 private key that signs notes.
pub struct NoteSigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "NoteSigner({}+{:08x})", self.name, self.id)
    }
}

impl NoteSigner {
    /// A new key from the operating system's random source.
    pub fn generate(name: &str) -> Result<Self, NoteError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| NoteError::Random(e.to_string()))?;
        Self::from_seed(name, seed)
    }

    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, NoteError> {
        if !is_valid_name(name) {
            return Err(NoteError::KeyName(name.to_string()));
        }
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<id>+<base64>`.
    pub fn from_key_string(s: &str) -> Result<Self, NoteError> {
        let s = s.trim_end_matches(['\n', '\r']);
        let rest = s
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| NoteError::Key("missing PRIVATE+KEY+ prefix".into()))?;
        let (name, id, bytes) = split_key(rest)?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| NoteError::Key("Ed25519 seed must be 32 bytes".into()))?;
        let signer = Self::from_seed(name, seed)?;
        if signer.id != id {
            return Err(NoteError::Key("key id does not match the key".into()));
        }
        Ok(signer)
    }

    /// The private key in `PRIVATE+KEY+...` form; store it with owner-only permissions.
    pub fn to_key_string(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            B64.encode(raw)
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.id
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` (which must end in a newline) and returns the whole note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let sig = self.key.sign(text.as_bytes());
        let mut raw = self.id.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            B64.encode(raw)
        ))
    }
}

/// A named Ed25519 public key that verifies notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses `<name>+<id>+<base64>`.
    pub fn from_key_string(s: &str) -> Result<Self, NoteError> {
        let (name, id, bytes) = split_key(s.trim_end_matches(['\n', '\r']))?;
        let public: [u8; 32] = bytes
            .try_into()
            .map_err(|_| NoteError::Key("Ed25519 public key must be 32 bytes".into()))?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::Key("not a valid Ed25519 public key".into()))?;
        if !is_valid_name(name) {
            return Err(NoteError::KeyName(name.to_string()));
        }
        if key_id(name, &public) != id {
            return Err(NoteError::Key("key id does not match the key".into()));
        }
        Ok(Self {
            name: name.to_string(),
            id,
            key,
        })
    }

    pub fn to_key_string(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// Checks that `note` carries a valid signature by this key and returns its text.
    /// Signatures by other keys are ignored, as C2SP signed-note prescribes.
    pub fn open<'a>(&self, note: &'a [u8]) -> Result<&'a str, NoteError> {
        let parsed = parse(note)?;
        let mut found = false;
        for sig in &parsed.signatures {
            if sig.name == self.name && sig.id == self.id {
                found = true;
                let Ok(bytes) = <[u8; 64]>::try_from(sig.sig.as_slice()) else {
                    return Err(NoteError::BadSignature(self.name.clone()));
                };
                let signature = Signature::from_bytes(&bytes);
                if self
                    .key
                    .verify_strict(parsed.text.as_bytes(), &signature)
                    .is_err()
                {
                    return Err(NoteError::BadSignature(self.name.clone()));
                }
            }
        }
        if !found {
            return Err(NoteError::Unsigned {
                name: self.name.clone(),
                id: self.id,
            });
        }
        Ok(parsed.text)
    }
}

fn split_key(s: &str) -> Result<(&str, u32, Vec<u8>), NoteError> {
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::Key("expected name+id+key".into()));
    };
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::Key("key id must be 8 hex digits".into()));
    }
    let id = u32::from_str_radix(id, 16).map_err(|e| NoteError::Key(e.to_string()))?;
    let raw = B64.decode(b64).map_err(|e| NoteError::Key(e.to_string()))?;
    match raw.split_first() {
        Some((&ALG_ED25519, key)) => Ok((name, id, key.to_vec())),
        Some(_) => Err(NoteError::Key("unknown key algorithm".into())),
        None => Err(NoteError::Key("empty key".into())),
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("text must end in a newline".into()));
    }
    if text.len() > MAX_NOTE_SIZE {
        return Err(NoteError::Malformed("note too large".into()));
    }
    if text.chars().any(|c| c != '\n' && c.is_control()) {
        return Err(NoteError::Malformed("text holds control characters".into()));
    }
    Ok(())
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: u32,
    pub sig: Vec<u8>,
}

/// A note split into its text and its signature lines (signatures not yet checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedNote<'a> {
    pub text: &'a str,
    pub signatures: Vec<NoteSignature>,
}

/// Splits a note at its last blank line and parses the signature lines.
pub fn parse(note: &[u8]) -> Result<ParsedNote<'_>, NoteError> {
    if note.len() > MAX_NOTE_SIZE {
        return Err(NoteError::Malformed("note too large".into()));
    }
    let note = std::str::from_utf8(note).map_err(|_| NoteError::Malformed("not UTF-8".into()))?;
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| NoteError::Malformed("no blank line before signatures".into()))?;
    let text = &note[..=split];
    let sigs = &note[split + 2..];
    check_text(text)?;
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed(
            "signature block must end in a newline".into(),
        ));
    }
    let mut signatures = Vec::new();
    for line in sigs[..sigs.len() - 1].split('\n') {
        let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| {
            NoteError::Malformed("signature line must start with an em dash".into())
        })?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| NoteError::Malformed("signature line without a space".into()))?;
        if !is_valid_name(name) {
            return Err(NoteError::Malformed(format!("bad key name {name:?}")));
        }
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("bad base64 signature".into()))?;
        if raw.len() < 5 {
            return Err(NoteError::Malformed("signature too short".into()));
        }
        let id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        signatures.push(NoteSignature {
            name: name.to_string(),
            id,
            sig: raw[4..].to_vec(),
        });
        if signatures.len() > MAX_SIGNATURES {
            return Err(NoteError::Malformed("too many signatures".into()));
        }
    }
    if signatures.is_empty() {
        return Err(NoteError::Malformed("no signatures".into()));
    }
    Ok(ParsedNote { text, signatures })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn go_note_example_key_verifies_go_signed_note() {
        // The example from golang.org/x/mod/sumdb/note documentation.
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let note = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let v = NoteVerifier::from_key_string(vkey).unwrap();
        assert_eq!(v.to_key_string(), vkey);
        let s = NoteSigner::from_key_string(skey).unwrap();
        assert_eq!(s.to_key_string(), skey);
        assert_eq!(s.verifier(), v);
        let text = v.open(note.as_bytes()).unwrap();
        assert!(text.starts_with("If you think"));
        // Ed25519 is deterministic, so our signer reproduces Go's signature byte for byte.
        assert_eq!(s.sign(text).unwrap(), note);
    }

    #[test]
    fn rejects_tampered_and_foreign_notes() {
        let s = NoteSigner::from_seed("example.com/log", [7; 32]).unwrap();
        let other = NoteSigner::from_seed("example.com/log", [8; 32]).unwrap();
        let note = s.sign("hello\n").unwrap();
        assert!(s.verifier().open(note.as_bytes()).is_ok());
        assert!(other.verifier().open(note.as_bytes()).is_err());
        let tampered = note.replacen("hello", "hellp", 1);
        assert!(s.verifier().open(tampered.as_bytes()).is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn any_single_byte_change_is_rejected(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let s = NoteSigner::from_seed("example.com/log", [9; 32]).unwrap();
            let note = s.sign("example.com/log\n5\nAAAA\n").unwrap().into_bytes();
            let mut changed = note.clone();
            let i = pos.index(changed.len());
            prop_assume!(changed[i] != byte);
            changed[i] = byte;
            prop_assert!(s.verifier().open(&changed).is_err());
        }
    }
}
