//! Operations behind the knobs, shared by the Rust API and the `/_sandbox` HTTP routes.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use crate::api::{emit, registrant_added_payload, webinar_event};
use crate::app::App;
use crate::config::SandboxError;
use crate::json::{fmt_time, num};
use crate::model::State;
use crate::seed::{self, SeedAttendee, SeedRegistrant, SeedSession, SeedWebinar};

impl App {
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.rt().token_ttl = ttl;
    }

    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        let mut rt = self.rt();
        rt.rate_limit = per_second.filter(|n| *n > 0);
        rt.windows.clear();
    }

    pub fn set_refresh_policy(&self, rotate: bool, single_use: bool, revoke_on_refresh: bool) {
        let mut rt = self.rt();
        rt.rotate = rotate;
        rt.single_use = single_use;
        rt.revoke_on_refresh = revoke_on_refresh;
    }

    pub fn set_clock_offset(&self, offset: chrono::Duration) {
        self.0.clock_offset_ms.store(offset.num_milliseconds(), Ordering::Relaxed);
    }

    pub fn clock_offset(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(self.0.clock_offset_ms.load(Ordering::Relaxed))
    }

    /// The runtime settings, as `/_sandbox/config` shows them.
    pub fn config_json(&self) -> Value {
        let offset = self.clock_offset().num_seconds();
        let rt = self.rt();
        json!({
            "tokenTtlSeconds": rt.token_ttl.as_secs(),
            "rotateRefreshTokens": rt.rotate,
            "singleUseRefreshTokens": rt.single_use,
            "revokeOnRefresh": rt.revoke_on_refresh,
            "rateLimit": rt.rate_limit,
            "faults": rt.faults,
            "clockOffsetSeconds": offset,
            "tokenAnswerDelayMs": u64::try_from(rt.token_answer_delay.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// The state with token values and client secrets left out; keys are strings.
    pub fn dump(&self) -> Value {
        let mut v = self.read(|s| serde_json::to_value(s).unwrap_or(Value::Null));
        let counts = self.read(|s| {
            json!({
                "accessTokens": s.oauth.access_tokens.len(),
                "refreshTokens": s.oauth.refresh_tokens.len(),
                "authorizationCodes": s.oauth.codes.len(),
            })
        });
        if let Some(obj) = v.as_object_mut() {
            obj.insert("oauth".into(), counts);
            let clients: Vec<Value> = self.read(|s| s.clients.keys().map(|k| json!(k)).collect());
            obj.insert("clients".into(), Value::Array(clients));
            if let Some(keys) = obj.get_mut("secretKeys").and_then(Value::as_array_mut) {
                for k in keys {
                    k["value"] = json!("<redacted>");
                }
            }
        }
        v
    }

    pub fn add_webinar(&self, w: &SeedWebinar) -> Result<String, SandboxError> {
        let now = self.now();
        let (key, webinar) = self
            .write(|s| {
                let key = seed::add_webinar(s, w, now)?;
                let webinar = s.webinar(&key).cloned().ok_or("webinar vanished")?;
                Ok::<_, String>((key, webinar))
            })
            .map_err(SandboxError::Invalid)?;
        emit(self, &webinar.organizer_key, "webinar.created", webinar_event(&webinar));
        Ok(key)
    }

    pub fn set_webinar_subject(&self, webinar_key: &str, subject: &str) -> Result<(), SandboxError> {
        let webinar = self.write(|s| {
            let w = s.webinar_mut(webinar_key)?;
            w.subject = subject.to_string();
            Some(w.clone())
        });
        let webinar = webinar.ok_or_else(|| SandboxError::NotFound(format!("webinar {webinar_key}")))?;
        emit(self, &webinar.organizer_key, "webinar.changed", webinar_event(&webinar));
        Ok(())
    }

    pub fn add_registrant(&self, webinar_key: &str, r: &SeedRegistrant) -> Result<String, SandboxError> {
        let now = self.now();
        let added = self.write(|s| {
            if s.webinar(webinar_key).is_none() {
                return Err(SandboxError::NotFound(format!("webinar {webinar_key}")));
            }
            let key = seed::add_registrant(s, webinar_key, r, now).map_err(SandboxError::Invalid)?;
            let w = s.webinar(webinar_key).ok_or_else(|| SandboxError::NotFound(webinar_key.into()))?;
            let reg = w.registrants.iter().find(|x| x.key == key).cloned();
            Ok((key, w.organizer_key.clone(), w.account_key.clone(), reg))
        })?;
        let (key, organizer, account, reg) = added;
        if let Some(reg) = reg {
            let payload = registrant_added_payload(self, webinar_key, &organizer, &account, &reg);
            emit(self, &organizer, "registrant.added", payload);
        }
        Ok(key)
    }

    pub fn add_session(&self, webinar_key: &str, session: &SeedSession) -> Result<String, SandboxError> {
        let now = self.now();
        self.write(|s| {
            if s.webinar(webinar_key).is_none() {
                return Err(SandboxError::NotFound(format!("webinar {webinar_key}")));
            }
            seed::add_session(s, webinar_key, session, now).map_err(SandboxError::Invalid)
        })
    }

    /// Adds an attendee (a registrant who joined) to a session and announces `registrant.joined`.
    pub fn add_attendee(
        &self,
        webinar_key: &str,
        session_key: &str,
        a: &SeedAttendee,
    ) -> Result<(), SandboxError> {
        let now = self.now();
        let joined = self.write(|s| {
            let w = s
                .webinar_mut(webinar_key)
                .ok_or_else(|| SandboxError::NotFound(format!("webinar {webinar_key}")))?;
            let reg =
                w.registrants.iter().find(|r| r.email.eq_ignore_ascii_case(&a.email)).cloned().ok_or_else(
                    || SandboxError::NotFound(format!("registrant {} of webinar {webinar_key}", a.email)),
                )?;
            let session = w
                .sessions
                .iter_mut()
                .find(|x| x.key == session_key)
                .ok_or_else(|| SandboxError::NotFound(format!("session {session_key}")))?;
            let attendee = seed::attendee(a, &reg, (now.max(session.start_time), session.end_time), now)
                .map_err(SandboxError::Invalid)?;
            let join_time = attendee.join_time;
            session.attendees.retain(|x| x.registrant_key != reg.key);
            session.attendees.push(attendee);
            Ok::<_, SandboxError>((reg, join_time, w.organizer_key.clone(), w.account_key.clone()))
        })?;
        let (reg, join_time, organizer, account) = joined;
        let payload = json!({
            "registrantKey": num(&reg.key),
            "webinarKey": num(webinar_key),
            "sessionKey": num(session_key),
            "webinarCreatorKey": num(&organizer),
            "accountKey": num(&account),
            "firstName": reg.first_name,
            "lastName": reg.last_name,
            "email": reg.email,
            "joinTime": fmt_time(join_time),
        });
        emit(self, &organizer, "registrant.joined", payload);
        Ok(())
    }

    /// Sends the last delivered event again (same `eventKey`) to the same callback.
    pub async fn redeliver_last(&self) -> bool {
        let last = self.rt().last_event.clone();
        match last {
            Some((event_key, event_name, url, body)) => {
                crate::api::deliver_event(self, event_key, event_name, url, body).await;
                true
            }
            None => false,
        }
    }

    /// Writes the state to `path` atomically, readable only by the owner.
    pub fn save_to(&self, path: &Path) -> Result<(), SandboxError> {
        let text = self
            .read(serde_json::to_string_pretty)
            .map_err(|e| SandboxError::StateSave { path: path.into(), source: std::io::Error::other(e) })?;
        write_private(path, text.as_bytes())
            .map_err(|source| SandboxError::StateSave { path: path.to_path_buf(), source })
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Reads a state file.
pub(crate) fn load_state(path: &Path) -> Result<State, SandboxError> {
    let err = |message: String| SandboxError::StateLoad { path: path.to_path_buf(), message };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let state: State = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    if state.version != crate::model::STATE_VERSION {
        return Err(err(format!(
            "format version {} is not supported (expected {})",
            state.version,
            crate::model::STATE_VERSION
        )));
    }
    Ok(state)
}
