//! Sign-in state between requests: pending /authorize requests, authorization codes, refresh
//! tokens, device codes.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct PendingAuthorize {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub response_mode: String,
    /// An /adminconsent request rather than an /authorize one.
    pub admin_consent: bool,
    /// The request asked for `client_info=1` (MSAL does): the redirect carries `client_info`.
    pub client_info: bool,
}

/// A user's sign-in to a client: what an authorization code and a refresh token both stand for,
/// and what the user tokens are issued for.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub tenant_id: String,
    pub user_id: String,
    pub client_id: String,
    pub scope: String,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub sign_in: SignedIn,
    pub redirect_uri: String,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub expires: Instant,
    pub redeemed: bool,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub sign_in: SignedIn,
    pub expires: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved { tenant_id: String, user_id: String },
    Declined,
    Redeemed,
}

#[derive(Debug, Clone)]
pub struct DeviceGrant {
    pub tenant_path: String,
    pub client_id: String,
    pub scope: String,
    pub user_code: String,
    pub expires: Instant,
    pub interval: Duration,
    pub last_poll: Option<Instant>,
    pub polls: u32,
    pub status: DeviceStatus,
}
