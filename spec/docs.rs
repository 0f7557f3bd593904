//! Every shell block of README.md and docs/*.md runs as written.
//!
//! The fence's info string says how a block is run (GitHub shows only the first word, the language):
//!
//! - ```` ```sh ```` (or `bash`, `shell`): run with bash (`set -eEo pipefail`); it must exit 0.
//! - `exit=N`: the block must end with status N instead.
//! - `skip=REASON`: not run; listed as skipped with REASON (a-z, 0-9 and `-`).
//! - `skip-line=N:REASON`: line N of the block is not run (listed with REASON), the rest is.
//! - `background ready-file=FILE`: started and left running (a server in a terminal of its own) until
//!   the page is done; the next block waits until FILE holds a complete line.
//! - A ```` ```text output ```` block right after a shell block is what that block prints on stdout.
//!
//! The blocks of one page run in order in one temporary directory, each in a fresh bash that starts
//! with the exported variables and directory the previous block ended with, as when typed into one
//! terminal. The built `gotowebinar` comes first on `PATH`, and `cargo run [--release] -- ARGS` runs
//! it, so no release build is started. A failing block names the file, line and command.

use std::fmt::Write as _;
use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long one block may run.
const BLOCK_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a background block may take to write its ready file.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How a shell block is run.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Run { exit: i32 },
    Skip(String),
    Background { ready_file: String },
}

/// A shell code block of a page.
#[derive(Debug, Clone, PartialEq)]
struct Block {
    /// The line of the opening fence (1-based).
    fence_line: usize,
    /// The block's lines, without the fence's indentation.
    lines: Vec<String>,
    mode: Mode,
    /// Lines of the block (1-based) not run, with the reason.
    skip_lines: Vec<(usize, String)>,
    /// What the block prints on stdout, when the page shows it.
    output: Option<String>,
}

impl Block {
    /// The page line of the block's line `n` (1-based).
    fn page_line(&self, n: usize) -> usize {
        self.fence_line + n
    }

    /// The block's first command, for listings.
    fn first_command(&self) -> &str {
        self.lines.iter().map(|l| l.trim()).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("")
    }
}

fn is_reason(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Reads the shell blocks of a Markdown page; an annotation that cannot be honoured is an error.
fn parse(file: &str, text: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks: Vec<Block> = Vec::new();
    // Whether the last fenced block was a shell block that an output block may follow.
    let mut last_was_shell = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        let ticks = rest.len() - rest.trim_start_matches('`').len();
        if ticks < 3 {
            i += 1;
            continue;
        }
        let fence_line = i + 1;
        let info = rest[ticks..].trim();
        let mut content = Vec::new();
        let mut closed = false;
        i += 1;
        while i < lines.len() {
            let l = lines[i];
            let t = l.trim_start_matches(' ');
            let close_ticks = t.len() - t.trim_start_matches('`').len();
            if close_ticks >= ticks && t[close_ticks..].trim().is_empty() {
                closed = true;
                break;
            }
            let strip = (l.len() - t.len()).min(indent);
            content.push(l[strip..].to_string());
            i += 1;
        }
        if !closed {
            return Err(format!("{file}:{fence_line}: a code block opened here is never closed"));
        }
        i += 1;
        let mut words = info.split_whitespace();
        let lang = words.next().unwrap_or("");
        let attrs: Vec<&str> = words.collect();
        match lang {
            "sh" | "bash" | "shell" => {
                blocks.push(parse_shell(file, fence_line, &attrs, content)?);
                last_was_shell = true;
            }
            "text" if attrs.contains(&"output") => {
                let previous = blocks.last_mut().filter(|_| last_was_shell);
                let Some(block) = previous else {
                    return Err(format!(
                        "{file}:{fence_line}: a `text output` block must come right after the shell block whose output it shows"
                    ));
                };
                if !matches!(block.mode, Mode::Run { .. }) {
                    return Err(format!(
                        "{file}:{fence_line}: this output belongs to a block that is skipped or runs in the background, so it cannot be checked"
                    ));
                }
                block.output = Some(content.join("\n"));
                last_was_shell = false;
            }
            _ => last_was_shell = false,
        }
    }
    Ok(blocks)
}

fn parse_shell(file: &str, fence_line: usize, attrs: &[&str], lines: Vec<String>) -> Result<Block, String> {
    let at = |what: String| format!("{file}:{fence_line}: {what}");
    let (mut skip, mut background, mut ready_file, mut exit) = (None, false, None, None);
    let mut skip_lines = Vec::new();
    for attr in attrs {
        let (key, value) = attr.split_once('=').unwrap_or((attr, ""));
        match key {
            "skip" if is_reason(value) => skip = Some(value.to_string()),
            "skip" => return Err(at(format!("`{attr}`: the reason must be a word of a-z, 0-9 and `-`"))),
            "background" if value.is_empty() => background = true,
            "ready-file" if !value.is_empty() => ready_file = Some(value.to_string()),
            "exit" => match value.parse::<i32>() {
                Ok(n) if (0..=255).contains(&n) => exit = Some(n),
                _ => return Err(at(format!("`{attr}`: the exit status must be a number from 0 to 255"))),
            },
            "skip-line" => {
                let parsed = value.split_once(':').and_then(|(n, reason)| {
                    n.parse::<usize>().ok().filter(|_| is_reason(reason)).map(|n| (n, reason.to_string()))
                });
                match parsed {
                    Some((n, reason)) if lines.get(n.wrapping_sub(1)).is_some_and(|l| !l.trim().is_empty()) => {
                        skip_lines.push((n, reason))
                    }
                    Some((n, _)) => {
                        return Err(at(format!("`{attr}`: the block has no command on its line {n}")));
                    }
                    None => return Err(at(format!("`{attr}`: write skip-line=LINE:REASON"))),
                }
            }
            _ => {
                return Err(at(format!(
                    "unknown annotation `{attr}` (known: skip=REASON, skip-line=N:REASON, exit=N, background ready-file=FILE)"
                )))
            }
        }
    }
    let mode = match (skip, background, ready_file, exit) {
        (Some(reason), false, None, None) if skip_lines.is_empty() => Mode::Skip(reason),
        (Some(_), ..) => return Err(at("`skip` stands alone: the block is not run at all".into())),
        (None, true, Some(ready_file), None) => Mode::Background { ready_file },
        (None, true, None, _) => {
            return Err(at("`background` needs `ready-file=FILE`, the file that says it is ready".into()))
        }
        (None, true, Some(_), Some(_)) => {
            return Err(at("a `background` block runs until stopped, so it has no `exit`".into()))
        }
        (None, false, Some(_), _) => return Err(at("`ready-file` goes with `background`".into())),
        (None, false, None, exit) => Mode::Run { exit: exit.unwrap_or(0) },
    };
    Ok(Block { fence_line, lines, mode, skip_lines, output: None })
}

/// Runs a command with `cargo run [--release] --` standing for the built binary.
const CARGO_FUNCTION: &str = r#"cargo() { if [ "$1" != run ]; then echo "docs test: \`cargo $*\` is not run here (only \`cargo run [--release] -- ...\`, which runs the built gotowebinar); mark the block skip=REASON" >&2; return 2; fi; shift; while [ $# -gt 0 ] && [ "$1" != -- ]; do case "$1" in --release|-q|--quiet|--locked) shift ;; *) echo "docs test: cargo run $1 is not understood" >&2; return 2 ;; esac; done; [ "$1" = -- ] && shift; gotowebinar "$@"; }"#;

/// What a page's blocks share: the directory, the carried shell state and the background processes.
struct Page<'a> {
    file: &'a str,
    dir: PathBuf,
    bin_dir: PathBuf,
    background: Vec<Child>,
    runs: usize,
}

/// Lines before a block's first line in its script.
const PRELUDE_LINES: usize = 4;

impl Page<'_> {
    fn script(&self, block: &Block, n: usize, keep_state: bool) -> PathBuf {
        let state = self.dir.join(".docs-state");
        let fail = self.dir.join(".docs-fail");
        let mut s = String::new();
        let _ = writeln!(s, "set -eEo pipefail; DOCS_FAIL='{}'", fail.display());
        let _ = writeln!(
            s,
            "if [ -f '{0}' ]; then . '{0}'; cd \"$(cat '{0}.cwd')\"; fi; export PATH='{1}':\"${{PATH#'{1}':}}\"",
            state.display(),
            self.bin_dir.display()
        );
        let _ = writeln!(s, "{CARGO_FUNCTION}");
        if keep_state {
            let _ = writeln!(
                s,
                "trap 'echo \"$LINENO\" > \"$DOCS_FAIL\"' ERR; trap 'export -p > \"{0}\"; pwd > \"{0}.cwd\"' EXIT",
                state.display()
            );
        } else {
            s.push_str("trap 'echo \"$LINENO\" > \"$DOCS_FAIL\"' ERR\n");
        }
        for (i, line) in block.lines.iter().enumerate() {
            if block.skip_lines.iter().any(|(n, _)| *n == i + 1) {
                s.push_str(":\n");
            } else {
                s.push_str(line);
                s.push('\n');
            }
        }
        let path = self.dir.join(format!(".docs-block-{n}.sh"));
        std::fs::write(&path, s).expect("write a block's script");
        path
    }

    fn command(&self, script: &Path, out: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(script)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", format!("{}:{}", self.bin_dir.display(), std::env::var("PATH").unwrap_or_default()))
            .env("HOME", &self.dir)
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(self.dir.join(format!("{out}.stdout"))).expect("stdout file"))
            .stderr(std::fs::File::create(self.dir.join(format!("{out}.stderr"))).expect("stderr file"))
            .process_group(0);
        cmd
    }

    fn read(&self, name: &str) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(self.dir.join(name)) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// The current directory the previous blocks left.
    fn cwd(&self) -> PathBuf {
        let cwd = self.read(".docs-state.cwd");
        if cwd.trim().is_empty() {
            self.dir.clone()
        } else {
            PathBuf::from(cwd.trim())
        }
    }

    /// Runs one block; `Err` says what failed, where.
    fn run(&mut self, block: &Block) -> Result<(), String> {
        self.runs += 1;
        let n = self.runs;
        let _ = std::fs::remove_file(self.dir.join(".docs-fail"));
        let out = format!(".docs-block-{n}");
        match &block.mode {
            Mode::Skip(_) => Ok(()),
            Mode::Background { ready_file } => {
                let script = self.script(block, n, false);
                let ready = self.cwd().join(ready_file);
                let mut child =
                    self.command(&script, &out).spawn().map_err(|e| format!("cannot start bash: {e}"))?;
                let started = Instant::now();
                loop {
                    let text = std::fs::read_to_string(&ready).unwrap_or_default();
                    if text.ends_with('\n') {
                        self.background.push(child);
                        return Ok(());
                    }
                    if let Ok(Some(status)) = child.try_wait() {
                        return Err(self.failure(
                            block,
                            &out,
                            &format!("ended ({status}) before writing {ready_file}"),
                        ));
                    }
                    if started.elapsed() > READY_TIMEOUT {
                        stop(&mut child);
                        return Err(self.failure(
                            block,
                            &out,
                            &format!("wrote no complete line to {ready_file} within {READY_TIMEOUT:?}"),
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            Mode::Run { exit } => {
                let script = self.script(block, n, true);
                let mut child =
                    self.command(&script, &out).spawn().map_err(|e| format!("cannot start bash: {e}"))?;
                let started = Instant::now();
                let status = loop {
                    if let Ok(Some(status)) = child.try_wait() {
                        break status;
                    }
                    if started.elapsed() > BLOCK_TIMEOUT {
                        stop(&mut child);
                        return Err(self.failure(
                            block,
                            &out,
                            &format!("did not end within {BLOCK_TIMEOUT:?}"),
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                };
                let code = status.code().unwrap_or(-1);
                if code != *exit {
                    return Err(self.failure(block, &out, &format!("exited {code} (expected {exit})")));
                }
                if let Some(expected) = &block.output {
                    let got = normalize(&self.read(&format!("{out}.stdout")));
                    if got != normalize(expected) {
                        return Err(format!(
                            "{}:{}: the block's output differs from the output shown after it\n--- shown ---\n{}\n--- printed ---\n{}",
                            self.file,
                            block.fence_line,
                            normalize(expected),
                            got
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    fn failure(&self, block: &Block, out: &str, what: &str) -> String {
        let script_line: Option<usize> = self.read(".docs-fail").trim().parse().ok();
        let at = script_line
            .and_then(|l| l.checked_sub(PRELUDE_LINES))
            .filter(|l| (1..=block.lines.len()).contains(l))
            .map(|l| (block.page_line(l), block.lines[l - 1].trim().to_string()));
        let (line, command) = at.unwrap_or((block.fence_line, block.first_command().to_string()));
        let stderr = self.read(&format!("{out}.stderr"));
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
        format!(
            "{}:{line}: `{command}` {what} (block at line {})\nstderr:\n{}",
            self.file,
            block.fence_line,
            tail.join("\n")
        )
    }
}

impl Drop for Page<'_> {
    fn drop(&mut self) {
        for child in &mut self.background {
            stop(child);
        }
    }
}

/// Stops a block's process group: SIGTERM, then SIGKILL after 10 s.
fn stop(child: &mut Child) {
    let Ok(pgid) = i32::try_from(child.id()) else { return };
    // SAFETY: signals a process group this test started.
    unsafe { libc::killpg(pgid, libc::SIGTERM) };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::killpg(pgid, libc::SIGKILL) };
    let _ = child.wait();
}

fn normalize(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end().to_string()
}

/// What running a page's blocks came to.
#[derive(Default)]
struct Report {
    ran: usize,
    skipped: Vec<String>,
    failures: Vec<String>,
}

/// Runs the blocks of one page in order; after a failure the rest of the page is not run.
fn run_page(file: &str, blocks: &[Block], bin_dir: &Path, report: &mut Report) {
    let dir = tempfile::Builder::new().prefix("docs-").tempdir().expect("temporary directory");
    let mut page = Page {
        file,
        dir: dir.path().to_path_buf(),
        bin_dir: bin_dir.to_path_buf(),
        background: vec![],
        runs: 0,
    };
    for (i, block) in blocks.iter().enumerate() {
        match &block.mode {
            Mode::Skip(reason) => {
                report.skipped.push(format!(
                    "{file}:{} ({reason}): {}",
                    block.fence_line,
                    block.first_command()
                ));
                continue;
            }
            _ => {
                for (n, reason) in &block.skip_lines {
                    report.skipped.push(format!(
                        "{file}:{} ({reason}): {}",
                        block.page_line(*n),
                        block.lines[n - 1].trim()
                    ));
                }
            }
        }
        match page.run(block) {
            Ok(()) => report.ran += 1,
            Err(failure) => {
                let left = blocks[i + 1..].iter().filter(|b| !matches!(b.mode, Mode::Skip(_))).count();
                let note = if left > 0 {
                    format!("\n({left} later block(s) of {file} not run)")
                } else {
                    String::new()
                };
                report.failures.push(format!("{failure}{note}"));
                break;
            }
        }
    }
    drop(page);
}

/// A directory whose `gotowebinar` is the binary under test.
fn bin_dir(root: &Path) -> PathBuf {
    let binary = PathBuf::from(
        std::env::var_os("GOTOWEBINAR_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_gotowebinar").into()),
    );
    let dir = root.join("bin");
    std::fs::create_dir_all(&dir).expect("bin directory");
    std::os::unix::fs::symlink(&binary, dir.join("gotowebinar")).expect("link the binary");
    dir
}

/// README.md and every page under docs/, in order.
fn pages() -> Vec<(String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut names = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("read docs/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|name| {
            let text =
                std::fs::read_to_string(root.join(&name)).unwrap_or_else(|e| panic!("read {name}: {e}"));
            (name, text)
        })
        .collect()
}

#[test]
fn every_shell_block_of_the_readme_and_docs_runs_as_written() {
    let jq = Command::new("jq").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(
        jq.is_ok_and(|s| s.success()),
        "the examples read JSON with jq, which is not installed: install it (apt-get install jq) and run again"
    );
    let scratch = tempfile::tempdir().expect("temporary directory");
    let bin = bin_dir(scratch.path());
    let mut report = Report::default();
    let mut errors = Vec::new();
    for (name, text) in pages() {
        match parse(&name, &text) {
            Ok(blocks) => run_page(&name, &blocks, &bin, &mut report),
            Err(e) => errors.push(e),
        }
    }
    println!("{} shell blocks ran; {} skipped:", report.ran, report.skipped.len());
    for skipped in &report.skipped {
        println!("  skipped {skipped}");
    }
    errors.extend(report.failures);
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
    assert!(report.ran > 0, "no shell block ran: the pages were not found or not read");
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a page's headings (outside code blocks).
fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// The relative link targets of a page, with their line, outside code blocks and code spans.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Text outside code spans.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = &rest[..end];
            if !target.contains("://") && !target.starts_with("mailto:") {
                out.push((i + 1, target.to_string()));
            }
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_and_anchor_of_the_readme_and_docs_exists() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    for (name, text) in pages() {
        let dir = root.join(&name).parent().expect("a page's directory").to_path_buf();
        for (line, target) in links(&text) {
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let path = if file.is_empty() { root.join(&name) } else { dir.join(file) };
            if !path.exists() {
                broken.push(format!("{name}:{line}: {target}: no file {}", path.display()));
                continue;
            }
            if !anchor.is_empty() {
                let page = std::fs::read_to_string(&path).unwrap_or_default();
                if !anchors(&page).iter().any(|a| a == anchor) {
                    broken.push(format!("{name}:{line}: {target}: no heading with the anchor #{anchor}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[cfg(test)]
mod parser {
    use super::*;

    fn one(text: &str) -> Block {
        let blocks = parse("page.md", text).expect("parses");
        assert_eq!(blocks.len(), 1, "{blocks:?}");
        blocks.into_iter().next().unwrap()
    }

    #[test]
    fn a_plain_sh_block_runs_and_other_languages_are_not_shell() {
        let blocks =
            parse("p.md", "intro\n```sh\necho hi\n```\n```json\n{}\n```\n```rust\nfn x() {}\n```\n").unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].fence_line, 2);
        assert_eq!(blocks[0].lines, vec!["echo hi"]);
        assert_eq!(blocks[0].mode, Mode::Run { exit: 0 });
        assert_eq!(blocks[0].page_line(1), 3);
        assert_eq!(one("```bash\nls\n```\n").mode, Mode::Run { exit: 0 });
    }

    #[test]
    fn annotations_set_the_mode() {
        assert_eq!(
            one("```sh skip=needs-real-goto-account\nx\n```").mode,
            Mode::Skip("needs-real-goto-account".into())
        );
        assert_eq!(one("```sh exit=2\nx\n```").mode, Mode::Run { exit: 2 });
        assert_eq!(
            one("```sh background ready-file=s.json\nx > s.json\n```").mode,
            Mode::Background { ready_file: "s.json".into() }
        );
        let b = one("```sh skip-line=2:runs-every-test\na\nb\n```");
        assert_eq!(b.skip_lines, vec![(2, "runs-every-test".to_string())]);
        assert_eq!(b.mode, Mode::Run { exit: 0 });
    }

    #[test]
    fn annotations_that_cannot_be_honoured_are_errors_naming_the_line() {
        for (text, says) in [
            ("```sh skipp=x\na\n```", "unknown annotation `skipp=x`"),
            ("```sh skip=\na\n```", "reason must be"),
            ("```sh skip=Needs Account\na\n```", "reason must be"),
            ("```sh background\na\n```", "needs `ready-file=FILE`"),
            ("```sh ready-file=x\na\n```", "goes with `background`"),
            ("```sh exit=300\na\n```", "from 0 to 255"),
            ("```sh skip=x exit=1\na\n```", "stands alone"),
            ("```sh skip-line=3:r\na\nb\n```", "no command on its line 3"),
            ("```sh skip-line=1\na\n```", "skip-line=LINE:REASON"),
            ("\n```sh\na\n", "page.md:2: a code block opened here is never closed"),
            ("```text output\nx\n```", "must come right after the shell block"),
            ("```sh\na\n```\n```json\n{}\n```\n```text output\nx\n```", "must come right after"),
            ("```sh skip=r\na\n```\n```text output\nx\n```", "cannot be checked"),
        ] {
            let error = parse("page.md", text).expect_err(text);
            assert!(error.contains(says), "{text:?}: {error}");
            assert!(error.starts_with("page.md:"), "{error}");
        }
    }

    #[test]
    fn an_output_block_belongs_to_the_shell_block_before_it() {
        let b = one("```sh\necho a\n```\n\nIt prints:\n\n```text output\na\n```\n");
        assert_eq!(b.output.as_deref(), Some("a"));
        // A plain text block is only shown, never compared.
        assert_eq!(one("```sh\necho a\n```\n```text\nb\n```\n").output, None);
    }

    #[test]
    fn anchors_and_links_are_read_as_github_writes_them() {
        assert_eq!(slug(" Installing the `gotowebinar` command"), "installing-the-gotowebinar-command");
        assert_eq!(slug(" Instant triggers (webhooks)"), "instant-triggers-webhooks");
        assert_eq!(
            slug(" Connecting an account: `gotowebinar auth`"),
            "connecting-an-account-gotowebinar-auth"
        );
        assert_eq!(anchors("# A b\n```sh\n# not a heading\n```\n## C"), vec!["a-b", "c"]);
        let text = "see [x](docs/x.md#y) and [web](https://e.com) and `[code](no.md)`\n```\n[in](fence.md)\n```\n[z](#z)";
        assert_eq!(links(text), vec![(1, "docs/x.md#y".to_string()), (5, "#z".to_string())]);
    }

    #[test]
    fn indented_and_longer_fences_are_read_as_github_reads_them() {
        let b = one("1. step\n\n   ```sh skip=r\n   export A=1\n     indented more\n   ```\n");
        assert_eq!(b.lines, vec!["export A=1", "  indented more"]);
        assert_eq!(b.fence_line, 3);
        let b = one("````sh\necho '```'\n```\n````\n");
        assert_eq!(b.lines, vec!["echo '```'", "```"]);
    }
}

#[cfg(test)]
mod runner {
    use super::*;

    fn run(text: &str) -> Report {
        let scratch = tempfile::tempdir().unwrap();
        let bin = bin_dir(scratch.path());
        let mut report = Report::default();
        run_page("page.md", &parse("page.md", text).unwrap(), &bin, &mut report);
        report
    }

    #[test]
    fn a_failing_block_names_the_file_line_and_command() {
        let report = run("# t\n\n```sh\ntrue\nls /no/such/dir\necho after\n```\n```sh\necho later\n```\n");
        assert_eq!(report.ran, 0);
        let failure = &report.failures[0];
        assert!(failure.starts_with("page.md:5: `ls /no/such/dir` exited 2 (expected 0)"), "{failure}");
        assert!(failure.contains("No such file"), "{failure}");
        assert!(failure.contains("1 later block(s)"), "{failure}");
    }

    #[test]
    fn variables_and_the_directory_carry_from_one_block_to_the_next() {
        let report = run(
            "```sh\nexport GREETING=hello\nmkdir sub && cd sub\necho x > f\n```\n```sh\ntest \"$GREETING\" = hello\ntest -f f\necho \"$GREETING\"\n```\n```text output\nhello\n```\n",
        );
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!(report.ran, 2);
    }

    #[test]
    fn a_documented_exit_status_a_shown_output_and_skipped_lines_are_checked() {
        let report = run("```sh exit=3\n(exit 3)\n```\n");
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        let report = run("```sh exit=3\ntrue\n```\n");
        assert!(report.failures[0].contains("exited 0 (expected 3)"), "{:?}", report.failures);
        let report = run("```sh\necho one\n```\n```text output\ntwo\n```\n");
        assert!(report.failures[0].contains("output differs"), "{:?}", report.failures);
        let report = run("```sh skip-line=1:long-run\nfalse\necho ok\n```\n");
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!(report.skipped, vec!["page.md:2 (long-run): false".to_string()]);
    }

    #[test]
    fn cargo_run_is_the_built_binary_and_other_cargo_commands_are_refused() {
        let report = run("```sh\ncargo run --release -- --version\ncargo run -q -- --version\n```\n```text output\ngotowebinar 2.0.0\ngotowebinar 2.0.0\n```\n"
            .replace("2.0.0", env!("CARGO_PKG_VERSION"))
            .as_str());
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        let report = run("```sh\ncargo test\n```\n");
        assert!(report.failures[0].contains("mark the block skip=REASON"), "{:?}", report.failures);
    }

    #[test]
    fn a_background_block_runs_until_the_page_is_done() {
        let report = run(
            "```sh background ready-file=ready\necho $$ > pid; echo up > ready; exec sleep 600\n```\n```sh\nkill -0 \"$(cat pid)\"\n```\n",
        );
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        let report = run("```sh background ready-file=ready\nexit 4\n```\n");
        assert!(report.failures[0].contains("before writing ready"), "{:?}", report.failures);
    }
}
