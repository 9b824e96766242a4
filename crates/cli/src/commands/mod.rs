//! One module per subcommand. Each does its work through the engine and returns what goes on
//! stdout (text, or JSON with `--json`); `main` prints it or reports the error.

mod batch;
mod cleanup;
mod plan;
mod receipt;
mod run;
mod sign_in;
mod sign_out;
mod status;

use recovery::Error;

use crate::args::{Cli, Command};
use crate::context::Context;

/// What a command prints on stdout, and whether it did everything it was asked to (exit status
/// 0) or not (1: a batch with a tenant that did not finish or a line that could not be read).
#[derive(Debug)]
pub struct Output {
    pub stdout: String,
    pub complete: bool,
}

impl From<String> for Output {
    fn from(stdout: String) -> Self {
        Self {
            stdout,
            complete: true,
        }
    }
}

pub async fn dispatch(cli: Cli) -> Result<Output, Error> {
    let context = Context::from_args(&cli.global).await?;
    let stdout = match cli.command {
        Command::Run(args) => run::run(&context, args).await,
        Command::SignIn => sign_in::sign_in(&context).await,
        Command::Batch(args) => return batch::batch(&context, &args).await,
        Command::Status { show_secret, ics } => {
            status::status(&context, show_secret, ics.as_deref()).await
        }
        Command::Receipt(args) => receipt::receipt(&context, &args).await,
        Command::Cleanup { purge, object_id } => cleanup::cleanup(&context, purge, object_id).await,
        Command::SignOut => sign_out::sign_out(&context).await,
        Command::Plan => Ok(plan::plan(&context)),
    };
    stdout.map(Output::from)
}
