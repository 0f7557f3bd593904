//! The `sandbox` command: arguments and the serve loop.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use crate::config::{
    random_secret, FaultConfig, SandboxConfig, SandboxError, DEFAULT_CLIENT_ID, DEFAULT_WEBHOOK_SECRET,
};
use crate::seed::SeedData;
use crate::server::Sandbox;

/// Arguments of the `sandbox` command.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind_address: IpAddr,
    /// Lifetime of access tokens in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_ttl: u64,
    /// Requests per second per client id (0 = off).
    #[arg(long, default_value_t = 10)]
    pub rate_limit: u32,
    /// Fraction of API responses that fail (500 HTML, 503, reset, slow), 0.0–1.0.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed of the fault RNG, to replay a run.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// Longest delay of a slow answer, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub fault_max_delay_ms: u64,
    /// Seed data file (JSON; see the crate README); default a built-in realistic seed.
    #[arg(long)]
    pub seed: Option<PathBuf>,
    /// State file: loaded at start when it exists, saved on changes and at exit.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Issue a new refresh token on every refresh.
    #[arg(long)]
    pub rotate_refresh_tokens: bool,
    /// Refresh tokens work once (implies rotation).
    #[arg(long)]
    pub single_use_refresh_tokens: bool,
    /// A refresh revokes the grant's earlier access tokens.
    #[arg(long)]
    pub revoke_on_refresh: bool,
    /// OAuth client id.
    #[arg(long, default_value = DEFAULT_CLIENT_ID)]
    pub client_id: String,
    /// The application's webhook secret key that signs deliveries (`X-Webhook-Signature`).
    #[arg(long, default_value = DEFAULT_WEBHOOK_SECRET)]
    pub webhook_secret: String,
    /// Approve every sign-in at once instead of showing the consent page (for scripts and tests).
    #[arg(long)]
    pub auto_approve: bool,
    /// Register a redirect URI besides loopback (http://127.0.0.1, localhost, [::1] on any port,
    /// always allowed); compared exactly. Repeatable.
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// Write a ready credential file (the cfg `gotowebinar exec --cfg` reads) to FILE, mode 0600.
    #[arg(long, value_name = "FILE")]
    pub write_cfg: Option<PathBuf>,
    /// Print `export NAME=value` lines that point the component at this sandbox (API and auth
    /// URLs, client id and secret, webhook secret) instead of the JSON line; the credential is in
    /// the --write-cfg file.
    #[arg(long)]
    pub print_env: bool,
}

impl SandboxArgs {
    /// The configuration these arguments describe. The client secret is kept from the state file when
    /// it holds one for the same client id, so a restarted sandbox accepts the same credential.
    pub fn to_config(&self) -> Result<SandboxConfig, SandboxError> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(SandboxError::Invalid("--fault-rate must be between 0 and 1".into()));
        }
        for uri in &self.redirect_uris {
            crate::signin::check_registration(uri)
                .map_err(|why| SandboxError::Invalid(format!("--redirect-uri: {why}")))?;
        }
        let seed = match &self.seed {
            Some(path) => Some(SeedData::from_file(path)?),
            None => None,
        };
        let stored_secret = match &self.state {
            Some(path) if path.exists() => {
                crate::control::load_state(path)?.clients.get(&self.client_id).cloned()
            }
            _ => None,
        };
        Ok(SandboxConfig {
            bind: SocketAddr::new(self.bind_address, self.port),
            token_ttl: Duration::from_secs(self.token_ttl),
            rotate_refresh_tokens: self.rotate_refresh_tokens,
            single_use_refresh_tokens: self.single_use_refresh_tokens,
            revoke_on_refresh: self.revoke_on_refresh,
            rate_limit: Some(self.rate_limit).filter(|r| *r > 0),
            faults: FaultConfig {
                rate: self.fault_rate,
                seed: self.fault_seed,
                max_delay: Duration::from_millis(self.fault_max_delay_ms),
                ..FaultConfig::default()
            },
            seed,
            state_file: self.state.clone(),
            client_id: self.client_id.clone(),
            client_secret: stored_secret.unwrap_or_else(random_secret),
            webhook_secret: self.webhook_secret.clone(),
            auto_approve: self.auto_approve,
            redirect_uris: self.redirect_uris.clone(),
        })
    }
}

/// Waits for Ctrl-C or SIGTERM. The handlers are installed when this is built, so a signal that
/// arrives right after the credential line is printed is not lost.
struct Stop {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stop {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Self { signals: signal(SignalKind::terminate()).ok().zip(signal(SignalKind::interrupt()).ok()) }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut term, mut int)) = self.signals {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Starts the sandbox, writes the `--write-cfg` file, prints one JSON line with a ready credential
/// (`apiUrl`, `authUrl`, `clientId`, `clientSecret`, `refreshToken`, `organizerKey`) or, with
/// `--print-env`, the environment to export; serves until Ctrl-C or SIGTERM, then saves the state.
pub async fn serve_cli(args: SandboxArgs) -> Result<(), SandboxError> {
    let stop = Stop::install();
    if let Some(path) = &args.write_cfg {
        // Before the port opens: a path that cannot work is an error at once.
        crate::cfgfile::check_target(path)?;
    }
    let sandbox = Sandbox::start(args.to_config()?).await?;
    let tokens = sandbox.issue_tokens();
    if let Some(path) = &args.write_cfg {
        let written = crate::cfgfile::write(path, &crate::cfgfile::credential(&sandbox, &tokens));
        if let Err(error) = written {
            sandbox.shutdown().await;
            return Err(error);
        }
    }
    let text = if args.print_env {
        crate::cfgfile::env_lines(&sandbox)
    } else {
        let mut line = json!({
            "apiUrl": sandbox.url(),
            "authUrl": sandbox.url(),
            "clientId": sandbox.client_id(),
            "clientSecret": sandbox.client_secret(),
            "refreshToken": tokens.get("refresh_token").cloned().unwrap_or_default(),
            "organizerKey": sandbox.organizer_key(),
        });
        if let Some(token) = sandbox.admin_token() {
            // Beyond loopback the control endpoints need it.
            line["adminToken"] = json!(token);
        }
        format!("{line}\n")
    };
    {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    stop.wait().await;
    sandbox.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SandboxArgs,
    }

    #[test]
    fn arguments_become_a_config() {
        let cli = Cli::try_parse_from([
            "sandbox",
            "--port",
            "0",
            "--token-ttl",
            "5",
            "--rate-limit",
            "0",
            "--fault-rate",
            "0.05",
            "--fault-seed",
            "9",
            "--single-use-refresh-tokens",
        ])
        .unwrap();
        let config = cli.args.to_config().unwrap();
        assert_eq!(config.token_ttl, Duration::from_secs(5));
        assert_eq!(config.rate_limit, None);
        assert_eq!((config.faults.rate, config.faults.seed), (0.05, 9));
        assert!(config.single_use_refresh_tokens && !config.rotate_refresh_tokens);
        assert!(config.bind.ip().is_loopback());
        assert_eq!(config.client_id, DEFAULT_CLIENT_ID);
        assert!(!format!("{config:?}").contains(&config.client_secret));

        let defaults = Cli::try_parse_from(["sandbox"]).unwrap().args.to_config().unwrap();
        assert_eq!(defaults.rate_limit, Some(10));
        assert!(!defaults.auto_approve && defaults.redirect_uris.is_empty());

        let signin = Cli::try_parse_from([
            "sandbox",
            "--auto-approve",
            "--redirect-uri",
            "https://app.example.com/cb",
            "--redirect-uri",
            "https://tenant.example.com/callback/oauth2",
        ])
        .unwrap();
        let config = signin.args.to_config().unwrap();
        assert!(config.auto_approve);
        assert_eq!(
            config.redirect_uris,
            ["https://app.example.com/cb", "https://tenant.example.com/callback/oauth2"]
        );
        let fragment =
            Cli::try_parse_from(["sandbox", "--redirect-uri", "https://app.example.com/cb#x"]).unwrap();
        let err = fragment.args.to_config().unwrap_err().to_string();
        assert!(err.contains("--redirect-uri") && err.contains("fragment"), "{err}");
        assert_eq!(defaults.token_ttl, Duration::from_secs(3600));

        let bad = Cli::try_parse_from(["sandbox", "--fault-rate", "1.5"]).unwrap();
        assert!(bad.args.to_config().is_err());
        let missing = Cli::try_parse_from(["sandbox", "--seed", "/nonexistent/seed.json"]).unwrap();
        let err = missing.args.to_config().unwrap_err().to_string();
        assert!(err.contains("/nonexistent/seed.json"), "{err}");
    }
}
