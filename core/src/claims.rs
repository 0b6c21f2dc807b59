//! Claim checks (docs/rules.md, rows `missing_claim` to
//! `insufficient_permissions`) and the typed [`Claims`] a verification returns.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use crate::config::{AudienceClaim, Policy};
use crate::error::{AuthError, ClaimName, ClaimsTypeError};
use crate::json::{self, JsonError, MAX_DEPTH};
use crate::pointer::ClaimPath;
use crate::requirements::{combined, Requirements};
use crate::time::UnixTime;

/// A token payload read strictly but not judged yet (its claims are judged
/// only after the signature verified): the registered claims set apart, as
/// published, and every other claim in publication order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Payload {
    exp: Option<Value>,
    nbf: Option<Value>,
    iat: Option<Value>,
    iss: Option<Value>,
    aud: Option<Value>,
    sub: Option<Value>,
    jti: Option<Value>,
    extra: Map<String, Value>,
}

impl Payload {
    /// Reads a decoded payload: one JSON object, no member repeated at any
    /// depth, nested at most 32 levels (the rules' `malformed_token`). Each
    /// claim is built once, where the returned [`Claims`] will hold it.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Payload, JsonError> {
        let mut payload = Payload::default();
        json::visit_object(bytes, MAX_DEPTH, |name, member| {
            match payload.registered(name) {
                Some(slot) => *slot = Some(member.value()?),
                None => {
                    payload.extra.insert(name.to_owned(), member.value()?);
                }
            }
            Ok(())
        })?;
        Ok(payload)
    }

    /// The slot of a registered claim the claim checks type.
    fn registered(&mut self, name: &str) -> Option<&mut Option<Value>> {
        Some(match name {
            "exp" => &mut self.exp,
            "nbf" => &mut self.nbf,
            "iat" => &mut self.iat,
            "iss" => &mut self.iss,
            "aud" => &mut self.aud,
            "sub" => &mut self.sub,
            "jti" => &mut self.jti,
            _ => return None,
        })
    }

    /// One top-level claim by name, registered or not (not judged yet).
    pub(crate) fn claim(&self, name: &str) -> Option<&Value> {
        match name {
            "exp" => self.exp.as_ref(),
            "nbf" => self.nbf.as_ref(),
            "iat" => self.iat.as_ref(),
            "iss" => self.iss.as_ref(),
            "aud" => self.aud.as_ref(),
            "sub" => self.sub.as_ref(),
            "jti" => self.jti.as_ref(),
            _ => self.extra.get(name),
        }
    }
}

/// A NumericDate claim (`exp`, `nbf`, `iat`) exactly as published: an
/// integer stays an integer, a fraction a fraction.
#[derive(Debug, Clone, PartialEq)]
pub struct NumericDate(Number);

impl NumericDate {
    /// Wraps a JSON number; `None` when it has no finite `f64` value (only
    /// possible with serde_json's `arbitrary_precision` feature).
    pub fn from_number(number: Number) -> Option<Self> {
        number
            .as_f64()
            .filter(|secs| secs.is_finite())
            .map(|_| NumericDate(number))
    }

    /// Seconds since the Unix epoch (nearest `f64`).
    pub fn as_secs_f64(&self) -> f64 {
        // `from_number` admits only numbers with a finite f64 value.
        self.0.as_f64().unwrap_or(f64::NAN)
    }

    /// The number as published.
    pub fn as_number(&self) -> &Number {
        &self.0
    }
}

/// The `aud` claim as published: one string or an array of strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    /// `"aud": "x"`.
    One(String),
    /// `"aud": ["x", "y"]` (possibly empty).
    Many(Vec<String>),
}

impl Audience {
    /// Every audience named, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let all = match self {
            Audience::One(one) => std::slice::from_ref(one),
            Audience::Many(many) => many.as_slice(),
        };
        all.iter().map(String::as_str)
    }

    /// Whether `aud` is one of the audiences named (exact comparison).
    pub fn contains(&self, aud: &str) -> bool {
        self.iter().any(|named| named == aud)
    }

    fn to_json(&self) -> Value {
        match self {
            Audience::One(one) => Value::String(one.clone()),
            Audience::Many(many) => many.iter().cloned().map(Value::String).collect(),
        }
    }
}

/// The claims of a verified token: the registered claims typed, every other
/// claim as JSON, exactly as published.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    /// `iss`.
    pub issuer: String,
    /// `sub`, when it is a string.
    pub subject: Option<String>,
    /// `aud`: always present unless `audience_claim` is `client_id`.
    pub audience: Option<Audience>,
    /// `exp`.
    pub expires_at: NumericDate,
    /// `nbf`.
    pub not_before: Option<NumericDate>,
    /// `iat`.
    pub issued_at: Option<NumericDate>,
    /// `jti`, when it is a string.
    pub jwt_id: Option<String>,
    /// Every other claim (also `sub`/`jti` when they are not strings),
    /// exactly as published.
    pub extra: Map<String, Value>,
}

impl Claims {
    /// The whole payload again, lossless (numbers exactly as published).
    /// Where `extra` repeats a typed claim's name, the typed value wins.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut payload = Map::with_capacity(self.extra.len() + 7);
        payload.insert("iss".into(), Value::String(self.issuer.clone()));
        if let Some(subject) = &self.subject {
            payload.insert("sub".into(), Value::String(subject.clone()));
        }
        if let Some(audience) = &self.audience {
            payload.insert("aud".into(), audience.to_json());
        }
        payload.insert("exp".into(), Value::Number(self.expires_at.0.clone()));
        if let Some(not_before) = &self.not_before {
            payload.insert("nbf".into(), Value::Number(not_before.0.clone()));
        }
        if let Some(issued_at) = &self.issued_at {
            payload.insert("iat".into(), Value::Number(issued_at.0.clone()));
        }
        if let Some(jwt_id) = &self.jwt_id {
            payload.insert("jti".into(), Value::String(jwt_id.clone()));
        }
        for (name, value) in &self.extra {
            if !payload.contains_key(name) {
                payload.insert(name.clone(), value.clone());
            }
        }
        payload
    }

    /// One claim by name, registered or not, as published.
    pub fn get(&self, name: &str) -> Option<Value> {
        let date = |date: &NumericDate| Value::Number(date.0.clone());
        let typed = match name {
            "iss" => Some(Value::String(self.issuer.clone())),
            "sub" => self.subject.clone().map(Value::String),
            "aud" => self.audience.as_ref().map(Audience::to_json),
            "exp" => Some(date(&self.expires_at)),
            "nbf" => self.not_before.as_ref().map(date),
            "iat" => self.issued_at.as_ref().map(date),
            "jti" => self.jwt_id.clone().map(Value::String),
            _ => None,
        };
        typed.or_else(|| self.extra.get(name).cloned())
    }

    /// One claim by name, or a nested member by RFC 6901 JSON Pointer when
    /// `path` starts with `/` (`/realm_access/roles`; `~1` stands for `/`
    /// and `~0` for `~` in a member name). `None` when there is nothing
    /// there, or the pointer is malformed.
    pub fn find(&self, path: &str) -> Option<Value> {
        ClaimPath::parse(path).ok()?.find(|name| self.get(name))
    }

    /// The values of a claim holding a space-separated string or an array
    /// of strings (such as scopes or permissions); `path` is a claim name,
    /// or a JSON Pointer when it starts with `/` (see [`find`](Self::find)).
    /// Empty when there is no such claim, it is of another type, or it is
    /// an array holding anything but strings.
    pub fn string_list(&self, path: &str) -> Vec<String> {
        self.find(path)
            .as_ref()
            .map(string_values)
            .unwrap_or_default()
    }

    /// [`string_list`](Self::string_list) at a configured path.
    fn list_at(&self, path: &ClaimPath) -> Vec<String> {
        path.find(|name| self.get(name))
            .as_ref()
            .map(string_values)
            .unwrap_or_default()
    }

    /// Deserializes the whole payload into the caller's type.
    ///
    /// Fails with `claims_type_mismatch` (500) when it does not fit, serde's
    /// message as the error's source: the token is valid, the type cannot
    /// hold it, which is the server's problem (the rules, "Decisions").
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, AuthError> {
        serde_json::from_value(Value::Object(self.to_json()))
            .map_err(|error| AuthError::ClaimsTypeMismatch(ClaimsTypeError::new(&error)))
    }

    /// Splits a payload whose required claims are present into typed claims
    /// and the rest; `invalid_claim` for a registered claim of the wrong
    /// type (`aud` only when present: `audience_claim` may not need it).
    fn from_payload(payload: Payload) -> Result<Self, AuthError> {
        let Payload {
            exp,
            nbf,
            iat,
            iss,
            aud,
            sub,
            jti,
            mut extra,
        } = payload;
        let expires_at = date(exp, ClaimName::Exp)?;
        let not_before = date(nbf, ClaimName::Nbf)?;
        let issued_at = date(iat, ClaimName::Iat)?;
        let issuer = match iss {
            Some(Value::String(issuer)) => issuer,
            _ => return Err(AuthError::InvalidClaim(ClaimName::Iss)),
        };
        let audience = match aud {
            None => None,
            Some(value) => Some(audience(value).ok_or(AuthError::InvalidClaim(ClaimName::Aud))?),
        };
        Ok(Claims {
            issuer,
            subject: string_or_extra(sub, "sub", &mut extra),
            audience,
            expires_at: expires_at.ok_or(AuthError::MissingClaim(ClaimName::Exp))?,
            not_before,
            issued_at,
            jwt_id: string_or_extra(jti, "jti", &mut extra),
            extra,
        })
    }
}

impl serde::Serialize for Claims {
    /// Serializes as the flat payload object.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// A NumericDate claim; present but not a finite JSON number is `invalid_claim`.
fn date(value: Option<Value>, claim: ClaimName) -> Result<Option<NumericDate>, AuthError> {
    match value {
        None => Ok(None),
        Some(Value::Number(number)) => NumericDate::from_number(number)
            .map(Some)
            .ok_or(AuthError::InvalidClaim(claim)),
        Some(_) => Err(AuthError::InvalidClaim(claim)),
    }
}

/// The claim `name` when it is a string; any other value stays in `extra`.
fn string_or_extra(
    value: Option<Value>,
    name: &str,
    extra: &mut Map<String, Value>,
) -> Option<String> {
    match value? {
        Value::String(value) => Some(value),
        other => {
            extra.insert(name.to_owned(), other);
            None
        }
    }
}

/// `aud` as a string or an array of strings, or `None` for any other shape.
fn audience(value: Value) -> Option<Audience> {
    match value {
        Value::String(one) => Some(Audience::One(one)),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(aud) => Some(aud),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Audience::Many),
        _ => None,
    }
}

/// A space-separated string's pieces, or an array of strings' elements.
/// Anything else grants nothing: an array holding one non-string is not
/// "an array of strings", so none of its strings counts (the safer reading).
fn string_values(value: &Value) -> Vec<String> {
    match value {
        Value::String(list) => list
            .split(' ')
            .filter(|piece| !piece.is_empty())
            .map(str::to_owned)
            .collect(),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Every claim check after the signature verified, in the order of SPEC.md's
/// table: `missing_claim`, `invalid_claim`, `token_expired`,
/// `token_not_yet_valid`, `invalid_issuer`, `invalid_audience`,
/// `insufficient_scope`, `insufficient_permissions` (the configured values
/// and the `route`'s). `now` is wall-clock time.
pub(crate) fn check(
    policy: &Policy,
    payload: Payload,
    now: UnixTime,
    route: &Requirements,
) -> Result<Claims, AuthError> {
    check_present(policy, &payload)?;
    let claims = Claims::from_payload(payload)?;
    let client_id = client_id_audience(&claims, policy.audience_claim)?;
    check_lifetime(&claims, policy.leeway_s, now.as_secs_f64())?;
    if claims.issuer != policy.issuer {
        return Err(AuthError::InvalidIssuer);
    }
    let held = |aud: &String| match client_id {
        Some(client_id) => client_id == aud,
        None => claims
            .audience
            .as_ref()
            .is_some_and(|held| held.contains(aud)),
    };
    if !policy.audiences.iter().any(held) {
        return Err(AuthError::InvalidAudience);
    }
    check_granted(policy, &claims, route)?;
    Ok(claims)
}

/// With `audience_claim: client_id`, the `client_id` the audience check
/// compares (a string, else `invalid_claim`, judged after the registered
/// claims); `None` when the check reads `aud`.
fn client_id_audience(claims: &Claims, claim: AudienceClaim) -> Result<Option<&str>, AuthError> {
    match claim {
        AudienceClaim::Aud => Ok(None),
        AudienceClaim::ClientId => match claims.extra.get("client_id") {
            Some(Value::String(client_id)) => Ok(Some(client_id)),
            _ => Err(AuthError::InvalidClaim(ClaimName::ClientId)),
        },
    }
}

/// `missing_claim`: the first absent of `exp`, `iss` and the audience claim
/// (`aud`, or `client_id`), then the first of `required_claims`, in
/// configuration order, that is absent or `null`.
fn check_present(policy: &Policy, payload: &Payload) -> Result<(), AuthError> {
    let audience = match policy.audience_claim {
        AudienceClaim::Aud => ClaimName::Aud,
        AudienceClaim::ClientId => ClaimName::ClientId,
    };
    for claim in [ClaimName::Exp, ClaimName::Iss, audience] {
        if payload.claim(claim.as_str()).is_none() {
            return Err(AuthError::MissingClaim(claim));
        }
    }
    let absent = policy.required_claims.iter().find(|required| {
        let found = required.path.find_in(|name| payload.claim(name));
        found.is_none_or(Value::is_null)
    });
    match absent {
        Some(required) => Err(AuthError::MissingRequiredClaim(required.name.clone())),
        None => Ok(()),
    }
}

/// `insufficient_scope`, then `insufficient_permissions`, over the
/// configured values and then the `route`'s: each lists every required
/// value for the challenge and the missing ones for the caller.
pub(crate) fn check_granted(
    policy: &Policy,
    claims: &Claims,
    route: &Requirements,
) -> Result<(), AuthError> {
    let scopes = &policy.required_scopes;
    if let Some((required, missing)) = lacking(claims, &policy.scope_claim, scopes, route.scopes())
    {
        return Err(AuthError::InsufficientScope { required, missing });
    }
    let permissions = &policy.required_permissions;
    let route_permissions = route.permissions();
    if let Some((required, missing)) = lacking(
        claims,
        &policy.permissions_claim,
        permissions,
        route_permissions,
    ) {
        return Err(AuthError::InsufficientPermissions { required, missing });
    }
    Ok(())
}

/// When the list at `path` lacks a required value: every required value
/// (`configured`, then `route`'s new ones) and the missing ones, in order.
fn lacking(
    claims: &Claims,
    path: &ClaimPath,
    configured: &[String],
    route: &[String],
) -> Option<(Vec<String>, Vec<String>)> {
    if configured.is_empty() && route.is_empty() {
        return None;
    }
    let required = combined(configured, route);
    let missing = absent_from(&claims.list_at(path), &required);
    (!missing.is_empty()).then_some((required, missing))
}

/// `now >= exp + leeway` is expired, `now < nbf - leeway` not yet valid. The
/// sums are `f64` (they saturate to infinity, never overflow); a `now` that
/// compares with nothing (NaN) counts as expired.
fn check_lifetime(claims: &Claims, leeway_s: f64, now: f64) -> Result<(), AuthError> {
    let expires = claims.expires_at.as_secs_f64() + leeway_s;
    if now.partial_cmp(&expires) != Some(Ordering::Less) {
        return Err(AuthError::TokenExpired);
    }
    if let Some(not_before) = &claims.not_before {
        if now < not_before.as_secs_f64() - leeway_s {
            return Err(AuthError::TokenNotYetValid);
        }
    }
    Ok(())
}

/// The `required` values absent from `held`, in the order of `required`.
fn absent_from(held: &[String], required: &[String]) -> Vec<String> {
    required
        .iter()
        .filter(|value| !held.contains(value))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AuthConfig;
    use serde_json::json;

    const ISSUER: &str = "https://id.example.test/";
    const AUDIENCE: &str = "https://api.example.test";
    const NOW: f64 = 1_767_225_600.0;

    fn policy() -> Policy {
        let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "https://id.example.test/jwks");
        config.validate().unwrap().0
    }

    fn policy_with(change: impl FnOnce(&mut AuthConfig)) -> Policy {
        let mut config =
            AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "https://id.example.test/jwks");
        change(&mut config);
        config.validate().unwrap().0
    }

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    /// A payload that passes every check at `NOW`, with `changes` merged in
    /// (a `null` change removes the claim only when `remove` lists it).
    fn payload(changes: Value, remove: &[&str]) -> Map<String, Value> {
        let mut payload = object(json!({
            "iss": ISSUER, "sub": "alice", "aud": AUDIENCE, "exp": NOW + 600.0,
            "nbf": NOW - 60.0, "iat": NOW - 60.0, "jti": "id-1"
        }));
        payload.extend(object(changes));
        for name in remove {
            payload.shift_remove(*name);
        }
        payload
    }

    fn check_at(
        policy: &Policy,
        payload: Map<String, Value>,
        now: f64,
    ) -> Result<Claims, AuthError> {
        let bytes = serde_json::to_vec(&payload).unwrap();
        let payload = Payload::parse(&bytes).unwrap();
        check(
            policy,
            payload,
            UnixTime::from_secs_f64(now),
            &Requirements::new(),
        )
    }

    fn error(changes: Value, remove: &[&str]) -> AuthError {
        check_at(&policy(), payload(changes, remove), NOW).unwrap_err()
    }

    #[test]
    fn a_good_token_yields_typed_claims() {
        let claims = check_at(&policy(), payload(json!({"scope": "read"}), &[]), NOW).unwrap();
        assert_eq!(claims.issuer, ISSUER);
        assert_eq!(claims.subject.as_deref(), Some("alice"));
        assert_eq!(claims.audience, Some(Audience::One(AUDIENCE.into())));
        assert_eq!(claims.expires_at.as_secs_f64(), NOW + 600.0);
        assert_eq!(
            claims.not_before.as_ref().map(NumericDate::as_secs_f64),
            Some(NOW - 60.0)
        );
        assert_eq!(
            claims.issued_at.as_ref().map(NumericDate::as_secs_f64),
            Some(NOW - 60.0)
        );
        assert_eq!(claims.jwt_id.as_deref(), Some("id-1"));
        assert_eq!(claims.extra, object(json!({"scope": "read"})));
    }

    #[test]
    fn each_required_claim_missing_is_named() {
        for claim in [ClaimName::Exp, ClaimName::Iss, ClaimName::Aud] {
            assert_eq!(
                error(json!({}), &[claim.as_str()]),
                AuthError::MissingClaim(claim)
            );
        }
    }

    #[test]
    fn the_first_missing_claim_is_named_in_order_exp_iss_aud() {
        assert_eq!(
            error(json!({}), &["iss", "aud"]),
            AuthError::MissingClaim(ClaimName::Iss)
        );
        assert_eq!(
            error(json!({}), &["aud", "exp"]),
            AuthError::MissingClaim(ClaimName::Exp)
        );
    }

    #[test]
    fn missing_claims_come_before_invalid_ones() {
        let got = error(json!({"exp": "soon"}), &["iss"]);
        assert_eq!(got, AuthError::MissingClaim(ClaimName::Iss));
        let got = error(json!({"iss": 7, "nbf": null}), &["aud"]);
        assert_eq!(got, AuthError::MissingClaim(ClaimName::Aud));
    }

    #[test]
    fn dates_that_are_not_numbers_are_invalid() {
        for bad in [
            json!("1767225600"),
            json!(null),
            json!(true),
            json!([1]),
            json!({"t": 1}),
        ] {
            for claim in [ClaimName::Exp, ClaimName::Nbf, ClaimName::Iat] {
                let got = error(json!({ claim.as_str(): bad.clone() }), &[]);
                assert_eq!(got, AuthError::InvalidClaim(claim), "{claim} = {bad}");
            }
        }
    }

    #[test]
    fn issuer_that_is_not_a_string_is_invalid() {
        for bad in [json!(null), json!(1), json!([ISSUER]), json!({})] {
            assert_eq!(
                error(json!({ "iss": bad }), &[]),
                AuthError::InvalidClaim(ClaimName::Iss)
            );
        }
    }

    #[test]
    fn audience_that_is_not_strings_is_invalid() {
        for bad in [
            json!(null),
            json!(1),
            json!([AUDIENCE, 2]),
            json!([null]),
            json!({}),
        ] {
            assert_eq!(
                error(json!({ "aud": bad }), &[]),
                AuthError::InvalidClaim(ClaimName::Aud)
            );
        }
    }

    #[test]
    fn the_first_invalid_claim_is_named_in_order_exp_nbf_iat_iss_aud() {
        let all_bad = json!({"exp": null, "nbf": null, "iat": null, "iss": null, "aud": null});
        let order = ["exp", "nbf", "iat", "iss", "aud"];
        for skip in 0..order.len() {
            let mut changes = object(all_bad.clone());
            for name in &order[..skip] {
                changes.shift_remove(*name);
            }
            // exp, iss and aud are required: keep them valid once skipped.
            let valid = payload(json!({}), &[]);
            let mut changed = valid.clone();
            for name in &order[..skip] {
                if let Some(value) = valid.get(*name) {
                    changed.insert((*name).to_owned(), value.clone());
                }
            }
            changed.extend(changes);
            let got = check_at(&policy(), changed, NOW).unwrap_err();
            assert_eq!(got.code(), "invalid_claim");
            assert_eq!(got.to_string(), format!("Invalid claim: {}", order[skip]));
        }
    }

    #[test]
    fn invalid_claims_come_before_the_time_checks() {
        let got = error(json!({"exp": NOW - 10.0, "iat": "yesterday"}), &[]);
        assert_eq!(got, AuthError::InvalidClaim(ClaimName::Iat));
    }

    #[test]
    fn expiry_is_inclusive_at_exp_plus_leeway() {
        let policy = policy_with(|c| c.leeway_s = 5.0);
        let exp = json!({"exp": 1000, "nbf": 0, "iat": 0});
        assert_eq!(
            check_at(&policy, payload(exp.clone(), &[]), 1005.0),
            Err(AuthError::TokenExpired)
        );
        assert!(check_at(&policy, payload(exp.clone(), &[]), 1004.5).is_ok());
        assert_eq!(
            check_at(&policy, payload(exp, &[]), 1e12),
            Err(AuthError::TokenExpired)
        );
    }

    #[test]
    fn fractional_expiry_is_compared_exactly() {
        let exp = payload(json!({"exp": 1000.25, "nbf": 0}), &[]);
        assert!(check_at(&policy(), exp.clone(), 1000.2).is_ok());
        assert_eq!(
            check_at(&policy(), exp, 1000.25),
            Err(AuthError::TokenExpired)
        );
    }

    #[test]
    fn not_before_allows_leeway_and_refuses_just_before() {
        let policy = policy_with(|c| c.leeway_s = 5.0);
        let nbf = payload(json!({"nbf": 2000, "exp": 3000}), &[]);
        assert!(check_at(&policy, nbf.clone(), 1995.0).is_ok());
        assert_eq!(
            check_at(&policy, nbf.clone(), 1994.999),
            Err(AuthError::TokenNotYetValid)
        );
        let policy = self::policy();
        assert!(check_at(&policy, nbf.clone(), 2000.0).is_ok());
        assert_eq!(
            check_at(&policy, nbf, 1999.5),
            Err(AuthError::TokenNotYetValid)
        );
    }

    #[test]
    fn huge_and_negative_dates_never_overflow() {
        let policy = policy_with(|c| c.leeway_s = 31_536_000.0);
        for exp in [json!(1e308), json!(f64::MAX), json!(u64::MAX)] {
            assert!(
                check_at(&policy, payload(json!({"exp": exp.clone()}), &[]), NOW).is_ok(),
                "{exp}"
            );
        }
        let policy = self::policy();
        assert!(check_at(
            &policy,
            payload(json!({"exp": f64::MAX, "nbf": -f64::MAX}), &[]),
            NOW
        )
        .is_ok());
        assert_eq!(
            check_at(
                &policy,
                payload(json!({"nbf": f64::MAX, "exp": f64::MAX}), &[]),
                NOW
            ),
            Err(AuthError::TokenNotYetValid)
        );
        for exp in [json!(-1), json!(-0.5), json!(i64::MIN), json!(-f64::MAX)] {
            let got = check_at(&policy, payload(json!({ "exp": exp.clone() }), &[]), NOW);
            assert_eq!(got, Err(AuthError::TokenExpired), "{exp}");
        }
    }

    #[test]
    fn a_now_that_compares_with_nothing_counts_as_expired() {
        assert_eq!(
            check_at(&policy(), payload(json!({}), &[]), f64::NAN),
            Err(AuthError::TokenExpired)
        );
    }

    #[test]
    fn expired_comes_before_not_yet_valid_and_issuer() {
        let got = error(json!({"exp": NOW, "nbf": NOW + 10.0, "iss": "other"}), &[]);
        assert_eq!(got, AuthError::TokenExpired);
        let got = error(json!({"nbf": NOW + 10.0, "iss": "other"}), &[]);
        assert_eq!(got, AuthError::TokenNotYetValid);
    }

    #[test]
    fn issuer_is_compared_exactly() {
        for other in [
            "https://id.example.test",
            "HTTPS://id.example.test/",
            "https://id.example.test/ ",
            "",
        ] {
            let got = error(json!({"iss": other, "aud": "elsewhere"}), &[]);
            assert_eq!(got, AuthError::InvalidIssuer, "{other:?}");
        }
    }

    #[test]
    fn audience_must_meet_a_configured_one() {
        assert!(check_at(
            &policy(),
            payload(json!({"aud": ["x", AUDIENCE]}), &[]),
            NOW
        )
        .is_ok());
        for bad in [
            json!("x"),
            json!([]),
            json!(["x", "https://api.example.test/"]),
        ] {
            let got = error(json!({ "aud": bad.clone(), "scope": 1 }), &[]);
            assert_eq!(got, AuthError::InvalidAudience, "{bad}");
        }
        let policy = policy_with(|c| c.audience = vec!["a".into(), "b".into()]);
        assert!(check_at(&policy, payload(json!({"aud": "b"}), &[]), NOW).is_ok());
        assert!(check_at(&policy, payload(json!({"aud": ["c", "a"]}), &[]), NOW).is_ok());
    }

    #[test]
    fn required_scopes_accept_strings_and_arrays() {
        let policy = policy_with(|c| c.required_scopes = vec!["read".into(), "write".into()]);
        for held in [
            json!("read write"),
            json!("  write   read "),
            json!(["write", "read"]),
        ] {
            assert!(
                check_at(&policy, payload(json!({ "scope": held.clone() }), &[]), NOW).is_ok(),
                "{held}"
            );
        }
        // Not an array of strings: none of it is granted.
        let mixed = payload(json!({ "scope": ["write", 3, "read"] }), &[]);
        assert_eq!(
            check_at(&policy, mixed, NOW).unwrap_err().missing_scopes(),
            ["read", "write"]
        );
    }

    #[test]
    fn missing_scopes_are_listed_in_configuration_order() {
        let policy = policy_with(|c| {
            c.required_scopes = vec!["write".into(), "read".into(), "admin".into()];
            c.required_permissions = vec!["never".into()];
        });
        let cases = [
            (json!({"scope": "read"}), vec!["write", "admin"]),
            (json!({"scope": "read\twrite admin"}), vec!["write", "read"]),
            (
                json!({"scope": ["admin", null]}),
                vec!["write", "read", "admin"],
            ),
            (json!({"scope": 7}), vec!["write", "read", "admin"]),
            (json!({}), vec!["write", "read", "admin"]),
        ];
        for (changes, missing) in cases {
            let got = check_at(&policy, payload(changes.clone(), &[]), NOW).unwrap_err();
            let missing: Vec<String> = missing.into_iter().map(String::from).collect();
            assert_eq!(got.missing_scopes(), missing, "{changes}");
            assert_eq!(
                got.required_scopes(),
                ["write", "read", "admin"],
                "{changes}"
            );
            assert_eq!(got.code(), "insufficient_scope");
        }
    }

    #[test]
    fn missing_permissions_come_after_scopes() {
        let policy = policy_with(|c| {
            c.scope_claim = "scp".into();
            c.permissions_claim = "perms".into();
            c.required_scopes = vec!["read".into()];
            c.required_permissions = vec!["users:read".into(), "users:write".into()];
        });
        let got = check_at(
            &policy,
            payload(json!({"scp": ["read"], "perms": "users:write"}), &[]),
            NOW,
        );
        let required = vec!["users:read".to_owned(), "users:write".to_owned()];
        let missing = vec!["users:read".to_owned()];
        assert_eq!(
            got,
            Err(AuthError::InsufficientPermissions { required, missing })
        );
        let got = check_at(
            &policy,
            payload(json!({"scope": "read", "perms": []}), &[]),
            NOW,
        );
        let missing = vec!["read".to_owned()];
        let required = missing.clone();
        assert_eq!(got, Err(AuthError::InsufficientScope { required, missing }));
        let held = json!({"scp": "read", "perms": ["users:write", "users:read"]});
        assert!(check_at(&policy, payload(held, &[]), NOW).is_ok());
    }

    #[test]
    fn a_routes_requirements_add_to_the_configured_ones() {
        let policy = policy_with(|c| {
            c.scope_claim = "scp".into();
            c.required_scopes = vec!["read".into()];
            c.required_permissions = vec!["p1".into()];
        });
        let route = Requirements::new()
            .scopes_from(["write", "read"])
            .permission("p2");
        let at = |held: Value| {
            let bytes = serde_json::to_vec(&payload(held, &[])).unwrap();
            check(
                &policy,
                Payload::parse(&bytes).unwrap(),
                UnixTime::from_secs_f64(NOW),
                &route,
            )
        };
        let got = at(json!({"scp": "read", "permissions": ["p1", "p2"]})).unwrap_err();
        assert_eq!(got.required_scopes(), ["read", "write"]);
        assert_eq!(got.missing_scopes(), ["write"]);
        assert_eq!(
            got.www_authenticate(None).unwrap(),
            r#"Bearer error="insufficient_scope", error_description="Insufficient scope", scope="read write""#
        );
        let got = at(json!({"scp": "write read", "permissions": "p1"})).unwrap_err();
        assert_eq!(got.required_permissions(), ["p1", "p2"]);
        assert_eq!(got.missing_permissions(), ["p2"]);
        let claims = at(json!({"scp": ["read", "write"], "permissions": ["p2", "p1"]})).unwrap();
        assert_eq!(check_granted(&policy, &claims, &route), Ok(()));
        let more = Requirements::new().scope("admin");
        let got = check_granted(&policy, &claims, &more).unwrap_err();
        assert_eq!(
            (got.required_scopes(), got.missing_scopes()),
            (
                &["read".to_owned(), "admin".to_owned()][..],
                &["admin".to_owned()][..]
            )
        );
        // A route asking nothing of a policy asking nothing grants all.
        let open = policy_with(|_| {});
        assert_eq!(check_granted(&open, &claims, &Requirements::new()), Ok(()));
    }

    #[test]
    fn scope_and_permissions_claims_may_point_into_nested_members() {
        let policy = policy_with(|c| {
            c.scope_claim = "/ext/scopes".into();
            c.permissions_claim = "/realm_access/roles".into();
            c.required_scopes = vec!["read".into()];
            c.required_permissions = vec!["admin".into()];
        });
        let nested = json!({"ext": {"scopes": "read write"}, "realm_access": {"roles": ["admin"]}});
        assert!(check_at(&policy, payload(nested, &[]), NOW).is_ok());
        let flat =
            json!({"scope": "read", "realm_access": {"roles": ["user"]}, "/ext/scopes": "read"});
        let got = check_at(&policy, payload(flat, &[]), NOW).unwrap_err();
        assert_eq!(got.missing_scopes(), ["read"]);
        let got = check_at(
            &policy,
            payload(
                json!({"ext": {"scopes": ["read"]}, "realm_access": {"roles": "user admin"}}),
                &[],
            ),
            NOW,
        );
        assert!(got.is_ok(), "{got:?}");
        let escaped = policy_with(|c| {
            c.permissions_claim = "/resource_access/a~1b~0c/roles".into();
            c.required_permissions = vec!["x".into()];
        });
        let held = json!({"resource_access": {"a/b~c": {"roles": ["x"]}}});
        assert!(check_at(&escaped, payload(held, &[]), NOW).is_ok());
    }

    #[test]
    fn required_claims_must_be_present_and_not_null_in_configuration_order() {
        let policy = policy_with(|c| {
            c.required_claims = vec!["client_id".into(), "/cnf/jkt".into(), "sub".into()];
        });
        let all = json!({"client_id": "app", "cnf": {"jkt": "th"}});
        assert!(check_at(&policy, payload(all.clone(), &[]), NOW).is_ok());
        let missing = |changes: Value, remove: &[&str]| {
            check_at(&policy, payload(changes, remove), NOW).unwrap_err()
        };
        let named = |name: &str| AuthError::MissingRequiredClaim(name.into());
        assert_eq!(
            missing(json!({"cnf": {"jkt": "th"}}), &[]),
            named("client_id")
        );
        assert_eq!(
            missing(json!({"client_id": null, "cnf": {"jkt": "th"}}), &[]),
            named("client_id")
        );
        assert_eq!(
            missing(json!({"client_id": "app", "cnf": {}}), &[]),
            named("/cnf/jkt")
        );
        assert_eq!(
            missing(json!({"client_id": "app", "cnf": {"jkt": null}}), &[]),
            named("/cnf/jkt")
        );
        assert_eq!(missing(all.clone(), &["sub"]), named("sub"));
        // Any value but null will do: the claim's type is not judged.
        let odd = json!({"client_id": 0, "cnf": {"jkt": false}, "sub": []});
        assert!(check_at(&policy, payload(odd, &[]), NOW).is_ok());
        let error = missing(json!({}), &[]);
        assert_eq!(
            (error.code(), error.status(), error.message()),
            (
                "missing_claim",
                401,
                "Missing required claim: client_id".to_owned()
            )
        );
    }

    #[test]
    fn required_claims_come_after_exp_iss_aud_and_before_invalid_claims() {
        let policy = policy_with(|c| c.required_claims = vec!["client_id".into()]);
        let got = check_at(&policy, payload(json!({}), &["aud"]), NOW);
        assert_eq!(got, Err(AuthError::MissingClaim(ClaimName::Aud)));
        let got = check_at(&policy, payload(json!({"nbf": "soon"}), &[]), NOW);
        assert_eq!(
            got,
            Err(AuthError::MissingRequiredClaim("client_id".into()))
        );
    }

    #[test]
    fn client_id_as_audience_replaces_aud() {
        let policy = policy_with(|c| {
            c.audience = vec!["app-1".into(), "app-2".into()];
            c.audience_claim = "client_id".into();
        });
        let at = |changes: Value, remove: &[&str]| check_at(&policy, payload(changes, remove), NOW);
        let claims = at(json!({"client_id": "app-2"}), &["aud"]).unwrap();
        assert_eq!(claims.audience, None);
        assert!(!claims.to_json().contains_key("aud"));
        assert_eq!(claims.get("client_id"), Some(json!("app-2")));
        // aud, when present, is neither required nor compared, only typed.
        assert!(at(json!({"client_id": "app-1", "aud": "elsewhere"}), &[]).is_ok());
        assert_eq!(
            at(json!({"client_id": "app-1", "aud": 7}), &[]),
            Err(AuthError::InvalidClaim(ClaimName::Aud))
        );
        assert_eq!(
            at(json!({}), &["aud"]),
            Err(AuthError::MissingClaim(ClaimName::ClientId))
        );
        assert_eq!(
            at(json!({"aud": "app-1"}), &[]),
            Err(AuthError::MissingClaim(ClaimName::ClientId))
        );
        for bad in [json!(null), json!(["app-1"]), json!(1)] {
            assert_eq!(
                at(json!({ "client_id": bad.clone() }), &[]),
                Err(AuthError::InvalidClaim(ClaimName::ClientId)),
                "{bad}"
            );
        }
        let error = at(json!({"client_id": null, "iat": "x"}), &[]).unwrap_err();
        assert_eq!(error, AuthError::InvalidClaim(ClaimName::Iat));
        for other in ["app-3", "APP-1", ""] {
            assert_eq!(
                at(json!({ "client_id": other }), &[]),
                Err(AuthError::InvalidAudience),
                "{other:?}"
            );
        }
        let error = at(json!({"client_id": "app-3"}), &["exp"]).unwrap_err();
        assert_eq!(error.message(), "Missing required claim: exp");
        assert_eq!(
            AuthError::InvalidClaim(ClaimName::ClientId).message(),
            "Invalid claim: client_id"
        );
    }

    #[test]
    fn find_reads_names_and_pointers() {
        let changes =
            json!({"realm_access": {"roles": ["a", "b"]}, "a/b": 1, "list": [1, {"k": "v"}]});
        let claims = check_at(&policy(), payload(changes, &[]), NOW).unwrap();
        assert_eq!(claims.find("/realm_access/roles/1"), Some(json!("b")));
        assert_eq!(claims.find("/list/1/k"), Some(json!("v")));
        assert_eq!(claims.find("/a~1b"), Some(json!(1)));
        assert_eq!(claims.find("a/b"), Some(json!(1)));
        assert_eq!(claims.find("/iss"), Some(json!(ISSUER)));
        assert_eq!(claims.find("/aud"), Some(json!(AUDIENCE)));
        assert_eq!(claims.find("/exp"), Some(json!(NOW + 600.0)));
        assert_eq!(claims.find("/realm_access/~2"), None);
        assert_eq!(claims.find("/absent/x"), None);
        assert_eq!(claims.string_list("/realm_access/roles"), ["a", "b"]);
        assert!(claims.string_list("/realm_access/~").is_empty());
    }

    #[test]
    fn to_json_gives_back_the_payload_exactly() {
        let input = payload(
            json!({
                "exp": 1_767_226_200_u64, "nbf": 1_767_225_000.0, "iat": -3.25,
                "aud": [AUDIENCE, "other"], "sub": 42, "jti": null,
                "scope": "a b", "nested": {"n": [1, 1.0, -1, 2.5]}, "big": u64::MAX
            }),
            &[],
        );
        let claims = check_at(&policy(), input.clone(), NOW).unwrap();
        assert_eq!(claims.subject, None);
        assert_eq!(claims.jwt_id, None);
        assert_eq!(claims.extra.get("sub"), Some(&json!(42)));
        assert!(claims.expires_at.as_number().is_u64());
        assert!(claims.not_before.as_ref().unwrap().as_number().is_f64());
        let output = claims.to_json();
        assert_eq!(output, input);
        assert_eq!(
            serde_json::to_string(&output["nested"]).unwrap(),
            r#"{"n":[1,1.0,-1,2.5]}"#
        );
        assert_eq!(serde_json::to_value(&claims).unwrap(), Value::Object(input));
    }

    #[test]
    fn typed_claims_win_over_extra_with_the_same_name() {
        let mut claims = check_at(&policy(), payload(json!({}), &[]), NOW).unwrap();
        claims.extra.insert("iss".into(), json!("forged"));
        assert_eq!(claims.to_json()["iss"], json!(ISSUER));
        assert_eq!(claims.get("iss"), Some(json!(ISSUER)));
    }

    #[test]
    fn get_finds_registered_and_other_claims() {
        let claims = check_at(
            &policy(),
            payload(json!({"sub": [1], "role": "x"}), &["iat"]),
            NOW,
        )
        .unwrap();
        assert_eq!(claims.get("iss"), Some(json!(ISSUER)));
        assert_eq!(claims.get("aud"), Some(json!(AUDIENCE)));
        assert_eq!(claims.get("exp"), Some(json!(NOW + 600.0)));
        assert_eq!(claims.get("jti"), Some(json!("id-1")));
        assert_eq!(claims.get("sub"), Some(json!([1])));
        assert_eq!(claims.get("role"), Some(json!("x")));
        assert_eq!(claims.get("iat"), None);
        assert_eq!(claims.get("absent"), None);
    }

    #[test]
    fn string_list_reads_strings_and_arrays() {
        let changes = json!({"scope": " a  b ", "roles": ["x", 1, "y"], "n": 5});
        let claims = check_at(&policy(), payload(changes, &[]), NOW).unwrap();
        assert_eq!(claims.string_list("scope"), ["a", "b"]);
        assert!(
            claims.string_list("roles").is_empty(),
            "not an array of strings"
        );
        assert!(claims.string_list("n").is_empty());
        assert!(claims.string_list("absent").is_empty());
        assert_eq!(claims.string_list("iss"), [ISSUER]);
    }

    #[test]
    fn deserialize_fills_a_caller_type() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Mine {
            sub: String,
            exp: u64,
            aud: String,
            tenant: String,
        }
        let changes = json!({"exp": 2_000_000_000_u64, "tenant": "t1"});
        let claims = check_at(&policy(), payload(changes, &[]), NOW).unwrap();
        let mine: Mine = claims.deserialize().unwrap();
        assert_eq!(
            mine,
            Mine {
                sub: "alice".into(),
                exp: 2_000_000_000,
                aud: AUDIENCE.into(),
                tenant: "t1".into()
            }
        );
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct NeedsMore {
            absent: String,
        }
        let error = claims.deserialize::<NeedsMore>().unwrap_err();
        assert_eq!(
            (error.code(), error.status()),
            ("claims_type_mismatch", 500)
        );
        assert_eq!(error.www_authenticate(Some("api")), None);
        let cause = std::error::Error::source(&error).expect("serde's message");
        assert_eq!(cause.to_string(), "missing field `absent`");
        assert_eq!(error.message(), "Claims do not fit the expected type");
    }

    #[test]
    fn audience_iterates_and_matches_exactly() {
        let many = Audience::Many(vec!["a".into(), "b".into()]);
        assert_eq!(many.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(many.contains("b") && !many.contains("B"));
        let one = Audience::One("a".into());
        assert_eq!(one.iter().collect::<Vec<_>>(), ["a"]);
        assert!(!Audience::Many(vec![]).contains(""));
    }

    #[test]
    fn numeric_dates_keep_their_number() {
        let date = NumericDate::from_number(Number::from(17)).unwrap();
        assert_eq!(date.as_secs_f64(), 17.0);
        assert!(date.as_number().is_u64());
        let date = NumericDate::from_number(Number::from_f64(-2.5).unwrap()).unwrap();
        assert_eq!(
            (date.as_secs_f64(), date.as_number().is_f64()),
            (-2.5, true)
        );
    }
}
