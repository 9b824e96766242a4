//! `cleanup`: delete the app registration (`--purge`: also from deleted items), forget its secret
//! and the journal. With `--tenant`, only through a sign-in to that tenant: a remembered sign-in
//! this computer cannot match to it is not used ([`session`]).

use recovery::{CleanupOptions, Error};

use crate::commands::sign_in::session;
use crate::context::Context;
use crate::render;

pub async fn cleanup(
    context: &Context,
    purge: bool,
    object_id: Option<String>,
) -> Result<String, Error> {
    let session = session(context, context.args.remember).await?;
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
