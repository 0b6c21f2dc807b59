//! Strict JSON for untrusted documents: duplicate member names and deep
//! nesting are refused.
//!
//! serde_json keeps the last of duplicate members silently, which lets two
//! parsers read one token differently (RFC 8725 section 3.11 calls for
//! rejecting such input). This module drives serde_json's own parser with a
//! [`DeserializeSeed`] that sees every member name, counts the nesting level
//! and builds the same [`Value`]s serde_json would. serde_json's own limits
//! (UTF-8 validation, number ranges, its recursion limit of 128) still apply.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The deepest nesting accepted in token headers and payloads (SPEC.md
/// `malformed_token`): the outermost object is level 1.
pub(crate) const MAX_DEPTH: usize = 32;

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not UTF-8 JSON (syntax, encoding, trailing data, out-of-range number).
    NotJson,
    /// Valid JSON whose top level is not an object.
    NotObject,
    /// An object names the same member twice (at any depth).
    Duplicate,
    /// Objects and arrays nest deeper than allowed.
    TooDeep,
}

/// Parses `bytes` as one JSON object, refusing duplicate member names at any
/// depth and nesting deeper than `max_depth` levels (the outermost object is
/// level 1; every object and array opens a level).
///
/// Documents deeper than serde_json's own recursion limit (128) are refused
/// as [`JsonError::NotJson`] whatever `max_depth` says.
pub(crate) fn parse_object(
    bytes: &[u8],
    max_depth: usize,
) -> Result<Map<String, Value>, JsonError> {
    let refusal = Cell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = deserializer
        .deserialize_any(TopObject(Strict {
            level: 1,
            max_depth,
            refusal: &refusal,
        }))
        .and_then(|object| deserializer.end().map(|()| object));
    parsed.map_err(|error| match refusal.get() {
        Some(reason) => reason,
        // The only data error not recorded in `refusal` is the top-level
        // visitor's own "invalid type": valid JSON that is not an object.
        None if error.classify() == serde_json::error::Category::Data => JsonError::NotObject,
        None => JsonError::NotJson,
    })
}

/// The state shared by every level: where we are, how deep we may go, and
/// where the reason for a refusal is recorded (serde errors carry only text).
#[derive(Clone, Copy)]
struct Strict<'r> {
    level: usize,
    max_depth: usize,
    refusal: &'r Cell<Option<JsonError>>,
}

impl Strict<'_> {
    fn refuse<E: de::Error>(self, reason: JsonError) -> E {
        self.refusal.set(Some(reason));
        E::custom("refused")
    }

    /// The seed for a value one level inside this one.
    fn inner(self) -> Self {
        Strict {
            level: self.level.saturating_add(1),
            ..self
        }
    }

    fn open_level<E: de::Error>(self) -> Result<(), E> {
        if self.level > self.max_depth {
            return Err(self.refuse(JsonError::TooDeep));
        }
        Ok(())
    }

    fn object<'de, A: MapAccess<'de>>(self, mut access: A) -> Result<Map<String, Value>, A::Error> {
        self.open_level()?;
        let mut object = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            if object.contains_key(&name) {
                return Err(self.refuse(JsonError::Duplicate));
            }
            let value = access.next_value_seed(self.inner())?;
            object.insert(name, value);
        }
        Ok(object)
    }
}

/// Accepts only an object at the top level (any other JSON value fails with
/// serde's "invalid type", a data error).
struct TopObject<'r>(Strict<'r>);

impl<'de> Visitor<'de> for TopObject<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Self::Value, A::Error> {
        self.0.object(access)
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // serde_json never yields a non-finite number; refuse one all the same.
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| self.refuse(JsonError::NotJson))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        self.open_level()?;
        let mut items = Vec::new();
        while let Some(item) = access.next_element_seed(self.inner())? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Value, A::Error> {
        self.object(access).map(Value::Object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<Map<String, Value>, JsonError> {
        parse_object(text.as_bytes(), MAX_DEPTH)
    }

    /// `levels` nested containers: an object, then arrays inside it.
    fn nested(levels: usize) -> String {
        let inner = levels.saturating_sub(1);
        format!("{{\"a\":{}1{}}}", "[".repeat(inner), "]".repeat(inner))
    }

    /// `levels` nested objects.
    fn nested_objects(levels: usize) -> String {
        format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels))
    }

    #[test]
    fn parses_an_object_like_serde_json() {
        let text = r#"{"s":"x\u00e9","n":-1,"u":18446744073709551615,"f":1.5e3,"b":true,"z":null,"a":[1,{"k":[]}],"o":{}}"#;
        let strict = parse(text).unwrap();
        let plain: Map<String, Value> = serde_json::from_str(text).unwrap();
        assert_eq!(strict, plain);
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            &b""[..],
            b"{",
            b"{\"a\":1,}",
            b"{\"a\":1} x",
            b"{\"a\":01}",
            b"{'a':1}",
            b"{\"a\":1e999}",
            b"{\"a\":\"\xff\"}",
            b"\xef\xbb\xbf{}",
            b"{\"a\":\"\\ud800\"}",
            b"{\"a\":NaN}",
        ] {
            assert_eq!(
                parse_object(bad, MAX_DEPTH),
                Err(JsonError::NotJson),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn refuses_a_top_level_that_is_not_an_object() {
        for bad in ["[]", "[{}]", "1", "\"{}\"", "null", "true", " [1,2] "] {
            assert_eq!(parse(bad), Err(JsonError::NotObject), "{bad}");
        }
    }

    #[test]
    fn refuses_duplicate_names_at_any_depth() {
        assert_eq!(parse(r#"{"a":1,"a":1}"#), Err(JsonError::Duplicate));
        assert_eq!(parse(r#"{"a":1,"\u0061":2}"#), Err(JsonError::Duplicate));
        assert_eq!(
            parse(r#"{"x":{"y":{"a":1,"a":2}}}"#),
            Err(JsonError::Duplicate)
        );
        assert_eq!(
            parse(r#"{"x":[[{"a":1,"a":2}]]}"#),
            Err(JsonError::Duplicate)
        );
        assert!(parse(r#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#).is_ok());
    }

    #[test]
    fn depth_limit_counts_objects_and_arrays_from_one() {
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        assert_eq!(parse(&nested(MAX_DEPTH + 1)), Err(JsonError::TooDeep));
        assert!(parse(&nested_objects(MAX_DEPTH)).is_ok());
        assert_eq!(
            parse(&nested_objects(MAX_DEPTH + 1)),
            Err(JsonError::TooDeep)
        );
        assert!(parse_object(b"{}", 1).is_ok());
        assert!(parse_object(b"{\"a\":1}", 1).is_ok());
        assert_eq!(parse_object(b"{\"a\":[]}", 1), Err(JsonError::TooDeep));
        assert_eq!(parse_object(b"{}", 0), Err(JsonError::TooDeep));
    }

    #[test]
    fn very_deep_input_fails_without_overflowing_the_stack() {
        let deep = format!("{{\"a\":{}", "[".repeat(1_000_000));
        assert_eq!(parse(&deep), Err(JsonError::TooDeep));
        let deep = nested(200);
        assert_eq!(parse_object(deep.as_bytes(), 1000), Err(JsonError::NotJson));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_object(&bytes, MAX_DEPTH);
        }

        #[test]
        fn accepted_documents_read_as_serde_json_reads_them(text in r#"[{}\[\]",:a-c0-9 \\-]{0,64}"#) {
            if let Ok(strict) = parse(&text) {
                let plain: Map<String, Value> = serde_json::from_str(&text).unwrap();
                prop_assert_eq!(strict, plain);
            }
        }
    }
}
