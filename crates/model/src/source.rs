//! The files of a program directory, read into memory so that loading itself does no IO
//! and diagnostics can quote the source.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// File contents keyed by path relative to the program directory, in sorted order so that
/// loading is deterministic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sources {
    pub files: BTreeMap<PathBuf, String>,
}

/// The directories (or single files at the root) that hold each kind of item.
pub const KIND_DIRS: &[&str] = &[
    "components",
    "areas",
    "controls",
    "commitments",
    "artifacts",
    "alignment",
    "documents",
    "frameworks",
    "crosswalks",
    "applicability",
    "customers",
];

impl Sources {
    pub fn get(&self, path: &Path) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Reads `program.yaml`, the item files (`controls/*.yaml` or `controls.yaml`, ...),
    /// `policies/*.md` and template overrides under `templates/`.
    pub fn read_dir(root: &Path) -> io::Result<Sources> {
        let mut files = BTreeMap::new();
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not a directory", root.display()),
            ));
        }
        for entry in std::fs::read_dir(root)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let path = entry.path();
            if path.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
                files.insert(
                    PathBuf::from(name.as_ref()),
                    std::fs::read_to_string(&path)?,
                );
            } else if path.is_dir() {
                let exts: &[&str] = match name.as_ref() {
                    "policies" => &["md"],
                    "templates" => &["j2", "md", "html", "css"],
                    n if KIND_DIRS.contains(&n) => &["yaml", "yml"],
                    _ => continue,
                };
                let mut inner: Vec<_> = std::fs::read_dir(&path)?.collect::<Result<_, _>>()?;
                inner.sort_by_key(|e| e.file_name());
                for f in inner {
                    let p = f.path();
                    let ok =
                        p.is_file() && p.extension().is_some_and(|e| exts.iter().any(|x| e == *x));
                    if ok {
                        let rel = PathBuf::from(name.as_ref()).join(f.file_name());
                        files.insert(rel, std::fs::read_to_string(&p)?);
                    }
                }
            }
        }
        Ok(Sources { files })
    }
}
