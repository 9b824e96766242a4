//! Microsoft Graph v1.0: the calls the wizard makes, with Graph's status codes, headers, OData
//! error bodies, `$select`, `$filter` (the `eq`/`startswith` forms the wizard uses),
//! `@odata.context`, replication delays and Entra's role and scope checks.
//!
//! - `error`: [`GraphError`] and Graph's error body;
//! - `odata`: query options, key segments, entity and collection responses;
//! - `access`: the caller (from the bearer token), permission and directory-role checks;
//! - `directory`: `/me`, `/users`, `/organization`, memberships, PIM-eligible roles, audit logs;
//! - `deleted_items`: `/directory/deletedItems`;
//! - `applications` (with `application_patch`, the body validation) and `passwords`;
//! - `service_principals` and `app_role_assignments`;
//! - `lookup`: the app or service principal a key names and the `GET`s both sets answer alike,
//!   shared by the four above.

mod access;
mod app_role_assignments;
mod application_patch;
mod applications;
mod deleted_items;
mod directory;
mod error;
mod lookup;
mod odata;
mod passwords;
mod service_principals;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};

pub use app_role_assignments::assignment_id;
pub use error::{error_response, GraphError};
pub(crate) use odata::key_segment;

use access::{authenticate, Caller};
use lookup::Entity;
use odata::{parse_query, GraphRequest};

use crate::shared::Shared;
use crate::state::{App, Sim, Sp};

/// Every `/v1.0/…` call. A [`GraphError`] is rendered by the fault/log middleware, which adds the
/// request's ids.
pub async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut sim = shared.lock();
    dispatch(&mut sim, method, &uri, &headers, &body).into_response()
}

/// Authenticates the caller and routes on the first path segment.
fn dispatch(
    sim: &mut Sim,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, GraphError> {
    let path = uri.path().strip_prefix("/v1.0").unwrap_or("");
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let caller = authenticate(sim, headers)?;
    let request = GraphRequest {
        origin: sim.public_origin(),
        method,
        query: parse_query(uri)?,
        headers,
        body,
    };
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let Some(first) = segments.first() else {
        return Err(GraphError::segment_not_found("v1.0"));
    };
    let (set, key) = key_segment(first);
    let call = Call {
        caller: &caller,
        request: &request,
    };
    match (set.to_ascii_lowercase().as_str(), key, &segments[1..]) {
        ("me", None, rest) => directory::me(sim, &call, rest),
        ("users", None, [id, rest @ ..]) => directory::user(sim, &call, id, rest),
        ("organization", None, rest) => directory::organization(sim, &call, rest),
        ("applications", key, rest) => {
            applications::route(sim, &call, resolve_key::<App>(key, rest)?)
        }
        ("serviceprincipals", key, rest) => {
            service_principals::route(sim, &call, resolve_key::<Sp>(key, rest)?)
        }
        ("directory", None, ["deletedItems", rest @ ..]) => deleted_items::route(sim, &call, rest),
        ("auditlogs", None, ["directoryAudits"]) => directory::directory_audits(&call),
        ("rolemanagement", None, ["directory", "roleEligibilityScheduleInstances", function])
            if function.starts_with("filterByCurrentUser") =>
        {
            directory::my_eligible_roles(sim, &call, function)
        }
        _ => Err(GraphError::segment_not_found(first)),
    }
}

/// Who calls, and what they ask.
struct Call<'a> {
    caller: &'a Caller,
    request: &'a GraphRequest<'a>,
}

impl Call<'_> {
    fn method(&self) -> &Method {
        &self.request.method
    }

    /// 405 unless the call is a GET.
    fn expect_get(&self) -> Result<(), GraphError> {
        if self.request.method == Method::GET {
            Ok(())
        } else {
            Err(GraphError::method_not_allowed())
        }
    }
}

/// An object's key in a path: (`id` | an alternate key property, value).
type Key = (String, String);

/// Directory object ids are GUIDs; anything else is refused before any lookup.
fn check_object_id(key: &Key) -> Result<(), GraphError> {
    if key.0 == "id" && uuid::Uuid::parse_str(&key.1).is_err() {
        return Err(GraphError::bad(format!(
            "Invalid object identifier '{}'.",
            key.1
        )));
    }
    Ok(())
}

/// Where in an entity set a call goes: the object's key (none for the set itself) and the
/// segments past it.
struct Target<'a> {
    key: Option<Key>,
    rest: &'a [&'a str],
}

/// `/applications/{id}/…` and `/applications(appId='…')/…` name the same object: folds the
/// first form into the second, then refuses malformed ids and keys `E` has no index on.
fn resolve_key<'a, E: Entity>(
    key: Option<Key>,
    rest: &'a [&'a str],
) -> Result<Target<'a>, GraphError> {
    let (key, rest) = match (key, rest) {
        (Some(k), rest) => (Some(k), rest),
        (None, [id, rest @ ..]) => (Some(("id".to_string(), id.to_string())), rest),
        (None, []) => (None, rest),
    };
    if let Some(k) = &key {
        check_object_id(k)?;
        if !E::KEYS.contains(&k.0.as_str()) {
            return Err(GraphError::odata(format!(
                "The key property '{}' is not an alternate key of 'microsoft.graph.{}'.",
                k.0,
                E::TYPE
            )));
        }
    }
    Ok(Target { key, rest })
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("a={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}
