//! What the engine hands back besides step data: who is signed in, the tenant, the roles
//! verdict, apps, ids and the credentials. Exported to TypeScript (ts-rs); nothing here carries a
//! secret, except [`Credentials::client_secret`], which is filled only when the caller explicitly
//! asks for it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

/// Who is signed in, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "SessionInfo.ts")]
pub struct SessionInfo {
    pub user_principal_name: String,
    pub display_name: Option<String>,
    pub user_id: String,
    pub tenant_id: String,
    /// Signed in as a guest of this tenant (an account from another organization, e.g. an MSP's).
    #[serde(default)]
    pub guest: bool,
    /// Whether a refresh token was kept in the keychain so a later run can resume without a browser.
    pub remembered: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "TenantInfo.ts")]
pub struct TenantInfo {
    pub tenant_id: String,
    pub display_name: String,
    pub default_domain: Option<String>,
}

/// What the signed-in account's directory roles allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "RoleVerdict.ts")]
pub enum RoleVerdict {
    /// Global Administrator or Privileged Role Administrator: every step.
    CanDoEverything,
    /// Application or Cloud Application Administrator: everything except granting consent
    /// (steps 11–12), which needs a Global or Privileged Role Administrator.
    CannotGrantConsent,
    /// No admin role found: creating the app may work where users may register apps, but
    /// consent needs a Global or Privileged Role Administrator.
    NoAdminRole,
    /// The roles could not be read; the consent step will tell.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "RoleCheck.ts")]
pub struct RoleCheck {
    pub verdict: RoleVerdict,
    /// Display names of the active directory roles found.
    pub roles: Vec<String>,
    /// Roles that would help which the user may activate (Privileged Identity Management) but
    /// has not.
    #[serde(default)]
    pub eligible: Vec<String>,
    /// A plain-language sentence for the UI.
    pub explanation: String,
}

/// An existing app registration with the wizard's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "AppSummary.ts")]
pub struct AppSummary {
    pub object_id: String,
    pub app_id: String,
    pub display_name: String,
    pub created_date_time: Option<String>,
}

/// The three ids of portal step 4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "AppIds.ts")]
pub struct AppIds {
    pub tenant_id: String,
    /// Application (client) ID.
    pub app_id: String,
    /// Object ID.
    pub object_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_date_time: OffsetDateTime,
    /// When PMPC stops accepting these values: 72 hours after the app was created, computed by
    /// the core (`AppRecord::deadline`) so no front end works it out again.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub deadline: OffsetDateTime,
}

/// What a finished run hands over. `client_secret` is `None` unless the caller asked to reveal it;
/// `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "Credentials.ts")]
pub struct Credentials {
    pub tenant_id: String,
    pub application_id: String,
    pub object_id: String,
    /// Only present when explicitly revealed.
    pub client_secret: Option<String>,
    pub secret_hint: String,
    pub secret_key_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub secret_expires: OffsetDateTime,
    /// The app's createdDateTime + 72 hours.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub deadline: OffsetDateTime,
    /// A client-credentials token carried AuditLog.Read.All.
    pub verified: bool,
    /// Set when consent was handed to another admin.
    pub admin_consent_url: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("tenant_id", &self.tenant_id)
            .field("application_id", &self.application_id)
            .field("object_id", &self.object_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("secret_hint", &self.secret_hint)
            .field("secret_key_id", &self.secret_key_id)
            .field("secret_expires", &self.secret_expires)
            .field("deadline", &self.deadline)
            .field("verified", &self.verified)
            .field("admin_consent_url", &self.admin_consent_url)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_hide_the_secret_unless_revealed() {
        let c = Credentials {
            tenant_id: "t".into(),
            application_id: "a".into(),
            object_id: "o".into(),
            client_secret: None,
            secret_hint: "abc".into(),
            secret_key_id: "k".into(),
            secret_expires: time::macros::datetime!(2026-12-05 00:00 UTC),
            deadline: time::macros::datetime!(2026-12-01 00:00 UTC),
            verified: true,
            admin_consent_url: None,
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["clientSecret"], serde_json::Value::Null);
        assert_eq!(v["secretExpires"], "2026-12-05T00:00:00Z");
    }
}
