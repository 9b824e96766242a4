//! The proof: a client-credentials token for the new app whose `roles` hold AuditLog.Read.All.

use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::Reported;
use crate::graph::AUDIT_LOG_READ_ALL;
use crate::http::Failure;
use crate::journal::AppRecord;
use crate::ops::Op;
use crate::retry::RetryReason;
use crate::secret::Secret;
use crate::steps::{Step, StepData};

use crate::auth::client_credentials::{app_token_roles, YOUNG_SECRET};

use super::*;

impl Engine {
    /// Proves the credentials: a client-credentials token whose `roles` claim holds
    /// AuditLog.Read.All, waiting out secret and permission replication.
    /// On the run's client, which knows how long the run's writes took to show.
    pub(super) async fn verify(
        &self,
        run: &Run<'_>,
        app: &AppRecord,
        secret: &Secret,
    ) -> Result<Vec<String>> {
        let (cell, tid) = (&run.cell, run.tid.as_str());
        let s = run.sink.step(Step::Verify);
        s.begin().await;
        let http = &run.g.http;
        let http = http.with_policy(http.policy.with_budget(self.cfg.verify_budget));
        let endpoints = &self.cfg.endpoints;
        // When the secret was made: its end less the lifetime it was asked for (the journal
        // keeps the end Microsoft answered).
        let made = cell
            .lock()
            .await
            .password
            .as_ref()
            .map(|p| p.end_date_time - self.cfg.secret_lifetime);
        let result = http
            .retry(Op::Token, &s, |_| {
                let http = &http;
                Box::pin(async move {
                    let young = made.is_some_and(|t| http.clock.now() - t < YOUNG_SECRET);
                    let roles =
                        app_token_roles(http, endpoints, tid, &app.app_id, secret, young).await?;
                    if roles.iter().any(|r| r == AUDIT_LOG_READ_ALL) {
                        Ok(roles)
                    } else {
                        Err(Failure::NotYet {
                            reason: RetryReason::PermissionNotEffective,
                            detail: GraphErrorInfo {
                                status: 200,
                                code: "RoleNotInTokenYet".into(),
                                message: format!(
                                    "the app's token does not carry {AUDIT_LOG_READ_ALL} yet"
                                ),
                                request_id: None,
                            },
                        })
                    }
                })
            })
            .await
            .map_err(|e| match e {
                Error::RetriesExhausted { last, .. } => Error::VerificationFailed(last.to_string()),
                other => other,
            });
        let roles = result.reported(&s)?;
        let now = self.clock.now();
        self.save_cell(cell, |j| j.verified_at = Some(now)).await?;
        self.checkpoint(Checkpoint::Verified)?;
        s.done(StepData::Verified {
            roles: roles.clone(),
            deadline: app.deadline(),
        });
        Ok(roles)
    }
}
