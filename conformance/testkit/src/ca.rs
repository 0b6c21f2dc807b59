//! [`TestCa`]: a certificate authority generated for a test run (TEST
//! ONLY). It issues HTTPS server certificates for loopback (the scripted
//! server's, or any other test server's) and the `x5c` chains of signing
//! keys (RFC 7517 section 4.7), so every test of the workspace trusts one
//! kind of CA made one way.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{HasPublic, PKey, PKeyRef, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509};

/// How long the generated certificates are valid, from a day ago.
const VALIDITY_SECONDS: i64 = 30 * 24 * 3600;

/// The CA's subject and issuer name.
const CA_NAME: &str = "oidc-jwt-verifier test CA (TEST ONLY)";

/// Why a certificate could not be made: OpenSSL failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaError {
    /// OpenSSL failed while generating a key or building or signing a
    /// certificate.
    Crypto(ErrorStack),
}

impl CaError {
    /// A stable name for the kind of failure: `"crypto"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Crypto(_) => "crypto",
        }
    }
}

impl fmt::Display for CaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Crypto(stack) => write!(f, "generating a test certificate: {stack}"),
        }
    }
}

impl std::error::Error for CaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Crypto(stack) => Some(stack),
        }
    }
}

impl From<ErrorStack> for CaError {
    fn from(stack: ErrorStack) -> Self {
        Self::Crypto(stack)
    }
}

/// A P-256 certificate authority made for one test run. TEST ONLY: its key
/// lives in memory and is thrown away with it.
///
/// ```
/// use oidc_jwt_verifier_testkit::{FixedKey, TestCa, TestKey};
///
/// let ca = TestCa::generate()?;
/// assert!(ca.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// // What an HTTPS server on 127.0.0.1 loads (the client trusts `ca_pem`).
/// let identity = ca.server_identity()?;
/// assert!(identity.key_pem.contains("PRIVATE KEY"));
/// // The `x5c` member of a JWK: the key's certificate, then the CA's.
/// let key = TestKey::fixed(FixedKey::Rsa2048A)?;
/// let chain = ca.x5c_chain("signing key (TEST ONLY)", key.openssl_key())?;
/// assert_eq!(chain.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TestCa {
    key: PKey<Private>,
    cert: X509,
    ca_pem: String,
}

impl fmt::Debug for TestCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

/// A certificate for loopback and its private key, as an HTTPS server
/// loads them.
#[derive(Clone)]
pub struct ServerIdentity {
    /// The certificate, PEM: for `127.0.0.1`, `::1` and `localhost`, valid
    /// for TLS server authentication.
    pub cert_pem: String,
    /// Its private key (P-256), PKCS#8 PEM.
    pub key_pem: String,
    cert: X509,
    key: PKey<Private>,
}

impl fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

impl ServerIdentity {
    /// The certificate, for an OpenSSL acceptor.
    pub fn certificate(&self) -> &X509 {
        &self.cert
    }

    /// The private key, for an OpenSSL acceptor.
    pub fn private_key(&self) -> &PKey<Private> {
        &self.key
    }
}

impl TestCa {
    /// Generates the CA's key and its self-signed certificate.
    pub fn generate() -> Result<Self, CaError> {
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
        let cert = builder.build();
        let ca_pem = pem_string(cert.to_pem()?);
        Ok(TestCa { key, cert, ca_pem })
    }

    /// The CA certificate, PEM: the one root the client under test trusts.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A fresh key and a certificate for `127.0.0.1`, `::1` and
    /// `localhost`, issued by this CA.
    pub fn server_identity(&self) -> Result<ServerIdentity, CaError> {
        let key = p256_key()?;
        let mut builder = self.issued_builder("localhost", &key)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_agreement()
                .build()?,
        )?;
        builder.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        let names = SubjectAlternativeName::new()
            .dns("localhost")
            .ip(&IpAddr::V4(Ipv4Addr::LOCALHOST).to_string())
            .ip(&IpAddr::V6(Ipv6Addr::LOCALHOST).to_string())
            .build(&builder.x509v3_context(Some(&self.cert), None))?;
        builder.append_extension(names)?;
        let cert = self.signed(builder)?;
        Ok(ServerIdentity {
            cert_pem: pem_string(cert.to_pem()?),
            key_pem: pem_string(key.private_key_to_pem_pkcs8()?),
            cert,
            key,
        })
    }

    /// The `x5c` chain of a signing key (RFC 7517 section 4.7): a
    /// certificate for `key` with `subject` as its common name, issued by
    /// this CA, then the CA's own, each base64 (not base64url) DER.
    pub fn x5c_chain<T: HasPublic>(
        &self,
        subject: &str,
        key: &PKeyRef<T>,
    ) -> Result<Vec<String>, CaError> {
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
    ) -> Result<X509Builder, CaError> {
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

    fn signed(&self, mut builder: X509Builder) -> Result<X509, CaError> {
        builder.sign(&self.key, MessageDigest::sha256())?;
        Ok(builder.build())
    }
}

fn common_name(text: &str) -> Result<X509Name, CaError> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, text)?;
    Ok(name.build())
}

fn p256_key() -> Result<PKey<Private>, CaError> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

/// OpenSSL writes PEM in ASCII.
fn pem_string(pem: Vec<u8>) -> String {
    String::from_utf8_lossy(&pem).into_owned()
}

/// A version 3 builder with a random serial, `subject` as common name and
/// `key` as public key, valid from a day ago for [`VALIDITY_SECONDS`].
fn builder_for<T: HasPublic>(subject: &str, key: &PKeyRef<T>) -> Result<X509Builder, CaError> {
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

#[cfg(test)]
mod tests {
    use openssl::stack::Stack;
    use openssl::x509::store::X509StoreBuilder;
    use openssl::x509::X509StoreContext;

    use super::*;

    fn verifies(ca: &TestCa, cert: &X509) -> bool {
        let mut store = X509StoreBuilder::new().unwrap();
        store.add_cert(ca.cert.clone()).unwrap();
        let store = store.build();
        let mut context = X509StoreContext::new().unwrap();
        context
            .init(&store, cert, &Stack::new().unwrap(), |context| {
                context.verify_cert()
            })
            .unwrap()
    }

    #[test]
    fn server_certificates_chain_to_the_ca_and_name_loopback() {
        let ca = TestCa::generate().unwrap();
        let identity = ca.server_identity().unwrap();
        assert!(verifies(&ca, identity.certificate()));
        let other = TestCa::generate().unwrap();
        assert!(!verifies(&other, identity.certificate()));
        let names: Vec<String> = identity
            .certificate()
            .subject_alt_names()
            .unwrap()
            .iter()
            .map(|name| {
                name.dnsname()
                    .map(str::to_owned)
                    .or_else(|| name.ipaddress().map(|ip| format!("{ip:?}")))
                    .unwrap()
            })
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&"localhost".to_owned()));
        assert!(identity
            .certificate()
            .public_key()
            .unwrap()
            .public_eq(identity.private_key()));
    }

    #[test]
    fn x5c_chains_hold_the_keys_certificate_then_the_cas() {
        let ca = TestCa::generate().unwrap();
        let key = PKey::generate_ed25519().unwrap();
        let chain = ca.x5c_chain("a signing key", &key).unwrap();
        let leaf = X509::from_der(&STANDARD.decode(&chain[0]).unwrap()).unwrap();
        let root = X509::from_der(&STANDARD.decode(&chain[1]).unwrap()).unwrap();
        assert!(leaf.public_key().unwrap().public_eq(&key));
        assert!(verifies(&ca, &leaf));
        assert_eq!(root.to_der().unwrap(), ca.cert.to_der().unwrap());
    }
}
