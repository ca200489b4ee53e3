//! Group commit for many concurrent appenders: whoever finds no commit in progress
//! becomes the leader, takes every batch queued so far and commits them with one
//! `fdatasync`; the others wait for their sequence numbers. Throughput then follows the
//! number of waiting callers instead of the fsync latency.

use crate::error::{Error, Result};
use crate::ledger::Ledger;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

struct Queue {
    next_ticket: u64,
    pending: Vec<(u64, Vec<Value>)>,
    committing: bool,
    done: HashMap<u64, Result<Vec<u64>, String>>,
}

/// A [`Ledger`] shared by threads that each append small batches.
pub struct GroupCommitter {
    ledger: Mutex<Ledger>,
    queue: Mutex<Queue>,
    wake: Condvar,
}

impl GroupCommitter {
    pub fn new(ledger: Ledger) -> Self {
        Self {
            ledger: Mutex::new(ledger),
            queue: Mutex::new(Queue {
                next_ticket: 0,
                pending: Vec::new(),
                committing: false,
                done: HashMap::new(),
            }),
            wake: Condvar::new(),
        }
    }

    fn queue(&self) -> Result<MutexGuard<'_, Queue>> {
        self.queue.lock().map_err(|_| Error::Poisoned)
    }

    /// Appends `entries` as one unit; returns their sequence numbers once durable.
    pub fn append(&self, entries: Vec<Value>) -> Result<Vec<u64>> {
        let mut q = self.queue()?;
        let ticket = q.next_ticket;
        q.next_ticket += 1;
        q.pending.push((ticket, entries));
        loop {
            if let Some(r) = q.done.remove(&ticket) {
                return r.map_err(|m| Error::Corrupt(format!("group commit failed: {m}")));
            }
            if !q.committing {
                q.committing = true;
                let batch = std::mem::take(&mut q.pending);
                drop(q);
                let results = self.commit(batch);
                q = self.queue()?;
                q.committing = false;
                q.done.extend(results);
                self.wake.notify_all();
                continue;
            }
            q = self.wake.wait(q).map_err(|_| Error::Poisoned)?;
        }
    }

    fn commit(&self, batch: Vec<(u64, Vec<Value>)>) -> Vec<(u64, Result<Vec<u64>, String>)> {
        let mut ledger = match self.ledger.lock() {
            Ok(l) => l,
            Err(_) => {
                return batch
                    .into_iter()
                    .map(|(t, _)| (t, Err("ledger lock poisoned".into())))
                    .collect();
            }
        };
        // Invalid entries must fail only their own caller, so check them before merging.
        let mut out = Vec::with_capacity(batch.len());
        let mut merged = Vec::new();
        let mut owners = Vec::new();
        for (ticket, entries) in batch {
            match entries
                .iter()
                .try_for_each(|v| crate::canonical::to_canonical(v).map(drop))
            {
                Ok(()) => {
                    owners.push((ticket, entries.len()));
                    merged.extend(entries);
                }
                Err(e) => out.push((ticket, Err(e.to_string()))),
            }
        }
        match ledger.append(&merged) {
            Ok(seqs) => {
                let mut at = 0;
                for (ticket, n) in owners {
                    out.push((ticket, Ok(seqs[at..at + n].to_vec())));
                    at += n;
                }
            }
            Err(e) => {
                let m = e.to_string();
                out.extend(owners.into_iter().map(|(t, _)| (t, Err(m.clone()))));
            }
        }
        out
    }

    /// Runs `f` with exclusive access to the ledger (checkpoints, proofs, reads).
    pub fn with_ledger<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> Result<T> {
        let mut l = self.ledger.lock().map_err(|_| Error::Poisoned)?;
        Ok(f(&mut l))
    }

    pub fn into_inner(self) -> Result<Ledger> {
        self.ledger.into_inner().map_err(|_| Error::Poisoned)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn concurrent_appenders_share_commits_and_get_their_own_seqs() {
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::init(dir.path(), "group.example/log").unwrap();
        let g = GroupCommitter::new(l);
        std::thread::scope(|s| {
            for t in 0..8u64 {
                let g = &g;
                s.spawn(move || {
                    for i in 0..25u64 {
                        let seqs = g.append(vec![json!({"t": t, "i": i})]).unwrap();
                        assert_eq!(seqs.len(), 1);
                    }
                    assert!(g.append(vec![json!({"bad": 0.5})]).is_err());
                });
            }
        });
        let l = g.into_inner().unwrap();
        assert_eq!(l.size(), 200);
        let mut seen = std::collections::BTreeSet::new();
        for (_, v) in l.values().unwrap() {
            assert!(seen.insert((v["t"].as_u64().unwrap(), v["i"].as_u64().unwrap())));
        }
        assert_eq!(seen.len(), 200);
    }
}
