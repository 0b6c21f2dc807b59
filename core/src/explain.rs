//! The explain report ([`Explain`]): what a verification did with one
//! token, check by check, for a person or a script to read.
//!
//! Nothing here judges a token. The checks are the verification's own:
//! `token`, the key lookup, the signature and `claims` run exactly as for
//! [`Verifier::verify`](crate::Verifier::verify), telling a [`Trace`] of
//! each check they reach; a verification stops at its first failure, so
//! the last check reached is the one that decided, every check before it
//! passed and every one after it was not reached. This module only adds
//! what a reader needs around that: the header and payload decoded (marked
//! untrusted until the signature verified) and, for each check, the values
//! it compared.

mod check;
mod render;
mod values;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::claims::Claims;
use crate::config::{AuthConfig, Policy};
use crate::error::AuthError;
use crate::jwk::SigningKey;
use crate::requirements::Requirements;
use crate::time::UnixTime;
use crate::token::{self, Untrusted};

pub use check::CheckName;
pub(crate) use check::{Reached, Trace};

/// What a check did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The check ran and the token met it.
    Pass,
    /// The check ran and the token failed it: the verification's error.
    Fail,
    /// An earlier check failed, so this one never ran.
    NotReached,
}

impl Outcome {
    /// `"pass"`, `"fail"` or `"not_reached"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotReached => "not_reached",
        }
    }
}

/// Where a value shown in a report comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The token's header or payload: untrusted until its signature verified.
    Token,
    /// The verifier's configuration.
    Configuration,
    /// The wall-clock time the claims are judged at.
    Time,
    /// The key the key lookup chose, from the key source.
    Key,
    /// A fixed limit or list of the rules.
    Rules,
}

impl Origin {
    /// `"token"`, `"configuration"`, `"time"`, `"key"` or `"rules"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Token => "token",
            Origin::Configuration => "configuration",
            Origin::Time => "time",
            Origin::Key => "key",
            Origin::Rules => "rules",
        }
    }
}

/// One value a check compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    /// What it is: a header member, a claim, a configuration key.
    pub name: String,
    /// The value; `None` when the token does not have it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Where it comes from.
    pub origin: Origin,
    /// `false` for a value taken from a token whose signature has not
    /// verified: anyone could have written it.
    pub trusted: bool,
}

/// One row of a report: a check, its outcome, and the values it compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// The check.
    pub check: CheckName,
    /// What it did.
    pub outcome: Outcome,
    /// The values it compares (token values only from the parts that
    /// decoded).
    pub values: Vec<Compared>,
}

impl CheckReport {
    /// What the check requires ([`CheckName::rule`]).
    pub fn rule(&self) -> &'static str {
        self.check.rule()
    }
}

/// What a verification did with one token, from [`Verifier::explain`]:
/// every check in the order it runs, each passed, failed or not reached,
/// with the values it compared, and the verdict, which is exactly what
/// [`Verifier::verify`] and [`Check::finish`] give for the same token in
/// the same state.
///
/// The header and payload are shown decoded whether or not the token is
/// any good: they are untrusted (anyone can write them) unless
/// [`signature_verified`](Self::signature_verified). Displayed (`{}`), it is
/// a text report; [`to_json`](Self::to_json) gives the same for scripts.
///
/// [`Verifier::explain`]: crate::Verifier::explain
/// [`Verifier::verify`]: crate::Verifier::verify
/// [`Check::finish`]: crate::Check::finish
#[derive(Debug, Clone)]
pub struct Explain {
    header: Option<Map<String, Value>>,
    payload: Option<Map<String, Value>>,
    signature_verified: bool,
    checks: Vec<CheckReport>,
    verdict: Result<Claims, AuthError>,
}

/// What the verification's run came to, for [`Explain::new`].
#[derive(Debug)]
pub(crate) struct Run {
    /// The last check reached.
    pub(crate) reached: Reached,
    /// The key the lookup chose, if it got one.
    pub(crate) key: Option<SigningKey>,
    pub(crate) verdict: Result<Claims, AuthError>,
}

/// Everything the values of a report are read from.
pub(crate) struct Context<'a> {
    pub(crate) token: &'a str,
    pub(crate) header: Option<&'a Map<String, Value>>,
    pub(crate) payload: Option<&'a Map<String, Value>>,
    pub(crate) config: &'a AuthConfig,
    pub(crate) policy: &'a Policy,
    /// The route's own requirements, judged with the configured ones.
    pub(crate) route: &'a Requirements,
    pub(crate) wall: UnixTime,
    pub(crate) key: Option<&'a SigningKey>,
    /// Whether the signature verified: token values are trusted then.
    pub(crate) trusted: bool,
}

impl Explain {
    /// The report of `run`, a verification of `token` under `config`
    /// (validated into `policy`), with `route`'s requirements, at
    /// wall-clock time `wall`.
    pub(crate) fn new(
        token: &str,
        config: &AuthConfig,
        policy: &Policy,
        route: &Requirements,
        wall: UnixTime,
        run: Run,
    ) -> Explain {
        let Untrusted { header, payload } = token::decode_untrusted(token, policy.max_token_bytes);
        let last = run.reached.last();
        let failed = run.verdict.is_err();
        let signature_verified =
            last > Some(CheckName::Signature) || (last == Some(CheckName::Signature) && !failed);
        let context = Context {
            token,
            header: header.as_ref(),
            payload: payload.as_ref(),
            config,
            policy,
            route,
            wall,
            key: run.key.as_ref(),
            trusted: signature_verified,
        };
        let checks = CheckName::ALL
            .into_iter()
            .map(|check| CheckReport {
                check,
                outcome: outcome(check, last, failed),
                values: values::compared(check, &context),
            })
            .collect();
        Explain {
            header,
            payload,
            signature_verified,
            checks,
            verdict: run.verdict,
        }
    }

    /// The decoded header, untrusted; `None` when it did not decode to a
    /// JSON object, or the token was too large or not three parts.
    pub fn header(&self) -> Option<&Map<String, Value>> {
        self.header.as_ref()
    }

    /// The decoded payload, untrusted unless the signature verified; `None`
    /// as for [`header`](Self::header).
    pub fn payload(&self) -> Option<&Map<String, Value>> {
        self.payload.as_ref()
    }

    /// Whether the signature verified (then header and payload are the
    /// issuer's, though the claims may still fail their checks).
    pub fn signature_verified(&self) -> bool {
        self.signature_verified
    }

    /// Every check, in the order a verification runs them.
    pub fn checks(&self) -> &[CheckReport] {
        &self.checks
    }

    /// The check that failed, `None` for an accepted token.
    pub fn first_failure(&self) -> Option<&CheckReport> {
        self.checks
            .iter()
            .find(|report| report.outcome == Outcome::Fail)
    }

    /// The verdict: the claims, or the error, as a verification gives them.
    pub fn verdict(&self) -> Result<&Claims, &AuthError> {
        self.verdict.as_ref()
    }

    /// The verdict, taken out.
    pub fn into_verdict(self) -> Result<Claims, AuthError> {
        self.verdict
    }

    /// The report as JSON: `header`, `payload` (each `null` when it did
    /// not decode), `signature_verified`, `checks` (each with `check`,
    /// `outcome`, `rule`, `values`, and on the failing one `error`: `code`,
    /// `status`, `message`) and `verdict` (`"accepted"`, or the error code).
    pub fn to_json(&self) -> Value {
        let failure = self.verdict.as_ref().err();
        let checks: Vec<Value> = self
            .checks
            .iter()
            .map(|report| {
                let mut row = json!({
                    "check": report.check,
                    "outcome": report.outcome,
                    "rule": report.rule(),
                    "values": report.values,
                });
                if let (Outcome::Fail, Some(error)) = (report.outcome, failure) {
                    row["error"] = json!({
                        "code": error.code(),
                        "status": error.status(),
                        "message": error.message(),
                    });
                }
                row
            })
            .collect();
        json!({
            "header": self.header,
            "payload": self.payload,
            "signature_verified": self.signature_verified,
            "checks": checks,
            "verdict": failure.map_or("accepted", AuthError::code),
        })
    }
}

impl Serialize for Explain {
    /// Serializes as [`Explain::to_json`].
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// A check's outcome, given the last check reached and whether the run
/// failed (there).
fn outcome(check: CheckName, last: Option<CheckName>, failed: bool) -> Outcome {
    match last {
        Some(last) if check < last => Outcome::Pass,
        Some(last) if check == last && !failed => Outcome::Pass,
        Some(last) if check == last => Outcome::Fail,
        _ => Outcome::NotReached,
    }
}
