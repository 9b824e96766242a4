//! Before the window exists: a start-up that fails says so in a message box, never by vanishing.
//!
//! A Windows PC without the Microsoft Edge WebView2 Runtime cannot show the window. Tauri shows a box
//! of its own only in release builds and then panics inside the event loop (tauri-runtime-wry 2.12,
//! `create_webview`: the dialog is behind `#[cfg(all(not(debug_assertions), windows))]`, and the error
//! it returns then fails `run`), so the app checks first and says what is missing in words an admin
//! or their IT department can act on. Any other panic on the main thread before the page has loaded
//! also ends in a message box naming the log folder, in debug and release builds alike.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// tauri.conf.json's productName (build.rs): the title of every box, as of the window itself, which
/// is also how the Windows installer finds an open wizard to close it before an upgrade.
pub const PRODUCT_NAME: &str = env!("PMPC_PRODUCT_NAME");
/// The process's exit status when WebView2 is missing.
#[cfg(windows)]
pub const EXIT_WEBVIEW2_MISSING: i32 = 3;

static PAGE_LOADED: AtomicBool = AtomicBool::new(false);

/// Runs first in `run()`: installs the start-up panic hook and, on Windows, ends the process with a
/// message box when WebView2 is missing.
pub fn guard(log_dir: Option<&Path>) {
    install_panic_hook(log_dir.map(Path::to_path_buf));
    #[cfg(windows)]
    if let Err(e) = tauri::webview_version() {
        tracing::error!(error = %e, "the Microsoft Edge WebView2 Runtime is missing");
        message_box(&webview2_missing());
        std::process::exit(EXIT_WEBVIEW2_MISSING);
    }
}

/// The page has loaded: from here on a panic is the log's business, the window stays.
pub fn page_loaded() {
    PAGE_LOADED.store(true, Ordering::SeqCst);
}

/// What the box says when WebView2 is missing (Windows only; its words are tested everywhere).
#[cfg(any(windows, test))]
pub fn webview2_missing() -> String {
    format!(
        "{PRODUCT_NAME} needs the Microsoft Edge WebView2 Runtime to show its window, and this \
         computer does not have it.\n\n\
         Download it from Microsoft: https://developer.microsoft.com/microsoft-edge/webview2/ \
         (the Evergreen Bootstrapper), then start the wizard again.\n\n\
         On a managed computer, ask your IT department to deploy it: Microsoft's Evergreen \
         Standalone Installer works with Intune and Group Policy.\n\n\
         The command-line tool, pmpc-recovery-cli, works without it."
    )
}

pub fn start_failed(details: &str, log_dir: Option<&Path>) -> String {
    let log = log_dir.map_or_else(
        || "This computer's data folder could not be found, so there is no log.".to_owned(),
        |d| format!("The log is in:\n{}", d.display()),
    );
    format!(
        "{PRODUCT_NAME} could not start.\n\nDetails: {details}\n\n{log}\n\n\
         Send the newest file there to your support contact. Runs you made earlier are saved \
         and are not lost."
    )
}

fn install_panic_hook(log_dir: Option<PathBuf>) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "the app panicked");
        default(info);
        let on_main = std::thread::current().name() == Some("main");
        if on_main && !PAGE_LOADED.load(Ordering::SeqCst) {
            let details = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "an unexpected error".to_owned());
            message_box(&start_failed(&details, log_dir.as_deref()));
        }
    }));
}

/// A modal `MessageBoxW`: it needs no window, no event loop and no WebView2, which is the point.
#[cfg(windows)]
#[allow(unsafe_code)]
fn message_box(text: &str) {
    use windows_sys::Win32::UI::WindowsAndMessaging::{
        MessageBoxW, MB_ICONERROR, MB_OK, MB_SETFOREGROUND,
    };
    let wide = |s: &str| -> Vec<u16> {
        s.encode_utf16()
            .filter(|&c| c != 0)
            .chain(std::iter::once(0))
            .collect()
    };
    let (text, title) = (wide(text), wide(PRODUCT_NAME));
    // SAFETY: both pointers are to NUL-terminated UTF-16 buffers that outlive the call, and a null
    // owner window is allowed (the box is then a top-level window of its own).
    unsafe {
        MessageBoxW(
            std::ptr::null_mut(),
            text.as_ptr(),
            title.as_ptr(),
            MB_OK | MB_ICONERROR | MB_SETFOREGROUND,
        );
    }
}

/// Elsewhere the system's own libraries are installed with the app (the .deb's and .rpm's
/// dependencies, the macOS WebKit), so the terminal and the log carry the message.
#[cfg(not(windows))]
fn message_box(text: &str) {
    eprintln!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webview2_message_says_what_is_missing_where_to_get_it_and_who_can_deploy_it() {
        let text = webview2_missing();
        assert!(text.starts_with("PMPC Recovery Wizard needs the Microsoft Edge WebView2 Runtime"));
        assert!(text.contains("https://developer.microsoft.com/microsoft-edge/webview2/"));
        assert!(text.contains("IT department"));
        assert!(text.contains("pmpc-recovery-cli"));
    }

    #[test]
    fn a_failed_start_names_the_log_folder_or_says_there_is_none() {
        let with = start_failed("boom", Some(Path::new("/data/logs")));
        assert!(with.contains("Details: boom") && with.contains("The log is in:\n/data/logs"));
        let without = start_failed("boom", None);
        assert!(without.contains("there is no log"));
    }
}
