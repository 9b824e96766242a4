//! Signing and verifying tokens with the current key (and rollover), the v2.0 issuer, and the
//! public origin of the request being served.

use serde_json::Value;

use super::Sim;
use crate::tokens::{self, SigningKey};

tokio::task_local! {
    /// The public origin of the request being served (set by `server::public_origin_layer`).
    pub(crate) static REQUEST_ORIGIN: String;
}

impl Sim {
    /// The key that signs tokens now.
    pub fn signing_key(&self) -> &'static SigningKey {
        let keys = tokens::keys();
        &keys[self.key_index % keys.len()]
    }

    /// What the JWKS publishes: the current key, then (after a rollover) the previous one.
    pub fn published_keys(&self) -> Vec<&'static SigningKey> {
        let keys = tokens::keys();
        let mut published = vec![self.signing_key()];
        if self.rotations > 0 {
            published.push(&keys[(self.key_index + keys.len() - 1) % keys.len()]);
        }
        published
    }

    /// Signs a token: with the current key, or (`rogue_signing`) with the rogue key under the
    /// current key's kid.
    pub fn sign(&self, claims: &Value) -> String {
        let current = self.signing_key();
        if self.scenario.rogue_signing {
            tokens::rogue().sign_as(claims, &current.kid)
        } else {
            current.sign(claims)
        }
    }

    /// Verifies a token the way a relying party does: against the published keys.
    pub fn verify(&self, token: &str) -> Result<Value, String> {
        tokens::verify_with(&self.published_keys(), token, self.clock.unix())
    }

    /// The v2.0 issuer of tenant `tid`: `{issuerHost or the public origin}/{tid}/v2.0`.
    pub fn issuer(&self, tid: &str) -> String {
        let host = match &self.scenario.issuer_host {
            Some(h) => h.trim_end_matches('/').to_string(),
            None => self.public_origin(),
        };
        format!("{host}/{tid}/v2.0")
    }

    /// The origin clients reach the simulator by, named in discovery, device codes, issuers,
    /// `@odata.context` and `Location` headers: `Options::public_origin`, else the current
    /// request's `X-Forwarded-Proto`/`X-Forwarded-Host` (see `server::public_origin_of`), else
    /// the listening origin. Entra's discovery never names two hosts, so neither does this.
    pub fn public_origin(&self) -> String {
        REQUEST_ORIGIN.try_with(Clone::clone).unwrap_or_else(|_| {
            self.public_origin
                .clone()
                .unwrap_or_else(|| self.origin.clone())
        })
    }
}
