//! The halves of a verification that need no state of the [`Verifier`], so
//! no lock: reading a token before its key is looked up ([`TokenReader`]),
//! and checking its signature and claims after ([`Token::finish`]). Only
//! the key lookup between them ([`Verifier::choose_key`]) needs the
//! verifier, so threads sharing one verifier behind a lock hold it for
//! nanoseconds, never for parsing or a signature.

use std::sync::Arc;

use http::HeaderMap;
use serde::de::DeserializeOwned;

use crate::alg::Algorithm;
use crate::bearer::token_from_authorization;
use crate::claims::{self, Claims};
use crate::config::Policy;
use crate::error::{AuthError, ErrorResponse};
use crate::explain::{CheckName, Trace};
use crate::jwk::{SigningKey, VerifyingKey};
use crate::replay::ReplayCache;
use crate::request::token_from_headers;
use crate::requirements::{Requirements, NO_REQUIREMENTS};
use crate::sender::{self, IncomingRequest, Presentation};
use crate::status::VerdictCounters;
use crate::time::UnixTime;
use crate::token::{self, Jws};
#[cfg(doc)]
use crate::Verifier;

/// Reads tokens exactly as its [`Verifier`] does (compact parsing and the
/// header policy: the checks up to `missing_kid`), without the verifier:
/// make one with [`Verifier::token_reader`] and share it (it is cheap to
/// clone, `Send` and `Sync`). A refusal counts in the verifier's
/// [`Status`](crate::Status).
#[derive(Debug, Clone)]
pub struct TokenReader {
    /// What every clone shares, in one allocation: a chosen key holds it
    /// too, so a verification takes one reference to it, not one to each
    /// part (each is an atomic write to memory every thread shares).
    shared: Arc<ReaderState>,
}

/// The policy tokens are judged by, the verdict counters, and the DPoP
/// proofs accepted within the window.
#[derive(Debug)]
struct ReaderState {
    policy: Policy,
    verdicts: VerdictCounters,
    /// A DPoP proof being checked holds it too.
    replay: Arc<ReplayCache>,
}

impl TokenReader {
    pub(crate) fn new(policy: Policy) -> Self {
        let replay = Arc::new(ReplayCache::new(policy.dpop.replay_cache_size));
        TokenReader {
            shared: Arc::new(ReaderState {
                policy,
                verdicts: VerdictCounters::default(),
                replay,
            }),
        }
    }

    /// Reads a bare token.
    pub fn read<'t>(&self, token: &'t str) -> Result<Token<'t>, AuthError> {
        let read = self.read_uncounted(token);
        if read.is_err() {
            self.verdicts().record(&read);
        }
        read
    }

    /// Reads the token of an `Authorization` header value (`None` when the
    /// request has none).
    pub fn read_authorization<'t>(&self, header: Option<&'t str>) -> Result<Token<'t>, AuthError> {
        let read = token_from_authorization(header).and_then(|token| self.read_uncounted(token));
        if read.is_err() {
            self.verdicts().record(&read);
        }
        read
    }

    /// Reads the token a request carries in its header fields, found
    /// through the configured `token_sources` (the rules, "Token sources").
    pub fn read_headers<'t>(&self, headers: &'t HeaderMap) -> Result<Token<'t>, AuthError> {
        let read = self.read_headers_uncounted(headers);
        if read.is_err() {
            self.verdicts().record(&read);
        }
        read
    }

    /// Reads the token of a whole request: its `Authorization` field by
    /// the schemes the configuration's `dpop` accepts and, under `DPoP`,
    /// the first step of its proof; the client certificate is kept for a
    /// certificate-bound token. The rest of the proof is checked when the
    /// token is finished, after its signature.
    pub fn read_request<'t>(&self, request: &IncomingRequest<'t>) -> Result<Token<'t>, AuthError> {
        let read = self.read_request_uncounted(request);
        if read.is_err() {
            self.verdicts().record(&read);
        }
        read
    }

    /// [`read`](Self::read) without counting a refusal (the caller does).
    /// A bare token is a bearer token: `dpop_required` when the
    /// configuration accepts DPoP only.
    pub(crate) fn read_uncounted<'t>(&self, token: &'t str) -> Result<Token<'t>, AuthError> {
        self.read_traced(token, &mut ())
    }

    /// [`read_uncounted`](Self::read_uncounted), telling `trace` of each
    /// check as it is reached (for an explanation).
    pub(crate) fn read_traced<'t>(
        &self,
        token: &'t str,
        trace: &mut impl Trace,
    ) -> Result<Token<'t>, AuthError> {
        if !self.policy().dpop.mode.accepts_bearer() {
            return Err(AuthError::DpopRequired);
        }
        token::parse_traced(token, self.policy(), trace).map(|jws| Token {
            jws,
            route: &NO_REQUIREMENTS,
            presentation: Presentation::bearer(),
        })
    }

    /// [`read_headers`](Self::read_headers) without counting a refusal.
    pub(crate) fn read_headers_uncounted<'t>(
        &self,
        headers: &'t HeaderMap,
    ) -> Result<Token<'t>, AuthError> {
        token_from_headers(&self.policy().token_sources, headers)
            .and_then(|token| self.read_uncounted(token))
    }

    /// [`read_request`](Self::read_request) without counting a refusal.
    pub(crate) fn read_request_uncounted<'t>(
        &self,
        request: &IncomingRequest<'t>,
    ) -> Result<Token<'t>, AuthError> {
        let (token, presentation) =
            sender::read_request(request, self.policy(), &self.shared.replay)?;
        token::parse(token, self.policy()).map(|jws| Token {
            jws,
            route: &NO_REQUIREMENTS,
            presentation,
        })
    }

    /// The `WWW-Authenticate` value answering `error` under this
    /// configuration: with DPoP on, a `DPoP` challenge listing `dpop_algs`
    /// (RFC 9449 section 7.1), after the `Bearer` one when bearer tokens
    /// are accepted too (see the rules, "The challenge"). `None` for 503s.
    pub fn www_authenticate(&self, error: &AuthError, realm: Option<&str>) -> Option<String> {
        error.challenge_under(realm, &self.policy().dpop)
    }

    /// [`AuthError::response`] with this configuration's challenge
    /// ([`www_authenticate`](Self::www_authenticate)).
    pub fn error_response(&self, error: &AuthError, realm: Option<&str>) -> ErrorResponse {
        error.response_with(self.www_authenticate(error, realm))
    }

    pub(crate) fn verdicts(&self) -> &VerdictCounters {
        &self.shared.verdicts
    }

    pub(crate) fn policy(&self) -> &Policy {
        &self.shared.policy
    }
}

/// A token that passed every check before the key lookup; its signature and
/// claims are not checked yet. Finish it with the key
/// [`Verifier::choose_key`] chose for it.
#[derive(Debug)]
#[must_use = "a Token verifies nothing until it is finished"]
pub struct Token<'t> {
    jws: Jws<'t>,
    /// A route's own scopes and permissions, judged with the configured ones.
    route: &'t Requirements,
    /// How it was presented: what it must prove once its signature verified.
    presentation: Presentation<'t>,
}

impl<'t> Token<'t> {
    /// The token, with `route`'s scopes and permissions required on top of
    /// the configured ones when it is finished (judged by the same claim
    /// check, so a 403 challenge lists them all).
    pub fn for_route<'r>(self, route: &'r Requirements) -> Token<'r>
    where
        't: 'r,
    {
        Token {
            jws: self.jws,
            route,
            presentation: self.presentation,
        }
    }

    /// The header's `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.jws.header.kid.as_deref()
    }

    /// The header's `alg` (one of `allowed_algs`).
    pub fn alg(&self) -> Algorithm {
        self.jws.header.alg
    }

    /// Verifies the signature with `key`, then the claims against the
    /// wall-clock time given to [`Verifier::choose_key`]. A key chosen for
    /// another token (another `kid`, or an algorithm it does not fit) is
    /// `key_not_found`. The verdict counts in the verifier's status.
    pub fn finish(self, key: ChosenKey) -> Result<Claims, AuthError> {
        self.finish_with(key, Ok)
    }

    /// Like [`finish`](Self::finish), then deserializes the verified payload
    /// into the caller's type (`claims_type_mismatch`, 500, if it does not
    /// fit: see [`Claims::deserialize`]).
    pub fn finish_as<T: DeserializeOwned>(self, key: ChosenKey) -> Result<T, AuthError> {
        self.finish_with(key, |claims| claims.deserialize())
    }

    fn finish_with<T>(
        self,
        chosen: ChosenKey,
        then: impl FnOnce(Claims) -> Result<T, AuthError>,
    ) -> Result<T, AuthError> {
        let verdict = self.check(&chosen).and_then(then);
        chosen.reader.verdicts().record(&verdict);
        verdict
    }

    fn check(self, chosen: &ChosenKey) -> Result<Claims, AuthError> {
        self.check_traced(chosen, &mut ())
    }

    /// The checks after the key lookup, telling `trace` of each as it is
    /// reached: that the key fits the token (still the key lookup's), the
    /// signature, then the claims. Counts nothing (for an explanation; a
    /// verification counts in [`finish`](Self::finish)).
    pub(crate) fn check_traced(
        self,
        chosen: &ChosenKey,
        trace: &mut impl Trace,
    ) -> Result<Claims, AuthError> {
        let jws = self.jws;
        let (alg, key) = (jws.header.alg, &chosen.key);
        let kid_fits = jws.header.kid.is_none() || jws.header.kid.as_deref() == key.kid();
        if !kid_fits || !key.fits(alg) {
            return Err(AuthError::KeyNotFound);
        }
        trace.reach(CheckName::Signature);
        let signing_input = jws.signing_input.as_bytes();
        jws.with_signature(|signature| key.verify(alg, signing_input, signature))
            .unwrap_or(Err(AuthError::InvalidSignature))?;
        let policy = chosen.reader.policy();
        sender::judge(&self.presentation, &jws.payload, policy, chosen.wall)?;
        claims::check_traced(policy, jws.payload, chosen.wall, self.route, trace)
    }
}

/// The key [`Verifier::choose_key`] chose for a token, with the policy and
/// the wall-clock time its claims are judged by. It holds no lock and no
/// borrow of the verifier.
#[derive(Debug, Clone)]
pub struct ChosenKey {
    key: Arc<VerifyingKey>,
    /// The reader of the verifier that chose it: the policy and the counters.
    reader: TokenReader,
    wall: UnixTime,
}

impl ChosenKey {
    pub(crate) fn new(key: Arc<VerifyingKey>, reader: &TokenReader, wall: UnixTime) -> Self {
        ChosenKey {
            key,
            reader: reader.clone(),
            wall,
        }
    }

    /// What the chosen key is (`kid`, type, algorithms), for a report.
    pub(crate) fn info(&self) -> &SigningKey {
        self.key.info()
    }
}

/// A token whose key has been chosen: what remains is the signature and the
/// claims, which need no state of the verifier (no lock need be held).
/// Finishing it counts its verdict in the [`Status`](crate::Status).
#[derive(Debug)]
#[must_use = "a Check verifies nothing until it is finished"]
pub struct Check<'t> {
    token: Token<'t>,
    key: ChosenKey,
}

impl<'t> Check<'t> {
    pub(crate) fn new(token: Token<'t>, key: ChosenKey) -> Self {
        Check { token, key }
    }

    /// Verifies the signature, then the claims against the wall-clock time
    /// given to [`Verifier::verify`].
    pub fn finish(self) -> Result<Claims, AuthError> {
        self.token.finish(self.key)
    }

    /// Like [`finish`](Self::finish), then deserializes the verified payload
    /// into the caller's type (`claims_type_mismatch`, 500, if it does not
    /// fit: see [`Claims::deserialize`]).
    pub fn finish_as<T: DeserializeOwned>(self) -> Result<T, AuthError> {
        self.token.finish_as(self.key)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::json;

    use super::*;
    use crate::alg::Curve;
    use crate::jwk::test_keys::{self, sign, with};
    use crate::{AuthConfig, FetchNext, HttpResponse, Now, Progress, Query, Verifier};

    const ISSUER: &str = "https://id.example.test/";
    const AUDIENCE: &str = "api://default";
    const NOW: f64 = 1_767_225_600.0;

    fn now() -> Now {
        Now {
            wall: UnixTime::from_secs_f64(NOW),
            monotonic: Instant::now(),
        }
    }

    /// A verifier with `jwks` cached, as a driver would have fetched it.
    fn verifier_with(jwks: serde_json::Value) -> Verifier {
        let mut config =
            AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "https://id.example.test/jwks");
        config.allowed_algs = vec!["ES256".into()];
        let mut verifier = Verifier::new(config).unwrap();
        let Progress::Fetch(request) = verifier.healthcheck(&mut Query::new(), now()) else {
            panic!("no fetch");
        };
        let body = jwks.to_string().into_bytes();
        let answer = request.read(Ok(HttpResponse {
            status: 200,
            body,
            ..HttpResponse::default()
        }));
        assert!(matches!(
            verifier.handle_answer(answer, now()),
            Ok(FetchNext::Ended)
        ));
        verifier
    }

    fn token(key: &test_keys::TestKey, kid: &str) -> String {
        let header = json!({"alg": "ES256", "kid": kid});
        let claims = json!({"iss": ISSUER, "aud": AUDIENCE, "exp": NOW + 60.0, "sub": "alice"});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = sign(Algorithm::ES256, &key.private, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn chosen(verifier: &mut Verifier, token: &Token<'_>) -> Result<ChosenKey, AuthError> {
        match verifier.choose_key(token, &mut Query::new(), now()) {
            Progress::Done { answer, .. } => answer,
            other => panic!("keys are cached: {other:?}"),
        }
    }

    /// Read with no verifier, key chosen with it, finished with none: the
    /// same answer as `verify`, each verdict counted once.
    #[test]
    fn reading_choosing_and_finishing_apart_is_verifying() {
        let (one, two) = (test_keys::ec(Curve::P256), test_keys::ec(Curve::P256));
        let mut verifier = verifier_with(json!({"keys": [
            with(&one.jwk, json!({"kid": "one"})),
            with(&two.jwk, json!({"kid": "two"})),
        ]}));
        let reader = verifier.token_reader();
        let (token_one, token_two) = (token(&one, "one"), token(&two, "two"));

        let read = reader.read(&token_one).unwrap();
        assert_eq!((read.kid(), read.alg()), (Some("one"), Algorithm::ES256));
        let key = chosen(&mut verifier, &read).unwrap();
        assert_eq!(read.finish(key).unwrap().subject.as_deref(), Some("alice"));

        // A key chosen for one token does not finish another.
        let key_for_two = chosen(&mut verifier, &reader.read(&token_two).unwrap()).unwrap();
        let read = reader.read(&token_one).unwrap();
        assert_eq!(
            read.finish(key_for_two.clone()).unwrap_err(),
            AuthError::KeyNotFound
        );
        let read = reader.read(&token_two).unwrap();
        assert!(read.finish(key_for_two).is_ok());

        assert_eq!(
            reader.read("not.a.token").unwrap_err(),
            AuthError::MalformedToken
        );
        assert_eq!(
            reader.read_authorization(None).unwrap_err(),
            AuthError::MissingToken
        );
        let token_three = token(&one, "three");
        let unknown = reader.read(&token_three).unwrap();
        assert_eq!(
            chosen(&mut verifier, &unknown).unwrap_err(),
            AuthError::KeyNotFound
        );

        let counters = verifier.status(now()).counters;
        assert_eq!(counters.accepted, 2);
        assert_eq!(counters.rejected.get("key_not_found"), Some(&2));
        assert_eq!(counters.rejected.get("malformed_token"), Some(&1));
        assert_eq!(counters.rejected.get("missing_token"), Some(&1));
    }

    #[test]
    fn tokens_and_chosen_keys_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<TokenReader>();
        assert_send_sync::<Token<'_>>();
        assert_send_sync::<ChosenKey>();
    }
}
