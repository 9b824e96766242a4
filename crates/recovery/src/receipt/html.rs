//! The receipt as one self-contained HTML page (inline styles, no scripts, no external
//! resources) that prints well to PDF. Every value from the tenant or a server goes through the
//! one sanitising place ([`crate::untrusted`]): escaped, and names isolated in `<bdi>`.

use super::*;
use crate::clock::{utc_text, UtcText};

/// Text for HTML element content and attribute values (the one sanitising place's HTML).
pub fn escape(s: &str) -> String {
    crate::untrusted::html(s)
}

/// A name from the tenant inside our sentence: escaped and isolated in `<bdi>`, so it never
/// reorders the words around it.
fn name(s: &str) -> String {
    crate::untrusted::html_name(s)
}

/// A time as a `<time>` element, written as `style` says, or "not recorded".
fn time_as(t: Option<OffsetDateTime>, style: UtcText) -> String {
    let Some(t) = t else {
        return "<span class=\"none\">not recorded</span>".into();
    };
    let iso = t
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!(
        r#"<time datetime="{}">{}</time>"#,
        escape(&iso),
        escape(&utc_text(t, style))
    )
}

fn time(t: Option<OffsetDateTime>) -> String {
    time_as(t, UtcText::Readable)
}

/// A time of day only (`07:07:20`), for tables whose times all fall on one UTC day.
fn clock(t: Option<OffsetDateTime>) -> String {
    time_as(t, UtcText::TimeOfDay)
}

/// The one UTC day all these times fall on, if they do.
fn one_day(times: impl Iterator<Item = OffsetDateTime>) -> Option<time::Date> {
    let mut day = None;
    for t in times {
        let d = t.to_offset(time::UtcOffset::UTC).date();
        match day {
            None => day = Some(d),
            Some(x) if x != d => return None,
            Some(_) => {}
        }
    }
    day
}

fn id(s: &str) -> String {
    format!("<code>{}</code>", escape(s))
}

fn opt_id(s: Option<&str>) -> String {
    s.map(id)
        .unwrap_or_else(|| "<span class=\"none\">none</span>".into())
}

fn row(label: &str, value: String) -> String {
    format!(
        "<tr><th scope=\"row\">{}</th><td>{value}</td></tr>\n",
        escape(label)
    )
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn outcome(o: StepOutcome) -> &'static str {
    match o {
        StepOutcome::Started => "started",
        StepOutcome::Done => "done",
        StepOutcome::Skipped => "done earlier",
        StepOutcome::Failed => "failed",
    }
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif; color: #1b1f24; background: #fff; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 2.25rem 3rem; }
header { border-bottom: 3px solid #0b5cad; padding-bottom: .75rem; margin-bottom: 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; color: #0b3d6e; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
p { margin: .3rem 0; }
.meta { color: #57606a; font-size: .9rem; }
.practice { display: inline-block; background: #fff4ce; border: 1px solid #d4a72c; color: #6b4e00; padding: .1rem .5rem; border-radius: .25rem; font-weight: 600; }
.facts { display: grid; grid-template-columns: repeat(3, 1fr); gap: .75rem; margin: 1rem 0 0; }
.fact { border: 1px solid #d0d7de; border-radius: .4rem; padding: .55rem .75rem; }
.fact .label { display: block; font-size: .8rem; color: #57606a; text-transform: uppercase; letter-spacing: .03em; }
.fact .value { font-size: 1.05rem; font-weight: 600; }
.ok { color: #1a7f37; } .bad { color: #b42318; }
table { width: 100%; border-collapse: collapse; margin: .25rem 0 .5rem; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #e5e8eb; }
thead th { background: #f3f5f7; border-bottom: 1px solid #d0d7de; font-weight: 600; }
tbody th { width: 16rem; font-weight: 600; color: #32383f; }
code { font: .88em/1.3 ui-monospace, "Cascadia Mono", Consolas, "Liberation Mono", monospace; word-break: break-all; }
.none { color: #6e7781; font-style: italic; }
h3 { font-size: .95rem; margin: 1rem 0 .3rem; color: #32383f; }
td.when { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.steps td:nth-child(4) { white-space: nowrap; }
table.writes td:nth-child(4) { text-align: right; }
.small { font-size: .85rem; color: #57606a; }
footer { margin-top: 2rem; border-top: 1px solid #d0d7de; padding-top: .6rem; font-size: .82rem; color: #57606a; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  tr, .fact { break-inside: avoid; }
  tbody th { width: 11rem; }
  thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

pub fn render(r: &Receipt) -> String {
    let mut b = String::new();
    let tenant_label = tenant_label(r);
    b.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    b.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    b.push_str(&format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(&format!("PMPC Recovery receipt: {tenant_label}"))
    ));
    for section in [header, who, changes, steps_section, writes] {
        b.push_str(&section(r));
    }
    b.push_str("<footer>\n<p>This receipt holds ids, names and times only: never the client secret, a token or a refresh token. PMPC needs the Application (client) ID, Object ID, Directory (tenant) ID and the client secret; the secret is in the PMPC Recovery Wizard (Finish page) and this computer's keychain.</p>\n</footer>\n");
    b.push_str("</main>\n</body>\n</html>\n");
    b
}

fn tenant_label(r: &Receipt) -> String {
    r.tenant
        .name
        .clone()
        .unwrap_or_else(|| r.tenant.tenant_id.clone())
}

fn cloud_name(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Global => "Global (worldwide, GCC)",
        Cloud::UsGovHigh => "US Government GCC High",
        Cloud::UsGovDod => "US Government DoD",
        Cloud::China => "China (21Vianet)",
    }
}

/// The title and the facts a reviewer looks for first.
fn header(r: &Receipt) -> String {
    let mut b = String::new();
    let tenant_label = tenant_label(r);
    // Header and the facts a reviewer looks for first.
    b.push_str("<header>\n");
    b.push_str(&format!(
        "<h1>PMPC Recovery receipt</h1>\n<p>Changes made in the Entra ID tenant <strong>{}</strong> to recover the company in Patch My PC Cloud: the app registration <strong>{}</strong> with the Microsoft Graph permission {} and a client secret.</p>\n",
        name(&tenant_label),
        name(&r.app_name),
        escape(&r.permission.permission)
    ));
    if r.practice {
        b.push_str("<p><span class=\"practice\">Practice run: a simulated tenant on this computer; nothing real was changed.</span></p>\n");
    }
    b.push_str(&format!(
        "<p class=\"meta\">Made by {} on {}. Run {}.</p>\n",
        name(&r.made_by),
        time(Some(r.generated_at)),
        id(&r.run_id)
    ));
    let verified = if r.verified {
        "<span class=\"value ok\">Verified</span>".to_string()
    } else {
        "<span class=\"value bad\">Not verified</span>".to_string()
    };
    let state = match &r.cleanup {
        Some(c) if c.deleted => "<span class=\"value\">Deleted (cleaned up)</span>",
        Some(_) => "<span class=\"value\">Cleaned up</span>",
        None if r.app.is_some() => "<span class=\"value\">In place</span>",
        None => "<span class=\"value\">Not created</span>",
    };
    b.push_str(&format!(
        "<div class=\"facts\">\n<div class=\"fact\"><span class=\"label\">Deadline to give PMPC the values</span><span class=\"value\">{}</span></div>\n<div class=\"fact\"><span class=\"label\">Credentials</span>{verified}</div>\n<div class=\"fact\"><span class=\"label\">App registration</span>{state}</div>\n</div>\n",
        time(r.deadline)
    ));
    b.push_str("</header>\n");
    b
}

/// Who signed in, to which tenant and cloud.
fn who(r: &Receipt) -> String {
    let mut b = String::new();
    let cloud = cloud_name(r.tenant.cloud);
    // Who and where.
    b.push_str("<section>\n<h2>Who signed in, and where</h2>\n<table>\n<tbody>\n");
    b.push_str(&row(
        "Tenant name",
        r.tenant
            .name
            .as_deref()
            .map(name)
            .unwrap_or_else(|| "<span class=\"none\">not recorded</span>".into()),
    ));
    b.push_str(&row("Directory (tenant) ID", id(&r.tenant.tenant_id)));
    if let Some(d) = &r.tenant.default_domain {
        b.push_str(&row("Default domain", name(d)));
    }
    b.push_str(&row("Cloud", escape(cloud)));
    if r.signed_in.is_empty() {
        b.push_str(&row(
            "Signed in as",
            "<span class=\"none\">not recorded (a run from before receipts)</span>".into(),
        ));
    }
    for s in &r.signed_in {
        let who = match &s.display_name {
            Some(n) if !n.is_empty() => {
                format!("{} ({})", name(n), name(&s.user_principal_name))
            }
            _ => name(&s.user_principal_name),
        };
        b.push_str(&row(
            "Signed in as",
            format!(
                "{who}{}<br><span class=\"small\">object id {} · from {}</span>",
                if s.guest {
                    ", a guest of this tenant"
                } else {
                    ""
                },
                id(&s.user_id),
                time(Some(s.at))
            ),
        ));
    }
    b.push_str("</tbody>\n</table>\n</section>\n");
    b
}

/// What was created or changed: the app, its permission and consent, the secret, and how the
/// run ended.
fn changes(r: &Receipt) -> String {
    let mut b = String::new();
    b.push_str("<section>\n<h2>What was created or changed</h2>\n<table>\n<tbody>\n");
    b.push_str(&app_rows(r));
    b.push_str(&permission_rows(r));
    b.push_str(&secret_rows(r));
    b.push_str(&outcome_rows(r));
    b.push_str("</tbody>\n</table>\n</section>\n");
    b
}

fn app_rows(r: &Receipt) -> String {
    let mut b = String::new();
    match &r.app {
        Some(a) => {
            b.push_str(&row(
                "App registration",
                format!(
                    "{} ({})",
                    name(&r.app_name),
                    if a.reused {
                        "an existing app, reused"
                    } else {
                        "created"
                    }
                ),
            ));
            b.push_str(&row("Application (client) ID", id(&a.application_id)));
            b.push_str(&row("Object ID", id(&a.object_id)));
            b.push_str(&row("Created", time(Some(a.created_date_time))));
        }
        None => b.push_str(&row(
            "App registration",
            "<span class=\"none\">none recorded</span>".into(),
        )),
    }
    b.push_str(&row(
        "Enterprise app (service principal)",
        opt_id(r.service_principal_id.as_deref()),
    ));
    b
}

fn permission_rows(r: &Receipt) -> String {
    let mut b = row(
        "Permission",
        format!(
            "{} {} ({} permission){}",
            escape(&r.permission.api),
            escape(&r.permission.permission),
            escape(&r.permission.permission_type),
            r.permission
                .app_role_id
                .as_deref()
                .map(|i| format!("<br><span class=\"small\">app role id {}</span>", id(i)))
                .unwrap_or_default()
        ),
    );
    let grant = match (
        &r.permission.grant_assignment_id,
        r.permission.consent_handed_off,
    ) {
        (Some(a), _) => format!(
            "Admin consent granted {}; app role assignment {}{}",
            r.permission
                .granted_at
                .map(|t| format!("on {}", time(Some(t))))
                .unwrap_or_default(),
            id(a),
            if r.permission.grant_confirmed {
                "; confirmed by reading it back"
            } else if r.permission.grant_proved_by_token {
                "; the read-back was slow, but the app's own token carries AuditLog.Read.All, \
                 which is the stronger proof"
            } else {
                ""
            }
        ),
        (None, true) => {
            "Left to a Global or Privileged Role Administrator (admin-consent link)".into()
        }
        (None, false) => "<span class=\"none\">not granted</span>".into(),
    };
    b.push_str(&row("Admin consent", grant));
    b
}

fn secret_rows(r: &Receipt) -> String {
    let Some(s) = &r.secret else {
        return row(
            "Client secret",
            "<span class=\"none\">none recorded</span>".into(),
        );
    };
    let mut b = row("Client secret key ID", id(&s.key_id));
    b.push_str(&row(
        "Client secret hint",
        format!(
            "{}… <span class=\"small\">(its first characters, as the portal shows them; the secret itself is not in this receipt)</span>",
            id(&s.hint)
        ),
    ));
    b.push_str(&row("Client secret expires", time(Some(s.expires))));
    b.push_str(&row(
        "Secret kept in this computer's keychain",
        yes_no(s.stored_in_keychain).into(),
    ));
    b
}

/// Verified, the deadline, and what a cleanup did.
fn outcome_rows(r: &Receipt) -> String {
    let mut b = row(
        "Verified",
        if r.verified {
            format!(
                "<span class=\"ok\">yes</span>: signing in as the app with its new secret gave a token carrying {} ({})",
                escape(&r.permission.permission),
                time(r.verified_at)
            )
        } else {
            "<span class=\"bad\">no</span>".into()
        },
    );
    b.push_str(&row(
        "Deadline",
        format!(
            "{} <span class=\"small\">(72 hours after the app was created)</span>",
            time(r.deadline)
        ),
    ));
    if let Some(c) = &r.cleanup {
        let mut what = vec![if c.deleted {
            "deleted the app registration (restorable from deleted items for 30 days)"
        } else {
            "the app registration was already gone"
        }];
        if c.purged {
            what.push("purged it from deleted items for good");
        }
        if c.keychain_forgotten {
            what.push("removed the secret from this computer's keychain");
        }
        b.push_str(&row(
            "Cleanup",
            format!("{}: {}", time(Some(c.at)), escape(&what.join("; "))),
        ));
    }
    b
}

/// Each step with its times and result.
fn steps_section(r: &Receipt) -> String {
    let mut b = String::new();
    // Steps.
    b.push_str("<section>\n<h2>Steps</h2>\n");
    if r.steps.is_empty() {
        b.push_str(
            "<p class=\"none\">No step times were recorded (a run from before receipts).</p>\n",
        );
    } else {
        let day = one_day(
            r.steps
                .iter()
                .flat_map(|s| [s.started_at, s.finished_at])
                .flatten(),
        );
        let at = |t: Option<OffsetDateTime>| if day.is_some() { clock(t) } else { time(t) };
        if let Some(d) = day {
            b.push_str(&format!("<p class=\"small\">Times are UTC, on {d}.</p>\n"));
        }
        b.push_str("<table class=\"steps\">\n<thead><tr><th scope=\"col\">Started</th><th scope=\"col\">Finished</th><th scope=\"col\">Step</th><th scope=\"col\">Portal steps</th><th scope=\"col\">Result</th></tr></thead>\n<tbody>\n");
        for s in &r.steps {
            let portal = match s.portal_steps.as_slice() {
                [] => String::new(),
                [one] => one.to_string(),
                [first, .., last] => format!("{first}–{last}"),
            };
            b.push_str(&format!(
                "<tr><td class=\"when\">{}</td><td class=\"when\">{}</td><td>{} <span class=\"small\">({})</span></td><td>{}</td><td>{}</td></tr>\n",
                at(s.started_at),
                at(s.finished_at),
                escape(&s.title),
                outcome(s.outcome),
                escape(&portal),
                escape(&s.result)
            ));
        }
        b.push_str("</tbody>\n</table>\n");
    }
    b.push_str("</section>\n");
    b
}

/// The writes Microsoft accepted, then what it refused and the wizard retried.
fn writes(r: &Receipt) -> String {
    let mut b = String::new();
    // Graph writes: what Microsoft accepted, then what it refused and the wizard retried.
    b.push_str("<section>\n<h2>Changes sent to Microsoft Graph</h2>\n");
    let (accepted, refused): (Vec<&WritePart>, Vec<&WritePart>) =
        r.writes.iter().partition(|w| w.status < 400);
    if r.writes.is_empty() {
        b.push_str("<p class=\"none\">No writes were recorded.</p>\n");
    } else {
        let day = one_day(r.writes.iter().map(|w| w.at));
        let at = |t: OffsetDateTime| {
            if day.is_some() {
                clock(Some(t))
            } else {
                time(Some(t))
            }
        };
        b.push_str(&format!(
            "<p class=\"small\">Each write with Microsoft's request id, for the tenant's audit log or a support case with Microsoft{}.</p>\n",
            day.map(|d| format!(". Times are UTC, on {d}")).unwrap_or_default()
        ));
        let table = |b: &mut String, rows: &[&WritePart]| {
            b.push_str("<table class=\"writes\">\n<thead><tr><th scope=\"col\">Time</th><th scope=\"col\">What</th><th scope=\"col\">Request</th><th scope=\"col\">Status</th><th scope=\"col\">Request id</th></tr></thead>\n<tbody>\n");
            for w in rows {
                b.push_str(&format!(
                    "<tr><td class=\"when\">{}</td><td>{}</td><td><code>{} /{}</code></td><td>{}</td><td>{}</td></tr>\n",
                    at(w.at),
                    escape(&w.what),
                    escape(&w.method),
                    escape(&w.path),
                    w.status,
                    opt_id(w.request_id.as_deref())
                ));
            }
            b.push_str("</tbody>\n</table>\n");
        };
        table(&mut b, &accepted);
        if !refused.is_empty() {
            b.push_str(&format!(
                "<h3>Attempts Microsoft refused, then retried ({})</h3>\n<p class=\"small\">Usually the directory had not yet copied a new object to all its servers; nothing was changed by these.</p>\n",
                refused.len()
            ));
            table(&mut b, &refused);
        }
    }
    b.push_str("</section>\n");
    b
}
