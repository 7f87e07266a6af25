//! The client's typed errors.

use std::time::Duration;

use protocol::{ErrorCode, RequestId};

/// Everything that can go wrong for a [`Client`](crate::Client).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL could not be turned into a WebSocket request.
    #[error("invalid monitor URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The TCP connection or the WebSocket handshake failed.
    #[error("could not connect to the monitor: {0}")]
    Connect(#[source] Box<tokio_tungstenite::tungstenite::Error>),
    /// The handshake did not finish in time.
    #[error("the monitor did not answer the handshake within {0:?}")]
    ConnectTimeout(Duration),
    /// The server did not open with `connected`, or spoke another protocol.
    #[error("the server broke the dexmon.v1 protocol: {0}")]
    Protocol(String),
    /// The server refused the credentials (close code 4001). The client does not retry.
    #[error("the monitor refused the credentials (close 4001)")]
    Unauthorized,
    /// The server closed with 1008 for repeated protocol violations. The client does not retry.
    #[error("the monitor closed the connection for repeated protocol violations (close 1008)")]
    PolicyViolation,
    /// The reconnect attempts configured in the [`Backoff`](crate::Backoff) ran out.
    #[error("gave up after {attempts} reconnect attempts")]
    GaveUp {
        /// How many attempts were made.
        attempts: u32,
    },
    /// The server answered a request with an `error` message.
    #[error("request {id:?} refused: {code}: {message}")]
    Refused {
        /// The request's id.
        id: Option<RequestId>,
        /// The machine-readable reason.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// The connection was lost before the request was acknowledged. The subscription state
    /// the client restores after reconnecting is the last one the server acknowledged.
    #[error("the connection was lost before the request was acknowledged")]
    Disconnected,
    /// The client was closed (or its background task ended).
    #[error("the client is closed")]
    Closed,
}

/// Why a [`Backoff`](crate::Backoff) could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BackoffError {
    /// The first delay was zero.
    #[error("initial delay must be positive")]
    ZeroInitial,
    /// The cap was below the first delay.
    #[error("cap ({cap:?}) must be at least the initial delay ({initial:?})")]
    CapBelowInitial {
        /// The initial delay given.
        initial: Duration,
        /// The cap given.
        cap: Duration,
    },
    /// The jitter was not a fraction in `[0, 1)`.
    #[error("jitter must be in [0, 1), got {0}")]
    Jitter(f64),
    /// A limit of zero attempts would never reconnect; use `None` for unlimited.
    #[error("max_attempts must be at least 1 (None means unlimited)")]
    ZeroAttempts,
}
