//! The receipt as JSON: the same content as the page, for tools and the change ticket's
//! attachments.

use super::Receipt;

impl Receipt {
    /// Pretty-printed, ending in a newline.
    pub fn to_json(&self) -> String {
        // A plain struct of strings, numbers and booleans: serializing it cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}
