//! The Runs page: every run this computer knows (the journal folder the CLI shares, and the OS
//! keychain), newest first, and what the admin can do with one of them: reveal or copy its
//! secret, save its receipt, forget it, or delete its app registration (after a sign-in to the
//! run's own tenant). "Continue" is the wizard's own sign-in, pinned to the run's tenant.
//!
//! A run is named by its tenant and run id, and its app is read from its journal here: the page
//! never names a keychain entry itself.

use recovery::{CleanupReport, Event, EventSink, Recovery, RunStatus, RunTenant, Session};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::records::save_receipt_file;
use super::vault::{self, Copied};
use super::wizard::{signed_in, ungated_sink, StartOptions};
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
    let secret = vault::secret(&state, &with_secret(&state, &tenant_id, &run_id).await?).await?;
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
    let app = with_secret(&state, &tenant_id, &run_id).await?;
    vault::copy(&state, &app, with_ids).await
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
    let receipt = state.local()?.run_receipt(&tenant_id, &run_id).await?;
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
    let sink = ungated_sink(on_event);
    delete(&state, &tenant_id, &run_id, purge, options, &sink).await
}

/// The run's app with its secret on this computer, as the vault commands take it.
async fn with_secret(state: &AppState, tenant_id: &str, run_id: &str) -> IpcResult<Handover> {
    let run = state.local()?.find_run(tenant_id, run_id).await?;
    Ok(Handover::of_run(&run, run.app_with_secret()?))
}

pub(crate) async fn forget(state: &AppState, tenant_id: &str, run_id: &str) -> IpcResult<bool> {
    let local = state.local()?;
    let run = local.find_run(tenant_id, run_id).await?;
    let forgotten = local.forget_run(tenant_id, run_id).await?;
    forget_handover(state, &run);
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
    let own_sign_in = |to: RunTenant| async move {
        let options = StartOptions {
            practice: false,
            step_by_step: false,
            tenant: Some(to.tenant_id),
            cloud: to.cloud.unwrap_or(options.cloud),
            ..options
        };
        let (recovery, session, _) = signed_in(state, &options, sink).await?;
        Ok::<_, IpcError>((recovery, session))
    };
    let (run, report) = state
        .local()?
        .delete_run(
            tenant_id,
            run_id,
            purge,
            real_sign_in(state),
            own_sign_in,
            sink,
        )
        .await?;
    forget_handover(state, &run);
    tracing::info!(%tenant_id, %run_id, deleted = report.deleted, purged = report.purged, "deleted a run's app registration");
    Ok(report)
}

/// The wizard's sign-in, when it is a real one (the core uses it if it is to the run's tenant).
fn real_sign_in(state: &AppState) -> Option<(Recovery, Session)> {
    state
        .active()
        .filter(|a| a.practice_tenant.is_none())
        .map(|a| (a.recovery, a.session))
}

/// Finish no longer shows the run's app once it is forgotten or deleted.
fn forget_handover(state: &AppState, run: &RunStatus) {
    let handed_over = run
        .live_app()
        .is_some_and(|app| state.handover() == Some(Handover::of_run(run, app)));
    if handed_over {
        state.set_handover(None);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use recovery::journal::{AppRecord, Journal, JournalStore};
    use recovery::{
        Clock, Cloud, Code, Config, HttpBrowser, MemoryVault, Receipt, RunChoice, RunError,
        RunState, SignInMethod, SystemClock,
    };
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
        let h = with_secret(&state, &tid, &ours.journal.run_id)
            .await
            .expect("a secret");
        assert_eq!(
            vault::secret(&state, &h).await.expect("secret").expose(),
            secret
        );
        let err = runs[1]
            .app_with_secret()
            .expect_err("no secret for the other run");
        assert!(run_err_json(err)["message"]
            .as_str()
            .expect("message")
            .contains("fabrikam"));
        let err = with_secret(&state, &tid, "no-such-run")
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

        // The other tenant's run: the wizard's sign-in is not to its tenant, so it is not used
        // (the deletion asks for a sign-in of its own, to the run's tenant)...
        let local = state.local().expect("local");
        let err = local
            .delete_run(
                &other.tenant_id,
                &other.run_id,
                false,
                real_sign_in(&state),
                |to: RunTenant| async move {
                    assert_eq!(to.tenant_id, "fabrikam-tenant-id");
                    assert_eq!(to.cloud, None, "no sign-in recorded: the user's choice");
                    Err(IpcError::new(
                        Code::SignInCancelled,
                        "no sign-in in this test",
                    ))
                },
                &EventSink::none(),
            )
            .await
            .expect_err("the sign-in of its own was refused here");
        assert_eq!(
            err_json(&err)["code"],
            "signInCancelled",
            "it asked for one"
        );
        // ...and a session for another tenant is refused before anything is sent.
        let runs = local.runs().await.expect("runs");
        let theirs = runs
            .iter()
            .find(|r| r.journal.tenant_id == other.tenant_id)
            .expect("run");
        let app = theirs.live_app().expect("app");
        let app = Handover::of_run(theirs, app);
        let before = sim.requests().len();
        let err = active
            .recovery
            .delete_run_app(&active.session, theirs, false, &EventSink::none())
            .await
            .expect_err("wrong tenant");
        let e = run_err_json(err);
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
        let run_id = runs
            .iter()
            .find(|r| r.journal.tenant_id == tid)
            .expect("ours")
            .journal
            .run_id
            .clone();
        let sink = EventSink::none();
        let report = delete(&state, &tid, &run_id, false, options(), &sink).await;
        assert!(report.expect("deleted").deleted);
        assert!(sim.snapshot().applications.is_empty());
        let ours = local.find_run(&tid, &run_id).await.expect("still listed");
        assert_eq!(ours.state, RunState::CleanedUp);
        assert!(!ours.secret_in_keychain);
        let again = delete(&state, &tid, &run_id, false, options(), &sink).await;
        assert_eq!(
            err_json(&again.expect_err("nothing left"))["code"],
            "appNotFound"
        );
        // Its receipt names the deletion.
        let receipt =
            Receipt::from_journal(&ours.journal, Cloud::Global, SystemClock::default().now());
        assert!(receipt.cleanup.is_some_and(|c| c.deleted));
    }

    fn err_json(e: &IpcError) -> serde_json::Value {
        serde_json::to_value(e).expect("json")
    }

    /// A refusal as the UI receives it.
    fn run_err_json(e: RunError) -> serde_json::Value {
        err_json(&IpcError::from(e))
    }
}
