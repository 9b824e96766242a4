//! National clouds and their endpoints
//! (<https://learn.microsoft.com/graph/deployments>). Every endpoint can be overridden, which is
//! how tests and the practice mode point the engine at tenant-sim.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use crate::error::{Error, Result};

/// The Microsoft Graph Command Line Tools public client, `14d82eec-…`, the
/// client id Microsoft Graph PowerShell signs in with: the default client id.
pub const DEFAULT_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Which Microsoft cloud the tenant lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "Cloud.ts")]
pub enum Cloud {
    /// Worldwide, including GCC (moderate).
    Global,
    /// US Government GCC High (L4).
    UsGovHigh,
    /// US Government DoD (L5).
    UsGovDod,
    /// China, operated by 21Vianet.
    China,
}

impl Cloud {
    pub const ALL: [Cloud; 4] = [
        Cloud::Global,
        Cloud::UsGovHigh,
        Cloud::UsGovDod,
        Cloud::China,
    ];

    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::UsGovHigh | Cloud::UsGovDod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The host in the `iss` of the ID tokens this cloud issues. China's tokens name
    /// `login.partner.microsoftonline.cn`, the preferred alias in MSAL's instance-discovery
    /// metadata for that cloud (<https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud>),
    /// not the `login.chinacloudapi.cn` host the sign-in pages are reached at.
    pub fn issuer_host(self) -> &'static str {
        match self {
            Cloud::China => "https://login.partner.microsoftonline.cn",
            other => other.authority_host(),
        }
    }

    /// The Graph host, which is also the resource in scopes (`{host}/.default`).
    pub fn graph_host(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGovHigh => "https://graph.microsoft.us",
            Cloud::UsGovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    pub fn portal(self) -> &'static str {
        match self {
            Cloud::Global => "https://portal.azure.com",
            Cloud::UsGovHigh | Cloud::UsGovDod => "https://portal.azure.us",
            Cloud::China => "https://portal.azure.cn",
        }
    }

    pub fn endpoints(self) -> Endpoints {
        Endpoints {
            authority_host: parse_base(self.authority_host()),
            issuer_host: parse_base(self.issuer_host()),
            graph_base: parse_base(&format!("{}/v1.0", self.graph_host())),
            graph_resource: self.graph_host().to_string(),
        }
    }
}

impl std::str::FromStr for Cloud {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace(['-', '_', ' '], "").as_str() {
            "global" | "public" | "worldwide" | "gcc" => Ok(Cloud::Global),
            "usgovhigh" | "gcchigh" | "usgov" | "usgovernment" => Ok(Cloud::UsGovHigh),
            "usgovdod" | "dod" => Ok(Cloud::UsGovDod),
            "china" | "21vianet" => Ok(Cloud::China),
            _ => Err(Error::InvalidInput(format!(
                "unknown cloud {s:?}: use global, us-gov-high, us-gov-dod or china"
            ))),
        }
    }
}

#[allow(clippy::expect_used)]
fn parse_base(s: &str) -> Url {
    // Only called with the constants above.
    Url::parse(s).expect("built-in endpoint is a valid URL")
}

/// Where sign-in and Graph calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// e.g. `https://login.microsoftonline.com`; the tenant segment is appended per request.
    pub authority_host: Url,
    /// The host ID tokens name in `iss`: the cloud's own, or the overridden authority host.
    pub issuer_host: Url,
    /// e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_base: Url,
    /// The resource part of scopes, e.g. `https://graph.microsoft.com`.
    pub graph_resource: String,
}

impl Endpoints {
    /// Endpoints for a given cloud with optional overrides (custom hosts, tenant-sim).
    pub fn custom(
        cloud: Cloud,
        authority_host: Option<&str>,
        graph_base: Option<&str>,
    ) -> Result<Self> {
        let mut e = cloud.endpoints();
        if let Some(a) = authority_host {
            e.authority_host = parse_http_url(a, "authority host")?;
            // A private endpoint or tenant-sim names itself as the issuer.
            e.issuer_host = e.authority_host.clone();
        }
        if let Some(g) = graph_base {
            let mut url = parse_http_url(g, "Graph base URL")?;
            if !url.path().trim_end_matches('/').ends_with("/v1.0") {
                let p = format!("{}/v1.0", url.path().trim_end_matches('/'));
                url.set_path(&p);
            }
            e.graph_base = url;
        }
        Ok(e)
    }

    /// `{authority}/{tenant}/oauth2/v2.0/{leaf}`.
    pub fn oauth(&self, tenant: &str, leaf: &str) -> String {
        format!(
            "{}/{tenant}/oauth2/v2.0/{leaf}",
            self.authority_host.as_str().trim_end_matches('/')
        )
    }

    /// `{graph_base}/{path}`; `path` starts without a slash.
    pub fn graph(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.graph_base.as_str().trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// The issuer Microsoft puts in ID tokens for a tenant: `{issuer host}/{tid}/v2.0`.
    pub fn issuer(&self, tenant_id: &str) -> String {
        format!(
            "{}/{tenant_id}/v2.0",
            self.issuer_host.as_str().trim_end_matches('/')
        )
    }

    /// The tenant's signing keys (JWKS): `{authority}/{tenant}/discovery/v2.0/keys`.
    pub fn jwks(&self, tenant_id: &str) -> String {
        format!(
            "{}/{tenant_id}/discovery/v2.0/keys",
            self.authority_host.as_str().trim_end_matches('/')
        )
    }

    /// The admin-consent link a Global or Privileged Role Administrator opens to grant steps 11–12.
    /// The app must have `redirect_uri` registered (AADSTS500113 otherwise).
    /// Each value is encoded for its place (the tenant as one path segment, the ids as query
    /// values): they come from Microsoft's answers, and a `/`, `?`, `#` or `&` in one must not
    /// point the administrator's browser at another page or add a parameter.
    pub fn admin_consent_url(&self, tenant: &str, app_id: &str, redirect_uri: &str) -> String {
        let mut url = self.authority_host.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(tenant).push("adminconsent");
        }
        url.query_pairs_mut()
            .append_pair("client_id", app_id)
            .append_pair("redirect_uri", redirect_uri);
        url.into()
    }
}

fn parse_http_url(s: &str, what: &str) -> Result<Url> {
    let url = Url::parse(s).map_err(|e| Error::InvalidInput(format!("{what} {s:?}: {e}")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(Error::InvalidInput(format!(
            "{what} {s:?} must use https (plain http is allowed only on this computer)"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_clouds_use_their_own_hosts() {
        let e = Cloud::UsGovDod.endpoints();
        assert_eq!(
            e.graph("applications"),
            "https://dod-graph.microsoft.us/v1.0/applications"
        );
        assert_eq!(
            e.oauth("organizations", "token"),
            "https://login.microsoftonline.us/organizations/oauth2/v2.0/token"
        );
        assert_eq!(
            Cloud::China.endpoints().graph_resource,
            "https://microsoftgraph.chinacloudapi.cn"
        );
        assert_eq!("gcc-high".parse::<Cloud>().unwrap(), Cloud::UsGovHigh);
        assert!("mars".parse::<Cloud>().is_err());
        assert_eq!(
            Cloud::China.endpoints().issuer("t1"),
            "https://login.partner.microsoftonline.cn/t1/v2.0"
        );
        assert_eq!(
            Cloud::UsGovHigh.endpoints().issuer("t1"),
            "https://login.microsoftonline.us/t1/v2.0"
        );
    }

    #[test]
    fn custom_endpoints_accept_loopback_http_only() {
        let e = Endpoints::custom(
            Cloud::Global,
            Some("http://127.0.0.1:9000"),
            Some("http://127.0.0.1:9000"),
        )
        .unwrap();
        assert_eq!(
            e.graph("/organization"),
            "http://127.0.0.1:9000/v1.0/organization"
        );
        assert_eq!(e.issuer("t1"), "http://127.0.0.1:9000/t1/v2.0");
        assert!(Endpoints::custom(Cloud::Global, Some("http://evil.example"), None).is_err());
        assert!(Endpoints::custom(Cloud::Global, None, Some("ftp://x")).is_err());
    }

    #[test]
    fn the_admin_consent_url_encodes_tenant_and_app_ids() {
        let e = Cloud::Global.endpoints();
        assert_eq!(
            e.admin_consent_url(
                "6babcaad-604b-40ac-a9d7-9fd97c0b779f",
                "2d1e4d4b-8f8a-4b8e-9d0d-6c0f3a7f9e11",
                "http://localhost"
            ),
            "https://login.microsoftonline.com/6babcaad-604b-40ac-a9d7-9fd97c0b779f/adminconsent?client_id=2d1e4d4b-8f8a-4b8e-9d0d-6c0f3a7f9e11&redirect_uri=http%3A%2F%2Flocalhost"
        );
        let hostile = e.admin_consent_url(
            "evil.example/x?y=1#",
            "a&redirect_uri=https://evil.example",
            "http://localhost",
        );
        let url = Url::parse(&hostile).unwrap();
        assert_eq!(url.host_str(), Some("login.microsoftonline.com"));
        assert_eq!(url.path_segments().map(|s| s.count()), Some(2), "{hostile}");
        assert!(url.path().ends_with("/adminconsent"), "{hostile}");
        assert_eq!(url.fragment(), None, "{hostile}");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                (
                    "client_id".into(),
                    "a&redirect_uri=https://evil.example".into()
                ),
                ("redirect_uri".into(), "http://localhost".into())
            ],
            "{hostile}"
        );
        let sim = Endpoints::custom(Cloud::Global, Some("http://127.0.0.1:9000"), None).unwrap();
        assert_eq!(
            sim.admin_consent_url("t", "a", "http://localhost:1"),
            "http://127.0.0.1:9000/t/adminconsent?client_id=a&redirect_uri=http%3A%2F%2Flocalhost%3A1"
        );
    }
}
