//! The receipt for the change ticket: who signed in to which tenant, when each step ran and what
//! it created or changed, the Graph request ids of the writes, whether the credentials were
//! verified, the deadline, and what a cleanup deleted.
//!
//! Built from the tenant's journal alone ([`Receipt::from_journal`]): its ids and its activity
//! ([`crate::activity`]). As JSON ([`Receipt::to_json`]) or as one self-contained HTML page that
//! prints to PDF ([`Receipt::to_html`]). It never holds the secret (the journal has none) nor a
//! token.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::activity::{Activity, StepOutcome};
use crate::clock::{utc_text, UtcText};
use crate::cloud::Cloud;
use crate::events::{Step, StepData};
use crate::graph::{AUDIT_LOG_READ_ALL, GRAPH_APP_ID};
use crate::journal::Journal;

/// The receipt's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// What made it, e.g. "PMPC Recovery Wizard 0.1.0".
    pub made_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// A practice run against a simulated tenant (set by the front end that knows).
    pub practice: bool,
    pub run_id: String,
    pub app_name: String,
    pub tenant: TenantPart,
    /// Every account that worked on this run, first to last.
    pub signed_in: Vec<SignInPart>,
    pub app: Option<AppPart>,
    pub service_principal_id: Option<String>,
    pub permission: PermissionPart,
    pub secret: Option<SecretPart>,
    pub verified: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub verified_at: Option<OffsetDateTime>,
    /// When PMPC stops accepting the values ([`crate::journal::AppRecord::deadline`]).
    #[serde(with = "time::serde::rfc3339::option")]
    pub deadline: Option<OffsetDateTime>,
    pub steps: Vec<StepPart>,
    pub writes: Vec<WritePart>,
    pub cleanup: Option<CleanupPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantPart {
    pub tenant_id: String,
    pub name: Option<String>,
    pub default_domain: Option<String>,
    pub cloud: Cloud,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInPart {
    pub user_principal_name: String,
    pub display_name: Option<String>,
    /// The account's object id.
    pub user_id: String,
    pub guest: bool,
    /// When the run (or cleanup) with this sign-in began.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppPart {
    /// Application (client) ID.
    pub application_id: String,
    pub object_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_date_time: OffsetDateTime,
    /// An existing app was reused instead of creating one.
    pub reused: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionPart {
    /// "Microsoft Graph".
    pub api: String,
    pub api_app_id: String,
    /// "AuditLog.Read.All".
    pub permission: String,
    /// "Application".
    pub permission_type: String,
    pub app_role_id: Option<String>,
    /// The admin consent: the app role assignment's id.
    pub grant_assignment_id: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub granted_at: Option<OffsetDateTime>,
    /// The grant was read back (the portal's green tick).
    pub grant_confirmed: bool,
    /// The read-back was slow, but the app's own token carried the permission: the stronger
    /// proof (then `grant_confirmed` is false).
    #[serde(default)]
    pub grant_proved_by_token: bool,
    /// Consent was left to another administrator (the admin-consent link).
    pub consent_handed_off: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretPart {
    pub key_id: String,
    /// The first characters Microsoft shows of the secret (as the portal does), never the secret.
    pub hint: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
    /// Kept in this computer's keychain.
    pub stored_in_keychain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepPart {
    pub step: Step,
    pub title: String,
    /// The portal steps (1–16) it replaces.
    pub portal_steps: Vec<u8>,
    pub outcome: StepOutcome,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// What it created, changed or found, in words.
    pub result: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WritePart {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What the write did, in words.
    pub what: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Microsoft's `request-id`, for a support case with Microsoft.
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanupPart {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub deleted: bool,
    pub purged: bool,
    pub keychain_forgotten: bool,
}

impl Receipt {
    /// The receipt of one run, from its journal. `cloud` is used when the journal recorded no
    /// sign-in (journals from before receipts).
    pub fn from_journal(j: &Journal, cloud: Cloud, now: OffsetDateTime) -> Self {
        let last = j.last_sign_in();
        let tenant = TenantPart {
            tenant_id: j.tenant_id.clone(),
            cloud: last.as_ref().map_or(cloud, |l| l.cloud),
            name: last.as_ref().and_then(|l| l.tenant_name.clone()),
            default_domain: last.and_then(|l| l.default_domain),
        };
        let mut signed_in: Vec<SignInPart> = Vec::new();
        for a in &j.activity {
            if let Activity::SignedIn {
                at,
                user_principal_name,
                display_name,
                user_id,
                guest,
                ..
            } = a
            {
                // One line per account and run start; repeats of the same account in a row fold.
                if signed_in.last().is_none_or(|l| l.user_id != *user_id) {
                    signed_in.push(SignInPart {
                        user_principal_name: user_principal_name.clone(),
                        display_name: display_name.clone(),
                        user_id: user_id.clone(),
                        guest: *guest,
                        at: *at,
                    });
                }
            }
        }
        let steps = steps(&j.activity);
        let granted_at = steps
            .iter()
            .find(|s| s.step == Step::GrantConsent && s.outcome == StepOutcome::Done)
            .and_then(|s| s.finished_at);
        let cleanup = j.activity.iter().rev().find_map(|a| match a {
            Activity::Step {
                at,
                step: Step::Cleanup,
                outcome: StepOutcome::Done,
                data:
                    Some(StepData::CleanedUp {
                        deleted,
                        purged,
                        keychain_forgotten,
                    }),
                ..
            } => Some(CleanupPart {
                at: *at,
                deleted: *deleted,
                purged: *purged,
                keychain_forgotten: *keychain_forgotten,
            }),
            _ => None,
        });
        let writes = j
            .activity
            .iter()
            .filter_map(|a| match a {
                Activity::Write {
                    at,
                    method,
                    path,
                    status,
                    request_id,
                } => Some(WritePart {
                    at: *at,
                    what: describe_write(method, path).into(),
                    method: method.clone(),
                    path: path.clone(),
                    status: *status,
                    request_id: request_id.clone(),
                }),
                _ => None,
            })
            .collect();
        Self {
            made_by: format!("PMPC Recovery Wizard {}", env!("CARGO_PKG_VERSION")),
            generated_at: now,
            practice: false,
            run_id: j.run_id.clone(),
            app_name: j.app_name.clone(),
            tenant,
            signed_in,
            app: j.app.as_ref().map(|a| AppPart {
                application_id: a.app_id.clone(),
                object_id: a.object_id.clone(),
                created_date_time: a.created_date_time,
                reused: a.reused,
            }),
            service_principal_id: j.service_principal_id.clone(),
            permission: PermissionPart {
                api: "Microsoft Graph".into(),
                api_app_id: GRAPH_APP_ID.into(),
                permission: AUDIT_LOG_READ_ALL.into(),
                permission_type: "Application".into(),
                app_role_id: j.app_role_id.clone(),
                grant_assignment_id: j.assignment_id.clone(),
                granted_at,
                grant_confirmed: j.consent_confirmed && !j.consent_proved_by_token,
                grant_proved_by_token: j.consent_proved_by_token,
                consent_handed_off: j.consent_handed_off,
            },
            secret: j.password.as_ref().map(|p| SecretPart {
                key_id: p.key_id.clone(),
                hint: p.hint.clone(),
                expires: p.end_date_time,
                stored_in_keychain: p.stored,
            }),
            verified: j.verified_at.is_some(),
            verified_at: j.verified_at,
            deadline: j.deadline(),
            steps,
            writes,
            cleanup,
        }
    }

    pub fn to_json(&self) -> String {
        // A plain struct of strings, numbers and booleans: serializing it cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// A file name naming the tenant and the date, e.g. `PMPC Recovery receipt - Contoso - 2026-11-30.html`.
    pub fn file_name(&self, extension: &str) -> String {
        let tenant = crate::journal::tenant_label(
            self.tenant.name.as_deref(),
            None,
            self.tenant.default_domain.as_deref(),
            &self.tenant.tenant_id,
        );
        file_name(
            "PMPC Recovery receipt",
            &tenant,
            self.generated_at,
            extension,
        )
    }

    /// One self-contained HTML page (inline styles, no scripts, no external resources) that
    /// prints well to PDF.
    pub fn to_html(&self) -> String {
        html::render(self)
    }
}

/// `"{what} - {tenant} - YYYY-MM-DD.{extension}"`. The tenant's name is made safe for a file
/// name by the one sanitising place: no character a file system refuses, no bidi control (which
/// could make the extension read backwards), and at most
/// [`FILE_NAME_PART_MAX_BYTES`](crate::untrusted::FILE_NAME_PART_MAX_BYTES) bytes, so the whole
/// name stays under the 255 bytes file systems allow however long the tenant's name is.
pub fn file_name(what: &str, tenant: &str, date: OffsetDateTime, extension: &str) -> String {
    let tenant =
        crate::untrusted::file_name_part(tenant, crate::untrusted::FILE_NAME_PART_MAX_BYTES)
            .unwrap_or_else(|| "tenant".to_string());
    format!(
        "{what} - {tenant} - {:04}-{:02}-{:02}.{extension}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// One row per step, in the order the steps first appear: the run that did the step (done)
/// wins over a later run that skipped it, which wins over a failure.
fn steps(activity: &[Activity]) -> Vec<StepPart> {
    let mut order: Vec<Step> = Vec::new();
    for a in activity {
        if let Activity::Step { step, .. } = a {
            if !order.contains(step) {
                order.push(*step);
            }
        }
    }
    order
        .into_iter()
        .map(|step| {
            let events: Vec<(&OffsetDateTime, &StepOutcome, &Option<StepData>)> = activity
                .iter()
                .filter_map(|a| match a {
                    Activity::Step {
                        at,
                        step: s,
                        outcome,
                        data,
                        ..
                    } if *s == step => Some((at, outcome, data)),
                    _ => None,
                })
                .collect();
            let pick = |o: StepOutcome| events.iter().rposition(|(_, out, _)| **out == o);
            let end = pick(StepOutcome::Done)
                .or(pick(StepOutcome::Skipped))
                .or(pick(StepOutcome::Failed));
            let (outcome, finished_at, data) = match end {
                Some(i) => (*events[i].1, Some(*events[i].0), events[i].2.as_ref()),
                None => (StepOutcome::Started, None, None),
            };
            let started_at = match end {
                Some(i) if outcome == StepOutcome::Skipped => Some(*events[i].0),
                // A step done within another's write (the permission, in the app's) has no
                // start of its own.
                Some(i) => events[..i]
                    .iter()
                    .rev()
                    .find(|(_, o, _)| **o == StepOutcome::Started)
                    .map(|(at, _, _)| **at)
                    .or(Some(*events[i].0)),
                None => events.last().map(|(at, _, _)| **at),
            };
            StepPart {
                step,
                title: step.title().into(),
                portal_steps: step.plan_numbers().to_vec(),
                outcome,
                started_at,
                finished_at,
                result: outcome.result_words(data),
            }
        })
        .collect()
}

/// What a Graph write did, from its method and path.
fn describe_write(method: &str, path: &str) -> &'static str {
    let p = path.to_ascii_lowercase();
    match method {
        "PATCH" if p.starts_with("applications(uniquename=") => {
            "Create the app registration with its permission request"
        }
        "PATCH" if p.starts_with("applications") => "Change the app registration",
        "POST" | "PATCH" if p.starts_with("serviceprincipals(appid=") => {
            "Create the enterprise app (service principal)"
        }
        "POST" if p.ends_with("/approleassignedto") => "Grant admin consent (app role assignment)",
        "POST" if p.ends_with("/addpassword") => "Add the client secret",
        "POST" if p.ends_with("/removepassword") => "Remove a client secret that could not be used",
        "DELETE" if p.starts_with("directory/deleteditems/") => "Purge from deleted items",
        "DELETE" if p.starts_with("applications/") => "Delete the app registration",
        _ => "Change in the directory",
    }
}

/// A time as the receipt shows it: `2026-12-01 12:00:00 UTC`.
pub fn when(t: OffsetDateTime) -> String {
    utc_text(t, UtcText::Readable)
}

mod html {
    use super::*;

    /// Text for HTML element content and attribute values (the one sanitising place's HTML).
    pub fn escape(s: &str) -> String {
        crate::untrusted::html(s)
    }

    /// A name from the tenant inside our sentence: escaped and isolated in `<bdi>`, so it never
    /// reorders the words around it.
    fn name(s: &str) -> String {
        crate::untrusted::html_name(s)
    }

    fn time(t: Option<OffsetDateTime>) -> String {
        match t {
            Some(t) => {
                let iso = t
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                format!(
                    r#"<time datetime="{}">{}</time>"#,
                    escape(&iso),
                    escape(&when(t))
                )
            }
            None => "<span class=\"none\">not recorded</span>".into(),
        }
    }

    /// A time of day only (`07:07:20`), for tables whose times all fall on one UTC day.
    fn clock(t: Option<OffsetDateTime>) -> String {
        match t {
            Some(t) => {
                let iso = t
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                format!(
                    r#"<time datetime="{}">{}</time>"#,
                    escape(&iso),
                    utc_text(t, UtcText::TimeOfDay)
                )
            }
            None => "<span class=\"none\">not recorded</span>".into(),
        }
    }

    /// The one UTC day all these times fall on, if they do.
    fn one_day(times: impl Iterator<Item = OffsetDateTime>) -> Option<time::Date> {
        let mut day = None;
        for t in times {
            let d = t.to_offset(time::UtcOffset::UTC).date();
            match day {
                None => day = Some(d),
                Some(x) if x != d => return None,
                Some(_) => {}
            }
        }
        day
    }

    fn id(s: &str) -> String {
        format!("<code>{}</code>", escape(s))
    }

    fn opt_id(s: Option<&str>) -> String {
        s.map(id)
            .unwrap_or_else(|| "<span class=\"none\">none</span>".into())
    }

    fn row(label: &str, value: String) -> String {
        format!(
            "<tr><th scope=\"row\">{}</th><td>{value}</td></tr>\n",
            escape(label)
        )
    }

    fn yes_no(b: bool) -> &'static str {
        if b {
            "yes"
        } else {
            "no"
        }
    }

    fn outcome(o: StepOutcome) -> &'static str {
        match o {
            StepOutcome::Started => "started",
            StepOutcome::Done => "done",
            StepOutcome::Skipped => "done earlier",
            StepOutcome::Failed => "failed",
        }
    }

    const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif; color: #1b1f24; background: #fff; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 2.25rem 3rem; }
header { border-bottom: 3px solid #0b5cad; padding-bottom: .75rem; margin-bottom: 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; color: #0b3d6e; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
p { margin: .3rem 0; }
.meta { color: #57606a; font-size: .9rem; }
.practice { display: inline-block; background: #fff4ce; border: 1px solid #d4a72c; color: #6b4e00; padding: .1rem .5rem; border-radius: .25rem; font-weight: 600; }
.facts { display: grid; grid-template-columns: repeat(3, 1fr); gap: .75rem; margin: 1rem 0 0; }
.fact { border: 1px solid #d0d7de; border-radius: .4rem; padding: .55rem .75rem; }
.fact .label { display: block; font-size: .8rem; color: #57606a; text-transform: uppercase; letter-spacing: .03em; }
.fact .value { font-size: 1.05rem; font-weight: 600; }
.ok { color: #1a7f37; } .bad { color: #b42318; }
table { width: 100%; border-collapse: collapse; margin: .25rem 0 .5rem; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #e5e8eb; }
thead th { background: #f3f5f7; border-bottom: 1px solid #d0d7de; font-weight: 600; }
tbody th { width: 16rem; font-weight: 600; color: #32383f; }
code { font: .88em/1.3 ui-monospace, "Cascadia Mono", Consolas, "Liberation Mono", monospace; word-break: break-all; }
.none { color: #6e7781; font-style: italic; }
h3 { font-size: .95rem; margin: 1rem 0 .3rem; color: #32383f; }
td.when { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.steps td:nth-child(4) { white-space: nowrap; }
table.writes td:nth-child(4) { text-align: right; }
.small { font-size: .85rem; color: #57606a; }
footer { margin-top: 2rem; border-top: 1px solid #d0d7de; padding-top: .6rem; font-size: .82rem; color: #57606a; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  tr, .fact { break-inside: avoid; }
  tbody th { width: 11rem; }
  thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

    pub fn render(r: &Receipt) -> String {
        let mut b = String::new();
        let tenant_label = tenant_label(r);
        b.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        b.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        b.push_str(&format!(
            "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
            escape(&format!("PMPC Recovery receipt: {tenant_label}"))
        ));
        for section in [header, who, changes, steps_section, writes] {
            b.push_str(&section(r));
        }
        b.push_str("<footer>\n<p>This receipt holds ids, names and times only: never the client secret, a token or a refresh token. PMPC needs the Application (client) ID, Object ID, Directory (tenant) ID and the client secret; the secret is in the PMPC Recovery Wizard (Finish page) and this computer's keychain.</p>\n</footer>\n");
        b.push_str("</main>\n</body>\n</html>\n");
        b
    }

    fn tenant_label(r: &Receipt) -> String {
        r.tenant
            .name
            .clone()
            .unwrap_or_else(|| r.tenant.tenant_id.clone())
    }

    fn cloud_name(cloud: Cloud) -> &'static str {
        match cloud {
            Cloud::Global => "Global (worldwide, GCC)",
            Cloud::UsGovHigh => "US Government GCC High",
            Cloud::UsGovDod => "US Government DoD",
            Cloud::China => "China (21Vianet)",
        }
    }

    /// The title and the facts a reviewer looks for first.
    fn header(r: &Receipt) -> String {
        let mut b = String::new();
        let tenant_label = tenant_label(r);
        // Header and the facts a reviewer looks for first.
        b.push_str("<header>\n");
        b.push_str(&format!(
            "<h1>PMPC Recovery receipt</h1>\n<p>Changes made in the Entra ID tenant <strong>{}</strong> to recover the company in Patch My PC Cloud: the app registration <strong>{}</strong> with the Microsoft Graph permission {} and a client secret.</p>\n",
            name(&tenant_label),
            name(&r.app_name),
            escape(&r.permission.permission)
        ));
        if r.practice {
            b.push_str("<p><span class=\"practice\">Practice run: a simulated tenant on this computer; nothing real was changed.</span></p>\n");
        }
        b.push_str(&format!(
            "<p class=\"meta\">Made by {} on {}. Run {}.</p>\n",
            name(&r.made_by),
            time(Some(r.generated_at)),
            id(&r.run_id)
        ));
        let verified = if r.verified {
            "<span class=\"value ok\">Verified</span>".to_string()
        } else {
            "<span class=\"value bad\">Not verified</span>".to_string()
        };
        let state = match &r.cleanup {
            Some(c) if c.deleted => "<span class=\"value\">Deleted (cleaned up)</span>",
            Some(_) => "<span class=\"value\">Cleaned up</span>",
            None if r.app.is_some() => "<span class=\"value\">In place</span>",
            None => "<span class=\"value\">Not created</span>",
        };
        b.push_str(&format!(
            "<div class=\"facts\">\n<div class=\"fact\"><span class=\"label\">Deadline to give PMPC the values</span><span class=\"value\">{}</span></div>\n<div class=\"fact\"><span class=\"label\">Credentials</span>{verified}</div>\n<div class=\"fact\"><span class=\"label\">App registration</span>{state}</div>\n</div>\n",
            time(r.deadline)
        ));
        b.push_str("</header>\n");
        b
    }

    /// Who signed in, to which tenant and cloud.
    fn who(r: &Receipt) -> String {
        let mut b = String::new();
        let cloud = cloud_name(r.tenant.cloud);
        // Who and where.
        b.push_str("<section>\n<h2>Who signed in, and where</h2>\n<table>\n<tbody>\n");
        b.push_str(&row(
            "Tenant name",
            r.tenant
                .name
                .as_deref()
                .map(name)
                .unwrap_or_else(|| "<span class=\"none\">not recorded</span>".into()),
        ));
        b.push_str(&row("Directory (tenant) ID", id(&r.tenant.tenant_id)));
        if let Some(d) = &r.tenant.default_domain {
            b.push_str(&row("Default domain", name(d)));
        }
        b.push_str(&row("Cloud", escape(cloud)));
        if r.signed_in.is_empty() {
            b.push_str(&row(
                "Signed in as",
                "<span class=\"none\">not recorded (a run from before receipts)</span>".into(),
            ));
        }
        for s in &r.signed_in {
            let who = match &s.display_name {
                Some(n) if !n.is_empty() => {
                    format!("{} ({})", name(n), name(&s.user_principal_name))
                }
                _ => name(&s.user_principal_name),
            };
            b.push_str(&row(
                "Signed in as",
                format!(
                    "{who}{}<br><span class=\"small\">object id {} · from {}</span>",
                    if s.guest {
                        ", a guest of this tenant"
                    } else {
                        ""
                    },
                    id(&s.user_id),
                    time(Some(s.at))
                ),
            ));
        }
        b.push_str("</tbody>\n</table>\n</section>\n");
        b
    }

    /// What was created or changed.
    fn changes(r: &Receipt) -> String {
        let mut b = String::new();
        // What was created or changed.
        b.push_str("<section>\n<h2>What was created or changed</h2>\n<table>\n<tbody>\n");
        match &r.app {
            Some(a) => {
                b.push_str(&row(
                    "App registration",
                    format!(
                        "{} ({})",
                        name(&r.app_name),
                        if a.reused {
                            "an existing app, reused"
                        } else {
                            "created"
                        }
                    ),
                ));
                b.push_str(&row("Application (client) ID", id(&a.application_id)));
                b.push_str(&row("Object ID", id(&a.object_id)));
                b.push_str(&row("Created", time(Some(a.created_date_time))));
            }
            None => b.push_str(&row(
                "App registration",
                "<span class=\"none\">none recorded</span>".into(),
            )),
        }
        b.push_str(&row(
            "Enterprise app (service principal)",
            opt_id(r.service_principal_id.as_deref()),
        ));
        b.push_str(&row(
            "Permission",
            format!(
                "{} {} ({} permission){}",
                escape(&r.permission.api),
                escape(&r.permission.permission),
                escape(&r.permission.permission_type),
                r.permission
                    .app_role_id
                    .as_deref()
                    .map(|i| format!("<br><span class=\"small\">app role id {}</span>", id(i)))
                    .unwrap_or_default()
            ),
        ));
        let grant = match (
            &r.permission.grant_assignment_id,
            r.permission.consent_handed_off,
        ) {
            (Some(a), _) => format!(
                "Admin consent granted {}; app role assignment {}{}",
                r.permission
                    .granted_at
                    .map(|t| format!("on {}", time(Some(t))))
                    .unwrap_or_default(),
                id(a),
                if r.permission.grant_confirmed {
                    "; confirmed by reading it back"
                } else if r.permission.grant_proved_by_token {
                    "; the read-back was slow, but the app's own token carries AuditLog.Read.All, \
                     which is the stronger proof"
                } else {
                    ""
                }
            ),
            (None, true) => {
                "Left to a Global or Privileged Role Administrator (admin-consent link)".into()
            }
            (None, false) => "<span class=\"none\">not granted</span>".into(),
        };
        b.push_str(&row("Admin consent", grant));
        match &r.secret {
            Some(s) => {
                b.push_str(&row("Client secret key ID", id(&s.key_id)));
                b.push_str(&row(
                    "Client secret hint",
                    format!(
                        "{}… <span class=\"small\">(its first characters, as the portal shows them; the secret itself is not in this receipt)</span>",
                        id(&s.hint)
                    ),
                ));
                b.push_str(&row("Client secret expires", time(Some(s.expires))));
                b.push_str(&row(
                    "Secret kept in this computer's keychain",
                    yes_no(s.stored_in_keychain).into(),
                ));
            }
            None => b.push_str(&row(
                "Client secret",
                "<span class=\"none\">none recorded</span>".into(),
            )),
        }
        b.push_str(&row(
            "Verified",
            if r.verified {
                format!(
                    "<span class=\"ok\">yes</span>: signing in as the app with its new secret gave a token carrying {} ({})",
                    escape(&r.permission.permission),
                    time(r.verified_at)
                )
            } else {
                "<span class=\"bad\">no</span>".into()
            },
        ));
        b.push_str(&row(
            "Deadline",
            format!(
                "{} <span class=\"small\">(72 hours after the app was created)</span>",
                time(r.deadline)
            ),
        ));
        if let Some(c) = &r.cleanup {
            let mut what = vec![if c.deleted {
                "deleted the app registration (restorable from deleted items for 30 days)"
            } else {
                "the app registration was already gone"
            }];
            if c.purged {
                what.push("purged it from deleted items for good");
            }
            if c.keychain_forgotten {
                what.push("removed the secret from this computer's keychain");
            }
            b.push_str(&row(
                "Cleanup",
                format!("{}: {}", time(Some(c.at)), escape(&what.join("; "))),
            ));
        }
        b.push_str("</tbody>\n</table>\n</section>\n");
        b
    }

    /// Each step with its times and result.
    fn steps_section(r: &Receipt) -> String {
        let mut b = String::new();
        // Steps.
        b.push_str("<section>\n<h2>Steps</h2>\n");
        if r.steps.is_empty() {
            b.push_str(
                "<p class=\"none\">No step times were recorded (a run from before receipts).</p>\n",
            );
        } else {
            let day = one_day(
                r.steps
                    .iter()
                    .flat_map(|s| [s.started_at, s.finished_at])
                    .flatten(),
            );
            let at = |t: Option<OffsetDateTime>| if day.is_some() { clock(t) } else { time(t) };
            if let Some(d) = day {
                b.push_str(&format!("<p class=\"small\">Times are UTC, on {d}.</p>\n"));
            }
            b.push_str("<table class=\"steps\">\n<thead><tr><th scope=\"col\">Started</th><th scope=\"col\">Finished</th><th scope=\"col\">Step</th><th scope=\"col\">Portal steps</th><th scope=\"col\">Result</th></tr></thead>\n<tbody>\n");
            for s in &r.steps {
                let portal = match s.portal_steps.as_slice() {
                    [] => String::new(),
                    [one] => one.to_string(),
                    [first, .., last] => format!("{first}–{last}"),
                };
                b.push_str(&format!(
                    "<tr><td class=\"when\">{}</td><td class=\"when\">{}</td><td>{} <span class=\"small\">({})</span></td><td>{}</td><td>{}</td></tr>\n",
                    at(s.started_at),
                    at(s.finished_at),
                    escape(&s.title),
                    outcome(s.outcome),
                    escape(&portal),
                    escape(&s.result)
                ));
            }
            b.push_str("</tbody>\n</table>\n");
        }
        b.push_str("</section>\n");
        b
    }

    /// The writes Microsoft accepted, then what it refused and the wizard retried.
    fn writes(r: &Receipt) -> String {
        let mut b = String::new();
        // Graph writes: what Microsoft accepted, then what it refused and the wizard retried.
        b.push_str("<section>\n<h2>Changes sent to Microsoft Graph</h2>\n");
        let (accepted, refused): (Vec<&WritePart>, Vec<&WritePart>) =
            r.writes.iter().partition(|w| w.status < 400);
        if r.writes.is_empty() {
            b.push_str("<p class=\"none\">No writes were recorded.</p>\n");
        } else {
            let day = one_day(r.writes.iter().map(|w| w.at));
            let at = |t: OffsetDateTime| {
                if day.is_some() {
                    clock(Some(t))
                } else {
                    time(Some(t))
                }
            };
            b.push_str(&format!(
                "<p class=\"small\">Each write with Microsoft's request id, for the tenant's audit log or a support case with Microsoft{}.</p>\n",
                day.map(|d| format!(". Times are UTC, on {d}")).unwrap_or_default()
            ));
            let table = |b: &mut String, rows: &[&WritePart]| {
                b.push_str("<table class=\"writes\">\n<thead><tr><th scope=\"col\">Time</th><th scope=\"col\">What</th><th scope=\"col\">Request</th><th scope=\"col\">Status</th><th scope=\"col\">Request id</th></tr></thead>\n<tbody>\n");
                for w in rows {
                    b.push_str(&format!(
                        "<tr><td class=\"when\">{}</td><td>{}</td><td><code>{} /{}</code></td><td>{}</td><td>{}</td></tr>\n",
                        at(w.at),
                        escape(&w.what),
                        escape(&w.method),
                        escape(&w.path),
                        w.status,
                        opt_id(w.request_id.as_deref())
                    ));
                }
                b.push_str("</tbody>\n</table>\n");
            };
            table(&mut b, &accepted);
            if !refused.is_empty() {
                b.push_str(&format!(
                    "<h3>Attempts Microsoft refused, then retried ({})</h3>\n<p class=\"small\">Usually the directory had not yet copied a new object to all its servers; nothing was changed by these.</p>\n",
                    refused.len()
                ));
                table(&mut b, &refused);
            }
        }
        b.push_str("</section>\n");
        b
    }
}

pub use html::escape as escape_html;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::AppIds;
    use crate::journal::{AppRecord, PasswordRecord};
    use time::macros::datetime;

    /// A finished run's journal, with a display name that tries to break out of the HTML.
    pub(crate) fn journal() -> Journal {
        let t0 = datetime!(2026-11-28 12:00 UTC);
        let mut j = Journal::new("tid-1", "PMPC Recovery", t0);
        j.app = Some(AppRecord {
            object_id: "obj-1".into(),
            app_id: "app-1".into(),
            created_date_time: t0,
            reused: false,
        });
        j.service_principal_id = Some("sp-1".into());
        j.app_role_id = Some("role-1".into());
        j.assignment_id = Some("asg-1".into());
        j.consent_confirmed = true;
        j.password = Some(PasswordRecord {
            key_id: "key-1".into(),
            hint: "abc".into(),
            end_date_time: datetime!(2026-12-05 12:00 UTC),
            stored: true,
        });
        j.verified_at = Some(t0 + time::Duration::seconds(20));
        j.activity = vec![
            Activity::SignedIn {
                at: t0,
                user_principal_name: "admin@contoso.com".into(),
                display_name: Some("Ada <script>alert(1)</script>".into()),
                user_id: "user-1".into(),
                guest: false,
                tenant_id: "tid-1".into(),
                tenant_name: Some("Contoso & Co".into()),
                default_domain: Some("contoso.com".into()),
                cloud: Cloud::Global,
            },
            Activity::Step {
                at: t0,
                step: Step::CreateApp,
                outcome: StepOutcome::Started,
                data: None,
                error_code: None,
                request_id: None,
            },
            Activity::Write {
                at: t0 + time::Duration::seconds(1),
                method: "PATCH".into(),
                path: "applications(uniqueName='pmpc-recovery-1')".into(),
                status: 201,
                request_id: Some("req-create".into()),
            },
            Activity::Step {
                at: t0 + time::Duration::seconds(1),
                step: Step::CreateApp,
                outcome: StepOutcome::Done,
                data: Some(StepData::App {
                    app: AppIds {
                        tenant_id: "tid-1".into(),
                        app_id: "app-1".into(),
                        object_id: "obj-1".into(),
                        created_date_time: t0,
                        deadline: t0 + crate::journal::RECOVERY_WINDOW,
                    },
                    reused: false,
                }),
                error_code: None,
                request_id: None,
            },
            Activity::Step {
                at: t0 + time::Duration::seconds(3),
                step: Step::CreateSecret,
                outcome: StepOutcome::Done,
                data: Some(StepData::Secret {
                    key_id: "key-1".into(),
                    hint: "abc".into(),
                    end_date_time: datetime!(2026-12-05 12:00 UTC),
                }),
                error_code: None,
                request_id: None,
            },
        ];
        j
    }

    #[test]
    fn the_receipt_holds_the_run_and_escapes_what_it_shows() {
        let now = datetime!(2026-11-28 12:05 UTC);
        let r = Receipt::from_journal(&journal(), Cloud::China, now);
        assert_eq!(r.tenant.cloud, Cloud::Global, "the recorded cloud wins");
        assert_eq!(r.tenant.name.as_deref(), Some("Contoso & Co"));
        assert_eq!(r.signed_in[0].user_principal_name, "admin@contoso.com");
        assert_eq!(r.deadline, Some(datetime!(2026-12-01 12:00 UTC)));
        assert!(r.verified);
        assert_eq!(r.writes[0].request_id.as_deref(), Some("req-create"));
        assert_eq!(
            r.writes[0].what,
            "Create the app registration with its permission request"
        );
        let create = &r.steps[0];
        assert_eq!(create.step, Step::CreateApp);
        assert_eq!(create.started_at, Some(datetime!(2026-11-28 12:00 UTC)));
        assert_eq!(create.finished_at, Some(datetime!(2026-11-28 12:00:01 UTC)));
        assert_eq!(create.portal_steps, vec![3, 4]);

        let html = r.to_html();
        for value in [
            "tid-1",
            "obj-1",
            "app-1",
            "sp-1",
            "asg-1",
            "key-1",
            "req-create",
            "user-1",
            "admin@contoso.com",
        ] {
            assert!(html.contains(value), "{value} in the HTML");
        }
        assert!(html.contains("Contoso &amp; Co"));
        assert!(!html.contains("<script"), "markup in a name is escaped");
        assert!(html.contains("Ada &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("2026-12-01 12:00:00 UTC"), "the deadline");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "self-contained: no external resources"
        );

        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["app"]["objectId"], "obj-1");
        assert_eq!(json["secret"]["keyId"], "key-1");
        assert_eq!(json["deadline"], "2026-12-01T12:00:00Z");
        assert_eq!(json["permission"]["grantAssignmentId"], "asg-1");
    }

    #[test]
    fn a_journal_from_before_receipts_still_makes_one() {
        let mut j = journal();
        j.activity.clear();
        let r = Receipt::from_journal(&j, Cloud::UsGovHigh, datetime!(2026-11-28 12:05 UTC));
        assert_eq!(r.tenant.cloud, Cloud::UsGovHigh);
        assert!(r.signed_in.is_empty() && r.steps.is_empty());
        assert!(r.to_html().contains("not recorded"));
    }

    #[test]
    fn file_names_name_the_tenant_and_the_date_and_suit_every_file_system() {
        let r = Receipt::from_journal(&journal(), Cloud::Global, datetime!(2026-11-30 08:00 UTC));
        assert_eq!(
            r.file_name("html"),
            "PMPC Recovery receipt - Contoso & Co - 2026-11-30.html"
        );
        assert_eq!(
            file_name("x", "a/b:c?", datetime!(2026-01-02 00:00 UTC), "ics"),
            "x - a_b_c_ - 2026-01-02.ics"
        );
        let long = file_name(
            "PMPC Recovery receipt",
            &format!("\u{202E}{}\x07", "Ä".repeat(300)),
            datetime!(2026-01-02 00:00 UTC),
            "html",
        );
        assert!(long.len() < 255, "{} bytes", long.len());
        assert!(!long.contains(['\u{202E}', '\x07']), "{long}");
        assert!(long.ends_with(" - 2026-01-02.html"), "{long}");
        assert_eq!(
            file_name("x", " .. ", datetime!(2026-01-02 00:00 UTC), "ics"),
            "x - tenant - 2026-01-02.ics"
        );
    }
}
