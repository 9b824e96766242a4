// The app's own commands get generated allow-/deny- permissions, so the capability file decides
// which window may call them (tauri-build `AppManifest::commands`).
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["plan"])),
    )
    .expect("failed to run tauri-build");
}
