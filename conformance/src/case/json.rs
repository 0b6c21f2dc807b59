//! Case files as JSON, read strictly: a member name repeated in one object
//! is an error (serde_json alone would keep the last one silently, so a
//! case could say two things at once).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses `bytes` as one JSON value, refusing duplicate member names at any
/// depth. The error names the line and column.
pub(crate) fn parse_strict(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice::<StrictValue>(bytes)
        .map(|strict| strict.0)
        .map_err(|error| format!("not valid JSON: {error}"))
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
                return Err(de::Error::custom(format!("duplicate member name {name:?}")));
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
    use serde_json::json;

    #[test]
    fn reads_every_json_type() {
        let value = parse_strict(br#"{"a": [1, -2, 2.5, true, null, "s"], "b": {}}"#).unwrap();
        assert_eq!(value, json!({"a": [1, -2, 2.5, true, null, "s"], "b": {}}));
    }

    #[test]
    fn refuses_duplicate_names_at_any_depth() {
        let top = parse_strict(br#"{"a": 1, "a": 2}"#).unwrap_err();
        assert!(top.contains("duplicate member name \"a\""), "{top}");
        let deep = parse_strict(br#"{"x": [{"k": 1, "k": 1}]}"#).unwrap_err();
        assert!(deep.contains("duplicate member name \"k\""), "{deep}");
    }

    #[test]
    fn refuses_invalid_json_with_a_position() {
        let error = parse_strict(b"{\"a\": }").unwrap_err();
        assert!(
            error.starts_with("not valid JSON:") && error.contains("line 1"),
            "{error}"
        );
        assert!(parse_strict(b"{} trailing").is_err());
        assert!(parse_strict(b"\xff").is_err());
    }
}
