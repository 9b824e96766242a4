//! Practice mode: the whole flow against an in-process tenant-sim, signed in automatically as its
//! Global Administrator. Nothing leaves this computer: the journal goes to a throw-away folder and
//! the secret to an in-memory vault.

use std::sync::Arc;

use recovery::{Code, Config, HttpBrowser, MemoryVault, Recovery};
use tenant_sim::{PracticeRole, RunningSim};

use crate::error::{IpcError, IpcResult};

/// The practice tenant and its journal folder, alive as long as the sign-in lasts.
#[derive(Debug)]
pub struct PracticeTenant {
    _sim: RunningSim,
    _data_dir: tempfile::TempDir,
}

/// Starts a practice tenant and returns the core pointed at it, and the "browser" that signs in
/// there (plain HTTP: the practice tenant signs its administrator in at once).
pub async fn start() -> IpcResult<(Recovery, HttpBrowser, Arc<PracticeTenant>)> {
    let failed = |e: String| {
        IpcError::new(
            Code::Internal,
            format!("Could not start the practice tenant: {e}"),
        )
    };
    // Tests (and support staff who want to look at the practice tenant) can choose where it listens.
    let addr = match std::env::var("PMPC_PRACTICE_ADDR") {
        Ok(a) => a
            .parse()
            .map_err(|_| failed(format!("PMPC_PRACTICE_ADDR {a:?} is not an address:port")))?,
        Err(_) => tenant_sim::Options::default().addr,
    };
    let sim = tenant_sim::start_practice(PracticeRole::GlobalAdministrator, addr)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let data_dir = tempfile::tempdir().map_err(|e| failed(e.to_string()))?;
    let config = Config::practice(sim.origin(), data_dir.path())?;
    let recovery = Recovery::new(config, Arc::new(MemoryVault::new()), None)?;
    let tenant = PracticeTenant {
        _sim: sim,
        _data_dir: data_dir,
    };
    Ok((recovery, HttpBrowser::new()?, Arc::new(tenant)))
}
