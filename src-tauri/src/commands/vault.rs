//! The client secret: revealed or copied only on the user's request, never otherwise sent to the UI.

use std::time::Duration;

use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::error::{IpcError, IpcResult};
use crate::state::{AppState, Handover};
use recovery::{Code, Secret};

/// How long a copied secret stays on the clipboard.
const CLIPBOARD_CLEAR_AFTER: Duration = Duration::from_secs(30);

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "Copied.ts")]
pub struct Copied {
    #[ts(type = "number")]
    pub clear_after_seconds: u64,
}

#[tauri::command]
pub async fn reveal_secret(state: State<'_, AppState>) -> IpcResult<String> {
    let secret = secret(&state, &handed_over(&state)?).await?;
    Ok(secret.expose().to_string())
}

/// Copies the secret (alone, or with the three IDs as a labelled block), kept out of clipboard
/// history, and clears the clipboard after a while if it still holds what we put there.
#[tauri::command]
pub async fn copy_secret(state: State<'_, AppState>, with_ids: bool) -> IpcResult<Copied> {
    copy(&state, &handed_over(&state)?, with_ids).await
}

/// Copies `h`'s secret (alone, or with its three IDs as a labelled block) for a while: the
/// handed-over app's (Finish) or a chosen run's (the Runs page).
pub(crate) async fn copy(state: &AppState, h: &Handover, with_ids: bool) -> IpcResult<Copied> {
    let secret = secret(state, h).await?;
    let text = if with_ids {
        labelled_block(h, &secret)
    } else {
        secret.expose().to_string()
    };
    let clipboard = state.clipboard.clone();
    tauri::async_runtime::spawn_blocking(move || {
        clipboard.copy_for_a_while(text, CLIPBOARD_CLEAR_AFTER)
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r)
    .map_err(|e| IpcError::new(Code::Internal, format!("Could not use the clipboard: {e}")))?;
    Ok(Copied {
        clear_after_seconds: CLIPBOARD_CLEAR_AFTER.as_secs(),
    })
}

/// Copies what the page shows (an ID, a link, the diagnostics): plainly, and it stays. Through
/// the app's own clipboard handle, as the secret is, so no clipboard plugin (and its image
/// support) ships.
#[tauri::command]
pub async fn copy_text(state: State<'_, AppState>, text: String) -> IpcResult<()> {
    let clipboard = state.clipboard.clone();
    tauri::async_runtime::spawn_blocking(move || clipboard.copy(text))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|e| IpcError::new(Code::Internal, format!("Could not use the clipboard: {e}")))
}

/// Removes the client secret from this computer's keychain (the app registration stays).
#[tauri::command]
pub async fn forget_secrets(state: State<'_, AppState>) -> IpcResult<()> {
    if let Some(h) = state.handover() {
        state
            .secret_keeper(&h)?
            .forget_secret(&h.tenant_id, &h.app_id)
            .await?;
    }
    Ok(())
}

/// The app whose values Finish shows.
fn handed_over(state: &AppState) -> IpcResult<Handover> {
    state.handover().ok_or_else(|| {
        IpcError::new(
            Code::SecretMissing,
            "No client secret was made on this computer yet.",
        )
    })
}

/// `h`'s secret, from the store that holds it (the keychain, or a practice sign-in's memory).
pub(crate) async fn secret(state: &AppState, h: &Handover) -> IpcResult<Secret> {
    Ok(state
        .secret_keeper(h)?
        .reveal_secret(&h.tenant_id, &h.app_id)
        .await?)
}

fn labelled_block(h: &Handover, secret: &Secret) -> String {
    format!(
        "Application (client) ID: {}\nObject ID: {}\nDirectory (tenant) ID: {}\nClient secret value: {}\n",
        h.app_id,
        h.object_id,
        h.tenant_id,
        secret.expose()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_block_names_every_value() {
        let h = Handover {
            tenant_id: "t".into(),
            app_id: "a".into(),
            object_id: "o".into(),
            practice: false,
        };
        let block = labelled_block(&h, &Secret::new("s3cr3t"));
        assert_eq!(
            block,
            "Application (client) ID: a\nObject ID: o\nDirectory (tenant) ID: t\nClient secret value: s3cr3t\n"
        );
    }
}
