//! [`TestCa`]: the certificate authority a test run generates. It issues the
//! provider's HTTPS certificate for 127.0.0.1 and the certificates of the
//! `x5c` chains its signing keys publish.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{HasPublic, PKey, PKeyRef, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509};

use crate::HarnessError;

/// How long the generated certificates are valid, either side of now.
const VALIDITY_SECONDS: i64 = 7 * 24 * 3600;

/// The CA's subject and issuer name.
const CA_NAME: &str = "oidc-jwt-verifier interop CA (TEST ONLY)";

/// The CA of this process, made at first use.
static SHARED: Mutex<Option<Arc<TestCa>>> = Mutex::new(None);

/// A P-256 CA made for one test run (TEST ONLY).
pub(crate) struct TestCa {
    key: PKey<Private>,
    cert: X509,
}

/// A certificate and its private key, both PEM: what an HTTPS server loads.
#[derive(Debug, Clone)]
pub(crate) struct ServerIdentity {
    /// The certificate.
    pub(crate) cert_pem: String,
    /// The PKCS#8 private key.
    pub(crate) key_pem: String,
}

impl TestCa {
    /// Generates the CA's key and self-signed certificate.
    pub(crate) fn generate() -> Result<Self, HarnessError> {
        let key = p256_key()?;
        let mut builder = builder_for(CA_NAME, &key)?;
        builder.set_issuer_name(common_name(CA_NAME)?.as_ref())?;
        builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
        let key_id = SubjectKeyIdentifier::new().build(&builder.x509v3_context(None, None))?;
        builder.append_extension(key_id)?;
        builder.sign(&key, MessageDigest::sha256())?;
        Ok(TestCa {
            key,
            cert: builder.build(),
        })
    }

    /// The CA every provider of this process uses, generated at first use.
    pub(crate) fn shared() -> Result<Arc<TestCa>, HarnessError> {
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(ca) = shared.as_ref() {
            return Ok(Arc::clone(ca));
        }
        let ca = Arc::new(TestCa::generate()?);
        *shared = Some(Arc::clone(&ca));
        Ok(ca)
    }

    /// The CA certificate, PEM: the root the verifier under test trusts.
    pub(crate) fn ca_pem(&self) -> Result<String, HarnessError> {
        pem_string(self.cert.to_pem()?)
    }

    /// A fresh key and a server certificate for `127.0.0.1`.
    pub(crate) fn server_identity(&self) -> Result<ServerIdentity, HarnessError> {
        let key = p256_key()?;
        let mut builder = self.issued_builder("127.0.0.1", &key)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_agreement()
                .build()?,
        )?;
        builder.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        let names = SubjectAlternativeName::new()
            .ip(&IpAddr::V4(Ipv4Addr::LOCALHOST).to_string())
            .build(&builder.x509v3_context(Some(&self.cert), None))?;
        builder.append_extension(names)?;
        let cert = self.signed(builder)?;
        Ok(ServerIdentity {
            cert_pem: pem_string(cert.to_pem()?)?,
            key_pem: pem_string(key.private_key_to_pem_pkcs8()?)?,
        })
    }

    /// The `x5c` chain of a signing key (RFC 7517 section 4.7): a
    /// certificate for `key` issued by this CA, then the CA's own, each
    /// base64 (not base64url) DER.
    pub(crate) fn x5c_chain<T: HasPublic>(
        &self,
        subject: &str,
        key: &PKeyRef<T>,
    ) -> Result<Vec<String>, HarnessError> {
        let mut builder = self.issued_builder(subject, key)?;
        builder.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
        let cert = self.signed(builder)?;
        Ok(vec![
            STANDARD.encode(cert.to_der()?),
            STANDARD.encode(self.cert.to_der()?),
        ])
    }

    /// A builder for a certificate this CA issues: a leaf, with key
    /// identifiers linking it to the CA.
    fn issued_builder<T: HasPublic>(
        &self,
        subject: &str,
        key: &PKeyRef<T>,
    ) -> Result<X509Builder, HarnessError> {
        let mut builder = builder_for(subject, key)?;
        builder.set_issuer_name(self.cert.subject_name())?;
        builder.append_extension(BasicConstraints::new().critical().build()?)?;
        let key_id =
            SubjectKeyIdentifier::new().build(&builder.x509v3_context(Some(&self.cert), None))?;
        builder.append_extension(key_id)?;
        let authority = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&builder.x509v3_context(Some(&self.cert), None))?;
        builder.append_extension(authority)?;
        Ok(builder)
    }

    fn signed(&self, mut builder: X509Builder) -> Result<X509, HarnessError> {
        builder.sign(&self.key, MessageDigest::sha256())?;
        Ok(builder.build())
    }
}

fn common_name(text: &str) -> Result<X509Name, HarnessError> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, text)?;
    Ok(name.build())
}

fn p256_key() -> Result<PKey<Private>, HarnessError> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

fn pem_string(pem: Vec<u8>) -> Result<String, HarnessError> {
    String::from_utf8(pem).map_err(|error| HarnessError::Io {
        what: "OpenSSL wrote a PEM that is not UTF-8".to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
    })
}

/// A version 3 builder with a random serial, `subject` as common name and
/// `key` as public key, valid from a day ago for [`VALIDITY_SECONDS`].
fn builder_for<T: HasPublic>(subject: &str, key: &PKeyRef<T>) -> Result<X509Builder, HarnessError> {
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    builder.set_serial_number(Asn1Integer::from_bn(&serial)?.as_ref())?;
    builder.set_subject_name(common_name(subject)?.as_ref())?;
    builder.set_pubkey(key)?;
    builder.set_not_before(Asn1Time::from_unix(now.saturating_sub(24 * 3600))?.as_ref())?;
    builder.set_not_after(Asn1Time::from_unix(now.saturating_add(VALIDITY_SECONDS))?.as_ref())?;
    Ok(builder)
}
