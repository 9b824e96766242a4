//! Deleting the app registration when recovery is done.

use crate::auth::Session;
use crate::error::{Error, Result};
use crate::events::EventSink;
use crate::events::Reported;
use crate::steps::{Step, StepData};
use crate::vault;

use super::*;

impl Engine {
    /// Deletes the app registration, optionally purges it, forgets the keychain entry and the journal.
    pub async fn cleanup(
        &self,
        session: &Session,
        opts: &CleanupOptions,
        sink: &EventSink,
    ) -> Result<CleanupReport> {
        let s = sink.step(Step::Cleanup);
        s.started();
        let tid = session.tenant_id();
        let _lock = self.journals.lock(&tid).reported(&s)?;
        let j = self.journals.load(&tid)?;
        let app = j.as_ref().and_then(|j| j.app.clone());
        let object_id = opts
            .object_id
            .clone()
            .or_else(|| app.as_ref().map(|a| a.object_id.clone()))
            .ok_or_else(|| {
                Error::AppNotFound("no app registration recorded for this tenant".into())
            })
            .reported(&s)?;
        let g = self.graph(session);
        let deleted = g.delete_application(&object_id, &s).await.reported(&s)?;
        let purged = if opts.purge {
            let app_purged = g.purge_deleted(&object_id, &s).await.reported(&s)?;
            // The app's service principal went to deleted items with it (restoring the app restores it too,
            // <https://learn.microsoft.com/entra/identity/enterprise-apps/delete-recover-faq>).
            let sp = j
                .as_ref()
                .filter(|j| j.app.as_ref().is_some_and(|a| a.object_id == object_id));
            if let Some(sp) = sp.and_then(|j| j.service_principal_id.clone()) {
                g.purge_deleted(&sp, &s).await.reported(&s)?;
            }
            app_purged
        } else {
            false
        };
        let mut keychain_forgotten = false;
        if let Some(a) = app.filter(|a| a.object_id == object_id) {
            let acc = vault::client_secret_account(&tid, &a.app_id);
            keychain_forgotten = vault::blocking(&self.vault, move |v| v.delete(&acc))
                .await
                .reported(&s)?;
            // The closed record first, then the open journal goes: a listing in between (the
            // Runs page, `status`) sees the run as cleaned up, never not at all. The caller adds
            // the cleanup's activity to this record afterwards.
            if let Some(j) = &j {
                self.journals.save_closed(j)?;
            }
            self.journals.remove(&tid)?;
        }
        s.done(StepData::CleanedUp {
            deleted,
            purged,
            keychain_forgotten,
        });
        Ok(CleanupReport {
            object_id,
            deleted,
            purged,
            keychain_forgotten,
        })
    }
}
