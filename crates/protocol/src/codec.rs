//! JSON and MessagePack codecs.
//!
//! Server messages are encoded once into [`Bytes`] that every connection shares
//! ([`EncodedMessage`]); client messages are decoded strictly ([`decode_client`]).

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::{
    ClientMessage, ClientParseError, EncodeError, RequestId, ServerMessage, ServerParseError,
};

/// Default maximum size of an inbound client frame.
pub const DEFAULT_MAX_CLIENT_MESSAGE_BYTES: usize = 16 * 1024;

/// Longest unknown `type` or field name echoed back in an error, so an attacker cannot make
/// the server reflect large strings.
const MAX_ECHOED_NAME: usize = 64;

/// A wire encoding, chosen per connection by WebSocket subprotocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// Text frames holding JSON (`dexmon.v1.json`, or no subprotocol).
    Json,
    /// Binary frames holding MessagePack maps with named fields (`dexmon.v1.msgpack`).
    MsgPack,
}

impl Codec {
    /// The subprotocol name that selects this codec.
    pub const fn subprotocol(self) -> &'static str {
        match self {
            Self::Json => crate::SUBPROTOCOL_JSON,
            Self::MsgPack => crate::SUBPROTOCOL_MSGPACK,
        }
    }

    /// Picks the codec for the subprotocols a client offered, in the client's order of
    /// preference. Returns the codec and the subprotocol to echo in the handshake (none when
    /// the client offered none we know, which means JSON).
    pub fn negotiate<'a>(
        offered: impl IntoIterator<Item = &'a str>,
    ) -> (Self, Option<&'static str>) {
        for name in offered {
            match name.trim() {
                crate::SUBPROTOCOL_MSGPACK => {
                    return (Self::MsgPack, Some(crate::SUBPROTOCOL_MSGPACK));
                }
                crate::SUBPROTOCOL_JSON => return (Self::Json, Some(crate::SUBPROTOCOL_JSON)),
                _ => {}
            }
        }
        (Self::Json, None)
    }
}

/// Encodes a server message as JSON.
///
/// # Errors
/// Only if serde_json fails, which the types in this crate do not cause.
pub fn encode_json(msg: &ServerMessage) -> Result<Bytes, EncodeError> {
    Ok(Bytes::from(serde_json::to_vec(msg)?))
}

/// Encodes a server message as MessagePack with named fields (a map per struct), so it has
/// the same structure as the JSON form.
///
/// # Errors
/// Only if the MessagePack writer fails.
pub fn encode_msgpack(msg: &ServerMessage) -> Result<Bytes, EncodeError> {
    Ok(Bytes::from(rmp_serde::to_vec_named(msg)?))
}

/// Encodes a server message with the given codec.
///
/// # Errors
/// See [`encode_json`] and [`encode_msgpack`].
pub fn encode(msg: &ServerMessage, codec: Codec) -> Result<Bytes, EncodeError> {
    match codec {
        Codec::Json => encode_json(msg),
        Codec::MsgPack => encode_msgpack(msg),
    }
}

/// Decodes a server message leniently: unknown fields are ignored and an unknown `type`
/// becomes [`ServerMessage::Unknown`].
///
/// # Errors
/// The bytes are not valid for the codec, or a known message has a field of the wrong type.
pub fn decode_server(bytes: &[u8], codec: Codec) -> Result<ServerMessage, ServerParseError> {
    match codec {
        Codec::Json => Ok(serde_json::from_slice(bytes)?),
        Codec::MsgPack => Ok(rmp_serde::from_slice(bytes)?),
    }
}

/// Decodes a client message strictly.
///
/// The checks run in this order, and the first that fails is the error: size, syntax, shape
/// (an object with a string `type`), known type, known fields, field values.
///
/// # Errors
/// A [`ClientParseError`] whose [`code`](ClientParseError::code) goes into the `error` reply.
///
/// # Example
/// ```rust
/// use protocol::{Channel, ClientMessage, ClientParseError, Codec, Subscription};
/// use protocol::{decode_client, encode_client};
///
/// let frame = br#"{"type":"subscribe","channels":["prices"]}"#;
/// let msg = decode_client(frame, Codec::Json, 4_096)?;
/// let ClientMessage::Subscribe(Subscription { channels, .. }) = &msg else {
///     unreachable!()
/// };
/// assert_eq!(channels, &[Channel::Prices]);
///
/// // The same message in MessagePack decodes to the same value.
/// let packed = encode_client(&msg, Codec::MsgPack).unwrap();
/// assert_eq!(decode_client(&packed, Codec::MsgPack, 4_096)?, msg);
///
/// // An unknown field is refused by name.
/// let bad = br#"{"type":"ping","nonce":1}"#;
/// assert!(matches!(
///     decode_client(bad, Codec::Json, 4_096),
///     Err(ClientParseError::UnknownField { .. })
/// ));
/// # Ok::<(), ClientParseError>(())
/// ```
pub fn decode_client(
    bytes: &[u8],
    codec: Codec,
    max_len: usize,
) -> Result<ClientMessage, ClientParseError> {
    if bytes.len() > max_len {
        return Err(ClientParseError::TooLarge {
            len: bytes.len(),
            max: max_len,
        });
    }
    let value: Value = match codec {
        Codec::Json => serde_json::from_slice(bytes)
            .map_err(|e| ClientParseError::InvalidJson(e.to_string()))?,
        Codec::MsgPack => rmp_serde::from_slice(bytes)
            .map_err(|e| ClientParseError::InvalidMsgpack(e.to_string()))?,
    };
    let Value::Object(object) = value else {
        return Err(ClientParseError::NotAMessage);
    };
    let Some(Value::String(msg_type)) = object.get("type") else {
        return Err(ClientParseError::NotAMessage);
    };
    let Some(&(msg_type, fields)) = ClientMessage::FIELDS
        .iter()
        .find(|(name, _)| *name == msg_type.as_str())
    else {
        return Err(ClientParseError::UnknownType(truncate(msg_type)));
    };
    if let Some(field) = first_unknown_field(&object, fields) {
        return Err(ClientParseError::UnknownField {
            msg_type,
            field: truncate(field),
        });
    }
    // The one nested object a client sends is checked the same way.
    if let Some(Value::Object(alert)) = object.get("alert")
        && let Some(field) = alert
            .keys()
            .find(|key| !crate::Alert::FIELDS.contains(&key.as_str()))
    {
        return Err(ClientParseError::UnknownField {
            msg_type,
            field: format!("alert.{}", truncate(field)),
        });
    }
    serde_json::from_value(Value::Object(object)).map_err(|e| ClientParseError::InvalidField {
        msg_type,
        detail: e.to_string(),
    })
}

/// The request `id` of a client frame that [`decode_client`] refused, when it can still be
/// read: the frame is within `max_len`, decodes to an object, and its `id` is a number or a
/// string. The `error` reply echoes it, so a client can match the refusal to its request.
pub fn client_request_id(bytes: &[u8], codec: Codec, max_len: usize) -> Option<RequestId> {
    if bytes.len() > max_len {
        return None;
    }
    let value: Value = match codec {
        Codec::Json => serde_json::from_slice(bytes).ok()?,
        Codec::MsgPack => rmp_serde::from_slice(bytes).ok()?,
    };
    let Value::Object(mut object) = value else {
        return None;
    };
    serde_json::from_value(object.remove("id")?).ok()
}

/// Encodes a client message; used by Rust clients and tests.
///
/// # Errors
/// Only if the encoder fails, which these types do not cause.
pub fn encode_client(msg: &ClientMessage, codec: Codec) -> Result<Bytes, EncodeError> {
    Ok(Bytes::from(match codec {
        Codec::Json => serde_json::to_vec(msg)?,
        Codec::MsgPack => rmp_serde::to_vec_named(msg)?,
    }))
}

fn first_unknown_field<'a>(object: &'a Map<String, Value>, fields: &[&str]) -> Option<&'a str> {
    object
        .keys()
        .map(String::as_str)
        .find(|key| *key != "type" && !fields.contains(key))
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHOED_NAME) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

/// A server message encoded at most once per codec, shared by every connection that sends it.
///
/// Cloning is cheap (one `Arc`); the encoded [`Bytes`] are reference-counted, so sending them
/// to many connections copies nothing. A codec is encoded the first time any connection asks
/// for it, so MessagePack costs nothing while no client negotiated it.
#[derive(Debug, Clone)]
pub struct EncodedMessage {
    inner: Arc<EncodedInner>,
}

#[derive(Debug)]
struct EncodedInner {
    message: ServerMessage,
    json: OnceLock<Bytes>,
    msgpack: OnceLock<Bytes>,
}

impl EncodedMessage {
    /// Wraps a message and encodes its JSON form now, the form nearly every client uses.
    ///
    /// # Errors
    /// See [`encode_json`].
    pub fn new(message: ServerMessage) -> Result<Self, EncodeError> {
        let json = encode_json(&message)?;
        let inner = EncodedInner {
            message,
            json: OnceLock::from(json),
            msgpack: OnceLock::new(),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Wraps a message whose JSON form is already known, for example because it arrived
    /// encoded from another node. `json` must be `message` encoded with [`encode_json`].
    pub fn with_json(message: ServerMessage, json: Bytes) -> Self {
        let inner = EncodedInner {
            message,
            json: OnceLock::from(json),
            msgpack: OnceLock::new(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The message itself.
    pub fn message(&self) -> &ServerMessage {
        &self.inner.message
    }

    /// The message's bytes in the given codec, encoding them on first use.
    ///
    /// # Errors
    /// See [`encode`]. A failure is not cached, so a later call tries again.
    pub fn bytes(&self, codec: Codec) -> Result<Bytes, EncodeError> {
        let cell = match codec {
            Codec::Json => &self.inner.json,
            Codec::MsgPack => &self.inner.msgpack,
        };
        if let Some(bytes) = cell.get() {
            return Ok(bytes.clone());
        }
        let bytes = encode(&self.inner.message, codec)?;
        Ok(cell.get_or_init(|| bytes).clone())
    }

    /// Whether two handles share one encoding (the same allocation).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}
