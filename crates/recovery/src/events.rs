//! What the engine tells a front end while it works, and the data it hands back.
//!
//! Every type here is exported to TypeScript (ts-rs); field names are camelCase on the wire.
//! Nothing in this module carries a secret, except [`Credentials::client_secret`], which is filled
//! only when the caller explicitly asks for it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::error::{ErrorInfo, GraphErrorInfo};
use crate::gate::StepGate;
use crate::retry::RetryReason;

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

/// Why the engine is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "WaitReason.ts")]
pub enum WaitReason {
    /// Waiting for the user to finish signing in in the browser.
    BrowserSignIn,
    /// Waiting for the user to enter the device code.
    DeviceCode,
    /// Microsoft's directory is still copying a new object to all its servers.
    Replication,
    /// The new client secret is not accepted by the sign-in service yet.
    SecretNotReady,
    /// The granted permission has not reached new tokens yet.
    PermissionNotEffective,
    /// Microsoft asked us to slow down.
    Throttled,
    /// Microsoft is briefly unavailable.
    ServiceUnavailable,
}

/// An event, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export, export_to = "Event.ts")]
pub enum Event {
    Started {
        step: Step,
    },
    Waiting {
        step: Step,
        reason: WaitReason,
        seconds: f64,
    },
    Retrying {
        step: Step,
        reason: RetryReason,
        attempt: u32,
        #[serde(rename = "delaySeconds")]
        delay_seconds: f64,
        /// How long this call has been waiting so far (since its first attempt): a front end
        /// says so once a wait grows long, and offers to stop and continue later.
        #[serde(rename = "waitedSeconds")]
        waited_seconds: f64,
        error: GraphErrorInfo,
    },
    Done {
        step: Step,
        data: StepData,
    },
    /// A step already done in an earlier, interrupted run.
    Skipped {
        step: Step,
        data: StepData,
    },
    Failed {
        step: Step,
        error: ErrorInfo,
    },
    /// The browser sign-in page to open (also printed when no browser can be opened).
    SignInUrl {
        url: String,
    },
    /// Device code sign-in: show the code and where to enter it.
    DeviceCode {
        #[serde(rename = "userCode")]
        user_code: String,
        #[serde(rename = "verificationUri")]
        verification_uri: String,
        #[serde(rename = "expiresInSeconds")]
        #[ts(type = "number")]
        expires_in_seconds: u64,
        message: String,
    },
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

/// Where a front end receives events. Cheap to clone. May carry a [`StepGate`] (step-by-step mode).
#[derive(Clone)]
pub struct EventSink {
    /// Receives every event.
    deliver: Arc<dyn Fn(Event) + Send + Sync>,
    /// Step-by-step mode: each step waits here before it starts.
    gate: Option<StepGate>,
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSink")
    }
}

impl EventSink {
    pub fn new(f: impl Fn(Event) + Send + Sync + 'static) -> Self {
        Self {
            deliver: Arc::new(f),
            gate: None,
        }
    }

    /// Holds each step of a run at `gate` until the front end releases it.
    pub fn with_gate(mut self, gate: StepGate) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The same sink and gate, with `watch` seeing every event first (the receipt's activity).
    pub fn tee(&self, watch: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        let deliver = self.deliver.clone();
        Self {
            deliver: Arc::new(move |e| {
                watch(&e);
                deliver(e)
            }),
            gate: self.gate.clone(),
        }
    }

    /// Events into an unbounded channel (a Tauri shell forwards them to the window).
    pub fn channel() -> (Self, tokio::sync::mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (Self::new(move |e| drop(tx.send(e))), rx)
    }

    pub fn none() -> Self {
        Self::new(|_| {})
    }

    pub fn emit(&self, e: Event) {
        tracing::debug!(event = ?e, "engine event");
        (self.deliver)(e)
    }

    pub fn step(&self, step: Step) -> StepScope {
        StepScope {
            sink: self.clone(),
            step,
        }
    }
}

/// Reports a failed step on its way out: `graph_call.await.reported(&scope)?`.
pub trait Reported<T> {
    fn reported(self, scope: &StepScope) -> crate::Result<T>;
}

impl<T> Reported<T> for crate::Result<T> {
    fn reported(self, scope: &StepScope) -> crate::Result<T> {
        self.inspect_err(|e| scope.failed(e))
    }
}

/// An [`EventSink`] bound to one step.
#[derive(Debug, Clone)]
pub struct StepScope {
    pub sink: EventSink,
    pub step: Step,
}

impl StepScope {
    pub fn started(&self) {
        self.sink.emit(Event::Started { step: self.step });
    }
    /// Waits at the sink's gate (step-by-step mode), then reports the start.
    pub async fn begin(&self) {
        if let Some(g) = &self.sink.gate {
            g.pass().await;
        }
        self.started();
    }
    pub fn done(&self, data: StepData) {
        self.sink.emit(Event::Done {
            step: self.step,
            data,
        });
    }
    pub fn skipped(&self, data: StepData) {
        self.sink.emit(Event::Skipped {
            step: self.step,
            data,
        });
    }
    pub fn failed(&self, error: &crate::Error) {
        self.sink.emit(Event::Failed {
            step: self.step,
            error: error.info(),
        });
    }
    pub fn waiting(&self, reason: WaitReason, seconds: f64) {
        self.sink.emit(Event::Waiting {
            step: self.step,
            reason,
            seconds,
        });
    }
    pub fn retrying(
        &self,
        reason: RetryReason,
        attempt: u32,
        delay: std::time::Duration,
        waited: std::time::Duration,
        error: GraphErrorInfo,
    ) {
        self.sink.emit(Event::Retrying {
            step: self.step,
            reason,
            attempt,
            delay_seconds: delay.as_secs_f64(),
            waited_seconds: waited.as_secs_f64(),
            error,
        });
        let wait = match reason {
            RetryReason::Replication => Some(WaitReason::Replication),
            RetryReason::Throttled => Some(WaitReason::Throttled),
            RetryReason::Unavailable => Some(WaitReason::ServiceUnavailable),
            RetryReason::SecretNotReady => Some(WaitReason::SecretNotReady),
            RetryReason::PermissionNotEffective => Some(WaitReason::PermissionNotEffective),
            _ => None,
        };
        if let Some(w) = wait {
            self.waiting(w, delay.as_secs_f64());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_tagged_in_camel_case() {
        let e = Event::Retrying {
            step: Step::GrantConsent,
            reason: RetryReason::Replication,
            attempt: 2,
            delay_seconds: 0.5,
            waited_seconds: 21.5,
            error: GraphErrorInfo {
                status: 404,
                code: "Request_ResourceNotFound".into(),
                message: "m".into(),
                request_id: Some("rid".into()),
            },
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "retrying");
        assert_eq!(v["step"], "grantConsent");
        assert_eq!(v["reason"], "replication");
        assert_eq!(v["delaySeconds"], 0.5);
        assert_eq!(v["waitedSeconds"], 21.5);
        assert_eq!(v["error"]["requestId"], "rid");
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }

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
