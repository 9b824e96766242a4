//! The `batch` command's input: one tenant per line, read and checked before anything is signed
//! in to.
//!
//! ```text
//! # comments and blank lines are skipped
//! contoso.onmicrosoft.com   Contoso Ltd          <- TENANT, then an optional label
//! fabrikam.com,Fabrikam                          <- or TENANT,LABEL (a two-column CSV)
//! 72f988bf-86f1-41af-91ab-2d7cd011db47           <- a Directory (tenant) ID
//! ```
//!
//! The tenant is a domain or a Directory (tenant) ID. The label is the admin's own name for the
//! customer; it is kept in the run's journal and heads the run's lines. A line that is not a
//! tenant, and a tenant named a second time, are [`BadLine`]s: named with their line numbers,
//! while the other lines go on. A header line `tenant,label` (a spreadsheet's) is skipped.

use std::collections::HashMap;

use serde::Serialize;

/// One tenant to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchLine {
    /// 1-based line number in the file.
    pub line: usize,
    /// As written: a domain or a Directory (tenant) ID.
    pub tenant: String,
    pub label: Option<String>,
}

impl BatchLine {
    /// How progress lines and the report name this tenant: its label, else the tenant.
    pub fn name(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.tenant)
    }
}

/// A line that names no tenant, or one named before. Serialized as it stands in `batch --json`'s
/// `badLines`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadLine {
    pub line: usize,
    /// The line as written (trimmed).
    pub text: String,
    /// Why it was skipped, starting with `line N:`.
    pub message: String,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct BatchFile {
    pub tenants: Vec<BatchLine>,
    pub bad: Vec<BadLine>,
}

/// Reads the file's text (see the module's documentation for the format).
pub fn parse(text: &str) -> BatchFile {
    let mut file = BatchFile::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (tenant, label) = split(trimmed);
        if file.tenants.is_empty() && file.bad.is_empty() && is_header(tenant) {
            continue;
        }
        let bad = |message: String| BadLine {
            line,
            text: trimmed.to_string(),
            message: format!("line {line}: {message}"),
        };
        if let Err(why) = check_tenant(tenant) {
            file.bad.push(bad(why));
            continue;
        }
        let tenant = normalize(tenant);
        if let Some(first) = seen.get(&tenant.to_ascii_lowercase()) {
            file.bad
                .push(bad(format!("{tenant} is a duplicate of line {first}")));
            continue;
        }
        seen.insert(tenant.to_ascii_lowercase(), line);
        file.tenants.push(BatchLine {
            line,
            tenant: tenant.to_string(),
            label,
        });
    }
    file
}

/// `TENANT LABEL…` or `TENANT,LABEL`: the tenant runs to the first blank or comma; the label is
/// the rest, without the comma, surrounding blanks and surrounding double quotes.
fn split(line: &str) -> (&str, Option<String>) {
    let end = line
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(line.len());
    let (tenant, rest) = line.split_at(end);
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim();
    let rest = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .map(|r| r.replace("\"\"", "\""))
        .unwrap_or_else(|| rest.to_string());
    let label = Some(rest.trim().to_string()).filter(|l| !l.is_empty());
    (tenant, label)
}

/// A spreadsheet's header row: `tenant` (or `domain`, `tenantId`…) in the first column.
fn is_header(tenant: &str) -> bool {
    ["tenant", "domain", "tenantid", "tenant_id"]
        .iter()
        .any(|h| tenant.eq_ignore_ascii_case(h))
}

/// The tenant as the sign-in takes it: a GUID without braces, a domain without the final dot.
fn normalize(tenant: &str) -> &str {
    let t = tenant
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(tenant);
    t.strip_suffix('.').unwrap_or(t)
}

/// A Directory (tenant) ID (a GUID) or a domain name; `organizations` and `common` name no tenant.
pub fn check_tenant(tenant: &str) -> Result<(), String> {
    if tenant.is_empty() {
        return Err("no tenant".into());
    }
    if ["organizations", "common", "consumers"]
        .iter()
        .any(|n| tenant.eq_ignore_ascii_case(n))
    {
        return Err(format!(
            "{tenant:?} names no tenant: give the customer's domain or Directory (tenant) ID"
        ));
    }
    if is_guid(tenant) || is_domain(tenant) {
        return Ok(());
    }
    Err(format!(
        "{tenant:?} is not a domain (contoso.com) or a Directory (tenant) ID (a GUID)"
    ))
}

/// `8-4-4-4-12` hexadecimal digits, optionally in braces.
fn is_guid(s: &str) -> bool {
    let s = s
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(s);
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// At least two dot-separated labels of letters, digits and inner hyphens (up to 63 each, 253
/// in all), the last one not all digits.
fn is_domain(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(line: usize, tenant: &str, label: Option<&str>) -> BatchLine {
        BatchLine {
            line,
            tenant: tenant.into(),
            label: label.map(str::to_string),
        }
    }

    #[test]
    fn both_forms_comments_blanks_and_a_header() {
        let file = parse(
            "\u{feff}tenant,label\n\
             # customers\n\
             \n\
             contoso.onmicrosoft.com   Contoso Ltd\n\
             fabrikam.com,Fabrikam\n\
             \t72F988BF-86F1-41AF-91AB-2D7CD011DB47\n\
             northwind.example, \"Northwind, \"\"Traders\"\"\"\n",
        );
        assert_eq!(
            file.tenants,
            [
                line(4, "contoso.onmicrosoft.com", Some("Contoso Ltd")),
                line(5, "fabrikam.com", Some("Fabrikam")),
                line(6, "72F988BF-86F1-41AF-91AB-2D7CD011DB47", None),
                line(7, "northwind.example", Some("Northwind, \"Traders\"")),
            ]
        );
        assert!(file.bad.is_empty(), "{:?}", file.bad);
        assert_eq!(file.tenants[0].name(), "Contoso Ltd");
        assert_eq!(file.tenants[2].name(), file.tenants[2].tenant);
    }

    #[test]
    fn bad_lines_and_duplicates_are_named_by_number_and_the_rest_go_on() {
        let file = parse(
            "contoso.com\n\
             not a tenant!\n\
             https://contoso.com/x\n\
             organizations\n\
             CONTOSO.com Again\n\
             72f988bf-86f1-41af-91ab\n\
             fabrikam.com\n",
        );
        assert_eq!(
            file.tenants,
            [line(1, "contoso.com", None), line(7, "fabrikam.com", None)]
        );
        let messages: Vec<&str> = file.bad.iter().map(|b| b.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "line 2: \"not\" is not a domain (contoso.com) or a Directory (tenant) ID (a GUID)",
                "line 3: \"https://contoso.com/x\" is not a domain (contoso.com) or a Directory (tenant) ID (a GUID)",
                "line 4: \"organizations\" names no tenant: give the customer's domain or Directory (tenant) ID",
                "line 5: CONTOSO.com is a duplicate of line 1",
                "line 6: \"72f988bf-86f1-41af-91ab\" is not a domain (contoso.com) or a Directory (tenant) ID (a GUID)",
            ]
        );
        assert_eq!(file.bad[0].text, "not a tenant!");
    }

    #[test]
    fn domains_and_guids() {
        for ok in [
            "contoso.com",
            "contoso.onmicrosoft.com",
            "a-b.co.uk",
            "xn--bcher-kva.example",
            "contoso.com.",
            "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
        ] {
            assert!(check_tenant(ok).is_ok(), "{ok}");
        }
        for bad in [
            "contoso",
            "-contoso.com",
            "contoso-.com",
            "conto_so.com",
            "10.0.0.1",
            "contoso..com",
            "common",
            "",
        ] {
            assert!(check_tenant(bad).is_err(), "{bad}");
        }
    }
}
