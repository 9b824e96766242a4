//! The desktop shell: wiring only. Commands live in `commands/`, logic in the `recovery` crate.

mod commands;

use tauri::{Builder, Runtime};

/// Registers plugins, state and commands on a builder, generic over the runtime so tests can use
/// Tauri's mock runtime.
pub fn app<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![commands::wizard::plan])
}

/// Starts the app.
pub fn run() {
    app(Builder::default())
        .run(tauri::generate_context!("tauri.conf.json"))
        .expect("error while running the PMPC Recovery Wizard");
}

#[cfg(test)]
mod tests {
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    #[test]
    fn plan_command_serves_the_core_plan_over_ipc() {
        let app = super::app(mock_builder())
            .build(mock_context(noop_assets()))
            .expect("mock app builds");
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("mock window builds");
        let response = get_ipc_response(
            &window,
            InvokeRequest {
                cmd: "plan".into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: tauri::ipc::InvokeBody::default(),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .expect("plan command answers");
        let steps: serde_json::Value = response.deserialize().expect("json");
        let titles: Vec<&str> = steps
            .as_array()
            .expect("array")
            .iter()
            .map(|s| s["title"].as_str().expect("title"))
            .collect();
        let expected: Vec<&str> = recovery::PLAN.iter().map(|s| s.title).collect();
        assert_eq!(titles, expected);
    }
}
