//! The startup line: the first stdout line of the binary, what `RunningSim::startup` and
//! `GET /_sim/startup` return.

use serde::{Deserialize, Serialize};

use crate::shared::Shared;

/// The first stdout line of the binary, and what [`crate::RunningSim::startup`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Startup {
    /// Where it listens (`http://127.0.0.1:PORT`): what scripts connect to.
    pub origin: String,
    /// `Options::public_origin`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_origin: Option<String>,
    pub tenant_id: String,
    pub tenant_name: String,
    pub users: Vec<StartupUser>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartupUser {
    pub id: String,
    pub user_principal_name: String,
    /// Directory role display names, e.g. "Global Administrator".
    pub roles: Vec<String>,
}

/// The startup line of the simulator behind `shared`.
pub(crate) fn startup_of(shared: &Shared) -> Startup {
    let sim = shared.lock();
    let tenant = sim.default_tenant();
    Startup {
        origin: sim.origin.clone(),
        public_origin: sim.public_origin.clone(),
        tenant_id: tenant.id.clone(),
        tenant_name: tenant.display_name.clone(),
        users: tenant
            .users
            .iter()
            .map(|user| StartupUser {
                id: user.id.clone(),
                user_principal_name: user.upn.clone(),
                roles: user.role_names(),
            })
            .collect(),
    }
}
