//! The proof: a client-credentials token for the new app whose `roles` hold AuditLog.Read.All.

use serde::Deserialize;

use crate::auth::jwt_claims;
use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::{EventSink, Step, StepData};
use crate::graph::AUDIT_LOG_READ_ALL;
use crate::http::Failure;
use crate::journal::AppRecord;
use crate::retry::{Op, RetryReason};
use crate::secret::Secret;

use super::*;

impl Engine {
    /// Proves the credentials: a client-credentials token whose `roles` claim holds
    /// AuditLog.Read.All, waiting out secret and permission replication.
    pub(super) async fn verify(
        &self,
        cell: &JournalCell,
        tid: &str,
        app: &AppRecord,
        secret: &Secret,
        sink: &EventSink,
    ) -> Result<Vec<String>> {
        let s = sink.step(Step::Verify);
        s.begin().await;
        let mut http = self.http.clone();
        http.policy.budget = self.cfg.verify_budget;
        let url = self.cfg.endpoints.oauth(tid, "token");
        let scope = format!(
            "{}/.default",
            self.cfg.endpoints.graph_resource.trim_end_matches('/')
        );
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", app.app_id.as_str()),
            ("client_secret", secret.expose()),
            ("scope", scope.as_str()),
        ];
        let result = http
            .retry(Op::Token, &s, |_| {
                let rb = http.client.post(&url).form(&form);
                let http = &http;
                Box::pin(async move {
                    let reply = match http.send(rb).await {
                        Ok(r) => r,
                        Err(Failure::Http { error, retry_after })
                            if error.status == 429 || error.status >= 500 =>
                        {
                            return Err(Failure::Http { error, retry_after })
                        }
                        Err(Failure::Http { error, .. }) => {
                            return Err(if error.message.contains("AADSTS7000215") {
                                Failure::NotYet {
                                    reason: RetryReason::SecretNotReady,
                                    detail: error,
                                }
                            } else if error.message.contains("AADSTS700016")
                                || error.message.contains("AADSTS7000229")
                            {
                                Failure::NotYet {
                                    reason: RetryReason::Replication,
                                    detail: error,
                                }
                            } else {
                                Failure::Final(Error::VerificationFailed(error.to_string()))
                            })
                        }
                        Err(other) => return Err(other),
                    };
                    #[derive(Deserialize)]
                    struct Tok {
                        access_token: String,
                    }
                    let tok: Tok = reply.json()?;
                    let claims = jwt_claims(&tok.access_token).map_err(Failure::Final)?;
                    let roles: Vec<String> = claims
                        .get("roles")
                        .and_then(|r| r.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
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
                                request_id: reply.request_id.clone(),
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
        let roles = result.inspect_err(|e| s.failed(e))?;
        let now = self.http.clock.now();
        self.save_cell(cell, |j| j.verified_at = Some(now)).await?;
        self.checkpoint(Checkpoint::Verified)?;
        s.done(StepData::Verified {
            roles: roles.clone(),
            deadline: app.created_date_time + time::Duration::hours(72),
        });
        Ok(roles)
    }
}
