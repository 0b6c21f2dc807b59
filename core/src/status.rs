//! [`Status`]: a snapshot of the key source for health endpoints and
//! metrics, and the counters behind it. Verdicts are counted through
//! atomics shared with every [`Check`](crate::Check), so finishing one
//! takes no lock.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crate::error::{AuthError, ERROR_CODES};
use crate::time::UnixTime;

/// What the cached keys can do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeysState {
    /// Nothing cached and no refresh has failed: the next operation fetches.
    Empty,
    /// Fresh keys answer without any fetch.
    Fresh,
    /// The keys are past their freshness and no refresh has failed since:
    /// the next verification refreshes them first.
    Stale,
    /// A refresh failed (or the verifier is closed); the cached keys answer
    /// while inside their stale window.
    ServingStale,
    /// A refresh failed (or the verifier is closed) and no cached key may
    /// answer: operations that need keys fail with 503.
    Failed,
}

impl KeysState {
    /// A stable name, e.g. `"serving_stale"`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeysState::Empty => "empty",
            KeysState::Fresh => "fresh",
            KeysState::Stale => "stale",
            KeysState::ServingStale => "serving_stale",
            KeysState::Failed => "failed",
        }
    }
}

/// The last failed refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct LastFailure {
    /// When it failed (wall-clock time).
    pub at: UnixTime,
    /// The error it left (its code, and its cause through
    /// [`std::error::Error::source`]).
    pub error: AuthError,
}

/// Running totals since the verifier was built.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counters {
    /// HTTP requests handed out (retries and discovery stages each count;
    /// redirect hops do not).
    pub fetches: u64,
    /// Refreshes that succeeded.
    pub refreshes: u64,
    /// Refreshes that failed.
    pub refresh_failures: u64,
    /// Operations answered from keys past their freshness.
    pub stale_serves: u64,
    /// Unknown `kid`s answered `key_not_found` at once because of the cooldown.
    pub cooldown_refusals: u64,
    /// Tokens whose `kid` no single usable key carried.
    pub unknown_kids: u64,
    /// Verifications that passed every check.
    pub accepted: u64,
    /// Verifications refused, by error code (codes never seen are absent).
    /// A verification counts once it is answered: a
    /// [`Check`](crate::Check) when it is finished.
    pub rejected: BTreeMap<&'static str, u64>,
    /// Events dropped because nobody drained them.
    pub events_dropped: u64,
}

/// A snapshot of the key source, from
/// [`Verifier::status`](crate::Verifier::status). Durations count from the
/// time it was taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// What the cached keys can do now.
    pub state: KeysState,
    /// The `kid`s of the cached usable keys, in document order (keys
    /// without one are counted in `key_count` only).
    pub key_ids: Vec<String>,
    /// How many usable keys are cached.
    pub key_count: usize,
    /// When keys were last fetched successfully (wall-clock time).
    pub last_success: Option<UnixTime>,
    /// The failed refresh that has not been followed by a success.
    pub last_failure: Option<LastFailure>,
    /// How long until time alone lets a refresh start: the refresh-ahead
    /// window opening (or freshness ending, with refresh-ahead off), or the
    /// backoff ending after a failure; zero when one may start now, `None`
    /// once the verifier is closed.
    pub next_refresh_in: Option<Duration>,
    /// How long the cached keys may still answer (`None`: none cached).
    pub stale_until_in: Option<Duration>,
    /// How long until an unknown `kid` may trigger a refetch (zero: now).
    pub cooldown_left: Duration,
    /// Whether a request is in flight.
    pub refreshing: bool,
    /// Whether [`Verifier::close`](crate::Verifier::close) was called.
    pub closed: bool,
    /// Running totals.
    pub counters: Counters,
}

/// The counters the key source keeps under the driver's lock.
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceCounters {
    pub(crate) fetches: u64,
    pub(crate) refreshes: u64,
    pub(crate) refresh_failures: u64,
    pub(crate) stale_serves: u64,
    pub(crate) cooldown_refusals: u64,
    pub(crate) unknown_kids: u64,
}

/// How many slots the accepted count is spread over: threads verifying at
/// once each add to their own, so they do not all write one cache line
/// (every write to a shared line stalls the other cores that use it).
const ACCEPTED_SLOTS: usize = 8;

/// A counter alone on its cache lines (128 bytes: a line and the one
/// fetched with it), so that a write to it invalidates nothing else.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Slot(AtomicU64);

/// Verdicts, counted without a lock; the accepted ones (every verification
/// of a healthy service) in a slot per thread.
#[derive(Debug)]
pub(crate) struct VerdictCounters {
    accepted: [Slot; ACCEPTED_SLOTS],
    rejected: [AtomicU64; ERROR_CODES.len()],
}

impl Default for VerdictCounters {
    fn default() -> Self {
        VerdictCounters {
            accepted: Default::default(),
            rejected: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

/// The calling thread's accepted-count slot, given out in turn to threads
/// as they first count.
fn accepted_slot() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed) % ACCEPTED_SLOTS;
    }
    SLOT.with(|slot| *slot)
}

impl VerdictCounters {
    /// Counts one answered verification.
    pub(crate) fn record<T>(&self, verdict: &Result<T, AuthError>) {
        let counter = match verdict {
            Ok(_) => &self.accepted[accepted_slot()].0,
            Err(error) => &self.rejected[error.code_index()],
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn accepted(&self) -> u64 {
        let slots = self.accepted.iter();
        slots.map(|slot| slot.0.load(Ordering::Relaxed)).sum()
    }

    /// The totals, joined with the key source's.
    pub(crate) fn counters(&self, source: &SourceCounters, events_dropped: u64) -> Counters {
        let rejected = ERROR_CODES
            .iter()
            .zip(&self.rejected)
            .map(|(code, count)| (*code, count.load(Ordering::Relaxed)))
            .filter(|(_, count)| *count > 0)
            .collect();
        Counters {
            fetches: source.fetches,
            refreshes: source.refreshes,
            refresh_failures: source.refresh_failures,
            stale_serves: source.stale_serves,
            cooldown_refusals: source.cooldown_refusals,
            unknown_kids: source.unknown_kids,
            accepted: self.accepted(),
            rejected,
            events_dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_are_counted_by_code() {
        let counters = VerdictCounters::default();
        counters.record::<()>(&Ok(()));
        counters.record::<()>(&Err(AuthError::TokenExpired));
        counters.record::<()>(&Err(AuthError::TokenExpired));
        counters.record::<()>(&Err(AuthError::MissingToken));
        let totals = counters.counters(&SourceCounters::default(), 3);
        assert_eq!(totals.accepted, 1);
        assert_eq!(
            totals.rejected.into_iter().collect::<Vec<_>>(),
            [("missing_token", 1), ("token_expired", 2)]
        );
        assert_eq!(totals.events_dropped, 3);
    }

    #[test]
    fn accepted_verdicts_of_every_thread_are_summed() {
        let counters = VerdictCounters::default();
        std::thread::scope(|scope| {
            for _ in 0..ACCEPTED_SLOTS + 3 {
                scope.spawn(|| (0..100).for_each(|_| counters.record::<()>(&Ok(()))));
            }
        });
        let totals = counters.counters(&SourceCounters::default(), 0);
        assert_eq!(totals.accepted, 100 * (ACCEPTED_SLOTS as u64 + 3));
    }
}
