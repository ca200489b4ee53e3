//! The glob patterns of OSCAL `matching` selectors (`*` any run, `?` one character).
//!
//! Hand-written instead of pulling in a regex engine: OSCAL 1.x defines `pattern` as a glob,
//! and a two-wildcard matcher is a few lines with no pathological cases (the backtracking
//! below is linear in practice and bounded by pattern × text).

/// True when `text` matches `pattern` entirely.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Where the last `*` was and the text position it is currently taken to end at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            // Let the last star swallow one more character and retry from there.
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::matches;
    use proptest::prelude::*;

    #[test]
    fn wildcards() {
        assert!(matches("ac-*", "ac-2.1"));
        assert!(matches("ac-?", "ac-2"));
        assert!(!matches("ac-?", "ac-20"));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("ac-2", "ac-2"));
        assert!(!matches("ac-2", "ac-2.1"));
        assert!(matches("*.1", "ac-2.1"));
    }

    proptest! {
        #[test]
        fn literal_matches_itself(s in "[a-z0-9.\\-]{0,20}") {
            prop_assert!(matches(&s, &s));
            prop_assert!(matches("*", &s));
        }

        #[test]
        fn star_prefix(a in "[a-z]{0,8}", b in "[a-z0-9]{0,8}") {
            let pattern = format!("{a}*");
            let text = format!("{a}{b}");
            prop_assert!(matches(&pattern, &text));
        }

        #[test]
        fn never_panics(p in "[a-z*?]{0,12}", t in ".{0,24}") {
            let _ = matches(&p, &t);
        }
    }
}
