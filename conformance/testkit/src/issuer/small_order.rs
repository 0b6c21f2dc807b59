//! Edwards public keys a verifier must refuse: the points of small order in
//! every encoding, and the signature such a key lets anyone forge.
//!
//! A point's order divides the cofactor (8 for Ed25519, 4 for Ed448) for
//! exactly 8 and 4 points. Their canonical encodings come from
//! curve25519-dalek's torsion points for Ed25519 and from the points
//! `(0, 1)`, `(1, 0)`, `(0, -1)`, `(-1, 0)` for Ed448; the non-canonical
//! ones are the same points written with y + p (where that still fits), or
//! with the sign bit set on x = 0, or for Ed448 with one of the seven bits
//! under the sign bit set.

use curve25519_dalek::constants::EIGHT_TORSION;
use openssl::bn::{BigNum, BigNumContext};
use openssl::hash::{hash, Hasher, MessageDigest};

use super::alg::KeyKind;
use super::error::IssuerError;
use super::key::TestKey;

/// Ed25519's field prime, 2^255 - 19.
const P_25519: &str =
    "57896044618658097711785492504343953926634992332820282019728792003956564819949";
/// Ed448's field prime, 2^448 - 2^224 - 1.
const P_448: &str = "726838724295606890549323807888004534353641360687318060281490199180612328166730772686396383698676545930088884461843637361053498018365439";
/// Ed25519's group order, 2^252 + 27742317777372353535851937790883648493.
const L_25519: &str =
    "7237005577332262213973186563042994240857116359379907606001950938285454250989";
/// Ed448's group order, 2^446 - 13818066809895115352007386748515426880336692474882178609894547503885.
const L_448: &str = "181709681073901722637330951972001133588410340171829515070372549795146003961539585716195755291692375963310293709091662304773755859649779";

/// One encoding of a small-order point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmallOrderKey {
    /// What the encoding is, usable in a case name: `identity`,
    /// `order-8-t1-y-plus-p`, `order-4-t3-stray-bit-0x01`, ...
    pub label: String,
    /// The same in words: "the identity (0, 1), written with y + p".
    pub description: String,
    /// The encoded point, as an OKP JWK's `x`.
    pub x: Vec<u8>,
    /// Whether this is the point's canonical encoding.
    pub canonical: bool,
}

/// The curve's parameters: encoded length, the bits y may use, the prime.
struct Curve {
    len: usize,
    y_bits: i32,
    prime: BigNum,
}

fn curve(kind: KeyKind) -> Result<Curve, IssuerError> {
    let (len, y_bits, prime) = match kind {
        KeyKind::Ed25519 => (32, 255, P_25519),
        KeyKind::Ed448 => (57, 448, P_448),
        other => return Err(not_edwards(other)),
    };
    Ok(Curve {
        len,
        y_bits,
        prime: BigNum::from_dec_str(prime)?,
    })
}

fn not_edwards(kind: KeyKind) -> IssuerError {
    IssuerError::UnsupportedKey(format!("{kind:?} is not an Edwards curve"))
}

/// `value` little-endian in `len` bytes.
fn little_endian(value: &BigNum, len: usize) -> Result<Vec<u8>, IssuerError> {
    let mut bytes = value.to_vec_padded(i32::try_from(len).unwrap_or(i32::MAX))?;
    bytes.reverse();
    Ok(bytes)
}

/// A canonical encoding of a small-order point: label, words, bytes.
type Canonical = (String, String, Vec<u8>);

/// The label and words of `[k]T`, for a point `T` of order `cofactor`.
fn point_names(k: usize, cofactor: usize, coordinates: Option<&str>) -> (String, String) {
    let order = cofactor / gcd(k, cofactor);
    let words = match coordinates {
        Some(coordinates) => format!("the point {coordinates} of order {order}"),
        None => format!(
            "the point [{k}]T of order {order} (T generates the {cofactor} points of small order)"
        ),
    };
    match order {
        1 => ("identity".to_owned(), "the identity (0, 1)".to_owned()),
        order => (format!("order-{order}-t{k}"), words),
    }
}

/// The canonical encodings of the small-order points, labelled `[k]T` for
/// a point `T` of the largest small order (8 or 4).
fn canonical(kind: KeyKind, curve: &Curve) -> Result<Vec<Canonical>, IssuerError> {
    match kind {
        KeyKind::Ed25519 => Ok(EIGHT_TORSION
            .iter()
            .enumerate()
            .map(|(k, point)| {
                let coordinates = (k == 4).then_some("(0, -1)");
                let (label, words) = point_names(k, 8, coordinates);
                (label, words, point.compress().to_bytes().to_vec())
            })
            .collect()),
        KeyKind::Ed448 => {
            // [k](1, 0) for k = 0..3: (0, 1), (1, 0), (0, -1), (-1, 0).
            let one = BigNum::from_u32(1)?;
            let mut minus_one = BigNum::new()?;
            minus_one.checked_sub(&curve.prime, &one)?;
            let one = little_endian(&one, curve.len)?;
            let zero = vec![0; curve.len];
            let mut x_one = zero.clone();
            x_one[curve.len - 1] = 0x80; // y = 0, x = 1 is odd
            let points = [
                one.clone(),
                x_one,
                little_endian(&minus_one, curve.len)?,
                zero, // y = 0, x = p - 1 is even
            ];
            let coordinates = [None, Some("(1, 0)"), Some("(0, -1)"), Some("(-1, 0)")];
            Ok(points
                .into_iter()
                .zip(coordinates)
                .enumerate()
                .map(|(k, (x, coordinates))| {
                    let (label, words) = point_names(k, 4, coordinates);
                    (label, words, x)
                })
                .collect())
        }
        other => Err(not_edwards(other)),
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Every encoding of every small-order point of `kind` (Ed25519 or
/// Ed448): the canonical ones first, then the non-canonical ones: y + p
/// where it still fits in the bits of y (with the point's own sign bit, and
/// with it set when x = 0), and the sign bit set on x = 0. The stray bits
/// of Ed448 are in [`with_stray_bit`].
pub fn small_order_keys(kind: KeyKind) -> Result<Vec<SmallOrderKey>, IssuerError> {
    let curve = curve(kind)?;
    let canonical = canonical(kind, &curve)?;
    let mut keys: Vec<SmallOrderKey> = canonical
        .iter()
        .map(|(label, words, x)| SmallOrderKey {
            label: label.clone(),
            description: format!("{words}, canonically encoded"),
            x: x.clone(),
            canonical: true,
        })
        .collect();
    for (label, words, x) in &canonical {
        let mut y_bytes = x.clone();
        y_bytes[curve.len - 1] &= 0x7f;
        y_bytes.reverse();
        let y = BigNum::from_slice(&y_bytes)?;
        // x = 0 exactly for y = 1 and y = p - 1: the sign bit must be clear.
        let one = BigNum::from_u32(1)?;
        let mut p_minus_one = BigNum::new()?;
        p_minus_one.checked_sub(&curve.prime, &one)?;
        let x_is_zero = y == one || y == p_minus_one;
        let sign = x[curve.len - 1] & 0x80;
        let mut y_plus_p = BigNum::new()?;
        y_plus_p.checked_add(&y, &curve.prime)?;
        let mut variants: Vec<(&str, &str, BigNum, u8)> = Vec::new();
        if x_is_zero {
            variants.push((
                "sign-bit",
                "with the sign bit set on x = 0",
                y.to_owned()?,
                0x80,
            ));
        }
        if y_plus_p.num_bits() <= curve.y_bits {
            variants.push(("y-plus-p", "written with y + p", y_plus_p.to_owned()?, sign));
            if x_is_zero {
                let how = "written with y + p and the sign bit set on x = 0";
                variants.push(("y-plus-p-sign-bit", how, y_plus_p, 0x80));
            }
        }
        for (suffix, how, value, sign) in variants {
            let mut x = little_endian(&value, curve.len)?;
            x[curve.len - 1] |= sign;
            keys.push(SmallOrderKey {
                label: format!("{label}-{suffix}"),
                description: format!("{words}, {how}"),
                x,
                canonical: false,
            });
        }
    }
    Ok(keys)
}

/// `key` with bit `bit` (0 to 6) of Ed448's last byte set: a y of at least
/// 2^448, so a non-canonical encoding.
pub fn with_stray_bit(key: &SmallOrderKey, bit: u32) -> SmallOrderKey {
    let mut x = key.x.clone();
    if let Some(last) = x.last_mut() {
        *last |= 1 << (bit % 7);
    }
    let pattern = 1u8 << (bit % 7);
    SmallOrderKey {
        label: format!("{}-stray-bit-{pattern:#04x}", key.label),
        description: format!(
            "{}, with bit {pattern:#04x} of the last byte set (it must be zero)",
            key.description.trim_end_matches(", canonically encoded")
        ),
        x,
        canonical: false,
    }
}

/// A small-order key and a signature that verifies under it, in OpenSSL 3,
/// for every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forgery {
    /// The small-order public key, as an OKP JWK's `x`.
    pub x: Vec<u8>,
    /// `R || S` with `R = [s]B` and `S = s`.
    pub signature: Vec<u8>,
}

/// The forgery made with `seed`'s secret scalar `s` (RFC 8032 sections
/// 5.1.5 and 5.2.5: its hashed, clamped private key, here reduced modulo
/// the group order), so that `R = [s]B` is `seed`'s public key.
///
/// For Ed25519 the key is the identity (y = 1): OpenSSL checks
/// `[S]B = R + [k]A`, true for every hash `k` when `A` is the identity. For
/// Ed448 it is `(-1, 0)`, of order 4, encoded as 57 zero bytes: OpenSSL
/// does not decode Ed448 points with x = 0, but its check is cofactored,
/// `[4][S]B = [4]R + [4k]A`, and `[4]A` is the identity.
pub fn forgery(seed: &TestKey) -> Result<Forgery, IssuerError> {
    let private = seed.openssl_key().raw_private_key()?;
    let (mut scalar, order, x) = match seed.kind() {
        KeyKind::Ed25519 => {
            let digest = hash(MessageDigest::sha512(), &private)?;
            let mut scalar = digest[..32].to_vec();
            scalar[0] &= 0xf8;
            scalar[31] &= 0x7f;
            scalar[31] |= 0x40;
            let mut identity = vec![0; 32];
            identity[0] = 1;
            (scalar, L_25519, identity)
        }
        KeyKind::Ed448 => {
            let mut hasher = Hasher::new(MessageDigest::shake_256())?;
            hasher.update(&private)?;
            let mut digest = [0; 114];
            hasher.finish_xof(&mut digest)?;
            let mut scalar = digest[..57].to_vec();
            scalar[0] &= 0xfc;
            scalar[55] |= 0x80;
            scalar[56] = 0;
            (scalar, L_448, vec![0; 57])
        }
        other => return Err(not_edwards(other)),
    };
    let len = scalar.len();
    scalar.reverse();
    let (scalar, order) = (BigNum::from_slice(&scalar)?, BigNum::from_dec_str(order)?);
    let mut context = BigNumContext::new()?;
    let mut reduced = BigNum::new()?;
    reduced.nnmod(&scalar, &order, &mut context)?;
    let mut signature = seed.openssl_key().raw_public_key()?;
    signature.extend(little_endian(&reduced, len)?);
    Ok(Forgery { x, signature })
}

#[cfg(test)]
mod tests {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    use openssl::pkey::{Id, PKey};
    use openssl::sign::Verifier;

    use super::*;
    use crate::issuer::FixedKey;

    #[test]
    fn ed25519_has_8_small_order_points_and_6_more_encodings_of_them() {
        let keys = small_order_keys(KeyKind::Ed25519).unwrap();
        let labels: Vec<&str> = keys.iter().map(|key| key.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "identity",
                "order-8-t1",
                "order-4-t2",
                "order-8-t3",
                "order-2-t4",
                "order-8-t5",
                "order-4-t6",
                "order-8-t7",
                "identity-sign-bit",
                "identity-y-plus-p",
                "identity-y-plus-p-sign-bit",
                "order-4-t2-y-plus-p",
                "order-2-t4-sign-bit",
                "order-4-t6-y-plus-p",
            ]
        );
        for key in &keys {
            let bytes: [u8; 32] = key.x.clone().try_into().unwrap();
            // dalek reduces y and ignores a sign bit on x = 0: every
            // encoding decodes to a small-order point, and re-encodes to
            // the same bytes exactly when it is canonical.
            let point = CompressedEdwardsY(bytes).decompress().unwrap();
            assert!(point.is_small_order(), "{}", key.label);
            assert_eq!(
                point.compress().to_bytes() == bytes,
                key.canonical,
                "{}",
                key.label
            );
        }
    }

    #[test]
    fn ed448_has_4_small_order_points_and_6_more_encodings_of_them() {
        let keys = small_order_keys(KeyKind::Ed448).unwrap();
        let labels: Vec<&str> = keys.iter().map(|key| key.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "identity",
                "order-4-t1",
                "order-2-t2",
                "order-4-t3",
                "identity-sign-bit",
                "identity-y-plus-p",
                "identity-y-plus-p-sign-bit",
                "order-4-t1-y-plus-p",
                "order-2-t2-sign-bit",
                "order-4-t3-y-plus-p",
            ]
        );
        assert_eq!(keys[3].x, vec![0; 57]);
        assert_eq!(
            keys[3].description,
            "the point (-1, 0) of order 4, canonically encoded"
        );
        assert_eq!(
            keys[5].description,
            "the identity (0, 1), written with y + p"
        );
        let stray = with_stray_bit(&keys[3], 6);
        assert_eq!(stray.label, "order-4-t3-stray-bit-0x40");
        assert_eq!(
            stray.description,
            "the point (-1, 0) of order 4, with bit 0x40 of the last byte set (it must be zero)"
        );
        assert_eq!(stray.x[56], 0x40);
        assert!(!stray.canonical);
    }

    #[test]
    fn other_kinds_have_no_small_order_points() {
        assert!(small_order_keys(KeyKind::P256).is_err());
        assert!(forgery(&TestKey::fixed(FixedKey::Rsa2048A).unwrap()).is_err());
    }

    /// The forged signature really verifies under the small-order key in
    /// OpenSSL, for any message: only the key rule stands in its way.
    #[test]
    fn the_forgery_verifies_in_openssl_for_any_message() {
        for (fixed, id) in [
            (FixedKey::Ed25519, Id::ED25519),
            (FixedKey::Ed448, Id::ED448),
        ] {
            let forgery = forgery(&TestKey::fixed(fixed).unwrap()).unwrap();
            let key = PKey::public_key_from_raw_bytes(&forgery.x, id).unwrap();
            for message in [
                &b"header.payload"[..],
                b"",
                b"eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhZG1pbiJ9",
            ] {
                let mut verifier = Verifier::new_without_digest(&key).unwrap();
                assert!(
                    verifier
                        .verify_oneshot(&forgery.signature, message)
                        .unwrap(),
                    "{fixed:?}"
                );
            }
        }
    }
}
