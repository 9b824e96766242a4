//! The Runs page: every run this computer knows (the journal folder the CLI shares, and the OS
//! keychain), newest first, and what the admin can do with one of them: reveal or copy its
//! secret, save its receipt, forget it, or delete its app registration (after a sign-in to the
//! run's own tenant). "Continue" is the wizard's own sign-in, pinned to the run's tenant.
//!
//! A run is named by its tenant and run id, and its app is read from its journal here: the page
//! never names a keychain entry itself.

use recovery::{
    CleanupOptions, CleanupReport, Clock, Cloud, Code, Event, EventSink, Receipt, Recovery,
    RunState, RunStatus, Session, SystemClock,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::records::save_receipt_file;
use super::vault::{self, Copied};
use super::wizard::{same_tenant, signed_in, ungated_sink, StartOptions};
use crate::error::{IpcError, IpcResult};
use crate::state::{AppState, Handover};

/// Every run on this computer, cleaned-up ones too, newest first. Practice runs are not here:
/// they never leave the practice sign-in's memory.
#[tauri::command]
pub async fn runs(state: State<'_, AppState>) -> IpcResult<Vec<RunStatus>> {
    Ok(state.local()?.runs().await?)
}

#[tauri::command]
pub async fn reveal_run_secret(
    state: State<'_, AppState>,
    tenant_id: String,
    run_id: String,
) -> IpcResult<String> {
    let run = find(&state, &tenant_id, &run_id).await?;
    let secret = vault::secret(&state, &with_secret(&run)?).await?;
    Ok(secret.expose().to_string())
}

/// Copies a run's secret (alone, or with its three IDs as a labelled block) for a while, as
/// Finish's Copy does.
#[tauri::command]
pub async fn copy_run_secret(
    state: State<'_, AppState>,
    tenant_id: String,
    run_id: String,
    with_ids: bool,
) -> IpcResult<Copied> {
    let run = find(&state, &tenant_id, &run_id).await?;
    vault::copy(&state, &with_secret(&run)?, with_ids).await
}

/// Forgets a run on this computer: its record and its secret in the keychain. The app
/// registration stays in the tenant. Returns whether there was such a run.
#[tauri::command]
pub async fn forget_run(
    state: State<'_, AppState>,
    tenant_id: String,
    run_id: String,
) -> IpcResult<bool> {
    forget(&state, &tenant_id, &run_id).await
}

/// Saves a run's receipt (HTML, and JSON beside it) where the admin picks. Returns the HTML
/// file's path, or None when the admin cancelled the dialog.
#[tauri::command]
pub async fn save_run_receipt<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    tenant_id: String,
    run_id: String,
) -> IpcResult<Option<String>> {
    let run = find(&state, &tenant_id, &run_id).await?;
    let receipt = Receipt::from_journal(&run.journal, Cloud::Global, SystemClock::default().now());
    save_receipt_file(&app, &receipt).await
}

/// Deletes a run's app registration (and, with `purge`, from the recycle bin) and forgets its
/// secret. Signs in to the run's tenant first (`options` carry the sign-in method and app the
/// user chose; the tenant and cloud are the run's), unless the wizard is signed in there already;
/// a session for any other tenant is refused.
#[tauri::command]
pub async fn delete_run(
    state: State<'_, AppState>,
    tenant_id: String,
    run_id: String,
    purge: bool,
    options: StartOptions,
    on_event: Channel<Event>,
) -> IpcResult<CleanupReport> {
    delete(
        &state,
        &tenant_id,
        &run_id,
        purge,
        options,
        &ungated_sink(on_event),
    )
    .await
}

async fn find(state: &AppState, tenant_id: &str, run_id: &str) -> IpcResult<RunStatus> {
    state
        .local()?
        .runs()
        .await?
        .into_iter()
        .find(|r| r.journal.tenant_id == tenant_id && r.journal.run_id == run_id)
        .ok_or_else(|| {
            IpcError::with_remedy(
                Code::InvalidInput,
                "This run is no longer recorded on this computer.",
                "Open the Runs page again to see the runs this computer knows.",
            )
        })
}

/// How the page names the run's tenant (the core's one rule, `Journal::tenant_label`).
fn tenant_name(run: &RunStatus) -> String {
    run.tenant_label.clone()
}

/// The run's app, while its registration exists (not cleaned up).
fn live_app(run: &RunStatus) -> Option<Handover> {
    let app = run.journal.app.as_ref()?;
    (run.state != RunState::CleanedUp).then(|| Handover {
        tenant_id: run.journal.tenant_id.clone(),
        app_id: app.app_id.clone(),
        object_id: app.object_id.clone(),
        practice: false,
    })
}

fn with_secret(run: &RunStatus) -> IpcResult<Handover> {
    live_app(run)
        .filter(|_| run.secret_in_keychain)
        .ok_or_else(|| {
            IpcError::new(
                Code::SecretMissing,
                format!(
                    "The client secret of the run for {} is no longer stored on this computer.",
                    tenant_name(run)
                ),
            )
        })
}

/// The cloud the run signed in to last, as its journal recorded it.
fn cloud_of(run: &RunStatus) -> Option<Cloud> {
    run.journal.last_sign_in().map(|s| s.cloud)
}

pub(crate) async fn forget(state: &AppState, tenant_id: &str, run_id: &str) -> IpcResult<bool> {
    let run = find(state, tenant_id, run_id).await?;
    let forgotten = state.local()?.forget_run(tenant_id, run_id).await?;
    let handed_over = live_app(&run).is_some_and(|h| state.handover() == Some(h));
    if handed_over {
        state.set_handover(None);
    }
    tracing::info!(%tenant_id, %run_id, forgotten, "forgot a run on this computer");
    Ok(forgotten)
}

pub(crate) async fn delete(
    state: &AppState,
    tenant_id: &str,
    run_id: &str,
    purge: bool,
    options: StartOptions,
    sink: &EventSink,
) -> IpcResult<CleanupReport> {
    let run = find(state, tenant_id, run_id).await?;
    let app = live_app(&run).ok_or_else(|| {
        IpcError::new(
            Code::AppNotFound,
            format!(
                "The run for {} has no app registration left to delete.",
                tenant_name(&run)
            ),
        )
    })?;
    let (recovery, session, own) = match signed_in_to(state, tenant_id) {
        Some((recovery, session)) => (recovery, session, false),
        None => {
            let options = StartOptions {
                practice: false,
                step_by_step: false,
                tenant: Some(tenant_id.to_string()),
                cloud: cloud_of(&run).unwrap_or(options.cloud),
                ..options
            };
            let (recovery, session, _) = signed_in(state, &options, sink).await?;
            (recovery, session, true)
        }
    };
    let result = delete_with(&recovery, &session, &run, &app, purge, sink).await;
    if own {
        // The sign-in was for this deletion only.
        let _ = recovery.sign_out(Some(session)).await;
    }
    let report = result?;
    if state.handover() == Some(app) {
        state.set_handover(None);
    }
    tracing::info!(%tenant_id, %run_id, deleted = report.deleted, purged = report.purged, "deleted a run's app registration");
    Ok(report)
}

/// The wizard's sign-in, when it is a real one to `tenant_id`.
fn signed_in_to(state: &AppState, tenant_id: &str) -> Option<(Recovery, Session)> {
    state
        .active()
        .filter(|a| a.practice_tenant.is_none())
        .filter(|a| a.precheck.tenant.tenant_id.eq_ignore_ascii_case(tenant_id))
        .map(|a| (a.recovery, a.session))
}

async fn delete_with(
    recovery: &Recovery,
    session: &Session,
    run: &RunStatus,
    app: &Handover,
    purge: bool,
    sink: &EventSink,
) -> IpcResult<CleanupReport> {
    same_tenant(
        &session.tenant_id(),
        "",
        &app.tenant_id,
        Some(&tenant_name(run)),
    )?;
    let opts = CleanupOptions {
        purge,
        object_id: Some(app.object_id.clone()),
    };
    Ok(recovery.cleanup(session, &opts, sink).await?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use recovery::journal::{AppRecord, Journal, JournalStore};
    use recovery::{Config, HttpBrowser, MemoryVault, RunChoice, SignInMethod};
    use tenant_sim::{PracticeRole, RunningSim};

    use super::*;
    use crate::state::Active;

    fn options() -> StartOptions {
        serde_json::from_value(serde_json::json!({
            "practice": false, "cloud": "global", "method": "browser", "stepByStep": false
        }))
        .expect("options")
    }

    /// This computer's core against a tenant-sim (its journal in `dir`, its keychain in memory),
    /// with one finished run whose secret it kept; the state's local core is that one.
    async fn one_run(dir: &std::path::Path) -> (RunningSim, AppState, Active, String) {
        let sim = tenant_sim::start_practice(
            PracticeRole::GlobalAdministrator,
            "127.0.0.1:0".parse().expect("addr"),
        )
        .await
        .expect("tenant-sim");
        let config = Config::practice(sim.origin(), dir).expect("config");
        let r = Recovery::new(config, Arc::new(MemoryVault::new()), None).expect("core");
        let sink = EventSink::none();
        let browser = HttpBrowser::new().expect("browser");
        let session = r
            .sign_in(SignInMethod::Browser, &browser, false, &sink)
            .await
            .expect("sign-in");
        let precheck = r.precheck(&session, &sink).await.expect("precheck");
        let choice = RunChoice {
            reveal_secret: true,
            ..RunChoice::default()
        };
        let creds = r
            .run(&session, &precheck, &choice, &sink)
            .await
            .expect("run");
        let state = AppState::with_local(r.clone());
        let active = Active {
            recovery: r,
            session,
            precheck,
            practice_tenant: None,
        };
        let secret = creds.client_secret.expect("revealed");
        (sim, state, active, secret)
    }

    /// A run for another tenant, recorded beside it: an app, no secret on this computer.
    fn other_tenant_run(dir: &std::path::Path) -> Journal {
        let then = SystemClock::default().now() - std::time::Duration::from_secs(80 * 3600);
        let mut j = Journal::new("fabrikam-tenant-id", "PMPC Recovery", then);
        j.app = Some(AppRecord {
            object_id: "fabrikam-object-id".into(),
            app_id: "fabrikam-app-id".into(),
            created_date_time: then,
            reused: false,
        });
        JournalStore::new(dir).save(&j).expect("save");
        j
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn runs_are_listed_newest_first_revealed_and_forgotten() {
        let dir = tempfile::tempdir().expect("dir");
        let (_sim, state, active, secret) = one_run(dir.path()).await;
        let other = other_tenant_run(dir.path());
        let runs = state.local().expect("local").runs().await.expect("runs");
        assert_eq!(runs.len(), 2);
        let ours = &runs[0];
        assert_eq!(
            ours.journal.tenant_id, active.precheck.tenant.tenant_id,
            "newest first"
        );
        assert_eq!(ours.state, RunState::Verified);
        assert!(runs[1].expired, "80 hours ago: past its deadline");

        // The page names a run; the shell reads its app from the journal.
        let tid = ours.journal.tenant_id.clone();
        let h = with_secret(&find(&state, &tid, &ours.journal.run_id).await.expect("run"))
            .expect("a secret");
        assert_eq!(
            vault::secret(&state, &h).await.expect("secret").expose(),
            secret
        );
        let err = with_secret(&runs[1]).expect_err("no secret for the other run");
        assert!(err_json(&err)["message"]
            .as_str()
            .expect("message")
            .contains("fabrikam"));
        let err = find(&state, &tid, "no-such-run")
            .await
            .expect_err("unknown run");
        assert_eq!(err_json(&err)["code"], "invalidInput");

        // Forgetting the other run leaves ours, and its app stays in the tenant.
        assert!(forget(&state, &other.tenant_id, &other.run_id)
            .await
            .expect("forget"));
        let runs = state.local().expect("local").runs().await.expect("runs");
        assert_eq!(runs.len(), 1);
        // Forgetting ours drops its secret from the keychain too.
        assert!(forget(&state, &tid, &runs[0].journal.run_id)
            .await
            .expect("forget"));
        assert!(state
            .local()
            .expect("local")
            .runs()
            .await
            .expect("runs")
            .is_empty());
        let gone = state
            .local()
            .expect("local")
            .reveal_secret(&tid, &h.app_id)
            .await;
        assert!(gone.is_err(), "the secret is forgotten");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn delete_uses_a_sign_in_to_the_runs_tenant_and_refuses_any_other() {
        let dir = tempfile::tempdir().expect("dir");
        let (sim, state, active, _) = one_run(dir.path()).await;
        let other = other_tenant_run(dir.path());
        let tid = active.precheck.tenant.tenant_id.clone();
        state.set_active(Some(active.clone()));

        // The other tenant's run: the wizard's sign-in is not to its tenant, so it is not used...
        assert!(signed_in_to(&state, &other.tenant_id).is_none());
        // ...and a session for another tenant is refused before anything is sent.
        let runs = state.local().expect("local").runs().await.expect("runs");
        let theirs = runs
            .iter()
            .find(|r| r.journal.tenant_id == other.tenant_id)
            .expect("run");
        let app = live_app(theirs).expect("app");
        let before = sim.requests().len();
        let err = delete_with(
            &active.recovery,
            &active.session,
            theirs,
            &app,
            false,
            &EventSink::none(),
        )
        .await
        .expect_err("wrong tenant");
        let e = err_json(&err);
        assert_eq!(e["code"], "invalidInput");
        assert!(
            e["message"]
                .as_str()
                .expect("message")
                .contains("fabrikam-tenant-id"),
            "{e}"
        );
        assert!(
            e["message"]
                .as_str()
                .expect("message")
                .contains("Nothing was deleted"),
            "{e}"
        );
        assert_eq!(sim.requests().len(), before, "nothing sent");

        // Finish's Delete refuses too when the handed-over app is in another tenant.
        state.set_handover(Some(app));
        let err = crate::commands::wizard::cleanup_handed_over(&state, false, &EventSink::none())
            .await
            .expect_err("wrong tenant");
        assert_eq!(err_json(&err)["code"], "invalidInput");
        assert_eq!(sim.snapshot().applications.len(), 1, "nothing was deleted");

        // Our run: the wizard's sign-in to its tenant deletes it, and it stays listed as deleted.
        let ours = runs
            .iter()
            .find(|r| r.journal.tenant_id == tid)
            .expect("ours");
        let report = delete(
            &state,
            &tid,
            &ours.journal.run_id,
            false,
            options(),
            &EventSink::none(),
        )
        .await
        .expect("deleted");
        assert!(report.deleted);
        assert!(sim.snapshot().applications.is_empty());
        let runs = state.local().expect("local").runs().await.expect("runs");
        let ours = runs
            .iter()
            .find(|r| r.journal.tenant_id == tid)
            .expect("still listed");
        assert_eq!(ours.state, RunState::CleanedUp);
        assert!(!ours.secret_in_keychain);
        let err = delete(
            &state,
            &tid,
            &ours.journal.run_id,
            false,
            options(),
            &EventSink::none(),
        )
        .await
        .expect_err("nothing left");
        assert_eq!(err_json(&err)["code"], "appNotFound");
        // Its receipt names the deletion.
        let receipt =
            Receipt::from_journal(&ours.journal, Cloud::Global, SystemClock::default().now());
        assert!(receipt.cleanup.is_some_and(|c| c.deleted));
    }

    fn err_json(e: &IpcError) -> serde_json::Value {
        serde_json::to_value(e).expect("json")
    }
}
