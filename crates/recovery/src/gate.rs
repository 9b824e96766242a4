//! Step-by-step mode: the engine holds before each step of a run until the front end releases it,
//! so a support call can walk through the portal steps one at a time.

use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

#[derive(Debug, Default)]
struct GateState {
    enabled: bool,
    /// The first step after `reset` starts without waiting.
    first: bool,
    permits: u32,
}

#[derive(Debug, Default)]
struct Inner {
    state: Mutex<GateState>,
    changed: Notify,
}

/// Holds the engine before each step while enabled. Cheap to clone; clones share the gate.
#[derive(Debug, Clone, Default)]
pub struct StepGate(Arc<Inner>);

impl StepGate {
    /// A gate the front end drives with [`release`](Self::release); disabled until
    /// [`set_enabled`](Self::set_enabled)`(true)`.
    pub fn manual() -> Self {
        let g = Self::default();
        g.lock().first = true;
        g
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Turning it off lets every held step go.
    pub fn set_enabled(&self, on: bool) {
        self.lock().enabled = on;
        self.0.changed.notify_waiters();
    }

    pub fn is_enabled(&self) -> bool {
        self.lock().enabled
    }

    /// A new run: its first step starts at once; releases left over from an earlier run are dropped.
    pub fn reset(&self) {
        let mut s = self.lock();
        s.first = true;
        s.permits = 0;
    }

    /// Lets the next held step start.
    pub fn release(&self) {
        self.lock().permits += 1;
        self.0.changed.notify_waiters();
    }

    /// Waits until this step may start.
    pub async fn pass(&self) {
        loop {
            let notified = self.0.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut s = self.lock();
                if !s.enabled {
                    s.first = false;
                    return;
                }
                if s.first {
                    s.first = false;
                    return;
                }
                if s.permits > 0 {
                    s.permits -= 1;
                    return;
                }
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn holds_each_step_after_the_first_until_released() {
        let g = StepGate::manual();
        g.set_enabled(true);
        g.reset();
        g.pass().await; // the first step goes
        let held = tokio::spawn({
            let g = g.clone();
            async move { g.pass().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!held.is_finished(), "held until released");
        g.release();
        tokio::time::timeout(Duration::from_secs(1), held)
            .await
            .unwrap()
            .unwrap();
        // A release given before the step asks is kept for it.
        g.release();
        tokio::time::timeout(Duration::from_secs(1), g.pass())
            .await
            .unwrap();
        // reset drops stale releases.
        g.release();
        g.reset();
        g.pass().await;
        let held = tokio::spawn({
            let g = g.clone();
            async move { g.pass().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!held.is_finished());
        g.set_enabled(false);
        tokio::time::timeout(Duration::from_secs(1), held)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn a_disabled_gate_never_holds() {
        let g = StepGate::manual();
        for _ in 0..3 {
            tokio::time::timeout(Duration::from_millis(100), g.pass())
                .await
                .unwrap();
        }
    }
}
