//! tenant-sim: an Entra ID + Microsoft Graph v1.0 emulator on loopback.
//!
//! One origin serves the identity platform (`/{tenant}/oauth2/v2.0/...`, discovery, JWKS,
//! `/adminconsent`) and Graph (`/v1.0/...`), plus an admin API under `/_sim/...`. See README.md.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = tenant_sim::start(tenant_sim::Options::default()).await?;
//! println!("authority host and Graph base: {}", sim.origin());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
pub mod catalog;
mod faults;
mod graph;
mod identity;
pub mod permissions;
mod practice;
mod routes;
pub mod scenario;
mod server;
mod shared;
mod snapshot;
mod startup;
mod state;
mod tokens;

pub use practice::{practice_scenario, start_practice, PracticeRole};
pub use scenario::{
    duration_ms, Fault, FaultKind, LatencyProfile, PasswordPolicy, RetryAfter, Route, Scenario,
    SignInRefusal, TokenRateLimit,
};
pub use server::{start, Options, RunningSim};
pub use snapshot::{
    AppRoleAssignmentSnapshot, ApplicationSnapshot, DeletedItemSnapshot,
    PasswordCredentialSnapshot, ServicePrincipalSnapshot, Snapshot, TenantSnapshot,
};
pub use startup::{Startup, StartupUser};
pub use state::{NewUser, RequestRecord};
