//! National clouds (issue 19): today's upsert pages list `PATCH … Prefer: create-if-missing` in
//! all four clouds (application-upsert, serviceprincipal-upsert: Global, US Government L4, L5
//! (DoD), China), where older copies did not. A cloud that refuses it at runtime (tenant-sim's
//! `refuse_upsert`: 404 for the missing key, as the pages document for a request without the
//! header) still gets exactly one app, across crashes and retries: POST with the run's key in
//! `tags`, the journal recording the create before it is sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use recovery::{Checkpoint, MemoryVault, RunChoice};
use tenant_sim::{Route, Scenario};

fn refusing() -> Scenario {
    Scenario {
        refuse_upsert: true,
        ..quick_scenario()
    }
}

fn statuses(sim: &tenant_sim::RunningSim, route: Route) -> Vec<u16> {
    sim.requests()
        .into_iter()
        .filter(|q| q.route == Some(route))
        .map(|q| q.status)
        .collect()
}

#[tokio::test]
async fn a_cloud_that_refuses_upsert_still_gets_exactly_one_app() {
    let sim = sim_as(GA, refusing()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    let creds = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    assert!(creds.verified);
    assert_exactly_one_of_each(&sim);
    assert_eq!(
        statuses(&sim, Route::UpsertApplication),
        [404],
        "refused once"
    );
    assert_eq!(statuses(&sim, Route::CreateApplication), [201]);
    assert_eq!(
        statuses(&sim, Route::UpsertServicePrincipal),
        Vec::<u16>::new()
    );
    // Refused with NoBackingApplicationObject while the new app replicates, then made once.
    let sp = statuses(&sim, Route::CreateServicePrincipal);
    assert_eq!(sp.iter().filter(|s| **s == 201).count(), 1, "{sp:?}");
    assert!(sp.iter().all(|s| *s == 201 || *s == 400), "{sp:?}");
    let j = r.status().await.unwrap().remove(0).journal;
    assert!(j.upsert_refused, "remembered for the rest of the run");
    assert!(
        j.app_create_sent.is_some(),
        "the create was journaled before it was sent"
    );
    let app: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/v1.0/applications/{}?$select=tags",
            sim.origin(),
            creds.object_id
        ))
        .bearer_auth(session.bearer().await.unwrap().expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        app["tags"],
        serde_json::json!([j.unique_name]),
        "the app carries the run's key"
    );
    assert_eq!(sim.snapshot().applications[0].unique_name, None);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_at_every_checkpoint_without_upsert_then_resumed() {
    for cp in Checkpoint::ALL {
        let sim = sim_as(GA, refusing()).await;
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryVault::new();
        let r = recovery(&sim, dir.path(), &vault).with_crash_hook(Arc::new(move |c| c == cp));
        let rec = Recorder::default();
        let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
        r.run(&session, &pre, &RunChoice::default(), &rec.sink())
            .await
            .unwrap_err();
        let again = recovery(&sim, dir.path(), &vault);
        let (session, pre) = sign_in_and_precheck(&again, &rec.sink()).await;
        let creds = again
            .run(&session, &pre, &RunChoice::default(), &rec.sink())
            .await
            .unwrap();
        assert!(creds.verified, "{cp:?}");
        assert_exactly_one_of_each(&sim);
        assert_eq!(statuses(&sim, Route::CreateApplication), [201], "{cp:?}");
        sim.shutdown().await;
    }
}

/// Killed after the POST went through but before its answer reached the journal: the next run
/// finds the app by the run's key (the journal says a create was sent) and sends no second one.
#[tokio::test]
async fn a_crash_between_the_post_and_its_journal_write_does_not_duplicate_the_app() {
    let sim = sim_as(GA, refusing()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault)
        .with_crash_hook(Arc::new(|c| c == Checkpoint::AppCreated));
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    r.run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap_err();
    let path = dir.path().join(format!("run-{}.json", session.tenant_id()));
    let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(!j["appCreateSent"].is_null());
    j["app"] = serde_json::Value::Null;
    std::fs::write(&path, serde_json::to_vec(&j).unwrap()).unwrap();

    let again = recovery(&sim, dir.path(), &vault);
    let (session, pre) = sign_in_and_precheck(&again, &rec.sink()).await;
    let creds = again
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    assert!(creds.verified);
    assert_exactly_one_of_each(&sim);
    assert_eq!(
        statuses(&sim, Route::CreateApplication),
        [201],
        "found by its key, not made again"
    );
    sim.shutdown().await;
}
