//! `/applications`: list, get (by id, `appId` or `uniqueName`), create, update, upsert
//! (`PATCH /applications(uniqueName='…')` with `Prefer: create-if-missing`) and delete (the app's
//! service principal goes to the deleted items with it). Passwords are in `passwords.rs`, body
//! validation in `application_patch.rs`.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::access::may_create_application;
use super::application_patch::apply_app_patch;
use super::error::GraphError;
use super::lookup::{by_id_mut, find, get, list, manageable_app, set_location};
use super::odata::no_content;
use super::service_principals::move_sp_to_deleted_items;
use super::{passwords, Call, Key, Target};
use crate::permissions::Op;
use crate::state::{default_access_token_version, new_app_doc, App, Deleted, DeletedObject, Sim};

pub(super) fn route(sim: &mut Sim, call: &Call, target: Target) -> Result<Response, GraphError> {
    match (target.key, target.rest, call.method()) {
        (None, [], &Method::GET) => list::<App>(sim, call),
        (None, [], &Method::POST) => create(sim, call, None),
        (Some(key), [], &Method::GET) => get::<App>(sim, call, &key),
        (Some(key), [], &Method::PATCH) => update(sim, call, key),
        (Some(key), [], &Method::DELETE) => delete(sim, call, &key),
        (Some(key), ["addPassword"], &Method::POST) => passwords::add(sim, call, &key),
        (Some(key), ["removePassword"], &Method::POST) => passwords::remove(sim, call, &key),
        (_, rest, _) => Err(GraphError::no_route(rest)),
    }
}

/// `PATCH`: updates the app, or creates it when an upsert by `uniqueName` finds none.
fn update(sim: &mut Sim, call: &Call, key: Key) -> Result<Response, GraphError> {
    call.caller.allow(Op::WriteApplications)?;
    let tenant = call.caller.tenant(sim)?;
    if find::<App>(sim, tenant, &key).is_none() {
        if key.0 == "uniqueName" && call.request.prefer_create() && !sim.scenario.refuse_upsert {
            return create(sim, call, Some(key.1));
        }
        return Err(GraphError::not_found(&key.1));
    }
    let id = manageable_app(sim, call, &key)?.id.clone();
    let body = call.request.json_body()?;
    let app = by_id_mut::<App>(sim, call, &id)?;
    let mut doc = app.doc.clone();
    apply_app_patch(&mut doc, &body, false)?;
    app.doc = doc;
    Ok(no_content())
}

fn delete(sim: &mut Sim, call: &Call, key: &Key) -> Result<Response, GraphError> {
    call.caller.allow(Op::WriteApplications)?;
    let wall = sim.clock.wall();
    let app = manageable_app(sim, call, key)?.clone();
    let tenant = call.caller.tenant_mut(sim)?;
    tenant.apps.retain(|a| a.id != app.id);
    // The app's service principal goes to the deleted items with it.
    if let Some(pos) = tenant.sps.iter().position(|s| s.app_id == app.app_id) {
        let sp = tenant.sps.remove(pos);
        move_sp_to_deleted_items(tenant, sp, wall);
    }
    tenant.deleted.push(Deleted {
        object: DeletedObject::App(app),
        deleted_at: wall,
    });
    Ok(no_content())
}

/// `POST /applications`, or an upsert's create (`unique_name` from the path).
pub(super) fn create(
    sim: &mut Sim,
    call: &Call,
    unique_name: Option<String>,
) -> Result<Response, GraphError> {
    call.caller.allow(Op::WriteApplications)?;
    let body = call.request.json_body()?;
    check_may_create(sim, call, unique_name.as_deref())?;
    let id = sim.guid();
    let app_id = sim.guid();
    let wall = sim.clock.wall();
    let visible_at = sim.new_visible_at();
    let origin = sim.public_origin();
    let tenant = call.caller.tenant_mut(sim)?;
    let mut doc = new_app_doc(&id, &app_id, wall, &tenant.domain);
    if let Some(u) = &unique_name {
        doc.insert("uniqueName".into(), json!(u));
    }
    apply_app_patch(&mut doc, &body, true)?;
    default_access_token_version(&mut doc);
    if doc.get("displayName").is_none_or(Value::is_null) {
        return Err(GraphError::bad(
            "Invalid value specified for property 'displayName' of resource 'Application'.",
        ));
    }
    let app = App {
        id: id.clone(),
        app_id,
        doc,
        passwords: vec![],
        owners: vec![call.caller.owner_id().to_string()],
        visible_at,
    };
    let properties = app.json();
    let tenant_id = tenant.id.clone();
    tenant.apps.push(app);
    let mut response = call.request.entity(
        "applications",
        properties,
        "application",
        StatusCode::CREATED,
    )?;
    set_location(&mut response, &origin, &tenant_id, &id, "Application");
    Ok(response)
}

/// 403 unless the caller may register apps; 409 when an upsert's `uniqueName` is taken.
fn check_may_create(sim: &Sim, call: &Call, unique_name: Option<&str>) -> Result<(), GraphError> {
    let tenant = call.caller.tenant(sim)?;
    if !may_create_application(sim, tenant, call.caller) {
        return Err(GraphError::denied());
    }
    let Some(unique_name) = unique_name else {
        return Ok(());
    };
    let taken = tenant.apps.iter().any(|a| {
        a.doc
            .get("uniqueName")
            .and_then(Value::as_str)
            .is_some_and(|x| x.eq_ignore_ascii_case(unique_name))
    });
    if taken {
        // Visible or not, the key is taken: what Entra answers while an upsert replicates.
        return Err(GraphError::new(StatusCode::CONFLICT, "Request_MultipleObjectsWithSameKeyValue", format!("Another object with the same value for property uniqueName '{unique_name}' already exists.")));
    }
    Ok(())
}
