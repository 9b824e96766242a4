//! `sign-in`: who am I, which tenant, which admin roles. Also how every command that needs an
//! account gets one ([`session`]).

use recovery::{Error, EventSink, Recovery, Session, SignInMethod};

use crate::context::Context;
use crate::render;

pub async fn sign_in(context: &Context) -> Result<String, Error> {
    // A separate sign-in is only useful if the next command can pick it up.
    let session = session(context, true).await?;
    let precheck = context
        .recovery
        .precheck(&session, &context.progress)
        .await?;
    Ok(if context.args.json {
        render::sign_in_json(&precheck)
    } else {
        render::sign_in_text(&precheck)
    })
}

/// The remembered sign-in if there is a usable one (never in practice mode), else a new sign-in,
/// kept in the keychain when `remember` (never in practice mode). With `--tenant`, the remembered
/// sign-in only when it is that tenant as far as this computer can tell: else a new sign-in,
/// pinned to the tenant named, so that `run --tenant` never changes another customer's tenant.
pub async fn session(context: &Context, remember: bool) -> Result<Session, Error> {
    let practice = context.args.practice;
    if !practice {
        if let Some(remembered) = remembered_session(context).await {
            let Some(tenant) = context.args.tenant.as_deref() else {
                return Ok(remembered);
            };
            match context.recovery.is_named_tenant(&remembered, tenant).await {
                Ok(true) => return Ok(remembered),
                Ok(false) => crate::progress::say!(
                    "The remembered sign-in is to another tenant than {tenant}, or to one this computer cannot match to it: signing in to {tenant}."
                ),
                Err(e) => return Err(e),
            }
        }
    }
    new_session(
        context,
        &context.recovery,
        remember && !practice,
        &context.progress,
    )
    .await
}

/// A new sign-in through `recovery` (whose config says which tenant): in the browser, or with a
/// device code (`--device-code`); kept in the keychain when `remember`.
pub async fn new_session(
    context: &Context,
    recovery: &Recovery,
    remember: bool,
    sink: &EventSink,
) -> Result<Session, Error> {
    let method = if context.args.device_code {
        SignInMethod::DeviceCode
    } else {
        SignInMethod::Browser
    };
    recovery
        .sign_in(method, context.browser.as_ref(), remember, sink)
        .await
}

/// The sign-in kept by an earlier `--remember`; says on stderr which account it is, or why it
/// could not be used.
async fn remembered_session(context: &Context) -> Option<Session> {
    match context.recovery.resume_session().await {
        Ok(Some(session)) => {
            crate::progress::say!(
                "Using the remembered sign-in of {}.",
                session.info().user_principal_name
            );
            Some(session)
        }
        Ok(None) => None,
        Err(e) => {
            crate::progress::say!(
                "The remembered sign-in could not be used ({e}); signing in again."
            );
            None
        }
    }
}
