//! [`AuthGuard`]: the protection of a route and the verifier it runs,
//! built once. The tower layer and the actix-web middleware are this type
//! (`AuthLayer`, `AuthMiddleware`), so they are configured alike.

use std::sync::Arc;

use oidc_jwt_verifier_async::Requirements;

use crate::protection::Protection;
use crate::{PublicOrigin, RequestVerifier};

/// Verifies every request of what it wraps with `V`
/// ([`AsyncJwtVerifier`](oidc_jwt_verifier_async::AsyncJwtVerifier) or
/// [`AsyncMultiIssuerVerifier`](oidc_jwt_verifier_async::AsyncMultiIssuerVerifier)).
///
/// - A request whose extensions already hold
///   [`Claims`](oidc_jwt_verifier_async::Claims) (an outer guard verified
///   it) is not verified again: only this guard's own
///   [`require`](Self::require)ments are judged on those claims. So one
///   guard on the whole app and one per route with more requirements
///   verify each token once.
/// - [`optional`](Self::optional): a request with no credentials
///   (`missing_token`) goes on unauthenticated, with
///   [`Unauthenticated`](crate::Unauthenticated) in its extensions; bad
///   credentials are still refused.
/// - [`public_origin`](Self::public_origin): the origin a DPoP proof's
///   `htu` is checked against. Without it no DPoP proof matches.
#[derive(Debug)]
pub struct AuthGuard<V> {
    pub(crate) verifier: Arc<V>,
    pub(crate) protection: Arc<Protection>,
}

impl<V> Clone for AuthGuard<V> {
    fn clone(&self) -> Self {
        AuthGuard {
            verifier: Arc::clone(&self.verifier),
            protection: Arc::clone(&self.protection),
        }
    }
}

impl<V: RequestVerifier> AuthGuard<V> {
    /// A guard that requires a valid token on every request.
    pub fn new(verifier: Arc<V>) -> Self {
        AuthGuard {
            verifier,
            protection: Arc::default(),
        }
    }

    /// Names `realm` in every challenge (`Bearer realm="..."`).
    pub fn realm(self, realm: impl Into<String>) -> Self {
        self.protect(|protection| protection.realm = Some(realm.into()))
    }

    /// Also requires `route`'s scopes and permissions (on top of the
    /// configured ones): a token lacking one is refused with the 403 whose
    /// challenge lists every value required.
    pub fn require(self, route: Requirements) -> Self {
        self.protect(|protection| protection.route = route)
    }

    /// Lets requests without credentials through unauthenticated.
    pub fn optional(self) -> Self {
        self.protect(|protection| protection.optional = true)
    }

    /// The origin clients address this service by: a request's absolute
    /// URI, which a DPoP proof's `htu` must name, is this origin with the
    /// request's path. The host a request names (`Host`, `X-Forwarded-*`,
    /// an absolute request target) is never used: the client chose it.
    pub fn public_origin(self, origin: PublicOrigin) -> Self {
        self.protect(|protection| protection.origin = Some(origin))
    }

    fn protect(mut self, change: impl FnOnce(&mut Protection)) -> Self {
        change(Arc::make_mut(&mut self.protection));
        self
    }
}
