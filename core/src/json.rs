//! Strict JSON for untrusted documents: duplicate member names and deep
//! nesting are refused, and numbers are read the same whatever features of
//! serde_json the build enables.
//!
//! serde_json keeps the last of duplicate members silently, which lets two
//! parsers read one token differently (RFC 8725 section 3.11 calls for
//! rejecting such input). And its features are additive across the whole
//! dependency tree: with `arbitrary_precision` enabled by any crate, its
//! parser hands every non-integer number to a visitor as a one-member map,
//! so a parser built on its `Deserializer` would read `"exp": 1.5` as an
//! object. This module is therefore its own small parser of RFC 8259 JSON
//! (UTF-8, no byte order mark) building serde_json [`Value`]s. Each number
//! becomes the [`Number`] serde_json's default build makes of it: an integer
//! that fits `u64` (or, negative, `i64`) stays an integer, every other number
//! (`-0` included) is the nearest `f64`, and one beyond the `f64` range is
//! not JSON. Through serde_json's own constructors that `Number` then means
//! the same with or without `arbitrary_precision`.

use serde_json::{Map, Number, Value};

/// The deepest nesting accepted in token headers and payloads (docs/rules.md,
/// `malformed_token`): the outermost object is level 1.
pub(crate) const MAX_DEPTH: usize = 32;

/// The deepest nesting parsed at all, whatever the caller allows: deeper
/// documents are not JSON we read (serde_json's own recursion limit, kept
/// so that no caller can make the parser recurse further).
const STACK_LIMIT: usize = 128;

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
/// Documents deeper than 128 levels are refused as [`JsonError::NotJson`]
/// whatever `max_depth` says.
pub(crate) fn parse_object(
    bytes: &[u8],
    max_depth: usize,
) -> Result<Map<String, Value>, JsonError> {
    let text = std::str::from_utf8(bytes).map_err(|_| JsonError::NotJson)?;
    let mut parser = Parser {
        text,
        at: 0,
        max_depth,
    };
    parser.skip_whitespace();
    let value = parser.value(1)?;
    let Value::Object(object) = value else {
        return Err(JsonError::NotObject);
    };
    parser.skip_whitespace();
    if parser.at != text.len() {
        return Err(JsonError::NotJson);
    }
    Ok(object)
}

/// The number serde_json's default build makes of the text of a JSON
/// number: `u64` or `i64` when it is an integer in range (`-0` excepted),
/// else the nearest finite `f64`.
fn number(text: &str, integer: bool) -> Result<Number, JsonError> {
    if integer {
        if let Ok(unsigned) = text.parse::<u64>() {
            return Ok(unsigned.into());
        }
        if text != "-0" {
            if let Ok(signed) = text.parse::<i64>() {
                return Ok(signed.into());
            }
        }
    }
    let float: f64 = text.parse().map_err(|_| JsonError::NotJson)?;
    Number::from_f64(float).ok_or(JsonError::NotJson)
}

/// A cursor over a UTF-8 document.
struct Parser<'t> {
    text: &'t str,
    /// The byte offset of the next unread byte (always a char boundary
    /// where a string is sliced: only ASCII bytes end a run).
    at: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Result<u8, JsonError> {
        let byte = self.peek().ok_or(JsonError::NotJson)?;
        self.at += 1;
        Ok(byte)
    }

    /// Consumes `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        let next = self.peek() == Some(byte);
        if next {
            self.at += 1;
        }
        next
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(JsonError::NotJson)
        }
    }

    /// RFC 8259 whitespace: space, tab, line feed, carriage return.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// One value at nesting `level` (the level a container here would open).
    fn value(&mut self, level: usize) -> Result<Value, JsonError> {
        match self.peek().ok_or(JsonError::NotJson)? {
            b'{' => self.object(level).map(Value::Object),
            b'[' => self.array(level),
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Null),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => Err(JsonError::NotJson),
        }
    }

    /// Whether the unread bytes start with `word`.
    fn ahead(&self, word: &str) -> bool {
        self.text
            .as_bytes()
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()))
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        if !self.ahead(word) {
            return Err(JsonError::NotJson);
        }
        self.at += word.len();
        Ok(value)
    }

    /// Refuses a container opening at `level` past either limit.
    fn open(&mut self, level: usize) -> Result<(), JsonError> {
        if level > self.max_depth {
            return Err(JsonError::TooDeep);
        }
        if level > STACK_LIMIT {
            return Err(JsonError::NotJson);
        }
        self.at += 1;
        self.skip_whitespace();
        Ok(())
    }

    fn object(&mut self, level: usize) -> Result<Map<String, Value>, JsonError> {
        self.open(level)?;
        let mut object = Map::new();
        if self.eat(b'}') {
            return Ok(object);
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(JsonError::NotJson);
            }
            let name = self.string()?;
            if object.contains_key(&name) {
                return Err(JsonError::Duplicate);
            }
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            let value = self.value(level + 1)?;
            object.insert(name, value);
            self.skip_whitespace();
            if self.eat(b'}') {
                return Ok(object);
            }
            self.expect(b',')?;
            self.skip_whitespace();
        }
    }

    fn array(&mut self, level: usize) -> Result<Value, JsonError> {
        self.open(level)?;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(level + 1)?);
            self.skip_whitespace();
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            self.expect(b',')?;
            self.skip_whitespace();
        }
    }

    /// A string, from its opening quote: no raw control characters, every
    /// escape of RFC 8259 section 7, surrogates only in valid pairs.
    fn string(&mut self) -> Result<String, JsonError> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            let run = self.at;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(self.slice(run)?);
            match self.next()? {
                b'"' => return Ok(out),
                b'\\' => out.push(self.escape()?),
                _ => return Err(JsonError::NotJson),
            }
        }
    }

    /// The character of the escape after a backslash.
    fn escape(&mut self) -> Result<char, JsonError> {
        Ok(match self.next()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => return Err(JsonError::NotJson),
        })
    }

    /// `\uXXXX`, or a surrogate pair `\uD8xx\uDCxx`; a lone surrogate is
    /// refused.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.ahead("\\u") {
                    return Err(JsonError::NotJson);
                }
                self.at += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(JsonError::NotJson);
                }
                0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(JsonError::NotJson),
            _ => first,
        };
        char::from_u32(code).ok_or(JsonError::NotJson)
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or(JsonError::NotJson)?;
        self.at += 4;
        u32::from_str_radix(digits, 16).map_err(|_| JsonError::NotJson)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.at;
        self.eat(b'-');
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return Err(JsonError::NotJson),
        }
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            self.some_digits()?;
        }
        if self.eat(b'e') || self.eat(b'E') {
            integer = false;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            self.some_digits()?;
        }
        number(self.slice(start)?, integer)
    }

    /// The text from `start` to the cursor (both are char boundaries: a run
    /// only ever ends before an ASCII byte or at the end).
    fn slice(&self, start: usize) -> Result<&str, JsonError> {
        self.text.get(start..self.at).ok_or(JsonError::NotJson)
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Result<(), JsonError> {
        if !self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            return Err(JsonError::NotJson);
        }
        self.digits();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

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
    fn parses_every_json_type() {
        let text = r#"{"s":"x\u00e9\/\ud83d\ude00\n","n":-1,"u":18446744073709551615,"f":1.5e3,"b":true,"z":null,"a":[1,{"k":[]}],"o":{}}"#;
        let expected = json!({
            "s": "x\u{e9}/\u{1f600}\n", "n": -1, "u": u64::MAX, "f": 1500.0, "b": true,
            "z": null, "a": [1, {"k": []}], "o": {}
        });
        assert_eq!(Value::Object(parse(text).unwrap()), expected);
        assert_eq!(
            parse(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n ").unwrap()["a"],
            json!([1, 2])
        );
    }

    /// The number a one-member document holds.
    fn number_of(text: &str) -> Result<Number, JsonError> {
        match parse(&format!("{{\"n\":{text}}}"))?.remove("n") {
            Some(Value::Number(number)) => Ok(number),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn numbers_are_what_serde_json_makes_of_them_by_default() {
        let float = |f: f64| Number::from_f64(f).unwrap();
        let cases = [
            ("0", Number::from(0u64)),
            ("1767225600", Number::from(1_767_225_600u64)),
            ("18446744073709551615", Number::from(u64::MAX)),
            ("-1", Number::from(-1i64)),
            ("-9223372036854775808", Number::from(i64::MIN)),
            ("-0", float(-0.0)),
            ("-0.0", float(-0.0)),
            ("18446744073709551616", float(18_446_744_073_709_551_616.0)),
            ("-9223372036854775809", float(-9_223_372_036_854_775_808.0)),
            ("1767225600.5", float(1_767_225_600.5)),
            ("1.5e3", float(1500.0)),
            ("1E+2", float(100.0)),
            ("1e-2", float(0.01)),
            ("0.1", float(0.1)),
            ("1e-400", float(0.0)),
            ("-1e-400", float(-0.0)),
            ("1.7976931348623157e308", float(f64::MAX)),
            ("9007199254740993", Number::from(9_007_199_254_740_993u64)),
        ];
        for (text, expected) in cases {
            let got = number_of(text).unwrap();
            assert_eq!(got, expected, "{text}");
            assert_eq!(
                (got.is_u64(), got.is_i64(), got.is_f64()),
                (expected.is_u64(), expected.is_i64(), expected.is_f64()),
                "{text}"
            );
            let sign = |n: &Number| n.as_f64().map(f64::is_sign_negative);
            assert_eq!(sign(&got), sign(&expected), "{text}");
        }
    }

    #[test]
    fn numbers_outside_the_grammar_or_the_f64_range_are_not_json() {
        for bad in [
            "1e400",
            "-1e400",
            "1.7976931348623159e308",
            "01",
            "00",
            "-01",
            "1.",
            ".5",
            "+1",
            "1e",
            "1e+",
            "-",
            "0x1",
            "Infinity",
            "-Infinity",
            "NaN",
            "1.e3",
            "--1",
            "1_000",
        ] {
            assert_eq!(number_of(bad), Err(JsonError::NotJson), "{bad}");
        }
    }

    #[test]
    fn strings_refuse_raw_controls_bad_escapes_and_lone_surrogates() {
        for bad in [
            "\"a\tb\"",
            "\"a\u{0}\"",
            r#""\U0041""#,
            r#""\x41""#,
            r#""\u00e""#,
            r#""\u00eg""#,
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\ud800\n""#,
            r#""\udbff\udbff""#,
            "\"unterminated",
            "\"ends in a backslash\\",
        ] {
            assert_eq!(
                parse(&format!("{{\"s\":{bad}}}")),
                Err(JsonError::NotJson),
                "{bad}"
            );
        }
        let ok = parse(r#"{"s":"\u007f\uFFFF\udbff\udfff\b\f\r\t\"\\"}"#).unwrap();
        assert_eq!(ok["s"], json!("\u{7f}\u{ffff}\u{10ffff}\u{8}\u{c}\r\t\"\\"));
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
            b"{\"a\":tru}",
            b"{\"a\":nulll}",
            b"{\"a\" 1}",
            b"{\"a\":1 \"b\":2}",
            b"{a:1}",
            b"{\"a\":[1,]}",
            b"{\"a\":[1 2]}",
            b"\xc2\xa0{}",
            b"{}\x00",
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
        assert!(parse_object(nested(128).as_bytes(), 1000).is_ok());
        assert_eq!(
            parse_object(nested(129).as_bytes(), 1000),
            Err(JsonError::NotJson)
        );
    }

    /// `value` with every number replaced by what this parser makes of its
    /// text: serde_json's own reading, whatever its features, made
    /// comparable.
    fn canonical(value: Value) -> Value {
        match value {
            Value::Number(n) => {
                let text = n.to_string();
                let integer = !text.contains(['.', 'e', 'E']);
                Value::Number(number(&text, integer).unwrap())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
            Value::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(name, value)| (name, canonical(value)))
                    .collect(),
            ),
            other => other,
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_object(&bytes, MAX_DEPTH);
        }

        #[test]
        fn arbitrary_near_json_never_panics(text in r#"[{}\[\]",:a-z0-9 .eE+\\\u{80}-\u{10ffff}-]{0,64}"#) {
            let _ = parse_object(text.as_bytes(), MAX_DEPTH);
        }

        /// Whatever this parser accepts, serde_json accepts and reads the
        /// same; what serde_json accepts, this parser accepts unless it is
        /// stricter (a duplicate member, too deep a nesting). Exponents are
        /// left out of the second direction: with `arbitrary_precision`
        /// serde_json accepts `1e999`, which is no `f64`.
        #[test]
        fn documents_read_as_serde_json_reads_them(text in r#"[{}\[\]",:a-c0-9 .eE+\\-]{0,64}"#) {
            let plain = serde_json::from_str::<Map<String, Value>>(&text);
            match parse(&text) {
                Ok(strict) => {
                    let plain = plain.map(|plain| canonical(Value::Object(plain)));
                    prop_assert_eq!(Value::Object(strict), plain.unwrap());
                }
                Err(JsonError::Duplicate | JsonError::TooDeep) => {}
                Err(refused) => prop_assert!(
                    plain.is_err() || text.contains(['e', 'E']),
                    "{text:?}: refused as {refused:?}, serde_json reads it"
                ),
            }
        }

        /// Every finite `f64`, written the shortest way that reads back
        /// (as serde_json and Rust write it), reads back exactly.
        #[test]
        fn every_float_reads_back_exactly(float in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO) {
            for text in [format!("{float:?}"), format!("{float:e}"), serde_json::to_string(&float).unwrap()] {
                let number = number_of(&text).unwrap();
                prop_assert_eq!(number.as_f64(), Some(float), "{}", text);
                prop_assert_eq!(Value::Number(number), json!(float), "{}", text);
            }
        }
    }
}
