//! What happened during a run, for the receipt: who signed in, when each step started and ended
//! with what it made, and the request id of every Graph write.
//!
//! Entries are collected in memory as they happen ([`ActivityLog`], shared by one [`crate::Recovery`]'s
//! HTTP client, its event sinks and its engine) and land in the tenant's journal with the engine's
//! next save of it ([`crate::journal::Journal::take_activity`]), so a killed run keeps what it had saved. Like the
//! journal they hold ids, names and times only: step data never carries the secret, writes are
//! recorded by their [`Op`], method and path (never a body), and tokens never pass through here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::cloud::Cloud;
use crate::events::Event;
use crate::ops::Op;
use crate::steps::{Step, StepData, StepOutcome};

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export, export_to = "Activity.ts")]
pub enum Activity {
    /// A run (or a cleanup) started with this sign-in.
    #[serde(rename_all = "camelCase")]
    SignedIn {
        #[serde(with = "time::serde::rfc3339")]
        #[ts(type = "string")]
        at: OffsetDateTime,
        user_principal_name: String,
        display_name: Option<String>,
        /// The account's object id.
        user_id: String,
        guest: bool,
        tenant_id: String,
        tenant_name: Option<String>,
        default_domain: Option<String>,
        cloud: Cloud,
    },
    /// A step's event.
    #[serde(rename_all = "camelCase")]
    Step {
        #[serde(with = "time::serde::rfc3339")]
        #[ts(type = "string")]
        at: OffsetDateTime,
        step: Step,
        outcome: StepOutcome,
        /// What a finished step made or found.
        data: Option<StepData>,
        /// Why a step failed: the error's code and the Graph request id, if any.
        error_code: Option<String>,
        request_id: Option<String>,
    },
    /// A Graph call that changed something (not a read), and Microsoft's answer.
    #[serde(rename_all = "camelCase")]
    Write {
        #[serde(with = "time::serde::rfc3339")]
        #[ts(type = "string")]
        at: OffsetDateTime,
        /// Which call it was; the receipt's words for it come from [`Op::write_words`]. Absent in
        /// journals written before it was recorded: the receipt names those writes generically.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        op: Option<Op>,
        method: String,
        /// The Graph path without the base URL, e.g. `applications/{id}/addPassword`.
        path: String,
        status: u16,
        request_id: Option<String>,
    },
}

// Step data holds ids, names, times and flags: equality is total (the journal is `Eq`).
impl Eq for Activity {}

impl Activity {
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Activity::SignedIn { at, .. }
            | Activity::Step { at, .. }
            | Activity::Write { at, .. } => *at,
        }
    }

    /// The entry a step event makes, if it is one (waits, retries and sign-in prompts are not
    /// recorded).
    pub fn from_event(e: &Event, at: OffsetDateTime) -> Option<Self> {
        let (step, outcome, data, error) = match e {
            Event::Started { step } => (*step, StepOutcome::Started, None, None),
            // The summary is not kept: the receipt words the data again (`StepOutcome::result_words`).
            Event::Done { step, data, .. } => (*step, StepOutcome::Done, Some(data.clone()), None),
            Event::Skipped { step, data, .. } => {
                (*step, StepOutcome::Skipped, Some(data.clone()), None)
            }
            Event::Failed { step, error } => (*step, StepOutcome::Failed, None, Some(error)),
            _ => return None,
        };
        Some(Activity::Step {
            at,
            step,
            outcome,
            data,
            error_code: error.map(|e| {
                serde_json::to_value(e.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            }),
            request_id: error.and_then(|e| e.request_id.clone()),
        })
    }
}

/// Entries not yet in a journal, per tenant. Cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct ActivityLog {
    pending: Arc<Mutex<HashMap<String, Vec<Activity>>>>,
}

impl ActivityLog {
    pub fn record(&self, tenant_id: &str, entry: Activity) {
        self.lock()
            .entry(tenant_id.to_string())
            .or_default()
            .push(entry);
    }

    /// Puts `entry` before the tenant's pending entries: the sign-in a precheck or cleanup began
    /// with, known only once the steps it led to have recorded theirs.
    pub fn record_first(&self, tenant_id: &str, entry: Activity) {
        self.lock()
            .entry(tenant_id.to_string())
            .or_default()
            .insert(0, entry);
    }

    /// Takes the tenant's pending entries.
    pub fn take(&self, tenant_id: &str) -> Vec<Activity> {
        self.lock().remove(tenant_id).unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Activity>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn step_events_become_entries_kept_per_tenant_until_taken() {
        let log = ActivityLog::default();
        let at = datetime!(2026-11-28 12:00 UTC);
        let data = StepData::ServicePrincipal { id: "sp".into() };
        let done = Event::Done {
            step: Step::CreateServicePrincipal,
            summary: data.summary(),
            data,
        };
        log.record("t", Activity::from_event(&done, at).unwrap());
        let waiting = Event::Waiting {
            step: Step::Verify,
            reason: crate::events::WaitReason::Replication,
            seconds: 1.0,
        };
        assert!(Activity::from_event(&waiting, at).is_none());
        log.record("other", Activity::from_event(&done, at).unwrap());
        let first = Activity::from_event(&Event::Started { step: Step::SignIn }, at).unwrap();
        log.record_first("t", first.clone());
        let taken = log.take("t");
        assert_eq!(taken.len(), 2);
        assert_eq!(taken[0], first, "recorded first");
        assert!(log.take("t").is_empty(), "taken once");
        assert_eq!(log.take("other").len(), 1);
        let v = serde_json::to_value(&taken[1]).unwrap();
        assert_eq!(v["kind"], "step");
        assert_eq!(v["outcome"], "done");
        assert_eq!(v["data"]["id"], "sp");
        assert!(
            v.get("summary").is_none(),
            "the journal keeps the data, not its words"
        );
    }
}
