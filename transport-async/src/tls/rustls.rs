//! rustls through hyper-rustls, on aws-lc-rs (passed explicitly, never
//! installed as the process's default), with the platform's verifier for
//! the system roots: one `ClientConfig`, built with the client, shared by
//! all of its connections.

use std::error::Error;
use std::sync::Arc;

use ::rustls::crypto::aws_lc_rs;
use ::rustls::pki_types::CertificateDer;
use ::rustls::{ClientConfig, RootCertStore};
use oidc_jwt_verifier_core::{BuildError, Roots};
use rustls_platform_verifier::Verifier;

/// hyper-rustls's HTTPS connector over `T`.
pub(crate) type HttpsConnector<T> = hyper_rustls::HttpsConnector<T>;
/// The TLS configuration every HTTPS connector of the driver's client shares.
pub(crate) type Connector = Arc<ClientConfig>;

/// The TLS configuration for `roots`: the platform's verifier, or a store
/// of exactly the given roots (or Mozilla's).
pub(crate) fn connector(roots: &Roots) -> Result<Connector, BuildError> {
    let failed = |error: ::rustls::Error| BuildError::Tls(error.to_string());
    let provider = Arc::new(aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(failed)?;
    let builder = match roots {
        Roots::Platform => {
            let verifier = Verifier::new(provider).map_err(failed)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        }
        Roots::WebPki => builder.with_root_certificates(RootCertStore::from_iter(
            webpki_roots::TLS_SERVER_ROOTS.iter().cloned(),
        )),
        Roots::Only(ders) => {
            let mut store = RootCertStore::empty();
            for der in ders {
                store
                    .add(CertificateDer::from(der.clone()))
                    .map_err(|error| BuildError::RootCertificate(error.to_string()))?;
            }
            builder.with_root_certificates(store)
        }
    };
    Ok(Arc::new(builder.with_no_client_auth()))
}

/// An HTTPS connector over `inner`, sharing `connector`.
pub(crate) fn https<T>(connector: &Connector, inner: T) -> HttpsConnector<T> {
    HttpsConnector::from((inner, Arc::clone(connector)))
}

/// Whether `error` (a cause of a hyper error) is a failure of the TLS stack.
pub(crate) fn is_tls_failure(error: &(dyn Error + 'static)) -> bool {
    error.is::<::rustls::Error>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_roots_are_checked_when_the_client_is_built() {
        let bad = Roots::Only(vec![vec![0x30, 0x03, 1, 2, 3]]);
        assert!(matches!(
            connector(&bad),
            Err(BuildError::RootCertificate(_))
        ));
        assert!(connector(&Roots::WebPki).is_ok());
    }

    #[test]
    fn only_the_stacks_own_errors_are_tls_failures() {
        let other = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(!is_tls_failure(&other));
        let refused =
            ::rustls::Error::InvalidCertificate(::rustls::CertificateError::UnknownIssuer);
        assert!(is_tls_failure(&refused));
    }
}
