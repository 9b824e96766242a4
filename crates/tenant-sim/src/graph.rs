//! Microsoft Graph v1.0: the calls the wizard makes, with Graph's status codes, headers, OData
//! error bodies, `$select`, `$filter` (the `eq`/`startswith` forms the wizard uses),
//! `@odata.context`, replication delays and Entra's role and scope checks.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Map, Value};

use crate::catalog::{self, GRAPH_APP_ID};
use crate::permissions::{self, Op};
use crate::scenario::PasswordPolicy;
use crate::shared::{RequestCtx, Shared};
use crate::state::{
    new_app_doc, new_sp_doc, short_time, App, Assignment, Deleted, DeletedObject, Password, Sim,
    Sp, Tenant,
};

pub const JSON_CONTENT_TYPE: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// A Graph error: rendered as `{"error":{"code","message","innerError":{...}}}`.
#[derive(Debug)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<Value>,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: vec![],
        }
    }
    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }
    fn not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }
    fn denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }
    fn unauthorized(message: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }
}

/// Renders an OData error with the request's ids (used by faults too).
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    details: &[Value],
    ctx: &RequestCtx,
    now: time::OffsetDateTime,
) -> Response {
    let mut inner = json!({
        "date": short_time(now),
        "request-id": ctx.request_id,
        "client-request-id": ctx.client_request_id.clone().unwrap_or_else(|| ctx.request_id.clone()),
    });
    if status == StatusCode::TOO_MANY_REQUESTS {
        inner["code"] = json!("429");
        inner["message"] = json!("Please retry after");
        inner["status"] = json!("429");
    }
    let mut err = json!({ "code": code, "message": message, "innerError": inner });
    if !details.is_empty() {
        err["details"] = json!(details);
    }
    let body = json!({ "error": err });
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn json_response(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    r.headers_mut()
        .insert("odata-version", HeaderValue::from_static("4.0"));
    r
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

// ---------------------------------------------------------------- caller

#[derive(Debug, Clone)]
enum Principal {
    User {
        user_id: String,
        scopes: Vec<String>,
    },
    App {
        sp_id: String,
        roles: Vec<String>,
    },
}

#[derive(Debug, Clone)]
struct Caller {
    tenant_id: String,
    principal: Principal,
}

fn authenticate(sim: &Sim, headers: &HeaderMap) -> Result<Caller, GraphError> {
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(GraphError::unauthorized("Access token is empty."));
    };
    let token = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
        .unwrap_or("")
        .trim();
    if token.is_empty() {
        return Err(GraphError::unauthorized("Access token is empty."));
    }
    let claims = sim.verify(token).map_err(|e| {
        if e == "expired" {
            GraphError::unauthorized("Lifetime validation failed, the token is expired.")
        } else {
            GraphError::unauthorized(
                "Access token validation failure. Invalid signature or malformed token.",
            )
        }
    })?;
    let aud = claims
        .get("aud")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(
        aud,
        "https://graph.microsoft.com" | "https://graph.microsoft.com/" | GRAPH_APP_ID
    ) {
        return Err(GraphError::unauthorized(
            "Access token validation failure. Invalid audience.",
        ));
    }
    let tid = claims
        .get("tid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(t) = sim.tenant(tid) else {
        return Err(GraphError::unauthorized(
            "Access token validation failure. Invalid tenant.",
        ));
    };
    let oid = claims
        .get("oid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let principal = if claims.get("idtyp").and_then(Value::as_str) == Some("app") {
        if !t.sps.iter().any(|s| s.id == oid) {
            return Err(GraphError::unauthorized(
                "Access token validation failure. The service principal no longer exists.",
            ));
        }
        let roles = claims
            .get("roles")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Principal::App {
            sp_id: oid.into(),
            roles,
        }
    } else {
        if t.user(oid).is_none() {
            return Err(GraphError::unauthorized(
                "Access token validation failure. The user no longer exists.",
            ));
        }
        let scopes = claims
            .get("scp")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        Principal::User {
            user_id: oid.into(),
            scopes,
        }
    };
    Ok(Caller {
        tenant_id: tid.into(),
        principal,
    })
}

/// The caller's permissions: delegated scopes or app roles.
fn granted(c: &Caller) -> &[String] {
    match &c.principal {
        Principal::User { scopes, .. } => scopes,
        Principal::App { roles, .. } => roles,
    }
}

/// 403 `Authorization_RequestDenied` unless the token allows `op` (see `permissions.rs`).
fn allow(c: &Caller, op: Op) -> Result<(), GraphError> {
    let row = permissions::of(op);
    let need = match c.principal {
        Principal::User { .. } => row.delegated,
        Principal::App { .. } => row.application,
    };
    if permissions::satisfies(need, granted(c)) {
        Ok(())
    } else {
        Err(GraphError::denied())
    }
}

/// Whether the caller may read any of `perms` (no 403: for "limited information" decisions).
fn holds_any(c: &Caller, perms: &[&str]) -> bool {
    permissions::satisfies(&[perms], granted(c))
}

fn user_roles(t: &Tenant, c: &Caller) -> Vec<String> {
    match &c.principal {
        Principal::User { user_id, .. } => {
            t.user(user_id).map(|u| u.roles.clone()).unwrap_or_default()
        }
        Principal::App { .. } => vec![],
    }
}

fn caller_user_id(c: &Caller) -> Option<&str> {
    match &c.principal {
        Principal::User { user_id, .. } => Some(user_id),
        Principal::App { .. } => None,
    }
}

/// Who becomes owner of an object the caller creates: the user, or the calling app's SP.
fn caller_owner_id(c: &Caller) -> &str {
    match &c.principal {
        Principal::User { user_id, .. } => user_id,
        Principal::App { sp_id, .. } => sp_id,
    }
}

fn has_any(roles: &[String], wanted: &[&str]) -> bool {
    roles
        .iter()
        .any(|r| wanted.iter().any(|w| r.eq_ignore_ascii_case(w)))
}

const APP_ADMIN_ROLES: &[&str] = &[
    catalog::GLOBAL_ADMINISTRATOR,
    catalog::APPLICATION_ADMINISTRATOR,
    catalog::CLOUD_APPLICATION_ADMINISTRATOR,
];

/// May the caller manage this app (admin role or owner)? App-only callers need the app role.
fn may_manage(t: &Tenant, c: &Caller, owners: &[String]) -> bool {
    match &c.principal {
        Principal::App { .. } => true,
        Principal::User { user_id, .. } => {
            has_any(&user_roles(t, c), APP_ADMIN_ROLES) || owners.iter().any(|o| o == user_id)
        }
    }
}

// ---------------------------------------------------------------- query options

#[derive(Debug, Default)]
struct Query {
    select: Option<Vec<String>>,
    filter: Option<String>,
    top: Option<usize>,
    count: bool,
    expand: Option<String>,
}

fn parse_query(uri: &Uri) -> Result<Query, GraphError> {
    let mut q = Query::default();
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match k.trim_start_matches('$').to_ascii_lowercase().as_str() {
            "select" => {
                q.select = Some(
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            }
            "filter" => q.filter = Some(v.into_owned()),
            "top" => {
                q.top = Some(v.parse().map_err(|_| {
                    GraphError::new(
                        StatusCode::BAD_REQUEST,
                        "BadRequest",
                        format!("Invalid $top value '{v}'."),
                    )
                })?)
            }
            "count" => q.count = v.eq_ignore_ascii_case("true"),
            "expand" => q.expand = Some(v.into_owned()),
            _ => {}
        }
    }
    Ok(q)
}

/// `$select` over a property map; unknown names are refused as Graph refuses them.
fn select(
    m: Map<String, Value>,
    sel: &Option<Vec<String>>,
    type_name: &str,
) -> Result<Map<String, Value>, GraphError> {
    let Some(sel) = sel else { return Ok(m) };
    let mut out = Map::new();
    for k in m.keys().filter(|k| k.starts_with("@odata.")) {
        out.insert(k.clone(), m[k].clone());
    }
    for s in sel {
        if s == "*" {
            return Ok(m);
        }
        match m.iter().find(|(k, _)| k.eq_ignore_ascii_case(s)) {
            Some((k, v)) => {
                out.insert(k.clone(), v.clone());
            }
            None => {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    format!("Parsing OData Select and Expand failed: Could not find a property named '{s}' on type 'microsoft.graph.{type_name}'."),
                ))
            }
        }
    }
    Ok(out)
}

/// `$filter`: `prop eq 'v'` or `startswith(prop,'v')`, optionally joined with `and`.
fn filter_matches(m: &Map<String, Value>, filter: &Option<String>) -> Result<bool, GraphError> {
    let Some(f) = filter else { return Ok(true) };
    let unsupported = || {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            "Unsupported Query.",
        )
    };
    for clause in f.split(" and ") {
        let clause = clause.trim();
        let ok = if let Some(rest) = clause.strip_prefix("startswith(") {
            let inner = rest.strip_suffix(')').ok_or_else(unsupported)?;
            let (prop, lit) = inner.split_once(',').ok_or_else(unsupported)?;
            let lit = unquote(lit.trim()).ok_or_else(unsupported)?;
            let v = m.get(prop.trim()).and_then(Value::as_str).unwrap_or("");
            v.to_lowercase().starts_with(&lit.to_lowercase())
        } else {
            let mut parts = clause.splitn(3, ' ');
            let (Some(prop), Some(op), Some(lit)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(unsupported());
            };
            if !op.eq_ignore_ascii_case("eq") {
                return Err(unsupported());
            }
            let lit = unquote(lit.trim()).ok_or_else(unsupported)?;
            if !m.contains_key(prop) {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "Request_UnsupportedQuery",
                    format!("Unsupported or invalid query filter clause specified for property '{prop}'."),
                ));
            }
            // Entra compares strings case-insensitively.
            m.get(prop)
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(&lit))
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// `applications(appId='x')` → ("applications", Some(("appId","x"))).
pub(crate) fn key_segment(seg: &str) -> (&str, Option<(String, String)>) {
    if let Some(open) = seg.find('(') {
        if let Some(inner) = seg[open + 1..].strip_suffix(')') {
            let name = &seg[..open];
            if let Some((k, v)) = inner.split_once('=') {
                if let Some(v) = unquote(v.trim()) {
                    return (name, Some((k.trim().to_string(), v)));
                }
            }
            if let Some(v) = unquote(inner.trim()) {
                return (name, Some(("id".into(), v)));
            }
        }
    }
    (seg, None)
}

// ---------------------------------------------------------------- dispatch

pub async fn handle(
    State(shared): State<Shared>,
    Extension(ctx): Extension<RequestCtx>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut sim = shared.lock();
    let now = sim.clock.wall();
    match dispatch(&mut sim, &method, &uri, &headers, &body) {
        Ok(r) => r,
        Err(e) => error_response(e.status, e.code, &e.message, &e.details, &ctx, now),
    }
}

struct Req<'a> {
    origin: String,
    q: Query,
    headers: &'a HeaderMap,
    body: &'a Bytes,
}

impl Req<'_> {
    fn json_body(&self) -> Result<Map<String, Value>, GraphError> {
        if self.body.is_empty() {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
            )),
        }
    }
    fn ctx(&self, fragment: &str) -> String {
        format!("{}/v1.0/$metadata#{fragment}", self.origin)
    }
    fn select_suffix(&self) -> String {
        match &self.q.select {
            Some(s) => format!("({})", s.join(",")),
            None => String::new(),
        }
    }
    fn entity(
        &self,
        set: &str,
        m: Map<String, Value>,
        type_name: &str,
        status: StatusCode,
    ) -> Result<Response, GraphError> {
        let mut out = select(m, &self.q.select, type_name)?;
        out.insert(
            "@odata.context".into(),
            json!(self.ctx(&format!("{set}{}/$entity", self.select_suffix()))),
        );
        Ok(json_response(status, Value::Object(out)))
    }
    fn list(
        &self,
        set: &str,
        items: Vec<Map<String, Value>>,
        type_name: &str,
    ) -> Result<Response, GraphError> {
        let mut value = Vec::new();
        for m in items {
            if filter_matches(&m, &self.q.filter)? {
                value.push(Value::Object(select(m, &self.q.select, type_name)?));
            }
        }
        let total = value.len();
        if let Some(top) = self.q.top {
            value.truncate(top);
        }
        let mut out = Map::new();
        out.insert(
            "@odata.context".into(),
            json!(self.ctx(&format!("{set}{}", self.select_suffix()))),
        );
        if self.q.count {
            out.insert("@odata.count".into(), json!(total));
        }
        out.insert("value".into(), Value::Array(value));
        Ok(json_response(StatusCode::OK, Value::Object(out)))
    }
    fn advanced_query(&self) -> bool {
        self.q.count
            && self
                .headers
                .get("consistencylevel")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("eventual"))
    }
    fn prefer_create(&self) -> bool {
        self.headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| {
                v.split(',')
                    .any(|p| p.trim().eq_ignore_ascii_case("create-if-missing"))
            })
    }
}

fn method_not_allowed() -> GraphError {
    GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}

fn segment_not_found(seg: &str) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        format!("Resource not found for the segment '{seg}'."),
    )
}

fn dispatch(
    sim: &mut Sim,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, GraphError> {
    let path = uri.path().strip_prefix("/v1.0").unwrap_or("");
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let caller = authenticate(sim, headers)?;
    let req = Req {
        origin: sim.origin.clone(),
        q: parse_query(uri)?,
        headers,
        body,
    };
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let Some(first) = segs.first() else {
        return Err(segment_not_found("v1.0"));
    };
    let (set, key) = key_segment(first);
    let m = method.clone();
    match (set.to_ascii_lowercase().as_str(), key, &segs[1..]) {
        ("me", None, rest) => {
            let Some(uid) = caller_user_id(&caller).map(str::to_string) else {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                ));
            };
            user_paths(sim, &caller, &req, &m, &uid, rest)
        }
        ("users", None, [id, rest @ ..]) => {
            let t = tenant(sim, &caller)?;
            let uid = t
                .users
                .iter()
                .find(|u| u.id.eq_ignore_ascii_case(id) || u.upn.eq_ignore_ascii_case(id))
                .map(|u| u.id.clone())
                .ok_or_else(|| GraphError::not_found(id))?;
            user_paths(sim, &caller, &req, &m, &uid, rest)
        }
        ("organization", None, rest) => {
            if m != Method::GET {
                return Err(method_not_allowed());
            }
            allow(&caller, Op::GetOrganization)?;
            let t = tenant(sim, &caller)?;
            // With User.Read alone only id, displayName and verifiedDomains are populated.
            let full = holds_any(
                &caller,
                &[
                    "Organization.Read.All",
                    "Directory.Read.All",
                    "Organization.ReadWrite.All",
                    "Directory.ReadWrite.All",
                ],
            );
            let org = if full {
                t.organization_json()
            } else {
                basic_org(t.organization_json())
            };
            match rest {
                [] => req.list("organization", vec![org], "organization"),
                [id] if id.eq_ignore_ascii_case(&t.id) => {
                    req.entity("organization", org, "organization", StatusCode::OK)
                }
                [id] => Err(GraphError::not_found(id)),
                [_, s, ..] => Err(segment_not_found(s)),
            }
        }
        ("applications", key, rest) => applications(sim, &caller, &req, &m, key, rest),
        ("serviceprincipals", key, rest) => service_principals(sim, &caller, &req, &m, key, rest),
        ("directory", None, ["deletedItems", rest @ ..]) => {
            deleted_items(sim, &caller, &req, &m, rest)
        }
        ("auditlogs", None, ["directoryAudits"]) => {
            if m != Method::GET {
                return Err(method_not_allowed());
            }
            allow(&caller, Op::ListDirectoryAudits)?;
            req.list("auditLogs/directoryAudits", vec![], "directoryAudit")
        }
        ("rolemanagement", None, ["directory", "roleEligibilityScheduleInstances", f])
            if f.starts_with("filterByCurrentUser") =>
        {
            my_eligible_roles(sim, &caller, &req, &m, f)
        }
        _ => Err(segment_not_found(first)),
    }
}

/// What a User.Read caller sees of the organization: the rest nulled (collections emptied).
fn basic_org(m: Map<String, Value>) -> Map<String, Value> {
    m.into_iter()
        .map(|(k, v)| match k.as_str() {
            "id" | "displayName" | "verifiedDomains" => (k, v),
            _ if v.is_array() => (k, json!([])),
            _ => (k, Value::Null),
        })
        .collect()
}

/// Directory object ids are GUIDs; anything else is refused before any lookup.
fn check_object_id(key: &(String, String)) -> Result<(), GraphError> {
    if key.0 == "id" && uuid::Uuid::parse_str(&key.1).is_err() {
        return Err(GraphError::bad(format!(
            "Invalid object identifier '{}'.",
            key.1
        )));
    }
    Ok(())
}

/// An object's key in a path: (`id` | an alternate key property, value).
type Key = (String, String);

/// `/applications/{id}/…` and `/applications(appId='…')/…` name the same object: folds the
/// first form into the second, then refuses malformed ids and keys `entity` has no index on.
fn resolve_key<'r, 's>(
    key: Option<Key>,
    rest: &'r [&'s str],
    allowed: &[&str],
    entity: &str,
) -> Result<(Option<Key>, &'r [&'s str]), GraphError> {
    let (key, rest) = match (key, rest) {
        (Some(k), rest) => (Some(k), rest),
        (None, [id, rest @ ..]) => (Some(("id".to_string(), id.to_string())), rest),
        (None, []) => (None, rest),
    };
    if let Some(k) = &key {
        check_object_id(k)?;
        if !allowed.contains(&k.0.as_str()) {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!(
                    "The key property '{}' is not an alternate key of 'microsoft.graph.{entity}'.",
                    k.0
                ),
            ));
        }
    }
    Ok((key, rest))
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("a={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

fn tenant<'a>(sim: &'a Sim, c: &Caller) -> Result<&'a Tenant, GraphError> {
    sim.tenant(&c.tenant_id)
        .ok_or_else(|| GraphError::unauthorized("Access token validation failure. Invalid tenant."))
}

fn tenant_mut<'a>(sim: &'a mut Sim, c: &Caller) -> Result<&'a mut Tenant, GraphError> {
    sim.tenant_mut(&c.tenant_id)
        .ok_or_else(|| GraphError::unauthorized("Access token validation failure. Invalid tenant."))
}

fn user_paths(
    sim: &mut Sim,
    caller: &Caller,
    req: &Req,
    m: &Method,
    uid: &str,
    rest: &[&str],
) -> Result<Response, GraphError> {
    if *m != Method::GET {
        return Err(method_not_allowed());
    }
    let t = tenant(sim, caller)?;
    let u = t.user(uid).ok_or_else(|| GraphError::not_found(uid))?;
    let own = caller_user_id(caller) == Some(uid);
    match rest {
        [] => {
            allow(caller, if own { Op::GetMe } else { Op::GetUser })?;
            // Graph returns a default property set; `$select` reaches the others.
            let m = if req.q.select.is_some() {
                t.user_json_full(u)
            } else {
                t.user_json(u)
            };
            req.entity("users", m, "user", StatusCode::OK)
        }
        [nav @ ("transitiveMemberOf" | "memberOf"), cast @ ..] => {
            allow(
                caller,
                if own {
                    Op::ListMyMemberships
                } else {
                    Op::ListUserMemberships
                },
            )?;
            let set = match cast {
                [] => "directoryObjects",
                ["microsoft.graph.directoryRole"] => "directoryRoles",
                [other, ..] => return Err(segment_not_found(other)),
            };
            // Graph documents the OData cast on transitiveMemberOf as an advanced query:
            // ConsistencyLevel: eventual and $count=true are required.
            if *nav == "transitiveMemberOf" && !cast.is_empty() && !req.advanced_query() {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "Request_UnsupportedQuery",
                    "Unsupported Query. An OData cast on transitiveMemberOf needs the ConsistencyLevel: eventual header and $count=true.",
                ));
            }
            // "Limited information": directoryRole entries the caller cannot read come back with
            // only their id and type, every other property null.
            let readable = holds_any(caller, permissions::READ_DIRECTORY_ROLES);
            let roles = u
                .roles
                .iter()
                .filter_map(|r| t.directory_role_json(r))
                .map(|m| if readable { m } else { limited(m) })
                .collect();
            req.list(set, roles, "directoryRole")
        }
        [s, ..] => Err(segment_not_found(s)),
    }
}

/// A directory object as Graph returns it to a caller without permission to read its type:
/// `@odata.type` and `id`, the rest null
/// (<https://learn.microsoft.com/graph/permissions-overview#limited-information-returned-for-inaccessible-member-objects>).
fn limited(m: Map<String, Value>) -> Map<String, Value> {
    m.into_iter()
        .map(|(k, v)| match k.as_str() {
            "id" | "@odata.type" => (k, v),
            _ => (k, Value::Null),
        })
        .collect()
}

/// `GET /roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`:
/// the signed-in user's PIM-eligible roles
/// (<https://learn.microsoft.com/graph/api/unifiedroleeligibilityscheduleinstance-filterbycurrentuser>),
/// with `$expand=roleDefinition` and `$select`.
fn my_eligible_roles(
    sim: &mut Sim,
    caller: &Caller,
    req: &Req,
    m: &Method,
    function: &str,
) -> Result<Response, GraphError> {
    if *m != Method::GET {
        return Err(method_not_allowed());
    }
    let on = key_segment(function).1.map(|(_, v)| v);
    if on.as_deref() != Some("principal") {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The parameter 'on' of function 'filterByCurrentUser' must be 'principal'.",
        ));
    }
    allow(caller, Op::ListMyEligibleRoles)?;
    let expand_def = match req.q.expand.as_deref() {
        None => false,
        Some(e) if e.split(',').all(|x| x.trim() == "roleDefinition") => true,
        Some(e) => {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("Could not find a property named '{e}' on type 'microsoft.graph.unifiedRoleEligibilityScheduleInstance' that tenant-sim can expand."),
            ))
        }
    };
    let t = tenant(sim, caller)?;
    let user = caller_user_id(caller).and_then(|id| t.user(id));
    let mut items = Vec::new();
    for r in user.map(|u| u.eligible_roles.clone()).unwrap_or_default() {
        let Some(def) = catalog::directory_role(&r) else {
            continue;
        };
        let uid = user.map(|u| u.id.clone()).unwrap_or_default();
        // Stable ids derived from user and role, in Graph's shapes.
        let h = crate::state::sha256(&format!("{uid}|{}", def.template_id));
        let schedule_id = uuid::Builder::from_random_bytes(h[..16].try_into().unwrap_or([0; 16]))
            .into_uuid()
            .to_string();
        let instance_id = {
            use base64::Engine;
            format!(
                "{}-1-e",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&h[..32])
            )
        };
        let mut m = crate::state::obj(json!({
            "@odata.type": "#microsoft.graph.unifiedRoleEligibilityScheduleInstance",
            "id": instance_id,
            "principalId": uid,
            "roleDefinitionId": def.template_id,
            "directoryScopeId": "/",
            "appScopeId": null,
            "startDateTime": crate::state::graph_time(t.created),
            "endDateTime": null,
            "memberType": "Direct",
            "roleEligibilityScheduleId": schedule_id,
        }));
        if expand_def {
            m.insert(
                "roleDefinition".into(),
                json!({
                    "id": def.template_id,
                    "description": def.description,
                    "displayName": def.display_name,
                    "isBuiltIn": true,
                    "isEnabled": true,
                    "resourceScopes": ["/"],
                    "templateId": def.template_id,
                    "version": "1",
                    "rolePermissions": [],
                }),
            );
        }
        items.push(m);
    }
    req.list(
        "Collection(unifiedRoleEligibilityScheduleInstance)",
        items,
        "unifiedRoleEligibilityScheduleInstance",
    )
}

// ---------------------------------------------------------------- applications

fn find_app<'a>(sim: &'a Sim, t: &'a Tenant, key: &(String, String)) -> Option<&'a App> {
    t.apps
        .iter()
        .find(|a| sim.visible(a.visible_at) && key_matches(a, key))
}

fn applications(
    sim: &mut Sim,
    caller: &Caller,
    req: &Req,
    m: &Method,
    key: Option<(String, String)>,
    rest: &[&str],
) -> Result<Response, GraphError> {
    let (key, rest) = resolve_key(key, rest, &["id", "appId", "uniqueName"], "application")?;
    match (key, rest, m.clone()) {
        (None, [], Method::GET) => {
            allow(caller, Op::ReadApplications)?;
            let t = tenant(sim, caller)?;
            let items = t
                .apps
                .iter()
                .filter(|a| sim.visible(a.visible_at))
                .map(App::json)
                .collect();
            req.list("applications", items, "application")
        }
        (None, [], Method::POST) => create_application(sim, caller, req, None),
        (Some(key), [], Method::GET) => {
            allow(caller, Op::ReadApplications)?;
            let t = tenant(sim, caller)?;
            let app = find_app(sim, t, &key).ok_or_else(|| GraphError::not_found(&key.1))?;
            req.entity("applications", app.json(), "application", StatusCode::OK)
        }
        (Some(key), [], Method::PATCH) => {
            allow(caller, Op::WriteApplications)?;
            let t = tenant(sim, caller)?;
            let found = find_app(sim, t, &key).map(|a| (a.id.clone(), a.owners.clone()));
            match found {
                Some((id, owners)) => {
                    if !may_manage(t, caller, &owners) {
                        return Err(GraphError::denied());
                    }
                    let body = req.json_body()?;
                    let t = tenant_mut(sim, caller)?;
                    let app = t
                        .apps
                        .iter_mut()
                        .find(|a| a.id == id)
                        .ok_or_else(|| GraphError::not_found(&id))?;
                    let mut doc = app.doc.clone();
                    apply_app_patch(&mut doc, &body, false)?;
                    app.doc = doc;
                    Ok(no_content())
                }
                None if key.0 == "uniqueName" && req.prefer_create() => {
                    create_application(sim, caller, req, Some(key.1))
                }
                None => Err(GraphError::not_found(&key.1)),
            }
        }
        (Some(key), [], Method::DELETE) => {
            allow(caller, Op::WriteApplications)?;
            let wall = sim.clock.wall();
            let t = tenant(sim, caller)?;
            let app = find_app(sim, t, &key)
                .ok_or_else(|| GraphError::not_found(&key.1))?
                .clone();
            if !may_manage(t, caller, &app.owners) {
                return Err(GraphError::denied());
            }
            let t = tenant_mut(sim, caller)?;
            t.apps.retain(|a| a.id != app.id);
            // The app's service principal goes to the deleted items with it.
            if let Some(pos) = t.sps.iter().position(|s| s.app_id == app.app_id) {
                let sp = t.sps.remove(pos);
                let (mine, others): (Vec<Assignment>, Vec<Assignment>) = t
                    .assignments
                    .drain(..)
                    .partition(|a| a.principal_id == sp.id);
                t.assignments = others
                    .into_iter()
                    .filter(|a| a.resource_id != sp.id)
                    .collect();
                t.deleted.push(Deleted {
                    object: DeletedObject::Sp(sp, mine),
                    deleted_at: wall,
                });
            }
            t.deleted.push(Deleted {
                object: DeletedObject::App(app),
                deleted_at: wall,
            });
            Ok(no_content())
        }
        (Some(key), ["addPassword"], Method::POST) => add_password(sim, caller, req, &key),
        (Some(key), ["removePassword"], Method::POST) => {
            allow(caller, Op::WriteApplications)?;
            let t = tenant(sim, caller)?;
            let app = find_app(sim, t, &key).ok_or_else(|| GraphError::not_found(&key.1))?;
            if !may_manage(t, caller, &app.owners) {
                return Err(GraphError::denied());
            }
            let id = app.id.clone();
            let now = sim.clock.now();
            let body = req.json_body()?;
            let key_id = body
                .get("keyId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let t = tenant_mut(sim, caller)?;
            let app = t
                .apps
                .iter_mut()
                .find(|a| a.id == id)
                .ok_or_else(|| GraphError::not_found(&id))?;
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
        (Some(_), [], _) | (None, [], _) => Err(method_not_allowed()),
        (_, [s, ..], _) => Err(segment_not_found(s)),
    }
}

fn create_application(
    sim: &mut Sim,
    caller: &Caller,
    req: &Req,
    unique_name: Option<String>,
) -> Result<Response, GraphError> {
    allow(caller, Op::WriteApplications)?;
    let body = req.json_body()?;
    {
        let t = tenant(sim, caller)?;
        if let Principal::User { .. } = caller.principal {
            let roles = user_roles(t, caller);
            let may = has_any(&roles, APP_ADMIN_ROLES)
                || has_any(&roles, &[catalog::APPLICATION_DEVELOPER])
                || sim.scenario.users_can_register_apps;
            if !may {
                return Err(GraphError::denied());
            }
        }
        if let Some(u) = &unique_name {
            if t.apps.iter().any(|a| {
                a.doc
                    .get("uniqueName")
                    .and_then(Value::as_str)
                    .is_some_and(|x| x.eq_ignore_ascii_case(u))
            }) {
                // Visible or not, the key is taken: what Entra answers while an upsert replicates.
                return Err(GraphError::new(StatusCode::CONFLICT, "Request_MultipleObjectsWithSameKeyValue", format!("Another object with the same value for property uniqueName '{u}' already exists.")));
            }
        }
    }
    let id = sim.guid();
    let app_id = sim.guid();
    let wall = sim.clock.wall();
    let visible_at = sim.new_visible_at();
    let origin = sim.origin.clone();
    let t = tenant_mut(sim, caller)?;
    let mut doc = new_app_doc(&id, &app_id, wall, &t.domain);
    if let Some(u) = &unique_name {
        doc.insert("uniqueName".into(), json!(u));
    }
    apply_app_patch(&mut doc, &body, true)?;
    if doc.get("displayName").is_none_or(Value::is_null) {
        return Err(GraphError::bad(
            "Invalid value specified for property 'displayName' of resource 'Application'.",
        ));
    }
    let owners = vec![caller_owner_id(caller).to_string()];
    let app = App {
        id: id.clone(),
        app_id,
        doc,
        passwords: vec![],
        owners,
        visible_at,
    };
    let json = app.json();
    let tid = t.id.clone();
    t.apps.push(app);
    let mut r = req.entity("applications", json, "application", StatusCode::CREATED)?;
    let loc =
        format!("{origin}/v2/{tid}/directoryObjects/{id}/Microsoft.DirectoryServices.Application");
    if let Ok(v) = HeaderValue::from_str(&loc) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// Properties of microsoft.graph.application in the v1.0 CSDL (for "does not exist" errors).
const APP_DECLARED: &[&str] = &[
    "id",
    "deletedDateTime",
    "addIns",
    "api",
    "appId",
    "applicationTemplateId",
    "appRoles",
    "authenticationBehaviors",
    "certification",
    "createdByAppId",
    "createdDateTime",
    "defaultRedirectUri",
    "description",
    "disabledByMicrosoftStatus",
    "displayName",
    "groupMembershipClaims",
    "identifierUris",
    "info",
    "isDeviceOnlyAuthSupported",
    "isDisabled",
    "isFallbackPublicClient",
    "keyCredentials",
    "logo",
    "managerApplications",
    "nativeAuthenticationApisEnabled",
    "notes",
    "oauth2RequirePostResponse",
    "optionalClaims",
    "parentalControlSettings",
    "passwordCredentials",
    "publicClient",
    "publisherDomain",
    "requestSignatureVerification",
    "requiredResourceAccess",
    "samlMetadataUrl",
    "serviceManagementReference",
    "servicePrincipalLockConfiguration",
    "signInAudience",
    "spa",
    "tags",
    "tokenEncryptionKeyId",
    "uniqueName",
    "verifiedPublisher",
    "web",
];

fn invalid(prop: &str) -> GraphError {
    GraphError::bad(format!(
        "Invalid value specified for property '{prop}' of resource 'Application'."
    ))
}

fn is_guid(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| uuid::Uuid::parse_str(s).is_ok() && s.len() == 36)
}

fn string_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

/// A validity check for one property value.
type ValueCheck = fn(&Value) -> bool;

fn merge_object(
    doc: &mut Map<String, Value>,
    prop: &str,
    v: &Value,
    allowed: &[(&str, ValueCheck)],
) -> Result<(), GraphError> {
    let Value::Object(patch) = v else {
        return Err(invalid(prop));
    };
    let mut cur = doc
        .get(prop)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, val) in patch {
        let Some((_, check)) = allowed.iter().find(|(n, _)| n == k) else {
            return Err(GraphError::bad(format!(
                "Property '{k}' does not exist as a declared property or extension property."
            )));
        };
        if !check(val) {
            return Err(invalid(&format!("{prop}.{k}")));
        }
        cur.insert(k.clone(), val.clone());
    }
    doc.insert(prop.to_string(), Value::Object(cur));
    Ok(())
}

fn nullable_string(v: &Value) -> bool {
    v.is_null() || v.is_string()
}
fn nullable_bool(v: &Value) -> bool {
    v.is_null() || v.is_boolean()
}
fn uri_array(v: &Value) -> bool {
    string_array(v)
        && v.as_array().is_some_and(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .all(|s| url::Url::parse(s).is_ok())
        })
}
fn implicit_grant(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.iter().all(|(k, v)| {
            matches!(
                k.as_str(),
                "enableAccessTokenIssuance" | "enableIdTokenIssuance"
            ) && nullable_bool(v)
        })
    })
}
fn nullable_int(v: &Value) -> bool {
    v.is_null() || v.is_i64()
}
fn permission_scopes(v: &Value) -> bool {
    v.as_array().is_some_and(|a| {
        a.iter().all(|s| {
            s.as_object().is_some_and(|o| {
                is_guid(o.get("id").unwrap_or(&Value::Null))
                    && o.iter().all(|(k, v)| match k.as_str() {
                        "id" => true,
                        "isEnabled" => v.is_boolean(),
                        "adminConsentDescription"
                        | "adminConsentDisplayName"
                        | "origin"
                        | "type"
                        | "userConsentDescription"
                        | "userConsentDisplayName"
                        | "value" => nullable_string(v),
                        _ => false,
                    })
            })
        })
    })
}
fn guid_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(is_guid))
}
fn empty_array(v: &Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

/// Applies a POST/PATCH body to an application's properties, refusing what Graph refuses and
/// what this emulator does not model (so it never stores a value it could not render validly).
fn apply_app_patch(
    doc: &mut Map<String, Value>,
    body: &Map<String, Value>,
    creating: bool,
) -> Result<(), GraphError> {
    for (k, v) in body {
        match k.as_str() {
            "@odata.type" => {}
            "displayName" => {
                if v.as_str().is_none_or(|s| s.trim().is_empty()) {
                    return Err(invalid(k));
                }
                doc.insert(k.clone(), v.clone());
            }
            "signInAudience" => {
                let ok = matches!(
                    v.as_str(),
                    Some("AzureADMyOrg" | "AzureADMultipleOrgs" | "AzureADandPersonalMicrosoftAccount" | "PersonalMicrosoftAccount")
                );
                if !ok {
                    return Err(invalid(k));
                }
                doc.insert(k.clone(), v.clone());
            }
            "requiredResourceAccess" => {
                let Some(list) = v.as_array() else { return Err(invalid(k)) };
                let mut out = Vec::new();
                for rra in list {
                    let app_id = rra.get("resourceAppId").and_then(Value::as_str).ok_or_else(|| invalid(k))?;
                    let accesses = rra.get("resourceAccess").and_then(Value::as_array).ok_or_else(|| invalid(k))?;
                    let mut ra_out = Vec::new();
                    for ra in accesses {
                        let id = ra.get("id").filter(|i| is_guid(i)).ok_or_else(|| invalid(k))?;
                        let ty = ra.get("type").and_then(Value::as_str).filter(|t| matches!(*t, "Role" | "Scope")).ok_or_else(|| invalid(k))?;
                        ra_out.push(json!({"id": id, "type": ty}));
                    }
                    out.push(json!({"resourceAppId": app_id, "resourceAccess": ra_out}));
                }
                doc.insert(k.clone(), Value::Array(out));
            }
            "publicClient" | "spa" => merge_object(doc, k, v, &[("redirectUris", uri_array)])?,
            "web" => merge_object(
                doc,
                k,
                v,
                &[
                    ("redirectUris", uri_array),
                    ("homePageUrl", nullable_string),
                    ("logoutUrl", nullable_string),
                    ("implicitGrantSettings", implicit_grant),
                ],
            )?,
            "info" => merge_object(
                doc,
                k,
                v,
                &[
                    ("logoUrl", nullable_string),
                    ("marketingUrl", nullable_string),
                    ("privacyStatementUrl", nullable_string),
                    ("supportUrl", nullable_string),
                    ("termsOfServiceUrl", nullable_string),
                ],
            )?,
            "api" => merge_object(
                doc,
                k,
                v,
                &[
                    ("acceptMappedClaims", nullable_bool),
                    ("knownClientApplications", guid_array),
                    ("requestedAccessTokenVersion", nullable_int),
                    ("oauth2PermissionScopes", permission_scopes),
                    ("preAuthorizedApplications", empty_array),
                ],
            )?,
            "isFallbackPublicClient" | "isDeviceOnlyAuthSupported" => {
                if !nullable_bool(v) {
                    return Err(invalid(k));
                }
                doc.insert(k.clone(), v.clone());
            }
            "description" | "notes" | "serviceManagementReference" | "groupMembershipClaims" => {
                if !nullable_string(v) {
                    return Err(invalid(k));
                }
                doc.insert(k.clone(), v.clone());
            }
            "tags" | "identifierUris" => {
                if !string_array(v) {
                    return Err(invalid(k));
                }
                doc.insert(k.clone(), v.clone());
            }
            "appRoles" => {
                let ok = v.as_array().is_some_and(|a| {
                    a.iter().all(|r| {
                        r.as_object().is_some_and(|o| {
                            is_guid(o.get("id").unwrap_or(&Value::Null))
                                && o.get("allowedMemberTypes").is_some_and(string_array)
                                && o.iter().all(|(k, v)| match k.as_str() {
                                    "id" | "allowedMemberTypes" => true,
                                    "isEnabled" => v.is_boolean(),
                                    "description" | "displayName" | "origin" | "value" => nullable_string(v),
                                    _ => false,
                                })
                        })
                    })
                });
                if !ok {
                    return Err(invalid(k));
                }
                let filled: Vec<Value> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        let mut r = r.clone();
                        if r.get("isEnabled").is_none() {
                            r["isEnabled"] = json!(true);
                        }
                        r
                    })
                    .collect();
                doc.insert(k.clone(), Value::Array(filled));
            }
            "uniqueName" => {
                let cur = doc.get("uniqueName").and_then(Value::as_str).map(str::to_string);
                match (creating, cur, v.as_str()) {
                    (_, Some(c), Some(n)) if c.eq_ignore_ascii_case(n) => {}
                    (true, None, Some(n)) if !n.is_empty() => {
                        doc.insert(k.clone(), json!(n));
                    }
                    _ => return Err(GraphError::bad("Property 'uniqueName' is immutable once set.")),
                }
            }
            "passwordCredentials" => {
                return Err(GraphError::bad(
                    "Property 'passwordCredentials' cannot be set with POST or PATCH on an application; use the addPassword action.",
                ))
            }
            "id" | "appId" | "createdDateTime" | "publisherDomain" | "deletedDateTime" => {
                return Err(GraphError::bad(format!("Property '{k}' is read-only and cannot be set.")))
            }
            other if APP_DECLARED.contains(&other) => {
                return Err(GraphError::bad(format!(
                    "tenant-sim does not emulate setting property '{other}' of resource 'Application'."
                )))
            }
            other => {
                return Err(GraphError::bad(format!(
                    "Property '{other}' does not exist as a declared property or extension property."
                )))
            }
        }
    }
    Ok(())
}

fn parse_time(v: Option<&Value>, prop: &str) -> Result<Option<time::OffsetDateTime>, GraphError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map(Some)
            .map_err(|_| GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", format!("Cannot convert the literal '{s}' to the expected type 'Edm.DateTimeOffset' ({prop})."))),
        Some(_) => Err(GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", format!("Invalid value for '{prop}'."))),
    }
}

fn add_password(
    sim: &mut Sim,
    caller: &Caller,
    req: &Req,
    key: &(String, String),
) -> Result<Response, GraphError> {
    allow(caller, Op::WriteApplications)?;
    let body = req.json_body()?;
    let pc = match body.get("passwordCredential") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(GraphError::bad(
                "Invalid value specified for property 'passwordCredential'.",
            ))
        }
    };
    for k in pc.keys() {
        if !matches!(
            k.as_str(),
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
                "Property '{k}' does not exist as a declared property or extension property."
            )));
        }
    }
    let wall = sim.clock.wall();
    let start = parse_time(pc.get("startDateTime"), "startDateTime")?.unwrap_or(wall);
    let end = parse_time(pc.get("endDateTime"), "endDateTime")?
        .unwrap_or_else(|| start + Duration::from_secs(2 * 365 * 24 * 3600 + 24 * 3600));
    if end <= start {
        return Err(GraphError::bad("Key credential end date is invalid."));
    }
    let display_name = match pc.get("displayName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(GraphError::bad(
                "Invalid value specified for property 'displayName'.",
            ))
        }
    };
    {
        let t = tenant(sim, caller)?;
        let app = find_app(sim, t, key).ok_or_else(|| GraphError::not_found(&key.1))?;
        if !may_manage(t, caller, &app.owners) {
            return Err(GraphError::denied());
        }
    }
    match &sim.scenario.password_policy {
        Some(PasswordPolicy::Block) => {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "CredentialTypeNotAllowedAsPerAppPolicy",
                "Credential type not allowed as per assigned policy.",
            ));
        }
        Some(PasswordPolicy::MaxLifetime(max)) if end - start > *max => {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "CredentialInvalidLifetimeAsPerAppPolicy",
                "Credential lifetime exceeds the max value allowed as per assigned policy.",
            ));
        }
        _ => {}
    }
    let secret = sim.secret();
    let key_id = sim.guid();
    let ready_at = sim.clock.now() + sim.scenario.secret_ready_delay;
    let visible_at = sim.new_visible_at();
    let pw = Password {
        visible_at,
        key_id,
        display_name,
        hint: secret.chars().take(3).collect(),
        start,
        end,
        secret_sha256: crate::state::sha256(&secret),
        ready_at,
    };
    let mut out = match pw.json() {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    out.insert("secretText".into(), json!(secret));
    out.insert(
        "@odata.context".into(),
        json!(req.ctx("microsoft.graph.passwordCredential")),
    );
    let now = sim.clock.now();
    let t = tenant_mut(sim, caller)?;
    let app = t
        .apps
        .iter_mut()
        .find(|a| now >= a.visible_at && key_matches(a, key))
        .ok_or_else(|| GraphError::not_found(&key.1))?;
    app.passwords.push(pw);
    Ok(json_response(StatusCode::OK, Value::Object(out)))
}

fn key_matches(a: &App, key: &(String, String)) -> bool {
    match key.0.as_str() {
        "id" => a.id.eq_ignore_ascii_case(&key.1),
        "appId" => a.app_id.eq_ignore_ascii_case(&key.1),
        "uniqueName" => a
            .doc
            .get("uniqueName")
            .and_then(Value::as_str)
            .is_some_and(|u| u.eq_ignore_ascii_case(&key.1)),
        _ => false,
    }
}

// ---------------------------------------------------------------- service principals

fn find_sp<'a>(sim: &Sim, t: &'a Tenant, key: &(String, String)) -> Option<&'a Sp> {
    t.sps.iter().find(|s| {
        sim.visible(s.visible_at)
            && match key.0.as_str() {
                "id" => s.id.eq_ignore_ascii_case(&key.1),
                "appId" => s.app_id.eq_ignore_ascii_case(&key.1),
                _ => false,
            }
    })
}

fn service_principals(
    sim: &mut Sim,
    caller: &Caller,
    req: &Req,
    m: &Method,
    key: Option<(String, String)>,
    rest: &[&str],
) -> Result<Response, GraphError> {
    let (key, rest) = resolve_key(key, rest, &["id", "appId"], "servicePrincipal")?;
    match (key, rest, m.clone()) {
        (None, [], Method::GET) => {
            allow(caller, Op::ReadServicePrincipals)?;
            let t = tenant(sim, caller)?;
            let items = t
                .sps
                .iter()
                .filter(|s| sim.visible(s.visible_at))
                .map(|s| s.doc.clone())
                .collect();
            req.list("servicePrincipals", items, "servicePrincipal")
        }
        (None, [], Method::POST) => {
            let body = req.json_body()?;
            create_sp(sim, caller, req, &body)
        }
        (Some(key), [], Method::GET) => {
            allow(caller, Op::ReadServicePrincipals)?;
            let t = tenant(sim, caller)?;
            let sp = find_sp(sim, t, &key).ok_or_else(|| GraphError::not_found(&key.1))?;
            req.entity(
                "servicePrincipals",
                sp.doc.clone(),
                "servicePrincipal",
                StatusCode::OK,
            )
        }
        (Some(key), [], Method::PATCH) => {
            allow(caller, Op::WriteServicePrincipals)?;
            let mut body = req.json_body()?;
            let t = tenant(sim, caller)?;
            match find_sp(sim, t, &key)
                .map(|s| (s.id.clone(), s.owners.clone(), s.is_microsoft_graph()))
            {
                Some((id, owners, is_graph)) => {
                    if is_graph || !may_manage(t, caller, &owners) {
                        return Err(GraphError::denied());
                    }
                    let t = tenant_mut(sim, caller)?;
                    let sp = t
                        .sps
                        .iter_mut()
                        .find(|s| s.id == id)
                        .ok_or_else(|| GraphError::not_found(&id))?;
                    apply_sp_patch(&mut sp.doc, &body)?;
                    Ok(no_content())
                }
                None if key.0 == "appId" && req.prefer_create() => {
                    body.insert("appId".into(), json!(key.1));
                    create_sp(sim, caller, req, &body)
                }
                None => Err(GraphError::not_found(&key.1)),
            }
        }
        (Some(key), [], Method::DELETE) => {
            allow(caller, Op::WriteServicePrincipals)?;
            let wall = sim.clock.wall();
            let t = tenant(sim, caller)?;
            let sp = find_sp(sim, t, &key)
                .ok_or_else(|| GraphError::not_found(&key.1))?
                .clone();
            if sp.is_microsoft_graph() || !may_manage(t, caller, &sp.owners) {
                return Err(GraphError::denied());
            }
            let t = tenant_mut(sim, caller)?;
            t.sps.retain(|s| s.id != sp.id);
            let (mine, others): (Vec<Assignment>, Vec<Assignment>) = t
                .assignments
                .drain(..)
                .partition(|a| a.principal_id == sp.id);
            t.assignments = others
                .into_iter()
                .filter(|a| a.resource_id != sp.id)
                .collect();
            t.deleted.push(Deleted {
                object: DeletedObject::Sp(sp, mine),
                deleted_at: wall,
            });
            Ok(no_content())
        }
        (Some(key), [nav], Method::GET)
            if *nav == "appRoleAssignedTo" || *nav == "appRoleAssignments" =>
        {
            allow(
                caller,
                if *nav == "appRoleAssignedTo" {
                    Op::ListAppRoleAssignedTo
                } else {
                    Op::ListAppRoleAssignments
                },
            )?;
            let t = tenant(sim, caller)?;
            let sp = find_sp(sim, t, &key).ok_or_else(|| GraphError::not_found(&key.1))?;
            let items = t
                .assignments
                .iter()
                .filter(|a| sim.visible(a.visible_at))
                .filter(|a| {
                    if *nav == "appRoleAssignedTo" {
                        a.resource_id == sp.id
                    } else {
                        a.principal_id == sp.id
                    }
                })
                .map(Assignment::json)
                .collect();
            req.list(
                &format!("servicePrincipals('{}')/{nav}", sp.id),
                items,
                "appRoleAssignment",
            )
        }
        (Some(key), [nav], Method::POST)
            if *nav == "appRoleAssignedTo" || *nav == "appRoleAssignments" =>
        {
            let body = req.json_body()?;
            grant_app_role(sim, caller, req, &key, nav, &body)
        }
        (Some(key), [nav, aid], Method::DELETE)
            if *nav == "appRoleAssignedTo" || *nav == "appRoleAssignments" =>
        {
            allow(caller, Op::RevokeAppRole)?;
            let t = tenant(sim, caller)?;
            let sp = find_sp(sim, t, &key).ok_or_else(|| GraphError::not_found(&key.1))?;
            let sp_id = sp.id.clone();
            let is_graph = sp.is_microsoft_graph();
            let found = t.assignments.iter().any(|a| {
                a.id == *aid
                    && if *nav == "appRoleAssignedTo" {
                        a.resource_id == sp_id
                    } else {
                        a.principal_id == sp_id
                    }
            });
            if !found {
                return Err(GraphError::not_found(aid));
            }
            if let Principal::User { .. } = caller.principal {
                let roles = user_roles(t, caller);
                let ok = has_any(
                    &roles,
                    &[
                        catalog::GLOBAL_ADMINISTRATOR,
                        catalog::PRIVILEGED_ROLE_ADMINISTRATOR,
                    ],
                ) || (!is_graph && has_any(&roles, APP_ADMIN_ROLES));
                if !ok && is_graph {
                    return Err(GraphError::denied());
                }
            }
            let t = tenant_mut(sim, caller)?;
            t.assignments.retain(|a| a.id != *aid);
            Ok(no_content())
        }
        (_, [], _) => Err(method_not_allowed()),
        (_, [s, ..], _) => Err(segment_not_found(s)),
    }
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

/// Who may create an app's service principal. The create and upsert pages
/// (<https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals>,
/// <https://learn.microsoft.com/graph/api/serviceprincipal-upsert>) say: "For multitenant apps:
/// Application Administrator, Cloud Application Administrator. For single-tenant apps where the
/// calling user is a nonadmin user but is the owner of the backing application, the user must
/// have the Application Developer role." (Global Administrator can do everything.)
fn may_create_sp(t: &Tenant, c: &Caller, app: &App) -> bool {
    let Principal::User { user_id, .. } = &c.principal else {
        return true;
    };
    let roles = user_roles(t, c);
    if has_any(&roles, APP_ADMIN_ROLES) {
        return true;
    }
    let single_tenant =
        app.doc.get("signInAudience").and_then(Value::as_str) == Some("AzureADMyOrg");
    single_tenant
        && app.owners.iter().any(|o| o == user_id)
        && has_any(&roles, &[catalog::APPLICATION_DEVELOPER])
}

fn create_sp(
    sim: &mut Sim,
    caller: &Caller,
    req: &Req,
    body: &Map<String, Value>,
) -> Result<Response, GraphError> {
    allow(caller, Op::WriteServicePrincipals)?;
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
    let now = sim.clock.now();
    let app = {
        let t = tenant(sim, caller)?;
        let Some(app) = t
            .apps
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(&app_id) && now >= a.visible_at)
        else {
            if matches!(caller.principal, Principal::App { .. })
                && t.apps
                    .iter()
                    .any(|a| a.app_id.eq_ignore_ascii_case(&app_id))
            {
                // What app-only callers get while the application replicates: 403 "When using this
                // permission, the backing application of the service principal being created
                // must in the local tenant" (the message Terraform's azuread provider retries on).
                return Err(GraphError::new(
                    StatusCode::FORBIDDEN,
                    "Authorization_RequestDenied",
                    "When using this permission, the backing application of the service principal being created must in the local tenant",
                ));
            }
            let mut e = GraphError::bad(format!("The appId '{app_id}' of the service principal does not reference a valid application object."));
            e.details.push(json!({"code": "NoBackingApplicationObject", "message": "The service principal cannot be created as its backing application object is not present in the local tenant.", "target": "appId"}));
            return Err(e);
        };
        if t.sps.iter().any(|s| s.app_id.eq_ignore_ascii_case(&app_id)) {
            return Err(GraphError::new(StatusCode::CONFLICT, "Request_MultipleObjectsWithSameKeyValue", "Another object with the same value for property servicePrincipalNames already exists."));
        }
        if !may_create_sp(t, caller, app) {
            return Err(GraphError::denied());
        }
        app.clone()
    };
    let id = sim.guid();
    let visible_at = sim.new_visible_at();
    let origin = sim.origin.clone();
    let t = tenant_mut(sim, caller)?;
    let mut doc = new_sp_doc(&id, &app, &t.id);
    let mut rest = body.clone();
    rest.remove("appId");
    apply_sp_patch(&mut doc, &rest)?;
    let owners = vec![caller_owner_id(caller).to_string()];
    let tid = t.id.clone();
    t.sps.push(Sp {
        id: id.clone(),
        app_id: app.app_id.clone(),
        doc: doc.clone(),
        visible_at,
        owners,
    });
    let mut r = req.entity(
        "servicePrincipals",
        doc,
        "servicePrincipal",
        StatusCode::CREATED,
    )?;
    let loc = format!(
        "{origin}/v2/{tid}/directoryObjects/{id}/Microsoft.DirectoryServices.ServicePrincipal"
    );
    if let Ok(v) = HeaderValue::from_str(&loc) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// Assignment ids look like Entra's: 43 characters of base64url.
pub fn assignment_id(sim: &mut Sim) -> String {
    sim.token(32)
}

fn grant_app_role(
    sim: &mut Sim,
    caller: &Caller,
    req: &Req,
    key: &(String, String),
    nav: &str,
    body: &Map<String, Value>,
) -> Result<Response, GraphError> {
    // AppRoleAssignment.ReadWrite.All *and* Application.Read.All (or higher).
    allow(caller, Op::GrantAppRole)?;
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let (Some(principal_id), Some(resource_id), Some(app_role_id)) = (
        field("principalId"),
        field("resourceId"),
        field("appRoleId"),
    ) else {
        return Err(GraphError::bad("Invalid value specified for property 'principalId', 'resourceId' or 'appRoleId' of resource 'AppRoleAssignment'."));
    };
    let now = sim.clock.now();
    let wall = sim.clock.wall();
    let t = tenant(sim, caller)?;
    let path_sp = find_sp(sim, t, key).ok_or_else(|| GraphError::not_found(&key.1))?;
    let path_id = path_sp.id.clone();
    let (expected_resource, expected_principal) = if nav == "appRoleAssignedTo" {
        (Some(path_id.clone()), None)
    } else {
        (None, Some(path_id.clone()))
    };
    if expected_resource
        .as_ref()
        .is_some_and(|r| !r.eq_ignore_ascii_case(&resource_id))
        || expected_principal
            .as_ref()
            .is_some_and(|p| !p.eq_ignore_ascii_case(&principal_id))
    {
        return Err(GraphError::bad(
            "The service principal in the request URL does not match the one in the request body.",
        ));
    }
    let Some(resource) = t
        .sps
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&resource_id))
    else {
        return Err(GraphError::not_found(&resource_id));
    };
    if now < resource.visible_at {
        return Err(GraphError::not_found(&resource_id));
    }
    // The principal: a service principal (the usual case) or a user.
    let principal = t
        .sps
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&principal_id));
    let (principal_type, principal_name) = match principal {
        Some(p) if now < p.visible_at => {
            return Err(GraphError::bad("Not a valid reference update."))
        }
        Some(p) => ("ServicePrincipal", p.display_name()),
        None => match t.user(&principal_id) {
            Some(u) => ("User", u.display_name.clone()),
            None => return Err(GraphError::bad("Not a valid reference update.")),
        },
    };
    if !resource
        .app_role_ids()
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&app_role_id))
    {
        return Err(GraphError::bad(format!(
            "Permission being assigned was not found on application '{}'.",
            resource.id
        )));
    }
    if let Principal::User { .. } = caller.principal {
        let roles = user_roles(t, caller);
        let privileged = has_any(
            &roles,
            &[
                catalog::GLOBAL_ADMINISTRATOR,
                catalog::PRIVILEGED_ROLE_ADMINISTRATOR,
            ],
        );
        // Application/Cloud Application Administrators may grant app roles of other APIs, never
        // Microsoft Graph's
        // (<https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent#prerequisites>).
        let may =
            privileged || (!resource.is_microsoft_graph() && has_any(&roles, APP_ADMIN_ROLES));
        if !may {
            return Err(GraphError::denied());
        }
    }
    if t.assignments.iter().any(|a| {
        a.principal_id.eq_ignore_ascii_case(&principal_id)
            && a.resource_id == resource.id
            && a.app_role_id.eq_ignore_ascii_case(&app_role_id)
    }) {
        return Err(GraphError::bad(
            "Permission being assigned already exists on the object",
        ));
    }
    let resource_name = resource.display_name();
    let resource_id = resource.id.clone();
    let id = assignment_id(sim);
    let visible_at = sim.new_visible_at();
    let effective_at = now + sim.scenario.role_propagation_delay;
    let a = Assignment {
        id,
        app_role_id: app_role_id.to_ascii_lowercase(),
        principal_id: principal_id.to_ascii_lowercase(),
        principal_type: principal_type.into(),
        principal_display_name: principal_name,
        resource_id,
        resource_display_name: resource_name,
        created: wall,
        visible_at,
        effective_at,
    };
    let json = a.json();
    tenant_mut(sim, caller)?.assignments.push(a);
    req.entity(
        &format!("servicePrincipals('{path_id}')/{nav}"),
        json,
        "appRoleAssignment",
        StatusCode::CREATED,
    )
}

// ---------------------------------------------------------------- deleted items

fn deleted_items(
    sim: &mut Sim,
    caller: &Caller,
    req: &Req,
    m: &Method,
    rest: &[&str],
) -> Result<Response, GraphError> {
    if let [id, ..] = rest {
        if !id.starts_with("microsoft.graph.") {
            check_object_id(&("id".to_string(), id.to_string()))?;
        }
    }
    match (rest, m.clone()) {
        ([cast], Method::GET) if cast.starts_with("microsoft.graph.") => {
            allow(caller, Op::ListDeletedItems)?;
            let t = tenant(sim, caller)?;
            let (ty, set) = match *cast {
                "microsoft.graph.application" => ("application", "applications"),
                "microsoft.graph.servicePrincipal" => ("servicePrincipal", "servicePrincipals"),
                other => return Err(segment_not_found(other)),
            };
            let items = t
                .deleted
                .iter()
                .filter(|d| d.type_name() == ty)
                .map(Deleted::json)
                .collect();
            req.list(set, items, ty)
        }
        ([id], Method::GET) => {
            allow(caller, Op::GetDeletedItem)?;
            let t = tenant(sim, caller)?;
            let d = t
                .deleted
                .iter()
                .find(|d| d.id().eq_ignore_ascii_case(id))
                .ok_or_else(|| GraphError::not_found(id))?;
            let mut m = d.json();
            m.insert(
                "@odata.type".into(),
                json!(format!("#microsoft.graph.{}", d.type_name())),
            );
            req.entity("directoryObjects", m, d.type_name(), StatusCode::OK)
        }
        ([id], Method::DELETE) => {
            allow(caller, Op::PermanentlyDeleteItem)?;
            let t = tenant(sim, caller)?;
            let d = t
                .deleted
                .iter()
                .find(|d| d.id().eq_ignore_ascii_case(id))
                .ok_or_else(|| GraphError::not_found(id))?;
            let owners = match &d.object {
                DeletedObject::App(a) => a.owners.clone(),
                DeletedObject::Sp(s, _) => s.owners.clone(),
            };
            if !may_manage(t, caller, &owners) {
                return Err(GraphError::denied());
            }
            let t = tenant_mut(sim, caller)?;
            t.deleted.retain(|d| !d.id().eq_ignore_ascii_case(id));
            Ok(no_content())
        }
        ([id, "restore"], Method::POST) => {
            allow(caller, Op::RestoreDeletedItem)?;
            let t = tenant(sim, caller)?;
            let pos = t
                .deleted
                .iter()
                .position(|d| d.id().eq_ignore_ascii_case(id))
                .ok_or_else(|| GraphError::not_found(id))?;
            let owners = match &t.deleted[pos].object {
                DeletedObject::App(a) => a.owners.clone(),
                DeletedObject::Sp(s, _) => s.owners.clone(),
            };
            if !may_manage(t, caller, &owners) {
                return Err(GraphError::denied());
            }
            let t = tenant_mut(sim, caller)?;
            let d = t.deleted.remove(pos);
            let (json, ty) = match d.object {
                DeletedObject::App(a) => {
                    // Restoring the app restores its service principal too.
                    if let Some(sp_pos) = t.deleted.iter().position(
                        |x| matches!(&x.object, DeletedObject::Sp(s, _) if s.app_id == a.app_id),
                    ) {
                        if let DeletedObject::Sp(s, assignments) = t.deleted.remove(sp_pos).object {
                            t.sps.push(s);
                            t.assignments.extend(assignments);
                        }
                    }
                    let j = a.json();
                    t.apps.push(a);
                    (j, "application")
                }
                DeletedObject::Sp(s, assignments) => {
                    let j = s.doc.clone();
                    t.sps.push(s);
                    t.assignments.extend(assignments);
                    (j, "servicePrincipal")
                }
            };
            let mut m = json;
            m.insert(
                "@odata.type".into(),
                json!(format!("#microsoft.graph.{ty}")),
            );
            req.entity("directoryObjects", m, ty, StatusCode::OK)
        }
        ([], _) => Err(method_not_allowed()),
        (_, _) => Err(method_not_allowed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_segments() {
        assert_eq!(
            key_segment("applications(appId='abc')"),
            ("applications", Some(("appId".into(), "abc".into())))
        );
        assert_eq!(
            key_segment("applications(uniqueName='it''s')").1.unwrap().1,
            "it's"
        );
        assert_eq!(
            key_segment("applications('x')").1.unwrap(),
            ("id".into(), "x".into())
        );
        assert_eq!(key_segment("applications"), ("applications", None));
    }

    #[test]
    fn filters() {
        let m = obj(json!({"displayName": "PMPC Recovery", "appId": "a"}));
        assert!(filter_matches(&m, &Some("displayName eq 'pmpc recovery'".into())).unwrap());
        assert!(filter_matches(&m, &Some("startswith(displayName,'PMPC')".into())).unwrap());
        assert!(!filter_matches(&m, &Some("appId eq 'b'".into())).unwrap());
        assert!(filter_matches(
            &m,
            &Some("appId eq 'a' and displayName eq 'PMPC Recovery'".into())
        )
        .unwrap());
        assert_eq!(
            filter_matches(&m, &Some("appId ne 'a'".into()))
                .unwrap_err()
                .code,
            "Request_UnsupportedQuery"
        );
        assert_eq!(
            filter_matches(&m, &Some("nope eq 'a'".into()))
                .unwrap_err()
                .code,
            "Request_UnsupportedQuery"
        );
    }

    fn obj(v: Value) -> Map<String, Value> {
        crate::state::obj(v)
    }

    #[test]
    fn select_is_strict() {
        let m = obj(json!({"id": "1", "displayName": "x", "@odata.type": "t"}));
        let s = select(m.clone(), &Some(vec!["displayname".into()]), "application").unwrap();
        assert_eq!(s.len(), 2);
        assert!(select(m, &Some(vec!["nope".into()]), "application").is_err());
    }
}
