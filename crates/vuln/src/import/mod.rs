//! Reading reports. The format is detected from content, never from the file name, because CI
//! pipelines name files whatever they like.

mod cargo_audit;
mod csaf;
mod cyclonedx;
mod dependency_track;
mod grype;
mod openvex;
mod osv_scanner;
mod sarif;
mod spdx;
mod trivy;

use crate::component::Component;
use crate::cvss::{CvssError, CvssScore, Declared};
use crate::json::{Path, ShapeError};
use crate::observation::{Format, Observation};
use serde_json::Value;

/// What one file held.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub format: Format,
    /// The format's own version string ("1.6", "SPDX-2.3", "2.1.0", ...).
    pub format_version: String,
    /// Producer named by the document, or the format name when it names none.
    pub tool: String,
    /// Components an SBOM lists, for matching against advisories. Scanner reports leave this empty.
    pub components: Vec<Component>,
    pub observations: Vec<Observation>,
    /// Things the importer tolerated (a missing SPDX `downloadLocation`, a SARIF result that names
    /// no package). Reported, never silently dropped.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: not valid JSON at line {line}, column {column}: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: at {path}: expected {expected}, found {found}")]
    Shape {
        file: String,
        path: String,
        expected: String,
        found: String,
    },
    #[error("{file}: format not recognised: {hint}")]
    UnknownFormat { file: String, hint: String },
    #[error("{file}: {format} version {version:?} is not supported (supported: {supported})")]
    UnsupportedVersion {
        file: String,
        format: Format,
        version: String,
        supported: &'static str,
    },
    #[error("{file}: at {path}: {error}")]
    Cvss {
        file: String,
        path: String,
        error: CvssError,
    },
}

/// Importer-internal failure; the file name is attached once, at the top.
#[derive(Debug)]
pub(crate) enum Fail {
    Shape(ShapeError),
    Unsupported {
        format: Format,
        version: String,
        supported: &'static str,
    },
    Cvss {
        path: String,
        error: CvssError,
    },
}

impl From<ShapeError> for Fail {
    fn from(e: ShapeError) -> Self {
        Fail::Shape(e)
    }
}

impl Fail {
    pub(crate) fn with_file(self, file: &str) -> ImportError {
        let file = file.to_owned();
        match self {
            Fail::Shape(ShapeError {
                path,
                expected,
                found,
            }) => ImportError::Shape {
                file,
                path,
                expected,
                found,
            },
            Fail::Unsupported {
                format,
                version,
                supported,
            } => ImportError::UnsupportedVersion {
                file,
                format,
                version,
                supported,
            },
            Fail::Cvss { path, error } => ImportError::Cvss { file, path, error },
        }
    }
}

/// State shared by an importer while it walks one document.
pub(crate) struct Ctx<'f> {
    pub file: &'f str,
    pub warnings: Vec<String>,
}

impl Ctx<'_> {
    pub fn warn(&mut self, path: &Path<'_>, msg: impl std::fmt::Display) {
        self.warnings
            .push(format!("{}: at {}: {msg}", self.file, path));
    }

    /// Scores a vector. A vector whose major version contradicts its declaration is an error (it
    /// would put the finding in the wrong SLA band); a vector that does not parse at all is
    /// reported and skipped, since scanners carry vendor-specific junk in these fields.
    pub fn cvss(
        &mut self,
        vector: &str,
        declared: Declared,
        path: &Path<'_>,
    ) -> Result<Option<CvssScore>, Fail> {
        match CvssScore::parse(vector, declared) {
            Ok(s) => Ok(Some(s)),
            Err(e @ CvssError::VersionMismatch { .. }) => Err(Fail::Cvss {
                path: path.render(),
                error: e,
            }),
            Err(e) => {
                self.warn(path, e);
                Ok(None)
            }
        }
    }
}

/// Which format a parsed document is, from its content.
pub fn detect(doc: &Value) -> Option<Format> {
    match doc {
        Value::Array(items) => {
            // Trivy before SchemaVersion 2 printed a bare list of results.
            let looks_trivy = items.iter().all(|i| i.get("Target").is_some());
            (looks_trivy && !items.is_empty()).then_some(Format::Trivy)
        }
        Value::Object(o) => {
            if o.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
                Some(Format::CycloneDx)
            } else if o.contains_key("spdxVersion") {
                Some(Format::Spdx)
            } else if o.contains_key("runs")
                && (o.contains_key("version") || o.contains_key("$schema"))
            {
                Some(Format::Sarif)
            } else if o
                .get("@context")
                .and_then(Value::as_str)
                .is_some_and(|c| c.starts_with("https://openvex.dev/ns"))
            {
                Some(Format::OpenVex)
            } else if o
                .get("document")
                .is_some_and(|d| d.get("csaf_version").is_some())
            {
                Some(Format::Csaf)
            } else if o.contains_key("findings")
                && o.get("meta")
                    .and_then(|m| m.get("application"))
                    .and_then(Value::as_str)
                    == Some("Dependency-Track")
            {
                Some(Format::DependencyTrack)
            } else if o.contains_key("lockfile")
                && o.get("vulnerabilities")
                    .is_some_and(|v| v.get("list").is_some())
            {
                Some(Format::CargoAudit)
            } else if o.contains_key("matches")
                && (o.contains_key("descriptor") || o.contains_key("source"))
            {
                Some(Format::Grype)
            } else if o.contains_key("SchemaVersion")
                || (o.contains_key("ArtifactName") && o.contains_key("Results"))
            {
                Some(Format::Trivy)
            } else if o.get("results").and_then(Value::as_array).is_some_and(|r| {
                r.iter()
                    .all(|x| x.get("packages").is_some() || x.get("source").is_some())
            }) {
                Some(Format::OsvScanner)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Parses and imports one file. `file` is only used in messages and in each observation's source.
pub fn import(file: &str, bytes: &[u8]) -> Result<Import, ImportError> {
    let trimmed = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &bytes[i..]);
    if trimmed.first() == Some(&b'<') {
        return Err(ImportError::UnknownFormat {
            file: file.to_owned(),
            hint: "this looks like XML; Covenant reads the JSON forms of CycloneDX, SPDX and SARIF"
                .to_owned(),
        });
    }
    // Large SBOMs are CycloneDX without vulnerabilities far more often than not; they skip the
    // `Value` tree when `bomFormat` shows up near the start (where every generator writes it).
    let head = &trimmed[..trimmed.len().min(1024)];
    if head.windows(11).any(|w| w == b"\"bomFormat\"")
        && let Some(imp) = cyclonedx::import_fast(bytes)
    {
        return Ok(imp);
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| ImportError::Json {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    import_value(file, &doc)
}

/// Imports an already parsed document.
pub fn import_value(file: &str, doc: &Value) -> Result<Import, ImportError> {
    let format = detect(doc).ok_or_else(|| ImportError::UnknownFormat {
        file: file.to_owned(),
        hint: "expected CycloneDX JSON (bomFormat), SPDX JSON (spdxVersion), SARIF (version + runs), OpenVEX \
               (@context), CSAF (document.csaf_version), Grype (matches), Trivy (SchemaVersion/Results), \
               OSV-Scanner (results[].packages), Dependency-Track FPF or cargo-audit JSON"
            .to_owned(),
    })?;
    let mut ctx = Ctx {
        file,
        warnings: Vec::new(),
    };
    let result = match format {
        Format::CycloneDx => cyclonedx::import(&mut ctx, doc),
        Format::Spdx => spdx::import(&mut ctx, doc),
        Format::Sarif => sarif::import(&mut ctx, doc),
        Format::OpenVex => openvex::import(&mut ctx, doc),
        Format::Csaf => csaf::import(&mut ctx, doc),
        Format::Grype => grype::import(&mut ctx, doc),
        Format::Trivy => trivy::import(&mut ctx, doc),
        Format::OsvScanner => osv_scanner::import(&mut ctx, doc),
        Format::DependencyTrack => dependency_track::import(&mut ctx, doc),
        Format::CargoAudit => cargo_audit::import(&mut ctx, doc),
        // `detect` never yields OsvMatch (it names Covenant's own matches, not a file format).
        Format::OsvMatch => Err(Fail::Unsupported {
            format: Format::OsvMatch,
            version: String::new(),
            supported: "none: not a file format",
        }),
    };
    let mut imp = result.map_err(|f| f.with_file(file))?;
    imp.warnings.extend(ctx.warnings);
    Ok(imp)
}
