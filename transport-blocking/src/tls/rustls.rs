//! rustls, on aws-lc-rs (handed to ureq, never installed as the process's
//! default), with the platform's verifier for the system roots: ureq builds
//! each agent's `ClientConfig` from this configuration once, at its first
//! `https` request.

use std::sync::Arc;

use ::rustls::crypto::aws_lc_rs;
use ::rustls::pki_types::CertificateDer;
use ::rustls::RootCertStore;
use oidc_jwt_verifier_core::{BuildError, Roots};
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

/// The TLS configuration of the driver's agents. Given roots are checked
/// here, so that a bad one fails the build instead of being skipped when
/// the connector is built.
pub(crate) fn config(roots: &Roots) -> Result<TlsConfig, BuildError> {
    let root_certs = match roots {
        Roots::Platform => RootCerts::PlatformVerifier,
        Roots::WebPki => RootCerts::WebPki,
        Roots::Only(ders) => {
            for der in ders {
                RootCertStore::empty()
                    .add(CertificateDer::from(der.as_slice()))
                    .map_err(|error| BuildError::RootCertificate(error.to_string()))?;
            }
            let certificates = ders.iter().map(|der| Certificate::from_der(der).to_owned());
            certificates.collect::<Vec<_>>().into()
        }
    };
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(aws_lc_rs::default_provider()));
    Ok(tls.root_certs(root_certs).build())
}

/// Whether ureq's `error` is a failure of the TLS stack (a refused
/// certificate comes as an I/O error wrapping rustls's).
pub(crate) fn is_tls_failure(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => true,
        ureq::Error::Io(io) => io
            .get_ref()
            .is_some_and(|inner| inner.is::<::rustls::Error>()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_roots_are_checked_when_the_client_is_built() {
        let bad = Roots::Only(vec![vec![0x30, 0x03, 1, 2, 3]]);
        assert!(matches!(config(&bad), Err(BuildError::RootCertificate(_))));
        assert!(config(&Roots::Platform).is_ok());
        assert!(config(&Roots::WebPki).is_ok());
    }

    #[test]
    fn a_refused_certificate_inside_an_io_error_is_a_tls_failure() {
        let refused =
            ::rustls::Error::InvalidCertificate(::rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, refused);
        assert!(is_tls_failure(&ureq::Error::Io(io)));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(!is_tls_failure(&ureq::Error::Io(reset)));
        assert!(!is_tls_failure(&ureq::Error::HostNotFound));
    }
}
