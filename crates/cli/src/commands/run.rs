//! `run`: sign in, create "PMPC Recovery" (or reuse one), grant consent, make the secret, verify.

use recovery::{AppChoice, ConsentPlan, Error, Precheck, RoleVerdict, RunChoice};

use crate::args::{ReceiptFormat, RunArgs};
use crate::commands::receipt;
use crate::commands::sign_in::session;
use crate::context::Context;
use crate::render;

pub async fn run(context: &Context, args: RunArgs) -> Result<String, Error> {
    let session = session(context, context.args.remember).await?;
    let precheck = context
        .recovery
        .precheck(&session, &context.progress)
        .await?;
    explain_missing_consent_role(&precheck, &args);
    let choice = RunChoice {
        app: choose_app(&precheck, &args)?,
        consent: if args.hand_off_consent {
            ConsentPlan::HandOff
        } else {
            ConsentPlan::Stop
        },
        reveal_secret: true,
    };
    let credentials = context
        .recovery
        .run(&session, &precheck, &choice, &context.progress)
        .await?;
    if let Some(file) = &args.ics {
        receipt::save_calendar(context, &credentials.tenant_id, file)?;
    }
    if let Some(file) = &args.receipt {
        let format = ReceiptFormat::from_extension(file);
        receipt::save_receipt(context, &credentials.tenant_id, format, file)?;
    }
    Ok(if context.args.json {
        render::credentials_json(&credentials)
    } else {
        render::credentials_text(&credentials, args.show_secret)
    })
}

/// When the account cannot grant admin consent, says why on stderr, and that the run stops before
/// creating anything unless consent is handed off (the engine then stops it).
fn explain_missing_consent_role(precheck: &Precheck, args: &RunArgs) {
    if matches!(
        precheck.roles.verdict,
        RoleVerdict::CannotGrantConsent | RoleVerdict::NoAdminRole
    ) {
        eprintln!("{}", precheck.roles.explanation);
        if !args.hand_off_consent {
            eprintln!("Stopping before anything is created. Rerun with --hand-off-consent to go on without the consent step.");
        }
    }
}

/// `--reuse` an existing app, or create one; apps already named like ours need `--reuse` or
/// `--new`, unless an earlier run of this tenant is being resumed.
fn choose_app(precheck: &Precheck, args: &RunArgs) -> Result<AppChoice, Error> {
    if let Some(id) = &args.reuse {
        if !precheck.existing.iter().any(|app| &app.object_id == id) {
            return Err(Error::InvalidInput(format!(
                "--reuse {id}: no app with that object id is named like ours"
            )));
        }
        return Ok(AppChoice::Reuse {
            object_id: id.clone(),
        });
    }
    let resuming = precheck.resume.as_ref().is_some_and(|j| j.app.is_some());
    if !precheck.existing.is_empty() && !args.new && !resuming {
        let apps: Vec<String> = precheck
            .existing
            .iter()
            .map(|app| {
                format!(
                    "{} (object id {}, created {})",
                    app.display_name,
                    app.object_id,
                    app.created_date_time.clone().unwrap_or_default()
                )
            })
            .collect();
        return Err(Error::InvalidInput(format!(
            "apps with this name already exist: {}. Choose --reuse <object id> or --new",
            apps.join("; ")
        )));
    }
    Ok(AppChoice::CreateNew)
}
