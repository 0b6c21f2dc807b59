//! What a failed refresh leaves behind (SPEC.md rule 5): its error, which
//! answers requests the cache cannot, and when the next attempt is allowed.

use std::time::{Duration, Instant};

use crate::cache::delta_seconds;
use crate::error::AuthError;
use crate::http::HttpResponse;

/// The last failed refresh. A success clears it (and so resets the backoff).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// The error requests get while the cache cannot answer for them.
    pub(crate) error: AuthError,
    consecutive: u32,
    failed_at: Instant,
    wait: Duration,
}

impl Failure {
    /// Records a failed refresh at `now`, following `previous` (if the one
    /// before failed too). The wait is 1 s, 2 s, 4 s, ... capped at
    /// `cooldown`; a `Retry-After` of the last response (429 or 503 only)
    /// makes it at least that long, itself capped at `ttl`.
    pub(crate) fn new(
        error: AuthError,
        previous: Option<&Failure>,
        retry_after: Option<Duration>,
        now: Instant,
        cooldown: Duration,
        ttl: Duration,
    ) -> Self {
        let consecutive = previous.map_or(1, |p| p.consecutive.saturating_add(1));
        let doubling = Duration::from_secs(1u64 << (consecutive - 1).min(63));
        let backoff = doubling.min(cooldown);
        let wait = match retry_after {
            Some(asked) => backoff.max(asked.min(ttl)),
            None => backoff,
        };
        Failure {
            error,
            consecutive,
            failed_at: now,
            wait,
        }
    }

    /// Whether the next attempt must still wait: `now < failed_at + wait`.
    pub(crate) fn backing_off(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.failed_at) < self.wait
    }
}

/// The `Retry-After` delay a response asks for, when it counts for the
/// backoff: status 429 or 503 and a delta-seconds value (an HTTP-date is
/// ignored).
pub(crate) fn retry_after(response: &HttpResponse) -> Option<Duration> {
    if !matches!(response.status, 429 | 503) {
        return None;
    }
    delta_seconds(response.retry_after.as_deref()?.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SourceProblem;

    const COOLDOWN: Duration = Duration::from_secs(30);
    const TTL: Duration = Duration::from_secs(300);

    fn fail(previous: Option<&Failure>, retry_after: Option<u64>, at: Instant) -> Failure {
        Failure::new(
            AuthError::JwksFetchFailed(SourceProblem::Refused),
            previous,
            retry_after.map(Duration::from_secs),
            at,
            COOLDOWN,
            TTL,
        )
    }

    #[test]
    fn backoff_doubles_up_to_the_cooldown() {
        let t0 = Instant::now();
        let mut failure: Option<Failure> = None;
        let mut waits = vec![];
        for _ in 0..8 {
            let f = fail(failure.as_ref(), None, t0);
            waits.push(f.wait.as_secs());
            failure = Some(f);
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn the_next_attempt_is_allowed_exactly_at_failed_at_plus_wait() {
        let t0 = Instant::now();
        let f = fail(None, None, t0);
        assert!(f.backing_off(t0));
        assert!(f.backing_off(t0 + Duration::from_millis(999)));
        assert!(!f.backing_off(t0 + Duration::from_secs(1)));
    }

    #[test]
    fn retry_after_lengthens_the_wait_up_to_the_ttl() {
        let t0 = Instant::now();
        assert_eq!(fail(None, Some(120), t0).wait, Duration::from_secs(120));
        assert_eq!(fail(None, Some(100_000), t0).wait, TTL);
        let third = fail(
            Some(&fail(Some(&fail(None, None, t0)), None, t0)),
            Some(0),
            t0,
        );
        assert_eq!(third.wait, Duration::from_secs(4));
    }

    #[test]
    fn many_failures_never_overflow() {
        let t0 = Instant::now();
        let mut f = fail(None, None, t0);
        for _ in 0..100 {
            f = fail(Some(&f), None, t0);
        }
        assert_eq!(f.wait, COOLDOWN);
    }

    #[test]
    fn retry_after_counts_only_on_429_and_503_as_delta_seconds() {
        let response = |status: u16, value: &str| HttpResponse {
            status,
            retry_after: Some(value.to_owned()),
            ..HttpResponse::default()
        };
        assert_eq!(
            retry_after(&response(503, "120")),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after(&response(429, " 7 ")),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_after(&response(500, "120")), None);
        assert_eq!(
            retry_after(&response(503, "Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(
            retry_after(&HttpResponse {
                status: 503,
                ..HttpResponse::default()
            }),
            None
        );
    }
}
