//! `cleanup`: delete the app registration (`--purge`: also from deleted items), forget its secret
//! and the journal. With `--tenant`, only through a sign-in to that tenant (the core's tenant
//! guard, as the desktop app's Delete): a remembered sign-in to another tenant is refused.

use recovery::{CleanupOptions, Error, RunError};

use crate::commands::sign_in::session;
use crate::context::Context;
use crate::render;

pub async fn cleanup(
    context: &Context,
    purge: bool,
    object_id: Option<String>,
) -> Result<String, Error> {
    let session = session(context, context.args.remember).await?;
    if let Some(tenant) = &context.args.tenant {
        context
            .recovery
            .check_named_tenant(&session, tenant)
            .await
            .map_err(|e| match e {
                RunError::Core(e) => e,
                refused => Error::InvalidInput(format!(
                    "{refused} Sign out (pmpc-recovery-cli sign-out), then run cleanup --tenant {tenant} again."
                )),
            })?;
    }
    let options = CleanupOptions { purge, object_id };
    let report = context
        .recovery
        .cleanup(&session, &options, &context.progress)
        .await?;
    Ok(if context.args.json {
        render::cleanup_json(&report)
    } else {
        render::cleanup_text(&report, purge)
    })
}
