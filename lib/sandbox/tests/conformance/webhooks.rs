//! Webhooks: secret keys, validation GET, activation, subscriptions, signed delivery, redelivery.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gotowebinar_sandbox::{SandboxConfig, SeedAttendee, SeedRegistrant, SeedSession, SeedTime, SeedWebinar};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::{start, start_with, Env, SERIES};

#[derive(Default)]
struct Received {
    gets: usize,
    posts: Vec<(Option<String>, String)>,
}

/// A tiny receiver on loopback: GET answers `get_status`, POST records signature and body.
async fn receiver(get_status: u16) -> (String, Arc<Mutex<Received>>) {
    let seen = Arc::new(Mutex::new(Received::default()));
    let (g, p) = (seen.clone(), seen.clone());
    let app = Router::new().route(
        "/hook",
        get(move || {
            let g = g.clone();
            async move {
                g.lock().unwrap().gets += 1;
                AxStatus::from_u16(get_status).unwrap()
            }
        })
        .post(move |headers: HeaderMap, body: Bytes| {
            let p = p.clone();
            async move {
                let sig = headers.get("x-webhook-signature").map(|v| v.to_str().unwrap().to_string());
                p.lock().unwrap().posts.push((sig, String::from_utf8(body.to_vec()).unwrap()));
                AxStatus::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

async fn wait_for_posts(seen: &Arc<Mutex<Received>>, n: usize) -> Vec<(Option<String>, String)> {
    for _ in 0..100 {
        if seen.lock().unwrap().posts.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen.lock().unwrap().posts.clone()
}

fn verify(secret: &str, body: &str, signature: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes()) == signature
}

async fn register(env: &Env, email: &str) {
    let body = json!({"firstName": "Web", "lastName": "Hook", "email": email}).to_string();
    let r = env.post(&format!("{}/registrants", env.webinar(SERIES)), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn webhook_lifecycle_with_validation_activation_signed_delivery_and_redelivery() {
    let env = start().await;
    let (url, seen) = receiver(200).await;

    let bodiless = env.call(Method::POST, "/webhooks/secretkey", None).await;
    assert_eq!(bodiless.status, StatusCode::BAD_REQUEST, "the document requires a body: {}", bodiless.text);
    let old = env.call(Method::POST, "/webhooks/secretkey", Some("{}")).await;
    assert_eq!(old.status, StatusCode::OK, "{}", old.text);
    let key = env.call(Method::POST, "/webhooks/secretkey", Some("{}")).await.json();
    assert!(key["id"].is_u64() && key["validFrom"].is_string());
    let secret = key["value"].as_str().unwrap().to_string();
    let read_back = env.get("/webhooks/secretkey").await;
    assert!(
        matches!(read_back.status, StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED),
        "keys cannot be read back: {} {}",
        read_back.status,
        read_back.text
    );

    let hook = json!([{"callbackUrl": url, "eventName": "registrant.added", "eventVersion": "1.0.0", "product": "g2w"}]);
    let created = env.post("/webhooks", &hook.to_string()).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let c = created.json();
    let webhook = &c["_embedded"]["webhooks"][0];
    assert_eq!(webhook["state"], "INACTIVE");
    let webhook_key = webhook["webhookKey"].as_str().unwrap().to_string();
    assert_eq!(seen.lock().unwrap().gets, 1, "the callback was checked with a GET");

    let sub = env
        .post(
            "/userSubscriptions",
            &json!([{"webhookKey": webhook_key, "userSubscriptionState": "ACTIVE"}]).to_string(),
        )
        .await;
    assert_eq!(sub.status, StatusCode::OK, "{}", sub.text);
    let sub_key =
        sub.json()["_embedded"]["userSubscriptions"][0]["userSubscriptionKey"].as_str().unwrap().to_string();

    register(&env, "inactive@example.com").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(seen.lock().unwrap().posts.is_empty(), "an INACTIVE webhook gets nothing");

    let activate = json!([{"webhookKey": webhook_key, "state": "ACTIVE"}]);
    assert_eq!(
        env.call(Method::PUT, "/webhooks", Some(&activate.to_string())).await.status,
        StatusCode::NO_CONTENT
    );
    let listed = env.get("/webhooks?product=g2w").await.json();
    assert_eq!(listed["_embedded"]["webhooks"][0]["state"], "ACTIVE");
    // `eventName` is no parameter of the document: GoTo ignores it, and so does the sandbox.
    let ignored = env.get("/webhooks?product=g2w&eventName=webinar.created").await.json();
    assert_eq!(ignored["_embedded"]["webhooks"], listed["_embedded"]["webhooks"]);

    register(&env, "active@example.com").await;
    let posts = wait_for_posts(&seen, 1).await;
    assert_eq!(posts.len(), 1);
    let (sig, body) = &posts[0];
    assert!(verify(&secret, body, sig.as_deref().unwrap()), "signed with the newest secret key");
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["eventName"], "registrant.added");
    assert_eq!(event["eventVersion"], "1.0.0");
    assert_eq!(event["product"], "g2w");
    assert_eq!(event["email"], "active@example.com");
    assert_eq!(crate::raw_values(body, "webinarKey"), vec![SERIES.to_string()]);
    let event_key = event["eventKey"].as_str().unwrap().to_string();
    assert_eq!(event_key.len(), 36);

    assert!(env.sb.redeliver_last_event().await);
    let posts = wait_for_posts(&seen, 2).await;
    let again: Value = serde_json::from_str(&posts[1].1).unwrap();
    assert_eq!(again["eventKey"], event_key.as_str(), "a redelivery keeps the eventKey");
    let deliveries = env.sb.webhook_deliveries();
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|d| d.status == Some(200)));

    let unsub = env.call(Method::DELETE, "/userSubscriptions", Some(&json!([sub_key]).to_string())).await;
    assert_eq!(unsub.status, StatusCode::ACCEPTED);
    let del = env.call(Method::DELETE, "/webhooks", Some(&json!([webhook_key]).to_string())).await;
    assert_eq!(del.status, StatusCode::ACCEPTED);
    let again = env.call(Method::DELETE, "/webhooks", Some(&json!([webhook_key]).to_string())).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(env.get("/webhooks?product=g2w").await.json()["_embedded"]["webhooks"], json!([]));
    assert_eq!(
        env.get("/userSubscriptions?product=g2w").await.json()["_embedded"]["userSubscriptions"],
        json!([])
    );
    register(&env, "after@example.com").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(seen.lock().unwrap().posts.len(), 2, "nothing after shutdown");
    assert_eq!(env.sb.state()["secretKeys"].as_array().map(Vec::len), Some(2), "secrets stay");
}

#[tokio::test]
async fn deliveries_are_signed_with_the_configured_secret_until_a_key_is_created() {
    let config = SandboxConfig { webhook_secret: "configured-secret".into(), ..SandboxConfig::default() };
    let env = start_with(config).await;
    assert_eq!(env.sb.webhook_secret(), "configured-secret");
    let (url, seen) = receiver(200).await;
    let hook = json!([{"callbackUrl": url, "eventName": "registrant.added", "eventVersion": "1.0.0", "product": "g2w"}]);
    let created = env.post("/webhooks", &hook.to_string()).await.json();
    let webhook_key = created["_embedded"]["webhooks"][0]["webhookKey"].as_str().unwrap().to_string();
    let activate = json!([{"webhookKey": webhook_key, "state": "ACTIVE"}]);
    env.call(Method::PUT, "/webhooks", Some(&activate.to_string())).await;
    let sub = json!([{"webhookKey": webhook_key, "userSubscriptionState": "ACTIVE"}]);
    env.post("/userSubscriptions", &sub.to_string()).await;

    register(&env, "configured@example.com").await;
    let posts = wait_for_posts(&seen, 1).await;
    let (sig, body) = &posts[0];
    assert!(verify("configured-secret", body, sig.as_deref().unwrap()), "signed with the configured secret");

    let key = env.call(Method::POST, "/webhooks/secretkey", Some("{}")).await.json();
    let newer = key["value"].as_str().unwrap().to_string();
    assert_eq!(env.sb.webhook_secret(), newer);
    register(&env, "rotated@example.com").await;
    let posts = wait_for_posts(&seen, 2).await;
    let (sig, body) = &posts[1];
    assert!(verify(&newer, body, sig.as_deref().unwrap()), "a created key signs from its validFrom on");
}

#[tokio::test]
async fn webinar_and_join_events_flow_from_the_rust_api() {
    let env = start().await;
    let (url, seen) = receiver(200).await;
    env.call(Method::POST, "/webhooks/secretkey", None).await;
    let mut keys = Vec::new();
    for event in ["webinar.created", "webinar.changed", "registrant.joined"] {
        let hook =
            json!([{"callbackUrl": url, "eventName": event, "eventVersion": "1.0.0", "product": "g2w"}]);
        let c = env.post("/webhooks", &hook.to_string()).await.json();
        keys.push(c["_embedded"]["webhooks"][0]["webhookKey"].as_str().unwrap().to_string());
    }
    let activate: Vec<Value> = keys.iter().map(|k| json!({"webhookKey": k, "state": "ACTIVE"})).collect();
    env.call(Method::PUT, "/webhooks", Some(&Value::Array(activate).to_string())).await;
    let subs: Vec<Value> =
        keys.iter().map(|k| json!({"webhookKey": k, "userSubscriptionState": "ACTIVE"})).collect();
    env.post("/userSubscriptions", &Value::Array(subs).to_string()).await;

    let (start, end) = (SeedTime("now-10m".into()), SeedTime("now+50m".into()));
    let key = env.sb.add_webinar(SeedWebinar::new("Evented", start.clone(), end.clone())).unwrap();
    env.sb.set_webinar_subject(&key, "Evented (renamed)").unwrap();
    env.sb.add_registrant(&key, SeedRegistrant::new("Jo", "In", "jo@example.com")).unwrap();
    let session = env.sb.add_session(&key, SeedSession::new(start, end)).unwrap();
    env.sb.add_attendee(&key, &session, SeedAttendee::new("jo@example.com")).unwrap();
    let posts = wait_for_posts(&seen, 3).await;
    let mut names: Vec<String> = posts
        .iter()
        .map(|(_, b)| serde_json::from_str::<Value>(b).unwrap()["eventName"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, vec!["registrant.joined", "webinar.changed", "webinar.created"]);
    let joined = posts.iter().find(|(_, b)| b.contains("registrant.joined")).unwrap();
    assert_eq!(crate::raw_values(&joined.1, "sessionKey"), vec![session]);
}

#[tokio::test]
async fn webhook_callbacks_must_be_loopback_and_answer_the_check() {
    let env = start().await;
    let (url, seen) = receiver(404).await;
    let hook = |u: &str| json!([{"callbackUrl": u, "eventName": "registrant.added", "eventVersion": "1.0.0", "product": "g2w"}]);
    let failing = env.post("/webhooks", &hook(&url).to_string()).await;
    assert_eq!(failing.status, StatusCode::BAD_REQUEST, "{}", failing.text);
    assert_eq!(seen.lock().unwrap().gets, 1);
    let remote = env.post("/webhooks", &hook("http://example.com/hook").to_string()).await;
    assert_eq!(remote.status, StatusCode::BAD_REQUEST);
    let bad_event = json!([{"callbackUrl": url, "eventName": "webinar.exploded", "eventVersion": "1.0.0", "product": "g2w"}]);
    assert_eq!(env.post("/webhooks", &bad_event.to_string()).await.status, StatusCode::BAD_REQUEST);
    let unknown = json!([{"webhookKey": "nope", "userSubscriptionState": "ACTIVE"}]);
    assert_eq!(env.post("/userSubscriptions", &unknown.to_string()).await.status, StatusCode::NOT_FOUND);
}
