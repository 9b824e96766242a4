//! The real OS keychain (Secret Service on Linux). The project's test command runs inside
//! `dbus-run-session` with an unlocked gnome-keyring; without one this test fails and says why.

use recovery::{KeyringVault, Secret, SecretVault};

#[test]
fn real_keychain_round_trip() {
    let vault = KeyringVault::new("pmpc-recovery-test");
    let account = format!("client-secret/test/{}", std::process::id());
    let secret = Secret::new("s3cr3t~value-for-the-keychain-test");
    if let Err(e) = vault.set(&account, &secret) {
        panic!(
            "the OS keychain is not usable ({e}; code {:?}). Run the tests inside a D-Bus session with an \
             unlocked Secret Service, e.g.: dbus-run-session -- bash -c 'echo -n pw | gnome-keyring-daemon \
             --unlock --components=secrets >/dev/null; cargo test -p recovery'",
            e.code()
        );
    }
    let back = vault
        .get(&account)
        .expect("read back")
        .expect("entry present");
    assert_eq!(back.expose(), secret.expose());
    // A second, independent handle sees it too (what a restarted process does).
    let again = KeyringVault::new("pmpc-recovery-test")
        .get(&account)
        .unwrap()
        .unwrap();
    assert_eq!(again, secret);
    assert!(vault.delete(&account).unwrap());
    assert!(vault.get(&account).unwrap().is_none());
    assert!(!vault.delete(&account).unwrap());
}

/// A remembered sign-in holds a refresh token of several KB, more than one Windows credential
/// takes (2,560 bytes): it is split across entries and comes back whole, through a fresh vault
/// object as a restarted process would use; a shorter value stored over it leaves no parts.
#[test]
fn a_refresh_token_of_realistic_size_round_trips() {
    let account = format!("session/test/{}", std::process::id());
    // Entra refresh tokens are opaque and often 1.5-4 KB; a session record wraps one in JSON.
    let token: String = (0..5_000)
        .map(|i| {
            char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."[i % 65])
        })
        .collect();
    let record = Secret::new(format!("{{\"refreshToken\":\"{token}\",\"name\":\"Zoë\"}}"));
    KeyringVault::new("pmpc-recovery-test")
        .set(&account, &record)
        .expect("store a long value");
    let fresh = KeyringVault::new("pmpc-recovery-test");
    assert_eq!(fresh.get(&account).unwrap().unwrap(), record);
    // Every entry the OS holds is small enough for Windows (1,280 UTF-16 characters).
    let part = keyring::Entry::new("pmpc-recovery-test", &format!("{account}#1"))
        .unwrap()
        .get_password()
        .unwrap();
    assert!(part.chars().count() <= 1_280);
    fresh.set(&account, &Secret::new("short")).unwrap();
    assert_eq!(fresh.get(&account).unwrap().unwrap().expose(), "short");
    assert!(matches!(
        keyring::Entry::new("pmpc-recovery-test", &format!("{account}#1"))
            .unwrap()
            .get_password(),
        Err(keyring::Error::NoEntry)
    ));
    assert!(fresh.delete(&account).unwrap());
    assert!(fresh.get(&account).unwrap().is_none());
}
