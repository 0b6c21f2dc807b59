//! The floor: OpenSSL verifying the same signature over the same signing
//! input, with the key parsed once and the signature decoded once (ECDSA's
//! raw `R || S` turned into DER once, as OpenSSL wants it), and a fresh
//! verifier context per call. No JOSE work at all: what any verifier on
//! OpenSSL must pay at least.

use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Public};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Verifier};

use crate::fixture::{Alg, Fixture};

/// A prepared raw signature check.
pub(crate) struct Floor {
    alg: Alg,
    key: PKey<Public>,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

impl Floor {
    pub(crate) fn new(fixture: &Fixture) -> Result<Self, String> {
        let crypto = |error: openssl::error::ErrorStack| format!("floor setup: {error}");
        let public_der = fixture
            .key
            .openssl_key()
            .public_key_to_der()
            .map_err(crypto)?;
        let key = PKey::public_key_from_der(&public_der).map_err(crypto)?;
        let (signing_input, signature_b64) = fixture
            .token
            .rsplit_once('.')
            .ok_or("the fixture token has no signature")?;
        let raw = oidc_jwt_verifier_testkit::issuer::b64url_decode(signature_b64)
            .ok_or("the fixture signature is not base64url")?;
        let signature = match fixture.alg {
            Alg::Es256 => {
                let (r, s) = raw.split_at(raw.len() / 2);
                let r = BigNum::from_slice(r).map_err(crypto)?;
                let s = BigNum::from_slice(s).map_err(crypto)?;
                EcdsaSig::from_private_components(r, s)
                    .and_then(|signature| signature.to_der())
                    .map_err(crypto)?
            }
            Alg::Rs256 | Alg::Ps256 | Alg::EdDsa => raw,
        };
        let floor = Floor {
            alg: fixture.alg,
            key,
            signing_input: signing_input.as_bytes().to_vec(),
            signature,
        };
        match floor.check() {
            Ok(true) => Ok(floor),
            Ok(false) => Err(format!(
                "the floor refuses the {} token",
                fixture.alg.name()
            )),
            Err(error) => Err(crypto(error)),
        }
    }

    /// One signature check with a fresh context.
    pub(crate) fn verify(&self) -> bool {
        self.check().unwrap_or(false)
    }

    fn check(&self) -> Result<bool, openssl::error::ErrorStack> {
        match self.alg {
            Alg::Rs256 => {
                let mut verifier = Verifier::new(MessageDigest::sha256(), &self.key)?;
                verifier.update(&self.signing_input)?;
                verifier.verify(&self.signature)
            }
            Alg::Ps256 => {
                let mut verifier = Verifier::new(MessageDigest::sha256(), &self.key)?;
                verifier.set_rsa_padding(Padding::PKCS1_PSS)?;
                verifier.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
                verifier.set_rsa_mgf1_md(MessageDigest::sha256())?;
                verifier.update(&self.signing_input)?;
                verifier.verify(&self.signature)
            }
            Alg::Es256 => {
                let mut verifier = Verifier::new(MessageDigest::sha256(), &self.key)?;
                verifier.update(&self.signing_input)?;
                verifier.verify(&self.signature)
            }
            Alg::EdDsa => {
                let mut verifier = Verifier::new_without_digest(&self.key)?;
                verifier.verify_oneshot(&self.signature, &self.signing_input)
            }
        }
    }
}
