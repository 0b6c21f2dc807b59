//! The signature algorithms a token may name, and the key each one needs.

use std::fmt;

/// A JWS signature algorithm this library can verify (RFC 7518, RFC 8037, RFC 9864).
///
/// Symmetric (`HS*`) algorithms and `none` are deliberately absent: there is no
/// code path that could verify them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt.
    PS256,
    /// RSASSA-PSS with SHA-384, MGF1 with SHA-384 and a 48-byte salt.
    PS384,
    /// RSASSA-PSS with SHA-512, MGF1 with SHA-512 and a 64-byte salt.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512.
    ES512,
    /// EdDSA on the key's curve (Ed25519 or Ed448).
    EdDSA,
    /// EdDSA on Ed25519 only (RFC 9864 fully specified name).
    Ed25519,
    /// EdDSA on Ed448 only (RFC 9864 fully specified name).
    Ed448,
}

/// The family of key an algorithm verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFamily {
    /// `kty` `RSA`.
    Rsa,
    /// `kty` `EC` on the given curve.
    Ec(Curve),
    /// `kty` `OKP`; `None` accepts either Edwards curve (the alg name `EdDSA`).
    Okp(Option<Curve>),
}

/// A named curve of an EC or OKP key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (`crv` `P-256`).
    P256,
    /// NIST P-384 (`crv` `P-384`).
    P384,
    /// NIST P-521 (`crv` `P-521`).
    P521,
    /// Edwards curve Ed25519 (`crv` `Ed25519`).
    Ed25519,
    /// Edwards curve Ed448 (`crv` `Ed448`).
    Ed448,
}

impl Curve {
    /// The curve's `crv` name in a JWK.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
            Curve::Ed25519 => "Ed25519",
            Curve::Ed448 => "Ed448",
        }
    }

    /// Parses a `crv` name (exact, case-sensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "P-256" => Curve::P256,
            "P-384" => Curve::P384,
            "P-521" => Curve::P521,
            "Ed25519" => Curve::Ed25519,
            "Ed448" => Curve::Ed448,
            _ => return None,
        })
    }
}

impl Algorithm {
    /// Every supported algorithm, in a fixed order.
    pub const ALL: [Algorithm; 12] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
        Algorithm::Ed25519,
        Algorithm::Ed448,
    ];

    /// The algorithm's `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::Ed25519 => "Ed25519",
            Algorithm::Ed448 => "Ed448",
        }
    }

    /// Parses an `alg` name (exact, case-sensitive, as RFC 7515 requires).
    pub fn from_name(name: &str) -> Option<Self> {
        Algorithm::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// The key family (and curve) a key must have to verify this algorithm.
    pub fn key_family(self) -> KeyFamily {
        match self {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => KeyFamily::Rsa,
            Algorithm::ES256 => KeyFamily::Ec(Curve::P256),
            Algorithm::ES384 => KeyFamily::Ec(Curve::P384),
            Algorithm::ES512 => KeyFamily::Ec(Curve::P521),
            Algorithm::EdDSA => KeyFamily::Okp(None),
            Algorithm::Ed25519 => KeyFamily::Okp(Some(Curve::Ed25519)),
            Algorithm::Ed448 => KeyFamily::Okp(Some(Curve::Ed448)),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
        }
        assert_eq!(Algorithm::from_name("rs256"), None);
        assert_eq!(Algorithm::from_name("none"), None);
        assert_eq!(Algorithm::from_name("HS256"), None);
    }
}
