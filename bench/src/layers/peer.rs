//! The peer users would pick instead: `jsonwebtoken` on its aws-lc-rs
//! backend, used as its documentation shows for a JWK Set: read the header's
//! `kid`, look the key up, decode with a `Validation` checking what ours
//! checks (issuer, audience, `exp` and `nbf`, no leeway) into a typed claims
//! struct.

use std::collections::HashMap;

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use crate::fixture::{Alg, Fixture, AUDIENCE, ISSUER};

/// The backend this peer runs on.
pub(crate) const BACKEND: &str = "aws-lc-rs";

/// The typical access token's claims, as a user of the peer declares them.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read only by serde: the claims are what is returned
pub(crate) struct PeerClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
    iat: u64,
    nbf: u64,
    jti: String,
    scope: String,
    client_id: String,
    azp: String,
}

/// A key set and validation prepared once.
pub(crate) struct Peer {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
    token: String,
}

impl Peer {
    pub(crate) fn new(fixture: &Fixture) -> Result<Self, String> {
        let jwk = fixture.key.public_jwk();
        let member = |name: &str| {
            jwk.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("the JWK has no {name}"))
        };
        let key = match fixture.alg {
            Alg::Rs256 | Alg::Ps256 => DecodingKey::from_rsa_components(member("n")?, member("e")?),
            Alg::Es256 => DecodingKey::from_ec_components(member("x")?, member("y")?),
            Alg::EdDsa => DecodingKey::from_ed_components(member("x")?),
        }
        .map_err(|error| format!("jsonwebtoken key: {error}"))?;
        let mut validation = Validation::new(algorithm(fixture.alg));
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = 0;
        let peer = Peer {
            keys: HashMap::from([(fixture.key.kid().to_owned(), key)]),
            validation,
            token: fixture.token.clone(),
        };
        peer.decode().map(|_| peer).map_err(|error| {
            format!(
                "jsonwebtoken refuses the {} token: {error}",
                fixture.alg.name()
            )
        })
    }

    /// One verification of the fixture's token.
    pub(crate) fn verify(&self) -> Option<PeerClaims> {
        self.decode().ok()
    }

    fn decode(&self) -> Result<PeerClaims, String> {
        let header = decode_header(std::hint::black_box(&self.token)).map_err(|e| e.to_string())?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.get(kid))
            .ok_or("no key for the token's kid")?;
        decode::<PeerClaims>(&self.token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| error.to_string())
    }
}

fn algorithm(alg: Alg) -> Algorithm {
    match alg {
        Alg::Rs256 => Algorithm::RS256,
        Alg::Ps256 => Algorithm::PS256,
        Alg::Es256 => Algorithm::ES256,
        Alg::EdDsa => Algorithm::EdDSA,
    }
}
