//! The one TLS stack: native-tls (OpenSSL here), with the system roots, or
//! with the caller's roots in their place.

use oidc_jwt_verifier_core::BuildError;

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
    fn system_roots_give_a_connector() {
        assert!(connector(None).is_ok());
    }
}
