//! The driver loop: the core's answers obeyed, the core held only for its
//! own calls, requests performed (and read) with no lock held, callers told
//! to wait blocked on a condition variable, and the core's events logged.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, ChosenKey, Claims, Clock, Event, FetchId, FetchNext, FetchRequest, Now,
    Progress, Query, Requirements, SigningKey, Status, Token, TokenReader, Verifier,
};

use crate::http::{self, Client};

/// One verifier's state, shared by every caller and background refresh.
pub(crate) struct Engine {
    shared: Arc<Shared>,
    /// Tokens are read (and finished) with no lock held.
    reader: TokenReader,
}

struct Shared {
    core: Mutex<Verifier>,
    /// Signalled whenever a refresh ends (with `core`'s mutex).
    refresh_ended: Condvar,
    clock: Arc<dyn Clock>,
    client: Client,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    pub(crate) fn new(core: Verifier, clock: Arc<dyn Clock>, client: Client) -> Self {
        Engine {
            reader: core.token_reader(),
            shared: Arc::new(Shared {
                core: Mutex::new(core),
                refresh_ended: Condvar::new(),
                clock,
                client,
            }),
        }
    }

    pub(crate) fn reader(&self) -> &TokenReader {
        &self.reader
    }

    /// The key of a read token: the one step of a verification under the lock.
    pub(crate) fn choose_key(&self, token: &Token<'_>) -> Result<ChosenKey, AuthError> {
        self.run(Query::new(), |core, query, now| {
            core.choose_key(token, query, now)
        })
    }

    pub(crate) fn signing_keys(&self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        self.run(Query::with_refresh(refresh), |core, query, now| {
            core.signing_keys(query, now)
        })
    }

    pub(crate) fn signing_key(&self, kid: &str, refresh: bool) -> Result<SigningKey, AuthError> {
        self.run(Query::with_refresh(refresh), |core, query, now| {
            core.signing_key(kid, query, now)
        })
    }

    pub(crate) fn healthcheck(&self, refresh: bool) -> bool {
        self.run(Query::with_refresh(refresh), |core, query, now| {
            core.healthcheck(query, now)
        })
    }

    /// The core's [`Verifier::authorize`]: no key, no I/O.
    pub(crate) fn authorize(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        self.shared.lock().authorize(claims, route)
    }

    /// The configuration the core was built from.
    pub(crate) fn config(&self) -> AuthConfig {
        self.shared.lock().config().clone()
    }

    pub(crate) fn status(&self) -> Status {
        let now = self.shared.clock.now();
        self.shared.with_core(|core| core.status(now))
    }

    /// Blocks until no request is in flight.
    pub(crate) fn wait_for_refresh(&self) {
        while self.shared.wait_while_refreshing(None) {}
    }

    /// Closes the core (no request is handed out any more) and waits for a
    /// request in flight to end.
    pub(crate) fn close(&self) {
        self.shared.with_core(Verifier::close);
        self.wait_for_refresh();
    }

    /// Asks `operation` until it answers, doing what each [`Progress`] says:
    /// a background refresh on a thread of its own; a refresh this caller
    /// owns performed here; a wait for another caller's.
    pub(crate) fn run<T>(
        &self,
        mut query: Query,
        mut operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T>,
    ) -> T {
        loop {
            let now = self.shared.clock.now();
            match self
                .shared
                .with_core(|core| operation(core, &mut query, now))
            {
                Progress::Done { answer, background } => {
                    if let Some(request) = background {
                        Refresh::spawn(&self.shared, request, now);
                    }
                    return answer;
                }
                Progress::Fetch(request) => Refresh::new(&self.shared, &request, now).run(request),
                Progress::Wait { until } => {
                    let left = until.saturating_duration_since(now.monotonic);
                    self.shared.wait_while_refreshing(Some(left));
                }
            }
        }
    }
}

impl Shared {
    /// The core, even after a panic elsewhere poisoned its lock: its state is
    /// only ever changed by whole core calls.
    fn lock(&self) -> MutexGuard<'_, Verifier> {
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks while a request is in flight, until a refresh ends or `limit`
    /// passes; returns whether one still was in flight.
    fn wait_while_refreshing(&self, limit: Option<Duration>) -> bool {
        let core = self.lock();
        if !core.is_refreshing() {
            return false;
        }
        match limit {
            Some(limit) => drop(self.refresh_ended.wait_timeout(core, limit)),
            None => drop(self.refresh_ended.wait(core)),
        }
        true
    }

    /// Runs `call` on the core, then logs the events it queued once the
    /// lock is released.
    fn with_core<R>(&self, call: impl FnOnce(&mut Verifier) -> R) -> R {
        let (result, events) = {
            let mut core = self.lock();
            let result = call(&mut core);
            let events: Vec<Event> = std::iter::from_fn(|| core.poll_event()).collect();
            (result, events)
        };
        events.iter().for_each(Event::emit);
        result
    }
}

/// A refresh a caller owns, holding the id of its request in flight.
/// However it ends (normally, by a panic, or by a thread that could not
/// start), dropping it tells the core of a request left unperformed and
/// wakes every waiter, so no caller waits for a request nobody performs.
struct Refresh {
    shared: Arc<Shared>,
    in_flight: Option<FetchId>,
    /// The latest clock reading, used when dropped (the clock is not read
    /// again on that path: it may be what panicked).
    last_seen: Now,
}

impl Refresh {
    fn new(shared: &Arc<Shared>, request: &FetchRequest, now: Now) -> Self {
        Refresh {
            shared: Arc::clone(shared),
            in_flight: Some(request.id()),
            last_seen: now,
        }
    }

    /// Runs the refresh on a thread of its own. If none can be started, the
    /// closure (and so the refresh) is dropped, abandoning the request.
    fn spawn(shared: &Arc<Shared>, request: FetchRequest, now: Now) {
        let refresh = Refresh::new(shared, &request, now);
        let _started = std::thread::Builder::new()
            .name("oidc-jwks-refresh".to_owned())
            .spawn(move || refresh.run(request));
    }

    /// Performs request after request, each read with no lock held, until
    /// the core says the refresh has ended.
    fn run(mut self, mut request: FetchRequest) {
        loop {
            let answer = request.read(http::get(&self.shared.client, &request));
            self.last_seen = self.shared.clock.now();
            let now = self.last_seen;
            let answered = self
                .shared
                .with_core(|core| core.handle_answer(answer, now));
            // An unexpected answer: the core gave the request up already.
            let next = answered.ok().and_then(FetchNext::into_request);
            self.in_flight = next.as_ref().map(FetchRequest::id);
            match next {
                Some(next) => request = next,
                None => return,
            }
        }
    }
}

impl Drop for Refresh {
    fn drop(&mut self) {
        if let Some(id) = self.in_flight.take() {
            let now = self.last_seen;
            let _ = self.shared.with_core(|core| core.handle_abandoned(id, now));
        }
        self.shared.refresh_ended.notify_all();
    }
}
