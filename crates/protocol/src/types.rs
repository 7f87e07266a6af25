//! Small types shared by client and server messages.

use std::fmt;

use serde::{Deserialize, Serialize};

#[cfg(feature = "typescript")]
use ts_rs::TS;

/// A publish channel. Every channel message carries that channel's `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// `price_update` messages.
    Prices,
    /// `opportunity` messages.
    Opportunities,
    /// `health` messages.
    Health,
    /// `log` messages.
    Logs,
}

impl Channel {
    /// Every channel, in wire order.
    pub const ALL: [Channel; 4] = [Self::Prices, Self::Opportunities, Self::Health, Self::Logs];

    /// The channel's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Prices => "prices",
            Self::Opportunities => "opportunities",
            Self::Health => "health",
            Self::Logs => "logs",
        }
    }

    /// Dense index, for per-channel arrays.
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client-chosen request id, echoed in the answer. Numbers and strings are both accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(untagged)]
pub enum RequestId {
    /// A numeric id.
    Number(u64),
    /// A string id.
    Text(String),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

/// Machine-readable reason in an `error` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// A text frame that is not valid JSON (or not UTF-8).
    InvalidJson,
    /// A binary frame that is not valid MessagePack.
    InvalidMsgpack,
    /// A binary frame on a JSON connection, or a text frame on a MessagePack connection.
    UnsupportedFrame,
    /// Valid JSON, but not an object with a string `type`.
    InvalidMessage,
    /// A `type` the server does not know.
    UnknownType,
    /// A field the message type does not have.
    UnknownField,
    /// A field with the wrong type or an out-of-range value, or a missing required field.
    InvalidField,
    /// The frame exceeds the maximum inbound size.
    MessageTooLarge,
    /// The connection sends faster than its inbound rate limit.
    RateLimited,
    /// The connection asked for more subscriptions than allowed.
    TooManySubscriptions,
    /// Missing or wrong credentials.
    Unauthorized,
    /// The server failed to handle a valid request.
    Internal,
    /// An `alert_add` whose alert is not valid (see `docs/protocol.md`, alerts).
    InvalidAlert,
    /// The connection already holds the most alerts allowed.
    TooManyAlerts,
    /// An `alert_remove` for an `alert_id` the connection does not have.
    UnknownAlert,
    /// A code this version of the protocol crate does not know; newer servers may send more.
    #[serde(other)]
    #[cfg_attr(feature = "typescript", ts(skip))]
    Other,
}

impl ErrorCode {
    /// The code's wire form, for logs and metrics labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "INVALID_JSON",
            Self::InvalidMsgpack => "INVALID_MSGPACK",
            Self::UnsupportedFrame => "UNSUPPORTED_FRAME",
            Self::InvalidMessage => "INVALID_MESSAGE",
            Self::UnknownType => "UNKNOWN_TYPE",
            Self::UnknownField => "UNKNOWN_FIELD",
            Self::InvalidField => "INVALID_FIELD",
            Self::MessageTooLarge => "MESSAGE_TOO_LARGE",
            Self::RateLimited => "RATE_LIMITED",
            Self::TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Internal => "INTERNAL",
            Self::InvalidAlert => "INVALID_ALERT",
            Self::TooManyAlerts => "TOO_MANY_ALERTS",
            Self::UnknownAlert => "UNKNOWN_ALERT",
            Self::Other => "OTHER",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serde adapter that writes a `u64` token amount as a decimal string, so JavaScript clients
/// do not lose precision above 2^53. Reading also accepts a plain number.
pub(crate) mod amount {
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Number(u64),
            Text(String),
        }
        match Repr::deserialize(d)? {
            Repr::Number(n) => Ok(n),
            Repr::Text(s) => s.parse().map_err(de::Error::custom),
        }
    }
}
