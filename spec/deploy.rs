//! What the platform builds and runs: static checks of the Dockerfile, the manifest's build type and
//! the CI entry point (no Docker engine is needed), and the HTTPS trust store the binary uses.

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
    assert!(dockerfile.contains("cargo build --profile dist --locked --bin gotowebinar"));
    assert!(
        dockerfile.contains("COPY --from=build /build/target/dist/gotowebinar /usr/local/bin/gotowebinar")
    );
    assert!(
        dockerfile.contains("component.json /home/node/component.json"),
        "the manifest ships with the image"
    );
    for command in ["sail", "serve"] {
        let wrapper = format!("exec /usr/local/bin/gotowebinar {command} \"$@\"");
        assert!(dockerfile.contains(&wrapper), "`{command}` runs `gotowebinar {command}`");
        assert!(dockerfile.contains(&format!("/usr/local/bin/{command}")), "`{command}` is on PATH");
    }
    assert!(dockerfile.contains("USER "), "the step does not run as root");
    // Every path the build copies exists (a missing one fails the platform's build).
    for line in dockerfile.lines().filter(|l| l.starts_with("COPY ") && !l.contains("--from")) {
        let parts: Vec<&str> = line.split_whitespace().filter(|part| !part.starts_with("--")).collect();
        for source in &parts[1..parts.len() - 1] {
            assert!(
                Path::new(env!("CARGO_MANIFEST_DIR")).join(source).exists(),
                "{line}: {source} is missing"
            );
        }
    }
}

/// The Dockerfile's stages: the build stage and the run stage, as text.
fn stages(dockerfile: &str) -> (String, String) {
    let run_from = dockerfile.rfind("\nFROM ").expect("a second stage");
    (dockerfile[..run_from].to_string(), dockerfile[run_from..].to_string())
}

#[test]
fn dependencies_build_in_their_own_layer_before_the_sources_arrive() {
    let (build, _) = stages(&read("Dockerfile"));
    let lock = build.find("COPY Cargo.toml Cargo.lock").expect("the manifests are copied first");
    let sources = build.find("COPY src ").expect("the sources are copied");
    let first_build = build.find("cargo build").expect("a build");
    assert!(lock < first_build && first_build < sources, "dependencies build before `COPY src`");
    for member in workspace_members() {
        assert!(build.contains(&format!("COPY {member}/Cargo.toml {member}/")), "{member}'s manifest");
    }
    // Sources copied after the stand-ins are touched, so cargo cannot mistake them for built.
    assert!(build[sources..].contains("touch"), "the real sources are newer than the stand-ins");
    assert!(build.contains("CARGO_PROFILE_DIST_STRIP=symbols"), "the shipped binary is stripped");
}

/// The workspace's members other than the root package, from `Cargo.toml`.
fn workspace_members() -> Vec<String> {
    let manifest = read("Cargo.toml");
    let line = manifest.lines().find(|l| l.starts_with("members = [")).expect("a members list");
    let members: Vec<String> =
        line.split('"').skip(1).step_by(2).filter(|member| *member != ".").map(str::to_string).collect();
    assert!(members.len() >= 3, "{line}");
    members
}

/// The build stage's instructions, continuation lines joined.
fn instructions(stage: &str) -> Vec<String> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in stage.lines().filter(|l| !l.trim_start().starts_with('#')) {
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                if !current.trim().is_empty() {
                    joined.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    joined
}

#[test]
fn the_dependency_layer_loads_the_whole_workspace_from_the_manifests_alone() {
    // Replays the build stage up to its first build, in a scratch folder: the files the COPY lines
    // bring, then the RUN with its `cargo build` swapped for `cargo metadata`, which fails as the
    // build would when a member's manifest or a declared target is missing.
    let (build, _) = stages(&read("Dockerfile"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::tempdir().unwrap();
    let mut script = None;
    for instruction in instructions(&build) {
        if let Some(copy) = instruction.strip_prefix("COPY ") {
            let parts: Vec<&str> = copy.split_whitespace().collect();
            let (sources, dest) = parts.split_at(parts.len() - 1);
            for source in sources {
                let target = match dest[0] {
                    "./" => scratch.path().join(source),
                    dir if dir.ends_with('/') => {
                        scratch.path().join(dir).join(Path::new(source).file_name().unwrap())
                    }
                    file => scratch.path().join(file),
                };
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::copy(root.join(source), &target).unwrap_or_else(|e| panic!("COPY {source}: {e}"));
            }
        } else if let Some(run) = instruction.strip_prefix("RUN ") {
            script = Some(run.to_string());
            break;
        }
    }
    let script = script.expect("a RUN after the manifests are copied");
    let build_command = "cargo build --profile dist --locked --bin gotowebinar";
    assert!(script.contains(build_command), "the dependency layer builds: {script}");
    let script =
        script.replace(build_command, "cargo metadata --format-version 1 --locked --offline >/dev/null");
    let output = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(scratch.path())
        .output()
        .expect("sh runs");
    assert!(
        output.status.success(),
        "the Dockerfile's dependency layer would fail: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_run_stage_has_a_user_with_a_home_and_no_package_manager_layer() {
    let (_, run) = stages(&read("Dockerfile"));
    assert!(!run.contains("apt-get"), "the run stage installs nothing: {run}");
    assert!(run.contains("groupadd --gid 1000 component"), "gid 1000");
    assert!(
        run.contains("useradd --uid 1000 --gid 1000 --create-home --home-dir /home/node"),
        "uid 1000 with a home"
    );
    assert!(!run.contains("--system"), "a system account gets gid < 1000 and no home");
    assert!(
        run.contains("COPY --from=build /etc/ssl/certs/ca-certificates.crt"),
        "the CA bundle the binary trusts"
    );
    assert!(run.contains("COPY --chown=1000:1000 component.json /home/node/"), "the user owns its files");
    assert!(run.contains("WORKDIR /home/node") && run.contains("USER component"));
    assert!(run.contains("CMD [\"sail\"]"));
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

/// Runs `openssl` with `args` in `dir`; the tests need the openssl command line tool.
fn openssl(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| {
            panic!("openssl {args:?} did not run ({e}): install it with `apt-get install -y openssl`")
        });
    assert!(status.success(), "openssl {args:?} failed");
}

/// An HTTPS server on loopback whose certificate a private CA signed: `openssl s_server -www`,
/// which answers every request with a page (not JSON).
struct TlsServer {
    child: std::process::Child,
    port: u16,
}

impl TlsServer {
    fn start(dir: &Path) -> TlsServer {
        openssl(
            dir,
            &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem"]
                .into_iter()
                .chain(["-days", "2", "-subj", "/CN=gotowebinar test CA"])
                .collect::<Vec<_>>(),
        );
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        );
        std::fs::write(dir.join("leaf.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
            .unwrap();
        openssl(
            dir,
            &["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"]
                .into_iter()
                .chain(["-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext"])
                .collect::<Vec<_>>(),
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("openssl")
            .args([
                "s_server",
                "-accept",
                &format!("127.0.0.1:{port}"),
                "-cert",
                "leaf.pem",
                "-key",
                "leaf.key",
            ])
            .args(["-www", "-quiet"])
            .current_dir(dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "openssl s_server did not listen on {port}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        TlsServer { child, port }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `rawRequest` against `server` with the given extra environment; returns stdout and stderr.
fn raw_request_over_tls(dir: &Path, server: &TlsServer, env: &[(&str, &str)]) -> String {
    std::fs::write(
        dir.join("cfg.json"),
        r#"{"oauth":{"access_token":"test-access","refresh_token":"test-refresh","expires_in":3600},"organizerKey":"1"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("msg.json"), r#"{"body":{"method":"GET","path":"/organizers/1/webinars"}}"#)
        .unwrap();
    let origin = format!("https://127.0.0.1:{}", server.port);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gotowebinar"))
        .args(["exec", "rawRequest", "--cfg", "cfg.json", "--msg", "msg.json"])
        .current_dir(dir)
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env("CITRIX_APP_ID", "test-client")
        .env("CITRIX_APP_SECRET", "test-secret")
        .env("GOTO_API_URL", &origin)
        .env("GOTO_AUTH_URL", &origin)
        .envs(env.iter().copied())
        .output()
        .expect("the gotowebinar binary runs");
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn https_trusts_the_system_ca_store_so_a_private_ca_can_be_added() {
    let dir = tempfile::tempdir().unwrap();
    let server = TlsServer::start(dir.path());

    // A CA that is not in the store: the connection is refused for its certificate.
    let empty = tempfile::tempdir().unwrap();
    let untrusted =
        raw_request_over_tls(dir.path(), &server, &[("SSL_CERT_DIR", empty.path().to_str().unwrap())]);
    assert!(untrusted.contains("UnknownIssuer"), "an unknown CA is refused: {untrusted}");
    assert!(!untrusted.contains("retrying"), "a refused certificate is not tried again: {untrusted}");

    // The same CA named by SSL_CERT_FILE (as a proxy's CA in the system store would be): TLS works
    // and the request reaches the server, whose HTML page is then no GoTo answer.
    let ca = dir.path().join("ca.pem");
    let trusted = raw_request_over_tls(dir.path(), &server, &[("SSL_CERT_FILE", ca.to_str().unwrap())]);
    assert!(!trusted.contains("certificate"), "the CA from the store is trusted: {trusted}");
    assert!(trusted.contains("HTTP 200"), "the request reached the server: {trusted}");
}
