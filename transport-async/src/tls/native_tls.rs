//! native-tls (OpenSSL on Linux, the platform's TLS elsewhere) through
//! hyper-tls: one connector, built with the client, shared by all of its
//! connections.

use std::error::Error;

use oidc_jwt_verifier_core::{BuildError, Roots};

/// hyper-tls's HTTPS connector over `T`.
pub(crate) type HttpsConnector<T> = hyper_tls::HttpsConnector<T>;
/// The TLS connector every HTTPS connector of the driver's client shares.
pub(crate) type Connector = ::native_tls::TlsConnector;

/// The TLS connector for `roots`; given roots, or Mozilla's, replace the
/// platform's.
pub(crate) fn connector(roots: &Roots) -> Result<Connector, BuildError> {
    let replacing: Vec<&[u8]> = match roots {
        Roots::Platform => Vec::new(),
        Roots::WebPki => webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|root| root.as_ref())
            .collect(),
        Roots::Only(ders) => ders.iter().map(Vec::as_slice).collect(),
    };
    let mut builder = ::native_tls::TlsConnector::builder();
    builder.disable_built_in_roots(*roots != Roots::Platform);
    for der in replacing {
        let root = ::native_tls::Certificate::from_der(der)
            .map_err(|error| BuildError::RootCertificate(error.to_string()))?;
        builder.add_root_certificate(root);
    }
    builder
        .build()
        .map_err(|error| BuildError::Tls(error.to_string()))
}

/// An HTTPS connector over `inner`, sharing `connector`.
pub(crate) fn https<T>(connector: &Connector, inner: T) -> HttpsConnector<T> {
    HttpsConnector::from((inner, connector.clone().into()))
}

/// Whether `error` (a cause of a hyper error) is a failure of the TLS stack.
pub(crate) fn is_tls_failure(error: &(dyn Error + 'static)) -> bool {
    error.is::<::native_tls::Error>()
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
    }
}
