//! Markdown to self-contained HTML: no external assets, SVG diagrams inlined.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};
use std::collections::BTreeMap;

/// Renders Markdown to an HTML fragment, replacing images that name a generated SVG
/// with the SVG itself so the page needs no other file.
pub fn markdown_to_html(markdown: &str, svgs: &BTreeMap<String, String>) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut events = Vec::new();
    let mut skipping = false;
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
            other if !skipping => events.push(other),
            _ => {}
        }
    }
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    out
}
