//! What both drivers share when they are built: the one error type (so the
//! two report exactly the same failures), and the root certificates of a
//! PEM bundle.

use crate::config::ConfigError;

/// A verifier or key client that could not be built, by either driver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The configuration breaks a rule of docs/rules.md, "Configuration".
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

/// Every certificate of a PEM bundle, as DER; at least one.
///
/// Read in pure Rust (RFC 7468 sections, as rustls-pki-types reads them), so
/// that every build reads a bundle alike whatever its signature backend; each
/// certificate must be one DER `SEQUENCE` filling its section (the TLS stack
/// parses the certificate itself when the driver hands it over).
pub fn root_certificates_from_pem(pem: &[u8]) -> Result<Vec<Vec<u8>>, BuildError> {
    use rustls_pki_types::pem::PemObject as _;
    use rustls_pki_types::CertificateDer;

    let invalid = |reason: String| BuildError::RootCertificate(reason);
    let certificates = CertificateDer::pem_slice_iter(pem)
        .map(|certificate| match certificate {
            Ok(der) if is_one_der_sequence(&der) => Ok(der.to_vec()),
            Ok(_) => Err(invalid("a certificate is not DER".to_owned())),
            Err(error) => Err(invalid(error.to_string())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if certificates.is_empty() {
        return Err(invalid("no certificate found".to_owned()));
    }
    Ok(certificates)
}

/// Whether `der` is exactly one DER `SEQUENCE` (tag, definite length, content).
fn is_one_der_sequence(der: &[u8]) -> bool {
    let Some((&0x30, rest)) = der.split_first() else {
        return false;
    };
    let Some((&first, rest)) = rest.split_first() else {
        return false;
    };
    let (len, content) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count || rest[0] == 0 {
            return false;
        }
        let (len_bytes, content) = rest.split_at(count);
        let len = len_bytes
            .iter()
            .fold(0usize, |len, byte| len << 8 | usize::from(*byte));
        if len < 0x80 {
            return false;
        }
        (len, content)
    };
    content.len() == len
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

    #[test]
    fn der_sequences_must_fill_their_section() {
        assert!(is_one_der_sequence(&[0x30, 0x00]));
        assert!(is_one_der_sequence(&[0x30, 0x02, 1, 2]));
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend([0; 0x80]);
        assert!(is_one_der_sequence(&long));
        for bad in [
            &[][..],
            &[0x30],
            &[0x31, 0x00],
            &[0x30, 0x01],
            &[0x30, 0x00, 0x00],
            &[0x30, 0x80],
            &[0x30, 0x81, 0x01, 0x00],
            &[0x30, 0x82, 0x00, 0x80],
        ] {
            assert!(!is_one_der_sequence(bad), "{bad:?}");
        }
    }
}
