//! Sender-constrained tokens: how a request presents its access token
//! (`Authorization: Bearer` or `Authorization: DPoP` with a proof, RFC
//! 9449; over a TLS connection with a client certificate or not, RFC 8705)
//! and what that presentation must prove once the token's signature
//! verified: a DPoP-bound token (`cnf.jkt`) only with a proof by its key,
//! a certificate-bound one (`cnf.x5t#S256`) only with its certificate.

use std::sync::Arc;

use http::header::AUTHORIZATION;
use http::HeaderMap;

use crate::bearer::credentials;
use crate::claims::Payload;
use crate::config::Policy;
use crate::confirmation::{certificate_thumbprint, jwk_thumbprint, Confirmation};
use crate::dpop::{read_proof, DpopPolicy, DpopProblem, Proof};
use crate::error::AuthError;
use crate::replay::ReplayCache;
use crate::request::{only_field, token_from_headers, Source};
use crate::time::UnixTime;

/// The authorization scheme of RFC 9449 section 7.1.
const DPOP_SCHEME: &str = "DPoP";

/// What a protected resource received: the request's method, its target
/// URI, its header fields and, over mutual TLS, the client's certificate.
/// The input of [`Verifier::verify_request`](crate::Verifier::verify_request).
///
/// `uri` must be the absolute URI the client addressed
/// (`https://api.example.com/orders?id=1`): DPoP's `htu` is compared with
/// it (without query and fragment). A server sees only the path of the
/// request line; it knows its own scheme and host (a `Host` header is
/// chosen by the client, so a server behind a proxy should use its
/// configured public origin).
#[derive(Debug, Clone, Copy)]
pub struct IncomingRequest<'r> {
    /// The request method, as sent (`GET`; methods are case-sensitive).
    pub method: &'r str,
    /// The absolute target URI.
    pub uri: &'r str,
    /// The request's header fields (`Authorization`, `DPoP`, ...).
    pub headers: &'r HeaderMap,
    /// The DER encoding of the TLS client certificate, when the connection
    /// had one (mutual TLS); certificate-bound tokens need it.
    pub client_certificate: Option<&'r [u8]>,
}

impl<'r> IncomingRequest<'r> {
    /// A request with no client certificate.
    pub fn new(method: &'r str, uri: &'r str, headers: &'r HeaderMap) -> Self {
        IncomingRequest {
            method,
            uri,
            headers,
            client_certificate: None,
        }
    }

    /// The same request over a TLS connection that presented `der`.
    pub fn with_client_certificate(self, der: &'r [u8]) -> Self {
        IncomingRequest {
            client_certificate: Some(der),
            ..self
        }
    }
}

/// How a token was presented: with a DPoP proof or as a bearer token, with
/// the thumbprint of the client certificate or none. A bare token (from
/// [`Verifier::verify`](crate::Verifier::verify)) is a bearer token
/// without a certificate.
#[derive(Debug, Default)]
pub(crate) struct Presentation<'r> {
    proof: Option<(Proof<'r>, Arc<ReplayCache>)>,
    certificate: Option<String>,
}

impl Presentation<'_> {
    /// A bare token: `Bearer`, no certificate.
    pub(crate) fn bearer() -> Self {
        Presentation::default()
    }
}

/// Reads the token of `request` and how it was presented. When `policy`
/// accepts DPoP and the one `Authorization` field has the `DPoP` scheme,
/// its token and proof ([`read_proof`]); otherwise the token of the
/// configured `token_sources`, a bearer token (`dpop_required` when only
/// DPoP is accepted).
///
/// - `DPoP` when it is not accepted: read as any other `Authorization`
///   value (`invalid_request`);
/// - a `DPoP` field beside a bearer token is not read.
pub(crate) fn read_request<'r>(
    request: &IncomingRequest<'r>,
    policy: &Policy,
    replay: &Arc<ReplayCache>,
) -> Result<(&'r str, Presentation<'r>), AuthError> {
    let (token, proof) = read_presented(request, &policy.token_sources, &policy.dpop)?;
    let presentation = Presentation {
        proof: proof.map(|proof| (proof, Arc::clone(replay))),
        certificate: request.client_certificate.map(certificate_thumbprint),
    };
    Ok((token, presentation))
}

/// The reading of [`read_request`] by the token sources and the DPoP
/// policy alone: the token and, under the `DPoP` scheme, its proof after
/// the proof's first checks. What a verifier of several issuers reads
/// before it knows the issuer.
pub(crate) fn read_presented<'r>(
    request: &IncomingRequest<'r>,
    token_sources: &[Source],
    dpop: &DpopPolicy,
) -> Result<(&'r str, Option<Proof<'r>>), AuthError> {
    if dpop.mode.accepts_dpop() {
        let authorization = only_field(request.headers, &AUTHORIZATION)?;
        if is_scheme(authorization, DPOP_SCHEME) {
            let token = credentials(authorization, DPOP_SCHEME)?;
            let proof = read_proof(
                request.headers,
                request.method,
                request.uri,
                Some(token),
                dpop,
            )?;
            return Ok((token, Some(proof)));
        }
    }
    let token = token_from_headers(token_sources, request.headers)?;
    if !dpop.mode.accepts_bearer() {
        return Err(AuthError::DpopRequired);
    }
    Ok((token, None))
}

/// Whether the value's scheme (up to the first space) is `scheme`, in any case.
fn is_scheme(value: Option<&str>, scheme: &str) -> bool {
    value
        .and_then(|value| value.split(' ').next())
        .is_some_and(|name| name.eq_ignore_ascii_case(scheme))
}

/// What the presentation must prove about a token whose signature
/// verified, before its claims are judged, in this order:
///
/// 1. under `DPoP`: the token's `cnf.jkt` is the thumbprint of the proof's
///    key (`invalid_dpop_binding`), then the proof's second step
///    ([`Proof::check`]: `invalid_dpop_proof`, `dpop_proof_replayed`);
///    as a bearer token: no `cnf.jkt` (`dpop_required`), whatever the mode;
/// 2. a `cnf.x5t#S256` is the thumbprint of the client certificate
///    (`invalid_certificate_binding`, also without a certificate).
///
/// A `cnf` that is not an object, or a `jkt` or `x5t#S256` that is not a
/// string, is `invalid_claim` naming `cnf`.
pub(crate) fn judge(
    presentation: &Presentation<'_>,
    payload: &Payload,
    policy: &Policy,
    now: UnixTime,
) -> Result<(), AuthError> {
    let cnf = Confirmation::of(payload)?;
    match &presentation.proof {
        Some((proof, replay)) => {
            let thumbprint =
                jwk_thumbprint(proof.jwk()).ok_or(AuthError::InvalidDpopProof(DpopProblem::Key))?;
            if cnf.jkt != Some(thumbprint.as_str()) {
                return Err(AuthError::InvalidDpopBinding);
            }
            proof.check(&thumbprint, &policy.dpop, replay, now)?;
        }
        None if cnf.jkt.is_some() => return Err(AuthError::DpopRequired),
        None => {}
    }
    match cnf.x5t_s256 {
        Some(bound) if presentation.certificate.as_deref() != Some(bound) => {
            Err(AuthError::InvalidCertificateBinding)
        }
        _ => Ok(()),
    }
}
