//! The key source: when to fetch, what an answer does to the cache, and
//! what the cache may answer (the rules' "Fetching and caching", rules 1 to
//! 8), with its timers, events and counters.
//!
//! A refresh is one or more requests (retries of one URL, rule 6; in
//! discovery mode the document then its `jwks_uri`, rule 1), exactly one
//! in flight at a time, each owned by the caller it was handed to: single
//! flight (rule 7) holds by construction. Every call that takes a time
//! first applies the timers due at that time ([`KeySource::observe`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::alg::Algorithm;
use crate::answer::{FetchAnswer, Read};
use crate::backoff::Failure;
use crate::cache::{self, CachedKeys};
use crate::config::{SourceSettings, SourceUrl};
use crate::error::{for_logs, AuthError, SourceError, SourceProblem};
use crate::event::{Event, EventQueue};
use crate::http::{FetchId, FetchRequest, FetchStage, ReadContext};
use crate::jwk::VerifyingKey;
use crate::jwks::{KeySet, Selection, SkippedJwk};
use crate::progress::{FetchNext, Progress};
use crate::status::{KeysState, LastFailure, SourceCounters, Status, VerdictCounters};
use crate::time::{Now, UnixTime};
use crate::timer::{Timer, TimerReason, TimerTable};

/// What a key-needing operation gets from the key source.
pub(crate) type Answer<T> = Progress<Result<T, AuthError>>;

/// The request in flight, and the refresh it belongs to.
#[derive(Debug)]
struct Refresh {
    id: FetchId,
    url: String,
    stage: FetchStage,
    /// Requests made to this URL in this refresh so far, this one included.
    attempts: u32,
    sent_at: Instant,
    /// When it counts as lost.
    lost_at: Instant,
}

/// The state of the key source.
#[derive(Debug)]
pub(crate) struct KeySource {
    settings: SourceSettings,
    context: Arc<ReadContext>,
    cache: Option<CachedKeys>,
    failure: Option<Failure>,
    refresh: Option<Refresh>,
    /// Refreshes ended so far (successful or not).
    refreshes_ended: u64,
    next_fetch_id: u64,
    /// The latest monotonic time seen: an earlier one counts as no time passing.
    latest: Option<Instant>,
    closed: bool,
    timers: TimerTable,
    events: EventQueue,
    counters: SourceCounters,
    last_success: Option<UnixTime>,
    /// `ServingStale` was queued since the last failed refresh.
    stale_reported: bool,
    /// `UnknownKidRefused` was queued since the last fetched set.
    cooldown_reported: bool,
}

impl KeySource {
    pub(crate) fn new(settings: SourceSettings) -> Self {
        let context = Arc::new(ReadContext::new(
            settings.http_timeout,
            settings.allow_insecure_http,
            settings.issuer.clone(),
            settings.allowed_algs.clone(),
        ));
        KeySource {
            settings,
            context,
            cache: None,
            failure: None,
            refresh: None,
            refreshes_ended: 0,
            next_fetch_id: 1,
            latest: None,
            closed: false,
            timers: TimerTable::default(),
            events: EventQueue::default(),
            counters: SourceCounters::default(),
            last_success: None,
            stale_reported: false,
            cooldown_reported: false,
        }
    }

    /// The validated HTTP timeout.
    pub(crate) fn http_timeout(&self) -> Duration {
        self.settings.http_timeout
    }

    /// Refreshes ended so far; [`crate::Query`] uses it to tell whether a
    /// refresh has completed since it was first asked.
    pub(crate) fn refreshes_ended(&self) -> u64 {
        self.refreshes_ended
    }

    /// The lost-request deadline of the request in flight, if any.
    pub(crate) fn in_flight_until(&self) -> Option<Instant> {
        self.refresh.as_ref().map(|refresh| refresh.lost_at)
    }

    /// Whether a request is in flight.
    pub(crate) fn is_refreshing(&self) -> bool {
        self.refresh.is_some()
    }

    /// Clamps the monotonic time to the latest seen, then applies every
    /// timer due at it, as [`Verifier::handle_timeout`](crate::Verifier::handle_timeout)
    /// does. Returns the clamped time.
    pub(crate) fn observe(&mut self, now: Now) -> Now {
        let monotonic = self
            .latest
            .map_or(now.monotonic, |latest| latest.max(now.monotonic));
        self.latest = Some(monotonic);
        let now = Now {
            wall: now.wall,
            monotonic,
        };
        while let Some(timer) = self.timers.pop_due(monotonic) {
            self.fire(timer.reason, now);
        }
        now
    }

    fn fire(&mut self, reason: TimerReason, now: Now) {
        match reason {
            TimerReason::RequestLost => {
                let Some(refresh) = self.refresh.take() else {
                    return;
                };
                let waited = now.monotonic.saturating_duration_since(refresh.sent_at);
                self.events.push(Event::RequestGivenUp {
                    url: refresh.url.clone(),
                    id: refresh.id,
                    waited,
                });
                let error = AuthError::JwksFetchFailed(SourceError::lost(waited, &refresh.url));
                self.fail(&refresh.url, error, None, now);
            }
            TimerReason::StaleWindowEnds => {
                if let Some(cache) = self.cache.as_ref().filter(|_| self.is_failing()) {
                    let age = cache.age(now.monotonic);
                    self.events.push(Event::KeysExpired { age });
                }
            }
            TimerReason::RefreshAheadDue
            | TimerReason::FreshnessEnds
            | TimerReason::BackoffOver => {}
        }
    }

    /// The next deadline.
    pub(crate) fn poll_timeout(&self) -> Option<Timer> {
        self.timers.next()
    }

    /// The oldest undrained event.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop()
    }

    /// No request is handed out any more; the one in flight may still answer.
    pub(crate) fn close(&mut self) {
        self.closed = true;
    }

    /// The key that verifies a token with this `kid` and `alg` (rules 3 and
    /// 4). Without `may_refresh` (a refresh ended for this operation
    /// already) it starts none, and answers from what is cached.
    pub(crate) fn lookup(
        &mut self,
        kid: Option<&str>,
        alg: Algorithm,
        may_refresh: bool,
        now: Instant,
    ) -> Answer<Arc<VerifyingKey>> {
        let Some(cache) = &self.cache else {
            return self.refresh_or_fail(may_refresh, now);
        };
        if cache.is_fresh(now) {
            let selection = select(&cache.keys, kid, alg);
            let ahead = cache.in_refresh_ahead_window(now, self.settings.refresh_ahead);
            let cooldown_left = cache.cooldown_left(now, self.settings.refresh_cooldown);
            return match selection {
                Found::Key(key) => Progress::Done {
                    answer: Ok(key),
                    background: (ahead && may_refresh)
                        .then(|| self.start_refresh(now))
                        .flatten(),
                },
                Found::Error(error) => Progress::done(Err(error)),
                Found::UnknownKid => {
                    self.counters.unknown_kids += 1;
                    if cooldown_left.is_zero() {
                        self.refresh_or_fail(may_refresh, now)
                    } else {
                        self.refuse_unknown_kid(cooldown_left)
                    }
                }
            };
        }
        if !self.is_failing() || (may_refresh && self.may_start(now)) {
            return self.refresh_or_fail(may_refresh, now);
        }
        // A refresh has failed and the next is not allowed yet, or already
        // under way: stale keys answer while they may (rule 5).
        match self.stale_keys(now) {
            Ok(keys) => match select(&keys, kid, alg) {
                Found::Key(key) => {
                    self.served_stale(now);
                    Progress::done(Ok(key))
                }
                Found::Error(error) => Progress::done(Err(error)),
                Found::UnknownKid => {
                    self.counters.unknown_kids += 1;
                    Progress::done(Err(self.failure_error()))
                }
            },
            Err(error) => Progress::done(Err(error)),
        }
    }

    /// The key set for the operations of rule 8: fetched first when nothing
    /// is cached, when it is past freshness, or when `force` (never during
    /// the backoff after a failure, and never without `may_refresh`).
    /// Answers with keys inside the stale window, or with the error of the
    /// last failed refresh.
    pub(crate) fn key_set(
        &mut self,
        force: bool,
        may_refresh: bool,
        now: Instant,
    ) -> Answer<Arc<KeySet>> {
        let stale = self.cache.as_ref().is_none_or(|c| !c.is_fresh(now));
        if stale || force {
            if let Some(refresh) = &self.refresh {
                return Progress::Wait {
                    until: refresh.lost_at,
                };
            }
            if let Some(request) = may_refresh.then(|| self.start_refresh(now)).flatten() {
                return Progress::Fetch(request);
            }
        }
        let keys = self.stale_keys(now);
        if stale && keys.is_ok() {
            self.served_stale(now);
        }
        Progress::done(keys)
    }

    /// Takes the answer to the request in flight: the refresh succeeds,
    /// fails, or goes on with its next request.
    pub(crate) fn handle_answer(
        &mut self,
        answer: FetchAnswer,
        now: Now,
    ) -> Result<FetchNext, FetchId> {
        let refresh = self.take_refresh(answer.id)?;
        let next = match answer.read {
            Read::Keys {
                keys,
                skipped,
                cache_control,
            } => {
                self.report_skipped(&refresh.url, skipped);
                self.succeed(&refresh.url, keys, cache_control.as_deref(), now);
                None
            }
            Read::JwksUri(url) if !self.closed => {
                Some(self.hand_out(FetchStage::KeySet, url, 1, now.monotonic))
            }
            Read::JwksUri(url) => {
                let error = AuthError::JwksFetchFailed(SourceError::closed(&url));
                self.fail(&url, error, None, now);
                None
            }
            Read::Failed(failed) => {
                self.report_skipped(&refresh.url, failed.skipped);
                let retry = failed.retried
                    && refresh.attempts < self.settings.fetch_attempts
                    && !self.closed;
                if retry {
                    let attempts = refresh.attempts + 1;
                    Some(self.hand_out(refresh.stage, refresh.url, attempts, now.monotonic))
                } else {
                    self.fail(&refresh.url, failed.error, failed.retry_after, now);
                    None
                }
            }
        };
        Ok(next.map_or(FetchNext::Ended, FetchNext::Perform))
    }

    /// The driver dropped request `id` unperformed (a panic, a cancelled
    /// task, a thread that could not start): its refresh fails as a
    /// transport failure, counted for the backoff, with no retry.
    pub(crate) fn handle_abandoned(&mut self, id: FetchId, now: Now) -> Result<(), FetchId> {
        let refresh = self.take_refresh(id)?;
        let error = AuthError::JwksFetchFailed(SourceError::abandoned(&refresh.url));
        self.fail(&refresh.url, error, None, now);
        Ok(())
    }

    /// The request in flight, if it is `id`, taken out.
    fn take_refresh(&mut self, id: FetchId) -> Result<Refresh, FetchId> {
        match self.refresh.take() {
            Some(refresh) if refresh.id == id => {
                self.timers.clear(TimerReason::RequestLost);
                Ok(refresh)
            }
            other => {
                self.refresh = other;
                Err(id)
            }
        }
    }

    /// A snapshot (after [`observe`](Self::observe)).
    pub(crate) fn status(&self, now: Instant, verdicts: &VerdictCounters) -> Status {
        let cache = self.cache.as_ref();
        let stale_if_error = self.settings.stale_if_error;
        let next_refresh_in = if self.closed {
            None
        } else if let Some(failure) = &self.failure {
            Some(failure.wait_left(now))
        } else {
            let due = cache.and_then(|c| c.ahead_at(self.settings.refresh_ahead).or(c.stale_at()));
            Some(due.map_or(Duration::ZERO, |due| due.saturating_duration_since(now)))
        };
        Status {
            state: self.state(now),
            key_ids: cache.map_or_else(Vec::new, |c| c.keys.kids().map(str::to_owned).collect()),
            key_count: cache.map_or(0, |c| c.keys.key_count()),
            last_success: self.last_success,
            last_failure: self.failure.as_ref().map(|failure| LastFailure {
                at: failure.at,
                error: failure.error.clone(),
            }),
            next_refresh_in,
            stale_until_in: cache.map(|c| {
                c.fresh_for
                    .saturating_add(stale_if_error)
                    .saturating_sub(c.age(now))
            }),
            cooldown_left: cache.map_or(Duration::ZERO, |c| {
                c.cooldown_left(now, self.settings.refresh_cooldown)
            }),
            refreshing: self.refresh.is_some(),
            closed: self.closed,
            counters: verdicts.counters(&self.counters, self.events.dropped()),
        }
    }

    fn state(&self, now: Instant) -> KeysState {
        let Some(cache) = &self.cache else {
            return if self.is_failing() {
                KeysState::Failed
            } else {
                KeysState::Empty
            };
        };
        if cache.is_fresh(now) {
            KeysState::Fresh
        } else if !self.is_failing() {
            KeysState::Stale
        } else if cache.may_serve_stale(now, self.settings.stale_if_error) {
            KeysState::ServingStale
        } else {
            KeysState::Failed
        }
    }

    /// Whether refreshing is failing: a refresh failed since the last
    /// success, or the verifier is closed.
    fn is_failing(&self) -> bool {
        self.failure.is_some() || self.closed
    }

    /// Whether a new refresh may start now.
    fn may_start(&self, now: Instant) -> bool {
        self.refresh.is_none() && !self.closed && !self.backing_off(now)
    }

    fn backing_off(&self, now: Instant) -> bool {
        self.failure.as_ref().is_some_and(|f| f.backing_off(now))
    }

    /// Waits for the refresh in flight, starts one (this caller performs
    /// it, if `may_refresh`), or answers with the error of the last failed
    /// refresh.
    fn refresh_or_fail<T>(&mut self, may_refresh: bool, now: Instant) -> Answer<T> {
        if let Some(refresh) = &self.refresh {
            return Progress::Wait {
                until: refresh.lost_at,
            };
        }
        match may_refresh.then(|| self.start_refresh(now)).flatten() {
            Some(request) => Progress::Fetch(request),
            None => Progress::done(Err(self.failure_error())),
        }
    }

    /// The first request of a new refresh, unless one is in flight, the
    /// verifier is closed, or the backoff forbids it.
    fn start_refresh(&mut self, now: Instant) -> Option<FetchRequest> {
        if !self.may_start(now) {
            return None;
        }
        let (stage, url) = match &self.settings.url {
            SourceUrl::Jwks(url) => (FetchStage::KeySet, url.clone()),
            SourceUrl::Discovery(url) => (FetchStage::Discovery, url.clone()),
        };
        Some(self.hand_out(stage, url, 1, now))
    }

    /// Puts a request in flight and hands it out.
    fn hand_out(
        &mut self,
        stage: FetchStage,
        url: String,
        attempts: u32,
        now: Instant,
    ) -> FetchRequest {
        let id = FetchId(self.next_fetch_id);
        self.next_fetch_id += 1;
        self.counters.fetches += 1;
        // Twice the timeout (connect, then the whole exchange) and a second.
        let lost_after = self
            .settings
            .http_timeout
            .saturating_mul(2)
            .saturating_add(Duration::from_secs(1));
        let lost_at = now.checked_add(lost_after).unwrap_or(now);
        self.timers.set(TimerReason::RequestLost, Some(lost_at));
        self.refresh = Some(Refresh {
            id,
            url: url.clone(),
            stage,
            attempts,
            sent_at: now,
            lost_at,
        });
        FetchRequest {
            id,
            url,
            stage,
            context: Arc::clone(&self.context),
        }
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

    /// What requests get when no cached key may answer.
    fn failure_error(&self) -> AuthError {
        if self.closed {
            let url = match &self.settings.url {
                SourceUrl::Jwks(url) | SourceUrl::Discovery(url) => url,
            };
            return AuthError::JwksFetchFailed(SourceError::closed(url));
        }
        self.failure.as_ref().map_or(
            AuthError::JwksFetchFailed(SourceProblem::BackingOff.into()),
            |f| f.error.clone(),
        )
    }

    /// Counts an answer from keys past their freshness; the first one after
    /// each failed refresh is also an event.
    fn served_stale(&mut self, now: Instant) {
        self.counters.stale_serves += 1;
        if self.stale_reported {
            return;
        }
        if let Some(cache) = &self.cache {
            let age = cache.age(now);
            let serving_for = cache.fresh_for.saturating_add(self.settings.stale_if_error);
            self.events.push(Event::ServingStale {
                age,
                stale_for: serving_for.saturating_sub(age),
            });
            self.stale_reported = true;
        }
    }

    /// Rule 3: an unknown `kid` inside the cooldown is `key_not_found` at once.
    fn refuse_unknown_kid<T>(&mut self, cooldown_left: Duration) -> Answer<T> {
        self.counters.cooldown_refusals += 1;
        if !self.cooldown_reported {
            self.events.push(Event::UnknownKidRefused { cooldown_left });
            self.cooldown_reported = true;
        }
        Progress::done(Err(AuthError::KeyNotFound))
    }

    fn report_skipped(&mut self, url: &str, skipped: Vec<SkippedJwk>) {
        for SkippedJwk { kid, reason } in skipped {
            self.events.push(Event::JwkSkipped {
                url: url.to_owned(),
                kid: kid.as_deref().map(for_logs),
                reason,
            });
        }
    }

    fn succeed(&mut self, url: &str, keys: KeySet, cache_control: Option<&str>, now: Now) {
        let settings = &self.settings;
        let (fresh_for, decided_by) =
            cache::freshness(cache_control, settings.cache_ttl, settings.refresh_cooldown);
        let (added, removed) = kid_changes(self.cache.as_ref().map(|c| &*c.keys), &keys);
        self.events.push(Event::KeysRefreshed {
            url: url.to_owned(),
            added,
            removed,
            keys: keys.key_count(),
            fresh_for,
            decided_by,
        });
        let cached = CachedKeys::new(keys, now.monotonic, fresh_for);
        let timers = &mut self.timers;
        timers.set(
            TimerReason::RefreshAheadDue,
            cached.ahead_at(settings.refresh_ahead),
        );
        timers.set(TimerReason::FreshnessEnds, cached.stale_at());
        timers.set(
            TimerReason::StaleWindowEnds,
            cached.expires_at(settings.stale_if_error),
        );
        timers.clear(TimerReason::BackoffOver);
        self.cache = Some(cached);
        self.failure = None;
        self.last_success = Some(now.wall);
        self.counters.refreshes += 1;
        self.stale_reported = false;
        self.cooldown_reported = false;
        self.refreshes_ended += 1;
    }

    /// Rule 5: nothing cached changes; the backoff grows.
    fn fail(&mut self, url: &str, error: AuthError, retry_after: Option<Duration>, now: Now) {
        let settings = &self.settings;
        let failure = Failure::new(
            error.clone(),
            self.failure.as_ref(),
            retry_after,
            (now.monotonic, now.wall),
            settings.refresh_cooldown,
            settings.cache_ttl,
        );
        if let AuthError::IssuerMismatch(source) = &error {
            self.events.push(Event::IssuerMismatch {
                url: url.to_owned(),
                published: source.published_issuer().map(str::to_owned),
            });
        }
        let stale_for = self
            .cache
            .as_ref()
            .filter(|c| c.may_serve_stale(now.monotonic, settings.stale_if_error))
            .map(|c| {
                c.fresh_for
                    .saturating_add(settings.stale_if_error)
                    .saturating_sub(c.age(now.monotonic))
            });
        self.events.push(Event::RefreshFailed {
            url: url.to_owned(),
            error,
            next_attempt_in: failure.wait_left(now.monotonic),
            stale_for,
        });
        self.timers
            .set(TimerReason::BackoffOver, failure.next_attempt());
        self.failure = Some(failure);
        self.counters.refresh_failures += 1;
        self.stale_reported = false;
        self.refreshes_ended += 1;
    }
}

/// The `kid`s a new set adds and removes, compared with the old one (cut
/// for logs).
fn kid_changes(old: Option<&KeySet>, new: &KeySet) -> (Vec<String>, Vec<String>) {
    let old_kids: Vec<&str> = old.map_or_else(Vec::new, |set| set.kids().collect());
    let new_kids: Vec<&str> = new.kids().collect();
    let added = new_kids
        .iter()
        .filter(|kid| !old_kids.contains(kid))
        .map(|kid| for_logs(kid))
        .collect();
    let removed = old_kids
        .iter()
        .filter(|kid| !new_kids.contains(kid))
        .map(|kid| for_logs(kid))
        .collect();
    (added, removed)
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
