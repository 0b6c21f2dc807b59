//! Reading the outcome of one request into what the state machine needs,
//! with no state and no lock: the status and headers judged, the body
//! decoded (rule 10), the discovery document or the key set parsed. The
//! expensive part of a refresh, the key-set parse, happens here, so a
//! driver runs it before taking the lock its verifications share.

use std::time::Duration;

use http::header::{CACHE_CONTROL, RETRY_AFTER};
use http::HeaderMap;

use crate::backoff;
use crate::body;
use crate::discovery::{self, Refusal};
use crate::error::{AuthError, SourceError, SourceProblem};
use crate::http::{FetchId, FetchRequest, FetchStage, HttpResponse, TransportFailure};
use crate::jwks::{KeySet, SkippedJwk};

/// What one request came to, ready for
/// [`Verifier::handle_answer`](crate::Verifier::handle_answer).
#[derive(Debug)]
#[must_use = "an answer changes nothing until the verifier is given it"]
pub struct FetchAnswer {
    pub(crate) id: FetchId,
    pub(crate) read: Read,
}

impl FetchAnswer {
    /// The id of the request it answers.
    pub fn id(&self) -> FetchId {
        self.id
    }
}

/// The outcome of one request, as the state machine takes it.
#[derive(Debug)]
pub(crate) enum Read {
    /// A usable key set, and how long the response says it stays fresh.
    Keys {
        keys: KeySet,
        skipped: Vec<SkippedJwk>,
        cache_control: Option<String>,
    },
    /// A discovery document naming this key set URL.
    JwksUri(String),
    /// The request failed.
    Failed(Failed),
}

/// A failed request: its error, whether rule 6 tries the same URL again at
/// once, and the delay a `Retry-After` asks for (rule 5).
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) error: AuthError,
    pub(crate) retried: bool,
    pub(crate) retry_after: Option<Duration>,
    /// Entries skipped in a key set that had no usable key.
    pub(crate) skipped: Vec<SkippedJwk>,
}

impl Failed {
    fn final_(error: AuthError) -> Self {
        Failed {
            error,
            retried: false,
            retry_after: None,
            skipped: Vec::new(),
        }
    }
}

impl FetchRequest {
    /// Reads what performing this request came to: the final response (a
    /// hop [`Hop::ReadBody`](crate::Hop::ReadBody) said to read) or the
    /// failure. This is the expensive step (decoding and parsing the key
    /// set) and needs no verifier: run it before locking one.
    pub fn read(&self, outcome: Result<HttpResponse, TransportFailure>) -> FetchAnswer {
        let read = match outcome {
            Ok(response) => self.read_response(&response),
            Err(failure) => Read::Failed(Failed {
                retried: failure.kind().is_retried(),
                ..Failed::final_(AuthError::JwksFetchFailed(SourceError::transport(
                    failure, &self.url,
                )))
            }),
        };
        FetchAnswer { id: self.id, read }
    }

    fn read_response(&self, response: &HttpResponse) -> Read {
        if !(200..300).contains(&response.status) {
            return Read::Failed(self.status_failed(response.status, &response.headers));
        }
        let body = match body::decoded(&response.headers, &response.body) {
            Ok(body) => body,
            Err(problem) => return Read::Failed(Failed::final_(self.unusable(problem))),
        };
        let context = &self.context;
        match self.stage {
            FetchStage::Discovery => {
                match discovery::jwks_uri(&body, &context.issuer, context.allow_insecure_http) {
                    Ok(url) => Read::JwksUri(url),
                    Err(Refusal::Unusable(problem)) => {
                        Read::Failed(Failed::final_(self.unusable(problem)))
                    }
                    Err(Refusal::IssuerMismatch(published)) => {
                        Read::Failed(Failed::final_(AuthError::IssuerMismatch(
                            SourceError::issuer_mismatch(published.as_deref(), &self.url),
                        )))
                    }
                }
            }
            FetchStage::KeySet => match KeySet::parse_reporting(&body, &context.allowed_algs) {
                (Ok(keys), skipped) => Read::Keys {
                    keys,
                    skipped,
                    cache_control: joined(&response.headers, CACHE_CONTROL),
                },
                (Err(problem), skipped) => Read::Failed(Failed {
                    skipped,
                    ..Failed::final_(self.unusable(problem))
                }),
            },
        }
    }

    /// A non-2xx answer: retried at once only when 5xx without any
    /// `Retry-After` (rule 6); a 429 or 503 `Retry-After` sets the next
    /// attempt (rule 5).
    fn status_failed(&self, status: u16, headers: &HeaderMap) -> Failed {
        Failed {
            retried: status >= 500 && !headers.contains_key(RETRY_AFTER),
            retry_after: backoff::retry_after(status, headers),
            ..Failed::final_(AuthError::JwksFetchFailed(SourceError::new(
                SourceProblem::Status(status),
                &self.url,
            )))
        }
    }

    fn unusable(&self, problem: SourceProblem) -> AuthError {
        AuthError::JwksError(SourceError::new(problem, &self.url))
    }
}

/// Every value of a list-valued header (RFC 9110 section 5.3), joined
/// with `", "`; values that are not visible ASCII are left out.
fn joined(headers: &HeaderMap, name: http::HeaderName) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

#[cfg(test)]
mod tests {
    use http::header::CONTENT_ENCODING;
    use http::HeaderValue;

    use super::*;
    use crate::body::tests::gzip;
    use crate::http::tests::request;
    use crate::http::TransportKind;
    use crate::jwk::test_keys;

    fn response(status: u16, headers: &[(&'static str, &str)], body: &[u8]) -> HttpResponse {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        HttpResponse {
            status,
            headers: map,
            body: body.to_vec(),
        }
    }

    fn failed(read: Read) -> Failed {
        match read {
            Read::Failed(failed) => failed,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn statuses_decide_retries_and_retry_after() {
        let r = request("https://a.test/jwks", false);
        let f = failed(r.read(Ok(response(500, &[], b""))).read);
        assert!(f.retried && f.retry_after.is_none());
        assert_eq!(
            f.error,
            AuthError::JwksFetchFailed(SourceProblem::Status(500).into())
        );
        let f = failed(r.read(Ok(response(503, &[("retry-after", "7")], b""))).read);
        assert!(!f.retried);
        assert_eq!(f.retry_after, Some(Duration::from_secs(7)));
        let f = failed(
            r.read(Ok(response(502, &[("retry-after", "soon")], b"")))
                .read,
        );
        assert!(
            !f.retried && f.retry_after.is_none(),
            "any Retry-After stops the retry"
        );
        let f = failed(r.read(Ok(response(404, &[], b""))).read);
        assert!(!f.retried);
        let f = failed(r.read(Ok(response(302, &[], b""))).read);
        assert_eq!(f.error.source_problem(), Some(SourceProblem::Status(302)));
    }

    #[test]
    fn transport_failures_keep_their_kind_and_url() {
        let r = request("https://a.test/jwks", false);
        let f = failed(r.read(Err(TransportKind::Refused.into())).read);
        assert!(f.retried);
        let source = f.error.source_error().unwrap();
        assert_eq!(source.url(), Some("https://a.test/jwks"));
        assert_eq!(source.transport_kind(), Some(TransportKind::Refused));
        let f = failed(r.read(Err(TransportKind::Tls.into())).read);
        assert!(!f.retried);
        assert_eq!(f.error.source_problem(), Some(SourceProblem::Transport));
    }

    #[test]
    fn key_sets_are_parsed_here_gzip_included() {
        let key = test_keys::rsa(2048);
        let jwks = serde_json::to_vec(&serde_json::json!({"keys": [key.jwk]})).unwrap();
        let r = request("https://a.test/jwks", false);
        let headers = [
            ("content-encoding", "gzip"),
            ("cache-control", "max-age=60"),
            ("Cache-Control", "public"),
        ];
        match r.read(Ok(response(200, &headers, &gzip(&jwks)))).read {
            Read::Keys {
                keys,
                cache_control,
                ..
            } => {
                assert_eq!(keys.key_count(), 1);
                assert_eq!(cache_control.as_deref(), Some("max-age=60, public"));
            }
            other => panic!("{other:?}"),
        }
        let f = failed(
            r.read(Ok(response(200, &[("content-encoding", "br")], &jwks)))
                .read,
        );
        assert_eq!(
            f.error,
            AuthError::JwksError(SourceProblem::ContentEncoding.into())
        );
        let mut bad = response(200, &[], &jwks);
        bad.headers
            .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        let f = failed(r.read(Ok(bad)).read);
        assert_eq!(
            f.error.source_problem(),
            Some(SourceProblem::ContentEncoding)
        );
    }

    #[test]
    fn discovery_documents_name_the_key_set_or_the_other_issuer() {
        let mut r = request(
            "https://id.example.test/.well-known/openid-configuration",
            false,
        );
        r.stage = FetchStage::Discovery;
        let good =
            br#"{"issuer":"https://id.example.test/","jwks_uri":"https://id.example.test/k"}"#;
        assert!(matches!(
            r.read(Ok(response(200, &[], good))).read,
            Read::JwksUri(url) if url == "https://id.example.test/k"
        ));
        let evil = br#"{"issuer":"https://evil.test/","jwks_uri":"https://id.example.test/k"}"#;
        let f = failed(r.read(Ok(response(200, &[], evil))).read);
        assert_eq!(f.error.code(), "issuer_mismatch");
        assert_eq!(
            f.error
                .source_error()
                .and_then(SourceError::published_issuer),
            Some("https://evil.test/")
        );
    }
}
