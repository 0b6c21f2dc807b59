//! Independent decodings of Edwards points, to check `edwards` against, and
//! the property tests that do it.
//!
//! Two oracles share no code, formulas or arithmetic with the rule: for
//! Ed25519 curve25519-dalek (decompression, re-compression, its own
//! `is_small_order`), and for both curves a straightforward affine
//! implementation on OpenSSL's big numbers (OpenSSL's Tonelli-Shanks square
//! root, the unified affine addition law, the cofactor multiple as repeated
//! addition).

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use num_bigint::BigUint;
use openssl::bn::{BigNum, BigNumContext, BigNumRef};
use openssl::pkey::{Id, PKey};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use super::{check_public_key, EdwardsCurve, PointError};

/// An affine point `(x, y)`.
pub(crate) type Affine = (BigNum, BigNum);

/// `a x^2 + y^2 = 1 + d x^2 y^2` over the prime `p`, on OpenSSL big numbers,
/// coordinates always reduced.
pub(crate) struct AffineCurve {
    p: BigNum,
    a: BigNum,
    d: BigNum,
    len: usize,
    cofactor: u32,
    ctx: BigNumContext,
}

fn dec(text: &str) -> BigNum {
    BigNum::from_dec_str(text).unwrap()
}

fn copy(n: &BigNumRef) -> BigNum {
    n.to_owned().unwrap()
}

impl AffineCurve {
    /// The parameters as RFC 8032 sections 5.1 and 5.2 print them.
    pub(crate) fn new(curve: EdwardsCurve) -> AffineCurve {
        let (p, a, d, len, cofactor) = match curve {
            EdwardsCurve::Ed25519 => {
                let p = dec(
                    "57896044618658097711785492504343953926634992332820282019728792003956564819949",
                );
                let a = &p - &BigNum::from_u32(1).unwrap();
                let d = dec(
                    "37095705934669439343138083508754565189542113879843219016388785533085940283555",
                );
                (p, a, d, 32, 8)
            }
            EdwardsCurve::Ed448 => {
                let p = dec("726838724295606890549323807888004534353641360687318060281490199180612328166730772686396383698676545930088884461843637361053498018365439");
                let d = &p - &BigNum::from_u32(39_081).unwrap();
                (p, BigNum::from_u32(1).unwrap(), d, 57, 4)
            }
        };
        AffineCurve {
            p,
            a,
            d,
            len,
            cofactor,
            ctx: BigNumContext::new().unwrap(),
        }
    }

    fn mul(&mut self, a: &BigNumRef, b: &BigNumRef) -> BigNum {
        let mut out = BigNum::new().unwrap();
        out.mod_mul(a, b, &self.p, &mut self.ctx).unwrap();
        out
    }

    fn add_mod(&mut self, a: &BigNumRef, b: &BigNumRef) -> BigNum {
        let mut out = BigNum::new().unwrap();
        out.mod_add(a, b, &self.p, &mut self.ctx).unwrap();
        out
    }

    fn sub_mod(&mut self, a: &BigNumRef, b: &BigNumRef) -> BigNum {
        let mut out = BigNum::new().unwrap();
        out.mod_sub(a, b, &self.p, &mut self.ctx).unwrap();
        out
    }

    fn div_mod(&mut self, a: &BigNumRef, b: &BigNumRef) -> BigNum {
        let mut inverse = BigNum::new().unwrap();
        inverse.mod_inverse(b, &self.p, &mut self.ctx).unwrap();
        self.mul(a, &inverse)
    }

    fn one() -> BigNum {
        BigNum::from_u32(1).unwrap()
    }

    pub(crate) fn identity() -> Affine {
        (BigNum::new().unwrap(), Self::one())
    }

    /// The unified addition law (complete on these curves):
    /// `x3 = (x1 y2 + y1 x2) / (1 + d x1 x2 y1 y2)`,
    /// `y3 = (y1 y2 - a x1 x2) / (1 - d x1 x2 y1 y2)`.
    pub(crate) fn add(&mut self, (x1, y1): &Affine, (x2, y2): &Affine) -> Affine {
        let x1y2 = self.mul(x1, y2);
        let y1x2 = self.mul(y1, x2);
        let x1x2 = self.mul(x1, x2);
        let y1y2 = self.mul(y1, y2);
        let d = copy(&self.d);
        let a = copy(&self.a);
        let xxyy = self.mul(&x1x2, &y1y2);
        let dxxyy = self.mul(&d, &xxyy);
        let x_num = self.add_mod(&x1y2, &y1x2);
        let x_den = self.add_mod(&Self::one(), &dxxyy);
        let ax1x2 = self.mul(&a, &x1x2);
        let y_num = self.sub_mod(&y1y2, &ax1x2);
        let y_den = self.sub_mod(&Self::one(), &dxxyy);
        (self.div_mod(&x_num, &x_den), self.div_mod(&y_num, &y_den))
    }

    fn is_identity((x, y): &Affine) -> bool {
        x.num_bits() == 0 && *y == Self::one()
    }

    /// The encoding of RFC 8032: y little-endian, the lowest bit of x on top.
    pub(crate) fn encode(&self, (x, y): &Affine) -> Vec<u8> {
        let mut bytes = y.to_vec_padded(self.len as i32).unwrap();
        bytes.reverse();
        if x.is_bit_set(0) {
            bytes[self.len - 1] |= 0x80;
        }
        bytes
    }

    /// Decodes `encoded` step by step as RFC 8032 says, refusing what the
    /// rules refuse before the order.
    pub(crate) fn decode(&mut self, encoded: &[u8]) -> Result<Affine, PointError> {
        if encoded.len() != self.len {
            return Err(PointError::WrongLength);
        }
        let x_is_odd = encoded[self.len - 1] & 0x80 != 0;
        let mut big_endian: Vec<u8> = encoded.iter().rev().copied().collect();
        big_endian[0] &= 0x7f;
        let y = BigNum::from_slice(&big_endian).unwrap();
        if y >= self.p {
            return Err(PointError::NotCanonical);
        }
        let y2 = self.mul(&y, &y);
        let (a, d) = (copy(&self.a), copy(&self.d));
        let numerator = self.sub_mod(&y2, &Self::one());
        let dy2 = self.mul(&d, &y2);
        let denominator = self.sub_mod(&dy2, &a);
        let x2 = self.div_mod(&numerator, &denominator);
        let mut x = BigNum::new().unwrap();
        if x.mod_sqrt(&x2, &self.p, &mut self.ctx).is_err() || self.mul(&x, &x) != x2 {
            return Err(PointError::NotOnCurve);
        }
        if x.num_bits() == 0 && x_is_odd {
            return Err(PointError::NotCanonical);
        }
        if x.is_bit_set(0) != x_is_odd {
            x = &self.p - &x;
        }
        Ok((x, y))
    }

    /// The rules' verdict on `encoded`: decoded, then its cofactor multiple
    /// (by repeated addition) compared with the identity.
    pub(crate) fn judge(&mut self, encoded: &[u8]) -> Result<(), PointError> {
        let point = self.decode(encoded)?;
        let mut multiple = Self::identity();
        for _ in 0..self.cofactor {
            multiple = self.add(&multiple, &point);
        }
        if Self::is_identity(&multiple) {
            Err(PointError::SmallOrder)
        } else {
            Ok(())
        }
    }

    /// The prime, as a `BigUint`.
    fn prime(&self) -> BigUint {
        BigUint::from_bytes_be(&self.p.to_vec())
    }
}

/// curve25519-dalek's verdict on a 32-byte string. dalek reduces a y that
/// is not below p instead of refusing it, so re-compression must give the
/// same bytes back; when decompression fails the y (its 255 low bits) is
/// non-canonical exactly when it is one of `p .. 2^255 - 1`.
fn dalek_judges(encoded: &[u8; 32]) -> Result<(), PointError> {
    match CompressedEdwardsY(*encoded).decompress() {
        Some(point) if point.compress().to_bytes() != *encoded => Err(PointError::NotCanonical),
        Some(point) if point.is_small_order() => Err(PointError::SmallOrder),
        Some(_) => Ok(()),
        None if y_is_at_least_p_25519(encoded) => Err(PointError::NotCanonical),
        None => Err(PointError::NotOnCurve),
    }
}

/// Whether the 255 low bits are at least `2^255 - 19`: all ones above the
/// first byte, and a first byte of at least `0xed`.
fn y_is_at_least_p_25519(encoded: &[u8; 32]) -> bool {
    encoded[0] >= 0xed && encoded[1..31].iter().all(|b| *b == 0xff) && encoded[31] & 0x7f == 0x7f
}

/// The canonical encodings of the points of small order: for Ed25519 the
/// eight torsion points of curve25519-dalek, for Ed448 the four points
/// `(0, 1)`, `(0, -1)`, `(1, 0)` and `(-1, 0)` (the identity, order 2 and
/// the two of order 4).
pub(crate) fn small_order_points(curve: EdwardsCurve) -> Vec<Vec<u8>> {
    match curve {
        EdwardsCurve::Ed25519 => EIGHT_TORSION
            .iter()
            .map(|point| point.compress().to_bytes().to_vec())
            .collect(),
        EdwardsCurve::Ed448 => {
            let oracle = AffineCurve::new(curve);
            let zero = || BigNum::new().unwrap();
            let one = AffineCurve::one;
            let minus_one = || &oracle.p - &one();
            [
                (zero(), one()),
                (zero(), minus_one()),
                (one(), zero()),
                (minus_one(), zero()),
            ]
            .iter()
            .map(|point| oracle.encode(point))
            .collect()
        }
    }
}

/// One encoding of a small-order point and the refusal it must get.
pub(crate) struct SmallOrderEncoding {
    pub(crate) bytes: Vec<u8>,
    pub(crate) expected: PointError,
    /// How this encoding was made, for messages.
    pub(crate) label: String,
}

/// Every pattern of the seven bits under Ed448's sign bit but none.
pub(crate) const EVERY_STRAY_PATTERN: std::ops::Range<u8> = 1..0x80;
/// Each of the seven bits under Ed448's sign bit alone.
pub(crate) const EACH_STRAY_BIT: [u8; 7] = [1, 2, 4, 8, 16, 32, 64];

/// Every encoding of every small-order point of `curve`: the canonical one
/// (`SmallOrder`) and every non-canonical one (`NotCanonical`): y + p where
/// that still fits, with either sign bit, and the sign bit set on x = 0; for
/// Ed448 also each of `stray_patterns` of the seven bits under the sign bit
/// on each of these.
pub(crate) fn small_order_encodings(
    curve: EdwardsCurve,
    stray_patterns: impl IntoIterator<Item = u8> + Clone,
) -> Vec<SmallOrderEncoding> {
    let oracle = AffineCurve::new(curve);
    let len = oracle.len;
    // The bits y may have: 255 of Ed25519's 32 bytes, 448 of Ed448's 57.
    let value_bits = if curve == EdwardsCurve::Ed448 {
        448
    } else {
        255
    };
    let p = oracle.prime();
    let canonical = small_order_points(curve);
    let mut encodings: Vec<(Vec<u8>, String)> = Vec::new();
    for point in &canonical {
        let mut y_bytes = point.clone();
        y_bytes[len - 1] &= 0x7f;
        let y = BigUint::from_bytes_le(&y_bytes);
        let y_plus_p = &y + &p;
        let mut values = vec![(y.clone(), format!("y = {y}"))];
        if y_plus_p.bits() <= value_bits {
            values.push((y_plus_p, format!("y = {y} + p")));
        }
        for (value, label) in values {
            for x_is_odd in [false, true] {
                // The flipped sign bit of a point with x != 0 is the
                // canonical encoding of its negation, also in the list.
                let bytes = encode_y(&value, x_is_odd, len);
                encodings.push((
                    bytes,
                    format!("{curve:?} {label}, sign {}", u8::from(x_is_odd)),
                ));
            }
        }
    }
    if curve == EdwardsCurve::Ed448 {
        let without: Vec<(Vec<u8>, String)> = encodings.clone();
        for (bytes, label) in without {
            for pattern in stray_patterns.clone() {
                let mut stray = bytes.clone();
                stray[len - 1] |= pattern;
                encodings.push((stray, format!("{label}, stray bits {pattern:#04x}")));
            }
        }
    }
    let mut out: Vec<SmallOrderEncoding> = Vec::new();
    for (bytes, label) in encodings {
        if out.iter().any(|known| known.bytes == bytes) {
            continue;
        }
        let expected = if canonical.contains(&bytes) {
            PointError::SmallOrder
        } else {
            PointError::NotCanonical
        };
        out.push(SmallOrderEncoding {
            bytes,
            expected,
            label,
        });
    }
    out
}

/// `y` little-endian in `len` bytes, the top bit set when `x_is_odd`.
fn encode_y(y: &BigUint, x_is_odd: bool, len: usize) -> Vec<u8> {
    let mut bytes = y.to_bytes_le();
    bytes.resize(len, 0);
    if x_is_odd {
        bytes[len - 1] |= 0x80;
    }
    bytes
}

/// A y of `p - 20 + offset`, around the prime, with either sign bit.
fn near_the_prime(curve: EdwardsCurve) -> impl Strategy<Value = Vec<u8>> {
    let oracle = AffineCurve::new(curve);
    let (len, p) = (oracle.len, oracle.prime());
    (0u32..39, any::<bool>())
        .prop_map(move |(offset, x_is_odd)| encode_y(&(&p + offset - 20u32), x_is_odd, len))
}

/// Ed25519 strings: uniformly random, encodings of random points (some
/// with a torsion component, so of mixed order), the small-order ones in
/// every encoding, y around p, and valid encodings with one bit flipped.
fn ed25519_strings() -> impl Strategy<Value = Vec<u8>> {
    let point = any::<[u8; 32]>()
        .prop_map(|scalar| EdwardsPoint::mul_base(&Scalar::from_bytes_mod_order(scalar)));
    let small: Vec<Vec<u8>> = small_order_encodings(EdwardsCurve::Ed25519, [])
        .into_iter()
        .map(|encoding| encoding.bytes)
        .collect();
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 32),
        point
            .clone()
            .prop_map(|point| point.compress().to_bytes().to_vec()),
        (point.clone(), 0..8usize)
            .prop_map(|(point, t)| (point + EIGHT_TORSION[t]).compress().to_bytes().to_vec()),
        proptest::sample::select(small),
        proptest::sample::select(small_order_points(EdwardsCurve::Ed25519)),
        near_the_prime(EdwardsCurve::Ed25519),
        (point, 0..256usize).prop_map(|(point, bit)| {
            let mut bytes = point.compress().to_bytes().to_vec();
            bytes[bit / 8] ^= 1 << (bit % 8);
            bytes
        }),
    ]
}

/// The public key of the Ed448 private key `seed`, computed by OpenSSL.
fn ed448_public_key(seed: &[u8]) -> Vec<u8> {
    PKey::private_key_from_raw_bytes(seed, Id::ED448)
        .unwrap()
        .raw_public_key()
        .unwrap()
}

/// `encoded` plus a point of order dividing 4 (an encoding of mixed order).
fn ed448_plus_torsion(encoded: &[u8], torsion: &[u8]) -> Vec<u8> {
    let mut oracle = AffineCurve::new(EdwardsCurve::Ed448);
    let point = oracle.decode(encoded).unwrap();
    let torsion = oracle.decode(torsion).unwrap();
    let sum = oracle.add(&point, &torsion);
    oracle.encode(&sum)
}

/// Ed448 strings, as for Ed25519, plus random y with a well-formed last
/// byte (a uniformly random last byte has a stray bit 127 times in 128).
fn ed448_strings() -> impl Strategy<Value = Vec<u8>> {
    let public_key =
        proptest::collection::vec(any::<u8>(), 57).prop_map(|seed| ed448_public_key(&seed));
    let small: Vec<Vec<u8>> = small_order_encodings(EdwardsCurve::Ed448, EVERY_STRAY_PATTERN)
        .into_iter()
        .map(|encoding| encoding.bytes)
        .collect();
    let torsion = small_order_points(EdwardsCurve::Ed448);
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 57),
        (proptest::collection::vec(any::<u8>(), 56), any::<bool>()).prop_map(
            |(mut y, x_is_odd)| {
                y.push(if x_is_odd { 0x80 } else { 0 });
                y
            }
        ),
        public_key.clone(),
        (public_key.clone(), proptest::sample::select(torsion))
            .prop_map(|(point, torsion)| ed448_plus_torsion(&point, &torsion)),
        proptest::sample::select(small),
        proptest::sample::select(small_order_points(EdwardsCurve::Ed448)),
        near_the_prime(EdwardsCurve::Ed448),
        (public_key, 0..456usize).prop_map(|(mut bytes, bit)| {
            bytes[bit / 8] ^= 1 << (bit % 8);
            bytes
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn the_ed25519_rule_agrees_with_dalek_and_the_affine_decoding(encoded in ed25519_strings()) {
        let rule = check_public_key(EdwardsCurve::Ed25519, &encoded);
        let array: [u8; 32] = encoded.clone().try_into().unwrap();
        prop_assert_eq!(rule, dalek_judges(&array));
        prop_assert_eq!(rule, AffineCurve::new(EdwardsCurve::Ed25519).judge(&encoded));
    }

    #[test]
    fn the_ed448_rule_agrees_with_the_affine_decoding(encoded in ed448_strings()) {
        let rule = check_public_key(EdwardsCurve::Ed448, &encoded);
        prop_assert_eq!(rule, AffineCurve::new(EdwardsCurve::Ed448).judge(&encoded));
    }
}

/// How often the rule gives each verdict on `samples` strings of `strategy`.
fn verdicts(
    curve: EdwardsCurve,
    strategy: impl Strategy<Value = Vec<u8>>,
    samples: usize,
) -> [usize; 4] {
    let mut runner = TestRunner::deterministic();
    let mut counts = [0; 4];
    for _ in 0..samples {
        let encoded = strategy.new_tree(&mut runner).unwrap().current();
        let slot = match check_public_key(curve, &encoded) {
            Ok(()) => 0,
            Err(PointError::NotCanonical) => 1,
            Err(PointError::NotOnCurve) => 2,
            Err(PointError::SmallOrder) => 3,
            Err(PointError::WrongLength) => panic!("{curve:?}: a string of the wrong length"),
        };
        counts[slot] += 1;
    }
    counts
}

/// The property tests mean something only if their strings reach every
/// verdict often: usable, non-canonical, off the curve and small order.
#[test]
fn the_generated_strings_reach_every_verdict_often() {
    let samples = 700;
    for (curve, counts) in [
        (
            EdwardsCurve::Ed25519,
            verdicts(EdwardsCurve::Ed25519, ed25519_strings(), samples),
        ),
        (
            EdwardsCurve::Ed448,
            verdicts(EdwardsCurve::Ed448, ed448_strings(), samples),
        ),
    ] {
        for (verdict, count) in ["usable", "not canonical", "not on the curve", "small order"]
            .iter()
            .zip(counts)
        {
            assert!(
                count * 20 >= samples,
                "{curve:?}: {verdict} only {count} of {samples}"
            );
        }
    }
}

#[test]
fn every_small_order_encoding_is_judged_alike_by_both_oracles() {
    let ed25519 = small_order_encodings(EdwardsCurve::Ed25519, []);
    assert_eq!(ed25519.len(), 14, "8 canonical, 6 not");
    let mut affine = AffineCurve::new(EdwardsCurve::Ed25519);
    for encoding in &ed25519 {
        let array: [u8; 32] = encoding.bytes.clone().try_into().unwrap();
        assert_eq!(
            dalek_judges(&array),
            Err(encoding.expected),
            "{}",
            encoding.label
        );
        assert_eq!(
            affine.judge(&encoding.bytes),
            Err(encoding.expected),
            "{}",
            encoding.label
        );
    }
    let canonical = ed25519
        .iter()
        .filter(|e| e.expected == PointError::SmallOrder)
        .count();
    assert_eq!(canonical, 8);
    let ed448 = small_order_encodings(EdwardsCurve::Ed448, EVERY_STRAY_PATTERN);
    assert_eq!(
        ed448.len(),
        10 * 128,
        "4 canonical, 6 not, each with 127 stray-bit patterns more"
    );
    let mut affine = AffineCurve::new(EdwardsCurve::Ed448);
    for encoding in &ed448 {
        assert_eq!(
            affine.judge(&encoding.bytes),
            Err(encoding.expected),
            "{}",
            encoding.label
        );
    }
    let canonical = ed448
        .iter()
        .filter(|e| e.expected == PointError::SmallOrder)
        .count();
    assert_eq!(canonical, 4);
}

#[test]
fn the_affine_oracle_accepts_the_base_points_and_multiples_of_them() {
    let base = ED25519_BASEPOINT_POINT.compress().to_bytes();
    assert_eq!(AffineCurve::new(EdwardsCurve::Ed25519).judge(&base), Ok(()));
    let seed = [7u8; 57];
    let public_key = ed448_public_key(&seed);
    assert_eq!(
        AffineCurve::new(EdwardsCurve::Ed448).judge(&public_key),
        Ok(())
    );
}
