//! The official Node.js sailor (`elasticio-sailor-nodejs`), installed from the npm registry into
//! `target/interop/` on first use and kept there: the interop specs run their scripts with its
//! code, and the benchmark runs it side by side with `gotowebinar sail`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The npm package of the official Node.js sailor.
pub const SAILOR: &str = "elasticio-sailor-nodejs";
/// The version compared against.
pub const SAILOR_VERSION: &str = "2.7.8";

/// `Ok` when `node` and `npm` both run; else what to install.
pub fn check_tools() -> Result<(), String> {
    for tool in ["node", "npm"] {
        let found = Command::new(tool)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Err(format!("`{tool}` is not on PATH (Debian: apt-get install nodejs npm)"));
        }
    }
    Ok(())
}

/// The Node sailor's package directory under `target_dir/interop/`, installed with npm when it is
/// not there yet. Several processes may call this at once: each installs into its own staging
/// directory and the first rename wins, so an interrupted install is never used.
pub fn install(target_dir: &Path) -> Result<PathBuf, String> {
    let cache = target_dir.join("interop").join(format!("{SAILOR}-{SAILOR_VERSION}"));
    let package = cache.join("node_modules").join(SAILOR);
    if installed_version(&package).as_deref() == Some(SAILOR_VERSION) {
        return Ok(package);
    }
    check_tools()?;
    let staging = cache.with_extension(format!("installing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    std::fs::write(staging.join("package.json"), r#"{"private": true}"#)
        .map_err(|e| format!("cannot write package.json in {}: {e}", staging.display()))?;
    let (ok, said) = run_bounded(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock"])
            .arg(format!("{SAILOR}@{SAILOR_VERSION}"))
            .current_dir(&staging),
        Duration::from_secs(300),
    );
    let installed = installed_version(&staging.join("node_modules").join(SAILOR));
    if !ok || installed.as_deref() != Some(SAILOR_VERSION) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(format!(
            "cannot install {SAILOR}@{SAILOR_VERSION} from the npm registry (is it reachable? `npm config get \
             registry`); it is needed once, then kept in {}.\nnpm said: {said}",
            cache.display()
        ));
    }
    if std::fs::rename(&staging, &cache).is_err() {
        // Another process finished first: use its copy.
        let _ = std::fs::remove_dir_all(&staging);
    }
    match installed_version(&package) {
        Some(v) if v == SAILOR_VERSION => Ok(package),
        other => Err(format!("{} holds version {other:?}, not {SAILOR_VERSION}", package.display())),
    }
}

/// The `version` of the npm package in `package`, when it is installed.
pub fn installed_version(package: &Path) -> Option<String> {
    let text = std::fs::read_to_string(package.join("package.json")).ok()?;
    let json: Value = serde_json::from_str(&text).ok()?;
    json["version"].as_str().map(str::to_string)
}

/// Runs a command for at most `limit`; (success, the tail of its stderr and stdout).
fn run_bounded(command: &mut Command, limit: Duration) -> (bool, String) {
    let mut child = match command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(error) => return (false, format!("cannot start: {error}")),
    };
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return (false, format!("no answer within {} s", limit.as_secs()));
            }
        }
    }
    let output = match child.wait_with_output() {
        Ok(output) => output,
        Err(error) => return (false, format!("cannot read its output: {error}")),
    };
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stderr), String::from_utf8_lossy(&output.stdout));
    let tail: String = text.chars().rev().take(2000).collect::<Vec<_>>().into_iter().rev().collect();
    (output.status.success(), tail)
}
