//! The deadlines at which the key source changes without any input, one
//! per reason, set when the change they belong to happens (a request handed
//! out, keys fetched, a refresh failed) and cleared when they fire or stop
//! applying.

use std::time::Instant;

/// Why the verifier wants to be woken at a [`Timer`]'s deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TimerReason {
    /// The request in flight has had no answer for twice the HTTP timeout
    /// and a second: it counts as lost, and its refresh fails as a timeout.
    RequestLost,
    /// The cached keys enter their refresh-ahead window: the next
    /// verification that finds its key starts a refresh.
    RefreshAheadDue,
    /// The cached keys stop being fresh.
    FreshnessEnds,
    /// The backoff after a failed refresh is over: the next attempt may start.
    BackoffOver,
    /// The cached keys leave their stale window and can no longer answer.
    StaleWindowEnds,
}

impl TimerReason {
    const ALL: [TimerReason; 5] = [
        TimerReason::RequestLost,
        TimerReason::RefreshAheadDue,
        TimerReason::FreshnessEnds,
        TimerReason::BackoffOver,
        TimerReason::StaleWindowEnds,
    ];

    /// A stable name (for logs).
    pub fn as_str(self) -> &'static str {
        match self {
            TimerReason::RequestLost => "request_lost",
            TimerReason::RefreshAheadDue => "refresh_ahead_due",
            TimerReason::FreshnessEnds => "freshness_ends",
            TimerReason::BackoffOver => "backoff_over",
            TimerReason::StaleWindowEnds => "stale_window_ends",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// The next deadline of the verifier and why (from
/// [`Verifier::poll_timeout`](crate::Verifier::poll_timeout)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    /// When (monotonic time, as given to the verifier).
    pub at: Instant,
    /// Why.
    pub reason: TimerReason,
}

/// One optional deadline per [`TimerReason`] (quinn's `TimerTable`).
#[derive(Debug, Clone, Default)]
pub(crate) struct TimerTable {
    deadlines: [Option<Instant>; TimerReason::ALL.len()],
}

impl TimerTable {
    /// Arms `reason` at `at` (`None`, a deadline beyond any clock, disarms it).
    pub(crate) fn set(&mut self, reason: TimerReason, at: Option<Instant>) {
        self.deadlines[reason.slot()] = at;
    }

    pub(crate) fn clear(&mut self, reason: TimerReason) {
        self.set(reason, None);
    }

    /// The earliest armed deadline.
    pub(crate) fn next(&self) -> Option<Timer> {
        TimerReason::ALL
            .into_iter()
            .filter_map(|reason| self.deadlines[reason.slot()].map(|at| Timer { at, reason }))
            .min_by_key(|timer| (timer.at, timer.reason))
    }

    /// Disarms and returns the earliest deadline at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Timer> {
        let due = self.next().filter(|timer| timer.at <= now)?;
        self.clear(due.reason);
        Some(due)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_earliest_deadline_comes_first_and_fires_once() {
        let t0 = Instant::now();
        let mut table = TimerTable::default();
        assert_eq!(table.next(), None);
        table.set(
            TimerReason::StaleWindowEnds,
            Some(t0 + Duration::from_secs(9)),
        );
        table.set(TimerReason::RequestLost, Some(t0 + Duration::from_secs(3)));
        table.set(TimerReason::BackoffOver, None);
        assert_eq!(
            table.next(),
            Some(Timer {
                at: t0 + Duration::from_secs(3),
                reason: TimerReason::RequestLost
            })
        );
        assert_eq!(table.pop_due(t0), None);
        let later = t0 + Duration::from_secs(10);
        assert_eq!(
            table.pop_due(later).map(|t| t.reason),
            Some(TimerReason::RequestLost)
        );
        assert_eq!(
            table.pop_due(later).map(|t| t.reason),
            Some(TimerReason::StaleWindowEnds)
        );
        assert_eq!(table.pop_due(later), None);
    }
}
