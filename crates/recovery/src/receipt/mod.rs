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

use crate::activity::Activity;
use crate::cloud::Cloud;
use crate::graph::{AUDIT_LOG_READ_ALL, GRAPH_APP_ID};
use crate::journal::Journal;
use crate::ops::Op;
use crate::steps::StepOutcome;
use crate::steps::{Step, StepData};

mod html;
mod json;

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
        let steps = steps(&j.activity);
        Self {
            made_by: format!("PMPC Recovery Wizard {}", env!("CARGO_PKG_VERSION")),
            generated_at: now,
            practice: false,
            run_id: j.run_id.clone(),
            app_name: j.app_name.clone(),
            tenant: TenantPart::of(j, cloud),
            signed_in: SignInPart::all(&j.activity),
            app: j.app.as_ref().map(|a| AppPart {
                application_id: a.app_id.clone(),
                object_id: a.object_id.clone(),
                created_date_time: a.created_date_time,
                reused: a.reused,
            }),
            service_principal_id: j.service_principal_id.clone(),
            permission: PermissionPart::of(j, &steps),
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
            writes: WritePart::all(&j.activity),
            cleanup: CleanupPart::last(&j.activity),
        }
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

impl TenantPart {
    /// The tenant as the run's latest sign-in named it.
    fn of(j: &Journal, cloud: Cloud) -> Self {
        let last = j.last_sign_in();
        Self {
            tenant_id: j.tenant_id.clone(),
            cloud: last.as_ref().map_or(cloud, |l| l.cloud),
            name: last.as_ref().and_then(|l| l.tenant_name.clone()),
            default_domain: last.and_then(|l| l.default_domain),
        }
    }
}

impl SignInPart {
    /// One line per account and run start; repeats of the same account in a row fold.
    fn all(activity: &[Activity]) -> Vec<Self> {
        let mut signed_in: Vec<Self> = Vec::new();
        for a in activity {
            if let Activity::SignedIn {
                at,
                user_principal_name,
                display_name,
                user_id,
                guest,
                ..
            } = a
            {
                if signed_in.last().is_none_or(|l| l.user_id != *user_id) {
                    signed_in.push(Self {
                        user_principal_name: user_principal_name.clone(),
                        display_name: display_name.clone(),
                        user_id: user_id.clone(),
                        guest: *guest,
                        at: *at,
                    });
                }
            }
        }
        signed_in
    }
}

impl PermissionPart {
    /// AuditLog.Read.All and how its grant went; `steps` give the grant's time.
    fn of(j: &Journal, steps: &[StepPart]) -> Self {
        let granted_at = steps
            .iter()
            .find(|s| s.step == Step::GrantConsent && s.outcome == StepOutcome::Done)
            .and_then(|s| s.finished_at);
        Self {
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
        }
    }
}

impl WritePart {
    /// Every Graph write of the run, in order.
    fn all(activity: &[Activity]) -> Vec<Self> {
        activity
            .iter()
            .filter_map(|a| match a {
                Activity::Write {
                    at,
                    op,
                    method,
                    path,
                    status,
                    request_id,
                } => Some(Self {
                    at: *at,
                    what: op
                        .and_then(Op::write_words)
                        .unwrap_or("Change in the directory")
                        .into(),
                    method: method.clone(),
                    path: path.clone(),
                    status: *status,
                    request_id: request_id.clone(),
                }),
                _ => None,
            })
            .collect()
    }
}

impl CleanupPart {
    /// What the last cleanup of the run deleted, if one finished.
    fn last(activity: &[Activity]) -> Option<Self> {
        activity.iter().rev().find_map(|a| match a {
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
            } => Some(Self {
                at: *at,
                deleted: *deleted,
                purged: *purged,
                keychain_forgotten: *keychain_forgotten,
            }),
            _ => None,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{AppRecord, PasswordRecord};
    use crate::results::AppIds;
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
                op: Some(Op::UpsertApplication),
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

    /// A journal written before writes carried their `Op` still loads; its writes keep their
    /// method and path and are named generically.
    #[test]
    fn a_write_from_an_older_journal_is_named_generically() {
        let old: Activity = serde_json::from_str(
            r#"{"kind":"write","at":"2026-11-28T09:00:00Z","method":"PATCH","path":"applications/x","status":204,"requestId":null}"#,
        )
        .unwrap();
        let parts = WritePart::all(&[old]);
        assert_eq!(parts[0].what, "Change in the directory");
        assert_eq!((parts[0].method.as_str(), parts[0].status), ("PATCH", 204));
        let new = WritePart::all(&journal().activity);
        assert_eq!(new[0].what, Op::UpsertApplication.write_words().unwrap());
    }
}
