//! Runs the sandbox on its own: `cargo run -p gotowebinar-sandbox --example sandbox -- --help`.

use clap::Parser;
use gotowebinar_sandbox::{serve_cli, SandboxArgs};

/// A simulated GoToWebinar service.
#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: SandboxArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match serve_cli(Cli::parse().args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
