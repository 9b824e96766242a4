//! `batch FILE`: the run for many tenants, one sign-in each, then one report.
//!
//! Sign-ins are interactive, so they come one after another, each pinned to its line's tenant
//! (`Config::tenant`, so a partner's account lands in the customer's tenant). As soon as a
//! tenant is signed in, its precheck and run go on in a task of their own while the next tenant
//! signs in; the engine holds each tenant's run lock as in a single run, and the secrets go to the
//! keychain as in a single run.
//!
//! Running the same file again picks up where the last one ended: a tenant whose earlier run is
//! verified, with its secret still in the keychain and its deadline ahead, is reported from its
//! journal and the keychain without signing in; any other earlier run is continued by the engine.
//! A line is matched to its earlier run before signing in by [`recovery::Journal::is_for`] (the
//! tenant id, the default domain, or the tenant the sign-in was pinned to).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use recovery::{
    Code, Credentials, Error, ErrorInfo, EventSink, Recovery, RunState, RunStatus, Session,
    TenantInfo,
};
use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::args::BatchArgs;
use crate::batch_file::{self, BatchLine};
use crate::batch_report::{self, BatchReport, Outcome, TenantReport};
use crate::commands::run::{missing_consent_role_note, run_choice, AppOptions};
use crate::commands::sign_in::new_session;
use crate::commands::status::keychain_secret;
use crate::commands::Output;
use crate::context::Context;
use crate::progress::say;
use crate::progress::{self, SignInUrlMode};
use crate::render::{rfc3339, time_left};

pub async fn batch(context: &Context, args: &BatchArgs) -> Result<Output, Error> {
    // `--practice`: each line gets a practice tenant of its own in the simulated tenant, named
    // after it; nothing real is touched and every line of output says so.
    let practice = context.practice_sim().is_some();
    let tag = if practice { "Practice: " } else { "" };
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", args.file.display())))?;
    let file = batch_file::parse(&text);
    if file.tenants.is_empty() && file.bad.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} names no tenant: write one domain or Directory (tenant) ID per line",
            args.file.display()
        )));
    }
    let csv = csv_path(args, practice)?;
    for bad in &file.bad {
        say!("{tag}{} (skipped)", bad.message);
    }
    if context.args.tenant.is_some() {
        say!("{tag}Each line names its tenant: --tenant is not used by batch.");
    }
    if context.args.remember {
        say!("{tag}Each tenant signs in on its own: --remember is not used by batch.");
    }
    let mut batch = Batch::new(context, args).await?;
    let count = file.tenants.len();
    for (index, line) in file.tenants.iter().enumerate() {
        batch.start(line, index + 1, count).await;
    }
    let mut report = BatchReport {
        tenants: batch.finish().await,
        bad_lines: file.bad,
        secrets_shown: args.show_secrets,
        csv: None,
    };
    let written = batch_report::write_csv(&csv, &report, args.show_secrets);
    if written {
        report.csv = Some(csv);
    }
    say!("{tag}{}", report.summary());
    let stdout = if context.args.json {
        batch_report::to_json(&report)
    } else {
        batch_report::to_text(&report, OffsetDateTime::now_utc())
    };
    Ok(Output {
        stdout: if practice {
            practice_output(&stdout, context.args.json)
        } else {
            stdout
        },
        complete: written && report.complete(),
    })
}

/// A practice batch's report: every line says it is practice (the JSON gets `"practice": true`).
fn practice_output(stdout: &str, json: bool) -> String {
    if json {
        if let Ok(serde_json::Value::Object(mut o)) = serde_json::from_str(stdout) {
            o.insert("practice".into(), serde_json::Value::Bool(true));
            return serde_json::to_string_pretty(&serde_json::Value::Object(o))
                .map(|s| s + "\n")
                .unwrap_or_else(|_| stdout.to_string());
        }
        return stdout.to_string();
    }
    let mut out =
        String::from("PRACTICE | A practice batch: simulated tenants, nothing real was touched.\n");
    for line in stdout.lines() {
        out.push_str("PRACTICE | ");
        // A practice batch keeps its secrets in memory only: they are gone when it ends.
        out.push_str(&line.replace(
            "in this computer's keychain (`pmpc-recovery-cli status --show-secret`)",
            "not kept: practice secrets live only while the batch runs (--show-secrets shows them)",
        ));
        out.push('\n');
    }
    out
}

/// The practice tenant standing in for a line: the line's domain (or `practice-N.onmicrosoft.com`
/// for a Directory (tenant) ID), named after the line, with a Global Administrator the simulated
/// sign-in picks; returns the domain to pin the sign-in to.
fn practice_tenant(sim: &tenant_sim::RunningSim, line: &BatchLine) -> Result<String, Error> {
    let t = line.tenant.trim().to_ascii_lowercase();
    let is_domain = t.contains('.')
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let domain = if is_domain {
        t
    } else {
        format!("practice-{}.onmicrosoft.com", line.line)
    };
    let (_, admin) = sim
        .add_tenant_with_admin(line.name(), &domain)
        .map_err(|e| Error::Internal(format!("practice tenant for {}: {e}", line.name())))?;
    sim.set_auto_sign_in(Some(admin));
    Ok(domain)
}

/// `--csv`, else the file's name with `.report.csv` beside it; checked before anything starts so
/// that the work is not lost to a report that cannot be written.
fn csv_path(args: &BatchArgs, practice: bool) -> Result<PathBuf, Error> {
    let csv = args.csv.clone().unwrap_or_else(|| {
        args.file.with_extension(if practice {
            "practice.report.csv"
        } else {
            "report.csv"
        })
    });
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(&csv, &args.file) {
        return Err(Error::InvalidInput(format!(
            "--csv {} is the batch file itself; name another file for the report",
            csv.display()
        )));
    }
    let dir = match csv.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::InvalidInput(format!(
            "cannot write the report to {}: no folder {}",
            csv.display(),
            dir.display()
        )));
    }
    Ok(csv)
}

/// A tenant's line on its way: what is known, and the run still going, if any.
struct Pending {
    report: TenantReport,
    running: Option<(Recovery, JoinHandle<Ran>)>,
}

impl Pending {
    fn known(report: TenantReport) -> Self {
        Self {
            report,
            running: None,
        }
    }
}

/// What a tenant's task brings back.
struct Ran {
    tenant: Option<TenantInfo>,
    resumed: bool,
    outcome: Result<Credentials, Error>,
}

struct Batch<'a> {
    context: &'a Context,
    args: &'a BatchArgs,
    /// The open runs on this computer before the batch began.
    earlier: Vec<RunStatus>,
    /// Tenant id → the line that has it.
    claimed: HashMap<String, usize>,
    pending: Vec<Pending>,
}

impl<'a> Batch<'a> {
    async fn new(context: &'a Context, args: &'a BatchArgs) -> Result<Self, Error> {
        let earlier = context
            .recovery
            .runs()
            .await?
            .into_iter()
            .filter(|s| s.state != RunState::CleanedUp)
            .collect();
        Ok(Self {
            context,
            args,
            earlier,
            claimed: HashMap::new(),
            pending: Vec::new(),
        })
    }

    /// Reports the line from its earlier run, or signs it in and starts its run.
    async fn start(&mut self, line: &BatchLine, number: usize, count: usize) {
        let prefix = if self.context.practice_sim().is_some() {
            format!("[{} · practice] ", line.name())
        } else {
            format!("[{}] ", line.name())
        };
        let mut report = TenantReport::new(line.line, &line.tenant, line.label.as_deref());
        let earlier = self
            .earlier
            .iter()
            .find(|s| s.journal.is_for(&line.tenant))
            .cloned();
        if let Some(run) = &earlier {
            // What the earlier run got done stays in the report if this one fails early.
            report = with_journal(report, run);
            if let Some(known) = self
                .earlier_report(line, run, report.clone(), &prefix)
                .await
            {
                self.pending.push(Pending::known(known));
                return;
            }
            say!(
                "{prefix}Continuing the run started {}: {}",
                rfc3339(run.started),
                crate::render::state_text(&run.state)
            );
        }
        say!(
            "{prefix}Signing in to {} ({number} of {count})…",
            line.tenant
        );
        let pending = self.sign_in_and_spawn(line, report, prefix).await;
        self.pending.push(pending);
    }

    /// The report of a line whose earlier run needs no sign-in: verified (secret in the
    /// keychain, deadline ahead), expired, or a tenant another line has. None: sign in.
    async fn earlier_report(
        &mut self,
        line: &BatchLine,
        run: &RunStatus,
        report: TenantReport,
        prefix: &str,
    ) -> Option<TenantReport> {
        let tenant_id = run.journal.tenant_id.clone();
        let mut report = report;
        if let Some(first) = self.claimed.get(&tenant_id) {
            return Some(duplicate(report, line, *first, &tenant_id, prefix));
        }
        if run.expired {
            self.claimed.insert(tenant_id, line.line);
            report.result = Outcome::Expired;
            report.error = Some(expired(line, run));
            say!("{prefix}EXPIRED: its deadline passed; see the report for what to do.");
            return Some(report);
        }
        if run.state != RunState::Verified || !run.secret_in_keychain {
            return None;
        }
        self.claimed.insert(tenant_id, line.line);
        report.result = Outcome::AlreadyVerified;
        report.verified = true;
        if self.args.show_secrets {
            match keychain_secret(self.context, run).await {
                Ok(secret) => report.client_secret = secret,
                Err(e) => say!("{prefix}The secret could not be read from the keychain: {e}"),
            }
        }
        let left = run
            .deadline
            .map(|d| format!(" ({})", time_left(d, OffsetDateTime::now_utc())))
            .unwrap_or_default();
        say!("{prefix}Verified by an earlier run{left}: skipped, no sign-in.");
        Some(report)
    }

    /// Signs the line's tenant in (interactive: the caller waits), then spawns its precheck and
    /// run and returns at once.
    async fn sign_in_and_spawn(
        &mut self,
        line: &BatchLine,
        mut report: TenantReport,
        prefix: String,
    ) -> Pending {
        let mode = SignInUrlMode::from_args(&self.context.args);
        let sink = progress::prefixed_sink(mode, prefix.clone());
        // Practice: the line's own practice tenant, the sign-in pinned to it.
        let pinned = match self.context.practice_sim() {
            Some(sim) => practice_tenant(sim, line),
            None => Ok(line.tenant.clone()),
        };
        let signed_in = match pinned
            .and_then(|tenant| self.context.recovery_for(&tenant, line.label.as_deref()))
        {
            Ok(recovery) => new_session(self.context, &recovery, false, &sink)
                .await
                .map(|session| (recovery, session)),
            Err(e) => Err(e),
        };
        let (recovery, session) = match signed_in {
            Ok(signed_in) => signed_in,
            Err(e) => {
                print_failure(&prefix, &e.info());
                report.error = Some(e.info());
                return Pending::known(report);
            }
        };
        let tenant_id = session.tenant_id();
        report.tenant_id = Some(tenant_id.clone());
        if let Some(first) = self.claimed.get(&tenant_id) {
            return Pending::known(duplicate(report, line, *first, &tenant_id, &prefix));
        }
        self.claimed.insert(tenant_id, line.line);
        let options = TaskOptions {
            new: self.args.new,
            hand_off_consent: self.args.hand_off_consent,
            reveal_secret: self.args.show_secrets,
            tenant: line.tenant.clone(),
        };
        let task = tokio::spawn(run_tenant(recovery.clone(), session, sink, options, prefix));
        Pending {
            report,
            running: Some((recovery, task)),
        }
    }

    /// Waits for every run, in file order.
    async fn finish(self) -> Vec<TenantReport> {
        let mut reports = Vec::new();
        for pending in self.pending {
            reports.push(match pending.running {
                None => pending.report,
                Some((recovery, task)) => {
                    let ran = task.await.unwrap_or_else(|e| Ran {
                        tenant: None,
                        resumed: false,
                        outcome: Err(Error::Internal(format!("the tenant's run stopped: {e}"))),
                    });
                    finished(pending.report, &recovery, ran).await
                }
            });
        }
        reports
    }
}

/// What a tenant's task needs besides the core and the sign-in.
struct TaskOptions {
    new: bool,
    hand_off_consent: bool,
    reveal_secret: bool,
    /// As the file names it, for the hint on apps that exist.
    tenant: String,
}

/// Steps 1–2 and the run of one signed-in tenant (a task of its own); says how it ended.
async fn run_tenant(
    recovery: Recovery,
    session: Session,
    sink: EventSink,
    options: TaskOptions,
    prefix: String,
) -> Ran {
    let precheck = match recovery.precheck(&session, &sink).await {
        Ok(precheck) => precheck,
        Err(e) => {
            print_failure(&prefix, &e.info());
            return Ran {
                tenant: None,
                resumed: false,
                outcome: Err(e),
            };
        }
    };
    if let Some(note) = missing_consent_role_note(&precheck, options.hand_off_consent) {
        for line in note.lines() {
            say!("{prefix}{line}");
        }
    }
    let choose = format!(
        "Give the batch --new to create another, or run this tenant alone to reuse one: pmpc-recovery-cli run --tenant {} --reuse <object id>",
        options.tenant
    );
    let app_options = AppOptions {
        reuse: None,
        new: options.new,
        hand_off_consent: options.hand_off_consent,
        reveal_secret: options.reveal_secret,
        choose: &choose,
    };
    let outcome = match run_choice(&precheck, &app_options) {
        Ok(choice) => recovery.run(&session, &precheck, &choice, &sink).await,
        Err(e) => Err(e),
    };
    match &outcome {
        Ok(c) if c.verified => say!(
            "{prefix}Verified: application (client) ID {}; use it before {}.",
            c.application_id,
            rfc3339(c.deadline)
        ),
        Ok(c) => say!(
            "{prefix}Done but for admin consent: {}",
            c.admin_consent_url.as_deref().unwrap_or_default()
        ),
        Err(e) => print_failure(&prefix, &e.info()),
    }
    Ran {
        tenant: Some(precheck.tenant.clone()),
        resumed: precheck.resume.is_some(),
        outcome,
    }
}

/// The report of a tenant whose run ended: the values, or the error and what the journal holds.
async fn finished(mut report: TenantReport, recovery: &Recovery, ran: Ran) -> TenantReport {
    report.resumed = ran.resumed;
    if let Some(tenant) = &ran.tenant {
        report.tenant_name = Some(tenant.display_name.clone()).filter(|n| !n.is_empty());
    }
    match ran.outcome {
        Ok(c) => {
            report.tenant_id = Some(c.tenant_id.clone());
            report.application_id = Some(c.application_id.clone());
            report.object_id = Some(c.object_id.clone());
            report.client_secret = c.client_secret.clone();
            report.verified = c.verified;
            report.deadline = Some(c.deadline);
            if c.verified {
                report.result = Outcome::Verified;
            } else {
                report.result = Outcome::WaitingForConsent;
                report.error = Some(waiting_for_consent(&c));
            }
        }
        Err(e) => {
            report.result = Outcome::Failed;
            report.error = Some(e.info());
            // What the run got done before it failed (the app's ids and deadline).
            let tenant_id = report.tenant_id.clone().unwrap_or_default();
            if let Ok(Some(run)) = recovery.open_run(&tenant_id).await {
                report = with_journal(report, &run);
            }
        }
    }
    report
}

/// The report filled in from a run's journal: the tenant, the app's ids, the deadline (not
/// whether it is verified, nor the secret: that is for the caller to say).
fn with_journal(mut report: TenantReport, run: &RunStatus) -> TenantReport {
    let j = &run.journal;
    report.tenant_id = Some(j.tenant_id.clone());
    if report.tenant_name.is_none() {
        report.tenant_name.clone_from(&run.tenant_name);
    }
    if let Some(app) = &j.app {
        report.application_id = Some(app.app_id.clone());
        report.object_id = Some(app.object_id.clone());
    }
    report.deadline = run.deadline;
    report.resumed = true;
    report
}

fn duplicate(
    mut report: TenantReport,
    line: &BatchLine,
    first: usize,
    tenant_id: &str,
    prefix: &str,
) -> TenantReport {
    let info = ErrorInfo {
        code: Code::InvalidInput,
        message: format!(
            "line {}: {} is the same tenant ({tenant_id}) as line {first}",
            line.line, line.tenant
        ),
        remedy: format!(
            "Remove line {} from the file: line {first} covers this tenant.",
            line.line
        ),
        request_id: None,
    };
    say!("{prefix}{}: skipped.", info.message);
    // The values are on the first line's row; one app, not two.
    report.application_id = None;
    report.object_id = None;
    report.deadline = None;
    report.result = Outcome::Duplicate;
    report.error = Some(info);
    report
}

fn expired(line: &BatchLine, run: &RunStatus) -> ErrorInfo {
    ErrorInfo {
        code: Code::InvalidInput,
        message: format!(
            "the deadline of this tenant's run passed on {}: PMPC no longer accepts its values",
            run.deadline.map(rfc3339).unwrap_or_default()
        ),
        remedy: format!(
            "Delete its app registration (pmpc-recovery-cli cleanup --tenant {}), then run the batch again to make a new one.",
            line.tenant
        ),
        request_id: None,
    }
}

fn waiting_for_consent(c: &Credentials) -> ErrorInfo {
    let url = c.admin_consent_url.clone().unwrap_or_default();
    ErrorInfo {
        code: Code::ConsentRequiresPrivilegedRole,
        message: format!("admin consent is not granted yet; a Global Administrator or Privileged Role Administrator grants it at {url}"),
        remedy: "Once an administrator has granted consent, run the batch again: it verifies the values.".into(),
        request_id: None,
    }
}

fn print_failure(prefix: &str, info: &ErrorInfo) {
    say!("{prefix}FAILED: {}", info.message);
    say!("{prefix}What to do: {}", info.remedy);
}
