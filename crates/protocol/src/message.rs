//! Server-to-client messages.
//!
//! Every message is a JSON object (or MessagePack map) with a snake_case `type` tag and a
//! `timestamp`. The four channel messages ([`PriceUpdate`], [`Opportunity`], [`Health`],
//! [`LogMessage`]) also carry `seq`, which grows by one per message published on that channel.
//!
//! Parsing is lenient so that old clients keep working against newer servers: unknown fields
//! are ignored and an unknown `type` becomes [`ServerMessage::Unknown`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Channel, ErrorCode, RequestId, Timestamp, amount};

#[cfg(feature = "typescript")]
use ts_rs::TS;

/// Every message the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message on every connection.
    Connected(Connected),
    /// Acknowledges a `subscribe`.
    Subscribed(SubscriptionAck),
    /// Acknowledges an `unsubscribe`.
    Unsubscribed(SubscriptionAck),
    /// The current state of one channel.
    Snapshot(Snapshot),
    /// Answers a `resume`.
    Resumed(Resumed),
    /// Answers an application-level `ping`.
    Pong(Pong),
    /// A request or frame the server could not accept.
    Error(ErrorMessage),
    /// `prices` channel: a pool's price moved or was refreshed.
    PriceUpdate(PriceUpdate),
    /// `opportunities` channel: an arbitrage opened, changed or closed.
    Opportunity(Opportunity),
    /// `health` channel: periodic component and source health.
    Health(Health),
    /// `logs` channel: an operational event.
    Log(LogMessage),
    /// A message type this version does not know. Kept for forward compatibility.
    #[serde(other)]
    #[cfg_attr(feature = "typescript", ts(skip))]
    Unknown,
}

impl ServerMessage {
    /// The channel this message is published on, if it is a channel message.
    pub fn channel(&self) -> Option<Channel> {
        match self {
            Self::PriceUpdate(_) => Some(Channel::Prices),
            Self::Opportunity(_) => Some(Channel::Opportunities),
            Self::Health(_) => Some(Channel::Health),
            Self::Log(_) => Some(Channel::Logs),
            _ => None,
        }
    }

    /// The channel sequence number, if it is a channel message.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Self::PriceUpdate(m) => Some(m.seq),
            Self::Opportunity(m) => Some(m.seq),
            Self::Health(m) => Some(m.seq),
            Self::Log(m) => Some(m.seq),
            _ => None,
        }
    }

    /// Stamps a channel message with its sequence number. Control messages are left alone.
    pub fn set_seq(&mut self, seq: u64) {
        match self {
            Self::PriceUpdate(m) => m.seq = seq,
            Self::Opportunity(m) => m.seq = seq,
            Self::Health(m) => m.seq = seq,
            Self::Log(m) => m.seq = seq,
            _ => {}
        }
    }
}

/// Sent once when a connection opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Connected {
    pub timestamp: Timestamp,
    /// Always [`crate::PROTOCOL_VERSION`].
    pub protocol: String,
    pub server_version: String,
    /// Unique per connection; quote it when reporting problems.
    pub session_id: String,
    /// Random per server start. `resume` only recovers within the same epoch.
    pub epoch: String,
    pub heartbeat_interval_ms: u64,
    /// The channels this connection is subscribed to now (all of them on connect).
    pub channels: Vec<Channel>,
}

/// Acknowledges `subscribe` or `unsubscribe` and states the connection's filters afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct SubscriptionAck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub id: Option<RequestId>,
    pub timestamp: Timestamp,
    /// Channels subscribed after the request.
    pub channels: Vec<Channel>,
    /// Pair filter after the request; absent means every pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub pairs: Option<Vec<String>>,
    /// Dex filter after the request; absent means every dex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub dexes: Option<Vec<String>>,
}

/// The current state of a channel, filtered by the connection's pairs and dexes.
///
/// `seq` is the channel's sequence number when the snapshot was taken: live messages continue
/// from `seq + 1`, and `resume` with `after_seq = seq` picks up exactly after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Snapshot {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub id: Option<RequestId>,
    pub timestamp: Timestamp,
    pub channel: Channel,
    pub seq: u64,
    /// For `prices`: the latest update of every matching pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub prices: Option<Vec<PriceUpdate>>,
    /// For `opportunities`: every open opportunity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub opportunities: Option<Vec<Opportunity>>,
    /// For `health`: the latest health report, if one was published yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub health: Option<Health>,
    /// For `logs`: the most recent log messages still in history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub logs: Option<Vec<LogMessage>>,
}

/// Answers `resume`. With `recovered: true` the messages `from_seq..=to_seq` follow, in order;
/// with `recovered: false` a `snapshot` of the channel follows instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Resumed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub id: Option<RequestId>,
    pub timestamp: Timestamp,
    pub channel: Channel,
    pub recovered: bool,
    pub from_seq: u64,
    pub to_seq: u64,
}

/// Answers an application-level `ping`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Pong {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub id: Option<RequestId>,
    pub timestamp: Timestamp,
}

/// Reports a request or frame the server refused. The connection stays open unless the
/// violation repeats (see `docs/protocol.md`, close codes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct ErrorMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub id: Option<RequestId>,
    pub timestamp: Timestamp,
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub details: Option<String>,
}

/// `prices` channel: the current price of one pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct PriceUpdate {
    pub seq: u64,
    pub timestamp: Timestamp,
    /// `BASE/QUOTE` symbols, for example `SOL/USDC`.
    pub pair: String,
    /// `raydium`, `orca` or `meteora`.
    pub dex: String,
    /// `amm_v4`, `cpmm`, `clmm`, `whirlpool` or `dlmm`.
    pub pool_type: String,
    /// The pool account's address (base58).
    pub pool: String,
    /// Quote tokens per base token, adjusted for decimals. For display; quotes use integers.
    pub price: f64,
    /// Pool value in quote-token units.
    pub liquidity: f64,
    /// The slot of the account state this price was computed from.
    pub slot: u64,
    /// Milliseconds between the account update's arrival and this message.
    pub last_update_ms: u64,
}

/// Whether an opportunity just opened, changed materially, or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    Open,
    Update,
    Close,
}

/// The strategy that found an opportunity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum OpportunityType {
    Spatial,
    Statistical,
    Triangular,
}

/// Costs of executing an opportunity, in quote-token units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Costs {
    /// Swap fees charged by the pools on every leg.
    pub dex_fees: f64,
    /// Price impact of the recommended size, beyond the spot price.
    pub slippage: f64,
    /// Base fee, priority fee and Jito tip, converted from SOL.
    pub gas_jito: f64,
}

/// How fresh and aligned the data behind an opportunity is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Timing {
    /// From the triggering account update's arrival to the detector's decision.
    pub detection_latency_ms: f64,
    /// Largest slot difference between the legs' pool states.
    pub slot_delta: u64,
    /// Age of the oldest leg's data when the decision was made.
    pub data_freshness_ms: u64,
}

/// One swap of an opportunity. Amounts are integer token units (before decimals), carried as
/// decimal strings because they can exceed 2^53.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Leg {
    pub pool: String,
    pub dex: String,
    /// Symbol of the token sold into the pool.
    pub token_in: String,
    /// Symbol of the token bought from the pool.
    pub token_out: String,
    #[serde(with = "amount")]
    #[cfg_attr(feature = "typescript", ts(type = "string"))]
    pub amount_in: u64,
    #[serde(with = "amount")]
    #[cfg_attr(feature = "typescript", ts(type = "string"))]
    pub amount_out: u64,
}

/// `opportunities` channel: an arbitrage that makes money after every cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Opportunity {
    pub seq: u64,
    pub timestamp: Timestamp,
    /// Stable for the opportunity's whole life, from `open` to `close`.
    pub id: String,
    pub status: OpportunityStatus,
    pub opportunity_type: OpportunityType,
    pub pair: String,
    pub buy_dex: String,
    pub sell_dex: String,
    /// Effective price paid on the buy leg, quote per base.
    pub buy_price: f64,
    /// Effective price received on the sell leg, quote per base.
    pub sell_price: f64,
    pub gross_profit_percent: f64,
    pub net_profit_percent: f64,
    /// Size of the first leg's input, in that token's units (after decimals).
    pub recommended_size: f64,
    /// 0 to 100; see `docs/protocol.md` for how it is built.
    pub confidence: u8,
    pub costs: Costs,
    pub timing: Timing,
    pub legs: Vec<Leg>,
}

/// A component's state in a health report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Healthy,
    Degraded,
    Down,
}

/// One component's status and latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct ComponentHealth {
    pub status: ComponentStatus,
    pub latency_ms: f64,
}

/// The state cache's status, latency and effectiveness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct CacheHealth {
    pub status: ComponentStatus,
    pub latency_ms: f64,
    /// Share of lookups answered from the cache, 0.0 to 1.0.
    pub hit_rate: f64,
    pub entry_count: u64,
}

/// The service's components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Components {
    pub websocket: ComponentHealth,
    pub price_calculator: ComponentHealth,
    pub detector: ComponentHealth,
    pub cache: CacheHealth,
}

/// Service-wide figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct HealthMetrics {
    /// p95 of the detection latency over the last reporting window, in milliseconds.
    pub avg_detection_latency_p95: f64,
    pub price_updates_per_min: u64,
    /// Pools whose data is older than the staleness limit.
    pub stale_prices: u64,
    pub uptime_seconds: u64,
    pub connected_clients: u64,
}

/// A data source's connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// Streaming live.
    Connected,
    /// Lost the stream and trying to get it back.
    Reconnecting,
    /// Polling over RPC while the stream is down.
    Fallback,
    Down,
}

/// One data source in a health report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct SourceHealth {
    /// `yellowstone`, `rpc`, `replay` or `simulator`.
    pub name: String,
    pub state: SourceState,
    /// Milliseconds since the source last delivered anything; absent before the first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub last_message_age_ms: Option<u64>,
    /// The latest slot seen from this source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub slot: Option<u64>,
    /// Why the source is not `connected`, for example the fallback's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub reason: Option<String>,
}

/// `health` channel: published periodically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Health {
    pub seq: u64,
    pub timestamp: Timestamp,
    pub components: Components,
    pub metrics: HealthMetrics,
    pub sources: Vec<SourceHealth>,
}

/// Severity of a `log` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warning,
    Error,
}

/// `logs` channel: an operational event worth showing to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct LogMessage {
    pub seq: u64,
    pub timestamp: Timestamp,
    pub level: LogLevel,
    pub message: String,
    /// Structured details, for example the pubkey a decode failure came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub context: Option<BTreeMap<String, String>>,
}
