//! The driver loop: core operations under a short lock, the fetches the core
//! hands out performed with no lock held, and callers that need a refresh
//! another caller is performing waiting for it to end.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use oidc_jwt_verifier_core::{
    Answer, AuthError, Check, FetchId, FetchRequest, HttpResponse, KeyQuery, Now, TransportFailure,
    Verdict, Verifier,
};
use oidc_jwt_verifier_core::{Clock, SigningKey};

use crate::http::{self, Client};

/// One verifier's state, shared by every caller and background refresh.
pub(crate) struct Engine {
    shared: Arc<Shared>,
}

struct Shared {
    core: Mutex<Verifier>,
    /// Signalled whenever a refresh ends (with `core`'s mutex).
    refresh_ended: Condvar,
    clock: Arc<dyn Clock>,
    /// `None` once closed: requests then fail without any I/O.
    client: Mutex<Option<Client>>,
}

impl Engine {
    pub(crate) fn new(core: Verifier, clock: Arc<dyn Clock>, client: Client) -> Self {
        Engine {
            shared: Arc::new(Shared {
                core: Mutex::new(core),
                refresh_ended: Condvar::new(),
                clock,
                client: Mutex::new(Some(client)),
            }),
        }
    }

    /// Checks a token up to its key; the caller finishes the [`Check`] (the
    /// signature and claims) with no lock held.
    pub(crate) fn check<'t>(
        &self,
        mut verify: impl FnMut(&mut Verifier, Now) -> Verdict<'t>,
    ) -> Result<Check<'t>, AuthError> {
        self.run(|core, now| match verify(core, now) {
            Verdict::Check(check) => Answer::Ready(Ok(check)),
            Verdict::Rejected(error) => Answer::Ready(Err(error)),
            Verdict::NeedKeys => Answer::NeedKeys,
        })
    }

    pub(crate) fn signing_keys(&self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        let query = self.key_query(refresh);
        self.run(|core, now| core.signing_keys(&query, now.monotonic))
    }

    pub(crate) fn signing_key(&self, kid: &str, refresh: bool) -> Result<SigningKey, AuthError> {
        let query = self.key_query(refresh);
        self.run(|core, now| core.signing_key(kid, &query, now.monotonic))
    }

    pub(crate) fn healthcheck(&self, refresh: bool) -> bool {
        let query = self.key_query(refresh);
        self.run(|core, now| core.healthcheck(&query, now.monotonic))
    }

    /// Blocks until no refresh is queued or under way.
    pub(crate) fn wait_for_refresh(&self) {
        self.shared.wait_while_refreshing(self.shared.lock());
    }

    /// Drops the HTTP client (later requests fail without I/O) and waits for
    /// a refresh under way to end.
    pub(crate) fn close(&self) {
        *self
            .shared
            .client
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.wait_for_refresh();
    }

    fn key_query(&self, refresh: bool) -> KeyQuery {
        self.shared.lock().key_query(refresh)
    }

    /// Asks `operation` until it answers. A `NeedKeys` makes this caller
    /// perform the refresh the core hands out, or wait for the one another
    /// caller performs; a request handed out with an answer is a
    /// refresh-ahead, performed on a background thread.
    fn run<T>(&self, mut operation: impl FnMut(&mut Verifier, Now) -> Answer<T>) -> T {
        loop {
            let now = self.shared.now();
            let mut core = self.shared.lock();
            match operation(&mut core, now) {
                Answer::Ready(answer) => {
                    let ahead = core.poll_fetch(now.monotonic);
                    drop(core);
                    if let Some(request) = ahead {
                        Refresh::new(&self.shared, request, now.monotonic).in_background();
                    }
                    return answer;
                }
                Answer::NeedKeys => match core.poll_fetch(now.monotonic) {
                    Some(request) => {
                        drop(core);
                        Refresh::new(&self.shared, request, now.monotonic).run();
                    }
                    None => self.shared.wait_while_refreshing(core),
                },
            }
        }
    }
}

impl Shared {
    /// The one place the clock is read.
    fn now(&self) -> Now {
        self.clock.now()
    }

    /// The core, even after a panic elsewhere poisoned its lock: its state is
    /// only ever changed by whole core calls.
    fn lock(&self) -> MutexGuard<'_, Verifier> {
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait_while_refreshing(&self, mut core: MutexGuard<'_, Verifier>) {
        while core.is_refreshing() {
            core = self
                .refresh_ended
                .wait(core)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Performs one request (or fails it at once when closed).
    fn perform(&self, request: &FetchRequest) -> Result<HttpResponse, TransportFailure> {
        let client = self
            .client
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match client {
            Some(client) => http::fetch(&client, request),
            None => Err(TransportFailure::Other),
        }
    }

    /// Feeds the outcome of request `id` back, at monotonic time `at`, and
    /// takes the refresh's next request, if any.
    fn feed(
        &self,
        id: FetchId,
        outcome: Result<HttpResponse, TransportFailure>,
        at: Instant,
    ) -> Option<FetchRequest> {
        let mut core = self.lock();
        // An unexpected id means the core already gave up on that request:
        // there is nothing left to tell it.
        let _ = core.handle_outcome(id, outcome, at);
        core.poll_fetch(at)
    }
}

/// A refresh under way, owning the request in flight. However it ends
/// (normally, by a panic, or by a thread that could not start), dropping it
/// answers an unanswered request as failed and wakes every waiter, so no
/// caller waits for a refresh nobody performs.
struct Refresh {
    shared: Arc<Shared>,
    pending: Option<FetchRequest>,
    /// The latest monotonic reading, used when dropped (the clock is not read
    /// again on that path: it may be what panicked).
    last_seen: Instant,
}

impl Refresh {
    fn new(shared: &Arc<Shared>, request: FetchRequest, now: Instant) -> Self {
        Refresh {
            shared: Arc::clone(shared),
            pending: Some(request),
            last_seen: now,
        }
    }

    /// Performs each request of the refresh until the core hands out none.
    fn run(mut self) {
        while let Some(request) = &self.pending {
            let outcome = self.shared.perform(request);
            let id = request.id();
            self.last_seen = self.shared.now().monotonic;
            self.pending = self.shared.feed(id, outcome, self.last_seen);
        }
    }

    /// Runs the refresh on a thread of its own. If none can be started, the
    /// closure (and so `self`) is dropped, failing the request.
    fn in_background(self) {
        let _started = std::thread::Builder::new()
            .name("oidc-jwks-refresh".to_owned())
            .spawn(move || self.run());
    }
}

impl Drop for Refresh {
    fn drop(&mut self) {
        let mut unanswered = self.pending.take();
        while let Some(request) = unanswered {
            unanswered =
                self.shared
                    .feed(request.id(), Err(TransportFailure::Other), self.last_seen);
        }
        self.shared.refresh_ended.notify_all();
    }
}
