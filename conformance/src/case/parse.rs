//! JSON to [`Case`]: every key known, every type checked, every error
//! naming its path (`steps[2].serve.status`).

use serde_json::{Map, Value};

use super::reader::{as_string, Object};
use super::{
    Body, Case, CaseError, ErrorExpect, KeysExpect, Reply, RequestInput, RequestTarget, Response,
    Serve, Step, VerifyExpect, VerifyInput, FORMAT_VERSION,
};
use crate::server::Encoding;

/// The action keys a step may have (exactly one of them).
const ACTIONS: [&str; 7] = [
    "serve",
    "verify",
    "verify_header",
    "verify_request",
    "healthcheck",
    "signing_keys",
    "assert_fetches",
];

/// Headers the server sets itself: a case cannot script them.
const FRAMING_HEADERS: [&str; 3] = ["content-length", "transfer-encoding", "connection"];

/// Parses a whole case.
pub(super) fn case(value: &Value) -> Result<Case, CaseError> {
    let top = Object::new(value, "case").map_err(CaseError::whole)?;
    let (mut case, raw_steps) = top_level(&top).map_err(CaseError::whole)?;
    case.steps = steps(raw_steps)?;
    if case.config_error.is_some() && !case.steps.is_empty() {
        return Err(CaseError::whole(
            "steps: must be empty when config_error is given",
        ));
    }
    Ok(case)
}

/// The top-level keys: the case without its steps, and the steps unparsed.
fn top_level<'a>(top: &Object<'a>) -> Result<(Case, &'a [Value]), String> {
    top.only(&[
        "format",
        "name",
        "description",
        "config",
        "steps",
        "config_error",
    ])?;
    let format = top.required("format")?;
    if format.as_u64() != Some(FORMAT_VERSION) {
        return Err(format!(
            "format: must be the integer {FORMAT_VERSION}, found {format}"
        ));
    }
    let name = top.string("name")?;
    if name.is_empty() {
        return Err("name: must not be empty".into());
    }
    let config_error = match top.optional("config_error") {
        None => None,
        Some(_) => Some(top.string("config_error")?.to_owned()),
    };
    let case = Case {
        name: name.to_owned(),
        description: top.string("description")?.to_owned(),
        config: top.object("config")?.map.clone(),
        config_error,
        steps: Vec::new(),
    };
    Ok((case, top.array("steps")?))
}

/// Parses the steps, checking that times never decrease.
fn steps(values: &[Value]) -> Result<Vec<Step>, CaseError> {
    let mut steps = Vec::with_capacity(values.len());
    let mut latest: Option<f64> = None;
    for (index, value) in values.iter().enumerate() {
        let step = step(value, &format!("steps[{index}]"))
            .map_err(|reason| CaseError::at_step(index, reason))?;
        if let (Some(at), Some(before)) = (step.time(), latest) {
            if at < before {
                return Err(CaseError::at_step(
                    index,
                    format!("steps[{index}].at: {at} is earlier than the step before ({before}); times never decrease"),
                ));
            }
        }
        latest = step.time().or(latest);
        steps.push(step);
    }
    Ok(steps)
}

fn step(value: &Value, path: &str) -> Result<Step, String> {
    let object = Object::new(value, path)?;
    let present: Vec<&str> = ACTIONS
        .iter()
        .copied()
        .filter(|action| object.map.contains_key(*action))
        .collect();
    let action = match present.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "{path}: no action key (one of {})",
                ACTIONS.join(", ")
            ))
        }
        several => {
            return Err(format!(
                "{path}: several action keys ({}); a step has exactly one",
                several.join(", ")
            ))
        }
    };
    match action {
        "serve" | "assert_fetches" => object.only(&[action])?,
        _ => object.only(&[action, "at", "expect"])?,
    }
    let field = object.required(action)?;
    let field_path = format!("{path}.{action}");
    match action {
        "serve" => serve(field, &field_path).map(Step::Serve),
        "assert_fetches" => assert_fetches(field, &field_path).map(Step::AssertFetches),
        _ => timed_step(&object, action, field, &field_path),
    }
}

fn timed_step(
    object: &Object<'_>,
    action: &str,
    field: &Value,
    path: &str,
) -> Result<Step, String> {
    let at = object.number("at")?;
    let expect = object.required("expect")?;
    let expect_path = format!("{}.expect", object.path);
    match action {
        "verify" => Ok(Step::Verify {
            at,
            input: VerifyInput::Token(as_string(field, path)?.to_owned()),
            expect: verify_expect(expect, &expect_path)?,
        }),
        "verify_header" => {
            let header = match field {
                Value::Null => None,
                other => Some(as_string(other, path)?.to_owned()),
            };
            Ok(Step::Verify {
                at,
                input: VerifyInput::Header(header),
                expect: verify_expect(expect, &expect_path)?,
            })
        }
        "verify_request" => Ok(Step::Verify {
            at,
            input: VerifyInput::Request(request_input(field, path)?),
            expect: verify_expect(expect, &expect_path)?,
        }),
        "healthcheck" => Ok(Step::Healthcheck {
            at,
            refresh: refresh(field, path)?,
            expect: expect
                .as_bool()
                .ok_or_else(|| format!("{expect_path}: must be true or false"))?,
        }),
        _ => Ok(Step::SigningKeys {
            at,
            refresh: refresh(field, path)?,
            expect: keys_expect(expect, &expect_path)?,
        }),
    }
}

/// `{"refresh": bool}` (omitted: false).
fn refresh(value: &Value, path: &str) -> Result<bool, String> {
    let object = Object::new(value, path)?;
    object.only(&["refresh"])?;
    match object.optional("refresh") {
        None => Ok(false),
        Some(_) => object.boolean("refresh"),
    }
}

/// `verify_request`: `headers` (names unique ignoring case; each value a
/// string, or an array of strings for a field repeated), and optionally
/// the route's `required_scopes` and `required_permissions`.
fn request_input(value: &Value, path: &str) -> Result<RequestInput, String> {
    let object = Object::new(value, path)?;
    object.only(&[
        "headers",
        "required_scopes",
        "required_permissions",
        "method",
        "uri",
        "client_certificate",
    ])?;
    let headers = request_headers(&object.object("headers")?)?;
    let strings = |key: &str| -> Result<Vec<String>, String> {
        match object.optional(key) {
            None => Ok(Vec::new()),
            Some(_) => object
                .array(key)?
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    as_string(item, &format!("{path}.{key}[{index}]")).map(str::to_owned)
                })
                .collect(),
        }
    };
    Ok(RequestInput {
        headers,
        required_scopes: strings("required_scopes")?,
        required_permissions: strings("required_permissions")?,
        target: request_target(&object, path)?,
    })
}

/// `method` and `uri` (both or neither), and `client_certificate` (only
/// with them): unpadded base64url of a DER certificate.
fn request_target(object: &Object<'_>, path: &str) -> Result<Option<RequestTarget>, String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        object
            .optional(key)
            .map(|value| as_string(value, &format!("{path}.{key}")).map(str::to_owned))
            .transpose()
    };
    let (method, uri, certificate) = (text("method")?, text("uri")?, text("client_certificate")?);
    let (method, uri) = match (method, uri) {
        (Some(method), Some(uri)) => (method, uri),
        (None, None) if certificate.is_none() => return Ok(None),
        _ => {
            return Err(format!(
                "{path}: method and uri come together, and client_certificate only with them"
            ))
        }
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(format!("{path}.method: not an HTTP method"));
    }
    let client_certificate = certificate
        .map(|text| {
            crate::issuer::b64url_decode(&text)
                .ok_or_else(|| format!("{path}.client_certificate: not unpadded base64url"))
        })
        .transpose()?;
    Ok(Some(RequestTarget {
        method,
        uri,
        client_certificate,
    }))
}

/// A request's header fields: a value may hold any text but control
/// characters (tabs aside), as a header field can.
fn request_headers(object: &Object<'_>) -> Result<Vec<(String, String)>, String> {
    let mut headers = Vec::with_capacity(object.map.len());
    let mut names: Vec<String> = Vec::with_capacity(object.map.len());
    for (name, value) in object.map {
        let path = format!("{}.{name}", object.path);
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(format!("{path}: not a valid header name"));
        }
        let lower = name.to_ascii_lowercase();
        if names.contains(&lower) {
            return Err(format!(
                "{path}: the same header twice (names ignore case; repeat a field with an array)"
            ));
        }
        names.push(lower);
        let values: Vec<&str> = match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(index, item)| as_string(item, &format!("{path}[{index}]")))
                .collect::<Result<_, _>>()?,
            other => vec![as_string(other, &path)?],
        };
        for value in values {
            if value.chars().any(|c| c.is_control() && c != '\t') {
                return Err(format!(
                    "{path}: a header value holds no control character but tab"
                ));
            }
            headers.push((name.clone(), value.to_owned()));
        }
    }
    Ok(headers)
}

fn serve(value: &Value, path: &str) -> Result<Serve, String> {
    let object = Object::new(value, path)?;
    object.only(&[
        "url",
        "status",
        "headers",
        "json",
        "body",
        "body_repeat",
        "encoding",
        "fail",
    ])?;
    let url = absolute_url(object.string("url")?, &format!("{path}.url"))?;
    let reply = match object.optional("fail") {
        Some(_) => failure(&object)?,
        None => Reply::Respond(response(&object)?),
    };
    Ok(Serve { url, reply })
}

fn failure(object: &Object<'_>) -> Result<Reply, String> {
    object
        .only(&["url", "fail"])
        .map_err(|_| format!("{}: fail excludes status, headers and a body", object.path))?;
    match object.string("fail")? {
        "refused" => Ok(Reply::Refused),
        "timeout" => Ok(Reply::Timeout),
        other => Err(format!(
            "{}.fail: {other:?} is neither \"refused\" nor \"timeout\"",
            object.path
        )),
    }
}

fn response(object: &Object<'_>) -> Result<Response, String> {
    let status = match object.optional("status") {
        None => 200,
        Some(_) => object.integer_in("status", 200, 599)?,
    };
    let headers = match object.optional("headers") {
        None => Vec::new(),
        Some(_) => headers(&object.object("headers")?)?,
    };
    let encoding = encoding(object, &headers)?;
    Ok(Response {
        status: u16::try_from(status)
            .map_err(|_| format!("{}.status: out of range", object.path))?,
        headers,
        encoding,
        ..Response::with_body(body(object)?)
    })
}

/// `encoding` (an extension of the case format): `"gzip"` sends the body
/// gzip-compressed with `content-encoding: gzip`, which the case then may
/// not set itself.
fn encoding(object: &Object<'_>, headers: &[(String, String)]) -> Result<Encoding, String> {
    if object.optional("encoding").is_none() {
        return Ok(Encoding::Identity);
    }
    let path = format!("{}.encoding", object.path);
    if object.string("encoding")? != "gzip" {
        return Err(format!("{path}: the only encoding is \"gzip\""));
    }
    if headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-encoding"))
    {
        return Err(format!(
            "{path}: sets content-encoding, which headers may not give too"
        ));
    }
    Ok(Encoding::Gzip)
}

fn headers(object: &Object<'_>) -> Result<Vec<(String, String)>, String> {
    let mut headers: Vec<(String, String)> = Vec::with_capacity(object.map.len());
    for (name, value) in object.map {
        let path = format!("{}.{name}", object.path);
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(format!("{path}: not a valid header name"));
        }
        let lower = name.to_ascii_lowercase();
        if FRAMING_HEADERS.contains(&lower.as_str()) {
            return Err(format!(
                "{path}: set by the server, a case cannot script it"
            ));
        }
        if headers
            .iter()
            .any(|(seen, _)| seen.eq_ignore_ascii_case(name))
        {
            return Err(format!("{path}: the same header twice (names ignore case)"));
        }
        let value = as_string(value, &path)?;
        if !header_value_ok(value) {
            return Err(format!(
                "{path}: a header value is visible ASCII, spaces and tabs, with no space at either end"
            ));
        }
        headers.push((name.clone(), value.to_owned()));
    }
    Ok(headers)
}

/// RFC 9110 `tchar`.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

fn header_value_ok(value: &str) -> bool {
    let allowed = value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic());
    let trimmed = value.trim_matches([' ', '\t']).len() == value.len();
    allowed && trimmed
}

fn body(object: &Object<'_>) -> Result<Body, String> {
    let given: Vec<&str> = ["json", "body", "body_repeat"]
        .into_iter()
        .filter(|key| object.map.contains_key(*key))
        .collect();
    match given.as_slice() {
        [] => Ok(Body::Empty),
        ["json"] => Ok(Body::Json(object.required("json")?.clone())),
        ["body"] => Ok(Body::Text(object.string("body")?.to_owned())),
        ["body_repeat"] => {
            let repeat = object.object("body_repeat")?;
            repeat.only(&["text", "times"])?;
            Ok(Body::Repeat {
                text: repeat.string("text")?.to_owned(),
                times: repeat.integer_in("times", 0, u64::MAX)?,
            })
        }
        several => Err(format!(
            "{}: several bodies ({}); give at most one",
            object.path,
            several.join(", ")
        )),
    }
}

fn assert_fetches(value: &Value, path: &str) -> Result<Vec<(String, u64)>, String> {
    let object = Object::new(value, path)?;
    let mut counts = Vec::with_capacity(object.map.len());
    for url in object.map.keys() {
        let url_path = format!("{path}.{url}");
        let url = absolute_url(url, &url_path)?;
        let count = object.integer_in(&url, 0, u64::MAX)?;
        counts.push((url, count));
    }
    Ok(counts)
}

fn verify_expect(value: &Value, path: &str) -> Result<VerifyExpect, String> {
    let object = Object::new(value, path)?;
    if object.map.contains_key("ok") {
        object.only(&["ok", "claims"])?;
        if !object.boolean("ok")? {
            return Err(format!(
                "{path}.ok: must be true (a failure is written with \"error\")"
            ));
        }
        let claims = match object.optional("claims") {
            None => Map::new(),
            Some(_) => object.object("claims")?.map.clone(),
        };
        return Ok(VerifyExpect::Ok { claims });
    }
    error_expect(&object).map(VerifyExpect::Error)
}

fn keys_expect(value: &Value, path: &str) -> Result<KeysExpect, String> {
    let object = Object::new(value, path)?;
    if !object.map.contains_key("kids") {
        return error_expect(&object).map(KeysExpect::Error);
    }
    object.only(&["kids"])?;
    let kids = object
        .array("kids")?
        .iter()
        .enumerate()
        .map(|(index, kid)| match kid {
            Value::Null => Ok(None),
            Value::String(kid) => Ok(Some(kid.clone())),
            _ => Err(format!("{path}.kids[{index}]: must be a string or null")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(KeysExpect::Kids(kids))
}

fn error_expect(object: &Object<'_>) -> Result<ErrorExpect, String> {
    if !object.map.contains_key("error") {
        return Err(format!(
            "{}: must say {{\"ok\": true, ...}} or {{\"error\": CODE, \"status\": STATUS}}",
            object.path
        ));
    }
    object.only(&["error", "status", "www_authenticate"])?;
    let code = object.string("error")?;
    if code.is_empty() {
        return Err(format!("{}.error: must not be empty", object.path));
    }
    let status = object.integer_in("status", 100, 599)?;
    let www_authenticate = match object.optional("www_authenticate") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(_) => Some(Some(object.string("www_authenticate")?.to_owned())),
    };
    Ok(ErrorExpect {
        code: code.to_owned(),
        status: u16::try_from(status)
            .map_err(|_| format!("{}.status: out of range", object.path))?,
        www_authenticate,
    })
}

/// An absolute `http` or `https` URL with a host.
fn absolute_url(url: &str, path: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host_ok =
        rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with(['/', '?', '#', ':']));
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if host_ok && clean {
        Ok(url.to_owned())
    } else {
        Err(format!(
            "{path}: {url:?} is not an absolute http or https URL"
        ))
    }
}
