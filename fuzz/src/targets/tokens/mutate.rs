//! Mutations of a compact token as text, with no re-signing: characters,
//! ranges, segments (swapped, spliced from other tokens, added, dropped),
//! base64 (decoded bytes changed, padding, the other alphabet, stray bits,
//! whitespace) and signatures (zeroed, emptied, resized, DER-encoded).

use oidc_jwt_verifier_conformance::issuer::{b64url, tamper};

use crate::base64url;
use crate::rng::Rng;

/// Characters a mutation puts in: base64url, the separators and padding a
/// decoder must refuse, whitespace (ASCII and Unicode), controls and
/// non-ASCII.
const CHARS: [char; 22] = [
    'A', 'z', '0', '-', '_', '.', '=', '+', '/', ' ', '\t', '\n', '\r', '\u{0}', '\u{7f}', 'é',
    '\u{feff}', '\u{3000}', '\u{a0}', '😀', '%', '~',
];

/// One mutation of `token`; `others` are tokens to splice from.
pub fn mutate(token: &str, others: &[String], rng: &mut Rng) -> String {
    let chars: Vec<char> = token.chars().collect();
    match rng.below(14) {
        0 => replace_char(&chars, rng),
        1 => {
            let mut chars = chars;
            let at = rng.below(chars.len() + 1);
            chars.insert(at, *rng.pick(&CHARS));
            chars.into_iter().collect()
        }
        2 => {
            let mut chars = chars;
            if !chars.is_empty() {
                let start = rng.below(chars.len());
                let len = rng.between(1, 8).min(chars.len() - start);
                chars.drain(start..start + len);
            }
            chars.into_iter().collect()
        }
        3 => chars[..rng.below(chars.len() + 1)].iter().collect(),
        4 => {
            let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
            let (a, b) = (rng.below(parts.len()), rng.below(parts.len()));
            parts.swap(a, b);
            parts.join(".")
        }
        5 => {
            let other: &String = rng.pick(others);
            splice(token, other, rng)
        }
        6 => {
            let mut parts: Vec<&str> = token.split('.').collect();
            match rng.below(3) {
                0 => parts.push(""),
                1 if parts.len() > 1 => {
                    parts.remove(rng.below(parts.len()));
                }
                _ => parts.extend(["", "eyJ9"]),
            }
            parts.join(".")
        }
        7 => edit_decoded(token, rng),
        8 => recode(token, rng),
        9 => edit_signature(token, rng),
        10 => {
            // Whitespace around the token, or the token twice.
            let pad = *rng.pick(&[" ", "\n", "\t", "\u{a0}", "\r\n"]);
            match rng.below(3) {
                0 => format!("{pad}{token}"),
                1 => format!("{token}{pad}"),
                _ => format!("{token}{pad}{token}"),
            }
        }
        11 => {
            let mut chars = chars;
            let at = rng.below(chars.len());
            if let Some(c) = chars.get_mut(at) {
                *c = if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                };
            }
            chars.into_iter().collect()
        }
        12 => {
            let mut chars = chars;
            if !chars.is_empty() {
                let start = rng.below(chars.len());
                let len = rng.between(1, 16).min(chars.len() - start);
                let copy: Vec<char> = chars[start..start + len].to_vec();
                let at = rng.below(chars.len() + 1);
                chars.splice(at..at, copy);
            }
            chars.into_iter().collect()
        }
        _ => {
            // A whole-token shape: only separators, only whitespace, huge.
            rng.pick(&[
                "",
                " ",
                "..",
                "...",
                "\u{3000}",
                "a.b.c",
                "e30.e30.",
                "e30.e30.e30.e30.e30",
            ])
            .to_string()
        }
    }
}

fn replace_char(chars: &[char], rng: &mut Rng) -> String {
    let mut chars = chars.to_vec();
    if !chars.is_empty() {
        let at = rng.below(chars.len());
        chars[at] = *rng.pick(&CHARS);
    }
    chars.into_iter().collect()
}

/// Segment `i` of `token` replaced by segment `i` (or another) of `other`.
fn splice(token: &str, other: &str, rng: &mut Rng) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    let theirs: Vec<&str> = other.split('.').collect();
    let mine = rng.below(parts.len());
    let from = if rng.chance(3, 4) {
        mine
    } else {
        rng.below(theirs.len())
    };
    if let Some(segment) = theirs.get(from) {
        parts[mine] = segment;
    }
    parts.join(".")
}

/// A segment decoded, its bytes changed, encoded again.
fn edit_decoded(token: &str, rng: &mut Rng) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let index = rng.below(parts.len());
    let Some(mut bytes) = base64url::decode(&parts[index]) else {
        return token.to_owned();
    };
    match rng.below(4) {
        0 if !bytes.is_empty() => {
            let at = rng.below(bytes.len());
            bytes[at] ^= 1 << rng.below(8);
        }
        1 => bytes.push(*rng.pick(&[b' ', b'\n', b'}', 0, 0xff])),
        2 if !bytes.is_empty() => {
            bytes.remove(rng.below(bytes.len()));
        }
        _ => bytes.insert(0, *rng.pick(&[b' ', 0xef, b'{'])),
    }
    parts[index] = b64url(&bytes);
    parts.join(".")
}

/// A segment re-encoded so that a strict decoder must refuse it: padded,
/// in the standard alphabet, with stray trailing bits, or with whitespace.
fn recode(token: &str, rng: &mut Rng) -> String {
    let edited = match rng.below(4) {
        0 => tamper::padded(token),
        1 => tamper::standard_alphabet(token),
        2 => tamper::nonzero_trailing_bits(token, rng.below(3)),
        _ => {
            let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
            let index = rng.below(parts.len());
            let at = rng.below(parts[index].len() + 1);
            if parts[index].is_char_boundary(at) {
                parts[index].insert(at, *rng.pick(&[' ', '\n', '\t']));
            }
            Some(parts.join("."))
        }
    };
    edited.unwrap_or_else(|| token.to_owned())
}

fn edit_signature(token: &str, rng: &mut Rng) -> String {
    let edited = match rng.below(6) {
        0 => tamper::zero_signature(token),
        1 => tamper::strip_signature(token),
        2 => tamper::truncate_signature(token, rng.between(1, 4)),
        3 => tamper::extend_signature(token, &[0]),
        4 => tamper::der_ecdsa_signature(token),
        _ => tamper::tamper_signature(token),
    };
    edited.unwrap_or_else(|| token.to_owned())
}
