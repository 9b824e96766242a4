//! The secret on the clipboard: marked for each OS so clipboard managers leave it alone, and taken
//! off again after a while unless the user has copied something else since.
//!
//! | OS      | marking (arboard)                                                                 |
//! |---------|-----------------------------------------------------------------------------------|
//! | Windows | `exclude_from_history` + `exclude_from_cloud`: not in the Win+V history, not synced to the user's other devices |
//! | macOS   | `exclude_from_history`, which sets `org.nspasteboard.ConcealedType`: the nspasteboard.org convention clipboard managers honour (macOS itself has no "concealed" flag) |
//! | Linux   | `exclude_from_history`, which adds `x-kde-passwordManagerHint: secret` (Klipper and the managers that follow it) |

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The app's one clipboard handle. On X11 the app owns the clipboard's content and serves it to
/// other programs while this handle lives, so it is kept for the app's lifetime.
#[derive(Default)]
pub struct SecretClipboard {
    handle: Mutex<Option<arboard::Clipboard>>,
}

impl std::fmt::Debug for SecretClipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretClipboard").finish_non_exhaustive()
    }
}

impl SecretClipboard {
    /// Puts `text` on the clipboard, marked as secret, and clears the clipboard after `clear_after`
    /// if it still holds `text` then (a clipboard the user changed meanwhile is left alone).
    pub fn copy_for_a_while(
        self: &Arc<Self>,
        text: String,
        clear_after: Duration,
    ) -> Result<(), String> {
        self.with(|c| set_secret(c, text.clone()))?;
        let this = Arc::clone(self);
        std::thread::Builder::new()
            .name("clipboard-clear".into())
            .spawn(move || {
                std::thread::sleep(clear_after);
                let cleared = this.with(|c| {
                    if c.get_text().ok().as_deref() == Some(text.as_str()) {
                        c.clear().map(|()| true)
                    } else {
                        Ok(false)
                    }
                });
                tracing::info!(?cleared, "copied secret's clipboard time is up");
            })
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Puts `text` (an ID, a link, the diagnostics) on the clipboard, where it stays.
    pub fn copy(&self, text: String) -> Result<(), String> {
        self.with(|c| c.set_text(text))
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut arboard::Clipboard) -> Result<T, arboard::Error>,
    ) -> Result<T, String> {
        let mut guard = self.handle.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        let clipboard = guard.as_mut().ok_or("no clipboard")?;
        f(clipboard).map_err(|e| e.to_string())
    }
}

fn set_secret(c: &mut arboard::Clipboard, text: String) -> Result<(), arboard::Error> {
    let set = c.set();
    #[cfg(windows)]
    let set = {
        use arboard::SetExtWindows;
        set.exclude_from_history().exclude_from_cloud()
    };
    #[cfg(target_os = "macos")]
    let set = {
        use arboard::SetExtApple;
        set.exclude_from_history()
    };
    #[cfg(all(unix, not(target_os = "macos")))]
    let set = {
        use arboard::SetExtLinux;
        set.exclude_from_history()
    };
    set.text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real clipboard: X11 under Xvfb (`make rust-test` runs under xvfb-run). Skipped only when
    /// there is no display and this is not CI.
    fn display() -> bool {
        let has = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
        assert!(
            has || std::env::var_os("CI").is_none(),
            "CI must run this test with a display (xvfb-run)"
        );
        if !has {
            eprintln!("no DISPLAY: skipping the real-clipboard test");
        }
        has
    }

    fn read() -> Option<String> {
        // A second handle reads as another program would.
        arboard::Clipboard::new().ok()?.get_text().ok()
    }

    #[test]
    fn the_secret_is_cleared_after_the_delay_unless_the_user_copied_something_else() {
        if !display() {
            return;
        }
        let delay = Duration::from_millis(600);
        let clipboard = Arc::new(SecretClipboard::default());

        // Left alone: cleared once the time is up.
        clipboard
            .copy_for_a_while("Xy7~first-secret".into(), delay)
            .expect("copy");
        assert_eq!(read().as_deref(), Some("Xy7~first-secret"));
        std::thread::sleep(delay + Duration::from_millis(700));
        assert_ne!(read().as_deref(), Some("Xy7~first-secret"), "cleared");

        // The user copied something else meanwhile: that stays.
        clipboard
            .copy_for_a_while("Xy7~second-secret".into(), delay)
            .expect("copy");
        assert_eq!(read().as_deref(), Some("Xy7~second-secret"));
        arboard::Clipboard::new()
            .expect("clipboard")
            .set_text("the user's own text")
            .expect("set");
        std::thread::sleep(delay + Duration::from_millis(700));
        assert_eq!(
            read().as_deref(),
            Some("the user's own text"),
            "not cleared"
        );
    }
}
