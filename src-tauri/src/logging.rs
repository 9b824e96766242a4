//! The app's log for support: one file a day in `logs` inside the shared data folder, the last
//! seven kept, every line passed through [`redact`] on its way to disk.
//!
//! Each record is also one line ([`recovery::untrusted::log_line`]): a server's message holding
//! CR/LF (logged with the error that carried it) cannot forge records, which would then reach
//! "Copy diagnostics" as if the wizard had written them.
//!
//! Secrets already travel in the redacting `Secret` newtype and tokens are never logged on purpose;
//! the redaction here is the second line of defence, for whatever a library or a future change
//! might print: JWTs (`eyJ…`), `Bearer …`, and `client_secret=`, `refresh_token=`, `code=` and
//! their kin in URLs, form bodies and JSON.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Log files start with this and end in `.log`, one per day (`pmpc-recovery-wizard.2026-11-28.log`).
pub const FILE_PREFIX: &str = "pmpc-recovery-wizard";
/// Days of logs kept; older files are deleted as new ones start.
pub const KEEP_FILES: usize = 7;
/// What is logged unless `PMPC_RECOVERY_LOG` (the CLI's variable too) says otherwise. The
/// practice tenant runs in-process; its own chatter stays out.
const DEFAULT_FILTER: &str = "info,recovery=debug,pmpc_recovery_wizard_lib=debug,tenant_sim=warn";

const REDACTED: &str = "[redacted]";

/// Parameters whose value is a credential, as `name=value` (URL query, form body, log field).
static PARAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(client_secret|refresh_token|access_token|id_token|code|code_verifier|client_assertion|assertion|password|secret|secretText|device_code)=[^&\s,;]+",
    )
    .expect("valid regex")
});
/// The same in JSON or Debug output: `"client_secret": "…"` or `secret_text: "…"`.
static JSON_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)("?(?:client_secret|refresh_token|access_token|id_token|code_verifier|client_assertion|password|secret_?text|device_code)"?\s*:\s*)"[^"]*""#,
    )
    .expect("valid regex")
});
static BEARER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+").expect("valid regex"));
/// A JWT, or any long base64url run that starts like one (`{"` encoded).
static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_\-]{8,}(?:\.[A-Za-z0-9_\-]*){0,2}").expect("valid regex")
});

/// Replaces anything that looks like a token or a secret with `[redacted]`.
pub fn redact(text: &str) -> String {
    let t = JWT.replace_all(text, REDACTED);
    let t = BEARER.replace_all(&t, format!("$1 {REDACTED}"));
    let t = PARAM.replace_all(&t, format!("$1={REDACTED}"));
    JSON_FIELD
        .replace_all(&t, format!("$1\"{REDACTED}\""))
        .into_owned()
}

/// Installs the global subscriber writing to `dir`. Returns the folder, or `None` (and logs
/// nowhere) when it cannot be made: the wizard works without a log.
pub fn init(dir: &Path) -> Option<PathBuf> {
    // The appender prunes old files at start and complains on stderr when the folder is missing.
    std::fs::create_dir_all(dir).ok()?;
    let appender = daily_files(dir).ok()?;
    let filter = EnvFilter::try_from_env("PMPC_RECOVERY_LOG")
        .unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_target(true)
        .with_writer(Redacting(appender));
    tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init()
        .ok()?;
    // A crash leaves its message in the log too (redacted like everything else).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "the app crashed");
        default_hook(info);
    }));
    Some(dir.to_path_buf())
}

/// One file a day in `dir`, the last [`KEEP_FILES`] kept.
fn daily_files(dir: &Path) -> Result<RollingFileAppender, tracing_appender::rolling::InitError> {
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir)
}

/// The last `n` lines of the newest log file in `dir`, redacted again on the way out.
pub fn tail(dir: &Path, n: usize) -> Vec<String> {
    let newest = std::fs::read_dir(dir).ok().and_then(|rd| {
        rd.flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                name.starts_with(FILE_PREFIX) && name.ends_with(".log")
            })
            .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
    });
    let Some(text) = newest.and_then(|e| std::fs::read(e.path()).ok()) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| redact(l))
        .collect()
}

/// A `MakeWriter` whose writers collect one formatted event, redact it, and only then write it.
#[derive(Debug)]
struct Redacting<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingEvent<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingEvent {
            buf: Vec::new(),
            inner: self.0.make_writer(),
        }
    }
}

#[derive(Debug)]
struct RedactingEvent<W: Write> {
    buf: Vec<u8>,
    inner: W,
}

impl<W: Write> Write for RedactingEvent<W> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for RedactingEvent<W> {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let line = redact(&String::from_utf8_lossy(&self.buf));
        let line = recovery::untrusted::log_line(&line);
        // Logging must never take the app down; a full disk just loses lines.
        let _ = self.inner.write_all(line.as_bytes());
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT_SAMPLE: &str =
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ0In0.c2lnbmF0dXJlLXBhcnQ";

    /// A subscriber that logs as the app does, into daily files in `dir`.
    fn logging_to(dir: &Path) -> impl tracing::Subscriber + Send + Sync {
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(Redacting(daily_files(dir).expect("appender")))
            .finish()
    }

    #[test]
    fn tokens_and_secrets_are_redacted_wherever_they_appear() {
        let cases = [
            format!("token {JWT_SAMPLE} end"),
            format!("Authorization: Bearer {JWT_SAMPLE}"),
            "authorization: bearer abc.def-ghi".to_string(),
            "grant_type=refresh_token&refresh_token=0.AAAA-rt-value&client_id=x".to_string(),
            "client_id=x&client_secret=Xy7~abc.def&scope=s".to_string(),
            "GET /cb?code=0.AQoA-auth-code&state=s1".to_string(),
            r#"{"client_secret": "Xy7~abc", "secretText":"Xy7~abc"}"#.to_string(),
            r#"Secret { secret_text: "Xy7~abc" }"#.to_string(),
            "code_verifier=pkce-verifier-value password=hunter2".to_string(),
        ];
        for c in &cases {
            let r = redact(c);
            for bad in [
                "eyJ0",
                "abc.def",
                "0.AAAA-rt-value",
                "Xy7~",
                "0.AQoA",
                "pkce-verifier",
                "hunter2",
            ] {
                assert!(!r.contains(bad), "{bad} survived in {r:?} (from {c:?})");
            }
            assert!(r.contains(REDACTED), "{r}");
        }
    }

    #[test]
    fn ordinary_lines_are_left_alone() {
        let line = "2026-11-28T09:00:00Z INFO recovery::http: retrying op=CreateApp attempt=2 error=HTTP 400 Request_BadRequest: NoBackingApplicationObject request-id=1b2c error_code=Request_BadRequest";
        assert_eq!(redact(line), line);
        let ids =
            "tenant 6babcaad-604b-40ac-a9d7-9fd97c0b779f app 2d1e4d4b-8f8a-4b8e-9d0d-6c0f3a7f9e11";
        assert_eq!(redact(ids), ids);
    }

    #[test]
    fn events_reach_the_file_redacted_and_the_tail_reads_them_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        tracing::subscriber::with_default(logging_to(dir.path()), || {
            for i in 0..60 {
                tracing::info!(i, "line");
            }
            tracing::warn!(url = %format!("https://x/cb?code=0.AQoA-secret&state=1"), token = JWT_SAMPLE, "oops");
        });
        let tail = tail(dir.path(), 50);
        assert_eq!(tail.len(), 50);
        let last = tail.last().expect("a line");
        assert!(last.contains("oops") && last.contains(REDACTED), "{last}");
        let all = std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).expect("read"))
            .collect::<String>();
        assert!(!all.contains("0.AQoA") && !all.contains("eyJ0"), "{all}");
    }

    #[test]
    fn a_message_with_line_breaks_stays_one_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        tracing::subscriber::with_default(logging_to(dir.path()), || {
            // As IpcError logs a Graph error whose message a server wrote.
            let message = "Insufficient privileges.\r\n2026-11-28T09:00:00Z  INFO forged: State: Ready\x1b[2J";
            tracing::warn!(error_code = "graph", "{message}");
            tracing::info!("after");
        });
        let tail = tail(dir.path(), 10);
        assert_eq!(tail.len(), 2, "{tail:?}");
        assert!(
            tail[0].contains("Insufficient privileges.\\r\\n2026-11-28T09:00:00Z  INFO forged")
                && !tail[0].contains('\x1b'),
            "{tail:?}"
        );
        assert!(tail[1].contains("after"), "{tail:?}");
    }
}
