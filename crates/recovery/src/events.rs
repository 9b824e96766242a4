//! What the engine tells a front end while it works: events, the sink they go to, and a step's
//! scope that reports them. Step data is in [`crate::steps`], results in [`crate::results`].
//!
//! Every type here is exported to TypeScript (ts-rs); field names are camelCase on the wire.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ErrorInfo, GraphErrorInfo};
use crate::gate::StepGate;
use crate::retry::RetryReason;
use crate::steps::{Step, StepData};

/// Why the engine is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "WaitReason.ts")]
pub enum WaitReason {
    /// Waiting for the user to finish signing in in the browser.
    BrowserSignIn,
    /// Waiting for the user to enter the device code.
    DeviceCode,
    /// Microsoft's directory is still copying a new object to all its servers.
    Replication,
    /// The new client secret is not accepted by the sign-in service yet.
    SecretNotReady,
    /// The granted permission has not reached new tokens yet.
    PermissionNotEffective,
    /// Microsoft asked us to slow down.
    Throttled,
    /// Microsoft is briefly unavailable.
    ServiceUnavailable,
}

/// An event, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export, export_to = "Event.ts")]
pub enum Event {
    Started {
        step: Step,
    },
    Waiting {
        step: Step,
        reason: WaitReason,
        seconds: f64,
    },
    Retrying {
        step: Step,
        reason: RetryReason,
        attempt: u32,
        #[serde(rename = "delaySeconds")]
        delay_seconds: f64,
        /// How long this call has been waiting so far (since its first attempt): a front end
        /// says so once a wait grows long, and offers to stop and continue later.
        #[serde(rename = "waitedSeconds")]
        waited_seconds: f64,
        error: GraphErrorInfo,
    },
    Done {
        step: Step,
        data: StepData,
        /// What the step made or found, in the core's words ([`StepData::summary`]): the line a
        /// front end shows, the same the receipt and the CLI print.
        summary: String,
    },
    /// A step already done in an earlier, interrupted run.
    Skipped {
        step: Step,
        data: StepData,
        /// As for `Done`.
        summary: String,
    },
    Failed {
        step: Step,
        error: ErrorInfo,
    },
    /// The browser sign-in page to open (also printed when no browser can be opened).
    SignInUrl {
        url: String,
    },
    /// Device code sign-in: show the code and where to enter it.
    DeviceCode {
        #[serde(rename = "userCode")]
        user_code: String,
        #[serde(rename = "verificationUri")]
        verification_uri: String,
        #[serde(rename = "expiresInSeconds")]
        #[ts(type = "number")]
        expires_in_seconds: u64,
        message: String,
    },
}

/// Where a front end receives events. Cheap to clone. May carry a [`StepGate`] (step-by-step mode).
#[derive(Clone)]
pub struct EventSink {
    /// Receives every event.
    deliver: Arc<dyn Fn(Event) + Send + Sync>,
    /// Step-by-step mode: each step waits here before it starts.
    gate: Option<StepGate>,
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSink")
    }
}

impl EventSink {
    pub fn new(f: impl Fn(Event) + Send + Sync + 'static) -> Self {
        Self {
            deliver: Arc::new(f),
            gate: None,
        }
    }

    /// Holds each step of a run at `gate` until the front end releases it.
    pub fn with_gate(mut self, gate: StepGate) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The same sink and gate, with `watch` seeing every event first (the receipt's activity).
    pub fn tee(&self, watch: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        let deliver = self.deliver.clone();
        Self {
            deliver: Arc::new(move |e| {
                watch(&e);
                deliver(e)
            }),
            gate: self.gate.clone(),
        }
    }

    /// Events into an unbounded channel (a Tauri shell forwards them to the window).
    pub fn channel() -> (Self, tokio::sync::mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (Self::new(move |e| drop(tx.send(e))), rx)
    }

    pub fn none() -> Self {
        Self::new(|_| {})
    }

    pub fn emit(&self, e: Event) {
        tracing::debug!(event = ?e, "engine event");
        (self.deliver)(e)
    }

    pub fn step(&self, step: Step) -> StepScope {
        StepScope {
            sink: self.clone(),
            step,
        }
    }
}

/// Reports a failed step on its way out: `graph_call.await.reported(&scope)?`.
pub trait Reported<T> {
    fn reported(self, scope: &StepScope) -> crate::Result<T>;
}

impl<T> Reported<T> for crate::Result<T> {
    fn reported(self, scope: &StepScope) -> crate::Result<T> {
        self.inspect_err(|e| scope.failed(e))
    }
}

/// An [`EventSink`] bound to one step.
#[derive(Debug, Clone)]
pub struct StepScope {
    pub sink: EventSink,
    pub step: Step,
}

impl StepScope {
    pub fn started(&self) {
        self.sink.emit(Event::Started { step: self.step });
    }
    /// Waits at the sink's gate (step-by-step mode), then reports the start.
    pub async fn begin(&self) {
        if let Some(g) = &self.sink.gate {
            g.pass().await;
        }
        self.started();
    }
    pub fn done(&self, data: StepData) {
        self.sink.emit(Event::Done {
            step: self.step,
            summary: data.summary(),
            data,
        });
    }
    pub fn skipped(&self, data: StepData) {
        self.sink.emit(Event::Skipped {
            step: self.step,
            summary: data.summary(),
            data,
        });
    }
    pub fn failed(&self, error: &crate::Error) {
        self.sink.emit(Event::Failed {
            step: self.step,
            error: error.info(),
        });
    }
    pub fn waiting(&self, reason: WaitReason, seconds: f64) {
        self.sink.emit(Event::Waiting {
            step: self.step,
            reason,
            seconds,
        });
    }
    pub fn retrying(
        &self,
        reason: RetryReason,
        attempt: u32,
        delay: std::time::Duration,
        waited: std::time::Duration,
        error: GraphErrorInfo,
    ) {
        self.sink.emit(Event::Retrying {
            step: self.step,
            reason,
            attempt,
            delay_seconds: delay.as_secs_f64(),
            waited_seconds: waited.as_secs_f64(),
            error,
        });
        let wait = match reason {
            RetryReason::Replication => Some(WaitReason::Replication),
            RetryReason::Throttled => Some(WaitReason::Throttled),
            RetryReason::Unavailable => Some(WaitReason::ServiceUnavailable),
            RetryReason::SecretNotReady => Some(WaitReason::SecretNotReady),
            RetryReason::PermissionNotEffective => Some(WaitReason::PermissionNotEffective),
            _ => None,
        };
        if let Some(w) = wait {
            self.waiting(w, delay.as_secs_f64());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_tagged_in_camel_case() {
        let e = Event::Retrying {
            step: Step::GrantConsent,
            reason: RetryReason::Replication,
            attempt: 2,
            delay_seconds: 0.5,
            waited_seconds: 21.5,
            error: GraphErrorInfo {
                status: 404,
                code: "Request_ResourceNotFound".into(),
                message: "m".into(),
                request_id: Some("rid".into()),
            },
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "retrying");
        assert_eq!(v["step"], "grantConsent");
        assert_eq!(v["reason"], "replication");
        assert_eq!(v["delaySeconds"], 0.5);
        assert_eq!(v["waitedSeconds"], 21.5);
        assert_eq!(v["error"]["requestId"], "rid");
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn a_finished_step_carries_the_cores_words_for_its_result() {
        let (sink, mut rx) = EventSink::channel();
        let scope = sink.step(Step::StoreSecret);
        let data = StepData::SecretStored { key_id: "k".into() };
        scope.done(data.clone());
        scope.skipped(data.clone());
        let words = "Kept the secret (key id k) in this computer's keychain";
        assert_eq!(data.summary(), words);
        for tag in ["done", "skipped"] {
            let v = serde_json::to_value(rx.try_recv().unwrap()).unwrap();
            assert_eq!(
                (v["type"].as_str(), v["summary"].as_str()),
                (Some(tag), Some(words))
            );
            assert_eq!(v["data"]["keyId"], "k");
        }
    }
}
