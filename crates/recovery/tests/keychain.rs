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
