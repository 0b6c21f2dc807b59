//! Configurations for well-known identity providers: each fills the
//! issuer exactly as that provider spells it, its key set URL, its
//! algorithms and where its tokens keep scopes and permissions, so the
//! usual mistakes (a missing trailing `/`, a hand-written key URL, roles in
//! a nested claim) cannot happen. Everything else keeps the defaults, and
//! the result is a plain [`AuthConfig`] to adjust further.
//!
//! Parameters that name a host accept it with or without `https://` and a
//! trailing `/`.
//!
//! ```
//! use oidc_jwt_verifier_core::preset::Keycloak;
//! let mut config = Keycloak::realm("https://sso.example.com", "acme", "orders-api");
//! config.required_permissions = vec!["orders:admin".into()];
//! assert_eq!(config.issuer, "https://sso.example.com/realms/acme");
//! assert_eq!(config.permissions_claim, "/realm_access/roles");
//! ```

use crate::alg::Algorithm;
use crate::config::AuthConfig;
use crate::request::TokenSource;

/// `domain` as a bare host: without `https://` and trailing `/`.
fn host(domain: &str) -> &str {
    let domain = domain.strip_prefix("https://").unwrap_or(domain);
    domain.trim_end_matches('/')
}

/// `url` without trailing `/`.
fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

fn names(algorithms: &[Algorithm]) -> Vec<String> {
    algorithms.iter().map(|alg| alg.name().to_owned()).collect()
}

/// An RFC 6901 reference token for `text` (`~` as `~0`, `/` as `~1`).
fn pointer_token(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

/// Auth0 (Okta Customer Identity Cloud): access tokens for an API.
#[derive(Debug, Clone, Copy)]
pub struct Auth0;

impl Auth0 {
    /// Access tokens for the API whose identifier is `audience`, from the
    /// tenant at `domain` (e.g. `dev-abc.us.auth0.com`, or a custom domain).
    ///
    /// Sets: `issuer` `https://{domain}/` (Auth0 writes the trailing `/`),
    /// `jwks_url` `https://{domain}/.well-known/jwks.json`, `allowed_algs`
    /// `RS256` and `PS256` (the asymmetric algorithms Auth0 signs access
    /// tokens with; never `HS256`). Scopes stay in `scope` (a
    /// space-separated string) and RBAC permissions in `permissions` (an
    /// array), the defaults.
    pub fn api(domain: &str, audience: &str) -> AuthConfig {
        let domain = host(domain);
        AuthConfig {
            allowed_algs: names(&[Algorithm::RS256, Algorithm::PS256]),
            ..AuthConfig::with_jwks_url(
                format!("https://{domain}/"),
                audience,
                format!("https://{domain}/.well-known/jwks.json"),
            )
        }
    }
}

/// Okta (Workforce Identity Cloud).
#[derive(Debug, Clone, Copy)]
pub struct Okta;

impl Okta {
    /// Access tokens from the custom authorization server `server_id`
    /// (`default` for the one every org has) of the org at `domain` (e.g.
    /// `acme.okta.com`), for `audience` (the server's audience, such as
    /// `api://default`).
    ///
    /// Sets: `issuer` `https://{domain}/oauth2/{server_id}`, `jwks_url`
    /// `{issuer}/v1/keys`, `allowed_algs` `RS256`, and `scope_claim` `scp`
    /// (Okta lists scopes as an array in `scp`).
    pub fn custom(domain: &str, server_id: &str, audience: &str) -> AuthConfig {
        let issuer = format!("https://{}/oauth2/{server_id}", host(domain));
        AuthConfig {
            scope_claim: "scp".to_owned(),
            ..AuthConfig::with_jwks_url(issuer.clone(), audience, format!("{issuer}/v1/keys"))
        }
    }

    /// ID tokens from the org authorization server of `domain`, for the
    /// application `client_id`. Okta's org authorization server issues
    /// access tokens for Okta's own APIs only and asks that no other party
    /// validate them, so this preset is for ID tokens (their `aud` is the
    /// client ID); protect your APIs with [`Okta::custom`].
    ///
    /// Sets: `issuer` `https://{domain}` (no trailing `/`), `jwks_url`
    /// `https://{domain}/oauth2/v1/keys`, `allowed_algs` `RS256`.
    pub fn org(domain: &str, client_id: &str) -> AuthConfig {
        let domain = host(domain);
        AuthConfig::with_jwks_url(
            format!("https://{domain}"),
            client_id,
            format!("https://{domain}/oauth2/v1/keys"),
        )
    }
}

/// Keycloak (and Red Hat build of Keycloak).
#[derive(Debug, Clone, Copy)]
pub struct Keycloak;

impl Keycloak {
    /// Access tokens of `realm` on the server at `base_url` (e.g.
    /// `https://sso.example.com`, or `https://sso.example.com/auth` for
    /// servers before Keycloak 17), for `audience`, with realm roles as
    /// permissions.
    ///
    /// Sets: `issuer` `{base_url}/realms/{realm}`, `jwks_url`
    /// `{issuer}/protocol/openid-connect/certs`, `allowed_algs` every
    /// asymmetric algorithm (a realm may sign with RS*, PS*, ES* or EdDSA
    /// keys, and each JWK names its `alg`), and `permissions_claim`
    /// `/realm_access/roles`, the JSON Pointer to the realm roles. Scopes
    /// stay in `scope`. Keycloak puts `account` in `aud` unless an audience
    /// mapper adds your client: configure one and pass its value here.
    pub fn realm(base_url: &str, realm: &str, audience: &str) -> AuthConfig {
        let issuer = format!("{}/realms/{realm}", base(base_url));
        AuthConfig {
            allowed_algs: names(&Algorithm::ALL),
            permissions_claim: "/realm_access/roles".to_owned(),
            ..AuthConfig::with_jwks_url(
                issuer.clone(),
                audience,
                format!("{issuer}/protocol/openid-connect/certs"),
            )
        }
    }

    /// As [`Keycloak::realm`], with the roles of the client `client_id` as
    /// permissions: `permissions_claim` is
    /// `/resource_access/{client_id}/roles` (the client ID escaped for a
    /// JSON Pointer).
    pub fn client_roles(
        base_url: &str,
        realm: &str,
        client_id: &str,
        audience: &str,
    ) -> AuthConfig {
        AuthConfig {
            permissions_claim: format!("/resource_access/{}/roles", pointer_token(client_id)),
            ..Keycloak::realm(base_url, realm, audience)
        }
    }
}

/// Google (Sign in with Google, Google Cloud identities).
#[derive(Debug, Clone, Copy)]
pub struct Google;

impl Google {
    /// ID tokens for the OAuth client `client_id` (their `aud`). Google's
    /// access tokens are opaque strings, not JWTs, so they cannot be
    /// verified here (use Google's token info endpoint); its ID tokens can.
    ///
    /// Sets: `issuer` `https://accounts.google.com`, `jwks_url`
    /// `https://www.googleapis.com/oauth2/v3/certs`, `allowed_algs`
    /// `RS256`. Google may also write the issuer as `accounts.google.com`
    /// (no scheme): accept both with a verifier for several issuers over
    /// this preset and a copy whose `issuer` is `accounts.google.com`.
    pub fn id_tokens(client_id: &str) -> AuthConfig {
        AuthConfig::with_jwks_url(
            "https://accounts.google.com",
            client_id,
            "https://www.googleapis.com/oauth2/v3/certs",
        )
    }
}

/// Amazon Cognito user pools.
#[derive(Debug, Clone, Copy)]
pub struct Cognito;

impl Cognito {
    /// Access tokens of the user pool `pool_id` in `region` (e.g.
    /// `eu-west-1`, `eu-west-1_AbCdEf123`), issued to the app client
    /// `client_id`. Cognito access tokens carry no `aud`: the app client is
    /// their `client_id` claim, so this preset sets `audience_claim` to
    /// `client_id` and `audience` to the app client ID. An ID token of the
    /// same pool (no `client_id`) is refused as `missing_claim`.
    ///
    /// Sets: `issuer` `https://cognito-idp.{region}.amazonaws.com/{pool_id}`,
    /// `jwks_url` `{issuer}/.well-known/jwks.json`, `allowed_algs` `RS256`,
    /// `audience_claim` `client_id`, and `permissions_claim`
    /// `cognito:groups` (the user's groups). Scopes stay in `scope`.
    pub fn access_tokens(region: &str, pool_id: &str, client_id: &str) -> AuthConfig {
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}");
        AuthConfig {
            audience_claim: "client_id".to_owned(),
            permissions_claim: "cognito:groups".to_owned(),
            ..AuthConfig::with_jwks_url(
                issuer.clone(),
                client_id,
                format!("{issuer}/.well-known/jwks.json"),
            )
        }
    }
}

/// Microsoft Entra ID (formerly Azure AD).
#[derive(Debug, Clone, Copy)]
pub struct EntraId;

impl EntraId {
    /// v2.0 access tokens of the tenant `tenant_id` (a directory GUID) for
    /// your API, whose application (client) ID is `audience` (the `aud` of
    /// v2.0 tokens). The API's app registration must ask for v2.0 tokens
    /// (`"accessTokenAcceptedVersion": 2` in its manifest); v1.0 tokens
    /// name `https://sts.windows.net/{tenant}/` and are `invalid_issuer`.
    /// This preset is for one tenant; a multi-tenant application, whose
    /// tokens name each customer's tenant in `iss`, lists the tenants it
    /// accepts in a verifier for several issuers, one preset each.
    ///
    /// Sets: `issuer` `https://login.microsoftonline.com/{tenant_id}/v2.0`,
    /// `jwks_url`
    /// `https://login.microsoftonline.com/{tenant_id}/discovery/v2.0/keys`,
    /// `allowed_algs` `RS256`, `scope_claim` `scp` (delegated scopes, a
    /// space-separated string) and `permissions_claim` `roles` (app roles).
    pub fn single_tenant(tenant_id: &str, audience: &str) -> AuthConfig {
        let authority = format!("https://login.microsoftonline.com/{tenant_id}");
        AuthConfig {
            scope_claim: "scp".to_owned(),
            permissions_claim: "roles".to_owned(),
            ..AuthConfig::with_jwks_url(
                format!("{authority}/v2.0"),
                audience,
                format!("{authority}/discovery/v2.0/keys"),
            )
        }
    }
}

/// Cloudflare Access (Cloudflare Zero Trust): the application token
/// Cloudflare adds to every request it lets through to your origin.
#[derive(Debug, Clone, Copy)]
pub struct CloudflareAccess;

impl CloudflareAccess {
    /// The request header carrying the application token on every request
    /// Access forwards (Cloudflare recommends validating this one).
    pub const TOKEN_HEADER: &'static str = "Cf-Access-Jwt-Assertion";

    /// The cookie that also carries it on browser requests (not guaranteed
    /// to be sent).
    pub const TOKEN_COOKIE: &'static str = "CF_Authorization";

    /// Application tokens of the Zero Trust team `team` (its name, such as
    /// `acme`, or its domain `acme.cloudflareaccess.com`) for the
    /// application whose Application Audience (AUD) tag is `audience_tag`.
    /// The token arrives in [`Self::TOKEN_HEADER`], not in
    /// `Authorization`, so the request entry points read that header, then
    /// the cookie.
    ///
    /// Sets: `issuer` `https://{team}.cloudflareaccess.com`, `jwks_url`
    /// `{issuer}/cdn-cgi/access/certs`, `allowed_algs` `RS256`,
    /// `token_sources` the header [`Self::TOKEN_HEADER`], then the cookie
    /// [`Self::TOKEN_COOKIE`] (a request with the header is judged by it
    /// alone).
    pub fn application(team: &str, audience_tag: &str) -> AuthConfig {
        let team = host(team);
        let domain = if team.contains('.') {
            team.to_owned()
        } else {
            format!("{team}.cloudflareaccess.com")
        };
        let issuer = format!("https://{domain}");
        AuthConfig {
            token_sources: vec![
                TokenSource::header(Self::TOKEN_HEADER),
                TokenSource::cookie(Self::TOKEN_COOKIE),
            ],
            ..AuthConfig::with_jwks_url(
                issuer.clone(),
                audience_tag,
                format!("{issuer}/cdn-cgi/access/certs"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(issuer, jwks_url)` of a preset.
    fn urls(config: &AuthConfig) -> (&str, &str) {
        (&config.issuer, config.jwks_url.as_deref().unwrap_or(""))
    }

    #[test]
    fn every_preset_builds_a_verifier() {
        let configs = [
            Auth0::api("dev-abc.us.auth0.com", "https://api.example.com"),
            Okta::custom("acme.okta.com", "default", "api://default"),
            Okta::org("acme.okta.com", "0oa1b2c3d4"),
            Keycloak::realm("https://sso.example.com", "acme", "orders-api"),
            Keycloak::client_roles(
                "https://sso.example.com",
                "acme",
                "orders-api",
                "orders-api",
            ),
            Google::id_tokens("1234.apps.googleusercontent.com"),
            Cognito::access_tokens("eu-west-1", "eu-west-1_AbCdEf123", "5abc"),
            EntraId::single_tenant("72f988bf-86f1-41af-91ab-2d7cd011db47", "6e74172b"),
            CloudflareAccess::application("acme", "4714c1358e65fe4b408ad6d432a5f878"),
        ];
        for config in configs {
            assert!(crate::Verifier::new(config.clone()).is_ok(), "{config:?}");
        }
    }

    #[test]
    fn hosts_are_taken_with_or_without_scheme_and_slash() {
        for domain in [
            "dev-abc.us.auth0.com",
            "https://dev-abc.us.auth0.com",
            "https://dev-abc.us.auth0.com/",
        ] {
            let config = Auth0::api(domain, "a");
            assert_eq!(
                urls(&config),
                (
                    "https://dev-abc.us.auth0.com/",
                    "https://dev-abc.us.auth0.com/.well-known/jwks.json"
                )
            );
        }
        for team in [
            "acme",
            "acme.cloudflareaccess.com",
            "https://acme.cloudflareaccess.com/",
        ] {
            let config = CloudflareAccess::application(team, "tag");
            assert_eq!(
                urls(&config),
                (
                    "https://acme.cloudflareaccess.com",
                    "https://acme.cloudflareaccess.com/cdn-cgi/access/certs"
                )
            );
        }
        let config = Keycloak::realm("https://sso.example.com/auth/", "acme", "a");
        assert_eq!(
            urls(&config),
            (
                "https://sso.example.com/auth/realms/acme",
                "https://sso.example.com/auth/realms/acme/protocol/openid-connect/certs"
            )
        );
    }

    #[test]
    fn keycloak_client_roles_escape_the_client_id() {
        let config = Keycloak::client_roles("https://sso.example.com", "r", "a/b~c", "a");
        assert_eq!(config.permissions_claim, "/resource_access/a~1b~0c/roles");
    }
}
