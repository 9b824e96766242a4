// The app's own commands get generated allow-/deny- permissions, so the capability file decides
// which window may call them (tauri-build `AppManifest::commands`).
const COMMANDS: &[&str] = &[
    "plan",
    "status",
    "sign_in",
    "cancel_sign_in",
    "stop_run",
    "run",
    "proceed",
    "cleanup",
    "reveal_secret",
    "copy_secret",
    "copy_text",
    "forget_secrets",
    "save_receipt",
    "save_calendar",
    "runs",
    "reveal_run_secret",
    "copy_run_secret",
    "forget_run",
    "save_run_receipt",
    "delete_run",
    "sign_out",
    "diagnostics",
    "open_log_folder",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
