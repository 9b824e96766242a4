//! Saving a file at a path the user named: the batch report CSV, the receipt, the calendar file.
//!
//! The file is written whole to a fresh temporary file beside the path and then renamed over it.
//! So a reader never sees half a file, and what was at the path before does not decide who can
//! read the new one: `mode(0o600)` on an open only applies when the open creates the file, so
//! writing secrets onto an existing 0644 file (or through a symlink to one) used to leave them
//! readable by every user. A symlink at the path is replaced by the new file; the file it
//! pointed to is left as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Who may read the saved file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Its owner only (0600 on Unix): the file holds client secrets.
    OwnerOnly,
    /// As the user's other new files are (the umask decides): no secret in it.
    Usual,
}

/// Writes `bytes` to `path` through a fresh temporary file in the same folder and a rename.
pub fn replace(path: &Path, bytes: &[u8], access: Access) -> std::io::Result<()> {
    let (tmp, mut file) = fresh_beside(path, access)?;
    let mut written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if written.is_ok() {
        written = std::fs::rename(&tmp, path);
    }
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Writes `bytes` to `path`, or, when something is there already, to the first free `name (2).ext`,
/// `name (3).ext`, …: for a file the user did not pick in a dialog (the receipt's JSON beside the
/// HTML they chose), which must never replace one of theirs silently. Returns where it went.
pub fn beside_without_replacing(
    path: &Path,
    bytes: &[u8],
    access: Access,
) -> std::io::Result<PathBuf> {
    for n in 1..=100 {
        let candidate = if n == 1 {
            path.to_path_buf()
        } else {
            numbered(path, n)
        };
        let mut options = std::fs::OpenOptions::new();
        // `create_new` never follows a symlink and fails on anything already there, atomically.
        options.write(true).create_new(true);
        restrict(&mut options, access);
        match options.open(&candidate) {
            Ok(mut file) => {
                let written = file.write_all(bytes).and_then(|()| file.sync_all());
                if let Err(e) = written {
                    let _ = std::fs::remove_file(&candidate);
                    return Err(e);
                }
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("{} and 99 numbered names beside it exist", path.display()),
    ))
}

/// `report (2).json` for `report.json`.
fn numbered(path: &Path, n: u32) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem} ({n}).{}", ext.to_string_lossy()),
        None => format!("{stem} ({n})"),
    };
    path.with_file_name(name)
}

/// A new file next to `path` that nobody else has opened: created here (never an existing file
/// or a symlink), with the access asked for from its first byte.
fn fresh_beside(path: &Path, access: Access) -> std::io::Result<(PathBuf, std::fs::File)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    for attempt in 0..100u32 {
        let tmp = path.with_file_name(format!(
            ".{name}.{}-{nanos}-{attempt}.tmp",
            std::process::id()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        restrict(&mut options, access);
        match options.open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "no free temporary name beside the file",
    ))
}

#[cfg(unix)]
fn restrict(options: &mut std::fs::OpenOptions, access: Access) {
    use std::os::unix::fs::OpenOptionsExt;
    if access == Access::OwnerOnly {
        options.mode(0o600);
    }
}

/// Windows: a new file takes the folder's inherited ACL (the user's profile is private to them).
#[cfg(not(unix))]
fn restrict(_options: &mut std::fs::OpenOptions, _access: Access) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    #[cfg(unix)]
    fn a_private_file_is_private_even_over_a_readable_one_or_through_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("report.csv");
        std::fs::write(&existing, "old").unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
        replace(&existing, b"secret", Access::OwnerOnly).unwrap();
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "secret");
        assert_eq!(mode(&existing), 0o600);

        let target = dir.path().join("elsewhere.csv");
        std::fs::write(&target, "theirs").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        replace(&link, b"secret", Access::OwnerOnly).unwrap();
        assert!(!std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(mode(&link), 0o600);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "theirs");
        assert_eq!(mode(&target), 0o644);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "no temporary file left behind");
    }

    #[test]
    fn a_file_beside_never_replaces_one_that_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("receipt.json");
        assert_eq!(
            beside_without_replacing(&json, b"one", Access::Usual).unwrap(),
            json
        );
        let second = beside_without_replacing(&json, b"two", Access::Usual).unwrap();
        assert_eq!(second, dir.path().join("receipt (2).json"));
        assert_eq!(std::fs::read_to_string(&json).unwrap(), "one");
        assert_eq!(std::fs::read_to_string(&second).unwrap(), "two");
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no such folder").join("x.csv");
        assert!(replace(&missing, b"x", Access::OwnerOnly).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
