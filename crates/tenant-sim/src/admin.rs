//! The admin API under `/_sim`: set up tenants, users and roles, replace the scenario, approve
//! device codes, move the clock, and read back state and the request log. Not part of any
//! Microsoft surface; never faulted, never logged.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::scenario::{duration_ms, Scenario};
use crate::shared::Shared;
use crate::startup::{startup_of, StartupUser};
use crate::state::NewUser;
use crate::{identity, snapshot};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/startup", get(startup))
        .route("/state", get(state))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/scenario", get(get_scenario).put(put_scenario))
        .route("/tenants", post(add_tenant))
        .route("/tenants/{tenant}/users", post(add_user))
        .route("/tenants/{tenant}/guests", post(add_guest))
        .route("/keys/rotate", post(rotate_keys))
        .route("/users", post(add_default_user))
        .route("/users/{upn}/roles", put(set_roles))
        .route("/device/approve", post(approve))
        .route("/device/decline", post(decline))
        .route("/clock/advance", post(advance))
        .route("/settings", put(settings))
}

fn bad(msg: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg.into()}))).into_response()
}

async fn startup(State(s): State<Shared>) -> Response {
    Json(startup_of(&s)).into_response()
}

async fn state(State(s): State<Shared>) -> Response {
    Json(snapshot::take(&s.lock())).into_response()
}

async fn requests(State(s): State<Shared>) -> Response {
    Json(s.lock().requests.clone()).into_response()
}

async fn clear_requests(State(s): State<Shared>) -> Response {
    s.lock().requests.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn get_scenario(State(s): State<Shared>) -> Response {
    Json(s.lock().scenario.clone()).into_response()
}

async fn put_scenario(State(s): State<Shared>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Scenario>(&body) {
        Ok(sc) => {
            let mut sim = s.lock();
            sim.scenario = sc;
            sim.fault_counters.clear();
            Json(sim.scenario.clone()).into_response()
        }
        Err(e) => bad(format!("invalid scenario: {e}")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewTenant {
    display_name: String,
    domain: String,
}

async fn add_tenant(State(s): State<Shared>, Json(t): Json<NewTenant>) -> Response {
    let mut sim = s.lock();
    if sim.tenant_by_authority(&t.domain).is_some() {
        return bad(format!("domain {} exists", t.domain));
    }
    let id = sim.add_tenant(&t.display_name, &t.domain);
    (
        StatusCode::CREATED,
        Json(json!({"id": id, "displayName": t.display_name, "domain": t.domain})),
    )
        .into_response()
}

fn add_user_to(s: &Shared, tenant: &str, u: NewUser) -> Response {
    let mut sim = s.lock();
    let tid = if tenant == "default" {
        sim.default_tenant().id.clone()
    } else {
        match sim.tenant_by_authority(tenant) {
            Some(t) => t.id.clone(),
            None => return bad(format!("unknown tenant {tenant}")),
        }
    };
    match sim.add_user(&tid, u) {
        Ok(u) => (
            StatusCode::CREATED,
            Json(StartupUser {
                id: u.id.clone(),
                user_principal_name: u.upn.clone(),
                roles: u.role_names(),
            }),
        )
            .into_response(),
        Err(e) => bad(e),
    }
}

async fn add_user(
    State(s): State<Shared>,
    Path(tenant): Path<String>,
    Json(u): Json<NewUser>,
) -> Response {
    add_user_to(&s, &tenant, u)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewGuest {
    home_user_principal_name: String,
    #[serde(default)]
    roles: Vec<String>,
}

/// `POST /_sim/tenants/{id or domain}/guests` `{"homeUserPrincipalName","roles"}`: invites a
/// user of another tenant as a B2B guest; answers the guest object.
async fn add_guest(
    State(s): State<Shared>,
    Path(tenant): Path<String>,
    Json(g): Json<NewGuest>,
) -> Response {
    let mut sim = s.lock();
    match sim.add_guest(&tenant, &g.home_user_principal_name, &g.roles) {
        Ok(u) => (
            StatusCode::CREATED,
            Json(json!({
                "id": u.id,
                "userPrincipalName": u.upn,
                "homeUserPrincipalName": g.home_user_principal_name,
                "userType": "Guest",
                "roles": u.role_names(),
            })),
        )
            .into_response(),
        Err(e) => bad(e),
    }
}

/// `POST /_sim/keys/rotate`: the signing key rolls over (see `RunningSim::rotate_signing_key`).
async fn rotate_keys(State(s): State<Shared>) -> Response {
    let mut sim = s.lock();
    sim.key_index = (sim.key_index + 1) % crate::tokens::keys().len();
    sim.rotations += 1;
    Json(json!({"kid": sim.signing_key().kid})).into_response()
}

async fn add_default_user(State(s): State<Shared>, Json(u): Json<NewUser>) -> Response {
    add_user_to(&s, "default", u)
}

async fn set_roles(
    State(s): State<Shared>,
    Path(upn): Path<String>,
    Json(roles): Json<Vec<String>>,
) -> Response {
    let mut ids = Vec::new();
    for r in &roles {
        match crate::catalog::directory_role(r) {
            Some(d) => ids.push(d.template_id.to_string()),
            None => return bad(format!("unknown role {r:?}")),
        }
    }
    let mut sim = s.lock();
    for t in sim.tenants.iter_mut() {
        if let Some(u) = t
            .users
            .iter_mut()
            .find(|u| u.upn.eq_ignore_ascii_case(&upn))
        {
            u.roles = ids;
            return Json(json!({"userPrincipalName": u.upn, "roles": u.role_names()}))
                .into_response();
        }
    }
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": format!("no user {upn}")})),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceDecision {
    user_code: String,
    user_principal_name: String,
}

async fn approve(State(s): State<Shared>, Json(d): Json<DeviceDecision>) -> Response {
    let ok =
        identity::decide_device_code(&mut s.lock(), &d.user_code, &d.user_principal_name, true);
    Json(json!({"approved": ok})).into_response()
}

async fn decline(State(s): State<Shared>, Json(d): Json<DeviceDecision>) -> Response {
    let ok =
        identity::decide_device_code(&mut s.lock(), &d.user_code, &d.user_principal_name, false);
    Json(json!({"declined": ok})).into_response()
}

#[derive(Deserialize)]
struct Advance {
    #[serde(with = "duration_ms")]
    by: Duration,
}

async fn advance(State(s): State<Shared>, Json(a): Json<Advance>) -> Response {
    s.lock().clock.advance(a.by);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default, with = "opt_duration")]
    device_code_interval: Option<Duration>,
    /// `Some(None)` (JSON null) turns auto sign-in off.
    #[serde(default, deserialize_with = "present")]
    auto_sign_in: Option<Option<String>>,
}

/// A field that is present (possibly `null`) becomes `Some(..)`; an absent one stays `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

mod opt_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        #[derive(Deserialize)]
        struct W(#[serde(with = "crate::scenario::duration_ms")] Duration);
        Ok(Some(W::deserialize(d)?.0))
    }
}

async fn settings(State(s): State<Shared>, Json(st): Json<Settings>) -> Response {
    let mut sim = s.lock();
    if let Some(d) = st.device_code_interval {
        sim.device_interval = d;
    }
    if let Some(a) = st.auto_sign_in {
        if let Some(upn) = &a {
            if sim.find_user(upn).is_none() {
                return bad(format!("no user {upn}"));
            }
        }
        sim.auto_sign_in = a;
    }
    Json(json!({
        "deviceCodeInterval": u64::try_from(sim.device_interval.as_millis()).unwrap_or(u64::MAX),
        "autoSignIn": sim.auto_sign_in,
    }))
    .into_response()
}
