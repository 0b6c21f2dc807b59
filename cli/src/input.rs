//! Reading what the command is given: the token (an argument or standard
//! input) and local files, each read to a bound and no further.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::UsageError;

/// The most bytes of a token read from standard input: far more than any
/// `max_token_bytes`, so a longer input is judged `token_too_large` on
/// what was read.
pub(crate) const MAX_STDIN_BYTES: u64 = 1 << 20;

/// The most bytes of a --root-ca PEM file.
pub(crate) const MAX_PEM_BYTES: u64 = 1 << 20;

/// The token: `argument`, or standard input when it is `-` or absent;
/// surrounding whitespace dropped (`echo` adds a newline).
pub(crate) fn token(argument: Option<&str>) -> Result<String, UsageError> {
    let text = match argument {
        Some(token) if token != "-" => token.to_owned(),
        _ => {
            let bytes = read_bounded(io::stdin().lock(), MAX_STDIN_BYTES)
                .map_err(|error| UsageError::new(format!("reading standard input: {error}")))?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    Ok(text.trim().to_owned())
}

/// At most `limit + 1` bytes of the file at `path`: one byte more than
/// allowed tells the caller it was over.
pub(crate) fn file(path: &Path, limit: u64) -> Result<Vec<u8>, UsageError> {
    File::open(path)
        .and_then(|file| read_bounded(file, limit))
        .map_err(|error| UsageError::new(format!("reading {}: {error}", path.display())))
}

/// A PEM file of at most [`MAX_PEM_BYTES`].
pub(crate) fn pem(path: &Path) -> Result<Vec<u8>, UsageError> {
    let bytes = file(path, MAX_PEM_BYTES)?;
    if bytes.len() as u64 > MAX_PEM_BYTES {
        return Err(UsageError::new(format!(
            "{}: over {MAX_PEM_BYTES} bytes, not a root certificate bundle",
            path.display()
        )));
    }
    Ok(bytes)
}

fn read_bounded(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_argument_is_the_token_trimmed() {
        assert_eq!(token(Some(" a.b.c\n")).unwrap(), "a.b.c");
    }

    #[test]
    fn reading_stops_one_byte_past_the_limit() {
        let bytes = read_bounded(&[7u8; 100][..], 10).unwrap();
        assert_eq!(bytes.len(), 11);
        let bytes = read_bounded(&[7u8; 5][..], 10).unwrap();
        assert_eq!(bytes.len(), 5);
    }

    #[test]
    fn a_missing_file_names_its_path() {
        let error = file(Path::new("/nonexistent/keys.json"), 10).unwrap_err();
        assert!(error
            .to_string()
            .starts_with("reading /nonexistent/keys.json: "));
    }
}
