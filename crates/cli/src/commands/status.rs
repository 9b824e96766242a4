//! `status`: every run on this computer, in the form of the app's Runs page, without signing in.

use std::path::Path;

use recovery::{Error, RunState, RunStatus};

use crate::commands::receipt;
use crate::context::Context;
use crate::render::{self, RecordedRun};

pub async fn status(
    context: &Context,
    show_secret: bool,
    ics: Option<&Path>,
) -> Result<String, Error> {
    // Every run, cleaned-up ones too, newest first: the app's Runs page.
    let statuses = context.recovery.runs().await?;
    if let Some(file) = ics {
        let open: Vec<RunStatus> = statuses
            .iter()
            .filter(|s| s.state != RunState::CleanedUp)
            .cloned()
            .collect();
        let tenant = receipt::chosen_run(context, &open, true)?;
        receipt::save_calendar(context, &tenant, file)?;
    }
    let mut runs = Vec::new();
    for status in statuses {
        let client_secret = if show_secret {
            keychain_secret(context, &status).await?
        } else {
            None
        };
        runs.push(RecordedRun {
            status,
            client_secret,
        });
    }
    Ok(if context.args.json {
        render::status_json(&runs)
    } else {
        render::status_text(&runs, time::OffsetDateTime::now_utc())
    })
}

/// The run's client secret from the keychain, if the run made one and it is still there.
pub async fn keychain_secret(
    context: &Context,
    status: &RunStatus,
) -> Result<Option<String>, Error> {
    let Ok(app) = status.app_with_secret() else {
        return Ok(None);
    };
    let secret = context
        .recovery
        .reveal_secret(&status.journal.tenant_id, &app.app_id)
        .await?;
    Ok(Some(secret.expose().to_string()))
}
