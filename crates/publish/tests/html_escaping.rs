//! Program text in the HTML documents (issue 12): every program string comes out escaped,
//! raw HTML in policies and Markdown template overrides is shown as text, links to
//! `javascript:` lose their link, and the HTML page template cannot be overridden. The
//! server's CSP sandbox is then not the only guard.

mod common;

use common::*;
use covenant_model::{Level, Sources};
use std::path::PathBuf;

const TITLE: &str = "<script>alert(1)</script>";

fn hostile() -> Sources {
    let mut s = Sources::read_dir(&example_dir("enforcer-dashboard")).expect("read example");
    let set = |s: &mut Sources, path: &str, f: &dyn Fn(&str) -> String| {
        let p = PathBuf::from(path);
        let text = s.files.get(&p).expect(path).clone();
        s.files.insert(p, f(&text));
    };
    set(&mut s, "controls/access-control.yaml", &|t| {
        t.replacen(
            "title: Access control and identity management",
            &format!("title: \"{TITLE}\""),
            1,
        )
        .replacen(
            "  statement: >-\n",
            "  statement: >-\n    <img src=x onerror=alert(2)> [click](javascript:alert(3))\n",
            1,
        )
    });
    set(&mut s, "program.yaml", &|t| {
        t.replacen(
            "name: Enforcer Dashboard",
            "name: \"Enforcer Dashboard\\\"><svg onload=alert(4)>\"",
            1,
        )
    });
    set(&mut s, "policies/information-security.md", &|t| {
        format!(
            "{t}\n<script>alert(5)</script>\n\nText with <iframe src=\"https://evil.example\"></iframe> \
             and [a link](javascript:alert(6)) and <javascript:alert(7)>.\n"
        )
    });
    s.files.insert(
        "templates/page.html.j2".into(),
        "<html><script>alert(8)</script>{{ body | safe }}</html>".into(),
    );
    s.files.insert(
        "templates/overview.md.j2".into(),
        "# {{ title }}\n\n<script>alert(9)</script>\n\n{{ product }}\n".into(),
    );
    s
}

#[test]
fn program_text_is_escaped_in_html() {
    let (program, diags) = covenant_model::check(&hostile());
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.level == Level::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        diags
            .iter()
            .any(|d| d.code == "ignored-template" && d.file.ends_with("page.html.j2")),
        "{diags:#?}"
    );
    let out = covenant_publish::publish(&program, &Default::default()).expect("publish");

    let mut markup = 0;
    for (name, bytes) in &out.files {
        if !(name.ends_with(".html") || name.ends_with(".svg")) {
            continue;
        }
        markup += 1;
        let text = std::str::from_utf8(bytes).expect("utf-8");
        let lower = text.to_ascii_lowercase();
        for bad in [
            "<script",
            "<img",
            "<iframe",
            "<svg onload",
            "\"><svg",
            "=\"javascript:",
            "alert(8)",
        ] {
            assert!(!lower.contains(bad), "{name} contains {bad}:\n{text}");
        }
    }
    assert!(markup > 10, "only {markup} HTML/SVG files");

    // The text is still there, as text.
    let matrix = text(&out, "matrix.html");
    assert!(
        matrix.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{matrix}"
    );
    let policy = text(&out, "policies/information-security.html");
    assert!(
        policy.contains("&lt;script&gt;alert(5)&lt;/script&gt;"),
        "{policy}"
    );
    assert!(policy.contains("a link"), "{policy}");
    let overview = text(&out, "overview.html");
    assert!(
        overview.contains("&lt;script&gt;alert(9)&lt;/script&gt;"),
        "{overview}"
    );
    let index = text(&out, "index.html");
    assert!(index.contains("&lt;svg onload=alert(4)&gt;"), "{index}");
}

#[test]
fn the_page_template_is_not_overridable() {
    let env = covenant_publish::render::environment(&[(
        covenant_publish::render::PAGE.to_string(),
        "<script>alert(1)</script>".to_string(),
    )])
    .expect("environment");
    let page = env
        .get_template(covenant_publish::render::PAGE)
        .expect("page")
        .render(minijinja::context! { title => "t", body => "b" })
        .expect("render");
    assert!(!page.contains("<script"), "{page}");
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
}
