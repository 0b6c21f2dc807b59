//! JSON as the rules read token segments: UTF-8, one value, no member name
//! twice in an object at any depth, numbers a double can hold, and a depth
//! measured with the outermost value at level 1.
//!
//! The models use this reader, written here, not the core's.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// How deep the rules let a token segment nest.
pub const MAX_DEPTH: usize = 32;

/// `bytes` as a JSON object the rules accept in a token segment, or `None`:
/// not UTF-8, not JSON, not an object, a duplicate member name, a number
/// out of range, or nested deeper than [`MAX_DEPTH`].
pub fn token_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let StrictValue(value) = serde_json::from_str(text).ok()?;
    if depth(&value) > MAX_DEPTH {
        return None;
    }
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The nesting depth of `value`: a scalar is 0, a container one more than
/// its deepest member.
pub fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A [`Value`] whose objects have unique member names.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if object.contains_key(&name) {
                return Err(de::Error::custom("duplicate member name"));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(name, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_only_unique_names_bounded_depth() {
        assert!(token_object(br#"{"a": [1, {"b": null}]}"#).is_some());
        assert!(token_object(b" {} ").is_some());
        assert!(token_object(b"[]").is_none());
        assert!(token_object(br#"{"a":1,"a":2}"#).is_none());
        assert!(token_object(br#"{"a":1,"\u0061":2}"#).is_none());
        assert!(token_object(br#"{"x":{"a":1,"a":1}}"#).is_none());
        assert!(token_object(br#"{"n":1e400}"#).is_none());
        assert!(token_object(b"{\"s\":\"\xff\"}").is_none());
        let nested = |levels: usize| {
            format!(
                "{{\"x\":{}{}}}",
                "[".repeat(levels - 1),
                "]".repeat(levels - 1)
            )
        };
        assert!(token_object(nested(32).as_bytes()).is_some());
        assert!(token_object(nested(33).as_bytes()).is_none());
    }
}
