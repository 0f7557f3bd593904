//! Stopping on SIGTERM / SIGINT without losing credentials: work that must not be cut short (a
//! token request whose answer rotates the refresh token, writing new keys) is finished first.
//!
//! Two ways to mark such work: a [`Critical`] guard held around it, or a drain hook
//! ([`on_drain`]) that waits for work running in the background (a component's token refreshes).
//! [`drain`] waits for both, bounded.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;

/// How long a stopping process waits for critical work: a token request's HTTP timeout (20 s)
/// plus the time to write the answer.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(25);

/// A stop signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Signal {
    /// The exit status a process stopped by this signal reports: 128 + the signal number.
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }

    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Starts listening for SIGTERM and SIGINT at once (so neither kills the process from now on) and
/// returns a future that resolves with the first one to arrive.
///
/// Must be called inside a Tokio runtime.
pub fn listen() -> Pin<Box<dyn Future<Output = Signal> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => Box::pin(async move {
                tokio::select! {
                    _ = term.recv() => Signal::Terminate,
                    _ = int.recv() => Signal::Interrupt,
                }
            }),
            (term, int) => {
                let error = term.err().or(int.err()).map(|e| e.to_string()).unwrap_or_default();
                tracing::warn!(error = %error, "cannot listen for SIGTERM/SIGINT; a signal stops the process at once");
                Box::pin(std::future::pending())
            }
        }
    }
    #[cfg(not(unix))]
    {
        Box::pin(async {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Interrupt
        })
    }
}

struct Counter {
    running: AtomicUsize,
    idle: Notify,
}

fn counter() -> &'static Counter {
    static COUNTER: OnceLock<Counter> = OnceLock::new();
    COUNTER.get_or_init(|| Counter { running: AtomicUsize::new(0), idle: Notify::new() })
}

/// Held around work a stop must wait for; see [`critical`].
#[derive(Debug)]
#[must_use = "the work is protected only while the guard is held"]
pub struct Critical(());

/// Marks critical work until the guard is dropped.
pub fn critical() -> Critical {
    counter().running.fetch_add(1, Ordering::SeqCst);
    Critical(())
}

impl Drop for Critical {
    fn drop(&mut self) {
        if counter().running.fetch_sub(1, Ordering::SeqCst) == 1 {
            counter().idle.notify_waiters();
        }
    }
}

type Hook = Box<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

fn hooks() -> &'static Mutex<Vec<Hook>> {
    static HOOKS: OnceLock<Mutex<Vec<Hook>>> = OnceLock::new();
    HOOKS.get_or_init(Default::default)
}

/// Registers a hook that [`drain`] awaits: it resolves once background work that must not be lost
/// (a token refresh and the save of its answer) has finished.
pub fn on_drain<F, Fut>(hook: F)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    hooks().lock().unwrap_or_else(|p| p.into_inner()).push(Box::new(move || Box::pin(hook())));
}

async fn critical_idle() {
    let counter = counter();
    loop {
        let notified = counter.idle.notified();
        if counter.running.load(Ordering::SeqCst) == 0 {
            return;
        }
        notified.await;
    }
}

/// After a stop signal: keeps driving `work` while a [`Critical`] guard is held (at most
/// `limit`), so a token request under way gets its answer written. `Some` when `work` finished
/// meanwhile; `None` when it was stopped at a point where nothing critical was running.
pub async fn finish_critical<F: Future>(work: Pin<&mut F>, limit: Duration) -> Option<F::Output> {
    let run = async move {
        tokio::select! {
            biased;
            output = work => Some(output),
            () = critical_idle() => None,
        }
    };
    tokio::time::timeout(limit, run).await.unwrap_or_else(|_| {
        tracing::error!(
            limit_s = limit.as_secs(),
            "credential work was still running when the stop deadline passed"
        );
        None
    })
}

/// Waits, at most `limit`, until no [`Critical`] guard is held and every drain hook has resolved.
/// Returns `false` when the limit was reached first.
pub async fn drain(limit: Duration) -> bool {
    let pending: Vec<_> =
        hooks().lock().unwrap_or_else(|p| p.into_inner()).iter().map(|hook| hook()).collect();
    let all = async move {
        futures::future::join_all(pending).await;
        critical_idle().await;
    };
    match tokio::time::timeout(limit, all).await {
        Ok(()) => true,
        Err(_) => {
            tracing::error!(
                limit_s = limit.as_secs(),
                "credential work was still running when the stop deadline passed; stopping anyway"
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drain_and_finish_wait_for_critical_work_and_are_bounded() {
        assert!(drain(Duration::from_millis(50)).await);
        let guard = critical();
        assert!(!drain(Duration::from_millis(50)).await, "held work keeps the drain waiting");
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(guard);
        });
        assert!(drain(Duration::from_secs(5)).await);
        release.await.unwrap();

        // One test: the guards are process-wide.
        let plain = std::pin::pin!(async { 1 });
        // Nothing critical: the work may be dropped (or be done already).
        let _ = finish_critical(plain, Duration::from_secs(1)).await;
        let work = std::pin::pin!(async {
            let _guard = critical();
            tokio::time::sleep(Duration::from_millis(50)).await;
            7
        });
        // The guard is taken on the first poll, so the work runs to its end.
        assert_eq!(finish_critical(work, Duration::from_secs(5)).await, Some(7));
    }

    #[test]
    fn exit_codes_are_128_plus_the_signal_number() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
    }
}
