//! The CLI and the desktop app share one data folder (`recovery::paths`) and one run lock per
//! tenant, so `pmpc-recovery-cli status` sees what the app did, and the two never run one tenant
//! at the same time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use recovery::journal::{Journal, JournalStore};
use recovery::paths::{data_dir_for, Os};
use tenant_sim::{Options, Scenario};

const BIN: &str = env!("CARGO_BIN_EXE_pmpc-recovery-cli");

/// A user's environment inside `home`, as each OS spells it.
fn user_env(home: &Path) -> Vec<(&'static str, OsString)> {
    vec![
        ("HOME", home.into()),
        ("XDG_DATA_HOME", home.join("xdg-data").into()),
        ("LOCALAPPDATA", home.join("AppData/Local").into()),
    ]
}

fn cli(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("PMPC_RECOVERY_DATA_DIR")
        .env_remove("PMPC_RECOVERY_CRASH_AT")
        .env("PMPC_RECOVERY_LOG", "warn")
        .envs(user_env(home));
    c
}

/// The folder the engine (and so the desktop app, which calls `recovery::paths::data_dir`) picks
/// in that environment.
fn engine_folder(home: &Path) -> std::path::PathBuf {
    let env = user_env(home);
    data_dir_for(Os::CURRENT, |k| {
        env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    })
    .unwrap()
}

#[test]
fn the_cli_reads_the_runs_the_engine_wrote_in_the_shared_folder() {
    let home = tempfile::tempdir().unwrap();
    let folder = engine_folder(home.path());
    if cfg!(target_os = "linux") {
        assert_eq!(folder, home.path().join("xdg-data/pmpc-recovery"));
    }
    let journal = Journal::new(
        "tenant-shared",
        "PMPC Recovery",
        time::OffsetDateTime::now_utc(),
    );
    JournalStore::new(&folder).save(&journal).unwrap();

    let o = cli(home.path(), &["status", "--json"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let runs = out["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{out}");
    assert_eq!(runs[0]["journal"]["runId"], journal.run_id.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_is_refused_while_another_holds_the_tenant() {
    let probe = tenant_sim::start(Options::default()).await.unwrap();
    let admin = probe
        .startup()
        .users
        .iter()
        .find(|u| u.roles.iter().any(|r| r == "Global Administrator"))
        .unwrap()
        .user_principal_name
        .clone();
    probe.shutdown().await;
    let sim = tenant_sim::start(Options {
        auto_sign_in: Some(admin),
        scenario: Scenario::default(),
        ..Options::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    // The desktop app is in the middle of a run for this tenant.
    let held = JournalStore::new(engine_folder(home.path()))
        .lock(&sim.startup().tenant_id)
        .unwrap();

    let service = format!("pmpc-recovery-clitest-{}-lock", std::process::id());
    let graph = format!("{}/v1.0", sim.origin());
    let mut c = cli(home.path(), &["run", "--json"]);
    c.args(["--authority-host", sim.origin()])
        .args(["--graph-base-url", &graph])
        .args(["--keychain-service", &service, "--http-browser", "--fast"]);
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["error"]["code"], "runInProgress", "{out}");
    assert!(
        stderr.contains("command-line tool") && stderr.contains("close it first"),
        "{stderr}"
    );
    assert!(
        sim.snapshot().applications.is_empty(),
        "nothing was created"
    );
    drop(held);
}
