//! JSON comparison as cases mean it: numbers by value (`1767229200` equals
//! `1767229200.0`), objects by members, arrays in order; claims as a subset.

use serde_json::{Map, Number, Value};

/// Whether two JSON values are equal, numbers compared by their value.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => numbers_equal(a, b),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(name, a)| b.get(name).is_some_and(|b| json_equal(a, b)))
        }
        _ => a == b,
    }
}

/// Whether every member of `expected` is in `actual` with an equal value.
pub fn claims_subset(expected: &Map<String, Value>, actual: &Map<String, Value>) -> bool {
    expected.iter().all(|(name, value)| {
        actual
            .get(name)
            .is_some_and(|found| json_equal(value, found))
    })
}

/// Whether two lists hold the same items, in any order, as many times each.
pub fn same_items<T: Ord + Clone>(a: &[T], b: &[T]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// A JSON number as an exact integer when it is one, else as a float.
enum Exact {
    Integer(i128),
    Float(f64),
}

fn exact(number: &Number) -> Option<Exact> {
    if let Some(signed) = number.as_i64() {
        Some(Exact::Integer(i128::from(signed)))
    } else if let Some(unsigned) = number.as_u64() {
        Some(Exact::Integer(i128::from(unsigned)))
    } else {
        number.as_f64().map(Exact::Float)
    }
}

/// Numbers are equal when their values are: integers exactly, an integer
/// and a float only when the float is that very integer.
fn numbers_equal(a: &Number, b: &Number) -> bool {
    match (exact(a), exact(b)) {
        (Some(Exact::Integer(a)), Some(Exact::Integer(b))) => a == b,
        (Some(Exact::Float(a)), Some(Exact::Float(b))) => a == b,
        (Some(Exact::Integer(i)), Some(Exact::Float(f)))
        | (Some(Exact::Float(f)), Some(Exact::Integer(i))) => float_is_integer(f, i),
        _ => a.to_string() == b.to_string(),
    }
}

/// Whether `float` is exactly the integer `integer` (no rounding of the
/// integer into a float: 2^53 + 1 is not 2^53 as a float).
fn float_is_integer(float: f64, integer: i128) -> bool {
    // Every integral f64 below 2^127 in magnitude converts to i128 exactly.
    const LIMIT: f64 = 1.7e38;
    float.fract() == 0.0 && float.abs() < LIMIT && float as i128 == integer
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_and_integral_floats_are_equal() {
        assert!(json_equal(&json!(1767229200), &json!(1767229200.0)));
        assert!(json_equal(&json!(1767229200.0), &json!(1767229200)));
        assert!(json_equal(&json!(-3), &json!(-3.0)));
        assert!(json_equal(&json!(0), &json!(-0.0)));
        assert!(json_equal(&json!(u64::MAX), &json!(u64::MAX)));
    }

    #[test]
    fn different_numbers_are_not_equal() {
        assert!(!json_equal(&json!(1767229200), &json!(1767229200.5)));
        assert!(!json_equal(&json!(1), &json!(2)));
        assert!(!json_equal(&json!(-1), &json!(u64::MAX)));
        // 2^53 + 1 has no f64: the float 2^53 is not it.
        assert!(!json_equal(
            &json!(9007199254740993u64),
            &json!(9007199254740992.0)
        ));
        assert!(json_equal(
            &json!(9007199254740992u64),
            &json!(9007199254740992.0)
        ));
        assert!(!json_equal(&json!(1), &json!("1")));
    }

    #[test]
    fn nested_values_compare_numbers_by_value() {
        assert!(json_equal(
            &json!({"a": [1, {"b": 2.0}], "c": null}),
            &json!({"c": null, "a": [1.0, {"b": 2}]})
        ));
        assert!(!json_equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!json_equal(&json!({"a": 1}), &json!({"b": 1})));
    }

    #[test]
    fn claims_are_a_subset_check() {
        let actual = json!({"sub": "alice", "exp": 1767229200, "scope": "a b"});
        let actual = actual.as_object().unwrap();
        let subset = |expected: Value| claims_subset(expected.as_object().unwrap(), actual);
        assert!(subset(json!({})));
        assert!(subset(json!({"sub": "alice", "exp": 1767229200.0})));
        assert!(!subset(json!({"sub": "bob"})));
        assert!(!subset(json!({"missing": null})));
        assert!(!subset(json!({"scope": "a"})));
    }

    #[test]
    fn same_items_ignores_order_not_count() {
        assert!(same_items(&["b", "a"], &["a", "b"]));
        assert!(!same_items(&["a", "a"], &["a"]));
        assert!(!same_items(&[Some("a"), None], &[Some("a")]));
    }
}
