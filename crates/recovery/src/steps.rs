//! What the core says of each step: its title and the words for its result. The receipt and
//! the CLI's progress lines use these, and no front end keeps a second wording of its own
//! (DESIGN.md, convention 14). Ids are included; never a secret (step data holds none).

use crate::activity::StepOutcome;
use crate::clock::{utc_text, UtcText};
use crate::events::{Step, StepData};

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
    /// What a finished step made or found, in one sentence.
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
            } => {
                let mut parts = vec![if *deleted {
                    "Deleted the app registration (restorable from deleted items for 30 days)"
                } else {
                    "The app registration was already gone"
                }];
                if *purged {
                    parts.push("purged it from deleted items");
                }
                if *keychain_forgotten {
                    parts.push("removed the secret from this computer's keychain");
                }
                parts.join("; ")
            }
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
