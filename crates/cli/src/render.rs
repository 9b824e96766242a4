//! What the commands print on stdout, as human text or as one JSON object (`--json`), and how an
//! error is reported. The progress lines on stderr are in `progress`.
//!
//! JSON is written by serde from the view types below, whose field names are the documented
//! shape (`crates/cli/README.md`). [`sorted_json_line`] prints an object's keys in alphabetical
//! order, as the CLI always has for the objects it composes; engine types printed as they are
//! ([`json_line`]) keep the engine's field order.

use std::io::Write;

use recovery::{CleanupReport, Credentials, Error, ErrorInfo, Precheck, RunStatus};
use serde::Serialize;
use time::OffsetDateTime;

/// Prints one result on stdout, with a newline, and flushes.
pub fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
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
    eprintln!("error: {}", info.message);
    eprintln!("what to do: {}", info.remedy);
    if let Some(id) = info.request_id {
        eprintln!("request id (for Microsoft support): {id}");
    }
}

/// One line of JSON with every object's keys in alphabetical order (it goes through
/// `serde_json::Value`, whose objects are sorted maps).
fn sorted_json_line(value: &impl Serialize) -> String {
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
        pre.session.user_principal_name,
        pre.tenant.display_name,
        pre.tenant.tenant_id,
        role_list(&pre.roles.roles),
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
        format!("Directory (tenant) ID:    {}", c.tenant_id),
        format!("Application (client) ID:  {}", c.application_id),
        format!("Object ID:                {}", c.object_id),
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

/// `status --json`: `{"runs": [...]}`, each the engine's `RunStatus` plus `clientSecret` when
/// shown.
#[derive(Serialize)]
struct StatusJson<'a> {
    runs: Vec<RecordedRunJson<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordedRunJson<'a> {
    #[serde(flatten)]
    status: &'a RunStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
}

pub fn status_json(runs: &[RecordedRun]) -> String {
    let runs = runs
        .iter()
        .map(|run| RecordedRunJson {
            status: &run.status,
            client_secret: run.client_secret.as_deref(),
        })
        .collect();
    sorted_json_line(&StatusJson { runs })
}

pub fn status_text(runs: &[RecordedRun]) -> String {
    if runs.is_empty() {
        return "No recorded runs.".into();
    }
    runs.iter()
        .flat_map(recorded_run_lines)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Tenant …: complete`, then the run's ids, deadline, secret and verification, indented.
fn recorded_run_lines(run: &RecordedRun) -> Vec<String> {
    let (status, journal) = (&run.status, &run.status.journal);
    let state = if status.complete {
        "complete"
    } else {
        "unfinished"
    };
    let mut lines = vec![format!("Tenant {}: {state}", journal.tenant_id)];
    if let Some(app) = &journal.app {
        lines.push(format!("  Application (client) ID: {}", app.app_id));
        lines.push(format!("  Object ID: {}", app.object_id));
    }
    if let Some(deadline) = status.deadline {
        lines.push(format!("  Use before: {}", rfc3339(deadline)));
    }
    if let Some(password) = &journal.password {
        let kept = if status.secret_in_keychain {
            "in the keychain"
        } else {
            "NOT in the keychain"
        };
        lines.push(format!(
            "  Secret {}… expires {} ({kept})",
            password.hint,
            rfc3339(password.end_date_time)
        ));
    }
    if let Some(secret) = &run.client_secret {
        lines.push(format!("  Client secret: {secret}"));
    }
    let verified = if journal.verified_at.is_some() {
        "yes"
    } else {
        "no"
    };
    lines.push(format!("  Verified: {verified}"));
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
        report.object_id
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
    use recovery::Journal;
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
        RecordedRun {
            status: RunStatus {
                deadline: Some(datetime!(2025-01-04 12:00 UTC)),
                secret_in_keychain: true,
                complete: false,
                done_steps: vec![],
                state: journal.state(false),
                expired: false,
                started: journal.started(),
                tenant_name: None,
                default_domain: None,
                journal,
            },
            client_secret: client_secret.map(str::to_string),
        }
    }

    #[test]
    fn status_text_lists_each_run() {
        assert_eq!(status_text(&[]), "No recorded runs.");
        assert_eq!(
            status_text(&[recorded_run(Some("abc~secret"))]),
            "Tenant tenant: unfinished\n  Application (client) ID: client\n  Object ID: object\n  \
             Use before: 2025-01-04T12:00:00Z\n  Secret abc… expires 2025-01-08T12:00:00Z (in the keychain)\n  \
             Client secret: abc~secret\n  Verified: no"
        );
    }

    #[test]
    fn status_json_adds_the_secret_only_when_shown() {
        let shown: serde_json::Value =
            serde_json::from_str(&status_json(&[recorded_run(Some("abc~secret"))])).unwrap();
        assert_eq!(shown["runs"][0]["clientSecret"], "abc~secret");
        assert_eq!(shown["runs"][0]["journal"]["tenantId"], "tenant");
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
