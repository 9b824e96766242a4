//! RS256 signing with the emulator's own test key, the JWKS that verifies it, and token checks.
//!
//! The key in `keys/test-signing-key.pem` is test key material of this emulator only: it signs
//! tokens for loopback tests and practice mode and guards nothing.

use std::sync::OnceLock;

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const KEY_PEM: &str = include_str!("keys/test-signing-key.pem");

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

/// The process-wide signing key (parsed once).
pub fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        #[allow(clippy::expect_used)] // the embedded key is a compile-time constant
        let private = rsa::RsaPrivateKey::from_pkcs1_pem(KEY_PEM).expect("embedded test key");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let n = b64.encode(private.n().to_bytes_be());
        let e = b64.encode(private.e().to_bytes_be());
        // Entra's kid is the certificate's SHA-1 thumbprint, base64url; ours is a hash of n.
        let kid = b64.encode(&Sha256::digest(n.as_bytes())[..20]);
        #[allow(clippy::expect_used)]
        let encoding = EncodingKey::from_rsa_pem(KEY_PEM.as_bytes()).expect("embedded test key");
        #[allow(clippy::expect_used)]
        let decoding = DecodingKey::from_rsa_components(&n, &e).expect("embedded test key");
        SigningKey {
            kid,
            n,
            e,
            encoding,
            decoding,
        }
    })
}

impl SigningKey {
    /// The JWKS document (`/{tenant}/discovery/v2.0/keys`).
    pub fn jwks(&self, issuer: &str) -> Value {
        json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "kid": self.kid,
                "n": self.n,
                "e": self.e,
                "alg": "RS256",
                "issuer": issuer,
            }]
        })
    }

    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
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
        let k = key();
        let t = k.sign(&json!({"exp": 2000, "tid": "x"}));
        assert_eq!(k.verify(&t, 1000).unwrap()["tid"], "x");
        assert_eq!(k.verify(&t, 2000).unwrap_err(), "expired");
        let mut bad = t.clone();
        bad.push('A');
        assert!(k.verify(&bad, 1000).is_err());
        assert_eq!(k.jwks("i")["keys"][0]["kid"], k.kid.as_str());
    }
}
