//! The service functions through `gotowebinar exec --method …` against the sandbox:
//! verifyCredentials, getMetaModel (dynamic metadata) and selectModel.

use crate::support;

use std::path::Path;

use chrono::{Duration, Utc};
use gotowebinar_sandbox::{SeedQuestion, SeedTime, SeedWebinar};
use serde_json::{json, Value};
use support::{run_binary, Run, World};

const LAUNCH: &str = "24576065432313123456";
const PAST: &str = "31245098712345678901";

/// The `data` of the one `result` event of a successful service call.
fn result(run: &Run) -> Value {
    run.assert_ok();
    let results = run.of("result");
    assert_eq!(results.len(), 1, "{:#?}", run.events);
    results[0]["data"].clone()
}

async fn verify(world: &World, cfg: &Path) -> Run {
    world.exec("verifyCredentials", cfg, None, &["--method", "verifyCredentials"]).await
}

async fn meta_model(world: &World, function: &str, cfg: &Path) -> Run {
    world.exec(function, cfg, None, &["--method", "getMetaModel"]).await
}

async fn select(world: &World, model: &str, cfg: &Path) -> Run {
    world.exec("getSession", cfg, None, &["--method", "selectModel", "--model", model]).await
}

#[tokio::test]
async fn a_working_credential_is_verified_with_the_identity_api_and_no_refresh() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    let run = verify(&world, &cfg).await;
    assert_eq!(result(&run), json!({"verified": true}));
    assert_eq!(world.sandbox.token_requests(), 0);
    let log = world.sandbox.request_log();
    assert!(log.iter().any(|r| r.path == "/identity/v1/Users/me" && r.status == 200), "{log:?}");
    assert!(run.update_keys().is_empty());
}

#[tokio::test]
async fn a_token_close_to_expiry_but_valid_is_not_refreshed_by_a_check() {
    let world = World::new().await;
    let mut oauth = world.sandbox.issue_tokens();
    // Inside the five-minute margin in which actions refresh ahead of time.
    oauth["expires_at"] = json!((Utc::now() + Duration::minutes(2)).to_rfc3339());
    let cfg = world.write("cfg.json", &json!({"oauth": oauth}));
    assert_eq!(result(&verify(&world, &cfg).await), json!({"verified": true}));
    assert_eq!(
        world.sandbox.token_requests(),
        0,
        "a check cannot store keys, so it never refreshes a valid token"
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_to_check_the_refresh_token() {
    let world = World::new().await;
    let mut oauth = world.sandbox.issue_tokens();
    world.sandbox.expire_all_tokens();
    oauth["expires_at"] = json!((Utc::now() - Duration::minutes(1)).to_rfc3339());
    let cfg = world.write("cfg.json", &json!({"oauth": oauth}));
    let run = verify(&world, &cfg).await;
    assert_eq!(result(&run), json!({"verified": true}));
    assert_eq!(world.sandbox.token_requests(), 1);
}

#[tokio::test]
async fn failures_answer_verified_false_with_a_reason_to_act_on() {
    let world = World::new().await;

    let mut dead = world.sandbox.issue_tokens();
    world.sandbox.revoke_refresh_token(dead["refresh_token"].as_str().unwrap());
    dead["expires_at"] = json!((Utc::now() - Duration::minutes(1)).to_rfc3339());
    let cfg = world.write("dead.json", &json!({"oauth": dead}));
    let answer = result(&verify(&world, &cfg).await);
    assert_eq!(answer["verified"], false);
    assert!(answer["reason"].as_str().unwrap().contains("re-authorize"), "{answer}");
    let secret = dead["refresh_token"].as_str().unwrap();
    assert!(!answer.to_string().contains(secret));

    let mut expired = world.sandbox.issue_tokens();
    expired["expires_at"] = json!((Utc::now() - Duration::minutes(1)).to_rfc3339());
    let cfg = world.write("expired.json", &json!({"oauth": expired}));
    let mut env = world.env();
    env.retain(|(name, _)| name != "CITRIX_APP_SECRET");
    env.push(("CITRIX_APP_SECRET".into(), "not-the-secret".into()));
    let args: Vec<String> =
        ["exec", "verifyCredentials", "--cfg", cfg.to_str().unwrap(), "--method", "verifyCredentials"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let answer = result(&run_binary(&args, &env).await);
    assert_eq!(answer["verified"], false);
    assert!(answer["reason"].as_str().unwrap().contains("CITRIX_APP_SECRET"), "{answer}");

    let cfg = world.cfg(json!({"organizerKey": "1234567"}));
    let answer = result(&verify(&world, &cfg).await);
    assert_eq!(answer["verified"], false);
    let reason = answer["reason"].as_str().unwrap();
    assert!(reason.contains("1234567") && reason.contains(&world.sandbox.organizer_key()), "{reason}");

    let cfg = world.write("none.json", &json!({}));
    let answer = result(&verify(&world, &cfg).await);
    assert_eq!(answer["verified"], false);
    assert!(answer["reason"].as_str().unwrap().contains("connect"), "{answer}");

    let legacy = json!({"access_token": "RjY2NjM5NzA4OGNm", "expires_in": "30758399",
                        "refresh_token": "d1cp20yB3hrF", "organizer_key": world.sandbox.organizer_key()});
    let cfg = world.write("legacy.json", &json!({"oauth": legacy}));
    let answer = result(&verify(&world, &cfg).await);
    assert_eq!(answer["verified"], false);
    assert!(answer["reason"].as_str().unwrap().contains("authentication.logmeininc.com"), "{answer}");
}

#[tokio::test]
async fn create_registrant_metadata_follows_the_chosen_webinars_form() {
    let world = World::new().await;
    let static_meta = result(&meta_model(&world, "createRegistrant", &world.cfg(json!({}))).await);
    let properties = static_meta["in"]["properties"].as_object().unwrap();
    assert!(properties.keys().all(|k| !k.starts_with("question_")), "no webinar, no questions");
    assert_eq!(properties["webinarKey"]["required"], true);
    assert!(static_meta["out"]["properties"]["registrantKey"].is_object());

    let fields = world.one_registration_form(LAUNCH).await;
    let meta =
        result(&meta_model(&world, "createRegistrant", &world.cfg(json!({"webinarKey": LAUNCH}))).await);
    let properties = meta["in"]["properties"].as_object().unwrap();
    for question in fields["questions"].as_array().unwrap() {
        let name = format!("question_{}", question["questionKey"].as_str().unwrap());
        let property = &properties[&name];
        assert_eq!(property["title"], question["question"], "{name}");
        assert_eq!(property["type"], "string");
        if question["type"] == "multipleChoice" {
            assert_eq!(property["enum"], json!(["Email", "Social media", "A colleague"]));
            assert_eq!(property["required"], true);
        } else {
            assert!(property.get("enum").is_none() && property.get("required").is_none(), "{property}");
        }
    }
    assert!(properties["webinarKey"].get("required").is_none(), "the step names the webinar");
    assert_eq!(properties["firstName"]["required"], true);

    let mut strict = SeedWebinar::new(
        "Strict",
        SeedTime::from_now(Duration::days(3)),
        SeedTime::from_now(Duration::days(3) + Duration::hours(1)),
    );
    strict.required_fields = vec!["organization".into()];
    strict.questions = vec![SeedQuestion {
        question: "Role?".into(),
        kind: "shortAnswer".into(),
        required: false,
        max_size: Some(64),
        answers: vec![],
    }];
    let key = world.sandbox.add_webinar(strict).unwrap();
    let meta = result(&meta_model(&world, "createRegistrant", &world.cfg(json!({"webinarKey": key}))).await);
    assert_eq!(meta["in"]["properties"]["organization"]["required"], true);
    let role = meta["in"]["properties"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("question_"))
        .unwrap()
        .1;
    assert_eq!(role["maxLength"], 64);

    let gone = meta_run_error(&world, "99999999999").await;
    assert!(gone.contains("99999999999"), "{gone}");
}

async fn meta_run_error(world: &World, webinar: &str) -> String {
    let run = meta_model(world, "createRegistrant", &world.cfg(json!({"webinarKey": webinar}))).await;
    run.assert_error("NotFound")
}

impl World {
    async fn one_registration_form(&self, webinar: &str) -> Value {
        let run = self
            .exec(
                "getRegistrationFields",
                &self.cfg(json!({})),
                Some(&self.msg(json!({"webinarKey": webinar}))),
                &[],
            )
            .await;
        run.assert_ok();
        run.data()[0].clone()
    }
}

#[tokio::test]
async fn list_metadata_follows_the_emit_behavior() {
    let world = World::new().await;
    for function in [
        "listSessions",
        "listAttendees",
        "listPanelists",
        "listCoorganizers",
        "searchRecordingAssets",
        "listInSessionWebinars",
    ] {
        let one = result(&meta_model(&world, function, &world.cfg(json!({}))).await);
        assert!(one["out"]["properties"].get("results").is_none(), "{function}: one item per message");
        let all =
            result(&meta_model(&world, function, &world.cfg(json!({"emitBehavior": "fetchAll"}))).await);
        assert_eq!(all["out"]["properties"]["results"]["type"], "array", "{function}");
        let page =
            result(&meta_model(&world, function, &world.cfg(json!({"emitBehavior": "fetchPage"}))).await);
        assert!(page["out"]["properties"]["page"].is_object(), "{function}");
        assert!(all["in"]["properties"]["emitBehavior"].is_object(), "{function}");
    }
    let plain = result(&meta_model(&world, "getSession", &world.cfg(json!({}))).await);
    assert_eq!(plain["in"]["properties"]["sessionKey"]["required"], true);
}

#[tokio::test]
async fn select_models_offer_webinars_and_sessions() {
    let world = World::new().await;
    let webinars = result(&select(&world, "selectWebinars", &world.cfg(json!({}))).await);
    let label = webinars[LAUNCH].as_str().expect("the upcoming seed webinar is offered");
    assert!(label.starts_with("Product Launch Q&A (") && label.ends_with("UTC)"), "{label}");

    let sessions = result(&select(&world, "selectSessions", &world.cfg(json!({"webinarKey": PAST}))).await);
    let options = sessions.as_object().unwrap();
    assert_eq!(options.len(), 1, "{sessions}");
    assert!(options.values().all(|l| l.as_str().unwrap().starts_with("Spring Release Walkthrough")));

    let unknown = select(&world, "selectNothing", &world.cfg(json!({}))).await;
    assert!(unknown.assert_error("InputError").contains("selectWebinars"));
}
