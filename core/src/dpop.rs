//! DPoP proofs (RFC 9449 section 4.3): the `DPoP` header of a request,
//! read and checked against the request and its access token, and the
//! configuration that turns it on (`dpop`, `dpop_algs`, the `iat` window,
//! the replay cache's bound).
//!
//! A proof is checked in two steps. [`read_proof`], before the access
//! token's key is looked up, checks everything that needs neither the
//! token's verified claims nor a key: exactly one `DPoP` field, a compact
//! JWS, `typ`, `alg`, a `jwk` header with no private member, `jti`, `htm`,
//! `htu` and `ath`. [`Proof::check`], once the token's signature verified
//! and its `cnf.jkt` named this proof's key, checks `iat`, the key itself
//! (the key set's rules), the signature, and last the replay cache: so a
//! key chosen by the client is parsed, and the cache written, only for a
//! request whose token the issuer bound to that key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use http::HeaderMap;
use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::config::{AuthConfig, ConfigError};
use crate::crypto::sha256;
use crate::error::AuthError;
use crate::json::{self, MAX_DEPTH};
use crate::jwk::VerifyingKey;
use crate::replay::{Refusal, ReplayCache};
use crate::time::UnixTime;
use crate::token::same_media_type;
use crate::url::normalized_target;

/// The request header that carries the proof.
const HEADER: &str = "dpop";

/// The longest proof read, in bytes: room for the `jwk` and signature of
/// an RSA key of 16384 bits (the largest the key rules take).
pub(crate) const MAX_PROOF_BYTES: usize = 8192;

/// Header parameters a proof may not carry: its key is its `jwk`, never
/// one to fetch or a certificate chain (`jku`, `x5u`, `x5c`), and nothing
/// may change how it is processed (`crit`, `b64`, `zip`).
const FORBIDDEN_HEADER_PARAMETERS: [&str; 6] = ["jku", "x5u", "x5c", "crit", "b64", "zip"];

/// Members only a private or symmetric JWK carries.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The longest `iat` window side accepted in the configuration: an hour.
const MAX_WINDOW_S: f64 = 3600.0;

/// The most proofs the replay cache may be configured to hold.
const MAX_REPLAY_CACHE_SIZE: usize = 10_000_000;

/// Which authorization schemes a verifier accepts (`dpop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DpopMode {
    /// `Authorization: Bearer` only (the default): a `DPoP` scheme is an
    /// `invalid_request`, and a DPoP-bound token (`cnf.jkt`) is refused.
    #[default]
    BearerOnly,
    /// `Authorization: DPoP` with a proof only: a `Bearer` token is
    /// `dpop_required`.
    DpopOnly,
    /// Either: `DPoP` with a proof, or `Bearer` for a token that is not
    /// DPoP-bound.
    Either,
}

impl DpopMode {
    /// The name in a configuration: `bearer_only`, `dpop_only`, `either`.
    pub fn name(self) -> &'static str {
        match self {
            DpopMode::BearerOnly => "bearer_only",
            DpopMode::DpopOnly => "dpop_only",
            DpopMode::Either => "either",
        }
    }

    /// The mode of a configuration name.
    pub fn from_name(name: &str) -> Option<Self> {
        [DpopMode::BearerOnly, DpopMode::DpopOnly, DpopMode::Either]
            .into_iter()
            .find(|mode| mode.name() == name)
    }

    /// Whether the `DPoP` scheme is accepted.
    pub(crate) fn accepts_dpop(self) -> bool {
        self != DpopMode::BearerOnly
    }

    /// Whether the `Bearer` scheme is accepted.
    pub(crate) fn accepts_bearer(self) -> bool {
        self != DpopMode::DpopOnly
    }
}

/// Why a DPoP proof was refused (`invalid_dpop_proof`): a stable
/// classification for logs and tests, never part of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DpopProblem {
    /// The request has no `DPoP` field.
    Missing,
    /// The request has more than one `DPoP` field.
    Repeated,
    /// The field is empty, not visible ASCII, over 8 KiB, not a compact
    /// JWS of strict base64url parts, or its header or payload is not a
    /// JSON object (a member repeated at any depth included).
    Malformed,
    /// `typ` is not `dpop+jwt`.
    Type,
    /// `alg` is not one of `dpop_algs`.
    Algorithm,
    /// The header has `jku`, `x5u`, `x5c`, `crit`, `b64` or `zip`.
    ForbiddenHeader,
    /// `jwk` is missing, not an object, carries private members, or is
    /// not a key the key rules take for `alg`.
    Key,
    /// `jti` is missing, not a string, or empty.
    Jti,
    /// `htm` is not the request's method.
    Method,
    /// `htu` is not the request's URI (compared normalised, without query
    /// and fragment), or either is not an absolute `http(s)` URI.
    Target,
    /// `ath` is missing or not the hash of the access token.
    AccessTokenHash,
    /// `iat` is missing, not a number, or outside the window.
    IssuedAt,
    /// The signature does not verify under `jwk`.
    Signature,
    /// The replay cache, full, cannot take a proof this old (see the
    /// rules: "The replay cache").
    TooOldToTrack,
}

impl DpopProblem {
    /// The stable code of the problem, e.g. `"method"`.
    pub fn code(self) -> &'static str {
        match self {
            DpopProblem::Missing => "missing",
            DpopProblem::Repeated => "repeated",
            DpopProblem::Malformed => "malformed",
            DpopProblem::Type => "type",
            DpopProblem::Algorithm => "algorithm",
            DpopProblem::ForbiddenHeader => "forbidden_header",
            DpopProblem::Key => "key",
            DpopProblem::Jti => "jti",
            DpopProblem::Method => "method",
            DpopProblem::Target => "target",
            DpopProblem::AccessTokenHash => "access_token_hash",
            DpopProblem::IssuedAt => "issued_at",
            DpopProblem::Signature => "signature",
            DpopProblem::TooOldToTrack => "too_old_to_track",
        }
    }
}

impl std::fmt::Display for DpopProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The validated DPoP configuration.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DpopPolicy {
    pub(crate) mode: DpopMode,
    pub(crate) algs: Vec<Algorithm>,
    /// How old a proof's `iat` may be, seconds.
    pub(crate) iat_past_s: f64,
    /// How far ahead of now a proof's `iat` may be, seconds.
    pub(crate) iat_future_s: f64,
    pub(crate) replay_cache_size: usize,
}

impl DpopPolicy {
    /// The `algs` of the `DPoP` challenge: the proof algorithms, by name.
    pub(crate) fn algs_param(&self) -> String {
        let names: Vec<&str> = self.algs.iter().map(|alg| alg.name()).collect();
        names.join(" ")
    }
}

/// Checks the `dpop*` keys of `config`.
pub(crate) fn policy(config: &AuthConfig) -> Result<DpopPolicy, ConfigError> {
    if config.dpop_algs.is_empty() {
        return Err(ConfigError::new(
            "dpop_algs",
            "must name at least one algorithm",
        ));
    }
    let algs = config
        .dpop_algs
        .iter()
        .map(|name| {
            Algorithm::from_name(name).ok_or_else(|| {
                ConfigError::new(
                    "dpop_algs",
                    format!("unsupported or symmetric algorithm {name:?}"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let window = |field: &str, secs: f64, min: f64| {
        if secs.is_finite() && (min..=MAX_WINDOW_S).contains(&secs) {
            Ok(secs)
        } else {
            Err(ConfigError::new(
                field,
                format!("must be from {min} to {MAX_WINDOW_S} seconds"),
            ))
        }
    };
    let iat_past_s = window("dpop_iat_past_s", config.dpop_iat_past_s, 1.0)?;
    let iat_future_s = window("dpop_iat_future_s", config.dpop_iat_future_s, 0.0)?;
    if !(1..=MAX_REPLAY_CACHE_SIZE).contains(&config.dpop_replay_cache_size) {
        return Err(ConfigError::new(
            "dpop_replay_cache_size",
            format!("must be from 1 to {MAX_REPLAY_CACHE_SIZE}"),
        ));
    }
    Ok(DpopPolicy {
        mode: config.dpop,
        algs,
        iat_past_s,
        iat_future_s,
        replay_cache_size: config.dpop_replay_cache_size,
    })
}

fn refused(problem: DpopProblem) -> AuthError {
    AuthError::InvalidDpopProof(problem)
}

/// A proof whose form, header and request claims passed (the first step);
/// its `iat`, key, signature and freshness are checked by [`Proof::check`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Proof<'r> {
    alg: Algorithm,
    jwk: Map<String, Value>,
    signing_input: &'r str,
    signature: &'r str,
    jti: String,
    iat: Option<Value>,
}

/// Reads the request's one `DPoP` field and checks it against the request
/// (`method`, `uri`) and its `access_token`: every check of the proof that
/// needs no key and no time. A resource server always has a token, so
/// always needs `ath`; `None` (a proof to a token endpoint, which has no
/// `ath`) is for the RFC's own examples.
pub(crate) fn read_proof<'r>(
    headers: &'r HeaderMap,
    method: &str,
    uri: &str,
    access_token: Option<&str>,
    policy: &DpopPolicy,
) -> Result<Proof<'r>, AuthError> {
    let proof = only_field(headers)?;
    let (signing_input, signature) = proof
        .rsplit_once('.')
        .ok_or(refused(DpopProblem::Malformed))?;
    let (header, payload) = signing_input
        .split_once('.')
        .ok_or(refused(DpopProblem::Malformed))?;
    let header = decode_object(header)?;
    let mut payload = decode_object(payload)?;
    URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| refused(DpopProblem::Malformed))?;
    let (alg, jwk) = judge_header(header, policy)?;
    let jti = match payload.remove("jti") {
        Some(Value::String(jti)) if !jti.is_empty() => jti,
        _ => return Err(refused(DpopProblem::Jti)),
    };
    if payload.get("htm").and_then(Value::as_str) != Some(method) {
        return Err(refused(DpopProblem::Method));
    }
    let htu = payload
        .get("htu")
        .and_then(Value::as_str)
        .and_then(normalized_target);
    if htu.is_none() || htu != normalized_target(uri) {
        return Err(refused(DpopProblem::Target));
    }
    let ath = payload.get("ath").and_then(Value::as_str);
    if ath.map(str::to_owned) != access_token.map(access_token_hash) {
        return Err(refused(DpopProblem::AccessTokenHash));
    }
    Ok(Proof {
        alg,
        jwk,
        signing_input,
        signature,
        jti,
        iat: payload.remove("iat"),
    })
}

/// RFC 9449 section 4.2 `ath`: base64url of the SHA-256 of the token's
/// ASCII characters.
pub(crate) fn access_token_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(&[access_token.as_bytes()]))
}

/// The one `DPoP` field, as text within the size limit.
fn only_field(headers: &HeaderMap) -> Result<&str, AuthError> {
    let mut fields = headers.get_all(HEADER).iter();
    let first = fields.next().ok_or(refused(DpopProblem::Missing))?;
    if fields.next().is_some() {
        return Err(refused(DpopProblem::Repeated));
    }
    let proof = first
        .to_str()
        .map_err(|_| refused(DpopProblem::Malformed))?;
    if proof.is_empty() || proof.len() > MAX_PROOF_BYTES {
        return Err(refused(DpopProblem::Malformed));
    }
    Ok(proof)
}

/// A base64url part holding a JSON object (strict: no padding, no stray
/// bits, no member repeated at any depth, at most 32 levels).
fn decode_object(part: &str) -> Result<Map<String, Value>, AuthError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| refused(DpopProblem::Malformed))?;
    json::parse_object(&bytes, MAX_DEPTH).map_err(|_| refused(DpopProblem::Malformed))
}

/// `typ`, `alg`, the forbidden parameters and the `jwk`'s form.
fn judge_header(
    mut header: Map<String, Value>,
    policy: &DpopPolicy,
) -> Result<(Algorithm, Map<String, Value>), AuthError> {
    let typ = header.get("typ").and_then(Value::as_str);
    if !typ.is_some_and(|typ| same_media_type(typ, "dpop+jwt")) {
        return Err(refused(DpopProblem::Type));
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(Algorithm::from_name)
        .filter(|alg| policy.algs.contains(alg))
        .ok_or(refused(DpopProblem::Algorithm))?;
    if FORBIDDEN_HEADER_PARAMETERS
        .iter()
        .any(|name| header.contains_key(*name))
    {
        return Err(refused(DpopProblem::ForbiddenHeader));
    }
    match header.remove("jwk") {
        Some(Value::Object(jwk)) if !PRIVATE_MEMBERS.iter().any(|m| jwk.contains_key(*m)) => {
            Ok((alg, jwk))
        }
        _ => Err(refused(DpopProblem::Key)),
    }
}

impl Proof<'_> {
    /// The proof key's JWK, as the header carried it.
    pub(crate) fn jwk(&self) -> &Map<String, Value> {
        &self.jwk
    }

    /// The second step, once the access token verified and named this
    /// proof's key (`thumbprint`): `iat` within the window at `now`, the
    /// key usable for `alg` by the key rules, the signature, then the
    /// replay cache (`dpop_proof_replayed` for a proof seen within the
    /// window).
    pub(crate) fn check(
        &self,
        thumbprint: &str,
        policy: &DpopPolicy,
        replay: &ReplayCache,
        now: UnixTime,
    ) -> Result<(), AuthError> {
        let now = now.as_secs_f64();
        let iat = self
            .iat
            .as_ref()
            .and_then(Value::as_f64)
            .filter(|iat| now - policy.iat_past_s <= *iat && *iat <= now + policy.iat_future_s)
            .ok_or(refused(DpopProblem::IssuedAt))?;
        let key =
            VerifyingKey::parse(&self.jwk, &[self.alg]).map_err(|_| refused(DpopProblem::Key))?;
        let signature = URL_SAFE_NO_PAD
            .decode(self.signature)
            .map_err(|_| refused(DpopProblem::Malformed))?;
        key.verify(self.alg, self.signing_input.as_bytes(), &signature)
            .map_err(|_| refused(DpopProblem::Signature))?;
        let digest = sha256(&[thumbprint.as_bytes(), b".", self.jti.as_bytes()]);
        replay
            .remember(digest, iat, now - policy.iat_past_s)
            .map_err(|refusal| match refusal {
                Refusal::Replayed => AuthError::DpopProofReplayed,
                Refusal::TooOld => refused(DpopProblem::TooOldToTrack),
            })
    }
}

#[cfg(test)]
mod tests;
