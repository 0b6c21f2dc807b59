//! [`SharedCore`]: the core as a driver shares it between its callers and
//! its refreshes.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::event::Event;
use crate::verifier::Verifier;

/// The core behind one lock, held only for the core's own calls (never
/// across I/O, a wait or a signature check), its events emitted once the
/// lock is released.
pub struct SharedCore {
    core: Mutex<Verifier>,
}

impl SharedCore {
    /// Puts `core` behind the lock.
    pub fn new(core: Verifier) -> Self {
        SharedCore {
            core: Mutex::new(core),
        }
    }

    /// The core, even after a panic elsewhere poisoned its lock: its state is
    /// only ever changed by whole core calls. For a driver's wait on a
    /// condition variable; a core call goes through [`with`](Self::with).
    pub fn lock(&self) -> MutexGuard<'_, Verifier> {
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `call` on the core, then emits the events it queued (with the
    /// `tracing` feature; see [`Event::emit`]) once the lock is released.
    pub fn with<R>(&self, call: impl FnOnce(&mut Verifier) -> R) -> R {
        let (result, events) = {
            let mut core = self.lock();
            let result = call(&mut core);
            let events: Vec<Event> = std::iter::from_fn(|| core.poll_event()).collect();
            (result, events)
        };
        emit(&events);
        result
    }

    /// Whether a request of the core is in flight.
    pub fn is_refreshing(&self) -> bool {
        self.lock().is_refreshing()
    }
}

#[cfg(feature = "tracing")]
fn emit(events: &[Event]) {
    events.iter().for_each(Event::emit);
}

/// Without `tracing` there is nowhere to send events: they are dropped.
#[cfg(not(feature = "tracing"))]
fn emit(_: &[Event]) {}

impl fmt::Debug for SharedCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedCore").finish_non_exhaustive()
    }
}
