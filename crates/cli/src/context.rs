//! What every command works with, built from the global arguments: the engine ([`Recovery`])
//! with its [`Config`] and keychain, the browser that completes sign-in, the progress output,
//! and in practice mode the simulated tenant.
//!
//! The CLI's practice and test settings live here and nowhere else: [`PracticeTenant`] (what
//! `--practice` swaps in); `--fast` takes [`Config::with_fast_timings`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use recovery::{
    Browser, Cloud, Config, Endpoints, Error, EventSink, HttpBrowser, KeyringVault, MemoryVault,
    NoBrowser, Recovery, SharedVault, SystemBrowser,
};

use crate::args::GlobalArgs;
use crate::progress::{self, SignInUrlMode};

/// Everything a command needs.
pub struct Context {
    pub recovery: Recovery,
    pub browser: Box<dyn Browser>,
    /// Prints the engine's progress events on stderr.
    pub progress: EventSink,
    pub args: GlobalArgs,
    /// The keychain the engine keeps secrets in (a batch's per-tenant cores share it).
    vault: SharedVault,
    /// Kept alive for as long as the command runs.
    _practice_tenant: Option<PracticeTenant>,
}

impl Context {
    pub async fn from_args(args: &GlobalArgs) -> Result<Self, Error> {
        let cloud: Cloud = args.cloud.parse()?;
        let (target, practice_tenant) = if args.practice {
            let tenant = PracticeTenant::start(&args.practice_as).await?;
            (tenant.target(cloud)?, Some(tenant))
        } else {
            (Target::from_args(cloud, args)?, None)
        };
        let config = engine_config(cloud, args, target.endpoints, target.data_dir);
        let recovery = Recovery::new(config, target.vault.clone(), None)?;
        let recovery = with_crash_drill(recovery, args.crash_at.as_deref())?;
        Ok(Self {
            recovery,
            browser: target.browser,
            progress: progress::sink(SignInUrlMode::from_args(args)),
            args: args.clone(),
            vault: target.vault,
            _practice_tenant: practice_tenant,
        })
    }

    /// The simulated tenant of `--practice` (None: real tenants).
    pub fn practice_sim(&self) -> Option<&tenant_sim::RunningSim> {
        self._practice_tenant.as_ref().map(|p| &p.sim)
    }

    /// A core like [`Context::recovery`] whose sign-in is pinned to `tenant` (a domain or a
    /// Directory (tenant) ID) and whose journal keeps `label`: one per line of a batch.
    pub fn recovery_for(&self, tenant: &str, label: Option<&str>) -> Result<Recovery, Error> {
        let mut config = self.recovery.config.clone();
        config.tenant = tenant.to_string();
        config.label = label.map(str::to_string);
        let recovery = Recovery::new(config, self.vault.clone(), None)?;
        with_crash_drill(recovery, self.args.crash_at.as_deref())
    }
}

/// Where the engine signs in, calls Graph and keeps its journal and secrets.
struct Target {
    endpoints: Endpoints,
    data_dir: PathBuf,
    vault: SharedVault,
    browser: Box<dyn Browser>,
}

impl Target {
    /// The real tenant: the cloud's endpoints (or the overrides), the data folder shared with the
    /// desktop app, the OS keychain, and the browser the flags ask for.
    fn from_args(cloud: Cloud, args: &GlobalArgs) -> Result<Self, Error> {
        let endpoints = Endpoints::custom(
            cloud,
            args.authority_host.as_deref(),
            args.graph_base_url.as_deref(),
        )?;
        // The folder the desktop app uses too, so each sees the other's runs.
        let data_dir = match &args.data_dir {
            Some(dir) => dir.clone(),
            None => recovery::paths::data_dir()?,
        };
        let browser: Box<dyn Browser> = if args.http_browser {
            Box::new(HttpBrowser::new()?)
        } else if args.no_browser {
            Box::new(NoBrowser)
        } else {
            Box::new(SystemBrowser)
        };
        Ok(Self {
            endpoints,
            data_dir,
            vault: Arc::new(KeyringVault::new(args.keychain_service.clone())),
            browser,
        })
    }
}

/// `--practice`: an in-process tenant-sim that signs its user in automatically, with a throw-away
/// data folder; secrets stay in memory and the browser step is done over plain HTTP.
struct PracticeTenant {
    sim: tenant_sim::RunningSim,
    data_dir: tempfile::TempDir,
}

impl PracticeTenant {
    async fn start(role: &str) -> Result<Self, Error> {
        let role: tenant_sim::PracticeRole = role
            .parse()
            .map_err(|e| Error::InvalidInput(format!("--practice-as {e}")))?;
        let io = |e: std::io::Error| Error::Internal(format!("practice tenant: {e}"));
        let sim = tenant_sim::start_practice(role, tenant_sim::Options::default().addr)
            .await
            .map_err(io)?;
        let data_dir = tempfile::tempdir().map_err(io)?;
        crate::progress::say!(
            "Practice mode: a simulated tenant at {} (nothing real is touched).",
            sim.origin()
        );
        Ok(Self { sim, data_dir })
    }

    fn target(&self, cloud: Cloud) -> Result<Target, Error> {
        let origin = self.sim.origin();
        Ok(Target {
            endpoints: Endpoints::custom(cloud, Some(origin), Some(origin))?,
            data_dir: self.data_dir.path().to_path_buf(),
            vault: Arc::new(MemoryVault::new()),
            browser: Box::new(HttpBrowser::new()?),
        })
    }
}

fn engine_config(
    cloud: Cloud,
    args: &GlobalArgs,
    endpoints: Endpoints,
    data_dir: PathBuf,
) -> Config {
    let mut config = Config::new(cloud, data_dir);
    config.endpoints = endpoints;
    if let Some(client_id) = &args.client_id {
        config.client_id = client_id.clone();
    }
    if let Some(tenant) = &args.tenant {
        config.tenant = tenant.clone();
    }
    config.app_name = args.app_name.clone();
    config.secret_lifetime = Duration::from_secs(u64::from(args.secret_days) * 24 * 3600);
    if args.fast {
        // Tests: short waits for a simulated tenant (recovery's one home for them).
        config = config.with_fast_timings();
    }
    config
}

/// `--crash-at` (testing drill): abort the process at that checkpoint, as if it were killed.
fn with_crash_drill(recovery: Recovery, checkpoint: Option<&str>) -> Result<Recovery, Error> {
    let Some(at) = checkpoint else {
        return Ok(recovery);
    };
    let wanted: recovery::Checkpoint =
        serde_json::from_value(serde_json::Value::String(at.to_string()))
            .map_err(|_| Error::InvalidInput(format!("unknown checkpoint {at:?}")))?;
    Ok(recovery.with_crash_hook(Arc::new(move |reached| {
        if reached == wanted {
            // A real kill: no destructors, no flushing, nothing graceful.
            std::process::abort();
        }
        false
    })))
}
