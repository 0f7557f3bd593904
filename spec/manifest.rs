//! component.json as the platform reads it: the committed file against every rule of the
//! platform's component.json reference and of its published validator (`elasticio-cli
//! cmp:validate`, re-implemented in `manifest::check`), with each `main` and each
//! `dynamicMetadata` answered by the built `gotowebinar` binary.

use crate::support;

use std::path::Path;

use gotowebinar_component::component::{registry, SELECT_MODELS};
use gotowebinar_component::manifest::{self, Known};
use serde_json::{json, Value};
use support::run_binary;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn committed() -> Value {
    let path = root().join("component.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Every function of the manifest as (section, name, definition).
fn functions(manifest: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for section in ["triggers", "actions"] {
        for (name, function) in manifest[section].as_object().into_iter().flatten() {
            all.push((section.to_string(), name.clone(), function.clone()));
        }
    }
    all
}

#[test]
fn the_committed_manifest_follows_every_platform_rule() {
    // The binary dispatches `exec`, `sail` and `serve` on this component's function names.
    let component = gotowebinar_component::component();
    let dispatched: Vec<&str> = component.names().collect();
    let answered: Vec<&str> = registry().entries().iter().map(|entry| entry.name).collect();
    let known = Known {
        functions: &dispatched,
        select_models: &SELECT_MODELS,
        meta_models: &answered,
        root: Some(root()),
    };
    let problems = manifest::check(&committed(), &known);
    assert!(problems.is_empty(), "component.json breaks the platform's rules:\n{problems:#?}");
}

#[test]
fn raw_data_is_asked_for_at_the_top_level_for_the_webhook_triggers() {
    let manifest = committed();
    assert_eq!(manifest["consumesRawData"], true, "the webhook triggers check signatures over the raw body");
    let webhooks: Vec<String> = functions(&manifest)
        .into_iter()
        .filter(|(section, _, function)| section == "triggers" && function.get("type").is_none())
        .map(|(_, name, _)| name)
        .collect();
    assert_eq!(webhooks.len(), 4, "{webhooks:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_main_is_run_by_the_binary_and_every_function_answers_get_meta_model() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg.json");
    std::fs::write(&cfg, b"{}").unwrap();
    let get_meta_model = |main: &str| {
        let args: Vec<String> = ["exec", main, "--cfg", cfg.to_str().unwrap(), "--method", "getMetaModel"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        async move { run_binary(&args, &[("LOG_LEVEL".to_string(), "warn".to_string())]).await }
    };
    // The check can fail: a name the binary does not know is a usage error.
    let unknown = get_meta_model("noSuchFunction").await;
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(unknown.stderr.contains("unknown function"), "{}", unknown.stderr);

    let manifest = committed();
    let all = functions(&manifest);
    assert!(all.len() > 40, "{} functions", all.len());
    for (section, name, function) in all {
        let main = function["main"].as_str().unwrap_or_else(|| panic!("{section}.{name}: no main"));
        let run = get_meta_model(main).await;
        run.assert_ok();
        let result = run.of("result");
        assert_eq!(result.len(), 1, "{section}.{name}: {:#?}", run.events);
        let meta = &result[0]["data"];
        // What the builder sees: the static metadata, or for dynamic metadata the answer alone.
        for side in ["in", "out"] {
            assert_eq!(meta[side]["type"], "object", "{section}.{name} {side}: {meta}");
        }
        match function.get("metadata") {
            Some(metadata) => {
                assert_eq!(meta, metadata, "{section}.{name}: getMetaModel and metadata differ")
            }
            None => assert_eq!(function["dynamicMetadata"], json!(true), "{section}.{name}"),
        }
    }
}
