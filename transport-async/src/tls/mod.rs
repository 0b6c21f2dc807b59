//! The TLS stack, chosen when the crate is built: native-tls (the default)
//! or rustls, exactly one. Each stack's setup is a file of its own; both
//! offer the same functions.

#[cfg(all(feature = "native-tls", feature = "rustls"))]
compile_error!(
    "the features `native-tls` and `rustls` exclude each other: for rustls, turn the default \
     features off (`default-features = false, features = [\"rustls\"]`)"
);
#[cfg(not(any(feature = "native-tls", feature = "rustls")))]
compile_error!("no TLS stack: enable the feature `native-tls` (the default) or `rustls`");

#[cfg(feature = "native-tls")]
mod native_tls;
#[cfg(feature = "native-tls")]
pub(crate) use self::native_tls::*;

#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
mod rustls;
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
pub(crate) use self::rustls::*;
