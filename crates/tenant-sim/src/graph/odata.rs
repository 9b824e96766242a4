//! OData on Graph: query options (`$select`, `$filter`, `$top`, `$count`, `$expand`), key
//! segments (`applications(appId='…')`), and entity and collection responses with
//! `@odata.context`.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::error::GraphError;

pub const JSON_CONTENT_TYPE: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

pub(super) fn json_response(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
        .headers_mut()
        .insert("odata-version", HeaderValue::from_static("4.0"));
    response
}

pub(super) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

// ---------------------------------------------------------------- query options

#[derive(Debug, Default)]
pub(super) struct QueryOptions {
    pub select: Option<Vec<String>>,
    pub filter: Option<String>,
    pub top: Option<usize>,
    pub count: bool,
    pub expand: Option<String>,
}

pub(super) fn parse_query(uri: &Uri) -> Result<QueryOptions, GraphError> {
    let mut options = QueryOptions::default();
    for (name, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match name.trim_start_matches('$').to_ascii_lowercase().as_str() {
            "select" => {
                options.select = Some(
                    value
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            }
            "filter" => options.filter = Some(value.into_owned()),
            "top" => {
                options.top = Some(
                    value
                        .parse()
                        .map_err(|_| GraphError::odata(format!("Invalid $top value '{value}'.")))?,
                )
            }
            "count" => options.count = value.eq_ignore_ascii_case("true"),
            "expand" => options.expand = Some(value.into_owned()),
            _ => {}
        }
    }
    Ok(options)
}

/// `$select` over a property map; unknown names are refused as Graph refuses them.
pub(super) fn select(
    properties: Map<String, Value>,
    selected: &Option<Vec<String>>,
    type_name: &str,
) -> Result<Map<String, Value>, GraphError> {
    let Some(selected) = selected else {
        return Ok(properties);
    };
    let mut out = Map::new();
    for name in properties.keys().filter(|k| k.starts_with("@odata.")) {
        out.insert(name.clone(), properties[name].clone());
    }
    for wanted in selected {
        if wanted == "*" {
            return Ok(properties);
        }
        match properties
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        {
            Some((name, value)) => {
                out.insert(name.clone(), value.clone());
            }
            None => {
                return Err(GraphError::odata(format!("Parsing OData Select and Expand failed: Could not find a property named '{wanted}' on type 'microsoft.graph.{type_name}'.")))
            }
        }
    }
    Ok(out)
}

fn unsupported_query() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "Request_UnsupportedQuery",
        "Unsupported Query.",
    )
}

/// `$filter`: `prop eq 'v'`, `startswith(prop,'v')` or `prop/any(c:c eq 'v')`, optionally joined
/// with `and`.
pub(super) fn filter_matches(
    properties: &Map<String, Value>,
    filter: &Option<String>,
) -> Result<bool, GraphError> {
    let Some(filter) = filter else {
        return Ok(true);
    };
    for clause in filter.split(" and ") {
        let clause = clause.trim();
        let matched = match clause.strip_prefix("startswith(") {
            Some(arguments) => starts_with_matches(properties, arguments)?,
            None if clause.contains("/any(") => any_matches(properties, clause)?,
            None => equals_matches(properties, clause)?,
        };
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `startswith(prop,'v')` (given what follows `startswith(`).
fn starts_with_matches(
    properties: &Map<String, Value>,
    arguments: &str,
) -> Result<bool, GraphError> {
    let inner = arguments.strip_suffix(')').ok_or_else(unsupported_query)?;
    let (property, literal) = inner.split_once(',').ok_or_else(unsupported_query)?;
    let literal = unquote(literal.trim()).ok_or_else(unsupported_query)?;
    let value = properties
        .get(property.trim())
        .and_then(Value::as_str)
        .unwrap_or("");
    Ok(value.to_lowercase().starts_with(&literal.to_lowercase()))
}

/// `prop/any(c:c eq 'v')` on a string collection: "The any operator is required for filter
/// expressions on multi-valued properties" (servicePrincipal resource page, `servicePrincipalNames`;
/// the same for `identifierUris` and `tags` on application), e.g.
/// `servicePrincipalNames/any(c:c eq 'https://graph.microsoft.com')`.
fn any_matches(properties: &Map<String, Value>, clause: &str) -> Result<bool, GraphError> {
    let (property, lambda) = clause.split_once("/any(").ok_or_else(unsupported_query)?;
    let lambda = lambda.strip_suffix(')').ok_or_else(unsupported_query)?;
    let (variable, body) = lambda.split_once(':').ok_or_else(unsupported_query)?;
    let (variable, body) = (variable.trim(), body.trim());
    let mut parts = body.splitn(3, ' ');
    let (Some(subject), Some(operator), Some(literal)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(unsupported_query());
    };
    if variable.is_empty() || subject != variable || !operator.eq_ignore_ascii_case("eq") {
        return Err(unsupported_query());
    }
    let literal = unquote(literal.trim()).ok_or_else(unsupported_query)?;
    let Some(Value::Array(items)) = properties.get(property.trim()) else {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            format!(
                "Unsupported or invalid query filter clause specified for property '{}'.",
                property.trim()
            ),
        ));
    };
    Ok(items
        .iter()
        .filter_map(Value::as_str)
        .any(|v| v.eq_ignore_ascii_case(&literal)))
}

/// `prop eq 'v'`.
fn equals_matches(properties: &Map<String, Value>, clause: &str) -> Result<bool, GraphError> {
    let mut parts = clause.splitn(3, ' ');
    let (Some(property), Some(operator), Some(literal)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(unsupported_query());
    };
    if !operator.eq_ignore_ascii_case("eq") {
        return Err(unsupported_query());
    }
    let literal = unquote(literal.trim()).ok_or_else(unsupported_query)?;
    if !properties.contains_key(property) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            format!(
                "Unsupported or invalid query filter clause specified for property '{property}'."
            ),
        ));
    }
    // Entra compares strings case-insensitively.
    Ok(properties
        .get(property)
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case(&literal)))
}

fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// `applications(appId='x')` → ("applications", Some(("appId","x"))).
pub(crate) fn key_segment(segment: &str) -> (&str, Option<(String, String)>) {
    if let Some(open) = segment.find('(') {
        if let Some(inner) = segment[open + 1..].strip_suffix(')') {
            let name = &segment[..open];
            if let Some((key, value)) = inner.split_once('=') {
                if let Some(value) = unquote(value.trim()) {
                    return (name, Some((key.trim().to_string(), value)));
                }
            }
            if let Some(value) = unquote(inner.trim()) {
                return (name, Some(("id".into(), value)));
            }
        }
    }
    (segment, None)
}

// ---------------------------------------------------------------- the request and its answers

/// One Graph request as handlers see it: method, query options, headers, body.
pub(super) struct GraphRequest<'a> {
    pub origin: String,
    pub method: Method,
    pub query: QueryOptions,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
}

impl GraphRequest<'_> {
    pub fn json_body(&self) -> Result<Map<String, Value>, GraphError> {
        if self.body.is_empty() {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(GraphError::odata(
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
            )),
        }
    }

    /// `{origin}/v1.0/$metadata#{fragment}`.
    pub fn context_url(&self, fragment: &str) -> String {
        format!("{}/v1.0/$metadata#{fragment}", self.origin)
    }

    fn select_suffix(&self) -> String {
        match &self.query.select {
            Some(s) => format!("({})", s.join(",")),
            None => String::new(),
        }
    }

    /// One entity, `$select` applied, with `@odata.context` `{set}(…)/$entity`.
    pub fn entity(
        &self,
        set: &str,
        properties: Map<String, Value>,
        type_name: &str,
        status: StatusCode,
    ) -> Result<Response, GraphError> {
        let mut out = select(properties, &self.query.select, type_name)?;
        out.insert(
            "@odata.context".into(),
            json!(self.context_url(&format!("{set}{}/$entity", self.select_suffix()))),
        );
        Ok(json_response(status, Value::Object(out)))
    }

    /// A collection with `$filter`, `$select`, `$top` and `$count` applied.
    pub fn list(
        &self,
        set: &str,
        items: Vec<Map<String, Value>>,
        type_name: &str,
    ) -> Result<Response, GraphError> {
        let mut value = Vec::new();
        for item in items {
            if filter_matches(&item, &self.query.filter)? {
                value.push(Value::Object(select(item, &self.query.select, type_name)?));
            }
        }
        let total = value.len();
        if let Some(top) = self.query.top {
            value.truncate(top);
        }
        let mut out = Map::new();
        out.insert(
            "@odata.context".into(),
            json!(self.context_url(&format!("{set}{}", self.select_suffix()))),
        );
        if self.query.count {
            out.insert("@odata.count".into(), json!(total));
        }
        out.insert("value".into(), Value::Array(value));
        Ok(json_response(StatusCode::OK, Value::Object(out)))
    }

    /// `ConsistencyLevel: eventual` with `$count=true`.
    pub fn advanced_query(&self) -> bool {
        self.query.count
            && self
                .headers
                .get("consistencylevel")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("eventual"))
    }

    /// `Prefer: create-if-missing` (an upsert).
    pub fn prefer_create(&self) -> bool {
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
