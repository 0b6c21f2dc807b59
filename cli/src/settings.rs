//! What the options mean together: the verifier's configuration (a
//! preset's, or one built from --issuer), the key source, and the time the
//! claims are judged at. Every mistake is a [`UsageError`] naming the
//! option.

use std::net::IpAddr;
use std::path::PathBuf;

use oidc_jwt_verifier_blocking::core::preset::{
    Auth0, CloudflareAccess, Cognito, EntraId, Google, Keycloak, Okta,
};
use oidc_jwt_verifier_blocking::core::{AuthConfig, UnixTime};

use super::args::{Args, PresetName};
use super::UsageError;

/// The `jwks_url` a verifier reading a --jwks-file is configured with: the
/// file's bytes answer every request made to it, so nothing ever fetches
/// it (`.invalid` is reserved never to resolve, RFC 6761).
pub(crate) const JWKS_FILE_URL: &str = "https://jwks-file.invalid/";

/// Where the keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeySource {
    /// Fetched over HTTP(S) as the configuration says, trusting only the
    /// roots of this PEM file when one is given.
    Network { root_ca: Option<PathBuf> },
    /// Read from this file; the configuration names [`JWKS_FILE_URL`].
    File(PathBuf),
}

/// A run of the command, fully decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub(crate) config: AuthConfig,
    pub(crate) keys: KeySource,
    /// The wall-clock time the claims are judged at (`None`: now).
    pub(crate) at: Option<UnixTime>,
}

impl Settings {
    /// Decides a run from the command line.
    pub(crate) fn from_args(args: &Args) -> Result<Settings, UsageError> {
        let mut config = base_config(args)?;
        let keys = match &args.jwks_file {
            Some(path) => {
                config.jwks_url = Some(JWKS_FILE_URL.to_owned());
                config.discovery_url = None;
                KeySource::File(path.clone())
            }
            None => KeySource::Network {
                root_ca: args.root_ca.clone(),
            },
        };
        apply_policy(args, &mut config)?;
        Ok(Settings {
            config,
            keys,
            at: args.at.map(judged_at).transpose()?,
        })
    }
}

/// The configuration of a preset, or of --issuer, with its audiences and
/// key URL.
fn base_config(args: &Args) -> Result<AuthConfig, UsageError> {
    let (first, others) = args
        .audience
        .split_first()
        .ok_or_else(|| UsageError::new("give at least one --audience"))?;
    let mut config = match args.preset {
        Some(preset) => {
            let mut config = preset_config(preset, &Parameters::of(args), first)?;
            if let Some(url) = &args.jwks_url {
                config.jwks_url = Some(url.clone());
            }
            config
        }
        None => {
            Parameters::of(args).refuse_all()?;
            let issuer = args
                .issuer
                .as_deref()
                .ok_or_else(|| UsageError::new("give --issuer, or a --preset"))?;
            match &args.jwks_url {
                Some(url) => AuthConfig::with_jwks_url(issuer, first.clone(), url.clone()),
                None => AuthConfig::from_issuer(issuer, first.clone()),
            }
        }
    };
    config.audience.extend(others.iter().cloned());
    Ok(config)
}

/// The options that change the policy, over the base configuration.
fn apply_policy(args: &Args, config: &mut AuthConfig) -> Result<(), UsageError> {
    if args.rfc9068 {
        *config = config.clone().rfc9068();
    }
    if !args.alg.is_empty() {
        config.allowed_algs.clone_from(&args.alg);
    }
    if let Some(typ) = &args.typ {
        config.expected_typ = Some(typ.clone());
    }
    if let Some(leeway) = args.leeway {
        config.leeway_s = leeway;
    }
    config.required_scopes.extend(args.scope.iter().cloned());
    config
        .required_permissions
        .extend(args.permission.iter().cloned());
    if args.allow_insecure_http {
        let url = config.jwks_url.as_ref().or(config.discovery_url.as_ref());
        if let Some(url) = url.filter(|url| !is_https_or_loopback(url)) {
            return Err(UsageError::new(format!(
                "--allow-insecure-http allows plain http to loopback addresses only, not {url}"
            )));
        }
        config.allow_insecure_http = true;
    }
    Ok(())
}

/// --at as a wall-clock time: a finite number of Unix seconds.
fn judged_at(secs: f64) -> Result<UnixTime, UsageError> {
    if secs.is_finite() {
        Ok(UnixTime::from_secs_f64(secs))
    } else {
        Err(UsageError::new(
            "--at must be a finite number of Unix seconds",
        ))
    }
}

/// Whether `url` is not plain `http`, or is plain `http` to a loopback
/// host (`localhost`, 127.0.0.0/8, `[::1]`).
fn is_https_or_loopback(url: &str) -> bool {
    let Some(rest) = url
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
        .map(|_| &url[7..])
    else {
        return true;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The preset parameters of the command line, by option name.
struct Parameters<'a>([(&'static str, Option<&'a str>); 9]);

impl<'a> Parameters<'a> {
    fn of(args: &'a Args) -> Self {
        Parameters([
            ("--domain", args.domain.as_deref()),
            ("--server", args.server.as_deref()),
            ("--base-url", args.base_url.as_deref()),
            ("--realm", args.realm.as_deref()),
            ("--client-roles", args.client_roles.as_deref()),
            ("--region", args.region.as_deref()),
            ("--pool-id", args.pool_id.as_deref()),
            ("--tenant", args.tenant.as_deref()),
            ("--team", args.team.as_deref()),
        ])
    }

    /// The value of `option`, if given.
    fn get(&self, option: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(name, _)| *name == option)
            .and_then(|(_, value)| *value)
    }

    /// Refuses every given parameter that `preset` does not take.
    fn refuse_others(&self, preset: Option<PresetName>, takes: &[&str]) -> Result<(), UsageError> {
        let stray = self
            .0
            .iter()
            .find(|(name, value)| value.is_some() && !takes.contains(name));
        match (stray, preset) {
            (Some((name, _)), Some(preset)) => Err(UsageError::new(format!(
                "{name} is not a parameter of --preset {}",
                preset_flag(preset)
            ))),
            (Some((name, _)), None) => Err(UsageError::new(format!(
                "{name} is a preset parameter: give a --preset"
            ))),
            (None, _) => Ok(()),
        }
    }

    fn refuse_all(&self) -> Result<(), UsageError> {
        self.refuse_others(None, &[])
    }

    /// The value of a parameter `preset` requires.
    fn required(&self, preset: PresetName, option: &str) -> Result<&'a str, UsageError> {
        self.get(option).ok_or_else(|| {
            UsageError::new(format!("--preset {} needs {option}", preset_flag(preset)))
        })
    }
}

/// The preset's name as given on the command line.
fn preset_flag(preset: PresetName) -> String {
    clap::ValueEnum::to_possible_value(&preset)
        .map(|value| value.get_name().to_owned())
        .unwrap_or_default()
}

/// The configuration `preset` gives for `audience`, from its parameters
/// (each preset takes exactly the ones it names).
fn preset_config(
    preset: PresetName,
    given: &Parameters<'_>,
    audience: &str,
) -> Result<AuthConfig, UsageError> {
    let takes: &[&str] = match preset {
        PresetName::Auth0 | PresetName::OktaOrg => &["--domain"],
        PresetName::Okta => &["--domain", "--server"],
        PresetName::Keycloak => &["--base-url", "--realm", "--client-roles"],
        PresetName::Google => &[],
        PresetName::Cognito => &["--region", "--pool-id"],
        PresetName::Entra => &["--tenant"],
        PresetName::Cloudflare => &["--team"],
    };
    given.refuse_others(Some(preset), takes)?;
    let required = |option| given.required(preset, option);
    Ok(match preset {
        PresetName::Auth0 => Auth0::api(required("--domain")?, audience),
        PresetName::Okta => {
            let server = given.get("--server").unwrap_or("default");
            Okta::custom(required("--domain")?, server, audience)
        }
        PresetName::OktaOrg => Okta::org(required("--domain")?, audience),
        PresetName::Keycloak => {
            let (base_url, realm) = (required("--base-url")?, required("--realm")?);
            match given.get("--client-roles") {
                Some(client) => Keycloak::client_roles(base_url, realm, client, audience),
                None => Keycloak::realm(base_url, realm, audience),
            }
        }
        PresetName::Google => Google::id_tokens(audience),
        PresetName::Cognito => {
            Cognito::access_tokens(required("--region")?, required("--pool-id")?, audience)
        }
        PresetName::Entra => EntraId::single_tenant(required("--tenant")?, audience),
        PresetName::Cloudflare => CloudflareAccess::application(required("--team")?, audience),
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn settings(line: &str) -> Result<Settings, UsageError> {
        let args = Args::try_parse_from(line.split_whitespace()).expect("the line parses");
        Settings::from_args(&args)
    }

    fn refusal(line: &str) -> String {
        settings(line).expect_err("refused").to_string()
    }

    #[test]
    fn an_issuer_alone_means_discovery() {
        let run =
            settings("jwtverify --issuer https://id.test/ --audience a --audience b").unwrap();
        assert_eq!(
            run.config.discovery_url.as_deref(),
            Some("https://id.test/.well-known/openid-configuration")
        );
        assert_eq!(run.config.audience, ["a", "b"]);
        assert_eq!(run.keys, KeySource::Network { root_ca: None });
        assert_eq!(run.at, None);
    }

    #[test]
    fn a_jwks_file_is_never_a_url_to_fetch() {
        let run = settings("jwtverify --issuer https://id.test/ --audience a --jwks-file k.json")
            .unwrap();
        assert_eq!(run.config.jwks_url.as_deref(), Some(JWKS_FILE_URL));
        assert_eq!(run.config.discovery_url, None);
        assert_eq!(run.keys, KeySource::File("k.json".into()));
        let run = settings("jwtverify --preset google --audience c --jwks-file k.json").unwrap();
        assert_eq!(run.config.issuer, "https://accounts.google.com");
        assert_eq!(run.config.jwks_url.as_deref(), Some(JWKS_FILE_URL));
    }

    #[test]
    fn presets_take_their_own_parameters_only() {
        let run = settings(
            "jwtverify --preset keycloak --base-url https://sso.test --realm acme \
             --client-roles orders --audience orders --scope read --permission admin",
        )
        .unwrap();
        assert_eq!(run.config.issuer, "https://sso.test/realms/acme");
        assert_eq!(
            run.config.permissions_claim,
            "/resource_access/orders/roles"
        );
        assert_eq!(
            (run.config.required_scopes, run.config.required_permissions),
            (vec!["read".to_owned()], vec!["admin".to_owned()])
        );
        let run =
            settings("jwtverify --preset okta --domain acme.okta.com --audience api://default")
                .unwrap();
        assert_eq!(run.config.issuer, "https://acme.okta.com/oauth2/default");
        let run = settings(
            "jwtverify --preset cognito --region eu-west-1 --pool-id eu-west-1_Ab --audience app \
             --jwks-url https://127.0.0.1:9/jwks",
        )
        .unwrap();
        assert_eq!(run.config.audience_claim, "client_id");
        assert_eq!(
            run.config.jwks_url.as_deref(),
            Some("https://127.0.0.1:9/jwks")
        );
        assert_eq!(
            refusal("jwtverify --preset keycloak --realm acme --audience a"),
            "--preset keycloak needs --base-url"
        );
        assert_eq!(
            refusal("jwtverify --preset auth0 --domain d --realm r --audience a"),
            "--realm is not a parameter of --preset auth0"
        );
        assert_eq!(
            refusal("jwtverify --issuer https://id.test/ --team t --audience a"),
            "--team is a preset parameter: give a --preset"
        );
        assert!(
            Args::try_parse_from(["jwtverify", "--preset", "google", "--issuer", "x"]).is_err()
        );
    }

    #[test]
    fn policy_options_override_the_base() {
        let run = settings(
            "jwtverify --issuer https://id.test/ --audience a --rfc9068 --alg ES256 \
             --typ jwt --leeway 5 --at 1767225600.5",
        )
        .unwrap();
        assert_eq!(run.config.allowed_algs, ["ES256"]);
        assert_eq!(run.config.expected_typ.as_deref(), Some("jwt"));
        assert_eq!(
            run.config.required_claims,
            ["sub", "client_id", "iat", "jti"]
        );
        assert_eq!(run.config.leeway_s, 5.0);
        assert_eq!(run.config.issuer, "https://id.test/");
        assert_eq!(run.at, Some(UnixTime::from_secs_f64(1_767_225_600.5)));
        assert_eq!(
            refusal("jwtverify --issuer https://id.test/ --audience a --at inf"),
            "--at must be a finite number of Unix seconds"
        );
    }

    #[test]
    fn an_issuer_and_an_audience_are_needed() {
        assert_eq!(
            refusal("jwtverify --issuer https://id.test/"),
            "give at least one --audience"
        );
        assert_eq!(
            refusal("jwtverify --audience a"),
            "give --issuer, or a --preset"
        );
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for url in [
            "http://127.0.0.1:8080/",
            "http://127.9.0.1/",
            "http://[::1]:80/x",
            "http://LOCALHOST/",
            "HTTP://user@localhost:1/",
            "https://example.com/",
        ] {
            assert!(is_https_or_loopback(url), "{url}");
        }
        for url in [
            "http://example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.1.example/",
        ] {
            assert!(!is_https_or_loopback(url), "{url}");
        }
        let line = "jwtverify --issuer http://192.0.2.1/ --audience a --allow-insecure-http";
        assert!(refusal(line).starts_with("--allow-insecure-http allows plain http to loopback"));
        let run =
            settings("jwtverify --issuer http://127.0.0.1:1/ --audience a --allow-insecure-http")
                .unwrap();
        assert!(run.config.allow_insecure_http);
    }
}
