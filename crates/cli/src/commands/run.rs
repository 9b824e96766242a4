//! `run`: sign in, create "PMPC Recovery" (or reuse one), grant consent, make the secret, verify.
//! The choices made here after the precheck ([`run_choice`]) serve `batch` too.

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
    if let Some(note) = missing_consent_role_note(&precheck, args.hand_off_consent) {
        for line in note.lines() {
            crate::progress::say_line(line);
        }
    }
    let options = AppOptions {
        reuse: args.reuse.as_deref(),
        new: args.new,
        hand_off_consent: args.hand_off_consent,
        reveal_secret: true,
        choose: "Choose --reuse <object id> or --new",
    };
    let choice = run_choice(&precheck, &options)?;
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

/// What the user chose before the run: which app, what to do without the consent role.
#[derive(Debug, Clone, Copy)]
pub struct AppOptions<'a> {
    /// `--reuse`: this existing app (object id).
    pub reuse: Option<&'a str>,
    /// `--new`: create one even if apps with the name exist.
    pub new: bool,
    pub hand_off_consent: bool,
    /// Put the secret's value into the credentials.
    pub reveal_secret: bool,
    /// How to choose when apps with the name exist (ends the error's message).
    pub choose: &'a str,
}

/// The run's choices after the precheck.
pub fn run_choice(precheck: &Precheck, options: &AppOptions) -> Result<RunChoice, Error> {
    Ok(RunChoice {
        app: choose_app(precheck, options)?,
        consent: if options.hand_off_consent {
            ConsentPlan::HandOff
        } else {
            ConsentPlan::Stop
        },
        reveal_secret: options.reveal_secret,
    })
}

/// When the account cannot grant admin consent: why, and that the run stops before creating
/// anything unless consent is handed off (the engine then stops it).
pub fn missing_consent_role_note(precheck: &Precheck, hand_off_consent: bool) -> Option<String> {
    if !matches!(
        precheck.roles.verdict,
        RoleVerdict::CannotGrantConsent | RoleVerdict::NoAdminRole
    ) {
        return None;
    }
    let mut note = precheck.roles.explanation.clone();
    if !hand_off_consent {
        note.push_str("\nStopping before anything is created. Rerun with --hand-off-consent to go on without the consent step.");
    }
    Some(note)
}

/// `--reuse` an existing app, or create one; apps already named like ours need `--reuse` or
/// `--new`, unless an earlier run of this tenant is being resumed.
fn choose_app(precheck: &Precheck, options: &AppOptions) -> Result<AppChoice, Error> {
    if let Some(id) = options.reuse {
        if !precheck.existing.iter().any(|app| app.object_id == id) {
            return Err(Error::InvalidInput(format!(
                "--reuse {id}: no app with that object id is named like ours"
            )));
        }
        return Ok(AppChoice::Reuse {
            object_id: id.to_string(),
        });
    }
    let resuming = precheck.resume.as_ref().is_some_and(|j| j.app.is_some());
    if !precheck.existing.is_empty() && !options.new && !resuming {
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
            "apps with this name already exist: {}. {}",
            apps.join("; "),
            options.choose
        )));
    }
    Ok(AppChoice::CreateNew)
}
