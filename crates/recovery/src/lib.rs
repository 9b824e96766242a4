//! The PMPC Recovery core.
//!
//! Everything worth testing lives here, free of any UI framework: the 16-step plan that mirrors the
//! vendor's manual procedure, and (as it grows) sign-in, the Graph client and the engine that runs
//! the plan. Front ends (the Tauri shell, the CLI) only convert and forward.

pub mod plan;

pub use plan::{PlanStep, PLAN};
