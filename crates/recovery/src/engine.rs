//! The engine: runs the 16-step plan through Graph, emitting events, journaling every outcome.
//!
//! Critical path, fewest round trips:
//! 1. one concurrent round of reads (organization, the user's roles, Microsoft Graph's service
//!    principal, existing apps);
//! 2. one upsert that creates the app with its permission request (steps 3–10);
//! 3. two branches at once: service principal → consent (11), and secret → keychain (13–16);
//! 4. the read-back of the grant (12) alongside the client-credentials check.
//!
//! Every write is either idempotent (upserts by a key chosen before the call) or checked before
//! it is resent (the grant, the secret), so a retry after a timeout, or a rerun after a kill,
//! never makes a duplicate.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::auth::{jwt_claims, Session};
use crate::cloud::Endpoints;
use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::{
    AppIds, AppSummary, Credentials, EventSink, RoleCheck, RoleVerdict, SessionInfo, Step,
    StepData, StepScope, TenantInfo,
};
use crate::graph::{
    Application, Graph, AUDIT_LOG_READ_ALL, AUDIT_LOG_READ_ALL_ROLE_ID, GRAPH_APP_ID,
};
use crate::http::{Failure, Http};
use crate::journal::{AppRecord, Journal, JournalStore, PasswordRecord};
use crate::retry::{Op, RetryReason};
use crate::secret::Secret;
use crate::vault::{self, SharedVault};

/// Role template ids of the built-in roles
/// (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).
pub mod role_templates {
    pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
    pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
    pub const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
    pub const CLOUD_APPLICATION_ADMINISTRATOR: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";

    /// The name of a built-in role that matters here, from its template id (a built-in role's
    /// `roleDefinitionId` is its template id,
    /// <https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).
    pub fn name(template_id: &str) -> Option<&'static str> {
        match template_id {
            GLOBAL_ADMINISTRATOR => Some("Global Administrator"),
            PRIVILEGED_ROLE_ADMINISTRATOR => Some("Privileged Role Administrator"),
            APPLICATION_ADMINISTRATOR => Some("Application Administrator"),
            CLOUD_APPLICATION_ADMINISTRATOR => Some("Cloud Application Administrator"),
            _ => None,
        }
    }
}

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub endpoints: Endpoints,
    /// The app's display name, also the secret's description ("PMPC Recovery").
    pub app_name: String,
    pub secret_lifetime: Duration,
    /// Where the journal lives.
    pub data_dir: PathBuf,
    /// How long verification may wait for the secret and the permission to take effect.
    pub verify_budget: Duration,
    /// Where the admin-consent page sends the administrator afterwards (the cloud's portal).
    /// Registered on the app only when consent is handed off.
    pub consent_redirect_uri: String,
}

/// Places where a test (or the CLI's crash drill) can stop the engine as if it were killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Checkpoint {
    AppCreated,
    ServicePrincipalCreated,
    ConsentGranted,
    PasswordPending,
    PasswordAdded,
    SecretStored,
    ConsentConfirmed,
    Verified,
}

impl Checkpoint {
    pub const ALL: [Checkpoint; 8] = [
        Checkpoint::AppCreated,
        Checkpoint::ServicePrincipalCreated,
        Checkpoint::ConsentGranted,
        Checkpoint::PasswordPending,
        Checkpoint::PasswordAdded,
        Checkpoint::SecretStored,
        Checkpoint::ConsentConfirmed,
        Checkpoint::Verified,
    ];
}

pub type CrashHook = Arc<dyn Fn(Checkpoint) -> bool + Send + Sync>;

/// Reuse an existing app or create a new one (portal step 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export, export_to = "AppChoice.ts")]
pub enum AppChoice {
    CreateNew,
    Reuse {
        #[serde(rename = "objectId")]
        object_id: String,
    },
}

/// What to do when the signed-in account cannot grant consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "ConsentPlan.ts")]
pub enum ConsentPlan {
    /// Stop before creating anything.
    Stop,
    /// Do everything else and hand steps 11–12 to a Global or Privileged Role Administrator
    /// through the admin-consent link.
    HandOff,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "RunChoice.ts")]
pub struct RunChoice {
    pub app: AppChoice,
    pub consent: ConsentPlan,
    /// Put the secret's value into the returned [`Credentials`].
    pub reveal_secret: bool,
}

impl Default for RunChoice {
    fn default() -> Self {
        Self {
            app: AppChoice::CreateNew,
            consent: ConsentPlan::Stop,
            reveal_secret: false,
        }
    }
}

/// What the wizard knows after signing in, before it writes anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "Precheck.ts")]
pub struct Precheck {
    pub session: SessionInfo,
    pub tenant: TenantInfo,
    pub roles: RoleCheck,
    /// Apps already named like ours (portal step 2).
    pub existing: Vec<AppSummary>,
    pub graph_service_principal_id: String,
    pub app_role_id: String,
    /// An unfinished (or finished) earlier run for this tenant, which `run` resumes.
    pub resume: Option<Journal>,
}

/// What `status` shows without signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "RunStatus.ts")]
pub struct RunStatus {
    pub journal: Journal,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub deadline: Option<OffsetDateTime>,
    pub secret_in_keychain: bool,
    pub complete: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "CleanupOptions.ts")]
pub struct CleanupOptions {
    /// Also remove it from deleted items (cannot be restored afterwards).
    pub purge: bool,
    /// An app to delete when no journal names one.
    pub object_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "CleanupReport.ts")]
pub struct CleanupReport {
    pub object_id: String,
    pub deleted: bool,
    pub purged: bool,
    pub keychain_forgotten: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredSecret {
    key_id: String,
    secret_text: String,
}

type JournalCell = Arc<tokio::sync::Mutex<Journal>>;

/// The engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub cfg: EngineConfig,
    http: Http,
    vault: SharedVault,
    journals: JournalStore,
    crash: Option<CrashHook>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(cfg: EngineConfig, http: Http, vault: SharedVault) -> Self {
        let journals = JournalStore::new(cfg.data_dir.clone());
        Self {
            cfg,
            http,
            vault,
            journals,
            crash: None,
        }
    }

    /// Test hook: return true at a checkpoint to stop there as if the process were killed.
    pub fn with_crash_hook(mut self, hook: CrashHook) -> Self {
        self.crash = Some(hook);
        self
    }

    pub fn journals(&self) -> &JournalStore {
        &self.journals
    }

    fn checkpoint(&self, c: Checkpoint) -> Result<()> {
        match &self.crash {
            Some(h) if h(c) => Err(Error::Interrupted(format!("{c:?}"))),
            _ => Ok(()),
        }
    }

    fn graph(&self, session: &Session) -> Graph {
        Graph::new(
            self.http.clone(),
            self.cfg.endpoints.clone(),
            session.clone(),
        )
    }

    /// Steps 1–2 without writing anything: tenant, roles, Microsoft Graph's service principal and
    /// existing apps, read concurrently.
    pub async fn precheck(&self, session: &Session, sink: &EventSink) -> Result<Precheck> {
        let g = self.graph(session);
        let st = sink.step(Step::ReadTenant);
        let sf = sink.step(Step::FindExisting);
        st.started();
        sf.started();
        let (org, roles, eligible, gsp, apps) = tokio::join!(
            g.organization(&st),
            g.my_directory_roles(&st),
            g.my_eligible_role_templates(),
            g.graph_service_principal(&st),
            g.find_applications(&self.cfg.app_name, &sf),
        );
        let org = org.inspect_err(|e| st.failed(e))?;
        let gsp = gsp.inspect_err(|e| st.failed(e))?;
        let apps = apps.inspect_err(|e| sf.failed(e))?;
        let roles = role_check(roles, &eligible);
        let app_role_id = gsp
            .app_roles
            .iter()
            .find(|r| {
                r.value.as_deref() == Some(AUDIT_LOG_READ_ALL)
                    && r.allowed_member_types.iter().any(|t| t == "Application")
                    && r.is_enabled != Some(false)
            })
            .map(|r| r.id.clone())
            .ok_or_else(|| {
                Error::Graph(GraphErrorInfo {
                    status: 200,
                    code: "AppRoleNotFound".into(),
                    message: format!("Microsoft Graph in this tenant offers no {AUDIT_LOG_READ_ALL} application permission"),
                    request_id: None,
                })
            })
            .inspect_err(|e| st.failed(e))?;
        if app_role_id != AUDIT_LOG_READ_ALL_ROLE_ID {
            tracing::warn!(%app_role_id, "AuditLog.Read.All has an unexpected id in this cloud");
        }
        let tenant = TenantInfo {
            tenant_id: org.id.clone(),
            display_name: org.display_name.clone().unwrap_or_default(),
            default_domain: org
                .verified_domains
                .iter()
                .find(|d| d.is_default == Some(true))
                .or(org.verified_domains.first())
                .map(|d| d.name.clone()),
        };
        st.done(StepData::Tenant {
            tenant: tenant.clone(),
            roles: roles.clone(),
        });
        let existing: Vec<AppSummary> = apps.iter().map(summary).collect();
        sf.done(StepData::Existing {
            apps: existing.clone(),
        });
        let resume = self.journals.load(&session.tenant_id())?;
        Ok(Precheck {
            session: session.info(),
            tenant,
            roles,
            existing,
            graph_service_principal_id: gsp.id,
            app_role_id,
            resume,
        })
    }

    /// Steps 3–16 and the verification. Resumes an earlier run of this tenant from its journal.
    pub async fn run(
        &self,
        session: &Session,
        pre: &Precheck,
        choice: &RunChoice,
        sink: &EventSink,
    ) -> Result<Credentials> {
        let tid = session.tenant_id();
        if pre.session.tenant_id != tid {
            return Err(Error::InvalidInput(
                "the precheck belongs to another sign-in".into(),
            ));
        }
        // One run per tenant at a time, across the app and the CLI (held until this returns).
        let _lock = self.journals.lock(&tid)?;
        let mut j = match self.journals.load(&tid)? {
            Some(j) => j,
            None => Journal::new(&tid, &self.cfg.app_name, self.http.clock.now()),
        };
        let can_grant = matches!(
            pre.roles.verdict,
            RoleVerdict::CanDoEverything | RoleVerdict::Unknown
        );
        if j.app.is_none() && !can_grant && choice.consent == ConsentPlan::Stop {
            let e = Error::StoppedBeforeCreating;
            sink.step(Step::CreateApp).failed(&e);
            return Err(e);
        }
        j.graph_service_principal_id = Some(pre.graph_service_principal_id.clone());
        j.app_role_id = Some(pre.app_role_id.clone());
        self.save(&mut j)?;
        let g = self.graph(session);

        let app = self.create_app(&g, &mut j, pre, choice, sink).await?;
        let cell: JournalCell = Arc::new(tokio::sync::Mutex::new(j));

        let (consent, secret) = tokio::try_join!(
            self.consent_branch(&g, &cell, &app, pre, choice, sink),
            self.secret_branch(&g, &cell, &tid, &app, sink),
        )?;
        let (secret_rec, secret) = secret;

        let confirm = async {
            match &consent {
                Some(_) => self.confirm(&g, &cell, &app, pre, sink).await.map(Some),
                None => Ok(None),
            }
        };
        let verify = async {
            if consent.is_none() {
                return Ok(false);
            }
            self.verify(&cell, &tid, &app, &secret, sink)
                .await
                .map(|_| true)
        };
        let (_, verified) = tokio::try_join!(confirm, verify)?;

        let j = cell.lock().await.clone();
        Ok(Credentials {
            tenant_id: tid.clone(),
            application_id: app.app_id.clone(),
            object_id: app.object_id.clone(),
            client_secret: choice.reveal_secret.then(|| secret.expose().to_string()),
            secret_hint: secret_rec.hint.clone(),
            secret_key_id: secret_rec.key_id.clone(),
            secret_expires: secret_rec.end_date_time,
            deadline: app.created_date_time + time::Duration::hours(72),
            verified,
            admin_consent_url: j
                .consent_handed_off
                .then(|| self.consent_url(&tid, &app.app_id)),
        })
    }

    fn consent_url(&self, tenant_id: &str, app_id: &str) -> String {
        self.cfg
            .endpoints
            .admin_consent_url(tenant_id, app_id, &self.cfg.consent_redirect_uri)
    }

    fn save(&self, j: &mut Journal) -> Result<()> {
        j.updated = self.http.clock.now();
        self.journals.save(j)
    }

    async fn save_cell(&self, cell: &JournalCell, f: impl FnOnce(&mut Journal)) -> Result<()> {
        let mut j = cell.lock().await;
        f(&mut j);
        j.updated = self.http.clock.now();
        self.journals.save(&j)
    }

    fn ids(&self, tid: &str, app: &AppRecord) -> AppIds {
        AppIds {
            tenant_id: tid.into(),
            app_id: app.app_id.clone(),
            object_id: app.object_id.clone(),
            created_date_time: app.created_date_time,
        }
    }

    fn permission_data(&self, pre: &Precheck) -> StepData {
        StepData::Permission {
            resource_app_id: GRAPH_APP_ID.into(),
            app_role_id: pre.app_role_id.clone(),
            permission: AUDIT_LOG_READ_ALL.into(),
        }
    }

    /// Steps 3–10: create (or adopt) the app with its permission request in one write.
    async fn create_app(
        &self,
        g: &Graph,
        j: &mut Journal,
        pre: &Precheck,
        choice: &RunChoice,
        sink: &EventSink,
    ) -> Result<AppRecord> {
        let s = sink.step(Step::CreateApp);
        let sp = sink.step(Step::ConfigurePermission);
        if let Some(app) = j.app.clone() {
            s.skipped(StepData::App {
                app: self.ids(&j.tenant_id, &app),
                reused: app.reused,
            });
            sp.skipped(self.permission_data(pre));
            return Ok(app);
        }
        s.begin().await;
        let hand_off = choice.consent == ConsentPlan::HandOff
            && matches!(
                pre.roles.verdict,
                RoleVerdict::CannotGrantConsent | RoleVerdict::NoAdminRole
            )
            && choice.app == AppChoice::CreateNew;
        let wanted = json!({ "resourceAppId": GRAPH_APP_ID, "resourceAccess": [{ "id": pre.app_role_id, "type": "Role" }] });
        let result: Result<(Application, bool)> = async {
            match &choice.app {
                AppChoice::CreateNew => {
                    let mut body = json!({
                        "displayName": self.cfg.app_name,
                        "signInAudience": "AzureADMyOrg",
                        "requiredResourceAccess": [wanted],
                    });
                    if hand_off {
                        // Known up front: register the consent page's return address in the
                        // same write instead of a later PATCH.
                        body["web"] = json!({ "redirectUris": [self.cfg.consent_redirect_uri] });
                    }
                    Ok((
                        g.upsert_application(&j.unique_name, &body, &s).await?,
                        false,
                    ))
                }
                AppChoice::Reuse { object_id } => {
                    let app = g.get_application(object_id, &s).await?;
                    if !has_role(&app.required_resource_access, &pre.app_role_id) {
                        // PATCH replaces the collection: keep what the app already asks for.
                        let merged = merge_rra(&app.required_resource_access, &pre.app_role_id);
                        g.patch_application(
                            object_id,
                            &json!({ "requiredResourceAccess": merged }),
                            &s,
                        )
                        .await?;
                    }
                    Ok((app, true))
                }
            }
        }
        .await;
        let (app, reused) = result.inspect_err(|e| s.failed(e))?;
        let rec = AppRecord {
            object_id: app.id.clone(),
            app_id: app.app_id.clone(),
            created_date_time: app.created().unwrap_or_else(|| self.http.clock.now()),
            reused,
        };
        j.app = Some(rec.clone());
        j.consent_redirect_registered |= hand_off;
        self.save(j)?;
        self.checkpoint(Checkpoint::AppCreated)?;
        s.done(StepData::App {
            app: self.ids(&j.tenant_id, &rec),
            reused,
        });
        sp.done(self.permission_data(pre));
        Ok(rec)
    }

    /// Step 11: service principal, then admin consent. Returns the assignment id, or None when
    /// consent was handed to another administrator.
    async fn consent_branch(
        &self,
        g: &Graph,
        cell: &JournalCell,
        app: &AppRecord,
        pre: &Precheck,
        choice: &RunChoice,
        sink: &EventSink,
    ) -> Result<Option<String>> {
        let s = sink.step(Step::CreateServicePrincipal);
        let known = cell.lock().await.service_principal_id.clone();
        let sp_id = match known {
            Some(id) => {
                s.skipped(StepData::ServicePrincipal { id: id.clone() });
                id
            }
            None => {
                s.begin().await;
                match g.upsert_service_principal(&app.app_id, &s).await {
                    Ok(sp) => {
                        self.save_cell(cell, |j| j.service_principal_id = Some(sp.id.clone()))
                            .await?;
                        self.checkpoint(Checkpoint::ServicePrincipalCreated)?;
                        s.done(StepData::ServicePrincipal { id: sp.id.clone() });
                        sp.id
                    }
                    // Creating an app's service principal needs Application Administrator,
                    // Cloud Application Administrator, or (for an owner of a single-tenant app)
                    // Application Developer
                    // (<https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals>):
                    // a Privileged Role Administrator has none of them. The admin-consent page
                    // creates the service principal itself, so the link still finishes the job,
                    // opened by this user or another Global or Privileged Role Administrator.
                    Err(Error::InsufficientPrivileges(_)) => {
                        let url = self.hand_off_consent(g, cell, app, pre, &s).await?;
                        s.done(StepData::ConsentHandedOff {
                            admin_consent_url: url.clone(),
                        });
                        sink.step(Step::GrantConsent)
                            .done(StepData::ConsentHandedOff {
                                admin_consent_url: url,
                            });
                        return Ok(None);
                    }
                    Err(e) => {
                        s.failed(&e);
                        return Err(e);
                    }
                }
            }
        };

        let s = sink.step(Step::GrantConsent);
        let (assigned, handed_off) = {
            let j = cell.lock().await;
            (j.assignment_id.clone(), j.consent_handed_off)
        };
        if let Some(id) = assigned {
            s.skipped(StepData::Consent {
                assignment_id: id.clone(),
            });
            return Ok(Some(id));
        }
        s.begin().await;
        match g
            .grant_app_role(
                &pre.graph_service_principal_id,
                &sp_id,
                &pre.app_role_id,
                // A reused app, or one whose consent was handed to another admin, may hold the
                // grant already: look before granting.
                app.reused || handed_off,
                &s,
            )
            .await
        {
            Ok(a) => {
                self.save_cell(cell, |j| {
                    j.assignment_id = Some(a.id.clone());
                    j.consent_handed_off = false;
                })
                .await?;
                self.checkpoint(Checkpoint::ConsentGranted)?;
                s.done(StepData::Consent {
                    assignment_id: a.id.clone(),
                });
                Ok(Some(a.id))
            }
            Err(Error::ConsentRequiresPrivilegedRole(_))
                if choice.consent == ConsentPlan::HandOff =>
            {
                let url = self.hand_off_consent(g, cell, app, pre, &s).await?;
                s.done(StepData::ConsentHandedOff {
                    admin_consent_url: url,
                });
                Ok(None)
            }
            Err(e) => {
                s.failed(&e);
                Err(e)
            }
        }
    }

    /// Hands steps 11–12 to the admin-consent link: the app gets the portal as a return address
    /// (the page refuses to work without one registered, AADSTS500113), and the journal
    /// remembers the hand-off. Returns the link.
    async fn hand_off_consent(
        &self,
        g: &Graph,
        cell: &JournalCell,
        app: &AppRecord,
        pre: &Precheck,
        s: &StepScope,
    ) -> Result<String> {
        if !cell.lock().await.consent_redirect_registered {
            let current = g.get_application(&app.object_id, s).await?;
            let mut uris: Vec<serde_json::Value> = current
                .web
                .as_ref()
                .and_then(|w| w.get("redirectUris"))
                .and_then(|v| v.as_array())
                .cloned()
                .unwrap_or_default();
            let ours = serde_json::Value::String(self.cfg.consent_redirect_uri.clone());
            if !uris.contains(&ours) {
                uris.push(ours);
                g.patch_application(
                    &app.object_id,
                    &json!({ "web": { "redirectUris": uris } }),
                    s,
                )
                .await
                .inspect_err(|e| s.failed(e))?;
            }
        }
        self.save_cell(cell, |j| {
            j.consent_handed_off = true;
            j.consent_redirect_registered = true;
        })
        .await?;
        Ok(self.consent_url(&pre.tenant.tenant_id, &app.app_id))
    }

    /// Step 12: the green tick.
    async fn confirm(
        &self,
        g: &Graph,
        cell: &JournalCell,
        app: &AppRecord,
        pre: &Precheck,
        sink: &EventSink,
    ) -> Result<()> {
        let s = sink.step(Step::ConfirmConsent);
        let (done, sp_id) = {
            let j = cell.lock().await;
            (j.consent_confirmed, j.service_principal_id.clone())
        };
        if done {
            s.skipped(StepData::ConsentConfirmed { granted: true });
            return Ok(());
        }
        let sp_id = sp_id
            .ok_or_else(|| Error::Internal(format!("no service principal for {}", app.app_id)))?;
        s.begin().await;
        // The read-back is off the critical path (verification runs alongside): poll it gently.
        let mut gentle = g.clone();
        gentle.http.policy.replication_base *= 4;
        gentle.http.policy.replication_cap *= 3;
        gentle
            .confirm_assignment(
                &sp_id,
                &pre.graph_service_principal_id,
                &pre.app_role_id,
                &s,
            )
            .await
            .inspect_err(|e| s.failed(e))?;
        self.save_cell(cell, |j| j.consent_confirmed = true).await?;
        self.checkpoint(Checkpoint::ConsentConfirmed)?;
        s.done(StepData::ConsentConfirmed { granted: true });
        Ok(())
    }

    /// Steps 13–16: a new secret, straight into the keychain. Cleans up after a crash that left a
    /// secret made but not stored.
    async fn secret_branch(
        &self,
        g: &Graph,
        cell: &JournalCell,
        tid: &str,
        app: &AppRecord,
        sink: &EventSink,
    ) -> Result<(PasswordRecord, Secret)> {
        let s = sink.step(Step::CreateSecret);
        let s16 = sink.step(Step::StoreSecret);
        let account = vault::client_secret_account(tid, &app.app_id);
        let acc = account.clone();
        let stored: Option<StoredSecret> = vault::blocking(&self.vault, move |v| v.get(&acc))
            .await
            .inspect_err(|e| s16.failed(e))?
            .and_then(|raw| serde_json::from_str(raw.expose()).ok());
        let (rec, pending) = {
            let j = cell.lock().await;
            (j.password.clone(), j.password_pending_since)
        };
        if let (Some(rec), Some(st)) = (&rec, &stored) {
            if rec.key_id == st.key_id {
                if !rec.stored {
                    // Killed between the keychain write and the journal write.
                    self.save_cell(cell, |j| {
                        if let Some(p) = j.password.as_mut() {
                            p.stored = true;
                        }
                        j.password_pending_since = None;
                    })
                    .await?;
                }
                let mut rec = rec.clone();
                rec.stored = true;
                s.skipped(secret_data(&rec));
                s16.skipped(StepData::SecretStored {
                    key_id: rec.key_id.clone(),
                });
                return Ok((rec, Secret::new(st.secret_text.clone())));
            }
        }
        s.begin().await;
        if pending.is_some() || rec.is_some() {
            // A secret made by an earlier, interrupted attempt is unusable (its value is lost):
            // remove it before making the new one.
            let known = rec.as_ref().map(|r| r.key_id.clone());
            self.remove_orphans(g, app, pending, known.as_deref(), &s)
                .await
                .inspect_err(|e| s.failed(e))?;
        }
        let now = self.http.clock.now();
        self.save_cell(cell, |j| {
            j.password_pending_since = Some(now);
            j.password = None;
        })
        .await?;
        self.checkpoint(Checkpoint::PasswordPending)?;
        let end = now + self.cfg.secret_lifetime;
        let sref = &s;
        let reconcile = || -> futures::future::BoxFuture<'_, Result<()>> {
            Box::pin(async move { self.remove_orphans(g, app, Some(now), None, sref).await })
        };
        let new = g
            .add_password(&app.object_id, &self.cfg.app_name, end, &s, &reconcile)
            .await
            .inspect_err(|e| s.failed(e))?;
        let rec = PasswordRecord {
            key_id: new.key_id.clone(),
            hint: new.hint.clone(),
            end_date_time: new.end_date_time,
            stored: false,
        };
        let r2 = rec.clone();
        self.save_cell(cell, move |j| j.password = Some(r2)).await?;
        self.checkpoint(Checkpoint::PasswordAdded)?;
        s.done(secret_data(&rec));

        s16.begin().await;
        let value = Secret::new(
            serde_json::to_string(&StoredSecret {
                key_id: new.key_id.clone(),
                secret_text: new.secret.expose().to_string(),
            })
            .map_err(|e| Error::Internal(e.to_string()))?,
        );
        let acc = account.clone();
        if let Err(e) = vault::blocking(&self.vault, move |v| v.set(&acc, &value)).await {
            // The secret cannot be kept anywhere: do not leave a usable credential behind.
            if let Err(e2) = g.remove_password(&app.object_id, &new.key_id, &s16).await {
                tracing::warn!(error = %e2, "could not remove the secret that could not be stored");
            } else {
                let _ = self
                    .save_cell(cell, |j| {
                        j.password = None;
                        j.password_pending_since = None;
                    })
                    .await;
            }
            s16.failed(&e);
            return Err(e);
        }
        self.save_cell(cell, |j| {
            if let Some(p) = j.password.as_mut() {
                p.stored = true;
            }
            j.password_pending_since = None;
        })
        .await?;
        self.checkpoint(Checkpoint::SecretStored)?;
        let mut rec = rec;
        rec.stored = true;
        s16.done(StepData::SecretStored {
            key_id: rec.key_id.clone(),
        });
        Ok((rec, new.secret))
    }

    /// Removes credentials with our description that an interrupted attempt made: the one the
    /// journal names, and any made since `since`.
    async fn remove_orphans(
        &self,
        g: &Graph,
        app: &AppRecord,
        since: Option<OffsetDateTime>,
        known: Option<&str>,
        s: &StepScope,
    ) -> Result<()> {
        let creds = g.list_passwords(&app.object_id, s).await?;
        // Allow for clock skew between this computer and Microsoft.
        let since = since.map(|t| t - time::Duration::minutes(10));
        for c in creds {
            if c.display_name.as_deref() != Some(self.cfg.app_name.as_str()) {
                continue;
            }
            let recent = match (
                since,
                c.start_date_time
                    .as_deref()
                    .and_then(crate::graph::parse_graph_time),
            ) {
                (Some(since), Some(start)) => start >= since,
                _ => false,
            };
            if known == Some(c.key_id.as_str()) || recent {
                tracing::info!(key_id = %c.key_id, "removing an orphaned client secret");
                g.remove_password(&app.object_id, &c.key_id, s).await?;
            }
        }
        Ok(())
    }

    /// Proves the credentials: a client-credentials token whose `roles` claim holds
    /// AuditLog.Read.All, waiting out secret and permission replication.
    async fn verify(
        &self,
        cell: &JournalCell,
        tid: &str,
        app: &AppRecord,
        secret: &Secret,
        sink: &EventSink,
    ) -> Result<Vec<String>> {
        let s = sink.step(Step::Verify);
        s.begin().await;
        let mut http = self.http.clone();
        http.policy.budget = self.cfg.verify_budget;
        let url = self.cfg.endpoints.oauth(tid, "token");
        let scope = format!(
            "{}/.default",
            self.cfg.endpoints.graph_resource.trim_end_matches('/')
        );
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", app.app_id.as_str()),
            ("client_secret", secret.expose()),
            ("scope", scope.as_str()),
        ];
        let result = http
            .retry(Op::Token, &s, |_| {
                let rb = http.client.post(&url).form(&form);
                let http = &http;
                Box::pin(async move {
                    let reply = match http.send(rb).await {
                        Ok(r) => r,
                        Err(Failure::Http { error, retry_after })
                            if error.status == 429 || error.status >= 500 =>
                        {
                            return Err(Failure::Http { error, retry_after })
                        }
                        Err(Failure::Http { error, .. }) => {
                            return Err(if error.message.contains("AADSTS7000215") {
                                Failure::NotYet {
                                    reason: RetryReason::SecretNotReady,
                                    detail: error,
                                }
                            } else if error.message.contains("AADSTS700016")
                                || error.message.contains("AADSTS7000229")
                            {
                                Failure::NotYet {
                                    reason: RetryReason::Replication,
                                    detail: error,
                                }
                            } else {
                                Failure::Final(Error::VerificationFailed(error.to_string()))
                            })
                        }
                        Err(other) => return Err(other),
                    };
                    #[derive(Deserialize)]
                    struct Tok {
                        access_token: String,
                    }
                    let tok: Tok = reply.json()?;
                    let claims = jwt_claims(&tok.access_token).map_err(Failure::Final)?;
                    let roles: Vec<String> = claims
                        .get("roles")
                        .and_then(|r| r.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    if roles.iter().any(|r| r == AUDIT_LOG_READ_ALL) {
                        Ok(roles)
                    } else {
                        Err(Failure::NotYet {
                            reason: RetryReason::PermissionNotEffective,
                            detail: GraphErrorInfo {
                                status: 200,
                                code: "RoleNotInTokenYet".into(),
                                message: format!(
                                    "the app's token does not carry {AUDIT_LOG_READ_ALL} yet"
                                ),
                                request_id: reply.request_id.clone(),
                            },
                        })
                    }
                })
            })
            .await
            .map_err(|e| match e {
                Error::RetriesExhausted { last, .. } => Error::VerificationFailed(last.to_string()),
                other => other,
            });
        let roles = result.inspect_err(|e| s.failed(e))?;
        let now = self.http.clock.now();
        self.save_cell(cell, |j| j.verified_at = Some(now)).await?;
        self.checkpoint(Checkpoint::Verified)?;
        s.done(StepData::Verified {
            roles: roles.clone(),
            deadline: app.created_date_time + time::Duration::hours(72),
        });
        Ok(roles)
    }

    /// Deletes the app registration, optionally purges it, forgets the keychain entry and the journal.
    pub async fn cleanup(
        &self,
        session: &Session,
        opts: &CleanupOptions,
        sink: &EventSink,
    ) -> Result<CleanupReport> {
        let s = sink.step(Step::Cleanup);
        s.started();
        let tid = session.tenant_id();
        let _lock = self.journals.lock(&tid).inspect_err(|e| s.failed(e))?;
        let j = self.journals.load(&tid)?;
        let app = j.as_ref().and_then(|j| j.app.clone());
        let object_id = opts
            .object_id
            .clone()
            .or_else(|| app.as_ref().map(|a| a.object_id.clone()))
            .ok_or_else(|| {
                Error::AppNotFound("no app registration recorded for this tenant".into())
            })
            .inspect_err(|e| s.failed(e))?;
        let g = self.graph(session);
        let deleted = g
            .delete_application(&object_id, &s)
            .await
            .inspect_err(|e| s.failed(e))?;
        let purged = if opts.purge {
            let app_purged = g
                .purge_deleted(&object_id, &s)
                .await
                .inspect_err(|e| s.failed(e))?;
            // The app's service principal went to deleted items with it (restoring the app restores it too,
            // <https://learn.microsoft.com/entra/identity/enterprise-apps/delete-recover-faq>).
            let sp = j
                .as_ref()
                .filter(|j| j.app.as_ref().is_some_and(|a| a.object_id == object_id));
            if let Some(sp) = sp.and_then(|j| j.service_principal_id.clone()) {
                g.purge_deleted(&sp, &s)
                    .await
                    .inspect_err(|e| s.failed(e))?;
            }
            app_purged
        } else {
            false
        };
        let mut keychain_forgotten = false;
        if let Some(a) = app.filter(|a| a.object_id == object_id) {
            let acc = vault::client_secret_account(&tid, &a.app_id);
            keychain_forgotten = vault::blocking(&self.vault, move |v| v.delete(&acc))
                .await
                .inspect_err(|e| s.failed(e))?;
            self.journals.remove(&tid)?;
        }
        s.done(StepData::CleanedUp {
            deleted,
            purged,
            keychain_forgotten,
        });
        Ok(CleanupReport {
            object_id,
            deleted,
            purged,
            keychain_forgotten,
        })
    }

    /// The state of every recorded run, without signing in.
    pub async fn status(&self) -> Result<Vec<RunStatus>> {
        let mut out = Vec::new();
        for j in self.journals.all()? {
            let secret_in_keychain = match &j.app {
                Some(a) => {
                    let acc = vault::client_secret_account(&j.tenant_id, &a.app_id);
                    vault::blocking(&self.vault, move |v| v.get(&acc))
                        .await?
                        .is_some()
                }
                None => false,
            };
            let complete = j.verified_at.is_some() && j.password.as_ref().is_some_and(|p| p.stored);
            out.push(RunStatus {
                deadline: j.deadline(),
                secret_in_keychain,
                complete,
                journal: j,
            });
        }
        Ok(out)
    }

    pub async fn forget_secret(&self, tenant_id: &str, app_id: &str) -> Result<bool> {
        let acc = vault::client_secret_account(tenant_id, app_id);
        vault::blocking(&self.vault, move |v| v.delete(&acc)).await
    }

    /// The stored client secret, for a deliberate reveal.
    pub async fn reveal_secret(&self, tenant_id: &str, app_id: &str) -> Result<Secret> {
        let acc = vault::client_secret_account(tenant_id, app_id);
        let raw = vault::blocking(&self.vault, move |v| v.get(&acc))
            .await?
            .ok_or(Error::SecretMissing)?;
        let st: StoredSecret =
            serde_json::from_str(raw.expose()).map_err(|_| Error::SecretMissing)?;
        Ok(Secret::new(st.secret_text))
    }
}

fn secret_data(rec: &PasswordRecord) -> StepData {
    StepData::Secret {
        key_id: rec.key_id.clone(),
        hint: rec.hint.clone(),
        end_date_time: rec.end_date_time,
    }
}

fn summary(a: &Application) -> AppSummary {
    AppSummary {
        object_id: a.id.clone(),
        app_id: a.app_id.clone(),
        display_name: a.display_name.clone().unwrap_or_default(),
        created_date_time: a.created_date_time.clone(),
    }
}

fn has_role(rra: &[serde_json::Value], role_id: &str) -> bool {
    rra.iter().any(|r| {
        r.get("resourceAppId").and_then(|v| v.as_str()) == Some(GRAPH_APP_ID)
            && r.get("resourceAccess")
                .and_then(|v| v.as_array())
                .is_some_and(|a| {
                    a.iter().any(|x| {
                        x.get("id").and_then(|v| v.as_str()) == Some(role_id)
                            && x.get("type").and_then(|v| v.as_str()) == Some("Role")
                    })
                })
    })
}

/// Adds our app role to an app's existing requiredResourceAccess (PATCH replaces the collection).
pub fn merge_rra(existing: &[serde_json::Value], role_id: &str) -> Vec<serde_json::Value> {
    let mut out = existing.to_vec();
    let ours = json!({ "id": role_id, "type": "Role" });
    match out
        .iter_mut()
        .find(|r| r.get("resourceAppId").and_then(|v| v.as_str()) == Some(GRAPH_APP_ID))
    {
        Some(graph) => {
            if let Some(list) = graph
                .get_mut("resourceAccess")
                .and_then(|v| v.as_array_mut())
            {
                list.push(ours);
            } else {
                graph["resourceAccess"] = json!([ours]);
            }
        }
        None => out.push(json!({ "resourceAppId": GRAPH_APP_ID, "resourceAccess": [ours] })),
    }
    out
}

/// Turns the user's directory roles into a verdict with a plain explanation. `eligible` holds
/// the template ids of roles the user may activate through Privileged Identity Management but
/// has not (empty when Graph does not let the user see them).
///
/// Missing data never reads as "no admin role": Graph answers a directory-object collection
/// with only `id` and `@odata.type` for objects the caller's scopes cannot read
/// (<https://learn.microsoft.com/graph/permissions-overview#limited-information-returned-for-inaccessible-member-objects>),
/// so a role without its template id means the roles could not be read.
pub fn role_check(
    roles: Result<Vec<crate::graph::DirectoryRole>>,
    eligible: &[String],
) -> RoleCheck {
    use role_templates::*;
    let unreadable = |why: String| {
        RoleCheck {
        verdict: RoleVerdict::Unknown,
        roles: vec![],
        eligible: vec![],
        explanation: format!(
            "The wizard could not read your roles ({why}). It goes on; if your account cannot grant consent, it will say so at that step."
        ),
    }
    };
    let roles = match roles {
        Ok(r) if r.iter().any(|r| r.role_template_id.is_none()) => {
            return unreadable("Microsoft Graph returned them without their names".into())
        }
        Ok(r) => r,
        Err(e) => return unreadable(e.code().remedy().trim_end_matches('.').to_string()),
    };
    let has = |t: &str| {
        roles
            .iter()
            .any(|r| r.role_template_id.as_deref() == Some(t))
    };
    let names: Vec<String> = roles
        .iter()
        .filter_map(|r| r.display_name.clone())
        .collect();
    // Eligible roles that would help, and are not active already.
    let eligible: Vec<String> = eligible
        .iter()
        .filter(|t| !has(t))
        .filter_map(|t| role_templates::name(t).map(str::to_string))
        .collect();
    let activate = if eligible.is_empty() {
        String::new()
    } else {
        format!(
            " You are eligible for {} through Privileged Identity Management, but it is not active: activate it (Microsoft Entra admin center > My roles), then start again.",
            eligible.join(" and ")
        )
    };
    let (verdict, explanation) = if has(GLOBAL_ADMINISTRATOR) || has(PRIVILEGED_ROLE_ADMINISTRATOR)
    {
        (
            RoleVerdict::CanDoEverything,
            "Your account can do every step, including granting admin consent.".to_string(),
        )
    } else if has(APPLICATION_ADMINISTRATOR) || has(CLOUD_APPLICATION_ADMINISTRATOR) {
        (
            RoleVerdict::CannotGrantConsent,
            format!("Your account (Application Administrator) can create the app and its secret, but cannot grant admin consent for a Microsoft Graph application permission (steps 11–12): that needs a Global Administrator or a Privileged Role Administrator. You can stop now, or go on and send them the admin-consent link.{activate}"),
        )
    } else {
        (
            RoleVerdict::NoAdminRole,
            format!("Your account has no active admin role in this tenant. Granting admin consent (steps 11–12) needs a Global Administrator or a Privileged Role Administrator: sign in as one of them, or go on and send them the admin-consent link.{activate}"),
        )
    };
    RoleCheck {
        verdict,
        roles: names,
        eligible,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::DirectoryRole;

    fn role(t: &str, n: &str) -> DirectoryRole {
        DirectoryRole {
            display_name: Some(n.into()),
            role_template_id: Some(t.into()),
        }
    }

    #[test]
    fn role_verdicts() {
        let ga = role_check(
            Ok(vec![role(
                role_templates::GLOBAL_ADMINISTRATOR,
                "Global Administrator",
            )]),
            &[],
        );
        assert_eq!(ga.verdict, RoleVerdict::CanDoEverything);
        let aa = role_check(
            Ok(vec![role(
                role_templates::APPLICATION_ADMINISTRATOR,
                "Application Administrator",
            )]),
            &[],
        );
        assert_eq!(aa.verdict, RoleVerdict::CannotGrantConsent);
        assert!(aa.explanation.contains("Privileged Role Administrator"));
        let cloud = role_check(
            Ok(vec![role(
                role_templates::CLOUD_APPLICATION_ADMINISTRATOR,
                "Cloud Application Administrator",
            )]),
            &[],
        );
        assert_eq!(cloud.verdict, RoleVerdict::CannotGrantConsent);
        let both = role_check(
            Ok(vec![
                role(
                    role_templates::APPLICATION_ADMINISTRATOR,
                    "Application Administrator",
                ),
                role(
                    role_templates::PRIVILEGED_ROLE_ADMINISTRATOR,
                    "Privileged Role Administrator",
                ),
            ]),
            &[],
        );
        assert_eq!(both.verdict, RoleVerdict::CanDoEverything);
        assert_eq!(
            role_check(Ok(vec![]), &[]).verdict,
            RoleVerdict::NoAdminRole
        );
        assert_eq!(
            role_check(Err(Error::Network("x".into())), &[]).verdict,
            RoleVerdict::Unknown
        );
        // Graph's "limited information": roles without their template ids were not readable,
        // which is not the same as having none.
        let limited = role_check(
            Ok(vec![DirectoryRole {
                display_name: None,
                role_template_id: None,
            }]),
            &[],
        );
        assert_eq!(limited.verdict, RoleVerdict::Unknown);
        assert!(limited.explanation.contains("could not read your roles"));
        // An eligible Global Administrator (PIM) who has not activated it is told so.
        let pim = role_check(
            Ok(vec![]),
            &[role_templates::GLOBAL_ADMINISTRATOR.to_string()],
        );
        assert_eq!(pim.verdict, RoleVerdict::NoAdminRole);
        assert_eq!(pim.eligible, vec!["Global Administrator".to_string()]);
        assert!(pim
            .explanation
            .contains("eligible for Global Administrator"));
    }

    #[test]
    fn merging_required_resource_access_keeps_what_is_there() {
        let existing = vec![
            json!({"resourceAppId": "other", "resourceAccess": [{"id": "x", "type": "Scope"}]}),
            json!({"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}]}),
        ];
        assert!(!has_role(&existing, AUDIT_LOG_READ_ALL_ROLE_ID));
        let merged = merge_rra(&existing, AUDIT_LOG_READ_ALL_ROLE_ID);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[1]["resourceAccess"].as_array().unwrap().len(), 2);
        assert!(has_role(&merged, AUDIT_LOG_READ_ALL_ROLE_ID));
        let fresh = merge_rra(&[], AUDIT_LOG_READ_ALL_ROLE_ID);
        assert!(has_role(&fresh, AUDIT_LOG_READ_ALL_ROLE_ID));
    }
}
