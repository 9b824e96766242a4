//! `/servicePrincipals`: list, get (by id or `appId`), create, update, upsert
//! (`PATCH /servicePrincipals(appId='…')` with `Prefer: create-if-missing`) and delete. The
//! app role assignments under a service principal are in `app_role_assignments.rs`.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::access::{may_create_sp, may_manage};
use super::app_role_assignments;
use super::application_patch::{nullable_string, string_array};
use super::error::GraphError;
use super::lookup::{by_id_mut, find, get, list, set_location};
use super::odata::no_content;
use super::{Call, Key, Target};
use crate::permissions::Op;
use crate::state::{new_sp_doc, App, Assignment, Deleted, DeletedObject, Sim, Sp, Tenant};

pub(super) fn route(sim: &mut Sim, call: &Call, target: Target) -> Result<Response, GraphError> {
    match (target.key, target.rest, call.method()) {
        (None, [], &Method::GET) => list::<Sp>(sim, call),
        (None, [], &Method::POST) => {
            let body = call.request.json_body()?;
            create(sim, call, &body)
        }
        (Some(key), [], &Method::GET) => get::<Sp>(sim, call, &key),
        (Some(key), [], &Method::PATCH) => update(sim, call, key),
        (Some(key), [], &Method::DELETE) => delete(sim, call, &key),
        (Some(key), [navigation @ ("appRoleAssignedTo" | "appRoleAssignments")], method) => {
            match *method {
                Method::GET => app_role_assignments::list(sim, call, &key, navigation),
                Method::POST => app_role_assignments::grant(sim, call, &key, navigation),
                _ => Err(GraphError::segment_not_found(navigation)),
            }
        }
        (
            Some(key),
            [navigation @ ("appRoleAssignedTo" | "appRoleAssignments"), assignment_id],
            &Method::DELETE,
        ) => app_role_assignments::revoke(sim, call, &key, navigation, assignment_id),
        (_, rest, _) => Err(GraphError::no_route(rest)),
    }
}

/// The service principal `key` names that the caller may change (never Microsoft Graph's).
fn manageable_sp<'a>(
    sim: &'a Sim,
    tenant: &'a Tenant,
    call: &Call,
    key: &Key,
) -> Result<Option<&'a Sp>, GraphError> {
    let Some(sp) = find::<Sp>(sim, tenant, key) else {
        return Ok(None);
    };
    if sp.is_microsoft_graph() || !may_manage(tenant, call.caller, &sp.owners) {
        return Err(GraphError::denied());
    }
    Ok(Some(sp))
}

/// `PATCH`: updates the service principal, or creates it when an upsert by `appId` finds none.
fn update(sim: &mut Sim, call: &Call, key: Key) -> Result<Response, GraphError> {
    call.caller.allow(Op::WriteServicePrincipals)?;
    let mut body = call.request.json_body()?;
    let tenant = call.caller.tenant(sim)?;
    let Some(id) = manageable_sp(sim, tenant, call, &key)?.map(|s| s.id.clone()) else {
        if key.0 == "appId" && call.request.prefer_create() && !sim.scenario.refuse_upsert {
            body.insert("appId".into(), json!(key.1));
            return create(sim, call, &body);
        }
        return Err(GraphError::not_found(&key.1));
    };
    let sp = by_id_mut::<Sp>(sim, call, &id)?;
    apply_sp_patch(&mut sp.doc, &body)?;
    Ok(no_content())
}

fn delete(sim: &mut Sim, call: &Call, key: &Key) -> Result<Response, GraphError> {
    call.caller.allow(Op::WriteServicePrincipals)?;
    let wall = sim.clock.wall();
    let tenant = call.caller.tenant(sim)?;
    let sp = manageable_sp(sim, tenant, call, key)?
        .ok_or_else(|| GraphError::not_found(&key.1))?
        .clone();
    let tenant = call.caller.tenant_mut(sim)?;
    tenant.sps.retain(|s| s.id != sp.id);
    move_sp_to_deleted_items(tenant, sp, wall);
    Ok(no_content())
}

/// A deleted service principal takes the assignments it holds to the deleted items; those of
/// its own app roles are dropped.
pub(super) fn move_sp_to_deleted_items(tenant: &mut Tenant, sp: Sp, wall: time::OffsetDateTime) {
    let (held, others): (Vec<Assignment>, Vec<Assignment>) = tenant
        .assignments
        .drain(..)
        .partition(|a| a.principal_id == sp.id);
    tenant.assignments = others
        .into_iter()
        .filter(|a| a.resource_id != sp.id)
        .collect();
    tenant.deleted.push(Deleted {
        object: DeletedObject::Sp(sp, held),
        deleted_at: wall,
    });
}

fn apply_sp_patch(
    doc: &mut Map<String, Value>,
    body: &Map<String, Value>,
) -> Result<(), GraphError> {
    for (k, v) in body {
        let ok = match k.as_str() {
            "@odata.type" | "appId" => continue,
            "accountEnabled" | "appRoleAssignmentRequired" => v.is_boolean(),
            "description" | "notes" | "homepage" | "loginUrl" | "logoutUrl" | "preferredSingleSignOnMode" => nullable_string(v),
            "displayName" => v.is_string(),
            "tags" | "notificationEmailAddresses" | "alternativeNames" => string_array(v),
            _ => {
                return Err(GraphError::bad(format!(
                    "Property '{k}' does not exist as a declared property or extension property, or is not settable through tenant-sim."
                )))
            }
        };
        if !ok {
            return Err(GraphError::bad(format!(
                "Invalid value specified for property '{k}' of resource 'ServicePrincipal'."
            )));
        }
        doc.insert(k.clone(), v.clone());
    }
    Ok(())
}

// ---------------------------------------------------------------- create

/// `POST /servicePrincipals` (or an upsert's create): the app must exist and have replicated.
fn create(sim: &mut Sim, call: &Call, body: &Map<String, Value>) -> Result<Response, GraphError> {
    call.caller.allow(Op::WriteServicePrincipals)?;
    let app_id = body
        .get("appId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if app_id.is_empty() {
        return Err(GraphError::bad(
            "Invalid value specified for property 'appId' of resource 'ServicePrincipal'.",
        ));
    }
    let app = backing_app(sim, call, &app_id)?;
    // One service principal per app: its servicePrincipalNames (the appId among them) are
    // unique in the directory, so a second create is refused, replicated or not.
    if call
        .caller
        .tenant(sim)?
        .sps
        .iter()
        .any(|s| s.app_id.eq_ignore_ascii_case(&app.app_id))
    {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_MultipleObjectsWithSameKeyValue",
            format!("Another object with the same value for property servicePrincipalNames already exists: {}.", app.app_id),
        ));
    }
    let id = sim.guid();
    let visible_at = sim.new_visible_at();
    let origin = sim.public_origin();
    let created = sim.clock.wall();
    let tenant = call.caller.tenant_mut(sim)?;
    let mut doc = new_sp_doc(&id, &app, &tenant.id, created);
    let mut rest = body.clone();
    rest.remove("appId");
    apply_sp_patch(&mut doc, &rest)?;
    let tenant_id = tenant.id.clone();
    tenant.sps.push(Sp {
        id: id.clone(),
        app_id: app.app_id.clone(),
        doc: doc.clone(),
        visible_at,
        owners: vec![call.caller.owner_id().to_string()],
    });
    let mut response = call.request.entity(
        "servicePrincipals",
        doc,
        "servicePrincipal",
        StatusCode::CREATED,
    )?;
    set_location(&mut response, &origin, &tenant_id, &id, "ServicePrincipal");
    Ok(response)
}

/// The replicated application `app_id` names, which has no service principal yet and whose
/// service principal the caller may create.
fn backing_app(sim: &Sim, call: &Call, app_id: &str) -> Result<App, GraphError> {
    let now = sim.clock.now();
    let tenant = call.caller.tenant(sim)?;
    let Some(app) = tenant
        .apps
        .iter()
        .find(|a| a.app_id.eq_ignore_ascii_case(app_id) && now >= a.visible_at)
    else {
        return Err(no_backing_app(tenant, call, app_id));
    };
    if tenant
        .sps
        .iter()
        .any(|s| s.app_id.eq_ignore_ascii_case(app_id))
    {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_MultipleObjectsWithSameKeyValue",
            "Another object with the same value for property servicePrincipalNames already exists.",
        ));
    }
    if !may_create_sp(tenant, call.caller, app) {
        return Err(GraphError::denied());
    }
    Ok(app.clone())
}

fn no_backing_app(tenant: &Tenant, call: &Call, app_id: &str) -> GraphError {
    if call.caller.is_app()
        && tenant
            .apps
            .iter()
            .any(|a| a.app_id.eq_ignore_ascii_case(app_id))
    {
        // What app-only callers get while the application replicates: 403 "When using this
        // permission, the backing application of the service principal being created
        // must in the local tenant" (the message Terraform's azuread provider retries on).
        return GraphError::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "When using this permission, the backing application of the service principal being created must in the local tenant",
        );
    }
    let mut error = GraphError::bad(format!("The appId '{app_id}' of the service principal does not reference a valid application object."));
    error.details.push(json!({"code": "NoBackingApplicationObject", "message": "The service principal cannot be created as its backing application object is not present in the local tenant.", "target": "appId"}));
    error
}
