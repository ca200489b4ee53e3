//! The stored Merkle tree: the hashes kept next to the log so proofs and roots never
//! re-hash entries.
//!
//! Two append-only files hold raw 32-byte hashes back to back:
//! - `level0.hashes`: hash `i` is the leaf hash of entry `i`;
//! - `level8.hashes`: hash `j` is the root of the complete subtree over entries
//!   `[256·j, 256·j + 256)`.
//!
//! These are the hashes of C2SP tlog-tiles tiles of height 8 at levels 0 and 1: the
//! full tile `tile/L/N` is bytes `[N·8192, N·8192 + 8192)` of the level-L file, and a
//! partial tile of width W is its first W hashes. Higher levels are derived in memory
//! from `level8.hashes` when the tree is opened (1/65536 of the leaves).

use crate::merkle::{Hash, ProofError, SubtreeSource, node_hash, root_of_leaves};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Mutex;

/// Leaves per tile (2^8).
pub const TILE: u64 = 256;
const TILE_HEIGHT: u32 = 8;

/// The Merkle tree of the ledger, backed by the two hash files.
pub struct HashTree {
    level0: File,
    level8: File,
    size: u64,
    /// `upper[j][i]`: root of the complete subtree of 2^(8+j) leaves starting at leaf i·2^(8+j).
    upper: Vec<Vec<Hash>>,
    /// Leaf hashes of the last, incomplete tile.
    tail: Vec<Hash>,
    /// Hashes pushed since the last write, with the file index of the first one.
    pending0: Vec<Hash>,
    pending0_at: u64,
    pending8: Vec<Hash>,
    pending8_at: u64,
    /// The last complete tile read from disk, with all its interior nodes, so a burst of
    /// proofs about nearby entries reads and hashes each tile once.
    tile_cache: Mutex<Option<(u64, Vec<Vec<Hash>>)>>,
}

impl HashTree {
    /// Builds the in-memory part from `size` leaves whose hashes are stored in the files.
    /// The caller has made sure the files hold at least `size` and `size / 256` hashes.
    pub fn load(level0: File, level8: File, size: u64) -> io::Result<Self> {
        let tiles = size / TILE;
        let mut l8 = vec![0u8; usize_of(tiles * 32)?];
        level8.read_exact_at(&mut l8, 0)?;
        let mut tree = Self::empty(level0, level8);
        for h in l8.chunks_exact(32) {
            let mut x = [0u8; 32];
            x.copy_from_slice(h);
            tree.push_tile_root(x);
        }
        let tail_len = size % TILE;
        let mut t = vec![0u8; usize_of(tail_len * 32)?];
        tree.level0.read_exact_at(&mut t, tiles * TILE * 32)?;
        tree.tail = t
            .chunks_exact(32)
            .map(|c| {
                let mut x = [0u8; 32];
                x.copy_from_slice(c);
                x
            })
            .collect();
        tree.size = size;
        tree.pending0_at = size;
        tree.pending8_at = tiles;
        Ok(tree)
    }

    /// A tree whose hashes are pushed one by one (the verifier's recomputation).
    pub fn empty(level0: File, level8: File) -> Self {
        Self {
            level0,
            level8,
            size: 0,
            upper: Vec::new(),
            tail: Vec::with_capacity(TILE as usize),
            pending0: Vec::new(),
            pending0_at: 0,
            pending8: Vec::new(),
            pending8_at: 0,
            tile_cache: Mutex::new(None),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the next leaf hash (in memory until [`HashTree::write_pending`]).
    pub fn push(&mut self, leaf: Hash) {
        self.tail.push(leaf);
        self.pending0.push(leaf);
        self.size += 1;
        if self.tail.len() as u64 == TILE {
            let root = root_of_leaves(&self.tail);
            self.tail.clear();
            self.pending8.push(root);
            self.push_tile_root(root);
        }
    }

    fn push_tile_root(&mut self, root: Hash) {
        let mut h = root;
        let mut j = 0;
        loop {
            if self.upper.len() <= j {
                self.upper.push(Vec::new());
            }
            self.upper[j].push(h);
            let level = &self.upper[j];
            if level.len() % 2 == 1 {
                break;
            }
            h = node_hash(&level[level.len() - 2], &level[level.len() - 1]);
            j += 1;
        }
        self.size = self.size.max(self.upper[0].len() as u64 * TILE);
    }

    /// Writes pushed hashes to the files (page cache only; see [`HashTree::sync`]).
    pub fn write_pending(&mut self) -> io::Result<()> {
        if !self.pending0.is_empty() {
            self.level0
                .write_all_at(self.pending0.as_flattened(), self.pending0_at * 32)?;
            self.pending0_at += self.pending0.len() as u64;
            self.pending0.clear();
        }
        if !self.pending8.is_empty() {
            self.level8
                .write_all_at(self.pending8.as_flattened(), self.pending8_at * 32)?;
            self.pending8_at += self.pending8.len() as u64;
            self.pending8.clear();
        }
        Ok(())
    }

    /// Makes the written hashes durable.
    pub fn sync(&self) -> io::Result<()> {
        self.level0.sync_data()?;
        self.level8.sync_data()
    }

    /// Forgets pushed hashes that are not flushed (used by the verifier, which never writes).
    pub fn discard_pending(&mut self) {
        self.pending0_at += self.pending0.len() as u64;
        self.pending0.clear();
        self.pending8_at += self.pending8.len() as u64;
        self.pending8.clear();
    }

    /// The root hash of the tree of size `size` (any size up to the current one).
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size {
            return Err(ProofError::IndexOutOfRange {
                index: size,
                size: self.size,
            });
        }
        crate::merkle::range_root(self, 0, size)
    }

    pub fn root(&self) -> Result<Hash, ProofError> {
        self.root_at(self.size)
    }

    /// All interior nodes of a complete stored tile, level by level (level 0 = leaves).
    fn tile_nodes(&self, tile: u64) -> Result<Vec<Vec<Hash>>, ProofError> {
        let io = |e: io::Error| ProofError::Source(e.to_string());
        let mut raw = vec![0u8; (TILE * 32) as usize];
        self.level0
            .read_exact_at(&mut raw, tile * TILE * 32)
            .map_err(io)?;
        let mut levels: Vec<Vec<Hash>> = vec![
            raw.chunks_exact(32)
                .map(|c| {
                    let mut x = [0u8; 32];
                    x.copy_from_slice(c);
                    x
                })
                .collect(),
        ];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let prev = levels.last().map(|l| l.as_slice()).unwrap_or_default();
            let next: Vec<Hash> = prev
                .chunks_exact(2)
                .map(|p| node_hash(&p[0], &p[1]))
                .collect();
            levels.push(next);
        }
        Ok(levels)
    }
}

impl SubtreeSource for HashTree {
    fn subtree(&self, lo: u64, hi: u64) -> Result<Hash, ProofError> {
        let n = hi - lo;
        if hi > self.size || !n.is_power_of_two() || !lo.is_multiple_of(n) {
            return Err(ProofError::Source(format!("no stored subtree {lo}..{hi}")));
        }
        let k = n.trailing_zeros();
        if k >= TILE_HEIGHT {
            let j = (k - TILE_HEIGHT) as usize;
            return self
                .upper
                .get(j)
                .and_then(|l| l.get((lo >> k) as usize))
                .copied()
                .ok_or_else(|| ProofError::Source(format!("missing subtree {lo}..{hi}")));
        }
        let tile = lo / TILE;
        let complete_tiles = self.size / TILE;
        if tile >= complete_tiles {
            let start = (tile * TILE) as usize;
            let a = lo as usize - start;
            let b = hi as usize - start;
            let leaves = self
                .tail
                .get(a..b)
                .ok_or_else(|| ProofError::Source(format!("missing leaves {lo}..{hi}")))?;
            return Ok(root_of_leaves(leaves));
        }
        let mut cache = self
            .tile_cache
            .lock()
            .map_err(|_| ProofError::Source("tile cache poisoned".into()))?;
        if cache.as_ref().is_none_or(|(t, _)| *t != tile) {
            *cache = Some((tile, self.tile_nodes(tile)?));
        }
        let (_, levels) = cache
            .as_ref()
            .ok_or_else(|| ProofError::Source("tile cache".into()))?;
        let idx = ((lo - tile * TILE) >> k) as usize;
        levels
            .get(k as usize)
            .and_then(|l| l.get(idx))
            .copied()
            .ok_or_else(|| ProofError::Source(format!("missing subtree {lo}..{hi}")))
    }
}

fn usize_of(v: u64) -> io::Result<usize> {
    usize::try_from(v).map_err(|_| io::Error::other("size does not fit in memory"))
}

/// Reads `count` hashes starting at hash index `from` from a hash file.
pub fn read_hashes(file: &File, from: u64, count: u64) -> io::Result<Vec<Hash>> {
    let mut raw = vec![0u8; usize_of(count * 32)?];
    file.read_exact_at(&mut raw, from * 32)?;
    Ok(raw
        .chunks_exact(32)
        .map(|c| {
            let mut x = [0u8; 32];
            x.copy_from_slice(c);
            x
        })
        .collect())
}

impl HashTree {
    /// Roots of the complete 256-leaf tiles, in order.
    pub fn tile_roots(&self) -> &[Hash] {
        self.upper.first().map_or(&[], |v| v.as_slice())
    }
}
