//! Computing JWS signatures: josekit signers, OpenSSL for small RSA keys.

use josekit::jws::{self, JwsSigner};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Padding;
use openssl::sign::RsaPssSaltlen;
use openssl::sign::Signer;

use super::alg::{KeyKind, SigningAlg};
use super::error::IssuerError;

/// josekit refuses RSA keys under this size; they are signed with OpenSSL.
const JOSEKIT_MIN_RSA_BITS: u32 = 2048;

/// The JWS signature of `message` with `key` (of `kind`) under `alg`, which
/// the caller has checked fits the key.
pub(super) fn signature(
    key: &PKey<Private>,
    kind: KeyKind,
    alg: SigningAlg,
    message: &[u8],
) -> Result<Vec<u8>, IssuerError> {
    if let KeyKind::Rsa { bits } = kind {
        if bits < JOSEKIT_MIN_RSA_BITS {
            return small_rsa_signature(key, alg, message);
        }
    }
    let der = key.private_key_to_pkcs8()?;
    let signer = josekit_signer(alg, &der)?;
    Ok(signer.sign(message)?)
}

fn josekit_signer(alg: SigningAlg, pkcs8_der: &[u8]) -> Result<Box<dyn JwsSigner>, IssuerError> {
    Ok(match alg {
        SigningAlg::Rs256 => Box::new(jws::RS256.signer_from_der(pkcs8_der)?),
        SigningAlg::Rs384 => Box::new(jws::RS384.signer_from_der(pkcs8_der)?),
        SigningAlg::Rs512 => Box::new(jws::RS512.signer_from_der(pkcs8_der)?),
        SigningAlg::Ps256 => Box::new(jws::PS256.signer_from_der(pkcs8_der)?),
        SigningAlg::Ps384 => Box::new(jws::PS384.signer_from_der(pkcs8_der)?),
        SigningAlg::Ps512 => Box::new(jws::PS512.signer_from_der(pkcs8_der)?),
        SigningAlg::Es256 => Box::new(jws::ES256.signer_from_der(pkcs8_der)?),
        SigningAlg::Es384 => Box::new(jws::ES384.signer_from_der(pkcs8_der)?),
        SigningAlg::Es512 => Box::new(jws::ES512.signer_from_der(pkcs8_der)?),
        SigningAlg::EdDsa | SigningAlg::Ed25519 | SigningAlg::Ed448 => {
            Box::new(jws::EdDSA.signer_from_der(pkcs8_der)?)
        }
    })
}

/// RS*/PS* with OpenSSL directly, for keys josekit will not load (the
/// deliberately weak keys of negative tests). PSS per RFC 7518 section 3.5:
/// MGF1 with the same hash, salt as long as the hash.
fn small_rsa_signature(
    key: &PKey<Private>,
    alg: SigningAlg,
    message: &[u8],
) -> Result<Vec<u8>, IssuerError> {
    let (digest, pss) = match alg {
        SigningAlg::Rs256 => (MessageDigest::sha256(), false),
        SigningAlg::Rs384 => (MessageDigest::sha384(), false),
        SigningAlg::Rs512 => (MessageDigest::sha512(), false),
        SigningAlg::Ps256 => (MessageDigest::sha256(), true),
        SigningAlg::Ps384 => (MessageDigest::sha384(), true),
        SigningAlg::Ps512 => (MessageDigest::sha512(), true),
        other => {
            return Err(IssuerError::AlgDoesNotFitKey {
                alg: other.name(),
                kid: String::from("(small RSA key)"),
            })
        }
    };
    let mut signer = Signer::new(digest, key)?;
    if pss {
        signer.set_rsa_padding(Padding::PKCS1_PSS)?;
        signer.set_rsa_mgf1_md(digest)?;
        signer.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
    } else {
        signer.set_rsa_padding(Padding::PKCS1)?;
    }
    Ok(signer.sign_oneshot_to_vec(message)?)
}
