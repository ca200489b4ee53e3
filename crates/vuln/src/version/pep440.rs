//! PEP 440 version ordering for PyPI, including the normalisations pip accepts (`1.0alpha1`,
//! `1.0-1` as a post-release, `v` prefix, `_`/`-`/`.` separators).

use super::VersionError;
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub struct Pep440Version {
    key: Key,
}

/// The comparison key of `packaging.version`: fields in precedence order, each encoded so that
/// the derived `Ord` gives PEP 440 order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    epoch: u64,
    release: Vec<u64>,
    pre: Pre,
    post: Option<u64>,
    dev: Dev,
    local: Option<Vec<LocalSeg>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Pre {
    /// `1.0.dev1` sorts before `1.0a1`.
    DevOnly,
    Some(u8, u64),
    Final,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Dev {
    Some(u64),
    Final,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum LocalSeg {
    Str(String),
    Int(u64),
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat_sep(&mut self) -> bool {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn number(&mut self) -> Option<Result<u64, ()>> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        if start == self.i {
            return None;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        Some(text.parse::<u64>().map_err(|_| ()))
    }
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        let rest = &self.s[self.i..];
        // Longest first so "preview" is not read as "pre".
        let mut best: Option<(usize, usize)> = None;
        for (idx, w) in words.iter().enumerate() {
            if rest.starts_with(w.as_bytes()) && best.is_none_or(|(_, len)| w.len() > len) {
                best = Some((idx, w.len()));
            }
        }
        let (idx, len) = best?;
        self.i += len;
        Some(idx)
    }
}

impl Pep440Version {
    pub fn parse(input: &str) -> Result<Pep440Version, VersionError> {
        let err = |reason: &str| VersionError {
            version: input.to_owned(),
            scheme: "PEP 440",
            reason: reason.to_owned(),
        };
        let lower = input.trim().to_ascii_lowercase();
        let body = lower.strip_prefix('v').unwrap_or(&lower);
        let (public, local) = match body.split_once('+') {
            Some((p, l)) => (p, Some(l)),
            None => (body, None),
        };
        let mut c = Cursor {
            s: public.as_bytes(),
            i: 0,
        };
        let too_large = || err("number too large");
        let first = match c.number() {
            Some(n) => n.map_err(|_| too_large())?,
            None => return Err(err("must start with a number")),
        };
        let mut epoch = 0;
        let mut release = vec![first];
        if c.peek() == Some(b'!') {
            c.i += 1;
            epoch = first;
            release.clear();
            match c.number() {
                Some(n) => release.push(n.map_err(|_| too_large())?),
                None => return Err(err("epoch must be followed by a release number")),
            }
        }
        loop {
            let save = c.i;
            if c.peek() == Some(b'.') {
                c.i += 1;
                if let Some(n) = c.number() {
                    release.push(n.map_err(|_| too_large())?);
                    continue;
                }
            }
            c.i = save;
            break;
        }
        let mut pre = None;
        let save = c.i;
        c.eat_sep();
        if let Some(idx) = c.word(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"]) {
            let letter = match idx {
                0 | 1 => 0,
                2 | 3 => 1,
                _ => 2,
            };
            let save_n = c.i;
            c.eat_sep();
            let n = match c.number() {
                Some(n) => n.map_err(|_| too_large())?,
                None => {
                    c.i = save_n;
                    0
                }
            };
            pre = Some((letter, n));
        } else {
            c.i = save;
        }
        let mut post = None;
        let save = c.i;
        if c.peek() == Some(b'-')
            && let Some(n) = {
                c.i += 1;
                c.number()
            }
        {
            post = Some(n.map_err(|_| too_large())?);
        } else {
            c.i = save;
            c.eat_sep();
            if c.word(&["post", "rev", "r"]).is_some() {
                let save_n = c.i;
                c.eat_sep();
                post = Some(match c.number() {
                    Some(n) => n.map_err(|_| too_large())?,
                    None => {
                        c.i = save_n;
                        0
                    }
                });
            } else {
                c.i = save;
            }
        }
        let mut dev = None;
        let save = c.i;
        c.eat_sep();
        if c.word(&["dev"]).is_some() {
            let save_n = c.i;
            c.eat_sep();
            dev = Some(match c.number() {
                Some(n) => n.map_err(|_| too_large())?,
                None => {
                    c.i = save_n;
                    0
                }
            });
        } else {
            c.i = save;
        }
        if c.i != c.s.len() {
            return Err(err(&format!("unexpected text at byte {}", c.i)));
        }
        let local = match local {
            None => None,
            Some(l) => {
                let mut segs = Vec::new();
                for seg in l.split(['-', '_', '.']) {
                    if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                        return Err(err("invalid local version label"));
                    }
                    if seg.bytes().all(|b| b.is_ascii_digit()) {
                        segs.push(LocalSeg::Int(seg.parse::<u64>().map_err(|_| too_large())?));
                    } else {
                        segs.push(LocalSeg::Str(seg.to_owned()));
                    }
                }
                Some(segs)
            }
        };
        while release.len() > 1 && release.last() == Some(&0) {
            release.pop();
        }
        let pre = match (pre, post, dev) {
            (None, None, Some(_)) => Pre::DevOnly,
            (None, _, _) => Pre::Final,
            (Some((l, n)), _, _) => Pre::Some(l, n),
        };
        let dev = dev.map_or(Dev::Final, Dev::Some);
        Ok(Pep440Version {
            key: Key {
                epoch,
                release,
                pre,
                post,
                dev,
                local,
            },
        })
    }
}

impl PartialEq for Pep440Version {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Pep440Version {}
impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}
impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Pep440Version {
        Pep440Version::parse(s).expect("valid")
    }

    #[test]
    fn pep440_example_order() {
        // The ordering example from PEP 440's "Summary of permitted suffixes and relative ordering".
        let chain = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for w in chain.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn normalisations_are_equal() {
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("1.0alpha1"), v("1.0a1"));
        assert_eq!(v("1.0-1"), v("1.0.post1"));
        assert_eq!(v("1.0c1"), v("1.0rc1"));
        assert_eq!(v("v1.0.PREVIEW2"), v("1.0rc2"));
        assert_eq!(v("1.0-dev"), v("1.0.dev0"));
        assert!(v("1!0.1") > v("2.0"));
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "abc", "1.0+", "1.0 final", "1.0.x", "1!"] {
            assert!(Pep440Version::parse(bad).is_err(), "{bad}");
        }
    }
}
