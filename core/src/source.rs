//! The key source: when to fetch, what a response does to the cache, and
//! what the cache may answer (SPEC.md "Fetching and caching", rules 1 to 8).
//!
//! It is a plain state machine. Lookups may *queue* a refresh; a driver takes
//! its requests one at a time with [`KeySource::poll_fetch`] (so at most one
//! is ever outstanding) and feeds back each answer. A refresh is one or more
//! requests: retries of one URL (rule 6) and, in discovery mode, the
//! discovery document followed by its `jwks_uri` (rule 1).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::alg::Algorithm;
use crate::backoff::{self, Failure};
use crate::cache::{self, CachedKeys};
use crate::config::{SourceSettings, SourceUrl};
use crate::discovery;
use crate::error::{AuthError, SourceProblem};
use crate::http::{FetchId, FetchRequest, HttpResponse, TransportFailure};
use crate::jwk::VerifyingKey;
use crate::jwks::{KeySet, Selection};

/// An answer from the key source to a key-needing operation.
#[derive(Debug)]
pub(crate) enum Lookup<T> {
    /// Answered (a key, a key set, or the error to report).
    Ready(Result<T, AuthError>),
    /// A refresh is queued or under way; ask again when it has ended.
    NeedKeys,
}

/// One refresh under way.
#[derive(Debug)]
struct Refresh {
    /// The URL being fetched (the discovery document, then the JWK Set).
    stage: Stage,
    /// Requests made to this stage's URL so far.
    attempts: u32,
    /// The request handed out and not yet answered.
    in_flight: Option<InFlight>,
}

#[derive(Debug)]
enum Stage {
    Discovery(String),
    Jwks(String),
}

impl Stage {
    fn url(&self) -> &str {
        match self {
            Stage::Discovery(url) | Stage::Jwks(url) => url,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    id: FetchId,
    sent_at: Instant,
}

/// The state of the key source.
#[derive(Debug)]
pub(crate) struct KeySource {
    settings: SourceSettings,
    cache: Option<CachedKeys>,
    failure: Option<Failure>,
    refresh: Option<Refresh>,
    /// Refreshes ended so far (successful or not).
    refreshes_ended: u64,
    next_fetch_id: u64,
    /// The latest monotonic time seen: an earlier one counts as no time passing.
    latest: Option<Instant>,
}

impl KeySource {
    pub(crate) fn new(settings: SourceSettings) -> Self {
        KeySource {
            settings,
            cache: None,
            failure: None,
            refresh: None,
            refreshes_ended: 0,
            next_fetch_id: 1,
            latest: None,
        }
    }

    /// Refreshes ended so far; [`crate::KeyQuery`] uses it to tell whether a
    /// refresh has completed since it was made.
    pub(crate) fn refreshes_ended(&self) -> u64 {
        self.refreshes_ended
    }

    /// Whether a refresh is queued or under way.
    pub(crate) fn is_refreshing(&self) -> bool {
        self.refresh.is_some()
    }

    /// The key that verifies a token with this `kid` and `alg` (rules 3 and 4).
    pub(crate) fn lookup(
        &mut self,
        kid: Option<&str>,
        alg: Algorithm,
        now: Instant,
    ) -> Lookup<Arc<VerifyingKey>> {
        let now = self.observe(now);
        let Some(cache) = &self.cache else {
            return self.refresh_or_fail(now);
        };
        if cache.is_fresh(now) {
            let selection = select(&cache.keys, kid, alg);
            let ahead = cache.in_refresh_ahead_window(now, self.settings.refresh_ahead);
            let cooldown_over = cache.cooldown_over(now, self.settings.refresh_cooldown);
            return match selection {
                Found::Key(key) => {
                    if ahead {
                        self.start_refresh(now);
                    }
                    Lookup::Ready(Ok(key))
                }
                Found::Error(error) => Lookup::Ready(Err(error)),
                Found::UnknownKid if cooldown_over => self.refresh_or_fail(now),
                Found::UnknownKid => Lookup::Ready(Err(AuthError::KeyNotFound)),
            };
        }
        let outage = self.failure.is_some();
        if !outage || (self.refresh.is_none() && !self.backing_off(now)) {
            return self.refresh_or_fail(now);
        }
        // A refresh has failed and the next is not allowed yet, or already
        // under way: stale keys answer while they may (rule 5).
        match self.stale_keys(now) {
            Ok(keys) => match select(&keys, kid, alg) {
                Found::Key(key) => Lookup::Ready(Ok(key)),
                Found::Error(error) => Lookup::Ready(Err(error)),
                Found::UnknownKid => Lookup::Ready(Err(self.failure_error())),
            },
            Err(error) => Lookup::Ready(Err(error)),
        }
    }

    /// The key set for the operations of rule 8: fetched first when nothing
    /// is cached, when it is past freshness, or when `force` (never during
    /// the backoff after a failure). Answers with keys inside the stale
    /// window, or with the error of the last failed refresh.
    pub(crate) fn key_set(&mut self, force: bool, now: Instant) -> Lookup<Arc<KeySet>> {
        let now = self.observe(now);
        let stale = self.cache.as_ref().is_none_or(|c| !c.is_fresh(now));
        if (stale || force) && self.start_refresh(now) {
            return Lookup::NeedKeys;
        }
        Lookup::Ready(self.stale_keys(now))
    }

    /// Hands out the next request of the refresh under way, if it is not
    /// already out.
    pub(crate) fn poll_fetch(&mut self, now: Instant) -> Option<FetchRequest> {
        let now = self.observe(now);
        let refresh = self.refresh.as_mut()?;
        if refresh.in_flight.is_some() {
            return None;
        }
        let id = FetchId(self.next_fetch_id);
        self.next_fetch_id += 1;
        refresh.attempts += 1;
        refresh.in_flight = Some(InFlight { id, sent_at: now });
        Some(FetchRequest {
            id,
            url: refresh.stage.url().to_owned(),
            timeout: self.settings.http_timeout,
            allow_insecure_http: self.settings.allow_insecure_http,
        })
    }

    /// Feeds back the HTTP response to request `id`.
    pub(crate) fn handle_response(
        &mut self,
        id: FetchId,
        response: HttpResponse,
        now: Instant,
    ) -> Result<(), FetchId> {
        let now = self.observe(now);
        let discovery_stage = matches!(self.answer(id)?, Stage::Discovery(_));
        if !(200..300).contains(&response.status) {
            let retry_after = backoff::retry_after(&response);
            let retryable = response.status >= 500 && response.retry_after.is_none();
            let error = AuthError::JwksFetchFailed(SourceProblem::Status(response.status));
            self.retry_or_fail(retryable, error, retry_after, now);
            return Ok(());
        }
        if discovery_stage {
            let settings = &self.settings;
            match discovery::jwks_uri(
                &response.body,
                &settings.issuer,
                settings.allow_insecure_http,
            ) {
                Ok(url) => self.next_stage(Stage::Jwks(url)),
                Err(error) => self.fail(error, None, now),
            }
        } else {
            match KeySet::parse(&response.body, &self.settings.allowed_algs) {
                Ok(keys) => self.succeed(keys, response.cache_control.as_deref(), now),
                Err(problem) => self.fail(AuthError::JwksError(problem), None, now),
            }
        }
        Ok(())
    }

    /// Feeds back a request `id` that produced no HTTP response.
    pub(crate) fn handle_failure(
        &mut self,
        id: FetchId,
        failure: TransportFailure,
        now: Instant,
    ) -> Result<(), FetchId> {
        let now = self.observe(now);
        self.answer(id)?;
        self.transport_failed(failure, now);
        Ok(())
    }

    /// Clamps `now` to the latest time seen, and gives up on a request whose
    /// answer is long overdue (a driver that lost it must not wedge the
    /// source): it counts as a timeout.
    fn observe(&mut self, now: Instant) -> Instant {
        let now = self.latest.map_or(now, |latest| latest.max(now));
        self.latest = Some(now);
        let overdue = self.overdue_after();
        let lost = self
            .refresh
            .as_ref()
            .and_then(|r| r.in_flight)
            .is_some_and(|f| now.saturating_duration_since(f.sent_at) > overdue);
        if lost {
            if let Some(refresh) = self.refresh.as_mut() {
                refresh.in_flight = None;
            }
            self.transport_failed(TransportFailure::Timeout, now);
        }
        now
    }

    /// How long a request may stay unanswered before it counts as lost:
    /// twice the HTTP timeout (connect, then the whole exchange) and a second.
    fn overdue_after(&self) -> Duration {
        self.settings
            .http_timeout
            .saturating_mul(2)
            .saturating_add(Duration::from_secs(1))
    }

    /// Matches an answer to the request in flight, and clears it.
    fn answer(&mut self, id: FetchId) -> Result<&Stage, FetchId> {
        match self.refresh.as_mut() {
            Some(refresh) if refresh.in_flight.is_some_and(|f| f.id == id) => {
                refresh.in_flight = None;
                Ok(&refresh.stage)
            }
            _ => Err(id),
        }
    }

    fn transport_failed(&mut self, failure: TransportFailure, now: Instant) {
        let (problem, retryable) = match failure {
            TransportFailure::Refused => (SourceProblem::Refused, true),
            TransportFailure::Timeout => (SourceProblem::Timeout, true),
            TransportFailure::Redirect | TransportFailure::Other => {
                (SourceProblem::Transport, false)
            }
        };
        self.retry_or_fail(retryable, AuthError::JwksFetchFailed(problem), None, now);
    }

    /// Rule 6: the same URL again at once while attempts remain, or the
    /// refresh fails.
    fn retry_or_fail(
        &mut self,
        retryable: bool,
        error: AuthError,
        retry_after: Option<Duration>,
        now: Instant,
    ) {
        let attempts = self.refresh.as_ref().map_or(0, |r| r.attempts);
        if retryable && attempts < self.settings.fetch_attempts {
            return;
        }
        self.fail(error, retry_after, now);
    }

    fn next_stage(&mut self, stage: Stage) {
        self.refresh = Some(Refresh {
            stage,
            attempts: 0,
            in_flight: None,
        });
    }

    /// Queues a refresh unless one is under way or the backoff forbids it.
    /// Returns whether a refresh is now queued or under way.
    fn start_refresh(&mut self, now: Instant) -> bool {
        if self.refresh.is_none() && !self.backing_off(now) {
            let stage = match &self.settings.url {
                SourceUrl::Jwks(url) => Stage::Jwks(url.clone()),
                SourceUrl::Discovery(url) => Stage::Discovery(url.clone()),
            };
            self.next_stage(stage);
        }
        self.refresh.is_some()
    }

    /// Waits for a refresh (starting one if allowed), or answers with the
    /// error of the last failed refresh.
    fn refresh_or_fail<T>(&mut self, now: Instant) -> Lookup<T> {
        if self.start_refresh(now) {
            Lookup::NeedKeys
        } else {
            Lookup::Ready(Err(self.failure_error()))
        }
    }

    fn backing_off(&self, now: Instant) -> bool {
        self.failure.as_ref().is_some_and(|f| f.backing_off(now))
    }

    /// The cached keys if they may still answer (fresh, or stale within the
    /// stale window), else the error of the last failed refresh.
    fn stale_keys(&self, now: Instant) -> Result<Arc<KeySet>, AuthError> {
        match &self.cache {
            Some(cache) if cache.may_serve_stale(now, self.settings.stale_if_error) => {
                Ok(Arc::clone(&cache.keys))
            }
            _ => Err(self.failure_error()),
        }
    }

    fn failure_error(&self) -> AuthError {
        self.failure
            .as_ref()
            .map_or(AuthError::JwksFetchFailed(SourceProblem::BackingOff), |f| {
                f.error.clone()
            })
    }

    fn succeed(&mut self, keys: KeySet, cache_control: Option<&str>, now: Instant) {
        let settings = &self.settings;
        let fresh_for =
            cache::freshness(cache_control, settings.cache_ttl, settings.refresh_cooldown);
        self.cache = Some(CachedKeys::new(keys, now, fresh_for));
        self.failure = None;
        self.end_refresh();
    }

    /// Rule 5: nothing cached changes; the backoff grows.
    fn fail(&mut self, error: AuthError, retry_after: Option<Duration>, now: Instant) {
        let settings = &self.settings;
        self.failure = Some(Failure::new(
            error,
            self.failure.as_ref(),
            retry_after,
            now,
            settings.refresh_cooldown,
            settings.cache_ttl,
        ));
        self.end_refresh();
    }

    fn end_refresh(&mut self) {
        self.refresh = None;
        self.refreshes_ended += 1;
    }
}

/// The outcome of choosing a key in one key set.
enum Found {
    Key(Arc<VerifyingKey>),
    /// A `kid` with no single usable key: may trigger a refetch (rule 3).
    UnknownKid,
    /// Settled without a refetch (`missing_kid`).
    Error(AuthError),
}

fn select(keys: &KeySet, kid: Option<&str>, alg: Algorithm) -> Found {
    match (keys.select(kid, alg), kid) {
        (Selection::One(key), _) => Found::Key(Arc::clone(key)),
        (Selection::NotFound | Selection::Ambiguous, Some(_)) => Found::UnknownKid,
        (Selection::NotFound | Selection::Ambiguous, None) => Found::Error(AuthError::MissingKid),
    }
}
