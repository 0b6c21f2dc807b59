//! The one error type of the issuer side: key handling and signing.

use std::fmt;

/// Why a key could not be made, loaded or used to sign.
#[derive(Debug)]
#[non_exhaustive]
pub enum IssuerError {
    /// The PEM text is not a private key of a supported kind (RSA, EC
    /// P-256/384/521, Ed25519, Ed448).
    UnsupportedKey(String),
    /// The signing algorithm cannot be computed with this key
    /// (for example ES256 with an RSA key).
    AlgDoesNotFitKey {
        /// The requested algorithm's JOSE name.
        alg: &'static str,
        /// The key id of the key that was asked to sign.
        kid: String,
    },
    /// OpenSSL or josekit failed while generating a key or signing.
    Crypto(String),
}

impl IssuerError {
    /// A stable name for the kind of failure: `"unsupported_key"`,
    /// `"alg_does_not_fit_key"` or `"crypto"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedKey(_) => "unsupported_key",
            Self::AlgDoesNotFitKey { .. } => "alg_does_not_fit_key",
            Self::Crypto(_) => "crypto",
        }
    }
}

impl fmt::Display for IssuerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedKey(why) => write!(f, "unsupported test key: {why}"),
            Self::AlgDoesNotFitKey { alg, kid } => {
                write!(f, "algorithm {alg} cannot sign with key {kid}")
            }
            Self::Crypto(why) => write!(f, "crypto failure: {why}"),
        }
    }
}

impl std::error::Error for IssuerError {}

impl From<openssl::error::ErrorStack> for IssuerError {
    fn from(stack: openssl::error::ErrorStack) -> Self {
        Self::Crypto(stack.to_string())
    }
}

impl From<josekit::JoseError> for IssuerError {
    fn from(error: josekit::JoseError) -> Self {
        Self::Crypto(error.to_string())
    }
}
