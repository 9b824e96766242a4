//! Client secrets: add, list, remove.

use serde_json::json;
use time::OffsetDateTime;

use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::StepScope;
use crate::http::Failure;
use crate::ops::Op;
use crate::secret::Secret;

use super::*;

impl Graph {
    pub async fn list_passwords(
        &self,
        object_id: &str,
        scope: &StepScope,
    ) -> Result<Vec<PasswordCredentialMeta>> {
        Ok(self
            .get_application(object_id, scope)
            .await?
            .password_credentials)
    }

    /// `addPassword`. The caller journals before and after; on an uncertain attempt `reconcile`
    /// removes what an earlier attempt may have added before trying again.
    pub async fn add_password<'r>(
        &self,
        object_id: &str,
        display_name: &str,
        end: OffsetDateTime,
        scope: &StepScope,
        reconcile: &'r (dyn Fn() -> futures::future::BoxFuture<'r, Result<()>> + Send + Sync),
    ) -> Result<NewPassword> {
        let path = format!("applications/{object_id}/addPassword");
        let end_s = end
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let body =
            json!({ "passwordCredential": { "displayName": display_name, "endDateTime": end_s } });
        self.http
            .retry(Op::AddPassword, scope, |ctx| {
                let path = &path;
                let body = &body;
                Box::pin(async move {
                    if ctx.uncertain {
                        reconcile().await?;
                    }
                    let r = self
                        .send(Op::AddPassword, path, &[], Some(body), &[])
                        .await?;
                    let raw: RawNewPassword = r.json()?;
                    if raw.secret_text.is_empty() {
                        return Err(malformed(&r, "addPassword answered without secretText"));
                    }
                    let secret = Secret::new(raw.secret_text);
                    Ok(NewPassword {
                        key_id: raw.key_id,
                        hint: raw.hint.unwrap_or_else(|| secret.hint()),
                        secret,
                        end_date_time: raw
                            .end_date_time
                            .as_deref()
                            .and_then(parse_graph_time)
                            .unwrap_or(end),
                    })
                })
            })
            .await
    }

    /// `removePassword`, then the app read back until the key is gone.
    ///
    /// Right after `addPassword`, removing the new key can answer 400 "No password credential
    /// found with keyId" while the key replicates: within `replication_window` of the first
    /// attempt that is retried, not taken as "already removed". After the window it means an
    /// earlier attempt removed it; the read-back confirms either way.
    pub async fn remove_password(
        &self,
        object_id: &str,
        key_id: &str,
        scope: &StepScope,
    ) -> Result<()> {
        let path = format!("applications/{object_id}/removePassword");
        let body = json!({ "keyId": key_id });
        let clock = &self.http.clock;
        let started = clock.instant();
        let window = self.http.policy.replication_window;
        self.http
            .retry(Op::RemovePassword, scope, |_| {
                let path = &path;
                let body = &body;
                Box::pin(async move {
                    match self
                        .send(Op::RemovePassword, path, &[], Some(body), &[])
                        .await
                    {
                        Ok(_) => Ok(()),
                        Err(Failure::Http { error, .. })
                            if error.status == 400
                                && error
                                    .message
                                    .to_ascii_lowercase()
                                    .contains("no password credential") =>
                        {
                            if clock.instant().saturating_sub(started) < window {
                                Err(Failure::NotYet {
                                    reason: crate::retry::RetryReason::Replication,
                                    detail: error,
                                })
                            } else {
                                Ok(())
                            }
                        }
                        Err(e) => Err(e),
                    }
                })
            })
            .await?;
        self.http
            .retry(Op::GetApplication, scope, |_| {
                Box::pin(async move {
                    let app = self.get_application(object_id, scope).await?;
                    if app.password_credentials.iter().any(|c| c.key_id == key_id) {
                        Err(Failure::NotYet {
                            reason: crate::retry::RetryReason::Replication,
                            detail: GraphErrorInfo {
                                status: 200,
                                code: "SecretStillListed".into(),
                                message: format!(
                                    "the removed client secret {key_id} is still listed on the app"
                                ),
                                request_id: None,
                            },
                        })
                    } else {
                        Ok(())
                    }
                })
            })
            .await
    }
}
