//! OAuth 2.0: authorization codes, refresh policies, client authentication.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;

use gotowebinar_sandbox::SandboxConfig;

use crate::{start, start_with, Env};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

async fn authorize(env: &Env, client_id: &str, redirect: &str) -> (StatusCode, HashMap<String, String>) {
    let url = format!(
        "{}/oauth/authorize?client_id={client_id}&response_type=code&redirect_uri={}&state=xyz",
        env.sb.url(),
        urlencode(redirect)
    );
    let resp = env.http.get(url).send().await.unwrap();
    let status = resp.status();
    let params = resp
        .headers()
        .get("location")
        .map(|l| {
            let loc = url::Url::parse(l.to_str().unwrap()).unwrap();
            assert!(loc.as_str().starts_with(redirect), "{loc}");
            loc.query_pairs().into_owned().collect()
        })
        .unwrap_or_default();
    (status, params)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn token(env: &Env, id: &str, secret: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let resp = env
        .http
        .post(format!("{}/oauth/token", env.sb.url()))
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

async fn refresh(env: &Env, refresh_token: &str) -> (StatusCode, Value) {
    let (id, secret) = (env.sb.client_id().to_string(), env.sb.client_secret().to_string());
    token(env, &id, &secret, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
}

async fn works(env: &Env, access: &str) -> bool {
    env.call_as(access, reqwest::Method::GET, "/identity/v1/Users/me", None).await.status == StatusCode::OK
}

/// A sandbox that approves every sign-in at once (no consent page to answer).
async fn auto_approving() -> Env {
    start_with(SandboxConfig { auto_approve: true, rate_limit: None, ..SandboxConfig::default() }).await
}

#[tokio::test]
async fn authorization_code_flow_with_single_use_codes_and_matching_redirects() {
    let env = auto_approving().await;
    let (id, secret) = (env.sb.client_id().to_string(), env.sb.client_secret().to_string());
    let (status, params) = authorize(&env, &id, REDIRECT).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(params["state"], "xyz");
    let code = params["code"].clone();

    let exchange =
        [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", REDIRECT)];
    let (status, wrong_secret) = token(&env, &id, "nope", &exchange).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_secret["error"], "invalid_client");
    let bare = env.http.post(format!("{}/oauth/token", env.sb.url())).form(&exchange).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);

    let other_redirect = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:9/x"),
    ];
    let (status, mismatch) = token(&env, &id, &secret, &other_redirect).await;
    assert_eq!((status, mismatch["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));

    let (status, body) = token(&env, &id, &secret, &exchange).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["refresh_token"].is_string());
    assert_eq!(body["organizer_key"], env.sb.organizer_key());
    assert_eq!(body["account_key"], env.sb.account_key());
    assert_eq!(body["principal"], "morgan.lee@northwind.example");
    let access = body["access_token"].as_str().unwrap();
    let parts: Vec<&str> = access.split('.').collect();
    assert_eq!(parts.len(), 3, "JWT-shaped");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert!(claims["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp() + 3500);
    assert!(works(&env, access).await);

    let (status, reused) = token(&env, &id, &secret, &exchange).await;
    assert_eq!((status, reused["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));

    let (status, unsupported) = token(&env, &id, &secret, &[("grant_type", "password")]).await;
    assert_eq!(
        (status, unsupported["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
}

#[tokio::test]
async fn authorize_denies_on_request_and_rejects_unknown_clients() {
    let env = auto_approving().await;
    let id = env.sb.client_id().to_string();
    env.sb.deny_next_authorize();
    let (status, params) = authorize(&env, &id, REDIRECT).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(params.get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(params["state"], "xyz");
    assert!(!params.contains_key("code"));
    let (_, params) = authorize(&env, &id, REDIRECT).await;
    assert!(params.contains_key("code"), "only the next one is denied");

    // Over HTTP too.
    let r = env.http.post(format!("{}/_sandbox/deny-next-authorize", env.sb.url())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        authorize(&env, &id, REDIRECT).await.1.get("error").map(String::as_str),
        Some("access_denied")
    );

    let (status, _) = authorize(&env, "stranger", REDIRECT).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn default_refresh_keeps_the_refresh_token_and_omits_it() {
    let env = start().await;
    let rt = env.sb.issue_refresh_token();
    for _ in 0..2 {
        let (status, body) = refresh(&env, &rt).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("refresh_token").is_none(), "{body}");
        assert!(works(&env, body["access_token"].as_str().unwrap()).await);
    }
    let (status, body) = refresh(&env, "unknown").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // Refresh tokens are bound to their client.
    env.sb.add_client("second", "second-secret");
    let (status, body) =
        token(&env, "second", "second-secret", &[("grant_type", "refresh_token"), ("refresh_token", &rt)])
            .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    assert!(env.sb.revoke_refresh_token(&rt));
    let (status, body) = refresh(&env, &rt).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

#[tokio::test]
async fn rotation_issues_new_refresh_tokens_and_single_use_burns_old_ones() {
    let env = start().await;
    env.sb.set_refresh_policy(true, false, false);
    let first = env.sb.issue_refresh_token();
    let (_, body) = refresh(&env, &first).await;
    let second = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(refresh(&env, &first).await.0, StatusCode::OK, "rotation alone keeps the old one valid");

    env.sb.set_refresh_policy(false, true, false);
    let (status, body) = refresh(&env, &second).await;
    assert_eq!(status, StatusCode::OK);
    let third = body["refresh_token"].as_str().expect("single use implies rotation").to_string();
    let (status, body) = refresh(&env, &second).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    assert_eq!(refresh(&env, &third).await.0, StatusCode::OK);
}

#[tokio::test]
async fn revoke_on_refresh_kills_earlier_access_tokens_and_ttl_is_configurable() {
    let env = start().await;
    env.sb.set_token_ttl(std::time::Duration::from_secs(7));
    env.sb.set_refresh_policy(false, false, true);
    let tokens = env.sb.issue_tokens();
    assert_eq!(tokens["expires_in"], 7);
    let old = tokens["access_token"].as_str().unwrap();
    assert!(works(&env, old).await);
    let (_, body) = refresh(&env, tokens["refresh_token"].as_str().unwrap()).await;
    assert!(!works(&env, old).await, "the refresh revoked the earlier access token");
    assert!(works(&env, body["access_token"].as_str().unwrap()).await);
    // Other grants are untouched.
    assert!(works(&env, &env.token).await);
}

/// The request id of a consent page's form.
fn request_id(html: &str) -> String {
    let marker = "name=\"request\" value=\"";
    let start = html.find(marker).expect("a consent form") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn without_auto_approve_the_consent_page_decides_and_deny_next_applies_to_approve() {
    let env = start().await;
    let id = env.sb.client_id().to_string();
    let url = format!(
        "{}/oauth/authorize?client_id={id}&response_type=code&redirect_uri={}&state=xyz",
        env.sb.url(),
        urlencode(REDIRECT)
    );
    let page = env.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().get("location").is_none());
    let first = request_id(&page.text().await.unwrap());
    let second = request_id(&env.http.get(&url).send().await.unwrap().text().await.unwrap());
    assert_ne!(first, second, "each page has its own request");

    env.sb.deny_next_authorize();
    let post = |request: String| {
        env.http
            .post(format!("{}/oauth/authorize", env.sb.url()))
            .form(&[("request", request.as_str()), ("decision", "approve")])
            .send()
    };
    let denied = post(first).await.unwrap();
    assert_eq!(denied.status(), StatusCode::SEE_OTHER);
    let to = url::Url::parse(denied.headers()["location"].to_str().unwrap()).unwrap();
    let params: HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert_eq!(params.get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(params["state"], "xyz");

    let approved = post(second).await.unwrap();
    let to = url::Url::parse(approved.headers()["location"].to_str().unwrap()).unwrap();
    let params: HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert!(params.contains_key("code"), "only the next one is denied: {to}");

    // A response type other than code goes back to the (registered) redirect URI as an error.
    let implicit = url.replace("response_type=code", "response_type=token");
    let resp = env.http.get(implicit).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert!(resp.headers()["location"].to_str().unwrap().contains("error=unsupported_response_type"));
}

#[tokio::test]
async fn a_registered_redirect_uri_must_be_usable() {
    let config = |uri: &str| SandboxConfig { redirect_uris: vec![uri.into()], ..SandboxConfig::default() };
    let err = gotowebinar_sandbox::Sandbox::start(config("https://app.example.com/cb#x")).await.unwrap_err();
    assert!(err.to_string().contains("fragment"), "{err}");
    assert!(gotowebinar_sandbox::Sandbox::start(config("https://app.example.com/cb")).await.is_ok());
}
