//! CSS and JS compiled into the binary, served under names that carry a hash of their
//! content: a changed file gets a new URL, so browsers may cache every URL for a year.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");

struct Asset {
    url: String,
    body: &'static str,
    content_type: &'static str,
}

fn versioned(stem: &str, ext: &str, body: &'static str, content_type: &'static str) -> Asset {
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    Asset {
        url: format!("/assets/{stem}-{}.{ext}", &digest[..16]),
        body,
        content_type,
    }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        versioned("app", "css", CSS, "text/css; charset=utf-8"),
        versioned("app", "js", JS, "text/javascript; charset=utf-8"),
    ]
});

pub fn css_url() -> &'static str {
    &ASSETS[0].url
}

pub fn js_url() -> &'static str {
    &ASSETS[1].url
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let wanted = format!("/assets/{name}");
    let Some(asset) = ASSETS.iter().find(|a| a.url == wanted) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut res = asset.body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res
}
