//! Starting and stopping the sandbox, and its Rust API.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{Request, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::app::{App, RequestRecord, Runtime, Shared, WebhookDelivery};
use crate::config::{FaultConfig, SandboxConfig, SandboxError};
use crate::control::load_state;
use crate::errors::{html, route_not_found};
use crate::gate::{api_gate, observe, token_gate, ConnAbort};
use crate::seed::{build_state, SeedAttendee, SeedData, SeedRegistrant, SeedSession, SeedWebinar};
use crate::{api, knobs, oauth, signin, test_events};

const SAVE_EVERY: Duration = Duration::from_millis(250);

struct Control {
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    state_file: Option<PathBuf>,
}

/// A running sandbox. Cheap to clone; every clone drives the same server.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) app: App,
    addr: SocketAddr,
    control: Arc<Control>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("url", &self.url()).finish_non_exhaustive()
    }
}

fn router(app: &App) -> Router {
    let api = api::routes().layer(from_fn_with_state(app.clone(), api_gate));
    let token = post(oauth::token).layer(from_fn_with_state(app.clone(), token_gate));
    Router::new()
        .merge(api)
        .route("/oauth/authorize", get(signin::authorize).post(signin::decide))
        .route("/oauth/token", token)
        .merge(
            knobs::routes()
                .merge(test_events::control_routes())
                .layer(from_fn_with_state(app.clone(), crate::admin::admin_gate)),
        )
        .merge(test_events::routes())
        .route("/join/{*rest}", get(page))
        .route("/register/{w}", get(page))
        .route("/start/{w}", get(page))
        .fallback(|uri: axum::http::Uri| async move { route_not_found(uri.path()) })
        .layer(from_fn_with_state(app.clone(), observe))
        .with_state(app.clone())
}

/// Join, registration and start links lead to a small page.
async fn page(Path(_): Path<String>) -> Response {
    html(StatusCode::OK, "GoToWebinar sandbox", "This link works in the sandbox only.")
}

fn url_host(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("{}:{}", Ipv4Addr::LOCALHOST, addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("[{}]:{}", Ipv6Addr::LOCALHOST, addr.port()),
        _ => addr.to_string(),
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router, mut stop: watch::Receiver<bool>) {
    let abort = Arc::new(Notify::new());
    let for_requests = abort.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let router = router.clone();
        req.extensions_mut().insert(ConnAbort(for_requests.clone()));
        router.oneshot(req.map(Body::new))
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    // Dropping the connection closes the socket without an answer (an injected reset).
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = abort.notified() => {}
        _ = stop.changed() => {}
    }
}

impl Sandbox {
    /// Starts a sandbox and returns once it accepts connections.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let mut state = match &config.state_file {
            Some(path) if path.exists() => load_state(path)?,
            _ => {
                let seed = config.seed.clone().unwrap_or_else(SeedData::realistic);
                build_state(&seed, chrono::Utc::now()).map_err(SandboxError::Seed)?
            }
        };
        if config.client_id.is_empty() || config.client_secret.is_empty() {
            return Err(SandboxError::Invalid("client_id and client_secret must not be empty".into()));
        }
        if config.webhook_secret.is_empty() {
            return Err(SandboxError::Invalid("webhook_secret must not be empty".into()));
        }
        let signin = signin::Signin::new(config.auto_approve, &config.redirect_uris)?;
        state.clients.insert(config.client_id.clone(), config.client_secret.clone());
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| SandboxError::Bind { addr: config.bind, source })?;
        let addr = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SandboxError::Io(std::io::Error::other(e)))?;
        let mut jwt_key = vec![0u8; 32];
        rand::thread_rng().fill_bytes(&mut jwt_key);
        let faults = config.faults.clone();
        let app = App(Arc::new(Shared {
            state: Mutex::new(state),
            rt: Mutex::new(Runtime {
                token_ttl: config.token_ttl,
                rotate: config.rotate_refresh_tokens,
                single_use: config.single_use_refresh_tokens,
                revoke_on_refresh: config.revoke_on_refresh,
                rate_limit: config.rate_limit.filter(|n| *n > 0),
                windows: HashMap::new(),
                fault_rng: StdRng::seed_from_u64(faults.seed),
                faults,
                deny_next_authorize: false,
                token_answer_delay: Duration::ZERO,
                log: VecDeque::new(),
                deliveries: Vec::new(),
                last_event: None,
                received: Default::default(),
            }),
            dirty: AtomicBool::new(true),
            clock_offset_ms: AtomicI64::new(0),
            token_requests: AtomicUsize::new(0),
            base_url: format!("http://{}", url_host(addr)),
            http,
            runtime: tokio::runtime::Handle::current(),
            jwt_key,
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            webhook_secret: config.webhook_secret.clone(),
            // The control endpoints hand out tokens: beyond loopback they need a token of their own.
            admin_token: (!addr.ip().is_loopback()).then(crate::config::random_secret),
            signin,
        }));
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let routes = router(&app);
        let mut accept_stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = accept_stop.changed() => break,
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            let _ = stream.set_nodelay(true);
                            tokio::spawn(serve_connection(stream, routes.clone(), accept_stop.clone()));
                        }
                    }
                }
            }
        }));
        if let Some(path) = config.state_file.clone() {
            app.save_to(&path)?;
            let (saver_app, mut saver_stop) = (app.clone(), stop_rx.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = saver_stop.changed() => break,
                        _ = tokio::time::sleep(SAVE_EVERY) => {
                            if saver_app.0.dirty.swap(false, Ordering::AcqRel) {
                                if let Err(e) = saver_app.save_to(&path) {
                                    tracing::warn!(error = %e, "saving sandbox state failed");
                                    saver_app.0.dirty.store(true, Ordering::Release);
                                }
                            }
                        }
                    }
                }
            }));
        }
        let control = Arc::new(Control { stop, tasks: Mutex::new(tasks), state_file: config.state_file });
        Ok(Sandbox { app, addr, control })
    }

    /// The token `/_sandbox/*` requires (`Authorization: Bearer …` or `X-Sandbox-Admin-Token`)
    /// when the sandbox listens beyond loopback; `None` on loopback, where they stay open.
    pub fn admin_token(&self) -> Option<String> {
        self.app.0.admin_token.clone()
    }

    /// The origin serving both the API and OAuth, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> String {
        self.app.base().to_string()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The registered client id.
    pub fn client_id(&self) -> &str {
        &self.app.0.client_id
    }

    /// The registered client secret.
    pub fn client_secret(&self) -> &str {
        &self.app.0.client_secret
    }

    /// The webhook secret key deliveries are signed with now: the newest one created with
    /// `POST /webhooks/secretkey`, else the configured one.
    pub fn webhook_secret(&self) -> String {
        crate::api::signing_secret(&self.app, &self.app.0.client_id)
    }

    /// The key of the organizer who signs in (the first one).
    pub fn organizer_key(&self) -> String {
        self.app.read(|s| s.organizers.first().map(|o| o.key.clone()).unwrap_or_default())
    }

    /// The account key.
    pub fn account_key(&self) -> String {
        self.app.read(|s| s.account.key.clone())
    }

    /// A fresh valid refresh token of the default client for the default organizer.
    pub fn issue_refresh_token(&self) -> String {
        let tokens = self.issue_tokens();
        tokens.get("refresh_token").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    /// A full token response for a new grant, as the platform would store it.
    pub fn issue_tokens(&self) -> Value {
        oauth::issue_new_grant(&self.app, self.client_id(), None)
    }

    /// Registers another OAuth client; tokens are bound to the client they were issued to.
    pub fn add_client(&self, client_id: &str, client_secret: &str) {
        self.app.write(|s| s.clients.insert(client_id.to_string(), client_secret.to_string()));
    }

    /// Every access token issued so far stops working now.
    pub fn expire_all_tokens(&self) {
        oauth::expire_all(&self.app);
    }

    /// Lifetime of access tokens issued from now on.
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.app.set_token_ttl(ttl);
    }

    /// Requests per second per client id; `None` or 0 turns the limit off.
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        self.app.set_rate_limit(per_second);
    }

    /// Replaces the fault injection settings and reseeds its RNG.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.app.set_faults(faults);
    }

    /// The token endpoint holds each answer this long after issuing it (0 = at once).
    pub fn set_token_answer_delay(&self, delay: Duration) {
        self.app.rt().token_answer_delay = delay;
    }

    /// The next authorization request is denied (`error=access_denied`).
    pub fn deny_next_authorize(&self) {
        self.app.rt().deny_next_authorize = true;
    }

    /// Refresh token policy: rotation, single use (implies rotation), revoke access tokens on refresh.
    pub fn set_refresh_policy(&self, rotate: bool, single_use: bool, revoke_on_refresh: bool) {
        self.app.set_refresh_policy(rotate, single_use, revoke_on_refresh);
    }

    /// Server time = real time + `offset`.
    pub fn set_clock_offset(&self, offset: chrono::Duration) {
        self.app.set_clock_offset(offset);
    }

    /// The server's current time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.app.now()
    }

    /// Revokes a refresh token; false when it is unknown.
    pub fn revoke_refresh_token(&self, token: &str) -> bool {
        oauth::revoke_refresh(&self.app, token)
    }

    /// Requests seen so far (not `/_sandbox/…`), oldest first.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.app.rt().log.iter().cloned().collect()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.app.rt().log.clear();
    }

    /// How many `POST /oauth/token` requests arrived (faulted ones included).
    pub fn token_requests(&self) -> usize {
        self.app.0.token_requests.load(Ordering::Relaxed)
    }

    /// The state as JSON (keys as strings; token values and secrets left out).
    pub fn state(&self) -> Value {
        self.app.dump()
    }

    /// Adds a webinar (announced as `webinar.created`) and returns its key.
    pub fn add_webinar(&self, webinar: SeedWebinar) -> Result<String, SandboxError> {
        self.app.add_webinar(&webinar)
    }

    /// Changes a webinar's subject (announced as `webinar.changed`).
    pub fn set_webinar_subject(&self, webinar_key: &str, subject: &str) -> Result<(), SandboxError> {
        self.app.set_webinar_subject(webinar_key, subject)
    }

    /// Adds a registrant (announced as `registrant.added`) and returns its key.
    pub fn add_registrant(
        &self,
        webinar_key: &str,
        registrant: SeedRegistrant,
    ) -> Result<String, SandboxError> {
        self.app.add_registrant(webinar_key, &registrant)
    }

    /// Adds a session to a webinar and returns its key. Sessions show in the API once they have ended.
    pub fn add_session(&self, webinar_key: &str, session: SeedSession) -> Result<String, SandboxError> {
        self.app.add_session(webinar_key, &session)
    }

    /// Adds an attendee to a session (announced as `registrant.joined`).
    pub fn add_attendee(
        &self,
        webinar_key: &str,
        session_key: &str,
        attendee: SeedAttendee,
    ) -> Result<(), SandboxError> {
        self.app.add_attendee(webinar_key, session_key, &attendee)
    }

    /// Keys of the (not cancelled) webinars, in creation order.
    pub fn webinar_keys(&self) -> Vec<String> {
        self.app.read(|s| s.webinars.iter().filter(|w| !w.cancelled).map(|w| w.key.clone()).collect())
    }

    /// Keys of the (not cancelled) webinars with this subject.
    pub fn webinars_with_subject(&self, subject: &str) -> Vec<String> {
        self.app.read(|s| {
            s.webinars
                .iter()
                .filter(|w| !w.cancelled && w.subject == subject)
                .map(|w| w.key.clone())
                .collect()
        })
    }

    /// Whether a webinar exists and is not cancelled.
    pub fn webinar_exists(&self, webinar_key: &str) -> bool {
        self.app.read(|s| s.webinar(webinar_key).is_some())
    }

    /// Number of registrants of a webinar (0 if it does not exist).
    pub fn registrant_count(&self, webinar_key: &str) -> usize {
        self.app.read(|s| s.webinar(webinar_key).map_or(0, |w| w.registrants.len()))
    }

    /// How many registrants of a webinar have this email (case-insensitive): 0 or 1 when all is well.
    pub fn registrants_with_email(&self, webinar_key: &str, email: &str) -> usize {
        self.app.read(|s| {
            s.webinar(webinar_key)
                .map_or(0, |w| w.registrants.iter().filter(|r| r.email.eq_ignore_ascii_case(email)).count())
        })
    }

    /// Webhook delivery attempts so far, oldest first.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.app.rt().deliveries.clone()
    }

    /// Sends the last delivered event again (same `eventKey`); false if none was delivered.
    pub async fn redeliver_last_event(&self) -> bool {
        self.app.redeliver_last().await
    }

    /// Writes the state file now (no-op without one).
    pub fn save_state(&self) -> Result<(), SandboxError> {
        match &self.control.state_file {
            Some(path) => self.app.save_to(path),
            None => Ok(()),
        }
    }

    /// Stops accepting requests, closes connections and saves the state file.
    pub async fn shutdown(self) {
        let _ = self.control.stop.send(true);
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.control.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
        if let Err(e) = self.save_state() {
            tracing::warn!(error = %e, "saving sandbox state at shutdown failed");
        }
    }
}
