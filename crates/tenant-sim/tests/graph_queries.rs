//! Microsoft Graph v1.0: query options (`$select`, `$filter`, `$top`, `$count`), unknown paths,
//! and authentication failures.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn query_options_and_unknown_paths() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    for n in ["PMPC Recovery", "PMPC Recovery", "Other"] {
        graph(
            &sim,
            &token,
            Method::POST,
            "/applications",
            Some(json!({"displayName": n})),
        )
        .await;
    }
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$filter=displayName eq 'PMPC Recovery'&$select=id,displayName",
        None,
    )
    .await;
    assert_eq!(
        r.body["value"].as_array().unwrap().len(),
        2,
        "duplicates are possible, as in Entra"
    );
    assert_eq!(r.body["value"][0].as_object().unwrap().len(), 2);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$filter=startswith(displayName,'pmpc')&$top=1&$count=true",
        None,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["@odata.count"], 2);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$select=nope",
        None,
    )
    .await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "BadRequest");
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$filter=displayName ne 'x'",
        None,
    )
    .await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_UnsupportedQuery");
    let r = graph(&sim, &token, Method::GET, "/applications?$top=lots", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = graph(&sim, &token, Method::GET, "/applications/not-a-guid", None).await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_BadRequest");
    assert_eq!(
        r.body["error"]["message"],
        "Invalid object identifier 'not-a-guid'."
    );
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        "/directory/deletedItems/nope",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = graph(&sim, &token, Method::GET, "/groups", None).await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "BadRequest");
    let r = graph(&sim, &token, Method::PUT, "/applications", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications(displayName='x')",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/servicePrincipals(appId='44444444-4444-4444-4444-444444444444')",
        None,
    )
    .await;
    assert_odata_error(&r, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    let r = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/organization/{}", sim.startup().tenant_id),
        None,
    )
    .await;
    assert_eq!(
        r.body["@odata.context"],
        format!("{}/v1.0/$metadata#organization/$entity", sim.origin())
    );
    let r = graph(&sim, &token, Method::GET, "/me/transitiveMemberOf", None).await;
    assert_eq!(
        r.body["value"][0]["@odata.type"],
        "#microsoft.graph.directoryRole"
    );
    // Headers: request-id always; client-request-id echoed.
    let r = graph_h(
        &sim,
        &token,
        Method::GET,
        "/me",
        None,
        &[("client-request-id", "cr-1")],
    )
    .await;
    assert_eq!(r.headers["client-request-id"], "cr-1");
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json;odata.metadata=minimal"));
    assert!(uuid::Uuid::parse_str(r.headers["request-id"].to_str().unwrap()).is_ok());
    let r = graph_h(
        &sim,
        &token,
        Method::GET,
        "/nope",
        None,
        &[("client-request-id", "cr-2")],
    )
    .await;
    assert_eq!(r.body["error"]["innerError"]["client-request-id"], "cr-2");
}

#[tokio::test]
async fn authentication_failures() {
    let sim = sim().await;
    let c = client();
    let r = c
        .get(format!("{}/v1.0/me", sim.origin()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(body["error"]["message"], "Access token is empty.");
    let r = graph(&sim, "not.a.jwt", Method::GET, "/me", None).await;
    assert_odata_error(&r, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken");
    let token = token_for(&sim, GA).await;
    sim.advance_clock(Duration::from_secs(3600));
    let r = graph(&sim, &token, Method::GET, "/me", None).await;
    assert_odata_error(&r, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    // A token from another simulator instance (other seed) names a tenant this one doesn't have.
    let other = tenant_sim::start(tenant_sim::Options {
        seed: 99,
        ..Default::default()
    })
    .await
    .unwrap();
    let foreign = token_for(&other, GA).await;
    assert_eq!(
        graph(&sim, &foreign, Method::GET, "/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}
