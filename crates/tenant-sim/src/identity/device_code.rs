//! `POST /{tenant}/oauth2/v2.0/devicecode` and its verification page, `/devicelogin`: a user
//! approves or declines the code there (or through the admin API); `/token` polls it.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use serde_json::json;

use super::pages::{error_page, html_escape};
use super::scopes::parse_scopes;
use super::{authority, form_params, is_guid, missing, EntraError, Params};
use crate::shared::Shared;
use crate::state::{DeviceGrant, DeviceStatus, Sim};

const DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(900);

/// Letters of a user code: no 0/O, 1/I.
const USER_CODE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

pub async fn devicecode(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, EntraError> {
    let form = form_params(&body);
    let mut sim = shared.lock();
    authority(&sim, &tenant)?;
    let client_id = form
        .get("client_id")
        .ok_or_else(|| missing("client_id"))?
        .clone();
    if !is_guid(&client_id) {
        return Err(EntraError::bad(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory."),
        ));
    }
    let scope = form.get("scope").ok_or_else(|| missing("scope"))?.clone();
    parse_scopes(&scope, &sim.origin)?;
    let device_code = format!("DAQABAAEAAAD{}", sim.token(96));
    let user_code: String = (0..9)
        .map(|_| {
            use rand::Rng;
            char::from(USER_CODE_LETTERS[sim.rng.gen_range(0..USER_CODE_LETTERS.len())])
        })
        .collect();
    let interval = sim.device_interval;
    let expires = sim.clock.now() + DEVICE_CODE_LIFETIME;
    sim.device_codes.insert(
        device_code.clone(),
        DeviceGrant {
            tenant_path: tenant.clone(),
            client_id,
            scope,
            user_code: user_code.clone(),
            expires,
            interval,
            last_poll: None,
            polls: 0,
            status: DeviceStatus::Pending,
        },
    );
    let uri = format!("{}/devicelogin", sim.public_origin());
    Ok(Json(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": uri,
        "expires_in": DEVICE_CODE_LIFETIME.as_secs(),
        "interval": interval.as_secs(),
        "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
    }))
    .into_response())
}

/// Approves (or declines) a device code as `upn`. Returns false when the code or user is unknown
/// or the code is no longer pending.
pub fn decide_device_code(sim: &mut Sim, user_code: &str, upn: &str, approve: bool) -> bool {
    let now = sim.clock.now();
    // At a tenant's own authority a guest signs in to that tenant; elsewhere, to their home.
    let user = sim
        .tenant_by_authority(
            &sim.device_codes
                .values()
                .find(|g| g.user_code.eq_ignore_ascii_case(user_code.trim()))
                .map(|g| g.tenant_path.clone())
                .unwrap_or_default(),
        )
        .and_then(|t| {
            sim.user_in_tenant(&t.id, upn)
                .map(|u| (t.id.clone(), u.id.clone(), t.domain.clone()))
        })
        .or_else(|| {
            sim.find_user(upn)
                .map(|(t, u)| (t.id.clone(), u.id.clone(), t.domain.clone()))
        });
    let Some(g) = sim
        .device_codes
        .values_mut()
        .find(|g| g.user_code.eq_ignore_ascii_case(user_code.trim()))
    else {
        return false;
    };
    if g.status != DeviceStatus::Pending || now >= g.expires {
        return false;
    }
    let Some((tid, uid, domain)) = user else {
        return false;
    };
    let path_ok = matches!(
        g.tenant_path.to_ascii_lowercase().as_str(),
        "organizations" | "common"
    ) || g.tenant_path.eq_ignore_ascii_case(&tid)
        || g.tenant_path.eq_ignore_ascii_case(&domain);
    if !path_ok {
        return false;
    }
    g.status = if approve {
        DeviceStatus::Approved {
            tenant_id: tid,
            user_id: uid,
        }
    } else {
        DeviceStatus::Declined
    };
    true
}

pub async fn devicelogin_get(State(shared): State<Shared>, Query(q): Query<Params>) -> Response {
    let sim = shared.lock();
    let mut rows = String::new();
    for t in &sim.tenants {
        for u in &t.users {
            rows.push_str(&format!(
                "<li><label><input type=\"radio\" name=\"upn\" value=\"{upn}\"/> {name} &lt;{upn}&gt; <small>{roles}</small></label></li>",
                upn = html_escape(&u.upn),
                name = html_escape(&u.display_name),
                roles = html_escape(&u.role_names().join(", ")),
            ));
        }
    }
    let code = q.get("otc").cloned().unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Enter code</title></head><body>\
         <h1>Enter code</h1><p>Enter the code displayed on your app or device, and pick who signs in.</p>\
         <form method=\"POST\" action=\"/devicelogin\"><label>Code <input name=\"user_code\" value=\"{}\"/></label>\
         <ul>{rows}</ul>\
         <button type=\"submit\" name=\"action\" value=\"approve\">Continue</button> \
         <button type=\"submit\" name=\"action\" value=\"decline\">Cancel</button></form></body></html>",
        html_escape(&code)
    ))
    .into_response()
}

pub async fn devicelogin_post(State(shared): State<Shared>, Form(f): Form<Params>) -> Response {
    let mut sim = shared.lock();
    let code = f.get("user_code").cloned().unwrap_or_default();
    let upn = f.get("upn").cloned().unwrap_or_default();
    let approve = f.get("action").map(String::as_str) != Some("decline");
    if decide_device_code(&mut sim, &code, &upn, approve) {
        let msg = if approve {
            "You have signed in to the application on your device. You may now close this window."
        } else {
            "You have declined to sign in to the application on your device."
        };
        Html(format!(
            "<!DOCTYPE html><html><body><h1>{msg}</h1></body></html>"
        ))
        .into_response()
    } else {
        error_page(StatusCode::BAD_REQUEST, 70000, "That code didn't work. Check the code and try again, or pick a user of the right tenant.")
    }
}
