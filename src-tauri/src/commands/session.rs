//! Signing out.

use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

/// Forgets every token and stops a practice tenant.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> IpcResult<()> {
    if let Some(active) = state.set_active(None) {
        active.recovery.sign_out(Some(active.session)).await?;
    }
    Ok(())
}
