//! A practice tenant: what the desktop app's and the CLI's practice mode run against. The default
//! tenant, one of its users signed in automatically, and short but visible waits so a practice run
//! shows what a real tenant does (replication, a secret that needs a moment, throttling-free).

use std::net::SocketAddr;
use std::time::Duration;

use crate::scenario::{LatencyProfile, Scenario};
use crate::server::{start, Options, RunningSim};

/// Who the practice run signs in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeRole {
    GlobalAdministrator,
    PrivilegedRoleAdministrator,
    ApplicationAdministrator,
    /// No admin role.
    User,
}

impl PracticeRole {
    /// The directory role of that user in the default tenant, or `None` for the plain user.
    fn role_name(self) -> Option<&'static str> {
        match self {
            PracticeRole::GlobalAdministrator => Some("Global Administrator"),
            PracticeRole::PrivilegedRoleAdministrator => Some("Privileged Role Administrator"),
            PracticeRole::ApplicationAdministrator => Some("Application Administrator"),
            PracticeRole::User => None,
        }
    }
}

impl std::str::FromStr for PracticeRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "global-admin" => Ok(Self::GlobalAdministrator),
            "privileged-role-admin" => Ok(Self::PrivilegedRoleAdministrator),
            "app-admin" => Ok(Self::ApplicationAdministrator),
            "user" => Ok(Self::User),
            other => Err(format!(
                "{other:?}: use global-admin, privileged-role-admin, app-admin or user"
            )),
        }
    }
}

/// Small but visible delays, so practice shows the waits a real tenant has.
pub fn practice_scenario() -> Scenario {
    Scenario {
        replication_delay: Duration::from_millis(800),
        secret_ready_delay: Duration::from_millis(1500),
        role_propagation_delay: Duration::from_millis(1000),
        latency: LatencyProfile::realistic().scaled(0.3),
        ..Scenario::default()
    }
}

/// Starts a practice tenant on `addr` (port 0 picks one) that signs `role`'s user in at once.
pub async fn start_practice(role: PracticeRole, addr: SocketAddr) -> std::io::Result<RunningSim> {
    let sim = start(Options {
        addr,
        scenario: practice_scenario(),
        ..Options::default()
    })
    .await?;
    let upn = sim
        .startup()
        .users
        .iter()
        .find(|u| match role.role_name() {
            Some(r) => u.roles.iter().any(|x| x == r),
            None => u.roles.is_empty(),
        })
        .map(|u| u.user_principal_name.clone())
        .ok_or_else(|| std::io::Error::other(format!("the practice tenant has no {role:?}")))?;
    sim.set_auto_sign_in(Some(upn));
    sim.set_device_code_interval(Duration::from_secs(1));
    Ok(sim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn signs_in_the_user_with_the_role_asked_for() {
        for (role, expected) in [
            (
                PracticeRole::GlobalAdministrator,
                "grace.admin@contoso.onmicrosoft.com",
            ),
            (
                PracticeRole::ApplicationAdministrator,
                "alex.apps@contoso.onmicrosoft.com",
            ),
            (PracticeRole::User, "uma.user@contoso.onmicrosoft.com"),
        ] {
            let sim = start_practice(role, SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .unwrap();
            assert_eq!(sim.auto_sign_in().as_deref(), Some(expected));
            assert!(sim.scenario().replication_delay > Duration::ZERO);
            sim.shutdown().await;
        }
    }

    #[test]
    fn roles_parse_from_their_command_line_names() {
        assert_eq!(
            "app-admin".parse(),
            Ok(PracticeRole::ApplicationAdministrator)
        );
        assert!("admin"
            .parse::<PracticeRole>()
            .unwrap_err()
            .contains("global-admin"));
    }
}
