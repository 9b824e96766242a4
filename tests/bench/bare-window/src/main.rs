//! A bare Tauri 2 window with one static page: the baseline of `make bench`.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    #[allow(clippy::expect_used)]
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running the bare window");
}
