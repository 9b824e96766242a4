//! The command line as clap reads it: the subcommands and the flags every one of them takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "pmpc-recovery-cli",
    version,
    about = "Create the \"PMPC Recovery\" app registration in Entra ID, prove it works, and clean it up."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
}

// No doc comment on this struct: clap would show it as help text.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Print one JSON object on stdout instead of human text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Practice against a built-in simulated tenant (signs in automatically; nothing real is touched).
    #[arg(long, global = true)]
    pub practice: bool,
    /// Practice as a user with this role: global-admin, privileged-role-admin, app-admin or user.
    #[arg(
        long,
        global = true,
        default_value = "global-admin",
        value_name = "ROLE"
    )]
    pub practice_as: String,
    /// global, us-gov-high, us-gov-dod or china.
    #[arg(
        long,
        global = true,
        default_value = "global",
        env = "PMPC_RECOVERY_CLOUD"
    )]
    pub cloud: String,
    /// Sign-in host, e.g. https://login.microsoftonline.com (overrides the cloud's).
    #[arg(long, global = true, env = "PMPC_RECOVERY_AUTHORITY_HOST")]
    pub authority_host: Option<String>,
    /// Graph base URL, e.g. https://graph.microsoft.com/v1.0 (overrides the cloud's).
    #[arg(long, global = true, env = "PMPC_RECOVERY_GRAPH_BASE_URL")]
    pub graph_base_url: Option<String>,
    /// Public client to sign in with (default: Microsoft Graph Command Line Tools).
    #[arg(long, global = true, env = "PMPC_RECOVERY_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Tenant id or domain to sign in to (default: organizations).
    #[arg(long, global = true, env = "PMPC_RECOVERY_TENANT")]
    pub tenant: Option<String>,
    /// The app registration's name (also the secret's description).
    #[arg(long, global = true, default_value = recovery::DEFAULT_APP_NAME)]
    pub app_name: String,
    /// Client secret lifetime in days (it is needed for 72 hours).
    #[arg(long, global = true, default_value_t = 7, value_name = "DAYS")]
    pub secret_days: u32,
    /// Sign in with a device code instead of the browser.
    #[arg(long, global = true)]
    pub device_code: bool,
    /// Do not open a browser: print the sign-in URL (the redirect is still awaited).
    #[arg(long, global = true)]
    pub no_browser: bool,
    /// Keep the sign-in in the keychain so later commands need no browser.
    #[arg(long, global = true)]
    pub remember: bool,
    /// Where progress is journaled (default: the data folder shared with the desktop app, see
    /// `recovery::paths`).
    #[arg(long, global = true, env = "PMPC_RECOVERY_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Complete the browser step over plain HTTP (for simulators that sign in automatically).
    #[arg(long, global = true, hide = true)]
    pub http_browser: bool,
    /// Shorter timeouts and retry budgets (tests).
    #[arg(long, global = true, hide = true)]
    pub fast: bool,
    /// Keychain service name (tests use their own so they never touch real entries).
    #[arg(long, global = true, hide = true, env = "PMPC_RECOVERY_KEYCHAIN_SERVICE", default_value = recovery::vault::SERVICE)]
    pub keychain_service: String,
    /// Testing drill: abort the process at this checkpoint, as if it were killed.
    #[arg(long, global = true, hide = true, env = "PMPC_RECOVERY_CRASH_AT")]
    pub crash_at: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Sign in, create the app registration with its permission, grant consent, make the secret, verify.
    Run(RunArgs),
    /// Sign in and show the account, tenant and admin roles.
    SignIn,
    /// Many tenants from a file, one sign-in each: the run for every tenant, then a report (CSV
    /// and stdout). Run it again to finish what did not.
    Batch(BatchArgs),
    /// Show every run on this computer, newest first (no sign-in needed).
    Status {
        /// Also print the client secret.
        #[arg(long)]
        show_secret: bool,
        /// Save the latest run's deadline (or --tenant's) as a calendar file (.ics).
        #[arg(long, value_name = "FILE")]
        ics: Option<PathBuf>,
    },
    /// The receipt of a recorded run for the change ticket: who, where, what, when (no secret).
    Receipt(ReceiptArgs),
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

// No doc comment on this struct: clap would show it as the `run` command's help text.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Reuse this existing app registration (object id) instead of creating one.
    #[arg(long, conflicts_with = "new")]
    pub reuse: Option<String>,
    /// Create a new app even if apps with the same name exist.
    #[arg(long)]
    pub new: bool,
    /// If your account cannot grant admin consent, do the rest and print the admin-consent link.
    #[arg(long)]
    pub hand_off_consent: bool,
    /// Print the client secret in human output (JSON output always carries it).
    #[arg(long)]
    pub show_secret: bool,
    /// Save the deadline as a calendar file (.ics): one event, a reminder 12 hours before.
    #[arg(long, value_name = "FILE")]
    pub ics: Option<PathBuf>,
    /// Save the run's receipt for the change ticket (.json: JSON, anything else: HTML).
    #[arg(long, value_name = "FILE")]
    pub receipt: Option<PathBuf>,
}

// No doc comment on this struct: clap would show it as the `batch` command's help text.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// One tenant per line: a domain or a Directory (tenant) ID, then an optional label
    /// (`TENANT LABEL` or `TENANT,LABEL`). Blank lines and lines starting with # are skipped.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Write the CSV report here (default: beside FILE, named FILE.report.csv).
    #[arg(long, value_name = "PATH")]
    pub csv: Option<PathBuf>,
    /// Put the client secrets in the report (stdout and the CSV). Without it they stay in the
    /// keychain only.
    #[arg(long)]
    pub show_secrets: bool,
    /// Create a new app in tenants where apps with the same name exist (to pick one of them
    /// instead, run that tenant alone: `run --tenant T --reuse <object id>`).
    #[arg(long)]
    pub new: bool,
    /// Where the account cannot grant admin consent, do the rest and report the admin-consent
    /// link.
    #[arg(long)]
    pub hand_off_consent: bool,
}

// No doc comment on this struct: clap would show it as the `receipt` command's help text.
#[derive(Args, Debug)]
pub struct ReceiptArgs {
    /// html (one self-contained page that prints to PDF) or json. `--json` means json.
    #[arg(long, value_enum, default_value = "html")]
    pub format: ReceiptFormat,
    /// Write it to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptFormat {
    Html,
    Json,
}
