//! RS256 signing with the emulator's own test keys, the JWKS that verifies them, and token checks.
//!
//! The keys in `keys/*.pem` are test key material of this emulator only: they sign tokens for
//! loopback tests and practice mode and guard nothing. Three legitimate keys emulate Entra's
//! signing-key rollover, which "could be rolled over immediately" in an emergency and after which
//! clients must refetch the keys
//! (<https://learn.microsoft.com/entra/identity-platform/signing-key-rollover>); a fourth, rogue
//! key is never published and emulates a forged token.

use std::sync::OnceLock;

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The legitimate signing keys, in rollover order (`RunningSim::rotate_signing_key` moves to the next).
const KEY_PEMS: [&str; 3] = [
    include_str!("keys/test-signing-key.pem"),
    include_str!("keys/test-signing-key-2.pem"),
    include_str!("keys/test-signing-key-3.pem"),
];
/// A key that never appears in any JWKS: `Scenario::rogue_signing` signs with it (a forgery).
const ROGUE_PEM: &str = include_str!("keys/rogue-signing-key.pem");

/// The keys' public halves, precomputed: tenant-sim needs no RSA arithmetic at run time to
/// publish them (the `rsa` crate is only its dev-dependency; the app ships `rsa` anyway, through
/// openidconnect, which verifies ID-token signatures with it).
#[path = "keys/public.rs"]
mod public;

pub struct SigningKey {
    pub kid: String,
    n: String,
    e: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn parse(pem: &str, (n, e): (&str, &str)) -> SigningKey {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (n, e) = (n.to_string(), e.to_string());
    // Entra's kid is the certificate's SHA-1 thumbprint, base64url; ours is a hash of n.
    let kid = b64.encode(&Sha256::digest(n.as_bytes())[..20]);
    #[allow(clippy::expect_used)] // the embedded keys are compile-time constants
    let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("embedded test key");
    #[allow(clippy::expect_used)]
    let decoding = DecodingKey::from_rsa_components(&n, &e).expect("embedded test key");
    SigningKey {
        kid,
        n,
        e,
        encoding,
        decoding,
    }
}

/// The legitimate signing keys (parsed once), in rollover order.
pub fn keys() -> &'static [SigningKey] {
    static KEYS: OnceLock<Vec<SigningKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        KEY_PEMS
            .iter()
            .zip(public::KEY_PUBLIC)
            .map(|(pem, ne)| parse(pem, ne))
            .collect()
    })
}

/// The rogue key (never published).
pub fn rogue() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| parse(ROGUE_PEM, public::ROGUE_PUBLIC))
}

/// The JWKS document (`/{tenant}/discovery/v2.0/keys`) publishing `published`, in order.
pub fn jwks(published: &[&SigningKey], issuer: &str) -> Value {
    let keys: Vec<Value> = published
        .iter()
        .map(|k| {
            json!({
                "kty": "RSA",
                "use": "sig",
                "kid": k.kid,
                "n": k.n,
                "e": k.e,
                "alg": "RS256",
                "issuer": issuer,
            })
        })
        .collect();
    json!({ "keys": keys })
}

/// Verifies a token against the published keys (picked by the header's `kid`, as a relying
/// party does) and, against `now_unix`, its expiry; returns the claims.
pub fn verify_with(published: &[&SigningKey], token: &str, now_unix: i64) -> Result<Value, String> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| format!("{e}"))?;
    let kid = header.kid.unwrap_or_default();
    let key = published
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| format!("unknown kid {kid:?}"))?;
    key.verify(token, now_unix)
}

impl SigningKey {
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(claims, &self.kid)
    }

    /// Signs with this key but names `kid` in the header (a forgery when `kid` is another key's).
    pub fn sign_as(&self, claims: &Value, kid: &str) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_string());
        header.typ = Some("JWT".into());
        // Signing with a valid embedded key cannot fail; an empty string would be refused anyway.
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap_or_default()
    }

    /// Verifies signature and (against `now_unix`) expiry; returns the claims.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<Value, String> {
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        let data =
            jsonwebtoken::decode::<Value>(token, &self.decoding, &v).map_err(|e| format!("{e}"))?;
        let exp = data.claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp <= now_unix {
            return Err("expired".into());
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_and_expiry() {
        let k = &keys()[0];
        let t = k.sign(&json!({"exp": 2000, "tid": "x"}));
        assert_eq!(k.verify(&t, 1000).unwrap()["tid"], "x");
        assert_eq!(k.verify(&t, 2000).unwrap_err(), "expired");
        let mut bad = t.clone();
        bad.push('A');
        assert!(k.verify(&bad, 1000).is_err());
        assert_eq!(jwks(&[k], "i")["keys"][0]["kid"], k.kid.as_str());
    }

    #[test]
    fn precomputed_public_keys_match_the_pems() {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::traits::PublicKeyParts;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let pems = KEY_PEMS.iter().chain([&ROGUE_PEM]);
        let publics = public::KEY_PUBLIC.iter().chain([&public::ROGUE_PUBLIC]);
        for (pem, (n, e)) in pems.zip(publics) {
            let private = rsa::RsaPrivateKey::from_pkcs1_pem(pem).unwrap();
            assert_eq!(b64.encode(private.n().to_bytes_be()), *n);
            assert_eq!(b64.encode(private.e().to_bytes_be()), *e);
        }
    }

    #[test]
    fn keys_differ_and_forgeries_fail() {
        let ks = keys();
        assert_eq!(ks.len(), 3);
        assert_ne!(ks[0].kid, ks[1].kid);
        assert_ne!(ks[1].kid, ks[2].kid);
        assert!(ks.iter().all(|k| k.kid != rogue().kid));
        let forged = rogue().sign_as(&json!({"exp": 2000}), &ks[0].kid);
        assert!(verify_with(&[&ks[0]], &forged, 1000).is_err());
        let real = ks[1].sign(&json!({"exp": 2000}));
        assert!(verify_with(&[&ks[0]], &real, 1000)
            .unwrap_err()
            .starts_with("unknown kid"));
        assert!(verify_with(&[&ks[1], &ks[0]], &real, 1000).is_ok());
    }
}
