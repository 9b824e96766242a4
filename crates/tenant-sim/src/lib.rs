//! Entra ID + Microsoft Graph v1.0 emulator (being built: see issue 3).
