//! [`Refresh`]: a refresh a driver performs, and what its ending — however
//! it ends — tells the core.

use std::sync::Arc;

use crate::answer::FetchAnswer;
use crate::handle::SharedCore;
use crate::http::{FetchId, FetchRequest};
use crate::progress::FetchNext;
use crate::time::Now;

/// The driver's state a [`Refresh`] holds: shared, behind an `Arc`, with
/// the thread or task that performs it.
pub trait RefreshOwner: Send + Sync + 'static {
    /// The core the refresh's answers go to.
    fn core(&self) -> &SharedCore;

    /// Wakes every caller waiting for a refresh to end.
    fn refresh_ended(&self);
}

/// A refresh a driver owns, holding the id of its request in flight.
///
/// However it ends (its last answer handed over, a panic, a thread that
/// could not start, a runtime dropping its task), dropping it tells the
/// core of a request left unperformed
/// ([`Verifier::handle_abandoned`](crate::Verifier::handle_abandoned)) and
/// wakes every waiter, so no caller waits for a request nobody performs.
pub struct Refresh<O: RefreshOwner> {
    owner: Arc<O>,
    in_flight: Option<FetchId>,
    /// The latest clock reading, used when dropped (the clock is not read
    /// again on that path: it may be what panicked).
    last_seen: Now,
}

impl<O: RefreshOwner> Refresh<O> {
    /// The refresh `request` starts, handed out at `now`.
    pub fn new(owner: &Arc<O>, request: &FetchRequest, now: Now) -> Self {
        Refresh {
            owner: Arc::clone(owner),
            in_flight: Some(request.id()),
            last_seen: now,
        }
    }

    /// The driver's state (its HTTP client, its clock).
    pub fn owner(&self) -> &O {
        &self.owner
    }

    /// Hands `answer`, read at `now`, to the core: the refresh's next
    /// request to perform, or `None` when the refresh has ended (also when
    /// the core had given the request up already).
    pub fn answered(&mut self, answer: FetchAnswer, now: Now) -> Option<FetchRequest> {
        self.last_seen = now;
        let answered = self
            .owner
            .core()
            .with(|core| core.handle_answer(answer, now));
        let next = answered.ok().and_then(FetchNext::into_request);
        self.in_flight = next.as_ref().map(FetchRequest::id);
        next
    }
}

impl<O: RefreshOwner> Drop for Refresh<O> {
    fn drop(&mut self) {
        if let Some(id) = self.in_flight.take() {
            let now = self.last_seen;
            let _ = self
                .owner
                .core()
                .with(|core| core.handle_abandoned(id, now));
        }
        self.owner.refresh_ended();
    }
}

impl<O: RefreshOwner> std::fmt::Debug for Refresh<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refresh")
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}
