//! App registrations: find, create by unique name, read, change, delete, purge.

use std::time::Duration;

use serde_json::{json, Value};

use crate::error::Result;
use crate::events::StepScope;
use crate::http::Failure;
use crate::ops::Op;
use crate::retry::RetryReason;

use super::*;

impl Graph {
    pub async fn find_applications(
        &self,
        display_name: &str,
        scope: &StepScope,
    ) -> Result<Vec<Application>> {
        let filter = format!("displayName eq {}", odata_str(display_name));
        let query = [
            ("$filter", filter.as_str()),
            ("$select", "id,appId,displayName,createdDateTime"),
        ];
        let found: List<Application> = self
            .get(Op::FindApplications, "applications", &query, &[], scope)
            .await?;
        Ok(found.value)
    }

    /// Creates the app, or finds the one an earlier attempt created: `PATCH
    /// /applications(uniqueName=…)` with `Prefer: create-if-missing`
    /// (<https://learn.microsoft.com/graph/api/application-upsert>).
    pub async fn upsert_application(
        &self,
        unique_name: &str,
        body: &Value,
        scope: &StepScope,
    ) -> Result<Application> {
        let path = format!("applications(uniqueName={})", odata_str(unique_name));
        let created: Option<Application> = self
            .upsert(Op::UpsertApplication, &path, body, scope)
            .await?;
        match created {
            Some(app) => Ok(app),
            // It already existed (an earlier attempt went through): read it by the same key.
            None => self.get_application_by(&path, scope).await,
        }
    }

    /// The app that carries `tag` among those named `display_name`, if the directory shows it.
    pub async fn find_tagged_application(
        &self,
        display_name: &str,
        tag: &str,
        scope: &StepScope,
    ) -> Result<Option<Application>> {
        let filter = format!("displayName eq {}", odata_str(display_name));
        let query = [
            ("$filter", filter.as_str()),
            ("$select", "id,appId,displayName,createdDateTime,tags"),
        ];
        let apps: List<Application> = self
            .get(Op::FindApplications, "applications", &query, &[], scope)
            .await?;
        Ok(apps
            .value
            .into_iter()
            .find(|a| a.tags.iter().any(|t| t == tag)))
    }

    /// [`Graph::find_tagged_application`], looking again until `window` has passed since
    /// `since` (a create answered or sent that long ago may not be listed yet).
    pub async fn find_tagged_application_within(
        &self,
        display_name: &str,
        tag: &str,
        since: Duration,
        window: Duration,
        scope: &StepScope,
    ) -> Result<Option<Application>> {
        let clock = &self.http.clock;
        loop {
            if let Some(app) = self
                .find_tagged_application(display_name, tag, scope)
                .await?
            {
                return Ok(Some(app));
            }
            let waited = clock.instant().saturating_sub(since);
            if waited >= window {
                return Ok(None);
            }
            let pause = self.http.policy.replication_cap.min(window - waited);
            clock.sleep(pause).await;
        }
    }

    /// Creates the app where `Prefer: create-if-missing` is refused: `POST /applications`
    /// (<https://learn.microsoft.com/graph/api/application-post-applications>), the app carrying
    /// `tag` (the run's unique key) in `tags`. A POST is not idempotent: before one is sent
    /// again after an attempt whose outcome is unknown (a timeout, a reset, an unreadable
    /// answer), the directory is searched for the tag for a replication window, and a found
    /// app is taken instead of a second one made.
    pub async fn create_application(
        &self,
        display_name: &str,
        tag: &str,
        body: &Value,
        scope: &StepScope,
    ) -> Result<Application> {
        let mut body = body.clone();
        body["tags"] = json!([tag]);
        let window = self.http.policy.replication_window;
        self.http
            .retry(Op::CreateApplication, scope, |ctx| {
                let body = &body;
                Box::pin(async move {
                    if ctx.uncertain {
                        let since = self.http.clock.instant();
                        if let Some(app) = self
                            .find_tagged_application_within(display_name, tag, since, window, scope)
                            .await?
                        {
                            return Ok(app);
                        }
                    }
                    let r = self
                        .send(Op::CreateApplication, "applications", &[], Some(body), &[])
                        .await?;
                    r.json::<Application>()
                })
            })
            .await
    }

    pub async fn get_application(&self, object_id: &str, scope: &StepScope) -> Result<Application> {
        self.get_application_by(&format!("applications/{object_id}"), scope)
            .await
    }

    async fn get_application_by(&self, path: &str, scope: &StepScope) -> Result<Application> {
        let fields =
            "id,appId,displayName,createdDateTime,requiredResourceAccess,passwordCredentials,web";
        self.get_fields(Op::GetApplication, path, fields, scope)
            .await
    }

    pub async fn patch_application(
        &self,
        object_id: &str,
        body: &Value,
        scope: &StepScope,
    ) -> Result<()> {
        let path = format!("applications/{object_id}");
        self.http
            .retry(Op::PatchApplication, scope, |_| {
                let path = &path;
                Box::pin(async move {
                    self.send(Op::PatchApplication, path, &[], Some(body), &[])
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    /// Deletes the app (soft delete; restorable for 30 days). Returns false if it was already gone.
    pub async fn delete_application(&self, object_id: &str, scope: &StepScope) -> Result<bool> {
        let path = format!("applications/{object_id}");
        self.delete(Op::DeleteApplication, &path, scope, |_| Ok(false))
            .await
    }

    /// Removes the app from deleted items for good.
    pub async fn purge_deleted(&self, object_id: &str, scope: &StepScope) -> Result<bool> {
        let path = format!("directory/deletedItems/{object_id}");
        let started = self.http.clock.instant();
        // The deletion may not have replicated into deleted items yet; after a short while a
        // 404 means it is not there.
        self.delete(Op::PurgeDeletedItem, &path, scope, |error| {
            if self.http.clock.instant().saturating_sub(started) > Duration::from_secs(20) {
                Ok(false)
            } else {
                Err(Failure::NotYet {
                    reason: RetryReason::Replication,
                    detail: error,
                })
            }
        })
        .await
    }

    /// Makes the app ask for `role_id` of `resource_app_id` as an application permission,
    /// keeping what it asks for already (portal steps 5–10 on an app that exists).
    pub async fn ensure_app_role(
        &self,
        app: &Application,
        resource_app_id: &str,
        role_id: &str,
        scope: &StepScope,
    ) -> Result<()> {
        let list = &app.required_resource_access;
        if RequiredResourceAccess::asks_for_app_role(list, resource_app_id, role_id) {
            return Ok(());
        }
        let merged = RequiredResourceAccess::with_app_role(list, resource_app_id, role_id);
        self.patch_application(&app.id, &json!({ "requiredResourceAccess": merged }), scope)
            .await
    }

    /// Registers `uri` as one of the app's web redirect URIs, keeping its other web settings.
    pub async fn ensure_redirect_uri(
        &self,
        object_id: &str,
        uri: &str,
        scope: &StepScope,
    ) -> Result<()> {
        let mut web = self
            .get_application(object_id, scope)
            .await?
            .web
            .unwrap_or_default();
        if web.redirect_uris.iter().any(|u| u == uri) {
            return Ok(());
        }
        web.redirect_uris.push(uri.to_string());
        // `redirectUriSettings` as read lists every URI but the new one. Graph derives it from
        // `redirectUris` (one `{uri, index}` each; the index is for SAML only, redirectUriSettings
        // resource, <https://learn.microsoft.com/graph/api/resources/redirecturisettings?view=graph-rest-beta>),
        // and a property left out of a PATCH keeps or recalculates its value (application-update).
        web.other.remove("redirectUriSettings");
        self.patch_application(object_id, &json!({ "web": web }), scope)
            .await
    }
}
