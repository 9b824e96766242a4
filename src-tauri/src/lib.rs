//! The desktop shell: wiring only. Commands live in `commands/`, logic in the `recovery` crate.

mod clipboard;
mod commands;
mod error;
mod logging;
mod one_window;
mod practice;
mod startup;
mod state;

use tauri::{Builder, Runtime};

use crate::state::AppState;

/// The app's own commands; build.rs generates a permission for each, granted in capabilities/.
macro_rules! app_commands {
    () => {
        tauri::generate_handler![
            commands::wizard::plan,
            commands::wizard::status,
            commands::wizard::sign_in,
            commands::control::cancel_sign_in,
            commands::control::stop_run,
            commands::wizard::run,
            commands::control::proceed,
            commands::wizard::cleanup,
            commands::vault::reveal_secret,
            commands::vault::copy_secret,
            commands::vault::copy_text,
            commands::vault::forget_secrets,
            commands::records::save_receipt,
            commands::records::save_calendar,
            commands::runs::runs,
            commands::runs::reveal_run_secret,
            commands::runs::copy_run_secret,
            commands::runs::forget_run,
            commands::runs::save_run_receipt,
            commands::runs::delete_run,
            commands::session::sign_out,
            commands::support::diagnostics,
            commands::support::open_log_folder,
        ]
    };
}

/// Registers plugins, state and commands on a builder, generic over the runtime so tests can use
/// Tauri's mock runtime.
pub fn app<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .on_page_load(|_, load| {
            if load.event() == tauri::webview::PageLoadEvent::Finished {
                startup::page_loaded();
            }
        })
        .manage(AppState::default())
        .invoke_handler(app_commands!())
}

/// Starts the app.
pub fn run() {
    let log_dir = recovery::paths::log_dir()
        .ok()
        .and_then(|d| logging::init(&d));
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        os = std::env::consts::OS,
        arch = std::env::consts::ARCH,
        log_dir = ?log_dir,
        "PMPC Recovery Wizard started"
    );
    startup::guard(log_dir.as_deref());
    // One window at a time: a second launch brings the open window forward and exits, also while
    // that window is closing (one_window.rs says how).
    one_window::watch_handover();
    let app = match app(Builder::default().plugin(one_window::plugin()))
        .build(tauri::generate_context!("tauri.conf.json"))
    {
        Ok(app) => app,
        // A failed hand-over never gets here (it starts over); anything else is a bug to report.
        Err(e) => panic!(
            "error while starting the PMPC Recovery Wizard: {}",
            one_window::build_failed(e)
        ),
    };
    one_window::started();
    app.run(|app, event| one_window::on_event(app, &event));
}

#[cfg(test)]
mod tests {
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    fn invoke(cmd: &str, body: serde_json::Value) -> Result<serde_json::Value, serde_json::Value> {
        let app = super::app(mock_builder())
            .build(mock_context(noop_assets()))
            .expect("mock app builds");
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("mock window builds");
        get_ipc_response(
            &window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: tauri::ipc::InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|r| r.deserialize().expect("json"))
    }

    #[test]
    fn plan_command_serves_the_core_plan_and_its_pages() {
        let plan = invoke("plan", serde_json::json!({})).expect("plan answers");
        let titles: Vec<&str> = plan["steps"]
            .as_array()
            .expect("array")
            .iter()
            .map(|s| s["title"].as_str().expect("title"))
            .collect();
        let expected: Vec<&str> = recovery::PLAN.iter().map(|s| s.title).collect();
        assert_eq!(titles, expected);
        assert_eq!(plan["pages"]["createApp"], serde_json::json!([3, 4]));
    }

    /// The plan as the UI's page tests and fake backend see it, beside the generated types; the
    /// bindings check fails when it is stale.
    #[test]
    fn export_plan_json() {
        let plan = invoke("plan", serde_json::json!({})).expect("plan answers");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
        let text = serde_json::to_string_pretty(&sorted(plan)).expect("json") + "\n";
        std::fs::write(dir.join("plan.json"), text).expect("write plan.json");
    }

    /// Object keys in a stable order, so the file only changes when the plan does.
    fn sorted(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let b: std::collections::BTreeMap<_, _> =
                    m.into_iter().map(|(k, v)| (k, sorted(v))).collect();
                serde_json::Value::Object(b.into_iter().collect())
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sorted).collect())
            }
            other => other,
        }
    }

    #[test]
    fn commands_that_need_a_sign_in_say_so_with_a_stable_code() {
        let err = invoke("run", serde_json::json!({"choice": {"app": {"kind": "createNew"}, "consent": "stop", "revealSecret": false}, "onEvent": "__CHANNEL__:1"}))
            .expect_err("run without a sign-in fails");
        assert_eq!(err["code"], "notSignedIn");
        assert!(err["remedy"].as_str().expect("remedy").contains("Sign in"));
        let err = invoke("reveal_secret", serde_json::json!({})).expect_err("no secret yet");
        assert_eq!(err["code"], "secretMissing");
        // The Runs page names a run by tenant and run id; one this computer does not know is
        // refused before anything else happens.
        for cmd in ["reveal_run_secret", "forget_run", "save_run_receipt"] {
            let err = invoke(
                cmd,
                serde_json::json!({"tenantId": "no-such-tenant", "runId": "no-such-run"}),
            )
            .expect_err("unknown run");
            assert_eq!(err["code"], "invalidInput", "{cmd}");
            assert!(
                err["message"]
                    .as_str()
                    .expect("message")
                    .contains("no longer recorded"),
                "{cmd}"
            );
        }
        for cmd in ["save_receipt", "save_calendar"] {
            let err = invoke(cmd, serde_json::json!({})).expect_err("no run yet");
            assert_eq!(err["code"], "invalidInput", "{cmd}");
            assert!(err["message"].as_str().expect("message").contains("No run"));
        }
    }
}
