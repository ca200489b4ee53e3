//! Helpers shared by the publish integration tests: loading the example programs, reading
//! Markdown sections and tables back out of rendered documents, and a small XML
//! well-formedness check for the SVG diagrams.
#![allow(dead_code)]

use covenant_model::{Level, Sources};
use covenant_publish::{Options, Output};
use std::path::PathBuf;

/// The repository's `examples/NAME` directory.
pub fn example_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// Loads, checks (no errors allowed) and publishes an example program.
pub fn publish_example(name: &str) -> Output {
    let sources = Sources::read_dir(&example_dir(name)).expect("read example");
    let (program, diags) = covenant_model::check(&sources);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.level == Level::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "example {name} is invalid: {errors:#?}");
    covenant_publish::publish(&program, &Options::default()).expect("publish")
}

/// A published file as text.
pub fn text<'a>(out: &'a Output, name: &str) -> &'a str {
    let bytes = out
        .files
        .get(name)
        .unwrap_or_else(|| panic!("{name} was not published; got {:?}", out.files.keys()));
    std::str::from_utf8(bytes).expect("utf-8")
}

fn heading_level(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|&c| c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &line[level..];
    rest.strip_prefix(' ').map(|t| (level, t.trim()))
}

/// The lines under the first heading whose text is `title` (any level), up to the next
/// heading of the same or a higher level.
pub fn section<'a>(markdown: &'a str, title: &str) -> Vec<&'a str> {
    let mut lines = markdown.lines();
    let level = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("no heading `{title}` in:\n{markdown}"));
        if let Some((level, t)) = heading_level(line)
            && t == title
        {
            break level;
        }
    };
    lines
        .take_while(|l| heading_level(l).is_none_or(|(lv, _)| lv > level))
        .collect()
}

/// Every heading text of a given level, in order.
pub fn headings(markdown: &str, level: usize) -> Vec<String> {
    markdown
        .lines()
        .filter_map(heading_level)
        .filter(|(lv, _)| *lv == level)
        .map(|(_, t)| unescape(t))
        .collect()
}

/// Undoes the publish crate's Markdown escaping (`&amp;`, `&lt;`, `&gt;`, `\|`).
pub fn unescape(s: &str) -> String {
    s.replace("\\|", "|")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Splits one table row into trimmed, unescaped cells; an escaped `\|` stays in its cell.
pub fn cells(row: &str) -> Vec<String> {
    let row = row.trim();
    let inner = row
        .strip_prefix('|')
        .and_then(|r| r.strip_suffix('|'))
        .unwrap_or_else(|| panic!("not a table row: {row}"));
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push_str("\\|");
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.iter().map(|c| unescape(c.trim())).collect()
}

/// A Markdown table: the header cells and the body rows.
#[derive(Debug)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Every table in some lines, in order.
pub fn tables(lines: &[&str]) -> Vec<Table> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let is_delim = |l: &str| {
            let l = l.trim();
            l.starts_with('|') && l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
        };
        if lines[i].trim_start().starts_with('|') && i + 1 < lines.len() && is_delim(lines[i + 1]) {
            let header = cells(lines[i]);
            let mut rows = Vec::new();
            i += 2;
            while i < lines.len() && lines[i].trim_start().starts_with('|') {
                let row = cells(lines[i]);
                assert_eq!(
                    row.len(),
                    header.len(),
                    "row has {} cells, header {}: {}",
                    row.len(),
                    header.len(),
                    lines[i]
                );
                rows.push(row);
                i += 1;
            }
            out.push(Table { header, rows });
        } else {
            i += 1;
        }
    }
    out
}

/// The only table in some lines.
pub fn only_table(lines: &[&str]) -> Table {
    let mut all = tables(lines);
    assert_eq!(
        all.len(),
        1,
        "expected exactly one table in:\n{}",
        lines.join("\n")
    );
    all.remove(0)
}

/// The items of the bullet list(s) in some lines.
pub fn bullets(lines: &[&str]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("- "))
        .map(unescape)
        .collect()
}

/// Checks that `text` is one well-formed XML element (tags nest and match, attributes are
/// quoted, entities are known) and returns the root element's name. Enough for the SVG
/// diagrams the publisher writes; not a general XML parser (no DTDs).
pub fn well_formed_xml(text: &str) -> Result<String, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut root: Option<String> = None;
    let mut rest = text.trim_start();
    if let Some(r) = rest.strip_prefix("<?xml") {
        rest = r.split_once("?>").ok_or("unterminated XML declaration")?.1;
    }
    let check_text = |t: &str| -> Result<(), String> {
        let mut parts = t.split('&');
        parts.next();
        for p in parts {
            let (name, _) = p
                .split_once(';')
                .ok_or_else(|| format!("bare `&` in text near {p:.20}"))?;
            let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || name
                    .strip_prefix("#x")
                    .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
                || name
                    .strip_prefix('#')
                    .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(format!("unknown entity &{name};"));
            }
        }
        if t.contains('<') {
            return Err("`<` in text".into());
        }
        Ok(())
    };
    loop {
        let Some(lt) = rest.find('<') else {
            if !stack.is_empty() {
                return Err(format!("unclosed elements {stack:?}"));
            }
            if !rest.trim().is_empty() {
                return Err("text after the root element".into());
            }
            break;
        };
        let (before, after) = rest.split_at(lt);
        if stack.is_empty() && !before.trim().is_empty() {
            return Err("text outside the root element".into());
        }
        check_text(before)?;
        if let Some(r) = after.strip_prefix("<!--") {
            rest = r.split_once("-->").ok_or("unterminated comment")?.1;
            continue;
        }
        if let Some(r) = after.strip_prefix("<![CDATA[") {
            rest = r.split_once("]]>").ok_or("unterminated CDATA")?.1;
            continue;
        }
        let gt = after.find('>').ok_or("unterminated tag")?;
        let tag = &after[1..gt];
        rest = &after[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or("closing tag without an open element")?;
            if open != name.trim() {
                return Err(format!("</{name}> closes <{open}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
        {
            return Err(format!("bad element name `{name}`"));
        }
        // attributes: name="value" or name='value', separated by whitespace
        let mut attrs = tag[name_end..].trim_start();
        let mut seen = Vec::new();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or_else(|| format!("attribute without value in <{name}>"))?;
            let attr = attrs[..eq].trim();
            if attr.is_empty() || attr.contains(char::is_whitespace) {
                return Err(format!("bad attribute `{attr}` in <{name}>"));
            }
            if seen.contains(&attr) {
                return Err(format!("duplicate attribute `{attr}` in <{name}>"));
            }
            seen.push(attr);
            let v = attrs[eq + 1..].trim_start();
            let quote = v
                .chars()
                .next()
                .filter(|q| *q == '"' || *q == '\'')
                .ok_or_else(|| format!("unquoted attribute `{attr}` in <{name}>"))?;
            let end = v[1..]
                .find(quote)
                .ok_or_else(|| format!("unterminated attribute `{attr}`"))?;
            check_text(&v[1..1 + end])?;
            let after_value = &v[1 + end + 1..];
            if !after_value.is_empty() && !after_value.starts_with(char::is_whitespace) {
                return Err(format!("no space after attribute `{attr}` in <{name}>"));
            }
            attrs = after_value.trim_start();
        }
        if stack.is_empty() {
            if root.is_some() {
                return Err("more than one root element".into());
            }
            root = Some(name.to_string());
        }
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    root.ok_or_else(|| "no element".into())
}

#[test]
fn xml_checker_rejects_malformed_documents() {
    assert_eq!(
        well_formed_xml(r#"<svg a="1"><g><text>A &amp; B</text></g><rect/></svg>"#),
        Ok("svg".to_string())
    );
    for bad in [
        "<svg><g></svg>",
        "<svg></g>",
        "<svg a=1></svg>",
        "<svg>A & B</svg>",
        "<svg></svg><svg></svg>",
        "<svg a=\"1\"b=\"2\"></svg>",
        "<svg a=\"1\" a=\"2\"></svg>",
        "<svg>",
        "",
    ] {
        assert!(well_formed_xml(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn table_reader_splits_escaped_pipes_and_entities() {
    let md = "# T\n\n| a | b |\n|---|:-:|\n| x \\| y | A &amp; B |\n| 1 | 2 |\n\n## Next\n";
    let t = only_table(&section(md, "T"));
    assert_eq!(t.header, vec!["a", "b"]);
    assert_eq!(t.rows, vec![vec!["x | y", "A & B"], vec!["1", "2"]]);
}
