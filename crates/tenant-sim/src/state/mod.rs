//! The directory: tenants, users, applications, service principals, app role assignments,
//! deleted items, plus the sign-in state (codes, refresh tokens, device codes) and the request log.
//!
//! Everything lives behind one `std::sync::Mutex` that is never held across an `.await`.
//!
//! - `clock`: the simulator's clock and timestamp formats;
//! - `objects`: users, applications, passwords, service principals, assignments, deleted items;
//! - `tenant`: a tenant and its Graph renderings;
//! - `documents`: the property sets of new applications and service principals;
//! - `setup`: adding tenants, users and guests;
//! - `sign_in`: codes, refresh tokens, device codes between requests;
//! - `signing`: signing and verifying tokens, the issuer and the request's public origin.

mod clock;
mod documents;
mod objects;
mod setup;
mod sign_in;
mod signing;
mod tenant;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::scenario::{Route, Scenario};

pub use clock::{graph_time, short_time, Clock};
pub use documents::{default_access_token_version, new_app_doc, new_sp_doc};
pub use objects::{App, Assignment, Deleted, DeletedObject, GuestOf, Password, Sp, User};
pub use setup::NewUser;
pub use sign_in::{AuthCode, DeviceGrant, DeviceStatus, PendingAuthorize, RefreshGrant, SignedIn};
pub(crate) use signing::REQUEST_ORIGIN;
pub use tenant::Tenant;

pub fn sha256(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

pub fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
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
    /// Where the simulator listens: `http://127.0.0.1:PORT`.
    pub origin: String,
    /// `Options::public_origin`: the origin clients reach it by (an HTTPS front), named in
    /// every URL the simulator hands out. None: the request's `X-Forwarded-*`, else `origin`.
    pub public_origin: Option<String>,
    pub clock: Clock,
    pub rng: StdRng,
    pub scenario: Scenario,
    pub fault_counters: HashMap<Route, u32>,
    /// Faults injected so far, counted when one is chosen: a `Slow` fault whose client gave up
    /// never reaches the request log, but it did happen.
    pub faults_injected: u32,
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
            public_origin: None,
            clock: Clock::new(),
            rng: StdRng::seed_from_u64(seed),
            scenario,
            fault_counters: HashMap::new(),
            faults_injected: 0,
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
}

/// Lookups.
impl Sim {
    /// The user `upn` names in `tenant_id`: a member with that UPN, or the guest whose home
    /// UPN it is (a guest signs in with their home account).
    pub fn user_in_tenant(&self, tenant_id: &str, upn: &str) -> Option<&User> {
        let tenant = self.tenant(tenant_id)?;
        tenant.user_by_upn(upn).or_else(|| {
            tenant.users.iter().find(|u| {
                u.guest
                    .as_ref()
                    .is_some_and(|g| g.home_upn.eq_ignore_ascii_case(upn))
            })
        })
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
    fn secrets_look_like_entra_secrets() {
        let mut s = Sim::new("http://x".into(), 1, None, Scenario::default());
        let a = s.secret();
        let b = s.secret();
        assert_eq!(a.len(), 40);
        assert_ne!(a, b);
        assert_eq!(&a[4..6], "Q~");
    }
}
