//! Real-cloud behaviours: signing-key rollover and forged tokens, national-cloud issuers,
//! token-endpoint throttling, limited information, PIM eligible roles, removePassword
//! replication, B2B guests and tenants that restrict a client id.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::{Scenario, TokenRateLimit};

fn assert_odata_error(r: &Resp, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], code, "{:?}", r.body);
}

const OTHER_CLIENT: &str = "aaaaaaaa-1111-4222-8333-444444444444";

/// Auto sign-in at `/{tenant}/oauth2/v2.0/authorize` with `client_id`: the token response, or
/// the redirect's Location when it carries no code.
async fn auto_sign_in(
    sim: &tenant_sim::RunningSim,
    upn: &str,
    tenant: &str,
    client_id: &str,
    scope: &str,
) -> Result<Value, String> {
    sim.set_auto_sign_in(Some(upn.to_string()));
    let c = client();
    let (verifier, challenge) = pkce();
    let url =
        authorize_url(sim.origin(), tenant, scope, &challenge, "st").replace(CLIENT_ID, client_id);
    let r = c.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let Some(code) = query_param(&loc, "code") else {
        return Err(loc);
    };
    let (s, body) = token_post(
        sim,
        tenant,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    Ok(body)
}

fn header_kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

fn payload(token: &str) -> Value {
    use base64::Engine;
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn signing_keys_roll_over() {
    let sim = sim().await;
    let jwks_url = format!("{}/organizations/discovery/v2.0/keys", sim.origin());
    let before: Value = get_json(&client(), &jwks_url).await;
    assert_eq!(before["keys"].as_array().unwrap().len(), 1);
    let first = sign_in(&sim, GA, WIZARD_SCOPES).await;
    let old_at = first["access_token"].as_str().unwrap().to_string();
    assert_eq!(header_kid(&old_at), before["keys"][0]["kid"]);

    sim.rotate_signing_key();
    let after: Value = get_json(&client(), &jwks_url).await;
    let kids: Vec<&str> = after["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    assert_eq!(
        kids[1], before["keys"][0]["kid"],
        "new key first, old second"
    );
    let t = sign_in(&sim, GA, WIZARD_SCOPES).await;
    let new_id = t["id_token"].as_str().unwrap();
    assert_eq!(header_kid(new_id), kids[0]);
    // A client that cached the JWKS meets an unknown kid; a refetch verifies it.
    assert!(before["keys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["kid"] != kids[0]));
    verify_with_jwks(&jwks_url, new_id).await;
    // Graph accepts both the new token and one signed before the rollover.
    for at in [t["access_token"].as_str().unwrap(), old_at.as_str()] {
        assert_eq!(graph(&sim, at, Method::GET, "/me", None).await.status, 200);
    }
    // The admin API rotates too: key 3 now, key 2 second, key 1 no longer published.
    let r: Value = client()
        .post(format!("{}/_sim/keys/rotate", sim.origin()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let third: Value = get_json(&client(), &jwks_url).await;
    assert_eq!(third["keys"][0]["kid"], r["kid"]);
    assert_eq!(third["keys"][1]["kid"], kids[0]);
    let g = graph(&sim, &old_at, Method::GET, "/me", None).await;
    assert_eq!(g.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rogue_signing_forges_the_current_kid() {
    let sim = sim_with(Scenario {
        rogue_signing: true,
        ..Scenario::default()
    })
    .await;
    let jwks: Value = get_json(
        &client(),
        format!("{}/organizations/discovery/v2.0/keys", sim.origin()),
    )
    .await;
    let t = sign_in(&sim, GA, WIZARD_SCOPES).await;
    for name in ["id_token", "access_token"] {
        let tok = t[name].as_str().unwrap();
        assert_eq!(header_kid(tok), jwks["keys"][0]["kid"], "{name}");
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks.clone()).unwrap();
        let key = jsonwebtoken::DecodingKey::from_jwk(&set.keys[0]).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.validate_aud = false;
        assert!(
            jsonwebtoken::decode::<Value>(tok, &key, &v).is_err(),
            "{name} must not verify"
        );
    }
    let g = graph(
        &sim,
        t["access_token"].as_str().unwrap(),
        Method::GET,
        "/me",
        None,
    )
    .await;
    assert_eq!(g.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn issuer_host_of_a_national_cloud() {
    let host = "https://login.partner.microsoftonline.cn";
    let sim = sim_with(Scenario {
        issuer_host: Some(host.into()),
        ..Scenario::default()
    })
    .await;
    let tid = sim.startup().tenant_id.clone();
    let d: Value = get_json(
        &client(),
        format!(
            "{}/{tid}/v2.0/.well-known/openid-configuration",
            sim.origin()
        ),
    )
    .await;
    assert_eq!(d["issuer"], format!("{host}/{tid}/v2.0"));
    let d: Value = get_json(
        &client(),
        format!(
            "{}/organizations/v2.0/.well-known/openid-configuration",
            sim.origin()
        ),
    )
    .await;
    assert_eq!(d["issuer"], format!("{host}/{{tenantid}}/v2.0"));
    let t = sign_in(&sim, GA, WIZARD_SCOPES).await;
    assert_eq!(
        payload(t["id_token"].as_str().unwrap())["iss"],
        format!("{host}/{tid}/v2.0")
    );
}

/// An app with a ready secret: (appId, secret).
async fn app_with_secret(sim: &tenant_sim::RunningSim) -> (String, String) {
    let ga = token_for(sim, GA).await;
    let (app, _) = create_app_and_sp(sim, &ga).await;
    let pw = graph(
        sim,
        &ga,
        Method::POST,
        &format!("/applications/{}/addPassword", app["id"].as_str().unwrap()),
        None,
    )
    .await;
    (
        app["appId"].as_str().unwrap().to_string(),
        pw.body["secretText"].as_str().unwrap().to_string(),
    )
}

async fn cc(sim: &tenant_sim::RunningSim, app_id: &str, secret: &str) -> reqwest::Response {
    client()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sim.origin(),
            sim.startup().tenant_id
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn token_endpoint_throttles_fast_pollers() {
    // The default limit is on.
    assert_eq!(
        Scenario::default().token_rate_limit,
        Some(TokenRateLimit {
            requests: 5,
            per: Duration::from_secs(1),
            retry_after: Duration::from_secs(60)
        })
    );
    let sim = sim().await;
    let (app_id, secret) = app_with_secret(&sim).await;
    // Once a second: never throttled.
    for _ in 0..20 {
        assert_eq!(cc(&sim, &app_id, &secret).await.status(), 200);
        sim.advance_clock(Duration::from_secs(1));
    }
    // Ten times a second: the sixth request, half a second in, is refused.
    let mut statuses = vec![];
    for _ in 0..10 {
        let r = cc(&sim, &app_id, &secret).await;
        statuses.push(r.status().as_u16());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(r.headers()["retry-after"], "60");
            let e: Value = r.json().await.unwrap();
            assert_eq!(e["error"], "temporarily_unavailable");
            assert_eq!(e["error_codes"], json!([90055]));
        }
        sim.advance_clock(Duration::from_millis(100));
    }
    assert_eq!(&statuses[..6], &[200, 200, 200, 200, 200, 429]);
    assert!(statuses[6..].iter().all(|s| *s == 429));
    // Retry-After counts down on the simulator's clock.
    let r = cc(&sim, &app_id, &secret).await;
    let left: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((59..=60).contains(&left), "{left}");
    sim.advance_clock(Duration::from_secs(60));
    assert_eq!(cc(&sim, &app_id, &secret).await.status(), 200);
    // Off when the scenario says so.
    sim.set_scenario(Scenario {
        token_rate_limit: None,
        ..Scenario::default()
    });
    for _ in 0..10 {
        assert_eq!(cc(&sim, &app_id, &secret).await.status(), 200);
    }
}

#[tokio::test]
async fn memberships_show_limited_information_without_a_role_scope() {
    let sim = sim().await;
    let plain = token_for(&sim, GA).await;
    let dir = sign_in(
        &sim,
        GA,
        "openid https://graph.microsoft.com/User.Read https://graph.microsoft.com/Directory.Read.All",
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    for path in ["/me/memberOf", "/me/transitiveMemberOf"] {
        let r = graph(&sim, &plain, Method::GET, path, None).await;
        let role = &r.body["value"][0];
        assert_eq!(role["@odata.type"], "#microsoft.graph.directoryRole");
        assert!(role["id"].is_string());
        assert_eq!(role["displayName"], Value::Null, "{path}");
        assert_eq!(role["roleTemplateId"], Value::Null, "{path}");
        let r = graph(&sim, &dir, Method::GET, path, None).await;
        assert_eq!(r.body["value"][0]["displayName"], "Global Administrator");
    }
}

#[tokio::test]
async fn eligible_roles_are_readable_and_powerless() {
    let sim = sim().await;
    let r = client()
        .post(format!("{}/_sim/users", sim.origin()))
        .json(&json!({
            "userPrincipalName": "eli@contoso.onmicrosoft.com",
            "eligibleRoles": ["Global Administrator", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let upn = "eli@contoso.onmicrosoft.com";
    let path = "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')";
    let without = token_for(&sim, upn).await;
    let r = graph(&sim, &without, Method::GET, path, None).await;
    assert_odata_error(&r, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    let t = sign_in(
        &sim,
        upn,
        &format!(
            "{WIZARD_SCOPES} https://graph.microsoft.com/RoleEligibilitySchedule.Read.Directory"
        ),
    )
    .await;
    let at = t["access_token"].as_str().unwrap();
    let r = graph(
        &sim,
        at,
        Method::GET,
        &format!("{path}?$expand=roleDefinition"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(
        v[0]["roleDefinitionId"],
        "62e90394-69f5-4237-9190-012177145e10"
    );
    assert_eq!(
        v[0]["roleDefinition"]["displayName"],
        "Global Administrator"
    );
    assert_eq!(v[0]["directoryScopeId"], "/");
    assert_eq!(v[0]["memberType"], "Direct");
    assert_eq!(
        v[1]["roleDefinitionId"],
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
    );
    // No power: not in wids, no directory role, and the grant is refused.
    assert!(!payload(at)["wids"]
        .as_array()
        .unwrap()
        .contains(&json!("62e90394-69f5-4237-9190-012177145e10")));
    let ga = token_for(&sim, GA).await;
    let graph_sp = graph_sp_id(&sim, &ga).await;
    let (_, sp) = create_app_and_sp(&sim, &ga).await;
    let g = grant(&sim, at, &graph_sp, sp["id"].as_str().unwrap()).await;
    assert_odata_error(&g, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    // Without $expand there is no roleDefinition.
    let r = graph(&sim, at, Method::GET, path, None).await;
    assert!(r.body["value"][0].get("roleDefinition").is_none());
}

#[tokio::test]
async fn remove_password_fails_until_the_new_password_replicates() {
    let sim = sim_with(Scenario {
        replication_delay: Duration::from_secs(5),
        ..Scenario::default()
    })
    .await;
    let ga = token_for(&sim, GA).await;
    let app = graph(
        &sim,
        &ga,
        Method::POST,
        "/applications",
        Some(json!({"displayName": "PMPC Recovery"})),
    )
    .await
    .body;
    sim.advance_clock(Duration::from_secs(5));
    let id = app["id"].as_str().unwrap();
    let pw = graph(
        &sim,
        &ga,
        Method::POST,
        &format!("/applications/{id}/addPassword"),
        None,
    )
    .await
    .body;
    let key_id = pw["keyId"].as_str().unwrap();
    let path = format!("/applications/{id}/removePassword");
    let remove = || {
        graph(
            &sim,
            &ga,
            Method::POST,
            &path,
            Some(json!({"keyId": key_id})),
        )
    };
    let r = remove().await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_BadRequest");
    assert_eq!(
        r.body["error"]["message"],
        format!("No password credential found with keyId '{key_id}'.")
    );
    sim.advance_clock(Duration::from_secs(5));
    assert_eq!(remove().await.status, StatusCode::NO_CONTENT);
    let got = graph(&sim, &ga, Method::GET, &format!("/applications/{id}"), None).await;
    assert_eq!(got.body["passwordCredentials"], json!([]));
}

#[tokio::test]
async fn guests_sign_in_to_their_home_or_the_resource_tenant() {
    let sim = sim().await;
    let contoso = sim.startup().tenant_id.clone();
    let t: Value = client()
        .post(format!("{}/_sim/tenants", sim.origin()))
        .json(&json!({"displayName": "Fabrikam", "domain": "fabrikam.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fabrikam = t["id"].as_str().unwrap().to_string();
    let r = client()
        .post(format!("{}/_sim/tenants/fabrikam.com/users", sim.origin()))
        .json(&json!({"userPrincipalName": "alice@fabrikam.com", "displayName": "Alice Smith"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let guest_id = sim.add_guest(
        "contoso.onmicrosoft.com",
        "alice@fabrikam.com",
        &["Application Administrator"],
    );
    // The admin API adds guests too, and refuses a second invitation.
    let r = client()
        .post(format!("{}/_sim/tenants/{contoso}/guests", sim.origin()))
        .json(&json!({"homeUserPrincipalName": "alice@fabrikam.com", "roles": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // /organizations: the home tenant.
    let home = auto_sign_in(
        &sim,
        "alice@fabrikam.com",
        "organizations",
        CLIENT_ID,
        WIZARD_SCOPES,
    )
    .await
    .unwrap();
    let id = payload(home["id_token"].as_str().unwrap());
    assert_eq!(id["tid"], fabrikam.as_str());
    assert_eq!(id["acct"], 0);
    assert!(id.get("idp").is_none());

    // The resource tenant's authority: a token for the guest object there.
    let res = auto_sign_in(
        &sim,
        "alice@fabrikam.com",
        "contoso.onmicrosoft.com",
        CLIENT_ID,
        WIZARD_SCOPES,
    )
    .await
    .unwrap();
    let id = payload(res["id_token"].as_str().unwrap());
    assert_eq!(id["tid"], contoso.as_str());
    assert_eq!(id["oid"], guest_id.as_str());
    assert_eq!(id["acct"], 1);
    assert_eq!(id["idp"], format!("https://sts.windows.net/{fabrikam}/"));
    assert_eq!(id["preferred_username"], "alice@fabrikam.com");
    let at = res["access_token"].as_str().unwrap();
    let claims = payload(at);
    assert_eq!(claims["acct"], 1);
    assert!(claims["wids"]
        .as_array()
        .unwrap()
        .contains(&json!("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3")));
    let me = graph(
        &sim,
        at,
        Method::GET,
        "/me?$select=id,userPrincipalName,userType,creationType,externalUserState,mail",
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["id"], guest_id.as_str());
    assert_eq!(
        me.body["userPrincipalName"],
        "alice_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    );
    assert_eq!(me.body["userType"], "Guest");
    assert_eq!(me.body["creationType"], "Invitation");
    assert_eq!(me.body["externalUserState"], "Accepted");
    assert_eq!(me.body["mail"], "alice@fabrikam.com");
    // The guest's roles are the resource tenant's: an Application Administrator there.
    let (app, _) = create_app_and_sp(&sim, at).await;
    assert_eq!(app["publisherDomain"], "contoso.onmicrosoft.com");

    // Device code at the resource tenant with auto sign-in: the guest again.
    sim.set_device_code_interval(Duration::from_millis(1));
    let r: Value = client()
        .post(format!("{}/{contoso}/oauth2/v2.0/devicecode", sim.origin()))
        .form(&[("client_id", CLIENT_ID), ("scope", WIZARD_SCOPES)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = r["device_code"].as_str().unwrap();
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", CLIENT_ID),
        ("device_code", code),
    ];
    let (_, first) = token_post(&sim, &contoso, &poll).await;
    assert_eq!(first["error"], "authorization_pending");
    sim.advance_clock(Duration::from_secs(1));
    let (s, t) = token_post(&sim, &contoso, &poll).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(
        payload(t["access_token"].as_str().unwrap())["oid"],
        guest_id.as_str()
    );
}

#[tokio::test]
async fn restricted_client_ids_fail_with_aadsts50105() {
    let sim = sim_with(Scenario {
        restricted_client_ids: vec![CLIENT_ID.into()],
        ..Scenario::default()
    })
    .await;
    let loc = auto_sign_in(&sim, GA, "organizations", CLIENT_ID, WIZARD_SCOPES)
        .await
        .unwrap_err();
    assert!(loc.starts_with(REDIRECT), "{loc}");
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("st"));
    let d = query_param(&loc, "error_description").unwrap();
    assert!(d.starts_with("AADSTS50105: Your administrator has configured the application Microsoft Graph Command Line Tools ('14d82eec-204b-4c2f-b7e8-296a70dab67e') to block users"), "{d}");
    // Any other client id (the customer's own public client) still signs in.
    auto_sign_in(&sim, GA, "organizations", OTHER_CLIENT, WIZARD_SCOPES)
        .await
        .unwrap();
    // Device code: refused at the token poll once the user approved.
    sim.set_auto_sign_in(None);
    let r: Value = client()
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.origin()
        ))
        .form(&[("client_id", CLIENT_ID), ("scope", WIZARD_SCOPES)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(sim.approve_device_code(r["user_code"].as_str().unwrap(), GA));
    let (s, e) = token_post(
        &sim,
        "organizations",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", CLIENT_ID),
            ("device_code", r["device_code"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(e["error_codes"], json!([50105]));
}
