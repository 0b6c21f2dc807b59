//! What the key source tells its operators: [`Event`]s, queued (bounded)
//! for the driver to drain with
//! [`Verifier::poll_event`](crate::Verifier::poll_event), and, with the
//! `tracing` feature, their one mapping to `tracing` events.
//!
//! No event ever carries token content: a `kid` in an event is one a key
//! set published, never one a token named.

use std::collections::VecDeque;
use std::time::Duration;

use crate::cache::FreshnessSource;
use crate::error::AuthError;
use crate::http::FetchId;
use crate::jwk::Unusable;

/// The most events kept undrained: when full, the oldest is dropped (and
/// counted in [`Counters::events_dropped`](crate::Counters::events_dropped)).
/// Large enough for one refresh of a full key set (100 skipped JWKs) and
/// its outcome.
pub const MAX_QUEUED_EVENTS: usize = 256;

/// Something the key source did or met.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A refresh succeeded: the whole key set was replaced.
    KeysRefreshed {
        /// The key set URL.
        url: String,
        /// `kid`s now present that were not before.
        added: Vec<String>,
        /// `kid`s present before and gone now.
        removed: Vec<String>,
        /// How many usable keys the set has.
        keys: usize,
        /// How long the keys are fresh.
        fresh_for: Duration,
        /// What decided `fresh_for`.
        decided_by: FreshnessSource,
    },
    /// A JWK of a fetched set was skipped as unusable (the others load).
    JwkSkipped {
        /// The key set URL.
        url: String,
        /// The JWK's `kid` (as the set published it, cut for logs), if any.
        kid: Option<String>,
        /// Why.
        reason: Unusable,
    },
    /// A refresh failed; nothing cached changed.
    RefreshFailed {
        /// The URL of the failing request.
        url: String,
        /// What requests get while no cached key may answer; its cause is
        /// reached through [`std::error::Error::source`].
        error: AuthError,
        /// When the next attempt is allowed.
        next_attempt_in: Duration,
        /// How much longer the cached keys may answer (`None`: none cached,
        /// or past their stale window).
        stale_for: Option<Duration>,
    },
    /// Past their freshness, cached keys answered because refreshing them
    /// fails; once per failed refresh (every such answer is counted in
    /// [`Counters::stale_serves`](crate::Counters::stale_serves)).
    ServingStale {
        /// How long ago the keys were fetched.
        age: Duration,
        /// How much longer they may answer.
        stale_for: Duration,
    },
    /// A token's `kid` is not in the key set and the refetch cooldown
    /// forbids fetching it again: `key_not_found` at once. Once per fetched
    /// set (every refusal is counted in
    /// [`Counters::cooldown_refusals`](crate::Counters::cooldown_refusals)).
    UnknownKidRefused {
        /// How long until an unknown `kid` may trigger a refetch.
        cooldown_left: Duration,
    },
    /// The discovery document names another issuer: no key from it is
    /// trusted (a [`RefreshFailed`](Event::RefreshFailed) follows).
    IssuerMismatch {
        /// The discovery document's URL.
        url: String,
        /// The issuer it named (cut for logs), if it named one as a string.
        published: Option<String>,
    },
    /// A request had no answer within twice the HTTP timeout and a second:
    /// it was given up, and its refresh failed as a timeout.
    RequestGivenUp {
        /// The request's URL.
        url: String,
        /// Its id (a late answer to it is refused).
        id: FetchId,
        /// How long it was waited for.
        waited: Duration,
    },
    /// Refreshes are failing and the cached keys just left their stale
    /// window: operations that need keys now fail (503).
    KeysExpired {
        /// How long ago the keys were fetched.
        age: Duration,
    },
}

impl Event {
    /// A stable name, e.g. `"keys_refreshed"` (the `event` field of its log).
    pub fn name(&self) -> &'static str {
        match self {
            Event::KeysRefreshed { .. } => "keys_refreshed",
            Event::JwkSkipped { .. } => "jwk_skipped",
            Event::RefreshFailed { .. } => "refresh_failed",
            Event::ServingStale { .. } => "serving_stale",
            Event::UnknownKidRefused { .. } => "unknown_kid_refused",
            Event::IssuerMismatch { .. } => "issuer_mismatch",
            Event::RequestGivenUp { .. } => "request_given_up",
            Event::KeysExpired { .. } => "keys_expired",
        }
    }
}

/// The target of every log line [`Event::emit`] makes.
#[cfg(feature = "tracing")]
pub const TRACING_TARGET: &str = "oidc_jwt_verifier";

#[cfg(feature = "tracing")]
impl Event {
    /// Logs the event as one `tracing` event with target
    /// [`TRACING_TARGET`], the field `event` = [`name`](Self::name) and the
    /// event's own fields (durations as seconds, `_s`):
    ///
    /// | event | level | fields |
    /// | --- | --- | --- |
    /// | `keys_refreshed` | DEBUG | `url`, `keys`, `added`, `removed`, `fresh_for_s`, `decided_by` |
    /// | `jwk_skipped` | INFO | `url`, `kid`, `reason` |
    /// | `refresh_failed` | WARN | `url`, `error` (the code), `cause`, `next_attempt_in_s`, `stale_for_s` |
    /// | `serving_stale` | WARN | `age_s`, `stale_for_s` |
    /// | `unknown_kid_refused` | INFO | `cooldown_left_s` |
    /// | `issuer_mismatch` | WARN | `url`, `published` |
    /// | `request_given_up` | WARN | `url`, `id`, `waited_s` |
    /// | `keys_expired` | ERROR | `age_s` |
    pub fn emit(&self) {
        use tracing::{debug, error, info, warn};
        let event = self.name();
        match self {
            Event::KeysRefreshed {
                url,
                added,
                removed,
                keys,
                fresh_for,
                decided_by,
            } => debug!(
                target: TRACING_TARGET,
                event,
                %url,
                keys,
                added = ?added,
                removed = ?removed,
                fresh_for_s = fresh_for.as_secs_f64(),
                decided_by = decided_by.as_str(),
                "JWKS refreshed"
            ),
            Event::JwkSkipped { url, kid, reason } => info!(
                target: TRACING_TARGET,
                event,
                %url,
                kid = ?kid,
                reason = %reason,
                "JWK skipped as unusable"
            ),
            Event::RefreshFailed {
                url,
                error,
                next_attempt_in,
                stale_for,
            } => warn!(
                target: TRACING_TARGET,
                event,
                %url,
                error = error.code(),
                cause = %error.source_error().map_or_else(String::new, cause_chain),
                next_attempt_in_s = next_attempt_in.as_secs_f64(),
                stale_for_s = stale_for.map(|d| d.as_secs_f64()),
                "JWKS refresh failed"
            ),
            Event::ServingStale { age, stale_for } => warn!(
                target: TRACING_TARGET,
                event,
                age_s = age.as_secs_f64(),
                stale_for_s = stale_for.as_secs_f64(),
                "serving stale JWKS keys"
            ),
            Event::UnknownKidRefused { cooldown_left } => info!(
                target: TRACING_TARGET,
                event,
                cooldown_left_s = cooldown_left.as_secs_f64(),
                "unknown kid: refetch refused by the cooldown"
            ),
            Event::IssuerMismatch { url, published } => warn!(
                target: TRACING_TARGET,
                event,
                %url,
                published = ?published,
                "discovery document names another issuer"
            ),
            Event::RequestGivenUp { url, id, waited } => warn!(
                target: TRACING_TARGET,
                event,
                %url,
                id = id.get(),
                waited_s = waited.as_secs_f64(),
                "JWKS request given up as lost"
            ),
            Event::KeysExpired { age } => error!(
                target: TRACING_TARGET,
                event,
                age_s = age.as_secs_f64(),
                "JWKS keys expired while refreshes fail"
            ),
        }
    }
}

/// A source error and every cause under it, joined with `": "` (its own
/// text already holds the transport failure and the library's message, so
/// the chain goes on from the library error's causes).
#[cfg(feature = "tracing")]
fn cause_chain(error: &crate::error::SourceError) -> String {
    use std::error::Error as _;
    let mut text = error.to_string();
    let library = error.source().and_then(|failure| failure.source());
    let mut cause = library.and_then(|library| library.source());
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// The bounded queue of undrained events.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    events: VecDeque<Event>,
    dropped: u64,
}

impl EventQueue {
    /// Queues `event`, dropping the oldest when full.
    pub(crate) fn push(&mut self, event: Event) {
        if self.events.len() == MAX_QUEUED_EVENTS {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(event);
    }

    pub(crate) fn pop(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Events dropped undrained so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_it() {
        let mut queue = EventQueue::default();
        for i in 0..MAX_QUEUED_EVENTS + 2 {
            queue.push(Event::KeysExpired {
                age: Duration::from_secs(i as u64),
            });
        }
        assert_eq!(queue.dropped(), 2);
        assert_eq!(
            queue.pop(),
            Some(Event::KeysExpired {
                age: Duration::from_secs(2)
            })
        );
    }
}
