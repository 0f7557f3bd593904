//! A credential file on disk: checked for writability before a token is spent, locked while it is
//! read, refreshed and written back, and replaced durably (through a symlink, in the target's
//! directory), so a rotated refresh token never exists only in memory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The file a path stands for: the target of a symlink (followed to the end), else the path.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> io::Result<String> {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(meta: &fs::Metadata) -> u32 {
    if meta.permissions().readonly() {
        0o444
    } else {
        0o644
    }
}

/// Checks that `path` can be replaced with new keys, before anything spends the old ones: the
/// file (or its symlink's target) is not read-only, its directory takes a new file, and the disk
/// takes the bytes (a probe of the file's size is written, synced and removed).
///
/// `Err` says what is wrong and names the file.
pub fn check_writable(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let target = resolve(path).map_err(|e| format!("cannot follow the link {shown}: {e}"))?;
    let mut size = 4096;
    match fs::metadata(&target) {
        Ok(meta) if !meta.is_file() => {
            return Err(format!("{shown} is not a regular file, so new keys cannot be written to it"));
        }
        // Write permission is checked by its bits: a read-only file is a refusal even for root.
        Ok(meta) if mode_of(&meta) & 0o222 == 0 => {
            return Err(format!(
                "{shown} is read-only (mode {:o}): make it writable (chmod 600 {shown}) or run without --save-keys",
                mode_of(&meta) & 0o777
            ));
        }
        Ok(meta) => size = size.max(meta.len() as usize * 2),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {shown}: {e}")),
    }
    let dir = parent_of(&target);
    match fs::metadata(&dir) {
        Ok(meta) if mode_of(&meta) & 0o222 == 0 => {
            return Err(format!(
                "the directory {} of {shown} is read-only (mode {:o}): new keys are written next to the file, so make it writable",
                dir.display(),
                mode_of(&meta) & 0o777
            ));
        }
        Ok(_) => {}
        Err(e) => return Err(format!("cannot use the directory {} of {shown}: {e}", dir.display())),
    }
    let probe = dir.join(format!(".{}.{}.probe", file_name(&target).unwrap_or_default(), hex_id()));
    let result = create_private(&probe).and_then(|mut file| {
        file.write_all(&vec![b' '; size])?;
        file.sync_all()
    });
    let _ = fs::remove_file(&probe);
    result.map_err(|e| format!("cannot write new keys next to {shown} (in {}): {e}", dir.display()))
}

fn hex_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Replaces the file at `path` (through a symlink: its target) with `value` as pretty JSON:
/// a 0600 temporary file in the same directory, synced, renamed over the target, and the
/// directory synced, so after a crash the file holds the old or the new keys, whole. An existing
/// file keeps its owner's permission bits (group and others get none); a new one is 0600. No
/// temporary file is left behind on failure.
pub fn write_json(path: &Path, value: &Value) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    text.push('\n');
    write_bytes(path, text.as_bytes())
}

/// Like [`write_json`] with raw bytes.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = resolve(path)?;
    let dir = parent_of(&target);
    let name = file_name(&target)?;
    let mode = fs::metadata(&target).ok().map(|meta| mode_of(&meta) & 0o700).filter(|m| *m & 0o600 == 0o600);
    let tmp = dir.join(format!(".{name}.{}.tmp", hex_id()));
    let result = (|| {
        let mut file = create_private(&tmp)?;
        file.write_all(bytes)?;
        #[cfg(unix)]
        if let Some(mode) = mode.filter(|m| *m != 0o600) {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(&dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// An exclusive advisory lock on a credential file, held until dropped. It lives on a lock file
/// next to the target (`.NAME.lock`), since the target itself is replaced by every write.
#[derive(Debug)]
pub struct KeyFileLock {
    _file: File,
}

/// Takes the lock of the credential file at `path`, waiting at most `wait` for another process
/// to release it.
pub async fn lock(path: &Path, wait: Duration) -> Result<KeyFileLock, String> {
    let shown = path.display();
    let target = resolve(path).map_err(|e| format!("cannot follow the link {shown}: {e}"))?;
    let name = file_name(&target).map_err(|e| format!("{shown}: {e}"))?;
    let lock_path = parent_of(&target).join(format!(".{name}.lock"));
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&lock_path)
        .map_err(|e| format!("cannot open the lock file {} of {shown}: {e}", lock_path.display()))?;
    let started = Instant::now();
    let mut told = false;
    loop {
        match try_lock(&file) {
            Ok(true) => return Ok(KeyFileLock { _file: file }),
            Ok(false) => {}
            Err(e) => return Err(format!("cannot lock {} for {shown}: {e}", lock_path.display())),
        }
        if started.elapsed() >= wait {
            return Err(format!(
                "another process has held the lock on {shown} for {} s (a run with --save-keys on the same file); try again when it has finished",
                wait.as_secs()
            ));
        }
        if !told {
            tracing::info!(file = %shown, "another process is using this credential file; waiting for it");
            told = true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[cfg(unix)]
fn try_lock(file: &File) -> io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) | Err(rustix::io::Errno::INTR) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> io::Result<bool> {
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_is_0600_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg.json");
        write_json(&path, &json!({"a": 1})).unwrap();
        let back: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(back, json!({"a": 1}));
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        assert_eq!(names(dir.path()), ["cfg.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_written_through_and_the_target_keeps_its_owner_bits() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        fs::create_dir(&real_dir).unwrap();
        let target = real_dir.join("credential.json");
        fs::write(&target, "{}").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o700)).unwrap();
        let link = dir.path().join("cfg.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_json(&link, &json!({"k": "new"})).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        let back: Value = serde_json::from_slice(&fs::read(&target).unwrap()).unwrap();
        assert_eq!(back, json!({"k": "new"}));
        assert_eq!(mode(&target), 0o700);
        assert_eq!(names(&real_dir), ["credential.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn group_and_other_bits_are_dropped() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg.json");
        fs::write(&path, "{}").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_json(&path, &json!({})).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_or_directory_is_refused_by_name() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg.json");
        fs::write(&path, "{}").unwrap();
        check_writable(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        let err = check_writable(&path).unwrap_err();
        assert!(err.contains("cfg.json") && err.contains("read-only"), "{err}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o500)).unwrap();
        let err = check_writable(&path).unwrap_err();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        assert!(err.contains("directory") && err.contains("read-only"), "{err}");
        assert_eq!(names(dir.path()), ["cfg.json"], "the probe is removed");
    }

    #[tokio::test]
    async fn the_lock_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg.json");
        fs::write(&path, "{}").unwrap();
        let held = lock(&path, Duration::from_secs(1)).await.unwrap();
        let err = lock(&path, Duration::from_millis(100)).await.unwrap_err();
        assert!(err.contains("cfg.json"), "{err}");
        drop(held);
        lock(&path, Duration::from_millis(100)).await.unwrap();
    }
}
