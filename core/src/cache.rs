//! The cached key set and its time windows (docs/rules.md, "Fetching and
//! caching", boundaries and rule 2): fresh, refresh-ahead, stale-if-error,
//! cooldown.
//!
//! Every window is computed from the key set's age (`now - fetched`), with
//! saturating arithmetic, so no configured duration can overflow an
//! [`Instant`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::jwks::KeySet;

/// What decided how long a fetched key set is fresh (rule 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreshnessSource {
    /// `cache_ttl_s`.
    Ttl,
    /// The response's `Cache-Control` (`max-age`, `no-cache` or
    /// `no-store`), floored at `refresh_cooldown_s`.
    CacheControl,
}

impl FreshnessSource {
    /// `"ttl"` or `"cache-control"` (for logs).
    pub fn as_str(self) -> &'static str {
        match self {
            FreshnessSource::Ttl => "ttl",
            FreshnessSource::CacheControl => "cache-control",
        }
    }
}

/// A successfully fetched key set and when it was fetched.
#[derive(Debug)]
pub(crate) struct CachedKeys {
    pub(crate) keys: Arc<KeySet>,
    fetched: Instant,
    pub(crate) fresh_for: Duration,
}

impl CachedKeys {
    /// Keys fetched at `fetched`, fresh for `fresh_for` (see [`freshness`]).
    pub(crate) fn new(keys: KeySet, fetched: Instant, fresh_for: Duration) -> Self {
        CachedKeys {
            keys: Arc::new(keys),
            fetched,
            fresh_for,
        }
    }

    /// How long ago the keys were fetched.
    pub(crate) fn age(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.fetched)
    }

    /// `fetched + offset`, `None` beyond any clock.
    fn after(&self, offset: Duration) -> Option<Instant> {
        self.fetched.checked_add(offset)
    }

    /// When freshness ends.
    pub(crate) fn stale_at(&self) -> Option<Instant> {
        self.after(self.fresh_for)
    }

    /// When the refresh-ahead window opens (`None` when `ahead` turns it off).
    pub(crate) fn ahead_at(&self, ahead: Duration) -> Option<Instant> {
        let ahead = self.refresh_ahead(ahead);
        (!ahead.is_zero()).then(|| self.after(self.fresh_for - ahead))?
    }

    /// When the stale window ends: the keys can no longer answer.
    pub(crate) fn expires_at(&self, stale_if_error: Duration) -> Option<Instant> {
        self.after(self.fresh_for.saturating_add(stale_if_error))
    }

    /// The refresh-ahead span, capped at half the freshness.
    fn refresh_ahead(&self, ahead: Duration) -> Duration {
        ahead.min(self.fresh_for / 2)
    }

    /// `now < fetched + fresh_for`.
    pub(crate) fn is_fresh(&self, now: Instant) -> bool {
        self.age(now) < self.fresh_for
    }

    /// `fetched + fresh_for - ahead <= now < fetched + fresh_for`, with
    /// `ahead` capped at half the freshness; never for an `ahead` of zero.
    pub(crate) fn in_refresh_ahead_window(&self, now: Instant, ahead: Duration) -> bool {
        let ahead = self.refresh_ahead(ahead);
        let age = self.age(now);
        !ahead.is_zero() && age >= self.fresh_for - ahead && age < self.fresh_for
    }

    /// `now < fetched + fresh_for + stale_if_error`: the keys may still answer
    /// while refreshes fail.
    pub(crate) fn may_serve_stale(&self, now: Instant, stale_if_error: Duration) -> bool {
        self.age(now) < self.fresh_for.saturating_add(stale_if_error)
    }

    /// How much longer the cooldown after this fetch lasts: an unknown `kid`
    /// may trigger a refetch once it is zero (`now >= last_success + cooldown`).
    pub(crate) fn cooldown_left(&self, now: Instant, cooldown: Duration) -> Duration {
        cooldown.saturating_sub(self.age(now))
    }
}

/// How long a fetched key set is fresh (rule 2): `ttl`, shortened by a
/// `Cache-Control: max-age=N` below it to `max(N, cooldown)`; `no-cache` and
/// `no-store` count as `max-age=0`. Never longer than `ttl`.
pub(crate) fn freshness(
    cache_control: Option<&str>,
    ttl: Duration,
    cooldown: Duration,
) -> (Duration, FreshnessSource) {
    match cache_control.and_then(max_age) {
        Some(max_age) if max_age < ttl => (
            max_age.max(cooldown).min(ttl),
            FreshnessSource::CacheControl,
        ),
        _ => (ttl, FreshnessSource::Ttl),
    }
}

/// The smallest `max-age` a `Cache-Control` value states, with `no-cache`
/// and `no-store` as zero. Directive names are case-insensitive; a malformed
/// `max-age` is ignored.
fn max_age(cache_control: &str) -> Option<Duration> {
    cache_control
        .split(',')
        .filter_map(|directive| {
            let directive = directive.trim();
            let (name, value) = directive
                .split_once('=')
                .map_or((directive, None), |(n, v)| (n.trim(), Some(v.trim())));
            if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
                return Some(Duration::ZERO);
            }
            if !name.eq_ignore_ascii_case("max-age") {
                return None;
            }
            let value = value?;
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            delta_seconds(value)
        })
        .min()
}

/// RFC 9111 delta-seconds: one or more digits; values too large to hold
/// saturate (RFC 9111 section 1.2.2).
pub(crate) fn delta_seconds(value: &str) -> Option<Duration> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Duration::from_secs(
        value.parse::<u64>().unwrap_or(u64::MAX),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(300);
    const COOLDOWN: Duration = Duration::from_secs(30);

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn freshness(cache_control: Option<&str>, ttl: Duration, cooldown: Duration) -> Duration {
        super::freshness(cache_control, ttl, cooldown).0
    }

    #[test]
    fn freshness_says_what_decided_it() {
        let decided = |cc| super::freshness(cc, TTL, COOLDOWN).1;
        assert_eq!(decided(Some("max-age=60")), FreshnessSource::CacheControl);
        assert_eq!(decided(Some("no-store")), FreshnessSource::CacheControl);
        assert_eq!(decided(Some("max-age=600")), FreshnessSource::Ttl);
        assert_eq!(decided(None), FreshnessSource::Ttl);
    }

    #[test]
    fn window_deadlines_follow_the_fetch_time() {
        let t0 = Instant::now();
        let keys = KeySet::parse(
            &serde_json::to_vec(
                &serde_json::json!({"keys": [crate::jwk::test_keys::rsa(2048).jwk]}),
            )
            .unwrap(),
            &[crate::alg::Algorithm::RS256],
        )
        .unwrap();
        let cached = CachedKeys::new(keys, t0, secs(100));
        assert_eq!(cached.stale_at(), Some(t0 + secs(100)));
        assert_eq!(cached.ahead_at(secs(30)), Some(t0 + secs(70)));
        assert_eq!(
            cached.ahead_at(secs(80)),
            Some(t0 + secs(50)),
            "capped at half"
        );
        assert_eq!(cached.ahead_at(Duration::ZERO), None);
        assert_eq!(cached.expires_at(secs(50)), Some(t0 + secs(150)));
        assert_eq!(cached.expires_at(Duration::MAX), None);
        assert_eq!(cached.cooldown_left(t0 + secs(10), secs(30)), secs(20));
    }

    #[test]
    fn max_age_below_ttl_shortens_freshness_but_not_below_cooldown() {
        assert_eq!(freshness(Some("max-age=120"), TTL, COOLDOWN), secs(120));
        assert_eq!(
            freshness(Some("public, MAX-AGE=5"), TTL, COOLDOWN),
            COOLDOWN
        );
        assert_eq!(freshness(Some("max-age=\"60\""), TTL, COOLDOWN), secs(60));
    }

    #[test]
    fn max_age_never_lengthens_freshness() {
        assert_eq!(freshness(Some("max-age=86400"), TTL, COOLDOWN), TTL);
        assert_eq!(freshness(Some("max-age=300"), TTL, COOLDOWN), TTL);
        assert_eq!(
            freshness(Some("max-age=99999999999999999999999"), TTL, COOLDOWN),
            TTL
        );
    }

    #[test]
    fn no_cache_and_no_store_count_as_zero() {
        assert_eq!(freshness(Some("no-cache"), TTL, COOLDOWN), COOLDOWN);
        assert_eq!(
            freshness(Some("max-age=600, No-Store"), TTL, COOLDOWN),
            COOLDOWN
        );
    }

    #[test]
    fn absent_or_malformed_cache_control_keeps_ttl() {
        for value in [
            None,
            Some(""),
            Some("max-age"),
            Some("max-age=-1"),
            Some("max-age=1.5"),
            Some("private"),
        ] {
            assert_eq!(freshness(value, TTL, COOLDOWN), TTL, "{value:?}");
        }
    }

    #[test]
    fn cooldown_longer_than_ttl_is_capped_by_ttl() {
        assert_eq!(freshness(Some("no-store"), secs(10), secs(30)), secs(10));
    }

    #[test]
    fn delta_seconds_are_digits_only() {
        assert_eq!(delta_seconds("120"), Some(secs(120)));
        assert_eq!(delta_seconds(""), None);
        assert_eq!(delta_seconds("+1"), None);
        assert_eq!(delta_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(delta_seconds("99999999999999999999"), Some(secs(u64::MAX)));
    }
}
