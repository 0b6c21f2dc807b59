//! The parameter rules of the rules' "Keys": a [`PublicKey`] exists only
//! once its parameters passed them, so a backend is never handed any other.

use crate::alg::Curve;
use crate::jwk::Unusable;

use super::edwards::{self, EdwardsCurve};
use super::weierstrass::{self, NistCurve};

/// The smallest RSA modulus accepted, in bits.
pub(crate) const MIN_MODULUS_BITS: usize = 2048;
/// The largest RSA modulus accepted, in bits.
pub(crate) const MAX_MODULUS_BITS: usize = 16384;
/// The longest RSA public exponent accepted, in bits: OpenSSL refuses longer
/// ones for moduli over 3072 bits, which would make such a listed key fail
/// every token as `invalid_signature` instead of being an unusable key.
pub(crate) const MAX_EXPONENT_BITS: usize = 64;

/// A public key whose parameters passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublicKey {
    /// An RSA key.
    Rsa(RsaKey),
    /// A point of a NIST curve.
    Ec(EcKey),
    /// A point of an Edwards curve.
    Okp(OkpKey),
}

/// RSA parameters, big-endian without leading zero bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RsaKey {
    pub(crate) modulus: Vec<u8>,
    pub(crate) exponent: Vec<u8>,
}

/// A NIST curve point, each coordinate exactly the field length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EcKey {
    pub(crate) curve: NistCurve,
    pub(crate) x: Vec<u8>,
    pub(crate) y: Vec<u8>,
}

/// The canonical encoding of an Edwards point of large order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OkpKey {
    pub(crate) curve: EdwardsCurve,
    pub(crate) x: Vec<u8>,
}

impl PublicKey {
    /// An RSA key of modulus `n` and exponent `e` (big-endian, leading zero
    /// bytes allowed): a modulus of 2048 to 16384 bits, odd; an exponent
    /// odd, at least 3, at most 64 bits and below the modulus.
    pub(crate) fn rsa(n: &[u8], e: &[u8]) -> Result<Self, Unusable> {
        let modulus = strip_leading_zeros(n);
        let exponent = strip_leading_zeros(e);
        let modulus_bits = bit_len(modulus);
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&modulus_bits) || !is_odd(modulus) {
            return Err(Unusable::InvalidModulus);
        }
        let exponent_bits = bit_len(exponent);
        let exponent_ok = is_odd(exponent)
            && (2..=MAX_EXPONENT_BITS).contains(&exponent_bits)
            && less_than(exponent, modulus);
        if !exponent_ok {
            return Err(Unusable::InvalidExponent);
        }
        Ok(PublicKey::Rsa(RsaKey {
            modulus: modulus.to_vec(),
            exponent: exponent.to_vec(),
        }))
    }

    /// A point of the NIST curve `curve`: `x` and `y` exactly the field
    /// length, below the field prime, on the curve.
    pub(crate) fn ec(curve: Curve, x: &[u8], y: &[u8]) -> Result<Self, Unusable> {
        let curve = match curve {
            Curve::P256 => NistCurve::P256,
            Curve::P384 => NistCurve::P384,
            Curve::P521 => NistCurve::P521,
            Curve::Ed25519 | Curve::Ed448 => return Err(Unusable::UnsupportedCurve),
        };
        weierstrass::check_public_key(curve, x, y).map_err(|error| match error {
            weierstrass::PointError::WrongLength => Unusable::InvalidCoordinateLength,
            weierstrass::PointError::NotOnCurve => Unusable::PointNotOnCurve,
        })?;
        Ok(PublicKey::Ec(EcKey {
            curve,
            x: x.to_vec(),
            y: y.to_vec(),
        }))
    }

    /// An Edwards point: the canonical encoding of a point of `curve` whose
    /// order does not divide the cofactor.
    pub(crate) fn okp(curve: Curve, x: &[u8]) -> Result<Self, Unusable> {
        let curve = match curve {
            Curve::Ed25519 => EdwardsCurve::Ed25519,
            Curve::Ed448 => EdwardsCurve::Ed448,
            Curve::P256 | Curve::P384 | Curve::P521 => return Err(Unusable::UnsupportedCurve),
        };
        edwards::check_public_key(curve, x).map_err(|error| match error {
            edwards::PointError::WrongLength => Unusable::InvalidCoordinateLength,
            edwards::PointError::NotCanonical => Unusable::OkpNotCanonical,
            edwards::PointError::NotOnCurve => Unusable::OkpNotOnCurve,
            edwards::PointError::SmallOrder => Unusable::OkpSmallOrder,
        })?;
        Ok(PublicKey::Okp(OkpKey {
            curve,
            x: x.to_vec(),
        }))
    }

    /// The exact length in bytes of every signature by this key.
    pub(crate) fn signature_len(&self) -> usize {
        match self {
            PublicKey::Rsa(rsa) => rsa.modulus.len(),
            PublicKey::Ec(ec) => 2 * ec.curve.field_len(),
            PublicKey::Okp(OkpKey {
                curve: EdwardsCurve::Ed25519,
                ..
            }) => 64,
            PublicKey::Okp(OkpKey {
                curve: EdwardsCurve::Ed448,
                ..
            }) => 114,
        }
    }
}

impl RsaKey {
    /// The modulus length in bits.
    pub(crate) fn modulus_bits(&self) -> usize {
        bit_len(&self.modulus)
    }

    /// The exponent length in bits.
    #[cfg(feature = "aws-lc")]
    pub(crate) fn exponent_bits(&self) -> usize {
        bit_len(&self.exponent)
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|byte| **byte == 0).count();
    &bytes[zeros..]
}

/// The length in bits of a big-endian number without leading zero bytes.
fn bit_len(stripped: &[u8]) -> usize {
    match stripped.first() {
        None => 0,
        Some(first) => stripped.len() * 8 - first.leading_zeros() as usize,
    }
}

/// `a < b` for big-endian numbers without leading zero bytes.
fn less_than(a: &[u8], b: &[u8]) -> bool {
    (a.len(), a) < (b.len(), b)
}

fn is_odd(stripped: &[u8]) -> bool {
    stripped.last().is_some_and(|last| last & 1 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths_count_bits_not_bytes() {
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[1]), 1);
        assert_eq!(bit_len(&[0x80, 0]), 16);
        assert_eq!(bit_len(&[0x7f, 0]), 15);
        assert_eq!(strip_leading_zeros(&[0, 0, 3]), &[3]);
        assert!(less_than(&[2], &[1, 0]) && !less_than(&[1, 0], &[1, 0]));
    }
}
