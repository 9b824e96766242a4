//! `tenant-sim serve --addr 127.0.0.1:0 [--seed N] [--auto-sign-in UPN] [--scenario file.json]
//! [--public-origin https://host]`
//!
//! Prints the Startup JSON as its first stdout line, then serves until Ctrl-C / SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "tenant-sim",
    version,
    about = "Entra ID + Microsoft Graph v1.0 emulator on loopback"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Serve the identity platform and Graph on one origin.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: SocketAddr,
        /// Seed for ids, secrets and jitter.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Sign this user in at /authorize without a page (and approve device codes as them).
        #[arg(long)]
        auto_sign_in: Option<String>,
        /// A Scenario as JSON (see README).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// The origin clients reach it by behind an HTTPS front, e.g. https://login.sim.test
        /// (default: each request's X-Forwarded-Proto/-Host, else the listening address).
        #[arg(long)]
        public_origin: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let Cmd::Serve {
        addr,
        seed,
        auto_sign_in,
        scenario,
        public_origin,
    } = cli.cmd;
    let scenario = match scenario {
        Some(p) => {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", p.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("parsing {}: {e}", p.display()))?
        }
        None => tenant_sim::Scenario::default(),
    };
    let sim = tenant_sim::start(tenant_sim::Options {
        addr,
        seed,
        auto_sign_in,
        scenario,
        public_origin,
    })
    .await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", serde_json::to_string(sim.startup())?)?;
        out.flush()?;
    }
    shutdown_signal().await;
    sim.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
