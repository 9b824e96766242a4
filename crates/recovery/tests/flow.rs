//! The whole run against an in-process tenant-sim over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use recovery::{
    AppChoice, Code, ConsentPlan, Event, MemoryVault, RoleVerdict, RunChoice, Step, StepData,
};

#[tokio::test]
async fn global_admin_runs_every_step_and_gets_verified_credentials() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let rec = Recorder::default();
    let sink = rec.sink();
    let session = sign_in(&r, &sink).await;
    assert_eq!(session.tenant_id(), sim.startup().tenant_id);
    let pre = r.precheck(&session, &sink).await.unwrap();
    assert_eq!(
        pre.roles.verdict,
        RoleVerdict::CanDoEverything,
        "{:?}",
        pre.roles
    );
    assert_eq!(pre.tenant.display_name, sim.startup().tenant_name);
    assert!(pre.existing.is_empty());
    let creds = r
        .run(
            &session,
            &pre,
            &RunChoice {
                reveal_secret: true,
                ..RunChoice::default()
            },
            &sink,
        )
        .await
        .unwrap();
    assert!(creds.verified);
    assert_eq!(creds.tenant_id, sim.startup().tenant_id);
    let secret = creds.client_secret.clone().unwrap();
    assert_eq!(
        creds.secret_hint,
        secret.chars().take(3).collect::<String>()
    );
    assert_exactly_one_of_each(&sim);
    if std::env::var("SHOW_REQUESTS").is_ok() {
        for q in sim.requests() {
            eprintln!(
                "{:>6} {:>4} {} {} {:?}",
                q.at_ms, q.status, q.method, q.path, q.route
            );
        }
    }
    // The secret is in the keychain, and nowhere else.
    let stored = r
        .reveal_secret(&creds.tenant_id, &creds.application_id)
        .await
        .unwrap();
    assert_eq!(stored.expose(), secret);
    let journal =
        std::fs::read_to_string(dir.path().join(format!("run-{}.json", creds.tenant_id))).unwrap();
    assert!(!journal.contains(&secret));
    assert!(!rec.json().contains(&secret));
    // Every step reported start and finish; cleanup is only run when asked for.
    for step in Step::ALL.into_iter().filter(|s| *s != Step::Cleanup) {
        assert!(
            rec.events()
                .iter()
                .any(|e| matches!(e, Event::Done { step: s, .. } if *s == step)),
            "no done for {step:?}: {:#?}",
            rec.events()
        );
    }
    assert_eq!(vault.accounts().len(), 1);
    // Running again is a no-op that hands back the same credentials.
    let again = r
        .run(&session, &pre, &RunChoice::default(), &sink)
        .await
        .unwrap();
    assert_eq!(again.application_id, creds.application_id);
    assert_eq!(again.secret_key_id, creds.secret_key_id);
    assert_exactly_one_of_each(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn application_administrator_is_stopped_before_anything_is_created() {
    let sim = sim_as(APP_ADMIN, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    assert_eq!(pre.roles.verdict, RoleVerdict::CannotGrantConsent);
    assert!(pre
        .roles
        .explanation
        .contains("Privileged Role Administrator"));
    assert!(pre.roles.roles.iter().any(|r| r == APP_ADMIN));
    let err = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::StoppedBeforeCreating);
    assert!(sim
        .snapshot()
        .applications
        .iter()
        .all(|a| a.display_name != "PMPC Recovery"));
    let writes = sim
        .requests()
        .iter()
        .filter(|q| q.method != "GET" && q.path.starts_with("/v1.0"))
        .count();
    assert_eq!(writes, 0, "no Graph write before the verdict");
    sim.shutdown().await;
}

#[tokio::test]
async fn application_administrator_can_hand_consent_to_a_privileged_admin() {
    let sim = sim_as(APP_ADMIN, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    let choice = RunChoice {
        consent: ConsentPlan::HandOff,
        app: AppChoice::CreateNew,
        reveal_secret: false,
    };
    let creds = r.run(&session, &pre, &choice, &rec.sink()).await.unwrap();
    assert!(!creds.verified);
    let url = creds.admin_consent_url.clone().unwrap();
    assert!(url.contains("/adminconsent?client_id="), "{url}");
    assert!(rec.events().iter().any(|e| matches!(
        e,
        Event::Done {
            data: StepData::ConsentHandedOff { .. },
            ..
        }
    )));
    let s = sim.snapshot();
    assert_eq!(s.applications.len(), 1);
    assert_eq!(s.applications[0].password_credentials.len(), 1);
    assert!(s
        .app_role_assignments
        .iter()
        .all(|a| a.principal_display_name != "PMPC Recovery"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_handed_off_consent_granted_through_the_link_completes_on_the_next_run() {
    let sim = sim_as(APP_ADMIN, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    let choice = RunChoice {
        consent: ConsentPlan::HandOff,
        app: AppChoice::CreateNew,
        reveal_secret: false,
    };
    let creds = r.run(&session, &pre, &choice, &rec.sink()).await.unwrap();
    let url = creds.admin_consent_url.clone().unwrap();
    // The app can take the administrator back somewhere after consent.
    let app = &sim.snapshot().applications[0];
    assert!(app
        .required_resource_access
        .to_string()
        .contains("b0afded3"));

    // A Global Administrator opens the link.
    let ga = upn_of(GA).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let settings = http
        .put(format!("{}/_sim/settings", sim.origin()))
        .json(&serde_json::json!({ "autoSignIn": ga }))
        .send()
        .await
        .unwrap();
    assert!(settings.status().is_success());
    let consent = http.get(&url).send().await.unwrap();
    assert_eq!(
        consent.status().as_u16() / 100,
        3,
        "{}",
        consent.text().await.unwrap()
    );
    let back = consent.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with("https://portal.azure.com/"), "{back}");
    assert!(!back.contains("error="), "{back}");

    // Later (after the grant has replicated), the Application Administrator runs again: the
    // grant is found, and the credentials verify.
    tokio::time::sleep(quick_scenario().replication_delay * 2).await;
    let again = r.run(&session, &pre, &choice, &rec.sink()).await.unwrap();
    assert!(again.verified);
    assert!(again.admin_consent_url.is_none());
    assert_eq!(again.application_id, creds.application_id);
    assert_exactly_one_of_each(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn step_by_step_holds_each_step_until_released() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    let gate = recovery::StepGate::manual();
    gate.set_enabled(true);
    gate.reset();
    let run_rec = Recorder::default();
    let sink = run_rec.sink().with_gate(gate.clone());
    let run = tokio::spawn({
        let (r, session, pre) = (r.clone(), session.clone(), pre.clone());
        async move { r.run(&session, &pre, &RunChoice::default(), &sink).await }
    });
    let started = |rec: &Recorder| {
        rec.events()
            .iter()
            .filter(|e| matches!(e, Event::Started { .. }))
            .count()
    };
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        started(&run_rec),
        1,
        "only the first step runs: {:#?}",
        run_rec.events()
    );
    let mut releases = 0;
    while !run.is_finished() && releases < 20 {
        let before = started(&run_rec);
        gate.release();
        releases += 1;
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert!(
            started(&run_rec) <= before + 1,
            "one release, at most one step"
        );
    }
    let creds = run.await.unwrap().unwrap();
    assert!(creds.verified);
    assert_eq!(releases, 6, "seven steps: the first free, six released");
    sim.shutdown().await;
}
