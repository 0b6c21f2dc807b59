//! What the command prints, and its exit status: the claims, or the
//! error's code, status, message, challenge and causes; the explain report;
//! as text, or as one JSON object with `--json`.

use std::error::Error as _;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use oidc_jwt_verifier_blocking::core::{AuthError, Claims, Explain};
use serde_json::{json, Value};

use super::settings::JWKS_FILE_URL;
use super::UsageError;

/// The exit statuses, as documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The token was accepted.
    Accepted = 0,
    /// The token was refused: a 400, 401 or 403.
    Refused = 1,
    /// The command line, the configuration or an input file is unusable.
    Usage = 2,
    /// The key source is unavailable: a 503.
    Unavailable = 3,
}

impl Exit {
    /// The exit status a verdict gives.
    pub(crate) fn of(verdict: Result<&Claims, &AuthError>) -> Exit {
        match verdict {
            Ok(_) => Exit::Accepted,
            Err(error) if error.status() == 503 => Exit::Unavailable,
            Err(_) => Exit::Refused,
        }
    }

    fn result(self) -> &'static str {
        match self {
            Exit::Accepted => "accepted",
            Exit::Refused => "refused",
            Exit::Usage => "usage_error",
            Exit::Unavailable => "unavailable",
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// How to print: JSON or text, and for a --jwks-file the path to name in
/// causes in place of the URL nothing fetches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style<'a> {
    pub(crate) json: bool,
    pub(crate) jwks_file: Option<&'a Path>,
}

/// Prints a verdict (with its report when explained) and gives its exit
/// status. Text: the claims (or the report) on standard output, a refusal
/// on standard error; JSON: one object on standard output.
pub(crate) fn verdict(
    style: Style<'_>,
    verdict: Result<&Claims, &AuthError>,
    explain: Option<&Explain>,
) -> Exit {
    let exit = Exit::of(verdict);
    let (stdout, stderr) = (&mut io::stdout().lock(), &mut io::stderr().lock());
    // Nothing is left to do about a closed output: the status still says.
    let _ = if style.json {
        let mut document = json!({"result": exit.result(), "exit_code": exit as u8});
        match verdict {
            Ok(claims) => document["claims"] = Value::Object(claims.to_json()),
            Err(error) => document["error"] = error_json(error, style),
        }
        if let Some(explain) = explain {
            document["explain"] = explain.to_json();
        }
        write_json(stdout, &document)
    } else {
        text(stdout, stderr, style, verdict, explain, exit)
    };
    exit
}

/// Prints a usage error; its exit status is [`Exit::Usage`].
pub(crate) fn usage(json: bool, error: &UsageError) -> Exit {
    let exit = Exit::Usage;
    let _ = if json {
        let document =
            json!({"result": exit.result(), "exit_code": exit as u8, "message": error.to_string()});
        write_json(&mut io::stdout().lock(), &document)
    } else {
        writeln!(io::stderr().lock(), "jwtverify: {error}")
    };
    exit
}

fn write_json(out: &mut impl Write, document: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, document)?;
    writeln!(out)
}

fn text(
    stdout: &mut impl Write,
    stderr: &mut impl Write,
    style: Style<'_>,
    verdict: Result<&Claims, &AuthError>,
    explain: Option<&Explain>,
    exit: Exit,
) -> io::Result<()> {
    if let Some(explain) = explain {
        write!(stdout, "{explain}")?;
    }
    match verdict {
        Ok(claims) if explain.is_none() => write_json(stdout, &Value::Object(claims.to_json())),
        Ok(_) => Ok(()),
        Err(error) => refusal(stderr, style, error, exit),
    }
}

/// A refusal as text: what it is, then one detail a line.
fn refusal(
    out: &mut impl Write,
    style: Style<'_>,
    error: &AuthError,
    exit: Exit,
) -> io::Result<()> {
    writeln!(
        out,
        "{}: {} ({})",
        exit.result(),
        error.code(),
        error.status()
    )?;
    writeln!(out, "  message: {}", error.message())?;
    match error.www_authenticate(None) {
        Some(challenge) => writeln!(out, "  challenge: {challenge}")?,
        None => writeln!(out, "  challenge: none (a 503 carries none)")?,
    }
    for (label, values) in [
        ("missing scopes", error.missing_scopes()),
        ("missing permissions", error.missing_permissions()),
    ] {
        if !values.is_empty() {
            writeln!(out, "  {label}: {}", values.join(" "))?;
        }
    }
    for cause in causes(error, style) {
        writeln!(out, "  cause: {cause}")?;
    }
    Ok(())
}

fn error_json(error: &AuthError, style: Style<'_>) -> Value {
    let mut value = json!({
        "code": error.code(),
        "status": error.status(),
        "message": error.message(),
        "www_authenticate": error.www_authenticate(None),
        "causes": causes(error, style),
    });
    if !error.missing_scopes().is_empty() {
        value["missing_scopes"] = json!(error.missing_scopes());
    }
    if !error.missing_permissions().is_empty() {
        value["missing_permissions"] = json!(error.missing_permissions());
    }
    value
}

/// The error's `source()` chain, each as its text; for a --jwks-file, the
/// file's path in place of the URL its bytes answered.
fn causes(error: &AuthError, style: Style<'_>) -> Vec<String> {
    let mut causes = Vec::new();
    let mut cause = error.source();
    while let Some(error) = cause {
        let text = error.to_string();
        causes.push(match style.jwks_file {
            Some(path) => text.replace(JWKS_FILE_URL, &path.display().to_string()),
            None => text,
        });
        cause = error.source();
    }
    causes
}
