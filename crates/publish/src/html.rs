//! Markdown to self-contained HTML: no external assets, SVG diagrams inlined.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};
use std::collections::BTreeMap;

/// Whether a link or image target is safe to put in `href`/`src`: relative, or `http`,
/// `https` or `mailto`. Browsers ignore ASCII whitespace and control characters in a
/// scheme (`java\tscript:`), so those are dropped before looking.
fn safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match cleaned.find([':', '/', '?', '#']) {
        Some(i) if cleaned[i..].starts_with(':') => {
            matches!(&cleaned[..i], "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// Renders Markdown to an HTML fragment, replacing images that name a generated SVG
/// with the SVG itself so the page needs no other file.
///
/// The Markdown carries program text (policy bodies, template overrides), so nothing in
/// it becomes markup beyond what Markdown itself produces: raw HTML is escaped into text,
/// and links or images to other schemes than `http`, `https` and `mailto` (`javascript:`,
/// `data:`) keep their text but lose the link.
pub fn markdown_to_html(markdown: &str, svgs: &BTreeMap<String, String>) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut events = Vec::new();
    let mut skipping = false;
    // Links and images do not nest as far as their own tags go: the end tag of a dropped
    // one is the next end tag of its kind.
    let mut dropped_link = false;
    let mut dropped_images = 0usize;
    for ev in Parser::new_ext(markdown, opts) {
        match ev {
            Event::Start(Tag::Image { ref dest_url, .. })
                if svgs.contains_key(dest_url.as_ref()) =>
            {
                let svg = svgs.get(dest_url.as_ref()).cloned().unwrap_or_default();
                events.push(Event::Html(format!("<figure>{svg}</figure>").into()));
                skipping = true;
            }
            Event::End(TagEnd::Image) if skipping => skipping = false,
            _ if skipping => {}
            Event::Start(Tag::Image { ref dest_url, .. }) if !safe_url(dest_url) => {
                dropped_images += 1;
            }
            Event::End(TagEnd::Image) if dropped_images > 0 => dropped_images -= 1,
            Event::Start(Tag::Link { ref dest_url, .. }) if !safe_url(dest_url) => {
                dropped_link = true;
            }
            Event::End(TagEnd::Link) if dropped_link => dropped_link = false,
            Event::Start(Tag::Link {
                dest_url,
                link_type,
                title,
                id,
            }) => {
                // Links between published documents point at their HTML twins.
                let dest = match dest_url.strip_suffix(".md") {
                    Some(stem) if !dest_url.contains("://") => format!("{stem}.html").into(),
                    _ => dest_url,
                };
                events.push(Event::Start(Tag::Link {
                    dest_url: dest,
                    link_type,
                    title,
                    id,
                }));
            }
            // Raw HTML in the Markdown is shown as the text it is.
            Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => {}
            other => events.push(other),
        }
    }
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    out
}

#[cfg(test)]
mod tests {
    use super::{markdown_to_html, safe_url};
    use std::collections::BTreeMap;

    fn html(md: &str) -> String {
        markdown_to_html(md, &BTreeMap::new())
    }

    #[test]
    fn raw_html_is_escaped() {
        let out = html("<script>alert(1)</script>\n\nText <img src=x onerror=alert(2)> here.\n");
        assert!(!out.contains("<script") && !out.contains("<img"), "{out}");
        assert!(
            out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{out}"
        );
        assert!(out.contains("&lt;img src=x onerror=alert(2)&gt;"), "{out}");
    }

    #[test]
    fn unsafe_link_schemes_lose_the_link() {
        for md in [
            "[click](javascript:alert(1))",
            "[click](JavaScript:alert(1))",
            "[click](<java\tscript:alert(1)>)",
            "[click](data:text/html,x)",
            "<javascript:alert(1)>",
            "![click](javascript:alert(1))",
        ] {
            let out = html(md);
            assert!(!out.contains("href") && !out.contains("src"), "{md}: {out}");
        }
        let out = html(
            "[a](overview.md) [b](https://example.com/x.md) [c](mailto:s@x.example) [d](#top)",
        );
        assert!(out.contains(r#"href="overview.html""#), "{out}");
        assert!(out.contains(r#"href="https://example.com/x.md""#), "{out}");
        assert!(out.contains(r#"href="mailto:s@x.example""#), "{out}");
        assert!(out.contains(r##"href="#top""##), "{out}");
        assert!(safe_url("a/b:c") && safe_url("?x=y:z") && !safe_url("vbscript:x"));
        assert!(!safe_url("java\tscript:x") && !safe_url(" JAVASCRIPT:x"));
    }
}
