//! The wizard's flow: the plan, sign-in and pre-check, the run, step-by-step control, cleanup.

use std::collections::HashMap;
use std::sync::Arc;

use recovery::{
    CleanupOptions, CleanupReport, Cloud, Code, Config, Credentials, Endpoints, Event, EventSink,
    KeyringVault, PlanStep, Precheck, Recovery, RunChoice, RunStatus, Session, SignInMethod, Step,
    SystemBrowser, TenantName,
};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::error::{IpcError, IpcResult};
use crate::practice::{self, PracticeTenant};
use crate::state::{Active, AppState, Handover};

/// The 16 steps, and which engine step fills which of their pages.
#[derive(Debug, Serialize, TS)]
#[ts(export, export_to = "PlanInfo.ts")]
pub struct PlanInfo {
    pub steps: Vec<PlanStep>,
    pub pages: HashMap<Step, Vec<u8>>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "StartOptions.ts")]
pub struct StartOptions {
    /// Against an in-process tenant-sim: no real tenant is touched.
    pub practice: bool,
    pub cloud: Cloud,
    pub method: SignInMethod,
    /// Hold the engine before each step until the UI calls `proceed`.
    pub step_by_step: bool,
    /// The tenant to sign in to (ID or domain), for guests and accounts in several tenants;
    /// none or empty: `organizations`, the account's own tenant. Practice mode ignores it.
    #[serde(default)]
    #[ts(optional)]
    pub tenant: Option<String>,
    /// The public client to sign in with, for tenants that block the default one; none or
    /// empty: Microsoft Graph Command Line Tools. Practice mode ignores it.
    #[serde(default)]
    #[ts(optional)]
    pub client_id: Option<String>,
}

#[tauri::command]
pub async fn plan() -> PlanInfo {
    PlanInfo {
        steps: recovery::PLAN.to_vec(),
        pages: Step::ALL
            .iter()
            .map(|s| (*s, s.plan_numbers().to_vec()))
            .collect(),
    }
}

/// An earlier run on this computer (journal + keychain), so the countdown and the values survive
/// closing the app. The most recent run that created an app wins.
#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> IpcResult<Option<RunStatus>> {
    let open = state.local()?.status().await?;
    let latest = recovery::runs::latest(&open, true).cloned();
    let handover = latest
        .as_ref()
        .and_then(|run| Some(Handover::of_run(run, run.journal.app.as_ref()?)));
    if handover.is_some() {
        state.set_handover(handover);
    }
    Ok(latest)
}

/// Step 1: sign in, then read the tenant, the account's roles and any existing apps.
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    options: StartOptions,
    on_event: Channel<Event>,
) -> IpcResult<Precheck> {
    if let Some(old) = state.set_active(None) {
        // A new sign-in replaces the old one; forgetting its tokens cannot fail the new one.
        let _ = old.recovery.sign_out(Some(old.session)).await;
    }
    state.gate.set_enabled(options.step_by_step);
    let sink = sink(on_event, &state);
    let (recovery, session, practice) = signed_in(&state, &options, &sink).await?;
    let precheck = recovery.precheck(&session, &sink).await?;
    state.set_active(Some(Active {
        recovery,
        session,
        precheck: precheck.clone(),
        practice_tenant: practice,
    }));
    Ok(precheck)
}

/// A sign-in as `options` ask (a practice tenant, or the real one in the cloud and tenant
/// given), which the user can give up on while it waits for the browser (`cancel_sign_in`).
/// The core is the one the session belongs to; a practice sign-in also returns its tenant.
pub(crate) async fn signed_in(
    state: &AppState,
    options: &StartOptions,
    sink: &EventSink,
) -> IpcResult<(Recovery, Session, Option<Arc<PracticeTenant>>)> {
    let (recovery, browser, practice): (Recovery, Box<dyn recovery::Browser>, _) =
        if options.practice {
            let (recovery, browser, tenant) = practice::start().await?;
            (recovery, Box::new(browser), Some(tenant))
        } else {
            let config = real_config(options, recovery::paths::data_dir()?)?;
            let recovery = Recovery::new(config, Arc::new(KeyringVault::default()), None)?;
            (recovery, Box::new(SystemBrowser), None)
        };
    let session = tokio::select! {
        session = recovery.sign_in(options.method, browser.as_ref(), false, sink) => session?,
        () = state.cancel_sign_in.notified() => {
            let e = recovery::Error::SignInCancelled("you cancelled it in the wizard".into());
            sink.step(Step::SignIn).failed(&e);
            return Err(e.into());
        }
    };
    Ok((recovery, session, practice))
}

/// Steps 2–16 and the proof that the secret works.
#[tauri::command]
pub async fn run(
    state: State<'_, AppState>,
    choice: RunChoice,
    on_event: Channel<Event>,
) -> IpcResult<Credentials> {
    let active = state.active().ok_or_else(not_signed_in)?;
    state.gate.reset();
    let sink = sink(on_event, &state);
    // Dropping the run where it waits is as safe as a crash: every step is journaled as it
    // ends, and the journal's lock is let go.
    let credentials = tokio::select! {
        credentials = active.recovery.run(&active.session, &active.precheck, &choice, &sink) => credentials?,
        () = state.stop_run.notified() => {
            return Err(recovery::Error::Interrupted("you stopped it to continue later".into()).into());
        }
    };
    state.set_handover(Some(Handover {
        tenant_id: credentials.tenant_id.clone(),
        app_id: credentials.application_id.clone(),
        object_id: credentials.object_id.clone(),
        practice: active.practice_tenant.is_some(),
    }));
    Ok(credentials)
}

/// Deletes the app registration (optionally purging it) and forgets its secret.
#[tauri::command]
pub async fn cleanup(
    state: State<'_, AppState>,
    purge: bool,
    on_event: Channel<Event>,
) -> IpcResult<CleanupReport> {
    cleanup_handed_over(&state, purge, &sink(on_event, &state)).await
}

/// Deletes the handed-over app through the wizard's sign-in, which must be to its tenant.
pub(crate) async fn cleanup_handed_over(
    state: &AppState,
    purge: bool,
    sink: &EventSink,
) -> IpcResult<CleanupReport> {
    let active = state.active().ok_or_else(not_signed_in)?;
    let handover = state.handover();
    if let Some(h) = &handover {
        // A sign-in made since (to continue another tenant's run, say) must not delete this
        // app elsewhere.
        let t = &active.precheck.tenant;
        let signed_in = TenantName {
            id: &t.tenant_id,
            name: &t.display_name,
        };
        recovery::same_tenant(signed_in, TenantName::unnamed(&h.tenant_id))?;
    }
    let object_id = handover.map(|h| h.object_id);
    let report = active
        .recovery
        .cleanup(&active.session, &CleanupOptions { purge, object_id }, sink)
        .await?;
    state.set_handover(None);
    Ok(report)
}

/// A real run's configuration: the data folder the CLI shares (so each sees the other's runs),
/// and the tenant and client id the user typed, if any. `Recovery::new` validates them.
fn real_config(options: &StartOptions, data_dir: std::path::PathBuf) -> IpcResult<Config> {
    let mut config = Config::new(options.cloud, data_dir);
    config.endpoints = endpoints(options.cloud)?;
    let typed = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if let Some(tenant) = typed(&options.tenant) {
        config.tenant = tenant;
    }
    if let Some(client_id) = typed(&options.client_id) {
        config.client_id = client_id;
    }
    Ok(config)
}

fn sink(channel: Channel<Event>, state: &AppState) -> EventSink {
    ungated_sink(channel).with_gate(state.gate.clone())
}

/// The events of work that never waits for the step-by-step mode's Next (the Runs page's).
pub(crate) fn ungated_sink(channel: Channel<Event>) -> EventSink {
    EventSink::new(move |e| {
        // The window may be gone (closed mid-run); the engine carries on regardless.
        let _ = channel.send(e);
    })
}

/// The cloud's endpoints, unless `PMPC_AUTHORITY_HOST` / `PMPC_GRAPH_BASE_URL` name others (a
/// private cloud endpoint, or tenant-sim in tests), as the CLI's `--authority-host` and
/// `--graph-base-url` do.
fn endpoints(cloud: Cloud) -> IpcResult<Endpoints> {
    let authority = std::env::var("PMPC_AUTHORITY_HOST").ok();
    let graph = std::env::var("PMPC_GRAPH_BASE_URL").ok();
    Ok(Endpoints::custom(
        cloud,
        authority.as_deref(),
        graph.as_deref(),
    )?)
}

pub(crate) fn not_signed_in() -> IpcError {
    IpcError::new(Code::NotSignedIn, "This needs a signed-in account.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(json: serde_json::Value) -> StartOptions {
        serde_json::from_value(json).expect("StartOptions from the UI's JSON")
    }

    #[test]
    fn tenant_and_client_id_reach_the_config_and_are_optional() {
        let base = serde_json::json!({"practice": false, "cloud": "global", "method": "browser", "stepByStep": false});
        let config = real_config(&options(base.clone()), "/tmp/x".into()).expect("config");
        assert_eq!(config.tenant, "organizations");
        assert_eq!(config.client_id, recovery::DEFAULT_CLIENT_ID);

        let mut typed = base.clone();
        typed["tenant"] = " contoso.onmicrosoft.com ".into();
        typed["clientId"] = "0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d".into();
        let config = real_config(&options(typed), "/tmp/x".into()).expect("config");
        assert_eq!(config.tenant, "contoso.onmicrosoft.com");
        assert_eq!(config.client_id, "0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d");
        config.validate().expect("valid");

        let mut empty = base.clone();
        empty["tenant"] = "".into();
        empty["clientId"] = "  ".into();
        let config = real_config(&options(empty), "/tmp/x".into()).expect("config");
        assert_eq!(config.tenant, "organizations");
        assert_eq!(config.client_id, recovery::DEFAULT_CLIENT_ID);

        // What the engine refuses is refused before any sign-in, with the stable code.
        let mut bad = base;
        bad["clientId"] = "not-a-guid".into();
        let config = real_config(&options(bad), "/tmp/x".into()).expect("config");
        let err = config.validate().expect_err("not a GUID");
        assert_eq!(err.code(), Code::InvalidInput);
    }
}
