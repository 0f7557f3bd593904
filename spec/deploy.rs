//! Static checks of what the platform builds and runs (no Docker engine is needed): the
//! Dockerfile, the manifest's build type and the CI entry point.

use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn the_dockerfile_builds_the_binary_and_puts_sail_and_serve_on_path() {
    let dockerfile = read("Dockerfile");
    let stages: Vec<&str> = dockerfile.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(stages.len(), 2, "a build stage and a small run stage: {stages:?}");
    assert!(stages[0].contains(" AS build"), "{stages:?}");
    assert!(dockerfile.contains("cargo build --release --locked --bin gotowebinar"));
    assert!(
        dockerfile.contains("COPY --from=build /build/target/release/gotowebinar /usr/local/bin/gotowebinar")
    );
    assert!(dockerfile.contains("COPY component.json"), "the manifest ships with the image");
    for command in ["sail", "serve"] {
        let wrapper = format!("exec /usr/local/bin/gotowebinar {command} \"$@\"");
        assert!(dockerfile.contains(&wrapper), "`{command}` runs `gotowebinar {command}`");
        assert!(dockerfile.contains(&format!("/usr/local/bin/{command}")), "`{command}` is on PATH");
    }
    assert!(dockerfile.contains("USER "), "the step does not run as root");
    // Every path the build copies exists (a missing one fails the platform's build).
    for line in dockerfile.lines().filter(|l| l.starts_with("COPY ") && !l.contains("--from")) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        for source in &parts[1..parts.len() - 1] {
            assert!(
                Path::new(env!("CARGO_MANIFEST_DIR")).join(source).exists(),
                "{line}: {source} is missing"
            );
        }
    }
}

#[test]
fn the_manifest_asks_for_a_docker_build_and_declares_its_env_vars() {
    let manifest: serde_json::Value =
        serde_json::from_str(&read("component.json")).expect("component.json is JSON");
    assert_eq!(manifest["buildType"], "docker");
    for var in ["CITRIX_APP_ID", "CITRIX_APP_SECRET"] {
        assert_eq!(manifest["envVars"][var]["required"], true, "{var}");
    }
    // The instant triggers' key is optional: flows without instant triggers need none.
    assert_eq!(manifest["envVars"]["CITRIX_WEBHOOK_SECRET"]["required"], false);
    assert_eq!(manifest["credentials"]["oauth2"]["client_id"], "{{CITRIX_APP_ID}}");
    assert_eq!(manifest["credentials"]["oauth2"]["client_secret"], "{{CITRIX_APP_SECRET}}");
}

#[test]
fn ci_runs_the_readme_test_command() {
    let ci = read(".ci/run");
    assert!(ci.contains("scripts/test"), "{ci}");
    let readme = read("README.md");
    assert!(readme.contains("scripts/test"), "the README names the same command");
    assert!(readme.contains("cargo run --release -- demo"));
}
