//! Control of the flow while it waits: give up on a sign-in, stop a run to continue later, let
//! the step-by-step mode's next step start. Each wakes what waits in [`AppState`].

use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

/// Gives up on a sign-in that is waiting for the browser (the user closed the tab, or changed
/// their mind).
#[tauri::command]
pub async fn cancel_sign_in(state: State<'_, AppState>) -> IpcResult<()> {
    state.cancel_sign_in.notify_waiters();
    Ok(())
}

/// "Stop and continue later": stops a run where it waits; `run` then fails with
/// `Code::Interrupted`, and the next run of this tenant (after a sign-in) continues there.
#[tauri::command]
pub async fn stop_run(state: State<'_, AppState>) -> IpcResult<()> {
    state.stop_run.notify_waiters();
    Ok(())
}

/// Step-by-step mode: let the engine start its next step.
#[tauri::command]
pub async fn proceed(state: State<'_, AppState>) -> IpcResult<()> {
    state.gate.release();
    Ok(())
}
