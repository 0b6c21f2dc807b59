//! Edwards-curve public keys (an OKP JWK's `x`): the point is decoded
//! exactly as RFC 8032 sections 5.1.3 and 5.2.3 say, and refused when its
//! encoding is not canonical or its order divides the cofactor.
//!
//! With a public key `A` of small order, `[k]A` takes at most eight values
//! whatever the hash `k` of the message, the identity among them, so anyone
//! can make a signature that a backend accepts without knowing any secret:
//! `R = [s]B, S = s` for any `s` verifies in OpenSSL for every message under
//! the Ed25519 identity, and under Ed448's points of order 4 (its check is
//! cofactored). The rules refuse such keys like an RSA exponent of 1,
//! before any backend sees them. The check decodes the point and
//! multiplies it by the cofactor; it never compares bytes with a list.
//!
//! The arithmetic is plain big-integer arithmetic modulo the field prime, in
//! pure Rust, so that every cryptographic backend is handed the same keys. A
//! public key is public: nothing here needs to run in constant time.

use std::sync::OnceLock;

use num_bigint::BigUint;

/// An Edwards curve of EdDSA (RFC 8032).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdwardsCurve {
    /// edwards25519: `-x^2 + y^2 = 1 + d x^2 y^2` over `2^255 - 19`, cofactor 8.
    Ed25519,
    /// edwards448: `x^2 + y^2 = 1 + d x^2 y^2` over `2^448 - 2^224 - 1`, cofactor 4.
    Ed448,
}

/// Why an encoded point is not a usable Edwards public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PointError {
    /// Not exactly 32 (Ed25519) or 57 (Ed448) bytes.
    WrongLength,
    /// Not the canonical encoding of its point: the y coordinate is not
    /// below the field prime (for Ed448 that includes any of the seven bits
    /// under the sign bit being set), or x is zero and the sign bit is set.
    NotCanonical,
    /// No point of the curve has this y coordinate.
    NotOnCurve,
    /// The point's order divides the cofactor (8 points of Ed25519, 4 of Ed448).
    SmallOrder,
}

/// Checks that `encoded` is the canonical encoding of a point of `curve`
/// whose order does not divide the cofactor.
pub(crate) fn check_public_key(curve: EdwardsCurve, encoded: &[u8]) -> Result<(), PointError> {
    let curve = CurveParams::of(curve);
    let point = curve.decode(encoded)?;
    if curve.mul_by_cofactor(point).is_identity() {
        Err(PointError::SmallOrder)
    } else {
        Ok(())
    }
}

/// The integers modulo a prime `p` with `p % 4 == 3` or `p % 8 == 5` (the
/// two shapes [`Field::sqrt`] handles). Elements are kept reduced.
struct Field {
    p: BigUint,
}

impl Field {
    fn element(&self, value: u32) -> BigUint {
        BigUint::from(value) % &self.p
    }

    fn add(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a + b) % &self.p
    }

    fn sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a + &self.p - b) % &self.p
    }

    fn neg(&self, a: &BigUint) -> BigUint {
        self.sub(&BigUint::ZERO, a)
    }

    fn mul(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a * b) % &self.p
    }

    fn square(&self, a: &BigUint) -> BigUint {
        self.mul(a, a)
    }

    /// `1 / a` for a non-zero `a` (Fermat: `a^(p-2)`); zero for zero.
    fn invert(&self, a: &BigUint) -> BigUint {
        a.modpow(&(&self.p - 2u32), &self.p)
    }

    /// `a / b`, or `None` when `b` is zero.
    fn div(&self, a: &BigUint, b: &BigUint) -> Option<BigUint> {
        (*b != BigUint::ZERO).then(|| self.mul(a, &self.invert(b)))
    }

    /// A square root of `w`, or `None` when `w` is not a square.
    ///
    /// For `p % 4 == 3` the candidate is `w^((p+1)/4)`; for `p % 8 == 5` it
    /// is `w^((p+3)/8)`, times a square root of -1 when that squares to
    /// `-w` (RFC 8032 section 5.1.3). Either way the candidate is returned
    /// only if it squares to `w`.
    fn sqrt(&self, w: &BigUint) -> Option<BigUint> {
        let p = &self.p;
        let candidate = if p.bit(1) {
            w.modpow(&((p + 1u32) >> 2), p)
        } else {
            let candidate = w.modpow(&((p + 3u32) >> 3), p);
            if self.square(&candidate) == *w {
                candidate
            } else {
                // 2 is not a square modulo p (p % 8 == 5), so 2^((p-1)/4) squares to -1.
                let sqrt_minus_one = BigUint::from(2u32).modpow(&((p - 1u32) >> 2), p);
                self.mul(&candidate, &sqrt_minus_one)
            }
        };
        (self.square(&candidate) == *w).then_some(candidate)
    }
}

/// A point in projective coordinates: `(X : Y : Z)` is the affine point
/// `(X/Z, Y/Z)`, with `Z` never zero.
struct Point {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

impl Point {
    /// Whether this is the neutral point `(0, 1)`.
    fn is_identity(&self) -> bool {
        self.x == BigUint::ZERO && self.y == self.z && self.z != BigUint::ZERO
    }
}

/// One curve `a x^2 + y^2 = 1 + d x^2 y^2` and its encoding.
struct CurveParams {
    field: Field,
    a: BigUint,
    d: BigUint,
    /// The length of an encoded point, in bytes.
    encoded_len: usize,
    /// The cofactor is `2^cofactor_log2`.
    cofactor_log2: u32,
}

impl CurveParams {
    /// The parameters of `curve`, computed once.
    fn of(curve: EdwardsCurve) -> &'static CurveParams {
        static ED25519: OnceLock<CurveParams> = OnceLock::new();
        static ED448: OnceLock<CurveParams> = OnceLock::new();
        match curve {
            EdwardsCurve::Ed25519 => ED25519.get_or_init(CurveParams::ed25519),
            EdwardsCurve::Ed448 => ED448.get_or_init(CurveParams::ed448),
        }
    }

    /// RFC 8032 section 5.1.
    fn ed25519() -> CurveParams {
        let field = Field {
            p: (BigUint::from(1u32) << 255u32) - 19u32,
        };
        let d = field.mul(
            &field.neg(&field.element(121_665)),
            &field.invert(&field.element(121_666)),
        );
        CurveParams {
            a: field.neg(&field.element(1)),
            d,
            field,
            encoded_len: 32,
            cofactor_log2: 3,
        }
    }

    /// RFC 8032 section 5.2.
    fn ed448() -> CurveParams {
        let field = Field {
            p: (BigUint::from(1u32) << 448u32) - (BigUint::from(1u32) << 224u32) - 1u32,
        };
        CurveParams {
            a: field.element(1),
            d: field.neg(&field.element(39_081)),
            field,
            encoded_len: 57,
            cofactor_log2: 2,
        }
    }

    /// Decodes a point (RFC 8032 sections 5.1.3 and 5.2.3): the
    /// little-endian y coordinate with the sign of x (its lowest bit) in
    /// the last byte's top bit.
    fn decode(&self, encoded: &[u8]) -> Result<Point, PointError> {
        if encoded.len() != self.encoded_len {
            return Err(PointError::WrongLength);
        }
        let mut y_bytes = encoded.to_vec();
        let mut x_is_odd = false;
        if let Some(last) = y_bytes.last_mut() {
            x_is_odd = *last & 0x80 != 0;
            *last &= 0x7f;
        }
        let y = BigUint::from_bytes_le(&y_bytes);
        if y >= self.field.p {
            return Err(PointError::NotCanonical);
        }
        let x = self.recover_x(&y).ok_or(PointError::NotOnCurve)?;
        if x == BigUint::ZERO && x_is_odd {
            return Err(PointError::NotCanonical);
        }
        let x = if x.bit(0) == x_is_odd {
            x
        } else {
            self.field.neg(&x)
        };
        Ok(Point {
            x,
            y,
            z: self.field.element(1),
        })
    }

    /// An x with `(x, y)` on the curve: a square root of
    /// `(y^2 - 1) / (d y^2 - a)`, if there is one.
    fn recover_x(&self, y: &BigUint) -> Option<BigUint> {
        let field = &self.field;
        let y2 = field.square(y);
        let numerator = field.sub(&y2, &field.element(1));
        // Never zero on these curves (d is not a square, a is); refused
        // rather than assumed.
        let denominator = field.sub(&field.mul(&self.d, &y2), &self.a);
        field.sqrt(&field.div(&numerator, &denominator)?)
    }

    /// `[cofactor] point`, by doubling.
    fn mul_by_cofactor(&self, point: Point) -> Point {
        (0..self.cofactor_log2).fold(point, |point, _| self.double(&point))
    }

    /// `2 point` by the projective doubling formulas for twisted Edwards
    /// curves of Bernstein, Birkner, Joye, Lange and Peters (2008),
    /// "dbl-2008-bbjlp". On these complete curves `F` and `J` are never
    /// zero for a point of the curve, so `Z` stays non-zero.
    fn double(&self, point: &Point) -> Point {
        let field = &self.field;
        let b = field.square(&field.add(&point.x, &point.y));
        let c = field.square(&point.x);
        let d = field.square(&point.y);
        let e = field.mul(&self.a, &c);
        let f = field.add(&e, &d);
        let h = field.square(&point.z);
        let j = field.sub(&f, &field.add(&h, &h));
        Point {
            x: field.mul(&field.sub(&field.sub(&b, &c), &d), &j),
            y: field.mul(&f, &field.sub(&e, &d)),
            z: field.mul(&f, &j),
        }
    }
}

#[cfg(test)]
pub(crate) mod oracle;

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn decimal(text: &str) -> BigUint {
        BigUint::parse_bytes(text.as_bytes(), 10).unwrap()
    }

    /// `value` as a little-endian encoding of `len` bytes, the sign bit set when `x_is_odd`.
    fn encode(value: &BigUint, x_is_odd: bool, len: usize) -> Vec<u8> {
        let mut bytes = value.to_bytes_le();
        bytes.resize(len, 0);
        if x_is_odd {
            bytes[len - 1] |= 0x80;
        }
        bytes
    }

    #[test]
    fn the_constants_are_those_of_rfc_8032() {
        let ed25519 = CurveParams::of(EdwardsCurve::Ed25519);
        assert_eq!(
            ed25519.field.p,
            decimal(
                "57896044618658097711785492504343953926634992332820282019728792003956564819949"
            )
        );
        assert_eq!(
            ed25519.d,
            decimal(
                "37095705934669439343138083508754565189542113879843219016388785533085940283555"
            )
        );
        assert_eq!(&ed25519.a + 1u32, ed25519.field.p);
        let ed448 = CurveParams::of(EdwardsCurve::Ed448);
        assert_eq!(
            ed448.field.p,
            decimal(
                "726838724295606890549323807888004534353641360687318060281490199180612328166730772686396383698676545930088884461843637361053498018365439"
            )
        );
        assert_eq!(
            ed448.d,
            decimal(
                "726838724295606890549323807888004534353641360687318060281490199180612328166730772686396383698676545930088884461843637361053498018326358"
            )
        );
        assert_eq!(ed448.a, BigUint::from(1u32));
    }

    /// The base points of RFC 8032 sections 5.1 and 5.2, decoded from their
    /// encodings, have the coordinates the RFC gives.
    #[test]
    fn the_base_points_decode_to_the_rfc_coordinates() {
        let ed25519 = CurveParams::of(EdwardsCurve::Ed25519);
        let base = ed25519
            .decode(&hex(
                "5866666666666666666666666666666666666666666666666666666666666666",
            ))
            .unwrap();
        assert_eq!(
            base.x,
            decimal(
                "15112221349535400772501151409588531511454012693041857206046113283949847762202"
            )
        );
        assert_eq!(
            base.y,
            decimal(
                "46316835694926478169428394003475163141307993866256225615783033603165251855960"
            )
        );
        let ed448 = CurveParams::of(EdwardsCurve::Ed448);
        let x = decimal("224580040295924300187604334099896036246789641632564134246125461686950415467406032909029192869357953282578032075146446173674602635247710");
        let y = decimal("298819210078481492676017930443930673437544040154080242095928241372331506189835876003536878655418784733982303233503462500531545062832660");
        let base = ed448.decode(&encode(&y, x.bit(0), 57)).unwrap();
        assert_eq!((base.x, base.y), (x, y));
    }

    /// Public keys of the RFC 8032 section 7 test vectors (and their base
    /// points) are usable.
    #[test]
    fn rfc_8032_public_keys_are_usable() {
        for ed25519 in [
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "5866666666666666666666666666666666666666666666666666666666666666",
        ] {
            assert_eq!(
                check_public_key(EdwardsCurve::Ed25519, &hex(ed25519)),
                Ok(()),
                "{ed25519}"
            );
        }
        for ed448 in [
            "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
            "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480",
            "3ba16da0c6f2cc1f30187740756f5e798d6bc5fc015d7c63cc9510ee3fd44adc24d8e968b6e46e6f94d19b945361726bd75e149ef09817f580",
        ] {
            assert_eq!(
                check_public_key(EdwardsCurve::Ed448, &hex(ed448)),
                Ok(()),
                "{ed448}"
            );
        }
    }

    #[test]
    fn the_length_is_checked_before_anything_else() {
        for (curve, len) in [(EdwardsCurve::Ed25519, 32), (EdwardsCurve::Ed448, 57)] {
            for wrong in [0, 1, len - 1, len + 1, 4096] {
                assert_eq!(
                    check_public_key(curve, &vec![0; wrong]),
                    Err(PointError::WrongLength)
                );
            }
        }
    }

    #[test]
    fn y_must_be_below_the_prime() {
        for curve in [EdwardsCurve::Ed25519, EdwardsCurve::Ed448] {
            let params = CurveParams::of(curve);
            let len = params.encoded_len;
            let p = &params.field.p;
            for y in [
                p.clone(),
                p + 2u32,
                (BigUint::from(1u32) << (8 * len - 1)) - 1u32,
            ] {
                for x_is_odd in [false, true] {
                    assert_eq!(
                        check_public_key(curve, &encode(&y, x_is_odd, len)),
                        Err(PointError::NotCanonical),
                        "{curve:?} {y}"
                    );
                }
            }
        }
    }

    /// Whether some x has `(x, y)` on the curve, by Euler's criterion
    /// (independent of `Field::sqrt`).
    fn has_x(params: &CurveParams, y: u32) -> bool {
        let field = &params.field;
        let y2 = field.square(&field.element(y));
        let w = field
            .div(
                &field.sub(&y2, &field.element(1)),
                &field.sub(&field.mul(&params.d, &y2), &params.a),
            )
            .unwrap();
        w.modpow(&((&field.p - 1u32) >> 1), &field.p) != &field.p - 1u32
    }

    #[test]
    fn y_coordinates_decode_exactly_when_x_squared_is_a_square() {
        for curve in [EdwardsCurve::Ed25519, EdwardsCurve::Ed448] {
            let params = CurveParams::of(curve);
            let mut off_curve = 0;
            for y in 2u32..100 {
                let decoded = params.decode(&encode(&BigUint::from(y), false, params.encoded_len));
                if has_x(params, y) {
                    let point = decoded.unwrap();
                    let field = &params.field;
                    let (x2, y2) = (field.square(&point.x), field.square(&point.y));
                    let left = field.add(&field.mul(&params.a, &x2), &y2);
                    let right = field.add(
                        &field.element(1),
                        &field.mul(&params.d, &field.mul(&x2, &y2)),
                    );
                    assert_eq!(left, right, "{curve:?} y = {y}");
                } else {
                    assert_eq!(
                        decoded.err(),
                        Some(PointError::NotOnCurve),
                        "{curve:?} y = {y}"
                    );
                    off_curve += 1;
                }
            }
            assert!(off_curve > 20, "{curve:?}: about half of all y have no x");
        }
    }

    #[test]
    fn the_square_root_is_exact_for_both_prime_shapes() {
        for curve in [EdwardsCurve::Ed25519, EdwardsCurve::Ed448] {
            let field = &CurveParams::of(curve).field;
            for n in 0u32..200 {
                let w = field.element(n);
                let euler = w.modpow(&((&field.p - 1u32) >> 1), &field.p);
                let is_square = euler != &field.p - 1u32;
                match field.sqrt(&w) {
                    Some(root) => {
                        assert!(is_square, "{curve:?} {n}");
                        assert_eq!(field.square(&root), w);
                    }
                    None => assert!(!is_square, "{curve:?} {n}"),
                }
            }
        }
    }

    #[test]
    fn the_identity_and_the_point_of_order_two_are_small() {
        for curve in [EdwardsCurve::Ed25519, EdwardsCurve::Ed448] {
            let params = CurveParams::of(curve);
            let len = params.encoded_len;
            let minus_one = &params.field.p - 1u32;
            for y in [BigUint::from(1u32), minus_one] {
                assert_eq!(
                    check_public_key(curve, &encode(&y, false, len)),
                    Err(PointError::SmallOrder),
                    "{curve:?} y = {y}"
                );
                // x = 0 has no odd square root: the sign bit must be clear.
                assert_eq!(
                    check_public_key(curve, &encode(&y, true, len)),
                    Err(PointError::NotCanonical),
                    "{curve:?} y = {y}, sign bit set"
                );
            }
        }
    }

    #[test]
    fn the_sign_bit_selects_the_x_of_that_parity() {
        let ed25519 = CurveParams::of(EdwardsCurve::Ed25519);
        let mut encoded = hex("5866666666666666666666666666666666666666666666666666666666666666");
        let base = ed25519.decode(&encoded).unwrap();
        assert!(!base.x.bit(0));
        encoded[31] |= 0x80;
        let negated = ed25519.decode(&encoded).unwrap();
        assert!(negated.x.bit(0));
        assert_eq!(negated.x, &ed25519.field.p - &base.x);
        assert_eq!(negated.y, base.y);
    }

    #[test]
    fn doubling_agrees_with_the_affine_formula() {
        // 2(x, y) = (2xy / (a x^2 + y^2), (y^2 - a x^2) / (2 - a x^2 - y^2)).
        let ed25519 = CurveParams::of(EdwardsCurve::Ed25519);
        let base = ed25519
            .decode(&hex(
                "5866666666666666666666666666666666666666666666666666666666666666",
            ))
            .unwrap();
        let field = &ed25519.field;
        let ax2 = field.mul(&ed25519.a, &field.square(&base.x));
        let y2 = field.square(&base.y);
        let two = field.element(2);
        let expected_x = field
            .div(
                &field.mul(&two, &field.mul(&base.x, &base.y)),
                &field.add(&ax2, &y2),
            )
            .unwrap();
        let expected_y = field
            .div(
                &field.sub(&y2, &ax2),
                &field.sub(&field.sub(&two, &ax2), &y2),
            )
            .unwrap();
        let doubled = ed25519.double(&base);
        assert_eq!(field.div(&doubled.x, &doubled.z).unwrap(), expected_x);
        assert_eq!(field.div(&doubled.y, &doubled.z).unwrap(), expected_y);
    }
}
