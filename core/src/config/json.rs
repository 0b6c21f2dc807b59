//! `AuthConfig` as JSON: the keys of the configuration table of docs/case-format.md with
//! their JSON types, read strictly (an unknown key is an error), and
//! written back so that a configuration made in code can become a
//! conformance case.

use serde_json::{json, Map, Value};

use super::{AuthConfig, ConfigError};
use crate::dpop::DpopMode;
use crate::request::TokenSource;

impl AuthConfig {
    /// Builds a configuration from a JSON object whose keys are the
    /// conformance format's configuration keys (docs/case-format.md), with their JSON
    /// types: `audience` a string or an array of strings, durations numbers
    /// of seconds, `fetch_attempts` and `max_token_bytes` non-negative
    /// integers, `expected_typ` a string or `null`; and the keys this
    /// verifier adds to the format: `required_claims` an array of strings,
    /// `audience_claim` a string, `token_sources` an array whose items are
    /// `"authorization_bearer"`, `{"header": NAME}` or `{"cookie": NAME}`.
    ///
    /// Missing keys take their defaults; `issuer` and `audience` are
    /// required. An unknown key is refused ("unsupported config key"), never
    /// ignored. Only the shape is checked here: the values are judged when a
    /// verifier is built.
    ///
    /// ```
    /// use oidc_jwt_verifier_core::AuthConfig;
    /// let json = serde_json::json!({
    ///     "issuer": "https://id.example.test/",
    ///     "audience": ["api://a", "api://b"],
    ///     "jwks_url": "https://id.example.test/jwks",
    ///     "leeway_s": 30
    /// });
    /// let config = AuthConfig::from_json(&json).unwrap();
    /// assert_eq!(config.audience, ["api://a", "api://b"]);
    /// assert_eq!(config.leeway_s, 30.0);
    /// let err = AuthConfig::from_json(&serde_json::json!({"leeway": 1})).unwrap_err();
    /// assert_eq!((err.field(), err.reason()), ("leeway", "unsupported config key"));
    /// ```
    pub fn from_json(value: &Value) -> Result<Self, ConfigError> {
        let object = value
            .as_object()
            .ok_or_else(|| ConfigError::new("config", "must be a JSON object"))?;
        let mut config = AuthConfig::defaults(String::new(), Vec::new());
        for (key, value) in object {
            config.set_from_json(key, value)?;
        }
        for required in ["issuer", "audience"] {
            if !object.contains_key(required) {
                return Err(ConfigError::new(required, "is required"));
            }
        }
        Ok(config)
    }

    /// Sets the field named `key` from its JSON value.
    fn set_from_json(&mut self, key: &str, value: &Value) -> Result<(), ConfigError> {
        match key {
            "issuer" => self.issuer = json_string(key, value)?,
            "audience" => self.audience = json_audience(key, value)?,
            "jwks_url" => self.jwks_url = Some(json_string(key, value)?),
            "discovery_url" => self.discovery_url = Some(json_string(key, value)?),
            "allowed_algs" => self.allowed_algs = json_strings(key, value)?,
            "leeway_s" => self.leeway_s = json_number(key, value)?,
            "required_scopes" => self.required_scopes = json_strings(key, value)?,
            "required_permissions" => self.required_permissions = json_strings(key, value)?,
            "scope_claim" => self.scope_claim = json_string(key, value)?,
            "permissions_claim" => self.permissions_claim = json_string(key, value)?,
            "require_kid" => self.require_kid = json_bool(key, value)?,
            "expected_typ" => self.expected_typ = json_optional_string(key, value)?,
            "max_token_bytes" => self.max_token_bytes = json_count(key, value)?,
            "cache_ttl_s" => self.cache_ttl_s = json_number(key, value)?,
            "refresh_cooldown_s" => self.refresh_cooldown_s = json_number(key, value)?,
            "stale_if_error_s" => self.stale_if_error_s = json_number(key, value)?,
            "refresh_ahead_s" => self.refresh_ahead_s = json_number(key, value)?,
            "allow_insecure_http" => self.allow_insecure_http = json_bool(key, value)?,
            "fetch_attempts" => self.fetch_attempts = json_count(key, value)?,
            "http_timeout_s" => self.http_timeout_s = json_number(key, value)?,
            "required_claims" => self.required_claims = json_strings(key, value)?,
            "audience_claim" => self.audience_claim = json_string(key, value)?,
            "dpop" => self.dpop = json_dpop_mode(key, value)?,
            "dpop_algs" => self.dpop_algs = json_strings(key, value)?,
            "dpop_iat_past_s" => self.dpop_iat_past_s = json_number(key, value)?,
            "dpop_iat_future_s" => self.dpop_iat_future_s = json_number(key, value)?,
            "dpop_replay_cache_size" => self.dpop_replay_cache_size = json_count(key, value)?,
            "token_sources" => self.token_sources = json_token_sources(key, value)?,
            _ => return Err(ConfigError::new(key, "unsupported config key")),
        }
        Ok(())
    }

    /// The configuration as the JSON object [`from_json`](Self::from_json)
    /// reads back to an equal configuration: every key, durations as
    /// numbers (whole seconds as integers; a number that is not finite,
    /// never valid, as `null`), an absent key source left out, no
    /// `expected_typ` as `null`.
    ///
    /// ```
    /// use oidc_jwt_verifier_core::AuthConfig;
    /// let config = AuthConfig::from_issuer("https://id.example.test/", "api");
    /// let json = config.to_json();
    /// assert_eq!(json["discovery_url"], "https://id.example.test/.well-known/openid-configuration");
    /// assert_eq!(json["cache_ttl_s"], 300);
    /// assert_eq!(AuthConfig::from_json(&json).unwrap(), config);
    /// ```
    pub fn to_json(&self) -> Value {
        let mut members = Map::new();
        let mut put = |key: &str, value: Value| {
            members.insert(key.to_owned(), value);
        };
        put("issuer", json!(self.issuer));
        put("audience", audience_json(&self.audience));
        if let Some(url) = &self.jwks_url {
            put("jwks_url", json!(url));
        }
        if let Some(url) = &self.discovery_url {
            put("discovery_url", json!(url));
        }
        put("allowed_algs", json!(self.allowed_algs));
        put("leeway_s", seconds_json(self.leeway_s));
        put("required_scopes", json!(self.required_scopes));
        put("required_permissions", json!(self.required_permissions));
        put("scope_claim", json!(self.scope_claim));
        put("permissions_claim", json!(self.permissions_claim));
        put("require_kid", json!(self.require_kid));
        put("expected_typ", json!(self.expected_typ));
        put("max_token_bytes", json!(self.max_token_bytes));
        put("cache_ttl_s", seconds_json(self.cache_ttl_s));
        put("refresh_cooldown_s", seconds_json(self.refresh_cooldown_s));
        put("stale_if_error_s", seconds_json(self.stale_if_error_s));
        put("refresh_ahead_s", seconds_json(self.refresh_ahead_s));
        put("allow_insecure_http", json!(self.allow_insecure_http));
        put("fetch_attempts", json!(self.fetch_attempts));
        put("http_timeout_s", seconds_json(self.http_timeout_s));
        put("required_claims", json!(self.required_claims));
        put("audience_claim", json!(self.audience_claim));
        let sources: Vec<Value> = self.token_sources.iter().map(token_source_json).collect();
        put("token_sources", Value::Array(sources));
        put("dpop", json!(self.dpop.name()));
        put("dpop_algs", json!(self.dpop_algs));
        put("dpop_iat_past_s", seconds_json(self.dpop_iat_past_s));
        put("dpop_iat_future_s", seconds_json(self.dpop_iat_future_s));
        put("dpop_replay_cache_size", json!(self.dpop_replay_cache_size));
        Value::Object(members)
    }
}

fn json_string(field: &str, value: &Value) -> Result<String, ConfigError> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ConfigError::new(field, "must be a string"))
}

/// `token_sources`: `"authorization_bearer"`, `{"header": NAME}` or
/// `{"cookie": NAME}`, each.
fn json_token_sources(field: &str, value: &Value) -> Result<Vec<TokenSource>, ConfigError> {
    let wrong = || {
        ConfigError::new(
            field,
            "must be an array of \"authorization_bearer\", {\"header\": name} or {\"cookie\": name}",
        )
    };
    let items = value.as_array().ok_or_else(wrong)?;
    items
        .iter()
        .map(|item| match item {
            Value::String(name) if name == "authorization_bearer" => {
                Ok(TokenSource::AuthorizationBearer)
            }
            Value::Object(one) if one.len() == 1 => match one.iter().next() {
                Some((kind, Value::String(name))) if kind == "header" => {
                    Ok(TokenSource::Header(name.clone()))
                }
                Some((kind, Value::String(name))) if kind == "cookie" => {
                    Ok(TokenSource::Cookie(name.clone()))
                }
                _ => Err(wrong()),
            },
            _ => Err(wrong()),
        })
        .collect()
}

/// One token source as `from_json` reads it.
fn token_source_json(source: &TokenSource) -> Value {
    match source {
        TokenSource::AuthorizationBearer => json!("authorization_bearer"),
        TokenSource::Header(name) => json!({ "header": name }),
        TokenSource::Cookie(name) => json!({ "cookie": name }),
    }
}

fn json_optional_string(field: &str, value: &Value) -> Result<Option<String>, ConfigError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(ConfigError::new(field, "must be a string or null")),
    }
}

fn json_strings(field: &str, value: &Value) -> Result<Vec<String>, ConfigError> {
    let wrong_type = || ConfigError::new(field, "must be an array of strings");
    value
        .as_array()
        .ok_or_else(wrong_type)?
        .iter()
        .map(|item| item.as_str().map(str::to_owned).ok_or_else(wrong_type))
        .collect()
}

fn json_audience(field: &str, value: &Value) -> Result<Vec<String>, ConfigError> {
    match value {
        Value::String(one) => Ok(vec![one.clone()]),
        Value::Array(_) => json_strings(field, value),
        _ => Err(ConfigError::new(
            field,
            "must be a string or an array of strings",
        )),
    }
}

fn json_dpop_mode(field: &str, value: &Value) -> Result<DpopMode, ConfigError> {
    value.as_str().and_then(DpopMode::from_name).ok_or_else(|| {
        ConfigError::new(
            field,
            "must be \"bearer_only\", \"dpop_only\" or \"either\"",
        )
    })
}

fn json_bool(field: &str, value: &Value) -> Result<bool, ConfigError> {
    value
        .as_bool()
        .ok_or_else(|| ConfigError::new(field, "must be a boolean"))
}

fn json_number(field: &str, value: &Value) -> Result<f64, ConfigError> {
    value
        .as_f64()
        .ok_or_else(|| ConfigError::new(field, "must be a number"))
}

fn json_count<T: TryFrom<u64>>(field: &str, value: &Value) -> Result<T, ConfigError> {
    value
        .as_u64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| ConfigError::new(field, "must be a non-negative integer in range"))
}

/// A one-element audience list as a string, as the case format writes it.
fn audience_json(audience: &[String]) -> Value {
    match audience {
        [one] => json!(one),
        many => json!(many),
    }
}

/// Seconds as a JSON number: an integer when whole (and in range), so that
/// `300.0` is written `300`.
fn seconds_json(secs: f64) -> Value {
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;
    if secs.fract() == 0.0
        && secs.abs() < EXACT_INTEGERS
        && !(secs == 0.0 && secs.is_sign_negative())
    {
        // Whole and exactly representable: the conversion loses nothing.
        json!(secs as i64)
    } else {
        json!(secs)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{base, refused_field, AUDIENCE, DISCOVERY, ISSUER, JWKS};
    use super::*;

    fn from_json_error(value: serde_json::Value) -> (String, String) {
        let e = AuthConfig::from_json(&value).unwrap_err();
        (e.field().to_owned(), e.reason().to_owned())
    }

    #[test]
    fn every_format_key_at_its_default_equals_with_jwks_url() {
        let json = json!({
            "issuer": ISSUER, "audience": AUDIENCE, "jwks_url": JWKS,
            "allowed_algs": ["RS256"], "leeway_s": 0, "required_scopes": [],
            "required_permissions": [], "scope_claim": "scope",
            "permissions_claim": "permissions", "require_kid": true, "expected_typ": null,
            "max_token_bytes": 16384, "cache_ttl_s": 300, "refresh_cooldown_s": 30,
            "stale_if_error_s": 3600, "refresh_ahead_s": 30, "allow_insecure_http": false,
            "fetch_attempts": 2, "http_timeout_s": 3
        });
        assert_eq!(AuthConfig::from_json(&json).unwrap(), base());
    }

    #[test]
    fn missing_keys_take_defaults() {
        let json = json!({"issuer": ISSUER, "audience": AUDIENCE, "discovery_url": DISCOVERY});
        assert_eq!(
            AuthConfig::from_json(&json).unwrap(),
            AuthConfig::with_discovery_url(ISSUER, AUDIENCE, DISCOVERY)
        );
    }

    #[test]
    fn from_json_reads_every_key() {
        let json = json!({
            "issuer": "i", "audience": ["a", "b"], "jwks_url": "j", "discovery_url": "d",
            "allowed_algs": ["ES256", "EdDSA"], "leeway_s": 1.5, "required_scopes": ["s"],
            "required_permissions": ["p"], "scope_claim": "scp",
            "permissions_claim": "perms", "require_kid": false, "expected_typ": "at+jwt",
            "max_token_bytes": 10, "cache_ttl_s": 60.5, "refresh_cooldown_s": 5,
            "stale_if_error_s": 7, "refresh_ahead_s": 0, "allow_insecure_http": true,
            "fetch_attempts": 4, "http_timeout_s": 0.25,
            "required_claims": ["sub", "/a/b"], "audience_claim": "client_id",
            "dpop": "either", "dpop_algs": ["ES384"], "dpop_iat_past_s": 30,
            "dpop_iat_future_s": 0.5, "dpop_replay_cache_size": 7,
            "token_sources": [{"cookie": "c"}, "authorization_bearer", {"header": "X-T"}]
        });
        let expected = AuthConfig {
            issuer: "i".into(),
            audience: vec!["a".into(), "b".into()],
            jwks_url: Some("j".into()),
            discovery_url: Some("d".into()),
            allowed_algs: vec!["ES256".into(), "EdDSA".into()],
            leeway_s: 1.5,
            required_scopes: vec!["s".into()],
            required_permissions: vec!["p".into()],
            scope_claim: "scp".into(),
            permissions_claim: "perms".into(),
            require_kid: false,
            expected_typ: Some("at+jwt".into()),
            max_token_bytes: 10,
            cache_ttl_s: 60.5,
            refresh_cooldown_s: 5.0,
            stale_if_error_s: 7.0,
            refresh_ahead_s: 0.0,
            allow_insecure_http: true,
            fetch_attempts: 4,
            http_timeout_s: 0.25,
            required_claims: vec!["sub".into(), "/a/b".into()],
            audience_claim: "client_id".into(),
            dpop: DpopMode::Either,
            dpop_algs: vec!["ES384".into()],
            dpop_iat_past_s: 30.0,
            dpop_iat_future_s: 0.5,
            dpop_replay_cache_size: 7,
            token_sources: vec![
                TokenSource::cookie("c"),
                TokenSource::AuthorizationBearer,
                TokenSource::header("X-T"),
            ],
        };
        assert_eq!(AuthConfig::from_json(&json).unwrap(), expected);
        assert_eq!(
            from_json_error(json!({"issuer": "i", "audience": "a", "dpop": "DPoP"})).0,
            "dpop"
        );
    }

    #[test]
    fn from_json_reads_numbers_in_every_spelling_alike() {
        // Parsed from text as a caller would, so that with serde_json's
        // `arbitrary_precision` the numbers keep their spelling.
        let text = r#"{"issuer": "i", "audience": "a", "leeway_s": 1.5e1,
            "cache_ttl_s": 2.5E2, "refresh_cooldown_s": -0, "stale_if_error_s": 0.1,
            "refresh_ahead_s": 18446744073709551616, "http_timeout_s": 3,
            "fetch_attempts": 4, "max_token_bytes": 10}"#;
        let config = AuthConfig::from_json(&serde_json::from_str(text).unwrap()).unwrap();
        assert_eq!(
            (config.leeway_s, config.cache_ttl_s, config.stale_if_error_s),
            (15.0, 250.0, 0.1)
        );
        assert_eq!(config.refresh_cooldown_s, 0.0);
        assert_eq!(config.refresh_ahead_s, 18_446_744_073_709_551_616.0);
        assert_eq!((config.fetch_attempts, config.max_token_bytes), (4, 10));
        for count in ["4.0", "4e0", "-0", "-4", "4294967296"] {
            let text = format!(r#"{{"issuer": "i", "audience": "a", "fetch_attempts": {count}}}"#);
            let error = AuthConfig::from_json(&serde_json::from_str(&text).unwrap()).unwrap_err();
            assert_eq!(error.field(), "fetch_attempts", "{count}");
        }
    }

    #[test]
    fn from_json_refuses_unknown_keys() {
        let json =
            json!({"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": JWKS, "jwks_uri": JWKS});
        assert_eq!(
            from_json_error(json),
            ("jwks_uri".to_owned(), "unsupported config key".to_owned())
        );
    }

    #[test]
    fn from_json_requires_issuer_and_audience() {
        assert_eq!(from_json_error(json!({"audience": AUDIENCE})).0, "issuer");
        assert_eq!(from_json_error(json!({"issuer": ISSUER})).0, "audience");
        assert_eq!(from_json_error(json!([ISSUER])).0, "config");
    }

    #[test]
    fn from_json_names_the_field_of_a_wrong_type() {
        let cases = [
            ("issuer", json!(1)),
            ("audience", json!(7)),
            ("audience", json!(["a", 7])),
            ("jwks_url", json!(null)),
            ("discovery_url", json!(["x"])),
            ("allowed_algs", json!("RS256")),
            ("leeway_s", json!("0")),
            ("required_scopes", json!("read")),
            ("required_permissions", json!([true])),
            ("scope_claim", json!(null)),
            ("permissions_claim", json!(1)),
            ("require_kid", json!("true")),
            ("expected_typ", json!(false)),
            ("max_token_bytes", json!(-1)),
            ("max_token_bytes", json!(1.5)),
            ("cache_ttl_s", json!(null)),
            ("refresh_cooldown_s", json!("30")),
            ("stale_if_error_s", json!([])),
            ("refresh_ahead_s", json!({})),
            ("allow_insecure_http", json!(0)),
            ("fetch_attempts", json!(4_294_967_296_u64)),
            ("fetch_attempts", json!(-2)),
            ("http_timeout_s", json!(true)),
            ("required_claims", json!("sub")),
            ("required_claims", json!([1])),
            ("audience_claim", json!(["client_id"])),
            ("token_sources", json!("authorization_bearer")),
            ("token_sources", json!(["bearer"])),
            ("token_sources", json!([{"header": 1}])),
            ("token_sources", json!([{"header": "a", "cookie": "b"}])),
            ("token_sources", json!([{"query": "t"}])),
        ];
        for (field, value) in cases {
            let mut object = json!({"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": JWKS});
            object[field] = value.clone();
            assert_eq!(from_json_error(object).0, field, "{field} = {value}");
        }
    }

    #[test]
    fn from_json_does_not_judge_values() {
        let json = json!({"issuer": "", "audience": [], "leeway_s": -1, "fetch_attempts": 0});
        let config = AuthConfig::from_json(&json).unwrap();
        assert_eq!((config.leeway_s, config.fetch_attempts), (-1.0, 0));
        assert_eq!(refused_field(&config), "issuer");
    }

    /// The `config` objects of the shared conformance examples (three distinct
    /// shapes; the cases themselves run in the conformance crate's tests).
    const EXAMPLE_CONFIGS: [&str; 3] = [
        r#"{"issuer": "https://id.example.test/", "audience": "https://api.example.test", "jwks_url": "https://login.example.test/.well-known/jwks.json", "allowed_algs": ["RS256"], "leeway_s": 0, "required_scopes": [], "required_permissions": [], "scope_claim": "scope", "permissions_claim": "permissions", "require_kid": true, "max_token_bytes": 16384, "cache_ttl_s": 300, "refresh_cooldown_s": 30, "stale_if_error_s": 3600, "refresh_ahead_s": 30, "allow_insecure_http": false, "fetch_attempts": 2, "http_timeout_s": 3}"#,
        r#"{"issuer": "https://id.example.test/", "audience": "https://api.example.test", "allowed_algs": ["RS256"], "leeway_s": 0, "required_scopes": [], "required_permissions": [], "scope_claim": "scope", "permissions_claim": "permissions", "require_kid": true, "max_token_bytes": 16384, "cache_ttl_s": 300, "refresh_cooldown_s": 30, "stale_if_error_s": 3600, "refresh_ahead_s": 30, "allow_insecure_http": false, "fetch_attempts": 2, "http_timeout_s": 3, "discovery_url": "https://login.example.test/.well-known/openid-configuration"}"#,
        r#"{"issuer": "https://id.example.test/", "audience": "https://api.example.test", "jwks_url": "https://login.example.test/.well-known/jwks.json", "allowed_algs": ["RS256"], "leeway_s": 0, "required_scopes": ["write:messages"], "required_permissions": [], "scope_claim": "scope", "permissions_claim": "permissions", "require_kid": true, "max_token_bytes": 16384, "cache_ttl_s": 300, "refresh_cooldown_s": 30, "stale_if_error_s": 600, "refresh_ahead_s": 30, "allow_insecure_http": false, "fetch_attempts": 1, "http_timeout_s": 3}"#,
    ];

    #[test]
    fn example_configs_parse_and_validate() {
        for text in EXAMPLE_CONFIGS {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let config = AuthConfig::from_json(&value).unwrap();
            config.validate().unwrap();
        }
    }

    #[test]
    fn to_json_reads_back_to_the_same_configuration() {
        let mut every = base();
        every.audience = vec!["a".into(), "b".into()];
        every.jwks_url = None;
        every.discovery_url = Some(DISCOVERY.into());
        every.allowed_algs = vec!["ES256".into()];
        every.leeway_s = 1.5;
        every.cache_ttl_s = 0.001;
        every.stale_if_error_s = -0.0;
        every.expected_typ = Some("at+jwt".into());
        every.required_claims = vec!["sub".into(), "/a/b".into()];
        every.audience_claim = "client_id".into();
        every.token_sources = vec![TokenSource::header("X-T"), TokenSource::cookie("c")];
        for config in [base(), AuthConfig::from_issuer(ISSUER, AUDIENCE), every] {
            let json = config.to_json();
            assert_eq!(AuthConfig::from_json(&json).unwrap(), config, "{json}");
        }
        let json = base().to_json();
        assert_eq!(json["audience"], AUDIENCE);
        assert_eq!(json["http_timeout_s"], 3);
        assert_eq!(json["expected_typ"], Value::Null);
        assert!(json.get("discovery_url").is_none());
        let mut invalid = base();
        invalid.leeway_s = f64::NAN;
        assert_eq!(invalid.to_json()["leeway_s"], Value::Null);
    }
}
