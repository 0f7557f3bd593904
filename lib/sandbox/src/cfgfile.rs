//! The ready configuration `gotowebinar sandbox` hands out: a credential file in the cfg shape
//! `gotowebinar exec --cfg` reads (`oauth` = the token response with `expires_at`, plus
//! `organizerKey`/`accountKey`), and the environment that points the component at the sandbox.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::config::SandboxError;
use crate::server::Sandbox;

/// The variables the component reads: API and auth origins, OAuth client, webhook secret.
/// Named here, not imported: the sandbox shares no code with the component.
const API_URL_ENV: &str = "GOTO_API_URL";
const AUTH_URL_ENV: &str = "GOTO_AUTH_URL";
const CLIENT_ID_ENV: &str = "CITRIX_APP_ID";
const CLIENT_SECRET_ENV: &str = "CITRIX_APP_SECRET";
const WEBHOOK_SECRET_ENV: &str = "CITRIX_WEBHOOK_SECRET";

fn cfg_error(path: &Path, message: impl Into<String>) -> SandboxError {
    SandboxError::CfgWrite { path: path.to_path_buf(), message: message.into() }
}

/// The file a write lands in: a symlink's target (so the link stays), else the path itself.
fn resolve(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn temporary(target: &Path) -> Result<PathBuf, SandboxError> {
    let name = target.file_name().ok_or_else(|| cfg_error(target, "name a file, not a directory"))?;
    let tmp = format!(".{}.{}.tmp", name.to_string_lossy(), uuid::Uuid::new_v4().simple());
    Ok(parent(target).join(tmp))
}

fn create_private(path: &Path) -> std::io::Result<fs::File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Checks before the sandbox starts that `path` can be written: its directory exists and takes
/// a new file, and it is not a directory itself.
pub(crate) fn check_target(path: &Path) -> Result<(), SandboxError> {
    let target = resolve(path);
    if target.is_dir() {
        return Err(cfg_error(path, "it is a directory: name a file"));
    }
    let dir = parent(&target);
    if !dir.is_dir() {
        return Err(cfg_error(path, format!("the directory {} does not exist", dir.display())));
    }
    let probe = temporary(&target)?;
    create_private(&probe)
        .map_err(|e| cfg_error(path, format!("the directory {} takes no file: {e}", dir.display())))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// The credential file for a token response, as `gotowebinar auth login --out` writes it.
pub(crate) fn credential(sandbox: &Sandbox, tokens: &Value) -> Value {
    let now = sandbox.now();
    let lifetime = tokens.get("expires_in").and_then(Value::as_i64).unwrap_or(3600);
    let stamp = crate::json::fmt_time;
    let mut oauth = tokens.clone();
    oauth["expires_at"] = json!(stamp(now + chrono::Duration::seconds(lifetime)));
    oauth["refreshed_at"] = json!(stamp(now));
    json!({
        "oauth": oauth,
        "organizerKey": sandbox.organizer_key(),
        "accountKey": sandbox.account_key(),
    })
}

/// Writes `value` to `path` atomically and durably: a new 0600 file beside the target, synced,
/// renamed over it, the directory synced. A reader never sees half a file, and none is left over.
pub(crate) fn write(path: &Path, value: &Value) -> Result<(), SandboxError> {
    let target = resolve(path);
    let tmp = temporary(&target)?;
    let text =
        format!("{}\n", serde_json::to_string_pretty(value).map_err(|e| cfg_error(path, e.to_string()))?);
    let written = (|| -> std::io::Result<()> {
        let mut file = create_private(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &target)?;
        #[cfg(unix)]
        if let Ok(dir) = fs::File::open(parent(&target)) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    written.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        cfg_error(path, e.to_string())
    })
}

/// A value as one shell word: bare when plainly safe, else single-quoted.
fn shell_quote(value: &str) -> String {
    let plain =
        !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "_./:@%+=,-".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// `export NAME=value` lines (POSIX shell) that point the component at this sandbox.
pub(crate) fn env_lines(sandbox: &Sandbox) -> String {
    let url = sandbox.url();
    let mut text = format!("# gotowebinar sandbox at {url} (serves until Ctrl-C or SIGTERM)\n");
    let vars = [
        (API_URL_ENV, url.clone()),
        (AUTH_URL_ENV, url.clone()),
        (CLIENT_ID_ENV, sandbox.client_id().to_string()),
        (CLIENT_SECRET_ENV, sandbox.client_secret().to_string()),
        (WEBHOOK_SECRET_ENV, sandbox.webhook_secret()),
    ];
    for (name, value) in vars {
        text.push_str(&format!("export {name}={}\n", shell_quote(&value)));
    }
    if let Some(token) = sandbox.admin_token() {
        // Beyond loopback the control endpoints need it; no component variable holds it.
        text.push_str(&format!("# adminToken for /_sandbox/…: {token}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        assert_eq!(shell_quote("http://127.0.0.1:4000"), "http://127.0.0.1:4000");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's $HOME"), r"'it'\''s $HOME'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("x;rm -rf /"), "'x;rm -rf /'");
    }

    #[cfg(unix)]
    #[test]
    fn writes_atomically_with_mode_0600_and_through_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg.json");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write(&path, &json!({"a": 1})).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            serde_json::from_str::<Value>(&fs::read_to_string(&path).unwrap()).unwrap(),
            json!({"a": 1})
        );
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        write(&link, &json!({"b": 2})).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(fs::read_to_string(&path).unwrap().contains("\"b\""));
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");

        let err = check_target(&dir.path().join("missing/cfg.json")).unwrap_err().to_string();
        assert!(err.contains("does not exist") && err.contains("missing/cfg.json"), "{err}");
        let err = check_target(dir.path()).unwrap_err().to_string();
        assert!(err.contains("directory"), "{err}");
        assert!(check_target(&dir.path().join("new.json")).is_ok());
        assert!(!dir.path().join("new.json").exists());
    }
}
