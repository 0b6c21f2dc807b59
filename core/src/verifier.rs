//! [`Verifier`]: the Sans-IO state machine a driver runs. It joins the token
//! checks, the key source and the claim checks, in the order of the rules.

use std::time::{Duration, Instant};

use http::HeaderMap;

use crate::answer::FetchAnswer;
use crate::bearer::token_from_authorization;
use crate::check::{Check, ChosenKey, Token, TokenReader};
use crate::claims::{self, Claims};
use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;
use crate::error::ErrorResponse;
use crate::event::Event;
use crate::explain::{CheckName, Explain, Reached, Run, Trace};
use crate::http::FetchId;
use crate::jwk::SigningKey;
use crate::jwks::KeySet;
use crate::progress::{FetchNext, Progress};
use crate::request::token_from_headers;
use crate::requirements::{Requirements, NO_REQUIREMENTS};
use crate::sender::IncomingRequest;
use crate::source::KeySource;
use crate::status::Status;
use crate::time::Now;
use crate::timer::Timer;

/// Verifies JWT access tokens against keys it asks its driver to fetch.
///
/// # Contract
///
/// The verifier reads no clock and does no I/O. Its methods come in four
/// kinds:
///
/// - **Operations**: [`verify`](Self::verify),
///   [`verify_authorization`](Self::verify_authorization),
///   [`signing_keys`](Self::signing_keys), [`signing_key`](Self::signing_key)
///   and [`healthcheck`](Self::healthcheck). Each answers a [`Progress`]
///   naming the caller's next step: the answer (maybe with a
///   refresh-ahead to run in the background), a request this caller must
///   perform before asking again, or a wait for another caller's request.
/// - **Inputs**: [`handle_answer`](Self::handle_answer) (what a request came
///   to, read with [`FetchRequest::read`](crate::FetchRequest::read) first,
///   with no lock), [`handle_abandoned`](Self::handle_abandoned) (a request
///   that will never be performed), [`handle_timeout`](Self::handle_timeout)
///   and [`close`](Self::close).
/// - **Outputs**: [`poll_timeout`](Self::poll_timeout) (the next deadline
///   and why) and [`poll_event`](Self::poll_event) (what happened, for
///   logs). Polling never changes the key source.
/// - **Getters**: [`status`](Self::status), [`is_refreshing`](Self::is_refreshing),
///   [`config`](Self::config), [`http_timeout`](Self::http_timeout).
///
/// At most one request is ever in flight, owned by the caller it was handed
/// to; everyone else is told to wait for it (single flight). The loop always
/// ends: a refresh is a bounded number of requests, and an operation (its
/// [`Query`]) never starts a refresh once one has ended since it was first
/// asked, so it waits for at most the refresh under way when it was first
/// asked and one of its own. Misuse is an error, never a hang: an answer to a request
/// not in flight (unknown, answered already, or given up) is refused as
/// [`UnexpectedFetch`], and a request nobody answers counts as lost at its
/// deadline (twice the HTTP timeout and a second).
///
/// # Time
///
/// Every call that takes a time takes both clocks, [`Now`]: the monotonic
/// one for the key cache, the wall-clock one for the claims and the times
/// of the status. A monotonic time earlier than one seen before counts as
/// no time passing. Each such call first applies the timers due at its
/// time, as `handle_timeout` would, so a driver that never calls
/// `handle_timeout` cannot wedge the machine; calling it (at
/// [`poll_timeout`](Self::poll_timeout)) only makes timed events, such as a
/// request given up, come out without waiting for the next operation.
#[derive(Debug)]
pub struct Verifier {
    config: AuthConfig,
    reader: TokenReader,
    source: KeySource,
}

/// One operation in progress, kept across the rounds of its [`Progress`]:
/// it remembers the refreshes that ended since it was first asked, so that
/// an operation never starts a refresh once one has ended for it (however
/// short the wait after a failure: a `Retry-After: 0` included), and a
/// `refresh` of rule 8 fetches once, not on every round. Make one per
/// operation; asking with a used one answers from what is cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Query {
    refresh: bool,
    /// The number of refreshes ended when the query was first asked.
    first_asked: Option<u64>,
    /// Whether it was handed the first request of a refresh: until that
    /// refresh ends, the operation waits for it (a driver that performs it
    /// on another task asks again while it is still in flight).
    fetched: bool,
}

impl Query {
    /// A query for one operation.
    pub fn new() -> Self {
        Query::default()
    }

    /// A query for a key-source operation (rule 8); with `refresh`, it
    /// fetches even fresh keys (but never during the backoff after a
    /// failed refresh).
    pub fn with_refresh(refresh: bool) -> Self {
        Query {
            refresh,
            first_asked: None,
            fetched: false,
        }
    }

    /// Whether no refresh has ended since this query was first asked
    /// (`ended`: the refreshes ended so far): only then may it start one.
    fn first_round(&mut self, ended: u64) -> bool {
        *self.first_asked.get_or_insert(ended) == ended
    }

    /// Notes that `progress` handed this query a refresh of its own.
    fn note<T>(&mut self, progress: &Progress<T>) {
        if matches!(progress, Progress::Fetch(_)) {
            self.fetched = true;
        }
    }
}

/// A fetch answer that matches no request in flight (answered twice,
/// unknown, or given up as lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no request {0} is in flight")]
pub struct UnexpectedFetch(pub FetchId);

impl Verifier {
    /// Validates `config` (the rules' "Configuration") and builds a verifier
    /// with nothing cached.
    pub fn new(config: AuthConfig) -> Result<Self, ConfigError> {
        let (policy, settings) = config.validate()?;
        Ok(Verifier {
            config,
            reader: TokenReader::new(policy),
            source: KeySource::new(settings),
        })
    }

    /// The configuration this verifier was built from.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// The validated `http_timeout_s`: connect and total timeout of one
    /// request, for a driver's HTTP client.
    pub fn http_timeout(&self) -> Duration {
        self.source.http_timeout()
    }

    /// A reader of tokens for this verifier, to run the checks before the
    /// key lookup with no lock held (see [`choose_key`](Self::choose_key)).
    pub fn token_reader(&self) -> TokenReader {
        self.reader.clone()
    }

    /// Checks `token` up to its key: the checks of the rules in table
    /// order, fetching keys only for a token that passed the checks before
    /// the key lookup. Finish a `Done` [`Check`] with [`Check::finish`].
    ///
    /// Threads sharing the verifier behind a lock can hold it for less:
    /// read the token with a [`TokenReader`] first, and ask only
    /// [`choose_key`](Self::choose_key) here.
    pub fn verify<'t>(
        &mut self,
        token: &'t str,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<Check<'t>, AuthError>> {
        let read = self.reader.read_uncounted(token);
        self.verify_read(read, query, now)
    }

    /// The lost-request deadline of the refresh `query` was handed and that
    /// is still in flight (`may_refresh`: none has ended since it was first
    /// asked): the operation waits for its own refresh, whoever performs it.
    fn own_refresh(&self, query: &Query, may_refresh: bool) -> Option<Instant> {
        (query.fetched && may_refresh)
            .then(|| self.source.in_flight_until())
            .flatten()
    }

    /// [`verify`](Self::verify) for a whole `Authorization` header value
    /// (`None` when the request has none).
    pub fn verify_authorization<'t>(
        &mut self,
        header: Option<&'t str>,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<Check<'t>, AuthError>> {
        let read =
            token_from_authorization(header).and_then(|token| self.reader.read_uncounted(token));
        self.verify_read(read, query, now)
    }

    /// [`verify`](Self::verify) with a route's own [`Requirements`] judged
    /// on top of the configured scopes and permissions.
    pub fn verify_for<'t>(
        &mut self,
        token: &'t str,
        route: &'t Requirements,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<Check<'t>, AuthError>> {
        let read = self.reader.read_uncounted(token);
        self.verify_read(read.map(|token| token.for_route(route)), query, now)
    }

    /// [`verify_for`](Self::verify_for) for the token a request carries in
    /// its header fields, found through the configured `token_sources` (the
    /// rules, "Token sources").
    pub fn verify_headers<'t>(
        &mut self,
        headers: &'t HeaderMap,
        route: &'t Requirements,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<Check<'t>, AuthError>> {
        let read = self.reader.read_headers_uncounted(headers);
        self.verify_read(read.map(|token| token.for_route(route)), query, now)
    }

    /// Judges a route's [`Requirements`], with the configured ones, on
    /// claims this verifier returned (for a route whose requirements are
    /// checked after the request was verified): `insufficient_scope` or
    /// `insufficient_permissions` exactly as a verification with them
    /// would answer. Needs no key and counts nothing.
    pub fn authorize(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        claims::check_granted(self.reader.policy(), claims, route)
    }

    /// [`verify`](Self::verify) for a whole request: the token of its
    /// `Authorization` field, under the schemes the configuration's `dpop`
    /// accepts, with its DPoP proof checked against the request's method,
    /// URI and token, and a certificate-bound token against the client
    /// certificate (the rules, "Sender-constrained tokens"), with a
    /// route's own [`Requirements`] judged on top of the configured ones
    /// (`&Requirements::new()` for none). The same [`Progress`] and
    /// [`Check`] as `verify`.
    pub fn verify_request<'t>(
        &mut self,
        request: &IncomingRequest<'t>,
        route: &'t Requirements,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<Check<'t>, AuthError>> {
        let read = self.reader.read_request_uncounted(request);
        self.verify_read(read.map(|token| token.for_route(route)), query, now)
    }

    /// The `WWW-Authenticate` value answering `error` under this
    /// configuration (see [`TokenReader::www_authenticate`]).
    pub fn www_authenticate(&self, error: &AuthError, realm: Option<&str>) -> Option<String> {
        self.reader.www_authenticate(error, realm)
    }

    /// [`AuthError::response`] with this configuration's challenge.
    pub fn error_response(&self, error: &AuthError, realm: Option<&str>) -> ErrorResponse {
        self.reader.error_response(error, realm)
    }

    fn verify_read<'t>(
        &mut self,
        read: Result<Token<'t>, AuthError>,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<Check<'t>, AuthError>> {
        match read {
            Ok(token) => self
                .choose_key(&token, query, now)
                .map(|chosen| chosen.map(|key| Check::new(token, key))),
            Err(error) => {
                self.source.observe(now);
                let refused = Err(error);
                self.reader.verdicts().record(&refused);
                Progress::done(refused)
            }
        }
    }

    /// Looks up the key of a token read with [`token_reader`](Self::token_reader),
    /// fetching keys when the rules say so: the only step of a verification
    /// that needs the verifier. [`Token::finish`] with the chosen key, with
    /// no lock held, checks the signature and then the claims at `now`.
    pub fn choose_key(
        &mut self,
        token: &Token<'_>,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<ChosenKey, AuthError>> {
        let progress = self.choose_key_traced(token, query, now, &mut ());
        if let Progress::Done {
            answer: refused @ Err(_),
            ..
        } = &progress
        {
            self.reader.verdicts().record(refused);
        }
        progress
    }

    /// [`choose_key`](Self::choose_key) without counting a refusal, telling
    /// `trace` when the lookup is reached (not while the operation waits
    /// for its own refresh).
    fn choose_key_traced(
        &mut self,
        token: &Token<'_>,
        query: &mut Query,
        now: Now,
        trace: &mut impl Trace,
    ) -> Progress<Result<ChosenKey, AuthError>> {
        let now = self.source.observe(now);
        let may_refresh = query.first_round(self.source.refreshes_ended());
        if let Some(until) = self.own_refresh(query, may_refresh) {
            return Progress::Wait { until };
        }
        trace.reach(CheckName::KeyLookup);
        let progress = self
            .source
            .lookup(token.kid(), token.alg(), may_refresh, now.monotonic)
            .map(|found| found.map(|key| ChosenKey::new(key, &self.reader, now.wall)));
        query.note(&progress);
        progress
    }

    /// Explains what [`verify`](Self::verify) and [`Check::finish`] do with
    /// `token`: the same checks, run by the same code in the same order,
    /// each reported with its outcome and the values it compared (see
    /// [`Explain`]). It is driven like `verify`, fetching keys when the
    /// token needs them (a [`Progress::Fetch`] to perform, a
    /// [`Progress::Wait`]), and ends with the whole report: the signature
    /// and claims are checked within this call. A diagnostic, it is not
    /// counted in the [`Status`] verdicts.
    pub fn explain(&mut self, token: &str, query: &mut Query, now: Now) -> Progress<Explain> {
        self.explain_for(token, &NO_REQUIREMENTS, query, now)
    }

    /// [`explain`](Self::explain) with a route's own [`Requirements`]
    /// judged on top of the configured ones, as [`verify_for`](Self::verify_for)
    /// judges them.
    pub fn explain_for(
        &mut self,
        token: &str,
        route: &Requirements,
        query: &mut Query,
        now: Now,
    ) -> Progress<Explain> {
        let mut reached = Reached::default();
        let read = self.reader.read_traced(token, &mut reached);
        let progress = match read.map(|read| read.for_route(route)) {
            Ok(read) => self
                .choose_key_traced(&read, query, now, &mut reached)
                .map(|chosen| chosen.map(|key| (read, key))),
            Err(error) => {
                self.source.observe(now);
                Progress::done(Err(error))
            }
        };
        let (config, policy) = (&self.config, self.reader.policy());
        progress.map(|chosen| {
            let key = chosen.as_ref().ok().map(|(_, key)| key.info().clone());
            let verdict = chosen.and_then(|(read, key)| read.check_traced(&key, &mut reached));
            let run = Run {
                reached,
                key,
                verdict,
            };
            Explain::new(token, config, policy, route, now.wall, run)
        })
    }

    /// [`explain_for`](Self::explain_for) the token a request carries in its
    /// header fields, found through the configured `token_sources` as
    /// [`verify_headers`](Self::verify_headers) finds it; `Err` when the
    /// request carries none to explain (`missing_token`, `invalid_request`).
    pub fn explain_headers(
        &mut self,
        headers: &HeaderMap,
        route: &Requirements,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<Explain, AuthError>> {
        match token_from_headers(&self.reader.policy().token_sources, headers) {
            Ok(token) => self.explain_for(token, route, query, now).map(Ok),
            Err(error) => {
                self.source.observe(now);
                Progress::done(Err(error))
            }
        }
    }

    /// The usable signing keys (usable for some allowed algorithm).
    pub fn signing_keys(
        &mut self,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<Vec<SigningKey>, AuthError>> {
        self.with_key_set(query, now, |keys| Ok(keys.signing_keys()))
    }

    /// The one usable signing key with this `kid` (`key_not_found` when there
    /// is none, or more than one).
    pub fn signing_key(
        &mut self,
        kid: &str,
        query: &mut Query,
        now: Now,
    ) -> Progress<Result<SigningKey, AuthError>> {
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
    pub fn healthcheck(&mut self, query: &mut Query, now: Now) -> Progress<bool> {
        self.with_key_set(query, now, |_| Ok(()))
            .map(|answer| answer.is_ok())
    }

    fn with_key_set<T>(
        &mut self,
        query: &mut Query,
        now: Now,
        answer: impl FnOnce(&KeySet) -> Result<T, AuthError>,
    ) -> Progress<Result<T, AuthError>> {
        let now = self.source.observe(now);
        let first_round = query.first_round(self.source.refreshes_ended());
        if let Some(until) = self.own_refresh(query, first_round) {
            return Progress::Wait { until };
        }
        let progress = self
            .source
            .key_set(query.refresh && first_round, first_round, now.monotonic)
            .map(|keys| keys.and_then(|keys| answer(&keys)));
        query.note(&progress);
        progress
    }

    /// Takes what a request came to (from [`FetchRequest::read`](crate::FetchRequest::read)):
    /// the refresh succeeds or fails ([`FetchNext::Ended`]), or goes on with
    /// its next request, which the same caller performs.
    pub fn handle_answer(
        &mut self,
        answer: FetchAnswer,
        now: Now,
    ) -> Result<FetchNext, UnexpectedFetch> {
        let now = self.source.observe(now);
        let id = answer.id();
        self.source
            .handle_answer(answer, now)
            .map_err(|_| UnexpectedFetch(id))
    }

    /// Request `id` will never be performed (its driver panicked, its task
    /// was cancelled, a thread could not start): the refresh ends as a
    /// transport failure, counted for the backoff, with no retry.
    pub fn handle_abandoned(&mut self, id: FetchId, now: Now) -> Result<(), UnexpectedFetch> {
        let now = self.source.observe(now);
        self.source
            .handle_abandoned(id, now)
            .map_err(UnexpectedFetch)
    }

    /// Applies every timer due at `now` (see [`poll_timeout`](Self::poll_timeout)).
    pub fn handle_timeout(&mut self, now: Now) {
        self.source.observe(now);
    }

    /// Stops all I/O: no request is handed out any more, and operations that
    /// need a refresh answer at once with `jwks_fetch_failed` (its cause says
    /// closed). The answer to a request in flight is still taken; cached
    /// keys keep serving, within their stale window.
    pub fn close(&mut self) {
        self.source.close();
    }

    /// The next deadline and its reason: a request counting as lost, the
    /// refresh-ahead window opening, freshness ending, the backoff ending,
    /// the stale window ending. Only `RequestLost` and `StaleWindowEnds`
    /// change anything when applied (the request is given up; the keys'
    /// expiry is reported); the others say when operations will start
    /// behaving differently, and are disarmed once passed.
    pub fn poll_timeout(&self) -> Option<Timer> {
        self.source.poll_timeout()
    }

    /// The oldest undrained [`Event`]. At most
    /// [`MAX_QUEUED_EVENTS`](crate::MAX_QUEUED_EVENTS) are kept; past that
    /// the oldest is dropped and counted in the status.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.source.poll_event()
    }

    /// A snapshot of the key source and the counters (after applying the
    /// timers due at `now`).
    pub fn status(&mut self, now: Now) -> Status {
        let now = self.source.observe(now);
        self.source.status(now.monotonic, self.reader.verdicts())
    }

    /// Whether a request is in flight.
    pub fn is_refreshing(&self) -> bool {
        self.source.is_refreshing()
    }
}
