//! The directory: tenants, users, applications, service principals, app role assignments,
//! deleted items, plus the sign-in state (codes, refresh tokens, device codes) and the request log.
//!
//! Everything lives behind one `std::sync::Mutex` that is never held across an `.await`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::catalog::{self, GRAPH_APP_ID, MICROSOFT_SERVICES_TENANT};
use crate::scenario::{Route, Scenario};

/// The simulator's clock: real time plus an offset tests can advance (no real sleeping needed
/// for code, token, device-code or secret expiry).
#[derive(Debug)]
pub struct Clock {
    start: Instant,
    start_wall: OffsetDateTime,
    offset: Duration,
}

impl Clock {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            start_wall: OffsetDateTime::now_utc(),
            offset: Duration::ZERO,
        }
    }
    pub fn now(&self) -> Instant {
        Instant::now() + self.offset
    }
    pub fn wall(&self) -> OffsetDateTime {
        self.start_wall + (Instant::now() - self.start) + self.offset
    }
    pub fn unix(&self) -> i64 {
        self.wall().unix_timestamp()
    }
    pub fn advance(&mut self, d: Duration) {
        self.offset += d;
    }
    pub fn elapsed_ms(&self) -> u64 {
        u64::try_from((Instant::now() - self.start).as_millis()).unwrap_or(u64::MAX)
    }
}

/// Graph's timestamp format: `2019-09-17T19:10:35.2742618Z` (7 fractional digits, UTC).
pub fn graph_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100
    )
}

/// The `innerError.date` format: `2021-12-09T17:41:54`.
pub fn short_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

pub fn sha256(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub upn: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    /// Directory role template ids.
    pub roles: Vec<String>,
    /// PIM-eligible (not activated) role template ids: they grant nothing until activated.
    pub eligible_roles: Vec<String>,
    /// Set for a B2B guest: who they are in their home tenant.
    pub guest: Option<GuestOf>,
}

/// A guest user's home identity (B2B collaboration).
#[derive(Debug, Clone)]
pub struct GuestOf {
    pub home_tenant_id: String,
    pub home_user_id: String,
    pub home_upn: String,
}

impl User {
    pub fn has_role(&self, template: &str) -> bool {
        self.roles.iter().any(|r| r.eq_ignore_ascii_case(template))
    }
    pub fn role_names(&self) -> Vec<String> {
        self.roles
            .iter()
            .map(|r| {
                catalog::directory_role(r)
                    .map(|d| d.display_name.to_string())
                    .unwrap_or_else(|| r.clone())
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Password {
    pub key_id: String,
    pub display_name: Option<String>,
    pub hint: String,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    pub secret_sha256: [u8; 32],
    /// The secret is refused at /token before this instant (secret_ready_delay).
    pub ready_at: Instant,
    /// removePassword does not find it before this instant (replication_delay).
    pub visible_at: Instant,
}

impl Password {
    pub fn json(&self) -> Value {
        json!({
            "customKeyIdentifier": null,
            "displayName": self.display_name,
            "endDateTime": graph_time(self.end),
            "hint": self.hint,
            "keyId": self.key_id,
            "secretText": null,
            "startDateTime": graph_time(self.start),
        })
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    pub app_id: String,
    /// Graph properties except `passwordCredentials`, in Graph's order.
    pub doc: Map<String, Value>,
    pub passwords: Vec<Password>,
    pub owners: Vec<String>,
    pub visible_at: Instant,
}

impl App {
    pub fn display_name(&self) -> String {
        self.doc
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
    pub fn json(&self) -> Map<String, Value> {
        let mut m = self.doc.clone();
        m.insert(
            "passwordCredentials".into(),
            Value::Array(self.passwords.iter().map(Password::json).collect()),
        );
        m
    }
}

#[derive(Debug, Clone)]
pub struct Sp {
    pub id: String,
    pub app_id: String,
    pub doc: Map<String, Value>,
    pub visible_at: Instant,
    pub owners: Vec<String>,
}

impl Sp {
    pub fn display_name(&self) -> String {
        self.doc
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
    pub fn is_microsoft_graph(&self) -> bool {
        self.app_id == GRAPH_APP_ID
    }
    pub fn app_role_ids(&self) -> Vec<String> {
        self.doc
            .get("appRoles")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
    pub fn app_role_value(&self, id: &str) -> Option<String> {
        self.doc.get("appRoles")?.as_array()?.iter().find_map(|r| {
            (r.get("id")?.as_str()? == id).then(|| r.get("value")?.as_str().map(str::to_string))?
        })
    }
}

#[derive(Debug, Clone)]
pub struct Assignment {
    pub id: String,
    pub app_role_id: String,
    pub principal_id: String,
    pub principal_type: String,
    pub principal_display_name: String,
    pub resource_id: String,
    pub resource_display_name: String,
    pub created: OffsetDateTime,
    pub visible_at: Instant,
    /// Reaches client-credentials tokens from this instant (role_propagation_delay).
    pub effective_at: Instant,
}

impl Assignment {
    pub fn json(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id,
            "deletedDateTime": null,
            "appRoleId": self.app_role_id,
            "createdDateTime": graph_time(self.created),
            "principalDisplayName": self.principal_display_name,
            "principalId": self.principal_id,
            "principalType": self.principal_type,
            "resourceDisplayName": self.resource_display_name,
            "resourceId": self.resource_id,
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum DeletedObject {
    App(App),
    Sp(Sp, Vec<Assignment>),
}

#[derive(Debug, Clone)]
pub struct Deleted {
    pub object: DeletedObject,
    pub deleted_at: OffsetDateTime,
}

impl Deleted {
    pub fn id(&self) -> &str {
        match &self.object {
            DeletedObject::App(a) => &a.id,
            DeletedObject::Sp(s, _) => &s.id,
        }
    }
    pub fn type_name(&self) -> &'static str {
        match &self.object {
            DeletedObject::App(_) => "application",
            DeletedObject::Sp(..) => "servicePrincipal",
        }
    }
    pub fn json(&self) -> Map<String, Value> {
        let mut m = match &self.object {
            DeletedObject::App(a) => a.json(),
            DeletedObject::Sp(s, _) => s.doc.clone(),
        };
        m.insert(
            "deletedDateTime".into(),
            Value::String(graph_time(self.deleted_at)),
        );
        m
    }
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub display_name: String,
    /// The initial `*.onmicrosoft.com` domain.
    pub domain: String,
    pub created: OffsetDateTime,
    pub users: Vec<User>,
    pub apps: Vec<App>,
    pub sps: Vec<Sp>,
    pub assignments: Vec<Assignment>,
    pub deleted: Vec<Deleted>,
    /// Activated directoryRole object ids, by template id.
    pub role_object_ids: HashMap<String, String>,
}

impl Tenant {
    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
    pub fn graph_sp(&self) -> Option<&Sp> {
        self.sps.iter().find(|s| s.is_microsoft_graph())
    }
    pub fn organization_json(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id,
            "deletedDateTime": null,
            "businessPhones": [],
            "city": null,
            "country": null,
            "countryLetterCode": "US",
            "createdDateTime": graph_time(self.created),
            "defaultUsageLocation": null,
            "displayName": self.display_name,
            "marketingNotificationEmails": [],
            "onPremisesLastSyncDateTime": null,
            "onPremisesSyncEnabled": null,
            "postalCode": null,
            "preferredLanguage": "en",
            "securityComplianceNotificationMails": [],
            "securityComplianceNotificationPhones": [],
            "state": null,
            "street": null,
            "technicalNotificationMails": [],
            "tenantType": "AAD",
            "assignedPlans": [],
            "privacyProfile": null,
            "provisionedPlans": [],
            "verifiedDomains": [{
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": true,
                "isInitial": true,
                "name": self.domain,
                "type": "Managed"
            }]
        });
        obj(v)
    }
    pub fn user_json(&self, u: &User) -> Map<String, Value> {
        obj(json!({
            "id": u.id,
            "businessPhones": [],
            "displayName": u.display_name,
            "givenName": u.given_name,
            "jobTitle": null,
            "mail": u.guest.as_ref().map_or(u.upn.as_str(), |g| g.home_upn.as_str()),
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": "en-US",
            "surname": u.surname,
            "userPrincipalName": u.upn,
        }))
    }
    /// The user with the non-default properties `$select` can ask for: `accountEnabled`,
    /// `userType` ("Member" or "Guest"), and for a guest `creationType` "Invitation" and
    /// `externalUserState` "Accepted", as Graph shows a B2B guest who redeemed the invitation
    /// (<https://learn.microsoft.com/graph/api/resources/user>).
    pub fn user_json_full(&self, u: &User) -> Map<String, Value> {
        let mut m = self.user_json(u);
        let guest = u.guest.is_some();
        m.insert("accountEnabled".into(), json!(true));
        m.insert(
            "userType".into(),
            json!(if guest { "Guest" } else { "Member" }),
        );
        m.insert(
            "creationType".into(),
            if guest {
                json!("Invitation")
            } else {
                Value::Null
            },
        );
        m.insert(
            "externalUserState".into(),
            if guest {
                json!("Accepted")
            } else {
                Value::Null
            },
        );
        m
    }
    pub fn directory_role_json(&self, template: &str) -> Option<Map<String, Value>> {
        let def = catalog::directory_role(template)?;
        let id = self.role_object_ids.get(def.template_id)?;
        Some(obj(json!({
            "@odata.type": "#microsoft.graph.directoryRole",
            "id": id,
            "deletedDateTime": null,
            "description": def.description,
            "displayName": def.display_name,
            "roleTemplateId": def.template_id,
        })))
    }
}

fn role_templates(names: &[String]) -> Result<Vec<String>, String> {
    names
        .iter()
        .map(|r| {
            catalog::directory_role(r)
                .map(|d| d.template_id.to_string())
                .ok_or_else(|| format!("unknown role {r:?}"))
        })
        .collect()
}

pub fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A user registered through the admin API or the defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    pub user_principal_name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Role display names ("Global Administrator") or template ids.
    #[serde(default)]
    pub roles: Vec<String>,
    /// PIM-eligible (not activated) roles, by display name or template id: readable through
    /// `roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`, no power.
    #[serde(default)]
    pub eligible_roles: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PendingAuthorize {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub response_mode: String,
    /// An /adminconsent request rather than an /authorize one.
    pub admin_consent: bool,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub tenant_id: String,
    pub user_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub expires: Instant,
    pub redeemed: bool,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub tenant_id: String,
    pub user_id: String,
    pub client_id: String,
    pub scope: String,
    pub expires: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved { tenant_id: String, user_id: String },
    Declined,
    Redeemed,
}

#[derive(Debug, Clone)]
pub struct DeviceGrant {
    pub tenant_path: String,
    pub client_id: String,
    pub scope: String,
    pub user_code: String,
    pub expires: Instant,
    pub interval: Duration,
    pub last_poll: Option<Instant>,
    pub polls: u32,
    pub status: DeviceStatus,
}

/// One request the simulator served (no bodies, no tokens, no secrets).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    pub seq: u64,
    /// Milliseconds since the simulator started.
    pub at_ms: u64,
    pub method: String,
    /// Path and query.
    pub path: String,
    pub route: Option<Route>,
    pub status: u16,
    /// The injected fault, if any (e.g. `"throttle"`).
    pub fault: Option<String>,
    pub request_id: String,
    pub client_request_id: Option<String>,
    pub duration_ms: u64,
}

/// Everything mutable in a running simulator.
#[derive(Debug)]
pub struct Sim {
    pub origin: String,
    pub clock: Clock,
    pub rng: StdRng,
    pub scenario: Scenario,
    pub fault_counters: HashMap<Route, u32>,
    pub tenants: Vec<Tenant>,
    pub auto_sign_in: Option<String>,
    pub pending: HashMap<String, PendingAuthorize>,
    pub codes: HashMap<String, AuthCode>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub device_codes: HashMap<String, DeviceGrant>,
    pub device_interval: Duration,
    pub requests: Vec<RequestRecord>,
    pub seq: u64,
    /// Index into `tokens::keys()` of the key that signs now.
    pub key_index: usize,
    /// How many times the signing key rolled over (0: the JWKS lists only the first key).
    pub rotations: u32,
    /// Client-credentials arrivals per client id (`Scenario::token_rate_limit`).
    pub token_rates: HashMap<String, RateState>,
}

/// Recent /token client-credentials requests of one client, and when its throttle lifts.
#[derive(Debug, Clone, Default)]
pub struct RateState {
    pub arrivals: std::collections::VecDeque<Instant>,
    pub blocked_until: Option<Instant>,
}

impl Sim {
    pub fn new(
        origin: String,
        seed: u64,
        auto_sign_in: Option<String>,
        scenario: Scenario,
    ) -> Self {
        let mut sim = Self {
            origin,
            clock: Clock::new(),
            rng: StdRng::seed_from_u64(seed),
            scenario,
            fault_counters: HashMap::new(),
            tenants: Vec::new(),
            auto_sign_in,
            pending: HashMap::new(),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            device_codes: HashMap::new(),
            device_interval: Duration::from_secs(5),
            requests: Vec::new(),
            seq: 0,
            key_index: 0,
            rotations: 0,
            token_rates: HashMap::new(),
        };
        let t = sim.add_tenant("Contoso", "contoso.onmicrosoft.com");
        let defaults = [
            ("grace.admin", "Grace Admin", "Global Administrator"),
            (
                "priya.roles",
                "Priya Roles",
                "Privileged Role Administrator",
            ),
            ("alex.apps", "Alex Apps", "Application Administrator"),
            ("uma.user", "Uma User", ""),
        ];
        for (nick, name, role) in defaults {
            let roles = if role.is_empty() {
                vec![]
            } else {
                vec![role.to_string()]
            };
            // The defaults are valid by construction; an error here would be a bug in this list.
            let _ = sim.add_user(
                &t,
                NewUser {
                    user_principal_name: format!("{nick}@contoso.onmicrosoft.com"),
                    display_name: Some(name.to_string()),
                    roles,
                    eligible_roles: vec![],
                },
            );
        }
        sim
    }

    /// A random GUID from the seeded generator (v4 layout).
    pub fn guid(&mut self) -> String {
        let mut b = [0u8; 16];
        self.rng.fill_bytes(&mut b);
        uuid::Builder::from_random_bytes(b).into_uuid().to_string()
    }

    /// A URL-safe random token of `n` bytes.
    pub fn token(&mut self, n: usize) -> String {
        use base64::Engine;
        let mut b = vec![0u8; n];
        self.rng.fill_bytes(&mut b);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    }

    /// A client secret shaped like Entra's: 40 characters, `~` at position 4-ish, `Q~` marker.
    pub fn secret(&mut self) -> String {
        const ALPHABET: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
        let mut s = String::with_capacity(40);
        for i in 0..40 {
            if i == 3 {
                s.push('8');
                continue;
            }
            if i == 4 {
                s.push('Q');
                continue;
            }
            if i == 5 {
                s.push('~');
                continue;
            }
            let c = ALPHABET[self.rng.gen_range(0..ALPHABET.len())];
            s.push(char::from(c));
        }
        s
    }

    pub fn add_tenant(&mut self, name: &str, domain: &str) -> String {
        let id = self.guid();
        let mut role_object_ids = HashMap::new();
        for r in catalog::DIRECTORY_ROLES {
            let rid = self.guid();
            role_object_ids.insert(r.template_id.to_string(), rid);
        }
        let created = self.clock.wall() - Duration::from_secs(3 * 365 * 24 * 3600);
        let mut tenant = Tenant {
            id: id.clone(),
            display_name: name.to_string(),
            domain: domain.to_string(),
            created,
            users: Vec::new(),
            apps: Vec::new(),
            sps: Vec::new(),
            assignments: Vec::new(),
            deleted: Vec::new(),
            role_object_ids,
        };
        let graph_sp_id = self.guid();
        let now = self.clock.now();
        tenant.sps.push(Sp {
            id: graph_sp_id.clone(),
            app_id: GRAPH_APP_ID.to_string(),
            doc: graph_sp_doc(&graph_sp_id),
            visible_at: now,
            owners: vec![],
        });
        self.tenants.push(tenant);
        id
    }

    pub fn add_user(&mut self, tenant_id: &str, nu: NewUser) -> Result<User, String> {
        let roles = role_templates(&nu.roles)?;
        let eligible_roles = role_templates(&nu.eligible_roles)?;
        let id = self.guid();
        let t = self
            .tenant_mut(tenant_id)
            .ok_or_else(|| format!("unknown tenant {tenant_id}"))?;
        if t.user_by_upn(&nu.user_principal_name).is_some() {
            return Err(format!("user {} exists", nu.user_principal_name));
        }
        let nick = nu
            .user_principal_name
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string();
        let display = nu.display_name.unwrap_or_else(|| nick.clone());
        let mut parts = display.splitn(2, ' ');
        let given = parts.next().map(str::to_string);
        let surname = parts.next().map(str::to_string);
        let u = User {
            id,
            upn: nu.user_principal_name,
            display_name: display,
            given_name: given,
            surname,
            roles,
            eligible_roles,
            guest: None,
        };
        t.users.push(u.clone());
        Ok(u)
    }

    /// Invites `home_upn` (a user of another tenant here) into `resource_tenant` as a B2B guest
    /// holding `roles` there. The guest's UPN follows Entra's `alice_fabrikam.com#EXT#@{domain}`.
    pub fn add_guest(
        &mut self,
        resource_tenant: &str,
        home_upn: &str,
        roles: &[String],
    ) -> Result<User, String> {
        let roles = role_templates(roles)?;
        let (home_tid, home_user) = self
            .find_user(home_upn)
            .map(|(t, u)| (t.id.clone(), u.clone()))
            .ok_or_else(|| format!("no user {home_upn}"))?;
        let rt = self
            .tenant_by_authority(resource_tenant)
            .map(|t| (t.id.clone(), t.domain.clone()))
            .ok_or_else(|| format!("unknown tenant {resource_tenant}"))?;
        if rt.0 == home_tid {
            return Err(format!("{home_upn} is a member of that tenant already"));
        }
        let upn = format!("{}#EXT#@{}", home_user.upn.replace('@', "_"), rt.1);
        let id = self.guid();
        let t = self
            .tenant_mut(&rt.0)
            .ok_or_else(|| format!("unknown tenant {resource_tenant}"))?;
        if t.users.iter().any(|u| {
            u.guest
                .as_ref()
                .is_some_and(|g| g.home_user_id == home_user.id)
        }) {
            return Err(format!("{home_upn} is a guest of that tenant already"));
        }
        let u = User {
            id,
            upn,
            display_name: home_user.display_name.clone(),
            given_name: home_user.given_name.clone(),
            surname: home_user.surname.clone(),
            roles,
            eligible_roles: vec![],
            guest: Some(GuestOf {
                home_tenant_id: home_tid,
                home_user_id: home_user.id.clone(),
                home_upn: home_user.upn.clone(),
            }),
        };
        t.users.push(u.clone());
        Ok(u)
    }

    /// The user `upn` names in `tenant_id`: a member with that UPN, or the guest whose home
    /// UPN it is (a guest signs in with their home account).
    pub fn user_in_tenant(&self, tenant_id: &str, upn: &str) -> Option<&User> {
        let t = self.tenant(tenant_id)?;
        t.user_by_upn(upn).or_else(|| {
            t.users.iter().find(|u| {
                u.guest
                    .as_ref()
                    .is_some_and(|g| g.home_upn.eq_ignore_ascii_case(upn))
            })
        })
    }

    /// The key that signs tokens now.
    pub fn signing_key(&self) -> &'static crate::tokens::SigningKey {
        let ks = crate::tokens::keys();
        &ks[self.key_index % ks.len()]
    }

    /// What the JWKS publishes: the current key, then (after a rollover) the previous one.
    pub fn published_keys(&self) -> Vec<&'static crate::tokens::SigningKey> {
        let ks = crate::tokens::keys();
        let mut v = vec![self.signing_key()];
        if self.rotations > 0 {
            v.push(&ks[(self.key_index + ks.len() - 1) % ks.len()]);
        }
        v
    }

    /// Signs a token: with the current key, or (`rogue_signing`) with the rogue key under the
    /// current key's kid.
    pub fn sign(&self, claims: &Value) -> String {
        let current = self.signing_key();
        if self.scenario.rogue_signing {
            crate::tokens::rogue().sign_as(claims, &current.kid)
        } else {
            current.sign(claims)
        }
    }

    /// Verifies a token the way a relying party does: against the published keys.
    pub fn verify(&self, token: &str) -> Result<Value, String> {
        crate::tokens::verify_with(&self.published_keys(), token, self.clock.unix())
    }

    /// The v2.0 issuer of tenant `tid`: `{issuerHost or origin}/{tid}/v2.0`.
    pub fn issuer(&self, tid: &str) -> String {
        let host = self
            .scenario
            .issuer_host
            .as_deref()
            .unwrap_or(&self.origin)
            .trim_end_matches('/');
        format!("{host}/{tid}/v2.0")
    }

    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id == id)
    }
    pub fn tenant_mut(&mut self, id: &str) -> Option<&mut Tenant> {
        self.tenants.iter_mut().find(|t| t.id == id)
    }
    /// A tenant by GUID or domain (case-insensitive).
    pub fn tenant_by_authority(&self, authority: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| {
            t.id.eq_ignore_ascii_case(authority) || t.domain.eq_ignore_ascii_case(authority)
        })
    }
    /// The tenant and user with this UPN, in any tenant.
    pub fn find_user(&self, upn: &str) -> Option<(&Tenant, &User)> {
        self.tenants
            .iter()
            .find_map(|t| t.user_by_upn(upn).map(|u| (t, u)))
    }

    pub fn default_tenant(&self) -> &Tenant {
        &self.tenants[0]
    }

    pub fn visible(&self, at: Instant) -> bool {
        self.clock.now() >= at
    }

    pub fn new_visible_at(&self) -> Instant {
        self.clock.now() + self.scenario.replication_delay
    }
}

/// A new application's property set, as Graph returns it after `POST /applications`.
pub fn new_app_doc(
    id: &str,
    app_id: &str,
    created: OffsetDateTime,
    publisher_domain: &str,
) -> Map<String, Value> {
    obj(json!({
        "id": id,
        "deletedDateTime": null,
        "appId": app_id,
        "applicationTemplateId": null,
        "disabledByMicrosoftStatus": null,
        "createdDateTime": graph_time(created),
        "displayName": null,
        "description": null,
        "groupMembershipClaims": null,
        "identifierUris": [],
        "isDeviceOnlyAuthSupported": null,
        "isFallbackPublicClient": null,
        "notes": null,
        "publisherDomain": publisher_domain,
        "serviceManagementReference": null,
        "signInAudience": "AzureADandPersonalMicrosoftAccount",
        "tags": [],
        "tokenEncryptionKeyId": null,
        "uniqueName": null,
        "defaultRedirectUri": null,
        "certification": null,
        "optionalClaims": null,
        "addIns": [],
        "api": {
            "acceptMappedClaims": null,
            "knownClientApplications": [],
            "requestedAccessTokenVersion": 2,
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": []
        },
        "appRoles": [],
        "info": {
            "logoUrl": null,
            "marketingUrl": null,
            "privacyStatementUrl": null,
            "supportUrl": null,
            "termsOfServiceUrl": null
        },
        "keyCredentials": [],
        "parentalControlSettings": {
            "countriesBlockedForMinors": [],
            "legalAgeGroupRule": "Allow"
        },
        "publicClient": { "redirectUris": [] },
        "requiredResourceAccess": [],
        "verifiedPublisher": {
            "displayName": null,
            "verifiedPublisherId": null,
            "addedDateTime": null
        },
        "web": {
            "homePageUrl": null,
            "logoutUrl": null,
            "redirectUris": [],
            "implicitGrantSettings": {
                "enableAccessTokenIssuance": false,
                "enableIdTokenIssuance": false
            }
        },
        "spa": { "redirectUris": [] }
    }))
}

/// A new service principal for `app`, as Graph returns it after `POST /servicePrincipals`.
/// (`publisherName` is in Graph's docs example but not in the v1.0 CSDL, so it is left out.)
pub fn new_sp_doc(id: &str, app: &App, tenant_id: &str) -> Map<String, Value> {
    let name = app.display_name();
    let app_roles = app
        .doc
        .get("appRoles")
        .cloned()
        .unwrap_or_else(|| json!([]));
    let scopes = app
        .doc
        .get("api")
        .and_then(|a| a.get("oauth2PermissionScopes"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    let reply = app
        .doc
        .get("web")
        .and_then(|w| w.get("redirectUris"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    let mut names = vec![Value::String(app.app_id.clone())];
    if let Some(Value::Array(uris)) = app.doc.get("identifierUris") {
        names.extend(uris.iter().cloned());
    }
    obj(json!({
        "id": id,
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": name,
        "appDescription": null,
        "appId": app.app_id,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": tenant_id,
        "appRoleAssignmentRequired": false,
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "replyUrls": reply,
        "servicePrincipalNames": names,
        "servicePrincipalType": "Application",
        "signInAudience": app.doc.get("signInAudience").cloned().unwrap_or(Value::Null),
        "tags": [],
        "tokenEncryptionKeyId": null,
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": app_roles,
        "info": {
            "logoUrl": null,
            "marketingUrl": null,
            "privacyStatementUrl": null,
            "supportUrl": null,
            "termsOfServiceUrl": null
        },
        "keyCredentials": [],
        "oauth2PermissionScopes": scopes,
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {
            "displayName": null,
            "verifiedPublisherId": null,
            "addedDateTime": null
        },
    }))
}

fn graph_sp_doc(id: &str) -> Map<String, Value> {
    let app_roles: Vec<Value> = catalog::GRAPH_APP_ROLES
        .iter()
        .map(|r| {
            json!({
                "allowedMemberTypes": ["Application"],
                "description": r.description,
                "displayName": r.display_name,
                "id": r.id,
                "isEnabled": true,
                "origin": "Application",
                "value": r.value,
            })
        })
        .collect();
    let scopes: Vec<Value> = catalog::GRAPH_SCOPES
        .iter()
        .map(|(p, ty)| {
            json!({
                "adminConsentDescription": p.description,
                "adminConsentDisplayName": p.display_name,
                "id": p.id,
                "isEnabled": true,
                "type": ty,
                "userConsentDescription": p.description,
                "userConsentDisplayName": p.display_name,
                "value": p.value,
            })
        })
        .collect();
    obj(json!({
        "id": id,
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": "Microsoft Graph",
        "appDescription": null,
        "appId": GRAPH_APP_ID,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": MICROSOFT_SERVICES_TENANT,
        "appRoleAssignmentRequired": false,
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": "Microsoft Graph",
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "replyUrls": [],
        "servicePrincipalNames": [
            "https://canary.graph.microsoft.com",
            "https://graph.microsoft.com",
            "https://ags.windows.net",
            "00000003-0000-0000-c000-000000000000",
            "https://graph.microsoft.us",
            "https://dod-graph.microsoft.us",
            "https://graph.microsoft.com/"
        ],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs",
        "tags": [],
        "tokenEncryptionKeyId": null,
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": app_roles,
        "info": {
            "logoUrl": null,
            "marketingUrl": null,
            "privacyStatementUrl": null,
            "supportUrl": null,
            "termsOfServiceUrl": null
        },
        "keyCredentials": [],
        "oauth2PermissionScopes": scopes,
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {
            "displayName": null,
            "verifiedPublisherId": null,
            "addedDateTime": null
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tenant() {
        let a = Sim::new("http://x".into(), 7, None, Scenario::default());
        let b = Sim::new("http://x".into(), 7, None, Scenario::default());
        let c = Sim::new("http://x".into(), 8, None, Scenario::default());
        assert_eq!(a.default_tenant().id, b.default_tenant().id);
        assert_eq!(
            a.default_tenant().users[0].id,
            b.default_tenant().users[0].id
        );
        assert_ne!(a.default_tenant().id, c.default_tenant().id);
        assert_eq!(a.default_tenant().users.len(), 4);
    }

    #[test]
    fn graph_time_has_seven_digits() {
        let t = OffsetDateTime::from_unix_timestamp(1_568_747_435).unwrap();
        assert_eq!(graph_time(t), "2019-09-17T19:10:35.0000000Z");
        assert_eq!(short_time(t), "2019-09-17T19:10:35");
    }

    #[test]
    fn secrets_look_like_entra_secrets() {
        let mut s = Sim::new("http://x".into(), 1, None, Scenario::default());
        let a = s.secret();
        let b = s.secret();
        assert_eq!(a.len(), 40);
        assert_ne!(a, b);
        assert_eq!(&a[4..6], "Q~");
    }
}
