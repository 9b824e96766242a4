//! The engine's steps: what each is ([`Step`], mapped to the portal's 16), what a finished one
//! hands back ([`StepData`]), and what the core says of it: its title and the words for its
//! result, which the receipt and the CLI use, and the `done` and `skipped` events carry to a
//! front end, which words none again (DESIGN.md, convention 14). Ids are included in the words; never a secret (step data holds none).
//! Exported to TypeScript (ts-rs).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::clock::{utc_text, UtcText};
use crate::results::{AppIds, AppSummary, RoleCheck, SessionInfo, TenantInfo};

/// A unit of the engine's work. Each maps to one or more steps of the vendor's 16-step procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "Step.ts")]
pub enum Step {
    SignIn,
    ReadTenant,
    FindExisting,
    CreateApp,
    ConfigurePermission,
    CreateServicePrincipal,
    GrantConsent,
    ConfirmConsent,
    CreateSecret,
    StoreSecret,
    Verify,
    Cleanup,
}

/// How a step ended (or that it started), as the run's record keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "StepOutcome.ts")]
pub enum StepOutcome {
    Started,
    Done,
    /// Done by an earlier, interrupted run.
    Skipped,
    Failed,
}

impl Step {
    pub const ALL: [Step; 12] = [
        Step::SignIn,
        Step::ReadTenant,
        Step::FindExisting,
        Step::CreateApp,
        Step::ConfigurePermission,
        Step::CreateServicePrincipal,
        Step::GrantConsent,
        Step::ConfirmConsent,
        Step::CreateSecret,
        Step::StoreSecret,
        Step::Verify,
        Step::Cleanup,
    ];

    /// The numbers of the portal steps (see [`crate::PLAN`]) this engine step replaces.
    pub fn plan_numbers(self) -> &'static [u8] {
        match self {
            Step::SignIn | Step::ReadTenant => &[1],
            Step::FindExisting => &[2],
            Step::CreateApp => &[3, 4],
            Step::ConfigurePermission => &[5, 6, 7, 8, 9, 10],
            Step::CreateServicePrincipal | Step::GrantConsent => &[11],
            Step::ConfirmConsent => &[12],
            Step::CreateSecret => &[13, 14, 15],
            Step::StoreSecret | Step::Verify => &[16],
            Step::Cleanup => &[],
        }
    }
}

/// The result of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export, export_to = "StepData.ts")]
pub enum StepData {
    SignedIn {
        session: SessionInfo,
    },
    Tenant {
        tenant: TenantInfo,
        roles: RoleCheck,
    },
    Existing {
        apps: Vec<AppSummary>,
    },
    App {
        app: AppIds,
        reused: bool,
    },
    Permission {
        #[serde(rename = "resourceAppId")]
        resource_app_id: String,
        #[serde(rename = "appRoleId")]
        app_role_id: String,
        permission: String,
    },
    ServicePrincipal {
        id: String,
    },
    Consent {
        #[serde(rename = "assignmentId")]
        assignment_id: String,
    },
    /// Consent left to a Global or Privileged Role Administrator.
    ConsentHandedOff {
        #[serde(rename = "adminConsentUrl")]
        admin_consent_url: String,
    },
    ConsentConfirmed {
        granted: bool,
    },
    Secret {
        #[serde(rename = "keyId")]
        key_id: String,
        hint: String,
        #[serde(rename = "endDateTime", with = "time::serde::rfc3339")]
        #[ts(type = "string")]
        end_date_time: OffsetDateTime,
    },
    SecretStored {
        #[serde(rename = "keyId")]
        key_id: String,
    },
    Verified {
        roles: Vec<String>,
        #[serde(with = "time::serde::rfc3339")]
        #[ts(type = "string")]
        deadline: OffsetDateTime,
    },
    CleanedUp {
        deleted: bool,
        purged: bool,
        #[serde(rename = "keychainForgotten")]
        keychain_forgotten: bool,
    },
}

impl Step {
    /// The step's title, e.g. "Create the client secret".
    pub fn title(self) -> &'static str {
        match self {
            Step::SignIn => "Sign in",
            Step::ReadTenant => "Read the tenant and the account's roles",
            Step::FindExisting => "Look for existing apps",
            Step::CreateApp => "Create the app registration",
            Step::ConfigurePermission => "Request AuditLog.Read.All",
            Step::CreateServicePrincipal => "Create the enterprise app (service principal)",
            Step::GrantConsent => "Grant admin consent",
            Step::ConfirmConsent => "Confirm the consent",
            Step::CreateSecret => "Create the client secret",
            Step::StoreSecret => "Store the secret in the keychain",
            Step::Verify => "Verify the credentials",
            Step::Cleanup => "Clean up",
        }
    }
}

impl StepData {
    /// What a finished step made or found, in one sentence: the receipt's and the CLI's, and the
    /// note on the step's page in the UI (the events' `summary`).
    pub fn summary(&self) -> String {
        match self {
            StepData::SignedIn { session } => format!(
                "Signed in as {} (object id {})",
                session.user_principal_name, session.user_id
            ),
            StepData::Tenant { tenant, roles } => format!(
                "Tenant {} ({}); the account's roles: {}",
                tenant.display_name,
                tenant.tenant_id,
                if roles.roles.is_empty() {
                    "none found".to_string()
                } else {
                    roles.roles.join(", ")
                }
            ),
            StepData::Existing { apps } => match apps.len() {
                0 => "No app with this name existed".into(),
                n => format!("{n} app(s) with this name existed already"),
            },
            StepData::App { app, reused } => format!(
                "{} app registration: object id {}, application (client) id {}",
                if *reused { "Reused the" } else { "Created the" },
                app.object_id,
                app.app_id
            ),
            StepData::Permission {
                permission,
                app_role_id,
                ..
            } => format!(
                "The app asks for Microsoft Graph {permission} (application permission, app role id {app_role_id})"
            ),
            StepData::ServicePrincipal { id } => {
                format!("Created the enterprise app (service principal): object id {id}")
            }
            StepData::Consent { assignment_id } => {
                format!("Granted admin consent: app role assignment {assignment_id}")
            }
            StepData::ConsentHandedOff { .. } => {
                "Admin consent left to a Global or Privileged Role Administrator (admin-consent link)"
                    .into()
            }
            StepData::ConsentConfirmed { granted } => if *granted {
                "The grant reads back as granted (the portal's green tick)"
            } else {
                "The grant did not read back in time, but the app's own token carries the \
                 permission, which is the stronger proof"
            }
            .into(),
            StepData::Secret {
                key_id,
                hint,
                end_date_time,
            } => format!(
                "Created a client secret: key id {key_id}, starts with {hint}…, expires {}",
                utc_text(*end_date_time, UtcText::Readable)
            ),
            StepData::SecretStored { key_id } => {
                format!("Kept the secret (key id {key_id}) in this computer's keychain")
            }
            StepData::Verified { roles, .. } => format!(
                "Signed in as the app with the new secret: its token carries {}",
                roles.join(", ")
            ),
            StepData::CleanedUp {
                deleted,
                purged,
                keychain_forgotten,
            } => cleanup_words(*deleted, *purged, *keychain_forgotten),
        }
    }
}

impl StepOutcome {
    /// A step's result as the receipt states it: the summary of what it made, or where it stands.
    pub fn result_words(self, data: Option<&StepData>) -> String {
        match (self, data) {
            (StepOutcome::Failed, _) => "Failed (see the error in the wizard or the log)".into(),
            (StepOutcome::Started, _) => "Started, not finished".into(),
            (StepOutcome::Skipped, Some(d)) => {
                format!("Done in an earlier attempt. {}", d.summary())
            }
            (_, Some(d)) => d.summary(),
            (_, None) => String::new(),
        }
    }
}

/// What a cleanup did, in words.
fn cleanup_words(deleted: bool, purged: bool, keychain_forgotten: bool) -> String {
    let mut parts = vec![if deleted {
        "Deleted the app registration (restorable from deleted items for 30 days)"
    } else {
        "The app registration was already gone"
    }];
    if purged {
        parts.push("purged it from deleted items");
    }
    if keychain_forgotten {
        parts.push("removed the secret from this computer's keychain");
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plan_step_is_covered_by_some_engine_step() {
        let mut covered: Vec<u8> = Step::ALL
            .iter()
            .flat_map(|s| s.plan_numbers().iter().copied())
            .collect();
        covered.sort();
        covered.dedup();
        assert_eq!(covered, (1..=16).collect::<Vec<u8>>());
    }
}
