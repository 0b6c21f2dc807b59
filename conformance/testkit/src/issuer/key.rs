//! One signing key pair of the test issuer: its public JWK and its signer.

use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::{hash, MessageDigest};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use serde_json::{Map, Value};

use super::alg::{KeyKind, SigningAlg};
use super::b64::b64url;
use super::error::IssuerError;
use super::fixed::FixedKey;
use super::sign;

/// A private key for tests, with the key id and algorithm it publishes.
///
/// Generated keys get a key id derived from their RFC 7638 thumbprint;
/// [`TestKey::fixed`] keys use the file stem of the shipped PEM.
#[derive(Clone)]
pub struct TestKey {
    kind: KeyKind,
    kid: String,
    alg: SigningAlg,
    private_key: PKey<Private>,
    /// The members RFC 7638 requires for this key type (`kty`, `n`, `e`, ...).
    required_members: Map<String, Value>,
    thumbprint: String,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKey")
            .field("kind", &self.kind)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl TestKey {
    /// Generates a fresh key pair of `kind` with OpenSSL (random, so never
    /// the same twice; use [`TestKey::fixed`] or [`TestKey::from_pem`] for
    /// repeatable keys).
    pub fn generate(kind: KeyKind) -> Result<Self, IssuerError> {
        let private_key = match kind {
            KeyKind::Rsa { bits } => PKey::from_rsa(Rsa::generate(bits)?)?,
            KeyKind::P256 => generate_ec(Nid::X9_62_PRIME256V1)?,
            KeyKind::P384 => generate_ec(Nid::SECP384R1)?,
            KeyKind::P521 => generate_ec(Nid::SECP521R1)?,
            KeyKind::Ed25519 => PKey::generate_ed25519()?,
            KeyKind::Ed448 => PKey::generate_ed448()?,
        };
        Self::from_private_key(kind, private_key)
    }

    /// Loads a private key from PEM (PKCS#8 `PRIVATE KEY`, or the
    /// traditional `RSA PRIVATE KEY` / `EC PRIVATE KEY` forms). The kind is
    /// read from the key; the key id is thumbprint-derived.
    pub fn from_pem(pem: &str) -> Result<Self, IssuerError> {
        let private_key = PKey::private_key_from_pem(pem.as_bytes())
            .map_err(|error| IssuerError::UnsupportedKey(error.to_string()))?;
        let kind = kind_of(&private_key)?;
        Self::from_private_key(kind, private_key)
    }

    /// One of the keys shipped in the kit's `keys/` folder (TEST ONLY), with its
    /// file stem as key id, e.g. `"rsa2048-a"`.
    pub fn fixed(key: FixedKey) -> Result<Self, IssuerError> {
        Ok(Self::from_pem(key.pem())?.with_kid(key.kid()))
    }

    fn from_private_key(kind: KeyKind, private_key: PKey<Private>) -> Result<Self, IssuerError> {
        let required_members = required_jwk_members(&private_key, kind)?;
        let thumbprint = thumbprint_of(&required_members)?;
        Ok(Self {
            kind,
            kid: thumbprint.chars().take(16).collect(),
            alg: kind.default_alg(),
            private_key,
            required_members,
            thumbprint,
        })
    }

    /// The same key published under another key id.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into();
        self
    }

    /// The same key publishing and signing with another algorithm; fails
    /// when the algorithm does not fit the key (ES256 needs P-256, ...).
    pub fn with_alg(mut self, alg: SigningAlg) -> Result<Self, IssuerError> {
        self.check_fits(alg)?;
        self.alg = alg;
        Ok(self)
    }

    /// The key id (`kid`) published in the JWK and put in token headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm published in the JWK and signed with by default.
    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// The kind and size of the key.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The public key as a JWK object with `kid`, `alg` and `use: "sig"`.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.required_members.clone();
        jwk.insert("kid".into(), Value::String(self.kid.clone()));
        jwk.insert("alg".into(), Value::String(self.alg.name().into()));
        jwk.insert("use".into(), Value::String("sig".into()));
        Value::Object(jwk)
    }

    /// The public key as a JWK of the RFC 7638 required members only
    /// (`kty` and `crv`, `x`, `y`, or `n`, `e`): what a DPoP client puts
    /// in its proofs.
    pub fn public_members(&self) -> Value {
        Value::Object(self.required_members.clone())
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// The private key as PKCS#8 PEM.
    pub fn private_pem(&self) -> Result<String, IssuerError> {
        let pem = self.private_key.private_key_to_pem_pkcs8()?;
        String::from_utf8(pem).map_err(|error| IssuerError::Crypto(error.to_string()))
    }

    /// The public key as SubjectPublicKeyInfo PEM.
    pub fn public_pem(&self) -> Result<String, IssuerError> {
        let pem = self.private_key.public_key_to_pem()?;
        String::from_utf8(pem).map_err(|error| IssuerError::Crypto(error.to_string()))
    }

    /// The raw JWS signature of `message` (the ASCII signing input) with
    /// `alg`: PKCS#1/PSS octets for RSA, `r || s` for ECDSA, the EdDSA octets.
    pub fn signature(&self, alg: SigningAlg, message: &[u8]) -> Result<Vec<u8>, IssuerError> {
        self.check_fits(alg)?;
        sign::signature(&self.private_key, self.kind, alg, message)
    }

    /// Signs `header` and `payload` exactly as given into a compact JWS.
    ///
    /// The signature algorithm is the header's `alg` when that names an
    /// algorithm this key can compute, and the key's own [`alg`](Self::alg)
    /// otherwise (so a header claiming `"none"` or `"HS256"` still carries a
    /// real signature). Header members are not added or changed: put `kid`
    /// and `alg` in yourself, or use [`TokenBuilder`](super::TokenBuilder).
    pub fn sign(
        &self,
        header: &Map<String, Value>,
        payload: &Map<String, Value>,
    ) -> Result<String, IssuerError> {
        let alg = self.alg_for_header(header.get("alg"));
        let signing_input = format!(
            "{}.{}",
            b64url(Value::Object(header.clone()).to_string()),
            b64url(Value::Object(payload.clone()).to_string())
        );
        let signature = self.signature(alg, signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{}", b64url(signature)))
    }

    /// The underlying OpenSSL key, for tests that need more.
    pub fn openssl_key(&self) -> &PKey<Private> {
        &self.private_key
    }

    /// The header's `alg` when it names an algorithm this key computes,
    /// else the key's own.
    pub(super) fn alg_for_header(&self, header_alg: Option<&Value>) -> SigningAlg {
        header_alg
            .and_then(Value::as_str)
            .and_then(SigningAlg::from_name)
            .filter(|alg| alg.fits(self.kind))
            .unwrap_or(self.alg)
    }

    fn check_fits(&self, alg: SigningAlg) -> Result<(), IssuerError> {
        if alg.fits(self.kind) {
            Ok(())
        } else {
            Err(IssuerError::AlgDoesNotFitKey {
                alg: alg.name(),
                kid: self.kid.clone(),
            })
        }
    }
}

fn generate_ec(curve: Nid) -> Result<PKey<Private>, IssuerError> {
    let group = EcGroup::from_curve_name(curve)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

/// The kind of a loaded key, or why it is not supported.
fn kind_of(key: &PKey<Private>) -> Result<KeyKind, IssuerError> {
    match key.id() {
        Id::RSA => Ok(KeyKind::Rsa { bits: key.bits() }),
        Id::ED25519 => Ok(KeyKind::Ed25519),
        Id::ED448 => Ok(KeyKind::Ed448),
        Id::EC => match key.ec_key()?.group().curve_name() {
            Some(Nid::X9_62_PRIME256V1) => Ok(KeyKind::P256),
            Some(Nid::SECP384R1) => Ok(KeyKind::P384),
            Some(Nid::SECP521R1) => Ok(KeyKind::P521),
            other => Err(IssuerError::UnsupportedKey(format!("EC curve {other:?}"))),
        },
        other => Err(IssuerError::UnsupportedKey(format!("key type {other:?}"))),
    }
}

/// The members RFC 7638 requires for the key's type, with the public
/// parameters as unpadded base64url of their big-endian octets (EC
/// coordinates padded to the field length).
fn required_jwk_members(
    key: &PKey<Private>,
    kind: KeyKind,
) -> Result<Map<String, Value>, IssuerError> {
    let mut jwk = Map::new();
    match kind {
        KeyKind::Rsa { .. } => {
            let rsa = key.rsa()?;
            jwk.insert("kty".into(), "RSA".into());
            jwk.insert("n".into(), b64url(rsa.n().to_vec()).into());
            jwk.insert("e".into(), b64url(rsa.e().to_vec()).into());
        }
        KeyKind::P256 => insert_ec_members(&mut jwk, key, "P-256", 32)?,
        KeyKind::P384 => insert_ec_members(&mut jwk, key, "P-384", 48)?,
        KeyKind::P521 => insert_ec_members(&mut jwk, key, "P-521", 66)?,
        KeyKind::Ed25519 | KeyKind::Ed448 => {
            let crv = if kind == KeyKind::Ed25519 {
                "Ed25519"
            } else {
                "Ed448"
            };
            jwk.insert("kty".into(), "OKP".into());
            jwk.insert("crv".into(), crv.into());
            jwk.insert("x".into(), b64url(key.raw_public_key()?).into());
        }
    }
    Ok(jwk)
}

fn insert_ec_members(
    jwk: &mut Map<String, Value>,
    key: &PKey<Private>,
    crv: &str,
    field_bytes: i32,
) -> Result<(), IssuerError> {
    let ec_key = key.ec_key()?;
    let mut context = BigNumContext::new()?;
    let mut x = BigNum::new()?;
    let mut y = BigNum::new()?;
    ec_key
        .public_key()
        .affine_coordinates(ec_key.group(), &mut x, &mut y, &mut context)?;
    jwk.insert("kty".into(), "EC".into());
    jwk.insert("crv".into(), crv.into());
    jwk.insert("x".into(), b64url(x.to_vec_padded(field_bytes)?).into());
    jwk.insert("y".into(), b64url(y.to_vec_padded(field_bytes)?).into());
    Ok(())
}

/// RFC 7638: SHA-256 over the required members, sorted by name, without
/// whitespace. Written out by hand so the member order never depends on
/// serde_json's map features.
fn thumbprint_of(required_members: &Map<String, Value>) -> Result<String, IssuerError> {
    let mut members: Vec<(&String, &Value)> = required_members.iter().collect();
    members.sort_by(|left, right| left.0.cmp(right.0));
    let body: Vec<String> = members
        .into_iter()
        .map(|(name, value)| format!("{}:{value}", Value::String(name.clone())))
        .collect();
    let canonical = format!("{{{}}}", body.join(","));
    Ok(b64url(hash(MessageDigest::sha256(), canonical.as_bytes())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::test_support::josekit_verifies;
    use serde_json::json;

    fn header_for(key: &TestKey, alg: SigningAlg) -> Map<String, Value> {
        let mut header = Map::new();
        header.insert("alg".into(), alg.name().into());
        header.insert("kid".into(), key.kid().into());
        header
    }

    fn claims() -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("alice"));
        claims
    }

    fn assert_signs_every_fitting_alg(key: &TestKey) {
        for alg in SigningAlg::ALL
            .into_iter()
            .filter(|alg| alg.fits(key.kind()))
        {
            let token = key.sign(&header_for(key, alg), &claims()).unwrap();
            assert!(
                josekit_verifies(&key.public_jwk(), alg, &token),
                "{key:?} {alg}"
            );
        }
    }

    #[test]
    fn fixed_keys_load_with_their_file_stem_as_kid() {
        let kinds: Vec<KeyKind> = FixedKey::ALL
            .into_iter()
            .map(|fixed| {
                let key = TestKey::fixed(fixed).unwrap();
                assert_eq!(key.kid(), fixed.kid());
                key.kind()
            })
            .collect();
        assert_eq!(
            kinds,
            [
                KeyKind::Rsa { bits: 2048 },
                KeyKind::Rsa { bits: 2048 },
                KeyKind::Rsa { bits: 3072 },
                KeyKind::Rsa { bits: 4096 },
                KeyKind::Rsa { bits: 1024 },
                KeyKind::P256,
                KeyKind::P384,
                KeyKind::P521,
                KeyKind::Ed25519,
                KeyKind::Ed448,
            ]
        );
    }

    #[test]
    fn fixed_keys_sign_tokens_josekit_verifies_for_every_fitting_alg() {
        for fixed in FixedKey::ALL {
            if fixed == FixedKey::Rsa1024Weak {
                continue; // josekit refuses keys under 2048 bits; see below
            }
            assert_signs_every_fitting_alg(&TestKey::fixed(fixed).unwrap());
        }
    }

    #[test]
    fn generated_keys_of_every_kind_sign_verifiable_tokens() {
        for kind in [
            KeyKind::RSA_2048,
            KeyKind::P256,
            KeyKind::P384,
            KeyKind::P521,
            KeyKind::Ed25519,
            KeyKind::Ed448,
        ] {
            let key = TestKey::generate(kind).unwrap();
            assert_eq!(key.kind(), kind);
            assert_eq!(key.alg(), kind.default_alg());
            assert_signs_every_fitting_alg(&key);
        }
    }

    #[test]
    fn weak_rsa_keys_sign_with_openssl_and_verify() {
        let key = TestKey::fixed(FixedKey::Rsa1024Weak).unwrap();
        let public = PKey::public_key_from_pem(key.public_pem().unwrap().as_bytes()).unwrap();
        for (alg, digest, padding) in [
            (
                SigningAlg::Rs256,
                MessageDigest::sha256(),
                openssl::rsa::Padding::PKCS1,
            ),
            (
                SigningAlg::Ps256,
                MessageDigest::sha256(),
                openssl::rsa::Padding::PKCS1_PSS,
            ),
        ] {
            let signature = key.signature(alg, b"input").unwrap();
            assert_eq!(signature.len(), 128);
            let mut verifier = openssl::sign::Verifier::new(digest, &public).unwrap();
            verifier.set_rsa_padding(padding).unwrap();
            if alg == SigningAlg::Ps256 {
                verifier
                    .set_rsa_pss_saltlen(openssl::sign::RsaPssSaltlen::custom(32))
                    .unwrap();
            }
            assert!(
                verifier.verify_oneshot(&signature, b"input").unwrap(),
                "{alg}"
            );
        }
        // PS512 needs 2 + 64 + 64 bytes of modulus: a 1024-bit key cannot.
        assert!(matches!(
            key.signature(SigningAlg::Ps512, b"input"),
            Err(IssuerError::Crypto(_))
        ));
    }

    #[test]
    fn public_jwk_has_kid_alg_use_and_exact_lengths() {
        let key = TestKey::fixed(FixedKey::P521).unwrap();
        let jwk = key.public_jwk();
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["crv"], "P-521");
        assert_eq!(jwk["kid"], "ec-p521");
        assert_eq!(jwk["alg"], "ES512");
        assert_eq!(jwk["use"], "sig");
        for coordinate in ["x", "y"] {
            let text = jwk[coordinate].as_str().unwrap();
            assert_eq!(crate::issuer::b64url_decode(text).unwrap().len(), 66);
        }
        let ed = TestKey::fixed(FixedKey::Ed448).unwrap().public_jwk();
        assert_eq!(
            (ed["kty"].as_str(), ed["crv"].as_str()),
            (Some("OKP"), Some("Ed448"))
        );
        assert_eq!(
            crate::issuer::b64url_decode(ed["x"].as_str().unwrap())
                .unwrap()
                .len(),
            57
        );
        let rsa = TestKey::fixed(FixedKey::Rsa2048A).unwrap().public_jwk();
        assert_eq!(rsa["e"], "AQAB");
        assert_eq!(
            crate::issuer::b64url_decode(rsa["n"].as_str().unwrap())
                .unwrap()
                .len(),
            256
        );
        assert!(rsa.get("d").is_none());
    }

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        let mut members = Map::new();
        members.insert("kty".into(), json!("RSA"));
        members.insert("e".into(), json!("AQAB"));
        members.insert("n".into(), json!("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"));
        assert_eq!(
            thumbprint_of(&members).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn generated_kid_is_the_thumbprint_prefix_and_with_kid_overrides_it() {
        let key = TestKey::generate(KeyKind::Ed25519).unwrap();
        assert_eq!(key.kid().len(), 16);
        assert!(key.thumbprint().starts_with(key.kid()));
        assert_eq!(key.with_kid("k1").public_jwk()["kid"], "k1");
    }

    #[test]
    fn pem_round_trip_keeps_the_key() {
        let key = TestKey::fixed(FixedKey::P384).unwrap();
        let again = TestKey::from_pem(&key.private_pem().unwrap()).unwrap();
        assert_eq!(again.thumbprint(), key.thumbprint());
    }

    #[test]
    fn from_pem_refuses_garbage_and_unsupported_curves() {
        assert!(matches!(
            TestKey::from_pem("not a key"),
            Err(IssuerError::UnsupportedKey(_))
        ));
        let group = EcGroup::from_curve_name(Nid::SECP256K1).unwrap();
        let k1 = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let pem = String::from_utf8(k1.private_key_to_pem_pkcs8().unwrap()).unwrap();
        assert!(matches!(
            TestKey::from_pem(&pem),
            Err(IssuerError::UnsupportedKey(_))
        ));
    }

    #[test]
    fn algorithms_that_do_not_fit_are_refused() {
        let key = TestKey::fixed(FixedKey::P256).unwrap();
        assert!(matches!(
            key.clone().with_alg(SigningAlg::Es384),
            Err(IssuerError::AlgDoesNotFitKey { alg: "ES384", .. })
        ));
        assert!(key.signature(SigningAlg::Rs256, b"x").is_err());
        let rsa = TestKey::fixed(FixedKey::Rsa2048A).unwrap();
        assert_eq!(
            rsa.with_alg(SigningAlg::Ps256).unwrap().alg(),
            SigningAlg::Ps256
        );
    }

    #[test]
    fn sign_follows_a_fitting_header_alg_and_falls_back_to_the_key_alg() {
        let key = TestKey::fixed(FixedKey::Rsa2048A).unwrap();
        let jwk = key.public_jwk();
        let pss = key
            .sign(&header_for(&key, SigningAlg::Ps384), &claims())
            .unwrap();
        assert!(josekit_verifies(&jwk, SigningAlg::Ps384, &pss));
        assert!(!josekit_verifies(&jwk, SigningAlg::Rs256, &pss));
        let mut none = Map::new();
        none.insert("alg".into(), json!("none"));
        let token = key.sign(&none, &claims()).unwrap();
        assert!(josekit_verifies(&jwk, SigningAlg::Rs256, &token));
        let mut es = Map::new();
        es.insert("alg".into(), json!("ES256"));
        let token = key.sign(&es, &claims()).unwrap();
        assert!(josekit_verifies(&jwk, SigningAlg::Rs256, &token));
    }

    #[test]
    fn rs256_and_eddsa_are_repeatable_es256_is_not() {
        let rsa = TestKey::fixed(FixedKey::Rsa2048A).unwrap();
        let ed = TestKey::fixed(FixedKey::Ed25519).unwrap();
        let ec = TestKey::fixed(FixedKey::P256).unwrap();
        for key in [&rsa, &ed] {
            let first = key.signature(key.alg(), b"same").unwrap();
            assert_eq!(first, key.signature(key.alg(), b"same").unwrap());
        }
        let first = ec.signature(SigningAlg::Es256, b"same").unwrap();
        assert_ne!(first, ec.signature(SigningAlg::Es256, b"same").unwrap());
        assert_eq!(first.len(), 64);
    }

    #[test]
    fn pss_salt_is_as_long_as_the_hash() {
        let key = TestKey::fixed(FixedKey::Rsa2048B).unwrap();
        let public = PKey::public_key_from_pem(key.public_pem().unwrap().as_bytes()).unwrap();
        let signature = key.signature(SigningAlg::Ps384, b"input").unwrap();
        let verifies_with_salt = |salt: i32| {
            let mut verifier =
                openssl::sign::Verifier::new(MessageDigest::sha384(), &public).unwrap();
            verifier
                .set_rsa_padding(openssl::rsa::Padding::PKCS1_PSS)
                .unwrap();
            verifier.set_rsa_mgf1_md(MessageDigest::sha384()).unwrap();
            verifier
                .set_rsa_pss_saltlen(openssl::sign::RsaPssSaltlen::custom(salt))
                .unwrap();
            verifier
                .verify_oneshot(&signature, b"input")
                .unwrap_or(false)
        };
        assert!(verifies_with_salt(48));
        assert!(!verifies_with_salt(20));
    }
}
