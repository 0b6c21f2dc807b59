//! The fixed TEST ONLY keys shipped in the kit's `keys/` folder.

/// A key shipped with the crate so that generated tokens and key sets are
/// repeatable. TEST ONLY: the private keys are public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FixedKey {
    /// RSA 2048, `rsa2048-a.pem`.
    Rsa2048A,
    /// A second RSA 2048 key, `rsa2048-b.pem` (rotation, wrong-key cases).
    Rsa2048B,
    /// RSA 3072, `rsa3072.pem`.
    Rsa3072,
    /// RSA 4096, `rsa4096.pem`.
    Rsa4096,
    /// RSA 1024, `rsa1024-weak.pem`: too small, a verifier must refuse it.
    Rsa1024Weak,
    /// EC P-256, `ec-p256.pem`.
    P256,
    /// EC P-384, `ec-p384.pem`.
    P384,
    /// EC P-521, `ec-p521.pem`.
    P521,
    /// Ed25519, `ed25519.pem`.
    Ed25519,
    /// Ed448, `ed448.pem`.
    Ed448,
}

impl FixedKey {
    /// Every shipped key.
    pub const ALL: [FixedKey; 10] = [
        Self::Rsa2048A,
        Self::Rsa2048B,
        Self::Rsa3072,
        Self::Rsa4096,
        Self::Rsa1024Weak,
        Self::P256,
        Self::P384,
        Self::P521,
        Self::Ed25519,
        Self::Ed448,
    ];

    /// The key id the key is published under: its file stem.
    pub fn kid(self) -> &'static str {
        match self {
            Self::Rsa2048A => "rsa2048-a",
            Self::Rsa2048B => "rsa2048-b",
            Self::Rsa3072 => "rsa3072",
            Self::Rsa4096 => "rsa4096",
            Self::Rsa1024Weak => "rsa1024-weak",
            Self::P256 => "ec-p256",
            Self::P384 => "ec-p384",
            Self::P521 => "ec-p521",
            Self::Ed25519 => "ed25519",
            Self::Ed448 => "ed448",
        }
    }

    /// The PKCS#8 PEM text of the private key.
    pub fn pem(self) -> &'static str {
        match self {
            Self::Rsa2048A => include_str!("../../keys/rsa2048-a.pem"),
            Self::Rsa2048B => include_str!("../../keys/rsa2048-b.pem"),
            Self::Rsa3072 => include_str!("../../keys/rsa3072.pem"),
            Self::Rsa4096 => include_str!("../../keys/rsa4096.pem"),
            Self::Rsa1024Weak => include_str!("../../keys/rsa1024-weak.pem"),
            Self::P256 => include_str!("../../keys/ec-p256.pem"),
            Self::P384 => include_str!("../../keys/ec-p384.pem"),
            Self::P521 => include_str!("../../keys/ec-p521.pem"),
            Self::Ed25519 => include_str!("../../keys/ed25519.pem"),
            Self::Ed448 => include_str!("../../keys/ed448.pem"),
        }
    }
}
