//! The 72-hour deadline as an iCalendar file (RFC 5545): one event at the deadline with a
//! reminder 12 hours before.
//!
//! The event's UID is derived from the run, so importing the file twice updates the one event
//! instead of adding a second. Its text says what to give PMPC and where the values are, never
//! the values themselves.

use time::OffsetDateTime;

use crate::clock::{utc_text, UtcText};
use crate::error::{Error, Result};
use crate::journal::Journal;
use crate::untrusted::ics_text;

/// How long before the deadline the reminder goes off.
pub const REMINDER_BEFORE: time::Duration = time::Duration::hours(12);

/// The `.ics` text for a run's deadline. `tenant_name` only labels the event; `now` is its
/// DTSTAMP. Fails when the run has not created its app (no deadline yet).
pub fn deadline_ics(j: &Journal, tenant_name: Option<&str>, now: OffsetDateTime) -> Result<String> {
    let deadline = j.deadline().ok_or_else(|| {
        Error::InvalidInput(format!(
            "the run for tenant {} has not created its app yet, so there is no deadline",
            j.tenant_id
        ))
    })?;
    let tenant = tenant_name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let app = &j.app_name;
    let summary = format!("PMPC Recovery deadline: give PMPC the {app} app's values{tenant}");
    let description = format!(
        "Patch My PC Cloud accepts the recovery values until this time: 72 hours after the app registration \"{app}\" was created{tenant}.\n\
         \n\
         Give PMPC these four values:\n\
         - Application (client) ID\n\
         - Object ID\n\
         - Directory (tenant) ID\n\
         - Client secret\n\
         \n\
         Where they are:\n\
         - Open the PMPC Recovery Wizard on the computer that ran it: its Finish page shows all four with copy buttons (or run: pmpc-recovery-cli status --show-secret).\n\
         - The client secret is kept only in that computer's keychain (service \"pmpc-recovery\").\n\
         - The three IDs are also in the Microsoft Entra admin center: App registrations > {app} > Overview, and in the receipt saved for the change ticket."
    );
    let alarm = format!("12 hours left to give PMPC the {app} app's values");
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        format!(
            "PRODID:-//Patch My PC//PMPC Recovery Wizard {}//EN",
            env!("CARGO_PKG_VERSION")
        ),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", uid(j)),
        format!("DTSTAMP:{}", utc_text(now, UtcText::Basic)),
        format!("DTSTART:{}", utc_text(deadline, UtcText::Basic)),
        // An instant, not a meeting: a DATE-TIME start without an end is an event of no length
        // (RFC 5545, 3.6.1).
        format!("SUMMARY:{}", ics_text(&summary)),
        format!("DESCRIPTION:{}", ics_text(&description)),
        "TRANSP:TRANSPARENT".into(),
        "CLASS:PRIVATE".into(),
        "SEQUENCE:0".into(),
        "BEGIN:VALARM".into(),
        "ACTION:DISPLAY".into(),
        "TRIGGER;RELATED=START:-PT12H".into(),
        format!("DESCRIPTION:{}", ics_text(&alarm)),
        "END:VALARM".into(),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ];
    Ok(lines.iter().map(|l| fold(l)).collect::<String>())
}

/// The event's UID: the same for every file made for this run.
pub fn uid(j: &Journal) -> String {
    format!("pmpc-recovery-deadline-{}@pmpc-recovery-wizard", j.run_id)
}

/// A content line folded at 75 octets (never inside a UTF-8 character), ending in CRLF
/// (RFC 5545, 3.1).
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_without_splitting_a_character() {
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = fold(&long);
        for l in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), long);
    }

    #[test]
    fn no_app_no_deadline() {
        let j = Journal::new(
            "t",
            "PMPC Recovery",
            time::macros::datetime!(2026-11-28 12:00 UTC),
        );
        let err =
            deadline_ics(&j, None, time::macros::datetime!(2026-11-28 12:00 UTC)).unwrap_err();
        assert_eq!(err.code(), crate::Code::InvalidInput);
    }
}
