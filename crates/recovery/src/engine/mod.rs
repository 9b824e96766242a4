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

mod app;
mod cleanup;
mod consent;
mod precheck;
mod roles;
mod secret;
mod verify;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::activity::ActivityLog;
use crate::auth::Session;
use crate::clock::SharedClock;
use crate::cloud::Endpoints;
use crate::error::{Error, Result};
use crate::events::EventSink;
use crate::graph::{Graph, AUDIT_LOG_READ_ALL, GRAPH_APP_ID};
use crate::http::Http;
use crate::journal::{AppRecord, Journal, JournalStore, RunState};
use crate::replication::AppOrigin;
use crate::results::{
    AppIds, AppSummary, Credentials, RoleCheck, RoleVerdict, SessionInfo, TenantInfo,
};
use crate::steps::{Step, StepData};
use crate::vault::SharedVault;

use app::summary;
pub use roles::{role_check, role_templates};

/// How far Microsoft's clock (an app's `createdDateTime`) may be from this computer's, for
/// telling a new app still replicating from one deleted since (the same allowance
/// `remove_orphans` makes).
const APP_CLOCK_SKEW: time::Duration = time::Duration::minutes(10);

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
    /// The tenant the sign-in was pinned to, as the user named it; None for the account's own.
    pub requested_tenant: Option<String>,
    /// The user's name for this customer, kept in the journal.
    pub label: Option<String>,
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

/// How steps 11–12 go, decided once per run from the account's roles and the user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsentRoute {
    /// Grant; a refusal fails the run.
    Grant,
    /// Try to grant; if refused, hand off to the admin-consent link.
    GrantElseHandOff,
    /// The account cannot grant: hand off, registering the consent page's return address in the
    /// app's first write.
    HandOff,
}

impl ConsentRoute {
    /// None: stop before creating anything (the account cannot grant consent and the user chose
    /// not to hand it off). A run that created its app already goes on and tries.
    fn decide(pre: &Precheck, choice: &RunChoice, app_exists: bool) -> Option<Self> {
        let can_grant = matches!(
            pre.roles.verdict,
            RoleVerdict::CanDoEverything | RoleVerdict::Unknown
        );
        match (can_grant, choice.consent) {
            (true, ConsentPlan::Stop) => Some(Self::Grant),
            (true, ConsentPlan::HandOff) => Some(Self::GrantElseHandOff),
            (false, ConsentPlan::HandOff) => Some(Self::HandOff),
            (false, ConsentPlan::Stop) if app_exists => Some(Self::Grant),
            (false, ConsentPlan::Stop) => None,
        }
    }

    fn may_hand_off(self) -> bool {
        self != Self::Grant
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
    /// The steps the run has done ([`Journal::done_steps`]).
    pub done_steps: Vec<Step>,
    /// Where the run stands ([`Journal::state`]).
    pub state: RunState,
    /// Past its deadline and not cleaned up: PMPC no longer accepts its values.
    pub expired: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub started: OffsetDateTime,
    pub tenant_name: Option<String>,
    pub default_domain: Option<String>,
    /// How a page names the run's tenant ([`Journal::tenant_label`]).
    pub tenant_label: String,
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
pub(crate) struct StoredSecret {
    key_id: String,
    pub(crate) secret_text: String,
}

type JournalCell = Arc<tokio::sync::Mutex<Journal>>;

/// What one run's steps share, built once by [`Engine::run`] under the tenant's lock.
struct Run<'a> {
    /// The run's Graph client: what it learns about replication serves the run's later calls.
    g: Graph,
    /// The tenant's journal, shared by the branches that run at once.
    cell: JournalCell,
    tid: String,
    pre: &'a Precheck,
    choice: &'a RunChoice,
    route: ConsentRoute,
    sink: &'a EventSink,
}

/// The engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub cfg: EngineConfig,
    http: Http,
    /// The time the run's records are stamped with (the HTTP client's, which its waits use).
    clock: SharedClock,
    vault: SharedVault,
    journals: JournalStore,
    /// What the runs did, for the receipt, until their journal takes it in (see
    /// [`crate::activity`]): the run's record, kept beside the run rather than on its HTTP client.
    pub(crate) activity: ActivityLog,
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
            clock: http.clock.clone(),
            http,
            vault,
            journals,
            activity: ActivityLog::default(),
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
        .recording_to(&self.activity)
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
        let result = async {
            if pre.session.tenant_id != tid {
                return Err(Error::InvalidInput(
                    "the precheck belongs to another sign-in".into(),
                ));
            }
            // One run per tenant at a time, across the app and the CLI (held until its steps end).
            let _lock = self.journals.lock(&tid)?;
            let (j, route) = self.begin_run(&tid, pre, choice, sink)?;
            // One run: what it learns about replication serves its own later calls.
            let g = Graph {
                http: self.http.for_run(),
                ..self.graph(session)
            };
            g.http.note_app(self.app_origin(&j, choice));
            let run = Run {
                g,
                cell: Arc::new(tokio::sync::Mutex::new(j)),
                tid: tid.clone(),
                pre,
                choice,
                route,
                sink,
            };
            self.run_steps(&run).await
        }
        .await;
        if let Err(Error::AppNotFound(_)) = &result {
            // The run's app is gone (deleted in the portal between two runs): the next run
            // starts afresh with a new app instead of finding the same hole again.
            self.forget_vanished_app(&tid)?;
        }
        result
    }

    /// Drops a deleted app, and all that hung on it, from the tenant's journal (its activity
    /// stays, for the receipt), with a new key for the next app.
    fn forget_vanished_app(&self, tid: &str) -> Result<()> {
        let _lock = self.journals.lock(tid)?;
        let Some(mut j) = self.journals.load(tid)? else {
            return Ok(());
        };
        let fresh = Journal::new(tid, &j.app_name, self.clock.now());
        j.unique_name = fresh.unique_name;
        j.app = None;
        j.service_principal_id = None;
        j.assignment_id = None;
        j.consent_handed_off = false;
        j.consent_redirect_registered = false;
        j.consent_confirmed = false;
        j.consent_proved_by_token = false;
        j.password_pending_since = None;
        j.password = None;
        j.verified_at = None;
        j.app_create_sent = None;
        self.save(&mut j)
    }

    /// The run's steps, from the app to the proof, on the context `run` built.
    async fn run_steps(&self, run: &Run<'_>) -> Result<Credentials> {
        let app = self.create_app(run).await?;
        let (consent, secret) = tokio::try_join!(
            self.consent_branch(run, &app),
            self.secret_branch(run, &app),
        )?;
        let (secret_rec, secret) = secret;

        // The app's token with AuditLog.Read.All proves the grant better than its read-back:
        // once it is in hand, a slow read-back no longer holds up (or fails) the run.
        let (proved_tx, proved) = tokio::sync::watch::channel(false);
        let confirm = async {
            match &consent {
                Some(_) => self.confirm(run, &app, proved).await.map(Some),
                None => Ok(None),
            }
        };
        let verify = async {
            if consent.is_none() {
                return Ok(false);
            }
            self.verify(run, &app, &secret).await.map(|_| {
                let _ = proved_tx.send(true);
                true
            })
        };
        let (_, verified) = tokio::try_join!(confirm, verify)?;

        let j = run.cell.lock().await.clone();
        Ok(Credentials {
            tenant_id: run.tid.clone(),
            application_id: app.app_id.clone(),
            object_id: app.object_id.clone(),
            client_secret: run
                .choice
                .reveal_secret
                .then(|| secret.expose().to_string()),
            secret_hint: secret_rec.hint.clone(),
            secret_key_id: secret_rec.key_id.clone(),
            secret_expires: secret_rec.end_date_time,
            deadline: app.deadline(),
            verified,
            admin_consent_url: j
                .consent_handed_off
                .then(|| self.consent_url(&run.tid, &app.app_id)),
        })
    }

    /// The tenant's journal (resumed, or a new run's), with the consent route and what the
    /// precheck found recorded. The caller holds the tenant's lock.
    fn begin_run(
        &self,
        tid: &str,
        pre: &Precheck,
        choice: &RunChoice,
        sink: &EventSink,
    ) -> Result<(Journal, ConsentRoute)> {
        let mut j = match self.journals.load(tid)? {
            Some(j) => j,
            None => Journal::new(tid, &self.cfg.app_name, self.clock.now()),
        };
        let Some(route) = ConsentRoute::decide(pre, choice, j.app.is_some()) else {
            let e = Error::StoppedBeforeCreating;
            sink.step(Step::CreateApp).failed(&e);
            return Err(e);
        };
        if self.cfg.requested_tenant.is_some() {
            j.requested_tenant.clone_from(&self.cfg.requested_tenant);
        }
        if self.cfg.label.is_some() {
            j.label.clone_from(&self.cfg.label);
        }
        j.graph_service_principal_id = Some(pre.graph_service_principal_id.clone());
        j.app_role_id = Some(pre.app_role_id.clone());
        self.save(&mut j)?;
        Ok((j, route))
    }

    /// Where the run's app comes from, which decides whether "not found" can be replication lag.
    fn app_origin(&self, j: &Journal, choice: &RunChoice) -> AppOrigin {
        match (&j.app, &choice.app) {
            (Some(a), _) if a.reused => AppOrigin::Existing,
            // Made by the interrupted run this one resumes: Microsoft's creation time, which
            // may differ from this computer's clock (allowed for in the window).
            (Some(a), _) => AppOrigin::CreatedAt(a.created_date_time + APP_CLOCK_SKEW),
            (None, AppChoice::CreateNew) => AppOrigin::CreatedAt(self.clock.now()),
            (None, AppChoice::Reuse { .. }) => AppOrigin::Existing,
        }
    }

    pub(super) fn consent_url(&self, tenant_id: &str, app_id: &str) -> String {
        self.cfg
            .endpoints
            .admin_consent_url(tenant_id, app_id, &self.cfg.consent_redirect_uri)
    }

    pub(super) fn save(&self, j: &mut Journal) -> Result<()> {
        j.take_activity(&self.activity);
        j.updated = self.clock.now();
        self.journals.save(j)
    }

    pub(super) async fn save_cell(
        &self,
        cell: &JournalCell,
        f: impl FnOnce(&mut Journal),
    ) -> Result<()> {
        let mut j = cell.lock().await;
        f(&mut j);
        j.take_activity(&self.activity);
        j.updated = self.clock.now();
        self.journals.save(&j)
    }

    pub(super) fn ids(&self, tid: &str, app: &AppRecord) -> AppIds {
        AppIds {
            tenant_id: tid.into(),
            app_id: app.app_id.clone(),
            object_id: app.object_id.clone(),
            created_date_time: app.created_date_time,
            deadline: app.deadline(),
        }
    }

    pub(super) fn permission_data(&self, pre: &Precheck) -> StepData {
        StepData::Permission {
            resource_app_id: GRAPH_APP_ID.into(),
            app_role_id: pre.app_role_id.clone(),
            permission: AUDIT_LOG_READ_ALL.into(),
        }
    }
}
