//! The content coding a scripted body is sent with, applied alike by the
//! scripted server and by [`Response::wire_body`] (what a client without
//! sockets is handed).
//!
//! [`Response::wire_body`]: super::Response::wire_body

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

/// How a scripted body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// As is, with no `content-encoding`.
    #[default]
    Identity,
    /// gzip-compressed, sent with `content-encoding: gzip`.
    Gzip,
}

/// The most bytes of a gzip-compressed body the server sends: more than any
/// verifier reads of an encoded body (the rules' 512 KiB limit applies to the
/// decoded bytes; this project's verifier reads at most 64 KiB more off the
/// wire), so that a client always stops first, while a compressed body that
/// does not shrink is never generated beyond it.
pub const MAX_GZIP_BODY_BYTES: usize = 1024 * 1024;

/// Repeated text is fed to the encoder in pieces of about this size.
const PIECE_BYTES: usize = 64 * 1024;

/// `bytes` gzip-compressed, cut at `limit` bytes.
pub(crate) fn gzip(bytes: &[u8], limit: usize) -> Vec<u8> {
    gzip_repeat(bytes, 1, limit)
}

/// `text` repeated `times` times, gzip-compressed, never built whole: the
/// compression stops once the output passes `limit` (a reader stops there
/// too), and the output is cut at `limit`.
pub(crate) fn gzip_repeat(text: &[u8], times: u64, limit: usize) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    if !text.is_empty() {
        let per_piece = (PIECE_BYTES / text.len()).max(1);
        let piece = text.repeat(per_piece);
        let mut left = times;
        while left > 0 && encoder.get_ref().len() <= limit {
            let count = left.min(u64::try_from(per_piece).unwrap_or(u64::MAX));
            let bytes = usize::try_from(count).map_or(piece.len(), |count| count * text.len());
            // Writing to a Vec cannot fail.
            let _ = encoder.write_all(&piece[..bytes]);
            left -= count;
        }
    }
    let mut out = encoder.finish().unwrap_or_default();
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use flate2::read::GzDecoder;

    use super::*;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn repeats_compress_to_what_the_plain_body_would_be() {
        let plain = "ab".repeat(100_000);
        assert_eq!(
            gunzip(&gzip_repeat(b"ab", 100_000, usize::MAX)),
            plain.as_bytes()
        );
        assert_eq!(gunzip(&gzip(b"{}", usize::MAX)), b"{}");
        assert_eq!(gunzip(&gzip_repeat(b"", u64::MAX, usize::MAX)), b"");
    }

    #[test]
    fn a_bomb_is_small_and_output_is_cut_at_the_limit() {
        let bomb = gzip_repeat(b" ", 64 * 1024 * 1024, usize::MAX);
        assert!(bomb.len() < 128 * 1024, "{}", bomb.len());
        assert_eq!(gzip_repeat(b"x", 1_000_000, 10).len(), 10);
    }
}
