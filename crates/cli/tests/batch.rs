//! `batch FILE`: the built binary against one tenant-sim serving several tenants over loopback.
//!
//! The admin is an IT partner's account (a member of the first tenant, a B2B guest with Global
//! Administrator in the others), so each line's sign-in must be pinned to its tenant. The tests
//! play the browser themselves (`--no-browser`: the CLI prints each sign-in URL; the test accepts
//! or cancels on tenant-sim's sign-in page), so they decide when each tenant signs in, and
//! so which tenant an injected fault meets. Secrets go to the real keychain under a test-only
//! service name (the project's test command provides an unlocked Secret Service).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use tenant_sim::{Fault, FaultKind, Options, RetryAfter, Route, RunningSim, Scenario};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const BIN: &str = env!("CARGO_BIN_EXE_pmpc-recovery-cli");

fn scenario() -> Scenario {
    Scenario {
        replication_delay: Duration::from_millis(100),
        secret_ready_delay: Duration::from_millis(100),
        role_propagation_delay: Duration::from_millis(100),
        ..Scenario::default()
    }
}

fn http() -> reqwest::Client {
    recovery::http::install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// One simulator, no automatic sign-in: its default tenant (Contoso, where the admin is a
/// member) and `others` (display name, domain) where the admin is a guest with Global
/// Administrator when the flag says so. Returns the sim, the admin's UPN and each tenant's id.
async fn sim_with_tenants(others: &[(&str, &str, bool)]) -> (RunningSim, String, Vec<String>) {
    let sim = tenant_sim::start(Options {
        scenario: scenario(),
        ..Options::default()
    })
    .await
    .unwrap();
    let admin = sim
        .startup()
        .users
        .iter()
        .find(|u| u.roles.iter().any(|r| r == "Global Administrator"))
        .unwrap()
        .user_principal_name
        .clone();
    let mut ids = vec![sim.startup().tenant_id.clone()];
    for (name, domain, guest) in others {
        let created: serde_json::Value = http()
            .post(format!("{}/_sim/tenants", sim.origin()))
            .json(&serde_json::json!({ "displayName": name, "domain": domain }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(created["id"].as_str().unwrap().to_string());
        if *guest {
            sim.add_guest(domain, &admin, &["Global Administrator"]);
        }
    }
    (sim, admin, ids)
}

/// The flags pointing the CLI at `sim`, with its own data folder and keychain service.
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
        "--fast".into(),
    ]
}

fn cli(args: &[&str], common: &[String]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .args(common)
        .env_remove("PMPC_RECOVERY_CRASH_AT")
        .env_remove("PMPC_RECOVERY_TENANT")
        .env("PMPC_RECOVERY_LOG", "warn");
    c
}

async fn output(mut c: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

/// A batch running in the background; its stderr is read line by line as it comes.
struct Running {
    child: Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    stdout: std::thread::JoinHandle<String>,
    log: String,
    /// Every line so far, and whether a wait took it.
    seen: Vec<(String, bool)>,
}

impl Running {
    fn spawn(mut c: Command) -> Self {
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text);
            text
        });
        Self {
            child,
            lines,
            stdout,
            log: String::new(),
            seen: Vec::new(),
        }
    }

    /// The first stderr line not waited for before that `wanted` accepts (within 30 s), in
    /// whatever order the tenants' lines come; every line is kept in the log.
    async fn wait_for(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        if let Some(i) = (0..self.seen.len()).find(|&i| !self.seen[i].1 && wanted(&self.seen[i].0))
        {
            self.seen[i].1 = true;
            return self.seen[i].0.clone();
        }
        loop {
            let next = tokio::time::timeout(Duration::from_secs(30), self.lines.recv()).await;
            match next {
                Ok(Some(line)) => {
                    self.log.push_str(&line);
                    self.log.push('\n');
                    let matched = wanted(&line);
                    self.seen.push((line.clone(), matched));
                    if matched {
                        return line;
                    }
                }
                Ok(None) => panic!("the batch ended before {what}:\n{}", self.log),
                Err(_) => panic!("no {what} within 30 s:\n{}", self.log),
            }
        }
    }

    /// The sign-in URL printed for the tenant named `name`.
    async fn sign_in_url(&mut self, name: &str) -> String {
        let prefix = format!("[{name}] Sign in at: ");
        let line = self
            .wait_for(&format!("{name}'s sign-in URL"), |l| l.starts_with(&prefix))
            .await;
        line[prefix.len()..].to_string()
    }

    /// Waits for the process to end: its exit status, stdout and whole stderr.
    async fn finish(mut self) -> (ExitStatus, String, String) {
        while let Ok(Some(line)) =
            tokio::time::timeout(Duration::from_secs(60), self.lines.recv()).await
        {
            self.log.push_str(&line);
            self.log.push('\n');
        }
        let mut child = self.child;
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap();
        (status, self.stdout.join().unwrap(), self.log)
    }
}

/// Plays the browser on tenant-sim's sign-in page: picks `upn` and accepts, or cancels; then
/// follows Microsoft's redirect to the CLI's loopback listener.
async fn browser(origin: &str, url: &str, upn: &str, accept: bool) {
    let http = http();
    let page = http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200, "the sign-in page");
    let page = page.text().await.unwrap();
    let between = |start: &str| {
        let from = page.find(start).unwrap() + start.len();
        page[from..][..page[from..].find('"').unwrap()].to_string()
    };
    let (key, action) = (
        between("name=\"sim_request\" value=\""),
        between("<form method=\"POST\" action=\""),
    );
    let answer = http
        .post(format!("{origin}{action}"))
        .form(&[
            ("sim_request", key.as_str()),
            ("upn", upn),
            ("action", if accept { "accept" } else { "cancel" }),
        ])
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let to_loopback = answer.headers()["location"]
        .to_str()
        .unwrap()
        .replace("://localhost:", "://127.0.0.1:");
    http.get(&to_loopback).send().await.unwrap();
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The one app registration in tenant `id`, from tenant-sim's own state.
fn only_app(sim: &RunningSim, id: &str) -> tenant_sim::ApplicationSnapshot {
    let snapshot = sim.snapshot();
    let tenant = snapshot.tenants.iter().find(|t| t.id == id).unwrap();
    assert_eq!(
        tenant.applications.len(),
        1,
        "{}: {:#?}",
        tenant.display_name,
        tenant.applications
    );
    tenant.applications[0].clone()
}

fn parse_time(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("{e}: {s}"))
}

/// The report's line for `tenant` agrees with tenant-sim: its id, its only app's ids, verified,
/// the deadline 72 hours after the app's creation.
fn assert_verified_as_in_the_sim(
    report: &serde_json::Value,
    sim: &RunningSim,
    tenant_id: &str,
) -> String {
    let app = only_app(sim, tenant_id);
    assert_eq!(report["tenantId"], tenant_id, "{report}");
    assert_eq!(report["applicationId"], app.app_id.as_str(), "{report}");
    assert_eq!(report["objectId"], app.id.as_str(), "{report}");
    assert_eq!(report["verified"], true, "{report}");
    assert_eq!(report["error"], serde_json::Value::Null, "{report}");
    assert_eq!(
        parse_time(report["deadline"].as_str().unwrap()),
        parse_time(&app.created_date_time) + time::Duration::hours(72),
        "{report}"
    );
    let sp = sim
        .snapshot()
        .tenants
        .into_iter()
        .find(|t| t.id == tenant_id)
        .unwrap();
    assert_eq!(
        sp.service_principals
            .iter()
            .filter(|s| s.app_id == app.app_id)
            .count(),
        1
    );
    assert_eq!(app.password_credentials.len(), 1, "{app:#?}");
    app.app_id
}

/// Three tenants and a bad line. The first run: Contoso finishes; Fabrikam meets a persistent
/// fault on a write (Microsoft throttling addPassword with a Retry-After longer than the CLI
/// waits) and fails; Northwind is killed (SIGKILL) in the middle of its run. The second run of the
/// same file: Contoso is skipped without a sign-in, the other two continue their runs, and the
/// report has all three verified with tenant-sim's ids, the deadlines and the bad line; no secret
/// in the report or the CSV.
#[tokio::test(flavor = "multi_thread")]
async fn a_faulted_and_killed_batch_is_finished_by_its_second_run() {
    let (sim, admin, ids) = sim_with_tenants(&[
        ("Fabrikam", "fabrikam.onmicrosoft.com", true),
        ("Northwind", "northwind.onmicrosoft.com", true),
    ])
    .await;
    let (contoso, fabrikam, northwind) = (&ids[0], &ids[1], &ids[2]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("customers.txt");
    std::fs::write(
        &file,
        format!(
            "# Customers to recover\n\
             contoso.onmicrosoft.com   Contoso\n\
             {fabrikam},Fabrikam\n\
             not a tenant!\n\
             \n\
             northwind.onmicrosoft.com, \"Northwind, Traders\"\n"
        ),
    )
    .unwrap();
    let csv = dir.path().join("customers.report.csv");
    let service = format!("pmpc-recovery-batchtest-{}-resume", std::process::id());
    let common = against(&sim, &data, &service);
    let file_arg = file.display().to_string();

    // ---- First run: each sign-in when the test says so.
    let mut first = Running::spawn(cli(
        &["batch", &file_arg, "--json", "--no-browser"],
        &common,
    ));
    first
        .wait_for("the bad line", |l| {
            l.starts_with("line 4: \"not\" is not a domain")
        })
        .await;
    let url = first.sign_in_url("Contoso").await;
    assert!(
        url.starts_with(&format!(
            "{}/contoso.onmicrosoft.com/oauth2/v2.0/authorize?",
            sim.origin()
        )),
        "pinned to the line's tenant: {url}"
    );
    browser(sim.origin(), &url, &admin, true).await;
    // Fabrikam's sign-in is asked for while Contoso's run goes on.
    let fabrikam_url = first.sign_in_url("Fabrikam").await;
    assert!(fabrikam_url.contains(&format!("/{fabrikam}/oauth2/")));
    first
        .wait_for("Contoso verified", |l| l.starts_with("[Contoso] Verified:"))
        .await;

    // Microsoft throttles every addPassword for a minute: Fabrikam's run cannot finish.
    sim.set_scenario(Scenario {
        faults: vec![Fault {
            route: Route::AddPassword,
            nth: 0,
            kind: FaultKind::Throttle(RetryAfter::Seconds(60)),
        }],
        ..scenario()
    });
    browser(sim.origin(), &fabrikam_url, &admin, true).await;
    first
        .wait_for("Fabrikam's failure", |l| {
            l.starts_with("[Fabrikam] FAILED:")
        })
        .await;
    first
        .wait_for("what to do", |l| l.starts_with("[Fabrikam] What to do: "))
        .await;

    // Northwind's service principal hangs; the process is killed once its secret is stored.
    sim.set_scenario(Scenario {
        faults: [Route::CreateServicePrincipal, Route::UpsertServicePrincipal]
            .into_iter()
            .map(|route| Fault {
                route,
                nth: 0,
                kind: FaultKind::Slow(Duration::from_secs(60)),
            })
            .collect(),
        ..scenario()
    });
    let url = first.sign_in_url("Northwind, Traders").await;
    browser(sim.origin(), &url, &admin, true).await;
    first
        .wait_for("Northwind's secret in the keychain", |l| {
            l.starts_with("[Northwind, Traders] ")
                && l.contains("Store the secret in the keychain: done")
        })
        .await;
    first.child.kill().unwrap();
    let (status, _, log) = first.finish().await;
    assert!(!status.success(), "{log}");
    #[cfg(unix)]
    assert!(
        status.code().is_none(),
        "killed by a signal: {status}\n{log}"
    );
    assert!(!csv.exists(), "a killed batch writes no report:\n{log}");
    assert_eq!(sim.snapshot().tenants[2].applications.len(), 1);
    let fabrikam_app = only_app(&sim, fabrikam).app_id;

    // ---- Second run of the same file: no faults, the browser signs in by itself.
    sim.set_scenario(scenario());
    sim.set_auto_sign_in(Some(admin.clone()));
    let seen = sim.requests().len();
    let mut c = cli(&["batch", &file_arg, "--json", "--http-browser"], &common);
    c.arg("--csv").arg(&csv);
    let second = Running::spawn(c);
    let (status, stdout, log) = second.finish().await;
    assert_eq!(
        status.code(),
        Some(1),
        "the bad line is still there:\n{log}"
    );
    let report = json(&stdout);
    assert_eq!(
        report["summary"],
        serde_json::json!({"tenants": 3, "verified": 3, "notDone": 0, "badLines": 1}),
        "{report}\n{log}"
    );
    let tenants = report["tenants"].as_array().unwrap();
    assert_eq!(
        tenants
            .iter()
            .map(|t| (t["line"].as_u64().unwrap(), t["result"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [(2, "alreadyVerified"), (3, "verified"), (6, "verified")],
        "{report}"
    );
    assert_eq!(tenants[0]["label"], "Contoso");
    assert_eq!(tenants[2]["label"], "Northwind, Traders");
    assert_eq!(tenants[1]["tenant"], fabrikam.as_str());
    assert_eq!(tenants[1]["resumed"], true, "Fabrikam's run was continued");
    assert_eq!(tenants[2]["resumed"], true, "Northwind's run was continued");
    assert_verified_as_in_the_sim(&tenants[0], &sim, contoso);
    assert_eq!(
        assert_verified_as_in_the_sim(&tenants[1], &sim, fabrikam),
        fabrikam_app,
        "the app the faulted run created was finished, not made again"
    );
    assert_verified_as_in_the_sim(&tenants[2], &sim, northwind);
    assert_eq!(tenants[2]["tenantName"], "Northwind");
    assert_eq!(report["badLines"][0]["line"], 4);
    assert_eq!(report["badLines"][0]["text"], "not a tenant!");
    assert_eq!(report["csv"], csv.display().to_string());
    assert_eq!(report["secretsShown"], false);
    assert!(tenants.iter().all(|t| t.get("clientSecret").is_none()));
    assert!(
        log.contains("[Contoso] Verified by an earlier run"),
        "{log}"
    );

    // Contoso was not signed in to: no identity request names it, and only Fabrikam and
    // Northwind signed in.
    let requests = &sim.requests()[seen..];
    let authorize: Vec<&str> = requests
        .iter()
        .filter(|r| r.route == Some(Route::Authorize))
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(authorize.len(), 2, "{authorize:#?}");
    assert!(
        requests
            .iter()
            .all(|r| !r.path.contains("contoso.onmicrosoft.com")
                && !r.path.starts_with(&format!("/{contoso}/"))),
        "{requests:#?}"
    );

    // The CSV: a row per line of the file, in order, no secret column.
    let text = std::fs::read_to_string(&csv).unwrap();
    // After the UTF-8 BOM that makes Excel read it as UTF-8.
    let text = text.strip_prefix('\u{FEFF}').expect("a BOM first");
    let rows: Vec<&str> = text.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows.len(), 5, "{text}");
    assert!(rows[0].starts_with("Line,Tenant,Label,Tenant name,Directory (tenant) ID,Application (client) ID,Object ID,Verified,Deadline (UTC),Result,"), "{text}");
    assert!(!rows[0].contains("Client secret"));
    assert!(
        rows[1].starts_with(&format!(
            "2,contoso.onmicrosoft.com,Contoso,Contoso,{contoso},"
        )),
        "{text}"
    );
    assert!(
        rows[1].contains(",yes,") && rows[1].contains(",verified earlier (skipped),"),
        "{text}"
    );
    assert!(rows[3].starts_with("4,not a tenant!,"), "{text}");
    assert!(rows[3].contains(",bad line,\"line 4: "), "{text}");
    assert!(
        rows[4].starts_with(&format!(
            "6,northwind.onmicrosoft.com,\"Northwind, Traders\",Northwind,{northwind},"
        )),
        "{text}"
    );

    // The secrets are in the keychain, and in neither report.
    let st = output(cli(&["status", "--json", "--show-secret"], &common)).await;
    let runs = json(&String::from_utf8_lossy(&st.stdout));
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for run in runs {
        assert!(
            run["stateText"].as_str().unwrap().starts_with("Ready"),
            "{run}"
        );
        let secret = run["clientSecret"].as_str().unwrap();
        assert!(secret.len() >= 16);
        assert!(!stdout.contains(secret) && !text.contains(secret) && !log.contains(secret));
    }
    // status shows the three runs as the Runs page does, with their labels.
    let st = output(cli(&["status"], &common)).await;
    let shown = String::from_utf8_lossy(&st.stdout);
    assert_eq!(
        shown
            .matches("  State:                    Ready: the secret works and the app has its permission\n")
            .count(),
        3,
        "{shown}"
    );
    for heading in [
        "Contoso — Contoso (contoso.onmicrosoft.com)",
        "Fabrikam — Fabrikam (fabrikam.onmicrosoft.com)",
        "Northwind, Traders — Northwind (northwind.onmicrosoft.com)",
    ] {
        assert!(shown.contains(heading), "{heading}:\n{shown}");
    }
    assert_eq!(
        shown.matches("Secret in keychain:       yes").count(),
        3,
        "{shown}"
    );

    // A third run signs in nowhere and reports the same.
    let seen = sim.requests().len();
    let mut c = cli(&["batch", &file_arg, "--json"], &common);
    c.arg("--csv").arg(&csv);
    let third = output(c).await;
    assert_eq!(third.status.code(), Some(1));
    let again = json(&String::from_utf8_lossy(&third.stdout));
    assert_eq!(again["summary"]["verified"], 3);
    assert!(again["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["result"] == "alreadyVerified"));
    assert_eq!(sim.requests().len(), seen, "no request at all");
    sim.shutdown().await;
}

/// A cancelled sign-in and a refused one (the account is no guest there) are reported and the
/// others go on; `--show-secrets` puts the secret in the report and the CSV, and it is the one
/// Microsoft (tenant-sim) accepts for the app.
#[tokio::test(flavor = "multi_thread")]
async fn cancelled_and_refused_sign_ins_are_reported_and_the_others_go_on() {
    let (sim, admin, ids) = sim_with_tenants(&[
        ("Fabrikam", "fabrikam.onmicrosoft.com", false),
        ("Northwind", "northwind.onmicrosoft.com", true),
    ])
    .await;
    let northwind = &ids[2];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("customers.csv");
    std::fs::write(
        &file,
        "tenant,label\ncontoso.onmicrosoft.com,Contoso\nfabrikam.onmicrosoft.com,Fabrikam\nnorthwind.onmicrosoft.com,Northwind\n",
    )
    .unwrap();
    let service = format!("pmpc-recovery-batchtest-{}-signin", std::process::id());
    let common = against(&sim, &dir.path().join("data"), &service);
    let file_arg = file.display().to_string();
    let mut batch = Running::spawn(cli(
        &[
            "batch",
            &file_arg,
            "--json",
            "--no-browser",
            "--show-secrets",
        ],
        &common,
    ));
    let url = batch.sign_in_url("Contoso").await;
    browser(sim.origin(), &url, &admin, false).await;
    batch
        .wait_for("Contoso's cancelled sign-in", |l| {
            l.starts_with("[Contoso] FAILED:")
        })
        .await;
    let url = batch.sign_in_url("Fabrikam").await;
    browser(sim.origin(), &url, &admin, true).await;
    batch
        .wait_for("Fabrikam's refused sign-in", |l| {
            l.starts_with("[Fabrikam] FAILED:")
        })
        .await;
    let url = batch.sign_in_url("Northwind").await;
    browser(sim.origin(), &url, &admin, true).await;
    let (status, stdout, log) = batch.finish().await;
    assert_eq!(status.code(), Some(1), "{log}");
    let report = json(&stdout);
    let tenants = report["tenants"].as_array().unwrap();
    assert_eq!(tenants[0]["result"], "failed");
    assert_eq!(tenants[0]["error"]["code"], "signInCancelled", "{report}");
    assert!(tenants[0]["error"]["remedy"].as_str().unwrap().len() > 10);
    assert_eq!(tenants[1]["result"], "failed");
    assert_eq!(tenants[1]["error"]["code"], "signInFailed", "{report}");
    assert!(
        tenants[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("AADSTS50020"),
        "{report}"
    );
    assert_eq!(tenants[2]["result"], "verified", "{report}\n{log}");
    let app_id = assert_verified_as_in_the_sim(&tenants[2], &sim, northwind);
    assert_eq!(report["secretsShown"], true);
    assert_eq!(tenants[0]["clientSecret"], serde_json::Value::Null);
    let secret = tenants[2]["clientSecret"].as_str().unwrap().to_string();
    assert!(log.contains("IT HOLDS THE CLIENT SECRETS"), "{log}");
    assert!(
        !log.contains(&secret),
        "the secret is never in the progress lines"
    );

    // The CSV beside the file holds it too (readable by its owner only).
    let csv = dir.path().join("customers.report.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("\u{FEFF}Line,Tenant,Label,Tenant name,Directory (tenant) ID,Application (client) ID,Object ID,Client secret,Verified,"));
    assert!(
        text.contains(&format!(",{app_id},")) && text.contains(&secret),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&csv).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    // It is the secret tenant-sim accepts for the app.
    let token = http()
        .post(format!("{}/{northwind}/oauth2/v2.0/token", sim.origin()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app_id.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200, "{}", token.text().await.unwrap());
    sim.shutdown().await;
}

/// `--device-code`: each tenant's code is shown under its name; a declined code is reported, the
/// approved one runs.
#[tokio::test(flavor = "multi_thread")]
async fn device_code_sign_ins_one_declined() {
    let (sim, admin, ids) =
        sim_with_tenants(&[("Fabrikam", "fabrikam.onmicrosoft.com", true)]).await;
    sim.set_device_code_interval(Duration::from_secs(1));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("customers.txt");
    std::fs::write(&file, "contoso.onmicrosoft.com\nfabrikam.onmicrosoft.com\n").unwrap();
    let service = format!("pmpc-recovery-batchtest-{}-device", std::process::id());
    let common = against(&sim, &dir.path().join("data"), &service);
    let file_arg = file.display().to_string();
    let mut batch = Running::spawn(cli(&["batch", &file_arg, "--device-code"], &common));
    let code = |line: &str| {
        line.split("enter the code ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .to_string()
    };
    let line = batch
        .wait_for("Contoso's code", |l| {
            l.starts_with("[contoso.onmicrosoft.com] ") && l.contains("enter the code")
        })
        .await;
    assert!(sim.decline_device_code(&code(&line), &admin));
    let line = batch
        .wait_for("Fabrikam's code", |l| {
            l.starts_with("[fabrikam.onmicrosoft.com] ") && l.contains("enter the code")
        })
        .await;
    assert!(sim.approve_device_code(&code(&line), &admin));
    let (status, stdout, log) = batch.finish().await;
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("[contoso.onmicrosoft.com] FAILED: "), "{log}");
    // The text report: the declined tenant with what to do, the other verified.
    assert!(
        stdout.contains("line 1: contoso.onmicrosoft.com: FAILED — "),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 2: fabrikam.onmicrosoft.com: Verified\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  Directory (tenant) ID:    {}\n", ids[1])),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("1 of 2 tenants verified; not finished: line 1. Run the same file again to finish: what is done is skipped."), "{stdout}");
    only_app(&sim, &ids[1]);
    assert!(sim.snapshot().tenants[0].applications.is_empty());
    sim.shutdown().await;
}

/// One tenant named twice, by its domain and by its id: the first line runs, the second is
/// reported as its duplicate once its sign-in shows the same tenant, and again from the journal
/// (before any sign-in) on the next run.
#[tokio::test(flavor = "multi_thread")]
async fn the_same_tenant_named_twice_runs_once() {
    let (sim, admin, ids) = sim_with_tenants(&[]).await;
    sim.set_auto_sign_in(Some(admin));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("customers.txt");
    std::fs::write(
        &file,
        format!("contoso.onmicrosoft.com Contoso\n{}\n", ids[0]),
    )
    .unwrap();
    let service = format!("pmpc-recovery-batchtest-{}-twice", std::process::id());
    let common = against(&sim, &dir.path().join("data"), &service);
    let file_arg = file.display().to_string();
    for pass in ["first", "second"] {
        let o = output(cli(
            &["batch", &file_arg, "--json", "--http-browser"],
            &common,
        ))
        .await;
        let log = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(1), "{pass}: {log}");
        let report = json(&String::from_utf8_lossy(&o.stdout));
        let tenants = report["tenants"].as_array().unwrap();
        let first = if pass == "first" {
            "verified"
        } else {
            "alreadyVerified"
        };
        assert_eq!(tenants[0]["result"], first, "{pass}: {report}");
        assert_eq!(tenants[1]["result"], "duplicate", "{pass}: {report}");
        assert_eq!(tenants[1]["tenantId"], ids[0].as_str());
        assert_eq!(
            tenants[1]["applicationId"],
            serde_json::Value::Null,
            "one app, on line 1"
        );
        assert_eq!(
            tenants[1]["error"]["message"],
            format!(
                "line 2: {} is the same tenant ({}) as line 1",
                ids[0], ids[0]
            ),
            "{pass}"
        );
        assert_eq!(
            log.matches("Sign in: done").count(),
            usize::from(pass == "first") * 2,
            "{pass}: signs in to the second line to learn its tenant, then never again: {log}"
        );
        only_app(&sim, &ids[0]);
    }
    sim.shutdown().await;
}
