//! Strict JSON for untrusted documents: duplicate member names and deep
//! nesting are refused.
