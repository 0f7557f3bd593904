//! `gotowebinar`: run the GoToWebinar component's functions locally, as a platform step, or as a
//! service; write its manifest; serve the simulated GoToWebinar; show the demo.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use gotowebinar_component::{component, manifest_text};

/// The GoToWebinar component for elastic.io-style integration platforms.
#[derive(Parser)]
#[command(name = "gotowebinar", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one function as the platform would; print each emitted event as a JSON line.
    Exec(sailor::ExecArgs),
    /// Run as a flow step: consume and publish the platform's AMQP messages (ELASTICIO_* environment).
    Sail,
    /// Answer one platform service call (verifyCredentials, getMetaModel or selectModel) from the
    /// ELASTICIO_* environment and post the result.
    Serve {
        /// The service method.
        method: String,
    },
    /// Write component.json from the functions' descriptions (or check it with --check).
    Manifest {
        /// Where to write the manifest.
        #[arg(long, default_value = "component.json")]
        out: PathBuf,
        /// Fail (exit 1) when the file differs from what would be written, instead of writing it.
        #[arg(long)]
        check: bool,
    },
    /// Serve the simulated GoToWebinar service on 127.0.0.1 and print a ready credential.
    Sandbox(gotowebinar_sandbox::SandboxArgs),
    /// Provision a credential: authorization URL, callback, code exchange, refresh, show.
    Auth(gotowebinar_component::auth::AuthArgs),
    /// Show the component's main job end to end on a built-in sandbox.
    Demo(gotowebinar_component::demo::DemoArgs),
    /// The application's webhook configuration: `create-secret` makes the secret key once;
    /// `test-event` has a sandbox send a sample delivery.
    Webhooks(gotowebinar_component::triggers::secret::WebhooksArgs),
}

fn runtime(built: std::io::Result<tokio::runtime::Runtime>) -> Result<tokio::runtime::Runtime, ExitCode> {
    built.map_err(|error| {
        eprintln!("gotowebinar: cannot start the async runtime: {error}");
        ExitCode::from(2)
    })
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Exec(_) | Command::Sail | Command::Serve { .. }) {
        // The system's root certificates take milliseconds to read; read them beside the runtime's
        // start, the broker connections and the step fetch instead of before the first request.
        // Without the thread, the first client reads them itself.
        let _ = std::thread::Builder::new().name("tls-roots".into()).spawn(tlsroots::warm_up);
    }
    let built = match cli.command {
        Command::Sail => sailor::sail_runtime(),
        _ => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
    };
    let runtime = match runtime(built) {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match cli.command {
        Command::Exec(args) => {
            sailor::init_stderr_logging();
            let component = component();
            exit(runtime.block_on(sailor::run_local(&component, args)))
        }
        Command::Sail => {
            let component = component();
            // An unusable environment is also reported to the flow's error queue.
            match runtime.block_on(sailor::run_sail_from_env(&component)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error @ sailor::SailError::Settings(_)) => {
                    eprintln!("gotowebinar sail: {error}");
                    ExitCode::from(2)
                }
                Err(error) => {
                    eprintln!("gotowebinar sail: {}", sailor::printable(&error.to_string(), false));
                    ExitCode::from(1)
                }
            }
        }
        Command::Serve { method } => {
            let component = component();
            match runtime.block_on(sailor::run_service(&component, &method)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("gotowebinar serve {method}: {}", sailor::printable(&error.to_string(), false));
                    ExitCode::from(1)
                }
            }
        }
        Command::Manifest { out, check } => write_manifest(&out, check),
        Command::Sandbox(args) => {
            sailor::init_stderr_logging();
            match runtime.block_on(gotowebinar_sandbox::serve_cli(args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("gotowebinar sandbox: {}", sailor::printable(&error.to_string(), false));
                    ExitCode::from(1)
                }
            }
        }
        Command::Auth(args) => exit(runtime.block_on(gotowebinar_component::auth::run(args))),
        Command::Demo(args) => exit(runtime.block_on(gotowebinar_component::demo::run(args))),
        Command::Webhooks(args) => {
            sailor::init_stderr_logging();
            exit(runtime.block_on(gotowebinar_component::triggers::secret::run(args)))
        }
    }
}

fn write_manifest(out: &PathBuf, check: bool) -> ExitCode {
    let text = manifest_text();
    if check {
        return match std::fs::read_to_string(out) {
            Ok(existing) if existing == text => ExitCode::SUCCESS,
            Ok(_) => {
                eprintln!(
                    "{} is out of date: run `gotowebinar manifest` and commit the result",
                    out.display()
                );
                ExitCode::from(1)
            }
            Err(error) => {
                eprintln!("cannot read {}: {error}", out.display());
                ExitCode::from(2)
            }
        };
    }
    match std::fs::write(out, text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot write {}: {error}", out.display());
            ExitCode::from(2)
        }
    }
}
