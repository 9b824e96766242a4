//! The 16 steps of the vendor's manual procedure ("Create an App Registration in Entra ID"), as data.
//!
//! Each step names what the admin would click in the Azure portal and what the wizard does instead
//! through Microsoft Graph, so every page of the wizard can say which portal step it replaces: support
//! staff on a screen share map our pages to the vendor's document one to one.

use serde::Serialize;
use ts_rs::TS;

/// One step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "PlanStep.ts", rename_all = "camelCase")]
pub struct PlanStep {
    /// The step's number in the vendor's document, 1 to 16.
    pub number: u8,
    /// A short title for the step list.
    pub title: &'static str,
    /// What the admin would do by hand in the Azure portal.
    pub portal: &'static str,
    /// What the wizard does instead, in plain words.
    pub wizard: &'static str,
}

/// The whole procedure, in the vendor's order.
pub const PLAN: [PlanStep; 16] = [
    PlanStep {
        number: 1,
        title: "Sign in",
        portal: "Sign in to the Azure portal as an administrator of your PMPC company's tenant and open App registrations.",
        wizard: "Opens your web browser once so you can sign in to Microsoft, then shows which account and tenant you are using and checks your admin roles.",
    },
    PlanStep {
        number: 2,
        title: "New registration",
        portal: "Click New registration.",
        wizard: "Looks for an existing \"PMPC Recovery\" app so you can reuse it instead of making a duplicate.",
    },
    PlanStep {
        number: 3,
        title: "Name and register",
        portal: "Type the name PMPC Recovery and click Register.",
        wizard: "Creates the \"PMPC Recovery\" app for your organization only, safely: trying again never makes a second copy.",
    },
    PlanStep {
        number: 4,
        title: "Note the IDs",
        portal: "Write down the Application (client) ID, Object ID and Directory (tenant) ID.",
        wizard: "Shows all three IDs with a copy button next to each.",
    },
    PlanStep {
        number: 5,
        title: "Open API permissions",
        portal: "Go to Manage, then API permissions.",
        wizard: "Nothing to open: the permission is set when the app is created.",
    },
    PlanStep {
        number: 6,
        title: "Add a permission",
        portal: "Under Configured permissions, click Add a permission.",
        wizard: "Adds the permission request for you.",
    },
    PlanStep {
        number: 7,
        title: "Choose Microsoft Graph",
        portal: "In Request API permissions, click Microsoft Graph.",
        wizard: "Finds Microsoft Graph in your tenant.",
    },
    PlanStep {
        number: 8,
        title: "Application permissions",
        portal: "Click Application permissions.",
        wizard: "Asks for an application permission (one the app uses on its own, without a signed-in user).",
    },
    PlanStep {
        number: 9,
        title: "Pick AuditLog.Read.All",
        portal: "Type AuditLog, expand it and tick AuditLog.Read.All.",
        wizard: "Looks up AuditLog.Read.All in your tenant's Microsoft Graph, so the right permission is used in every cloud.",
    },
    PlanStep {
        number: 10,
        title: "Add permissions",
        portal: "Click Add permissions.",
        wizard: "Saves the permission request on the app.",
    },
    PlanStep {
        number: 11,
        title: "Grant admin consent",
        portal: "Click Grant admin consent for your tenant.",
        wizard: "Grants the permission for your whole organization. This needs a Global Administrator or a Privileged Role Administrator.",
    },
    PlanStep {
        number: 12,
        title: "Confirm consent",
        portal: "Click Yes and wait for the green tick next to AuditLog.Read.All.",
        wizard: "Reads the grant back from Microsoft: that is the green tick.",
    },
    PlanStep {
        number: 13,
        title: "Certificates & secrets",
        portal: "Go to Certificates & secrets.",
        wizard: "Nothing to open: the wizard goes straight to making the secret.",
    },
    PlanStep {
        number: 14,
        title: "New client secret",
        portal: "Under Client secrets, click New client secret.",
        wizard: "Asks Microsoft for a new client secret.",
    },
    PlanStep {
        number: 15,
        title: "Describe and add",
        portal: "Type PMPC Recovery as the description and click Add.",
        wizard: "Names the secret \"PMPC Recovery\" and gives it a short lifetime (7 days by default), because PMPC needs it within 72 hours.",
    },
    PlanStep {
        number: 16,
        title: "Note the secret value",
        portal: "Write down the secret's Value: it is shown only once.",
        wizard: "Shows the secret hidden until you reveal it, keeps it in your system's secure keychain, checks that it works, and counts down to the 72-hour deadline.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_run_from_one_to_sixteen_in_order() {
        let numbers: Vec<u8> = PLAN.iter().map(|s| s.number).collect();
        assert_eq!(numbers, (1..=16).collect::<Vec<u8>>());
    }

    #[test]
    fn every_step_says_what_happens_in_both_worlds() {
        for step in PLAN {
            assert!(!step.title.is_empty(), "step {} has no title", step.number);
            assert!(
                step.portal.ends_with('.'),
                "step {} portal text",
                step.number
            );
            assert!(
                step.wizard.ends_with('.'),
                "step {} wizard text",
                step.number
            );
        }
        let titles: std::collections::HashSet<_> = PLAN.iter().map(|s| s.title).collect();
        assert_eq!(
            titles.len(),
            16,
            "titles must be unique so the step list is unambiguous"
        );
    }

    #[test]
    fn serializes_in_camel_case_for_the_ui() {
        let json = serde_json::to_value(PLAN[0]).unwrap();
        assert_eq!(json["number"], 1);
        assert_eq!(json["title"], "Sign in");
        assert!(json.get("portal").is_some() && json.get("wizard").is_some());
    }
}
