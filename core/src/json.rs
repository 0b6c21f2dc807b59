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

use std::borrow::Cow;
use std::collections::HashSet;

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

/// Reads `bytes` as one JSON object, member by member, refusing exactly what
/// [`parse_object`] refuses (a duplicate name at any depth included), but
/// handing each member to `visit` with its decoded name: the visitor reads
/// the value as it needs it ([`Member::value`], [`Member::string`]) or
/// leaves it, and a value left is checked and skipped without being built.
/// Nothing is allocated for what is skipped or borrowed, unless a name or
/// string has escapes or an object has more than 16 members.
pub(crate) fn visit_object<'t>(
    bytes: &'t [u8],
    max_depth: usize,
    mut visit: impl FnMut(&str, Member<'_, 't>) -> Result<(), JsonError>,
) -> Result<(), JsonError> {
    let text = std::str::from_utf8(bytes).map_err(|_| JsonError::NotJson)?;
    let mut parser = Parser {
        text,
        at: 0,
        max_depth,
    };
    parser.skip_whitespace();
    if parser.peek() != Some(b'{') {
        // A value that is not an object (as `parse_object` says, whatever
        // follows it), or not JSON at all.
        parser.skip(1)?;
        return Err(JsonError::NotObject);
    }
    parser.members(1, |parser, name| {
        let mut read = false;
        visit(
            &name,
            Member {
                parser: &mut *parser,
                read: &mut read,
            },
        )?;
        if read {
            Ok(())
        } else {
            parser.skip(2)
        }
    })?;
    parser.skip_whitespace();
    if parser.at != text.len() {
        return Err(JsonError::NotJson);
    }
    Ok(())
}

/// The value of one member of the object [`visit_object`] reads.
pub(crate) struct Member<'p, 't> {
    parser: &'p mut Parser<'t>,
    read: &'p mut bool,
}

impl<'t> Member<'_, 't> {
    /// The value, built (its objects checked for duplicates at any depth).
    pub(crate) fn value(self) -> Result<Value, JsonError> {
        *self.read = true;
        self.parser.value(2)
    }

    /// The value if it is a string (borrowed when it has no escapes), or
    /// `None` for any other value, which is checked and skipped.
    pub(crate) fn string(self) -> Result<Option<Cow<'t, str>>, JsonError> {
        *self.read = true;
        if self.parser.peek() == Some(b'"') {
            self.parser.string_cow().map(Some)
        } else {
            self.parser.skip(2).map(|()| None)
        }
    }
}

/// The member names of one object seen so far, to refuse a repeated one:
/// the first few in place, each with its [`fingerprint`] (compared first,
/// so a name is compared whole only with names that may equal it), more in
/// a set.
struct SeenNames<'t> {
    few: [Cow<'t, str>; FEW_NAMES],
    fingerprints: [u64; FEW_NAMES],
    len: usize,
    many: HashSet<Cow<'t, str>>,
}

/// How many names [`SeenNames`] compares one by one before using a set.
const FEW_NAMES: usize = 16;

impl<'t> SeenNames<'t> {
    fn new() -> Self {
        SeenNames {
            few: std::array::from_fn(|_| Cow::Borrowed("")),
            fingerprints: [0; FEW_NAMES],
            len: 0,
            many: HashSet::new(),
        }
    }

    /// Records `name`; `false` when it was seen before.
    fn insert(&mut self, name: Cow<'t, str>) -> bool {
        if self.len < FEW_NAMES {
            let print = fingerprint(&name);
            let seen = self.fingerprints[..self.len]
                .iter()
                .zip(&self.few)
                .any(|(seen_print, seen)| *seen_print == print && *seen == name);
            if seen {
                return false;
            }
            self.few[self.len] = name;
            self.fingerprints[self.len] = print;
            self.len += 1;
            return true;
        }
        if self.many.is_empty() {
            self.many.extend(self.few.iter_mut().map(std::mem::take));
        }
        self.many.insert(name)
    }
}

/// A name's first seven bytes and its length (modulo 256) in one word:
/// equal names have equal fingerprints, and names of up to seven bytes
/// (most claim and header names) differ in theirs whenever they differ.
fn fingerprint(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut print = [0u8; 8];
    let head = bytes.len().min(7);
    print[..head].copy_from_slice(&bytes[..head]);
    print[7] = bytes.len() as u8;
    u64::from_le_bytes(print)
}

/// Where the first of the eight bytes of `word` (in memory order: `word`
/// is read little-endian) that ends a run of plain string characters is:
/// a quote, a backslash or a control character (below 0x20); `None` when
/// none does. Exact, by the classic "has a zero byte" test on `word` with
/// each special byte cancelled (and its "has a byte less than" variant):
/// each test may also flag bytes above a flagged one, never below it, so
/// the lowest flag is the first special byte.
fn run_end(word: u64) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    let quotes = zero_bytes(word ^ (ONES * u64::from(b'"')));
    let backslashes = zero_bytes(word ^ (ONES * u64::from(b'\\')));
    let flags = below_space | quotes | backslashes;
    (flags != 0).then(|| flags.trailing_zeros() as usize / 8)
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

impl<'t> Parser<'t> {
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
        let mut object = Map::new();
        self.members(level, |parser, name| {
            let value = parser.value(level + 1)?;
            object.insert(name.into_owned(), value);
            Ok(())
        })?;
        Ok(object)
    }

    /// The members of an object opening at `level`, each name handed to
    /// `member` with the cursor on its value (which `member` must consume);
    /// a name repeated is refused before its value is read.
    fn members(
        &mut self,
        level: usize,
        mut member: impl FnMut(&mut Self, Cow<'t, str>) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        self.open(level)?;
        if self.eat(b'}') {
            return Ok(());
        }
        let mut seen = SeenNames::new();
        loop {
            if self.peek() != Some(b'"') {
                return Err(JsonError::NotJson);
            }
            let name = self.string_cow()?;
            if !seen.insert(name.clone()) {
                return Err(JsonError::Duplicate);
            }
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            member(self, name)?;
            self.skip_whitespace();
            if self.eat(b'}') {
                return Ok(());
            }
            self.expect(b',')?;
            self.skip_whitespace();
        }
    }

    /// Checks one value at nesting `level` as [`value`](Self::value) does,
    /// without building it.
    fn skip(&mut self, level: usize) -> Result<(), JsonError> {
        match self.peek().ok_or(JsonError::NotJson)? {
            b'{' => self.members(level, |parser, _| parser.skip(level + 1)),
            b'[' => {
                self.open(level)?;
                if self.eat(b']') {
                    return Ok(());
                }
                loop {
                    self.skip(level + 1)?;
                    self.skip_whitespace();
                    if self.eat(b']') {
                        return Ok(());
                    }
                    self.expect(b',')?;
                    self.skip_whitespace();
                }
            }
            b'"' => self.string_cow().map(drop),
            b't' => self.literal("true", Value::Null).map(drop),
            b'f' => self.literal("false", Value::Null).map(drop),
            b'n' => self.literal("null", Value::Null).map(drop),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            _ => Err(JsonError::NotJson),
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
        self.string_cow().map(Cow::into_owned)
    }

    /// [`string`](Self::string), borrowed from the document when it has no
    /// escape.
    fn string_cow(&mut self) -> Result<Cow<'t, str>, JsonError> {
        self.expect(b'"')?;
        let start = self.at;
        self.skip_plain();
        let plain = self.slice(start)?;
        match self.next()? {
            b'"' => return Ok(Cow::Borrowed(plain)),
            b'\\' => {}
            _ => return Err(JsonError::NotJson),
        }
        let mut out = String::with_capacity(plain.len() + 16);
        out.push_str(plain);
        out.push(self.escape()?);
        loop {
            let run = self.at;
            self.skip_plain();
            out.push_str(self.slice(run)?);
            match self.next()? {
                b'"' => return Ok(Cow::Owned(out)),
                b'\\' => out.push(self.escape()?),
                _ => return Err(JsonError::NotJson),
            }
        }
    }

    /// Moves past the characters a string holds as they are: eight bytes
    /// at a time, then byte by byte within the last seven of the document.
    fn skip_plain(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(word) = bytes
            .get(self.at..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map(|chunk| u64::from_le_bytes(*chunk))
        {
            if let Some(end) = run_end(word) {
                self.at += end;
                return;
            }
            self.at += 8;
        }
        while let Some(byte) = self.peek() {
            if byte == b'"' || byte == b'\\' || byte < 0x20 {
                break;
            }
            self.at += 1;
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
    fn slice(&self, start: usize) -> Result<&'t str, JsonError> {
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

    /// Every member of `text` read by `visit_object`, each value built or
    /// skipped as `build` says: the object it built, or its refusal.
    fn visited(text: &str, build: impl Fn(&str) -> bool) -> Result<Map<String, Value>, JsonError> {
        let mut built = Map::new();
        visit_object(text.as_bytes(), MAX_DEPTH, |name, member| {
            if build(name) {
                built.insert(name.to_owned(), member.value()?);
            }
            Ok(())
        })?;
        Ok(built)
    }

    #[test]
    fn visiting_builds_what_is_asked_and_checks_the_rest() {
        let text = r#"{"a":{"x":[1,{"y":"z"}]},"b":"c\u00e9","n\u0061me":-0.5e1,"s":"plain"}"#;
        let all = visited(text, |_| true).unwrap();
        assert_eq!(all, parse(text).unwrap());
        let some = visited(text, |name| name == "name").unwrap();
        assert_eq!(Value::Object(some), json!({"name": -5.0}));
        for (bad, expected) in [
            (r#"{"a":{"x":1,"x":2}}"#, JsonError::Duplicate),
            (r#"{"a":[{"x":1,"\u0078":2}]}"#, JsonError::Duplicate),
            (r#"{"a":1,"a":2}"#, JsonError::Duplicate),
            (r#"{"a":1,"\u0061":2}"#, JsonError::Duplicate),
            (r#"{"a":1e400}"#, JsonError::NotJson),
            (r#"{"a":"\ud800"}"#, JsonError::NotJson),
            (r#"{"a":[1,]}"#, JsonError::NotJson),
            (r#"{"a":1} x"#, JsonError::NotJson),
            ("[1]", JsonError::NotObject),
            ("[1", JsonError::NotJson),
            ("", JsonError::NotJson),
        ] {
            assert_eq!(visited(bad, |_| false), Err(expected), "{bad}");
            assert_eq!(visited(bad, |_| true), Err(expected), "{bad}");
            assert_eq!(parse(bad), Err(expected), "{bad}");
        }
        assert_eq!(
            visited(&nested(MAX_DEPTH + 1), |_| false),
            Err(JsonError::TooDeep)
        );
        assert!(visited(&nested(MAX_DEPTH), |_| false).is_ok());
    }

    #[test]
    fn strings_are_borrowed_unless_they_have_escapes() {
        let mut seen = Vec::new();
        visit_object(
            br#"{"a":"plain","b":"esc\n","c":7}"#,
            MAX_DEPTH,
            |name, member| {
                let value = member.string()?;
                seen.push((
                    name.to_owned(),
                    value.as_ref().map(|v| matches!(v, Cow::Borrowed(_))),
                    value.map(Cow::into_owned),
                ));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            seen,
            [
                ("a".to_owned(), Some(true), Some("plain".to_owned())),
                ("b".to_owned(), Some(false), Some("esc\n".to_owned())),
                ("c".to_owned(), None, None),
            ]
        );
    }

    /// Objects of more than 16 members still refuse a repeated name, once
    /// the names are kept in a set.
    #[test]
    fn duplicates_are_found_in_large_objects() {
        for members in [15, 16, 17, 40] {
            let names: Vec<String> = (0..members).map(|i| format!("\"m{i}\":{i}")).collect();
            let unique = format!("{{{}}}", names.join(","));
            assert!(visited(&unique, |_| false).is_ok(), "{members}");
            assert!(parse(&unique).is_ok(), "{members}");
            for repeated in [0, members / 2, members - 1] {
                let text = format!("{{{},\"m{repeated}\":0}}", names.join(","));
                assert_eq!(
                    visited(&text, |_| false),
                    Err(JsonError::Duplicate),
                    "{members} {repeated}"
                );
                assert_eq!(
                    parse(&text),
                    Err(JsonError::Duplicate),
                    "{members} {repeated}"
                );
            }
        }
    }

    /// The word test finds every byte that ends a run, at every position,
    /// and nothing else.
    #[test]
    fn a_run_ends_exactly_at_quotes_backslashes_and_control_characters() {
        for special in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[at] = special;
                let ends = special == b'"' || special == b'\\' || special < 0x20;
                let expected = ends.then_some(at);
                assert_eq!(
                    run_end(u64::from_le_bytes(bytes)),
                    expected,
                    "{special:#x} at {at}"
                );
            }
        }
    }

    /// Names sharing their first seven bytes and their length are told
    /// apart by the whole comparison; a repeat is found in any position.
    #[test]
    fn names_alike_in_their_fingerprint_are_compared_whole() {
        assert_eq!(fingerprint("client_id"), fingerprint("client_ix"));
        assert!(parse(r#"{"client_id":1,"client_ix":2}"#).is_ok());
        assert_eq!(
            parse(r#"{"client_id":1,"client_ix":2,"client_id":3}"#),
            Err(JsonError::Duplicate)
        );
        assert_eq!(
            parse(r#"{"exp":1,"iat":2,"\u0065xp":3}"#),
            Err(JsonError::Duplicate)
        );
        let many: Vec<String> = (0..20)
            .map(|index| format!("\"n{index}\":{index}"))
            .collect();
        let with_repeat = format!("{{{},\"n3\":0}}", many.join(","));
        assert_eq!(parse(&with_repeat), Err(JsonError::Duplicate));
        assert!(parse(&format!("{{{}}}", many.join(","))).is_ok());
    }

    proptest! {
        /// The word test agrees with the byte-by-byte one on any eight bytes.
        #[test]
        fn the_word_test_is_the_byte_test(word in any::<u64>()) {
            let bytewise = word
                .to_le_bytes()
                .iter()
                .position(|byte| *byte == b'"' || *byte == b'\\' || *byte < 0x20);
            prop_assert_eq!(run_end(word), bytewise);
        }

        /// Strings of every length read the same whatever falls where the
        /// eight-byte steps cut them.
        #[test]
        fn strings_read_as_serde_json_reads_them(text in "[a-z\"\\\\\u{0}-\u{1f}\u{e9}\u{1f600}]{0,40}") {
            let document = serde_json::json!({ "s": text }).to_string();
            let strict = parse(&document).map(|object| object["s"].clone());
            prop_assert_eq!(strict, Ok(Value::String(text)));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_object(&bytes, MAX_DEPTH);
            let _ = visit_object(&bytes, MAX_DEPTH, |_, _| Ok(()));
        }

        /// Visiting (building nothing, or everything) refuses exactly what
        /// parsing refuses, and builds the same object.
        #[test]
        fn visiting_agrees_with_parsing(text in r#"[{}\[\]",:a-c0-9 .eE+\\-]{0,64}"#) {
            let parsed = parse(&text);
            prop_assert_eq!(visited(&text, |_| false).map(|_| ()), parsed.clone().map(|_| ()));
            prop_assert_eq!(visited(&text, |_| true), parsed);
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
