//! [`Verifier`]: the Sans-IO state machine a driver runs. It joins the token
//! checks, the key source and the claim checks, in the order of SPEC.md.

use std::sync::Arc;
use std::time::Instant;

use serde::de::DeserializeOwned;

use crate::bearer::token_from_authorization;
use crate::claims::{self, Claims};
use crate::config::{AuthConfig, ConfigError, Policy};
use crate::error::AuthError;
use crate::http::{FetchId, FetchRequest, HttpResponse, TransportFailure};
use crate::jwk::{SigningKey, VerifyingKey};
use crate::jwks::KeySet;
use crate::source::{KeySource, Lookup};
use crate::time::{Now, UnixTime};
use crate::token::{self, Jws};

/// Verifies JWT access tokens against keys it asks its driver to fetch.
///
/// # Contract
///
/// The verifier reads no clock and does no I/O. Its methods come in three
/// kinds:
///
/// - **Operations**: [`verify`](Self::verify),
///   [`verify_authorization`](Self::verify_authorization),
///   [`signing_keys`](Self::signing_keys), [`signing_key`](Self::signing_key)
///   and [`healthcheck`](Self::healthcheck). Each answers at once, or says
///   `NeedKeys`: a refresh of the key set is queued or under way, and the
///   operation must be asked again once it has ended.
/// - **Output**: [`poll_fetch`](Self::poll_fetch) hands out the next HTTP GET
///   of the refresh under way, if it is not already out. At most one request
///   is ever outstanding, so concurrent callers share it (single flight).
/// - **Inputs**: [`handle_response`](Self::handle_response) and
///   [`handle_failure`](Self::handle_failure) feed back the answer to a
///   request, matched by its [`FetchId`].
///
/// After every operation, call `poll_fetch`: after a `NeedKeys` its request
/// must be performed before asking again (or, when it is `None`, another
/// caller is performing one: wait until [`is_refreshing`](Self::is_refreshing)
/// is false); after an answer, a request is a refresh-ahead that nobody needs
/// to wait for. The loop always ends: a refresh ends after a bounded number
/// of requests, and an operation asked again after a refresh it waited for
/// answers without waiting again, except that a `KeyQuery` made before a
/// refresh already under way waits for one more.
///
/// Times: every operation takes the monotonic time (`Instant`) for the key
/// cache; [`verify`](Self::verify) also takes the wall-clock time for the
/// claims, in [`Now`]. A monotonic time earlier than one seen before counts as
/// no time passing.
#[derive(Debug)]
pub struct Verifier {
    config: AuthConfig,
    policy: Arc<Policy>,
    source: KeySource,
}

/// What [`Verifier::verify`] answers.
#[derive(Debug)]
#[must_use]
pub enum Verdict<'t> {
    /// The token passed every check up to the key lookup; finish it with
    /// [`Check::finish`] (no lock needs to be held for that).
    Check(Check<'t>),
    /// Refused (401, 400 or 403), or the key source cannot answer (503).
    Rejected(AuthError),
    /// A key refresh is queued or under way: perform [`Verifier::poll_fetch`]
    /// or wait for the one out, then verify again.
    NeedKeys,
}

/// A token whose key has been chosen: what remains is the signature and the
/// claims, which need no state of the verifier.
#[derive(Debug)]
#[must_use]
pub struct Check<'t> {
    jws: Jws<'t>,
    key: Arc<VerifyingKey>,
    policy: Arc<Policy>,
    wall: UnixTime,
}

impl Check<'_> {
    /// Verifies the signature, then the claims against the wall-clock time
    /// given to [`Verifier::verify`].
    pub fn finish(self) -> Result<Claims, AuthError> {
        let Check {
            jws,
            key,
            policy,
            wall,
        } = self;
        key.verify(jws.header.alg, jws.signing_input.as_bytes(), &jws.signature)?;
        claims::check(&policy, jws.payload, wall)
    }

    /// Like [`finish`](Self::finish), then deserializes the verified payload
    /// into the caller's type (`invalid_claim` naming `payload` if it does not
    /// fit).
    pub fn finish_as<T: DeserializeOwned>(self) -> Result<T, AuthError> {
        self.finish()?.deserialize()
    }
}

/// What a key-source operation ([`Verifier::signing_keys`],
/// [`Verifier::signing_key`], [`Verifier::healthcheck`]) answers.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Answer<T> {
    /// The answer.
    Ready(T),
    /// A key refresh is queued or under way: perform [`Verifier::poll_fetch`]
    /// or wait for the one out, then ask again with the same [`KeyQuery`].
    NeedKeys,
}

/// One key-source operation in progress (SPEC.md rule 8), made by
/// [`Verifier::key_query`] and kept across `NeedKeys` rounds: it remembers
/// whether the refresh it asked for has happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyQuery {
    /// With `refresh`: the number of refreshes ended when the query was made.
    refresh_after: Option<u64>,
}

/// A fetch answer that matches no request in flight (answered twice, or
/// after the verifier gave up on it as lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no request {0:?} is in flight")]
pub struct UnexpectedFetch(pub FetchId);

impl Verifier {
    /// Validates `config` (SPEC.md "Configuration") and builds a verifier
    /// with nothing cached.
    pub fn new(config: AuthConfig) -> Result<Self, ConfigError> {
        let (policy, settings) = config.validate()?;
        Ok(Verifier {
            config,
            policy: Arc::new(policy),
            source: KeySource::new(settings),
        })
    }

    /// The configuration this verifier was built from.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Checks `token` up to its key: the checks of SPEC.md in table order,
    /// fetching keys only for a token that passed the checks before the key
    /// lookup.
    pub fn verify<'t>(&mut self, token: &'t str, now: Now) -> Verdict<'t> {
        let jws = match token::parse(token, &self.policy) {
            Ok(jws) => jws,
            Err(error) => return Verdict::Rejected(error),
        };
        let header = &jws.header;
        match self
            .source
            .lookup(header.kid.as_deref(), header.alg, now.monotonic)
        {
            Lookup::Ready(Ok(key)) => Verdict::Check(Check {
                jws,
                key,
                policy: Arc::clone(&self.policy),
                wall: now.wall,
            }),
            Lookup::Ready(Err(error)) => Verdict::Rejected(error),
            Lookup::NeedKeys => Verdict::NeedKeys,
        }
    }

    /// [`verify`](Self::verify) for a whole `Authorization` header value
    /// (`None` when the request has none).
    pub fn verify_authorization<'t>(&mut self, header: Option<&'t str>, now: Now) -> Verdict<'t> {
        match token_from_authorization(header) {
            Ok(token) => self.verify(token, now),
            Err(error) => Verdict::Rejected(error),
        }
    }

    /// Starts a key-source operation; with `refresh`, it fetches even fresh
    /// keys (but never during the backoff after a failed refresh).
    pub fn key_query(&self, refresh: bool) -> KeyQuery {
        KeyQuery {
            refresh_after: refresh.then(|| self.source.refreshes_ended()),
        }
    }

    /// The usable signing keys (usable for some allowed algorithm).
    pub fn signing_keys(
        &mut self,
        query: &KeyQuery,
        now: Instant,
    ) -> Answer<Result<Vec<SigningKey>, AuthError>> {
        self.with_key_set(query, now, |keys| Ok(keys.signing_keys()))
    }

    /// The one usable signing key with this `kid` (`key_not_found` when there
    /// is none, or more than one).
    pub fn signing_key(
        &mut self,
        kid: &str,
        query: &KeyQuery,
        now: Instant,
    ) -> Answer<Result<SigningKey, AuthError>> {
        self.with_key_set(query, now, |keys| {
            let mut matching = keys
                .signing_keys()
                .into_iter()
                .filter(|key| key.kid() == Some(kid));
            match (matching.next(), matching.next()) {
                (Some(key), None) => Ok(key),
                _ => Err(AuthError::KeyNotFound),
            }
        })
    }

    /// Whether usable keys are cached and inside the stale window (after
    /// fetching them when rule 8 says so).
    pub fn healthcheck(&mut self, query: &KeyQuery, now: Instant) -> Answer<bool> {
        match self.with_key_set(query, now, |_| Ok(())) {
            Answer::Ready(result) => Answer::Ready(result.is_ok()),
            Answer::NeedKeys => Answer::NeedKeys,
        }
    }

    fn with_key_set<T>(
        &mut self,
        query: &KeyQuery,
        now: Instant,
        answer: impl FnOnce(&KeySet) -> Result<T, AuthError>,
    ) -> Answer<Result<T, AuthError>> {
        let force = query.refresh_after == Some(self.source.refreshes_ended());
        match self.source.key_set(force, now) {
            Lookup::Ready(keys) => Answer::Ready(keys.and_then(|keys| answer(&keys))),
            Lookup::NeedKeys => Answer::NeedKeys,
        }
    }

    /// The next HTTP GET of the refresh under way, unless it is already out.
    pub fn poll_fetch(&mut self, now: Instant) -> Option<FetchRequest> {
        self.source.poll_fetch(now)
    }

    /// Feeds back the HTTP response to request `id`.
    pub fn handle_response(
        &mut self,
        id: FetchId,
        response: HttpResponse,
        now: Instant,
    ) -> Result<(), UnexpectedFetch> {
        self.source
            .handle_response(id, response, now)
            .map_err(UnexpectedFetch)
    }

    /// Feeds back a request `id` that produced no HTTP response.
    pub fn handle_failure(
        &mut self,
        id: FetchId,
        failure: TransportFailure,
        now: Instant,
    ) -> Result<(), UnexpectedFetch> {
        self.source
            .handle_failure(id, failure, now)
            .map_err(UnexpectedFetch)
    }

    /// Feeds back whatever request `id` came to: [`handle_response`]
    /// or [`handle_failure`] in one call, for drivers whose HTTP code
    /// returns a `Result`.
    ///
    /// [`handle_response`]: Self::handle_response
    /// [`handle_failure`]: Self::handle_failure
    pub fn handle_outcome(
        &mut self,
        id: FetchId,
        outcome: Result<HttpResponse, TransportFailure>,
        now: Instant,
    ) -> Result<(), UnexpectedFetch> {
        match outcome {
            Ok(response) => self.handle_response(id, response, now),
            Err(failure) => self.handle_failure(id, failure, now),
        }
    }

    /// Whether a key refresh is queued or under way.
    pub fn is_refreshing(&self) -> bool {
        self.source.is_refreshing()
    }
}
