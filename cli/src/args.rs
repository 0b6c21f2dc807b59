//! The command line as clap reads it: every option, its help text, and
//! the conflicts clap can check by itself. What the options mean together
//! (a preset's parameters, the key source) is `settings`.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Verifies (or explains) one JWT access token against an issuer's keys.
///
/// The token comes from TOKEN, or from standard input when TOKEN is `-` or
/// absent (surrounding whitespace is dropped). Keys come from OpenID Connect
/// discovery of --issuer, from --jwks-url, or from a local --jwks-file
/// (never fetched), or from a --preset.
///
/// Exit status: 0 accepted; 1 refused (400, 401 or 403); 2 usage,
/// configuration or input error; 3 key source unavailable (503).
#[derive(Debug, Parser)]
#[command(name = "jwtverify", version, verbatim_doc_comment)]
pub(crate) struct Args {
    /// The token (`-` or absent: read standard input).
    #[arg(value_name = "TOKEN", verbatim_doc_comment)]
    pub(crate) token: Option<String>,

    /// The issuer tokens must name (`iss`); without --jwks-url or
    /// --jwks-file, keys come from its OpenID Connect discovery document.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "URL",
        help_heading = "Key source"
    )]
    pub(crate) issuer: Option<String>,

    /// Fetch the JWK Set from this URL (no discovery).
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "URL",
        help_heading = "Key source"
    )]
    pub(crate) jwks_url: Option<String>,

    /// Take the JWK Set from this local file: nothing is fetched.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "PATH",
        conflicts_with_all = ["jwks_url", "root_ca", "allow_insecure_http"],
        help_heading = "Key source"
    )]
    pub(crate) jwks_file: Option<PathBuf>,

    /// Configure issuer, key source, algorithms and claims as this identity
    /// provider does (its parameters below).
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "NAME",
        conflicts_with = "issuer",
        help_heading = "Preset"
    )]
    pub(crate) preset: Option<PresetName>,

    /// auth0, okta, okta-org: the tenant's or org's domain.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "HOST",
        help_heading = "Preset"
    )]
    pub(crate) domain: Option<String>,

    /// okta: the custom authorization server's ID [default: default].
    #[arg(long, verbatim_doc_comment, value_name = "ID", help_heading = "Preset")]
    pub(crate) server: Option<String>,

    /// keycloak: the server's base URL (with `/auth` before Keycloak 17).
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "URL",
        help_heading = "Preset"
    )]
    pub(crate) base_url: Option<String>,

    /// keycloak: the realm.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "NAME",
        help_heading = "Preset"
    )]
    pub(crate) realm: Option<String>,

    /// keycloak: take permissions from this client's roles, not the realm's.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "CLIENT_ID",
        help_heading = "Preset"
    )]
    pub(crate) client_roles: Option<String>,

    /// cognito: the AWS region, e.g. eu-west-1.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "REGION",
        help_heading = "Preset"
    )]
    pub(crate) region: Option<String>,

    /// cognito: the user pool ID.
    #[arg(long, verbatim_doc_comment, value_name = "ID", help_heading = "Preset")]
    pub(crate) pool_id: Option<String>,

    /// entra: the tenant (directory) ID.
    #[arg(long, verbatim_doc_comment, value_name = "ID", help_heading = "Preset")]
    pub(crate) tenant: Option<String>,

    /// cloudflare: the Zero Trust team name or domain.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "NAME",
        help_heading = "Preset"
    )]
    pub(crate) team: Option<String>,

    /// An accepted audience (repeatable; with a preset, the first is its
    /// audience: API identifier, client ID or application tag).
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "AUD",
        help_heading = "Policy"
    )]
    pub(crate) audience: Vec<String>,

    /// A scope every token must carry (repeatable).
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "SCOPE",
        help_heading = "Policy"
    )]
    pub(crate) scope: Vec<String>,

    /// A permission every token must carry (repeatable).
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "PERMISSION",
        help_heading = "Policy"
    )]
    pub(crate) permission: Vec<String>,

    /// An accepted signing algorithm (repeatable; replaces the defaults).
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "ALG",
        help_heading = "Policy"
    )]
    pub(crate) alg: Vec<String>,

    /// The `typ` header tokens must carry, e.g. at+jwt.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "TYP",
        help_heading = "Policy"
    )]
    pub(crate) typ: Option<String>,

    /// The RFC 9068 access token profile: typ at+jwt, every asymmetric
    /// algorithm, sub, client_id, iat and jti required.
    #[arg(long, verbatim_doc_comment, help_heading = "Policy")]
    pub(crate) rfc9068: bool,

    /// Clock skew allowed on exp and nbf, in seconds.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "SECONDS",
        help_heading = "Policy"
    )]
    pub(crate) leeway: Option<f64>,

    /// Judge the claims at this Unix time instead of now (the key cache
    /// keeps real time).
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "UNIX_TIME",
        help_heading = "Policy"
    )]
    pub(crate) at: Option<f64>,

    /// Trust only the certificates of this PEM file for HTTPS.
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "PEM",
        help_heading = "Transport"
    )]
    pub(crate) root_ca: Option<PathBuf>,

    /// Allow plain http URLs, to a loopback address only (a test issuer).
    #[arg(long, verbatim_doc_comment, help_heading = "Transport")]
    pub(crate) allow_insecure_http: bool,

    /// Report every check in order with its outcome and the values compared
    /// (header and payload decoded, marked untrusted).
    #[arg(long, verbatim_doc_comment, help_heading = "Output")]
    pub(crate) explain: bool,

    /// Print one JSON object on standard output instead of text.
    #[arg(long, verbatim_doc_comment, help_heading = "Output")]
    pub(crate) json: bool,
}

/// The identity providers `--preset` knows (the core's `preset` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PresetName {
    /// Auth0 API access tokens: --domain, --audience (API identifier).
    Auth0,
    /// Okta custom authorization server: --domain, [--server], --audience.
    Okta,
    /// Okta org authorization server, ID tokens: --domain, --audience (client ID).
    OktaOrg,
    /// Keycloak realm: --base-url, --realm, [--client-roles], --audience.
    Keycloak,
    /// Google ID tokens: --audience (OAuth client ID).
    Google,
    /// AWS Cognito access tokens: --region, --pool-id, --audience (app client ID).
    Cognito,
    /// Microsoft Entra ID v2.0, one tenant: --tenant, --audience (application ID).
    Entra,
    /// Cloudflare Access: --team, --audience (application audience tag).
    Cloudflare,
}
