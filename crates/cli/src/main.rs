//! `pmpc-recovery-cli`: the recovery wizard without a window, for support staff and scripts.
//!
//! Human output goes to stderr as the steps run; the result goes to stdout (one JSON object with
//! `--json`). Exit status: 0 done, 1 failed, 2 bad arguments.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use recovery::{
    AppChoice, Browser, CleanupOptions, Cloud, Config, ConsentPlan, Credentials, Endpoints, Error,
    Event, EventSink, HttpBrowser, KeyringVault, MemoryVault, NoBrowser, Precheck, Recovery,
    RoleVerdict, RunChoice, Session, SharedVault, SignInMethod, Step, StepData, SystemBrowser,
};

#[derive(Parser, Debug)]
#[command(
    name = "pmpc-recovery-cli",
    version,
    about = "Create the \"PMPC Recovery\" app registration in Entra ID, prove it works, and clean it up."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// Print one JSON object on stdout instead of human text.
    #[arg(long, global = true)]
    json: bool,
    /// Practice against a built-in simulated tenant (signs in automatically; nothing real is touched).
    #[arg(long, global = true)]
    practice: bool,
    /// Practice as a user with this role: global-admin, privileged-role-admin, app-admin or user.
    #[arg(
        long,
        global = true,
        default_value = "global-admin",
        value_name = "ROLE"
    )]
    practice_as: String,
    /// global, us-gov-high, us-gov-dod or china.
    #[arg(
        long,
        global = true,
        default_value = "global",
        env = "PMPC_RECOVERY_CLOUD"
    )]
    cloud: String,
    /// Sign-in host, e.g. https://login.microsoftonline.com (overrides the cloud's).
    #[arg(long, global = true, env = "PMPC_RECOVERY_AUTHORITY_HOST")]
    authority_host: Option<String>,
    /// Graph base URL, e.g. https://graph.microsoft.com/v1.0 (overrides the cloud's).
    #[arg(long, global = true, env = "PMPC_RECOVERY_GRAPH_BASE_URL")]
    graph_base_url: Option<String>,
    /// Public client to sign in with (default: Microsoft Graph Command Line Tools).
    #[arg(long, global = true, env = "PMPC_RECOVERY_CLIENT_ID")]
    client_id: Option<String>,
    /// Tenant id or domain to sign in to (default: organizations).
    #[arg(long, global = true, env = "PMPC_RECOVERY_TENANT")]
    tenant: Option<String>,
    /// The app registration's name (also the secret's description).
    #[arg(long, global = true, default_value = recovery::DEFAULT_APP_NAME)]
    app_name: String,
    /// Client secret lifetime in days (it is needed for 72 hours).
    #[arg(long, global = true, default_value_t = 7, value_name = "DAYS")]
    secret_days: u32,
    /// Sign in with a device code instead of the browser.
    #[arg(long, global = true)]
    device_code: bool,
    /// Do not open a browser: print the sign-in URL (the redirect is still awaited).
    #[arg(long, global = true)]
    no_browser: bool,
    /// Keep the sign-in in the keychain so later commands need no browser.
    #[arg(long, global = true)]
    remember: bool,
    /// Where progress is journaled (default: the data folder shared with the desktop app, see
    /// `recovery::paths`).
    #[arg(long, global = true, env = "PMPC_RECOVERY_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Complete the browser step over plain HTTP (for simulators that sign in automatically).
    #[arg(long, global = true, hide = true)]
    http_browser: bool,
    /// Shorter timeouts and retry budgets (tests).
    #[arg(long, global = true, hide = true)]
    fast: bool,
    /// Keychain service name (tests use their own so they never touch real entries).
    #[arg(long, global = true, hide = true, env = "PMPC_RECOVERY_KEYCHAIN_SERVICE", default_value = recovery::vault::SERVICE)]
    keychain_service: String,
    /// Testing drill: abort the process at this checkpoint, as if it were killed.
    #[arg(long, global = true, hide = true, env = "PMPC_RECOVERY_CRASH_AT")]
    crash_at: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign in, create the app registration with its permission, grant consent, make the secret, verify.
    Run(RunArgs),
    /// Sign in and show the account, tenant and admin roles.
    SignIn,
    /// Show recorded runs (no sign-in needed).
    Status {
        /// Also print the client secret.
        #[arg(long)]
        show_secret: bool,
    },
    /// Delete the app registration, forget its secret and the journal.
    Cleanup {
        /// Also remove it from deleted items for good (cannot be restored).
        #[arg(long)]
        purge: bool,
        /// Object id of an app to delete when none is recorded.
        #[arg(long)]
        object_id: Option<String>,
    },
    /// Forget every stored sign-in.
    SignOut,
    /// Print the 16 steps of the portal procedure and what the wizard does instead of each.
    Plan,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Reuse this existing app registration (object id) instead of creating one.
    #[arg(long, conflicts_with = "new")]
    reuse: Option<String>,
    /// Create a new app even if apps with the same name exist.
    #[arg(long)]
    new: bool,
    /// If your account cannot grant admin consent, do the rest and print the admin-consent link.
    #[arg(long)]
    hand_off_consent: bool,
    /// Print the client secret in human output (JSON output always carries it).
    #[arg(long)]
    show_secret: bool,
}

fn main() {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("PMPC_RECOVERY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let json = cli.global.json;
    let code = match rt.block_on(dispatch(cli)) {
        Ok(out) => {
            print_out(&out);
            0
        }
        Err(e) => {
            report_error(&e, json);
            1
        }
    };
    std::process::exit(code);
}

fn plan(json: bool) -> String {
    if json {
        return serde_json::to_string(&recovery::PLAN).unwrap_or_default();
    }
    recovery::PLAN
        .iter()
        .map(|s| {
            format!(
                "{:>2}. {}\n    portal: {}\n    wizard: {}",
                s.number, s.title, s.portal, s.wizard
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn print_out(s: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{s}");
    let _ = stdout.flush();
}

fn report_error(e: &Error, json: bool) {
    let info = e.info();
    if json {
        print_out(&serde_json::json!({ "error": info }).to_string());
    }
    eprintln!("error: {}", info.message);
    eprintln!("what to do: {}", info.remedy);
    if let Some(id) = info.request_id {
        eprintln!("request id (for Microsoft support): {id}");
    }
}

/// Everything a command needs.
struct Ctx {
    recovery: Recovery,
    browser: Box<dyn Browser>,
    sink: EventSink,
    g: Global,
    _practice: Option<(tenant_sim::RunningSim, tempfile::TempDir)>,
}

async fn setup(g: &Global) -> Result<Ctx, Error> {
    let cloud: Cloud = g.cloud.parse()?;
    let mut practice = None;
    let (endpoints, data_dir, vault, browser): (Endpoints, PathBuf, SharedVault, Box<dyn Browser>) =
        if g.practice {
            let (sim, dir) = start_practice(&g.practice_as).await?;
            let e = Endpoints::custom(cloud, Some(sim.origin()), Some(sim.origin()))?;
            let data = dir.path().to_path_buf();
            practice = Some((sim, dir));
            (
                e,
                data,
                Arc::new(MemoryVault::new()),
                Box::new(HttpBrowser::new()?),
            )
        } else {
            let e = Endpoints::custom(
                cloud,
                g.authority_host.as_deref(),
                g.graph_base_url.as_deref(),
            )?;
            // The folder the desktop app uses too, so each sees the other's runs.
            let data = match &g.data_dir {
                Some(d) => d.clone(),
                None => recovery::paths::data_dir()?,
            };
            let browser: Box<dyn Browser> = if g.http_browser {
                Box::new(HttpBrowser::new()?)
            } else if g.no_browser {
                Box::new(NoBrowser)
            } else {
                Box::new(SystemBrowser)
            };
            (
                e,
                data,
                Arc::new(KeyringVault::new(g.keychain_service.clone())),
                browser,
            )
        };
    let mut config = Config::new(cloud, data_dir);
    config.endpoints = endpoints;
    if let Some(c) = &g.client_id {
        config.client_id = c.clone();
    }
    if let Some(t) = &g.tenant {
        config.tenant = t.clone();
    }
    config.app_name = g.app_name.clone();
    config.secret_lifetime = Duration::from_secs(u64::from(g.secret_days) * 24 * 3600);
    if g.fast {
        config.retry.budget = Duration::from_secs(20);
        config.retry.transient_base = Duration::from_millis(50);
        config.retry.transient_cap = Duration::from_millis(400);
        config.retry.replication_base = Duration::from_millis(50);
        config.retry.replication_cap = Duration::from_millis(200);
        config.retry.max_retry_after = Duration::from_secs(5);
        config.request_timeout = Duration::from_secs(5);
        config.sign_in_timeout = Duration::from_secs(20);
        config.verify_budget = Duration::from_secs(20);
    }
    let mut recovery = Recovery::new(config, vault, None)?;
    if let Some(at) = &g.crash_at {
        let wanted: recovery::Checkpoint =
            serde_json::from_value(serde_json::Value::String(at.clone()))
                .map_err(|_| Error::InvalidInput(format!("unknown checkpoint {at:?}")))?;
        recovery = recovery.with_crash_hook(Arc::new(move |c| {
            if c == wanted {
                // A real kill: no destructors, no flushing, nothing graceful.
                std::process::abort();
            }
            false
        }));
    }
    let mode = if g.practice {
        UrlMode::Practice
    } else if g.no_browser {
        UrlMode::Print
    } else {
        UrlMode::Browser
    };
    let sink = EventSink::new(move |e| render(&e, mode));
    Ok(Ctx {
        recovery,
        browser,
        sink,
        g: g.clone(),
        _practice: practice,
    })
}

async fn start_practice(role: &str) -> Result<(tenant_sim::RunningSim, tempfile::TempDir), Error> {
    let role: tenant_sim::PracticeRole = role
        .parse()
        .map_err(|e| Error::InvalidInput(format!("--practice-as {e}")))?;
    let io = |e: std::io::Error| Error::Internal(format!("practice tenant: {e}"));
    let sim = tenant_sim::start_practice(role, tenant_sim::Options::default().addr)
        .await
        .map_err(io)?;
    let dir = tempfile::tempdir().map_err(io)?;
    eprintln!(
        "Practice mode: a simulated tenant at {} (nothing real is touched).",
        sim.origin()
    );
    Ok((sim, dir))
}

async fn dispatch(cli: Cli) -> Result<String, Error> {
    let ctx = setup(&cli.global).await?;
    match cli.command {
        Command::Run(args) => run(&ctx, args).await,
        Command::SignIn => sign_in_cmd(&ctx).await,
        Command::Status { show_secret } => status(&ctx, show_secret).await,
        Command::Cleanup { purge, object_id } => cleanup(&ctx, purge, object_id).await,
        Command::Plan => Ok(plan(ctx.g.json)),
        Command::SignOut => {
            let forgot = ctx.recovery.sign_out(None).await?;
            Ok(if ctx.g.json {
                serde_json::json!({ "signedOut": true, "forgotRememberedSession": forgot })
                    .to_string()
            } else if forgot {
                "Signed out: the remembered sign-in was removed from the keychain.".into()
            } else {
                "Signed out (no sign-in was remembered).".into()
            })
        }
    }
}

async fn session(ctx: &Ctx, remember: bool) -> Result<Session, Error> {
    if !ctx.g.practice {
        match ctx.recovery.resume_session().await {
            Ok(Some(s)) => {
                eprintln!(
                    "Using the remembered sign-in of {}.",
                    s.info().user_principal_name
                );
                return Ok(s);
            }
            Ok(None) => {}
            Err(e) => {
                eprintln!("The remembered sign-in could not be used ({e}); signing in again.")
            }
        }
    }
    let method = if ctx.g.device_code {
        SignInMethod::DeviceCode
    } else {
        SignInMethod::Browser
    };
    ctx.recovery
        .sign_in(
            method,
            ctx.browser.as_ref(),
            remember && !ctx.g.practice,
            &ctx.sink,
        )
        .await
}

async fn sign_in_cmd(ctx: &Ctx) -> Result<String, Error> {
    // A separate sign-in is only useful if the next command can pick it up.
    let s = session(ctx, true).await?;
    let pre = ctx.recovery.precheck(&s, &ctx.sink).await?;
    if ctx.g.json {
        return Ok(serde_json::json!({
            "userPrincipalName": pre.session.user_principal_name,
            "tenantId": pre.tenant.tenant_id,
            "roles": pre.roles.roles,
        })
        .to_string());
    }
    Ok(format!(
        "Signed in as {} to {} ({}).\nRoles: {}\n{}",
        pre.session.user_principal_name,
        pre.tenant.display_name,
        pre.tenant.tenant_id,
        if pre.roles.roles.is_empty() {
            "none".to_string()
        } else {
            pre.roles.roles.join(", ")
        },
        pre.roles.explanation
    ))
}

fn choose_app(pre: &Precheck, args: &RunArgs) -> Result<AppChoice, Error> {
    if let Some(id) = &args.reuse {
        if !pre.existing.iter().any(|a| &a.object_id == id) {
            return Err(Error::InvalidInput(format!(
                "--reuse {id}: no app with that object id is named like ours"
            )));
        }
        return Ok(AppChoice::Reuse {
            object_id: id.clone(),
        });
    }
    let resuming = pre.resume.as_ref().is_some_and(|j| j.app.is_some());
    if !pre.existing.is_empty() && !args.new && !resuming {
        let list: Vec<String> = pre
            .existing
            .iter()
            .map(|a| {
                format!(
                    "{} (object id {}, created {})",
                    a.display_name,
                    a.object_id,
                    a.created_date_time.clone().unwrap_or_default()
                )
            })
            .collect();
        return Err(Error::InvalidInput(format!(
            "apps with this name already exist: {}. Choose --reuse <object id> or --new",
            list.join("; ")
        )));
    }
    Ok(AppChoice::CreateNew)
}

async fn run(ctx: &Ctx, args: RunArgs) -> Result<String, Error> {
    let s = session(ctx, ctx.g.remember).await?;
    let pre = ctx.recovery.precheck(&s, &ctx.sink).await?;
    if matches!(
        pre.roles.verdict,
        RoleVerdict::CannotGrantConsent | RoleVerdict::NoAdminRole
    ) {
        eprintln!("{}", pre.roles.explanation);
        if !args.hand_off_consent {
            eprintln!("Stopping before anything is created. Rerun with --hand-off-consent to go on without the consent step.");
        }
    }
    let choice = RunChoice {
        app: choose_app(&pre, &args)?,
        consent: if args.hand_off_consent {
            ConsentPlan::HandOff
        } else {
            ConsentPlan::Stop
        },
        reveal_secret: true,
    };
    let creds = ctx.recovery.run(&s, &pre, &choice, &ctx.sink).await?;
    if ctx.g.json {
        return Ok(run_json(&creds));
    }
    Ok(run_human(&creds, args.show_secret))
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn run_json(c: &Credentials) -> String {
    serde_json::json!({
        "tenantId": c.tenant_id,
        "applicationId": c.application_id,
        "objectId": c.object_id,
        "clientSecret": c.client_secret,
        "secretExpires": rfc3339(c.secret_expires),
        "deadline": rfc3339(c.deadline),
        "verified": c.verified,
    })
    .to_string()
}

fn run_human(c: &Credentials, show_secret: bool) -> String {
    let secret = match (&c.client_secret, show_secret) {
        (Some(s), true) => s.clone(),
        _ => format!(
            "{}{} (hidden; rerun `status --show-secret` to print it)",
            c.secret_hint,
            "•".repeat(12)
        ),
    };
    let mut out = format!(
        "Directory (tenant) ID:    {}\nApplication (client) ID:  {}\nObject ID:                {}\nClient secret:            {}\nSecret expires:           {}\nUse it before:            {} (72 hours after the app was created)\n",
        c.tenant_id,
        c.application_id,
        c.object_id,
        secret,
        rfc3339(c.secret_expires),
        rfc3339(c.deadline)
    );
    if c.verified {
        out.push_str("Verified: the app signs in and holds AuditLog.Read.All.");
    } else if let Some(url) = &c.admin_consent_url {
        out.push_str(&format!(
            "Not verified yet: a Global Administrator or Privileged Role Administrator must grant consent at:\n  {url}\nThen run this command again to verify."
        ));
    } else {
        out.push_str("Not verified.");
    }
    out
}

async fn status(ctx: &Ctx, show_secret: bool) -> Result<String, Error> {
    let runs = ctx.recovery.status().await?;
    let mut secrets = Vec::new();
    for r in &runs {
        let secret = match (&r.journal.app, show_secret) {
            (Some(a), true) if r.secret_in_keychain => Some(
                ctx.recovery
                    .reveal_secret(&r.journal.tenant_id, &a.app_id)
                    .await?
                    .expose()
                    .to_string(),
            ),
            _ => None,
        };
        secrets.push(secret);
    }
    if ctx.g.json {
        let list: Vec<serde_json::Value> = runs
            .iter()
            .zip(&secrets)
            .map(|(r, s)| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                if let Some(s) = s {
                    v["clientSecret"] = serde_json::Value::String(s.clone());
                }
                v
            })
            .collect();
        return Ok(serde_json::json!({ "runs": list }).to_string());
    }
    if runs.is_empty() {
        return Ok("No recorded runs.".into());
    }
    let mut out = String::new();
    for (r, s) in runs.iter().zip(&secrets) {
        let j = &r.journal;
        out.push_str(&format!(
            "Tenant {}: {}\n",
            j.tenant_id,
            if r.complete { "complete" } else { "unfinished" }
        ));
        if let Some(a) = &j.app {
            out.push_str(&format!(
                "  Application (client) ID: {}\n  Object ID: {}\n",
                a.app_id, a.object_id
            ));
        }
        if let Some(d) = r.deadline {
            out.push_str(&format!("  Use before: {}\n", rfc3339(d)));
        }
        if let Some(p) = &j.password {
            out.push_str(&format!(
                "  Secret {}… expires {} ({})\n",
                p.hint,
                rfc3339(p.end_date_time),
                if r.secret_in_keychain {
                    "in the keychain"
                } else {
                    "NOT in the keychain"
                }
            ));
        }
        if let Some(s) = s {
            out.push_str(&format!("  Client secret: {s}\n"));
        }
        out.push_str(&format!(
            "  Verified: {}\n",
            if j.verified_at.is_some() { "yes" } else { "no" }
        ));
    }
    Ok(out.trim_end().to_string())
}

async fn cleanup(ctx: &Ctx, purge: bool, object_id: Option<String>) -> Result<String, Error> {
    let s = session(ctx, ctx.g.remember).await?;
    let report = ctx
        .recovery
        .cleanup(&s, &CleanupOptions { purge, object_id }, &ctx.sink)
        .await?;
    if ctx.g.json {
        return Ok(serde_json::to_string(&report).unwrap_or_default());
    }
    Ok(format!(
        "App registration {}: {}{}. Keychain entry {}.",
        report.object_id,
        if report.deleted {
            "deleted"
        } else {
            "was already gone"
        },
        if report.purged {
            " and purged from deleted items"
        } else if purge {
            " (not found in deleted items)"
        } else {
            " (restorable for 30 days from deleted items)"
        },
        if report.keychain_forgotten {
            "forgotten"
        } else {
            "not present"
        }
    ))
}

fn step_title(step: Step) -> &'static str {
    match step {
        Step::SignIn => "Sign in",
        Step::ReadTenant => "Read the tenant and your roles",
        Step::FindExisting => "Look for existing apps",
        Step::CreateApp => "Create the app registration",
        Step::ConfigurePermission => "Request AuditLog.Read.All",
        Step::CreateServicePrincipal => "Create the enterprise app",
        Step::GrantConsent => "Grant admin consent",
        Step::ConfirmConsent => "Confirm consent (green tick)",
        Step::CreateSecret => "Create the client secret",
        Step::StoreSecret => "Store the secret in the keychain",
        Step::Verify => "Verify the credentials",
        Step::Cleanup => "Clean up",
    }
}

fn plan_label(step: Step) -> String {
    match step.plan_numbers() {
        [] => "     ".into(),
        [one] => format!("[{one:>2}] "),
        [first, .., last] => format!("[{first}-{last}]"),
    }
}

/// What to say about the sign-in URL.
#[derive(Debug, Clone, Copy)]
enum UrlMode {
    Browser,
    Print,
    Practice,
}

/// Human progress on stderr. Never prints a secret: events carry none.
fn render(e: &Event, mode: UrlMode) {
    let line = match e {
        Event::Started { step } => format!("{} {}…", plan_label(*step), step_title(*step)),
        Event::Done { step, data } => format!(
            "{} {}: done{}",
            plan_label(*step),
            step_title(*step),
            describe(data)
        ),
        Event::Skipped { step, data } => format!(
            "{} {}: already done{}",
            plan_label(*step),
            step_title(*step),
            describe(data)
        ),
        Event::Waiting {
            reason, seconds, ..
        } => match reason {
            recovery::WaitReason::BrowserSignIn | recovery::WaitReason::DeviceCode => return,
            other => format!("      waiting {seconds:.1} s: {}", wait_text(*other)),
        },
        Event::Retrying { .. } => return,
        Event::Failed { step, error } => format!(
            "{} {}: FAILED ({:?})",
            plan_label(*step),
            step_title(*step),
            error.code
        ),
        Event::SignInUrl { url } => match mode {
            UrlMode::Print => format!("Sign in at: {url}"),
            UrlMode::Browser => {
                format!("Opening your browser to sign in (if it does not open, go to {url})")
            }
            UrlMode::Practice => "Signing in to the practice tenant…".to_string(),
        },
        Event::DeviceCode { message, .. } => message.clone(),
    };
    eprintln!("{line}");
}

fn wait_text(r: recovery::WaitReason) -> &'static str {
    use recovery::WaitReason::*;
    match r {
        BrowserSignIn => "finish signing in in your browser",
        DeviceCode => "enter the code",
        Replication => "Microsoft is copying the new object to all its servers",
        SecretNotReady => "the new secret is not accepted by Microsoft yet",
        PermissionNotEffective => "the permission has not reached new sign-ins yet",
        Throttled => "Microsoft asked us to slow down",
        ServiceUnavailable => "Microsoft is briefly unavailable",
    }
}

fn describe(d: &StepData) -> String {
    match d {
        StepData::SignedIn { session } => format!(
            " — {} in tenant {}",
            session.user_principal_name, session.tenant_id
        ),
        StepData::Tenant { tenant, roles } => format!(
            " — {} ({}); roles: {}",
            tenant.display_name,
            tenant.tenant_id,
            if roles.roles.is_empty() {
                "none".into()
            } else {
                roles.roles.join(", ")
            }
        ),
        StepData::Existing { apps } => format!(" — {} found", apps.len()),
        StepData::App { app, reused } => format!(
            " — {}application (client) ID {}, object ID {}",
            if *reused { "reused; " } else { "" },
            app.app_id,
            app.object_id
        ),
        StepData::Permission { permission, .. } => format!(" — {permission} (application)"),
        StepData::ServicePrincipal { id } => format!(" — {id}"),
        StepData::Consent { .. } => String::new(),
        StepData::ConsentHandedOff { admin_consent_url } => {
            format!(" — handed to an administrator: {admin_consent_url}")
        }
        StepData::ConsentConfirmed { .. } => " — granted".into(),
        StepData::Secret {
            hint,
            end_date_time,
            ..
        } => format!(" — {hint}… valid until {}", rfc3339(*end_date_time)),
        StepData::SecretStored { .. } => String::new(),
        StepData::Verified { roles, .. } => format!(" — token roles: {}", roles.join(", ")),
        StepData::CleanedUp { .. } => String::new(),
    }
}
