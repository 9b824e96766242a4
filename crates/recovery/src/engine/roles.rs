//! The signed-in user's directory roles, turned into a verdict with a plain explanation.

use crate::error::Result;
use crate::results::{RoleCheck, RoleVerdict};

/// Role template ids of the built-in roles
/// (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).
pub mod role_templates {
    pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
    pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
    pub const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
    pub const CLOUD_APPLICATION_ADMINISTRATOR: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";

    /// The name of a built-in role that matters here, from its template id (a built-in role's
    /// `roleDefinitionId` is its template id,
    /// <https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).
    pub fn name(template_id: &str) -> Option<&'static str> {
        match template_id {
            GLOBAL_ADMINISTRATOR => Some("Global Administrator"),
            PRIVILEGED_ROLE_ADMINISTRATOR => Some("Privileged Role Administrator"),
            APPLICATION_ADMINISTRATOR => Some("Application Administrator"),
            CLOUD_APPLICATION_ADMINISTRATOR => Some("Cloud Application Administrator"),
            _ => None,
        }
    }
}

/// Turns the user's directory roles into a verdict with a plain explanation. `eligible` holds
/// the template ids of roles the user may activate through Privileged Identity Management but
/// has not (empty when Graph does not let the user see them).
///
/// Missing data never reads as "no admin role": Graph answers a directory-object collection
/// with only `id` and `@odata.type` for objects the caller's scopes cannot read
/// (<https://learn.microsoft.com/graph/permissions-overview#limited-information-returned-for-inaccessible-member-objects>),
/// so a role without its template id means the roles could not be read.
pub fn role_check(
    roles: Result<Vec<crate::graph::DirectoryRole>>,
    eligible: &[String],
) -> RoleCheck {
    let unreadable = |why: String| {
        RoleCheck {
        verdict: RoleVerdict::Unknown,
        roles: vec![],
        eligible: vec![],
        explanation: format!(
            "The wizard could not read your roles ({why}). It goes on; if your account cannot grant consent, it will say so at that step."
        ),
    }
    };
    let roles = match roles {
        Ok(r) if r.iter().any(|r| r.role_template_id.is_none()) => {
            return unreadable("Microsoft Graph returned them without their names".into())
        }
        Ok(r) => r,
        Err(e) => return unreadable(e.code().remedy().trim_end_matches('.').to_string()),
    };
    let has = |t: &str| {
        roles
            .iter()
            .any(|r| r.role_template_id.as_deref() == Some(t))
    };
    let names: Vec<String> = roles
        .iter()
        .filter_map(|r| r.display_name.clone())
        .collect();
    // Eligible roles that would help, and are not active already.
    let eligible: Vec<String> = eligible
        .iter()
        .filter(|t| !has(t))
        .filter_map(|t| role_templates::name(t).map(str::to_string))
        .collect();
    let activate = if eligible.is_empty() {
        String::new()
    } else {
        format!(
            " You are eligible for {} through Privileged Identity Management, but it is not active: activate it (Microsoft Entra admin center > My roles), then start again.",
            eligible.join(" and ")
        )
    };
    let (verdict, explanation) = verdict(&has, &activate);
    RoleCheck {
        verdict,
        roles: names,
        eligible,
        explanation,
    }
}

/// What the account's active roles allow, and the sentence that says so (`activate`: how to
/// turn on an eligible role, or nothing).
fn verdict(has: &dyn Fn(&str) -> bool, activate: &str) -> (RoleVerdict, String) {
    use role_templates::*;
    // The app roles that create the app and its service principal, by the name the user knows.
    let app_role = if has(CLOUD_APPLICATION_ADMINISTRATOR) && !has(APPLICATION_ADMINISTRATOR) {
        "Cloud Application Administrator"
    } else {
        "Application Administrator"
    };
    if has(GLOBAL_ADMINISTRATOR) {
        (
            RoleVerdict::CanDoEverything,
            "Your account (Global Administrator) can do every step, including granting admin consent.".to_string(),
        )
    } else if has(PRIVILEGED_ROLE_ADMINISTRATOR)
        && (has(APPLICATION_ADMINISTRATOR) || has(CLOUD_APPLICATION_ADMINISTRATOR))
    {
        (
            RoleVerdict::CanDoEverything,
            format!("Your account (Privileged Role Administrator and {app_role}) can do every step, including granting admin consent."),
        )
    } else if has(PRIVILEGED_ROLE_ADMINISTRATOR) {
        // Creating the service principal needs an application role a Privileged Role
        // Administrator does not have; the admin-consent page creates it while granting.
        (
            RoleVerdict::CanDoEverything,
            "Your account (Privileged Role Administrator) can grant admin consent, but cannot create the app's entry in Enterprise applications by itself. At step 11 the wizard gives you Microsoft's admin-consent link: open it and accept, and Microsoft creates that entry and grants the permission in one go.".to_string(),
        )
    } else if has(APPLICATION_ADMINISTRATOR) || has(CLOUD_APPLICATION_ADMINISTRATOR) {
        (
            RoleVerdict::CannotGrantConsent,
            format!("Your account ({app_role}) can create the app and its secret, but cannot grant admin consent for a Microsoft Graph application permission (steps 11–12): that needs a Global Administrator or a Privileged Role Administrator. You can stop now, or go on and send them the admin-consent link.{activate}"),
        )
    } else {
        (
            RoleVerdict::NoAdminRole,
            format!("Your account has no active admin role in this tenant. Granting admin consent (steps 11–12) needs a Global Administrator or a Privileged Role Administrator: sign in as one of them, or go on and send them the admin-consent link.{activate}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::graph::DirectoryRole;

    fn role(t: &str, n: &str) -> DirectoryRole {
        DirectoryRole {
            display_name: Some(n.into()),
            role_template_id: Some(t.into()),
        }
    }

    #[test]
    fn role_verdicts() {
        let ga = role_check(
            Ok(vec![role(
                role_templates::GLOBAL_ADMINISTRATOR,
                "Global Administrator",
            )]),
            &[],
        );
        assert_eq!(ga.verdict, RoleVerdict::CanDoEverything);
        let aa = role_check(
            Ok(vec![role(
                role_templates::APPLICATION_ADMINISTRATOR,
                "Application Administrator",
            )]),
            &[],
        );
        assert_eq!(aa.verdict, RoleVerdict::CannotGrantConsent);
        assert!(aa.explanation.contains("Privileged Role Administrator"));
        let cloud = role_check(
            Ok(vec![role(
                role_templates::CLOUD_APPLICATION_ADMINISTRATOR,
                "Cloud Application Administrator",
            )]),
            &[],
        );
        assert_eq!(cloud.verdict, RoleVerdict::CannotGrantConsent);
        assert!(
            cloud
                .explanation
                .contains("(Cloud Application Administrator)"),
            "named as such: {}",
            cloud.explanation
        );
        assert!(aa.explanation.contains("(Application Administrator)"));
        // A Privileged Role Administrator alone is not told it can do every step: the service
        // principal comes through the admin-consent link.
        let pra = role_check(
            Ok(vec![role(
                role_templates::PRIVILEGED_ROLE_ADMINISTRATOR,
                "Privileged Role Administrator",
            )]),
            &[],
        );
        assert!(
            !pra.explanation.contains("every step"),
            "{}",
            pra.explanation
        );
        assert!(pra.explanation.contains("admin-consent link"));
        assert!(ga.explanation.contains("every step"));
        let both = role_check(
            Ok(vec![
                role(
                    role_templates::APPLICATION_ADMINISTRATOR,
                    "Application Administrator",
                ),
                role(
                    role_templates::PRIVILEGED_ROLE_ADMINISTRATOR,
                    "Privileged Role Administrator",
                ),
            ]),
            &[],
        );
        assert_eq!(both.verdict, RoleVerdict::CanDoEverything);
        assert_eq!(
            role_check(Ok(vec![]), &[]).verdict,
            RoleVerdict::NoAdminRole
        );
        assert_eq!(
            role_check(Err(Error::Network("x".into())), &[]).verdict,
            RoleVerdict::Unknown
        );
        // Graph's "limited information": roles without their template ids were not readable,
        // which is not the same as having none.
        let limited = role_check(
            Ok(vec![DirectoryRole {
                display_name: None,
                role_template_id: None,
            }]),
            &[],
        );
        assert_eq!(limited.verdict, RoleVerdict::Unknown);
        assert!(limited.explanation.contains("could not read your roles"));
        // An eligible Global Administrator (PIM) who has not activated it is told so.
        let pim = role_check(
            Ok(vec![]),
            &[role_templates::GLOBAL_ADMINISTRATOR.to_string()],
        );
        assert_eq!(pim.verdict, RoleVerdict::NoAdminRole);
        assert_eq!(pim.eligible, vec!["Global Administrator".to_string()]);
        assert!(pim
            .explanation
            .contains("eligible for Global Administrator"));
    }
}
