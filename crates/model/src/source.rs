//! The files of a program directory, read into memory so that loading itself does no IO
//! and diagnostics can quote the source.
//!
//! Reading never follows a symbolic link: a program is untrusted input (a tenant's checkout
//! on a server), and a link such as `templates/x.md.j2 -> /etc/passwd` would otherwise
//! publish whatever file the reader can open. Every file and directory below the root is
//! opened relative to its already opened parent with `O_NOFOLLOW`, so a link swapped in
//! while the program is read is refused as well. Links that would have been read are kept
//! in [`Sources::refused`] and become `symbolic-link` errors.

use rustix::fs::{AtFlags, CWD, Dir, FileType, Mode, OFlags};
use std::collections::BTreeMap;
use std::ffi::{CStr, CString, OsStr};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// File contents keyed by path relative to the program directory, in sorted order so that
/// loading is deterministic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sources {
    pub files: BTreeMap<PathBuf, String>,
    /// Paths, relative to the program directory, that would have been read but are symbolic
    /// links (files, or whole kind directories); never read, each one is an error.
    pub refused: Vec<PathBuf>,
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

/// The extensions read inside a directory at the root, or `None` for one that is not read.
fn dir_exts(name: &str) -> Option<&'static [&'static str]> {
    match name {
        "policies" => Some(&["md"]),
        "templates" => Some(&["j2", "md", "html", "css"]),
        n if KIND_DIRS.contains(&n) => Some(&["yaml", "yml"]),
        _ => None,
    }
}

/// Whether [`Sources::read_dir`] reads the file (or directory) at `rel`, a path relative
/// to the program directory; for readers of other trees (a git revision) that refuse
/// the same links.
pub fn is_program_path(rel: &Path) -> bool {
    let parts: Vec<&OsStr> = rel.iter().collect();
    match parts.as_slice() {
        [one] => {
            let n = one.to_string_lossy();
            n.ends_with(".yaml") || n.ends_with(".yml") || dir_exts(&n).is_some()
        }
        [dir, file] => dir_exts(&dir.to_string_lossy()).is_some_and(|exts| {
            Path::new(file)
                .extension()
                .is_some_and(|e| exts.iter().any(|x| e == *x))
        }),
        _ => false,
    }
}

/// What an entry of a directory is, without following it.
enum Entry {
    File,
    Dir,
    Link,
    Other,
}

fn entry_kind(dir: impl AsFd, name: &CStr) -> io::Result<Entry> {
    let st = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
    Ok(match FileType::from_raw_mode(st.st_mode as _) {
        FileType::RegularFile => Entry::File,
        FileType::Directory => Entry::Dir,
        FileType::Symlink => Entry::Link,
        _ => Entry::Other,
    })
}

/// The names in an open directory, sorted, without `.` and `..`.
fn names(dir: impl AsFd) -> io::Result<Vec<CString>> {
    let mut out = Vec::new();
    for e in Dir::read_from(dir)? {
        let name = e?.file_name().to_owned();
        if name.as_bytes() != b"." && name.as_bytes() != b".." {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

fn is_loop(e: &rustix::io::Errno) -> bool {
    *e == rustix::io::Errno::LOOP || *e == rustix::io::Errno::NOTDIR
}

/// Opens `name` in `dir` without following a link; `None` when it turned into a link
/// since it was looked at.
fn open_nofollow(dir: impl AsFd, name: &CStr, flags: OFlags) -> io::Result<Option<OwnedFd>> {
    let flags = flags | OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    match rustix::fs::openat(dir, name, flags, Mode::empty()) {
        Ok(fd) => Ok(Some(fd)),
        Err(e) if is_loop(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Reads a regular file `name` of `dir`; `None` when it is not one (any more).
fn read_file(dir: impl AsFd, name: &CStr) -> io::Result<Option<String>> {
    let Some(fd) = open_nofollow(dir, name, OFlags::empty())? else {
        return Ok(None);
    };
    let st = rustix::fs::fstat(&fd)?;
    if FileType::from_raw_mode(st.st_mode as _) != FileType::RegularFile {
        return Ok(None);
    }
    let mut text = String::new();
    File::from(fd).read_to_string(&mut text)?;
    Ok(Some(text))
}

fn rel(name: &CStr) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(name.to_bytes()))
}

fn has_ext(name: &CStr, exts: &[&str]) -> bool {
    Path::new(OsStr::from_bytes(name.to_bytes()))
        .extension()
        .is_some_and(|e| exts.iter().any(|x| e == *x))
}

impl Sources {
    pub fn get(&self, path: &Path) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Reads `program.yaml`, the item files (`controls/*.yaml` or `controls.yaml`, ...),
    /// `policies/*.md` and template overrides under `templates/`. The root may itself be a
    /// symbolic link; nothing below it is followed (see the module documentation).
    pub fn read_dir(root: &Path) -> io::Result<Sources> {
        let not_dir = || {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not a directory", root.display()),
            )
        };
        let canonical = root.canonicalize().map_err(|_| not_dir())?;
        let top = match rustix::fs::openat(
            CWD,
            &canonical,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(e) if e == rustix::io::Errno::NOTDIR => return Err(not_dir()),
            Err(e) => return Err(e.into()),
        };
        let mut sources = Sources::default();
        for name in names(&top)? {
            let text = name.to_string_lossy();
            let is_yaml = text.ends_with(".yaml") || text.ends_with(".yml");
            let exts: &[&str] = match dir_exts(&text) {
                Some(exts) => exts,
                None if is_yaml => &[],
                None => continue,
            };
            match entry_kind(&top, &name)? {
                Entry::File if is_yaml => match read_file(&top, &name)? {
                    Some(t) => {
                        sources.files.insert(rel(&name), t);
                    }
                    None => sources.refused.push(rel(&name)),
                },
                Entry::Dir if !exts.is_empty() => {
                    let Some(fd) = open_nofollow(&top, &name, OFlags::DIRECTORY)? else {
                        sources.refused.push(rel(&name));
                        continue;
                    };
                    sources.read_kind_dir(&fd, &rel(&name), exts)?;
                }
                Entry::Link => sources.refused.push(rel(&name)),
                _ => {}
            }
        }
        sources.refused.sort();
        Ok(sources)
    }

    fn read_kind_dir(&mut self, dir: &OwnedFd, prefix: &Path, exts: &[&str]) -> io::Result<()> {
        for name in names(dir)? {
            if !has_ext(&name, exts) {
                continue;
            }
            let path = prefix.join(rel(&name));
            match entry_kind(dir, &name)? {
                Entry::File => match read_file(dir, &name)? {
                    Some(t) => {
                        self.files.insert(path, t);
                    }
                    None => self.refused.push(path),
                },
                Entry::Link => self.refused.push(path),
                Entry::Dir | Entry::Other => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Sources;
    use std::os::unix::fs::symlink;
    use std::path::{Path, PathBuf};

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(root)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "covenant-source-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
        d
    }

    #[test]
    fn symbolic_links_are_refused_and_never_read() {
        let base = scratch("links");
        let outside = base.join("outside");
        write(&outside, "secret.key", "SECRET-KEY-BYTES");
        write(&outside, "dir/x.yaml", "SECRET-DIR-BYTES");
        let root = base.join("program");
        write(&root, "program.yaml", "product: p\n");
        write(&root, "templates/ok.md.j2", "fine");
        write(&root, "controls/c.yaml", "- id: c\n");
        let key = outside.join("secret.key");
        symlink(&key, root.join("templates/security-md.md.j2")).unwrap_or_else(|e| panic!("{e}"));
        symlink(&key, root.join("controls/linked.yaml")).unwrap_or_else(|e| panic!("{e}"));
        symlink(&key, root.join("areas.yaml")).unwrap_or_else(|e| panic!("{e}"));
        symlink(outside.join("dir"), root.join("policies")).unwrap_or_else(|e| panic!("{e}"));
        // Links the reader would not have read anyway are not reported.
        symlink(&key, root.join("README.md")).unwrap_or_else(|e| panic!("{e}"));
        symlink(&key, root.join("templates/notes.txt")).unwrap_or_else(|e| panic!("{e}"));
        // A root that is itself a link is fine.
        let via = base.join("via");
        symlink(&root, &via).unwrap_or_else(|e| panic!("{e}"));

        let s = Sources::read_dir(&via).unwrap_or_else(|e| panic!("{e}"));
        let refused: Vec<&str> = s.refused.iter().filter_map(|p| p.to_str()).collect();
        assert_eq!(
            refused,
            [
                "areas.yaml",
                "controls/linked.yaml",
                "policies",
                "templates/security-md.md.j2"
            ]
        );
        let read: Vec<&str> = s.files.keys().filter_map(|p| p.to_str()).collect();
        assert_eq!(
            read,
            ["controls/c.yaml", "program.yaml", "templates/ok.md.j2"]
        );
        assert!(s.files.values().all(|t| !t.contains("SECRET")));

        for p in &s.refused {
            assert!(super::is_program_path(p), "{}", p.display());
        }
        for p in s.files.keys() {
            assert!(super::is_program_path(p), "{}", p.display());
        }
        assert!(!super::is_program_path(Path::new("README.md")));
        assert!(!super::is_program_path(Path::new("templates/notes.txt")));
        assert!(!super::is_program_path(Path::new("controls/deep/c.yaml")));

        let (_, diags) = crate::check(&s);
        for path in refused {
            let d = diags
                .iter()
                .find(|d| d.file == Path::new(path))
                .unwrap_or_else(|| panic!("no diagnostic for {path}: {diags:?}"));
            assert_eq!(d.code, "symbolic-link");
            assert_eq!(d.level, crate::Level::Error);
            assert!(d.message.contains("symbolic link"), "{d}");
            assert!(d.hint.is_some());
        }
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn a_missing_or_non_directory_root_is_an_error() {
        let base = scratch("root");
        write(&base, "file", "x");
        assert!(Sources::read_dir(&base.join("nope")).is_err());
        assert!(Sources::read_dir(&base.join("file")).is_err());
        let _ = std::fs::remove_dir_all(&base);
    }
}
