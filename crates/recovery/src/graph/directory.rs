//! The tenant and the signed-in user's roles.

use crate::error::Result;
use crate::events::StepScope;
use crate::ops::Op;

use super::*;

impl Graph {
    pub async fn organization(&self, scope: &StepScope) -> Result<Organization> {
        self.http
            .retry(Op::GetOrganization, scope, |_| {
                Box::pin(async move {
                    let r = self
                        .send(
                            Op::GetOrganization,
                            "organization",
                            &[("$select", "id,displayName,verifiedDomains")],
                            None,
                            &[],
                        )
                        .await?;
                    let mut list: List<Organization> = r.json()?;
                    list.value
                        .pop()
                        .ok_or_else(|| malformed(&r, "no organization in the answer"))
                })
            })
            .await
    }

    /// The signed-in user's active directory roles.
    pub async fn my_directory_roles(&self, scope: &StepScope) -> Result<Vec<DirectoryRole>> {
        let roles: List<DirectoryRole> = self
            .get(
                Op::GetMyRoles,
                "me/transitiveMemberOf/microsoft.graph.directoryRole",
                &[
                    ("$select", "displayName,roleTemplateId"),
                    ("$count", "true"),
                ],
                &[("ConsistencyLevel", "eventual")],
                scope,
            )
            .await?;
        Ok(roles.value)
    }

    /// Template ids of the roles the signed-in user is eligible for but has not activated
    /// (Privileged Identity Management):
    /// `GET /roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`
    /// (<https://learn.microsoft.com/graph/api/unifiedroleeligibilityscheduleinstance-filterbycurrentuser>),
    /// readable with RoleManagement.Read.Directory. A built-in role's `roleDefinitionId` is its
    /// template id. Best effort: without PIM (it needs Entra ID P2) or the right to see it, the
    /// answer is an error and the list is empty.
    pub async fn my_eligible_role_templates(&self) -> Vec<String> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Instance {
            role_definition_id: Option<String>,
        }
        let scope = crate::events::EventSink::none().step(crate::steps::Step::ReadTenant);
        let got = self
            .get::<List<Instance>>(
                Op::GetMyRoles,
                "roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')",
                &[],
                &[],
                &scope,
            )
            .await;
        match got {
            Ok(list) => list
                .value
                .into_iter()
                .filter_map(|i| i.role_definition_id)
                .collect(),
            Err(e) => {
                tracing::info!(error = %e, "eligible roles (PIM) not readable");
                vec![]
            }
        }
    }
}
