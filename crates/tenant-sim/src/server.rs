//! Starting a simulator: its options, the router that serves identity, Graph and the admin API
//! on one origin, and the handle ([`RunningSim`]) tests and apps drive it by. The startup line
//! is `startup`'s.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{any, get, post};
use axum::Router;

use crate::scenario::Scenario;
use crate::shared::{Inner, Shared};
use crate::snapshot::{self, Snapshot};
use crate::startup::{startup_of, Startup, StartupUser};
use crate::state::{self, NewUser, RequestRecord};
use crate::{admin, faults, graph, identity, tokens};

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen; port 0 picks a free one. Default `127.0.0.1:0`.
    pub addr: SocketAddr,
    /// Seeds every id, secret and jitter: the same seed gives the same tenant.
    pub seed: u64,
    /// Sign this user (UPN) in at /authorize without a page, and approve device codes as them.
    pub auto_sign_in: Option<String>,
    pub scenario: Scenario,
    /// The origin clients reach the simulator by when it sits behind a front (e.g.
    /// `https://login.sim.test`): discovery's endpoints and issuer, the device code's
    /// `verification_uri` and `message`, `@odata.context` and `Location` headers name it. None:
    /// each request's `X-Forwarded-Proto`/`X-Forwarded-Host` when present, else `http://{addr}`.
    pub public_origin: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 1,
            auto_sign_in: None,
            scenario: Scenario::default(),
            public_origin: None,
        }
    }
}

/// A simulator serving on loopback.
#[derive(Debug)]
pub struct RunningSim {
    origin: String,
    startup: Startup,
    shared: Shared,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Binds, spawns the server on the current tokio runtime and returns at once.
pub async fn start(opts: Options) -> std::io::Result<RunningSim> {
    let listener = tokio::net::TcpListener::bind(opts.addr).await?;
    let addr = listener.local_addr()?;
    let origin = format!("http://{addr}");
    let mut sim = state::Sim::new(
        origin.clone(),
        opts.seed,
        opts.auto_sign_in.clone(),
        opts.scenario,
    );
    if let Some(public) = &opts.public_origin {
        sim.public_origin = Some(checked_origin(public).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("public origin {public}: expected scheme://host[:port] without a path"),
            )
        })?);
    }
    if let Some(upn) = &opts.auto_sign_in {
        if sim.find_user(upn).is_none() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("--auto-sign-in: no user {upn} in the default tenant"),
            ));
        }
    }
    let shared: Shared = Arc::new(Inner::new(sim));
    let startup = startup_of(&shared);
    let app = router(shared.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("tenant-sim server error: {e}");
        }
    });
    Ok(RunningSim {
        origin,
        startup,
        shared,
        stop,
        task,
    })
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(identity::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(identity::keys))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(identity::sign_in_get::<identity::Authorize>).post(identity::sign_in_post),
        )
        .route("/{tenant}/oauth2/v2.0/token", post(identity::token))
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(identity::devicecode),
        )
        .route(
            "/{tenant}/adminconsent",
            get(identity::sign_in_get::<identity::AdminConsent>).post(identity::sign_in_post),
        )
        .route(
            "/{tenant}/v2.0/adminconsent",
            get(identity::sign_in_get::<identity::AdminConsent>).post(identity::sign_in_post),
        )
        .route("/{tenant}/oauth2/v2.0/logout", get(identity::logout))
        .route("/oidc/userinfo", get(identity::userinfo))
        .route(
            "/devicelogin",
            get(identity::devicelogin_get).post(identity::devicelogin_post),
        )
        .route("/v1.0", any(graph::handle))
        .route("/v1.0/{*rest}", any(graph::handle))
        .nest("/_sim", admin::router())
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            faults::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            public_origin_layer,
        ))
        .with_state(shared)
}

/// Serves the request with its public origin in scope (`Sim::public_origin` reads it).
async fn public_origin_layer(
    axum::extract::State(shared): axum::extract::State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let origin = {
        let sim = shared.lock();
        public_origin_of(&sim, req.headers())
    };
    state::REQUEST_ORIGIN.scope(origin, next.run(req)).await
}

/// The request's public origin: `Options::public_origin`; else, behind a reverse proxy,
/// `X-Forwarded-Proto` (default `http`) and `X-Forwarded-Host` (the first value of each, as the
/// proxy nearest the client set it); else the listening origin.
fn public_origin_of(sim: &state::Sim, headers: &axum::http::HeaderMap) -> String {
    if let Some(public) = &sim.public_origin {
        return public.clone();
    }
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let Some(host) = first("x-forwarded-host") else {
        return sim.origin.clone();
    };
    let proto = first("x-forwarded-proto").unwrap_or_else(|| "http".into());
    checked_origin(&format!("{proto}://{host}")).unwrap_or_else(|| sim.origin.clone())
}

/// `scheme://host[:port]` (http or https, no path, query or credentials), without a trailing
/// slash; None for anything else.
fn checked_origin(s: &str) -> Option<String> {
    let u = url::Url::parse(s).ok()?;
    let plain = matches!(u.scheme(), "http" | "https")
        && u.host_str().is_some()
        && u.username().is_empty()
        && u.password().is_none()
        && u.path() == "/"
        && u.query().is_none()
        && u.fragment().is_none();
    plain.then(|| u.as_str().trim_end_matches('/').to_string())
}

impl RunningSim {
    /// `http://127.0.0.1:PORT`: the authority host, and the Graph base is `{origin}/v1.0`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The default tenant and its users (the binary's first stdout line).
    pub fn startup(&self) -> &Startup {
        &self.startup
    }

    /// Replaces faults, delays and policy; fault occurrence counters restart from zero.
    pub fn set_scenario(&self, scenario: Scenario) {
        let mut sim = self.shared.lock();
        sim.scenario = scenario;
        sim.fault_counters.clear();
    }

    /// The current scenario.
    pub fn scenario(&self) -> Scenario {
        self.shared.lock().scenario.clone()
    }

    /// Apps (with password metadata, never secret values), service principals, app role
    /// assignments, deleted items and the request log.
    pub fn snapshot(&self) -> Snapshot {
        snapshot::take(&self.shared.lock())
    }

    /// Approves a pending device code as `upn` (what the user does on the verification page).
    pub fn approve_device_code(&self, user_code: &str, upn: &str) -> bool {
        identity::decide_device_code(&mut self.shared.lock(), user_code, upn, true)
    }

    /// Declines a pending device code (the user pressed Cancel).
    pub fn decline_device_code(&self, user_code: &str, upn: &str) -> bool {
        identity::decide_device_code(&mut self.shared.lock(), user_code, upn, false)
    }

    /// Moves the simulator's clock forward: codes, tokens, device codes and secrets expire,
    /// and replication/secret/role delays elapse, without real sleeping.
    pub fn advance_clock(&self, d: Duration) {
        self.shared.lock().clock.advance(d);
    }

    /// Which user /authorize signs in without a page (None: show the sign-in page).
    pub fn set_auto_sign_in(&self, upn: Option<String>) {
        self.shared.lock().auto_sign_in = upn;
    }

    pub fn auto_sign_in(&self) -> Option<String> {
        self.shared.lock().auto_sign_in.clone()
    }

    /// The device-code polling interval handed out by /devicecode (default 5 s; tests use less).
    pub fn set_device_code_interval(&self, d: Duration) {
        self.shared.lock().device_interval = d;
    }

    /// Adds a tenant (display name, default domain) with a Global Administrator
    /// `admin@{domain}`, or finds the one with that domain (the practice tenant's own among them)
    /// and a Global Administrator of it, adding `admin@{domain}` if it has none; returns its id
    /// and the administrator's UPN. (`pmpc-recovery-cli batch --practice`: a practice tenant per line.)
    pub fn add_tenant_with_admin(
        &self,
        name: &str,
        domain: &str,
    ) -> Result<(String, String), String> {
        let mut sim = self.shared.lock();
        let upn = format!("admin@{domain}");
        let id = match sim.tenant_by_authority(domain) {
            Some(t) => {
                let admin = t.users.iter().find(|u| {
                    u.guest.is_none()
                        && u.roles
                            .iter()
                            .any(|r| r == crate::catalog::GLOBAL_ADMINISTRATOR)
                });
                if let Some(admin) = admin {
                    return Ok((t.id.clone(), admin.upn.clone()));
                }
                t.id.clone()
            }
            None => sim.add_tenant(name, domain),
        };
        sim.add_user(
            &id,
            NewUser {
                user_principal_name: upn.clone(),
                display_name: Some("Practice Administrator".into()),
                roles: vec!["Global Administrator".into()],
                eligible_roles: Vec::new(),
            },
        )?;
        Ok((id, upn))
    }

    /// Adds a user to the default tenant (roles by display name or template id).
    pub fn add_user(&self, user: NewUser) -> Result<StartupUser, String> {
        let mut sim = self.shared.lock();
        let tenant_id = sim.default_tenant().id.clone();
        let added = sim.add_user(&tenant_id, user)?;
        Ok(StartupUser {
            id: added.id.clone(),
            user_principal_name: added.upn.clone(),
            roles: added.role_names(),
        })
    }

    /// Rolls the signing key over, as Entra does (an immediate, emergency rollover): from now on
    /// tokens are signed with the next of the emulator's three keys, and the JWKS lists the new
    /// key first, then the previous one. Before any rotation the JWKS lists only the first key,
    /// so a client that cached it meets an unknown `kid` after the first rotation
    /// (<https://learn.microsoft.com/entra/identity-platform/signing-key-rollover>).
    pub fn rotate_signing_key(&self) {
        let mut sim = self.shared.lock();
        sim.key_index = (sim.key_index + 1) % tokens::keys().len();
        sim.rotations += 1;
    }

    /// Invites `home_upn` (a user of another tenant of this simulator) into `resource_tenant`
    /// (id or domain) as a B2B guest holding `roles` (display names or template ids); returns the
    /// guest's object id in the resource tenant. Panics on an unknown user, tenant or role
    /// (test set-up errors); the admin API answers 400 instead.
    pub fn add_guest(&self, resource_tenant: &str, home_upn: &str, roles: &[&str]) -> String {
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        match self
            .shared
            .lock()
            .add_guest(resource_tenant, home_upn, &roles)
        {
            Ok(u) => u.id,
            #[allow(clippy::panic)]
            Err(e) => panic!("add_guest: {e}"),
        }
    }

    /// The request log so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }

    /// How many of the scenario's faults were injected, including any whose request never
    /// completed (a client that timed out on a `Slow` fault).
    pub fn faults_injected(&self) -> u32 {
        self.shared.lock().faults_injected
    }

    /// Stops accepting connections and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        // Graceful first; a request stuck in a `Slow` fault must not hold shutdown hostage.
        if tokio::time::timeout(Duration::from_secs(2), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}
