//! The calls the core makes, each an [`Op`], and what is known of each: whether it may be sent
//! again as is, which answers mean the directory has not caught up with our own write yet, which
//! mean the app is gone, which earlier write it waits for, and how long a round trip it takes.
//! The one home of "a Graph operation": the retry loop ([`crate::retry`], [`crate::http`]) reads
//! these tables, the Graph client ([`crate::graph`]) and the token request name their `Op`.
//!
//! A module of its own (not inside `graph/`) because the HTTP client and the sign-in module use
//! it too, and `graph` uses both: inside it, each would be an import loop.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::GraphErrorInfo;

/// The calls the engine makes; replication signatures differ per call (for example 400
/// "does not reference a valid application object" when a new app's service principal is created
/// too soon, <https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "Op.ts")]
pub enum Op {
    GetOrganization,
    GetMyRoles,
    GetGraphServicePrincipal,
    FindApplications,
    UpsertApplication,
    /// `POST /applications`, where upsert is refused.
    CreateApplication,
    GetApplication,
    PatchApplication,
    UpsertServicePrincipal,
    /// `POST /servicePrincipals`, where upsert is refused.
    CreateServicePrincipal,
    GetServicePrincipal,
    GrantAppRole,
    ListAppRoleAssignments,
    AddPassword,
    RemovePassword,
    DeleteApplication,
    PurgeDeletedItem,
    Token,
}

impl Op {
    /// The HTTP method it is sent with.
    pub fn method(self) -> reqwest::Method {
        use reqwest::Method;
        match self {
            Op::GetOrganization
            | Op::GetMyRoles
            | Op::GetGraphServicePrincipal
            | Op::FindApplications
            | Op::GetApplication
            | Op::GetServicePrincipal
            | Op::ListAppRoleAssignments => Method::GET,
            Op::UpsertApplication | Op::PatchApplication | Op::UpsertServicePrincipal => {
                Method::PATCH
            }
            Op::CreateApplication
            | Op::CreateServicePrincipal
            | Op::GrantAppRole
            | Op::AddPassword
            | Op::RemovePassword
            | Op::Token => Method::POST,
            Op::DeleteApplication | Op::PurgeDeletedItem => Method::DELETE,
        }
    }

    /// What a write did, in words for the receipt; `None` for a read or the token request (a
    /// write without words of its own is still recorded, as "Change in the directory").
    pub fn write_words(self) -> Option<&'static str> {
        Some(match self {
            Op::UpsertApplication | Op::CreateApplication => {
                "Create the app registration with its permission request"
            }
            Op::PatchApplication => "Change the app registration",
            Op::UpsertServicePrincipal | Op::CreateServicePrincipal => {
                "Create the enterprise app (service principal)"
            }
            Op::GrantAppRole => "Grant admin consent (app role assignment)",
            Op::AddPassword => "Add the client secret",
            Op::RemovePassword => "Remove a client secret that could not be used",
            Op::DeleteApplication => "Delete the app registration",
            Op::PurgeDeletedItem => "Purge from deleted items",
            _ => return None,
        })
    }

    /// Safe to resend as is when the outcome of an attempt is unknown (timeout, reset, unreadable
    /// success body). The others need a check before they are sent again.
    pub fn idempotent(self) -> bool {
        !matches!(
            self,
            Op::GrantAppRole | Op::AddPassword | Op::CreateApplication
        )
    }

    /// Ops that follow one of our own writes and may hit replication lag.
    pub(crate) fn replication_signature(self, e: &GraphErrorInfo) -> bool {
        let msg = e.message.to_ascii_lowercase();
        match self {
            // Our own key (uniqueName, appId) taken by an object that is still replicating: the
            // earlier attempt went through and the upsert will find it once it is visible.
            Op::UpsertApplication => e.status == 409,
            // A second create of the same service principal is refused with 409: the caller
            // reads it instead (`Graph::create_service_principal`).
            Op::CreateServicePrincipal => {
                (e.status == 400
                    && (msg.contains("does not reference a valid application object")
                        || e.code.contains("NoBackingApplicationObject")
                        || msg.contains("nobackingapplicationobject")))
                    || (e.status == 403 && msg.contains("backing application"))
            }
            Op::UpsertServicePrincipal => {
                e.status == 404
                    || e.status == 409
                    || (e.status == 400
                        && (msg.contains("does not reference a valid application object")
                            || e.code.contains("NoBackingApplicationObject")
                            || msg.contains("nobackingapplicationobject")))
                    || (e.status == 403 && msg.contains("backing application"))
            }
            Op::GrantAppRole => {
                e.status == 404 || (e.status == 400 && msg.contains("not a valid reference update"))
            }
            Op::PatchApplication => e.status == 404 || e.status == 409,
            Op::GetApplication
            | Op::GetServicePrincipal
            | Op::AddPassword
            | Op::RemovePassword
            | Op::ListAppRoleAssignments => e.status == 404,
            _ => false,
        }
    }
}

impl Op {
    /// An answer that says the app itself is not there (yet): a 404 on the app or on a call
    /// made on it, or a service principal refused for want of its application object. Within the
    /// app's replication window that is lag; after it, the app is gone (someone deleted it in
    /// the portal between two runs) and waiting cannot help.
    pub fn app_missing(self, e: &GraphErrorInfo) -> bool {
        let msg = e.message.to_ascii_lowercase();
        match self {
            Op::GetApplication | Op::PatchApplication | Op::AddPassword | Op::RemovePassword => {
                e.status == 404
            }
            Op::UpsertServicePrincipal | Op::CreateServicePrincipal => {
                (e.status == 400
                    && (msg.contains("does not reference a valid application object")
                        || e.code.contains("NoBackingApplicationObject")
                        || msg.contains("nobackingapplicationobject")))
                    || (e.status == 403 && msg.contains("backing application"))
            }
            _ => false,
        }
    }

    /// The write of this run whose replication this call waits for: a new app must be visible
    /// before its service principal or a secret can be added to it, a new service principal
    /// before it can be granted a role, a grant before it can be read back.
    pub fn waits_for(self) -> Option<Op> {
        match self {
            Op::UpsertServicePrincipal | Op::AddPassword => Some(Op::UpsertApplication),
            Op::CreateServicePrincipal => Some(Op::CreateApplication),
            Op::GrantAppRole => Some(Op::UpsertServicePrincipal),
            Op::ListAppRoleAssignments => Some(Op::GrantAppRole),
            _ => None,
        }
    }

    /// Which calls take about as long as this one: a token request, a Graph read, or a Graph
    /// write (longer than a read).
    pub(crate) fn trip_class(self) -> u8 {
        match self {
            Op::Token => 0,
            _ if self.method() == reqwest::Method::GET => 1,
            _ => 2,
        }
    }

    /// A write another call may wait for (see [`Op::waits_for`] and
    /// [`crate::retry::Replication::token_start`]).
    pub(crate) fn is_awaited(self) -> bool {
        matches!(
            self,
            Op::UpsertApplication
                | Op::CreateApplication
                | Op::UpsertServicePrincipal
                | Op::CreateServicePrincipal
                | Op::GrantAppRole
                | Op::AddPassword
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write has the receipt's words and is sent with a method that changes something; a read
    /// and the token request have none (the whole list of a run's writes is tests/receipt.rs's).
    #[test]
    fn writes_have_words_and_reads_none() {
        use Op::*;
        for op in [GetApplication, ListAppRoleAssignments, FindApplications] {
            assert_eq!(
                (op.write_words(), op.method()),
                (None, reqwest::Method::GET)
            );
        }
        assert_eq!(
            Token.write_words(),
            None,
            "a token request is not a Graph write"
        );
        for op in [
            UpsertApplication,
            CreateServicePrincipal,
            GrantAppRole,
            PurgeDeletedItem,
        ] {
            assert!(op.write_words().is_some(), "{op:?}");
            assert_ne!(op.method(), reqwest::Method::GET, "{op:?}");
        }
        assert_eq!(
            serde_json::to_string(&UpsertApplication).unwrap(),
            "\"upsertApplication\""
        );
    }
}
