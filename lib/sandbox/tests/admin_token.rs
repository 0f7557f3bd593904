//! The control endpoints (`/_sandbox/*`) need the admin token when the sandbox listens beyond
//! loopback, and stay open on loopback.

use std::net::{Ipv4Addr, SocketAddr};

use gotowebinar_sandbox::{Sandbox, SandboxConfig, ADMIN_TOKEN_HEADER};

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test]
async fn beyond_loopback_the_control_endpoints_require_the_admin_token() {
    let config =
        SandboxConfig { bind: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), ..SandboxConfig::default() };
    let sandbox = Sandbox::start(config).await.unwrap();
    let token = sandbox.admin_token().expect("an admin token beyond loopback");
    assert!(token.len() >= 32);
    let base = sandbox.url();
    for (method, path) in
        [("GET", "/_sandbox/config"), ("POST", "/_sandbox/tokens"), ("GET", "/_sandbox/state")]
    {
        let url = format!("{base}{path}");
        let request = |m: &str| http().request(m.parse().unwrap(), &url);
        let refused = request(method).send().await.unwrap();
        assert_eq!(refused.status(), 401, "{method} {path}");
        let body = refused.text().await.unwrap();
        assert!(body.contains("adminToken") && !body.contains(&token), "{body}");
        let wrong = request(method).bearer_auth(format!("{token}x")).send().await.unwrap();
        assert_eq!(wrong.status(), 401, "{method} {path} with a wrong token");
        let with_bearer = request(method).bearer_auth(&token).send().await.unwrap();
        assert_ne!(with_bearer.status(), 401, "{method} {path} with the token");
        let with_header = request(method).header(ADMIN_TOKEN_HEADER, &token).send().await.unwrap();
        assert_ne!(with_header.status(), 401, "{method} {path} with the header");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn on_loopback_they_stay_open() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    assert_eq!(sandbox.admin_token(), None);
    let answer = http().get(format!("{}/_sandbox/config", sandbox.url())).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    sandbox.shutdown().await;
}
