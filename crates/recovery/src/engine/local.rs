//! What the journal and the keychain tell without signing in: status, reveal, forget.

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::vault;

use super::*;

impl Engine {
    /// The state of every recorded run, without signing in.
    pub async fn status(&self) -> Result<Vec<RunStatus>> {
        let mut out = Vec::new();
        for j in self.journals.all()? {
            let secret_in_keychain = match &j.app {
                Some(a) => {
                    let acc = vault::client_secret_account(&j.tenant_id, &a.app_id);
                    vault::blocking(&self.vault, move |v| v.get(&acc))
                        .await?
                        .is_some()
                }
                None => false,
            };
            let complete = j.verified_at.is_some() && j.password.as_ref().is_some_and(|p| p.stored);
            out.push(RunStatus {
                deadline: j.deadline(),
                secret_in_keychain,
                complete,
                done_steps: j.done_steps(),
                journal: j,
            });
        }
        Ok(out)
    }

    pub async fn forget_secret(&self, tenant_id: &str, app_id: &str) -> Result<bool> {
        let acc = vault::client_secret_account(tenant_id, app_id);
        vault::blocking(&self.vault, move |v| v.delete(&acc)).await
    }

    /// The stored client secret, for a deliberate reveal.
    pub async fn reveal_secret(&self, tenant_id: &str, app_id: &str) -> Result<Secret> {
        let acc = vault::client_secret_account(tenant_id, app_id);
        let raw = vault::blocking(&self.vault, move |v| v.get(&acc))
            .await?
            .ok_or(Error::SecretMissing)?;
        let stored: StoredSecret =
            serde_json::from_str(raw.expose()).map_err(|_| Error::SecretMissing)?;
        Ok(Secret::new(stored.secret_text))
    }
}
