//! Files for the admin to keep: the receipt for the change ticket (HTML, and the same content as
//! JSON beside it) and the 72-hour deadline as a calendar file (.ics), saved where the admin picks
//! in the OS's save dialog.
//!
//! The dialog proposes names the core made safe (no character a file system refuses, no bidi
//! control, the tenant's name capped). Files are written through `recovery::save`: the picked
//! file is replaced by a fresh one (the dialog asked before replacing it), while the JSON beside
//! it, which the admin never confirmed, never replaces a file that is there: it takes the next
//! free `name (2).json`.
//!
//! `PMPC_SAVE_DIR` (tests of the real window, which cannot drive a native dialog) saves straight
//! into that folder under the default file name instead of asking.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::error::{IpcError, IpcResult};
use crate::state::{AppState, Handover};
use recovery::receipt::file_name;
use recovery::save;
use recovery::{Code, Receipt, Recovery};

/// Saves the receipt of this run (or of the run found on start-up). Returns the HTML file's path
/// (the JSON file is beside it, with `.json`), or None when the admin cancelled the dialog.
#[tauri::command]
pub async fn save_receipt<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> IpcResult<Option<String>> {
    let (_, receipt) = recorded(&state)?;
    save_receipt_file(&app, &receipt).await
}

/// Saves a receipt where the admin picks: the HTML page, and the same content as JSON beside it.
/// Returns the HTML file's path, or None when the admin cancelled the dialog.
pub(crate) async fn save_receipt_file<R: Runtime>(
    app: &AppHandle<R>,
    receipt: &Receipt,
) -> IpcResult<Option<String>> {
    let Some(path) = choose(app, receipt.file_name("html"), "Receipt (web page)", "html").await?
    else {
        return Ok(None);
    };
    write(&path, &receipt.to_html())?;
    let json = save::beside_without_replacing(
        &path.with_extension("json"),
        receipt.to_json().as_bytes(),
        save::Access::Usual,
    )
    .map_err(|e| cannot_save(&path.with_extension("json"), e))?;
    tracing::info!(path = %path.display(), json = %json.display(), "saved the receipt");
    Ok(Some(path.display().to_string()))
}

/// Saves the deadline as an iCalendar file: one event at the deadline, a reminder 12 hours
/// before. Returns the path, or None when the admin cancelled the dialog.
#[tauri::command]
pub async fn save_calendar<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> IpcResult<Option<String>> {
    let (recovery, receipt) = recorded(&state)?;
    let ics = recovery.calendar(&receipt.tenant.tenant_id)?;
    let tenant = receipt
        .tenant
        .name
        .clone()
        .unwrap_or_else(|| receipt.tenant.tenant_id.clone());
    let name = file_name(
        "PMPC Recovery deadline",
        &tenant,
        receipt.generated_at,
        "ics",
    );
    let Some(path) = choose(&app, name, "Calendar event", "ics").await? else {
        return Ok(None);
    };
    write(&path, &ics)?;
    tracing::info!(path = %path.display(), "saved the deadline as a calendar file");
    Ok(Some(path.display().to_string()))
}

/// The recorded run's core (the practice sign-in's for a practice run, this computer's
/// otherwise: the one whose data folder holds its journal) and its receipt.
fn recorded(state: &AppState) -> IpcResult<(Recovery, Receipt)> {
    let h: Handover = state.recorded().ok_or_else(|| {
        IpcError::new(
            Code::InvalidInput,
            "No run was recorded on this computer yet.",
        )
    })?;
    let recovery = state.secret_keeper(&h)?;
    let mut receipt = recovery.receipt(&h.tenant_id)?;
    receipt.practice = h.practice;
    Ok((recovery, receipt))
}

/// Where to save: the OS's save dialog with `default_name` filled in, or `PMPC_SAVE_DIR`.
async fn choose<R: Runtime>(
    app: &AppHandle<R>,
    default_name: String,
    kind: &str,
    extension: &str,
) -> IpcResult<Option<PathBuf>> {
    if let Some(dir) = std::env::var_os("PMPC_SAVE_DIR").filter(|d| !d.is_empty()) {
        return Ok(Some(PathBuf::from(dir).join(default_name)));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(default_name)
        .add_filter(kind, &[extension])
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let picked = rx.await.ok().flatten();
    picked
        .map(|p| {
            p.into_path()
                .map_err(|e| IpcError::new(Code::InvalidInput, format!("Cannot save there: {e}")))
        })
        .transpose()
}

/// The file the admin picked (and agreed to replace): a fresh file renamed over it, so a
/// symlink there is replaced rather than written through.
fn write(path: &std::path::Path, text: &str) -> IpcResult<()> {
    save::replace(path, text.as_bytes(), save::Access::Usual).map_err(|e| cannot_save(path, e))
}

fn cannot_save(path: &std::path::Path, e: std::io::Error) -> IpcError {
    IpcError::new(
        Code::InvalidInput,
        format!("Could not save {}: {e}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use recovery::{Clock, Cloud, Journal, SystemClock};

    use super::*;

    /// The dialog confirmed the `.html` only: a `.json` of the same name already there (another
    /// receipt, or any file of the admin's) stays as it was; the JSON goes to the next free name.
    #[tokio::test]
    async fn the_json_beside_the_receipt_never_replaces_a_file_that_is_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        // No other test of this binary reaches the save dialog (their saves fail before it).
        std::env::set_var("PMPC_SAVE_DIR", dir.path());
        let app = tauri::test::mock_app();
        let now = SystemClock::default().now();
        let receipt = Receipt::from_journal(
            &Journal::new("tid-1", "PMPC Recovery", now),
            Cloud::Global,
            now,
        );
        let html = dir.path().join(receipt.file_name("html"));
        let theirs = html.with_extension("json");
        std::fs::write(&theirs, "theirs").expect("write");

        let saved = save_receipt_file(app.handle(), &receipt)
            .await
            .expect("saved")
            .expect("a path");
        assert_eq!(PathBuf::from(&saved), html);
        let read = |p: &std::path::Path| std::fs::read_to_string(p).expect("read");
        assert!(read(&html).starts_with("<!DOCTYPE html>"));
        assert_eq!(
            read(&theirs),
            "theirs",
            "the file already there is untouched"
        );
        let stem = html
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let beside = dir.path().join(format!("{stem} (2).json"));
        assert!(
            read(&beside).contains("\"tenantId\": \"tid-1\""),
            "{}",
            read(&beside)
        );
    }
}
