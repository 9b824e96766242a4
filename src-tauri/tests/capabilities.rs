//! The window's capability grants what the UI uses and nothing more: the opener opens every link
//! the wizard builds (each cloud's admin-consent link and portal) and no other host.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use recovery::Cloud;

const CAPABILITY: &str = include_str!("../capabilities/main.json");

/// The opener's allowed URL patterns.
fn opener_urls() -> Vec<String> {
    let capability: serde_json::Value = serde_json::from_str(CAPABILITY).unwrap();
    capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["identifier"] == "opener:allow-open-url")
        .flat_map(|p| p["allow"].as_array().cloned().unwrap_or_default())
        .map(|a| a["url"].as_str().unwrap().to_string())
        .collect()
}

/// The opener's glob for these patterns: each is `https://host/*`, so a URL matches when it
/// starts with the pattern less its star.
fn allowed(url: &str) -> bool {
    opener_urls()
        .iter()
        .any(|p| url.starts_with(p.trim_end_matches('*')))
}

#[test]
fn the_opener_is_limited_to_named_https_hosts() {
    let urls = opener_urls();
    assert!(!urls.is_empty());
    for pattern in &urls {
        let host = pattern
            .strip_prefix("https://")
            .and_then(|rest| rest.strip_suffix("/*"))
            .unwrap_or_else(|| panic!("{pattern} is not https://host/*"));
        assert!(
            !host.contains(['*', '?', '[', '/', '@']),
            "{pattern}: one named host"
        );
    }
    for elsewhere in [
        "https://evil.example/",
        "https://login.microsoftonline.com.evil.example/x",
        "https://login.microsoftonline.com@evil.example/x",
        "http://login.microsoftonline.com/x",
        "file:///etc/passwd",
    ] {
        assert!(!allowed(elsewhere), "{elsewhere} must not open");
    }
}

#[test]
fn every_link_the_wizard_opens_is_allowed() {
    for cloud in Cloud::ALL {
        let consent = cloud.endpoints().admin_consent_url(
            "6babcaad-604b-40ac-a9d7-9fd97c0b779f",
            "2d1e4d4b-8f8a-4b8e-9d0d-6c0f3a7f9e11",
            "http://localhost",
        );
        assert!(allowed(&consent), "{cloud:?}: {consent}");
        // The UI's "Open the portal" (ui/src/lib/wizard/flow.svelte.ts) from the cloud's portal.
        let portal = format!(
            "{}/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade",
            cloud.portal()
        );
        assert!(allowed(&portal), "{cloud:?}: {portal}");
    }
}

#[test]
fn no_event_permission_while_the_ui_uses_invoke_and_channel_only() {
    assert!(
        !CAPABILITY.contains("core:event"),
        "the UI listens to no Tauri event (ui/src/lib/backend/tauri.ts imports invoke and Channel)"
    );
    let backend = include_str!("../../ui/src/lib/backend/tauri.ts");
    assert!(
        !backend.contains("@tauri-apps/api/event"),
        "the UI now listens to events: grant core:event:allow-listen for what it listens to"
    );
}
