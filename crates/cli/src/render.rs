//! What the commands print on stdout, as human text or as one JSON object (`--json`), and how an
//! error is reported. The progress lines on stderr are in `progress`.
//!
//! JSON is written by serde from the view types below, whose field names are the documented
//! shape (`crates/cli/README.md`). [`sorted_json_line`] prints an object's keys in alphabetical
//! order, as the CLI always has for the objects it composes; engine types printed as they are
//! ([`json_line`]) keep the engine's field order.

use std::io::Write;

use recovery::untrusted::terminal;
use recovery::{CleanupReport, Credentials, Error, ErrorInfo, Precheck, RunState, RunStatus};
use serde::Serialize;
use time::OffsetDateTime;

use crate::progress::say;

/// Prints one result on stdout, with a newline, and flushes. Text or JSON, it passes the one
/// sanitising place's last guard for the terminal: names and messages in text were already kept
/// on their lines by [`terminal`]; nothing on stdout can be an escape sequence or a bidi control
/// (in JSON they are written `\uXXXX`, which is the same JSON).
pub fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", recovery::untrusted::terminal_lines(text));
    let _ = stdout.flush();
}

/// `{"error": {"code", "message", "remedy", "requestId"}}`.
#[derive(Serialize)]
struct ErrorJson<'a> {
    error: &'a ErrorInfo,
}

/// The error on stderr in words (and with `--json` also as JSON on stdout).
pub fn report_error(error: &Error, json: bool) {
    let info = error.info();
    if json {
        print_stdout(&sorted_json_line(&ErrorJson { error: &info }));
    }
    // The message may carry a server's words: `say!` keeps a `\r\nWhat to do: …` in it on this
    // line, so the only "what to do" line is ours.
    say!("error: {}", info.message);
    say!("what to do: {}", info.remedy);
    if let Some(id) = info.request_id {
        say!("request id (for Microsoft support): {id}");
    }
}

/// One line of JSON with every object's keys in alphabetical order (it goes through
/// `serde_json::Value`, whose objects are sorted maps).
pub fn sorted_json_line(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// One line of JSON with the keys in the order the type declares them.
fn json_line(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A time as RFC 3339 (`2025-01-31T12:00:00Z`).
pub fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// How long until `deadline`: `2 days 5 h left`, `3 h 10 min left`, `12 min left`, or `expired`.
pub fn time_left(deadline: OffsetDateTime, now: OffsetDateTime) -> String {
    let left = deadline - now;
    if left <= time::Duration::ZERO {
        return "expired".into();
    }
    let (days, hours, minutes) = (
        left.whole_days(),
        left.whole_hours() % 24,
        left.whole_minutes() % 60,
    );
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let text = match (days, hours, minutes) {
        (0, 0, 0) => "less than a minute".to_string(),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => plural(d, "day", "days"),
        (d, h, _) => format!("{} {h} h", plural(d, "day", "days")),
    };
    format!("{text} left")
}

/// Role names separated by commas, or "none".
pub fn role_list(roles: &[String]) -> String {
    if roles.is_empty() {
        "none".to_string()
    } else {
        roles.join(", ")
    }
}

// ---- plan ----

pub fn plan_json() -> String {
    json_line(&recovery::PLAN)
}

/// Each portal step with what the portal asks and what the wizard does instead.
pub fn plan_text() -> String {
    recovery::PLAN
        .iter()
        .map(|s| {
            format!(
                "{:>2}. {}\n    portal: {}\n    wizard: {}",
                s.number, s.title, s.portal, s.wizard
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- sign-in ----

/// `sign-in --json`: `{"userPrincipalName", "tenantId", "roles"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignInJson<'a> {
    user_principal_name: &'a str,
    tenant_id: &'a str,
    roles: &'a [String],
}

pub fn sign_in_json(pre: &Precheck) -> String {
    sorted_json_line(&SignInJson {
        user_principal_name: &pre.session.user_principal_name,
        tenant_id: &pre.tenant.tenant_id,
        roles: &pre.roles.roles,
    })
}

pub fn sign_in_text(pre: &Precheck) -> String {
    format!(
        "Signed in as {} to {} ({}).\nRoles: {}\n{}",
        terminal(&pre.session.user_principal_name),
        terminal(&pre.tenant.display_name),
        terminal(&pre.tenant.tenant_id),
        terminal(&role_list(&pre.roles.roles)),
        pre.roles.explanation
    )
}

// ---- run ----

/// `run --json`: the four values PMPC asks for, the secret's expiry, the 72-hour deadline, and
/// whether the credentials were proven to work. `clientSecret` is null unless revealed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CredentialsJson<'a> {
    tenant_id: &'a str,
    application_id: &'a str,
    object_id: &'a str,
    client_secret: Option<&'a str>,
    secret_expires: String,
    deadline: String,
    verified: bool,
}

impl<'a> From<&'a Credentials> for CredentialsJson<'a> {
    fn from(c: &'a Credentials) -> Self {
        Self {
            tenant_id: &c.tenant_id,
            application_id: &c.application_id,
            object_id: &c.object_id,
            client_secret: c.client_secret.as_deref(),
            secret_expires: rfc3339(c.secret_expires),
            deadline: rfc3339(c.deadline),
            verified: c.verified,
        }
    }
}

pub fn credentials_json(credentials: &Credentials) -> String {
    sorted_json_line(&CredentialsJson::from(credentials))
}

/// The values one per line, the secret hidden unless `show_secret`, then whether they work.
pub fn credentials_text(c: &Credentials, show_secret: bool) -> String {
    let secret = match (&c.client_secret, show_secret) {
        (Some(secret), true) => secret.clone(),
        _ => format!(
            "{}{} (hidden; rerun `status --show-secret` to print it)",
            c.secret_hint,
            "•".repeat(12)
        ),
    };
    [
        format!("Directory (tenant) ID:    {}", terminal(&c.tenant_id)),
        format!("Application (client) ID:  {}", terminal(&c.application_id)),
        format!("Object ID:                {}", terminal(&c.object_id)),
        format!("Client secret:            {secret}"),
        format!("Secret expires:           {}", rfc3339(c.secret_expires)),
        format!(
            "Use it before:            {} (72 hours after the app was created)",
            rfc3339(c.deadline)
        ),
        verification_text(c),
    ]
    .join("\n")
}

fn verification_text(c: &Credentials) -> String {
    if c.verified {
        "Verified: the app signs in and holds AuditLog.Read.All.".to_string()
    } else if let Some(url) = &c.admin_consent_url {
        format!(
            "Not verified yet: a Global Administrator or Privileged Role Administrator must grant consent at:\n  {url}\nThen run this command again to verify."
        )
    } else {
        "Not verified.".to_string()
    }
}

// ---- status ----

/// A recorded run, with its client secret when `status --show-secret` read it from the keychain.
pub struct RecordedRun {
    pub status: RunStatus,
    pub client_secret: Option<String>,
}

/// `status --json`: `{"runs": [...]}`, newest first, each the engine's `RunStatus` plus
/// `stateText` (the state in words, as the text shows it) and `clientSecret` when shown.
#[derive(Serialize)]
struct StatusJson<'a> {
    runs: Vec<RecordedRunJson<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordedRunJson<'a> {
    #[serde(flatten)]
    status: &'a RunStatus,
    state_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
}

pub fn status_json(runs: &[RecordedRun]) -> String {
    let runs = runs
        .iter()
        .map(|run| RecordedRunJson {
            status: &run.status,
            state_text: state_text(&run.status.state),
            client_secret: run.client_secret.as_deref(),
        })
        .collect();
    let mut value = serde_json::to_value(StatusJson { runs }).unwrap_or_default();
    // `tenantLabel` is the app's Runs page's; `status --json` keeps the keys it has always had.
    if let Some(runs) = value.get_mut("runs").and_then(|r| r.as_array_mut()) {
        for run in runs.iter_mut().filter_map(|r| r.as_object_mut()) {
            run.remove("tenantLabel");
        }
    }
    value.to_string()
}

/// One block per run, newest first, as the app's Runs page shows them.
pub fn status_text(runs: &[RecordedRun], now: OffsetDateTime) -> String {
    if runs.is_empty() {
        return "No recorded runs.".into();
    }
    runs.iter()
        .map(|run| recorded_run_lines(run, now).join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Where a run stands, in the words of the app's Runs page: `Ready`, `Waiting for consent`,
/// `Failed at step 13 (Certificates & secrets): what to do [code]`, `Stopped before step 11
/// (Grant admin consent); …`, `Deleted`. Steps are named by their number and title among the 16.
pub fn state_text(state: &RunState) -> String {
    let title = |n: u8| {
        recovery::PLAN
            .iter()
            .find(|s| s.number == n)
            .map_or("", |s| s.title)
    };
    match state {
        RunState::Verified => "Ready: the secret works and the app has its permission".into(),
        RunState::WaitingForConsent => {
            "Waiting for consent from a Global Administrator or Privileged Role Administrator"
                .into()
        }
        RunState::Failed {
            portal_step,
            error_code,
            remedy,
            ..
        } => {
            let mut text = format!("Failed at step {portal_step} ({})", title(*portal_step));
            if let Some(code) = error_code {
                let remedy = remedy.as_ref().map(|r| format!("{r} ")).unwrap_or_default();
                text.push_str(&format!(": {remedy}[{code}]"));
            }
            text
        }
        RunState::Stopped { portal_step, .. } => format!(
            "Stopped before step {portal_step} ({}); run it again to continue",
            title(*portal_step)
        ),
        RunState::CleanedUp => "Deleted: the app registration and its secret are gone".into(),
    }
}

/// `Label — Tenant name (domain)`, then the run's state, ids, times and secret, indented.
fn recorded_run_lines(run: &RecordedRun, now: OffsetDateTime) -> Vec<String> {
    let (status, journal) = (&run.status, &run.status.journal);
    let name = status.tenant_name.as_deref().unwrap_or(&journal.tenant_id);
    let mut heading = match &journal.label {
        Some(label) => format!("{} — {}", terminal(label), terminal(name)),
        None => terminal(name).into_owned(),
    };
    if let Some(domain) = status
        .default_domain
        .as_ref()
        .or(journal.requested_tenant.as_ref())
    {
        heading.push_str(&format!(" ({})", terminal(domain)));
    }
    let mut lines = vec![heading];
    // Each value on its own line: a tenant's name or a journal's text cannot add a line such as
    // a forged `State: Ready`.
    let mut value = |name: &str, v: &str| lines.push(format!("  {name:<25} {}", terminal(v)));
    value("State:", &state_text(&status.state));
    value("Directory (tenant) ID:", &journal.tenant_id);
    if let Some(app) = &journal.app {
        value("Application (client) ID:", &app.app_id);
        value("Object ID:", &app.object_id);
    }
    value("Started:", &rfc3339(status.started));
    if let Some(deadline) = status.deadline {
        let left = if status.state == RunState::CleanedUp {
            "cleaned up".to_string()
        } else {
            time_left(deadline, now)
        };
        value("Deadline:", &format!("{} ({left})", rfc3339(deadline)));
    }
    let keychain = match (&journal.password, status.secret_in_keychain) {
        (Some(p), true) => format!("yes ({}…, expires {})", p.hint, rfc3339(p.end_date_time)),
        _ => "no".to_string(),
    };
    value("Secret in keychain:", &keychain);
    if let Some(secret) = &run.client_secret {
        value("Client secret:", secret);
    }
    lines
}

// ---- cleanup ----

/// `cleanup --json`: the engine's report, `{"objectId", "deleted", "purged", "keychainForgotten"}`.
pub fn cleanup_json(report: &CleanupReport) -> String {
    json_line(report)
}

/// One sentence on the app registration and the keychain entry; `purge_asked` tells "not found
/// in deleted items" from "restorable".
pub fn cleanup_text(report: &CleanupReport, purge_asked: bool) -> String {
    let deleted = if report.deleted {
        "deleted"
    } else {
        "was already gone"
    };
    let deleted_items = if report.purged {
        " and purged from deleted items"
    } else if purge_asked {
        " (not found in deleted items)"
    } else {
        " (restorable for 30 days from deleted items)"
    };
    let keychain = if report.keychain_forgotten {
        "forgotten"
    } else {
        "not present"
    };
    format!(
        "App registration {}: {deleted}{deleted_items}. Keychain entry {keychain}.",
        terminal(&report.object_id)
    )
}

// ---- sign-out ----

/// `sign-out --json`: `{"signedOut": true, "forgotRememberedSession"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignOutJson {
    signed_out: bool,
    forgot_remembered_session: bool,
}

pub fn sign_out_json(forgot_remembered_session: bool) -> String {
    sorted_json_line(&SignOutJson {
        signed_out: true,
        forgot_remembered_session,
    })
}

pub fn sign_out_text(forgot_remembered_session: bool) -> String {
    if forgot_remembered_session {
        "Signed out: the remembered sign-in was removed from the keychain.".into()
    } else {
        "Signed out (no sign-in was remembered).".into()
    }
}

#[cfg(test)]
mod tests {
    use recovery::journal::{AppRecord, PasswordRecord};
    use recovery::{Code, Journal, Step};
    use time::macros::datetime;

    use super::*;

    fn credentials() -> Credentials {
        Credentials {
            tenant_id: "tenant".into(),
            application_id: "client".into(),
            object_id: "object".into(),
            client_secret: Some("abc~secret".into()),
            secret_hint: "abc".into(),
            secret_key_id: "key".into(),
            secret_expires: datetime!(2025-01-08 12:00 UTC),
            deadline: datetime!(2025-01-04 12:00 UTC),
            verified: true,
            admin_consent_url: None,
        }
    }

    #[test]
    fn run_json_is_the_documented_object_with_keys_sorted() {
        assert_eq!(
            credentials_json(&credentials()),
            r#"{"applicationId":"client","clientSecret":"abc~secret","deadline":"2025-01-04T12:00:00Z","objectId":"object","secretExpires":"2025-01-08T12:00:00Z","tenantId":"tenant","verified":true}"#
        );
        let hidden = Credentials {
            client_secret: None,
            ..credentials()
        };
        assert!(credentials_json(&hidden).contains(r#""clientSecret":null"#));
    }

    #[test]
    fn run_text_hides_the_secret_unless_asked() {
        let expected = "Directory (tenant) ID:    tenant\n\
                        Application (client) ID:  client\n\
                        Object ID:                object\n\
                        Client secret:            abc•••••••••••• (hidden; rerun `status --show-secret` to print it)\n\
                        Secret expires:           2025-01-08T12:00:00Z\n\
                        Use it before:            2025-01-04T12:00:00Z (72 hours after the app was created)\n\
                        Verified: the app signs in and holds AuditLog.Read.All.";
        assert_eq!(credentials_text(&credentials(), false), expected);
        assert!(credentials_text(&credentials(), true)
            .contains("Client secret:            abc~secret\n"));
        let handed_off = Credentials {
            verified: false,
            admin_consent_url: Some("https://consent".into()),
            ..credentials()
        };
        assert!(credentials_text(&handed_off, false).ends_with(
            "must grant consent at:\n  https://consent\nThen run this command again to verify."
        ));
    }

    fn recorded_run(client_secret: Option<&str>) -> RecordedRun {
        let mut journal = Journal::new("tenant", "PMPC Recovery", datetime!(2025-01-01 12:00 UTC));
        journal.app = Some(AppRecord {
            object_id: "object".into(),
            app_id: "client".into(),
            created_date_time: datetime!(2025-01-01 12:00 UTC),
            reused: false,
        });
        journal.password = Some(PasswordRecord {
            key_id: "key".into(),
            hint: "abc".into(),
            end_date_time: datetime!(2025-01-08 12:00 UTC),
            stored: true,
        });
        journal.label = Some("Contoso".into());
        journal.requested_tenant = Some("contoso.com".into());
        RecordedRun {
            status: RunStatus {
                deadline: Some(datetime!(2025-01-04 12:00 UTC)),
                secret_in_keychain: true,
                complete: false,
                done_steps: vec![],
                state: journal.state(false),
                expired: false,
                started: journal.started(),
                tenant_name: Some("Contoso Ltd".into()),
                default_domain: None,
                tenant_label: "Contoso Ltd".into(),
                journal,
            },
            client_secret: client_secret.map(str::to_string),
        }
    }

    #[test]
    fn status_text_shows_each_run_as_the_runs_page_does() {
        let now = datetime!(2025-01-02 09:30 UTC);
        assert_eq!(status_text(&[], now), "No recorded runs.");
        let verified = RecordedRun {
            status: RunStatus {
                state: RunState::Verified,
                ..recorded_run(None).status
            },
            client_secret: Some("abc~secret".into()),
        };
        let mut bare = recorded_run(None);
        bare.status.journal.label = None;
        bare.status.journal.requested_tenant = None;
        bare.status.journal.app = None;
        bare.status.journal.password = None;
        bare.status.tenant_name = None;
        bare.status.deadline = None;
        bare.status.secret_in_keychain = false;
        bare.status.state = RunState::Stopped {
            step: Step::CreateApp,
            portal_step: 2,
        };
        assert_eq!(
            status_text(&[verified, bare], now),
            "Contoso — Contoso Ltd (contoso.com)\n  \
             State:                    Ready: the secret works and the app has its permission\n  \
             Directory (tenant) ID:    tenant\n  \
             Application (client) ID:  client\n  \
             Object ID:                object\n  \
             Started:                  2025-01-01T12:00:00Z\n  \
             Deadline:                 2025-01-04T12:00:00Z (2 days 2 h left)\n  \
             Secret in keychain:       yes (abc…, expires 2025-01-08T12:00:00Z)\n  \
             Client secret:            abc~secret\n\
             \n\
             tenant\n  \
             State:                    Stopped before step 2 (New registration); run it again to continue\n  \
             Directory (tenant) ID:    tenant\n  \
             Started:                  2025-01-01T12:00:00Z\n  \
             Secret in keychain:       no"
        );
    }

    #[test]
    fn states_in_words_and_the_time_left() {
        let failed = RunState::Failed {
            step: Step::CreateSecret,
            portal_step: 13,
            error_code: Some("retriesExhausted".into()),
            remedy: Some(Code::RetriesExhausted.remedy().into()),
        };
        assert_eq!(
            state_text(&failed),
            format!(
                "Failed at step 13 (Certificates & secrets): {} [retriesExhausted]",
                Code::RetriesExhausted.remedy()
            )
        );
        let unknown = RunState::Failed {
            step: Step::Verify,
            portal_step: 16,
            error_code: Some("somethingNew".into()),
            remedy: None,
        };
        assert_eq!(
            state_text(&unknown),
            "Failed at step 16 (Note the secret value): [somethingNew]"
        );
        assert_eq!(
            state_text(&RunState::WaitingForConsent),
            "Waiting for consent from a Global Administrator or Privileged Role Administrator"
        );
        assert_eq!(
            state_text(&RunState::CleanedUp),
            "Deleted: the app registration and its secret are gone"
        );
        let at = datetime!(2025-01-04 12:00 UTC);
        let left = |d: time::Duration| time_left(at, at - d);
        assert_eq!(left(time::Duration::minutes(-1)), "expired");
        assert_eq!(left(time::Duration::ZERO), "expired");
        assert_eq!(left(time::Duration::seconds(30)), "less than a minute left");
        assert_eq!(left(time::Duration::minutes(12)), "12 min left");
        assert_eq!(left(time::Duration::minutes(190)), "3 h 10 min left");
        assert_eq!(left(time::Duration::hours(24)), "1 day left");
        assert_eq!(left(time::Duration::hours(71)), "2 days 23 h left");

        let mut expired = recorded_run(None);
        expired.status.expired = true;
        let text = status_text(&[expired], datetime!(2025-01-05 12:00 UTC));
        assert!(
            text.contains("Deadline:                 2025-01-04T12:00:00Z (expired)"),
            "{text}"
        );
        let mut closed = recorded_run(None);
        closed.status.state = RunState::CleanedUp;
        closed.status.secret_in_keychain = false;
        let text = status_text(&[closed], datetime!(2025-01-02 12:00 UTC));
        assert!(text.contains("State:                    Deleted"), "{text}");
        assert!(
            text.contains("(cleaned up)") && text.contains("Secret in keychain:       no"),
            "{text}"
        );
    }

    #[test]
    fn status_json_adds_the_state_in_words_and_the_secret_only_when_shown() {
        let shown: serde_json::Value =
            serde_json::from_str(&status_json(&[recorded_run(Some("abc~secret"))])).unwrap();
        assert_eq!(shown["runs"][0]["clientSecret"], "abc~secret");
        assert_eq!(shown["runs"][0]["journal"]["tenantId"], "tenant");
        assert_eq!(shown["runs"][0]["journal"]["label"], "Contoso");
        assert_eq!(shown["runs"][0]["state"]["kind"], "stopped");
        assert_eq!(
            shown["runs"][0]["stateText"],
            "Stopped before step 11 (Grant admin consent); run it again to continue"
        );
        let hidden = status_json(&[recorded_run(None)]);
        assert!(hidden.starts_with(r#"{"runs":[{"complete":false,"deadline":"#));
        assert!(!hidden.contains("clientSecret"));
    }

    #[test]
    fn cleanup_text_says_what_happened_to_app_and_keychain() {
        let report = |deleted, purged, keychain_forgotten| CleanupReport {
            object_id: "object".into(),
            deleted,
            purged,
            keychain_forgotten,
        };
        assert_eq!(
            cleanup_text(&report(true, false, true), false),
            "App registration object: deleted (restorable for 30 days from deleted items). Keychain entry forgotten."
        );
        assert_eq!(
            cleanup_text(&report(true, true, false), true),
            "App registration object: deleted and purged from deleted items. Keychain entry not present."
        );
        assert_eq!(
            cleanup_text(&report(false, false, false), true),
            "App registration object: was already gone (not found in deleted items). Keychain entry not present."
        );
        assert_eq!(
            cleanup_json(&report(true, true, true)),
            r#"{"objectId":"object","deleted":true,"purged":true,"keychainForgotten":true}"#
        );
    }

    #[test]
    fn sign_out_and_error_json() {
        assert_eq!(
            sign_out_json(false),
            r#"{"forgotRememberedSession":false,"signedOut":true}"#
        );
        let info = Error::InvalidInput("x".into()).info();
        assert_eq!(
            sorted_json_line(&ErrorJson { error: &info }),
            r#"{"error":{"code":"invalidInput","message":"invalid input: x","remedy":"Check the value you entered and try again.","requestId":null}}"#
        );
    }
}
