//! NIST curve public keys (an EC JWK's `x` and `y`): both coordinates below
//! the field prime and the point on the curve `y^2 = x^3 - 3x + b`.
//!
//! The NIST curves have cofactor 1, so a point on the curve is in the group
//! the signatures use; the point at infinity has no affine coordinates, so
//! it cannot be given. The arithmetic is plain big-integer arithmetic in
//! pure Rust, so that every backend is handed the same points. A public key
//! is public: nothing here needs to run in constant time.

use std::sync::OnceLock;

use num_bigint::BigUint;

/// A NIST prime curve of ECDSA (FIPS 186-5, SEC 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NistCurve {
    /// P-256 (secp256r1).
    P256,
    /// P-384 (secp384r1).
    P384,
    /// P-521 (secp521r1).
    P521,
}

impl NistCurve {
    /// The length of a coordinate, in bytes.
    pub(crate) fn field_len(self) -> usize {
        match self {
            NistCurve::P256 => 32,
            NistCurve::P384 => 48,
            NistCurve::P521 => 66,
        }
    }
}

/// Why a pair of coordinates is not a usable public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PointError {
    /// `x` or `y` is not exactly the field length.
    WrongLength,
    /// A coordinate is not below the field prime, or the point is not on the curve.
    NotOnCurve,
}

/// Checks that big-endian `x` and `y` of the field length are the
/// coordinates of a point of `curve`.
pub(crate) fn check_public_key(curve: NistCurve, x: &[u8], y: &[u8]) -> Result<(), PointError> {
    let len = curve.field_len();
    if x.len() != len || y.len() != len {
        return Err(PointError::WrongLength);
    }
    let params = CurveParams::of(curve);
    let (x, y) = (BigUint::from_bytes_be(x), BigUint::from_bytes_be(y));
    if x >= params.p || y >= params.p {
        return Err(PointError::NotOnCurve);
    }
    if params.is_on_curve(&x, &y) {
        Ok(())
    } else {
        Err(PointError::NotOnCurve)
    }
}

/// `y^2 = x^3 + a x + b` over the prime `p`, with `a = -3`.
struct CurveParams {
    p: BigUint,
    b: BigUint,
}

impl CurveParams {
    /// The parameters of `curve`, computed once.
    fn of(curve: NistCurve) -> &'static CurveParams {
        static P256: OnceLock<CurveParams> = OnceLock::new();
        static P384: OnceLock<CurveParams> = OnceLock::new();
        static P521: OnceLock<CurveParams> = OnceLock::new();
        let (cell, p, b) = match curve {
            NistCurve::P256 => (&P256, P256_P, P256_B),
            NistCurve::P384 => (&P384, P384_P, P384_B),
            NistCurve::P521 => (&P521, P521_P, P521_B),
        };
        cell.get_or_init(|| CurveParams {
            p: hex(p),
            b: hex(b),
        })
    }

    /// Whether reduced `x` and `y` satisfy the curve equation.
    fn is_on_curve(&self, x: &BigUint, y: &BigUint) -> bool {
        let p = &self.p;
        let lhs = (y * y) % p;
        // x^3 - 3x + b, kept non-negative by adding 3p before subtracting.
        let cube = (x * x % p) * x % p;
        let rhs = (cube + &self.b + 3u32 * p - 3u32 * x) % p;
        lhs == rhs
    }
}

fn hex(digits: &str) -> BigUint {
    // The constants below are hexadecimal literals, so this never fails.
    BigUint::parse_bytes(digits.as_bytes(), 16).unwrap_or_default()
}

// FIPS 186-5 / SEC 2 domain parameters: the field prime and `b` of each curve.
const P256_P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const P256_B: &str = "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b";
const P384_P: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff";
const P384_B: &str = "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef";
const P521_P: &str = "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
const P521_B: &str = "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00";

#[cfg(test)]
mod tests {
    use openssl::bn::{BigNum, BigNumContext};
    use openssl::ec::{EcGroup, EcKey, EcPoint};
    use openssl::nid::Nid;
    use proptest::prelude::*;

    use super::*;

    const CURVES: [(NistCurve, Nid); 3] = [
        (NistCurve::P256, Nid::X9_62_PRIME256V1),
        (NistCurve::P384, Nid::SECP384R1),
        (NistCurve::P521, Nid::SECP521R1),
    ];

    fn padded(value: &BigNum, len: usize) -> Vec<u8> {
        value.to_vec_padded(len as i32).unwrap()
    }

    /// The constants are OpenSSL's, and `a` is -3 on every curve.
    #[test]
    fn the_constants_are_those_of_the_curves() {
        let mut ctx = BigNumContext::new().unwrap();
        for (curve, nid) in CURVES {
            let group = EcGroup::from_curve_name(nid).unwrap();
            let (mut p, mut a, mut b) = (
                BigNum::new().unwrap(),
                BigNum::new().unwrap(),
                BigNum::new().unwrap(),
            );
            group
                .components_gfp(&mut p, &mut a, &mut b, &mut ctx)
                .unwrap();
            let params = CurveParams::of(curve);
            assert_eq!(params.p.to_bytes_be(), p.to_vec(), "{curve:?} p");
            assert_eq!(params.b.to_bytes_be(), b.to_vec(), "{curve:?} b");
            let mut minus_three = BigNum::new().unwrap();
            minus_three
                .checked_sub(&p, &BigNum::from_u32(3).unwrap())
                .unwrap();
            assert_eq!(a, minus_three, "{curve:?} a");
        }
    }

    fn coordinates(nid: Nid, key: &EcKey<openssl::pkey::Private>) -> (BigNum, BigNum) {
        let group = EcGroup::from_curve_name(nid).unwrap();
        let mut ctx = BigNumContext::new().unwrap();
        let (mut x, mut y) = (BigNum::new().unwrap(), BigNum::new().unwrap());
        key.public_key()
            .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
            .unwrap();
        (x, y)
    }

    #[test]
    fn generated_public_keys_are_on_their_curve_only() {
        for (curve, nid) in CURVES {
            let group = EcGroup::from_curve_name(nid).unwrap();
            let (x, y) = coordinates(nid, &EcKey::generate(&group).unwrap());
            let len = curve.field_len();
            assert_eq!(
                check_public_key(curve, &padded(&x, len), &padded(&y, len)),
                Ok(())
            );
            for (other, _) in CURVES.iter().filter(|(other, _)| *other != curve) {
                let other_len = other.field_len();
                if other_len >= len {
                    assert_eq!(
                        check_public_key(*other, &padded(&x, other_len), &padded(&y, other_len)),
                        Err(PointError::NotOnCurve),
                        "{curve:?} point on {other:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn lengths_are_exact() {
        for (curve, _) in CURVES {
            let len = curve.field_len();
            for (x_len, y_len) in [(len - 1, len), (len, len + 1), (len + 1, len + 1), (0, 0)] {
                assert_eq!(
                    check_public_key(curve, &vec![1; x_len], &vec![1; y_len]),
                    Err(PointError::WrongLength)
                );
            }
        }
    }

    /// A coordinate congruent to a valid one but not below the prime is refused.
    #[test]
    fn coordinates_must_be_below_the_prime() {
        let mut ctx = BigNumContext::new().unwrap();
        for (curve, nid) in CURVES {
            let group = EcGroup::from_curve_name(nid).unwrap();
            let (mut p, mut a, mut b) = (
                BigNum::new().unwrap(),
                BigNum::new().unwrap(),
                BigNum::new().unwrap(),
            );
            group
                .components_gfp(&mut p, &mut a, &mut b, &mut ctx)
                .unwrap();
            let len = curve.field_len();
            // Find a generated point whose x + p still fits the field length.
            for _ in 0..64 {
                let (x, y) = coordinates(nid, &EcKey::generate(&group).unwrap());
                let mut shifted = BigNum::new().unwrap();
                shifted.checked_add(&x, &p).unwrap();
                if shifted.num_bytes() as usize <= len {
                    assert_eq!(
                        check_public_key(curve, &padded(&shifted, len), &padded(&y, len)),
                        Err(PointError::NotOnCurve),
                        "{curve:?}"
                    );
                    break;
                }
            }
            assert_eq!(
                check_public_key(curve, &padded(&p, len), &padded(&p, len)),
                Err(PointError::NotOnCurve)
            );
        }
    }

    proptest! {
        /// The rule agrees with OpenSSL's `EC_POINT_is_on_curve` on
        /// arbitrary coordinates, and on every point one bit away from a
        /// real one.
        #[test]
        fn agrees_with_openssl(curve_index in 0usize..3, bytes in proptest::collection::vec(any::<u8>(), 132), flip in 0usize..1056) {
            let (curve, nid) = CURVES[curve_index];
            let len = curve.field_len();
            let group = EcGroup::from_curve_name(nid).unwrap();
            let mut ctx = BigNumContext::new().unwrap();
            let openssl_says = |x: &[u8], y: &[u8]| {
                let (mut p, mut a, mut b) = (BigNum::new().unwrap(), BigNum::new().unwrap(), BigNum::new().unwrap());
                let mut ctx = BigNumContext::new().unwrap();
                group.components_gfp(&mut p, &mut a, &mut b, &mut ctx).unwrap();
                let (x, y) = (BigNum::from_slice(x).unwrap(), BigNum::from_slice(y).unwrap());
                if x >= p || y >= p {
                    return false;
                }
                let mut point = EcPoint::new(&group).unwrap();
                point.set_affine_coordinates_gfp(&group, &x, &y, &mut ctx).is_ok()
                    && point.is_on_curve(&group, &mut ctx).unwrap()
            };
            let (x, y) = (&bytes[..len], &bytes[len..2 * len]);
            prop_assert_eq!(check_public_key(curve, x, y).is_ok(), openssl_says(x, y));
            let key = EcKey::generate(&group).unwrap();
            let mut real = Vec::new();
            let (kx, ky) = {
                let (mut kx, mut ky) = (BigNum::new().unwrap(), BigNum::new().unwrap());
                key.public_key().affine_coordinates(&group, &mut kx, &mut ky, &mut ctx).unwrap();
                (kx, ky)
            };
            real.extend(padded(&kx, len));
            real.extend(padded(&ky, len));
            let bit = flip % (16 * len);
            real[bit / 8] ^= 1 << (bit % 8);
            let (x, y) = real.split_at(len);
            prop_assert_eq!(check_public_key(curve, x, y).is_ok(), openssl_says(x, y));
        }
    }
}
