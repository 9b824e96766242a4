//! `status`: the recorded runs, without signing in.

use std::path::Path;

use recovery::Error;

use crate::commands::receipt;
use crate::context::Context;
use crate::render::{self, RecordedRun};

pub async fn status(
    context: &Context,
    show_secret: bool,
    ics: Option<&Path>,
) -> Result<String, Error> {
    let statuses = context.recovery.status().await?;
    if let Some(file) = ics {
        let tenant = receipt::chosen_run(context, &statuses, true)?;
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
        render::status_text(&runs)
    })
}

/// The run's client secret from the keychain, if the run made one and it is still there.
async fn keychain_secret(
    context: &Context,
    status: &recovery::RunStatus,
) -> Result<Option<String>, Error> {
    let Some(app) = &status.journal.app else {
        return Ok(None);
    };
    if !status.secret_in_keychain {
        return Ok(None);
    }
    let secret = context
        .recovery
        .reveal_secret(&status.journal.tenant_id, &app.app_id)
        .await?;
    Ok(Some(secret.expose().to_string()))
}
