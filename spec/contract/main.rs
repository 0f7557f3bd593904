//! Contract tests: the component's requests and the sandbox's answers against GoTo's own OpenAPI
//! document of the webinar API (read from `GOTO_OPENAPI`, else `shared/reference/goto-openapi/`
//! beside the repository), and the table of which operations the component uses.

mod coverage;
mod openapi;
mod scenarios;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use gotowebinar_sandbox::RequestRecord;
use openapi::{errata, parse_exact, Doc, Operation, BASE_PATH};
use scenarios::Call;

/// Requests outside GoTo's webinar API, which the document does not describe, with why.
const OUTSIDE_THE_DOCUMENT: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/oauth/token",
        "OAuth token endpoint (authentication.logmeininc.com); RFC 6749, not the webinar API",
    ),
    (
        "GET",
        "/identity/v1/Users/me",
        "GoTo identity API (SCIM): who the token belongs to (credential check, organizer key)",
    ),
    (
        "GET",
        "/admin/rest/v1/me",
        "GoTo admin API: the organizer's and account's keys when the token response lacks them",
    ),
];

/// Request-side violations of the component that are being fixed in the component itself: each is
/// (operation or `METHOD path`, text the violation contains, why). The list must match exactly: a
/// fixed violation fails the test until its line is removed.
const KNOWN_COMPONENT_BUGS: &[(&str, &str, &str)] = &[];

/// Runs that fail because of a known component bug, as (function, how it ran, text of the failure,
/// why). Exact like [`KNOWN_COMPONENT_BUGS`]: a run that passes again fails the test until removed.
const KNOWN_FAILING_RUNS: &[(&str, &str, &str, &str)] = &[];

/// The document, loaded once; a missing document fails every test with one line.
fn doc() -> &'static Doc {
    static DOC: OnceLock<Result<Doc, String>> = OnceLock::new();
    match DOC.get_or_init(Doc::load) {
        Ok(doc) => doc,
        Err(line) => panic!("{line}"),
    }
}

/// What the component sent while every function ran, recorded once for all tests.
struct Recorded {
    calls: Vec<Call>,
    failures: Vec<String>,
    /// Answers to requests the component would not make (bad input, unknown keys, duplicates).
    errors: Vec<RequestRecord>,
}

fn recorded() -> &'static Recorded {
    static RECORDED: OnceLock<Recorded> = OnceLock::new();
    RECORDED.get_or_init(|| {
        let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
        rt.block_on(async {
            let recorder = scenarios::record_all().await;
            let errors = coverage::provoke_errors(&recorder.world).await;
            let out = Recorded { calls: recorder.calls, failures: recorder.failures, errors };
            recorder.world.sandbox.shutdown().await;
            out
        })
    })
}

fn outside(record: &RequestRecord) -> Option<&'static str> {
    OUTSIDE_THE_DOCUMENT
        .iter()
        .find(|(m, p, _)| *m == record.method && *p == record.path)
        .map(|(_, _, why)| *why)
}

fn header<'r>(record: &'r RequestRecord, name: &str) -> Option<&'r str> {
    record.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn media_type(value: &str) -> String {
    value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// The name of the operation (its `operationId`) or `METHOD path` when the document has none.
fn label(doc: &Doc, record: &RequestRecord) -> String {
    doc.find(&record.method, &record.path).map(|op| op.id.clone()).unwrap_or_else(|| {
        format!("{} {}", record.method, record.path.strip_prefix(BASE_PATH).unwrap_or(&record.path))
    })
}

/// Everything wrong with one request according to the document.
fn check_request(doc: &Doc, record: &RequestRecord) -> Vec<String> {
    let Some(op) = doc.find(&record.method, &record.path) else {
        return vec!["no operation of the document serves this method and path".into()];
    };
    let mut problems = Vec::new();
    let rest = record.path.strip_prefix(BASE_PATH).unwrap_or_default();
    for (template, value) in op.path.split('/').zip(rest.split('/')) {
        let Some(name) = template.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else { continue };
        if let Some(param) = op.params.iter().find(|p| p.location == "path" && p.name == name) {
            problems.extend(doc.check_param(param, value));
        }
    }
    let query: Vec<(String, String)> = record
        .query
        .as_deref()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    for (name, value) in &query {
        match op.params.iter().find(|p| p.location == "query" && &p.name == name) {
            Some(param) => problems.extend(doc.check_param(param, value)),
            None => problems.push(format!("undeclared query parameter `{name}`")),
        }
    }
    for param in op.params.iter().filter(|p| p.required && p.location == "query") {
        if !query.iter().any(|(n, _)| *n == param.name) {
            problems.push(format!("required query parameter `{}` missing", param.name));
        }
    }
    problems.extend(check_body(doc, op, record));
    problems.extend(check_accept(op, record));
    problems
}

fn check_body(doc: &Doc, op: &Operation, record: &RequestRecord) -> Vec<String> {
    let content_type = header(record, "content-type").map(media_type);
    let body = record.body.as_deref().filter(|b| !b.trim().is_empty());
    match (&op.body, body) {
        (None, None) => vec![],
        (None, Some(_)) => vec!["a body is sent, but the operation takes none".into()],
        (Some((_, _, true)), None) => vec!["the operation requires a body and none is sent".into()],
        (Some(_), None) => vec![],
        (Some((types, schema, _)), Some(text)) => {
            let mut problems = Vec::new();
            match &content_type {
                Some(ct) if types.iter().any(|t| t == ct) => {}
                other => problems.push(format!("Content-Type {other:?} is not one of {types:?}")),
            }
            match parse_exact(text) {
                Err(e) => problems.push(e),
                Ok((value, notes)) => {
                    for note in notes.iter().filter(|n| n.starts_with("fraction")) {
                        problems.push(format!("an integer written as a fraction: {note}"));
                    }
                    problems.extend(doc.validate(schema, &value).into_iter().map(|p| format!("body {p}")));
                }
            }
            problems
        }
    }
}

/// An `Accept` header the component sends must admit what the operation answers.
fn check_accept(op: &Operation, record: &RequestRecord) -> Option<String> {
    let accept = header(record, "accept")?;
    let declared = op.params.iter().any(|p| p.location == "header" && p.name.eq_ignore_ascii_case("accept"));
    let ok = accept.split(',').map(media_type).any(|t| {
        t == "*/*"
            || t == "application/*"
            || t == "application/json"
            || (declared && t.starts_with("application/vnd.citrix"))
    });
    (!ok).then(|| format!("Accept `{accept}` does not admit application/json"))
}

/// Everything wrong with one answer of the sandbox according to the document.
fn check_response(doc: &Doc, record: &RequestRecord) -> Vec<String> {
    let Some(op) = doc.find(&record.method, &record.path) else { return vec![] };
    let status = record.status.to_string();
    let Some(documented) = op.responses.get(&status) else {
        return vec![format!("status {status} is not documented for {}", op.id)];
    };
    let body = record.response_body.as_deref().filter(|b| !b.trim().is_empty());
    match (documented, body) {
        (Some(schema), Some(text)) => match parse_exact(text) {
            Err(e) => vec![e],
            Ok((value, _)) => {
                let mut schema = schema.clone();
                errata::patch_response(&op.id, &status, &mut schema);
                doc.validate(&schema, &value)
            }
        },
        (Some(_), None) => vec![format!("status {status} answers no body; the document gives one")],
        (None, None) => vec![],
        (None, Some(text)) if record.status >= 400 => error_shape(record.status, text),
        (None, Some(_)) => vec![format!("status {status} answers a body; the document gives none")],
    }
}

/// Error answers carry GoTo's shapes: `{errorCode, description, incident}`, or for a dead token the
/// 403 `{int_err_code: InvalidToken, msg}`.
fn error_shape(status: u16, text: &str) -> Vec<String> {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("error body is not JSON: {e}")],
    };
    let product = ["errorCode", "description", "incident"].iter().all(|k| value[k].is_string());
    let invalid_token = status == 403 && value["int_err_code"] == "InvalidToken" && value["msg"].is_string();
    if product || invalid_token {
        vec![]
    } else {
        vec![format!("error body is not GoTo's shape {{errorCode, description, incident}}: {text}")]
    }
}

fn report(title: &str, lines: &BTreeMap<String, BTreeSet<String>>) -> String {
    let mut out = format!("{title}:\n");
    for (key, problems) in lines {
        for p in problems {
            out.push_str(&format!("  {key}: {p}\n"));
        }
    }
    out
}

#[test]
fn every_function_ran_against_the_sandbox() {
    let recorded = recorded();
    let known = |f: &String| {
        KNOWN_FAILING_RUNS
            .iter()
            .any(|(function, how, text, _)| f.starts_with(&format!("{function} ({how})")) && f.contains(text))
    };
    let unexpected: Vec<&String> = recorded.failures.iter().filter(|f| !known(f)).collect();
    assert!(
        unexpected.is_empty(),
        "runs that failed:\n{}",
        unexpected.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
    let passing: Vec<String> = KNOWN_FAILING_RUNS
        .iter()
        .filter(|(function, how, text, _)| {
            !recorded
                .failures
                .iter()
                .any(|f| f.starts_with(&format!("{function} ({how})")) && f.contains(text))
        })
        .map(|(function, how, _, _)| format!("  {function} ({how})"))
        .collect();
    assert!(
        passing.is_empty(),
        "these runs pass now; remove them from KNOWN_FAILING_RUNS:\n{}",
        passing.join("\n")
    );
    let functions: BTreeSet<&str> = recorded.calls.iter().map(|c| c.function.as_str()).collect();
    assert!(functions.len() >= 45, "too few functions made requests: {functions:?}");
}

#[test]
fn the_component_sends_what_the_document_describes() {
    let doc = doc();
    let recorded = recorded();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for call in &recorded.calls {
        if outside(&call.record).is_some() {
            continue;
        }
        for problem in check_request(doc, &call.record) {
            let key = label(doc, &call.record);
            found.entry(key).or_default().insert(format!("{problem} (from {} {})", call.function, call.how));
        }
    }
    let known = |key: &str, problem: &str| {
        KNOWN_COMPONENT_BUGS.iter().any(|(k, text, _)| *k == key && problem.contains(text))
    };
    let mut unexpected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, problems) in &found {
        for p in problems.iter().filter(|p| !known(key, p)) {
            unexpected.entry(key.clone()).or_default().insert(p.clone());
        }
    }
    let fixed: Vec<String> = KNOWN_COMPONENT_BUGS
        .iter()
        .filter(|(k, text, _)| !found.get(*k).is_some_and(|ps| ps.iter().any(|p| p.contains(text))))
        .map(|(k, text, _)| format!("  {k}: {text}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{}",
        report("requests the document does not allow (fix the component, or list a known bug)", &unexpected)
    );
    assert!(
        fixed.is_empty(),
        "these known bugs no longer occur; remove them from KNOWN_COMPONENT_BUGS:\n{}",
        fixed.join("\n")
    );
}

#[test]
fn the_sandbox_answers_in_the_documents_shapes() {
    let doc = doc();
    let recorded = recorded();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let records = recorded.calls.iter().map(|c| &c.record).chain(&recorded.errors);
    for record in records.filter(|r| outside(r).is_none()) {
        for problem in check_response(doc, record) {
            found.entry(format!("{} {}", label(doc, record), record.status)).or_default().insert(problem);
        }
    }
    assert!(found.is_empty(), "{}", report("answers that do not match the document", &found));
}

#[test]
fn the_sandbox_produces_documented_errors() {
    let doc = doc();
    let statuses: BTreeSet<(String, u16)> =
        recorded().errors.iter().map(|r| (label(doc, r), r.status)).collect();
    for (op, status) in coverage::EXPECTED_ERRORS {
        assert!(statuses.contains(&(op.to_string(), *status)), "{op} did not answer {status}: {statuses:?}");
    }
}

#[test]
fn the_errata_are_listed_with_reasons() {
    assert!(errata::ERRATA.iter().all(|(what, why)| !what.is_empty() && why.len() > 20));
    assert!(KNOWN_COMPONENT_BUGS.iter().all(|(_, text, why)| !text.is_empty() && !why.is_empty()));
}

#[test]
fn the_document_is_the_one_described() {
    let doc = doc();
    assert_eq!(doc.ops.len(), 53, "GoTo's document has 53 operations");
}

#[test]
fn a_missing_document_fails_with_one_line_saying_where_to_put_it() {
    let missing = std::env::temp_dir().join(format!("no-such-{}.json", uuid::Uuid::new_v4()));
    // The test's name in this binary: its module path without the crate's name.
    let module = module_path!().split_once("::").map_or("", |(_, path)| path);
    let test = format!("{module}::the_document_is_the_one_described");
    let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", test.as_str(), "--nocapture"])
        .env("GOTO_OPENAPI", &missing)
        .output()
        .expect("the test binary runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("GoTo's OpenAPI document"))
        .unwrap_or_else(|| panic!("no line about the document: {stderr}"));
    assert!(line.contains("GOTO_OPENAPI") && line.contains(&missing.display().to_string()), "{line}");
}

#[test]
fn the_coverage_table_is_current() {
    coverage::check_table(doc(), &recorded().calls);
}
