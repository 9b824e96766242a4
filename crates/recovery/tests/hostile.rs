//! A whole run against a tenant whose own admins chose hostile names: the organization's name
//! (very long, with escape sequences, CR/LF, NUL, a bidi override and a formula), the admin's
//! display name and the app's name. The files the core makes from them (the receipt's HTML and
//! JSON, the calendar file, the proposed file names) hold them as data only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use icalendar::{Calendar, CalendarComponent, Component};
use recovery::{MemoryVault, Recovery, RunChoice};
use tenant_sim::{Options, RunningSim};

const DOMAIN: &str = "hostile.example";
const USER_NAME: &str = "Ada\x1b[31m Lovelace\r\nWhat to do: call +1 555 0100\u{202E}";
const APP_NAME: &str = "PMPC Recovery\x07\u{202E}\r\nDESCRIPTION:forged;x,y";

/// Escape sequences, a line break, NUL, U+202E (which would make `…exe.html` read as
/// `…lmth.exe`), a formula, and 600 bytes more: longer than any file name may be.
fn tenant_name() -> String {
    format!(
        "=HYPERLINK(\"http://evil.example\") Contoso\x1b]0;pwned\x07\x1b[2J\r\nState: Ready\u{202E}exe.html\0 {}",
        "Ä".repeat(300)
    )
}

fn acts(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A simulator signing in (without a page) as the Global Administrator of a tenant with the
/// hostile names, and a core pointed at it whose app has the hostile name.
async fn hostile(dir: &std::path::Path, vault: &MemoryVault) -> (RunningSim, Recovery) {
    let sim = tenant_sim::start(Options {
        scenario: quick_scenario(),
        ..Options::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let answer = http
        .post(format!("{}/_sim/tenants", sim.origin()))
        .json(&serde_json::json!({ "displayName": tenant_name(), "domain": DOMAIN }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let upn = format!("admin@{DOMAIN}");
    let answer = http
        .post(format!("{}/_sim/tenants/{DOMAIN}/users", sim.origin()))
        .json(&serde_json::json!({
            "userPrincipalName": upn,
            "displayName": USER_NAME,
            "roles": [GA],
        }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    sim.set_auto_sign_in(Some(upn));
    let mut config = config(&sim, dir);
    config.app_name = APP_NAME.into();
    let r = Recovery::new(config, std::sync::Arc::new(vault.clone()), None).unwrap();
    (sim, r)
}

#[tokio::test]
async fn a_hostile_tenants_receipt_calendar_and_file_names_hold_its_names_as_data() {
    recovery::http::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let (sim, r) = hostile(dir.path(), &vault).await;
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    assert_eq!(
        pre.tenant.display_name,
        tenant_name(),
        "the name as the tenant set it"
    );
    let creds = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    assert!(creds.verified);

    let receipt = r.receipt(&creds.tenant_id).unwrap();
    // The JSON keeps the data as it is.
    let json: serde_json::Value = serde_json::from_str(&receipt.to_json()).unwrap();
    assert_eq!(json["tenant"]["name"], tenant_name());
    assert_eq!(json["signedIn"][0]["displayName"], USER_NAME);

    // The HTML shows it, escaped and isolated; nothing in it acts.
    let html = receipt.to_html();
    if let Some(c) = html.chars().find(|c| acts(*c) && *c != '\n') {
        panic!("{c:?} in the HTML receipt");
    }
    assert!(
        html.contains("<bdi>=HYPERLINK(&quot;http://evil.example&quot;) Contoso]0;pwned[2J\nState: Readyexe.html ÄÄ"),
        "the tenant's name, isolated"
    );
    assert!(html.contains("<bdi>Ada[31m Lovelace\nWhat to do: call +1 555 0100</bdi>"));
    assert!(html.contains("<bdi>PMPC Recovery\nDESCRIPTION:forged;x,y</bdi>"));

    // The proposed file names: short enough for any file system, nothing reversed or hidden.
    for name in [
        receipt.file_name("html"),
        recovery::receipt::file_name(
            "PMPC Recovery deadline",
            receipt.tenant.name.as_deref().unwrap(),
            receipt.generated_at,
            "ics",
        ),
    ] {
        assert!(name.len() <= 255, "{} bytes: {name}", name.len());
        assert!(!name.chars().any(acts), "{name:?}");
        assert!(
            !name.contains(['/', '\\', ':', '"', '<', '>', '|', '?', '*']),
            "{name}"
        );
        assert!(name.starts_with("PMPC Recovery "), "{name}");
        assert!(name.ends_with(".html") || name.ends_with(".ics"), "{name}");
    }

    // The calendar file: CRLF-terminated lines only, one event, its text the names without
    // anything RFC 5545 forbids, read back by an iCalendar parser.
    let ics = r.calendar(&creds.tenant_id).unwrap();
    if let Some(c) = ics
        .replace("\r\n", "")
        .chars()
        .find(|c| acts(*c) && *c != '\t')
    {
        panic!("{c:?} in the .ics");
    }
    let unfolded = ics.replace("\r\n ", "");
    assert_eq!(
        unfolded
            .lines()
            .filter(|l| l.starts_with("DESCRIPTION"))
            .count(),
        2,
        "the event's and the alarm's, no forged one: {unfolded}"
    );
    let calendar: Calendar = ics.parse().expect("a valid iCalendar file");
    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1);
    let summary = events[0].get_summary().unwrap();
    assert!(
        summary.contains("PMPC Recovery\\nDESCRIPTION:forged\\;x\\,y")
            || summary.contains("PMPC Recovery\nDESCRIPTION:forged;x,y"),
        "{summary}"
    );
    assert!(summary.contains("Contoso]0;pwned[2J"), "{summary}");
    sim.shutdown().await;
}
