//! The PMPC Recovery core.
//!
//! Everything worth testing lives here, free of any UI framework: the 16-step plan that mirrors the
//! vendor's manual procedure, sign-in, the Graph client and the engine that runs the plan, the
//! journal and the keychain vault. Front ends (the Tauri shell, the CLI) only convert and forward;
//! start at [`Recovery`].

pub mod activity;
pub mod api;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod cloud;
pub mod deletion;
pub mod engine;
pub mod error;
pub mod events;
pub mod gate;
pub mod graph;
pub mod http;
pub mod journal;
pub mod ops;
pub mod paths;
pub mod plan;
pub mod receipt;
pub mod replication;
pub mod results;
pub mod retry;
pub mod runs;
pub mod save;
pub mod secret;
pub mod steps;
pub mod untrusted;
pub mod vault;

pub use activity::Activity;
pub use api::{Config, Recovery, SignInMethod, DEFAULT_APP_NAME, DEFAULT_SECRET_LIFETIME};
pub use auth::{Browser, HttpBrowser, NoBrowser, Session, SystemBrowser};
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use cloud::{Cloud, Endpoints, DEFAULT_CLIENT_ID};
pub use deletion::{same_tenant, RunTenant, TenantName};
pub use engine::{
    AppChoice, Checkpoint, CleanupOptions, CleanupReport, ConsentPlan, Precheck, RunChoice,
    RunStatus,
};
pub use error::{Code, Error, ErrorInfo, GraphErrorInfo, Result};
pub use events::{Event, EventSink, WaitReason};
pub use gate::StepGate;
pub use journal::{tenant_label, Journal, LastSignIn, RunState};
pub use plan::{PlanStep, PLAN};
pub use receipt::Receipt;
pub use results::{
    AppIds, AppSummary, Credentials, RoleCheck, RoleVerdict, SessionInfo, TenantInfo,
};
pub use retry::{RetryPolicy, RetryReason};
pub use runs::RunError;
pub use secret::Secret;
pub use steps::{Step, StepData, StepOutcome};
pub use vault::{KeyringVault, MemoryVault, SecretVault, SharedVault};
