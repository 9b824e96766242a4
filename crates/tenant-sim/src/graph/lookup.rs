//! The application or service principal a path's key names (once replicated), whether the
//! caller may manage an app, the `GET`s both sets answer alike, and the `Location` Graph answers
//! for an application: what `applications`, `passwords`, `service_principals` and
//! `app_role_assignments` share.

use std::time::Instant;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};

use super::access::may_manage;
use super::error::GraphError;
use super::{Call, Key};
use crate::permissions::Op;
use crate::state::{App, Sim, Sp, Tenant};

/// What `/applications` and `/servicePrincipals` serve alike.
pub(super) trait Entity: Sized {
    /// The entity set (`applications`) and the type (`application`) in Graph's answers.
    const SET: &'static str;
    const TYPE: &'static str;
    /// The key properties a path may name an object by (`id` and the alternate keys).
    const KEYS: &'static [&'static str];
    /// The permission reading the set takes.
    const READ: Op;
    fn all(tenant: &Tenant) -> &[Self];
    fn all_mut(tenant: &mut Tenant) -> &mut [Self];
    fn id(&self) -> &str;
    fn visible_at(&self) -> Instant;
    /// The properties Graph answers with.
    fn json(&self) -> Map<String, Value>;
    /// `key` names this object (case-insensitively, as Entra compares).
    fn matches(&self, key: &Key) -> bool;
}

impl Entity for App {
    const SET: &'static str = "applications";
    const TYPE: &'static str = "application";
    const KEYS: &'static [&'static str] = &["id", "appId", "uniqueName"];
    const READ: Op = Op::ReadApplications;
    fn all(tenant: &Tenant) -> &[Self] {
        &tenant.apps
    }
    fn all_mut(tenant: &mut Tenant) -> &mut [Self] {
        &mut tenant.apps
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn visible_at(&self) -> Instant {
        self.visible_at
    }
    fn json(&self) -> Map<String, Value> {
        App::json(self)
    }
    fn matches(&self, key: &Key) -> bool {
        match key.0.as_str() {
            "id" => self.id.eq_ignore_ascii_case(&key.1),
            "appId" => self.app_id.eq_ignore_ascii_case(&key.1),
            "uniqueName" => self
                .doc
                .get("uniqueName")
                .and_then(Value::as_str)
                .is_some_and(|u| u.eq_ignore_ascii_case(&key.1)),
            _ => false,
        }
    }
}

impl Entity for Sp {
    const SET: &'static str = "servicePrincipals";
    const TYPE: &'static str = "servicePrincipal";
    const KEYS: &'static [&'static str] = &["id", "appId"];
    const READ: Op = Op::ReadServicePrincipals;
    fn all(tenant: &Tenant) -> &[Self] {
        &tenant.sps
    }
    fn all_mut(tenant: &mut Tenant) -> &mut [Self] {
        &mut tenant.sps
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn visible_at(&self) -> Instant {
        self.visible_at
    }
    fn json(&self) -> Map<String, Value> {
        self.doc.clone()
    }
    fn matches(&self, key: &Key) -> bool {
        match key.0.as_str() {
            "id" => self.id.eq_ignore_ascii_case(&key.1),
            "appId" => self.app_id.eq_ignore_ascii_case(&key.1),
            _ => false,
        }
    }
}

/// The object `key` names, once replicated.
pub(super) fn find<'a, E: Entity>(sim: &Sim, tenant: &'a Tenant, key: &Key) -> Option<&'a E> {
    E::all(tenant)
        .iter()
        .find(|e| sim.visible(e.visible_at()) && e.matches(key))
}

/// `GET` on the set: every object of it, once replicated.
pub(super) fn list<E: Entity>(sim: &Sim, call: &Call) -> Result<Response, GraphError> {
    call.caller.allow(E::READ)?;
    let tenant = call.caller.tenant(sim)?;
    let items = E::all(tenant)
        .iter()
        .filter(|e| sim.visible(e.visible_at()))
        .map(E::json)
        .collect();
    call.request.list(E::SET, items, E::TYPE)
}

/// `GET` on the object `key` names, once replicated: else 404.
pub(super) fn get<E: Entity>(sim: &Sim, call: &Call, key: &Key) -> Result<Response, GraphError> {
    call.caller.allow(E::READ)?;
    let tenant = call.caller.tenant(sim)?;
    let found = find::<E>(sim, tenant, key).ok_or_else(|| GraphError::not_found(&key.1))?;
    call.request
        .entity(E::SET, found.json(), E::TYPE, StatusCode::OK)
}

/// The object with this object id, to change (the caller has checked it may): else 404.
pub(super) fn by_id_mut<'a, E: Entity>(
    sim: &'a mut Sim,
    call: &Call,
    id: &str,
) -> Result<&'a mut E, GraphError> {
    E::all_mut(call.caller.tenant_mut(sim)?)
        .iter_mut()
        .find(|e| e.id() == id)
        .ok_or_else(|| GraphError::not_found(id))
}

/// The app `key` names, once replicated, that the caller may manage: else 404 or 403.
pub(super) fn manageable_app<'a>(
    sim: &'a Sim,
    call: &Call,
    key: &Key,
) -> Result<&'a App, GraphError> {
    let tenant = call.caller.tenant(sim)?;
    let app = find::<App>(sim, tenant, key).ok_or_else(|| GraphError::not_found(&key.1))?;
    if !may_manage(tenant, call.caller, &app.owners) {
        return Err(GraphError::denied());
    }
    Ok(app)
}

/// Graph's `Location` for a new object: `{origin}/v2/{tid}/directoryObjects/{id}/Microsoft.DirectoryServices.{class}`
/// (the directory's own address of the object, not itself served), `class` being `Application`
/// or `ServicePrincipal`.
pub(super) fn set_location(
    response: &mut Response,
    origin: &str,
    tenant_id: &str,
    id: &str,
    class: &str,
) {
    let location = format!(
        "{origin}/v2/{tenant_id}/directoryObjects/{id}/Microsoft.DirectoryServices.{class}"
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
}
