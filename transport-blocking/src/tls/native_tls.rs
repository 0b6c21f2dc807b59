//! native-tls (OpenSSL on Linux, the platform's TLS elsewhere): ureq builds
//! each agent's connector from this configuration once, at its first
//! `https` request.

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
                ::native_tls::Certificate::from_der(der)
                    .map_err(|error| BuildError::RootCertificate(error.to_string()))?;
            }
            let certificates = ders.iter().map(|der| Certificate::from_der(der).to_owned());
            certificates.collect::<Vec<_>>().into()
        }
    };
    let tls = TlsConfig::builder().provider(TlsProvider::NativeTls);
    Ok(tls.root_certs(root_certs).build())
}

/// Whether ureq's `error` is a failure of the TLS stack.
pub(crate) fn is_tls_failure(error: &ureq::Error) -> bool {
    matches!(
        error,
        ureq::Error::Tls(_) | ureq::Error::NativeTls(_) | ureq::Error::Der(_)
    )
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
    fn tls_errors_are_told_from_the_others() {
        assert!(is_tls_failure(&ureq::Error::Tls("handshake")));
        assert!(!is_tls_failure(&ureq::Error::HostNotFound));
    }
}
