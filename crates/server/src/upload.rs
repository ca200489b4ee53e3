//! Evidence uploads: the one reader of the multipart form that the API
//! (`POST /api/v1/workspaces/{workspace}/evidence`) and the web form (`POST /w/{workspace}/evidence`)
//! share. The file is streamed to a temporary file in the data directory, never held in
//! memory, and refused with 413 once it passes the size limit; the temporary file is removed
//! when the upload is refused, fails, or has been copied into the blob store.
//!
//! Fields, and what an empty value means (the API's rules, for both):
//! - `file`: the evidence. Without a file name it is called `evidence`; a part with an empty
//!   file name is what a browser sends when no file was chosen, so it is skipped. When
//!   several files are sent the last one counts.
//! - `control`: required; empty counts as absent.
//! - `kind`: optional (`document` when absent); sent empty it is refused by the ledger's
//!   check of the entry, as before.
//! - `effective`: `YYYY-MM-DD`; empty or absent means today.
//! - `note`: optional; blank counts as absent.
//! - `csrf` (the web form's token, checked before this reader runs) and unknown fields are
//!   skipped.

use crate::problem::Problem;
use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::http::StatusCode;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// Longest text field accepted (a note, a control id).
pub const TEXT_LIMIT: usize = 64 * 1024;

/// An uploaded file, in a temporary file that is removed when this is dropped.
#[derive(Debug)]
pub struct Staged {
    file: tempfile::NamedTempFile,
    /// Its length in bytes.
    pub size: u64,
}

impl Staged {
    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

/// The fields of an evidence upload.
#[derive(Debug, Default)]
pub struct EvidenceForm {
    /// The file's name and content.
    pub file: Option<(String, Staged)>,
    pub control: Option<String>,
    pub kind: Option<String>,
    pub effective: Option<String>,
    pub note: Option<String>,
}

/// Where uploads are staged: a directory of the data directory, so that the copy into the
/// blob store stays on one file system.
pub fn staging_dir(data: &Path) -> PathBuf {
    data.join("uploads")
}

/// 413 problem details for a body over a limit.
pub fn too_large(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        "Request too large",
    )
    .detail(detail)
}

/// A multipart read error as problem details: over the body limit is 413, anything else
/// the client sent (a malformed or cut-off body) is 400.
pub fn multipart_problem(e: MultipartError) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(e.body_text())
    } else {
        Problem::bad_request(e.body_text())
    }
}

/// A request that is not `multipart/form-data` with a boundary.
pub fn rejection_problem(e: MultipartRejection) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(e.body_text())
    } else {
        Problem::bad_request(e.body_text())
    }
}

/// Reads an evidence upload, streaming the file into `dir` and refusing (413) a file of
/// more than `limit` bytes.
pub async fn read_evidence(
    form: &mut Multipart,
    dir: &Path,
    limit: u64,
) -> Result<EvidenceForm, Problem> {
    let mut out = EvidenceForm::default();
    while let Some(mut field) = form.next_field().await.map_err(multipart_problem)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                let file_name = match field.file_name() {
                    // No file chosen in a browser's file input: skipped unread.
                    Some("") => continue,
                    Some(n) => n.to_string(),
                    None => "evidence".to_string(),
                };
                let staged = stage(&mut field, dir, limit).await?;
                out.file = Some((file_name, staged));
            }
            "control" => out.control = Some(text(field, &name).await?).filter(|c| !c.is_empty()),
            "kind" => out.kind = Some(text(field, &name).await?),
            "effective" => out.effective = Some(text(field, &name).await?),
            "note" => {
                out.note = Some(text(field, &name).await?).filter(|n| !n.trim().is_empty());
            }
            // Skipped unread: multer passes over their bytes on the next field.
            _ => {}
        }
    }
    Ok(out)
}

/// Copies a field into a new temporary file, chunk by chunk.
async fn stage(field: &mut Field<'_>, dir: &Path, limit: u64) -> Result<Staged, Problem> {
    std::fs::create_dir_all(dir).map_err(Problem::internal)?;
    let file = tempfile::Builder::new()
        .prefix("upload-")
        .tempfile_in(dir)
        .map_err(Problem::internal)?;
    let mut out = tokio::fs::File::from_std(file.as_file().try_clone().map_err(Problem::internal)?);
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(multipart_problem)? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large(format!(
                "the file is larger than the {} this server accepts",
                human(limit)
            )));
        }
        out.write_all(&chunk).await.map_err(Problem::internal)?;
    }
    out.flush().await.map_err(Problem::internal)?;
    Ok(Staged { file, size })
}

/// A text field, at most `TEXT_LIMIT` bytes of UTF-8.
async fn text(mut field: Field<'_>, name: &str) -> Result<String, Problem> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_problem)? {
        if buf.len() + chunk.len() > TEXT_LIMIT {
            return Err(too_large(format!(
                "field `{name}` is longer than {}",
                human(TEXT_LIMIT as u64)
            )));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).map_err(|_| Problem::bad_request(format!("field `{name}` is not UTF-8")))
}

/// `33554432` → `32 MiB`.
pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}
