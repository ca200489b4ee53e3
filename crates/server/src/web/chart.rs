//! Charts as inline SVG written on the server: no script, no inline style (the CSP forbids
//! both), sizes as SVG attributes and colours from the stylesheet's classes. Each chart
//! carries a text description for screen readers.

use std::fmt::Write;

/// Escapes text for SVG/HTML content and attribute values: the publish crate's one
/// escaper, so documents and pages escape alike.
pub fn esc(s: &str) -> String {
    covenant_publish::render::escape(s, covenant_publish::render::Context::Markup)
}

/// Two percentage series over the same x labels (weeks), 0–100 %.
pub fn lines(id: &str, desc: &str, labels: &[String], a: &[f64], b: &[f64]) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 240.0, 78.0, 16.0, 16.0, 36.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let n = labels.len().max(2) as f64 - 1.0;
    let x = |i: usize| left + pw * (i as f64) / n;
    let y = |v: f64| top + ph * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart lines" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc("Coverage and SLA compliance by week"),
        esc(desc)
    );
    for pct in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let yy = y(pct);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}"/><text x="{}" y="{:.1}" text-anchor="end">{pct}%</text>"#,
            w - right,
            left - 6.0,
            yy + 4.0
        );
    }
    let _ = write!(
        s,
        r#"<line class="axis" x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}"/>"#,
        w - right,
        y(0.0),
        y(0.0)
    );
    for (i, l) in labels.iter().enumerate() {
        // Every other label, so that they never overlap at phone width.
        if (i % 2 == 1 || i + 2 == labels.len()) && i + 1 != labels.len() {
            continue;
        }
        let anchor = match i {
            0 => "start",
            i if i + 1 == labels.len() => "end",
            _ => "middle",
        };
        // Phones show every fourth week (the stylesheet hides the minor ones).
        let minor = if i % 4 == 0 || i + 1 == labels.len() {
            ""
        } else {
            " class=\"minor\""
        };
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="{anchor}"{minor}>{}</text>"#,
            x(i),
            h - 8.0,
            esc(l)
        );
    }
    for (class, series) in [("1", a), ("2", b)] {
        let pts: Vec<String> = series
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline class="line{class}" points="{}"/>"#,
            pts.join(" ")
        );
        for (i, v) in series.iter().enumerate() {
            let _ = write!(
                s,
                r#"<circle class="dot{class}" cx="{:.1}" cy="{:.1}" r="3"/>"#,
                x(i),
                y(*v)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// One horizontal bar per row: label, count, and the status class that colours it.
pub fn bars(id: &str, title: &str, rows: &[(String, usize, String)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let (w, row_h, label_w, num_w) = (360.0, 26.0, 110.0, 60.0);
    let h = row_h * rows.len().max(1) as f64;
    let desc: Vec<String> = rows.iter().map(|(l, n, _)| format!("{l}: {n}")).collect();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&desc.join(", "))
    );
    for (i, (label, n, class)) in rows.iter().enumerate() {
        let y = i as f64 * row_h;
        let bw = ((w - label_w - num_w) * (*n as f64) / max).max(if *n > 0 { 2.0 } else { 0.0 });
        let _ = write!(
            s,
            r#"<text x="0" y="{:.1}">{}</text><rect class="bar-bg" x="{label_w}" y="{:.1}" width="{:.1}" height="14" rx="3"/><rect class="bar-{}" x="{label_w}" y="{:.1}" width="{bw:.1}" height="14" rx="3"/><text x="{}" y="{:.1}" text-anchor="end">{n}</text>"#,
            y + 17.0,
            esc(label),
            y + 6.0,
            w - label_w - num_w,
            esc(class),
            y + 6.0,
            w,
            y + 17.0
        );
    }
    s.push_str("</svg>");
    s
}
