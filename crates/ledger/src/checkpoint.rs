//! C2SP tlog-checkpoint: the signed statement "the log `origin` has `size` entries
//! and this root hash".
//!
//! ```text
//! <origin>\n
//! <decimal tree size>\n
//! <base64 root hash>\n
//! [extension lines]\n
//! ```
//!
//! Written here, not taken from the `tlog_tiles` crate: see "Why not the tlog crates" in
//! the crate documentation.

use crate::merkle::Hash;
use crate::note::{NoteError, NoteSigner, NoteVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("checkpoint is for log {found:?}, expected {expected:?}")]
    Origin { expected: String, found: String },
}

/// An unsigned checkpoint body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Extension lines (without newlines); this ledger writes none but keeps foreign ones.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Self {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text to be signed.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a checkpoint body (the text of a note, signatures already removed).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let bad = |m: &str| CheckpointError::Malformed(m.to_string());
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("must end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| bad("empty origin"))?;
        let size = lines.next().ok_or_else(|| bad("missing tree size"))?;
        // Decimal without sign or leading zeros, as the spec requires.
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(bad("tree size is not a decimal number"));
        }
        let size: u64 = size.parse().map_err(|_| bad("tree size out of range"))?;
        let root = lines.next().ok_or_else(|| bad("missing root hash"))?;
        let root = B64
            .decode(root)
            .map_err(|_| bad("root hash is not base64"))?;
        let root: Hash = root
            .try_into()
            .map_err(|_| bad("root hash is not 32 bytes"))?;
        let mut extensions = Vec::new();
        for l in lines {
            if l.is_empty() {
                return Err(bad("empty extension line"));
            }
            extensions.push(l.to_string());
        }
        Ok(Self {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint as a C2SP signed note.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, CheckpointError> {
        Ok(signer.sign(&self.to_text())?)
    }

    /// Verifies a signed checkpoint and checks its origin.
    pub fn open(
        note: &[u8],
        verifier: &NoteVerifier,
        origin: &str,
    ) -> Result<Self, CheckpointError> {
        let text = verifier.open(note)?;
        let cp = Self::parse(text)?;
        if cp.origin != origin {
            return Err(CheckpointError::Origin {
                expected: origin.to_string(),
                found: cp.origin,
            });
        }
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_spec_example() {
        // The example checkpoint from c2sp.org/tlog-checkpoint.
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let cp = Checkpoint::parse(text).unwrap();
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20852163);
        assert_eq!(cp.to_text(), text);
    }

    #[test]
    fn rejects_malformed() {
        for t in [
            "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
            "o\n1\nAAAA\n",
            "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
        ] {
            assert!(Checkpoint::parse(t).is_err(), "{t:?}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_roundtrips(text in "\\PC{0,80}(\n\\PC{0,60}){0,5}\n?") {
            if let Ok(cp) = Checkpoint::parse(&text) {
                prop_assert_eq!(cp.to_text(), text);
            }
        }
    }
}
