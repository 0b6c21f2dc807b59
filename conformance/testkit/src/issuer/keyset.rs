//! A test issuer: a rotating set of signing keys, its JWKS and discovery
//! document.

use serde_json::{json, Map, Value};

use super::alg::KeyKind;
use super::b64::b64url;
use super::error::IssuerError;
use super::key::TestKey;
use super::token::TokenBuilder;

/// Which older keys a rotation keeps publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retire {
    /// Keep every older key in the JWKS.
    Nothing,
    /// Keep only the `n` most recent older keys (0 retires them all).
    KeepLast(usize),
}

/// An issuer for tests: signs with its newest key and publishes all its
/// current keys.
///
/// ```
/// use oidc_jwt_verifier_testkit::{Issuer, KeyKind, Retire};
/// use serde_json::json;
///
/// let mut issuer = Issuer::new("https://id.example.test/", KeyKind::P256)?;
/// let first = issuer.signing_key().kid().to_owned();
/// issuer.rotate(Retire::Nothing)?;
/// assert_eq!(issuer.jwks()["keys"].as_array().map(Vec::len), Some(2));
/// assert_ne!(issuer.signing_key().kid(), first);
///
/// let token = issuer
///     .token()
///     .claim("aud", json!("https://api.example.test"))
///     .claim("exp", json!(4102444800_u64))
///     .sign(issuer.signing_key())?;
/// assert!(token.starts_with("eyJ"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Issuer {
    issuer: String,
    current: TestKey,
    /// Older keys still published, oldest first.
    previous: Vec<TestKey>,
}

impl Issuer {
    /// An issuer named `issuer` (the `iss` value) with one fresh key of `kind`.
    pub fn new(issuer: impl Into<String>, kind: KeyKind) -> Result<Self, IssuerError> {
        Ok(Self::with_key(issuer, TestKey::generate(kind)?))
    }

    /// An issuer named `issuer` signing with `key` (e.g. a fixed key).
    pub fn with_key(issuer: impl Into<String>, key: TestKey) -> Self {
        Self {
            issuer: issuer.into(),
            current: key,
            previous: Vec::new(),
        }
    }

    /// The issuer identifier, the `iss` value of its tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The newest key, which signs new tokens.
    pub fn signing_key(&self) -> &TestKey {
        &self.current
    }

    /// Every published key, oldest first, the signing key last.
    pub fn keys(&self) -> impl Iterator<Item = &TestKey> {
        self.previous.iter().chain(std::iter::once(&self.current))
    }

    /// The published key with this key id.
    pub fn key(&self, kid: &str) -> Option<&TestKey> {
        self.keys().find(|key| key.kid() == kid)
    }

    /// Generates a new key of the signing key's kind and algorithm, makes it
    /// the signing key and retires older keys as `retire` says.
    pub fn rotate(&mut self, retire: Retire) -> Result<&TestKey, IssuerError> {
        let next = TestKey::generate(self.current.kind())?.with_alg(self.current.alg())?;
        Ok(self.rotate_to(next, retire))
    }

    /// Makes `key` the signing key and retires older keys as `retire` says.
    pub fn rotate_to(&mut self, key: TestKey, retire: Retire) -> &TestKey {
        let old = std::mem::replace(&mut self.current, key);
        self.previous.push(old);
        if let Retire::KeepLast(keep) = retire {
            let drop = self.previous.len().saturating_sub(keep);
            self.previous.drain(..drop);
        }
        &self.current
    }

    /// Stops publishing the older key `kid`; the signing key cannot be
    /// retired this way (rotate first).
    pub fn retire(&mut self, kid: &str) -> Option<TestKey> {
        let index = self.previous.iter().position(|key| key.kid() == kid)?;
        Some(self.previous.remove(index))
    }

    /// The JWK Set document: `{"keys": [...]}`, oldest key first.
    pub fn jwks(&self) -> Value {
        let keys: Vec<&TestKey> = self.keys().collect();
        jwks_of(&keys)
    }

    /// An OpenID Connect discovery document naming this issuer, `jwks_uri`
    /// and the algorithms of the published keys.
    pub fn discovery_document(&self, jwks_uri: &str) -> Value {
        let mut document = discovery_document(&self.issuer, jwks_uri);
        let mut algs: Vec<&str> = self.keys().map(|key| key.alg().name()).collect();
        algs.sort_unstable();
        algs.dedup();
        if let Some(members) = document.as_object_mut() {
            members.insert("id_token_signing_alg_values_supported".into(), json!(algs));
        }
        document
    }

    /// A token builder with the signing key's header (`alg`, `kid`, `typ`)
    /// and the `iss` claim set.
    pub fn token(&self) -> TokenBuilder {
        TokenBuilder::for_key(&self.current).claim("iss", Value::String(self.issuer.clone()))
    }

    /// Signs `claims` (after `iss`, which `claims` may override) with the
    /// signing key.
    pub fn mint(&self, claims: &Map<String, Value>) -> Result<String, IssuerError> {
        self.token().claims(claims).sign(&self.current)
    }
}

/// The JWK Set publishing `keys`' public JWKs, in that order:
/// `{"keys": [...]}`.
pub fn jwks_of(keys: &[&TestKey]) -> Value {
    let keys: Vec<Value> = keys.iter().map(|key| key.public_jwk()).collect();
    json!({ "keys": keys })
}

/// A minimal OpenID Connect discovery document (OpenID Connect Discovery
/// 1.0 section 3): `issuer`, `jwks_uri` and the required
/// `response_types_supported` and `subject_types_supported`.
pub fn discovery_document(issuer: &str, jwks_uri: &str) -> Value {
    json!({
        "issuer": issuer,
        "jwks_uri": jwks_uri,
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
    })
}

/// `count` public RSA JWKs (`kid` `filler-0`, `filler-1`, ...; `alg`
/// RS256, `e` 65537) whose moduli are random odd numbers of exactly `bits`
/// bits. Verifiers check a public key's size and form, not that its modulus
/// is a product of two primes, so these are usable keys; they match no
/// token (nobody holds a private key for them), and at large sizes they
/// are costly to parse: pad a key set with them to test its limits, or a
/// verifier that parses it.
pub fn filler_rsa_jwks(count: usize, bits: u32) -> Result<Vec<Value>, IssuerError> {
    let bytes = usize::try_from(bits.div_ceil(8))
        .map_err(|error| IssuerError::UnsupportedKey(error.to_string()))?;
    if bits < 2 {
        return Err(IssuerError::UnsupportedKey(format!(
            "an RSA modulus of {bits} bits"
        )));
    }
    let mut keys = Vec::with_capacity(count);
    for index in 0..count {
        let mut modulus = vec![0_u8; bytes];
        openssl::rand::rand_bytes(&mut modulus)?;
        // Exactly `bits` bits: the top one set, those above it clear.
        let spare = bytes * 8 - usize::try_from(bits).unwrap_or(0);
        modulus[0] &= 0xff >> spare;
        modulus[0] |= 0x80 >> spare;
        modulus[bytes - 1] |= 1;
        keys.push(json!({
            "kty": "RSA",
            "kid": format!("filler-{index}"),
            "alg": "RS256",
            "use": "sig",
            "n": b64url(modulus),
            "e": "AQAB",
        }));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::test_support::{josekit_verifies, segment_text};
    use crate::issuer::{FixedKey, SigningAlg};

    fn kids(issuer: &Issuer) -> Vec<String> {
        issuer.keys().map(|key| key.kid().to_owned()).collect()
    }

    fn fixed_issuer() -> Issuer {
        Issuer::with_key(
            "https://id.example.test/",
            TestKey::fixed(FixedKey::Ed25519).unwrap(),
        )
    }

    #[test]
    fn filler_keys_are_odd_moduli_of_exactly_the_size_asked() {
        let keys = filler_rsa_jwks(3, 2050).unwrap();
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[2]["kid"], "filler-2");
        for key in &keys {
            let n = crate::issuer::b64url_decode(key["n"].as_str().unwrap()).unwrap();
            assert_eq!(n.len(), 257);
            assert_eq!(n[0] >> 1, 1, "bit 2049 set, none above: {:#x}", n[0]);
            assert_eq!(n[256] & 1, 1);
        }
        assert_ne!(keys[0]["n"], keys[1]["n"]);
        let exact = filler_rsa_jwks(1, 2048).unwrap();
        let n = crate::issuer::b64url_decode(exact[0]["n"].as_str().unwrap()).unwrap();
        assert_eq!((n.len(), n[0] & 0x80), (256, 0x80));
        assert!(filler_rsa_jwks(1, 1).is_err());
    }

    #[test]
    fn rotation_adds_a_key_of_the_same_kind_and_alg() {
        let mut issuer = Issuer::new("https://id.example.test/", KeyKind::P384).unwrap();
        let first = issuer.signing_key().kid().to_owned();
        let second = issuer.rotate(Retire::Nothing).unwrap().kid().to_owned();
        assert_ne!(first, second);
        assert_eq!(kids(&issuer), [first, second]);
        assert_eq!(issuer.signing_key().alg(), SigningAlg::Es384);
    }

    #[test]
    fn retire_keeps_only_the_last_older_keys() {
        let mut issuer = fixed_issuer();
        let a = TestKey::fixed(FixedKey::Ed448).unwrap();
        let b = TestKey::fixed(FixedKey::P256).unwrap();
        let c = TestKey::fixed(FixedKey::P521).unwrap();
        issuer.rotate_to(a, Retire::Nothing);
        issuer.rotate_to(b, Retire::Nothing);
        assert_eq!(kids(&issuer), ["ed25519", "ed448", "ec-p256"]);
        issuer.rotate_to(c, Retire::KeepLast(1));
        assert_eq!(kids(&issuer), ["ec-p256", "ec-p521"]);
        issuer.rotate(Retire::KeepLast(0)).unwrap();
        assert_eq!(issuer.keys().count(), 1);
        assert_eq!(issuer.signing_key().kind(), KeyKind::P521);
    }

    #[test]
    fn retire_removes_an_older_key_but_never_the_signing_key() {
        let mut issuer = fixed_issuer();
        issuer.rotate_to(TestKey::fixed(FixedKey::Ed448).unwrap(), Retire::Nothing);
        assert!(issuer.retire("ed448").is_none());
        assert_eq!(
            issuer
                .retire("ed25519")
                .map(|key| key.kid().to_owned())
                .as_deref(),
            Some("ed25519")
        );
        assert_eq!(kids(&issuer), ["ed448"]);
        assert!(issuer.key("ed448").is_some());
        assert!(issuer.key("ed25519").is_none());
    }

    #[test]
    fn jwks_lists_every_public_key() {
        let mut issuer = fixed_issuer();
        issuer.rotate_to(TestKey::fixed(FixedKey::Rsa2048A).unwrap(), Retire::Nothing);
        let jwks = issuer.jwks();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            keys[0],
            TestKey::fixed(FixedKey::Ed25519).unwrap().public_jwk()
        );
        assert_eq!(keys[1]["kid"], "rsa2048-a");
        assert!(keys.iter().all(|key| key.get("d").is_none()));
    }

    #[test]
    fn discovery_documents_name_issuer_and_jwks_uri() {
        let mut issuer = fixed_issuer();
        issuer.rotate_to(TestKey::fixed(FixedKey::Rsa2048A).unwrap(), Retire::Nothing);
        let document = issuer.discovery_document("https://login.example.test/jwks");
        assert_eq!(document["issuer"], "https://id.example.test/");
        assert_eq!(document["jwks_uri"], "https://login.example.test/jwks");
        assert_eq!(
            document["id_token_signing_alg_values_supported"],
            json!(["EdDSA", "RS256"])
        );
        let other = discovery_document("https://evil.example.test/", "https://x.test/k");
        assert_eq!(other["issuer"], "https://evil.example.test/");
        assert_eq!(other["subject_types_supported"], json!(["public"]));
    }

    #[test]
    fn minted_tokens_carry_iss_and_verify_with_the_signing_key() {
        let issuer = fixed_issuer();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("alice"));
        let token = issuer.mint(&claims).unwrap();
        assert_eq!(
            segment_text(&token, 1),
            r#"{"iss":"https://id.example.test/","sub":"alice"}"#
        );
        assert_eq!(
            segment_text(&token, 0),
            r#"{"alg":"EdDSA","kid":"ed25519","typ":"JWT"}"#
        );
        assert!(josekit_verifies(
            &issuer.signing_key().public_jwk(),
            SigningAlg::EdDsa,
            &token
        ));
    }
}
