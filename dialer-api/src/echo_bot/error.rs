//! Errors of the echo bot.

use std::net::SocketAddr;

/// Why the echo bot could not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum EchoBotError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
}
