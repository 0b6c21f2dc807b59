//! Reading one JSON object of a case: known keys only, typed getters, and
//! messages that name the path of what is wrong.

use serde_json::{Map, Value};

pub(super) fn as_string<'a>(value: &'a Value, path: &str) -> Result<&'a str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("{path}: must be a string, found {}", kind(value)))
}

/// The JSON type of a value, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON object being read, with its path for messages.
pub(super) struct Object<'a> {
    pub(super) path: String,
    pub(super) map: &'a Map<String, Value>,
}

impl<'a> Object<'a> {
    pub(super) fn new(value: &'a Value, path: &str) -> Result<Object<'a>, String> {
        match value {
            Value::Object(map) => Ok(Object {
                path: path.to_owned(),
                map,
            }),
            other => Err(format!("{path}: must be an object, found {}", kind(other))),
        }
    }

    fn key_path(&self, key: &str) -> String {
        if self.path == "case" {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Refuses any key not in `allowed`.
    pub(super) fn only(&self, allowed: &[&str]) -> Result<(), String> {
        match self.map.keys().find(|key| !allowed.contains(&key.as_str())) {
            None => Ok(()),
            Some(key) => Err(format!(
                "{}: unknown key (known here: {})",
                self.key_path(key),
                allowed.join(", ")
            )),
        }
    }

    pub(super) fn optional(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub(super) fn required(&self, key: &str) -> Result<&'a Value, String> {
        self.map
            .get(key)
            .ok_or_else(|| format!("{}: missing", self.key_path(key)))
    }

    pub(super) fn string(&self, key: &str) -> Result<&'a str, String> {
        as_string(self.required(key)?, &self.key_path(key))
    }

    pub(super) fn boolean(&self, key: &str) -> Result<bool, String> {
        let value = self.required(key)?;
        value.as_bool().ok_or_else(|| {
            format!(
                "{}: must be true or false, found {}",
                self.key_path(key),
                kind(value)
            )
        })
    }

    pub(super) fn number(&self, key: &str) -> Result<f64, String> {
        let value = self.required(key)?;
        value
            .as_f64()
            .filter(|number| number.is_finite())
            .ok_or_else(|| {
                format!(
                    "{}: must be a number, found {}",
                    self.key_path(key),
                    kind(value)
                )
            })
    }

    pub(super) fn integer_in(&self, key: &str, min: u64, max: u64) -> Result<u64, String> {
        let value = self.required(key)?;
        value
            .as_u64()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                let range = if max == u64::MAX {
                    format!("of at least {min}")
                } else {
                    format!("from {min} to {max}")
                };
                format!(
                    "{}: must be an integer {range}, found {value}",
                    self.key_path(key)
                )
            })
    }

    pub(super) fn array(&self, key: &str) -> Result<&'a [Value], String> {
        let value = self.required(key)?;
        value.as_array().map(Vec::as_slice).ok_or_else(|| {
            format!(
                "{}: must be an array, found {}",
                self.key_path(key),
                kind(value)
            )
        })
    }

    pub(super) fn object(&self, key: &str) -> Result<Object<'a>, String> {
        Object::new(self.required(key)?, &self.key_path(key))
    }
}
