//! The step-by-step progress lines on stderr, one per engine event. Never prints a secret: events
//! carry none.
//!
//! Every line the CLI writes on stderr goes through [`say`] (the `say!` macro): the crate's
//! `clippy.toml` forbids `eprintln!` and its kin, so a new message cannot skip it. A line holds
//! names a tenant chose and messages a server wrote; [`recovery::untrusted::terminal`] keeps
//! each on its one line with nothing in it that a terminal would act on.

use recovery::untrusted;
use recovery::{Event, EventSink, Step, StepData, WaitReason};

use crate::args::GlobalArgs;

/// What to say about the sign-in URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInUrlMode {
    /// A browser is opened; the URL is given in case it does not open.
    Browser,
    /// `--no-browser`: the URL alone on one line, for scripts and support staff.
    Print,
    /// `--practice`: the practice tenant signs in by itself.
    Practice,
}

impl SignInUrlMode {
    pub fn from_args(args: &GlobalArgs) -> Self {
        if args.practice {
            Self::Practice
        } else if args.no_browser {
            Self::Print
        } else {
            Self::Browser
        }
    }
}

/// Writes one line on stderr, made safe for the terminal: a value's line break becomes a space,
/// an escape sequence or bidi control a visible U+FFFD.
pub fn say_line(line: &str) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", untrusted::terminal(line));
}

/// `say!("…", args)`: [`say_line`] with `format!`'s arguments. Several lines are several calls.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::progress::say_line(&format!($($arg)*))
    };
}
pub(crate) use say;

/// The log's `MakeWriter` (`PMPC_RECOVERY_LOG`): each record is written to stderr as one line,
/// through [`untrusted::log_line`], so a server message holding `\r\n` cannot forge a record
/// and an escape sequence in one reaches the terminal as text.
#[derive(Debug, Clone, Copy)]
pub struct LogLines;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogLines {
    type Writer = LogRecord;

    fn make_writer(&'a self) -> Self::Writer {
        LogRecord(Vec::new())
    }
}

/// One log record, collected whole and written when the formatter is done with it.
#[derive(Debug)]
pub struct LogRecord(Vec<u8>);

impl std::io::Write for LogRecord {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogRecord {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.0);
        let _ = std::io::Write::write_all(
            &mut std::io::stderr().lock(),
            untrusted::log_line(&text).as_bytes(),
        );
    }
}

/// The sink that prints each event's line on stderr.
pub fn sink(mode: SignInUrlMode) -> EventSink {
    prefixed_sink(mode, String::new())
}

/// The same, each line after `prefix` (a batch names the tenant: `[Contoso] `).
pub fn prefixed_sink(mode: SignInUrlMode, prefix: String) -> EventSink {
    EventSink::new(move |event| {
        if let Some(line) = progress_line(&event, mode) {
            say!("{prefix}{line}");
        }
    })
}

/// The line for one event; `None` for events that are not shown.
pub fn progress_line(event: &Event, mode: SignInUrlMode) -> Option<String> {
    let line = match event {
        Event::Started { step } => format!("{}…", step_heading(*step)),
        Event::Done {
            step,
            data,
            summary,
        } => format!("{}: done{}", step_heading(*step), describe(summary, data)),
        Event::Skipped {
            step,
            data,
            summary,
        } => format!(
            "{}: already done{}",
            step_heading(*step),
            describe(summary, data)
        ),
        Event::Waiting {
            reason, seconds, ..
        } => match reason {
            WaitReason::BrowserSignIn | WaitReason::DeviceCode => return None,
            other => format!("      waiting {seconds:.1} s: {}", wait_text(*other)),
        },
        // A long wait says so (past 20 s, then each minute), and how to stop and continue.
        Event::Retrying {
            waited_seconds,
            delay_seconds,
            ..
        } => {
            let (from, to) = (*waited_seconds, waited_seconds + delay_seconds);
            let crosses = |t: f64| from < t && to >= t;
            if !(crosses(20.0) || (1..=60).any(|m| crosses(f64::from(m) * 60.0))) {
                return None;
            }
            format!(
                "      still waiting ({} so far); it goes on by itself. To stop and continue later, press Ctrl+C and run the same command again: it continues from here",
                waited_words(to)
            )
        }
        Event::Failed { step, error } => {
            format!("{}: FAILED ({:?})", step_heading(*step), error.code)
        }
        Event::SignInUrl { url } => sign_in_url_line(url, mode),
        // Our own words around the server's URI and code, never its free-text `message`: that
        // could name another address than `verification_uri` or hold lines of its own.
        Event::DeviceCode {
            user_code,
            verification_uri,
            ..
        } => format!("To sign in, open {verification_uri} and enter the code {user_code}"),
    };
    Some(line)
}

/// "45 s", "3 min 5 s".
fn waited_words(seconds: f64) -> String {
    // Whole seconds of a wait: never negative, never more than a day.
    let s = seconds.clamp(0.0, 86_400.0) as u64;
    if s < 60 {
        format!("{s} s")
    } else {
        format!("{} min {} s", s / 60, s % 60)
    }
}

fn sign_in_url_line(url: &str, mode: SignInUrlMode) -> String {
    match mode {
        SignInUrlMode::Print => format!("Sign in at: {url}"),
        SignInUrlMode::Browser => {
            format!("Opening your browser to sign in (if it does not open, go to {url})")
        }
        SignInUrlMode::Practice => "Signing in to the practice tenant…".to_string(),
    }
}

/// The portal steps a step stands for, then its title: `[13-15] Create the client secret`.
fn step_heading(step: Step) -> String {
    format!("{} {}", plan_label(step), step.title())
}

/// The portal step numbers a step replaces, five characters wide: `[ 1] `, `[13-15]`, or blanks.
fn plan_label(step: Step) -> String {
    match step.plan_numbers() {
        [] => "     ".into(),
        [one] => format!("[{one:>2}] "),
        [first, .., last] => format!("[{first}-{last}]"),
    }
}

fn wait_text(reason: WaitReason) -> &'static str {
    match reason {
        WaitReason::BrowserSignIn => "finish signing in in your browser",
        WaitReason::DeviceCode => "enter the code",
        WaitReason::Replication => "Microsoft is copying the new object to all its servers",
        WaitReason::SecretNotReady => "the new secret is not accepted by Microsoft yet",
        WaitReason::PermissionNotEffective => "the permission has not reached new sign-ins yet",
        WaitReason::Throttled => "Microsoft asked us to slow down",
        WaitReason::ServiceUnavailable => "Microsoft is briefly unavailable",
    }
}

/// What a finished step found or made, in the core's words (the event's `summary`), as the tail
/// of its line (` — …`). A consent handed off also gives the link to send.
fn describe(summary: &str, data: &StepData) -> String {
    let mut tail = format!(" — {summary}");
    if let StepData::ConsentHandedOff { admin_consent_url } = data {
        tail.push_str(&format!(": {admin_consent_url}"));
    }
    tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_wait_says_so_past_20_seconds_and_each_minute() {
        let retry = |waited: f64, delay: f64| Event::Retrying {
            step: Step::Verify,
            reason: recovery::RetryReason::SecretNotReady,
            attempt: 3,
            delay_seconds: delay,
            waited_seconds: waited,
            error: recovery::GraphErrorInfo {
                status: 401,
                code: "invalid_client".into(),
                message: "AADSTS7000222".into(),
                request_id: None,
            },
        };
        let mode = SignInUrlMode::Browser;
        assert_eq!(progress_line(&retry(10.0, 2.0), mode), None);
        let line = progress_line(&retry(18.5, 2.0), mode).unwrap();
        assert!(line.contains("still waiting (20 s so far)"), "{line}");
        assert!(line.contains("Ctrl+C") && line.contains("continues from here"));
        assert_eq!(progress_line(&retry(30.0, 4.0), mode), None);
        let line = progress_line(&retry(58.0, 4.0), mode).unwrap();
        assert!(line.contains("(1 min 2 s so far)"), "{line}");
    }

    #[test]
    fn plan_labels_are_five_characters_or_a_range() {
        assert_eq!(plan_label(Step::SignIn), "[ 1] ");
        assert_eq!(plan_label(Step::CreateSecret), "[13-15]");
        assert_eq!(plan_label(Step::Cleanup), "     ");
    }

    #[test]
    fn lines_name_the_portal_steps_and_the_step() {
        let started = Event::Started { step: Step::SignIn };
        assert_eq!(
            progress_line(&started, SignInUrlMode::Browser).as_deref(),
            Some("[ 1]  Sign in…")
        );
        let data = StepData::CleanedUp {
            deleted: true,
            purged: false,
            keychain_forgotten: true,
        };
        let stored = Event::Done {
            step: Step::Cleanup,
            summary: data.summary(),
            data,
        };
        assert_eq!(
            progress_line(&stored, SignInUrlMode::Browser).as_deref(),
            Some(
                "      Clean up: done — Deleted the app registration (restorable from deleted \
                 items for 30 days); removed the secret from this computer's keychain"
            )
        );
    }

    #[test]
    fn the_device_code_is_said_in_our_words_never_the_servers() {
        let event = Event::DeviceCode {
            user_code: "ABCD-1234".into(),
            verification_uri: "https://microsoft.com/devicelogin".into(),
            expires_in_seconds: 900,
            message: "To sign in, open http://evil.example/login and enter the code ABCD-1234.\r\nWhat to do: nothing".into(),
        };
        let line = progress_line(&event, SignInUrlMode::Print).unwrap_or_default();
        assert_eq!(
            line,
            "To sign in, open https://microsoft.com/devicelogin and enter the code ABCD-1234"
        );
    }

    #[test]
    fn the_sign_in_url_is_said_as_the_mode_asks() {
        let event = Event::SignInUrl { url: "U".into() };
        let line = |mode| progress_line(&event, mode).unwrap_or_default();
        assert_eq!(line(SignInUrlMode::Print), "Sign in at: U");
        assert_eq!(
            line(SignInUrlMode::Browser),
            "Opening your browser to sign in (if it does not open, go to U)"
        );
        assert_eq!(
            line(SignInUrlMode::Practice),
            "Signing in to the practice tenant…"
        );
    }
}
