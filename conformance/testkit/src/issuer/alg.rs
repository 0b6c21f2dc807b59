//! Signing algorithm names and the kinds of key that compute them.

/// A JWS signing algorithm the test issuer can compute (RFC 7518 section 3,
/// RFC 8037, RFC 9864).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256, MGF1 SHA-256, 32-byte salt.
    Ps256,
    /// RSASSA-PSS with SHA-384, MGF1 SHA-384, 48-byte salt.
    Ps384,
    /// RSASSA-PSS with SHA-512, MGF1 SHA-512, 64-byte salt.
    Ps512,
    /// ECDSA with P-256 and SHA-256, raw `r || s` signature.
    Es256,
    /// ECDSA with P-384 and SHA-384, raw `r || s` signature.
    Es384,
    /// ECDSA with P-521 and SHA-512, raw `r || s` signature.
    Es512,
    /// EdDSA (RFC 8037), the curve given by the key (Ed25519 or Ed448).
    EdDsa,
    /// The RFC 9864 fully specified name for EdDSA over Ed25519.
    Ed25519,
    /// The RFC 9864 fully specified name for EdDSA over Ed448.
    Ed448,
}

impl SigningAlg {
    /// Every algorithm, in declaration order.
    pub const ALL: [SigningAlg; 12] = [
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
        Self::Es256,
        Self::Es384,
        Self::Es512,
        Self::EdDsa,
        Self::Ed25519,
        Self::Ed448,
    ];

    /// The JOSE `alg` name, e.g. `"RS256"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es512 => "ES512",
            Self::EdDsa => "EdDSA",
            Self::Ed25519 => "Ed25519",
            Self::Ed448 => "Ed448",
        }
    }

    /// The algorithm with exactly this JOSE name (case-sensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// Whether signing the same input twice with the same key gives the
    /// same bytes: true for RS* and the EdDSA family, false for PS* and ES*
    /// (OpenSSL randomizes the salt and the nonce).
    pub fn is_deterministic(self) -> bool {
        !matches!(
            self,
            Self::Ps256 | Self::Ps384 | Self::Ps512 | Self::Es256 | Self::Es384 | Self::Es512
        )
    }

    /// Whether a key of `kind` can compute this algorithm.
    pub fn fits(self, kind: KeyKind) -> bool {
        match self {
            Self::Rs256 | Self::Rs384 | Self::Rs512 | Self::Ps256 | Self::Ps384 | Self::Ps512 => {
                matches!(kind, KeyKind::Rsa { .. })
            }
            Self::Es256 => kind == KeyKind::P256,
            Self::Es384 => kind == KeyKind::P384,
            Self::Es512 => kind == KeyKind::P521,
            Self::EdDsa => matches!(kind, KeyKind::Ed25519 | KeyKind::Ed448),
            Self::Ed25519 => kind == KeyKind::Ed25519,
            Self::Ed448 => kind == KeyKind::Ed448,
        }
    }
}

impl std::fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The kind (and size) of a test key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// RSA with a modulus of `bits` bits. Sizes under 2048 are allowed for
    /// negative tests (a verifier must refuse them).
    Rsa {
        /// Modulus length in bits.
        bits: u32,
    },
    /// EC over NIST P-256.
    P256,
    /// EC over NIST P-384.
    P384,
    /// EC over NIST P-521.
    P521,
    /// OKP Ed25519.
    Ed25519,
    /// OKP Ed448.
    Ed448,
}

impl KeyKind {
    /// RSA with a 2048-bit modulus, the usual choice.
    pub const RSA_2048: KeyKind = KeyKind::Rsa { bits: 2048 };

    /// The algorithm a key of this kind signs with unless told otherwise:
    /// RS256, ES256/384/512 by curve, EdDSA for both OKP curves.
    pub fn default_alg(self) -> SigningAlg {
        match self {
            Self::Rsa { .. } => SigningAlg::Rs256,
            Self::P256 => SigningAlg::Es256,
            Self::P384 => SigningAlg::Es384,
            Self::P521 => SigningAlg::Es512,
            Self::Ed25519 | Self::Ed448 => SigningAlg::EdDsa,
        }
    }
}

impl Default for KeyKind {
    fn default() -> Self {
        Self::RSA_2048
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for alg in SigningAlg::ALL {
            assert_eq!(SigningAlg::from_name(alg.name()), Some(alg));
        }
        assert_eq!(SigningAlg::from_name("rs256"), None);
        assert_eq!(SigningAlg::from_name("none"), None);
    }

    #[test]
    fn only_pss_and_ecdsa_are_randomized() {
        let randomized: Vec<_> = SigningAlg::ALL
            .into_iter()
            .filter(|alg| !alg.is_deterministic())
            .map(SigningAlg::name)
            .collect();
        assert_eq!(
            randomized,
            ["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
        );
    }

    #[test]
    fn algorithms_fit_their_key_kinds() {
        assert!(SigningAlg::Ps384.fits(KeyKind::Rsa { bits: 1024 }));
        assert!(!SigningAlg::Es256.fits(KeyKind::P384));
        assert!(SigningAlg::EdDsa.fits(KeyKind::Ed448));
        assert!(!SigningAlg::Ed25519.fits(KeyKind::Ed448));
        assert!(!SigningAlg::Rs256.fits(KeyKind::Ed25519));
    }

    #[test]
    fn default_algs_fit() {
        for kind in [
            KeyKind::RSA_2048,
            KeyKind::P256,
            KeyKind::P384,
            KeyKind::P521,
            KeyKind::Ed25519,
            KeyKind::Ed448,
        ] {
            assert!(kind.default_alg().fits(kind), "{kind:?}");
        }
        assert_eq!(KeyKind::default(), KeyKind::Rsa { bits: 2048 });
    }
}
