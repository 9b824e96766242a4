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
    let conf: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tauri.conf.json").expect("src-tauri/tauri.conf.json is readable"),
    )
    .unwrap_or_else(|e| {
        // A Windows checkout without symlinks holds the link as a one-line text file.
        panic!(
            "src-tauri/tauri.conf.json is not the app's config ({e}). It is a symbolic link to \
             ../tauri.conf.json: on Windows, clone with `git clone -c core.symlinks=true` \
             (Developer Mode on), see the README"
        )
    });
    // The startup message boxes carry the product's name as the window does.
    let name = conf["productName"]
        .as_str()
        .expect("productName in tauri.conf.json");
    println!("cargo:rustc-env=PMPC_PRODUCT_NAME={name}");
    // tauri.conf.json has no version (the workspace's is the one), and tauri-build writes a Windows
    // version resource only from the config's: it is handed the crate's through TAURI_CONFIG, which
    // tauri-build merges into the config (kept, when the Tauri CLI set one).
    let mut merged: serde_json::Value = std::env::var("TAURI_CONFIG")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    merged["version"] = std::env::var("CARGO_PKG_VERSION")
        .expect("cargo sets CARGO_PKG_VERSION")
        .into();
    std::env::set_var("TAURI_CONFIG", merged.to_string());

    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
