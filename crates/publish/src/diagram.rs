//! The boundary diagram: the vendor's boundary drawn inside the customer's, with the
//! components each party deploys, as a self-contained SVG.

use crate::render::{Context, escape};
use crate::view::{ModelView, View};
use covenant_model::party::Deployer;
use std::fmt::Write;

fn esc(s: &str) -> String {
    escape(s, Context::Markup)
}

const W: u32 = 760;
const BOX_W: u32 = 170;
const BOX_H: u32 = 44;
const GAP: u32 = 12;
const PER_ROW: u32 = 4;

/// Splits a label that would overflow its box into two lines at the space nearest the middle.
fn wrap(name: &str) -> Vec<&str> {
    const FITS: usize = 24;
    if name.chars().count() <= FITS {
        return vec![name];
    }
    let mid = name.len() / 2;
    let split = name
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .map(|(i, _)| i)
        .min_by_key(|i| i.abs_diff(mid));
    match split {
        Some(i) => vec![&name[..i], &name[i + 1..]],
        None => vec![name],
    }
}

fn boxes(out: &mut String, names: &[&str], x0: u32, y0: u32, fill: &str, per_row: u32) -> u32 {
    let mut y = y0;
    for (i, chunk) in names.chunks(per_row as usize).enumerate() {
        y = y0 + u32::try_from(i).unwrap_or(0) * (BOX_H + GAP);
        for (j, name) in chunk.iter().enumerate() {
            let x = x0 + u32::try_from(j).unwrap_or(0) * (BOX_W + GAP);
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4" fill="{fill}" stroke="#57606a"/>"##
            );
            let lines = wrap(name);
            let first = y + BOX_H / 2 + 4 - 7 * (u32::try_from(lines.len()).unwrap_or(1) - 1);
            for (n, line) in lines.iter().enumerate() {
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" text-anchor="middle" font-size="12">{}</text>"#,
                    x + BOX_W / 2,
                    first + 14 * u32::try_from(n).unwrap_or(0),
                    esc(line)
                );
            }
        }
    }
    if names.is_empty() {
        y0
    } else {
        y + BOX_H + GAP
    }
}

fn list(out: &mut String, items: &[String], x: u32, y0: u32) -> u32 {
    let mut y = y0;
    for i in items {
        y += 16;
        let _ = write!(
            out,
            r#"<text x="{x}" y="{y}" font-size="12">· {}</text>"#,
            esc(i)
        );
    }
    y + 8
}

/// Draws one deployment model's boundaries.
pub fn boundary_svg(view: &View, model: &ModelView) -> String {
    let customer: Vec<&str> = view
        .components
        .iter()
        .filter(|c| {
            c.deployer
                .get(&model.id)
                .is_some_and(|d| *d != Deployer::Vendor)
        })
        .map(|c| c.name.as_str())
        .collect();
    let vendor: Vec<&str> = view
        .components
        .iter()
        .filter(|c| c.deployer.get(&model.id) == Some(&Deployer::Vendor))
        .map(|c| c.name.as_str())
        .collect();
    let mut body = String::new();
    let _ = write!(
        body,
        r#"<text x="24" y="34" font-size="15" font-weight="bold">CUSTOMER BOUNDARY</text>"#
    );
    let mut y = boxes(&mut body, &customer, 24, 48, "#eaeef2", PER_ROW);
    y = list(&mut body, &model.customer_boundary, 28, y);
    let inner_top = y + 4;
    let mut inner = String::new();
    let _ = write!(
        inner,
        r#"<text x="52" y="{}" font-size="15" font-weight="bold">VENDOR BOUNDARY · {}</text>"#,
        inner_top + 26,
        esc(&view.product)
    );
    // The vendor box is indented, so one box fewer fits per row.
    let mut iy = boxes(
        &mut inner,
        &vendor,
        52,
        inner_top + 40,
        "#ddf4ff",
        PER_ROW - 1,
    );
    iy = list(&mut inner, &model.vendor_boundary, 56, iy);
    let inner_h = iy - inner_top + 8;
    let _ = write!(
        body,
        r##"<rect x="40" y="{inner_top}" width="{}" height="{inner_h}" rx="6" fill="#f6fbff" stroke="#0969da" stroke-width="2"/>{inner}"##,
        W - 80
    );
    let h = inner_top + inner_h + 24;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" width="{W}" height="{h}" role="img" aria-label="Security boundaries, {}" font-family="sans-serif"><title>Security boundaries, {}</title><rect x="8" y="8" width="{}" height="{}" rx="8" fill="#ffffff" stroke="#1f2328" stroke-width="2"/>{body}</svg>
"##,
        esc(&model.name),
        esc(&model.name),
        W - 16,
        h - 16
    )
}
