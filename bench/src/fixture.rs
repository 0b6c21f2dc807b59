//! What every measurement verifies: one key and one typical access token per
//! algorithm, the key set publishing that key, and the configuration that
//! accepts the token.

use std::time::{SystemTime, UNIX_EPOCH};

use oidc_jwt_verifier_blocking::AuthConfig;
use oidc_jwt_verifier_testkit::{FixedKey, SigningAlg, TestKey, TokenBuilder};
use serde_json::{json, Value};

/// The issuer every token names.
pub(crate) const ISSUER: &str = "https://id.example.test/";
/// The audience every token names.
pub(crate) const AUDIENCE: &str = "api://orders";
/// The JWKS URL the core is configured with (the core fetches nothing: its
/// key set is fed in).
pub(crate) const JWKS_URL: &str = "https://id.example.test/jwks";
/// How long tokens stay valid after the fixture is made (longer than any run).
const TOKEN_LIFETIME_S: u64 = 6 * 3600;
/// Keys stay fresh this long (the largest allowed), so no refresh-ahead or
/// expiry ever happens during a run.
pub(crate) const CACHE_TTL_S: f64 = 86_400.0;

/// The algorithms the benchmark measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Alg {
    Rs256,
    Ps256,
    Es256,
    EdDsa,
}

impl Alg {
    /// Every measured algorithm, in report order.
    pub(crate) const ALL: [Alg; 4] = [Alg::Rs256, Alg::Ps256, Alg::Es256, Alg::EdDsa];

    /// The JOSE name.
    pub(crate) fn name(self) -> &'static str {
        self.signing_alg().name()
    }

    pub(crate) fn signing_alg(self) -> SigningAlg {
        match self {
            Alg::Rs256 => SigningAlg::Rs256,
            Alg::Ps256 => SigningAlg::Ps256,
            Alg::Es256 => SigningAlg::Es256,
            Alg::EdDsa => SigningAlg::EdDsa,
        }
    }

    /// The shipped TEST ONLY key (RSA 2048, P-256, Ed25519).
    fn fixed_key(self) -> FixedKey {
        match self {
            Alg::Rs256 | Alg::Ps256 => FixedKey::Rsa2048A,
            Alg::Es256 => FixedKey::P256,
            Alg::EdDsa => FixedKey::Ed25519,
        }
    }
}

/// One algorithm's key, token and key set.
pub(crate) struct Fixture {
    pub(crate) alg: Alg,
    pub(crate) key: TestKey,
    /// A typical access token (ten claims), valid for hours from now.
    pub(crate) token: String,
}

impl Fixture {
    pub(crate) fn new(alg: Alg) -> Result<Self, String> {
        let key = TestKey::fixed(alg.fixed_key())
            .and_then(|key| key.with_alg(alg.signing_alg()))
            .map_err(|error| format!("test key for {}: {error}", alg.name()))?;
        let token = typical_token(&key, unix_now())
            .sign(&key)
            .map_err(|error| format!("signing a {} token: {error}", alg.name()))?;
        Ok(Fixture { alg, key, token })
    }

    /// `{"keys": [this key's public JWK]}`.
    pub(crate) fn jwks(&self) -> Value {
        json!({ "keys": [self.key.public_jwk()] })
    }

    /// The key set as the HTTP body a JWKS endpoint sends.
    pub(crate) fn jwks_body(&self) -> Vec<u8> {
        self.jwks().to_string().into_bytes()
    }

    /// The configuration accepting this fixture's token, keys at `jwks_url`.
    pub(crate) fn config(&self, jwks_url: &str) -> AuthConfig {
        config_for(self.alg, jwks_url)
    }
}

/// The benchmark's configuration for `alg` with keys at `jwks_url`.
pub(crate) fn config_for(alg: Alg, jwks_url: &str) -> AuthConfig {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, jwks_url);
    config.allowed_algs = vec![alg.name().to_owned()];
    config.cache_ttl_s = CACHE_TTL_S;
    config
}

/// An RFC 9068-shaped access token's header and ten claims, issued at `now`
/// (Unix seconds): iss, sub, aud, exp, iat, nbf, jti, scope, client_id, azp.
pub(crate) fn typical_token(key: &TestKey, now: u64) -> TokenBuilder {
    TokenBuilder::for_key(key)
        .header("typ", json!("at+jwt"))
        .claim("iss", json!(ISSUER))
        .claim("sub", json!("248289761001"))
        .claim("aud", json!(AUDIENCE))
        .claim("exp", json!(now + TOKEN_LIFETIME_S))
        .claim("iat", json!(now))
        .claim("nbf", json!(now.saturating_sub(60)))
        .claim("jti", json!("4f1c7a2e-9b3d-4e8a-a6f0-2d5b8c9e1f37"))
        .claim("scope", json!("openid profile orders:read orders:write"))
        .claim("client_id", json!("s6BhdRkqt3"))
        .claim("azp", json!("s6BhdRkqt3"))
}

/// The system's wall-clock time in whole Unix seconds.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
