//! The borrowed fast path for plain CycloneDX SBOMs gives exactly what the general path gives.

mod common;

use covenant_vuln::{import, import_value};
use proptest::prelude::*;
use serde_json::{Value, json};

fn both(name: &str, bytes: &[u8]) {
    let fast = import(name, bytes);
    let general = serde_json::from_slice::<Value>(bytes).map(|v| import_value(name, &v));
    match (fast, general) {
        (Ok(a), Ok(Ok(b))) => assert_eq!(a, b, "{name}"),
        (Err(a), Ok(Err(b))) => assert_eq!(a, b, "{name}"),
        (a, b) => panic!("{name}: paths disagree: {a:?} vs {b:?}"),
    }
}

#[test]
fn fixtures_and_shared_sboms_agree() {
    both("app.cdx.json", &common::fixture("app.cdx.json"));
    let Some(vuln) = common::shared_vuln() else {
        return;
    };
    for rel in [
        "sbom-large/deno-2.9.5-alltargets.cdx.json",
        "sbom-large/deno-2.9.5-x86_64-linux.cdx.json",
        "cyclonedx/bom-examples-laravel-7.12.0-cdx-1.4.json",
        "cyclonedx/trivy-fluentd-cdx-1.6.json",
        "cyclonedx/bom-examples-dropwizard-1.3.15.json",
        "cyclonedx/trivy-npm-cdx-1.7-with-vulns.json",
    ] {
        both(rel, &common::read(&vuln.join(rel)));
    }
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!("")),
        Just(json!("  ")),
        Just(json!(7)),
        "[a-z]{1,5}( [a-z]{1,3})?".prop_map(Value::from),
        Just(json!("pkg:cargo/serde@1.0.0")),
        Just(json!("pkg:npm/%40scope/x@2")),
        Just(json!("pkg:cargo/bad name@1")),
        Just(json!("1.2.3")),
    ]
}

fn component(depth: u32) -> BoxedStrategy<Value> {
    let leaf = (text(), text(), text(), text(), text()).prop_map(|(n, g, v, p, r)| {
        json!({ "type": "library", "name": n, "group": g, "version": v, "purl": p, "bom-ref": r })
    });
    if depth == 0 {
        return leaf.boxed();
    }
    (leaf, prop::collection::vec(component(depth - 1), 0..3))
        .prop_map(|(mut c, kids)| {
            if !kids.is_empty() {
                c["components"] = Value::Array(kids);
            }
            c
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_sboms_agree(
        spec in prop::sample::select(vec!["1.2", "1.4", "1.5", "1.6", "1.7"]),
        comps in prop::collection::vec(component(2), 0..6),
        vulns in prop::bool::ANY,
    ) {
        let mut doc = json!({ "bomFormat": "CycloneDX", "specVersion": spec, "version": 1, "components": comps });
        if vulns {
            doc["vulnerabilities"] = json!([{ "id": "CVE-2024-0001", "affects": [{ "ref": "x" }] }]);
        }
        let bytes = serde_json::to_vec(&doc).expect("json");
        both("random.json", &bytes);
    }
}
