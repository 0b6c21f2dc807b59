//! The driver loop: core operations under a short lock (never held across
//! an `.await`), every fetch on a spawned task, and callers that need a
//! refresh waiting for it to end.

use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use oidc_jwt_verifier_core::{
    Answer, AuthError, Check, Clock, FetchId, FetchRequest, HttpResponse, KeyQuery, Now,
    SigningKey, TransportFailure, Verdict, Verifier,
};
use tokio::sync::Notify;

use crate::http::{self, HttpClient};

/// One verifier's state, shared by every caller and refresh task.
pub(crate) struct Engine {
    shared: Arc<Shared>,
}

struct Shared {
    core: Mutex<Verifier>,
    /// Notified whenever a refresh ends.
    refresh_ended: Notify,
    clock: Arc<dyn Clock>,
    /// `None` once closed: requests then fail without any I/O.
    client: Mutex<Option<HttpClient>>,
}

impl Engine {
    pub(crate) fn new(core: Verifier, clock: Arc<dyn Clock>, client: HttpClient) -> Self {
        Engine {
            shared: Arc::new(Shared {
                core: Mutex::new(core),
                refresh_ended: Notify::new(),
                clock,
                client: Mutex::new(Some(client)),
            }),
        }
    }

    /// Checks a token up to its key; the caller finishes the [`Check`] (the
    /// signature and claims) with no lock held.
    pub(crate) async fn check<'t>(
        &self,
        mut verify: impl FnMut(&mut Verifier, Now) -> Verdict<'t>,
    ) -> Result<Check<'t>, AuthError> {
        self.run(|core, now| match verify(core, now) {
            Verdict::Check(check) => Answer::Ready(Ok(check)),
            Verdict::Rejected(error) => Answer::Ready(Err(error)),
            Verdict::NeedKeys => Answer::NeedKeys,
        })
        .await
    }

    pub(crate) async fn signing_keys(&self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        let query = self.key_query(refresh);
        self.run(|core, now| core.signing_keys(&query, now.monotonic))
            .await
    }

    pub(crate) async fn signing_key(
        &self,
        kid: &str,
        refresh: bool,
    ) -> Result<SigningKey, AuthError> {
        let query = self.key_query(refresh);
        self.run(|core, now| core.signing_key(kid, &query, now.monotonic))
            .await
    }

    pub(crate) async fn healthcheck(&self, refresh: bool) -> bool {
        let query = self.key_query(refresh);
        self.run(|core, now| core.healthcheck(&query, now.monotonic))
            .await
    }

    /// Waits until no refresh is queued or under way.
    pub(crate) async fn wait_for_refresh(&self) {
        self.shared.wait_while_refreshing().await;
    }

    /// Drops the HTTP client (later requests fail without I/O) and waits for
    /// a refresh under way to end.
    pub(crate) async fn close(&self) {
        *self
            .shared
            .client
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.wait_for_refresh().await;
    }

    fn key_query(&self, refresh: bool) -> KeyQuery {
        self.shared.lock().key_query(refresh)
    }

    /// Asks `operation` until it answers. A `NeedKeys` spawns the refresh the
    /// core hands out, if any, and waits for the refresh under way to end; a
    /// request handed out with an answer is a refresh-ahead, spawned and not
    /// waited for. Fetches always run on their own task, so dropping this
    /// future never abandons one.
    async fn run<T>(&self, mut operation: impl FnMut(&mut Verifier, Now) -> Answer<T>) -> T {
        loop {
            let now = self.shared.now();
            let (answer, request) = {
                let mut core = self.shared.lock();
                let answer = operation(&mut core, now);
                (answer, core.poll_fetch(now.monotonic))
            };
            if let Some(request) = request {
                Refresh::new(&self.shared, request, now.monotonic).spawn();
            }
            match answer {
                Answer::Ready(answer) => return answer,
                Answer::NeedKeys => self.shared.wait_while_refreshing().await,
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

    async fn wait_while_refreshing(&self) {
        loop {
            let mut ended = pin!(self.refresh_ended.notified());
            // Registered before the check, so an end between the check and
            // the wait is not missed.
            ended.as_mut().enable();
            let refreshing = self.lock().is_refreshing();
            if !refreshing {
                return;
            }
            ended.await;
        }
    }

    /// Performs one request (or fails it at once when closed).
    async fn perform(&self, request: &FetchRequest) -> Result<HttpResponse, TransportFailure> {
        let client = self
            .client
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match client {
            Some(client) => http::fetch(&client, request).await,
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
/// (normally, by a panic, or by a runtime dropping its task), dropping it
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

    /// Runs the refresh on a task of its own (of the current Tokio runtime).
    fn spawn(self) {
        drop(tokio::spawn(self.run()));
    }

    /// Performs each request of the refresh until the core hands out none.
    async fn run(mut self) {
        while let Some(request) = &self.pending {
            let outcome = self.shared.perform(request).await;
            let id = request.id();
            self.last_seen = self.shared.now().monotonic;
            self.pending = self.shared.feed(id, outcome, self.last_seen);
        }
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
        self.shared.refresh_ended.notify_waiters();
    }
}
