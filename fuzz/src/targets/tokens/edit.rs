//! Edits of a token's decoded header and payload, re-signed by the key
//! that signed the original: what reaches the JSON, header and key checks
//! with a signature that would verify.
//!
//! A segment is written by hand from raw member text, so an edit can say
//! anything JSON can (and some things it cannot): duplicate names, escaped
//! names, deep nesting, numbers out of range, bytes that are not UTF-8.

use crate::rng::Rng;

/// A header or payload, as the bytes the token will encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Members as raw JSON text: `(name, value)`, the name with its quotes.
    pub members: Vec<(String, String)>,
    /// When set, the segment is exactly these bytes instead.
    pub raw: Option<Vec<u8>>,
    /// Whitespace around every structural character (still the same JSON).
    pub spaced: bool,
}

impl Segment {
    /// An object with these members (names and values as JSON text).
    pub fn object(members: Vec<(String, String)>) -> Segment {
        Segment {
            members,
            raw: None,
            spaced: false,
        }
    }

    /// The bytes to encode.
    pub fn bytes(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let (colon, comma, open, close) = if self.spaced {
            (" : ", " ,\n ", "{ ", " }\n")
        } else {
            (":", ",", "{", "}")
        };
        let body: Vec<String> = self
            .members
            .iter()
            .map(|(name, value)| format!("{name}{colon}{value}"))
            .collect();
        format!("{open}{}{close}", body.join(comma)).into_bytes()
    }

    fn set(&mut self, name: &str, value: String) {
        let quoted = quote(name);
        match self
            .members
            .iter_mut()
            .find(|(member, _)| *member == quoted)
        {
            Some(slot) => slot.1 = value,
            None => self.members.push((quoted, value)),
        }
    }

    fn remove(&mut self, name: &str) {
        let quoted = quote(name);
        self.members.retain(|(member, _)| *member != quoted);
    }

    fn push(&mut self, name: String, value: String) {
        self.members.push((name, value));
    }
}

/// A JSON string literal.
pub fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// `text` as a JSON string literal with its first character written as a
/// `\u` escape: the same string to any JSON reader.
fn escaped(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if (first as u32) < 0x10000 => {
            let rest: String = chars.collect();
            let tail = quote(&rest);
            format!("\"\\u{:04x}{}", first as u32, &tail[1..])
        }
        _ => quote(text),
    }
}

/// A value nested `levels` deep (arrays and objects mixed; 0 is a scalar).
fn nested(levels: usize, rng: &mut Rng) -> String {
    let mut open = String::new();
    let mut close = String::new();
    for _ in 0..levels {
        if rng.chance(1, 2) {
            open.push('[');
            close.insert(0, ']');
        } else {
            open.push_str("{\"n\":");
            close.insert(0, '}');
        }
    }
    format!("{open}1{close}")
}

/// Numbers at and past the edges of what a double holds.
const NUMBERS: [&str; 14] = [
    "1e400",
    "-1e400",
    "1e308",
    "-1.7976931348623157e308",
    "123456789012345678901234567890",
    "1e-400",
    "-0",
    "0.0",
    "1E+2",
    "-9223372036854775809",
    "18446744073709551616",
    "5e-324",
    "2.2250738585072014e-308",
    "9007199254740993",
];

/// Segments that are not JSON objects (or not JSON at all).
const NOT_OBJECTS: [&[u8]; 12] = [
    b"[]",
    b"null",
    b"\"text\"",
    b"1",
    b"",
    b"{",
    b"{}}",
    b"{} {}",
    b"\xef\xbb\xbf{}",
    b"{\"a\":1,}",
    b"{'a':1}",
    b"{\"a\":\"\x01\"}",
];

/// Edits shared by header and payload: the JSON itself.
fn edit_json(segment: &mut Segment, rng: &mut Rng, names: &[&str]) {
    match rng.below(9) {
        0 => {
            // The same member again, same or other value.
            if let Some((name, value)) = segment
                .members
                .get(rng.below(segment.members.len()))
                .cloned()
            {
                let value = if rng.chance(1, 2) {
                    value
                } else {
                    "\"other\"".into()
                };
                segment.push(name, value);
            }
        }
        1 => {
            // A known name again, spelled with an escape.
            let name = rng.pick(names);
            segment.push(escaped(name), "\"again\"".into());
        }
        2 => {
            let levels = *rng.pick(&[1, 2, 30, 31, 32, 33, 34, 64, 129, 3000]);
            segment.push(quote("x-nested"), nested(levels, rng));
        }
        3 => {
            let number = rng.pick(&NUMBERS);
            segment.push(quote("x-number"), (*number).to_owned());
        }
        4 => {
            // A duplicate deeper down.
            segment.push(quote("x-deep"), "{\"a\":{\"b\":1,\"b\":2}}".into());
        }
        5 => segment.raw = Some(rng.pick(&NOT_OBJECTS).to_vec()),
        6 => {
            // Bytes that are not UTF-8 inside a string.
            let byte = *rng.pick(&[0xff_u8, 0xc0, 0x80, 0xed]);
            let mut bytes = segment.bytes();
            let at = bytes.iter().position(|&b| b == b'"').map_or(0, |at| at + 1);
            bytes.insert(at, byte);
            segment.raw = Some(bytes);
        }
        7 => segment.spaced = true,
        _ => {
            // Harmless extras: unknown members, Unicode, escapes.
            let value = rng.pick(&[
                "\"v\"",
                "\"\\u00e9\\u6f22\"",
                "\"é漢\"",
                "[1,{\"a\":null}]",
                "{}",
            ]);
            segment.push(quote("x-extra"), (*value).to_owned());
        }
    }
}

/// Edits a header (alg, kid, typ, cty, forbidden parameters, size, JSON).
pub fn edit_header(header: &mut Segment, rng: &mut Rng, kids: &[&str], algs: &[&str]) {
    match rng.below(8) {
        0 => {
            let value = match rng.below(3) {
                0 => rng
                    .pick(&[
                        "\"none\"",
                        "\"NONE\"",
                        "\"nOnE\"",
                        "\"HS256\"",
                        "\"rs256\"",
                        "\"\"",
                        "123",
                        "null",
                        "[\"RS256\"]",
                    ])
                    .to_string(),
                _ => quote(rng.pick::<&str>(algs)),
            };
            if rng.chance(1, 6) {
                header.remove("alg");
            } else {
                header.set("alg", value);
            }
        }
        1 => {
            if rng.chance(1, 4) {
                header.remove("kid");
            } else {
                let value = match rng.below(4) {
                    0 => rng
                        .pick(&["42", "null", "{}", "\"\"", "\"unknown-kid\"", "[\"k\"]"])
                        .to_string(),
                    1 => escaped(rng.pick::<&str>(kids)),
                    _ => quote(rng.pick::<&str>(kids)),
                };
                header.set("kid", value);
            }
        }
        2 => {
            if rng.chance(1, 4) {
                header.remove("typ");
            } else {
                let value = rng.pick(&[
                    "7",
                    "null",
                    "\"jwt\"",
                    "\"JWT\"",
                    "\"at+jwt\"",
                    "\"application/at+jwt\"",
                    "\"AT+JWT\"",
                    "\"application/jwt\"",
                    "\"text/plain\"",
                    "\"at+jwt; q=1\"",
                ]);
                header.set("typ", (*value).to_owned());
            }
        }
        3 => {
            let name = rng.pick(&super::model::FORBIDDEN);
            let value = rng.pick(&[
                "\"https://evil.example.test/jwks\"",
                "[\"exp\"]",
                "{}",
                "null",
                "false",
            ]);
            header.set(name, (*value).to_owned());
        }
        4 => {
            let value = rng.pick(&[
                "\"JWT\"",
                "\"jwt\"",
                "\"application/JWT\"",
                "\"Application/Jwt\"",
                "\"at+jwt\"",
                "\"json\"",
                "5",
                "null",
            ]);
            header.set("cty", (*value).to_owned());
        }
        5 => {
            // Grow the decoded header to just under, at or over 4 KiB.
            let target = 4096 + *rng.pick(&[-2_i64, -1, 0, 1, 2, 500]);
            header.push(quote("x-pad"), "\"\"".into());
            let len = header.bytes().len() as i64;
            let pad = (target - len).max(0) as usize;
            if let Some(last) = header.members.last_mut() {
                last.1 = quote(&"p".repeat(pad));
            }
        }
        _ => edit_json(header, rng, &["alg", "kid", "typ"]),
    }
}

/// Edits a payload's JSON (never the value of a registered claim).
pub fn edit_payload(payload: &mut Segment, rng: &mut Rng) {
    edit_json(payload, rng, &["exp", "iss", "aud", "sub"]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::token_object;

    #[test]
    fn escaped_names_read_back_as_the_name() {
        let text = format!("{{{}:1}}", escaped("alg"));
        assert!(text.contains("\\u0061"));
        let parsed = token_object(text.as_bytes()).unwrap();
        assert!(parsed.contains_key("alg"));
    }

    #[test]
    fn spaced_segments_are_the_same_json() {
        let mut segment =
            Segment::object(vec![(quote("a"), "1".into()), (quote("b"), "[2]".into())]);
        let compact = token_object(&segment.bytes()).unwrap();
        segment.spaced = true;
        assert_eq!(token_object(&segment.bytes()).unwrap(), compact);
    }

    #[test]
    fn nesting_is_as_deep_as_asked() {
        let mut rng = Rng::new(1);
        let value: serde_json::Value = serde_json::from_str(&nested(5, &mut rng)).unwrap();
        assert_eq!(crate::json::depth(&value), 5);
    }
}
