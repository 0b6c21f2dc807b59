//! The driver loop: the core's answers obeyed, the core held only for its
//! own calls (never across an `.await`), requests performed on tasks of
//! their own and read off the runtime's workers, callers told to wait
//! parked on a [`Notify`], and the core's events logged.

use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, ChosenKey, Claims, Clock, Event, FetchId, FetchNext, FetchRequest, Now,
    Progress, Query, Requirements, SigningKey, Status, Token, TokenReader, Verifier,
};
use tokio::sync::Notify;

use crate::http::{self, Clients};

/// One verifier's state, shared by every caller and refresh task.
pub(crate) struct Engine {
    shared: Arc<Shared>,
    /// Tokens are read (and finished) with no lock held.
    reader: TokenReader,
}

struct Shared {
    core: Mutex<Verifier>,
    /// Notified whenever a refresh ends.
    refresh_ended: Notify,
    clock: Arc<dyn Clock>,
    client: Clients,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    pub(crate) fn new(core: Verifier, clock: Arc<dyn Clock>, client: Clients) -> Self {
        Engine {
            reader: core.token_reader(),
            shared: Arc::new(Shared {
                core: Mutex::new(core),
                refresh_ended: Notify::new(),
                clock,
                client,
            }),
        }
    }

    pub(crate) fn reader(&self) -> &TokenReader {
        &self.reader
    }

    /// The key of a read token: the one step of a verification under the lock.
    pub(crate) async fn choose_key(&self, token: &Token<'_>) -> Result<ChosenKey, AuthError> {
        self.run(Query::new(), |core, query, now| {
            core.choose_key(token, query, now)
        })
        .await
    }

    pub(crate) async fn signing_keys(&self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        self.run(Query::with_refresh(refresh), |core, query, now| {
            core.signing_keys(query, now)
        })
        .await
    }

    pub(crate) async fn signing_key(
        &self,
        kid: &str,
        refresh: bool,
    ) -> Result<SigningKey, AuthError> {
        self.run(Query::with_refresh(refresh), |core, query, now| {
            core.signing_key(kid, query, now)
        })
        .await
    }

    pub(crate) async fn healthcheck(&self, refresh: bool) -> bool {
        self.run(Query::with_refresh(refresh), |core, query, now| {
            core.healthcheck(query, now)
        })
        .await
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

    /// Waits until no request is in flight.
    pub(crate) async fn wait_for_refresh(&self) {
        loop {
            let mut ended = pin!(self.shared.refresh_ended.notified());
            // Registered before the check, so an end between the check and
            // the wait is not missed.
            ended.as_mut().enable();
            if !self.shared.lock().is_refreshing() {
                return;
            }
            ended.await;
        }
    }

    /// Closes the core (no request is handed out any more) and waits for a
    /// request in flight to end.
    pub(crate) async fn close(&self) {
        self.shared.with_core(Verifier::close);
        self.wait_for_refresh().await;
    }

    /// Asks `operation` until it answers, doing what each [`Progress`] says:
    /// a background refresh on a task of its own; a refresh this caller
    /// owns also on a task of its own (so dropping this future never
    /// abandons it), performed before asking again as the core requires:
    /// this caller waits for it to end, as the blocking driver's caller
    /// does by performing it; a wait for another caller's.
    pub(crate) async fn run<T>(
        &self,
        mut query: Query,
        mut operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T>,
    ) -> T {
        loop {
            let now = self.shared.clock.now();
            // Made before asking, so a refresh ending in between is not
            // missed: a `Notified` receives every `notify_waiters` from its
            // creation on (the only notification this driver sends), polled
            // or not. Not enabled: an answer from cached keys, the hot
            // path, then never takes the `Notify`'s lock.
            let ended = pin!(self.shared.refresh_ended.notified());
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
                Progress::Fetch(request) => {
                    Refresh::spawn(&self.shared, request, now);
                    // Every way a refresh ends (done, panicked, its task
                    // dropped) drops it, which notifies.
                    ended.await;
                }
                Progress::Wait { until } => {
                    let left = until.saturating_duration_since(now.monotonic);
                    let _ = tokio::time::timeout(left, ended).await;
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
/// However it ends (normally, by a panic, or by a runtime dropping its
/// task), dropping it tells the core of a request left unperformed and
/// wakes every waiter, so no caller waits for a request nobody performs.
struct Refresh {
    shared: Arc<Shared>,
    in_flight: Option<FetchId>,
    /// The latest clock reading, used when dropped (the clock is not read
    /// again on that path: it may be what panicked).
    last_seen: Now,
}

impl Refresh {
    /// Runs the refresh on a task of its own (of the current Tokio runtime).
    fn spawn(shared: &Arc<Shared>, request: FetchRequest, now: Now) {
        let refresh = Refresh {
            shared: Arc::clone(shared),
            in_flight: Some(request.id()),
            last_seen: now,
        };
        drop(tokio::spawn(refresh.run(request)));
    }

    /// Performs request after request, each read on the blocking pool (the
    /// key-set parse is CPU work) with no lock held, until the core says the
    /// refresh has ended.
    async fn run(mut self, mut request: FetchRequest) {
        loop {
            let outcome = http::get(&self.shared.client, &request).await;
            let read = tokio::task::spawn_blocking(move || request.read(outcome));
            // The read panicked or the runtime is shutting down: dropping
            // `self` abandons the request.
            let Ok(answer) = read.await else { return };
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
        self.shared.refresh_ended.notify_waiters();
    }
}
