//! Where secrets live between runs: the OS keychain, behind a trait so tests can use memory.
//!
//! The client secret is needed for 72 hours and must survive restarts; it goes to the keychain and
//! nowhere else. The refresh token goes there only when the user asks to resume later.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The keychain service name every entry is filed under.
pub const SERVICE: &str = "pmpc-recovery";

/// A store of named secrets.
pub trait SecretVault: Send + Sync + std::fmt::Debug {
    fn set(&self, account: &str, value: &Secret) -> Result<()>;
    fn get(&self, account: &str) -> Result<Option<Secret>>;
    /// Returns whether something was there.
    fn delete(&self, account: &str) -> Result<bool>;
}

pub type SharedVault = Arc<dyn SecretVault>;

/// Keychain account names.
pub fn client_secret_account(tenant_id: &str, app_id: &str) -> String {
    format!("client-secret/{tenant_id}/{app_id}")
}

pub fn session_account(client_id: &str) -> String {
    format!("session/{client_id}")
}

/// The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows),
/// through the keyring crate.
#[derive(Debug, Clone)]
pub struct KeyringVault {
    service: String,
}

impl KeyringVault {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, account).map_err(map_keyring)
    }
}

impl Default for KeyringVault {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

fn map_keyring(e: keyring::Error) -> Error {
    match e {
        keyring::Error::NoStorageAccess(inner) => Error::KeychainLocked(inner.to_string()),
        // Secret Service reports a locked default collection as a platform failure.
        keyring::Error::PlatformFailure(inner) if inner.to_string().contains("locked") => {
            Error::KeychainLocked(inner.to_string())
        }
        keyring::Error::PlatformFailure(inner) => Error::KeychainUnavailable(inner.to_string()),
        other => Error::KeychainUnavailable(other.to_string()),
    }
}

/// Windows Credential Manager keeps at most 2,560 bytes per credential
/// (`CRED_MAX_CREDENTIAL_BLOB_SIZE`, <https://learn.microsoft.com/windows/win32/api/wincred/ns-wincred-credentialw>),
/// and keyring stores text there as UTF-16: 1,280 characters. A remembered sign-in holds a
/// refresh token of several KB, so longer values are split across entries (`account`, which
/// then holds only a marker with the count, and `account#1`..`account#n`). Splitting keeps the
/// token in the keychain and nowhere else, with the same code on every OS; an encrypted file
/// would add a second place to lose or leak, and keeping only the refresh token would still not
/// fit.
const CHUNK_CHARS: usize = 1_000;
const CHUNKED: &str = "pmpc-recovery-chunked:";

fn part_account(account: &str, i: usize) -> String {
    format!("{account}#{i}")
}

impl KeyringVault {
    fn set_one(&self, account: &str, value: &str) -> Result<()> {
        self.entry(account)?
            .set_password(value)
            .map_err(map_keyring)
    }

    fn get_one(&self, account: &str) -> Result<Option<String>> {
        match self.entry(account)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn delete_one(&self, account: &str) -> Result<bool> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_keyring(e)),
        }
    }

    /// How many parts the value at `account` was split into (0: stored whole or absent).
    fn parts(stored: &str) -> usize {
        stored
            .strip_prefix(CHUNKED)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

impl SecretVault for KeyringVault {
    fn set(&self, account: &str, value: &Secret) -> Result<()> {
        // Parts of an earlier, longer value would linger.
        self.delete(account)?;
        let chars: Vec<char> = value.expose().chars().collect();
        if chars.len() <= CHUNK_CHARS {
            return self.set_one(account, value.expose());
        }
        let parts: Vec<String> = chars
            .chunks(CHUNK_CHARS)
            .map(|c| c.iter().collect())
            .collect();
        for (i, part) in parts.iter().enumerate() {
            self.set_one(&part_account(account, i + 1), part)?;
        }
        // The marker goes last: a reader never sees a split value with parts missing.
        self.set_one(account, &format!("{CHUNKED}{}", parts.len()))
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        let Some(stored) = self.get_one(account)? else {
            return Ok(None);
        };
        let n = Self::parts(&stored);
        if n == 0 {
            return Ok(Some(Secret::new(stored)));
        }
        let mut whole = String::with_capacity(n * CHUNK_CHARS);
        for i in 1..=n {
            let part = self.get_one(&part_account(account, i))?.ok_or_else(|| {
                Error::KeychainUnavailable(format!(
                    "part {i} of {n} of the keychain entry {account} is missing"
                ))
            })?;
            whole.push_str(&part);
        }
        Ok(Some(Secret::new(whole)))
    }

    fn delete(&self, account: &str) -> Result<bool> {
        let Some(stored) = self.get_one(account)? else {
            return Ok(false);
        };
        for i in 1..=Self::parts(&stored) {
            self.delete_one(&part_account(account, i))?;
        }
        self.delete_one(account)
    }
}

type ErrorMaker = fn() -> Error;

/// An in-memory vault: practice mode and tests. Can be told to fail, to test error paths.
#[derive(Debug, Clone, Default)]
pub struct MemoryVault {
    map: Arc<Mutex<HashMap<String, String>>>,
    fail_with: Arc<Mutex<Option<ErrorMaker>>>,
}

impl MemoryVault {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every later call fails with this error (None to heal).
    pub fn fail_with(&self, f: Option<fn() -> Error>) {
        *self.fail_with.lock().unwrap_or_else(|e| e.into_inner()) = f;
    }

    pub fn accounts(&self) -> Vec<String> {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    fn check(&self) -> Result<()> {
        match *self.fail_with.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(f) => Err(f()),
            None => Ok(()),
        }
    }
}

impl SecretVault for MemoryVault {
    fn set(&self, account: &str, value: &Secret) -> Result<()> {
        self.check()?;
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(account.to_string(), value.expose().to_string());
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        self.check()?;
        Ok(self
            .map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(account)
            .cloned()
            .map(Secret::new))
    }

    fn delete(&self, account: &str) -> Result<bool> {
        self.check()?;
        Ok(self
            .map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(account)
            .is_some())
    }
}

/// Runs a vault call off the async runtime (keychain calls block on D-Bus or the OS).
pub async fn blocking<T: Send + 'static>(
    vault: &SharedVault,
    f: impl FnOnce(&dyn SecretVault) -> Result<T> + Send + 'static,
) -> Result<T> {
    let v = vault.clone();
    tokio::task::spawn_blocking(move || f(v.as_ref()))
        .await
        .map_err(|e| Error::Internal(format!("keychain task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_vault_round_trip_and_injected_failure() {
        let v = MemoryVault::new();
        v.set("a", &Secret::new("s1")).unwrap();
        assert_eq!(v.get("a").unwrap().unwrap().expose(), "s1");
        assert!(v.delete("a").unwrap());
        assert!(!v.delete("a").unwrap());
        assert!(v.get("a").unwrap().is_none());
        v.fail_with(Some(|| Error::KeychainLocked("locked".into())));
        assert_eq!(
            v.set("a", &Secret::new("x")).unwrap_err().code(),
            crate::Code::KeychainLocked
        );
        v.fail_with(None);
        assert!(v.get("a").unwrap().is_none());
    }

    #[test]
    fn keyring_mock_backend_errors_map_to_clear_codes() {
        // keyring's own mock store, which can inject platform errors.
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let entry = keyring::Entry::new("pmpc-recovery-unit", "x").unwrap();
        let mock: &keyring::mock::MockCredential = entry.get_credential().downcast_ref().unwrap();
        mock.set_error(keyring::Error::NoStorageAccess("locked".into()));
        let err = entry.set_password("s").unwrap_err();
        assert_eq!(map_keyring(err).code(), crate::Code::KeychainLocked);
        let err = map_keyring(keyring::Error::PlatformFailure("no bus".into()));
        assert_eq!(err.code(), crate::Code::KeychainUnavailable);
    }
}
