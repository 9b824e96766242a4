//! Help for support staff: the log folder, and what "Copy diagnostics" adds to the UI's own report.

use serde::Serialize;
use tauri::{AppHandle, Runtime};
use tauri_plugin_opener::OpenerExt;
use ts_rs::TS;

use crate::error::{IpcError, IpcResult};
use crate::logging;
use recovery::Code;

/// Log lines a diagnostics report carries.
const TAIL_LINES: usize = 50;

/// The app's side of a diagnostics report. Redacted: no token, no secret.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "Diagnostics.ts")]
pub struct Diagnostics {
    pub app_version: String,
    /// `linux`, `windows` or `macos`, and the processor (`x86_64`, `aarch64`).
    pub os: String,
    pub log_folder: Option<String>,
    /// The last lines of the newest log file, redacted.
    pub log_tail: Vec<String>,
}

#[tauri::command]
pub async fn diagnostics<R: Runtime>(app: AppHandle<R>) -> IpcResult<Diagnostics> {
    let dir = recovery::paths::log_dir().ok();
    let tail_dir = dir.clone();
    let log_tail = tauri::async_runtime::spawn_blocking(move || {
        tail_dir
            .map(|d| logging::tail(&d, TAIL_LINES))
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    Ok(Diagnostics {
        app_version: app.package_info().version.to_string(),
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        log_folder: dir.map(|d| d.display().to_string()),
        log_tail,
    })
}

/// Opens the folder with the log files in the system's file manager.
#[tauri::command]
pub async fn open_log_folder<R: Runtime>(app: AppHandle<R>) -> IpcResult<()> {
    let dir = recovery::paths::log_dir()?;
    let failed = |e: String| {
        IpcError::new(
            Code::Internal,
            format!("Could not open the log folder {}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(&dir).map_err(|e| failed(e.to_string()))?;
    app.opener()
        .open_path(dir.to_string_lossy(), None::<&str>)
        .map_err(|e| failed(e.to_string()))
}
