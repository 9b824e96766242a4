//! What a front end does with a run this computer recorded, through the core: find it by tenant
//! and run id, its receipt and secret, and delete its app only through a sign-in to its tenant
//! (the desktop app's Runs page and Finish, and the CLI, share these).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use recovery::journal::{AppRecord, Journal, JournalStore};
use recovery::{
    Clock, Code, EventSink, MemoryVault, Recovery, RunError, RunState, RunTenant, Session,
    SystemClock, TenantName,
};

/// A run for another tenant, recorded beside ours: an app, no secret on this computer.
fn other_tenant_run(dir: &std::path::Path) -> Journal {
    let then = SystemClock::default().now() - Duration::from_secs(80 * 3600);
    let mut j = Journal::new("fabrikam-tenant-id", "PMPC Recovery", then);
    j.app = Some(AppRecord {
        object_id: "fabrikam-object-id".into(),
        app_id: "fabrikam-app-id".into(),
        created_date_time: then,
        reused: false,
    });
    JournalStore::new(dir).save(&j).unwrap();
    j
}

/// A sign-in the deletion must not ask for.
async fn no_sign_in(_: RunTenant) -> Result<(Recovery, Session), RunError> {
    panic!("the deletion asked for a sign-in of its own")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_is_found_by_tenant_and_run_id_and_a_refusal_says_what_to_do() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let (session, _, creds) = remembered_run_revealing_the_secret(&r, &Recorder::default()).await;
    let other = other_tenant_run(dir.path());
    let tid = session.tenant_id();

    let runs = r.runs().await.unwrap();
    assert_eq!(runs.len(), 2);
    let ours = runs.iter().find(|s| s.journal.tenant_id == tid).unwrap();
    let found = r.find_run(&tid, &ours.journal.run_id).await.unwrap();
    assert_eq!(&found, ours);
    assert_eq!(
        found.app_with_secret().unwrap().app_id,
        creds.application_id
    );
    assert_eq!(
        recovery::runs::latest(&runs, true).map(|s| &s.journal.run_id),
        Some(&found.journal.run_id),
        "the most recently updated"
    );
    assert_eq!(r.open_run(&tid).await.unwrap().as_ref(), Some(ours));
    assert_eq!(r.open_run("no-such-tenant").await.unwrap(), None);
    let receipt = r.run_receipt(&tid, &ours.journal.run_id).await.unwrap();
    assert_eq!(receipt.tenant.tenant_id, tid);

    let gone = r.find_run(&tid, "no-such-run").await.unwrap_err().info();
    assert_eq!(gone.code, Code::InvalidInput);
    assert_eq!(
        gone.message,
        "This run is no longer recorded on this computer."
    );
    assert_eq!(
        gone.remedy,
        "Open the Runs page again to see the runs this computer knows."
    );
    let theirs = r.find_run(&other.tenant_id, &other.run_id).await.unwrap();
    assert!(theirs.live_app().is_some());
    let no_secret = theirs.app_with_secret().unwrap_err().info();
    assert_eq!(no_secret.code, Code::SecretMissing);
    assert_eq!(
        no_secret.message,
        "The client secret of the run for fabrikam-tenant-id is no longer stored on this computer."
    );
    assert_eq!(no_secret.remedy, Code::SecretMissing.remedy());
}

#[test]
fn the_tenant_guard_lets_the_same_tenant_through_and_names_both_otherwise() {
    let contoso = TenantName {
        id: "6BABCAAD-604B-40AC-A9D7-9FD97C0B779F",
        name: "Contoso",
    };
    let same = TenantName {
        id: "6babcaad-604b-40ac-a9d7-9fd97c0b779f",
        name: "",
    };
    recovery::same_tenant(contoso, same).unwrap();
    let fabrikam = TenantName {
        id: "fabrikam-tenant-id",
        name: "Fabrikam",
    };
    let refused = recovery::same_tenant(contoso, fabrikam).unwrap_err().info();
    assert_eq!(refused.code, Code::InvalidInput);
    assert_eq!(
        refused.message,
        "You are signed in to Contoso (6BABCAAD-604B-40AC-A9D7-9FD97C0B779F), but this app registration is in Fabrikam (fabrikam-tenant-id). Nothing was deleted."
    );
    assert_eq!(
        refused.remedy,
        "Sign in to Fabrikam (fabrikam-tenant-id) and try again: Delete on the Runs page signs you in to the right tenant."
    );
    let unnamed = recovery::same_tenant(same, TenantName { id: "t2", name: "" })
        .unwrap_err()
        .info();
    assert!(
        unnamed.message.starts_with(
            "You are signed in to 6babcaad-604b-40ac-a9d7-9fd97c0b779f, but this app registration is in t2."
        ),
        "{}",
        unnamed.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_tenants_session_is_refused_before_anything_is_sent() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let (session, _) = sign_in_and_precheck(&r, &EventSink::none()).await;
    let other = other_tenant_run(dir.path());
    let theirs = r.find_run(&other.tenant_id, &other.run_id).await.unwrap();

    let before = sim.requests().len();
    let refused = r
        .delete_run_app(&session, &theirs, true, &EventSink::none())
        .await
        .unwrap_err();
    assert!(matches!(refused, RunError::OtherTenant { .. }), "{refused}");
    assert_eq!(sim.requests().len(), before, "nothing sent");

    // Through delete_run, a sign-in elsewhere is not used: it asks for one to the run's tenant.
    let asked = AtomicUsize::new(0);
    let refused = r
        .delete_run(
            &other.tenant_id,
            &other.run_id,
            false,
            Some((r.clone(), session.clone())),
            |to: RunTenant| {
                asked.fetch_add(1, Ordering::SeqCst);
                assert_eq!(to.tenant_id, "fabrikam-tenant-id");
                assert_eq!(to.cloud, None, "no sign-in recorded");
                async { Err::<(Recovery, Session), _>(RunError::NotRecorded) }
            },
            &EventSink::none(),
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, RunError::NotRecorded), "{refused}");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(sim.requests().len(), before, "nothing sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_run_uses_the_sign_in_to_its_tenant_or_one_of_its_own() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let rec = Recorder::default();
    let (session, _, _) = remembered_run_revealing_the_secret(&r, &rec).await;
    let tid = session.tenant_id();
    let first = r.open_run(&tid).await.unwrap().unwrap();

    // The front end's sign-in is to the run's tenant: it is used, no other is asked for.
    let (was, report) = r
        .delete_run(
            &tid,
            &first.journal.run_id,
            false,
            Some((r.clone(), session.clone())),
            no_sign_in,
            &EventSink::none(),
        )
        .await
        .unwrap();
    assert!(report.deleted && report.keychain_forgotten, "{report:?}");
    assert_eq!(was.journal.run_id, first.journal.run_id);
    assert!(sim.snapshot().applications.is_empty());
    let after = r.find_run(&tid, &first.journal.run_id).await.unwrap();
    assert_eq!(after.state, RunState::CleanedUp, "still listed, as deleted");
    // Nothing left to delete: refused before any sign-in.
    let nothing = r
        .delete_run(
            &tid,
            &first.journal.run_id,
            false,
            None,
            no_sign_in,
            &EventSink::none(),
        )
        .await
        .unwrap_err();
    assert_eq!(nothing.info().code, Code::AppNotFound);

    // A second run; no sign-in at hand: the deletion signs in to the run's tenant for itself.
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    let choice = recovery::RunChoice {
        app: recovery::AppChoice::CreateNew,
        ..recovery::RunChoice::default()
    };
    r.run(&session, &pre, &choice, &rec.sink()).await.unwrap();
    let second = r.open_run(&tid).await.unwrap().unwrap();
    let asked = AtomicUsize::new(0);
    let (_, report) = r
        .delete_run(
            &tid,
            &second.journal.run_id,
            true,
            None,
            |to: RunTenant| {
                asked.fetch_add(1, Ordering::SeqCst);
                assert_eq!(to.tenant_id, tid);
                assert_eq!(to.cloud, Some(recovery::Cloud::Global), "the run's cloud");
                let own = recovery(&sim, dir.path(), &vault);
                async move {
                    let s = sign_in(&own, &EventSink::none()).await;
                    Ok::<_, RunError>((own, s))
                }
            },
            &EventSink::none(),
        )
        .await
        .unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(report.deleted && report.purged, "{report:?}");
    assert!(sim.snapshot().applications.is_empty());
}
