//! `receipt`: a recorded run's receipt for the change ticket (HTML or JSON), and the files `run`
//! and `status` save on request (`--receipt`, `--ics`).

use std::path::Path;

use recovery::{Error, RunStatus};

use crate::args::{ReceiptArgs, ReceiptFormat};
use crate::context::Context;
use crate::progress::say;

impl ReceiptFormat {
    /// `.json` is JSON; anything else HTML.
    pub fn from_extension(file: &Path) -> Self {
        match file.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => ReceiptFormat::Json,
            _ => ReceiptFormat::Html,
        }
    }
}

pub async fn receipt(context: &Context, args: &ReceiptArgs) -> Result<String, Error> {
    let format = if context.args.json {
        ReceiptFormat::Json
    } else {
        args.format
    };
    let tenant = match &context.args.tenant {
        Some(tenant) => tenant.clone(),
        None => {
            let statuses = context.recovery.status().await?;
            chosen_run(context, &statuses, false)?
        }
    };
    let text = receipt_text(context, &tenant, format)?;
    match &args.out {
        Some(file) => {
            write(file, &text)?;
            Ok(if context.args.json {
                serde_json::json!({ "saved": file }).to_string()
            } else {
                format!("Saved the receipt to {}", file.display())
            })
        }
        None => Ok(text.trim_end().to_string()),
    }
}

/// The run `--tenant` names, else the most recent one (with `needs_app`: that created its app).
pub fn chosen_run(
    context: &Context,
    statuses: &[RunStatus],
    needs_app: bool,
) -> Result<String, Error> {
    if let Some(tenant) = &context.args.tenant {
        return Ok(tenant.clone());
    }
    recovery::runs::latest(statuses, needs_app)
        .map(|s| s.journal.tenant_id.clone())
        .ok_or_else(|| {
            Error::InvalidInput(
                "no run is recorded in this data folder (name a cleaned-up run's tenant with --tenant)".into(),
            )
        })
}

fn receipt_text(context: &Context, tenant: &str, format: ReceiptFormat) -> Result<String, Error> {
    let mut receipt = context.recovery.receipt(tenant)?;
    receipt.practice = context.args.practice;
    Ok(match format {
        ReceiptFormat::Html => receipt.to_html(),
        ReceiptFormat::Json => receipt.to_json(),
    })
}

pub fn save_receipt(
    context: &Context,
    tenant: &str,
    format: ReceiptFormat,
    file: &Path,
) -> Result<(), Error> {
    write(file, &receipt_text(context, tenant, format)?)?;
    say!("Saved the receipt to {}", file.display());
    Ok(())
}

pub fn save_calendar(context: &Context, tenant: &str, file: &Path) -> Result<(), Error> {
    write(file, &context.recovery.calendar(tenant)?)?;
    say!(
        "Saved the deadline to {} (one calendar event with a reminder 12 hours before)",
        file.display()
    );
    Ok(())
}

/// A fresh file renamed into place (`recovery::save`): a symlink at the path is replaced, not
/// written through. No secret is in a receipt or a calendar file, so the usual access.
fn write(file: &Path, text: &str) -> Result<(), Error> {
    recovery::save::replace(file, text.as_bytes(), recovery::save::Access::Usual)
        .map_err(|e| Error::InvalidInput(format!("cannot write {}: {e}", file.display())))
}
