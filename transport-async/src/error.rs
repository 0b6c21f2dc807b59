//! `BuildError`: why a verifier or key client could not be built.

use oidc_jwt_verifier_core::ConfigError;

/// A verifier or key client that could not be built. The two drivers have
/// the same variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The configuration breaks a rule of SPEC.md "Configuration".
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The root certificate PEM holds no certificate, or a malformed one.
    #[error("invalid root certificate PEM: {0}")]
    RootCertificate(String),
    /// The TLS connector could not be set up.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// A root certificate was given together with the caller's own HTTP
    /// client, whose TLS settings the driver cannot change.
    #[error("a root certificate cannot be added to a caller's own HTTP client")]
    RootCertificateWithHttpClient,
}
