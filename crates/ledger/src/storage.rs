//! Low-level file operations the durable log relies on: preallocation, zeroing a
//! torn tail, write-once files and the writer lock.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Reserves `len` bytes of disk for `file` so appends never wait on block allocation and
/// never fail for lack of space half-way through a record.
pub fn preallocate(file: &File, len: u64) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{FallocateFlags, fallocate};
        if i64::try_from(len).is_err() {
            return Err(io::Error::other("segment too large"));
        }
        if fallocate(file, FallocateFlags::empty(), 0, len).is_ok() {
            return Ok(());
        }
    }
    // Filesystems without fallocate get a sparse file of the right size.
    file.set_len(len)
}

/// Makes bytes `[from, to)` of `file` read as zero again.
pub fn zero_range(file: &File, from: u64, to: u64) -> io::Result<()> {
    if to <= from {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{FallocateFlags, fallocate};
        if i64::try_from(to).is_ok() {
            for mode in [
                FallocateFlags::ZERO_RANGE,
                FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
            ] {
                if fallocate(file, mode, from, to - from).is_ok() {
                    return Ok(());
                }
            }
        }
    }
    let zeros = vec![0u8; 1 << 20];
    let mut at = from;
    while at < to {
        let n = (to - at).min(zeros.len() as u64) as usize;
        file.write_all_at(&zeros[..n], at)?;
        at += n as u64;
    }
    Ok(())
}

/// Takes the exclusive writer lock; it is released when the file is closed, including
/// when the process dies, so a crash never leaves a stale lock behind.
pub fn lock(path: &Path) -> io::Result<Option<File>> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    #[cfg(unix)]
    {
        use rustix::fs::{FlockOperation, flock};
        if let Err(e) = flock(&file, FlockOperation::NonBlockingLockExclusive) {
            let err = io::Error::from(e);
            if err.kind() == io::ErrorKind::WouldBlock {
                return Ok(None);
            }
            return Err(err);
        }
    }
    Ok(Some(file))
}

/// Writes `bytes` to `dir/name` exactly once: the file appears complete or not at all,
/// is never replaced, and is made read-only. Returns false when an identical file
/// already exists (checkpoints are deterministic, so a retry is harmless).
pub fn write_once(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<bool> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".tmp-{name}"));
    let _ = std::fs::remove_file(&tmp);
    {
        let mut f = OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o644)
            .open(&tmp)?;
        io::Write::write_all(&mut f, bytes)?;
        f.sync_all()?;
    }
    // A hard link fails if the target exists, which a rename would silently overwrite.
    let created = match std::fs::hard_link(&tmp, &target) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let existing = std::fs::read(&target)?;
            if existing != bytes {
                let _ = std::fs::remove_file(&tmp);
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists with different content", target.display()),
                ));
            }
            false
        }
        Err(e) => return Err(e),
    };
    std::fs::remove_file(&tmp)?;
    if created {
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o444))?;
    }
    crate::layout::sync_dir(dir)?;
    Ok(created)
}

/// Replaces `path` atomically with `bytes` (write to a temporary, sync, rename, sync dir).
pub fn replace_file(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    let _ = std::fs::remove_file(&tmp);
    {
        let mut f = OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(mode)
            .open(&tmp)?;
        io::Write::write_all(&mut f, bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    crate::layout::sync_dir(dir)
}
