//! Admin consent once the admin has signed in: every Microsoft Graph app role in the app's
//! `requiredResourceAccess` is granted (its service principal created if needed) when the admin
//! is a Global or Privileged Role Administrator, then the redirect back to the client.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::pages::{error_page, error_redirect, redirect_to_client};
use crate::catalog::{self, GRAPH_APP_ID};
use crate::graph::assignment_id;
use crate::state::{new_sp_doc, App, Assignment, PendingAuthorize, Sim, Sp, Tenant};

/// Grants every application permission the app's `requiredResourceAccess` asks of Microsoft
/// Graph (creating the app's service principal if needed), as the portal's button does.
pub(super) fn finish_admin_consent(
    sim: &mut Sim,
    pending: &PendingAuthorize,
    tenant_id: &str,
    user_id: &str,
) -> Response {
    let ConsentRequest {
        app,
        graph,
        wanted,
        existing_sp,
    } = match consent_request(sim, pending, tenant_id, user_id) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let visible_at = sim.new_visible_at();
    let created = sim.clock.wall();
    let sp = existing_sp.unwrap_or_else(|| {
        let sp_id = sim.guid();
        Sp {
            doc: new_sp_doc(&sp_id, &app, tenant_id, created),
            id: sp_id,
            app_id: app.app_id.clone(),
            visible_at,
            owners: vec![],
        }
    });
    let new_assignments = new_assignments(sim, tenant_id, (&sp, &graph), wanted, visible_at);
    let Some(tenant) = sim.tenant_mut(tenant_id) else {
        return error_page(StatusCode::BAD_REQUEST, 90002, "Tenant not found.");
    };
    if !tenant.sps.iter().any(|s| s.id == sp.id) {
        tenant.sps.push(sp);
    }
    tenant.assignments.extend(new_assignments);
    let mut params = vec![
        ("admin_consent", "True".to_string()),
        ("tenant", tenant_id.to_string()),
    ];
    if let Some(s) = &pending.state {
        params.push(("state", s.clone()));
    }
    if !pending.scope.is_empty() {
        params.push(("scope", pending.scope.clone()));
    }
    redirect_to_client(&pending.redirect_uri, &pending.response_mode, &params)
}

/// What an admin consents to.
struct ConsentRequest {
    app: App,
    /// Microsoft Graph's service principal.
    graph: Sp,
    /// The Graph app role ids the app asks for.
    wanted: Vec<String>,
    /// The app's service principal, if it has one.
    existing_sp: Option<Sp>,
}

/// What the admin consents to; or the page or redirect that refuses consent.
fn consent_request(
    sim: &Sim,
    pending: &PendingAuthorize,
    tenant_id: &str,
    user_id: &str,
) -> Result<ConsentRequest, Box<Response>> {
    let Some(tenant) = sim.tenant(tenant_id) else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            90002,
            "Tenant not found.",
        )));
    };
    let Some(user) = tenant.user(user_id) else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            50034,
            "The user account does not exist in the directory.",
        )));
    };
    let Some(app) = tenant.apps.iter().find(|a| a.app_id == pending.client_id) else {
        return Err(Box::new(error_redirect(
            pending,
            "invalid_request",
            700016,
            "The application was not found in the tenant of the signed-in admin.",
        )));
    };
    let may_grant_graph = user.has_role(catalog::GLOBAL_ADMINISTRATOR)
        || user.has_role(catalog::PRIVILEGED_ROLE_ADMINISTRATOR);
    if !may_grant_graph {
        return Err(Box::new(error_redirect(pending, "access_denied", 90094, "Granting admin consent for Microsoft Graph application permissions needs a Global Administrator or Privileged Role Administrator.")));
    }
    let Some(graph) = tenant.graph_sp() else {
        return Err(Box::new(error_redirect(
            pending,
            "server_error",
            500011,
            "Microsoft Graph service principal missing.",
        )));
    };
    let wanted = wanted_graph_app_roles(app);
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !graph.app_role_ids().iter().any(|id| id == *w))
    {
        return Err(Box::new(error_redirect(pending, "invalid_client", 650051, &format!("Using application 'Microsoft Graph' is currently not supported for your account type. Claim is invalid: {unknown} does not exist on resource application {GRAPH_APP_ID}."))));
    }
    let existing_sp = tenant.sps.iter().find(|s| s.app_id == app.app_id).cloned();
    Ok(ConsentRequest {
        app: app.clone(),
        graph: graph.clone(),
        wanted,
        existing_sp,
    })
}

/// The ids of the Microsoft Graph app roles (`type` Role) in the app's `requiredResourceAccess`.
fn wanted_graph_app_roles(app: &App) -> Vec<String> {
    app.doc
        .get("requiredResourceAccess")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("resourceAppId").and_then(Value::as_str) == Some(GRAPH_APP_ID))
        .flat_map(|r| {
            r.get("resourceAccess")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|ra| ra.get("type").and_then(Value::as_str) == Some("Role"))
        .filter_map(|ra| ra.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// One assignment per wanted app role `sp` does not hold yet.
fn new_assignments(
    sim: &mut Sim,
    tenant_id: &str,
    (sp, graph): (&Sp, &Sp),
    wanted: Vec<String>,
    visible_at: std::time::Instant,
) -> Vec<Assignment> {
    let now = sim.clock.now();
    let wall = sim.clock.wall();
    let effective_at = now + sim.scenario.role_propagation_delay;
    let mut assignments: Vec<Assignment> = Vec::new();
    for app_role_id in wanted {
        let held = sim
            .tenant(tenant_id)
            .is_some_and(|t| holds(t, &sp.id, &graph.id, &app_role_id));
        if held || assignments.iter().any(|a| a.app_role_id == app_role_id) {
            continue;
        }
        assignments.push(Assignment {
            id: assignment_id(sim),
            app_role_id,
            principal_id: sp.id.clone(),
            principal_type: "ServicePrincipal".into(),
            principal_display_name: sp.display_name(),
            resource_id: graph.id.clone(),
            resource_display_name: graph.display_name(),
            created: wall,
            visible_at,
            effective_at,
        });
    }
    assignments
}

fn holds(tenant: &Tenant, principal_id: &str, resource_id: &str, app_role_id: &str) -> bool {
    tenant.assignments.iter().any(|a| {
        a.principal_id == principal_id
            && a.resource_id == resource_id
            && a.app_role_id == app_role_id
    })
}
