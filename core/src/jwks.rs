//! A JWK Set document: limits, parsing into usable keys, and key selection.
//!
//! The document is read in three passes, all bounded by the body limit: a
//! syntax check of the whole body, a split into the raw `keys` entries, and
//! a strict parse of each entry on its own, so that one bad entry never
//! spoils the others.

use std::fmt;
use std::sync::Arc;

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::alg::Algorithm;
use crate::error::SourceProblem;
use crate::http::MAX_BODY_BYTES;
use crate::json::{self, JsonError};
use crate::jwk::{SigningKey, Unusable, VerifyingKey};

/// The most entries a `keys` array may hold (docs/rules.md, "Keys").
pub(crate) const MAX_KEYS: usize = 100;

/// The deepest nesting read in one JWK: serde_json's own recursion limit
/// (a JWK has no reason to nest at all; deeper ones are unusable).
const JWK_MAX_DEPTH: usize = 128;

/// The usable keys of one JWK Set, in document order, each parsed once.
#[derive(Debug, Clone)]
pub(crate) struct KeySet {
    keys: Vec<Arc<VerifyingKey>>,
}

/// A `keys` entry skipped as unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SkippedJwk {
    /// Its `kid`, when it is an object with a string `kid`.
    pub(crate) kid: Option<String>,
    pub(crate) reason: Unusable,
}

/// The string `kid` of an entry, if it has one (read leniently: only for
/// telling which entry was skipped).
fn kid_of(entry: &RawValue) -> Option<String> {
    #[derive(Deserialize)]
    struct Kid {
        kid: Option<String>,
    }
    serde_json::from_str::<Kid>(entry.get()).ok()?.kid
}

/// The outcome of looking a key up for a token.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Selection<'a> {
    /// Exactly one usable key fits.
    One(&'a Arc<VerifyingKey>),
    /// No usable key fits.
    NotFound,
    /// More than one usable key fits.
    Ambiguous,
}

impl KeySet {
    /// [`parse_reporting`](Self::parse_reporting) without the skipped entries.
    #[cfg(test)]
    pub(crate) fn parse(body: &[u8], allowed: &[Algorithm]) -> Result<KeySet, SourceProblem> {
        Self::parse_reporting(body, allowed).0
    }

    /// Parses a JWK Set body, keeping every key that fits at least one
    /// algorithm of `allowed`, and listing every entry skipped as unusable,
    /// with its `kid` when it has a string one (the list comes with a
    /// refused set too: it says why no key was usable).
    ///
    /// Errors are the `jwks_error` problems: `BodyTooLarge` (over
    /// [`MAX_BODY_BYTES`]), `NotJson` (not UTF-8 JSON, or not an object),
    /// `NotJwks` (no single `keys` array), `TooManyKeys` (over [`MAX_KEYS`]
    /// entries) and `NoUsableKey`.
    pub(crate) fn parse_reporting(
        body: &[u8],
        allowed: &[Algorithm],
    ) -> (Result<KeySet, SourceProblem>, Vec<SkippedJwk>) {
        if body.len() > MAX_BODY_BYTES {
            return (Err(SourceProblem::BodyTooLarge), Vec::new());
        }
        let entries = match split_entries(body) {
            Ok(entries) => entries,
            Err(problem) => return (Err(problem), Vec::new()),
        };
        let mut keys = Vec::with_capacity(entries.len());
        let mut skipped = Vec::new();
        for entry in entries {
            match parse_entry(entry, allowed) {
                Ok(key) => keys.push(Arc::new(key)),
                Err(reason) => skipped.push(SkippedJwk {
                    kid: kid_of(entry),
                    reason,
                }),
            }
        }
        if keys.is_empty() {
            return (Err(SourceProblem::NoUsableKey), skipped);
        }
        (Ok(KeySet { keys }), skipped)
    }

    /// The single usable key for a token with this `kid` (or none) and `alg`.
    ///
    /// With a `kid`, only keys carrying that `kid` count; without one, every
    /// usable key counts. Keys that do not fit `alg` never count.
    pub(crate) fn select(&self, kid: Option<&str>, alg: Algorithm) -> Selection<'_> {
        let mut candidates = self
            .keys
            .iter()
            .filter(|key| key.fits(alg))
            .filter(|key| kid.is_none_or(|kid| key.kid() == Some(kid)));
        match (candidates.next(), candidates.next()) {
            (None, _) => Selection::NotFound,
            (Some(key), None) => Selection::One(key),
            (Some(_), Some(_)) => Selection::Ambiguous,
        }
    }

    /// Every usable key's `kid`, in document order (keys without one left out).
    pub(crate) fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().filter_map(|key| key.kid())
    }

    /// The number of usable keys (never zero).
    pub(crate) fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Every usable key's public description, in document order.
    pub(crate) fn signing_keys(&self) -> Vec<SigningKey> {
        self.keys.iter().map(|key| key.info().clone()).collect()
    }
}

/// The document's one `keys` member, kept raw (serde refuses it twice).
#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow)]
    keys: &'a RawValue,
}

/// The raw entries of a `keys` array, with no more than [`MAX_KEYS`] kept.
struct KeyEntries<'a> {
    kept: Vec<&'a RawValue>,
    total: usize,
}

/// Splits a body into the raw entries of its `keys` array.
fn split_entries(body: &[u8]) -> Result<Vec<&RawValue>, SourceProblem> {
    let text = std::str::from_utf8(body).map_err(|_| SourceProblem::NotJson)?;
    serde_json::from_str::<IgnoredAny>(text).map_err(|_| SourceProblem::NotJson)?;
    if !text.trim_start().starts_with('{') {
        return Err(SourceProblem::NotJson);
    }
    let document: Document<'_> = serde_json::from_str(text).map_err(|_| SourceProblem::NotJwks)?;
    let entries: KeyEntries<'_> =
        serde_json::from_str(document.keys.get()).map_err(|_| SourceProblem::NotJwks)?;
    if entries.total > MAX_KEYS {
        return Err(SourceProblem::TooManyKeys);
    }
    Ok(entries.kept)
}

impl<'de: 'a, 'a> Deserialize<'de> for KeyEntries<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(KeyEntriesVisitor(std::marker::PhantomData))
    }
}

struct KeyEntriesVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for KeyEntriesVisitor<'a> {
    type Value = KeyEntries<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `keys` array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut kept = Vec::new();
        let mut total = 0usize;
        while total < MAX_KEYS {
            match seq.next_element::<&'de RawValue>()? {
                Some(entry) => kept.push(entry),
                None => return Ok(KeyEntries { kept, total }),
            }
            total += 1;
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            total += 1;
        }
        Ok(KeyEntries { kept, total })
    }
}

/// Parses one `keys` entry on its own: it must be a JSON object with no
/// duplicate member name at any depth, and a usable key.
pub(crate) fn parse_entry(
    entry: &RawValue,
    allowed: &[Algorithm],
) -> Result<VerifyingKey, Unusable> {
    // The entry is valid JSON already: what is left to refuse is a value
    // that is not an object, a duplicate member, or too deep a nesting.
    match json::parse_object(entry.get().as_bytes(), JWK_MAX_DEPTH) {
        Ok(jwk) => VerifyingKey::parse(&jwk, allowed),
        Err(JsonError::NotObject) => Err(Unusable::NotAnObject),
        Err(JsonError::Duplicate) => Err(Unusable::DuplicateMember),
        Err(JsonError::TooDeep | JsonError::NotJson) => Err(Unusable::NestedTooDeep),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;
    use crate::alg::Curve;
    use crate::crypto::edwards::{oracle, EdwardsCurve};
    use crate::jwk::test_keys::{self, sign, with};

    const INPUT: &[u8] = b"header.payload";

    fn body(keys: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({ "keys": keys })).unwrap()
    }

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    fn kids(set: &KeySet) -> Vec<Option<String>> {
        set.signing_keys()
            .iter()
            .map(|key| key.kid().map(str::to_owned))
            .collect()
    }

    fn selected_kid(selection: Selection<'_>) -> Option<&str> {
        match selection {
            Selection::One(key) => key.kid(),
            other => panic!("expected one key, got {other:?}"),
        }
    }

    #[test]
    fn keeps_every_usable_key_in_document_order() {
        let ec = test_keys::ec(Curve::P256);
        let rsa = test_keys::rsa(2048);
        let ed = test_keys::okp(Curve::Ed25519);
        let doc = body(json!([
            with(&ec.jwk, json!({"kid": "ec"})),
            with(&rsa.jwk, json!({"kid": "rsa"})),
            with(&ed.jwk, json!({"kid": "ed"})),
        ]));
        let set = KeySet::parse(&doc, &Algorithm::ALL).unwrap();
        assert_eq!(set.key_count(), 3);
        assert_eq!(
            kids(&set),
            [Some("ec".into()), Some("rsa".into()), Some("ed".into())]
        );
        let only_rsa = KeySet::parse(&doc, &[Algorithm::RS256]).unwrap();
        assert_eq!(kids(&only_rsa), [Some("rsa".into())]);
        let first = &set.signing_keys()[0];
        assert_eq!(first.key_type(), "EC");
        assert_eq!(first.algorithms(), &[Algorithm::ES256]);
    }

    #[test]
    fn bad_entries_never_spoil_the_good_ones() {
        let ec = test_keys::ec(Curve::P256);
        let rsa = test_keys::rsa(2048);
        let doc = body(json!([
            1,
            "key",
            null,
            [],
            with(&ec.jwk, json!({"kid": "a"})),
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            with(&rsa.jwk, json!({"kid": "enc", "use": "enc"})),
            with(&rsa.jwk, json!({"kid": "b"})),
            true,
        ]));
        let set = KeySet::parse(&doc, &Algorithm::ALL).unwrap();
        assert_eq!(kids(&set), [Some("a".into()), Some("b".into())]);
    }

    #[test]
    fn a_small_order_edwards_key_alone_makes_the_set_unusable_and_spoils_no_other() {
        for (curve, edwards) in [
            (Curve::Ed25519, EdwardsCurve::Ed25519),
            (Curve::Ed448, EdwardsCurve::Ed448),
        ] {
            let good = test_keys::okp(curve);
            let good_jwk = with(&good.jwk, json!({"kid": "good"}));
            let signature = sign(Algorithm::EdDSA, &good.private, INPUT);
            for encoding in oracle::small_order_encodings(edwards, oracle::EACH_STRAY_BIT) {
                let bad = with(
                    &test_keys::okp_with_x(curve, &encoding.bytes),
                    json!({"kid": "small"}),
                );
                assert_eq!(
                    KeySet::parse(&body(json!([bad])), &[Algorithm::EdDSA]).err(),
                    Some(SourceProblem::NoUsableKey),
                    "alone: {}",
                    encoding.label
                );
                let set =
                    KeySet::parse(&body(json!([bad, good_jwk])), &[Algorithm::EdDSA]).unwrap();
                assert!(
                    matches!(
                        set.select(Some("small"), Algorithm::EdDSA),
                        Selection::NotFound
                    ),
                    "beside: {}",
                    encoding.label
                );
                let Selection::One(key) = set.select(Some("good"), Algorithm::EdDSA) else {
                    panic!("the good key is selected");
                };
                assert_eq!(key.verify(Algorithm::EdDSA, INPUT, &signature), Ok(()));
            }
        }
    }

    #[test]
    fn skipped_entries_are_reported_with_their_kid_and_reason() {
        let rsa = test_keys::rsa(2048);
        let doc = body(json!([
            1,
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            with(&rsa.jwk, json!({"kid": "enc", "use": "enc"})),
            with(&rsa.jwk, json!({"kid": "good"})),
        ]));
        let (set, skipped) = KeySet::parse_reporting(&doc, &Algorithm::ALL);
        assert_eq!(
            set.map(|set| set.kids().collect::<Vec<_>>().join(",")),
            Ok("good".into())
        );
        let reported: Vec<_> = skipped
            .iter()
            .map(|s| (s.kid.as_deref(), s.reason.code()))
            .collect();
        assert_eq!(
            reported,
            [
                (None, "not_an_object"),
                (Some("hmac"), "private_key"),
                (Some("enc"), "not_for_signatures"),
            ]
        );
        let (refused, skipped) = KeySet::parse_reporting(&body(json!([1])), &Algorithm::ALL);
        assert_eq!(
            (refused.err(), skipped.len()),
            (Some(SourceProblem::NoUsableKey), 1)
        );
    }

    #[test]
    fn a_jwk_with_a_duplicate_member_is_unusable_alone() {
        let ec = test_keys::ec(Curve::P256);
        let good = serde_json::to_string(&with(&ec.jwk, json!({"kid": "good"}))).unwrap();
        let x = ec.jwk["x"].as_str().unwrap();
        let duplicated = good.replacen(
            "\"kid\":\"good\"",
            &format!("\"kid\":\"dup\",\"x\":\"{x}\""),
            1,
        );
        assert_ne!(duplicated, good);
        assert_eq!(
            parse_entry(&raw(&duplicated), &Algorithm::ALL).err(),
            Some(Unusable::DuplicateMember)
        );
        let nested = good.replacen('{', "{\"ext\":{\"a\":1,\"a\":2},", 1);
        assert_eq!(
            parse_entry(&raw(&nested), &Algorithm::ALL).err(),
            Some(Unusable::DuplicateMember)
        );
        let in_array = good.replacen('{', "{\"x5c\":[{\"a\":1,\"a\":2}],", 1);
        assert_eq!(
            parse_entry(&raw(&in_array), &Algorithm::ALL).err(),
            Some(Unusable::DuplicateMember)
        );
        assert!(parse_entry(&raw(&good), &Algorithm::ALL).is_ok());
        assert_eq!(
            parse_entry(&raw("[1]"), &Algorithm::ALL).err(),
            Some(Unusable::NotAnObject)
        );
        let doc = format!("{{\"keys\":[{duplicated},{good}]}}");
        let set = KeySet::parse(doc.as_bytes(), &Algorithm::ALL).unwrap();
        assert_eq!(kids(&set), [Some("good".into())]);
    }

    #[test]
    fn a_duplicate_keys_member_is_not_a_jwk_set() {
        let ec = test_keys::ec(Curve::P256);
        let jwk = serde_json::to_string(&ec.jwk).unwrap();
        let doc = format!("{{\"keys\":[{jwk}],\"keys\":[{jwk}]}}");
        assert_eq!(
            KeySet::parse(doc.as_bytes(), &Algorithm::ALL).err(),
            Some(SourceProblem::NotJwks)
        );
        let other_members = format!("{{\"x\":1,\"keys\":[{jwk}],\"y\":{{}}}}");
        assert!(KeySet::parse(other_members.as_bytes(), &Algorithm::ALL).is_ok());
    }

    #[test]
    fn documents_that_are_not_json_objects_are_not_json() {
        let cases: [&[u8]; 8] = [
            b"",
            b"not json",
            b"{\"keys\":[]",
            b"{\"keys\":[]} trailing",
            b"[{\"keys\":[]}]",
            b"\"keys\"",
            b"null",
            b"{\"keys\":[],\"a\":\"\xff\"}",
        ];
        for case in cases {
            assert_eq!(
                KeySet::parse(case, &Algorithm::ALL).err(),
                Some(SourceProblem::NotJson),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }

    #[test]
    fn objects_without_a_keys_array_are_not_jwk_sets() {
        let cases: [&[u8]; 5] = [
            b"{}",
            b"{\"key\":[]}",
            b"{\"keys\":{}}",
            b"{\"keys\":null}",
            b"{\"keys\":\"[]\"}",
        ];
        for case in cases {
            assert_eq!(
                KeySet::parse(case, &Algorithm::ALL).err(),
                Some(SourceProblem::NotJwks),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }

    #[test]
    fn a_set_without_usable_keys_is_refused() {
        let rsa = test_keys::rsa(2048);
        let cases = [
            json!([]),
            json!([{"kty": "oct", "k": "c2VjcmV0"}, 1]),
            json!([with(&rsa.jwk, json!({"use": "enc"}))]),
        ];
        for keys in cases {
            assert_eq!(
                KeySet::parse(&body(keys), &Algorithm::ALL).err(),
                Some(SourceProblem::NoUsableKey)
            );
        }
        let ec_only = body(json!([test_keys::ec(Curve::P256).jwk]));
        assert_eq!(
            KeySet::parse(&ec_only, &[Algorithm::RS256, Algorithm::EdDSA]).err(),
            Some(SourceProblem::NoUsableKey)
        );
    }

    #[test]
    fn at_most_one_hundred_entries() {
        let ec = test_keys::ec(Curve::P256);
        let filled = |entries: usize| {
            let mut keys = vec![json!(0); entries - 1];
            keys.push(Value::Object(ec.jwk.clone()));
            body(Value::Array(keys))
        };
        let full = KeySet::parse(&filled(MAX_KEYS), &Algorithm::ALL).unwrap();
        assert_eq!(full.key_count(), 1);
        assert_eq!(
            KeySet::parse(&filled(MAX_KEYS + 1), &Algorithm::ALL).err(),
            Some(SourceProblem::TooManyKeys)
        );
        let jwks: Vec<Value> = (0..=MAX_KEYS)
            .map(|i| Value::Object(with(&ec.jwk, json!({ "kid": i.to_string() }))))
            .collect();
        assert_eq!(
            KeySet::parse(&body(Value::Array(jwks)), &Algorithm::ALL).err(),
            Some(SourceProblem::TooManyKeys)
        );
    }

    #[test]
    fn the_body_limit_is_checked_first() {
        let ec = test_keys::ec(Curve::P256);
        let mut doc = body(json!([ec.jwk]));
        doc.resize(MAX_BODY_BYTES, b' ');
        assert!(KeySet::parse(&doc, &Algorithm::ALL).is_ok());
        doc.push(b' ');
        assert_eq!(
            KeySet::parse(&doc, &Algorithm::ALL).err(),
            Some(SourceProblem::BodyTooLarge)
        );
        let garbage = vec![0xFF; MAX_BODY_BYTES + 1];
        assert_eq!(
            KeySet::parse(&garbage, &Algorithm::ALL).err(),
            Some(SourceProblem::BodyTooLarge)
        );
    }

    #[test]
    fn selection_by_kid_counts_only_keys_fitting_the_alg() {
        let ec = test_keys::ec(Curve::P256);
        let other_ec = test_keys::ec(Curve::P256);
        let rsa = test_keys::rsa(2048);
        let doc = body(json!([
            with(&ec.jwk, json!({"kid": "shared"})),
            with(&rsa.jwk, json!({"kid": "shared"})),
            with(&ec.jwk, json!({"kid": "twice"})),
            with(&other_ec.jwk, json!({"kid": "twice"})),
            with(&rsa.jwk, json!({"kid": "rsa"})),
        ]));
        let set = KeySet::parse(&doc, &[Algorithm::ES256, Algorithm::RS256]).unwrap();
        let shared_ec = set.select(Some("shared"), Algorithm::ES256);
        assert_eq!(selected_kid(shared_ec), Some("shared"));
        let Selection::One(key) = shared_ec else {
            unreachable!()
        };
        assert_eq!(key.info().key_type(), "EC");
        let Selection::One(key) = set.select(Some("shared"), Algorithm::RS256) else {
            panic!("one RSA key is named shared")
        };
        assert_eq!(key.info().key_type(), "RSA");
        assert!(matches!(
            set.select(Some("twice"), Algorithm::ES256),
            Selection::Ambiguous
        ));
        assert!(matches!(
            set.select(Some("twice"), Algorithm::RS256),
            Selection::NotFound
        ));
        assert!(matches!(
            set.select(Some("missing"), Algorithm::ES256),
            Selection::NotFound
        ));
        assert!(matches!(
            set.select(Some("rsa"), Algorithm::PS256),
            Selection::NotFound
        ));
        assert_eq!(
            selected_kid(set.select(Some("rsa"), Algorithm::RS256)),
            Some("rsa")
        );
    }

    #[test]
    fn selection_without_kid_needs_exactly_one_fitting_key() {
        let ec = test_keys::ec(Curve::P256);
        let rsa = test_keys::rsa(2048);
        let ed = test_keys::okp(Curve::Ed448);
        let doc = body(json!([
            ec.jwk,
            with(&rsa.jwk, json!({"kid": "r1"})),
            with(&rsa.jwk, json!({"kid": "r2"})),
        ]));
        let set = KeySet::parse(&doc, &Algorithm::ALL).unwrap();
        let Selection::One(key) = set.select(None, Algorithm::ES256) else {
            panic!("one EC key")
        };
        let signature = sign(Algorithm::ES256, &ec.private, INPUT);
        assert_eq!(key.verify(Algorithm::ES256, INPUT, &signature), Ok(()));
        assert!(matches!(
            set.select(None, Algorithm::RS256),
            Selection::Ambiguous
        ));
        assert!(matches!(
            set.select(None, Algorithm::EdDSA),
            Selection::NotFound
        ));
        let with_ed = body(json!([ec.jwk, ed.jwk]));
        let set = KeySet::parse(&with_ed, &Algorithm::ALL).unwrap();
        assert!(matches!(
            set.select(None, Algorithm::Ed448),
            Selection::One(_)
        ));
        assert!(matches!(
            set.select(None, Algorithm::Ed25519),
            Selection::NotFound
        ));
    }

    #[test]
    fn an_entry_nested_too_deep_is_unusable_alone() {
        let ec = test_keys::ec(Curve::P256);
        let good = serde_json::to_string(&ec.jwk).unwrap();
        let nested = |depth: usize| {
            let ext = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let entry = good.replacen('{', &format!("{{\"ext\":{ext},"), 1);
            format!("{{\"keys\":[{entry}]}}")
        };
        let deep_but_parsable = KeySet::parse(nested(100).as_bytes(), &Algorithm::ALL).unwrap();
        assert_eq!(deep_but_parsable.key_count(), 1);
        let too_deep = nested(200_000);
        assert!(too_deep.len() <= MAX_BODY_BYTES);
        assert_eq!(
            KeySet::parse(too_deep.as_bytes(), &Algorithm::ALL).err(),
            Some(SourceProblem::NoUsableKey)
        );
        let entries = split_entries(too_deep.as_bytes()).unwrap();
        assert_eq!(
            entries
                .iter()
                .map(|entry| parse_entry(entry, &Algorithm::ALL).err())
                .collect::<Vec<_>>(),
            [Some(Unusable::NestedTooDeep)]
        );
        let with_good = too_deep.replacen("[{", &format!("[{good},{{"), 1);
        let set = KeySet::parse(with_good.as_bytes(), &Algorithm::ALL).unwrap();
        assert_eq!(set.key_count(), 1);
    }

    #[test]
    fn key_sets_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<KeySet>();
        assert_send_sync::<Arc<VerifyingKey>>();
    }

    fn member_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!("RSA")),
            Just(json!("EC")),
            Just(json!("OKP")),
            Just(json!("P-256")),
            Just(json!("Ed25519")),
            Just(json!("sig")),
            Just(json!(["verify"])),
            "[A-Za-z0-9_-]{0,90}".prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            Just(Value::Null),
        ]
    }

    fn jwk_like() -> impl Strategy<Value = Value> {
        let name = prop_oneof![
            Just("kty"),
            Just("crv"),
            Just("x"),
            Just("y"),
            Just("n"),
            Just("e"),
            Just("kid"),
            Just("alg"),
            Just("use"),
            Just("key_ops"),
        ];
        prop::collection::vec((name, member_value()), 0..8).prop_map(|members| {
            Value::Object(
                members
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value))
                    .collect(),
            )
        })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            let _ = KeySet::parse(&bytes, &Algorithm::ALL);
        }

        #[test]
        fn arbitrary_jwk_shaped_sets_never_panic(keys in prop::collection::vec(jwk_like(), 0..6)) {
            let parsed = KeySet::parse(&body(Value::Array(keys)), &Algorithm::ALL);
            prop_assert!(matches!(parsed, Ok(_) | Err(SourceProblem::NoUsableKey)));
        }

        #[test]
        fn arbitrary_text_in_a_keys_array_never_panics(text in "\\{\"keys\":\\[[\\[\\]{}\",:a-z0-9 ]{0,200}") {
            let _ = KeySet::parse(text.as_bytes(), &Algorithm::ALL);
        }
    }
}
