//! DPoP proofs (RFC 9449 section 4.2) as a client signs them, well-formed
//! or broken, for testing a resource server that accepts DPoP-bound tokens.

use openssl::hash::{hash, MessageDigest};
use serde_json::Value;

use super::b64::b64url;
use super::error::IssuerError;
use super::key::TestKey;
use super::token::TokenBuilder;

/// Builds a DPoP proof JWT: a header of `typ: "dpop+jwt"`, the key's `alg`
/// and its public `jwk` (the RFC 7638 members only, as clients send it),
/// and the claims `jti`, `htm`, `htu`, `iat` (and `ath` once an access
/// token is given). Any member can then be changed, added or removed to
/// make a broken proof.
///
/// Unless set with [`jti`](Self::jti), the `jti` is derived from the key,
/// the method, the URI, `iat` and `ath`: proofs are repeatable (with an
/// Ed25519 or RSA key, byte for byte), and two built alike are the same
/// proof, which a verifier must take once only.
///
/// ```
/// use oidc_jwt_verifier_testkit::{DpopProofBuilder, FixedKey, TestKey};
///
/// let client_key = TestKey::fixed(FixedKey::Ed25519)?;
/// let proof = DpopProofBuilder::new(&client_key, "GET", "https://api.example.test/orders", 1_767_225_600)
///     .access_token("the.access.token")
///     .sign(&client_key)?;
/// assert_eq!(proof.split('.').count(), 3);
/// // The access token binds this key with `"cnf": {"jkt": client_key.thumbprint()}`.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DpopProofBuilder {
    token: TokenBuilder,
    jti_set: bool,
    thumbprint: String,
}

impl DpopProofBuilder {
    /// A proof by `key` for a `method` request to `uri` (send it without
    /// query and fragment, as RFC 9449 says), issued at `iat`.
    pub fn new(key: &TestKey, method: &str, uri: &str, iat: u64) -> Self {
        let token = TokenBuilder::new()
            .header("typ", Value::from("dpop+jwt"))
            .header("alg", Value::from(key.alg().name()))
            .header("jwk", key.public_members())
            .claim("jti", Value::from(""))
            .claim("htm", Value::from(method))
            .claim("htu", Value::from(uri))
            .claim("iat", Value::from(iat));
        DpopProofBuilder {
            token,
            jti_set: false,
            thumbprint: key.thumbprint().to_owned(),
        }
    }

    /// Sets `ath` to the hash of `access_token` (required at a resource server).
    pub fn access_token(self, access_token: &str) -> Self {
        self.claim("ath", Value::from(access_token_hash(access_token)))
    }

    /// Sets the `jti`.
    pub fn jti(mut self, jti: &str) -> Self {
        self.jti_set = true;
        self.claim("jti", Value::from(jti))
    }

    /// Sets header member `name`.
    pub fn header(mut self, name: &str, value: Value) -> Self {
        self.token = self.token.header(name, value);
        self
    }

    /// Removes header member `name`.
    pub fn remove_header(mut self, name: &str) -> Self {
        self.token = self.token.remove_header(name);
        self
    }

    /// Sets claim `name` (`jti` included: it is then kept as given).
    pub fn claim(mut self, name: &str, value: Value) -> Self {
        self.jti_set |= name == "jti";
        self.token = self.token.claim(name, value);
        self
    }

    /// Removes claim `name`.
    pub fn remove_claim(mut self, name: &str) -> Self {
        self.jti_set |= name == "jti";
        self.token = self.token.remove_claim(name);
        self
    }

    /// Signs with `key` (the header's `alg`, as [`TokenBuilder::sign`]); a
    /// key other than the one in the header makes a proof whose signature
    /// does not verify.
    pub fn sign(&self, key: &TestKey) -> Result<String, IssuerError> {
        self.with_jti().sign(key)
    }

    /// The proof with this signature, as bytes (base64url-encoded).
    pub fn with_signature(&self, signature: &[u8]) -> String {
        self.with_jti().with_signature(signature)
    }

    /// The token builder with the derived `jti` put in.
    fn with_jti(&self) -> TokenBuilder {
        if self.jti_set {
            return self.token.clone();
        }
        let seed = format!("{}.{}", self.thumbprint, self.token.signing_input());
        let jti = sha256(seed.as_bytes()).map(|digest| b64url(&digest[..16]));
        self.token
            .clone()
            .claim("jti", Value::from(jti.unwrap_or_default()))
    }
}

/// RFC 9449 `ath`: base64url of the SHA-256 of the access token.
pub fn access_token_hash(access_token: &str) -> String {
    sha256(access_token.as_bytes())
        .map(b64url)
        .unwrap_or_default()
}

/// RFC 8705 `x5t#S256`: base64url of the SHA-256 of a DER certificate.
pub fn certificate_thumbprint(der: &[u8]) -> String {
    sha256(der).map(b64url).unwrap_or_default()
}

fn sha256(bytes: &[u8]) -> Option<Vec<u8>> {
    hash(MessageDigest::sha256(), bytes)
        .ok()
        .map(|d| d.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::b64url_decode;
    use crate::FixedKey;

    fn decode(part: &str) -> serde_json::Map<String, Value> {
        serde_json::from_slice(&b64url_decode(part).unwrap()).unwrap()
    }

    #[test]
    fn a_proof_carries_the_public_key_and_the_request() {
        let key = TestKey::fixed(FixedKey::Ed25519).unwrap();
        let builder =
            DpopProofBuilder::new(&key, "POST", "https://a.test/t", 100).access_token("tok");
        let proof = builder.sign(&key).unwrap();
        assert_eq!(proof, builder.sign(&key).unwrap(), "repeatable");
        let parts: Vec<&str> = proof.split('.').collect();
        let (header, claims) = (decode(parts[0]), decode(parts[1]));
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(
            Value::Object(header["jwk"].as_object().unwrap().clone()),
            key.public_members()
        );
        assert!(header["jwk"].get("d").is_none());
        assert_eq!(
            (claims["htm"].as_str(), claims["htu"].as_str()),
            (Some("POST"), Some("https://a.test/t"))
        );
        assert_eq!(claims["ath"], access_token_hash("tok"));
        let other = DpopProofBuilder::new(&key, "POST", "https://a.test/t", 101)
            .sign(&key)
            .unwrap();
        assert_ne!(
            decode(other.split('.').nth(1).unwrap())["jti"],
            claims["jti"]
        );
        let fixed = builder.jti("j-1").sign(&key).unwrap();
        assert_eq!(decode(fixed.split('.').nth(1).unwrap())["jti"], "j-1");
    }

    /// RFC 9449 section 7.1: the `ath` of the example access token.
    #[test]
    fn the_rfc9449_example_ath() {
        assert_eq!(
            access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }
}
