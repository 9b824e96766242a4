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
    let mut s = Scopes {
        graph: vec![],
        openid: false,
        profile: false,
        email: false,
        offline: false,
    };
    for raw in scope.split_whitespace() {
        match raw {
            "openid" => s.openid = true,
            "profile" => s.profile = true,
            "email" => s.email = true,
            "offline_access" => s.offline = true,
            _ => {
                let name = strip_resource(raw, origin);
                if name == ".default" {
                    for d in DEFAULT_SCOPES {
                        if !s.graph.contains(d) {
                            s.graph.push(d);
                        }
                    }
                    continue;
                }
                let Some(p) = catalog::graph_scope(name) else {
                    return Err(EntraError::bad(
                        "invalid_scope",
                        70011,
                        format!("The provided value for the input parameter 'scope' is not valid. The scope '{raw}' is not a Microsoft Graph delegated permission known to tenant-sim."),
                    ));
                };
                if !s.graph.contains(&p.value) {
                    s.graph.push(p.value);
                }
            }
        }
    }
    // Entra puts every consented scope of the client in the token, not just the requested ones;
    // User.Read (sign in and read profile) is consented for every client the sim knows.
    if !s.graph.contains(&"User.Read") {
        s.graph.push("User.Read");
    }
    Ok(s)
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
