//! Every fault kind, nth-occurrence matching, latency, the admin API, and seed determinism.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::{Fault, FaultKind, LatencyProfile, RetryAfter, Route, Scenario};

fn one(route: Route, nth: u32, kind: FaultKind) -> Scenario {
    Scenario {
        faults: vec![Fault { route, nth, kind }],
        ..Scenario::default()
    }
}

async fn create(sim: &tenant_sim::RunningSim, token: &str) -> reqwest::Response {
    client()
        .post(format!("{}/v1.0/applications", sim.origin()))
        .bearer_auth(token)
        .json(&json!({"displayName": "PMPC Recovery"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn throttling_with_each_retry_after_form() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    for (ra, check) in [
        (
            RetryAfter::Seconds(2),
            Box::new(|v: &str| v == "2") as Box<dyn Fn(&str) -> bool>,
        ),
        (
            RetryAfter::Decimal("2.128".into()),
            Box::new(|v: &str| v == "2.128"),
        ),
        (
            RetryAfter::HttpDate(Duration::from_secs(30)),
            Box::new(|v: &str| v.ends_with(" GMT") && v.len() == 29 && v.contains(", ")),
        ),
    ] {
        sim.set_scenario(one(Route::CreateApplication, 1, FaultKind::Throttle(ra)));
        let r = create(&sim, &token).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let v = r.headers()["retry-after"].to_str().unwrap().to_string();
        assert!(check(&v), "Retry-After {v}");
        assert!(r.headers().contains_key("request-id"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "TooManyRequests");
        assert_eq!(body["error"]["innerError"]["status"], "429");
        assert_eq!(
            create(&sim, &token).await.status(),
            StatusCode::CREATED,
            "once only"
        );
    }
    // The HTTP date is in the future by about the configured amount.
    sim.set_scenario(one(
        Route::CreateApplication,
        0,
        FaultKind::Throttle(RetryAfter::HttpDate(Duration::from_secs(120))),
    ));
    let r = create(&sim, &token).await;
    let v = r.headers()["retry-after"].to_str().unwrap().to_string();
    let fmt = time::format_description::parse_borrowed::<2>(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT",
    )
    .unwrap();
    let when = time::PrimitiveDateTime::parse(&v, &fmt)
        .unwrap()
        .assume_utc();
    let ahead = when - time::OffsetDateTime::now_utc();
    assert!(
        ahead.whole_seconds() > 100 && ahead.whole_seconds() <= 121,
        "{ahead}"
    );
}

#[tokio::test]
async fn nth_and_every() {
    let sim = sim_with(one(
        Route::CreateApplication,
        2,
        FaultKind::ServiceUnavailable,
    ))
    .await;
    let token = token_for(&sim, GA).await;
    assert_eq!(create(&sim, &token).await.status(), StatusCode::CREATED);
    assert_eq!(
        create(&sim, &token).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(create(&sim, &token).await.status(), StatusCode::CREATED);
    sim.set_scenario(one(Route::CreateApplication, 0, FaultKind::GatewayTimeout));
    for _ in 0..3 {
        let r = create(&sim, &token).await;
        assert_eq!(r.status(), StatusCode::GATEWAY_TIMEOUT);
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["error"]["code"], "gatewayTimeout");
    }
    // Only the named route is hit.
    assert_eq!(
        graph(&sim, &token, Method::GET, "/applications", None)
            .await
            .status,
        StatusCode::OK
    );
    // Two faults make "twice in a row".
    sim.set_scenario(Scenario {
        faults: vec![
            Fault {
                route: Route::CreateApplication,
                nth: 1,
                kind: FaultKind::ServiceUnavailable,
            },
            Fault {
                route: Route::CreateApplication,
                nth: 2,
                kind: FaultKind::ServiceUnavailable,
            },
        ],
        ..Scenario::default()
    });
    let codes: Vec<u16> = futures_seq(&sim, &token, 3).await;
    assert_eq!(codes, vec![503, 503, 201]);
    let faulted = sim
        .requests()
        .iter()
        .filter(|r| r.fault.as_deref() == Some("serviceUnavailable"))
        .count();
    assert_eq!(faulted, 3, "the request log names the injected faults");
}

async fn futures_seq(sim: &tenant_sim::RunningSim, token: &str, n: usize) -> Vec<u16> {
    let mut out = vec![];
    for _ in 0..n {
        out.push(create(sim, token).await.status().as_u16());
    }
    out
}

#[tokio::test]
async fn connection_reset_malformed_and_non_json() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    sim.set_scenario(one(Route::GetOrganization, 1, FaultKind::ConnectionReset));
    let r = client()
        .get(format!("{}/v1.0/organization", sim.origin()))
        .bearer_auth(&token)
        .send()
        .await;
    let failed = match r {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(failed, "the client sees a broken connection");
    assert_eq!(
        graph(&sim, &token, Method::GET, "/organization", None)
            .await
            .status,
        StatusCode::OK
    );

    sim.set_scenario(one(Route::GetOrganization, 1, FaultKind::MalformedJson));
    let r = client()
        .get(format!("{}/v1.0/organization", sim.origin()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());

    for (kind, status) in [
        (FaultKind::NonJson, StatusCode::BAD_GATEWAY),
        (FaultKind::NonJsonOk, StatusCode::OK),
    ] {
        sim.set_scenario(one(Route::GetOrganization, 1, kind));
        let r = client()
            .get(format!("{}/v1.0/organization", sim.origin()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
        assert_eq!(r.headers()["content-type"], "text/html");
        assert!(r.text().await.unwrap().starts_with("<!DOCTYPE html>"));
    }
}

#[tokio::test]
async fn faults_on_identity_endpoints_use_entras_shape() {
    let sim = sim().await;
    sim.set_scenario(Scenario {
        faults: vec![
            Fault {
                route: Route::Token,
                nth: 1,
                kind: FaultKind::Throttle(RetryAfter::Seconds(1)),
            },
            Fault {
                route: Route::Token,
                nth: 2,
                kind: FaultKind::ServiceUnavailable,
            },
            Fault {
                route: Route::Token,
                nth: 3,
                kind: FaultKind::GatewayTimeout,
            },
            Fault {
                route: Route::OpenIdConfiguration,
                nth: 1,
                kind: FaultKind::NonJson,
            },
            Fault {
                route: Route::DeviceCode,
                nth: 1,
                kind: FaultKind::Slow(Duration::from_millis(150)),
            },
            Fault {
                route: Route::Keys,
                nth: 1,
                kind: FaultKind::MalformedJson,
            },
        ],
        ..Scenario::default()
    });
    for want in [429u16, 503, 504] {
        let (s, e) = token_post(
            &sim,
            "organizations",
            &[("grant_type", "client_credentials")],
        )
        .await;
        assert_eq!(s.as_u16(), want);
        assert_eq!(e["error"], "temporarily_unavailable");
        assert!(e["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS"));
    }
    let (s, _) = token_post(
        &sim,
        "organizations",
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "back to normal");
    let r = client()
        .get(format!(
            "{}/organizations/v2.0/.well-known/openid-configuration",
            sim.origin()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let r = client()
        .get(format!(
            "{}/organizations/discovery/v2.0/keys",
            sim.origin()
        ))
        .send()
        .await
        .unwrap();
    assert!(r.json::<Value>().await.is_err());
    let t0 = Instant::now();
    let r = client()
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.origin()
        ))
        .form(&[("client_id", CLIENT_ID), ("scope", "openid")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "slow but served");
    assert!(t0.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn every_graph_route_can_be_faulted() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let graph_sp = graph_sp_id(&sim, &token).await;
    let (app, sp) = create_app_and_sp(&sim, &token).await;
    let (id, app_id, sp_id) = (
        app["id"].as_str().unwrap(),
        app["appId"].as_str().unwrap(),
        sp["id"].as_str().unwrap(),
    );
    let calls: Vec<(Route, Method, String, Option<Value>)> = vec![
        (Route::GetMe, Method::GET, "/me".into(), None),
        (
            Route::GetOrganization,
            Method::GET,
            "/organization".into(),
            None,
        ),
        (
            Route::ListMyDirectoryRoles,
            Method::GET,
            "/me/transitiveMemberOf/microsoft.graph.directoryRole".into(),
            None,
        ),
        (
            Route::ListServicePrincipals,
            Method::GET,
            "/servicePrincipals".into(),
            None,
        ),
        (
            Route::GetServicePrincipal,
            Method::GET,
            format!("/servicePrincipals(appId='{GRAPH_APP_ID}')"),
            None,
        ),
        (
            Route::CreateServicePrincipal,
            Method::POST,
            "/servicePrincipals".into(),
            Some(json!({"appId": app_id})),
        ),
        (
            Route::UpsertServicePrincipal,
            Method::PATCH,
            format!("/servicePrincipals(appId='{app_id}')"),
            Some(json!({})),
        ),
        (
            Route::GrantAppRole,
            Method::POST,
            format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo"),
            Some(json!({})),
        ),
        (
            Route::ListAppRoleAssignedTo,
            Method::GET,
            format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo"),
            None,
        ),
        (
            Route::ListAppRoleAssignments,
            Method::GET,
            format!("/servicePrincipals/{sp_id}/appRoleAssignments"),
            None,
        ),
        (
            Route::RevokeAppRole,
            Method::DELETE,
            format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo/x"),
            None,
        ),
        (
            Route::ListApplications,
            Method::GET,
            "/applications".into(),
            None,
        ),
        (
            Route::GetApplication,
            Method::GET,
            format!("/applications/{id}"),
            None,
        ),
        (
            Route::CreateApplication,
            Method::POST,
            "/applications".into(),
            Some(json!({"displayName": "x"})),
        ),
        (
            Route::UpdateApplication,
            Method::PATCH,
            format!("/applications/{id}"),
            Some(json!({})),
        ),
        (
            Route::UpsertApplication,
            Method::PATCH,
            "/applications(uniqueName='u')".into(),
            Some(json!({})),
        ),
        (
            Route::AddPassword,
            Method::POST,
            format!("/applications/{id}/addPassword"),
            Some(json!({})),
        ),
        (
            Route::RemovePassword,
            Method::POST,
            format!("/applications/{id}/removePassword"),
            Some(json!({})),
        ),
        (
            Route::ListDeletedItems,
            Method::GET,
            "/directory/deletedItems/microsoft.graph.application".into(),
            None,
        ),
        (
            Route::GetDeletedItem,
            Method::GET,
            "/directory/deletedItems/x".into(),
            None,
        ),
        (
            Route::RestoreDeletedItem,
            Method::POST,
            "/directory/deletedItems/x/restore".into(),
            None,
        ),
        (
            Route::PermanentlyDeleteItem,
            Method::DELETE,
            "/directory/deletedItems/x".into(),
            None,
        ),
        (
            Route::DeleteServicePrincipal,
            Method::DELETE,
            format!("/servicePrincipals/{sp_id}"),
            None,
        ),
        (
            Route::DeleteApplication,
            Method::DELETE,
            format!("/applications/{id}"),
            None,
        ),
        (Route::GetUser, Method::GET, format!("/users/{GA}"), None),
        (
            Route::ListDirectoryAudits,
            Method::GET,
            "/auditLogs/directoryAudits".into(),
            None,
        ),
        (Route::OtherGraph, Method::GET, "/groups".into(), None),
    ];
    for (route, method, path, body) in calls {
        sim.set_scenario(one(route, 1, FaultKind::ServiceUnavailable));
        let r = graph(&sim, &token, method.clone(), &path, body).await;
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{route:?} {method} {path}"
        );
        assert_eq!(r.body["error"]["code"], "serviceNotAvailable");
        let last = sim.requests().last().cloned().unwrap();
        assert_eq!((last.route, last.status), (Some(route), 503));
    }
}

#[tokio::test]
async fn latency_profile_and_slow_faults() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    sim.set_scenario(Scenario {
        latency: LatencyProfile {
            read: Duration::from_millis(120),
            ..LatencyProfile::default()
        },
        ..Scenario::default()
    });
    let t0 = Instant::now();
    graph(&sim, &token, Method::GET, "/me", None).await;
    assert!(t0.elapsed() >= Duration::from_millis(120));
    let t0 = Instant::now();
    let (s, _) = token_post(&sim, "organizations", &[("grant_type", "x")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        t0.elapsed() < Duration::from_millis(120),
        "identity latency is separate"
    );
    sim.set_scenario(Scenario {
        latency: LatencyProfile::realistic().scaled(0.2),
        ..Scenario::default()
    });
    let t0 = Instant::now();
    create(&sim, &token).await;
    assert!(t0.elapsed() >= Duration::from_millis(70), "write latency");
    sim.set_scenario(one(
        Route::GetMe,
        1,
        FaultKind::Slow(Duration::from_millis(200)),
    ));
    let t0 = Instant::now();
    assert_eq!(
        graph(&sim, &token, Method::GET, "/me", None).await.status,
        StatusCode::OK
    );
    assert!(t0.elapsed() >= Duration::from_millis(200));
    assert!(sim.requests().last().unwrap().duration_ms >= 200);
}

#[tokio::test]
async fn admin_api_sets_scenario_and_reads_state() {
    let sim = sim().await;
    let c = client();
    let o = sim.origin();
    let token = token_for(&sim, GA).await;
    let r = c.put(format!("{o}/_sim/scenario")).json(&json!({
        "replicationDelay": "5s",
        "faults": [{"route": "createApplication", "nth": 1, "kind": {"throttle": {"decimal": "2.128"}}}],
        "passwordPolicy": "block"
    })).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(sim.scenario().replication_delay, Duration::from_secs(5));
    assert_eq!(
        sim.scenario().password_policy,
        Some(tenant_sim::PasswordPolicy::Block)
    );
    let r = create(&sim, &token).await;
    assert_eq!(r.headers()["retry-after"], "2.128");
    let r = c
        .put(format!("{o}/_sim/scenario"))
        .body("{\"faults\": 3}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let sc: Value = get_json(&c, format!("{o}/_sim/scenario")).await;
    assert_eq!(sc["replicationDelay"], 5000);
    create(&sim, &token).await;
    let state: Value = get_json(&c, format!("{o}/_sim/state")).await;
    assert_eq!(state["applications"][0]["displayName"], "PMPC Recovery");
    assert_eq!(state["applications"][0]["replicated"], false);
    let r = c
        .post(format!("{o}/_sim/clock/advance"))
        .json(&json!({"by": "5s"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let state: Value = get_json(&c, format!("{o}/_sim/state")).await;
    assert_eq!(state["applications"][0]["replicated"], true);
    let reqs: Vec<Value> = get_json(&c, format!("{o}/_sim/requests")).await;
    assert!(reqs
        .iter()
        .any(|r| r["fault"] == "throttle" && r["status"] == 429));
    assert!(
        reqs.iter()
            .all(|r| !r["path"].as_str().unwrap().starts_with("/_sim")),
        "admin calls are not logged"
    );
    assert_eq!(
        c.delete(format!("{o}/_sim/requests"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(sim.requests().is_empty());
    let st: Value = get_json(&c, format!("{o}/_sim/startup")).await;
    assert_eq!(st, serde_json::to_value(sim.startup()).unwrap());
    // Users and roles.
    let r = c.post(format!("{o}/_sim/users")).json(&json!({"userPrincipalName": "dev@contoso.onmicrosoft.com", "roles": ["Application Developer"]})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = c
        .post(format!("{o}/_sim/users"))
        .json(&json!({"userPrincipalName": "dev@contoso.onmicrosoft.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "duplicate");
    let r: Value = c
        .put(format!("{o}/_sim/users/{USER}/roles"))
        .json(&json!(["Privileged Role Administrator"]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["roles"], json!(["Privileged Role Administrator"]));
    let r = c
        .put(format!("{o}/_sim/users/{USER}/roles"))
        .json(&json!(["Emperor"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .put(format!("{o}/_sim/users/nobody/roles"))
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .post(format!("{o}/_sim/tenants"))
        .json(&json!({"displayName": "Dup", "domain": "contoso.onmicrosoft.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .post(format!("{o}/_sim/tenants/nosuch/users"))
        .json(&json!({"userPrincipalName": "a@b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Settings: device interval and auto sign-in.
    let r: Value = c
        .put(format!("{o}/_sim/settings"))
        .json(&json!({"deviceCodeInterval": "1s", "autoSignIn": GA}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["deviceCodeInterval"], 1000);
    let (_, challenge) = pkce();
    let r = c
        .get(authorize_url(o, "organizations", "openid", &challenge, "s"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND, "auto sign-in on");
    let r = c
        .put(format!("{o}/_sim/settings"))
        .json(&json!({"autoSignIn": "nobody@x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    c.put(format!("{o}/_sim/settings"))
        .json(&json!({"autoSignIn": null}))
        .send()
        .await
        .unwrap();
    let r = c
        .get(authorize_url(o, "organizations", "openid", &challenge, "s"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "page again");
}

#[tokio::test]
async fn same_seed_same_ids_and_secrets() {
    let run = || async {
        let sim = tenant_sim::start(tenant_sim::Options {
            seed: 42,
            ..Default::default()
        })
        .await
        .unwrap();
        let token = token_for(&sim, GA).await;
        let (app, sp) = create_app_and_sp(&sim, &token).await;
        let pw = graph(
            &sim,
            &token,
            Method::POST,
            &format!("/applications/{}/addPassword", app["id"].as_str().unwrap()),
            Some(json!({})),
        )
        .await;
        let mut startup = sim.startup().clone();
        startup.origin.clear(); // the port differs
        let out = (
            startup,
            app["appId"].clone(),
            sp["id"].clone(),
            pw.body["secretText"].clone(),
        );
        sim.shutdown().await;
        out
    };
    let a = run().await;
    let b = run().await;
    assert_eq!(a, b);
    let other = tenant_sim::start(tenant_sim::Options {
        seed: 43,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_ne!(other.startup().tenant_id, a.0.tenant_id);
}

#[tokio::test]
async fn every_identity_route_can_be_faulted() {
    let sim = sim().await;
    let c = client();
    let o = sim.origin().to_string();
    let (_, challenge) = pkce();
    let calls: Vec<(Route, reqwest::RequestBuilder)> = vec![
        (
            Route::OpenIdConfiguration,
            c.get(format!("{o}/common/v2.0/.well-known/openid-configuration")),
        ),
        (
            Route::Keys,
            c.get(format!("{o}/common/discovery/v2.0/keys")),
        ),
        (
            Route::Authorize,
            c.get(authorize_url(
                &o,
                "organizations",
                "openid",
                &challenge,
                "s",
            )),
        ),
        (
            Route::Token,
            c.post(format!("{o}/organizations/oauth2/v2.0/token"))
                .form(&[("grant_type", "x")]),
        ),
        (
            Route::DeviceCode,
            c.post(format!("{o}/organizations/oauth2/v2.0/devicecode"))
                .form(&[("client_id", CLIENT_ID), ("scope", "openid")]),
        ),
        (Route::DeviceLogin, c.get(format!("{o}/devicelogin"))),
        (
            Route::AdminConsent,
            c.get(format!(
                "{o}/organizations/adminconsent?client_id={CLIENT_ID}"
            )),
        ),
    ];
    for (route, rb) in calls {
        sim.set_scenario(one(route, 1, FaultKind::ServiceUnavailable));
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{route:?}");
        assert!(r.headers().contains_key("x-ms-request-id"));
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"], "temporarily_unavailable", "{route:?}");
        assert_eq!(sim.requests().last().unwrap().route, Some(route));
    }
}
