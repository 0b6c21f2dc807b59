//! Writing one case: the default configuration, steps, expectations.

use oidc_jwt_verifier_core::AuthConfig;
use serde_json::{json, Map, Value};

use super::spec::{Code, ExpectedError};
use super::world::{AUDIENCE, ISSUER, JWKS_URL};

/// One case as the generator builds it, before it becomes a file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CaseSpec {
    name: String,
    description: String,
    config: Map<String, Value>,
    config_error: Option<String>,
    steps: Vec<Value>,
}

/// The defaults of docs/case-format.md, written out in every case so that a
/// case reads whole without the table.
fn default_config() -> Map<String, Value> {
    let config = json!({
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "jwks_url": JWKS_URL,
        "allowed_algs": ["RS256"],
        "leeway_s": 0,
        "required_scopes": [],
        "required_permissions": [],
        "scope_claim": "scope",
        "permissions_claim": "permissions",
        "require_kid": true,
        "max_token_bytes": 16384,
        "cache_ttl_s": 300,
        "refresh_cooldown_s": 30,
        "stale_if_error_s": 3600,
        "refresh_ahead_s": 30,
        "allow_insecure_http": false,
        "fetch_attempts": 2,
        "http_timeout_s": 3,
    });
    match config {
        Value::Object(members) => members,
        _ => Map::new(),
    }
}

impl CaseSpec {
    /// A case with the default configuration (JWKS mode) and no steps.
    pub(crate) fn new(name: &str, description: &str) -> Self {
        Self {
            name: name.to_owned(),
            description: description.to_owned(),
            config: default_config(),
            config_error: None,
            steps: Vec::new(),
        }
    }

    /// A case with exactly the configuration `config` (every key, as
    /// [`AuthConfig::to_json`] writes it) and no steps: for cases about
    /// what a constructor or preset of the verifier configures.
    pub(crate) fn configured(name: &str, description: &str, config: &AuthConfig) -> Self {
        let config = match config.to_json() {
            Value::Object(members) => members,
            _ => Map::new(),
        };
        Self {
            config,
            ..Self::new(name, description)
        }
    }

    /// The case's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Sets configuration key `key`.
    pub(crate) fn set(mut self, key: &str, value: Value) -> Self {
        self.config.insert(key.to_owned(), value);
        self
    }

    /// Removes configuration key `key` (it then takes its default, or is
    /// absent when it has none).
    pub(crate) fn unset(mut self, key: &str) -> Self {
        self.config.remove(key);
        self
    }

    /// Building the verifier must fail naming `field`; the case has no steps.
    pub(crate) fn config_error(mut self, field: &str) -> Self {
        self.config_error = Some(field.to_owned());
        self
    }

    /// A `serve` step.
    pub(crate) fn serve(mut self, url: &str, reply: Reply) -> Self {
        let mut serve = reply.into_members();
        serve.insert("url".into(), Value::String(url.to_owned()));
        self.steps.push(json!({ "serve": Value::Object(serve) }));
        self
    }

    /// A `verify` step: `token` exactly as given.
    pub(crate) fn verify(mut self, at: u64, token: &str, expect: Expect) -> Self {
        self.steps
            .push(json!({ "at": at, "verify": token, "expect": expect.to_json() }));
        self
    }

    /// A `verify_header` step: a whole `Authorization` value.
    pub(crate) fn verify_header(mut self, at: u64, header: &str, expect: Expect) -> Self {
        self.steps
            .push(json!({ "at": at, "verify_header": header, "expect": expect.to_json() }));
        self
    }

    /// A `verify_request` step (an extension of FORMAT.md): `request` is
    /// its object, `{"headers": {...}}` with optional `required_scopes` and
    /// `required_permissions`.
    pub(crate) fn verify_request(mut self, at: u64, request: Value, expect: Expect) -> Self {
        self.steps
            .push(json!({ "at": at, "verify_request": request, "expect": expect.to_json() }));
        self
    }

    /// A `healthcheck` step.
    pub(crate) fn healthcheck(mut self, at: u64, refresh: bool, healthy: bool) -> Self {
        self.steps
            .push(json!({ "at": at, "healthcheck": { "refresh": refresh }, "expect": healthy }));
        self
    }

    /// A `signing_keys` step.
    pub(crate) fn signing_keys(mut self, at: u64, refresh: bool, expect: KeysExpect) -> Self {
        self.steps.push(json!({
            "at": at,
            "signing_keys": { "refresh": refresh },
            "expect": expect.to_json(),
        }));
        self
    }

    /// An `assert_fetches` step.
    pub(crate) fn fetches(mut self, counts: &[(&str, u64)]) -> Self {
        let counts: Map<String, Value> = counts
            .iter()
            .map(|(url, count)| ((*url).to_owned(), json!(count)))
            .collect();
        self.steps.push(json!({ "assert_fetches": counts }));
        self
    }

    /// The case file's JSON value.
    pub(crate) fn to_json(&self) -> Value {
        let mut case = json!({
            "format": 1,
            "name": self.name,
            "description": self.description,
            "config": Value::Object(self.config.clone()),
            "steps": if self.config_error.is_some() { Vec::new() } else { self.steps.clone() },
        });
        if let (Some(field), Some(members)) = (&self.config_error, case.as_object_mut()) {
            members.insert("config_error".into(), Value::String(field.clone()));
        }
        case
    }
}

/// What a `serve` step installs: a response or a failure.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    members: Map<String, Value>,
}

impl Reply {
    fn with(member: &str, value: Value) -> Self {
        let mut members = Map::new();
        members.insert(member.to_owned(), value);
        Self { members }
    }

    /// 200 with this JSON body.
    pub(crate) fn json(body: Value) -> Self {
        Self::with("json", body)
    }

    /// 200 with this text body, sent as is.
    pub(crate) fn text(body: &str) -> Self {
        Self::with("body", Value::String(body.to_owned()))
    }

    /// 200 with `text` repeated `times` times.
    pub(crate) fn repeat(text: &str, times: u64) -> Self {
        Self::with("body_repeat", json!({ "text": text, "times": times }))
    }

    /// A response with this status and no body.
    pub(crate) fn empty(status: u16) -> Self {
        Self::with("status", json!(status))
    }

    /// The connection is refused.
    pub(crate) fn refused() -> Self {
        Self::with("fail", json!("refused"))
    }

    /// The connection is accepted and never answered.
    pub(crate) fn timeout() -> Self {
        Self::with("fail", json!("timeout"))
    }

    /// The same response with this status.
    pub(crate) fn status(mut self, status: u16) -> Self {
        self.members.insert("status".into(), json!(status));
        self
    }

    /// The same response with its body sent gzip-compressed (the
    /// serve-level `encoding` extension).
    pub(crate) fn gzip(mut self) -> Self {
        self.members.insert("encoding".into(), json!("gzip"));
        self
    }

    /// The same response with this header added.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        let headers = self
            .members
            .entry("headers")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(headers) = headers {
            headers.insert(name.to_owned(), Value::String(value.to_owned()));
        }
        self
    }

    fn into_members(self) -> Map<String, Value> {
        self.members
    }
}

/// What a verification must produce.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expect {
    /// Success, with at least these claims.
    Ok(Value),
    /// This error.
    Error(ExpectedError),
}

impl Expect {
    /// Success; no claim checked.
    pub(crate) fn ok() -> Self {
        Self::Ok(json!({}))
    }

    /// Success with at least these claims (a JSON object).
    pub(crate) fn claims(claims: Value) -> Self {
        Self::Ok(claims)
    }

    /// Failure with `code` (fixed message).
    pub(crate) fn error(code: Code) -> Self {
        Self::Error(ExpectedError::new(code))
    }

    /// `missing_claim` naming `claim`.
    pub(crate) fn missing_claim(claim: &'static str) -> Self {
        Self::Error(ExpectedError::about_claim(Code::MissingClaim, claim))
    }

    /// `invalid_claim` naming `claim`.
    pub(crate) fn invalid_claim(claim: &'static str) -> Self {
        Self::Error(ExpectedError::about_claim(Code::InvalidClaim, claim))
    }

    /// `insufficient_scope` whose challenge lists every `required` scope,
    /// in configuration order.
    pub(crate) fn scope(required: &[&str]) -> Self {
        Self::Error(ExpectedError::required(Code::InsufficientScope, required))
    }

    /// `insufficient_permissions` whose challenge lists every `required`
    /// permission, in configuration order.
    pub(crate) fn permissions(required: &[&str]) -> Self {
        Self::Error(ExpectedError::required(
            Code::InsufficientPermissions,
            required,
        ))
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Ok(claims) => json!({ "ok": true, "claims": claims }),
            Self::Error(error) => error.to_json(),
        }
    }
}

/// What `signing_keys` must produce.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeysExpect {
    /// These key ids, in any order.
    Kids(Vec<String>),
    /// This error.
    Error(Code),
}

impl KeysExpect {
    /// These key ids.
    pub(crate) fn kids(kids: &[&str]) -> Self {
        Self::Kids(kids.iter().map(|kid| (*kid).to_owned()).collect())
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Kids(kids) => json!({ "kids": kids }),
            Self::Error(code) => ExpectedError::new(*code).to_keys_json(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_has_the_format_members_and_full_defaults() {
        let case = CaseSpec::new("a/b", "proves it")
            .set("leeway_s", json!(5))
            .serve(
                JWKS_URL,
                Reply::json(json!({"keys": []})).header("cache-control", "no-store"),
            )
            .verify(1, "t", Expect::error(Code::JwksError))
            .fetches(&[(JWKS_URL, 1)])
            .to_json();
        assert_eq!(case["format"], 1);
        assert_eq!(case["config"]["leeway_s"], 5);
        assert_eq!(case["config"].as_object().map(Map::len), Some(18));
        assert_eq!(
            case["steps"][0]["serve"]["headers"]["cache-control"],
            "no-store"
        );
        assert_eq!(case["steps"][1]["expect"]["www_authenticate"], Value::Null);
        assert_eq!(case["steps"][2]["assert_fetches"][JWKS_URL], 1);
        assert!(case.get("config_error").is_none());
    }

    #[test]
    fn a_config_error_case_has_no_steps() {
        let case = CaseSpec::new("c", "d")
            .verify(1, "t", Expect::ok())
            .config_error("issuer")
            .to_json();
        assert_eq!(case["config_error"], "issuer");
        assert_eq!(case["steps"], json!([]));
    }
}
