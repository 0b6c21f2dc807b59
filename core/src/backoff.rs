//! What a failed refresh leaves behind (rule 5): its error, which answers
//! requests the cache cannot, and when the next attempt is allowed.

use std::time::{Duration, Instant};

use http::header::RETRY_AFTER;
use http::HeaderMap;

use crate::cache::delta_seconds;
use crate::error::AuthError;
use crate::time::UnixTime;

/// The last failed refresh. A success clears it (and so resets the backoff).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// The error requests get while the cache cannot answer for them.
    pub(crate) error: AuthError,
    /// When it failed, wall-clock (for the status).
    pub(crate) at: UnixTime,
    consecutive: u32,
    failed_at: Instant,
    wait: Duration,
}

impl Failure {
    /// Records a failed refresh at `now`, following `previous` (if the one
    /// before failed too). The wait is 1 s, 2 s, 4 s, ... capped at
    /// `cooldown`; a `Retry-After` of the last response (429 or 503 only)
    /// replaces it, shorter or longer, itself capped at `ttl`.
    pub(crate) fn new(
        error: AuthError,
        previous: Option<&Failure>,
        retry_after: Option<Duration>,
        (now, at): (Instant, UnixTime),
        cooldown: Duration,
        ttl: Duration,
    ) -> Self {
        let consecutive = previous.map_or(1, |p| p.consecutive.saturating_add(1));
        let doubling = Duration::from_secs(1u64 << (consecutive - 1).min(63));
        let wait = match retry_after {
            Some(asked) => asked.min(ttl),
            None => doubling.min(cooldown),
        };
        Failure {
            error,
            at,
            consecutive,
            failed_at: now,
            wait,
        }
    }

    /// Whether the next attempt must still wait: `now < failed_at + wait`.
    pub(crate) fn backing_off(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.failed_at) < self.wait
    }

    /// How long until the next attempt is allowed (zero once it is).
    pub(crate) fn wait_left(&self, now: Instant) -> Duration {
        self.wait
            .saturating_sub(now.saturating_duration_since(self.failed_at))
    }

    /// When the next attempt is allowed (`None`: beyond any clock).
    pub(crate) fn next_attempt(&self) -> Option<Instant> {
        self.failed_at.checked_add(self.wait)
    }
}

/// The `Retry-After` delay a response asks for, when it counts for the
/// backoff: status 429 or 503 and a delta-seconds value (an HTTP-date is
/// ignored). The field is a singleton; when a response repeats it (or a
/// proxy joined several values with commas), the longest delay counts:
/// every value the server sent is honoured.
pub(crate) fn retry_after(status: u16, headers: &HeaderMap) -> Option<Duration> {
    if !matches!(status, 429 | 503) {
        return None;
    }
    headers
        .get_all(RETRY_AFTER)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|value| delta_seconds(value.trim()))
        .max()
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;
    use crate::error::SourceProblem;

    const COOLDOWN: Duration = Duration::from_secs(30);
    const TTL: Duration = Duration::from_secs(300);

    fn fail(previous: Option<&Failure>, retry_after: Option<u64>, at: Instant) -> Failure {
        Failure::new(
            AuthError::JwksFetchFailed(SourceProblem::Refused.into()),
            previous,
            retry_after.map(Duration::from_secs),
            (at, UnixTime::from_secs_f64(0.0)),
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
        assert_eq!(
            f.wait_left(t0 + Duration::from_millis(400)),
            Duration::from_millis(600)
        );
        assert_eq!(f.next_attempt(), Some(t0 + Duration::from_secs(1)));
    }

    #[test]
    fn retry_after_replaces_the_backoff_shorter_or_longer_up_to_the_ttl() {
        let t0 = Instant::now();
        assert_eq!(fail(None, Some(120), t0).wait, Duration::from_secs(120));
        assert_eq!(fail(None, Some(100_000), t0).wait, TTL);
        let third = fail(
            Some(&fail(Some(&fail(None, None, t0)), None, t0)),
            Some(0),
            t0,
        );
        assert_eq!(third.wait, Duration::ZERO, "shorter than the 4 s backoff");
        let fourth = fail(Some(&third), None, t0);
        assert_eq!(
            fourth.wait,
            Duration::from_secs(8),
            "the doubling goes on after it"
        );
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
        let headers = |values: &[&str]| {
            let mut map = HeaderMap::new();
            for value in values {
                map.append(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            }
            map
        };
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(retry_after(503, &headers(&["120"])), secs(120));
        assert_eq!(retry_after(429, &headers(&[" 7 "])), secs(7));
        assert_eq!(retry_after(500, &headers(&["120"])), None);
        assert_eq!(
            retry_after(503, &headers(&["Wed, 21 Oct 2015 07:28:00 GMT"])),
            None
        );
        assert_eq!(retry_after(503, &HeaderMap::new()), None);
        assert_eq!(
            retry_after(503, &headers(&["5", "60"])),
            secs(60),
            "the longest"
        );
        assert_eq!(retry_after(503, &headers(&["60, 5"])), secs(60));
        assert_eq!(retry_after(503, &headers(&["soon", "9"])), secs(9));
    }
}
