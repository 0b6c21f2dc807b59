//! Case files as JSON, read strictly: a member name repeated in one object
//! is an error (serde_json alone would keep the last one silently, so a
//! case could say two things at once), and numbers mean the same whatever
//! serde_json features the build enables.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// Parses `bytes` as one JSON value, refusing duplicate member names at any
/// depth. The error names the line and column.
///
/// The value is serde_json's own reading, with each number then made the
/// [`Number`] serde_json's default build makes of its text (an integer in
/// `u64` or `i64` range stays one, anything else is the nearest `f64`): with
/// `arbitrary_precision` enabled a number keeps its spelling, so `1.5e3`
/// would otherwise neither equal nor serialize as the `1500.0` it is.
pub(crate) fn parse_strict(bytes: &[u8]) -> Result<Value, String> {
    let not_json = |error: serde_json::Error| format!("not valid JSON: {error}");
    serde_json::from_slice::<UniqueNames>(bytes).map_err(not_json)?;
    let mut value = serde_json::from_slice::<Value>(bytes).map_err(not_json)?;
    canonical_numbers(&mut value)?;
    Ok(value)
}

/// Replaces every number in `value` by its default-build reading.
fn canonical_numbers(value: &mut Value) -> Result<(), String> {
    match value {
        Value::Number(number) => {
            *number = canonical(number)
                .ok_or_else(|| format!("not valid JSON: number out of range: {number}"))?;
        }
        Value::Array(items) => items.iter_mut().try_for_each(canonical_numbers)?,
        Value::Object(members) => members.values_mut().try_for_each(canonical_numbers)?,
        _ => {}
    }
    Ok(())
}

/// The number serde_json's default build reads from `number`'s text:
/// `u64` or `i64` for an integer in range (`-0` excepted), else the nearest
/// finite `f64`, or `None` beyond the `f64` range.
fn canonical(number: &Number) -> Option<Number> {
    let text = number.to_string();
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(unsigned) = text.parse::<u64>() {
            return Some(unsigned.into());
        }
        if let (false, Ok(signed)) = (text == "-0", text.parse::<i64>()) {
            return Some(signed.into());
        }
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

/// A document whose objects have unique member names (nothing is kept).
struct UniqueNames;

impl<'de> Deserialize<'de> for UniqueNames {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueNamesVisitor)
    }
}

struct UniqueNamesVisitor;

impl<'de> Visitor<'de> for UniqueNamesVisitor {
    type Value = UniqueNames;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueNames, E> {
        Ok(UniqueNames)
    }

    fn visit_i64<E>(self, _: i64) -> Result<UniqueNames, E> {
        Ok(UniqueNames)
    }

    fn visit_u64<E>(self, _: u64) -> Result<UniqueNames, E> {
        Ok(UniqueNames)
    }

    fn visit_f64<E>(self, _: f64) -> Result<UniqueNames, E> {
        Ok(UniqueNames)
    }

    fn visit_str<E>(self, _: &str) -> Result<UniqueNames, E> {
        Ok(UniqueNames)
    }

    fn visit_unit<E>(self) -> Result<UniqueNames, E> {
        Ok(UniqueNames)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueNames, A::Error> {
        while seq.next_element::<UniqueNames>()?.is_some() {}
        Ok(UniqueNames)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueNames, A::Error> {
        let mut names = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if !names.insert(name.clone()) {
                return Err(de::Error::custom(format!("duplicate member name {name:?}")));
            }
            map.next_value::<UniqueNames>()?;
        }
        Ok(UniqueNames)
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
    fn numbers_read_as_the_default_build_reads_them() {
        let value = parse_strict(
            br#"{"f": 1.5e3, "e": 1E2, "z": -0, "i": -9223372036854775808, "u": 18446744073709551615, "big": 18446744073709551616, "t": 1767225600.25}"#,
        )
        .unwrap();
        assert_eq!(
            value,
            json!({"f": 1500.0, "e": 100.0, "z": -0.0, "i": i64::MIN, "u": u64::MAX,
                   "big": 18_446_744_073_709_551_616.0, "t": 1_767_225_600.25})
        );
        assert!(value["z"].as_f64().is_some_and(f64::is_sign_negative));
        assert_eq!(value["f"].to_string(), "1500.0");
        assert!(parse_strict(br#"{"a": 1e400}"#).is_err());
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
