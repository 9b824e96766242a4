//! `cleanup --tenant` deletes only through a sign-in to that tenant: a remembered sign-in to
//! another one is refused before anything is sent (the core's tenant guard, as the desktop app's
//! Delete). The built binary against tenant-sim, with the real keychain (under a test-only
//! service name), like `cli.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};
use std::time::Duration;

use tenant_sim::{Options, RunningSim, Scenario};

const BIN: &str = env!("CARGO_BIN_EXE_pmpc-recovery-cli");

/// The binary with `args`, pointed at `sim` with its own data folder and keychain service.
async fn cli(args: &[&str], sim: &RunningSim, data: &std::path::Path, service: &str) -> Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .args(["--authority-host", sim.origin()])
        .args(["--graph-base-url", &format!("{}/v1.0", sim.origin())])
        .arg("--data-dir")
        .arg(data)
        .args(["--keychain-service", service, "--http-browser", "--fast"])
        .env_remove("PMPC_RECOVERY_CRASH_AT")
        .env("PMPC_RECOVERY_LOG", "warn");
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

fn stdout_json(o: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "{e}: {text}\nstderr: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remembered_sign_in_to_another_tenant_deletes_nothing() {
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
        scenario: Scenario {
            replication_delay: Duration::from_millis(100),
            secret_ready_delay: Duration::from_millis(100),
            role_propagation_delay: Duration::from_millis(100),
            ..Scenario::default()
        },
        ..Options::default()
    })
    .await
    .unwrap();
    let tenant_id = sim.startup().tenant_id.clone();
    let dir = tempfile::tempdir().unwrap();
    let service = format!("pmpc-recovery-clitest-guard-{}", std::process::id());

    let o = cli(&["run", "--json", "--remember"], &sim, dir.path(), &service).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(sim.snapshot().applications.len(), 1);

    // The remembered sign-in is to the simulated tenant, not to the one named.
    let other = "0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d";
    let o = cli(
        &["cleanup", "--json", "--tenant", other],
        &sim,
        dir.path(),
        &service,
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    let error = &stdout_json(&o)["error"];
    assert_eq!(error["code"], "invalidInput", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(other) && message.contains("Nothing was deleted"),
        "{message}"
    );
    assert_eq!(sim.snapshot().applications.len(), 1, "nothing was deleted");

    // Named right (its id, in any case), the same sign-in deletes it.
    let upper = tenant_id.to_uppercase();
    let o = cli(
        &["cleanup", "--json", "--tenant", &upper],
        &sim,
        dir.path(),
        &service,
    )
    .await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout_json(&o)["deleted"], true);
    assert!(sim.snapshot().applications.is_empty());

    let o = cli(&["sign-out", "--json"], &sim, dir.path(), &service).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    sim.shutdown().await;
}
