//! IPC commands, one module per domain. Each is a thin async call into the `recovery` crate.

pub mod control;
pub mod records;
pub mod runs;
pub mod session;
pub mod support;
pub mod vault;
pub mod wizard;
