//! The run's progress on disk, so a killed run resumes where it stopped.
//!
//! One JSON file per tenant in the caller's data directory, replaced atomically (write to a
//! temporary file, then rename). It holds ids and times only: never a token or the secret.
//!
//! A run holds an exclusive lock on the tenant's lock file (`run-<tenant>.lock`, beside its
//! journal) from start to end, so the desktop app and `pmpc-recovery-cli`, which share the data
//! folder ([`crate::paths`]), never work on one tenant at the same time. The OS drops the lock when
//! the process ends, however it ends, so a killed run never leaves a stale lock behind.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::activity::{Activity, ActivityLog};
use crate::cloud::Cloud;
use crate::error::{Code, Error, Result};
use crate::steps::Step;
use crate::steps::StepOutcome;

pub const JOURNAL_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "AppRecord.ts")]
pub struct AppRecord {
    pub object_id: String,
    pub app_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_date_time: OffsetDateTime,
    pub reused: bool,
}

/// How long PMPC accepts the app's values after the app was created.
pub const RECOVERY_WINDOW: time::Duration = time::Duration::hours(72);

impl AppRecord {
    /// When PMPC stops accepting this app's values: the one place the deadline is computed.
    pub fn deadline(&self) -> OffsetDateTime {
        self.created_date_time + RECOVERY_WINDOW
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "PasswordRecord.ts")]
pub struct PasswordRecord {
    pub key_id: String,
    pub hint: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub end_date_time: OffsetDateTime,
    /// Written to the keychain.
    pub stored: bool,
}

/// The state of one tenant's run. Exported so a front end can show `status` without signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "Journal.ts")]
pub struct Journal {
    pub version: u32,
    pub tenant_id: String,
    pub run_id: String,
    pub app_name: String,
    /// The key of the idempotent create; a retried create with it cannot make a duplicate.
    pub unique_name: String,
    pub app: Option<AppRecord>,
    pub graph_service_principal_id: Option<String>,
    pub app_role_id: Option<String>,
    pub service_principal_id: Option<String>,
    pub assignment_id: Option<String>,
    pub consent_handed_off: bool,
    /// The admin-consent page's return address was registered on the app.
    #[serde(default)]
    pub consent_redirect_registered: bool,
    pub consent_confirmed: bool,
    /// Set just before addPassword; credentials we made after this and did not store are orphans.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub password_pending_since: Option<OffsetDateTime>,
    pub password: Option<PasswordRecord>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub verified_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated: OffsetDateTime,
    /// What happened, in order, for the receipt (journals written before it have none).
    #[serde(default)]
    pub activity: Vec<Activity>,
    /// When the run began (journals written before it have none: see [`Journal::started`]).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub started: Option<OffsetDateTime>,
    /// The tenant as the user named it (a domain or an id), when the sign-in was pinned to it:
    /// how a batch file's line finds its run again before signing in.
    #[serde(default)]
    pub requested_tenant: Option<String>,
    /// The user's name for this customer (a batch file's label).
    #[serde(default)]
    pub label: Option<String>,
    /// The grant did not read back in time, but the app's own token carried AuditLog.Read.All:
    /// the stronger proof, which the receipt names instead of the read-back.
    #[serde(default)]
    pub consent_proved_by_token: bool,
    /// This cloud refused `Prefer: create-if-missing`: the app and its service principal are
    /// created with POST (`Graph::create_application`), found again by `unique_name` in `tags`.
    #[serde(default)]
    pub upsert_refused: bool,
    /// When a `POST /applications` carrying `unique_name` was about to be sent, written before
    /// it goes: a later attempt or run looks for that app before it sends another.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub app_create_sent: Option<OffsetDateTime>,
}

impl Journal {
    pub fn new(tenant_id: &str, app_name: &str, now: OffsetDateTime) -> Self {
        let run_id = uuid::Uuid::new_v4().simple().to_string();
        Self {
            version: JOURNAL_VERSION,
            tenant_id: tenant_id.into(),
            unique_name: format!("pmpc-recovery-{}", &run_id[..12]),
            run_id,
            app_name: app_name.into(),
            app: None,
            graph_service_principal_id: None,
            app_role_id: None,
            service_principal_id: None,
            assignment_id: None,
            consent_handed_off: false,
            consent_redirect_registered: false,
            consent_confirmed: false,
            password_pending_since: None,
            password: None,
            verified_at: None,
            updated: now,
            activity: Vec::new(),
            started: Some(now),
            requested_tenant: None,
            label: None,
            consent_proved_by_token: false,
            upsert_refused: false,
            app_create_sent: None,
        }
    }

    /// When the run began: recorded since the Runs page, else the app's creation, else the last
    /// save.
    pub fn started(&self) -> OffsetDateTime {
        self.started
            .or(self.app.as_ref().map(|a| a.created_date_time))
            .unwrap_or(self.updated)
    }

    /// Takes in the run's activity recorded since the last save: the one way entries reach the
    /// journal (the engine calls this before every save).
    pub fn take_activity(&mut self, log: &ActivityLog) {
        self.activity.extend(log.take(&self.tenant_id));
    }

    /// The run's latest sign-in, with the tenant's latest known name and default domain: the one
    /// scan of the activity for it (the receipt, the run's status, a cleanup's record, the
    /// desktop's Runs page).
    pub fn last_sign_in(&self) -> Option<LastSignIn> {
        let mut last: Option<LastSignIn> = None;
        for a in self.activity.iter().rev() {
            if let Activity::SignedIn {
                at,
                tenant_name,
                default_domain,
                cloud,
                ..
            } = a
            {
                let l = last.get_or_insert(LastSignIn {
                    at: *at,
                    cloud: *cloud,
                    tenant_name: None,
                    default_domain: None,
                });
                if l.tenant_name.is_none() {
                    l.tenant_name.clone_from(tenant_name);
                }
                if l.default_domain.is_none() {
                    l.default_domain.clone_from(default_domain);
                }
            }
        }
        last
    }

    /// The tenant's name and default domain, from the run's latest sign-in.
    pub fn tenant_names(&self) -> (Option<String>, Option<String>) {
        self.last_sign_in()
            .map(|s| (s.tenant_name, s.default_domain))
            .unwrap_or_default()
    }

    /// How a page or a report names this run's tenant ([`tenant_label`]).
    pub fn tenant_label(&self) -> String {
        let (name, domain) = self.tenant_names();
        tenant_label(
            name.as_deref(),
            self.label.as_deref(),
            domain.as_deref(),
            &self.tenant_id,
        )
    }

    /// Whether `name` (as a user typed it: the tenant id, the default domain, or the domain the
    /// sign-in was pinned to) names this run's tenant.
    pub fn is_for(&self, name: &str) -> bool {
        let name = name.trim();
        let (_, domain) = self.tenant_names();
        let same = |n: Option<&String>| n.is_some_and(|n| n.eq_ignore_ascii_case(name));
        same(Some(&self.tenant_id)) || same(domain.as_ref()) || same(self.requested_tenant.as_ref())
    }

    /// Where the run stands. `closed`: the journal of a run whose app was deleted.
    pub fn state(&self, closed: bool) -> RunState {
        if closed {
            return RunState::CleanedUp;
        }
        if self.verified_at.is_some() {
            return RunState::Verified;
        }
        if self.consent_handed_off && !self.consent_confirmed {
            return RunState::WaitingForConsent;
        }
        let last_step = self.activity.iter().rev().find_map(|a| match a {
            Activity::Step {
                step,
                outcome,
                error_code,
                ..
            } => Some((*step, *outcome, error_code.clone())),
            _ => None,
        });
        if let Some((step, StepOutcome::Failed, error_code)) = last_step {
            let remedy = error_code
                .as_ref()
                .and_then(|c| serde_json::from_value::<Code>(c.as_str().into()).ok())
                .map(|c| c.remedy().to_string());
            return RunState::Failed {
                step,
                portal_step: portal_step(step),
                error_code,
                remedy,
            };
        }
        let done = self.done_steps();
        let next = Step::ALL
            .into_iter()
            .find(|s| *s != Step::Cleanup && !done.contains(s))
            .unwrap_or(Step::Verify);
        RunState::Stopped {
            step: next,
            portal_step: portal_step(next),
        }
    }

    /// The steps this run has done, for a front end to show them done after a restart: the one
    /// place that reads a journal as progress.
    pub fn done_steps(&self) -> Vec<Step> {
        if self.app.is_none() {
            return vec![];
        }
        let stored = self.password.as_ref().is_some_and(|p| p.stored);
        [
            (Step::SignIn, true),
            (Step::ReadTenant, true),
            (Step::FindExisting, true),
            (Step::CreateApp, true),
            (Step::ConfigurePermission, true),
            (
                Step::CreateServicePrincipal,
                self.service_principal_id.is_some(),
            ),
            (Step::GrantConsent, self.assignment_id.is_some()),
            (Step::ConfirmConsent, self.consent_confirmed),
            (Step::CreateSecret, self.password.is_some()),
            (Step::StoreSecret, stored),
            (Step::Verify, self.verified_at.is_some()),
        ]
        .into_iter()
        .filter_map(|(step, done)| done.then_some(step))
        .collect()
    }

    /// The 72-hour deadline, from the app's creation time.
    pub fn deadline(&self) -> Option<OffsetDateTime> {
        self.app.as_ref().map(AppRecord::deadline)
    }
}

/// The run's latest sign-in ([`Journal::last_sign_in`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastSignIn {
    pub at: OffsetDateTime,
    pub cloud: Cloud,
    /// The tenant's name as the latest sign-in that read one recorded it.
    pub tenant_name: Option<String>,
    pub default_domain: Option<String>,
}

/// How a tenant is named to the user, the one rule: its name, else the label the user gave it
/// (a batch file's), else its default domain, else its id. Blank values count as none.
pub fn tenant_label(
    name: Option<&str>,
    label: Option<&str>,
    default_domain: Option<&str>,
    tenant_id: &str,
) -> String {
    [name, label, default_domain]
        .into_iter()
        .flatten()
        .find(|n| !n.trim().is_empty())
        .unwrap_or(tenant_id)
        .to_string()
}

/// Where a run stands, as the Runs page and `status` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export, export_to = "RunState.ts")]
pub enum RunState {
    /// The secret was proven to work: the values are ready for PMPC.
    Verified,
    /// Steps 11–12 were handed to another administrator, who has not granted consent yet.
    WaitingForConsent,
    /// The run's last attempt failed at this step (`portal_step` is its number among the 16).
    #[serde(rename_all = "camelCase")]
    Failed {
        step: Step,
        portal_step: u8,
        error_code: Option<String>,
        /// What to do about it, for a code this version knows.
        remedy: Option<String>,
    },
    /// The run stopped (closed or killed) before this step; continuing picks up here.
    #[serde(rename_all = "camelCase")]
    Stopped { step: Step, portal_step: u8 },
    /// The app registration was deleted.
    CleanedUp,
}

/// The first of the 16 portal steps an engine step does.
fn portal_step(step: Step) -> u8 {
    step.plan_numbers().first().copied().unwrap_or(16)
}

/// A tenant's run lock, released when dropped (or when the process ends).
#[derive(Debug)]
#[must_use = "the lock is released when this is dropped"]
pub struct RunLock {
    _file: std::fs::File,
}

/// Where journals live.
#[derive(Debug, Clone)]
pub struct JournalStore {
    dir: PathBuf,
}

impl JournalStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, tenant_id: &str) -> PathBuf {
        self.dir.join(format!("run-{}.json", safe_name(tenant_id)))
    }

    /// Takes the tenant's run lock, or fails at once with [`Error::RunInProgress`] when another
    /// process (or another run in this one) holds it. Held until the returned guard is dropped.
    pub fn lock(&self, tenant_id: &str) -> Result<RunLock> {
        let path = self.dir.join(format!("run-{}.lock", safe_name(tenant_id)));
        let err = |e: std::io::Error| Error::Journal(format!("{}: {e}", path.display()));
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(err)?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(Error::RunInProgress(tenant_id.to_string()))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(err(e)),
        }
    }

    pub fn load(&self, tenant_id: &str) -> Result<Option<Journal>> {
        let p = self.path(tenant_id);
        match std::fs::read(&p) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::Journal(format!("{} is unreadable: {e}", p.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Journal(format!("{}: {e}", p.display()))),
        }
    }

    pub fn save(&self, j: &Journal) -> Result<()> {
        self.write_atomically(&self.path(&j.tenant_id), j)
    }

    /// Writes `j` to a temporary file beside `p`, then renames it over `p`: a reader (the Runs
    /// page, `status`, another process) sees the old journal or the new one, never half of one.
    fn write_atomically(&self, p: &Path, j: &Journal) -> Result<()> {
        let err = |e: std::io::Error| Error::Journal(format!("{}: {e}", self.dir.display()));
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let tmp = p.with_extension(format!("json.{}.tmp", std::process::id()));
        let bytes = serde_json::to_vec_pretty(j).map_err(|e| Error::Journal(e.to_string()))?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(err)?;
            f.write_all(&bytes).map_err(err)?;
            f.sync_all().map_err(err)?;
        }
        std::fs::rename(&tmp, p).map_err(err)
    }

    fn closed_path(&self, j: &Journal) -> PathBuf {
        self.dir.join(format!(
            "closed-{}-{}.json",
            safe_name(&j.tenant_id),
            safe_name(&j.run_id)
        ))
    }

    /// Keeps a cleaned-up run's journal (with what the cleanup deleted) for its receipt. Not a
    /// run: [`JournalStore::load`] and [`JournalStore::all`] do not see it, so the next run of
    /// the tenant starts afresh.
    pub fn save_closed(&self, j: &Journal) -> Result<()> {
        self.write_atomically(&self.closed_path(j), j)
    }

    /// The tenant's most recently cleaned-up run, if any.
    pub fn last_closed(&self, tenant_id: &str) -> Result<Option<Journal>> {
        let prefix = format!("closed-{}-", safe_name(tenant_id));
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::Journal(e.to_string())),
        };
        let mut best: Option<Journal> = None;
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !(name.starts_with(&prefix) && name.ends_with(".json")) {
                continue;
            }
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            if let Ok(j) = serde_json::from_slice::<Journal>(&bytes) {
                if j.tenant_id == tenant_id && best.as_ref().is_none_or(|b| j.updated > b.updated) {
                    best = Some(j);
                }
            }
        }
        Ok(best)
    }

    /// Every cleaned-up run's journal, for the Runs page's history.
    pub fn all_closed(&self) -> Result<Vec<Journal>> {
        self.read_all("closed-")
    }

    /// Forgets a cleaned-up run's journal. Returns whether there was one.
    pub fn remove_closed(&self, j: &Journal) -> Result<bool> {
        remove_if_there(&self.closed_path(j))
    }

    pub fn remove(&self, tenant_id: &str) -> Result<bool> {
        remove_if_there(&self.path(tenant_id))
    }

    /// Every journal in the directory (for `status` without signing in).
    pub fn all(&self) -> Result<Vec<Journal>> {
        self.read_all("run-")
    }

    /// The journals whose file names start with `prefix`, newest first; unreadable ones are
    /// skipped (a corrupt journal is reported when its tenant's run loads it).
    fn read_all(&self, prefix: &str) -> Result<Vec<Journal>> {
        let mut out = Vec::new();
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::Journal(e.to_string())),
        };
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with(prefix) && name.ends_with(".json") {
                let bytes = match std::fs::read(entry.path()) {
                    Ok(bytes) => bytes,
                    // Removed since the listing (a run forgotten or cleaned up meanwhile).
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(Error::Journal(e.to_string())),
                };
                if let Ok(j) = serde_json::from_slice::<Journal>(&bytes) {
                    out.push(j);
                }
            }
        }
        out.sort_by_key(|j| std::cmp::Reverse(j.updated));
        Ok(out)
    }
}

fn remove_if_there(path: &Path) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::Journal(e.to_string())),
    }
}

/// A tenant id as a file name part: anything but `[A-Za-z0-9.-]` becomes `_`.
fn safe_name(tenant_id: &str) -> String {
    tenant_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trips_atomically_and_computes_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path().join("nested"));
        assert!(store.load("t").unwrap().is_none());
        let mut j = Journal::new("t", "PMPC Recovery", datetime!(2026-11-28 12:00 UTC));
        assert!(j.unique_name.starts_with("pmpc-recovery-"));
        j.app = Some(AppRecord {
            object_id: "o".into(),
            app_id: "a".into(),
            created_date_time: datetime!(2026-11-28 12:00 UTC),
            reused: false,
        });
        store.save(&j).unwrap();
        assert_eq!(store.load("t").unwrap().unwrap(), j);
        assert_eq!(j.deadline(), Some(datetime!(2026-12-01 12:00 UTC)));
        assert_eq!(store.all().unwrap().len(), 1);
        let leftovers: Vec<_> = std::fs::read_dir(store.dir()).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
        assert!(store.remove("t").unwrap());
        assert!(!store.remove("t").unwrap());
    }

    fn step(step: Step, outcome: StepOutcome) -> Activity {
        Activity::Step {
            at: datetime!(2026-11-28 12:05 UTC),
            step,
            outcome,
            data: None,
            error_code: (outcome == StepOutcome::Failed).then(|| "graph".to_string()),
            request_id: None,
        }
    }

    #[test]
    fn state_tells_where_the_run_stands() {
        let mut j = Journal::new("t", "PMPC Recovery", datetime!(2026-11-28 12:00 UTC));
        assert_eq!(
            j.state(false),
            RunState::Stopped {
                step: Step::SignIn,
                portal_step: 1
            }
        );
        j.app = Some(AppRecord {
            object_id: "o".into(),
            app_id: "a".into(),
            created_date_time: datetime!(2026-11-28 12:01 UTC),
            reused: false,
        });
        // Killed after creating the app: it continues at step 11.
        assert_eq!(
            j.state(false),
            RunState::Stopped {
                step: Step::CreateServicePrincipal,
                portal_step: 11
            }
        );
        j.activity
            .push(step(Step::CreateSecret, StepOutcome::Failed));
        assert_eq!(
            j.state(false),
            RunState::Failed {
                step: Step::CreateSecret,
                portal_step: 13,
                error_code: Some("graph".into()),
                remedy: Some(Code::Graph.remedy().into()),
            }
        );
        // A later attempt that got further is what counts.
        j.activity.push(step(Step::CreateSecret, StepOutcome::Done));
        assert!(matches!(j.state(false), RunState::Stopped { .. }));
        j.consent_handed_off = true;
        assert_eq!(j.state(false), RunState::WaitingForConsent);
        j.consent_confirmed = true;
        j.verified_at = Some(datetime!(2026-11-28 12:06 UTC));
        assert_eq!(j.state(false), RunState::Verified);
        assert_eq!(j.state(true), RunState::CleanedUp);
        assert_eq!(j.started(), datetime!(2026-11-28 12:00 UTC));
        j.started = None;
        assert_eq!(
            j.started(),
            datetime!(2026-11-28 12:01 UTC),
            "old journals: the app's creation"
        );
    }

    #[test]
    fn the_last_sign_in_names_the_tenant_and_its_cloud() {
        let mut j = Journal::new("t-id", "PMPC Recovery", datetime!(2026-11-28 12:00 UTC));
        assert_eq!(j.last_sign_in(), None);
        assert_eq!(j.tenant_label(), "t-id");
        let signed_in = |at, name: Option<&str>, domain: Option<&str>, cloud| Activity::SignedIn {
            at,
            user_principal_name: "admin@contoso.com".into(),
            display_name: None,
            user_id: "u".into(),
            guest: false,
            tenant_id: "t-id".into(),
            tenant_name: name.map(str::to_string),
            default_domain: domain.map(str::to_string),
            cloud,
        };
        j.activity.push(signed_in(
            datetime!(2026-11-28 12:00 UTC),
            Some("Contoso"),
            Some("contoso.com"),
            crate::Cloud::Global,
        ));
        j.activity.push(step(Step::CreateApp, StepOutcome::Done));
        // A later sign-in that read no name (a cleanup of an old run) keeps the known one.
        j.activity.push(signed_in(
            datetime!(2026-11-29 12:00 UTC),
            None,
            None,
            crate::Cloud::China,
        ));
        assert_eq!(
            j.last_sign_in(),
            Some(LastSignIn {
                at: datetime!(2026-11-29 12:00 UTC),
                cloud: crate::Cloud::China,
                tenant_name: Some("Contoso".into()),
                default_domain: Some("contoso.com".into()),
            })
        );
        assert_eq!(j.tenant_label(), "Contoso");
        assert_eq!(
            tenant_label(Some(" "), Some("Label"), Some("d.com"), "id"),
            "Label"
        );
        assert_eq!(tenant_label(None, None, Some("d.com"), "id"), "d.com");
        assert_eq!(tenant_label(Some(""), Some(""), None, "id"), "id");
    }

    #[test]
    fn a_run_is_found_by_id_domain_or_the_name_it_was_asked_for() {
        let mut j = Journal::new(
            "6babcaad-604b",
            "PMPC Recovery",
            datetime!(2026-11-28 12:00 UTC),
        );
        j.requested_tenant = Some("contoso.com".into());
        j.activity.push(Activity::SignedIn {
            at: datetime!(2026-11-28 12:00 UTC),
            user_principal_name: "admin@contoso.com".into(),
            display_name: None,
            user_id: "u".into(),
            guest: false,
            tenant_id: "6babcaad-604b".into(),
            tenant_name: Some("Contoso".into()),
            default_domain: Some("contoso.onmicrosoft.com".into()),
            cloud: crate::Cloud::Global,
        });
        for name in ["6BABCAAD-604b", "contoso.onmicrosoft.com", " Contoso.com "] {
            assert!(j.is_for(name), "{name}");
        }
        assert!(!j.is_for("fabrikam.com"));
        assert!(!j.is_for("Contoso"), "a display name is not a tenant");
        assert_eq!(
            j.tenant_names(),
            (
                Some("Contoso".into()),
                Some("contoso.onmicrosoft.com".into())
            )
        );
    }

    #[test]
    fn closed_runs_are_listed_apart_and_forgotten_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        let open = Journal::new("t", "PMPC Recovery", datetime!(2026-11-28 12:00 UTC));
        let closed = Journal::new("t", "PMPC Recovery", datetime!(2026-11-20 12:00 UTC));
        store.save(&open).unwrap();
        store.save_closed(&closed).unwrap();
        assert_eq!(store.all().unwrap(), vec![open.clone()]);
        assert_eq!(store.all_closed().unwrap(), vec![closed.clone()]);
        assert!(store.remove_closed(&closed).unwrap());
        assert!(!store.remove_closed(&closed).unwrap());
        assert!(store.all_closed().unwrap().is_empty());
        assert_eq!(store.all().unwrap(), vec![open]);
    }

    #[test]
    fn a_corrupt_journal_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("run-t.json"), b"{not json").unwrap();
        let err = JournalStore::new(dir.path()).load("t").unwrap_err();
        assert_eq!(err.code(), crate::Code::Journal);
    }

    #[test]
    fn one_run_per_tenant_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path().join("data"));
        let held = store.lock("tenant-a").unwrap();
        // Another process sharing the folder (here: a second store, as the CLI would open it).
        let other = JournalStore::new(dir.path().join("data"));
        let err = other.lock("tenant-a").unwrap_err();
        assert_eq!(err.code(), crate::Code::RunInProgress);
        assert!(err.info().remedy.contains("command-line tool"));
        assert!(err.to_string().contains("tenant-a"), "{err}");
        // Another tenant is not held up.
        let b = other.lock("tenant-b").unwrap();
        drop(held);
        let again = other
            .lock("tenant-a")
            .expect("the lock is released on drop");
        drop((again, b));
        // The lock file is not a journal.
        assert!(store.all().unwrap().is_empty());
    }
}
