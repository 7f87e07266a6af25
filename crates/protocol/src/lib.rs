//! The `dexmon.v1` wire protocol: every message between the monitor and its WebSocket
//! clients, and the codecs that carry them. No I/O.
//!
//! # Flow
//! ```text
//! producer ──ServerMessage──▶ EncodedMessage::new ──Bytes (JSON, MessagePack on demand)──▶ N sockets
//! socket ──frame──▶ decode_client (size ▸ syntax ▸ shape ▸ type ▸ fields ▸ values) ──▶ ClientMessage
//!                         └─ ClientParseError::code() ──▶ `error` frame
//! ```
//!
//! - [`ServerMessage`] is everything the server sends. Channel messages ([`PriceUpdate`],
//!   [`Opportunity`], [`Health`], [`LogMessage`]) carry a per-channel `seq`.
//! - [`ClientMessage`] is everything a client sends; [`decode_client`] parses it strictly.
//! - [`decode_server`] parses server messages leniently, for forward compatibility.
//! - [`Codec`] picks JSON or MessagePack from the WebSocket subprotocol.
//!
//! `docs/protocol.md` specifies every message with an example; a test keeps it in sync.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod alert;
mod client;
mod codec;
mod error;
mod message;
mod timestamp;
mod types;

#[cfg(feature = "typescript")]
pub mod typescript;

pub use alert::{
    Alert, AlertCondition, AlertRule, DEFAULT_PRICE_HYSTERESIS_PCT,
    DEFAULT_THRESHOLD_HYSTERESIS_PCT, InvalidAlert, MAX_ALERT_ID_LEN, MAX_HYSTERESIS_PCT,
    PriceScope, check_alert_id,
};
pub use client::{AlertAdd, AlertList, AlertRemove, ClientMessage, Ping, Resume, Subscription};
pub use codec::{
    Codec, DEFAULT_MAX_CLIENT_MESSAGE_BYTES, EncodedMessage, client_request_id, decode_client,
    decode_server, encode, encode_client, encode_json, encode_msgpack,
};
pub use error::{ClientParseError, EncodeError, ServerParseError};
pub use message::{
    AlertAdded, AlertEntry, AlertRemoved, AlertTriggered, AlertsList, CacheHealth, ComponentHealth,
    ComponentStatus, Components, Connected, Costs, CrossDirection, ErrorMessage, Health,
    HealthMetrics, Leg, LogLevel, LogMessage, Opportunity, OpportunityStatus, OpportunityType,
    Pong, PriceUpdate, Resumed, ServerMessage, Snapshot, SourceHealth, SourceState,
    SubscriptionAck, Timing,
};
pub use timestamp::Timestamp;
pub(crate) use types::amount;
pub use types::{Channel, ErrorCode, RequestId};

/// The protocol's name and version, sent in `connected`.
pub const PROTOCOL_VERSION: &str = "dexmon.v1";
/// WebSocket subprotocol that selects JSON text frames (the default).
pub const SUBPROTOCOL_JSON: &str = "dexmon.v1.json";
/// WebSocket subprotocol that selects MessagePack binary frames.
pub const SUBPROTOCOL_MSGPACK: &str = "dexmon.v1.msgpack";

/// WebSocket close codes the server uses, documented in `docs/protocol.md`.
pub mod close_code {
    /// The server is shutting down; reconnect (elsewhere).
    pub const GOING_AWAY: u16 = 1001;
    /// A frame broke RFC 6455 (not masked, reserved bits or opcode, a bad control or close
    /// frame, a continuation out of place).
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A text message that is not UTF-8.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// Repeated protocol violations (bad frames after the allowed number of errors).
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A message far over the size limit (four times it, at least 64 KiB); up to that, an
    /// over-limit message gets a `MESSAGE_TOO_LARGE` error instead.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// No pong within the heartbeat window.
    pub const HEARTBEAT_TIMEOUT: u16 = 4000;
    /// Authentication failed.
    pub const UNAUTHORIZED: u16 = 4001;
    /// The client's queue of must-deliver messages (opportunities, logs) overflowed. Reconnect
    /// and `resume`.
    pub const SLOW_CONSUMER: u16 = 4008;
    /// Repeated rate-limit violations.
    pub const RATE_LIMITED: u16 = 4029;
}
