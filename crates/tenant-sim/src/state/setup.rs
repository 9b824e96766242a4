//! Populating the directory: tenants (with Microsoft Graph's service principal), users with
//! their roles, B2B guests.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::documents::graph_sp_doc;
use super::{GuestOf, Sim, Sp, Tenant, User};
use crate::catalog::{self, GRAPH_APP_ID};

/// A user registered through the admin API or the defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    pub user_principal_name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Role display names ("Global Administrator") or template ids.
    #[serde(default)]
    pub roles: Vec<String>,
    /// PIM-eligible (not activated) roles, by display name or template id: readable through
    /// `roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`, no power.
    #[serde(default)]
    pub eligible_roles: Vec<String>,
}

impl Sim {
    pub fn add_tenant(&mut self, name: &str, domain: &str) -> String {
        let id = self.guid();
        let mut role_object_ids = HashMap::new();
        for r in catalog::DIRECTORY_ROLES {
            let rid = self.guid();
            role_object_ids.insert(r.template_id.to_string(), rid);
        }
        let created = self.clock.wall() - Duration::from_secs(3 * 365 * 24 * 3600);
        let mut tenant = Tenant {
            id: id.clone(),
            display_name: name.to_string(),
            domain: domain.to_string(),
            created,
            users: Vec::new(),
            apps: Vec::new(),
            sps: Vec::new(),
            assignments: Vec::new(),
            deleted: Vec::new(),
            role_object_ids,
        };
        let graph_sp_id = self.guid();
        let now = self.clock.now();
        tenant.sps.push(Sp {
            id: graph_sp_id.clone(),
            app_id: GRAPH_APP_ID.to_string(),
            doc: graph_sp_doc(&graph_sp_id),
            visible_at: now,
            owners: vec![],
        });
        self.tenants.push(tenant);
        id
    }

    pub fn add_user(&mut self, tenant_id: &str, new_user: NewUser) -> Result<User, String> {
        let roles = role_templates(&new_user.roles)?;
        let eligible_roles = role_templates(&new_user.eligible_roles)?;
        let id = self.guid();
        let tenant = self
            .tenant_mut(tenant_id)
            .ok_or_else(|| format!("unknown tenant {tenant_id}"))?;
        if tenant.user_by_upn(&new_user.user_principal_name).is_some() {
            return Err(format!("user {} exists", new_user.user_principal_name));
        }
        let nick = new_user
            .user_principal_name
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string();
        let display = new_user.display_name.unwrap_or_else(|| nick.clone());
        let mut parts = display.splitn(2, ' ');
        let given = parts.next().map(str::to_string);
        let surname = parts.next().map(str::to_string);
        let user = User {
            id,
            upn: new_user.user_principal_name,
            display_name: display,
            given_name: given,
            surname,
            roles,
            eligible_roles,
            guest: None,
        };
        tenant.users.push(user.clone());
        Ok(user)
    }

    /// Invites `home_upn` (a user of another tenant here) into `resource_tenant` as a B2B guest
    /// holding `roles` there. The guest's UPN follows Entra's `alice_fabrikam.com#EXT#@{domain}`.
    pub fn add_guest(
        &mut self,
        resource_tenant: &str,
        home_upn: &str,
        roles: &[String],
    ) -> Result<User, String> {
        let roles = role_templates(roles)?;
        let (home_tid, home_user) = self
            .find_user(home_upn)
            .map(|(tenant, user)| (tenant.id.clone(), user.clone()))
            .ok_or_else(|| format!("no user {home_upn}"))?;
        let (resource_tenant_id, resource_domain) = self
            .tenant_by_authority(resource_tenant)
            .map(|tenant| (tenant.id.clone(), tenant.domain.clone()))
            .ok_or_else(|| format!("unknown tenant {resource_tenant}"))?;
        if resource_tenant_id == home_tid {
            return Err(format!("{home_upn} is a member of that tenant already"));
        }
        let upn = format!("{}#EXT#@{resource_domain}", home_user.upn.replace('@', "_"));
        let id = self.guid();
        let tenant = self
            .tenant_mut(&resource_tenant_id)
            .ok_or_else(|| format!("unknown tenant {resource_tenant}"))?;
        if tenant.users.iter().any(|user| {
            user.guest
                .as_ref()
                .is_some_and(|g| g.home_user_id == home_user.id)
        }) {
            return Err(format!("{home_upn} is a guest of that tenant already"));
        }
        let guest = User {
            id,
            upn,
            display_name: home_user.display_name.clone(),
            given_name: home_user.given_name.clone(),
            surname: home_user.surname.clone(),
            roles,
            eligible_roles: vec![],
            guest: Some(GuestOf {
                home_tenant_id: home_tid,
                home_user_id: home_user.id.clone(),
                home_upn: home_user.upn.clone(),
            }),
        };
        tenant.users.push(guest.clone());
        Ok(guest)
    }
}

fn role_templates(names: &[String]) -> Result<Vec<String>, String> {
    names
        .iter()
        .map(|r| {
            catalog::directory_role(r)
                .map(|d| d.template_id.to_string())
                .ok_or_else(|| format!("unknown role {r:?}"))
        })
        .collect()
}
