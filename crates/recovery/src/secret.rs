//! A redacting wrapper for tokens and the client secret.
//!
//! `Debug` and `Display` print `[redacted]`, and there is no `Serialize`: a secret reaches a log, the
//! journal or the UI only through an explicit call to [`Secret::expose`].

use std::fmt;

/// A secret string: an access or refresh token, or the app's client secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The plain value. Every call site is a place where the secret leaves this wrapper on purpose.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first three characters, as Microsoft shows them (`hint`).
    pub fn hint(&self) -> String {
        self.0.chars().take(3).collect()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("abc~very-secret-value");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
        assert_eq!(s.expose(), "abc~very-secret-value");
        assert_eq!(s.hint(), "abc");
    }
}
