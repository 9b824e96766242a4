//! The application or service principal a path's key names (once replicated), whether the
//! caller may manage an app, and the `Location` Graph answers for an application: what
//! `applications`, `passwords`, `service_principals` and `app_role_assignments` share.

use axum::http::{header, HeaderValue};
use axum::response::Response;
use serde_json::Value;

use super::access::may_manage;
use super::error::GraphError;
use super::{Call, Key};
use crate::state::{App, Sim, Sp, Tenant};

/// The app `key` names, once replicated.
pub(super) fn find_app<'a>(sim: &'a Sim, tenant: &'a Tenant, key: &Key) -> Option<&'a App> {
    tenant
        .apps
        .iter()
        .find(|a| sim.visible(a.visible_at) && key_matches(a, key))
}

pub(super) fn key_matches(app: &App, key: &Key) -> bool {
    match key.0.as_str() {
        "id" => app.id.eq_ignore_ascii_case(&key.1),
        "appId" => app.app_id.eq_ignore_ascii_case(&key.1),
        "uniqueName" => app
            .doc
            .get("uniqueName")
            .and_then(Value::as_str)
            .is_some_and(|u| u.eq_ignore_ascii_case(&key.1)),
        _ => false,
    }
}

/// The app `key` names, once replicated, that the caller may manage: else 404 or 403.
pub(super) fn manageable_app<'a>(
    sim: &'a Sim,
    call: &Call,
    key: &Key,
) -> Result<&'a App, GraphError> {
    let tenant = call.caller.tenant(sim)?;
    let app = find_app(sim, tenant, key).ok_or_else(|| GraphError::not_found(&key.1))?;
    if !may_manage(tenant, call.caller, &app.owners) {
        return Err(GraphError::denied());
    }
    Ok(app)
}

/// Graph's `Location` for an application: `{origin}/v2/{tid}/directoryObjects/{id}/Microsoft.DirectoryServices.Application`
/// (the directory's own address of the object, not itself served).
pub(super) fn set_location(response: &mut Response, origin: &str, tenant_id: &str, id: &str) {
    let location = format!(
        "{origin}/v2/{tenant_id}/directoryObjects/{id}/Microsoft.DirectoryServices.Application"
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
}

/// The service principal `key` names, once replicated.
pub(super) fn find_sp<'a>(sim: &Sim, tenant: &'a Tenant, key: &Key) -> Option<&'a Sp> {
    tenant.sps.iter().find(|s| {
        sim.visible(s.visible_at)
            && match key.0.as_str() {
                "id" => s.id.eq_ignore_ascii_case(&key.1),
                "appId" => s.app_id.eq_ignore_ascii_case(&key.1),
                _ => false,
            }
    })
}
