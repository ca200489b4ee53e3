//! Any bytes as a catalog or profile: parsing, splitting into pieces, structural checks and
//! resolving a parsed profile against itself-as-catalog must never panic.
#![no_main]

use covenant_oscal::document::{Document, catalog_pieces};
use covenant_oscal::{Fetched, Resolver};
use libfuzzer_sys::fuzz_target;

struct Same(String);

impl Resolver for Same {
    fn fetch(&mut self, _: &str, candidate: &str, _: &str) -> Result<Fetched, String> {
        Ok(Fetched {
            text: self.0.clone(),
            location: format!("fuzz:{candidate}"),
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = catalog_pieces(text, &mut |_, _| {});
    match Document::parse(text, "fuzz") {
        Ok(Document::Catalog(c)) => {
            let _ = covenant_oscal::validate::catalog(&c);
            let _ = covenant_oscal::document::catalog_json(&c);
        }
        Ok(Document::Profile(p)) => {
            let _ = covenant_oscal::resolve(&p, "fuzz", &mut Same(text.to_string()), None);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
