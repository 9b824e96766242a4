//! `/directory/deletedItems`: list deleted applications or service principals, get one, restore
//! it (an app comes back with its service principal), or delete it for good.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::access::may_manage;
use super::error::GraphError;
use super::odata::no_content;
use super::{check_object_id, Call};
use crate::permissions::Op;
use crate::state::{Deleted, DeletedObject, Sim, Tenant};

pub(super) fn route(sim: &mut Sim, call: &Call, rest: &[&str]) -> Result<Response, GraphError> {
    if let [id, ..] = rest {
        if !id.starts_with("microsoft.graph.") {
            check_object_id(&("id".to_string(), id.to_string()))?;
        }
    }
    match (rest, call.method()) {
        ([cast], &Method::GET) if cast.starts_with("microsoft.graph.") => list(sim, call, cast),
        ([id], &Method::GET) => get(sim, call, id),
        ([id], &Method::DELETE) => permanently_delete(sim, call, id),
        ([id, "restore"], &Method::POST) => restore(sim, call, id),
        _ => Err(GraphError::method_not_allowed()),
    }
}

/// `GET /directory/deletedItems/microsoft.graph.application` (or `.servicePrincipal`).
fn list(sim: &Sim, call: &Call, cast: &str) -> Result<Response, GraphError> {
    call.caller.allow(Op::ListDeletedItems)?;
    let tenant = call.caller.tenant(sim)?;
    let (type_name, set) = match cast {
        "microsoft.graph.application" => ("application", "applications"),
        "microsoft.graph.servicePrincipal" => ("servicePrincipal", "servicePrincipals"),
        other => return Err(GraphError::segment_not_found(other)),
    };
    let items = tenant
        .deleted
        .iter()
        .filter(|d| d.type_name() == type_name)
        .map(Deleted::json)
        .collect();
    call.request.list(set, items, type_name)
}

fn position(tenant: &Tenant, id: &str) -> Result<usize, GraphError> {
    tenant
        .deleted
        .iter()
        .position(|d| d.id().eq_ignore_ascii_case(id))
        .ok_or_else(|| GraphError::not_found(id))
}

/// A deleted object as `directoryObjects` returns it: its properties plus `@odata.type`.
fn typed(mut properties: Map<String, Value>, type_name: &str) -> Map<String, Value> {
    properties.insert(
        "@odata.type".into(),
        json!(format!("#microsoft.graph.{type_name}")),
    );
    properties
}

fn get(sim: &Sim, call: &Call, id: &str) -> Result<Response, GraphError> {
    call.caller.allow(Op::GetDeletedItem)?;
    let tenant = call.caller.tenant(sim)?;
    let deleted = &tenant.deleted[position(tenant, id)?];
    call.request.entity(
        "directoryObjects",
        typed(deleted.json(), deleted.type_name()),
        deleted.type_name(),
        StatusCode::OK,
    )
}

/// 403 unless the caller may manage the deleted object (admin role or owner).
fn check_may_manage(tenant: &Tenant, call: &Call, deleted: &Deleted) -> Result<(), GraphError> {
    let owners = match &deleted.object {
        DeletedObject::App(a) => &a.owners,
        DeletedObject::Sp(s, _) => &s.owners,
    };
    if may_manage(tenant, call.caller, owners) {
        Ok(())
    } else {
        Err(GraphError::denied())
    }
}

fn permanently_delete(sim: &mut Sim, call: &Call, id: &str) -> Result<Response, GraphError> {
    call.caller.allow(Op::PermanentlyDeleteItem)?;
    let tenant = call.caller.tenant(sim)?;
    check_may_manage(tenant, call, &tenant.deleted[position(tenant, id)?])?;
    let tenant = call.caller.tenant_mut(sim)?;
    tenant.deleted.retain(|d| !d.id().eq_ignore_ascii_case(id));
    Ok(no_content())
}

fn restore(sim: &mut Sim, call: &Call, id: &str) -> Result<Response, GraphError> {
    call.caller.allow(Op::RestoreDeletedItem)?;
    let tenant = call.caller.tenant(sim)?;
    let pos = position(tenant, id)?;
    check_may_manage(tenant, call, &tenant.deleted[pos])?;
    let tenant = call.caller.tenant_mut(sim)?;
    let deleted = tenant.deleted.remove(pos);
    let (properties, type_name) = match deleted.object {
        DeletedObject::App(app) => {
            // Restoring the app restores its service principal too.
            restore_sp_of_app(tenant, &app.app_id);
            let properties = app.json();
            tenant.apps.push(app);
            (properties, "application")
        }
        DeletedObject::Sp(sp, assignments) => {
            let properties = sp.doc.clone();
            tenant.sps.push(sp);
            tenant.assignments.extend(assignments);
            (properties, "servicePrincipal")
        }
    };
    call.request.entity(
        "directoryObjects",
        typed(properties, type_name),
        type_name,
        StatusCode::OK,
    )
}

fn restore_sp_of_app(tenant: &mut Tenant, app_id: &str) {
    let Some(pos) = tenant
        .deleted
        .iter()
        .position(|d| matches!(&d.object, DeletedObject::Sp(s, _) if s.app_id == app_id))
    else {
        return;
    };
    if let DeletedObject::Sp(sp, assignments) = tenant.deleted.remove(pos).object {
        tenant.sps.push(sp);
        tenant.assignments.extend(assignments);
    }
}
