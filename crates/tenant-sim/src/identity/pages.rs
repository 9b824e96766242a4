//! The identity platform's HTML: the sign-in page (tenant-sim's stand-in for Microsoft's),
//! error pages, and the way back to the client (a 302 or a `form_post` page).

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::state::{PendingAuthorize, Sim};

pub(super) fn error_page(status: StatusCode, code: u32, msg: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body>\
         <h1>Sorry, but we're having trouble signing you in.</h1>\
         <p id=\"error\">AADSTS{code}: {}</p></body></html>",
        html_escape(msg)
    );
    (status, Html(body)).into_response()
}

/// AADSTS700016: the request names a client the directory does not have (a page: there is no
/// registered redirect URI to go back to).
pub(super) fn unknown_client(client_id: &str) -> Box<Response> {
    Box::new(error_page(
        StatusCode::BAD_REQUEST,
        700016,
        &format!("Application with identifier '{client_id}' was not found in the directory."),
    ))
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Sends the browser back to the client (query or form_post).
pub(super) fn redirect_to_client(
    redirect_uri: &str,
    mode: &str,
    params: &[(&str, String)],
) -> Response {
    if mode == "form_post" {
        let inputs: String = params
            .iter()
            .map(|(k, v)| {
                format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>",
                    html_escape(k),
                    html_escape(v)
                )
            })
            .collect();
        return Html(format!(
            "<html><head><title>Working...</title></head><body onload=\"document.forms[0].submit()\">\
             <form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}\
             <noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"/></noscript>\
             </form></body></html>",
            html_escape(redirect_uri)
        ))
        .into_response();
    }
    let mut target = match url::Url::parse(redirect_uri) {
        Ok(parsed) => parsed,
        Err(_) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                50011,
                "The redirect URI is not valid.",
            )
        }
    };
    {
        let mut query = target.query_pairs_mut();
        for (k, v) in params {
            query.append_pair(k, v);
        }
    }
    // Entra answers 302 Found.
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

pub(super) fn error_redirect(
    pending: &PendingAuthorize,
    error: &str,
    code: u32,
    message: &str,
) -> Response {
    let mut params = vec![
        ("error", error.to_string()),
        ("error_description", format!("AADSTS{code}: {message}")),
        (
            "error_uri",
            format!("https://login.microsoftonline.com/error?code={code}"),
        ),
    ];
    if let Some(s) = &pending.state {
        params.push(("state", s.clone()));
    }
    redirect_to_client(&pending.redirect_uri, &pending.response_mode, &params)
}

/// The account picker of `/authorize` and `/adminconsent` (`what`): the users of `tenant`
/// (every tenant for organizations/common), the hinted one checked. Posts back with the pending
/// request's `key` as `sim_request`.
pub(super) fn sign_in_page(
    sim: &Sim,
    tenant_path: &str,
    tenant: Option<&str>,
    key: &str,
    hint: Option<&String>,
    what: &str,
) -> Response {
    let rows = user_rows(sim, tenant, hint);
    let action = match what {
        "adminconsent" => format!("/{tenant_path}/adminconsent"),
        _ => format!("/{tenant_path}/oauth2/v2.0/authorize"),
    };
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head>\
         <body><h1>Pick an account</h1><p>tenant-sim: choose who signs in.</p>\
         <form method=\"POST\" action=\"{action}\"><input type=\"hidden\" name=\"sim_request\" value=\"{key}\"/>\
         <ul>{rows}</ul>\
         <button type=\"submit\" name=\"action\" value=\"accept\">Sign in</button> \
         <button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></form></body></html>",
        action = html_escape(&action),
    ))
    .into_response()
}

/// One radio button per user: name, UPN, roles and tenant.
fn user_rows(sim: &Sim, tenant: Option<&str>, hint: Option<&String>) -> String {
    let mut rows = String::new();
    for t in sim
        .tenants
        .iter()
        .filter(|t| tenant.is_none_or(|id| id == t.id))
    {
        for u in &t.users {
            let roles = u.role_names().join(", ");
            let checked = if hint.is_some_and(|h| h.eq_ignore_ascii_case(&u.upn)) {
                " checked"
            } else {
                ""
            };
            rows.push_str(&format!(
                "<li><label><input type=\"radio\" name=\"upn\" value=\"{upn}\"{checked}/> {name} &lt;{upn}&gt; <small>{roles} ({tname})</small></label></li>",
                upn = html_escape(&u.upn),
                name = html_escape(&u.display_name),
                roles = html_escape(if roles.is_empty() { "no directory role" } else { &roles }),
                tname = html_escape(&t.display_name),
            ));
        }
    }
    rows
}
