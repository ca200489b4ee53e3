//! RFC 6962 / RFC 9162 Merkle tree hashing, proof construction and proof checking.
//!
//! Proof construction is written against [`SubtreeSource`], so the same code serves the
//! live ledger (stored hashes) and tests (hashes in memory).
//!
//! Written here, not taken from the `tlog_tiles` crate: see "Why not the tlog crates" in
//! the crate documentation.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// MTH of the empty tree: the hash of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Leaf hash: SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// Interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// Why a proof was rejected or could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {old} is larger than tree size {new}")]
    SizeOrder { old: u64, new: u64 },
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    #[error("proof does not lead to the expected root hash")]
    RootMismatch,
    #[error("hash source failed: {0}")]
    Source(String),
}

/// The largest power of two strictly less than `n` (n ≥ 2).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Gives the root hash of any subtree `[lo, hi)` of the tree the proof is about.
///
/// Implementations only need to be fast for the ranges RFC 9162 asks for: complete,
/// aligned power-of-two ranges and right-edge ranges ending at a tree size.
pub trait SubtreeSource {
    fn subtree(&self, lo: u64, hi: u64) -> Result<Hash, ProofError>;
}

/// MTH(D[lo:hi]) computed recursively from a source of complete subtrees; the
/// decomposition follows RFC 9162 §2.1.1 so ranges are always splittable into
/// aligned powers of two.
pub fn range_root<S: SubtreeSource + ?Sized>(
    src: &S,
    lo: u64,
    hi: u64,
) -> Result<Hash, ProofError> {
    let n = hi - lo;
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() {
        return src.subtree(lo, hi);
    }
    let k = split_point(n);
    let l = range_root(src, lo, lo + k)?;
    let r = range_root(src, lo + k, hi)?;
    Ok(node_hash(&l, &r))
}

/// The inclusion proof PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf-side first.
pub fn inclusion_proof<S: SubtreeSource + ?Sized>(
    src: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut out = Vec::new();
    path(src, index, 0, size, &mut out)?;
    Ok(out)
}

fn path<S: SubtreeSource + ?Sized>(
    src: &S,
    m: u64,
    lo: u64,
    hi: u64,
    out: &mut Vec<Hash>,
) -> Result<(), ProofError> {
    let n = hi - lo;
    if n <= 1 {
        return Ok(());
    }
    let k = split_point(n);
    if m - lo < k {
        path(src, m, lo, lo + k, out)?;
        out.push(range_root(src, lo + k, hi)?);
    } else {
        path(src, m, lo + k, hi, out)?;
        out.push(range_root(src, lo, lo + k)?);
    }
    Ok(())
}

/// The consistency proof PROOF(old, D[0:new]) of RFC 9162 §2.1.4.1.
pub fn consistency_proof<S: SubtreeSource + ?Sized>(
    src: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, ProofError> {
    if old > new {
        return Err(ProofError::SizeOrder { old, new });
    }
    let mut out = Vec::new();
    if old == 0 || old == new {
        return Ok(out);
    }
    subproof(src, old, 0, new, true, &mut out)?;
    Ok(out)
}

fn subproof<S: SubtreeSource + ?Sized>(
    src: &S,
    m: u64,
    lo: u64,
    hi: u64,
    b: bool,
    out: &mut Vec<Hash>,
) -> Result<(), ProofError> {
    let n = hi - lo;
    if m == n {
        if !b {
            out.push(range_root(src, lo, hi)?);
        }
        return Ok(());
    }
    let k = split_point(n);
    if m <= k {
        subproof(src, m, lo, lo + k, b, out)?;
        out.push(range_root(src, lo + k, hi)?);
    } else {
        subproof(src, m - k, lo + k, hi, false, out)?;
        out.push(range_root(src, lo, lo + k)?);
    }
    Ok(())
}

/// Verifies an inclusion proof as in RFC 9162 §2.1.3.2.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut fnode = index;
    let mut snode = size - 1;
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof as in RFC 9162 §2.1.4.2.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizeOrder { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if old == 0 {
        // Every tree extends the empty tree; RFC 9162 requires an empty proof.
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::WrongLength)
        };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return Err(ProofError::WrongLength);
    };
    let mut fnode = old - 1;
    let mut snode = new - 1;
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let mut fr = *first;
    let mut sr = *first;
    for c in rest {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr != old_root || &sr != new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Incrementally computes the root of a growing tree from its leaf hashes, keeping
/// only the roots of the perfect subtrees on the right edge (a "compact range").
#[derive(Debug, Clone, Default)]
pub struct CompactRange {
    size: u64,
    // Roots of perfect subtrees, largest (leftmost) first.
    stack: Vec<Hash>,
}

impl CompactRange {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut n = self.size;
        while n & 1 == 1 {
            // A set bit means a perfect subtree of this height is waiting for a sibling.
            if let Some(left) = self.stack.pop() {
                h = node_hash(&left, &h);
            }
            n >>= 1;
        }
        self.stack.push(h);
        self.size += 1;
    }

    /// The root hash of the tree of the current size.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(last) = it.next() else {
            return empty_root();
        };
        let mut h = *last;
        for left in it {
            h = node_hash(left, &h);
        }
        h
    }
}

/// A subtree source over leaf hashes held in memory (tests, the verifier's small trees).
pub struct MemoryTree<'a>(pub &'a [Hash]);

impl SubtreeSource for MemoryTree<'_> {
    fn subtree(&self, lo: u64, hi: u64) -> Result<Hash, ProofError> {
        let leaves = usize::try_from(lo)
            .ok()
            .zip(usize::try_from(hi).ok())
            .and_then(|(l, h)| self.0.get(l..h))
            .ok_or_else(|| ProofError::Source(format!("range {lo}..{hi} out of bounds")))?;
        Ok(root_of_leaves(leaves))
    }
}

/// MTH over a slice of leaf hashes.
pub fn root_of_leaves(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&root_of_leaves(&leaves[..k]), &root_of_leaves(&leaves[k..]))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hex(h: &Hash) -> String {
        h.iter().map(|b| format!("{b:02x}")).collect()
    }

    // The eight leaves used by the RFC 6962 reference tests (certificate-transparency-go
    // merkle/testonly): empty, 0x00, 0x10, 0x2021, 0x3031, 0x40414243, ...
    fn rfc6962_leaves() -> Vec<Vec<u8>> {
        vec![
            vec![],
            vec![0x00],
            vec![0x10],
            vec![0x20, 0x21],
            vec![0x30, 0x31],
            vec![0x40, 0x41, 0x42, 0x43],
            vec![0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            vec![
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ]
    }

    #[test]
    fn rfc6962_roots() {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        assert_eq!(
            hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let leaves: Vec<Hash> = rfc6962_leaves().iter().map(|e| leaf_hash(e)).collect();
        let mut cr = CompactRange::new();
        for (i, l) in leaves.iter().enumerate() {
            cr.push(*l);
            assert_eq!(hex(&cr.root()), expected[i], "size {}", i + 1);
            assert_eq!(hex(&root_of_leaves(&leaves[..=i])), expected[i]);
        }
    }

    #[test]
    fn rfc6962_inclusion_vectors() {
        let leaves: Vec<Hash> = rfc6962_leaves().iter().map(|e| leaf_hash(e)).collect();
        let t = MemoryTree(&leaves);
        // (index, size, expected path) from the reference test data.
        let cases: [(u64, u64, &[&str]); 4] = [
            (0, 1, &[]),
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
        ];
        for (index, size, want) in cases {
            let p = inclusion_proof(&t, index, size).unwrap();
            let got: Vec<String> = p.iter().map(hex).collect();
            assert_eq!(got, want, "index {index} size {size}");
            let root = root_of_leaves(&leaves[..size as usize]);
            verify_inclusion(index, size, &leaves[index as usize], &p, &root).unwrap();
        }
    }

    #[test]
    fn rfc6962_consistency_vectors() {
        let leaves: Vec<Hash> = rfc6962_leaves().iter().map(|e| leaf_hash(e)).collect();
        let t = MemoryTree(&leaves);
        let cases: [(u64, u64, &[&str]); 3] = [
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (old, new, want) in cases {
            let p = consistency_proof(&t, old, new).unwrap();
            let got: Vec<String> = p.iter().map(hex).collect();
            assert_eq!(got, want, "{old} -> {new}");
            let r1 = root_of_leaves(&leaves[..old as usize]);
            let r2 = root_of_leaves(&leaves[..new as usize]);
            verify_consistency(old, new, &r1, &r2, &p).unwrap();
            assert!(verify_consistency(old, new, &r2, &r1, &p).is_err());
        }
    }

    #[test]
    fn all_proofs_for_small_trees_verify_and_reject_tampering() {
        let leaves: Vec<Hash> = (0..40u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let t = MemoryTree(&leaves);
        for size in 1..=40u64 {
            let root = root_of_leaves(&leaves[..size as usize]);
            for i in 0..size {
                let p = inclusion_proof(&t, i, size).unwrap();
                verify_inclusion(i, size, &leaves[i as usize], &p, &root).unwrap();
                let other = leaves[((i + 1) % 40) as usize];
                assert!(verify_inclusion(i, size, &other, &p, &root).is_err());
                if let Some((_, shorter)) = p.split_last() {
                    assert!(
                        verify_inclusion(i, size, &leaves[i as usize], shorter, &root).is_err()
                    );
                }
            }
            for old in 1..=size {
                let p = consistency_proof(&t, old, size).unwrap();
                let r1 = root_of_leaves(&leaves[..old as usize]);
                verify_consistency(old, size, &r1, &root, &p).unwrap();
                if old < size {
                    let wrong = root_of_leaves(&leaves[1..=old as usize]);
                    assert!(verify_consistency(old, size, &wrong, &root, &p).is_err());
                }
            }
        }
    }
}
