//! The built binary against tenant-sim over loopback.
//!
//! Commands that keep a secret use the real OS keychain (under a test-only service name), so
//! these tests run inside the project's test command, which provides an unlocked Secret Service.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use tenant_sim::{Options, RunningSim, Scenario};

const BIN: &str = env!("CARGO_BIN_EXE_pmpc-recovery-cli");

fn cli(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("PMPC_RECOVERY_CRASH_AT")
        .env("PMPC_RECOVERY_LOG", "warn");
    c
}

fn stdout_json(o: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        text.trim().lines().count(),
        1,
        "exactly one line on stdout: {text}\nstderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

async fn sim_signed_in_as(role: &str, scenario: Scenario) -> RunningSim {
    let probe = tenant_sim::start(Options::default()).await.unwrap();
    let upn = probe
        .startup()
        .users
        .iter()
        .find(|u| u.roles.iter().any(|r| r == role))
        .unwrap()
        .user_principal_name
        .clone();
    probe.shutdown().await;
    tenant_sim::start(Options {
        auto_sign_in: Some(upn),
        scenario,
        ..Options::default()
    })
    .await
    .unwrap()
}

fn scenario() -> Scenario {
    Scenario {
        replication_delay: Duration::from_millis(100),
        secret_ready_delay: Duration::from_millis(100),
        role_propagation_delay: Duration::from_millis(100),
        ..Scenario::default()
    }
}

/// Arguments pointing the CLI at `sim`, with its own data dir and keychain service.
fn against(sim: &RunningSim, data: &Path, service: &str) -> Vec<String> {
    vec![
        "--authority-host".into(),
        sim.origin().into(),
        "--graph-base-url".into(),
        format!("{}/v1.0", sim.origin()),
        "--data-dir".into(),
        data.display().to_string(),
        "--keychain-service".into(),
        service.into(),
        "--http-browser".into(),
        "--fast".into(),
    ]
}

async fn output(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

fn assert_one_of_each(sim: &RunningSim) {
    let s = sim.snapshot();
    assert_eq!(s.applications.len(), 1, "{:#?}", s.applications);
    let app = &s.applications[0];
    assert_eq!(
        s.service_principals
            .iter()
            .filter(|sp| sp.app_id == app.app_id)
            .count(),
        1
    );
    let sp = s
        .service_principals
        .iter()
        .find(|sp| sp.app_id == app.app_id)
        .unwrap();
    assert_eq!(
        s.app_role_assignments
            .iter()
            .filter(|a| a.principal_id == sp.id)
            .count(),
        1
    );
    assert_eq!(
        app.password_credentials.len(),
        1,
        "{:#?}",
        app.password_credentials
    );
}

#[test]
fn practice_run_prints_exactly_the_documented_json() {
    let o = cli(&["run", "--practice", "--json"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = stdout_json(&o);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "applicationId",
            "clientSecret",
            "deadline",
            "objectId",
            "secretExpires",
            "tenantId",
            "verified"
        ]
    );
    assert_eq!(v["verified"], true);
    assert!(v["clientSecret"].as_str().unwrap().len() >= 16);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !stderr.contains(v["clientSecret"].as_str().unwrap()),
        "the secret never reaches the progress log"
    );
}

#[test]
fn practice_sign_in_prints_account_tenant_and_roles() {
    let o = cli(&["sign-in", "--practice", "--json"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = stdout_json(&o);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["roles", "tenantId", "userPrincipalName"]);
    assert_eq!(v["roles"], serde_json::json!(["Global Administrator"]));
}

#[test]
fn practice_device_code_sign_in_shows_the_code() {
    let o = cli(&["sign-in", "--practice", "--device-code", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        stdout_json(&o)["roles"],
        serde_json::json!(["Global Administrator"])
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("enter the code"), "{stderr}");
}

#[test]
fn practice_as_application_administrator_stops_with_an_explanation() {
    let o = cli(&["run", "--practice", "--practice-as", "app-admin", "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v = stdout_json(&o);
    assert_eq!(v["error"]["code"], "stoppedBeforeCreating");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("Privileged Role Administrator"), "{stderr}");
}

#[test]
fn bad_arguments_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = cli(&["run", "--secret-days", "1", "--json", "--data-dir", d])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout_json(&o)["error"]["code"], "invalidInput");
    let o = cli(&["status", "--cloud", "mars", "--data-dir", d])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown cloud"));
    let o = cli(&[
        "run",
        "--graph-base-url",
        "http://example.com/v1.0",
        "--data-dir",
        d,
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("https"));
    let o = cli(&["frobnicate"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn status_without_runs() {
    let dir = tempfile::tempdir().unwrap();
    let o = cli(&[
        "status",
        "--json",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(o.status.success());
    assert_eq!(stdout_json(&o), serde_json::json!({ "runs": [] }));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_browser_prints_the_url_on_one_line_and_waits_for_the_redirect() {
    let sim = sim_signed_in_as("Global Administrator", scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let service = format!("pmpc-recovery-clitest-{}-nb", std::process::id());
    let mut args = against(&sim, dir.path(), &service);
    args.retain(|a| a != "--http-browser");
    let mut c = Command::new(BIN);
    c.arg("run")
        .arg("--json")
        .arg("--no-browser")
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    // Read stderr to the end in the background (the CLI keeps writing progress), handing over
    // the URL line as soon as it appears.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let drain = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(u) = line.strip_prefix("Sign in at: ") {
                let _ = tx.send(u.to_string());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let url =
        tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(20)).unwrap())
            .await
            .unwrap();
    assert!(
        url.starts_with(&format!(
            "{}/organizations/oauth2/v2.0/authorize?",
            sim.origin()
        )),
        "{url}"
    );
    // Play the browser: Microsoft redirects to the loopback listener, which completes sign-in.
    recovery::http::install_tls_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let to_loopback = http.get(&url).send().await.unwrap();
    let loc = to_loopback.headers()["location"]
        .to_str()
        .unwrap()
        .replace("localhost", "127.0.0.1");
    let page = http.get(&loc).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("You can close this tab"));
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let log = drain.join().unwrap();
    assert!(out.status.success(), "{log}");
    assert_eq!(
        log.lines()
            .filter(|l| l.starts_with("Sign in at: "))
            .count(),
        1
    );
    assert_eq!(stdout_json(&out)["verified"], true);
    assert_one_of_each(&sim);
    let o = output({
        let mut c = cli(&["cleanup", "--purge", "--json"]);
        c.args(against(&sim, dir.path(), &service));
        c
    })
    .await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    sim.shutdown().await;
}

/// Kill the process at every checkpoint, restart it, and end with exactly one of everything.
#[tokio::test(flavor = "multi_thread")]
async fn killed_at_every_checkpoint_then_restarted() {
    for checkpoint in [
        "appCreated",
        "servicePrincipalCreated",
        "consentGranted",
        "passwordPending",
        "passwordAdded",
        "secretStored",
        "consentConfirmed",
        "verified",
    ] {
        let sim = sim_signed_in_as("Global Administrator", scenario()).await;
        let dir = tempfile::tempdir().unwrap();
        let service = format!("pmpc-recovery-clitest-{}-{checkpoint}", std::process::id());
        let args = against(&sim, dir.path(), &service);
        let mut c = cli(&["run", "--json"]);
        c.args(&args).env("PMPC_RECOVERY_CRASH_AT", checkpoint);
        let killed = output(c).await;
        assert!(
            !killed.status.success(),
            "{checkpoint}: the drill must kill the process"
        );
        assert!(
            killed.status.code().is_none(),
            "{checkpoint}: killed by a signal, not an orderly exit"
        );

        let mut c = cli(&["run", "--json"]);
        c.args(&args);
        let o = output(c).await;
        assert!(
            o.status.success(),
            "{checkpoint}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v = stdout_json(&o);
        assert_eq!(v["verified"], true, "{checkpoint}");
        assert_one_of_each(&sim);

        // status sees it, then cleanup removes app, keychain entry and journal.
        let mut c = cli(&["status", "--json"]);
        c.args(&args);
        let st = stdout_json(&output(c).await);
        assert_eq!(st["runs"][0]["secretInKeychain"], true, "{checkpoint}");
        assert_eq!(st["runs"][0]["complete"], true, "{checkpoint}");
        // The journal never holds the secret.
        for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            assert!(
                !text.contains(v["clientSecret"].as_str().unwrap()),
                "{checkpoint}: secret in {:?}",
                entry.path()
            );
        }
        let mut c = cli(&["cleanup", "--purge", "--json"]);
        c.args(&args);
        let o = output(c).await;
        assert!(
            o.status.success(),
            "{checkpoint}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let report = stdout_json(&o);
        assert_eq!(report["deleted"], true);
        assert_eq!(report["keychainForgotten"], true);
        let snap = sim.snapshot();
        assert!(
            snap.applications.is_empty() && snap.deleted_items.is_empty(),
            "{checkpoint}: {:#?}",
            snap.deleted_items
        );
        sim.shutdown().await;
    }
}

/// `run --ics --receipt`, then `receipt` (HTML and JSON), `status --ics`, and after `cleanup` the
/// receipt names what it deleted. No file holds the secret.
#[tokio::test(flavor = "multi_thread")]
async fn receipt_and_calendar_files_for_a_run_and_its_cleanup() {
    let sim = sim_signed_in_as("Global Administrator", scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let service = format!("pmpc-recovery-clitest-{}-receipt", std::process::id());
    let args = against(&sim, dir.path(), &service);
    let path = |name: &str| files.path().join(name).display().to_string();

    let mut c = cli(&[
        "run",
        "--json",
        "--ics",
        &path("run.ics"),
        "--receipt",
        &path("run.json"),
    ]);
    c.args(&args);
    let o = output(c).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let creds = stdout_json(&o);
    let secret = creds["clientSecret"].as_str().unwrap().to_string();
    let tenant = creds["tenantId"].as_str().unwrap().to_string();
    let ids =
        ["tenantId", "applicationId", "objectId"].map(|k| creds[k].as_str().unwrap().to_string());

    let mut c = cli(&["receipt", "--out", &path("receipt.html")]);
    c.args(&args);
    let o = output(c).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut c = cli(&["receipt", "--format", "json"]);
    c.args(&args);
    let o = output(c).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let receipt: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(receipt["app"]["applicationId"], creds["applicationId"]);
    assert_eq!(receipt["deadline"], creds["deadline"]);
    assert_eq!(receipt["verified"], true);
    assert!(receipt["writes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["requestId"].is_string()));
    let mut c = cli(&["status", "--json", "--ics", &path("status.ics")]);
    c.args(&args);
    assert!(output(c).await.status.success());

    let html = std::fs::read_to_string(path("receipt.html")).unwrap();
    let run_receipt = std::fs::read_to_string(path("run.json")).unwrap();
    for id in &ids {
        assert!(
            html.contains(id.as_str()) && run_receipt.contains(id.as_str()),
            "{id}"
        );
    }
    let run_ics = std::fs::read_to_string(path("run.ics")).unwrap();
    let status_ics = std::fs::read_to_string(path("status.ics")).unwrap();
    assert_eq!(run_ics.matches("BEGIN:VEVENT").count(), 1);
    let uid = |ics: &str| {
        ics.lines()
            .find(|l| l.starts_with("UID:"))
            .map(str::to_string)
    };
    assert_eq!(
        uid(&run_ics),
        uid(&status_ics),
        "one event per run, whichever command saved it"
    );
    // To the second (the deadline may carry fractions of one).
    let deadline = creds["deadline"].as_str().unwrap()[..19].replace(['-', ':'], "");
    assert!(
        run_ics.contains(&format!("DTSTART:{deadline}Z")),
        "{run_ics}"
    );
    for id in &ids {
        assert!(
            !run_ics.contains(id.as_str()),
            "the calendar text holds no value"
        );
    }

    let mut c = cli(&["cleanup", "--json"]);
    c.args(&args);
    assert!(output(c).await.status.success());
    let mut c = cli(&["receipt", "--format", "json", "--tenant", &tenant]);
    c.args(&args);
    let o = output(c).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(after["cleanup"]["deleted"], true);
    let after_text = String::from_utf8_lossy(&o.stdout).to_string();

    for (name, text) in [
        ("receipt.html", html),
        ("run.json", run_receipt),
        ("run.ics", run_ics),
        ("status.ics", status_ics),
        ("receipt after cleanup", after_text),
    ] {
        assert!(!text.contains(&secret), "the secret is in {name}");
    }
    sim.shutdown().await;
}

/// `run --tenant` and `cleanup --tenant` use a remembered sign-in only when it is the tenant
/// named (its id, or a run recorded here for that name): a remembered sign-in to another customer's
/// tenant is not used, so neither creates nor deletes anything there; the new sign-in is pinned
/// to the tenant named (here one tenant-sim does not have: its sign-in never comes back).
#[tokio::test(flavor = "multi_thread")]
async fn a_remembered_sign_in_to_another_tenant_is_not_used_for_the_tenant_named() {
    let sim = sim_signed_in_as("Global Administrator", scenario()).await;
    let tenant_id = sim.startup().tenant_id.clone();
    let dir = tempfile::tempdir().unwrap();
    let service = format!("pmpc-recovery-clitest-guard-{}", std::process::id());
    let run = |args: &[&str]| {
        let mut c = cli(args);
        c.args(against(&sim, dir.path(), &service));
        output(c)
    };

    let o = run(&["run", "--json", "--remember"]).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(sim.snapshot().applications.len(), 1);

    // The remembered sign-in is to the simulated tenant, not to the one named.
    let other = "0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d";
    for command in ["run", "cleanup"] {
        let o = run(&[command, "--json", "--tenant", other]).await;
        assert_eq!(o.status.code(), Some(1), "{command}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&format!(
                "The remembered sign-in is to another tenant than {other}"
            )),
            "{command}: {stderr}"
        );
        // The browser shows Entra's "tenant not found" page; no answer comes back to the CLI.
        assert_eq!(
            stdout_json(&o)["error"]["code"],
            "signInTimedOut",
            "{command}"
        );
        let s = sim.snapshot();
        assert_eq!(
            s.applications.len(),
            1,
            "{command}: nothing made or deleted"
        );
        assert_eq!(s.applications[0].password_credentials.len(), 1, "{command}");
    }

    // Named right (its id, in any case), the same remembered sign-in deletes it.
    let o = run(&["cleanup", "--json", "--tenant", &tenant_id.to_uppercase()]).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout_json(&o)["deleted"], true);
    assert!(sim.snapshot().applications.is_empty());

    let o = run(&["sign-out", "--json"]).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    sim.shutdown().await;
}
