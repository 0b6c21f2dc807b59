//! What both drivers share when they are built: the one error type (so the
//! two report exactly the same failures), and the root certificates of a
//! PEM bundle (the rest of the transport options are in `transport`).

use crate::config::ConfigError;
use crate::proxy::ProxyError;

/// A verifier or key client that could not be built, by either driver.
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
    /// Both a root certificate PEM and Mozilla's roots were asked for: which
    /// replaces the platform's is unclear.
    #[error("root certificates and Mozilla's roots exclude each other")]
    ConflictingRoots,
    /// The proxy URL, or a proxy variable of the environment, cannot be used.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// A proxy was asked for together with the caller's own HTTP client,
    /// whose settings the driver cannot change.
    #[error("a proxy cannot be set on a caller's own HTTP client")]
    ProxyWithHttpClient,
}

/// Every certificate of a PEM bundle, as DER; at least one.
pub fn root_certificates_from_pem(pem: &[u8]) -> Result<Vec<Vec<u8>>, BuildError> {
    let invalid = |reason: String| BuildError::RootCertificate(reason);
    let certificates =
        openssl::x509::X509::stack_from_pem(pem).map_err(|e| invalid(e.to_string()))?;
    if certificates.is_empty() {
        return Err(invalid("no certificate found".to_owned()));
    }
    certificates
        .iter()
        .map(|certificate| certificate.to_der().map_err(|e| invalid(e.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_a_certificate_is_refused() {
        for pem in [
            &b""[..],
            b"not a pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ] {
            assert!(matches!(
                root_certificates_from_pem(pem),
                Err(BuildError::RootCertificate(_))
            ));
        }
    }
}
