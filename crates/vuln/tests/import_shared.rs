//! Every real sample in the shared data imports, with the format detected from content.

mod common;

use covenant_vuln::{Format, ImportError, import};

#[test]
fn every_sample_imports_or_fails_clearly() {
    let Some(vuln) = common::shared_vuln() else {
        return;
    };
    let mut seen = 0;
    for dir in [
        "csaf",
        "cyclonedx",
        "dependency-track",
        "grype",
        "openvex",
        "osv-scanner",
        "rustsec",
        "sarif",
        "sbom-large",
        "spdx",
        "trivy",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(vuln.join(dir))
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for path in files {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            // The RustSec folder also holds advisories (OSV records, Markdown) and tarballs: advisory
            // input, not reports.
            if dir == "rustsec" && !name.starts_with("dd-cargo-audit") {
                continue;
            }
            let bytes = common::read(&path);
            let res = import(&name, &bytes);
            match (name.as_str(), &res) {
                (
                    "bom-examples-dropwizard-1.3.15.json",
                    Err(ImportError::UnsupportedVersion { version, .. }),
                ) => {
                    assert_eq!(version, "1.2")
                }
                (_, Ok(imp)) => {
                    let expected = match dir {
                        "csaf" => Format::Csaf,
                        "dependency-track" => Format::DependencyTrack,
                        "rustsec" => Format::CargoAudit,
                        "cyclonedx" | "sbom-large" => Format::CycloneDx,
                        "grype" => Format::Grype,
                        "openvex" => Format::OpenVex,
                        "osv-scanner" => Format::OsvScanner,
                        "sarif" => Format::Sarif,
                        "spdx" => Format::Spdx,
                        _ if name.ends_with(".sarif.json") => Format::Sarif,
                        _ => Format::Trivy,
                    };
                    assert_eq!(imp.format, expected, "{name}");
                    println!(
                        "{name}: {} {} components={} observations={} warnings={}",
                        imp.format,
                        imp.format_version,
                        imp.components.len(),
                        imp.observations.len(),
                        imp.warnings.len()
                    );
                }
                (_, Err(e)) => panic!("{name}: {e}"),
            }
            seen += 1;
        }
    }
    assert!(seen >= 40, "only {seen} samples found");
}
