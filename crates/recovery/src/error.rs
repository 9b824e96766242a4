//! The crate's one error type, and the stable [`Code`] every front end switches on.
//!
//! Front ends never match English text: they read [`ErrorInfo::code`]. The message says what
//! happened, the remedy says what to do next, in plain words, and the request-id lets Microsoft
//! support find the call.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable error codes. Adding one is fine; renaming one breaks the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "Code.ts")]
pub enum Code {
    InvalidInput,
    SignInCancelled,
    SignInTimedOut,
    SignInFailed,
    SignInInterrupted,
    SignInAppBlocked,
    /// Conditional Access refused a browser sign-in (AADSTS53003).
    ConditionalAccessBlocked,
    /// The tenant's policy lets no user accept these permissions (AADSTS90093).
    ConsentBlockedByPolicy,
    /// The sign-in app needs an administrator's approval first (AADSTS90094, 90095, 65001).
    AdminConsentRequired,
    DeviceCodeBlocked,
    DeviceCodeExpired,
    SessionExpired,
    TokenInvalid,
    InsufficientPrivileges,
    ConsentRequiresPrivilegedRole,
    StoppedBeforeCreating,
    AppNotFound,
    SecretPolicyBlocked,
    SecretLifetimeTooLong,
    KeychainUnavailable,
    KeychainLocked,
    SecretMissing,
    VerificationFailed,
    RetriesExhausted,
    Network,
    CertificateNotTrusted,
    UnexpectedResponse,
    Journal,
    RunInProgress,
    Interrupted,
    Graph,
    NotSignedIn,
    Internal,
}

impl Code {
    /// What the user should do next, in one or two plain sentences.
    pub fn remedy(self) -> &'static str {
        match self {
            Code::InvalidInput => "Check the value you entered and try again.",
            Code::SignInCancelled => "Sign-in was cancelled. Start again and finish signing in in the browser.",
            Code::SignInTimedOut => "Sign-in took too long, or Microsoft's page showed an error and never came back to the wizard. Start again; if Microsoft's page shows an error code (AADSTS followed by digits), note it and tell your IT department or support.",
            Code::SignInFailed => "Microsoft refused the sign-in. Read the message, then try again with an administrator account of your PMPC company's tenant.",
            Code::SignInInterrupted => "Microsoft's answer to the sign-in was lost on the way. A sign-in can be completed only once, so please sign in again; nothing has been changed in your tenant.",
            Code::SignInAppBlocked => "Your tenant does not let this sign-in app (Microsoft Graph Command Line Tools) be used by your account. Ask an administrator to allow it, or register your own app for the wizard (see 'Using your own sign-in app' in the README) and enter its client ID under Options.",
            Code::ConditionalAccessBlocked => "Your organization's Conditional Access policy blocked this sign-in: it may allow sign-in only from a company-managed computer, from certain networks or countries, or with a certain kind of multifactor authentication. Sign in again from a computer and network your organization allows, or ask your IT department which policy blocked it (Microsoft Entra admin center > Sign-in logs shows the reason).",
            Code::ConsentBlockedByPolicy => "Your tenant's policy does not let your account accept the permissions the wizard's sign-in app (Microsoft Graph Command Line Tools) asks for. Run the wizard as a Global Administrator, or ask one to grant consent to Microsoft Graph Command Line Tools for your organization first, or register your own sign-in app (see 'Using your own sign-in app' in the README) and enter its client ID under Options.",
            Code::AdminConsentRequired => "The wizard signs in through Microsoft Graph Command Line Tools, and in your tenant that app needs an administrator's approval before an account without an admin role can use it. Ask a Global Administrator to run the wizard (the permission PMPC needs must be granted by a Global or Privileged Role Administrator anyway), or to grant consent to Microsoft Graph Command Line Tools for your organization; or register your own sign-in app (see 'Using your own sign-in app' in the README) and enter its client ID under Options.",
            Code::DeviceCodeBlocked => "Your organization blocks sign-in with a code (Conditional Access). Use the browser sign-in instead.",
            Code::DeviceCodeExpired => "The sign-in code expired before it was used. Start again and enter the new code within 15 minutes.",
            Code::SessionExpired => "Your sign-in has expired. Sign in again; nothing done so far is lost.",
            Code::TokenInvalid => "Microsoft's answer to the sign-in did not check out. Sign in again; if it happens again, contact support.",
            Code::InsufficientPrivileges => "Your account lacks an admin role this step needs (creating the app and its entry in Enterprise applications takes an Application Administrator, a Cloud Application Administrator or a Global Administrator). Sign in as a Global Administrator, who can do every step, or ask one to run the wizard.",
            Code::ConsentRequiresPrivilegedRole => "Granting a Microsoft Graph application permission needs a Global Administrator or a Privileged Role Administrator. Send them the admin-consent link, or sign in as one of them and run the wizard again: it picks up where it stopped.",
            Code::StoppedBeforeCreating => "Nothing was created. Sign in as a Global Administrator or Privileged Role Administrator, or choose to continue and hand the consent step to one of them.",
            Code::AppNotFound => "The app registration is gone: someone deleted it (in the Azure portal, for example) after the wizard made or chose it. Run the wizard again: it makes a new one (nothing of the old one is reused).",
            Code::SecretPolicyBlocked => "Your tenant's app management policy does not allow client secrets for this app. An administrator must allow password credentials (Entra ID > App registrations policies) or exempt this app.",
            Code::SecretLifetimeTooLong => "Your tenant's policy caps how long a client secret may live. Choose a shorter lifetime (the secret is needed for 72 hours only).",
            Code::KeychainUnavailable => "The system keychain is not available. On Linux, start a desktop session with a Secret Service (GNOME Keyring or KWallet) and try again.",
            Code::KeychainLocked => "The system keychain is locked. Unlock it (log in to your desktop session or open your keyring) and try again.",
            Code::SecretMissing => "The client secret is not in this computer's keychain. Run the wizard again: it removes the unusable secret and makes a new one.",
            Code::VerificationFailed => "Microsoft did not confirm the permission in time. Wait a few minutes and run the check again; if it keeps failing, make sure admin consent was granted.",
            Code::RetriesExhausted => "Microsoft kept answering 'try again later'. Wait a few minutes and run the wizard again: it resumes where it stopped.",
            Code::Network => "Could not reach Microsoft. Check your internet connection (and proxy), then try again: the wizard resumes where it stopped.",
            Code::CertificateNotTrusted => "Your network's certificate is not trusted: a proxy or security gateway on your network inspects secure connections with a certificate this computer does not trust. Ask your IT department to install your organization's root certificate on this computer, or to let login.microsoftonline.com and graph.microsoft.com through uninspected, then try again.",
            Code::UnexpectedResponse => "Microsoft sent an answer the wizard could not read. Try again; if it happens again, contact support with the request ID.",
            Code::Journal => "The wizard could not save its progress file. Check that the data folder is writable and has free space.",
            Code::RunInProgress => "Another PMPC Recovery window or the command-line tool (pmpc-recovery-cli) is already working on this tenant. Finish or close it first, then try again: the wizard picks up where it stopped.",
            Code::Interrupted => "The run was interrupted. Start it again: it resumes where it stopped.",
            Code::Graph => "Microsoft Graph refused the request. Read the message; contact support with the request ID if it is unclear.",
            Code::NotSignedIn => "Sign in first.",
            Code::Internal => "Something unexpected went wrong. Try again, and contact support if it persists.",
        }
    }
}

/// An error as Graph or the identity platform reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "GraphErrorInfo.ts")]
pub struct GraphErrorInfo {
    /// HTTP status, or 0 when the connection failed before any status arrived.
    pub status: u16,
    /// Graph's `error.code` (e.g. `Request_ResourceNotFound`) or the identity platform's `error`.
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

#[cfg(test)]
impl GraphErrorInfo {
    /// An answer without a request id, for unit tests of the tables that read answers.
    pub(crate) fn answer(status: u16, code: &str, message: &str) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            request_id: None,
        }
    }
}

impl std::fmt::Display for GraphErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.status == 0 {
            write!(f, "{}: {}", self.code, self.message)
        } else {
            write!(f, "HTTP {} {}: {}", self.status, self.code, self.message)
        }
    }
}

/// What a front end shows for a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "ErrorInfo.ts")]
pub struct ErrorInfo {
    pub code: Code,
    pub message: String,
    pub remedy: String,
    pub request_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("sign-in was cancelled ({0})")]
    SignInCancelled(String),
    #[error("sign-in timed out")]
    SignInTimedOut,
    #[error("sign-in failed: {0}")]
    SignInFailed(GraphErrorInfo),
    #[error("the sign-in was interrupted before Microsoft's answer arrived ({0})")]
    SignInInterrupted(String),
    #[error("your tenant does not allow this sign-in app: {0}")]
    SignInAppBlocked(GraphErrorInfo),
    #[error("Conditional Access blocked the sign-in: {0}")]
    ConditionalAccessBlocked(GraphErrorInfo),
    #[error(
        "the tenant's policy does not let this account accept the sign-in app's permissions: {0}"
    )]
    ConsentBlockedByPolicy(GraphErrorInfo),
    #[error("the sign-in app needs an administrator's approval in this tenant: {0}")]
    AdminConsentRequired(GraphErrorInfo),
    #[error("device code sign-in is blocked in this tenant: {0}")]
    DeviceCodeBlocked(GraphErrorInfo),
    #[error("the device code expired")]
    DeviceCodeExpired,
    #[error("the session expired: {0}")]
    SessionExpired(String),
    #[error("token check failed: {0}")]
    TokenInvalid(String),
    #[error("insufficient privileges: {0}")]
    InsufficientPrivileges(GraphErrorInfo),
    #[error("granting AuditLog.Read.All needs a Global or Privileged Role Administrator: {0}")]
    ConsentRequiresPrivilegedRole(GraphErrorInfo),
    #[error("stopped before creating anything: the signed-in account cannot grant admin consent")]
    StoppedBeforeCreating,
    #[error("the app registration {0} was not found")]
    AppNotFound(String),
    #[error("the tenant's policy blocks client secrets: {0}")]
    SecretPolicyBlocked(GraphErrorInfo),
    #[error("the tenant's policy caps the client secret's lifetime: {0}")]
    SecretLifetimeTooLong(GraphErrorInfo),
    #[error("the keychain is not available: {0}")]
    KeychainUnavailable(String),
    #[error("the keychain is locked: {0}")]
    KeychainLocked(String),
    #[error("the client secret is not in the keychain")]
    SecretMissing,
    #[error("verification failed: {0}")]
    VerificationFailed(String),
    #[error("gave up after {attempts} attempts over {seconds:.0} s: {last}")]
    RetriesExhausted {
        attempts: u32,
        seconds: f64,
        last: GraphErrorInfo,
    },
    #[error("network error: {0}")]
    Network(String),
    #[error("your network's certificate is not trusted: {0}")]
    UntrustedCertificate(String),
    #[error("unexpected response: {0}")]
    UnexpectedResponse(GraphErrorInfo),
    #[error("journal: {0}")]
    Journal(String),
    #[error(
        "another PMPC Recovery window or the command-line tool is already working on tenant {0}"
    )]
    RunInProgress(String),
    #[error("interrupted at {0}")]
    Interrupted(String),
    #[error("{0}")]
    Graph(GraphErrorInfo),
    #[error("not signed in")]
    NotSignedIn,
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::InvalidInput(_) => Code::InvalidInput,
            Error::SignInCancelled(_) => Code::SignInCancelled,
            Error::SignInTimedOut => Code::SignInTimedOut,
            Error::SignInFailed(_) => Code::SignInFailed,
            Error::SignInInterrupted(_) => Code::SignInInterrupted,
            Error::SignInAppBlocked(_) => Code::SignInAppBlocked,
            Error::ConditionalAccessBlocked(_) => Code::ConditionalAccessBlocked,
            Error::ConsentBlockedByPolicy(_) => Code::ConsentBlockedByPolicy,
            Error::AdminConsentRequired(_) => Code::AdminConsentRequired,
            Error::DeviceCodeBlocked(_) => Code::DeviceCodeBlocked,
            Error::DeviceCodeExpired => Code::DeviceCodeExpired,
            Error::SessionExpired(_) => Code::SessionExpired,
            Error::TokenInvalid(_) => Code::TokenInvalid,
            Error::InsufficientPrivileges(_) => Code::InsufficientPrivileges,
            Error::ConsentRequiresPrivilegedRole(_) => Code::ConsentRequiresPrivilegedRole,
            Error::StoppedBeforeCreating => Code::StoppedBeforeCreating,
            Error::AppNotFound(_) => Code::AppNotFound,
            Error::SecretPolicyBlocked(_) => Code::SecretPolicyBlocked,
            Error::SecretLifetimeTooLong(_) => Code::SecretLifetimeTooLong,
            Error::KeychainUnavailable(_) => Code::KeychainUnavailable,
            Error::KeychainLocked(_) => Code::KeychainLocked,
            Error::SecretMissing => Code::SecretMissing,
            Error::VerificationFailed(_) => Code::VerificationFailed,
            Error::RetriesExhausted { .. } => Code::RetriesExhausted,
            Error::Network(_) => Code::Network,
            Error::UntrustedCertificate(_) => Code::CertificateNotTrusted,
            Error::UnexpectedResponse(_) => Code::UnexpectedResponse,
            Error::Journal(_) => Code::Journal,
            Error::RunInProgress(_) => Code::RunInProgress,
            Error::Interrupted(_) => Code::Interrupted,
            Error::Graph(_) => Code::Graph,
            Error::NotSignedIn => Code::NotSignedIn,
            Error::Internal(_) => Code::Internal,
        }
    }

    pub fn graph_error(&self) -> Option<&GraphErrorInfo> {
        match self {
            Error::SignInFailed(g)
            | Error::DeviceCodeBlocked(g)
            | Error::ConditionalAccessBlocked(g)
            | Error::ConsentBlockedByPolicy(g)
            | Error::AdminConsentRequired(g)
            | Error::SignInAppBlocked(g)
            | Error::InsufficientPrivileges(g)
            | Error::ConsentRequiresPrivilegedRole(g)
            | Error::SecretPolicyBlocked(g)
            | Error::SecretLifetimeTooLong(g)
            | Error::UnexpectedResponse(g)
            | Error::Graph(g)
            | Error::RetriesExhausted { last: g, .. } => Some(g),
            _ => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        self.graph_error().and_then(|g| g.request_id.as_deref())
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo {
            code: self.code(),
            message: self.to_string(),
            remedy: self.code().remedy().to_string(),
            request_id: self.request_id().map(str::to_string),
        }
    }
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        e.info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_info_serializes_with_a_stable_code() {
        let e = Error::ConsentRequiresPrivilegedRole(GraphErrorInfo {
            status: 403,
            code: "Authorization_RequestDenied".into(),
            message: "Insufficient privileges to complete the operation.".into(),
            request_id: Some("r-1".into()),
        });
        let v = serde_json::to_value(e.info()).unwrap();
        assert_eq!(v["code"], "consentRequiresPrivilegedRole");
        assert_eq!(v["requestId"], "r-1");
        assert!(v["remedy"]
            .as_str()
            .unwrap()
            .contains("Privileged Role Administrator"));
        assert!(v["message"].as_str().unwrap().contains("HTTP 403"));
    }

    #[test]
    fn every_code_has_a_remedy_sentence() {
        let all = [
            Code::InvalidInput,
            Code::SignInCancelled,
            Code::ConsentRequiresPrivilegedRole,
            Code::KeychainLocked,
            Code::RetriesExhausted,
            Code::Internal,
        ];
        for c in all {
            assert!(c.remedy().ends_with('.'), "{c:?}");
        }
    }
}
