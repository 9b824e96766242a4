//! A tenant: its directory objects and how Graph renders the organization, users and directory
//! roles.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::{graph_time, obj, App, Assignment, Deleted, Sp, User};
use crate::catalog;

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub display_name: String,
    /// The initial `*.onmicrosoft.com` domain.
    pub domain: String,
    pub created: OffsetDateTime,
    pub users: Vec<User>,
    pub apps: Vec<App>,
    pub sps: Vec<Sp>,
    pub assignments: Vec<Assignment>,
    pub deleted: Vec<Deleted>,
    /// Activated directoryRole object ids, by template id.
    pub role_object_ids: HashMap<String, String>,
}

impl Tenant {
    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
    pub fn graph_sp(&self) -> Option<&Sp> {
        self.sps.iter().find(|s| s.is_microsoft_graph())
    }
    pub fn organization_json(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id,
            "deletedDateTime": null,
            "businessPhones": [],
            "city": null,
            "country": null,
            "countryLetterCode": "US",
            "createdDateTime": graph_time(self.created),
            "defaultUsageLocation": null,
            "displayName": self.display_name,
            "marketingNotificationEmails": [],
            "onPremisesLastSyncDateTime": null,
            "onPremisesSyncEnabled": null,
            "postalCode": null,
            "preferredLanguage": "en",
            "securityComplianceNotificationMails": [],
            "securityComplianceNotificationPhones": [],
            "state": null,
            "street": null,
            "technicalNotificationMails": [],
            "tenantType": "AAD",
            "assignedPlans": [],
            "privacyProfile": null,
            "provisionedPlans": [],
            "verifiedDomains": [{
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": true,
                "isInitial": true,
                "name": self.domain,
                "type": "Managed"
            }]
        });
        obj(v)
    }
    pub fn user_json(&self, u: &User) -> Map<String, Value> {
        obj(json!({
            "id": u.id,
            "businessPhones": [],
            "displayName": u.display_name,
            "givenName": u.given_name,
            "jobTitle": null,
            "mail": u.guest.as_ref().map_or(u.upn.as_str(), |g| g.home_upn.as_str()),
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": "en-US",
            "surname": u.surname,
            "userPrincipalName": u.upn,
        }))
    }
    /// The user with the non-default properties `$select` can ask for: `accountEnabled`,
    /// `userType` ("Member" or "Guest"), and for a guest `creationType` "Invitation" and
    /// `externalUserState` "Accepted", as Graph shows a B2B guest who redeemed the invitation
    /// (<https://learn.microsoft.com/graph/api/resources/user>).
    pub fn user_json_full(&self, u: &User) -> Map<String, Value> {
        let mut m = self.user_json(u);
        let guest = u.guest.is_some();
        m.insert("accountEnabled".into(), json!(true));
        m.insert(
            "userType".into(),
            json!(if guest { "Guest" } else { "Member" }),
        );
        m.insert(
            "creationType".into(),
            if guest {
                json!("Invitation")
            } else {
                Value::Null
            },
        );
        m.insert(
            "externalUserState".into(),
            if guest {
                json!("Accepted")
            } else {
                Value::Null
            },
        );
        m
    }
    pub fn directory_role_json(&self, template: &str) -> Option<Map<String, Value>> {
        let def = catalog::directory_role(template)?;
        let id = self.role_object_ids.get(def.template_id)?;
        Some(obj(json!({
            "@odata.type": "#microsoft.graph.directoryRole",
            "id": id,
            "deletedDateTime": null,
            "description": def.description,
            "displayName": def.display_name,
            "roleTemplateId": def.template_id,
        })))
    }
}
