//! Crash safety: a run stopped at every checkpoint resumes on restart and ends with exactly one of
//! everything; a crash between the create and its journal write is caught by the uniqueName upsert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use recovery::{Checkpoint, Code, MemoryVault, Recovery, RunChoice};

async fn restart_and_finish(
    sim: &tenant_sim::RunningSim,
    dir: &std::path::Path,
    vault: &MemoryVault,
    expect_skips: bool,
) -> recovery::Credentials {
    let r = recovery(sim, dir, vault);
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    assert!(pre.resume.is_some(), "the journal survived");
    let creds = r
        .run(
            &session,
            &pre,
            &RunChoice {
                reveal_secret: true,
                ..RunChoice::default()
            },
            &rec.sink(),
        )
        .await
        .unwrap();
    if expect_skips {
        assert!(
            rec.events()
                .iter()
                .any(|e| matches!(e, recovery::Event::Skipped { .. })),
            "resumed, not restarted"
        );
    }
    creds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_at_every_checkpoint_then_resumed() {
    for cp in Checkpoint::ALL {
        let sim = sim_as(GA, quick_scenario()).await;
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryVault::new();
        let r = recovery(&sim, dir.path(), &vault).with_crash_hook(Arc::new(move |c| c == cp));
        let rec = Recorder::default();
        let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
        let err = r
            .run(&session, &pre, &RunChoice::default(), &rec.sink())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Interrupted, "{cp:?}: {err}");

        let creds = restart_and_finish(&sim, dir.path(), &vault, true).await;
        assert!(creds.verified, "{cp:?}");
        assert_exactly_one_of_each(&sim);
        let stored = vault.accounts();
        assert_eq!(stored.len(), 1, "{cp:?}: one keychain entry");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_crash_between_create_and_journal_write_does_not_duplicate_the_app() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r: Recovery = recovery(&sim, dir.path(), &vault)
        .with_crash_hook(Arc::new(|c| c == Checkpoint::AppCreated));
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    r.run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap_err();
    // Forget the app in the journal, as if the process died before writing it.
    let path = dir.path().join(format!("run-{}.json", session.tenant_id()));
    let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    j["app"] = serde_json::Value::Null;
    std::fs::write(&path, serde_json::to_vec(&j).unwrap()).unwrap();

    let creds = restart_and_finish(&sim, dir.path(), &vault, false).await;
    assert!(creds.verified);
    assert_exactly_one_of_each(&sim);
    let upserts: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|q| q.route == Some(tenant_sim::Route::UpsertApplication))
        .collect();
    assert_eq!(upserts[0].status, 201);
    assert_eq!(
        upserts.last().unwrap().status,
        204,
        "the rerun's upsert found the first one's app"
    );
    sim.shutdown().await;
}
