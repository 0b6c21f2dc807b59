//! The text form of an [`Explain`] report: the decoded parts, one block per
//! check (outcome, name, rule, the error where it failed, the values), and
//! the verdict.

use std::fmt::{self, Display, Formatter};

use serde_json::{Map, Value};

use super::{CheckReport, Compared, Explain, Origin, Outcome};

/// The width of the outcome column.
const OUTCOME_WIDTH: usize = 12;
/// The width of the check name column.
const NAME_WIDTH: usize = 17;

impl Display for Explain {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let trust = if self.signature_verified {
            "signature verified"
        } else {
            "untrusted: the signature has not verified"
        };
        part(f, "header", self.header.as_ref(), trust)?;
        part(f, "payload", self.payload.as_ref(), trust)?;
        writeln!(f, "checks")?;
        for report in &self.checks {
            self.check(f, report)?;
        }
        match &self.verdict {
            Ok(_) => writeln!(f, "verdict: accepted"),
            Err(error) => writeln!(
                f,
                "verdict: refused, {} ({}): {}",
                error.code(),
                error.status(),
                error.message()
            ),
        }
    }
}

impl Explain {
    fn check(&self, f: &mut Formatter<'_>, report: &CheckReport) -> fmt::Result {
        let outcome = match report.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::NotReached => "not reached",
        };
        let name = report.check.as_str();
        writeln!(
            f,
            "  {outcome:<OUTCOME_WIDTH$} {name:<NAME_WIDTH$} {}",
            report.rule()
        )?;
        let indent = 2 + OUTCOME_WIDTH + 1 + NAME_WIDTH + 1;
        if let (Outcome::Fail, Err(error)) = (report.outcome, &self.verdict) {
            let (code, status, message) = (error.code(), error.status(), error.message());
            writeln!(f, "{:indent$}-> {code} ({status}): {message}", "")?;
        }
        for value in &report.values {
            writeln!(f, "{:indent$}{}", "", ShownValue(value))?;
        }
        Ok(())
    }
}

/// A decoded header or payload, pretty-printed and indented.
fn part(
    f: &mut Formatter<'_>,
    name: &str,
    decoded: Option<&Map<String, Value>>,
    trust: &str,
) -> fmt::Result {
    let Some(decoded) = decoded else {
        return writeln!(
            f,
            "{name}: not decoded (not a base64url JSON object, or not reached)"
        );
    };
    writeln!(f, "{name} ({trust})")?;
    let pretty = serde_json::to_string_pretty(decoded).map_err(|_| fmt::Error)?;
    for line in pretty.lines() {
        writeln!(f, "  {line}")?;
    }
    Ok(())
}

/// `name = value (origin)`, or `name: absent (origin)`.
struct ShownValue<'a>(&'a Compared);

impl Display for ShownValue<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Compared {
            name,
            value,
            origin,
            trusted,
        } = self.0;
        match value {
            Some(value) => write!(f, "{name} = {value}")?,
            None => write!(f, "{name}: absent")?,
        }
        let mut note = String::from(origin.as_str());
        if *origin == Origin::Token && !trusted {
            note.push_str(", untrusted");
        }
        write!(f, " ({note})")
    }
}
