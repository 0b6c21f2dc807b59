//! `jwtverify`: verifies or explains one JWT access token against an
//! issuer's keys, for a person at a terminal or a script (`jwtverify
//! --help`; the README's "Command line: jwtverify").
//!
//! The checks are the library's own: a token is verified by the blocking
//! driver ([`JwtVerifier`](oidc_jwt_verifier_blocking::JwtVerifier)) against
//! a URL, or by the core driven directly against a local JWK Set file, and
//! explained by the core's
//! [`Explain`](oidc_jwt_verifier_blocking::core::Explain) report.
#![forbid(unsafe_code)]

mod args;
mod input;
mod judge;
mod output;
mod settings;

use std::process::ExitCode;

use clap::Parser;
use oidc_jwt_verifier_blocking::core::{BuildError, ConfigError};

use self::args::Args;
use self::judge::Judge;
use self::output::{Exit, Style};
use self::settings::{KeySource, Settings};

/// Why the command could not judge the token: the command line, the
/// configuration it makes, or a file it names (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(String);

impl UsageError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        UsageError(message.into())
    }
}

impl From<ConfigError> for UsageError {
    fn from(error: ConfigError) -> Self {
        UsageError(error.to_string())
    }
}

impl From<BuildError> for UsageError {
    fn from(error: BuildError) -> Self {
        UsageError(error.to_string())
    }
}

/// Runs `jwtverify` with the process's arguments and standard input; the
/// exit status says how it went (0 accepted, 1 refused, 2 usage, 3 key
/// source unavailable).
fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(exit) => exit,
        Err(error) => output::usage(args.json, &error),
    }
    .into()
}

fn run(args: &Args) -> Result<Exit, UsageError> {
    let settings = Settings::from_args(args)?;
    let token = input::token(args.token.as_deref())?;
    let mut judge = Judge::new(&settings)?;
    let style = Style {
        json: args.json,
        jwks_file: match &settings.keys {
            KeySource::File(path) => Some(path),
            KeySource::Network { .. } => None,
        },
    };
    Ok(if args.explain {
        let explain = judge.explain(&token)?;
        output::verdict(style, explain.verdict(), Some(&explain))
    } else {
        let verdict = judge.verify(&token)?;
        output::verdict(style, verdict.as_ref(), None)
    })
}
