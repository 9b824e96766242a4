//! Names the endpoint of a request (a [`Route`]): what faults, latency and the request log key on.

use axum::http::Method;

use crate::graph::key_segment;
use crate::scenario::Route;

/// Which endpoint a request is for (None for the admin API and unknown paths).
pub fn classify(method: &Method, path: &str) -> Option<Route> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["_sim", ..] => None,
        ["devicelogin"] => Some(Route::DeviceLogin),
        ["v1.0", rest @ ..] => Some(classify_graph(method, rest)),
        [_, "v2.0", ".well-known", "openid-configuration"] => Some(Route::OpenIdConfiguration),
        [_, "discovery", "v2.0", "keys"] => Some(Route::Keys),
        [_, "oauth2", "v2.0", "authorize"] => Some(Route::Authorize),
        [_, "oauth2", "v2.0", "token"] => Some(Route::Token),
        [_, "oauth2", "v2.0", "devicecode"] => Some(Route::DeviceCode),
        [_, "adminconsent"] | [_, "v2.0", "adminconsent"] => Some(Route::AdminConsent),
        _ => None,
    }
}

fn classify_graph(method: &Method, segments: &[&str]) -> Route {
    let Some(first) = segments.first() else {
        return Route::OtherGraph;
    };
    let (set, key) = key_segment(first);
    let (has_key, rest) = match (key.is_some(), &segments[1..]) {
        (true, rest) => (true, rest),
        (false, [_, rest @ ..]) => (true, rest),
        (false, []) => (false, &segments[1..]),
    };
    let key_name = key.map(|k| k.0);
    match (
        set.to_ascii_lowercase().as_str(),
        has_key,
        rest,
        method.clone(),
    ) {
        ("me", _, _, _) if segments.len() == 1 => Route::GetMe,
        ("me", _, _, _) => Route::ListMyDirectoryRoles,
        ("users", _, [], _) => Route::GetUser,
        ("users", _, _, _) => Route::ListMyDirectoryRoles,
        ("organization", _, _, _) => Route::GetOrganization,
        ("applications", false, [], Method::GET) => Route::ListApplications,
        ("applications", false, [], Method::POST) => Route::CreateApplication,
        ("applications", true, [], Method::GET) => Route::GetApplication,
        ("applications", true, [], Method::PATCH) if key_name.as_deref() == Some("uniqueName") => {
            Route::UpsertApplication
        }
        ("applications", true, [], Method::PATCH) => Route::UpdateApplication,
        ("applications", true, [], Method::DELETE) => Route::DeleteApplication,
        ("applications", true, ["addPassword"], _) => Route::AddPassword,
        ("applications", true, ["removePassword"], _) => Route::RemovePassword,
        ("serviceprincipals", false, [], Method::GET) => Route::ListServicePrincipals,
        ("serviceprincipals", false, [], Method::POST) => Route::CreateServicePrincipal,
        ("serviceprincipals", true, [], Method::GET) => Route::GetServicePrincipal,
        ("serviceprincipals", true, [], Method::PATCH) => Route::UpsertServicePrincipal,
        ("serviceprincipals", true, [], Method::DELETE) => Route::DeleteServicePrincipal,
        ("serviceprincipals", true, [_, _], Method::DELETE) => Route::RevokeAppRole,
        ("serviceprincipals", true, [_], Method::POST) => Route::GrantAppRole,
        ("serviceprincipals", true, ["appRoleAssignedTo"], Method::GET) => {
            Route::ListAppRoleAssignedTo
        }
        ("serviceprincipals", true, ["appRoleAssignments"], Method::GET) => {
            Route::ListAppRoleAssignments
        }
        ("directory", true, [c], Method::GET) if c.starts_with("microsoft.graph.") => {
            Route::ListDeletedItems
        }
        ("directory", true, [_], Method::GET) => Route::GetDeletedItem,
        ("directory", true, [_], Method::DELETE) => Route::PermanentlyDeleteItem,
        ("directory", true, [_, "restore"], Method::POST) => Route::RestoreDeletedItem,
        ("auditlogs", _, _, _) => Route::ListDirectoryAudits,
        ("rolemanagement", _, _, Method::GET)
            if segments
                .last()
                .is_some_and(|l| l.starts_with("filterByCurrentUser")) =>
        {
            Route::ListMyEligibleRoles
        }
        _ => Route::OtherGraph,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_named() {
        let g = |m: Method, p: &str| classify(&m, p);
        assert_eq!(
            g(Method::POST, "/organizations/oauth2/v2.0/token"),
            Some(Route::Token)
        );
        assert_eq!(
            g(Method::GET, "/common/v2.0/.well-known/openid-configuration"),
            Some(Route::OpenIdConfiguration)
        );
        assert_eq!(
            g(Method::POST, "/v1.0/applications"),
            Some(Route::CreateApplication)
        );
        assert_eq!(
            g(Method::PATCH, "/v1.0/applications(uniqueName='x')"),
            Some(Route::UpsertApplication)
        );
        assert_eq!(
            g(Method::PATCH, "/v1.0/applications/abc"),
            Some(Route::UpdateApplication)
        );
        assert_eq!(
            g(Method::POST, "/v1.0/applications/abc/addPassword"),
            Some(Route::AddPassword)
        );
        assert_eq!(
            g(Method::POST, "/v1.0/servicePrincipals/x/appRoleAssignedTo"),
            Some(Route::GrantAppRole)
        );
        assert_eq!(
            g(Method::GET, "/v1.0/servicePrincipals(appId='x')"),
            Some(Route::GetServicePrincipal)
        );
        assert_eq!(
            g(
                Method::GET,
                "/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole"
            ),
            Some(Route::ListMyDirectoryRoles)
        );
        assert_eq!(
            g(Method::DELETE, "/v1.0/directory/deletedItems/x"),
            Some(Route::PermanentlyDeleteItem)
        );
        assert_eq!(
            g(
                Method::GET,
                "/v1.0/directory/deletedItems/microsoft.graph.application"
            ),
            Some(Route::ListDeletedItems)
        );
        assert_eq!(
            g(
                Method::GET,
                "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')"
            ),
            Some(Route::ListMyEligibleRoles)
        );
        assert_eq!(g(Method::GET, "/_sim/state"), None);
    }
}
