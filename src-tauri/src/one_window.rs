//! One window at a time, also while a window is closing.
//!
//! tauri-plugin-single-instance (2.5.5) hands a second launch to the first instance and exits it:
//! on Linux through a D-Bus name, on Windows a named mutex and a hidden window, on macOS a Unix
//! socket. The first instance lets go of these only in `cleanup_before_exit`, after its window is
//! long gone and the event loop has ended. A launch in that stretch (an admin closes the window and
//! double-clicks the icon again at once) went to a process on its way out:
//! - the plugin's callback found no window, the new process exited 0: no window at all;
//! - on Linux, when the old process exited before answering the D-Bus call (`NoReply`) or let the
//!   name go between the new process's attempt to take it and its call (`ServiceUnknown`), the
//!   plugin's setup failed, so did `Builder::build`, and the `.expect` around it panicked;
//! - the plugin's D-Bus call has no timeout: an old process that keeps the name without answering
//!   leaves the new one waiting for ever.
//!
//! So here:
//! 1. the first instance lets go of the name the moment its window starts closing, so a later
//!    launch simply becomes the window;
//! 2. a launch handed over while the window was closing is not dropped: the closing instance
//!    starts a new one as it exits;
//! 3. a launch whose hand-over failed starts over (on Unix as the same process, through exec), a
//!    bounded number of times: it then finds either a live window to hand over to or none;
//! 4. a hand-over without an answer is given up after `HANDOVER_TIMEOUT` the same way.
//!
//! Nothing on these paths panics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, RunEvent, Runtime, WindowEvent};

/// How many times this launch has started over (in its environment, so an exec keeps count).
const ATTEMPT_VAR: &str = "PMPC_RELAUNCH_ATTEMPT";
/// Enough for an old process to finish exiting even on a slow, loaded machine (about 15 s).
const MAX_ATTEMPTS: u32 = 30;
/// A hand-over that has had no answer by then is given up (the plugin's own call never is).
const HANDOVER_TIMEOUT: Duration = Duration::from_secs(20);

/// The window is closing: a launch handed to us now gets a new process, not this window.
static CLOSING: AtomicBool = AtomicBool::new(false);
/// This process is the instance (the plugin's setup went through).
static STARTED: AtomicBool = AtomicBool::new(false);
/// A launch handed to us while closing: its arguments, for the process we start as we exit.
static RELAUNCH: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// The single-instance plugin with this app's hand-over. First among the plugins, as the plugin
/// asks, so a second launch stops before anything else starts.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri_plugin_single_instance::init(|app, argv, _cwd| {
        if CLOSING.load(Ordering::SeqCst) {
            tracing::info!("second launch while the window is closing: a new window opens once this one is gone");
            *RELAUNCH.lock().unwrap_or_else(|e| e.into_inner()) = Some(argv);
            return;
        }
        // No window yet: this instance is starting, its window is about to show.
        if let Some(w) = app.get_webview_window("main") {
            tracing::info!("second launch: bringing the open window forward");
            let _ = w.unminimize();
            let _ = w.show();
            let _ = w.set_focus();
        }
    })
}

/// Before `Builder::build`: gives up a hand-over that gets no answer.
pub fn watch_handover() {
    std::thread::spawn(|| {
        std::thread::sleep(HANDOVER_TIMEOUT);
        if !STARTED.load(Ordering::SeqCst) {
            tracing::warn!("the open window did not answer this launch: starting over");
            start_over();
        }
    });
}

/// `Builder::build` went through: this process is the instance.
pub fn started() {
    STARTED.store(true, Ordering::SeqCst);
}

/// `Builder::build` failed. A failed hand-over (the other instance was exiting) starts over; any
/// other error is returned for the caller to report.
pub fn build_failed(err: tauri::Error) -> tauri::Error {
    if let tauri::Error::PluginInitialization(plugin, message) = &err {
        if plugin == "single-instance" {
            tracing::warn!(%message, "the open window could not take this launch (it was closing): starting over");
            start_over();
        }
    }
    err
}

/// The app's run-event handler: lets go of the instance as soon as the window is gone, and opens
/// a new window for a launch that came while it was closing.
pub fn on_event<R: Runtime>(app: &AppHandle<R>, event: &RunEvent) {
    match event {
        // The app never keeps its window from closing: from the first sign of it, the next
        // launch becomes the window itself instead of waiting for this process to end.
        RunEvent::WindowEvent { label, event, .. }
            if label == "main"
                && matches!(
                    event,
                    WindowEvent::CloseRequested { .. } | WindowEvent::Destroyed
                ) =>
        {
            let_go(app);
        }
        RunEvent::ExitRequested { .. } => let_go(app),
        RunEvent::Exit => {
            tauri_plugin_single_instance::destroy(app);
            linger_for_tests();
            let pending = RELAUNCH.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(argv) = pending {
                relaunch(&argv);
            }
        }
        _ => {}
    }
}

/// The window is closing: lets go of the instance (the D-Bus name, the mutex, the socket).
fn let_go<R: Runtime>(app: &AppHandle<R>) {
    if !CLOSING.swap(true, Ordering::SeqCst) {
        tauri_plugin_single_instance::destroy(app);
        tracing::info!("window closing: the next launch opens its own");
    }
}

/// The relaunch test's stand-in for a slow machine: `PMPC_TEST_EXIT_DELAY_MS` keeps a closing
/// process alive that long after its window is gone, so every relaunch meets one on its way out.
fn linger_for_tests() {
    if let Some(ms) = std::env::var("PMPC_TEST_EXIT_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Starts a new instance for a launch that reached this one while it was closing.
fn relaunch(argv: &[String]) {
    let started = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .args(argv.iter().skip(1))
            .env_remove(ATTEMPT_VAR)
            .spawn()
    });
    match started {
        Ok(child) => tracing::info!(
            pid = child.id(),
            "opened a new window for the launch that came while closing"
        ),
        Err(e) => {
            tracing::error!(error = %e, "could not open a new window for the launch that came while closing")
        }
    }
}

/// This launch tries again from the start, as a new launch would, after a short wait; after
/// `MAX_ATTEMPTS` it gives up (logged) and exits without a window rather than looping for ever.
fn start_over() -> ! {
    let attempt = std::env::var(ATTEMPT_VAR)
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0)
        + 1;
    if attempt > MAX_ATTEMPTS {
        tracing::error!(
            attempts = MAX_ATTEMPTS,
            "another window kept this launch from starting: giving up"
        );
        std::process::exit(1);
    }
    std::thread::sleep(Duration::from_millis(100 + 50 * u64::from(attempt.min(8))));
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            tracing::error!(error = %e, "cannot find this program to start over");
            std::process::exit(1);
        }
    };
    let mut command = std::process::Command::new(exe);
    command
        .args(std::env::args_os().skip(1))
        .env(ATTEMPT_VAR, attempt.to_string());
    // The same process (its id, its parent, a test driver's hold on it) starts over.
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = command.exec();
        tracing::error!(error = %e, "could not start over");
        std::process::exit(1);
    }
    #[cfg(not(unix))]
    {
        match command.spawn() {
            Ok(_) => std::process::exit(0),
            Err(e) => {
                tracing::error!(error = %e, "could not start over");
                std::process::exit(1);
            }
        }
    }
}
