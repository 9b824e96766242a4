//! The IPC error: the core's `ErrorInfo` (`{ code, message, remedy, requestId }`), so the UI switches
//! on a stable code and never on English text.

use recovery::{Code, Error, ErrorInfo, RunError};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct IpcError(ErrorInfo);

pub type IpcResult<T> = Result<T, IpcError>;

impl From<Error> for IpcError {
    fn from(e: Error) -> Self {
        let info = e.info();
        // The support log's record of a failure, with the code as the UI and diagnostics spell it
        // (the message is the user's, so it holds no secret).
        let code = serde_json::to_value(info.code).unwrap_or_default();
        tracing::warn!(error_code = %code, request_id = ?info.request_id, "{}", info.message);
        Self(info)
    }
}

/// A refusal of an action on a recorded run, in the core's words; the core's own errors as above.
impl From<RunError> for IpcError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Core(e) => e.into(),
            refused => Self(refused.info()),
        }
    }
}

impl IpcError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self(ErrorInfo {
            code,
            message: message.into(),
            remedy: code.remedy().into(),
            request_id: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_message_remedy() {
        let json = serde_json::to_value(IpcError::new(Code::NotSignedIn, "no session")).unwrap();
        assert_eq!(json["code"], "notSignedIn");
        assert_eq!(json["message"], "no session");
        assert_eq!(json["remedy"], Code::NotSignedIn.remedy());
        assert!(json["requestId"].is_null());
    }
}
