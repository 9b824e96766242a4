//! What can go wrong, and how slowly: replication delays, faults, latency, tenant policy.
//!
//! Every type here is serde (camelCase) so the admin API (`PUT /_sim/scenario`) and the binary's
//! `--scenario file.json` take the same JSON. Durations are written as milliseconds (a number) or
//! as a string with a unit (`"250ms"`, `"2s"`, `"1.5s"`, `"3m"`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Faults, delays and policy for a running simulator. `Default` = no faults, no delays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Scenario {
    /// New objects stay invisible to other calls for this long (Entra's eventual consistency).
    #[serde(with = "duration_ms")]
    pub replication_delay: Duration,
    /// A new secret is refused at /token with AADSTS7000215 for this long.
    #[serde(with = "duration_ms")]
    pub secret_ready_delay: Duration,
    /// Granted app roles reach client-credentials tokens after this long.
    #[serde(with = "duration_ms")]
    pub role_propagation_delay: Duration,
    /// Per-call latency.
    pub latency: LatencyProfile,
    /// Faults injected on matching requests (see [`Fault`]).
    pub faults: Vec<Fault>,
    /// The tenant's app-management policy for password credentials.
    pub password_policy: Option<PasswordPolicy>,
    /// Conditional Access refuses the device code flow (AADSTS53003 at /token).
    pub block_device_code: bool,
    /// The tenant's "Users can register applications" switch.
    pub users_can_register_apps: bool,
    /// ID and access tokens are signed with a rogue key that no JWKS publishes, while their
    /// header names the current legitimate key's `kid`: a forgery a client must reject.
    pub rogue_signing: bool,
    /// The host in the v2.0 issuer (`{issuerHost}/{tid}/v2.0`) of ID tokens and discovery,
    /// e.g. `https://login.partner.microsoftonline.cn` (China) or `https://login.microsoftonline.us`
    /// (US Government). None: the simulator's origin.
    pub issuer_host: Option<String>,
    /// Throttling of client-credentials requests at /token, per client id: 429 with
    /// `Retry-After` once more than `requests` arrive within `per`. Microsoft documents that
    /// "for client_credentials grant ... Microsoft Entra ID will reply with 429 Too Many
    /// Requests, with a Retry-After: 60 header"
    /// (<https://learn.microsoft.com/entra/msal/dotnet/advanced/client-and-server-throttling>).
    /// None: no throttling.
    pub token_rate_limit: Option<TokenRateLimit>,
    /// Client ids whose service principal requires user assignment and has no one assigned
    /// (a tenant that restricts e.g. Microsoft Graph Command Line Tools): sign-in fails with
    /// AADSTS50105.
    pub restricted_client_ids: Vec<String>,
    /// While a new secret is not accepted yet (`secret_ready_delay`), /token answers
    /// AADSTS7000222 "The provided client secret keys for app '…' are expired" instead of
    /// AADSTS7000215. Admins report exactly that for a secret made seconds before, which works
    /// when retried a little later
    /// (<https://github.com/Azure-Samples/active-directory-dotnetcore-daemon-v2/issues/87>:
    /// "Register Azure AD app … and immediately run the application"; also
    /// <https://github.com/sjkp/letsencrypt-siteextension/issues/358>). Microsoft's error-code
    /// reference names 7000222 `InvalidClientSecretExpiredKeysProvided`
    /// (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>).
    pub new_secret_reported_expired: bool,
    /// Entra refuses the browser sign-in after the user has signed in, for a tenant policy:
    /// Conditional Access (AADSTS53003), consent blocked by policy or not allowed to this user
    /// (AADSTS90093), admin approval needed (AADSTS90094, 90095). None: no refusal.
    pub sign_in_refusal: Option<SignInRefusal>,
    /// A cloud that does not honour `Prefer: create-if-missing`: `PATCH
    /// /applications(uniqueName=…)` and `PATCH /servicePrincipals(appId=…)` for a missing key
    /// answer 404, as the upsert pages document for a request without the header
    /// (<https://learn.microsoft.com/graph/api/application-upsert>: "If an application object with
    /// uniqueName doesn't exist and the Prefer: create-if-missing header is not specified, this
    /// method returns a 404 Not Found error code"). Today's pages list the upserts in all four
    /// clouds; older copies did not, and a client must still make exactly one app.
    pub refuse_upsert: bool,
}

/// How `/authorize` refuses a sign-in (`Scenario::sign_in_refusal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignInRefusal {
    /// Back to the app's redirect URI with `error=access_denied` and `AADSTS<code>: …` in
    /// `error_description`, as the authorization endpoint reports errors
    /// (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-response>).
    Redirect(u32),
    /// Microsoft's own error page naming `AADSTS<code>`, which never returns to the app: the
    /// user sees "Sorry, but we're having trouble signing you in" and the app hears nothing.
    ErrorPage(u32),
}

/// How many client-credentials token requests one client may make in a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRateLimit {
    /// Requests allowed within `per`; the next one is throttled.
    pub requests: u32,
    #[serde(with = "duration_ms")]
    pub per: Duration,
    /// The `Retry-After` of the 429, during which every request of that client is refused.
    #[serde(with = "duration_ms")]
    pub retry_after: Duration,
}

impl Default for TokenRateLimit {
    /// 5 requests a second: a client polling once a second never trips it, one polling ten
    /// times a second trips it at its sixth request (half a second in). `retryAfter` is Entra's
    /// documented 60 s: a well-behaved client never sees it, and one that polls too fast should
    /// fail visibly in tests rather than be let off with a shorter wait.
    fn default() -> Self {
        Self {
            requests: 5,
            per: Duration::from_secs(1),
            retry_after: Duration::from_secs(60),
        }
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            replication_delay: Duration::ZERO,
            secret_ready_delay: Duration::ZERO,
            role_propagation_delay: Duration::ZERO,
            latency: LatencyProfile::default(),
            faults: Vec::new(),
            password_policy: None,
            block_device_code: false,
            users_can_register_apps: true,
            rogue_signing: false,
            issuer_host: None,
            token_rate_limit: Some(TokenRateLimit::default()),
            restricted_client_ids: Vec::new(),
            new_secret_reported_expired: false,
            sign_in_refusal: None,
            refuse_upsert: false,
        }
    }
}

/// Latency added to every call, by kind of call. `Default` is zero everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LatencyProfile {
    /// Graph GETs.
    #[serde(with = "duration_ms")]
    pub read: Duration,
    /// Graph POST/PATCH/DELETE.
    #[serde(with = "duration_ms")]
    pub write: Duration,
    /// Identity platform endpoints (/authorize, /token, discovery, ...).
    #[serde(with = "duration_ms")]
    pub identity: Duration,
    /// Up to this much extra, drawn from the seeded generator (so a run is repeatable).
    #[serde(with = "duration_ms")]
    pub jitter: Duration,
}

impl LatencyProfile {
    /// Latencies in the range seen against the real services from Europe/US.
    pub fn realistic() -> Self {
        Self {
            read: Duration::from_millis(120),
            write: Duration::from_millis(350),
            identity: Duration::from_millis(180),
            jitter: Duration::from_millis(150),
        }
    }

    /// A profile scaled down by `factor` (e.g. `realistic().scaled(0.01)` for fast tests).
    pub fn scaled(&self, factor: f64) -> Self {
        let f = |d: Duration| d.mul_f64(factor.max(0.0));
        Self {
            read: f(self.read),
            write: f(self.write),
            identity: f(self.identity),
            jitter: f(self.jitter),
        }
    }
}

/// App-management policy on password credentials (`passwordAddition` / `passwordLifetime`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PasswordPolicy {
    /// addPassword fails with 400 CredentialTypeNotAllowedAsPerAppPolicy.
    Block,
    /// addPassword with a longer lifetime (or none: the default is 2 years) fails with
    /// 400 CredentialInvalidLifetimeAsPerAppPolicy.
    MaxLifetime(#[serde(with = "duration_ms")] Duration),
}

/// One injected fault: hits the `nth` matching request on `route` (1-based; 0 = every one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub route: Route,
    #[serde(default)]
    pub nth: u32,
    pub kind: FaultKind,
}

/// What an injected fault does to the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// 429 Too Many Requests with a Retry-After header.
    Throttle(RetryAfter),
    /// 503 Service Unavailable (Graph: code `serviceNotAvailable`).
    ServiceUnavailable,
    /// 504 Gateway Timeout.
    GatewayTimeout,
    /// The connection is dropped before a complete response is sent.
    ConnectionReset,
    /// The request is served normally after this extra delay.
    Slow(#[serde(with = "duration_ms")] Duration),
    /// 200 with `Content-Type: application/json` and a truncated body.
    MalformedJson,
    /// 502 with an HTML error page, as a proxy or gateway in front of the service would send.
    NonJson,
    /// 200 with an HTML page (a captive portal or misrouted proxy).
    NonJsonOk,
    /// An error of this status whose message is `message`, word for word: Graph routes answer
    /// an OData error (`Request_BadRequest`, or `serviceNotAvailable` for a 5xx), identity
    /// routes an Entra error (`invalid_request`, or `temporarily_unavailable`). The text is what
    /// a server, or anything between it and the client, could put there; clients must treat it
    /// as data (control characters, line breaks, a second "what to do").
    Refuse { status: u16, message: String },
}

/// The form of the Retry-After header on a 429.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RetryAfter {
    /// `Retry-After: 2`
    Seconds(u64),
    /// `Retry-After: 2.128` (Graph's own docs show a non-integer).
    Decimal(String),
    /// `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`, this far from now.
    HttpDate(#[serde(with = "duration_ms")] Duration),
}

/// Every endpoint the simulator serves, by name (for faults and the request log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Route {
    // Identity platform
    OpenIdConfiguration,
    Keys,
    Authorize,
    Token,
    DeviceCode,
    DeviceLogin,
    AdminConsent,
    // Graph
    GetMe,
    GetOrganization,
    ListMyDirectoryRoles,
    /// `GET /roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`
    ListMyEligibleRoles,
    GetUser,
    ListServicePrincipals,
    GetServicePrincipal,
    CreateServicePrincipal,
    UpsertServicePrincipal,
    DeleteServicePrincipal,
    GrantAppRole,
    ListAppRoleAssignedTo,
    ListAppRoleAssignments,
    RevokeAppRole,
    ListApplications,
    GetApplication,
    CreateApplication,
    UpdateApplication,
    UpsertApplication,
    DeleteApplication,
    AddPassword,
    RemovePassword,
    ListDeletedItems,
    GetDeletedItem,
    RestoreDeletedItem,
    PermanentlyDeleteItem,
    ListDirectoryAudits,
    /// Any other Graph path (answered 400/404 as Graph does).
    OtherGraph,
}

impl Route {
    /// Whether the route belongs to the identity platform (Entra error shape) rather than Graph.
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            Route::OpenIdConfiguration
                | Route::Keys
                | Route::Authorize
                | Route::Token
                | Route::DeviceCode
                | Route::DeviceLogin
                | Route::AdminConsent
        )
    }
}

/// Serde for `Duration` as milliseconds, also accepting `"250ms"`, `"2s"`, `"1.5s"`, `"3m"`.
pub mod duration_ms {
    use std::time::Duration;

    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Num(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Num(ms) if ms >= 0.0 && ms.is_finite() => Ok(Duration::from_secs_f64(ms / 1000.0)),
            Raw::Num(_) => Err(de::Error::custom(
                "duration must be a non-negative number of ms",
            )),
            Raw::Text(t) => {
                parse(&t).ok_or_else(|| de::Error::custom(format!("bad duration {t:?}")))
            }
        }
    }

    /// `"250ms"`, `"2s"`, `"1.5s"`, `"3m"`, `"1h"`, or a bare number of milliseconds.
    pub fn parse(t: &str) -> Option<Duration> {
        let t = t.trim();
        let (num, mult) = if let Some(n) = t.strip_suffix("ms") {
            (n, 0.001)
        } else if let Some(n) = t.strip_suffix('s') {
            (n, 1.0)
        } else if let Some(n) = t.strip_suffix('m') {
            (n, 60.0)
        } else if let Some(n) = t.strip_suffix('h') {
            (n, 3600.0)
        } else {
            (t, 0.001)
        };
        let v: f64 = num.trim().parse().ok()?;
        (v >= 0.0 && v.is_finite()).then(|| Duration::from_secs_f64(v * mult))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_json_round_trip_and_units() {
        let json = r#"{
            "replicationDelay": "1.5s",
            "secretReadyDelay": 200,
            "faults": [
                {"route": "createApplication", "nth": 1, "kind": {"throttle": {"decimal": "2.128"}}},
                {"route": "token", "kind": "connectionReset"},
                {"route": "grantAppRole", "nth": 2, "kind": {"slow": "50ms"}}
            ],
            "passwordPolicy": {"maxLifetime": "72h"},
            "latency": {"read": 5}
        }"#;
        let s: Scenario = serde_json::from_str(json).unwrap();
        assert_eq!(s.replication_delay, Duration::from_millis(1500));
        assert_eq!(s.secret_ready_delay, Duration::from_millis(200));
        assert!(s.users_can_register_apps, "defaults fill the gaps");
        assert_eq!(s.faults[1].nth, 0);
        assert_eq!(s.faults[2].kind, FaultKind::Slow(Duration::from_millis(50)));
        assert_eq!(
            s.password_policy,
            Some(PasswordPolicy::MaxLifetime(Duration::from_secs(72 * 3600)))
        );
        let back: Scenario = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn the_readme_scenario_example_parses() {
        let readme = include_str!("../README.md");
        let block = readme
            .split("```json\n")
            .nth(1)
            .and_then(|b| b.split("```").next())
            .unwrap();
        let s: Scenario = serde_json::from_str(block).unwrap();
        assert_eq!(s.faults.len(), 3);
        assert_eq!(s.faults[2].kind, FaultKind::Slow(Duration::from_secs(2)));
        assert_eq!(s.role_propagation_delay, Duration::from_secs(30));
    }

    #[test]
    fn bad_durations_are_refused() {
        assert!(serde_json::from_str::<Scenario>(r#"{"replicationDelay":"soon"}"#).is_err());
        assert!(serde_json::from_str::<Scenario>(r#"{"replicationDelay":-1}"#).is_err());
        assert_eq!(duration_ms::parse("3m"), Some(Duration::from_secs(180)));
    }

    #[test]
    fn realistic_latency_scales() {
        let r = LatencyProfile::realistic().scaled(0.5);
        assert_eq!(r.read, Duration::from_millis(60));
        assert!(LatencyProfile::default().read.is_zero());
    }
}
