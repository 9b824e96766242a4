//! Step 11's hand-off registers the consent redirect URI by writing the app's `web` object back
//! (`Graph::ensure_redirect_uri`). Graph's GET answers `web.redirectUriSettings` (one `{uri,
//! index}` per redirect URI; the redirectUriSettings resource: "Specifies the index of the URLs
//! where user tokens are sent for sign-in. This is only valid for applications using SAML",
//! <https://learn.microsoft.com/graph/api/resources/redirecturisettings?view=graph-rest-beta>).
//! Written back as read, that list would not name the URI being added; left out, Graph keeps or
//! recalculates it ("Existing properties that aren't included in the request body maintain their
//! previous values or are recalculated based on changes to other property values", the update
//! pages' request-body text, e.g. <https://learn.microsoft.com/graph/api/application-update>).
//!
//! No Microsoft page or reported Graph error says a disagreeing list is refused, so tenant-sim
//! accepts it; this test reads the body tenant-sim received through a recording front.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use std::time::Duration;

use recovery::graph::Graph;
use recovery::http::Http;
use recovery::{
    AppChoice, Cloud, ConsentPlan, Endpoints, MemoryVault, Recovery, RetryPolicy, RunChoice, Step,
    SystemClock,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The earlier registration's own web redirect URI.
const OWN_URI: &str = "https://pmpc.example.com/callback";

/// One request the front forwarded: method, path and query, JSON body (Null when none), and
/// tenant-sim's status.
type Seen = Arc<Mutex<Vec<(String, String, Value, u16)>>>;

/// A plain-HTTP front on loopback that forwards each request unchanged to `backend` and keeps
/// what it forwarded. One request per connection (it answers `Connection: close`).
async fn recording_front(backend: &str) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (backend, kept) = (backend.to_string(), seen.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(forward(
                stream,
                backend.clone(),
                client.clone(),
                kept.clone(),
            ));
        }
    });
    (origin, seen)
}

async fn forward(mut s: TcpStream, backend: String, client: reqwest::Client, seen: Seen) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await.unwrap();
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap().split(' ');
    let (method, path) = (first.next().unwrap(), first.next().unwrap());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    assert!(
        !headers.iter().any(|(k, _)| k == "transfer-encoding"),
        "the front reads bodies by Content-Length only"
    );
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    while buf.len() < head_end + length {
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "body cut short");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + length].to_vec();

    let mut req = client.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{backend}{path}"),
    );
    for (k, v) in &headers {
        if !matches!(
            k.as_str(),
            "host" | "connection" | "content-length" | "accept-encoding"
        ) {
            req = req.header(k, v);
        }
    }
    let answer = req.body(body.clone()).send().await.unwrap();
    let status = answer.status();
    let answer_headers = answer.headers().clone();
    let answer_body = answer.bytes().await.unwrap();
    seen.lock().unwrap().push((
        method.to_string(),
        path.to_string(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        status.as_u16(),
    ));

    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    for (k, v) in &answer_headers {
        if !matches!(
            k.as_str(),
            "transfer-encoding" | "connection" | "content-length" | "content-encoding"
        ) {
            out.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
        }
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        answer_body.len()
    ));
    s.write_all(out.as_bytes()).await.unwrap();
    s.write_all(&answer_body).await.unwrap();
    s.shutdown().await.ok();
}

#[tokio::test]
async fn the_web_write_back_leaves_redirect_uri_settings_to_graph() {
    let sim = sim_as(APP_ADMIN, quick_scenario()).await;
    let (front, seen) = recording_front(sim.origin()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sim, dir.path());
    // Sign-in straight to tenant-sim; Graph through the front.
    cfg.endpoints = Endpoints::custom(Cloud::Global, Some(sim.origin()), Some(&front)).unwrap();
    let redirect = cfg.consent_redirect_uri.clone();
    let r = Recovery::new(cfg, Arc::new(MemoryVault::new()), None).unwrap();
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;

    // An earlier registration with a web redirect URI of its own, reused with the consent
    // handed off: the run must add the consent page's address to it.
    let graph = Graph::new(
        Http::new(
            Arc::new(SystemClock::default()),
            RetryPolicy::fast(),
            Duration::from_secs(5),
        )
        .unwrap(),
        Endpoints::custom(Cloud::Global, Some(sim.origin()), Some(sim.origin())).unwrap(),
        session.clone(),
    );
    let earlier = graph
        .upsert_application(
            "pmpc-earlier",
            &serde_json::json!({
                "displayName": "PMPC Recovery",
                "web": { "redirectUris": [OWN_URI] },
            }),
            &rec.sink().step(Step::CreateApp),
        )
        .await
        .unwrap();
    tokio::time::sleep(quick_scenario().replication_delay * 2).await;
    let choice = RunChoice {
        consent: ConsentPlan::HandOff,
        app: AppChoice::Reuse {
            object_id: earlier.id.clone(),
        },
        reveal_secret: false,
    };
    let creds = r.run(&session, &pre, &choice, &rec.sink()).await.unwrap();
    assert!(creds.admin_consent_url.is_some());

    let app = earlier.id;
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|(m, p, _, _)| m == "GET" && p.starts_with(&format!("/v1.0/applications/{app}"))),
        "the web object was read before it was written back: {seen:?}"
    );
    let writes: Vec<_> = seen
        .iter()
        .filter(|(m, _, body, _)| m == "PATCH" && body.get("web").is_some())
        .collect();
    assert_eq!(writes.len(), 1, "{seen:?}");
    let (_, path, body, status) = writes[0];
    assert_eq!(path, &format!("/v1.0/applications/{app}"));
    assert_eq!(*status, 204, "tenant-sim took the write-back");
    let web = body["web"].as_object().unwrap();
    assert_eq!(web["redirectUris"], serde_json::json!([OWN_URI, redirect]));
    assert!(
        !web.contains_key("redirectUriSettings"),
        "the write-back carries redirectUriSettings read before the new URI: {body}"
    );
    // The rest of what was read goes back unchanged.
    assert_eq!(
        web["implicitGrantSettings"],
        serde_json::json!({"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false})
    );
    assert!(web.contains_key("homePageUrl") && web.contains_key("logoutUrl"));
    sim.shutdown().await;
}
