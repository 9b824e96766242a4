//! `sign-out`: forget the remembered sign-in.

use recovery::Error;

use crate::context::Context;
use crate::render;

pub async fn sign_out(context: &Context) -> Result<String, Error> {
    let forgot_remembered_session = context.recovery.sign_out(None).await?;
    Ok(if context.args.json {
        render::sign_out_json(forgot_remembered_session)
    } else {
        render::sign_out_text(forgot_remembered_session)
    })
}
