//! `pmpc-recovery-cli`: the recovery wizard without a window, for support staff and scripts.
//!
//! Human output goes to stderr as the steps run; the result goes to stdout (one JSON object with
//! `--json`). Exit status: 0 done, 1 failed (for `batch`: a tenant did not finish or a line could
//! not be read), 2 bad arguments (clap exits with 2 itself).

mod args;
mod batch_file;
mod batch_report;
mod commands;
mod context;
mod progress;
mod render;

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            progress::say!("error: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let json = cli.global.json;
    let exit_code = match runtime.block_on(commands::dispatch(cli)) {
        Ok(output) => {
            render::print_stdout(&output.stdout);
            if output.complete {
                0
            } else {
                1
            }
        }
        Err(e) => {
            render::report_error(&e, json);
            1
        }
    };
    std::process::exit(exit_code);
}

/// Log lines (not progress) on stderr, filtered by `PMPC_RECOVERY_LOG` (default: warnings).
/// Each record is one line whatever a server's message holds ([`progress::LogLines`]).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PMPC_RECOVERY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(progress::LogLines)
        .init();
}
