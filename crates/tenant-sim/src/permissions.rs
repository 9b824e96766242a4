//! Which delegated scopes (`scp`) and application roles (`roles`) each Graph call accepts, in one
//! table, copied from the "Permissions" table of each call's page on learn.microsoft.com (least
//! to most privileged). A call the token does not allow is answered 403
//! `Authorization_RequestDenied` "Insufficient privileges to complete the operation.", as Graph
//! does. Directory roles (who may do what once the scope allows the call) are checked by the
//! handlers under `graph/` (see `graph/access.rs`).
//!
//! Each entry is an AND of groups, each group an OR of permissions: `[[A], [B, C]]` means
//! "A and (B or C)" (the form the appRoleAssignedTo page uses: "AppRoleAssignment.ReadWrite.All
//! and Application.Read.All"). An empty `application` list means the call is not supported with
//! app-only tokens. `Application.ReadWrite.OwnedBy` is left out: the emulator does not model
//! ownership by apps.

/// One Graph operation's accepted permissions.
#[derive(Debug, Clone, Copy)]
pub struct OperationPermissions {
    pub op: Op,
    pub delegated: &'static [&'static [&'static str]],
    pub application: &'static [&'static [&'static str]],
    /// The page whose Permissions table this row copies.
    pub doc: &'static str,
}

/// The Graph operations the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    GetMe,
    GetUser,
    ListMyMemberships,
    ListUserMemberships,
    GetOrganization,
    ListMyEligibleRoles,
    ReadApplications,
    WriteApplications,
    ReadServicePrincipals,
    WriteServicePrincipals,
    ListAppRoleAssignedTo,
    ListAppRoleAssignments,
    GrantAppRole,
    RevokeAppRole,
    ListDeletedItems,
    GetDeletedItem,
    RestoreDeletedItem,
    PermanentlyDeleteItem,
    ListDirectoryAudits,
}

const READ_APPS: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const WRITE_APPS: &[&str] = &["Application.ReadWrite.All"];
const WRITE_SPS: &[&str] = &["Application.ReadWrite.All", "Directory.ReadWrite.All"];
const READ_ANY_USER: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const READ_ORG_APP: &[&str] = &[
    "Organization.Read.All",
    "Directory.Read.All",
    "Organization.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const READ_ELIGIBILITY: &[&str] = &[
    "RoleEligibilitySchedule.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];

/// The table: one row per operation, with the page it follows.
pub const PERMISSIONS: &[OperationPermissions] = &[
    OperationPermissions {
        op: Op::GetMe,
        delegated: &[&[
            "User.Read",
            "User.ReadWrite",
            "User.ReadBasic.All",
            "User.Read.All",
            "User.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ]],
        application: &[],
        doc: "https://learn.microsoft.com/graph/api/user-get",
    },
    OperationPermissions {
        // Another user than the signed-in one: User.Read only covers the signed-in user.
        op: Op::GetUser,
        delegated: &[READ_ANY_USER],
        application: &[READ_ANY_USER],
        doc: "https://learn.microsoft.com/graph/api/user-get",
    },
    OperationPermissions {
        op: Op::ListMyMemberships,
        delegated: &[&[
            "User.Read",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
            "Group.Read.All",
            "GroupMember.Read.All",
            "User.Read.All",
        ]],
        application: &[],
        doc: "https://learn.microsoft.com/graph/api/user-list-transitivememberof",
    },
    OperationPermissions {
        op: Op::ListUserMemberships,
        delegated: &[&[
            "User.Read.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
            "GroupMember.Read.All",
            "Group.Read.All",
        ]],
        application: &[&[
            "User.Read.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
            "GroupMember.Read.All",
            "Group.Read.All",
        ]],
        doc: "https://learn.microsoft.com/graph/api/user-list-transitivememberof",
    },
    OperationPermissions {
        op: Op::GetOrganization,
        delegated: &[&[
            "User.Read",
            "Organization.Read.All",
            "Directory.Read.All",
            "Organization.ReadWrite.All",
            "Directory.ReadWrite.All",
        ]],
        application: &[READ_ORG_APP],
        doc: "https://learn.microsoft.com/graph/api/organization-get",
    },
    OperationPermissions {
        op: Op::ListMyEligibleRoles,
        delegated: &[READ_ELIGIBILITY],
        application: &[READ_ELIGIBILITY],
        doc: "https://learn.microsoft.com/graph/api/unifiedroleeligibilityscheduleinstance-filterbycurrentuser",
    },
    OperationPermissions {
        // GET /applications, GET /applications/{id}
        op: Op::ReadApplications,
        delegated: &[READ_APPS],
        application: &[READ_APPS],
        doc: "https://learn.microsoft.com/graph/api/application-list",
    },
    OperationPermissions {
        // POST /applications, PATCH (and upsert), DELETE, addPassword, removePassword
        op: Op::WriteApplications,
        delegated: &[WRITE_APPS],
        application: &[WRITE_APPS],
        doc: "https://learn.microsoft.com/graph/api/application-post-applications",
    },
    OperationPermissions {
        op: Op::ReadServicePrincipals,
        delegated: &[READ_APPS],
        application: &[READ_APPS],
        doc: "https://learn.microsoft.com/graph/api/serviceprincipal-list",
    },
    OperationPermissions {
        // POST /servicePrincipals, PATCH (and upsert), DELETE
        op: Op::WriteServicePrincipals,
        delegated: &[WRITE_SPS],
        application: &[WRITE_SPS],
        doc: "https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals",
    },
    OperationPermissions {
        op: Op::ListAppRoleAssignedTo,
        delegated: &[READ_APPS],
        application: &[READ_APPS],
        doc: "https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignedto",
    },
    OperationPermissions {
        op: Op::ListAppRoleAssignments,
        delegated: &[READ_APPS],
        application: &[READ_APPS],
        doc: "https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments",
    },
    OperationPermissions {
        op: Op::GrantAppRole,
        delegated: &[&["AppRoleAssignment.ReadWrite.All"], READ_APPS],
        application: &[&["AppRoleAssignment.ReadWrite.All"], READ_APPS],
        doc: "https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto",
    },
    OperationPermissions {
        op: Op::RevokeAppRole,
        delegated: &[&["AppRoleAssignment.ReadWrite.All"]],
        application: &[&["AppRoleAssignment.ReadWrite.All"]],
        doc: "https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto",
    },
    OperationPermissions {
        op: Op::ListDeletedItems,
        delegated: &[READ_APPS],
        application: &[READ_APPS],
        doc: "https://learn.microsoft.com/graph/api/directory-deleteditems-list",
    },
    OperationPermissions {
        op: Op::GetDeletedItem,
        delegated: &[READ_APPS],
        application: &[READ_APPS],
        doc: "https://learn.microsoft.com/graph/api/directory-deleteditems-get",
    },
    OperationPermissions {
        op: Op::RestoreDeletedItem,
        delegated: &[WRITE_APPS],
        application: &[WRITE_APPS],
        doc: "https://learn.microsoft.com/graph/api/directory-deleteditems-restore",
    },
    OperationPermissions {
        op: Op::PermanentlyDeleteItem,
        delegated: &[WRITE_APPS],
        application: &[WRITE_APPS],
        doc: "https://learn.microsoft.com/graph/api/directory-deleteditems-delete",
    },
    OperationPermissions {
        // "AuditLog.Read.All and Directory.Read.All", delegated and application.
        op: Op::ListDirectoryAudits,
        delegated: &[&["AuditLog.Read.All"], &["Directory.Read.All"]],
        application: &[&["AuditLog.Read.All"], &["Directory.Read.All"]],
        doc: "https://learn.microsoft.com/graph/api/directoryaudit-list",
    },
];

/// Scopes (delegated) or app roles under which directoryRole objects in a directoryObject
/// collection are readable; without one Graph returns them with only `id` and `@odata.type`
/// (<https://learn.microsoft.com/graph/permissions-overview#limited-information-returned-for-inaccessible-member-objects>).
/// The list is the Permissions table of <https://learn.microsoft.com/graph/api/directoryrole-get>.
pub const READ_DIRECTORY_ROLES: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// The row of `op`.
pub fn of(op: Op) -> &'static OperationPermissions {
    // Every Op has a row (a unit test checks it); the first row is a safe stand-in otherwise.
    PERMISSIONS
        .iter()
        .find(|p| p.op == op)
        .unwrap_or(&PERMISSIONS[0])
}

/// Whether permissions `have` (scp values, or roles) satisfy `need` (AND of ORs).
pub fn satisfies(need: &[&[&str]], have: &[String]) -> bool {
    !need.is_empty()
        && need.iter().all(|group| {
            group
                .iter()
                .any(|s| have.iter().any(|h| h.eq_ignore_ascii_case(s)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_has_one_row_with_a_learn_page() {
        let ops = [
            Op::GetMe,
            Op::GetUser,
            Op::ListMyMemberships,
            Op::ListUserMemberships,
            Op::GetOrganization,
            Op::ListMyEligibleRoles,
            Op::ReadApplications,
            Op::WriteApplications,
            Op::ReadServicePrincipals,
            Op::WriteServicePrincipals,
            Op::ListAppRoleAssignedTo,
            Op::ListAppRoleAssignments,
            Op::GrantAppRole,
            Op::RevokeAppRole,
            Op::ListDeletedItems,
            Op::GetDeletedItem,
            Op::RestoreDeletedItem,
            Op::PermanentlyDeleteItem,
            Op::ListDirectoryAudits,
        ];
        for op in ops {
            assert_eq!(
                PERMISSIONS.iter().filter(|p| p.op == op).count(),
                1,
                "{op:?}"
            );
            assert!(of(op)
                .doc
                .starts_with("https://learn.microsoft.com/graph/api/"));
        }
        assert_eq!(PERMISSIONS.len(), ops.len());
    }

    #[test]
    fn and_of_ors() {
        let need = of(Op::GrantAppRole).delegated;
        let have = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!satisfies(
            need,
            &have(&["AppRoleAssignment.ReadWrite.All"])
        ));
        assert!(satisfies(
            need,
            &have(&[
                "AppRoleAssignment.ReadWrite.All",
                "Application.ReadWrite.All"
            ])
        ));
        assert!(!satisfies(
            of(Op::GetMe).application,
            &have(&["User.Read.All"])
        ));
    }
}
