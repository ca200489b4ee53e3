//! Maven version ordering, following Maven's `ComparableVersion`: items split on `.`/`-` and on
//! digit/letter transitions, known qualifiers ranked (alpha < beta < milestone < rc < snapshot <
//! release < sp), unknown qualifiers after `sp` in lexical order, and trailing "null" items dropped
//! so `1.0.0` equals `1`.

use std::cmp::Ordering;

/// Every string is a Maven version (Maven itself never rejects one), so parsing cannot fail.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    items: Vec<Item>,
}

#[derive(Debug, Clone)]
enum Item {
    /// Digits with leading zeros removed; compared by length, then text, so any size works.
    Int(String),
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX: &str = "5";

fn comparable_qualifier(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let v = if followed_by_digit && value.len() == 1 {
        match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        }
    } else {
        value
    };
    let v = match v {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(v.to_owned())
}

fn int_item(digits: &str) -> Item {
    let t = digits.trim_start_matches('0');
    Item::Int(t.to_owned())
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        int_item(buf)
    } else {
        string_item(buf, false)
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(s) => s.is_empty(),
            Item::Str(s) => s.is_empty(),
            Item::List(l) => l.is_empty(),
        }
    }

    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(s) => {
                if s.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(s) => comparable_qualifier(s).as_str().cmp(RELEASE_INDEX),
            Item::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_null),
        }
    }

    fn cmp_item(&self, other: Option<&Item>) -> Ordering {
        let Some(other) = other else {
            return self.cmp_null();
        };
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(_), Item::Int(_)) => Ordering::Less,
            (Item::Str(a), Item::Str(b)) => comparable_qualifier(a).cmp(&comparable_qualifier(b)),
            (Item::Str(_), Item::List(_)) => Ordering::Less,
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let r = match (a.get(i), b.get(i)) {
            (None, None) => Ordering::Equal,
            (None, Some(r)) => r.cmp_item(None).reverse(),
            (Some(l), r) => l.cmp_item(r),
        };
        if r != Ordering::Equal {
            return r;
        }
    }
    Ordering::Equal
}

/// Maven's `ListItem.normalize`: walking back from the end, null items (0, "", empty list) are
/// removed, walking past sublists, until a non-null plain item.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        let (null, is_list) = match list.get(i) {
            Some(item) => (item.is_null(), matches!(item, Item::List(_))),
            None => break,
        };
        if null {
            list.remove(i);
        } else if !is_list {
            break;
        }
    }
}

impl MavenVersion {
    pub fn parse(input: &str) -> MavenVersion {
        let version = input.trim().to_lowercase();
        // Nested lists are built as a stack of vectors; a finished sublist is folded into its parent.
        let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
        let chars: Vec<(usize, char)> = version.char_indices().collect();
        let mut is_digit = false;
        let mut start = 0usize;
        let push = |stack: &mut Vec<Vec<Item>>, item: Item| {
            if let Some(top) = stack.last_mut() {
                top.push(item);
            }
        };
        for &(i, c) in &chars {
            if c == '.' || c == '-' {
                if i == start {
                    push(&mut stack, Item::Int(String::new()));
                } else {
                    push(&mut stack, parse_item(is_digit, &version[start..i]));
                }
                start = i + c.len_utf8();
                if c == '-' {
                    stack.push(Vec::new());
                }
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    push(&mut stack, string_item(&version[start..i], true));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    push(&mut stack, parse_item(true, &version[start..i]));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = false;
            }
        }
        if version.len() > start {
            push(&mut stack, parse_item(is_digit, &version[start..]));
        }
        while stack.len() > 1 {
            let mut done = stack.pop().unwrap_or_default();
            normalize(&mut done);
            push(&mut stack, Item::List(done));
        }
        let mut items = stack.pop().unwrap_or_default();
        normalize(&mut items);
        MavenVersion { items }
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}
impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for MavenVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> MavenVersion {
        MavenVersion::parse(s)
    }

    #[test]
    fn maven_documented_order() {
        // Orderings documented for ComparableVersion and checked by Maven's own test-suite.
        let chain = [
            "1-alpha-1",
            "1-alpha2",
            "1-beta-1",
            "1-milestone-1",
            "1-rc-1",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-1",
            "1.1",
            "1.2",
            "1.10",
            "2.0-alpha",
            "2.0",
        ];
        for w in chain.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn equivalences() {
        for (a, b) in [
            ("1", "1.0"),
            ("1", "1.0.0"),
            ("1.0", "1-ga"),
            ("1.0", "1.final"),
            ("1-cr1", "1-rc1"),
            ("1a1", "1-alpha-1"),
            ("1.0.0-RELEASE", "1"),
            ("9.0.0100", "9.0.100"),
            ("1.ga-alpha", "1-alpha"),
            ("1.0-0.0", "1"),
        ] {
            assert_eq!(v(a).cmp(&v(b)), Ordering::Equal, "{a} == {b}");
        }
    }
}
