//! The receipt and the calendar file of a whole run against tenant-sim: the values are in the
//! receipt, the deadline in the `.ics` (read back with a real iCalendar parser), no secret or
//! token in either, and a cleanup adds what it deleted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime};
use recovery::{CleanupOptions, MemoryVault, Receipt, RunChoice, SecretVault, Step, StepOutcome};

/// The client secret, the access token and the refresh token of a run: none may be in a receipt.
struct Secrets(Vec<(&'static str, String)>);

impl Secrets {
    fn assert_absent(&self, place: &str, text: &str) {
        for (what, secret) in &self.0 {
            assert!(secret.len() > 10, "{what} is a real value");
            assert!(
                !text.contains(secret.as_str()),
                "the {what} is in the {place}"
            );
        }
    }
}

#[tokio::test]
async fn a_run_gives_a_receipt_and_a_calendar_file_without_secrets() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let rec = Recorder::default();
    let (session, pre, creds) = remembered_run_revealing_the_secret(&r, &rec).await;
    assert!(creds.verified);
    let remembered = vault
        .get(&recovery::vault::session_account(
            recovery::DEFAULT_CLIENT_ID,
        ))
        .unwrap()
        .unwrap();
    let refresh_token = serde_json::from_str::<serde_json::Value>(remembered.expose()).unwrap()
        ["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let secrets = Secrets(vec![
        ("client secret", creds.client_secret.clone().unwrap()),
        (
            "access token",
            session.bearer().await.unwrap().expose().to_string(),
        ),
        ("refresh token", refresh_token),
    ]);

    // The receipt names who, where, what and when.
    let receipt = r.receipt(&creds.tenant_id).unwrap();
    assert_eq!(receipt.tenant.tenant_id, creds.tenant_id);
    assert_eq!(
        receipt.tenant.name.as_deref(),
        Some(pre.tenant.display_name.as_str())
    );
    assert_eq!(receipt.tenant.cloud, recovery::Cloud::Global);
    assert_eq!(receipt.signed_in.len(), 1);
    assert_eq!(
        receipt.signed_in[0].user_principal_name,
        pre.session.user_principal_name
    );
    assert_eq!(receipt.signed_in[0].user_id, pre.session.user_id);
    let app = receipt.app.as_ref().expect("the app");
    assert_eq!(app.application_id, creds.application_id);
    assert_eq!(app.object_id, creds.object_id);
    assert!(receipt.service_principal_id.is_some());
    assert!(receipt.permission.grant_assignment_id.is_some());
    assert!(receipt.permission.granted_at.is_some());
    assert!(receipt.permission.grant_confirmed);
    let secret = receipt.secret.as_ref().expect("the secret's record");
    assert_eq!(secret.key_id, creds.secret_key_id);
    assert_eq!(secret.hint, creds.secret_hint);
    assert_eq!(secret.expires, creds.secret_expires);
    assert!(receipt.verified);
    assert_eq!(receipt.deadline, Some(creds.deadline));
    for step in [
        Step::ReadTenant,
        Step::FindExisting,
        Step::CreateApp,
        Step::ConfigurePermission,
        Step::CreateServicePrincipal,
        Step::GrantConsent,
        Step::ConfirmConsent,
        Step::CreateSecret,
        Step::StoreSecret,
        Step::Verify,
    ] {
        let row = receipt
            .steps
            .iter()
            .find(|s| s.step == step)
            .unwrap_or_else(|| panic!("{step:?} in the receipt: {:#?}", receipt.steps));
        assert_eq!(row.outcome, StepOutcome::Done, "{step:?}");
        assert!(
            row.started_at.is_some() && row.finished_at.is_some(),
            "{step:?}"
        );
        assert!(row.started_at <= row.finished_at, "{step:?}");
    }
    // Every write has Microsoft's request id: creating the app, its service principal, the grant,
    // the secret.
    let writes: Vec<&str> = receipt.writes.iter().map(|w| w.what.as_str()).collect();
    for what in [
        "Create the app registration with its permission request",
        "Create the enterprise app (service principal)",
        "Grant admin consent (app role assignment)",
        "Add the client secret",
    ] {
        assert!(writes.contains(&what), "{what} in {writes:?}");
    }
    assert!(receipt
        .writes
        .iter()
        .all(|w| w.request_id.as_deref().is_some_and(|id| !id.is_empty())));
    let html = receipt.to_html();
    let json = receipt.to_json();
    for value in [
        creds.tenant_id.as_str(),
        creds.application_id.as_str(),
        creds.object_id.as_str(),
        creds.secret_key_id.as_str(),
        pre.session.user_principal_name.as_str(),
        pre.session.user_id.as_str(),
        receipt.service_principal_id.as_deref().unwrap(),
        receipt.permission.grant_assignment_id.as_deref().unwrap(),
        receipt.writes[0].request_id.as_deref().unwrap(),
    ] {
        assert!(html.contains(value), "{value} in the HTML");
        assert!(json.contains(value), "{value} in the JSON");
    }
    assert!(html.contains(&recovery::clock::utc_text(
        creds.deadline,
        recovery::clock::UtcText::Readable
    )));
    secrets.assert_absent("receipt HTML", &html);
    secrets.assert_absent("receipt JSON", &json);
    let back: Receipt = serde_json::from_str(&json).unwrap();
    assert_eq!(back, receipt);

    // The calendar file, read by an iCalendar parser.
    let ics = r.calendar(&creds.tenant_id).unwrap();
    secrets.assert_absent("calendar file", &ics);
    for value in [&creds.tenant_id, &creds.application_id, &creds.object_id] {
        assert!(
            !ics.contains(value.as_str()),
            "the calendar text holds no value"
        );
    }
    let calendar: Calendar = ics.parse().expect("a valid iCalendar file");
    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "one VEVENT");
    let event = events[0];
    let start = match event.get_start().expect("DTSTART") {
        DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t)) => t,
        other => panic!("DTSTART is not a UTC date-time: {other:?}"),
    };
    assert_eq!(start.timestamp(), creds.deadline.unix_timestamp());
    let description = event.get_description().expect("DESCRIPTION");
    for needed in [
        "Application (client) ID",
        "Object ID",
        "Directory (tenant) ID",
        "Client secret",
        "keychain",
    ] {
        assert!(description.contains(needed), "{needed} in {description:?}");
    }
    let alarms: Vec<_> = event
        .components()
        .iter()
        .filter(|c| c.component_kind() == "VALARM")
        .collect();
    assert_eq!(alarms.len(), 1, "one VALARM");
    let alarm = alarms[0];
    let trigger = alarm.property_value("TRIGGER").expect("TRIGGER");
    assert_eq!(trigger, "-PT12H");
    let related = alarm
        .properties()
        .get("TRIGGER")
        .and_then(|p| p.params().get("RELATED"))
        .map(|p| p.value().to_string());
    assert_eq!(related.as_deref(), Some("START"));
    assert_eq!(alarm.property_value("ACTION"), Some("DISPLAY"));
    // The same run gives the same UID, so a second import updates the event.
    let uid = event.get_uid().expect("UID").to_string();
    let again: Calendar = r.calendar(&creds.tenant_id).unwrap().parse().unwrap();
    let again_uid = again.components.iter().find_map(|c| match c {
        CalendarComponent::Event(e) => e.get_uid().map(str::to_string),
        _ => None,
    });
    assert_eq!(again_uid.as_deref(), Some(uid.as_str()));

    // A cleanup adds what it deleted; the receipt outlives the journal.
    let report = r
        .cleanup(&session, &CleanupOptions::default(), &rec.sink())
        .await
        .unwrap();
    assert!(report.deleted);
    let after = r.receipt(&creds.tenant_id).unwrap();
    let cleanup = after.cleanup.as_ref().expect("the cleanup in the receipt");
    assert!(cleanup.deleted && cleanup.keychain_forgotten);
    assert_eq!(after.app, receipt.app, "the deleted app is still named");
    assert!(after
        .writes
        .iter()
        .any(|w| w.what == "Delete the app registration" && w.request_id.is_some()));
    assert!(after.to_html().contains("Deleted (cleaned up)"));
    secrets.assert_absent("receipt after cleanup", &after.to_html());
    secrets.assert_absent("receipt after cleanup", &after.to_json());
    assert!(
        r.calendar(&creds.tenant_id).is_err(),
        "no deadline once cleaned up"
    );
    // A new run of the tenant starts afresh: the closed record is not a journal.
    assert!(r.status().await.unwrap().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_journal_written_before_receipts_still_loads_and_gives_a_receipt() {
    let dir = tempfile::tempdir().unwrap();
    // A journal as the previous version wrote it: no activity.
    let old = serde_json::json!({
        "version": 1, "tenantId": "t-old", "runId": "r1", "appName": "PMPC Recovery",
        "uniqueName": "pmpc-recovery-r1", "app": {"objectId": "o", "appId": "a",
        "createdDateTime": "2026-11-28T12:00:00Z", "reused": false},
        "graphServicePrincipalId": null, "appRoleId": null, "servicePrincipalId": "sp",
        "assignmentId": null, "consentHandedOff": false, "consentConfirmed": false,
        "passwordPendingSince": null, "password": null, "verifiedAt": null,
        "updated": "2026-11-28T12:00:05Z"
    });
    std::fs::write(
        dir.path().join("run-t-old.json"),
        serde_json::to_vec(&old).unwrap(),
    )
    .unwrap();
    let r = recovery::Recovery::new(
        recovery::Config::new(recovery::Cloud::UsGovHigh, dir.path()),
        std::sync::Arc::new(MemoryVault::new()),
        None,
    )
    .unwrap();
    let receipt = r.receipt("t-old").unwrap();
    assert_eq!(receipt.app.unwrap().object_id, "o");
    assert_eq!(receipt.tenant.cloud, recovery::Cloud::UsGovHigh);
    assert!(r
        .calendar("t-old")
        .unwrap()
        .contains("DTSTART:20261201T120000Z"));
    assert!(r.receipt("t-none").is_err());
}

/// A run stopped after its secret was made, then finished by a new process: the receipt keeps
/// what the first attempt did (with its request ids) and shows the second finishing the job.
#[tokio::test]
async fn a_resumed_run_keeps_the_first_attempts_record() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let first = recovery(&sim, dir.path(), &vault).with_crash_hook(std::sync::Arc::new(|c| {
        c == recovery::Checkpoint::SecretStored
    }));
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&first, &rec.sink()).await;
    let stopped = first
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await;
    assert!(stopped.is_err(), "stopped at the checkpoint");
    drop(first);

    // As after a restart: a new core over the same data folder and keychain.
    let second = recovery(&sim, dir.path(), &vault);
    let (session, pre) = sign_in_and_precheck(&second, &rec.sink()).await;
    let creds = second
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    let receipt = second.receipt(&creds.tenant_id).unwrap();
    let step = |s: Step| receipt.steps.iter().find(|r| r.step == s).unwrap();
    assert_eq!(
        step(Step::CreateApp).outcome,
        StepOutcome::Done,
        "done by the first attempt"
    );
    assert_eq!(step(Step::CreateSecret).outcome, StepOutcome::Done);
    assert_eq!(
        step(Step::Verify).outcome,
        StepOutcome::Done,
        "done by the second"
    );
    assert!(receipt.verified);
    let made: Vec<&str> = receipt
        .writes
        .iter()
        .filter(|w| w.status < 400)
        .map(|w| w.what.as_str())
        .collect();
    assert_eq!(
        made.iter()
            .filter(|w| **w == "Create the app registration with its permission request")
            .count(),
        1,
        "the app was created once: {made:?}"
    );
    assert_eq!(receipt.signed_in.len(), 1, "the same account both times");
    sim.shutdown().await;
}
