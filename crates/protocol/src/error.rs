//! Typed errors of the codecs.

use crate::ErrorCode;

/// Why a client message was refused. Each variant maps to one wire [`ErrorCode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientParseError {
    /// The frame is larger than the configured maximum.
    #[error("message of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// The frame's length, bytes.
        len: usize,
        /// The limit, bytes.
        max: usize,
    },
    /// The text frame is not JSON.
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    /// The binary frame is not MessagePack.
    #[error("invalid MessagePack: {0}")]
    InvalidMsgpack(String),
    /// The frame decoded, but not to an object with a string `type`.
    #[error("message must be an object with a string \"type\" field")]
    NotAMessage,
    /// The `type` is not a client message type.
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    /// The message has a field its type does not define.
    #[error("unknown field {field:?} in {msg_type:?}")]
    UnknownField {
        /// The message type.
        msg_type: &'static str,
        /// The unknown field (truncated).
        field: String,
    },
    /// A field has the wrong type or value, or a required field is missing.
    #[error("invalid {msg_type:?}: {detail}")]
    InvalidField {
        /// The message type.
        msg_type: &'static str,
        /// What was wrong.
        detail: String,
    },
}

impl ClientParseError {
    /// The wire code reported to the client in an `error` message.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::TooLarge { .. } => ErrorCode::MessageTooLarge,
            Self::InvalidJson(_) => ErrorCode::InvalidJson,
            Self::InvalidMsgpack(_) => ErrorCode::InvalidMsgpack,
            Self::NotAMessage => ErrorCode::InvalidMessage,
            Self::UnknownType(_) => ErrorCode::UnknownType,
            Self::UnknownField { .. } => ErrorCode::UnknownField,
            Self::InvalidField { .. } => ErrorCode::InvalidField,
        }
    }
}

/// Why a server message could not be read. Unknown types are not errors (they decode to
/// [`crate::ServerMessage::Unknown`]); malformed frames and wrong field types are.
#[derive(Debug, thiserror::Error)]
pub enum ServerParseError {
    #[error("invalid JSON server message: {0}")]
    /// The JSON was invalid or a field had the wrong type.
    Json(#[from] serde_json::Error),
    #[error("invalid MessagePack server message: {0}")]
    /// The MessagePack was invalid or a field had the wrong type.
    Msgpack(#[from] rmp_serde::decode::Error),
}

/// A message could not be encoded. With the types in this crate this only happens for
/// MessagePack writer failures, which are not expected in practice; it is still reported.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("JSON encoding failed: {0}")]
    /// serde_json failed.
    Json(#[from] serde_json::Error),
    #[error("MessagePack encoding failed: {0}")]
    /// The MessagePack writer failed.
    Msgpack(#[from] rmp_serde::encode::Error),
}
