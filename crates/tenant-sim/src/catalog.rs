//! Fixed facts of the real services: Microsoft Graph's app id, app roles and delegated scopes
//! (with their real ids), and the built-in directory roles (with their real template ids).

/// Microsoft Graph's application id, the same in every tenant.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The tenant that owns Microsoft's first-party apps ("Microsoft Services").
pub const MICROSOFT_SERVICES_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
/// `aud` of Graph access tokens.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";

/// One permission of Microsoft Graph: an app role (application permission) or a scope (delegated).
#[derive(Debug, Clone, Copy)]
pub struct GraphPermission {
    pub value: &'static str,
    pub id: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
}

/// Microsoft Graph app roles (application permissions) the wizard and its tests touch; real ids.
pub const GRAPH_APP_ROLES: &[GraphPermission] = &[
    GraphPermission {
        value: "AuditLog.Read.All",
        id: "b0afded3-3588-46d8-8b3d-9842eff778da",
        display_name: "Read all audit log data",
        description: "Allows the app to read and query your audit log activities, without a signed-in user.",
    },
    GraphPermission {
        value: "Application.Read.All",
        id: "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
        display_name: "Read all applications",
        description: "Allows the app to read all applications and service principals without a signed-in user.",
    },
    GraphPermission {
        value: "Application.ReadWrite.All",
        id: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        display_name: "Read and write all applications",
        description: "Allows the app to create, read, update and delete applications and service principals without a signed-in user. Does not allow management of consent grants.",
    },
    GraphPermission {
        value: "AppRoleAssignment.ReadWrite.All",
        id: "06b708a9-e830-4db3-a914-8e69da51d44f",
        display_name: "Manage app permission grants and app role assignments",
        description: "Allows the app to manage permission grants for application permissions to any API (including Microsoft Graph) and application assignments for any app, without a signed-in user.",
    },
    GraphPermission {
        value: "Directory.Read.All",
        id: "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        display_name: "Read directory data",
        description: "Allows the app to read data in your organization's directory, such as users, groups and apps, without a signed-in user.",
    },
    GraphPermission {
        value: "Directory.ReadWrite.All",
        id: "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
        display_name: "Read and write directory data",
        description: "Allows the app to read and write data in your organization's directory, such as users, and groups, without a signed-in user. Does not allow user or group deletion.",
    },
    GraphPermission {
        value: "User.Read.All",
        id: "df021288-bdef-4463-88db-98f22de89214",
        display_name: "Read all users' full profiles",
        description: "Allows the app to read user profiles without a signed in user.",
    },
    GraphPermission {
        value: "RoleManagement.Read.Directory",
        id: "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
        display_name: "Read all directory RBAC settings",
        description: "Allows the app to read the role-based access control (RBAC) settings for your company's directory, without a signed-in user.",
    },
    GraphPermission {
        value: "RoleManagement.ReadWrite.Directory",
        id: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        display_name: "Read and write all directory RBAC settings",
        description: "Allows the app to read and manage the role-based access control (RBAC) settings for your company's directory, without a signed-in user.",
    },
];

/// Microsoft Graph delegated permissions (oauth2PermissionScopes); real ids.
/// The tuple's last field is the scope `type`: "User" (users may consent) or "Admin".
pub const GRAPH_SCOPES: &[(GraphPermission, &str)] = &[
    (
        GraphPermission {
            value: "User.Read",
            id: "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
            display_name: "Sign in and read user profile",
            description: "Allows users to sign-in to the app, and allows the app to read the profile of signed-in users.",
        },
        "User",
    ),
    (
        GraphPermission {
            value: "openid",
            id: "37f7f235-527c-4136-accd-4a02d197296e",
            display_name: "Sign users in",
            description: "Allows users to sign in to the app with their work or school accounts.",
        },
        "User",
    ),
    (
        GraphPermission {
            value: "profile",
            id: "14dad69e-099b-42c9-810b-d002981feec1",
            display_name: "View users' basic profile",
            description: "Allows the app to see your users' basic profile (e.g., name, picture, user name, email address)",
        },
        "User",
    ),
    (
        GraphPermission {
            value: "email",
            id: "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
            display_name: "View users' email address",
            description: "Allows the app to read your users' primary email address",
        },
        "User",
    ),
    (
        GraphPermission {
            value: "offline_access",
            id: "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
            display_name: "Maintain access to data you have given it access to",
            description: "Allows the app to see and update the data you gave it access to, even when users are not currently using the app.",
        },
        "User",
    ),
    (
        GraphPermission {
            value: "Application.Read.All",
            id: "c79f8feb-a9db-4090-85f9-90d820caa0eb",
            display_name: "Read applications",
            description: "Allows the app to read applications and service principals on behalf of the signed-in user.",
        },
        "Admin",
    ),
    (
        GraphPermission {
            value: "Application.ReadWrite.All",
            id: "bdfbf15f-ee85-4955-8675-146e8e5296b5",
            display_name: "Read and write all applications",
            description: "Allows the app to create, read, update and delete applications and service principals on behalf of the signed-in user. Does not allow management of consent grants.",
        },
        "Admin",
    ),
    (
        GraphPermission {
            value: "AppRoleAssignment.ReadWrite.All",
            id: "84bccea3-f856-4a8a-967b-dbe0a3d53a64",
            display_name: "Manage app permission grants and app role assignments",
            description: "Allows the app to manage permission grants for application permissions to any API (including Microsoft Graph) and application assignments for any app, on behalf of the signed-in user.",
        },
        "Admin",
    ),
    (
        GraphPermission {
            value: "AuditLog.Read.All",
            id: "e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20",
            display_name: "Read audit log data",
            description: "Allows the app to read and query your audit log activities, on behalf of the signed-in user.",
        },
        "Admin",
    ),
    (
        GraphPermission {
            value: "Directory.Read.All",
            id: "06da0dbc-49e2-44d2-8312-53f166ab848a",
            display_name: "Read directory data",
            description: "Allows the app to read data in your organization's directory, such as users, groups and apps.",
        },
        "Admin",
    ),
    (
        GraphPermission {
            value: "RoleManagement.Read.Directory",
            id: "741c54c3-0c1e-44a1-818b-3f97ab4e8c83",
            display_name: "Read directory RBAC settings",
            description: "Allows the app to read the role-based access control (RBAC) settings for your company's directory, on behalf of the signed-in user.",
        },
        "Admin",
    ),
    (
        GraphPermission {
            value: "RoleManagement.ReadWrite.Directory",
            id: "d01b97e9-cbc0-49fe-810a-750afd5527a3",
            display_name: "Read and write directory RBAC settings",
            description: "Allows the app to read and manage the role-based access control (RBAC) settings for your company's directory, on behalf of the signed-in user.",
        },
        "Admin",
    ),
    (
        GraphPermission {
            value: "RoleManagement.Read.All",
            id: "48fec646-b2ba-4019-8681-8eb31435aded",
            display_name: "Read role management data for all RBAC providers",
            description: "Allows the app to read the role-based access control (RBAC) settings for all RBAC providers, on behalf of the signed-in user.",
        },
        "Admin",
    ),
    (
        GraphPermission {
            value: "RoleEligibilitySchedule.Read.Directory",
            id: "eb0788c2-6d4e-4658-8c9e-c0fb8053f03d",
            display_name: "Read all eligible role assignments for your company's directory",
            description: "Allows the app to read the eligible role-based access control (RBAC) assignments for your company's directory, on behalf of the signed-in user.",
        },
        "Admin",
    ),
    (
        GraphPermission {
            value: "User.Read.All",
            id: "a154be20-db9c-4678-8ab7-66f6cc099a59",
            display_name: "Read all users' full profiles",
            description: "Allows the app to read the full set of profile properties, reports, and managers of other users in your organization, on behalf of the signed-in user.",
        },
        "Admin",
    ),
];

/// Whether `scope` is one of Graph's delegated permissions (case-insensitive, as Entra treats them).
pub fn graph_scope(scope: &str) -> Option<&'static GraphPermission> {
    GRAPH_SCOPES
        .iter()
        .map(|(p, _)| p)
        .find(|p| p.value.eq_ignore_ascii_case(scope))
}

/// A built-in directory role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryRoleDef {
    pub display_name: &'static str,
    pub template_id: &'static str,
    pub description: &'static str,
}

pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
pub const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
pub const CLOUD_APPLICATION_ADMINISTRATOR: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";
pub const APPLICATION_DEVELOPER: &str = "cf1c38e5-3621-4004-a7cb-879624dced7c";
pub const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";

pub const DIRECTORY_ROLES: &[DirectoryRoleDef] = &[
    DirectoryRoleDef {
        display_name: "Global Administrator",
        template_id: GLOBAL_ADMINISTRATOR,
        description: "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
    },
    DirectoryRoleDef {
        display_name: "Privileged Role Administrator",
        template_id: PRIVILEGED_ROLE_ADMINISTRATOR,
        description: "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
    },
    DirectoryRoleDef {
        display_name: "Application Administrator",
        template_id: APPLICATION_ADMINISTRATOR,
        description: "Can create and manage all aspects of app registrations and enterprise apps.",
    },
    DirectoryRoleDef {
        display_name: "Cloud Application Administrator",
        template_id: CLOUD_APPLICATION_ADMINISTRATOR,
        description: "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.",
    },
    DirectoryRoleDef {
        display_name: "Application Developer",
        template_id: APPLICATION_DEVELOPER,
        description: "Can create application registrations independent of the 'Users can register applications' setting.",
    },
    DirectoryRoleDef {
        display_name: "Directory Readers",
        template_id: DIRECTORY_READERS,
        description: "Can read basic directory information. Commonly used to grant directory read access to applications and guests.",
    },
];

/// A directory role by display name or template id (case-insensitive).
pub fn directory_role(name_or_id: &str) -> Option<&'static DirectoryRoleDef> {
    DIRECTORY_ROLES.iter().find(|r| {
        r.display_name.eq_ignore_ascii_case(name_or_id)
            || r.template_id.eq_ignore_ascii_case(name_or_id)
    })
}
