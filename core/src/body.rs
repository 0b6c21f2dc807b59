//! Bodies (rule 10): the `Content-Encoding` of an answer, gzip decoded with
//! the body limit on the decoded bytes, and every other coding refused.

use std::borrow::Cow;
use std::io::Read;

use flate2::read::MultiGzDecoder;
use http::header::CONTENT_ENCODING;
use http::HeaderMap;

use crate::error::SourceProblem;
use crate::http::{MAX_BODY_BYTES, MAX_ENCODED_BODY_BYTES};

/// The coding of a body, as the `Content-Encoding` fields declare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    /// No coding, or only `identity`.
    Identity,
    /// Exactly one `gzip`.
    Gzip,
}

/// The decoded body: taken as is, or gunzipped, and at most
/// [`MAX_BODY_BYTES`] long.
///
/// Errors: `BodyTooLarge` past the limit (decoding stops one byte past it,
/// so a gzip bomb costs at most the limit), `ContentEncoding` for any other
/// coding, several codings, or a body that does not decode.
pub(crate) fn decoded<'b>(
    headers: &HeaderMap,
    raw: &'b [u8],
) -> Result<Cow<'b, [u8]>, SourceProblem> {
    if raw.len() > MAX_ENCODED_BODY_BYTES {
        return Err(SourceProblem::BodyTooLarge);
    }
    let body = match coding(headers)? {
        Coding::Identity => Cow::Borrowed(raw),
        Coding::Gzip => Cow::Owned(gunzip(raw)?),
    };
    if body.len() > MAX_BODY_BYTES {
        return Err(SourceProblem::BodyTooLarge);
    }
    Ok(body)
}

/// The codings listed by every `Content-Encoding` field (names compared
/// without case, `identity` dropped): none, or exactly one `gzip`.
fn coding(headers: &HeaderMap) -> Result<Coding, SourceProblem> {
    let mut codings = Vec::new();
    for value in headers.get_all(CONTENT_ENCODING) {
        let value = value.to_str().map_err(|_| SourceProblem::ContentEncoding)?;
        codings.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity")),
        );
    }
    match codings.as_slice() {
        [] => Ok(Coding::Identity),
        [coding] if coding.eq_ignore_ascii_case("gzip") => Ok(Coding::Gzip),
        _ => Err(SourceProblem::ContentEncoding),
    }
}

/// Every member of a gzip stream, decoded up to one byte past the limit.
fn gunzip(raw: &[u8]) -> Result<Vec<u8>, SourceProblem> {
    if raw.is_empty() {
        return Err(SourceProblem::ContentEncoding);
    }
    let limit = u64::try_from(MAX_BODY_BYTES).unwrap_or(u64::MAX) + 1;
    let mut decoded = Vec::new();
    MultiGzDecoder::new(raw)
        .take(limit)
        .read_to_end(&mut decoded)
        .map_err(|_| SourceProblem::ContentEncoding)?;
    Ok(decoded)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;
    use http::HeaderValue;

    use super::*;

    pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn encoded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(CONTENT_ENCODING, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn no_coding_or_identity_is_taken_as_is() {
        for values in [
            &[][..],
            &["identity"],
            &["IDENTITY"],
            &[""],
            &["identity, identity"],
        ] {
            assert_eq!(
                decoded(&encoded(values), b"{}").as_deref(),
                Ok(&b"{}"[..]),
                "{values:?}"
            );
        }
    }

    #[test]
    fn gzip_is_decoded_in_any_case_and_with_identity_beside_it() {
        let body = gzip(br#"{"keys":[]}"#);
        for values in [
            &["gzip"][..],
            &["GZip"],
            &["identity, gzip"],
            &["gzip", "identity"],
        ] {
            assert_eq!(
                decoded(&encoded(values), &body).as_deref(),
                Ok(&br#"{"keys":[]}"#[..]),
                "{values:?}"
            );
        }
        let mut two_members = gzip(b"{\"keys\":");
        two_members.extend(gzip(b"[]}"));
        assert_eq!(
            decoded(&encoded(&["gzip"]), &two_members).as_deref(),
            Ok(&br#"{"keys":[]}"#[..])
        );
    }

    #[test]
    fn other_codings_stacked_codings_and_bad_gzip_are_refused() {
        let body = gzip(b"{}");
        for values in [
            &["br"][..],
            &["deflate"],
            &["x-gzip"],
            &["compress"],
            &["gzip, gzip"],
            &["gzip", "gzip"],
            &["gzip, br"],
        ] {
            assert_eq!(
                decoded(&encoded(values), &body),
                Err(SourceProblem::ContentEncoding),
                "{values:?}"
            );
        }
        let mut truncated = body.clone();
        truncated.truncate(body.len() - 4);
        let mut trailing = body.clone();
        trailing.extend_from_slice(b"garbage");
        for bad in [&b""[..], b"{}", &truncated, &trailing] {
            assert_eq!(
                decoded(&encoded(&["gzip"]), bad),
                Err(SourceProblem::ContentEncoding)
            );
        }
        let mut opaque = HeaderMap::new();
        opaque.insert(
            CONTENT_ENCODING,
            HeaderValue::from_bytes(b"gz\xffip").unwrap(),
        );
        assert_eq!(decoded(&opaque, &body), Err(SourceProblem::ContentEncoding));
    }

    #[test]
    fn the_limit_applies_to_decoded_bytes_and_stops_a_bomb() {
        let exactly = vec![b' '; MAX_BODY_BYTES];
        let body = gzip(&exactly);
        assert_eq!(
            decoded(&encoded(&["gzip"]), &body).map(|b| b.len()),
            Ok(MAX_BODY_BYTES)
        );
        let bomb = gzip(&vec![b' '; 64 * MAX_BODY_BYTES]);
        assert!(bomb.len() < MAX_BODY_BYTES / 8, "{}", bomb.len());
        assert_eq!(
            decoded(&encoded(&["gzip"]), &bomb),
            Err(SourceProblem::BodyTooLarge)
        );
        assert_eq!(gunzip(&bomb).map(|b| b.len()), Ok(MAX_BODY_BYTES + 1));
        let plain = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            decoded(&encoded(&[]), &plain),
            Err(SourceProblem::BodyTooLarge)
        );
        let raw = vec![0; MAX_ENCODED_BODY_BYTES + 1];
        assert_eq!(
            decoded(&encoded(&["gzip"]), &raw),
            Err(SourceProblem::BodyTooLarge)
        );
    }

    #[test]
    fn an_incompressible_body_at_the_limit_still_fits_once_gzipped() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..MAX_BODY_BYTES)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect();
        let body = gzip(&noise);
        assert!(body.len() > MAX_BODY_BYTES && body.len() <= MAX_ENCODED_BODY_BYTES);
        assert_eq!(
            decoded(&encoded(&["gzip"]), &body).map(|b| b.len()),
            Ok(MAX_BODY_BYTES)
        );
    }
}
