//! The `Authorization: Bearer <token>` header (RFC 6750 section 2.1).
