//! The certificate authority generated for a server run (or shared by
//! several servers), and the TLS acceptor whose certificate it issued.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509NameRef, X509};

use super::error::ServerError;

/// How long the generated certificates are valid, either side of now.
const VALIDITY_SECONDS: i64 = 30 * 24 * 3600;

/// A CA generated for a test run and the server certificate it issued for
/// `127.0.0.1`, `::1` and `localhost`: what a [`ScriptedServer`] serves
/// HTTPS with. Cloning shares it; hand one to
/// [`ScriptedServer::start_with_tls`] to start many servers with one CA.
///
/// [`ScriptedServer`]: super::ScriptedServer
/// [`ScriptedServer::start_with_tls`]: super::ScriptedServer::start_with_tls
#[derive(Clone)]
pub struct ServerTls {
    inner: Arc<RunTls>,
}

struct RunTls {
    ca_pem: String,
    acceptor: SslAcceptor,
}

impl ServerTls {
    /// Generates a CA (P-256), a server certificate it issues and the
    /// acceptor that serves it.
    pub fn generate() -> Result<Self, ServerError> {
        Ok(Self {
            inner: Arc::new(RunTls::generate()?),
        })
    }

    /// The PEM of the CA: trust it in the client under test.
    pub fn ca_pem(&self) -> &str {
        &self.inner.ca_pem
    }

    pub(crate) fn acceptor(&self) -> &SslAcceptor {
        &self.inner.acceptor
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

impl RunTls {
    fn generate() -> Result<Self, ServerError> {
        let ca_key = ec_key()?;
        let ca_cert = ca_certificate(&ca_key)?;
        let server_key = ec_key()?;
        let server_cert = server_certificate(&server_key, &ca_cert, &ca_key)?;
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
        acceptor.set_private_key(&server_key)?;
        acceptor.set_certificate(&server_cert)?;
        acceptor.check_private_key()?;
        let ca_pem = String::from_utf8(ca_cert.to_pem()?)
            .map_err(|error| ServerError::Tls(error.to_string()))?;
        Ok(Self {
            ca_pem,
            acceptor: acceptor.build(),
        })
    }
}

fn ec_key() -> Result<PKey<Private>, ServerError> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

fn common_name(text: &str) -> Result<X509Name, ServerError> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, text)?;
    Ok(name.build())
}

/// A builder with version 3, a random serial, `subject` as subject name,
/// `key` as public key, valid from a day ago for [`VALIDITY_SECONDS`].
fn builder_for(subject: &X509NameRef, key: &PKey<Private>) -> Result<X509Builder, ServerError> {
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    let serial = Asn1Integer::from_bn(&serial)?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(subject)?;
    builder.set_pubkey(key)?;
    let not_before = Asn1Time::from_unix(now.saturating_sub(24 * 3600))?;
    let not_after = Asn1Time::from_unix(now.saturating_add(VALIDITY_SECONDS))?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    Ok(builder)
}

fn ca_certificate(key: &PKey<Private>) -> Result<X509, ServerError> {
    let subject = common_name("oidc-jwt-verifier scripted server CA (TEST ONLY)")?;
    let mut builder = builder_for(&subject, key)?;
    builder.set_issuer_name(&subject)?;
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
    builder.sign(key, MessageDigest::sha256())?;
    Ok(builder.build())
}

fn server_certificate(
    key: &PKey<Private>,
    ca_cert: &X509,
    ca_key: &PKey<Private>,
) -> Result<X509, ServerError> {
    let subject = common_name("localhost")?;
    let mut builder = builder_for(&subject, key)?;
    builder.set_issuer_name(ca_cert.subject_name())?;
    builder.append_extension(BasicConstraints::new().critical().build()?)?;
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
        .build(&builder.x509v3_context(Some(ca_cert), None))?;
    builder.append_extension(names)?;
    let key_id = SubjectKeyIdentifier::new().build(&builder.x509v3_context(Some(ca_cert), None))?;
    builder.append_extension(key_id)?;
    let authority = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&builder.x509v3_context(Some(ca_cert), None))?;
    builder.append_extension(authority)?;
    builder.sign(ca_key, MessageDigest::sha256())?;
    Ok(builder.build())
}
