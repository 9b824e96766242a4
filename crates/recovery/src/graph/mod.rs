//! Typed Microsoft Graph v1.0 calls, each one wrapped in the bounded retry loop.
//!
//! Shapes follow the request and response examples of Microsoft's Graph v1.0 API pages
//! (<https://learn.microsoft.com/graph/api/overview>), each cited at its call; tenant-sim keeps
//! the schema extract it checks against in `crates/tenant-sim/tests/data/`.

mod applications;
mod directory;
mod models;
mod passwords;
mod service_principals;

use serde_json::Value;

use crate::activity::{Activity, ActivityLog};
use crate::auth::Session;
use crate::cloud::Endpoints;
use crate::error::{GraphErrorInfo, Result};
use crate::events::StepScope;
use crate::http::{Failure, Http, Reply};
use crate::ops::Op;

pub use models::*;

/// Microsoft Graph's appId, the same in every tenant and cloud.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// AuditLog.Read.All as an application permission in Microsoft Graph's `appRoles`
/// (<https://learn.microsoft.com/graph/permissions-reference#auditlogreadall>); looked up at runtime anyway.
pub const AUDIT_LOG_READ_ALL: &str = "AuditLog.Read.All";
pub const AUDIT_LOG_READ_ALL_ROLE_ID: &str = "b0afded3-3588-46d8-8b3d-9842eff778da";

/// OData string literal: quotes doubled.
pub fn odata_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Graph calls on behalf of a signed-in session.
#[derive(Debug, Clone)]
pub struct Graph {
    pub http: Http,
    pub endpoints: Endpoints,
    pub session: Session,
    /// Where its writes are recorded for the receipt (the run's [`ActivityLog`]).
    pub(crate) activity: ActivityLog,
}

impl Graph {
    /// The same client retrying by another policy.
    pub fn with_policy(&self, policy: crate::retry::RetryPolicy) -> Self {
        Self {
            http: self.http.with_policy(policy),
            ..self.clone()
        }
    }

    pub fn new(http: Http, endpoints: Endpoints, session: Session) -> Self {
        Self {
            http,
            endpoints,
            session,
            activity: ActivityLog::default(),
        }
    }

    /// The same client, recording its writes into `log` (a run's).
    pub fn recording_to(self, log: &ActivityLog) -> Self {
        Self {
            activity: log.clone(),
            ..self
        }
    }

    /// A GET read as `T`, inside the retry loop (a collection as `List<T>`, its `value`).
    pub(super) async fn get<T: serde::de::DeserializeOwned + Send>(
        &self,
        op: Op,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        scope: &StepScope,
    ) -> Result<T> {
        self.http
            .retry(op, scope, |_| {
                Box::pin(
                    async move { self.send(op, path, query, None, headers).await?.json::<T>() },
                )
            })
            .await
    }

    /// A GET of one object's `fields` (`$select`).
    pub(super) async fn get_fields<T: serde::de::DeserializeOwned + Send>(
        &self,
        op: Op,
        path: &str,
        fields: &str,
        scope: &StepScope,
    ) -> Result<T> {
        self.get(op, path, &[("$select", fields)], &[], scope).await
    }

    /// `PATCH path` with `Prefer: create-if-missing` (an upsert by an alternate key): the object
    /// when this call created it, `None` when it existed already (204, nothing to read).
    pub(super) async fn upsert<T: serde::de::DeserializeOwned + Send>(
        &self,
        op: Op,
        path: &str,
        body: &Value,
        scope: &StepScope,
    ) -> Result<Option<T>> {
        self.http
            .retry(op, scope, |_| {
                Box::pin(async move {
                    let r = self
                        .send(
                            op,
                            path,
                            &[],
                            Some(body),
                            &[("Prefer", "create-if-missing")],
                        )
                        .await?;
                    if r.status == 204 {
                        return Ok(None);
                    }
                    Ok(Some(r.json::<T>()?))
                })
            })
            .await
    }

    /// `DELETE path`: true when it deleted the object; a 404 is `missing`'s to answer (gone
    /// already: `Ok(false)`, or not replicated yet: a failure to retry).
    pub(super) async fn delete(
        &self,
        op: Op,
        path: &str,
        scope: &StepScope,
        missing: impl Fn(GraphErrorInfo) -> Result<bool, Failure> + Sync,
    ) -> Result<bool> {
        let missing = &missing;
        self.http
            .retry(op, scope, |_| {
                Box::pin(async move {
                    match self.send(op, path, &[], None, &[]).await {
                        Ok(_) => Ok(true),
                        Err(Failure::Http { error, .. }) if error.status == 404 => missing(error),
                        Err(e) => Err(e),
                    }
                })
            })
            .await
    }

    /// One attempt of `op` on `path` (with the op's method); a write is recorded for the receipt.
    pub(super) async fn send(
        &self,
        op: Op,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, Failure> {
        let token = self.session.bearer().await?;
        let mut rb = self
            .http
            .client
            .request(op.method(), self.endpoints.graph(path))
            .bearer_auth(token.expose())
            .header("Accept", "application/json");
        if !query.is_empty() {
            rb = rb.query(query);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let reply = self.http.send(rb).await;
        if op.method() != reqwest::Method::GET {
            self.record_write(op, path, &reply);
        }
        reply
    }

    /// A write's op, method, path, status and request id go into the run's activity (the receipt).
    fn record_write(&self, op: Op, path: &str, reply: &Result<Reply, Failure>) {
        let (status, request_id) = match reply {
            Ok(r) => (r.status, r.request_id.clone()),
            Err(Failure::Http { error, .. }) => (error.status, error.request_id.clone()),
            Err(_) => return,
        };
        self.activity.record(
            &self.session.tenant_id(),
            Activity::Write {
                at: self.http.clock.now(),
                op: Some(op),
                method: op.method().to_string(),
                path: path.to_string(),
                status,
                request_id,
            },
        );
    }
}

pub(super) fn malformed(r: &Reply, what: &str) -> Failure {
    Failure::Malformed(GraphErrorInfo {
        status: r.status,
        code: "UnexpectedResponse".into(),
        message: what.into(),
        request_id: r.request_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_literals_escape_quotes() {
        assert_eq!(odata_str("PMPC Recovery"), "'PMPC Recovery'");
        assert_eq!(odata_str("O'Brien"), "'O''Brien'");
    }
}
