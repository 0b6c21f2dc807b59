//! Deliberately broken tokens, made from a well-formed compact JWS.
//!
//! Each function takes `header.payload.signature` and returns the broken
//! variant, or `None` when the input does not have the shape the change
//! needs (not three parts, a segment that is not base64url, nothing to
//! change).

use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use serde_json::{Map, Value};

use super::b64::{b64url, b64url_decode};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The three segments of a compact JWS.
fn parts(token: &str) -> Option<[&str; 3]> {
    let mut split = token.split('.');
    let parts = [split.next()?, split.next()?, split.next()?];
    split.next().is_none().then_some(parts)
}

/// The token with its signature bytes replaced by `edit(bytes)`.
fn edit_signature(token: &str, edit: impl FnOnce(Vec<u8>) -> Option<Vec<u8>>) -> Option<String> {
    let [header, payload, signature] = parts(token)?;
    let edited = edit(b64url_decode(signature)?)?;
    Some(format!("{header}.{payload}.{}", b64url(edited)))
}

/// Flips the lowest bit of the first signature byte: same length, invalid.
pub fn tamper_signature(token: &str) -> Option<String> {
    edit_signature(token, |mut bytes| {
        *bytes.first_mut()? ^= 1;
        Some(bytes)
    })
}

/// Replaces the payload with `payload`, keeping the old header and signature.
pub fn replace_payload(token: &str, payload: &Map<String, Value>) -> Option<String> {
    let [header, _, signature] = parts(token)?;
    let payload = b64url(Value::Object(payload.clone()).to_string());
    Some(format!("{header}.{payload}.{signature}"))
}

/// Drops the last `bytes` signature bytes (a signature of the wrong length).
pub fn truncate_signature(token: &str, bytes: usize) -> Option<String> {
    edit_signature(token, |mut signature| {
        let keep = signature.len().checked_sub(bytes)?;
        signature.truncate(keep);
        Some(signature)
    })
}

/// Appends `extra` to the signature bytes (a signature of the wrong length).
pub fn extend_signature(token: &str, extra: &[u8]) -> Option<String> {
    edit_signature(token, |mut signature| {
        signature.extend_from_slice(extra);
        Some(signature)
    })
}

/// Replaces the signature with zero bytes of the same length.
pub fn zero_signature(token: &str) -> Option<String> {
    edit_signature(token, |signature| Some(vec![0; signature.len()]))
}

/// Removes the signature, keeping the final dot: `header.payload.`.
pub fn strip_signature(token: &str) -> Option<String> {
    let [header, payload, _] = parts(token)?;
    Some(format!("{header}.{payload}."))
}

/// Re-encodes a raw `r || s` ECDSA signature as a DER `ECDSA-Sig-Value`,
/// the form JWS forbids (RFC 7518 section 3.4).
pub fn der_ecdsa_signature(token: &str) -> Option<String> {
    edit_signature(token, |raw| {
        if raw.is_empty() || raw.len() % 2 != 0 {
            return None;
        }
        let (r, s) = raw.split_at(raw.len() / 2);
        let r = BigNum::from_slice(r).ok()?;
        let s = BigNum::from_slice(s).ok()?;
        EcdsaSig::from_private_components(r, s).ok()?.to_der().ok()
    })
}

/// Adds `=` padding to every segment whose length is not a multiple of
/// four; `None` when no segment needs any.
pub fn padded(token: &str) -> Option<String> {
    let segments = parts(token)?;
    let padded: Vec<String> = segments
        .iter()
        .map(|segment| {
            let missing = (4 - segment.len() % 4) % 4;
            format!("{segment}{}", "=".repeat(missing))
        })
        .collect();
    let result = padded.join(".");
    (result != token).then_some(result)
}

/// Writes every segment in the standard base64 alphabet (`+` and `/`
/// instead of `-` and `_`); `None` when the token has neither character.
pub fn standard_alphabet(token: &str) -> Option<String> {
    parts(token)?;
    let result = token.replace('-', "+").replace('_', "/");
    (result != token).then_some(result)
}

/// Sets an unused low bit in the last character of segment `index` (0, 1
/// or 2), so lenient decoders read the same bytes while strict ones refuse
/// it; `None` when that segment has no unused bits (length a multiple of 4).
pub fn nonzero_trailing_bits(token: &str, index: usize) -> Option<String> {
    let mut segments = parts(token)?.map(str::to_owned);
    let segment = segments.get_mut(index)?;
    if !matches!(segment.len() % 4, 2 | 3) {
        return None;
    }
    let last = segment.pop()?;
    let value = ALPHABET
        .iter()
        .position(|&symbol| char::from(symbol) == last)?;
    let changed = ALPHABET.get(value | 1)?;
    segment.push(char::from(*changed));
    Some(segments.join("."))
}

/// A five-part JWE-shaped token (RFC 7516 compact serialization): `header`
/// as the protected header, then a fixed encrypted key, IV, `plaintext` as
/// the "ciphertext" and a fixed tag. Nothing is really encrypted.
pub fn jwe_shaped(header: &Map<String, Value>, plaintext: &[u8]) -> String {
    let protected = b64url(Value::Object(header.clone()).to_string());
    let encrypted_key = b64url([0x5a_u8; 256]);
    let iv = b64url([0x01_u8; 12]);
    let tag = b64url([0x02_u8; 16]);
    format!(
        "{protected}.{encrypted_key}.{iv}.{}.{tag}",
        b64url(plaintext)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::test_support::{josekit_verifies, segment_text};
    use crate::issuer::{FixedKey, SigningAlg, TestKey, TokenBuilder};
    use serde_json::json;

    fn signed(key: FixedKey) -> (TestKey, String) {
        let key = TestKey::fixed(key).unwrap();
        let token = TokenBuilder::for_key(&key)
            .claim("sub", json!("alice"))
            .sign(&key)
            .unwrap();
        (key, token)
    }

    fn signature_len(token: &str) -> usize {
        b64url_decode(token.rsplit('.').next().unwrap())
            .unwrap()
            .len()
    }

    #[test]
    fn tampered_signature_keeps_length_and_fails() {
        let (key, token) = signed(FixedKey::Rsa2048A);
        let tampered = tamper_signature(&token).unwrap();
        assert_ne!(tampered, token);
        assert_eq!(signature_len(&tampered), 256);
        assert!(josekit_verifies(
            &key.public_jwk(),
            SigningAlg::Rs256,
            &token
        ));
        assert!(!josekit_verifies(
            &key.public_jwk(),
            SigningAlg::Rs256,
            &tampered
        ));
    }

    #[test]
    fn replaced_payload_keeps_the_old_signature() {
        let (key, token) = signed(FixedKey::Ed25519);
        let mut payload = Map::new();
        payload.insert("sub".into(), json!("mallory"));
        let forged = replace_payload(&token, &payload).unwrap();
        assert_eq!(segment_text(&forged, 1), r#"{"sub":"mallory"}"#);
        assert_eq!(forged.rsplit('.').next(), token.rsplit('.').next());
        assert!(!josekit_verifies(
            &key.public_jwk(),
            SigningAlg::EdDsa,
            &forged
        ));
    }

    #[test]
    fn wrong_length_signatures() {
        let (_, token) = signed(FixedKey::P256);
        assert_eq!(signature_len(&truncate_signature(&token, 1).unwrap()), 63);
        assert_eq!(
            signature_len(&extend_signature(&token, &[0, 0]).unwrap()),
            66
        );
        assert_eq!(truncate_signature(&token, 65), None);
    }

    #[test]
    fn zero_and_stripped_signatures() {
        let (_, token) = signed(FixedKey::P384);
        let zero = zero_signature(&token).unwrap();
        let bytes = b64url_decode(zero.rsplit('.').next().unwrap()).unwrap();
        assert_eq!(bytes, vec![0; 96]);
        let stripped = strip_signature(&token).unwrap();
        assert!(stripped.ends_with('.'));
        assert!(token.starts_with(&stripped));
    }

    #[test]
    fn der_ecdsa_encodes_the_same_r_and_s() {
        let (key, token) = signed(FixedKey::P256);
        let der_token = der_ecdsa_signature(&token).unwrap();
        let der = b64url_decode(der_token.rsplit('.').next().unwrap()).unwrap();
        assert_eq!(der.first(), Some(&0x30)); // SEQUENCE
        let parsed = EcdsaSig::from_der(&der).unwrap();
        let raw = b64url_decode(token.rsplit('.').next().unwrap()).unwrap();
        assert_eq!(parsed.r().to_vec_padded(32).unwrap(), raw[..32]);
        assert_eq!(parsed.s().to_vec_padded(32).unwrap(), raw[32..]);
        assert!(!josekit_verifies(
            &key.public_jwk(),
            SigningAlg::Es256,
            &der_token
        ));
        assert_eq!(der_ecdsa_signature("a.b."), None);
    }

    #[test]
    fn padding_is_added_where_missing() {
        let token = format!("{}.{}.{}", b64url("ab"), b64url("abc"), b64url("abcd"));
        assert_eq!(padded(&token).unwrap(), "YWI=.YWJj.YWJjZA==");
        assert_eq!(padded("YWJj.YWJj.YWJj"), None);
    }

    #[test]
    fn standard_alphabet_replaces_url_safe_characters() {
        assert_eq!(standard_alphabet("a-.b_.c").unwrap(), "a+.b/.c");
        assert_eq!(standard_alphabet("a.b.c"), None);
    }

    #[test]
    fn trailing_bits_change_the_text_but_not_the_lenient_decoding() {
        use base64::engine::general_purpose::GeneralPurpose;
        use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
        use base64::Engine as _;
        let lenient = GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            GeneralPurposeConfig::new()
                .with_decode_allow_trailing_bits(true)
                .with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        let token = format!("{}.{}.{}", b64url("ab"), b64url("abc"), b64url("abcde"));
        let changed = nonzero_trailing_bits(&token, 0).unwrap();
        let header = changed.split('.').next().unwrap();
        assert_ne!(header, b64url("ab"));
        assert_eq!(b64url_decode(header), None);
        assert_eq!(lenient.decode(header).unwrap(), b"ab");
        assert!(nonzero_trailing_bits(&token, 2).is_some());
        assert_eq!(nonzero_trailing_bits(&token, 1), None); // "abc": no spare bits
        assert_eq!(nonzero_trailing_bits(&token, 3), None);
    }

    #[test]
    fn jwe_shape_has_five_parts_and_the_given_header() {
        let mut header = Map::new();
        header.insert("alg".into(), json!("RSA-OAEP-256"));
        header.insert("enc".into(), json!("A256GCM"));
        let token = jwe_shaped(&header, b"{}");
        assert_eq!(token.split('.').count(), 5);
        assert_eq!(
            segment_text(&token, 0),
            r#"{"alg":"RSA-OAEP-256","enc":"A256GCM"}"#
        );
    }

    #[test]
    fn tokens_that_are_not_three_parts_are_left_alone() {
        assert_eq!(tamper_signature("a.b"), None);
        assert_eq!(strip_signature("a.b.c.d"), None);
        assert_eq!(zero_signature("a.b.!!"), None);
    }
}
