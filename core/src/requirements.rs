//! [`Requirements`]: the scopes and permissions one route requires on top
//! of the configured ones, judged by the claim checks with the configured
//! claim names (`docs/rules.md`, "Per-route requirements").

/// Scopes and permissions a route requires, on top of the configuration's
/// `required_scopes` and `required_permissions`.
///
/// A token lacking one is refused exactly as for a configured one
/// (`insufficient_scope`, then `insufficient_permissions`, 403), and the
/// challenge lists every value the route requires: the configured ones
/// first, in configuration order, then the route's, each once.
///
/// ```
/// use oidc_jwt_verifier_core::Requirements;
/// let route = Requirements::new().scope("orders:write").permission("orders:admin");
/// assert_eq!(route.scopes(), ["orders:write"]);
/// assert_eq!(route.permissions(), ["orders:admin"]);
/// assert!(Requirements::new().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Requirements {
    scopes: Vec<String>,
    permissions: Vec<String>,
}

/// No requirement beyond the configuration's.
pub(crate) static NO_REQUIREMENTS: Requirements = Requirements::new();

impl Requirements {
    /// No requirement beyond the configuration's.
    pub const fn new() -> Self {
        Requirements {
            scopes: Vec::new(),
            permissions: Vec::new(),
        }
    }

    /// Also requires `scope`.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Also requires every one of `scopes`.
    pub fn scopes_from<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Also requires `permission`.
    pub fn permission(mut self, permission: impl Into<String>) -> Self {
        self.permissions.push(permission.into());
        self
    }

    /// Also requires every one of `permissions`.
    pub fn permissions_from<S: Into<String>>(
        mut self,
        permissions: impl IntoIterator<Item = S>,
    ) -> Self {
        self.permissions
            .extend(permissions.into_iter().map(Into::into));
        self
    }

    /// The route's scopes, as given.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The route's permissions, as given.
    pub fn permissions(&self) -> &[String] {
        &self.permissions
    }

    /// Whether the route requires nothing of its own.
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty() && self.permissions.is_empty()
    }
}

/// Every value required: `configured` in order, then the values of `route`
/// not seen yet, each once.
pub(crate) fn combined(configured: &[String], route: &[String]) -> Vec<String> {
    let mut all = configured.to_vec();
    for value in route {
        if !all.contains(value) {
            all.push(value.clone());
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|value| (*value).to_owned()).collect()
    }

    #[test]
    fn the_configured_values_come_first_and_none_twice() {
        let configured = strings(&["read", "write"]);
        let route = strings(&["admin", "read", "admin", "audit"]);
        assert_eq!(
            combined(&configured, &route),
            ["read", "write", "admin", "audit"]
        );
        assert_eq!(combined(&[], &strings(&["a"])), ["a"]);
        assert_eq!(combined(&configured, &[]), configured);
    }

    #[test]
    fn builders_append_in_order() {
        let route = Requirements::new()
            .scopes_from(["a", "b"])
            .scope("c")
            .permissions_from(vec!["p".to_owned()]);
        assert_eq!(route.scopes(), ["a", "b", "c"]);
        assert_eq!(route.permissions(), ["p"]);
        assert!(!route.is_empty());
        assert_eq!(NO_REQUIREMENTS, Requirements::default());
    }
}
