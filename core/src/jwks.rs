//! A JWK Set document: limits, parsing into usable keys, and key selection.
