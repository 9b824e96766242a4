//! `POST /applications/{id}/addPassword` and `/removePassword`: client secrets, their lifetime
//! and the tenant's app-management policy, and replication of a new password.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::error::GraphError;
use super::lookup::{by_id_mut, manageable_app, set_location, Entity};
use super::odata::{json_response, no_content};
use super::{Call, Key};
use crate::permissions::Op;
use crate::scenario::PasswordPolicy;
use crate::state::{obj, sha256, App, Password, Sim};

/// Graph's default lifetime of a secret: two years (and a day).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(2 * 365 * 24 * 3600 + 24 * 3600);

/// The `passwordCredential` of an addPassword body, checked.
struct RequestedPassword {
    display_name: Option<String>,
    start: time::OffsetDateTime,
    end: time::OffsetDateTime,
}

pub(super) fn add(sim: &mut Sim, call: &Call, key: &Key) -> Result<Response, GraphError> {
    call.caller.allow(Op::WriteApplications)?;
    let requested = requested_password(&call.request.json_body()?, sim.clock.wall())?;
    manageable_app(sim, call, key)?;
    check_policy(&sim.scenario.password_policy, &requested)?;
    // Drawn in this order, so a seed gives the same secrets and ids.
    let secret = sim.secret();
    let key_id = sim.guid();
    let ready_at = sim.clock.now() + sim.scenario.secret_ready_delay;
    let visible_at = sim.new_visible_at();
    let password = Password {
        visible_at,
        key_id,
        display_name: requested.display_name,
        hint: secret.chars().take(3).collect(),
        start: requested.start,
        end: requested.end,
        secret_sha256: sha256(&secret),
        ready_at,
    };
    let mut out = obj(password.json());
    out.insert("secretText".into(), json!(secret));
    out.insert(
        "@odata.context".into(),
        json!(call
            .request
            .context_url("microsoft.graph.passwordCredential")),
    );
    let now = sim.clock.now();
    let origin = sim.public_origin();
    let tenant = call.caller.tenant_mut(sim)?;
    let tenant_id = tenant.id.clone();
    let app = tenant
        .apps
        .iter_mut()
        .find(|a| now >= a.visible_at && a.matches(key))
        .ok_or_else(|| GraphError::not_found(&key.1))?;
    app.passwords.push(password);
    // Graph answers addPassword with the application's Location, as it does a create (the
    // issue-19 capture of Microsoft's answer; the addPassword page's example shows only the
    // Content-type header of a 200 with the passwordCredential).
    let mut response = json_response(StatusCode::OK, Value::Object(out));
    set_location(&mut response, &origin, &tenant_id, &app.id, "Application");
    Ok(response)
}

fn requested_password(
    body: &Map<String, Value>,
    now: time::OffsetDateTime,
) -> Result<RequestedPassword, GraphError> {
    let credential = match body.get("passwordCredential") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(GraphError::bad(
                "Invalid value specified for property 'passwordCredential'.",
            ))
        }
    };
    for name in credential.keys() {
        if !matches!(
            name.as_str(),
            "displayName"
                | "endDateTime"
                | "startDateTime"
                | "@odata.type"
                | "customKeyIdentifier"
                | "keyId"
                | "hint"
                | "secretText"
        ) {
            return Err(GraphError::bad(format!(
                "Property '{name}' does not exist as a declared property or extension property."
            )));
        }
    }
    let start = parse_time(credential.get("startDateTime"), "startDateTime")?.unwrap_or(now);
    let end = parse_time(credential.get("endDateTime"), "endDateTime")?
        .unwrap_or_else(|| start + DEFAULT_LIFETIME);
    if end <= start {
        return Err(GraphError::bad("Key credential end date is invalid."));
    }
    let display_name = match credential.get("displayName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(GraphError::bad(
                "Invalid value specified for property 'displayName'.",
            ))
        }
    };
    Ok(RequestedPassword {
        display_name,
        start,
        end,
    })
}

fn parse_time(
    value: Option<&Value>,
    property: &str,
) -> Result<Option<time::OffsetDateTime>, GraphError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map(Some)
            .map_err(|_| GraphError::odata(format!("Cannot convert the literal '{s}' to the expected type 'Edm.DateTimeOffset' ({property})."))),
        Some(_) => Err(GraphError::odata(format!("Invalid value for '{property}'."))),
    }
}

/// The tenant's app-management policy (`Scenario::password_policy`).
fn check_policy(
    policy: &Option<PasswordPolicy>,
    requested: &RequestedPassword,
) -> Result<(), GraphError> {
    match policy {
        Some(PasswordPolicy::Block) => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "CredentialTypeNotAllowedAsPerAppPolicy",
            "Credential type not allowed as per assigned policy.",
        )),
        Some(PasswordPolicy::MaxLifetime(max)) if requested.end - requested.start > *max => {
            Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "CredentialInvalidLifetimeAsPerAppPolicy",
                "Credential lifetime exceeds the max value allowed as per assigned policy.",
            ))
        }
        _ => Ok(()),
    }
}

pub(super) fn remove(sim: &mut Sim, call: &Call, key: &Key) -> Result<Response, GraphError> {
    call.caller.allow(Op::WriteApplications)?;
    let id = manageable_app(sim, call, key)?.id.clone();
    let now = sim.clock.now();
    let body = call.request.json_body()?;
    let key_id = body
        .get("keyId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let app = by_id_mut::<App>(sim, call, &id)?;
    // A password added moments ago may not have replicated to the replica serving the
    // removal: Graph answers as if the keyId did not exist until it has.
    let before = app.passwords.len();
    app.passwords
        .retain(|p| !(p.key_id.eq_ignore_ascii_case(&key_id) && now >= p.visible_at));
    if app.passwords.len() == before {
        return Err(GraphError::bad(format!(
            "No password credential found with keyId '{key_id}'."
        )));
    }
    Ok(no_content())
}
