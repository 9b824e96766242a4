//! The `scope` of a sign-in: OpenID scopes and Microsoft Graph's delegated permissions (with
//! or without the resource prefix; `.default` for the wizard's three).

use super::EntraError;
use crate::catalog;

/// What a `scope` parameter asks for.
pub(in crate::identity) struct Scopes {
    /// Graph delegated scopes, canonical casing.
    pub graph: Vec<&'static str>,
    pub openid: bool,
    pub profile: bool,
    pub email: bool,
    pub offline: bool,
}

const DEFAULT_SCOPES: &[&str] = &[
    "User.Read",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
];

fn strip_resource<'a>(s: &'a str, origin: &str) -> &'a str {
    for prefix in [
        "https://graph.microsoft.com/",
        "00000003-0000-0000-c000-000000000000/",
        "https://graph.microsoft.us/",
        "https://dod-graph.microsoft.us/",
        "https://microsoftgraph.chinacloudapi.cn/",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return rest;
        }
    }
    s.strip_prefix(origin)
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or(s)
}

pub(in crate::identity) fn parse_scopes(scope: &str, origin: &str) -> Result<Scopes, EntraError> {
    let mut scopes = Scopes {
        graph: vec![],
        openid: false,
        profile: false,
        email: false,
        offline: false,
    };
    for requested in scope.split_whitespace() {
        match requested {
            "openid" => scopes.openid = true,
            "profile" => scopes.profile = true,
            "email" => scopes.email = true,
            "offline_access" => scopes.offline = true,
            _ => {
                let name = strip_resource(requested, origin);
                if name == ".default" {
                    for default in DEFAULT_SCOPES {
                        if !scopes.graph.contains(default) {
                            scopes.graph.push(default);
                        }
                    }
                    continue;
                }
                let Some(permission) = catalog::graph_scope(name) else {
                    return Err(EntraError::bad(
                        "invalid_scope",
                        70011,
                        format!("The provided value for the input parameter 'scope' is not valid. The scope '{requested}' is not a Microsoft Graph delegated permission known to tenant-sim."),
                    ));
                };
                if !scopes.graph.contains(&permission.value) {
                    scopes.graph.push(permission.value);
                }
            }
        }
    }
    // Entra puts every consented scope of the client in the token, not just the requested ones;
    // User.Read (sign in and read profile) is consented for every client the sim knows.
    if !scopes.graph.contains(&"User.Read") {
        scopes.graph.push("User.Read");
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_strip_resource_and_expand_default() {
        let s = parse_scopes(
            "https://graph.microsoft.com/Application.ReadWrite.All openid offline_access",
            "http://x",
        )
        .unwrap();
        assert_eq!(s.graph, vec!["Application.ReadWrite.All", "User.Read"]);
        assert!(s.openid && s.offline && !s.profile);
        let s = parse_scopes("http://x/.default", "http://x").unwrap();
        assert_eq!(s.graph, DEFAULT_SCOPES.to_vec());
        let s = parse_scopes("openid", "http://x").unwrap();
        assert_eq!(s.graph, vec!["User.Read"]);
        assert_eq!(
            parse_scopes("Mail.Send", "http://x").err().map(|e| e.code),
            Some(70011)
        );
        assert_eq!(
            parse_scopes("user.read", "http://x").unwrap().graph,
            vec!["User.Read"]
        );
    }
}
