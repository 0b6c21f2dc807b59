//! The one TLS stack: native-tls (OpenSSL here), with the system roots, or
//! with the caller's roots in their place.

use crate::BuildError;

/// Every certificate of a PEM bundle, as DER; at least one.
pub(crate) fn parse_root_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, BuildError> {
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

/// A native-tls connector trusting the system roots, or exactly `roots`
/// (DER) when given.
pub(crate) fn connector(roots: Option<&[Vec<u8>]>) -> Result<native_tls::TlsConnector, BuildError> {
    let mut builder = native_tls::TlsConnector::builder();
    if let Some(roots) = roots {
        builder.disable_built_in_roots(true);
        for der in roots {
            let root = native_tls::Certificate::from_der(der)
                .map_err(|e| BuildError::RootCertificate(e.to_string()))?;
            builder.add_root_certificate(root);
        }
    }
    builder.build().map_err(|e| BuildError::Tls(e.to_string()))
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
                parse_root_certificates(pem),
                Err(BuildError::RootCertificate(_))
            ));
        }
    }

    #[test]
    fn system_roots_give_a_connector() {
        assert!(connector(None).is_ok());
    }
}
