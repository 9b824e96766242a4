//! The facade a front end calls: one [`Recovery`] per configuration.
//!
//! ```text
//! let r = Recovery::new(Config::new(Cloud::Global, data_dir), vault, clock)?;
//! let session = r.sign_in(SignInMethod::Browser, &SystemBrowser, &sink).await?;   // step 1
//! let pre = r.precheck(&session, &sink).await?;                                     // steps 1–2
//! let creds = r.run(&session, &pre, &RunChoice::default(), &sink).await?;           // steps 3–16 + proof
//! r.cleanup(&session, &CleanupOptions::default(), &sink).await?;                    // afterwards
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::activity::Activity;
use crate::auth::{AuthConfig, Authenticator, Browser, Session};
use crate::calendar;
use crate::clock::{SharedClock, SystemClock};
use crate::cloud::{Cloud, Endpoints, DEFAULT_CLIENT_ID};
use crate::engine::{
    CleanupOptions, CleanupReport, CrashHook, Engine, EngineConfig, Precheck, RunChoice,
};
use crate::error::{Error, Result};
use crate::events::EventSink;
use crate::events::Reported;
use crate::http::Http;
use crate::journal::Journal;
use crate::receipt::Receipt;
use crate::results::{Credentials, SessionInfo, TenantInfo};
use crate::retry::RetryPolicy;
use crate::steps::{Step, StepData};
use crate::vault::SharedVault;

/// The default app and secret name, as in the vendor's document.
pub const DEFAULT_APP_NAME: &str = "PMPC Recovery";
/// The secret is needed for 72 hours; a week leaves room without lingering.
pub const DEFAULT_SECRET_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "SignInMethod.ts")]
pub enum SignInMethod {
    /// Authorization code + PKCE in the system browser (recommended).
    Browser,
    /// Device code: for remote sessions without a browser. Many tenants block it.
    DeviceCode,
}

/// Everything configurable.
#[derive(Debug, Clone)]
pub struct Config {
    pub cloud: Cloud,
    pub endpoints: Endpoints,
    pub client_id: String,
    /// `organizations` unless a tenant id or domain is given.
    pub tenant: String,
    pub app_name: String,
    pub secret_lifetime: Duration,
    pub data_dir: PathBuf,
    pub retry: RetryPolicy,
    pub request_timeout: Duration,
    pub sign_in_timeout: Duration,
    pub verify_budget: Duration,
    /// Where the admin-consent page returns (registered on the app only when consent is handed
    /// off); the cloud's portal by default.
    pub consent_redirect_uri: String,
    /// The user's name for this customer (a batch file's label), kept in the run's journal.
    pub label: Option<String>,
}

impl Config {
    pub fn new(cloud: Cloud, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            cloud,
            endpoints: cloud.endpoints(),
            client_id: DEFAULT_CLIENT_ID.into(),
            tenant: "organizations".into(),
            app_name: DEFAULT_APP_NAME.into(),
            secret_lifetime: DEFAULT_SECRET_LIFETIME,
            data_dir: data_dir.into(),
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            sign_in_timeout: Duration::from_secs(600),
            // A new password does not work at once: 4 to 18 s observed, no upper bound given
            // (microsoftgraph/microsoft-graph-docs#17966); 10 minutes, during which the secret
            // counts as young (AADSTS7000222 is waited out).
            verify_budget: crate::auth::client_credentials::YOUNG_SECRET,
            consent_redirect_uri: format!("{}/", cloud.portal()),
            label: None,
        }
    }

    /// The core pointed at a practice tenant (tenant-sim at `origin`, serving both the sign-in
    /// and Graph): the one place practice mode, the CLI's `--practice` and the tests wire it.
    pub fn practice(origin: &str, data_dir: impl Into<PathBuf>) -> Result<Self> {
        let mut config = Self::new(Cloud::Global, data_dir);
        config.endpoints = Endpoints::custom(Cloud::Global, Some(origin), Some(origin))?;
        Ok(config)
    }

    /// Short waits for a simulated tenant ([`RetryPolicy::fast`], seconds-long timeouts).
    pub fn with_fast_timings(mut self) -> Self {
        self.retry = RetryPolicy::fast();
        self.request_timeout = Duration::from_secs(5);
        self.sign_in_timeout = Duration::from_secs(20);
        self.verify_budget = Duration::from_secs(20);
        self
    }

    /// The tenant the sign-in is pinned to, as the user named it; None for the account's own
    /// (`organizations` or `common`).
    pub fn pinned_tenant(&self) -> Option<String> {
        let t = self.tenant.trim();
        (!t.is_empty()
            && !t.eq_ignore_ascii_case("organizations")
            && !t.eq_ignore_ascii_case("common"))
        .then(|| t.to_string())
    }

    /// Checks values a user typed.
    pub fn validate(&self) -> Result<()> {
        if self.app_name.trim().is_empty() || self.app_name.len() > 120 {
            return Err(Error::InvalidInput(
                "the app name must be 1 to 120 characters".into(),
            ));
        }
        if self.secret_lifetime < crate::journal::RECOVERY_WINDOW {
            return Err(Error::InvalidInput(
                "the secret must live at least 72 hours: PMPC needs it for that long".into(),
            ));
        }
        if self.secret_lifetime > Duration::from_secs(730 * 24 * 3600) {
            return Err(Error::InvalidInput(
                "the secret may live at most 24 months".into(),
            ));
        }
        if uuid::Uuid::parse_str(&self.client_id).is_err() {
            return Err(Error::InvalidInput(format!(
                "client id {:?} is not a GUID",
                self.client_id
            )));
        }
        if self.tenant.is_empty() || self.tenant.contains(['/', '?', '#', ' ']) {
            return Err(Error::InvalidInput(format!(
                "tenant {:?} is not a tenant id or domain",
                self.tenant
            )));
        }
        Ok(())
    }
}

/// The recovery core, ready to sign in and run.
#[derive(Debug, Clone)]
pub struct Recovery {
    pub config: Config,
    pub(crate) http: Http,
    auth: Authenticator,
    pub(crate) engine: Engine,
    pub(crate) vault: SharedVault,
}

impl Recovery {
    pub fn new(config: Config, vault: SharedVault, clock: Option<SharedClock>) -> Result<Self> {
        config.validate()?;
        let clock = clock.unwrap_or_else(|| Arc::new(SystemClock::default()));
        let http = Http::new(clock, config.retry.clone(), config.request_timeout)?;
        let auth = Authenticator::new(
            AuthConfig {
                endpoints: config.endpoints.clone(),
                client_id: config.client_id.clone(),
                tenant: config.tenant.clone(),
                sign_in_timeout: config.sign_in_timeout,
            },
            http.clone(),
        );
        let engine = Engine::new(
            EngineConfig {
                endpoints: config.endpoints.clone(),
                app_name: config.app_name.clone(),
                secret_lifetime: config.secret_lifetime,
                data_dir: config.data_dir.clone(),
                verify_budget: config.verify_budget,
                consent_redirect_uri: config.consent_redirect_uri.clone(),
                requested_tenant: config.pinned_tenant(),
                label: config.label.clone(),
            },
            http.clone(),
            vault.clone(),
        );
        Ok(Self {
            config,
            http,
            auth,
            engine,
            vault,
        })
    }

    /// Test hook: stop at a checkpoint as if killed.
    pub fn with_crash_hook(mut self, hook: CrashHook) -> Self {
        self.engine = self.engine.with_crash_hook(hook);
        self
    }

    /// HTTP requests sent so far (identity and Graph).
    pub fn request_count(&self) -> u64 {
        self.http.request_count()
    }

    /// Step 1: sign in. With `remember`, the refresh token is kept in the keychain.
    pub async fn sign_in(
        &self,
        method: SignInMethod,
        browser: &dyn Browser,
        remember: bool,
        sink: &EventSink,
    ) -> Result<Session> {
        let s = sink.step(Step::SignIn);
        s.started();
        let result = match method {
            SignInMethod::Browser => self.auth.sign_in_browser(browser, sink).await,
            SignInMethod::DeviceCode => self.auth.sign_in_device_code(sink).await,
        };
        let session = result.reported(&s)?;
        if remember {
            session.remember(&self.vault).await.reported(&s)?;
        }
        s.done(StepData::SignedIn {
            session: session.info(),
        });
        Ok(session)
    }

    /// A session remembered by an earlier sign-in, if any (no browser needed).
    /// A revoked or expired remembered sign-in is forgotten (and reported as `SessionExpired`).
    pub async fn resume_session(&self) -> Result<Option<Session>> {
        match Session::resume(self.auth.clone(), &self.vault).await {
            Err(e @ Error::SessionExpired(_)) => {
                self.sign_out(None).await?;
                Err(e)
            }
            other => other,
        }
    }

    /// Forgets every token. Returns whether a remembered session was removed from the keychain.
    pub async fn sign_out(&self, session: Option<Session>) -> Result<bool> {
        Session::sign_out(&self.auth, &self.vault, session).await
    }

    /// Steps 1–2 without writing anything. Records who signed in to which tenant, and the
    /// steps' times, for the receipt (they reach the journal when the run saves it).
    pub async fn precheck(&self, session: &Session, sink: &EventSink) -> Result<Precheck> {
        let tid = session.tenant_id();
        let at = self.http.clock.now();
        // An earlier precheck that led to no run left its entries: they are stale.
        self.engine.activity.take(&tid);
        let pre = self
            .engine
            .precheck(session, &self.recording(sink, &tid))
            .await?;
        self.engine
            .activity
            .record_first(&tid, self.signed_in(at, &pre.session, Some(&pre.tenant)));
        Ok(pre)
    }

    pub async fn run(
        &self,
        session: &Session,
        pre: &Precheck,
        choice: &RunChoice,
        sink: &EventSink,
    ) -> Result<Credentials> {
        let tid = session.tenant_id();
        let result = self
            .engine
            .run(session, pre, choice, &self.recording(sink, &tid))
            .await;
        self.keep_activity(&tid, None);
        result
    }

    /// Deletes the app registration (see [`Engine::cleanup`]). What it deleted is added to the
    /// run's record, so the receipt ([`Recovery::receipt`]) tells the whole story afterwards.
    pub async fn cleanup(
        &self,
        session: &Session,
        opts: &CleanupOptions,
        sink: &EventSink,
    ) -> Result<CleanupReport> {
        let tid = session.tenant_id();
        let now = self.http.clock.now();
        let before = self.engine.journals().load(&tid).ok().flatten();
        self.engine.activity.take(&tid);
        let tenant = before
            .as_ref()
            .and_then(Journal::last_sign_in)
            .map(|s| TenantInfo {
                tenant_id: tid.clone(),
                display_name: s.tenant_name.unwrap_or_default(),
                default_domain: s.default_domain,
            });
        self.engine
            .activity
            .record(&tid, self.signed_in(now, &session.info(), tenant.as_ref()));
        let result = self
            .engine
            .cleanup(session, opts, &self.recording(sink, &tid))
            .await;
        let closed = result
            .is_ok()
            .then(|| before.unwrap_or_else(|| Journal::new(&tid, &self.config.app_name, now)));
        self.keep_activity(&tid, closed);
        result
    }

    /// The receipt of the tenant's run on this computer (or of its last cleaned-up run), for the
    /// change ticket. No sign-in needed.
    pub fn receipt(&self, tenant_id: &str) -> Result<Receipt> {
        let store = self.engine.journals();
        let j = match store.load(tenant_id)? {
            Some(j) => j,
            None => store.last_closed(tenant_id)?.ok_or_else(|| {
                Error::InvalidInput(format!(
                    "no run for tenant {tenant_id} is recorded on this computer"
                ))
            })?,
        };
        Ok(Receipt::from_journal(
            &j,
            self.config.cloud,
            self.http.clock.now(),
        ))
    }

    /// The tenant's deadline as an iCalendar (`.ics`) file's text: one event at the deadline,
    /// a reminder 12 hours before. Needs a run that created its app.
    pub fn calendar(&self, tenant_id: &str) -> Result<String> {
        let j = self.engine.journals().load(tenant_id)?.ok_or_else(|| {
            Error::InvalidInput(format!(
                "no run for tenant {tenant_id} is recorded on this computer"
            ))
        })?;
        let tenant_name = Receipt::from_journal(&j, self.config.cloud, self.http.clock.now())
            .tenant
            .name;
        calendar::deadline_ics(&j, tenant_name.as_deref(), self.http.clock.now())
    }

    /// `sink`, with every step event also recorded for the receipt.
    fn recording(&self, sink: &EventSink, tenant_id: &str) -> EventSink {
        let log = self.engine.activity.clone();
        let clock = self.http.clock.clone();
        let tenant_id = tenant_id.to_string();
        sink.tee(move |e| {
            if let Some(entry) = Activity::from_event(e, clock.now()) {
                log.record(&tenant_id, entry);
            }
        })
    }

    fn signed_in(
        &self,
        at: time::OffsetDateTime,
        who: &SessionInfo,
        tenant: Option<&TenantInfo>,
    ) -> Activity {
        Activity::SignedIn {
            at,
            user_principal_name: who.user_principal_name.clone(),
            display_name: who.display_name.clone(),
            user_id: who.user_id.clone(),
            guest: who.guest,
            tenant_id: who.tenant_id.clone(),
            tenant_name: tenant
                .map(|t| t.display_name.clone())
                .filter(|n| !n.is_empty()),
            default_domain: tenant.and_then(|t| t.default_domain.clone()),
            cloud: self.config.cloud,
        }
    }

    /// Puts what is still pending of the tenant's activity (the last events come after the
    /// engine's last save) into its journal; after a cleanup that removed the journal, into the
    /// closed run's record instead. Whatever cannot be kept (another run holds the tenant, or
    /// nothing was recorded) is dropped.
    fn keep_activity(&self, tenant_id: &str, closed: Option<Journal>) {
        let store = self.engine.journals();
        let kept = store.lock(tenant_id).and_then(|_lock| {
            if let Some(mut j) = store.load(tenant_id)? {
                j.take_activity(&self.engine.activity);
                store.save(&j)
            } else if let Some(mut j) = closed {
                j.take_activity(&self.engine.activity);
                j.updated = self.http.clock.now();
                store.save_closed(&j)
            } else {
                Ok(())
            }
        });
        self.engine.activity.take(tenant_id);
        if let Err(e) = kept {
            tracing::warn!(error = %e, "could not record the run's activity for its receipt");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryVault;

    fn assert_send<T: Send>(_: &T) {}

    /// A Tauri async command needs `Send` futures: keep every entry point spawnable.
    #[tokio::test]
    async fn every_entry_point_is_send() {
        let dir = std::env::temp_dir().join("pmpc-recovery-send-check");
        let r = Recovery::new(
            Config::new(Cloud::Global, &dir),
            Arc::new(MemoryVault::new()),
            None,
        )
        .unwrap();
        let sink = EventSink::none();
        let browser = crate::auth::NoBrowser;
        assert_send(&r.sign_in(SignInMethod::Browser, &browser, false, &sink));
        assert_send(&r.resume_session());
        assert_send(&r.status());
        assert_send(&r.sign_out(None));
        assert_send(&r.reveal_secret("t", "a"));
        fn later(r: &Recovery, s: &Session, p: &Precheck, sink: &EventSink) {
            assert_send(&r.precheck(s, sink));
            assert_send(&r.run(s, p, &RunChoice::default(), sink));
            assert_send(&r.cleanup(s, &CleanupOptions::default(), sink));
        }
        let _ = later;
        fn sync_and_clone<T: Send + Sync + Clone>() {}
        sync_and_clone::<Recovery>();
        sync_and_clone::<Session>();
        sync_and_clone::<EventSink>();
    }

    #[test]
    fn config_validation_explains_bad_values() {
        let mut c = Config::new(Cloud::Global, "/tmp/x");
        assert!(c.validate().is_ok());
        c.secret_lifetime = Duration::from_secs(3600);
        assert!(c.validate().unwrap_err().to_string().contains("72 hours"));
        c = Config::new(Cloud::Global, "/tmp/x");
        c.client_id = "not-a-guid".into();
        assert_eq!(c.validate().unwrap_err().code(), crate::Code::InvalidInput);
        c = Config::new(Cloud::Global, "/tmp/x");
        c.tenant = "contoso.com/evil".into();
        assert!(c.validate().is_err());
        assert_eq!(
            Config::new(Cloud::China, "/tmp/x").consent_redirect_uri,
            "https://portal.azure.cn/"
        );
    }
}
