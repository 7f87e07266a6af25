//! Client-to-server messages. Parsed strictly by [`crate::decode_client`]: unknown types,
//! unknown fields and wrong types are each a typed error.

use serde::{Deserialize, Serialize};

use crate::{Alert, Channel, RequestId};

#[cfg(feature = "typescript")]
use ts_rs::TS;

/// Every message a client may send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Add channels, and narrow or widen the pair and dex filters.
    Subscribe(Subscription),
    /// Remove channels, or remove pairs and dexes from the filters.
    Unsubscribe(Subscription),
    /// Application-level ping; answered with `pong`.
    Ping(Ping),
    /// Replay what was missed on a channel since `after_seq`.
    Resume(Resume),
    /// Register an alert on this connection; answered with `alert_added`.
    AlertAdd(AlertAdd),
    /// Remove an alert; answered with `alert_removed`.
    AlertRemove(AlertRemove),
    /// List this connection's alerts; answered with `alerts`.
    AlertList(AlertList),
}

impl ClientMessage {
    /// The request id the answer will echo.
    pub fn id(&self) -> Option<&RequestId> {
        match self {
            Self::Subscribe(m) | Self::Unsubscribe(m) => m.id.as_ref(),
            Self::Ping(m) => m.id.as_ref(),
            Self::Resume(m) => m.id.as_ref(),
            Self::AlertAdd(m) => m.id.as_ref(),
            Self::AlertRemove(m) => m.id.as_ref(),
            Self::AlertList(m) => m.id.as_ref(),
        }
    }

    /// Sets the request id the answer will echo.
    pub fn set_id(&mut self, id: Option<RequestId>) {
        match self {
            Self::Subscribe(m) | Self::Unsubscribe(m) => m.id = id,
            Self::Ping(m) => m.id = id,
            Self::Resume(m) => m.id = id,
            Self::AlertAdd(m) => m.id = id,
            Self::AlertRemove(m) => m.id = id,
            Self::AlertList(m) => m.id = id,
        }
    }

    /// The wire `type` of every client message, and the fields each one accepts. The strict
    /// parser checks fields against this table before it decodes values, so that an unknown
    /// field is reported as such rather than as a type error.
    pub(crate) const FIELDS: &'static [(&'static str, &'static [&'static str])] = &[
        ("subscribe", Subscription::FIELDS),
        ("unsubscribe", Subscription::FIELDS),
        ("ping", Ping::FIELDS),
        ("resume", Resume::FIELDS),
        ("alert_add", AlertAdd::FIELDS),
        ("alert_remove", AlertRemove::FIELDS),
        ("alert_list", AlertList::FIELDS),
    ];
}

/// Body of `subscribe` and `unsubscribe`.
///
/// `subscribe` adds `channels`; `pairs` and `dexes`, when given, are added to the connection's
/// filters (a connection with no pair filter receives every pair). `unsubscribe` removes the
/// named channels, pairs and dexes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// A request id, echoed in the answer.
    pub id: Option<RequestId>,
    #[serde(default)]
    /// Channels to add (or remove).
    pub channels: Vec<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// Pairs (`BASE/QUOTE`) to add to (or remove from) the pair filter.
    pub pairs: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// Dexes to add to (or remove from) the dex filter.
    pub dexes: Option<Vec<String>>,
}

impl Subscription {
    const FIELDS: &'static [&'static str] = &["id", "channels", "pairs", "dexes"];
}

/// Body of `ping`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct Ping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// A request id, echoed in `pong`.
    pub id: Option<RequestId>,
}

impl Ping {
    const FIELDS: &'static [&'static str] = &["id"];
}

/// Body of `resume`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct Resume {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// A request id, echoed in `resumed`.
    pub id: Option<RequestId>,
    /// The channel to replay.
    pub channel: Channel,
    /// The `epoch` from the `connected` message of the connection that was lost.
    pub epoch: String,
    /// The last `seq` the client processed on this channel.
    pub after_seq: u64,
}

impl Resume {
    const FIELDS: &'static [&'static str] = &["id", "channel", "epoch", "after_seq"];
}

/// Body of `alert_add`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct AlertAdd {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// A request id, echoed in `alert_added`.
    pub id: Option<RequestId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// The alert's name on this connection; the server picks one when absent. Adding an
    /// `alert_id` that exists replaces that alert (and re-arms it).
    pub alert_id: Option<String>,
    /// What to watch.
    pub alert: Alert,
}

impl AlertAdd {
    const FIELDS: &'static [&'static str] = &["id", "alert_id", "alert"];
}

/// Body of `alert_remove`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct AlertRemove {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// A request id, echoed in `alert_removed`.
    pub id: Option<RequestId>,
    /// The alert to remove.
    pub alert_id: String,
}

impl AlertRemove {
    const FIELDS: &'static [&'static str] = &["id", "alert_id"];
}

/// Body of `alert_list`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct AlertList {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// A request id, echoed in `alerts`.
    pub id: Option<RequestId>,
}

impl AlertList {
    const FIELDS: &'static [&'static str] = &["id"];
}
