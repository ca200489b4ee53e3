//! The offline proof bundle: everything an auditor needs to check that one entry is in
//! the log, given only the log's public key.
//!
//! The layout follows C2SP tlog-proof, with the entry itself carried in the `extra`
//! line:
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the entry's canonical bytes>
//! index <decimal entry index>
//! <base64 inclusion proof hash, leaf side first>   (zero or more lines)
//!
//! <signed checkpoint note>
//! ```

use crate::canonical;
use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::merkle::{self, Hash, ProofError};
use crate::note::NoteVerifier;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

const HEADER: &str = "c2sp.org/tlog-proof@v1";
/// Bundles larger than this are refused unread.
pub const MAX_BUNDLE_SIZE: usize = 4 << 20;

/// Why a proof bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("malformed proof bundle: {0}")]
    Malformed(String),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("the entry is not canonical JSON: {0}")]
    Entry(#[from] canonical::CanonicalError),
    #[error("inclusion proof: {0}")]
    Proof(#[from] ProofError),
}

/// Entry, inclusion proof and the signed checkpoint the proof leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofBundle {
    pub index: u64,
    pub entry: Vec<u8>,
    pub proof: Vec<Hash>,
    /// A signed note holding a checkpoint.
    pub checkpoint: String,
}

impl ProofBundle {
    pub fn encode(&self) -> String {
        let mut s = format!(
            "{HEADER}\nextra {}\nindex {}\n",
            B64.encode(&self.entry),
            self.index
        );
        for h in &self.proof {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, BundleError> {
        let bad = |m: &str| BundleError::Malformed(m.to_string());
        if bytes.len() > MAX_BUNDLE_SIZE {
            return Err(bad("too large"));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(bad("first line must be c2sp.org/tlog-proof@v1"));
        }
        let mut line = lines.next().ok_or_else(|| bad("missing index"))?;
        let mut entry = None;
        if let Some(b) = line.strip_prefix("extra ") {
            entry = Some(B64.decode(b).map_err(|_| bad("extra is not base64"))?);
            line = lines.next().ok_or_else(|| bad("missing index"))?;
        }
        let entry = entry.ok_or_else(|| bad("the entry (extra line) is missing"))?;
        let idx = line
            .strip_prefix("index ")
            .ok_or_else(|| bad("missing index"))?;
        if idx.is_empty()
            || !idx.bytes().all(|b| b.is_ascii_digit())
            || (idx.len() > 1 && idx.starts_with('0'))
        {
            return Err(bad("index is not a decimal number"));
        }
        let index = idx.parse().map_err(|_| bad("index out of range"))?;
        let mut proof = Vec::new();
        for l in lines {
            let h = B64.decode(l).map_err(|_| bad("proof hash is not base64"))?;
            proof
                .push(Hash::try_from(h.as_slice()).map_err(|_| bad("proof hash is not 32 bytes"))?);
            if proof.len() > 64 {
                return Err(bad("proof longer than 64 hashes"));
            }
        }
        Ok(Self {
            index,
            entry,
            proof,
            checkpoint: checkpoint.to_string(),
        })
    }

    /// Checks the checkpoint signature, the entry's canonical form and the inclusion
    /// proof. Returns the verified checkpoint.
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<Checkpoint, BundleError> {
        let text = verifier
            .open(self.checkpoint.as_bytes())
            .map_err(CheckpointError::from)?;
        let cp = Checkpoint::parse(text)?;
        canonical::check(&self.entry)?;
        merkle::verify_inclusion(
            self.index,
            cp.size,
            &merkle::leaf_hash(&self.entry),
            &self.proof,
            &cp.root,
        )?;
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = ProofBundle::parse(&bytes);
        }

        #[test]
        fn roundtrip(index in any::<u64>(), entry in "[a-z]{0,20}", n in 0usize..5) {
            let b = ProofBundle {
                index,
                entry: format!("{{\"a\":\"{entry}\"}}").into_bytes(),
                proof: vec![[7u8; 32]; n],
                checkpoint: "o\n1\nAAAA\n\n\u{2014} o AAAA\n".into(),
            };
            prop_assert_eq!(ProofBundle::parse(b.encode().as_bytes()).unwrap(), b);
        }
    }
}
