//! `/ws`: the `dexmon.v1` WebSocket endpoint.
//!
//! [`upgrade`] checks a request (origin, capacity, credentials), negotiates the codec and hands
//! the socket to a `connection::Connection`, which serves it on one task:
//! - live messages from the hub's broadcast go through the connection's [`session::Session`]
//!   filters and [`alerts::AlertBook`] into its [`outbox::Outbox`]; prices conflate there per
//!   pool, other messages queue;
//! - the client's frames are answered (`requests.rs`) under the inbound rate limit;
//! - the `writer::Writer` moves the outbox into the socket whenever the socket takes more,
//!   one flush per batch, and never waits on it.
//!
//! A slow client therefore only ever fills its own outbox: prices conflate there, and when its
//! reliable lane overflows the connection closes with 4008. Other connections are unaffected.

pub mod alerts;
mod config;
mod connection;
mod frame;
mod gate;
pub mod outbox;
pub mod rate_limit;
mod requests;
pub mod session;
mod socket;
mod upgrade;
mod writer;

use protocol::{ErrorCode, ErrorMessage, RequestId, Timestamp};

pub use self::config::WsConfig;
pub use self::upgrade::{
    HandshakeError, WebSocketUpgrade, WsContext, WsStats, index_or_upgrade, upgrade,
};
use crate::clock::unix_ms;

fn now() -> Timestamp {
    Timestamp::from_unix_millis(unix_ms())
}

fn error(id: Option<RequestId>, code: ErrorCode, message: &str) -> ErrorMessage {
    ErrorMessage {
        id,
        timestamp: now(),
        code,
        message: message.to_owned(),
        details: None,
    }
}
