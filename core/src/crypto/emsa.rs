//! The RSA signature encodings of RFC 8017 section 9, checked against an
//! encoded message a backend recovered with the raw public-key operation
//! (RSAVP1): EMSA-PKCS1-v1_5 for RS*, EMSA-PSS with MGF1 of the same hash and
//! a salt as long as the hash for PS* (RFC 7518 section 3.5).
//!
//! Both are strict: the PKCS #1 v1.5 encoding is compared whole with the one
//! expected (the `DigestInfo` with its NULL parameters), and a PSS encoding
//! with any other salt length, another MGF1 hash or a stray bit fails.
//! Everything here is public data, so nothing needs constant time.

use super::{Digest, Hash};

/// The largest encoded message: a modulus of 16384 bits.
pub(crate) const MAX_EM_BYTES: usize = 2048;

/// A hash function of the backend, over the concatenation of `parts`.
pub(crate) type DigestFn = fn(Hash, &[&[u8]]) -> Digest;

/// Whether `em`, the `k`-byte result of RSAVP1 (k the modulus length), is
/// the EMSA-PKCS1-v1_5 encoding of `digest` (RFC 8017 section 9.2):
/// `0x00 0x01 0xFF... 0x00 DigestInfo(digest)`, at least 8 bytes of `0xFF`.
pub(crate) fn is_pkcs1_v15(em: &[u8], hash: Hash, digest: &[u8]) -> bool {
    let prefix = hash.digest_info_prefix();
    let t_len = prefix.len() + digest.len();
    if digest.len() != hash.len() || em.len() < t_len + 11 {
        return false;
    }
    let (padding, t) = em.split_at(em.len() - t_len);
    let (ff, zero) = padding[2..].split_at(padding.len() - 3);
    padding[..2] == [0x00, 0x01]
        && ff.iter().all(|byte| *byte == 0xff)
        && zero == [0x00]
        && t[..prefix.len()] == *prefix
        && t[prefix.len()..] == *digest
}

/// Whether `em`, the `k`-byte result of RSAVP1 for a modulus of
/// `modulus_bits` bits, is an EMSA-PSS encoding of `m_hash` (RFC 8017
/// section 9.1.2) with MGF1 of `hash` and a salt of the hash's length.
pub(crate) fn is_pss(
    em: &[u8],
    modulus_bits: usize,
    hash: Hash,
    m_hash: &[u8],
    digest: DigestFn,
) -> bool {
    // emBits = modBits - 1; when that is a multiple of 8 the encoded message
    // is one byte shorter than the modulus, and RSAVP1's first byte is zero.
    let em_bits = modulus_bits.saturating_sub(1);
    let em_len = em_bits.div_ceil(8);
    let em = match em.len().checked_sub(em_len) {
        Some(0) => em,
        Some(1) if em[0] == 0 => &em[1..],
        _ => return false,
    };
    let (h_len, s_len) = (hash.len(), hash.len());
    if m_hash.len() != h_len || em_len < h_len + s_len + 2 || em_len > MAX_EM_BYTES {
        return false;
    }
    if em[em_len - 1] != 0xbc {
        return false;
    }
    let db_len = em_len - h_len - 1;
    let (masked_db, h) = em[..em_len - 1].split_at(db_len);
    let stray_bits = 8 * em_len - em_bits;
    let top_mask = 0xffu8 >> stray_bits;
    if masked_db[0] & !top_mask != 0 {
        return false;
    }
    let mut db = [0u8; MAX_EM_BYTES];
    let db = &mut db[..db_len];
    db.copy_from_slice(masked_db);
    mgf1_xor(db, h, hash, digest);
    db[0] &= top_mask;
    let (padding, salt) = db.split_at(db_len - s_len);
    let (zeros, one) = padding.split_at(padding.len() - 1);
    if !zeros.iter().all(|byte| *byte == 0) || one != [0x01] {
        return false;
    }
    let expected = digest(hash, &[&[0u8; 8], m_hash, salt]);
    expected.as_ref() == h
}

/// XORs `out` with MGF1 of `seed` (RFC 8017 appendix B.2.1).
fn mgf1_xor(out: &mut [u8], seed: &[u8], hash: Hash, digest: DigestFn) {
    for (counter, chunk) in out.chunks_mut(hash.len()).enumerate() {
        // At most 2048 / 32 chunks: the counter always fits 4 bytes.
        let counter = u32::try_from(counter).unwrap_or(u32::MAX).to_be_bytes();
        let mask = digest(hash, &[seed, &counter]);
        for (byte, mask) in chunk.iter_mut().zip(mask.as_ref()) {
            *byte ^= mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::{Padding, Rsa};
    use openssl::sign::{RsaPssSaltlen, Signer};

    use super::*;

    fn openssl_digest(hash: Hash, parts: &[&[u8]]) -> Digest {
        let mut hasher = openssl::hash::Hasher::new(message_digest(hash)).unwrap();
        for part in parts {
            hasher.update(part).unwrap();
        }
        Digest::new(&hasher.finish().unwrap())
    }

    fn message_digest(hash: Hash) -> MessageDigest {
        match hash {
            Hash::Sha256 => MessageDigest::sha256(),
            Hash::Sha384 => MessageDigest::sha384(),
            Hash::Sha512 => MessageDigest::sha512(),
        }
    }

    const HASHES: [Hash; 3] = [Hash::Sha256, Hash::Sha384, Hash::Sha512];
    const MESSAGE: &[u8] = b"eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";

    /// RSAVP1 of a signature, as a backend computes it.
    fn recover(key: &Rsa<openssl::pkey::Private>, signature: &[u8]) -> Vec<u8> {
        let public =
            Rsa::from_public_components(key.n().to_owned().unwrap(), key.e().to_owned().unwrap())
                .unwrap();
        let mut em = vec![0; public.size() as usize];
        public
            .public_decrypt(signature, &mut em, Padding::NONE)
            .unwrap();
        em
    }

    fn sign(
        key: &Rsa<openssl::pkey::Private>,
        hash: Hash,
        pss: Option<(MessageDigest, RsaPssSaltlen)>,
    ) -> Vec<u8> {
        let pkey = PKey::from_rsa(key.clone()).unwrap();
        let mut signer = Signer::new(message_digest(hash), &pkey).unwrap();
        if let Some((mgf1, salt)) = pss {
            signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            signer.set_rsa_mgf1_md(mgf1).unwrap();
            signer.set_rsa_pss_saltlen(salt).unwrap();
        }
        signer.update(MESSAGE).unwrap();
        signer.sign_to_vec().unwrap()
    }

    fn m_hash(hash: Hash) -> Digest {
        openssl_digest(hash, &[MESSAGE])
    }

    /// Every modulus length modulo 8 matters for PSS (emBits = modBits - 1).
    fn keys() -> Vec<Rsa<openssl::pkey::Private>> {
        [2048, 2049, 2055, 2056, 2057]
            .into_iter()
            .map(|bits| Rsa::generate(bits).unwrap())
            .collect()
    }

    #[test]
    fn openssl_signatures_are_recognised_and_nothing_else() {
        for key in keys() {
            let bits = key.n().num_bits() as usize;
            for hash in HASHES {
                let digest = m_hash(hash);
                let pkcs1 = recover(&key, &sign(&key, hash, None));
                assert!(
                    is_pkcs1_v15(&pkcs1, hash, digest.as_ref()),
                    "{bits} {hash:?}"
                );
                let salt = RsaPssSaltlen::DIGEST_LENGTH;
                let pss = recover(&key, &sign(&key, hash, Some((message_digest(hash), salt))));
                assert!(
                    is_pss(&pss, bits, hash, digest.as_ref(), openssl_digest),
                    "{bits} {hash:?}"
                );
                // Each encoding is not the other, nor of another digest.
                assert!(!is_pkcs1_v15(&pss, hash, digest.as_ref()));
                assert!(!is_pss(&pkcs1, bits, hash, digest.as_ref(), openssl_digest));
                let other = openssl_digest(hash, &[b"another message"]);
                assert!(!is_pkcs1_v15(&pkcs1, hash, other.as_ref()));
                assert!(!is_pss(&pss, bits, hash, other.as_ref(), openssl_digest));
                for other_hash in HASHES.into_iter().filter(|other| *other != hash) {
                    let digest = m_hash(other_hash);
                    assert!(!is_pkcs1_v15(&pkcs1, other_hash, digest.as_ref()));
                    assert!(!is_pss(
                        &pss,
                        bits,
                        other_hash,
                        digest.as_ref(),
                        openssl_digest
                    ));
                }
            }
        }
    }

    #[test]
    fn pss_refuses_every_other_salt_length_and_mgf1_hash() {
        let key = Rsa::generate(2048).unwrap();
        for hash in HASHES {
            let digest = m_hash(hash);
            let len = hash.len() as i32;
            for salt in [0, 20, len - 1, len + 1, 2 * len] {
                let custom = RsaPssSaltlen::custom(salt);
                let em = recover(
                    &key,
                    &sign(&key, hash, Some((message_digest(hash), custom))),
                );
                assert!(
                    !is_pss(&em, 2048, hash, digest.as_ref(), openssl_digest),
                    "{hash:?} salt {salt}"
                );
            }
            let maximum = RsaPssSaltlen::MAXIMUM_LENGTH;
            let em = recover(
                &key,
                &sign(&key, hash, Some((message_digest(hash), maximum))),
            );
            assert!(!is_pss(&em, 2048, hash, digest.as_ref(), openssl_digest));
            for mgf1 in [
                MessageDigest::sha1(),
                MessageDigest::sha512(),
                MessageDigest::sha256(),
            ] {
                if mgf1.type_() == message_digest(hash).type_() {
                    continue;
                }
                let salt = RsaPssSaltlen::DIGEST_LENGTH;
                let em = recover(&key, &sign(&key, hash, Some((mgf1, salt))));
                assert!(
                    !is_pss(&em, 2048, hash, digest.as_ref(), openssl_digest),
                    "{hash:?}"
                );
            }
        }
    }

    #[test]
    fn every_single_bit_flip_is_refused() {
        let key = Rsa::generate(2048).unwrap();
        let hash = Hash::Sha256;
        let digest = m_hash(hash);
        let pkcs1 = recover(&key, &sign(&key, hash, None));
        let pss = recover(
            &key,
            &sign(
                &key,
                hash,
                Some((MessageDigest::sha256(), RsaPssSaltlen::DIGEST_LENGTH)),
            ),
        );
        for bit in 0..8 * pkcs1.len() {
            let mut flipped = pkcs1.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(!is_pkcs1_v15(&flipped, hash, digest.as_ref()), "bit {bit}");
            let mut flipped = pss.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(
                !is_pss(&flipped, 2048, hash, digest.as_ref(), openssl_digest),
                "bit {bit}"
            );
        }
    }

    /// The DigestInfo without its NULL parameters is another encoding.
    #[test]
    fn pkcs1_digest_info_must_carry_null_parameters() {
        let key = Rsa::generate(2048).unwrap();
        let digest = m_hash(Hash::Sha256);
        let mut t = vec![
            0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x04, 0x20,
        ];
        t.extend_from_slice(digest.as_ref());
        let mut em = vec![0x00, 0x01];
        em.resize(256 - t.len() - 1, 0xff);
        em.push(0x00);
        em.extend(&t);
        // A real signature of that encoding, made with the private key.
        let mut signature = vec![0; 256];
        key.private_encrypt(&em, &mut signature, Padding::NONE)
            .unwrap();
        let recovered = recover(&key, &signature);
        assert_eq!(recovered, em);
        assert!(!is_pkcs1_v15(&recovered, Hash::Sha256, digest.as_ref()));
    }

    #[test]
    fn short_or_odd_inputs_are_refused_without_panicking() {
        let digest = m_hash(Hash::Sha512);
        for len in [0, 1, 2, 11, 50, 100, 129, 130, 131] {
            let em = vec![0xbc; len];
            assert!(!is_pkcs1_v15(&em, Hash::Sha512, digest.as_ref()));
            for bits in [0, 1, 8 * len, 8 * len + 1, (8 * len).saturating_sub(7)] {
                assert!(!is_pss(
                    &em,
                    bits,
                    Hash::Sha512,
                    digest.as_ref(),
                    openssl_digest
                ));
            }
        }
    }
}
