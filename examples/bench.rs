//! The performance harness behind `scripts/bench` (see docs/performance.md).
//!
//! ```text
//! bench run --bin target/release/gotowebinar --out results.json [--quick] [--amqp URL] [--only 1,2]
//! bench table --results results.json [--criterion target/criterion]
//! bench plain-loop --api URL --token T --organizer O --webinar W   (scenario 2's baseline)
//! ```
//!
//! `run` measures scenarios 1–5 and 7 against a sandbox in its own process and writes rows as JSON;
//! `table` prints them, with criterion's medians (scenario 6), as one markdown table. Peak memory is
//! each child's own, from `wait4`. A scenario that cannot run is reported as such and makes `run`
//! exit 1; a missed target never does.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use gotowebinar::client::GoToWebinar;
use gotowebinar::keys::{OrganizerKey, WebinarKey};
use gotowebinar::models::{CreateRegistrant, Registrant};
use gotowebinar::{MemoryStore, OAuthClient, OAuthKeys, Origins, Secret, StaticToken, TokenManager};
use sailor_testkit as broker;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

type Res<T> = Result<T, String>;

/// The default seed's upcoming single-session webinar.
const SEED_WEBINAR: &str = "24576065432313123456";

/// One line of the table.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Row {
    scenario: String,
    figure: String,
    value: String,
    target: String,
    /// `Some(true)` met, `Some(false)` missed, `None` no target (context figure).
    met: Option<bool>,
}

fn row(scenario: &str, figure: &str, value: String, target: &str, met: Option<bool>) -> Row {
    Row { scenario: scenario.into(), figure: figure.into(), value, target: target.into(), met }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("table") => table(&args[1..]),
        Some("plain-loop") => plain_loop(&args[1..]),
        Some("launch") => launch(&args[1..]),
        _ => {
            eprintln!("usage: bench run|table|plain-loop … (see the top of examples/bench.rs)");
            2
        }
    };
    std::process::exit(code);
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn has(args: &[String], name: &str) -> bool {
    args.iter().any(|a| a == name)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime")
}

// ---------------------------------------------------------------------------------------------
// Children measured with wait4

/// What a finished child cost.
#[derive(Debug, Clone, Copy)]
struct Cost {
    wall: Duration,
    /// Peak resident set of the child alone, in KiB.
    max_rss_kb: i64,
    code: i32,
    /// CPU time (user + system) of the child.
    cpu: Duration,
}

/// Reaps `pid` and returns its exit code, peak RSS (KiB) and CPU time (user + system).
fn wait4(pid: u32) -> Res<(i32, i64, Duration)> {
    let pid = pid as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the reaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; pid is our own child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4({pid}): {error}"));
        }
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        -1
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    let cpu = Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime));
    Ok((code, usage.ru_maxrss, cpu))
}

fn terminate(pid: u32) {
    // SAFETY: sends SIGTERM to a child this process started and has not reaped yet.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGTERM);
    }
}

/// The same command, started through `bench launch` so that its peak RSS is its own.
///
/// Linux carries the high-water RSS of the memory a process had before `exec` into its own
/// `ru_maxrss`; a child spawned straight from this (large) harness would report at least the
/// harness's size. A freshly started launcher is small, so the floor is low (reported in the table).
fn launched(cmd: &Command, report: &Path) -> Res<Command> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find the harness binary: {e}"))?;
    let mut launcher = Command::new(me);
    launcher.arg("launch").arg(report).arg("--").arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        launcher.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => launcher.env(key, value),
            None => launcher.env_remove(key),
        };
    }
    Ok(launcher)
}

fn report_path() -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("gotowebinar-bench-{}-{n}.cost", std::process::id()))
}

/// Reads what `bench launch` wrote: `wall_ns max_rss_kb code cpu_us`.
fn read_report(path: &Path) -> Res<Cost> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("no report from the launcher: {e}"))?;
    let _ = std::fs::remove_file(path);
    let fields: Vec<i64> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    match fields.as_slice() {
        [wall_ns, max_rss_kb, code, cpu_us] => Ok(Cost {
            wall: Duration::from_nanos(*wall_ns as u64),
            max_rss_kb: *max_rss_kb,
            code: *code as i32,
            cpu: Duration::from_micros(*cpu_us as u64),
        }),
        _ => Err(format!("unreadable launcher report: {text:?}")),
    }
}

/// Runs `cmd` to the end; stdout is captured when `capture` (else it goes to /dev/null).
fn measure(cmd: &mut Command, capture: bool) -> Res<(Cost, String)> {
    let report = report_path();
    let mut launcher = launched(cmd, &report)?;
    launcher.stdin(Stdio::null()).stderr(Stdio::null());
    launcher.stdout(if capture { Stdio::piped() } else { Stdio::null() });
    let mut child = launcher.spawn().map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    child.wait().map_err(|e| format!("waiting for the launcher: {e}"))?;
    Ok((read_report(&report)?, out))
}

static LAUNCHED: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn forward(signal: libc::c_int) {
    let pid = LAUNCHED.load(std::sync::atomic::Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe; pid is the launcher's own child.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// `bench launch REPORT -- PROGRAM ARGS…`: runs the program (same stdio and environment), forwards
/// SIGTERM and SIGINT to it, and writes `wall_ns max_rss_kb code cpu_us` to REPORT. Does as little as
/// possible before the spawn so that its own small footprint is all a child inherits.
fn launch(args: &[String]) -> i32 {
    let (Some(report), Some(program)) = (args.first(), args.get(2)) else {
        eprintln!("usage: bench launch REPORT -- PROGRAM [ARGS…]");
        return 2;
    };
    let started = Instant::now();
    let child = match Command::new(program).args(&args[3..]).spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("bench launch: cannot start {program}: {e}");
            return 127;
        }
    };
    LAUNCHED.store(child.id() as i32, std::sync::atomic::Ordering::SeqCst);
    // SAFETY: installs a handler that only calls kill.
    unsafe {
        libc::signal(libc::SIGTERM, forward as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, forward as *const () as libc::sighandler_t);
    }
    let (code, max_rss_kb, cpu) = match wait4(child.id()) {
        Ok(done) => done,
        Err(e) => {
            eprintln!("bench launch: {e}");
            return 1;
        }
    };
    let line = format!("{} {max_rss_kb} {code} {}\n", started.elapsed().as_nanos(), cpu.as_micros());
    if let Err(e) = std::fs::write(report, line) {
        eprintln!("bench launch: cannot write {report}: {e}");
        return 1;
    }
    code
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    if values.is_empty() {
        return f64::NAN;
    }
    let index = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[index.min(values.len() - 1)]
}

fn mb(kb: i64) -> f64 {
    kb as f64 / 1024.0
}

// ---------------------------------------------------------------------------------------------
// The sandbox as its own process

struct SandboxProc {
    child: Child,
    // Held so the sandbox never writes to a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
    info: Value,
    http: reqwest::Client,
}

impl SandboxProc {
    fn start(bin: &Path, seed: Option<&Path>, log: &Path) -> Res<Self> {
        let mut cmd = Command::new(bin);
        cmd.args(["sandbox", "--port", "0", "--rate-limit", "0"]);
        if let Some(seed) = seed {
            cmd.arg("--seed").arg(seed);
        }
        let log = std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = cmd
            .env("LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start the sandbox: {e}"))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).map_err(|e| format!("reading the sandbox's first line: {e}"))?;
        let info: Value = serde_json::from_str(&line).map_err(|e| {
            let _ = child.kill();
            format!("the sandbox did not print its JSON line ({e}): {line:?}")
        })?;
        let http = reqwest::Client::new();
        Ok(Self { child, _stdout: stdout, info, http })
    }

    fn get(&self, name: &str) -> String {
        self.info[name].as_str().unwrap_or_default().to_string()
    }

    fn api(&self) -> String {
        self.get("apiUrl")
    }

    fn organizer(&self) -> String {
        self.get("organizerKey")
    }

    /// The environment that points the component at this sandbox.
    fn env(&self) -> Vec<(String, String)> {
        vec![
            ("GOTO_API_URL".into(), self.get("apiUrl")),
            ("GOTO_AUTH_URL".into(), self.get("authUrl")),
            ("CITRIX_APP_ID".into(), self.get("clientId")),
            ("CITRIX_APP_SECRET".into(), self.get("clientSecret")),
        ]
    }

    async fn knob(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Res<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.api()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = answer.status();
        let text = answer.text().await.map_err(|e| format!("{path}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {text}"));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> Res<Value> {
        self.knob(reqwest::Method::POST, path, Some(body)).await
    }

    /// A new grant's token response with `expires_at` `valid_for` from now (negative: expired).
    async fn tokens(&self, valid_for: chrono::Duration) -> Res<Value> {
        let mut tokens = self.post("/_sandbox/tokens", json!({})).await?;
        tokens["expires_at"] = json!((chrono::Utc::now() + valid_for).to_rfc3339());
        Ok(tokens)
    }

    async fn requests(&self) -> Res<Vec<Value>> {
        match self.knob(reqwest::Method::GET, "/_sandbox/requests", None).await? {
            Value::Array(items) => Ok(items),
            other => Err(format!("unexpected request log: {other}")),
        }
    }

    async fn clear_requests(&self) -> Res<()> {
        self.knob(reqwest::Method::DELETE, "/_sandbox/requests", None).await.map(|_| ())
    }

    async fn token_requests(&self) -> Res<u64> {
        let answer = self.knob(reqwest::Method::GET, "/_sandbox/token-requests", None).await?;
        answer["count"].as_u64().ok_or_else(|| format!("unexpected token-requests answer: {answer}"))
    }

    async fn rate_limit(&self, per_second: Option<u32>) -> Res<()> {
        self.post("/_sandbox/rate-limit", json!({ "perSecond": per_second })).await.map(|_| ())
    }

    fn stop(mut self) {
        terminate(self.child.id());
        let _ = self.child.wait();
    }
}

/// A step configuration with a valid token and the organizer key: no refresh, no discovery.
async fn cfg_file(sandbox: &SandboxProc, dir: &Path, name: &str) -> Res<PathBuf> {
    let cfg = json!({
        "oauth": sandbox.tokens(chrono::Duration::hours(2)).await?,
        "organizerKey": sandbox.organizer(),
    });
    write_json(&dir.join(name), &cfg)
}

fn write_json(path: &Path, value: &Value) -> Res<PathBuf> {
    std::fs::write(path, value.to_string()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path.to_path_buf())
}

// ---------------------------------------------------------------------------------------------
// `run`

struct Bench {
    bin: PathBuf,
    dir: PathBuf,
    quick: bool,
    amqp: Option<String>,
}

fn run(args: &[String]) -> i32 {
    let Some(bin) = flag(args, "--bin").map(PathBuf::from) else {
        eprintln!("bench run: --bin PATH is required");
        return 2;
    };
    let Some(out) = flag(args, "--out").map(PathBuf::from) else {
        eprintln!("bench run: --out FILE is required");
        return 2;
    };
    let only: Vec<String> =
        flag(args, "--only").map(|s| s.split(',').map(str::to_string).collect()).unwrap_or_default();
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("bench run: no scratch directory: {e}");
            return 2;
        }
    };
    let bench = Bench {
        bin,
        dir: dir.path().to_path_buf(),
        quick: has(args, "--quick"),
        amqp: flag(args, "--amqp").filter(|u| !u.is_empty()),
    };
    let rt = runtime();
    let mut rows = Vec::new();
    let mut failed = false;
    let scenarios: [(&str, &str); 6] = [
        ("1", "cold start"),
        ("2", "bulk read"),
        ("3", "quota-bound job"),
        ("4", "refresh storm"),
        ("5", "sailor throughput"),
        ("7", "Rust and Node sailors side by side"),
    ];
    for (number, title) in scenarios {
        if !only.is_empty() && !only.iter().any(|o| o == number) {
            continue;
        }
        eprintln!("bench: {number}. {title}…");
        let started = Instant::now();
        let result = rt.block_on(async {
            match number {
                "1" => cold_start(&bench).await,
                "2" => bulk_read(&bench).await,
                "3" => quota_job(&bench).await,
                "4" => refresh_storm(&bench).await,
                "5" => sailor_throughput(&bench).await,
                _ => side_by_side(&bench).await,
            }
        });
        match result {
            Ok(mut done) => rows.append(&mut done),
            Err(error) => {
                eprintln!("bench: {number}. {title} could not run: {error}");
                failed = true;
                rows.push(row(&format!("{number}. {title}"), "could not run", error, "", None));
            }
        }
        eprintln!("bench: {number}. {title} took {:.1} s", started.elapsed().as_secs_f64());
    }
    let text = serde_json::to_string_pretty(&rows).expect("rows serialize");
    if let Err(e) = std::fs::write(&out, text) {
        eprintln!("bench run: cannot write {}: {e}", out.display());
        return 2;
    }
    i32::from(failed)
}

// 1. Cold start -------------------------------------------------------------------------------

async fn cold_start(b: &Bench) -> Res<Vec<Row>> {
    let sandbox = SandboxProc::start(&b.bin, None, &b.dir.join("sandbox-1.log"))?;
    let result = cold_start_on(b, &sandbox).await;
    sandbox.stop();
    result
}

async fn cold_start_on(b: &Bench, sandbox: &SandboxProc) -> Res<Vec<Row>> {
    let cfg = cfg_file(sandbox, &b.dir, "cfg-cold.json").await?;
    let msg = write_json(&b.dir.join("msg-cold.json"), &json!({"body": {"webinarKey": SEED_WEBINAR}}))?;
    let config: Value = serde_json::from_str(&std::fs::read_to_string(&cfg).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let token = config["oauth"]["access_token"].as_str().unwrap_or_default().to_string();
    let url =
        format!("{}/G2W/rest/v2/organizers/{}/webinars/{SEED_WEBINAR}", sandbox.api(), sandbox.organizer());
    let env = sandbox.env();
    let exec = || {
        let mut cmd = Command::new(&b.bin);
        cmd.args(["exec", "getWebinar", "--cfg"]).arg(&cfg).arg("--msg").arg(&msg);
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        cmd
    };
    let curl = || {
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-f", "-o", "/dev/null", "-H", "Accept: application/json", "-H"])
            .arg(format!("Authorization: Bearer {token}"))
            .arg(&url);
        cmd
    };
    // One unmeasured run of each (page cache, first connection), checked for the right answer.
    let (cost, out) = measure(&mut exec(), true)?;
    if cost.code != 0 || !out.contains("\"event\":\"data\"") || !out.contains(SEED_WEBINAR) {
        return Err(format!("gotowebinar exec getWebinar failed (exit {}): {out}", cost.code));
    }
    let (cost, _) = measure(&mut curl(), false)?;
    if cost.code != 0 {
        return Err(format!("curl failed with exit {}", cost.code));
    }
    let runs = if b.quick { 5 } else { 20 };
    let (mut exec_ms, mut curl_ms, mut exec_rss, mut curl_rss) = (vec![], vec![], vec![], vec![]);
    for _ in 0..runs {
        let (cost, _) = measure(&mut exec(), false)?;
        if cost.code != 0 {
            return Err(format!("gotowebinar exec exited {}", cost.code));
        }
        exec_ms.push(cost.wall.as_secs_f64() * 1000.0);
        exec_rss.push(mb(cost.max_rss_kb));
        let (cost, _) = measure(&mut curl(), false)?;
        if cost.code != 0 {
            return Err(format!("curl exited {}", cost.code));
        }
        curl_ms.push(cost.wall.as_secs_f64() * 1000.0);
        curl_rss.push(mb(cost.max_rss_kb));
    }
    let (exec_med, curl_med) = (median(&mut exec_ms), median(&mut curl_ms));
    let ratio = exec_med / curl_med;
    let peak = exec_rss.iter().copied().fold(0.0, f64::max);
    let (floor, _) = measure(&mut Command::new("true"), false)?;
    let s = "1. cold start";
    Ok(vec![
        row(s, &format!("`exec getWebinar`, median of {runs}"), format!("{exec_med:.1} ms"), "", None),
        row(s, "curl, same request, median", format!("{curl_med:.1} ms"), "", None),
        row(s, "exec / curl", format!("{ratio:.2}x"), "≤ 1.5x", Some(ratio <= 1.5)),
        row(s, "exec peak RSS (max of runs)", format!("{peak:.1} MB"), "< 15 MB", Some(peak < 15.0)),
        row(s, "curl peak RSS (median)", format!("{:.1} MB", median(&mut curl_rss)), "", None),
        row(
            s,
            "RSS floor of the method (`true`, launched alike)",
            format!("{:.1} MB", mb(floor.max_rss_kb)),
            "",
            None,
        ),
    ])
}

// 2. Bulk read --------------------------------------------------------------------------------

const BIG_WEBINAR: &str = "24576065432313150000";
const SMALL_WEBINAR: &str = "24576065432313110000";

fn bulk_seed(big: usize, small: usize) -> Value {
    let registrants = |n: usize, tag: &str| -> Vec<Value> {
        (0..n)
            .map(|i| {
                json!({
                    "firstName": format!("First{i}"),
                    "lastName": format!("Last{i}"),
                    "email": format!("person{i}@{tag}.example"),
                    // Distinct, ascending dates: the order GoTo lists them in.
                    "registrationDate": format!("now-30d+{i}s"),
                    "status": "APPROVED",
                    "details": {"organization": "Northwind Traders", "jobTitle": "Engineer"}
                })
            })
            .collect()
    };
    let webinar = |key: &str, subject: &str, n: usize, tag: &str| {
        json!({
            "key": key, "subject": subject, "timeZone": "Europe/Berlin",
            "times": [{"start": "now+2d", "end": "now+2d1h"}],
            "registrants": registrants(n, tag),
        })
    };
    json!({
        "account": {"key": "3957458926893454862", "name": "Bench Events"},
        "organizers": [{"key": "10208180301458787589", "email": "bench@northwind.example",
                        "firstName": "Bench", "lastName": "Organizer"}],
        "webinars": [webinar(BIG_WEBINAR, "Bulk big", big, "big"), webinar(SMALL_WEBINAR, "Bulk small", small, "small")]
    })
}

async fn bulk_read(b: &Bench) -> Res<Vec<Row>> {
    let (big, small) = if b.quick { (5_000, 1_000) } else { (50_000, 10_000) };
    let seed = write_json(&b.dir.join("seed-bulk.json"), &bulk_seed(big, small))?;
    let sandbox = SandboxProc::start(&b.bin, Some(&seed), &b.dir.join("sandbox-2.log"))?;
    let result = bulk_read_on(b, &sandbox, big, small).await;
    sandbox.stop();
    result
}

/// How many registrant pages of `webinar` the sandbox answered with 200 since the log was cleared.
async fn pages_served(sandbox: &SandboxProc, webinar: &str) -> Res<usize> {
    let log = sandbox.requests().await?;
    Ok(log
        .iter()
        .filter(|r| {
            r["status"] == 200
                && r["path"].as_str().is_some_and(|p| p.ends_with(&format!("{webinar}/registrants")))
        })
        .count())
}

async fn bulk_read_on(b: &Bench, sandbox: &SandboxProc, big: usize, small: usize) -> Res<Vec<Row>> {
    let cfg = cfg_file(sandbox, &b.dir, "cfg-bulk.json").await?;
    let config: Value = serde_json::from_str(&std::fs::read_to_string(&cfg).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let token = config["oauth"]["access_token"].as_str().unwrap_or_default().to_string();
    let mut env = sandbox.env();
    // The point is the component's own cost, not GoTo's quota (scenario 3 covers that).
    env.push(("GOTO_RATE_LIMIT".into(), "0".into()));
    env.push(("LOG_LEVEL".into(), "info".into()));
    let list = |webinar: &str| -> Res<Command> {
        let msg = write_json(
            &b.dir.join(format!("msg-{webinar}.json")),
            &json!({"body": {"webinarKey": webinar, "emitBehavior": "emitIndividually"}}),
        )?;
        let mut cmd = Command::new(&b.bin);
        cmd.args(["exec", "listRegistrants", "--cfg"]).arg(&cfg).arg("--msg").arg(msg);
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        Ok(cmd)
    };
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let plain = || {
        let mut cmd = Command::new(&me);
        cmd.args(["plain-loop", "--api", &sandbox.api(), "--token", &token]).args([
            "--organizer",
            &sandbox.organizer(),
            "--webinar",
            BIG_WEBINAR,
        ]);
        cmd
    };
    let rounds = if b.quick { 1 } else { 3 };
    let (mut big_s, mut small_s, mut plain_s) = (vec![], vec![], vec![]);
    let (mut big_rss, mut small_rss, mut plain_rss) = (0i64, 0i64, 0i64);
    for _ in 0..rounds {
        for (webinar, n, times, rss) in [
            (BIG_WEBINAR, big, &mut big_s, &mut big_rss),
            (SMALL_WEBINAR, small, &mut small_s, &mut small_rss),
        ] {
            sandbox.clear_requests().await?;
            let (cost, _) = measure(&mut list(webinar)?, false)?;
            if cost.code != 0 {
                return Err(format!("listRegistrants of {n} exited {}", cost.code));
            }
            let served = pages_served(sandbox, webinar).await?;
            if served != n.div_ceil(200) {
                return Err(format!("listRegistrants of {n} read {served} pages, not {}", n.div_ceil(200)));
            }
            times.push(cost.wall.as_secs_f64());
            *rss = (*rss).max(cost.max_rss_kb);
        }
        let (cost, out) = measure(&mut plain(), true)?;
        if cost.code != 0 || out.trim() != format!("{big} items") {
            return Err(format!("the plain loop failed (exit {}): {out}", cost.code));
        }
        plain_s.push(cost.wall.as_secs_f64());
        plain_rss = plain_rss.max(cost.max_rss_kb);
    }
    let (big_t, small_t, plain_t) = (median(&mut big_s), median(&mut small_s), median(&mut plain_s));
    let ratio = big_t / plain_t;
    let growth = mb(big_rss) - mb(small_rss);
    let s = "2. bulk read";
    let (bigk, smallk) = (big / 1000, small / 1000);
    Ok(vec![
        row(
            s,
            &format!("listRegistrants {bigk}k, emitIndividually → /dev/null"),
            format!("{big_t:.2} s ({:.0} items/s)", big as f64 / big_t),
            "",
            None,
        ),
        row(
            s,
            &format!("plain loop {bigk}k (reqwest + serde_json, same pages)"),
            format!("{plain_t:.2} s"),
            "",
            None,
        ),
        row(s, "listRegistrants / plain loop", format!("{ratio:.2}x"), "≤ 1.3x", Some(ratio <= 1.3)),
        row(
            s,
            &format!("peak RSS, {bigk}k registrants"),
            format!("{:.1} MB", mb(big_rss)),
            "< 30 MB",
            Some(mb(big_rss) < 30.0),
        ),
        row(
            s,
            &format!("peak RSS, {smallk}k registrants ({small_t:.2} s)"),
            format!("{:.1} MB", mb(small_rss)),
            "",
            None,
        ),
        row(
            s,
            &format!("RSS growth {smallk}k → {bigk}k"),
            format!("{growth:+.1} MB"),
            "flat (≤ 1 MB)",
            Some(growth <= 1.0),
        ),
        row(s, "plain loop peak RSS", format!("{:.1} MB", mb(plain_rss)), "", None),
    ])
}

/// Scenario 2's baseline, in its own process: every page of the registrants, fetched with a
/// reqwest client and parsed with serde_json into the client's models, nothing else.
fn plain_loop(args: &[String]) -> i32 {
    let need = |name: &str| flag(args, name).unwrap_or_default();
    let (api, token, organizer, webinar) =
        (need("--api"), need("--token"), need("--organizer"), need("--webinar"));
    let rt = runtime();
    let result: Res<usize> = rt.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let url = format!("{api}/G2W/rest/v2/organizers/{organizer}/webinars/{webinar}/registrants");
        let mut items = 0usize;
        for page in 0u32.. {
            let body = http
                .get(&url)
                .query(&[("page", page), ("limit", 200)])
                .bearer_auth(&token)
                .header("Accept", "application/json")
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| e.to_string())?
                .bytes()
                .await
                .map_err(|e| e.to_string())?;
            let parsed = gotowebinar::pagination::parse_page::<Registrant>(&body, "registrants", page, 200)
                .map_err(|e| e.to_string())?;
            items += parsed.items.len();
            let last = parsed.info.total_pages.is_none_or(|pages| page + 1 >= pages);
            if parsed.items.is_empty() || last {
                break;
            }
        }
        Ok(items)
    });
    match result {
        Ok(items) => {
            println!("{items} items");
            0
        }
        Err(e) => {
            eprintln!("plain loop: {e}");
            1
        }
    }
}

// 3. Quota-bound job --------------------------------------------------------------------------

async fn quota_job(b: &Bench) -> Res<Vec<Row>> {
    let sandbox = SandboxProc::start(&b.bin, None, &b.dir.join("sandbox-3.log"))?;
    let result = quota_job_on(b, &sandbox).await;
    sandbox.stop();
    result
}

async fn quota_job_on(b: &Bench, sandbox: &SandboxProc) -> Res<Vec<Row>> {
    let people: usize = if b.quick { 60 } else { 600 };
    let webinar = sandbox
        .post(
            "/_sandbox/webinars",
            json!({"subject": "Quota job", "times": [{"start": "now+3d", "end": "now+3d1h"}]}),
        )
        .await?["webinarKey"]
        .as_str()
        .ok_or("no webinarKey from /_sandbox/webinars")?
        .to_string();
    let tokens = sandbox.tokens(chrono::Duration::hours(2)).await?;
    let token = Secret::new(tokens["access_token"].as_str().unwrap_or_default());
    let origins = Origins::new(&sandbox.get("apiUrl"), &sandbox.get("authUrl")).map_err(|e| e.to_string())?;
    let client = GoToWebinar::builder(origins, Arc::new(StaticToken(token)))
        .rate_limit(Some(10))
        .build()
        .map_err(|e| e.to_string())?;
    let organizer = OrganizerKey::new(sandbox.organizer()).map_err(|e| e.to_string())?;
    let webinar = WebinarKey::new(&webinar).map_err(|e| e.to_string())?;
    sandbox.rate_limit(Some(10)).await?;
    sandbox.clear_requests().await?;
    let started = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..people)
        .map(|n| {
            let (client, organizer, webinar) = (client.clone(), organizer.clone(), webinar.clone());
            async move {
                let person = CreateRegistrant {
                    first_name: format!("Quota{n}"),
                    last_name: "Job".into(),
                    email: format!("quota{n}@bench.example"),
                    ..Default::default()
                };
                client.registrants(&organizer, &webinar).create(&person, false).await
            }
        })
        .buffer_unordered(20)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    sandbox.rate_limit(None).await?;
    let failures: Vec<String> =
        results.iter().filter_map(|r| r.as_ref().err().map(ToString::to_string)).collect();
    if let Some(first) = failures.first() {
        return Err(format!("{} of {people} registrations failed, first: {first}", failures.len()));
    }
    let log = sandbox.requests().await?;
    let too_many = log.iter().filter(|r| r["status"] == 429).count();
    let created = log.iter().filter(|r| r["method"] == "POST" && r["status"] == 201).count();
    let floor = people as f64 / 10.0;
    let ratio = elapsed / floor;
    let s = "3. quota-bound job";
    Ok(vec![
        row(
            s,
            &format!("{people} registrations at 10 req/s (floor {floor:.0} s)"),
            format!("{elapsed:.1} s ({created} created)"),
            "",
            None,
        ),
        row(s, "time / floor", format!("{ratio:.3}x"), "≤ 1.05x", Some(ratio <= 1.05)),
        row(s, "429 responses", too_many.to_string(), "0", Some(too_many == 0)),
    ])
}

// 4. Refresh storm ----------------------------------------------------------------------------

struct Storm {
    wall_ms: f64,
    median_ms: f64,
    p99_ms: f64,
    token_requests: u64,
}

async fn storm(sandbox: &SandboxProc, keys: Value, calls: usize) -> Res<Storm> {
    let origins = Origins::new(&sandbox.get("apiUrl"), &sandbox.get("authUrl")).map_err(|e| e.to_string())?;
    let oauth =
        OAuthClient::new(sandbox.get("clientId"), Secret::new(sandbox.get("clientSecret")), origins.clone())
            .map_err(|e| e.to_string())?;
    let keys = OAuthKeys::from_value(keys).map_err(|e| e.to_string())?;
    let tokens = TokenManager::new(oauth, keys, Arc::new(MemoryStore::new()));
    let client = GoToWebinar::builder(origins, Arc::new(tokens))
        .rate_limit(None)
        .build()
        .map_err(|e| e.to_string())?;
    let organizer = OrganizerKey::new(sandbox.organizer()).map_err(|e| e.to_string())?;
    let webinar = WebinarKey::new(SEED_WEBINAR).map_err(|e| e.to_string())?;
    let before = sandbox.token_requests().await?;
    let started = Instant::now();
    let calls = (0..calls).map(|_| {
        let (client, organizer, webinar) = (client.clone(), organizer.clone(), webinar.clone());
        tokio::spawn(async move {
            let t = Instant::now();
            client.webinars(&organizer).get(&webinar).await.map(|_| t.elapsed().as_secs_f64() * 1000.0)
        })
    });
    let results = futures::future::join_all(calls).await;
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut latencies = Vec::with_capacity(results.len());
    for result in results {
        latencies.push(result.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?);
    }
    let token_requests = sandbox.token_requests().await? - before;
    Ok(Storm {
        wall_ms,
        median_ms: median(&mut latencies),
        p99_ms: percentile(&mut latencies, 0.99),
        token_requests,
    })
}

async fn refresh_storm(b: &Bench) -> Res<Vec<Row>> {
    let sandbox = SandboxProc::start(&b.bin, None, &b.dir.join("sandbox-4.log"))?;
    let result = refresh_storm_on(b, &sandbox).await;
    sandbox.stop();
    result
}

async fn refresh_storm_on(b: &Bench, sandbox: &SandboxProc) -> Res<Vec<Row>> {
    let calls = 1000;
    let rounds = if b.quick { 1 } else { 5 };
    let (mut valid_wall, mut expired_wall, mut valid_med, mut expired_med, mut valid_p99, mut expired_p99) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut refreshes = Vec::new();
    // One storm to warm up both processes (connections, allocator, thread pools), not counted.
    storm(sandbox, sandbox.tokens(chrono::Duration::hours(2)).await?, calls).await?;
    for round in 0..rounds {
        // The expired grant's token is dead at the sandbox too; the valid grant is issued after.
        let expired_keys = sandbox.tokens(-chrono::Duration::minutes(5)).await?;
        sandbox.post("/_sandbox/expire-tokens", json!({})).await?;
        let valid_keys = sandbox.tokens(chrono::Duration::hours(2)).await?;
        // Alternate which storm goes first, so neither always meets a colder server.
        let (valid, expired) = if round % 2 == 0 {
            let valid = storm(sandbox, valid_keys, calls).await?;
            let expired = storm(sandbox, expired_keys, calls).await?;
            (valid, expired)
        } else {
            let expired = storm(sandbox, expired_keys, calls).await?;
            let valid = storm(sandbox, valid_keys, calls).await?;
            (valid, expired)
        };
        if valid.token_requests != 0 {
            return Err(format!("a valid token was refreshed {} times", valid.token_requests));
        }
        refreshes.push(expired.token_requests);
        valid_wall.push(valid.wall_ms);
        expired_wall.push(expired.wall_ms);
        valid_med.push(valid.median_ms);
        expired_med.push(expired.median_ms);
        valid_p99.push(valid.p99_ms);
        expired_p99.push(expired.p99_ms);
    }
    let (vw, ew) = (median(&mut valid_wall), median(&mut expired_wall));
    let (vm, em) = (median(&mut valid_med), median(&mut expired_med));
    let (vp, ep) = (median(&mut valid_p99), median(&mut expired_p99));
    let all_one = refreshes.iter().all(|n| *n == 1);
    let s = "4. refresh storm";
    Ok(vec![
        row(
            s,
            &format!("token requests per storm of {calls} calls ({rounds} storms)"),
            format!("{refreshes:?}"),
            "exactly 1",
            Some(all_one),
        ),
        row(s, "storm wall time: valid / expired token", format!("{vw:.0} / {ew:.0} ms"), "", None),
        row(s, "added latency (storm wall time)", format!("{:+.0} ms", ew - vw), "report", None),
        row(
            s,
            "per-call median: valid / expired",
            format!("{vm:.0} / {em:.0} ms ({:+.0} ms)", em - vm),
            "report",
            None,
        ),
        row(s, "per-call p99: valid / expired", format!("{vp:.0} / {ep:.0} ms"), "", None),
    ])
}

// 5. Sailor throughput ------------------------------------------------------------------------

fn step(config: Value) -> Value {
    json!({"id": "step_2", "config": config, "snapshot": {}, "is_passthrough": false, "variables": {}})
}

fn sail_env(broker: &broker::Broker, api: &broker::FakeApi, prefetch: u32) -> Vec<(String, String)> {
    let prefetch = prefetch.to_string();
    let extra = [
        ("RABBITMQ_PREFETCH_SAILOR", prefetch.as_str()),
        // The runtime's own speed, not the platform's default pacing of 100 data messages/s.
        ("DATA_RATE_LIMIT", "1000000"),
    ];
    broker.env(api, "getWebinar", &extra).into_iter().collect()
}

async fn queue_count(broker: &broker::Broker, queue: &str) -> Res<u32> {
    use lapin::options::QueueDeclareOptions;
    let q = broker
        .channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions { passive: true, ..Default::default() },
            lapin::types::FieldTable::default(),
        )
        .await
        .map_err(|e| format!("counting {queue}: {e}"))?;
    Ok(q.message_count())
}

struct SailRun {
    per_second: f64,
    total_s: f64,
    max_rss_kb: i64,
}

async fn sail_once(
    b: &Bench,
    sandbox: &SandboxProc,
    url: &str,
    prefetch: u32,
    messages: u32,
) -> Res<SailRun> {
    let broker = broker::Broker::new_at(url).await;
    let mut cfg = json!({"oauth": sandbox.tokens(chrono::Duration::hours(2)).await?, "organizerKey": sandbox.organizer()});
    cfg["_account"] = json!("acc-bench");
    let api = broker::FakeApi::start(step(cfg), &[]).await;
    // The queue is filled first, so the step is never waiting for the publisher.
    fill(&broker, messages).await?;
    sandbox.clear_requests().await?;
    let mut env = sail_env(&broker, &api, prefetch);
    env.extend(sandbox.env());
    env.push(("GOTO_RATE_LIMIT".into(), "0".into()));
    env.push(("LOG_LEVEL".into(), "info".into()));
    let log = std::fs::File::create(b.dir.join(format!("sail-{prefetch}.log"))).map_err(|e| e.to_string())?;
    let log2 = log.try_clone().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut sail = Command::new(&b.bin);
    sail.arg("sail").envs(env);
    let report = report_path();
    let mut child = launched(&sail, &report)?
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(|e| format!("cannot start gotowebinar sail: {e}"))?;
    let pid = child.id();
    let result = async {
        let mut first: Option<Instant> = None;
        let deadline = Instant::now() + Duration::from_secs(if b.quick { 60 } else { 180 });
        loop {
            let done = queue_count(&broker, &broker.data).await?;
            if done > 0 && first.is_none() {
                first = Some(Instant::now());
            }
            if done >= messages {
                break;
            }
            let errors = queue_count(&broker, &broker.error).await?;
            if errors > 0 {
                return Err(format!("{errors} messages went to the error queue (see {})", b.dir.display()));
            }
            if Instant::now() > deadline {
                return Err(format!("only {done} of {messages} messages answered in time"));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let end = Instant::now();
        let first = first.unwrap_or(started);
        // From the first answer to the last: the step's steady rate, without its start.
        let steady = end.duration_since(first).as_secs_f64().max(1e-3);
        Ok((f64::from(messages - 1) / steady, end.duration_since(started).as_secs_f64()))
    }
    .await;
    // The launcher hands SIGTERM to the step, as the platform stops it.
    terminate(pid);
    tokio::task::spawn_blocking(move || child.wait())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let Cost { code, max_rss_kb, .. } = read_report(&report)?;
    let (per_second, total_s) = result?;
    if code != 0 {
        return Err(format!("gotowebinar sail exited {code} after SIGTERM"));
    }
    let _ = broker.conn.close(200, "done".into()).await;
    let log = sandbox.requests().await?;
    let reads = log
        .iter()
        .filter(|r| r["status"] == 200 && r["path"].as_str().is_some_and(|p| p.ends_with(SEED_WEBINAR)))
        .count();
    if reads < messages as usize {
        return Err(format!("{messages} answers but only {reads} webinar reads at the sandbox"));
    }
    Ok(SailRun { per_second, total_s, max_rss_kb })
}

async fn sailor_throughput(b: &Bench) -> Res<Vec<Row>> {
    let url = b.amqp.clone().ok_or("no broker: pass --amqp URL (scripts/bench starts one)")?;
    let sandbox = SandboxProc::start(&b.bin, None, &b.dir.join("sandbox-5.log"))?;
    let messages = if b.quick { 300 } else { 2_000 };
    let mut rows = Vec::new();
    let s = "5. sailor throughput";
    for prefetch in [1u32, 10] {
        let run = match sail_once(b, &sandbox, &url, prefetch, messages).await {
            Ok(run) => run,
            Err(e) => {
                sandbox.stop();
                return Err(e);
            }
        };
        let (target, met) =
            if prefetch == 10 { ("≥ 1000 msg/s", Some(run.per_second >= 1000.0)) } else { ("", None) };
        rows.push(row(
            s,
            &format!("getWebinar, prefetch {prefetch}, {messages} messages"),
            format!("{:.0} msg/s ({:.1} s with start)", run.per_second, run.total_s),
            target,
            met,
        ));
        rows.push(row(
            s,
            &format!("sail peak RSS, prefetch {prefetch}"),
            format!("{:.1} MB", mb(run.max_rss_kb)),
            "< 40 MB",
            Some(mb(run.max_rss_kb) < 40.0),
        ));
    }
    sandbox.stop();
    Ok(rows)
}

// 7. Rust and Node sailors side by side ------------------------------------------------------

const S7: &str = "7. Rust vs Node sailor";
/// The account id in the step's cfg: where `updateKeys` goes (`PUT /v1/accounts/{id}`).
const BENCH_ACCOUNT: &str = "acc-bench";

/// What processes the step's messages in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Runner {
    /// `gotowebinar sail`.
    Rust,
    /// The official Node.js sailor running `bench/node-component`.
    Node,
    /// The floor: a minimal consumer in this process (lapin + reqwest).
    Floor,
}

impl Runner {
    fn name(self) -> &'static str {
        match self {
            Runner::Rust => "Rust",
            Runner::Node => "Node",
            Runner::Floor => "floor",
        }
    }
}

/// The messages of one run.
#[derive(Debug, Clone, Copy)]
struct Load {
    prefetch: u32,
    messages: u32,
    /// The platform's default data throttle (10 per 100 ms) instead of lifting it.
    throttled: bool,
}

/// What one run measured.
#[derive(Debug, Clone, Copy)]
struct StepRun {
    /// Spawn → first answer on the data queue, seconds.
    first_s: f64,
    /// Spawn → last answer, seconds.
    last_s: f64,
    /// Answers per second from the first answer to the last.
    per_second: f64,
    /// CPU time (user + system) of the process (0 for the floor).
    cpu_s: f64,
    /// Peak RSS of the process, KiB (0 for the floor).
    max_rss_kb: i64,
    /// Token requests the sandbox counted during the run.
    token_requests: u64,
    /// `updateKeys` the fake platform API received.
    key_updates: usize,
}

struct SideBySide<'a> {
    b: &'a Bench,
    sandbox: &'a SandboxProc,
    url: String,
    /// The Node sailor's package directory.
    sailor: PathBuf,
    /// `bench/node-component`.
    component: PathBuf,
}

async fn side_by_side(b: &Bench) -> Res<Vec<Row>> {
    let url = b.amqp.clone().ok_or("no broker: pass --amqp URL (scripts/bench starts one)")?;
    broker::node::check_tools().map_err(|why| format!("the Node sailor cannot run: {why}"))?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("target");
    let sailor = tokio::task::spawn_blocking(move || broker::node::install(&target))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|why| format!("the Node sailor is not available: {why}"))?;
    let component = root.join("bench").join("node-component");
    let sandbox = SandboxProc::start(&b.bin, None, &b.dir.join("sandbox-7.log"))?;
    let result = SideBySide { b, sandbox: &sandbox, url, sailor, component }.all().await;
    sandbox.stop();
    result
}

fn ratio_text(rust: f64, node: f64) -> (f64, String) {
    let ratio = rust / node;
    (ratio, format!("{ratio:.3}x"))
}

impl SideBySide<'_> {
    async fn all(&self) -> Res<Vec<Row>> {
        let b = self.b;
        // First the work itself, which also warms both up: a token the sandbox has declared dead
        // is refreshed once and handed back, then used for the remaining messages.
        let mut checks = Vec::new();
        for runner in [Runner::Rust, Runner::Node] {
            let oauth = self.sandbox.tokens(chrono::Duration::hours(2)).await?;
            self.sandbox.post("/_sandbox/expire-tokens", json!({})).await?;
            let load = Load { prefetch: 1, messages: 3, throttled: false };
            let run = self.run(runner, load, oauth, 1).await?;
            if run.token_requests != 1 || run.key_updates != 1 {
                return Err(format!(
                    "{}: a dead token took {} token requests and {} updateKeys (expected 1 and 1)",
                    runner.name(),
                    run.token_requests,
                    run.key_updates
                ));
            }
            checks.push(format!("{}: 1 refresh, 1 updateKeys", runner.name()));
        }

        let rounds = if b.quick { 3 } else { 5 };
        let big = if b.quick { 300 } else { 2_000 };
        let slow = if b.quick { 100 } else { 500 };
        let loads = [
            ("start", Load { prefetch: 1, messages: 20, throttled: false }),
            ("p1", Load { prefetch: 1, messages: big, throttled: false }),
            ("p10", Load { prefetch: 10, messages: big, throttled: false }),
            ("throttled", Load { prefetch: 1, messages: slow, throttled: true }),
        ];
        let mut runs: std::collections::HashMap<(Runner, &str), Vec<StepRun>> = Default::default();
        for round in 0..rounds {
            // Alternate who goes first, so neither always meets a warmer broker and sandbox.
            let order =
                if round % 2 == 0 { [Runner::Rust, Runner::Node] } else { [Runner::Node, Runner::Rust] };
            for (name, load) in loads {
                let mut runners = order.to_vec();
                if name == "p1" {
                    runners.push(Runner::Floor);
                }
                for runner in runners {
                    let oauth = self.sandbox.tokens(chrono::Duration::hours(2)).await?;
                    let run = self.run(runner, load, oauth, 0).await?;
                    eprintln!(
                        "bench: 7. round {}/{rounds}, {} {name} ({} messages, prefetch {}): first answer \
                         {:.0} ms, {:.0} msg/s",
                        round + 1,
                        runner.name(),
                        load.messages,
                        load.prefetch,
                        run.first_s * 1000.0,
                        run.per_second
                    );
                    runs.entry((runner, name)).or_default().push(run);
                }
            }
        }
        let med = |runner: Runner, name: &str, figure: fn(&StepRun) -> f64| -> f64 {
            let mut values: Vec<f64> = runs.get(&(runner, name)).into_iter().flatten().map(figure).collect();
            median(&mut values)
        };
        let pair = |name: &str, figure: fn(&StepRun) -> f64| {
            (med(Runner::Rust, name, figure), med(Runner::Node, name, figure))
        };

        // A row that reports a figure without a target.
        let info = |label: &str, value: String| row(S7, label, value, "", None);
        let mut rows =
            vec![info("403 InvalidToken on the first of 3 messages (check, not timed)", checks.join("; "))];
        let (r, n) = pair("start", |run| run.first_s * 1000.0);
        let (x, xt) = ratio_text(r, n);
        rows.push(row(
            S7,
            "start-up: spawn → first answer (20 queued), Rust / Node",
            format!("{r:.0} ms / {n:.0} ms ({xt})"),
            "≤ 1/12 (0.083x)",
            Some(x <= 1.0 / 12.0),
        ));
        let (r, n) = pair("start", |run| 20.0 / run.last_s);
        let (x, _) = ratio_text(r, n);
        rows.push(row(
            S7,
            "20-message run from spawn, Rust / Node",
            format!("{r:.0} / {n:.0} msg/s ({x:.1}x)"),
            "≥ 12x",
            Some(x >= 12.0),
        ));
        let (r, n) = pair("p1", |run| run.per_second);
        let (x, _) = ratio_text(r, n);
        rows.push(row(
            S7,
            &format!("prefetch 1, {big} messages, throttle lifted, Rust / Node"),
            format!("{r:.0} / {n:.0} msg/s ({x:.2}x)"),
            "≥ 3.5x",
            Some(x >= 3.5),
        ));
        let floor = med(Runner::Floor, "p1", |run| run.per_second);
        rows.push(info(
            "floor at prefetch 1: lapin + reqwest, same GET, confirmed publish, ack",
            format!(
                "{floor:.0} msg/s (Rust {:.0}%, Node {:.0}% of it)",
                100.0 * r / floor,
                100.0 * n / floor
            ),
        ));
        let (r, n) = pair("p10", |run| run.per_second);
        rows.push(info(
            &format!("prefetch 10, {big} messages, throttle lifted, Rust / Node"),
            format!("{r:.0} / {n:.0} msg/s ({:.2}x)", r / n),
        ));
        let (r, n) = pair("throttled", |run| run.per_second);
        rows.push(info(
            &format!("prefetch 1, {slow} messages, default throttle (10 per 100 ms), Rust / Node"),
            format!("{r:.0} / {n:.0} msg/s ({:.2}x)", r / n),
        ));
        let (r, n) = pair("p1", |run| run.cpu_s);
        let (r, n) = (r * 1000.0 / f64::from(big), n * 1000.0 / f64::from(big));
        let (x, xt) = ratio_text(r, n);
        rows.push(row(
            S7,
            &format!("CPU (user+sys) per 1,000 messages, prefetch 1, {big}-message run, Rust / Node"),
            format!("{r:.3} s / {n:.3} s ({xt})"),
            "≤ 1/4 (0.25x)",
            Some(x <= 0.25),
        ));
        let (r, n) = pair("p10", |run| run.cpu_s);
        let (r, n) = (r * 1000.0 / f64::from(big), n * 1000.0 / f64::from(big));
        rows.push(info(
            "CPU per 1,000 messages, prefetch 10, Rust / Node",
            format!("{r:.3} s / {n:.3} s ({:.3}x)", r / n),
        ));
        let (r, n) = pair("start", |run| run.cpu_s);
        rows.push(info(
            "CPU of a 20-message run (mostly start-up), Rust / Node",
            format!("{r:.3} s / {n:.3} s"),
        ));
        let (r, n) = pair("p1", |run| mb(run.max_rss_kb));
        let (x, xt) = ratio_text(r, n);
        rows.push(row(
            S7,
            &format!("peak RSS, prefetch 1, {big} messages, Rust / Node"),
            format!("{r:.1} MB / {n:.1} MB ({xt})"),
            "≤ 0.15x",
            Some(x <= 0.15),
        ));
        let (r20, n20) = pair("start", |run| mb(run.max_rss_kb));
        let (r10, n10) = pair("p10", |run| mb(run.max_rss_kb));
        rows.push(info(
            "peak RSS, 20 messages / prefetch 10, Rust / Node",
            format!("{r20:.1} / {r10:.1} MB, {n20:.1} / {n10:.1} MB"),
        ));
        // Flat: the peak after 2,000 messages is within 10% of the peak after 20.
        let flat = |after: f64, before: f64| after - before <= before * 0.10;
        rows.push(row(
            S7,
            &format!("peak RSS growth 20 → {big} messages (prefetch 1), Rust / Node"),
            format!(
                "{:+.1} MB{} / {:+.1} MB{}",
                r - r20,
                if flat(r, r20) { " flat" } else { "" },
                n - n20,
                if flat(n, n20) { " flat" } else { "" }
            ),
            "flat (≤ 10%) both",
            Some(flat(r, r20) && flat(n, n20)),
        ));
        Ok(rows)
    }

    /// One run on fresh queues: `load.messages` queued, then the runner started; `refreshes`
    /// 403 InvalidToken answers are expected at the sandbox besides one read per message.
    async fn run(&self, runner: Runner, load: Load, oauth: Value, refreshes: usize) -> Res<StepRun> {
        let broker = broker::Broker::new_at(&self.url).await;
        let result = self.run_on(&broker, runner, load, oauth, refreshes).await;
        // Nothing of a finished run stays on the broker.
        for queue in [
            &broker.input,
            &broker.data,
            &broker.error,
            &broker.rebound,
            &broker.snapshot,
            &broker.reply,
            &broker.custom,
        ] {
            let _ = broker.channel.queue_delete(queue.as_str().into(), Default::default()).await;
        }
        let _ = broker.channel.exchange_delete(broker.exchange.as_str().into(), Default::default()).await;
        let _ = broker.conn.close(200, "done".into()).await;
        result
    }

    async fn run_on(
        &self,
        broker: &broker::Broker,
        runner: Runner,
        load: Load,
        oauth: Value,
        refreshes: usize,
    ) -> Res<StepRun> {
        let token = oauth["access_token"].as_str().unwrap_or_default().to_string();
        let cfg =
            json!({"oauth": oauth, "organizerKey": self.sandbox.organizer(), "_account": BENCH_ACCOUNT});
        let api = broker::FakeApi::start(step(cfg), &[]).await;
        fill(broker, load.messages).await?;
        self.sandbox.clear_requests().await?;
        let tokens_before = self.sandbox.token_requests().await?;
        let (_data_channel, mut data) = watch(broker, &broker.data).await?;
        let (_error_channel, mut errors) = watch(broker, &broker.error).await?;
        let limit = Duration::from_secs(60 + u64::from(load.messages) / 20);

        let started = Instant::now();
        let mut process = None;
        let mut floor = None;
        match runner {
            Runner::Floor => {
                let webinar = format!(
                    "{}/G2W/rest/v2/organizers/{}/webinars/{SEED_WEBINAR}",
                    self.sandbox.api(),
                    self.sandbox.organizer()
                );
                let names = (broker.input.clone(), broker.exchange.clone(), broker.data.clone());
                floor = Some(tokio::spawn(floor_consumer(
                    self.url.clone(),
                    names,
                    webinar,
                    token,
                    load.messages,
                )));
            }
            Runner::Rust | Runner::Node => process = Some(self.spawn(runner, broker, &api, load)?),
        }
        let answers = collect(&mut data, &mut errors, load.messages, limit).await;
        let mut cost = None;
        if let Some((child, report)) = process {
            // The launcher hands SIGTERM to the step, as the platform stops it.
            terminate(child.id());
            let mut child = child;
            tokio::task::spawn_blocking(move || child.wait())
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            cost = Some(read_report(&report)?);
        }
        if let Some(task) = floor {
            if answers.is_err() {
                // It may wait for a message that never comes.
                task.abort();
            } else {
                task.await.map_err(|e| e.to_string())??;
            }
        }
        let answers = answers?;
        if let Some(cost) = cost {
            if cost.code != 0 {
                return Err(format!(
                    "the {} sailor exited {} after SIGTERM (logs in {})",
                    runner.name(),
                    cost.code,
                    self.b.dir.display()
                ));
            }
        }
        let left = queue_count(broker, &broker.error).await?;
        if left > 0 {
            return Err(format!("{left} messages went to the error queue"));
        }
        check_answers(runner, &answers)?;
        let log = self.sandbox.requests().await?;
        let reads = |status: u16| {
            log.iter()
                .filter(|r| {
                    r["status"] == status && r["path"].as_str().is_some_and(|p| p.ends_with(SEED_WEBINAR))
                })
                .count()
        };
        if reads(200) != load.messages as usize || reads(403) != refreshes {
            return Err(format!(
                "{}: {} answers but {} webinar reads and {} refused at the sandbox (expected {} and {refreshes})",
                runner.name(),
                answers.len(),
                reads(200),
                reads(403),
                load.messages
            ));
        }
        let first = answers[0].0.duration_since(started).as_secs_f64();
        let last = answers[answers.len() - 1].0.duration_since(started).as_secs_f64();
        Ok(StepRun {
            first_s: first,
            last_s: last,
            per_second: f64::from(load.messages - 1) / (last - first).max(1e-3),
            cpu_s: cost.map_or(0.0, |c| c.cpu.as_secs_f64()),
            max_rss_kb: cost.map_or(0, |c| c.max_rss_kb),
            token_requests: self.sandbox.token_requests().await? - tokens_before,
            key_updates: api.requests_to("PUT", &format!("/v1/accounts/{BENCH_ACCOUNT}")).len(),
        })
    }

    /// Starts the step's process through the launcher; its output goes to a log in the scratch dir.
    fn spawn(
        &self,
        runner: Runner,
        broker: &broker::Broker,
        api: &broker::FakeApi,
        load: Load,
    ) -> Res<(Child, PathBuf)> {
        let prefetch = load.prefetch.to_string();
        let mut extra = vec![("RABBITMQ_PREFETCH_SAILOR", prefetch.as_str())];
        if !load.throttled {
            // Both sailors read the same setting: 1,000,000 data messages per 100 ms.
            extra.push(("DATA_RATE_LIMIT", "1000000"));
        }
        let mut cmd = match runner {
            Runner::Rust => {
                let mut cmd = Command::new(&self.b.bin);
                cmd.arg("sail");
                cmd
            }
            _ => {
                let mut cmd = Command::new("node");
                // The Node sailor loads component.json from its working directory.
                cmd.arg(self.sailor.join("run.js")).current_dir(&self.component);
                cmd
            }
        };
        cmd.envs(broker.env(api, "getWebinar", &extra))
            .envs(self.sandbox.env())
            .env("GOTO_RATE_LIMIT", "0")
            .env("LOG_LEVEL", "info");
        let log_path = self.b.dir.join(format!("{}-{}.log", runner.name(), load.prefetch));
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let report = report_path();
        let child = launched(&cmd, &report)?
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start the {} sailor: {e}", runner.name()))?;
        Ok((child, report))
    }
}

/// Queues `messages` webinar reads and waits until the broker holds them all.
async fn fill(broker: &broker::Broker, messages: u32) -> Res<()> {
    for n in 0..messages {
        broker
            .send(
                &json!({"id": format!("in-{n}"), "body": {"webinarKey": SEED_WEBINAR}}),
                1,
                json!({"messageId": format!("m-{n}")}),
            )
            .await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while queue_count(broker, &broker.input).await? < messages {
        if Instant::now() > deadline {
            return Err("the input queue did not fill".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// A consumer of `queue` without acks: each delivery is timed as it arrives.
async fn watch(broker: &broker::Broker, queue: &str) -> Res<(lapin::Channel, lapin::Consumer)> {
    let channel = broker.conn.create_channel().await.map_err(|e| e.to_string())?;
    let consumer = channel
        .basic_consume(
            queue.into(),
            broker::unique("bench").as_str().into(),
            lapin::options::BasicConsumeOptions { no_ack: true, ..Default::default() },
            lapin::types::FieldTable::default(),
        )
        .await
        .map_err(|e| format!("consuming {queue}: {e}"))?;
    Ok((channel, consumer))
}

/// The first `n` answers with their arrival times; any message on the error queue ends the run.
async fn collect(
    data: &mut lapin::Consumer,
    errors: &mut lapin::Consumer,
    n: u32,
    limit: Duration,
) -> Res<Vec<(Instant, Vec<u8>)>> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut out = Vec::with_capacity(n as usize);
    while out.len() < n as usize {
        tokio::select! {
            next = data.next() => match next {
                Some(Ok(delivery)) => out.push((Instant::now(), delivery.data)),
                other => return Err(format!("the data queue's consumer ended: {other:?}")),
            },
            next = errors.next() => {
                let what = match next {
                    Some(Ok(delivery)) => error_text(&delivery.data),
                    other => format!("{other:?}"),
                };
                return Err(format!("a message went to the error queue: {what}"));
            }
            _ = tokio::time::sleep_until(deadline) => {
                return Err(format!("only {} of {n} answers within {} s", out.len(), limit.as_secs()));
            }
        }
    }
    Ok(out)
}

/// The name and message of an error message (`{"error": base64(encrypted {name, message})}`).
fn error_text(payload: &[u8]) -> String {
    let crypto = sailor::MessageCrypto::new(Some(broker::PASSWORD), Some(broker::IV)).ok();
    serde_json::from_slice::<Value>(payload)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .and_then(|e| crypto?.decrypt_json(e.as_bytes(), 1).ok())
        .map(|e| format!("{}: {}", e["name"].as_str().unwrap_or("?"), e["message"].as_str().unwrap_or("?")))
        .unwrap_or_else(|| format!("{} undecodable bytes", payload.len()))
}

/// Every answer is the webinar asked for, so a fast wrong run cannot pass.
fn check_answers(runner: Runner, answers: &[(Instant, Vec<u8>)]) -> Res<()> {
    let crypto =
        sailor::MessageCrypto::new(Some(broker::PASSWORD), Some(broker::IV)).map_err(|e| e.to_string())?;
    for (_, payload) in answers {
        let right = match runner {
            // The floor passes GoTo's body on as it came (keys as bare numbers).
            Runner::Floor => String::from_utf8_lossy(payload).contains(SEED_WEBINAR),
            _ => crypto
                .decrypt_json(payload, 1)
                .is_ok_and(|message| message["body"]["webinarKey"] == SEED_WEBINAR),
        };
        if !right {
            let text = String::from_utf8_lossy(&payload[..payload.len().min(200)]).to_string();
            return Err(format!(
                "the {} sailor answered something else than the webinar: {text}",
                runner.name()
            ));
        }
    }
    Ok(())
}

/// The floor: what the broker and the HTTP round trip alone cost per message. At prefetch 1 it
/// takes a message, GETs the webinar, publishes the answer on a confirm channel, waits for the
/// confirm and acks; no decryption, no encryption, no component.
async fn floor_consumer(
    url: String,
    (input, exchange, routing_key): (String, String, String),
    webinar: String,
    token: String,
    messages: u32,
) -> Res<()> {
    use lapin::options::{
        BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    };
    let amqp = |e: lapin::Error| format!("floor: {e}");
    let conn = broker::try_connect_within(&url, Duration::from_secs(30)).await?;
    let take = conn.create_channel().await.map_err(amqp)?;
    take.basic_qos(1, BasicQosOptions::default()).await.map_err(amqp)?;
    let publish = conn.create_channel().await.map_err(amqp)?;
    publish.confirm_select(ConfirmSelectOptions::default()).await.map_err(amqp)?;
    let mut consumer = take
        .basic_consume(
            input.as_str().into(),
            "bench-floor".into(),
            BasicConsumeOptions::default(),
            lapin::types::FieldTable::default(),
        )
        .await
        .map_err(amqp)?;
    let http = reqwest::Client::new();
    for _ in 0..messages {
        let delivery = match consumer.next().await {
            Some(Ok(delivery)) => delivery,
            other => return Err(format!("floor: the input consumer ended: {other:?}")),
        };
        let answer = http
            .get(&webinar)
            .bearer_auth(&token)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("floor: {e}"))?;
        if answer.status() != reqwest::StatusCode::OK {
            return Err(format!("floor: the webinar read answered {}", answer.status()));
        }
        let body = answer.bytes().await.map_err(|e| format!("floor: {e}"))?;
        let confirm = publish
            .basic_publish(
                exchange.as_str().into(),
                routing_key.as_str().into(),
                BasicPublishOptions::default(),
                &body,
                lapin::BasicProperties::default(),
            )
            .await
            .map_err(amqp)?
            .await
            .map_err(amqp)?;
        if !confirm.is_ack() {
            return Err("floor: the broker did not confirm an answer".into());
        }
        delivery.acker.ack(BasicAckOptions::default()).await.map_err(amqp)?;
    }
    let _ = conn.close(200, "done".into()).await;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// `table`

fn criterion_rows(dir: &Path) -> Vec<Row> {
    let s = "6. micro-benchmarks";
    [
        ("encrypt_message", "encrypt a typical message (~1 KB JSON), median"),
        ("decrypt_message", "decrypt a typical message, median"),
        ("parse_page_200", "parse a 200-registrant page, median"),
    ]
    .iter()
    .map(|(id, figure)| {
        let path = dir.join(id).join("new").join("estimates.json");
        let value = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|v| v["median"]["point_estimate"].as_f64())
            .map(|ns| if ns >= 1000.0 { format!("{:.1} µs", ns / 1000.0) } else { format!("{ns:.0} ns") })
            .unwrap_or_else(|| "not run".to_string());
        row(s, figure, value, "", None)
    })
    .collect()
}

fn table(args: &[String]) -> i32 {
    let Some(results) = flag(args, "--results") else {
        eprintln!("bench table: --results FILE is required");
        return 2;
    };
    let mut rows: Vec<Row> = match std::fs::read_to_string(&results)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("bench table: cannot read {results}: {e}");
            return 2;
        }
    };
    if let Some(dir) = flag(args, "--criterion") {
        rows.extend(criterion_rows(Path::new(&dir)));
    }
    // By scenario number (criterion's 6 comes in last); a stable sort keeps each scenario's order.
    rows.sort_by_key(|r| {
        r.scenario.split('.').next().and_then(|n| n.parse::<u32>().ok()).unwrap_or(u32::MAX)
    });
    println!("| scenario | figure | result | target | met |");
    println!("|---|---|---|---|---|");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        println!("| {} | {} | {} | {} | {} |", r.scenario, r.figure, r.value, r.target, met);
    }
    0
}
