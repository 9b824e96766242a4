//! The one data folder per user that the desktop app and `pmpc-recovery-cli` share, so either sees
//! the runs the other made (journals, their lock files, the app's logs).
//!
//! | OS      | folder                                              | why |
//! |---------|-----------------------------------------------------|-----|
//! | Windows | `%LOCALAPPDATA%\PMPC Recovery`                      | local, not roaming: a journal names a secret in *this* computer's Credential Manager, so it must not follow the user to another PC |
//! | macOS   | `~/Library/Application Support/PMPC Recovery`       | Apple's place for an app's own files that the user did not make |
//! | Linux   | `$XDG_DATA_HOME/pmpc-recovery`, else `~/.local/share/pmpc-recovery` | the XDG base-directory spec; lower case without spaces as is usual there, and where the CLI always kept its journals |
//!
//! `PMPC_RECOVERY_DATA_DIR` overrides it for both front ends (support, tests); the CLI's
//! `--data-dir` overrides it for one command.
//!
//! Plain environment variables rather than the OS's shell APIs: they are what those APIs answer for
//! a normal account, and they let tests point both front ends at a throw-away folder.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Overrides the folder for the app and the CLI alike.
pub const DATA_DIR_ENV: &str = "PMPC_RECOVERY_DATA_DIR";

/// The operating systems with a folder convention of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Windows,
    MacOs,
    /// Linux and the other Unix desktops, which follow the XDG base-directory spec.
    Xdg,
}

impl Os {
    pub const CURRENT: Os = if cfg!(windows) {
        Os::Windows
    } else if cfg!(target_os = "macos") {
        Os::MacOs
    } else {
        Os::Xdg
    };
}

/// The shared data folder for this user on this computer (not created here).
pub fn data_dir() -> Result<PathBuf> {
    data_dir_for(Os::CURRENT, |k| std::env::var_os(k)).ok_or_else(|| {
        Error::Journal(
            "cannot find this user's data folder (HOME or LOCALAPPDATA is not set)".into(),
        )
    })
}

/// Where the desktop app writes its log files: `logs` inside the data folder, so support finds
/// everything in one place.
pub fn log_dir() -> Result<PathBuf> {
    Ok(data_dir()?.join("logs"))
}

/// The data folder's name on Windows and macOS. The Windows installer names it too (it keeps the
/// folder on uninstall and says where): packaging/windows/build_installer.py reads it from this line.
pub const DATA_FOLDER_NAME: &str = "PMPC Recovery";

/// [`data_dir`] for a given OS and environment; pure, so every OS's rule is tested on any host.
pub fn data_dir_for(os: Os, var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    // An empty variable counts as unset, as the XDG spec says for XDG_DATA_HOME.
    let var = |k: &str| var(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var(DATA_DIR_ENV) {
        return Some(dir);
    }
    match os {
        Os::Windows => var("LOCALAPPDATA")
            .or_else(|| var("USERPROFILE").map(|h| h.join("AppData").join("Local")))
            .map(|d| d.join(DATA_FOLDER_NAME)),
        Os::MacOs => {
            var("HOME").map(|h| h.join("Library/Application Support").join(DATA_FOLDER_NAME))
        }
        Os::Xdg => var("XDG_DATA_HOME")
            // The spec ignores a relative XDG_DATA_HOME.
            .filter(|d| d.is_absolute())
            .or_else(|| var("HOME").map(|h| h.join(".local/share")))
            .map(|d| d.join("pmpc-recovery")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn each_os_has_its_own_folder() {
        let all = [
            ("HOME", "/home/ada"),
            ("XDG_DATA_HOME", "/xdg"),
            ("LOCALAPPDATA", r"C:\Users\ada\AppData\Local"),
        ];
        assert_eq!(
            data_dir_for(Os::Xdg, env(&all)).unwrap(),
            Path::new("/xdg/pmpc-recovery")
        );
        assert_eq!(
            data_dir_for(Os::MacOs, env(&all)).unwrap(),
            Path::new("/home/ada/Library/Application Support/PMPC Recovery")
        );
        assert_eq!(
            data_dir_for(Os::Windows, env(&all)).unwrap(),
            PathBuf::from(r"C:\Users\ada\AppData\Local").join("PMPC Recovery")
        );
    }

    #[test]
    fn linux_falls_back_to_home_when_xdg_is_unset_empty_or_relative() {
        for xdg in [None, Some(""), Some("relative/dir")] {
            let mut pairs = vec![("HOME", "/home/ada")];
            if let Some(x) = xdg {
                pairs.push(("XDG_DATA_HOME", x));
            }
            assert_eq!(
                data_dir_for(Os::Xdg, env(&pairs)).unwrap(),
                Path::new("/home/ada/.local/share/pmpc-recovery"),
                "XDG_DATA_HOME={xdg:?}"
            );
        }
    }

    #[test]
    fn the_override_wins_everywhere_and_nothing_set_is_none() {
        let pairs = [("PMPC_RECOVERY_DATA_DIR", "/support/here"), ("HOME", "/h")];
        for os in [Os::Windows, Os::MacOs, Os::Xdg] {
            assert_eq!(
                data_dir_for(os, env(&pairs)).unwrap(),
                Path::new("/support/here")
            );
            assert_eq!(data_dir_for(os, env(&[])), None);
        }
    }
}
