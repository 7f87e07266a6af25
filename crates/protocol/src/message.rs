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

use crate::{Alert, Channel, ErrorCode, RequestId, Timestamp, amount};

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
    /// Answers `alert_add`.
    AlertAdded(AlertAdded),
    /// Answers `alert_remove`.
    AlertRemoved(AlertRemoved),
    /// Answers `alert_list`.
    Alerts(AlertsList),
    /// One of this connection's alerts fired.
    AlertTriggered(AlertTriggered),
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
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// Always [`crate::PROTOCOL_VERSION`].
    pub protocol: String,
    /// The monitor's version.
    pub server_version: String,
    /// Unique per connection; quote it when reporting problems.
    pub session_id: String,
    /// Random per server start. `resume` only recovers within the same epoch.
    pub epoch: String,
    /// How often the server pings, in milliseconds.
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
    /// The request id the client sent, echoed back; absent when it sent none.
    pub id: Option<RequestId>,
    /// When the server produced the message.
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
    /// The request id the client sent, echoed back; absent when it sent none.
    pub id: Option<RequestId>,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// The channel the snapshot is of.
    pub channel: Channel,
    /// The channel's sequence number: one more than the previous message on the channel.
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
    /// The request id the client sent, echoed back; absent when it sent none.
    pub id: Option<RequestId>,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// The channel resumed.
    pub channel: Channel,
    /// Whether the missed messages are still held and follow.
    pub recovered: bool,
    /// First replayed `seq`.
    pub from_seq: u64,
    /// Last replayed `seq`.
    pub to_seq: u64,
}

/// Answers an application-level `ping`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Pong {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// The request id the client sent, echoed back; absent when it sent none.
    pub id: Option<RequestId>,
    /// When the server produced the message.
    pub timestamp: Timestamp,
}

/// Reports a request or frame the server refused. The connection stays open unless the
/// violation repeats (see `docs/protocol.md`, close codes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct ErrorMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// The request id the client sent, echoed back; absent when it sent none.
    pub id: Option<RequestId>,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// What kind of refusal.
    pub code: ErrorCode,
    /// A description for people.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// More detail, when there is any.
    pub details: Option<String>,
}

/// `prices` channel: the current price of one pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct PriceUpdate {
    /// The channel's sequence number: one more than the previous message on the channel.
    pub seq: u64,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// `BASE/QUOTE` symbols, for example `SOL/USDC`.
    pub pair: String,
    /// `raydium`, `orca` or `meteora`; for a centralized-exchange book, the exchange
    /// (`binance`).
    pub dex: String,
    /// `amm_v4`, `cpmm`, `clmm`, `whirlpool` or `dlmm`; `cex_book` for an exchange's order book.
    pub pool_type: String,
    /// The pool account's address (base58); for a `cex_book`, `exchange:SYMBOL` (for example
    /// `binance:SOLUSDC`).
    pub pool: String,
    /// Quote tokens per base token, adjusted for decimals. For display; quotes use integers.
    /// For a `cex_book`, the mid between `bid` and `ask`.
    pub price: f64,
    /// `cex_book` only: the best bid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub bid: Option<f64>,
    /// `cex_book` only: the best ask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub ask: Option<f64>,
    /// Pool value in quote-token units.
    pub liquidity: f64,
    /// The slot of the account state this price was computed from.
    pub slot: u64,
    /// Milliseconds between the account update's arrival and this message.
    pub last_update_ms: u64,
    /// When the server received the account update (for a `cex_book`, the book) this price
    /// was computed from, in microseconds since the Unix epoch. A client on a synchronised
    /// clock gets its end-to-end latency from it to the microsecond. Absent from servers that
    /// predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub update_received_us: Option<u64>,
}

/// Whether an opportunity just opened, changed materially, or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    /// The opportunity was just found.
    Open,
    /// The opportunity changed materially.
    Update,
    /// The opportunity is gone.
    Close,
}

/// The strategy that found an opportunity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum OpportunityType {
    /// Two pools of the same pair disagree on the price.
    Spatial,
    /// Two pools' price spread left its usual range.
    Statistical,
    /// A cycle through three pairs returns more than it started with.
    Triangular,
    /// A DEX pool and a centralized exchange's order book disagree on the price.
    CexDex,
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
    /// When the server received the update that triggered this decision (an account update,
    /// or an exchange book), in microseconds since the Unix epoch. Absent from servers that
    /// predate it, and from decisions no update triggered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub update_received_us: Option<u64>,
}

/// One swap of an opportunity. Amounts are integer token units (before decimals), carried as
/// decimal strings because they can exceed 2^53.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Leg {
    /// The pool account's address (base58).
    pub pool: String,
    /// `raydium`, `orca` or `meteora`.
    pub dex: String,
    /// Symbol of the token sold into the pool.
    pub token_in: String,
    /// Symbol of the token bought from the pool.
    pub token_out: String,
    #[serde(with = "amount")]
    #[cfg_attr(feature = "typescript", ts(type = "string"))]
    /// Sold into the pool, raw units.
    pub amount_in: u64,
    #[serde(with = "amount")]
    #[cfg_attr(feature = "typescript", ts(type = "string"))]
    /// Bought from the pool, raw units.
    pub amount_out: u64,
}

/// `opportunities` channel: an arbitrage that makes money after every cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Opportunity {
    /// The channel's sequence number: one more than the previous message on the channel.
    pub seq: u64,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// Stable for the opportunity's whole life, from `open` to `close`.
    pub id: String,
    /// Whether it opened, changed or closed.
    pub status: OpportunityStatus,
    /// The strategy that found it.
    pub opportunity_type: OpportunityType,
    /// `BASE/QUOTE` symbols.
    pub pair: String,
    /// Dex of the buy leg.
    pub buy_dex: String,
    /// Dex of the sell leg.
    pub sell_dex: String,
    /// Effective price paid on the buy leg, quote per base.
    pub buy_price: f64,
    /// Effective price received on the sell leg, quote per base.
    pub sell_price: f64,
    /// Profit before costs, percent of the input.
    pub gross_profit_percent: f64,
    /// Profit after every cost, percent of the input.
    pub net_profit_percent: f64,
    /// Size of the first leg's input, in that token's units (after decimals).
    pub recommended_size: f64,
    /// 0 to 100; see `docs/protocol.md` for how it is built.
    pub confidence: u8,
    /// What executing it costs.
    pub costs: Costs,
    /// How fresh and aligned its data is.
    pub timing: Timing,
    /// Its swaps, in order.
    pub legs: Vec<Leg>,
}

/// A component's state in a health report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    /// Working normally.
    Healthy,
    /// Working, but slower or with partial data.
    Degraded,
    /// Not working.
    Down,
}

/// One component's status and latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct ComponentHealth {
    /// The component's state.
    pub status: ComponentStatus,
    /// Its recent latency, in milliseconds.
    pub latency_ms: f64,
}

/// The state cache's status, latency and effectiveness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct CacheHealth {
    /// The cache's state.
    pub status: ComponentStatus,
    /// Its recent latency, in milliseconds.
    pub latency_ms: f64,
    /// Share of lookups answered from the cache, 0.0 to 1.0.
    pub hit_rate: f64,
    /// Pools held.
    pub entry_count: u64,
}

/// The service's components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Components {
    /// The WebSocket hub.
    pub websocket: ComponentHealth,
    /// The pricing stage.
    pub price_calculator: ComponentHealth,
    /// The arbitrage detector.
    pub detector: ComponentHealth,
    /// The state cache.
    pub cache: CacheHealth,
}

/// Service-wide figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct HealthMetrics {
    /// p95 of the detection latency over the last reporting window, in milliseconds.
    pub avg_detection_latency_p95: f64,
    /// Prices published in the last minute.
    pub price_updates_per_min: u64,
    /// Pools whose data is older than the staleness limit.
    pub stale_prices: u64,
    /// Seconds since the service started.
    pub uptime_seconds: u64,
    /// Open WebSocket connections.
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
    /// Neither streaming nor polling.
    Down,
}

/// One data source in a health report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct SourceHealth {
    /// `yellowstone`, `rpc`, `replay` or `simulator`.
    pub name: String,
    /// The connection state.
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
    /// The channel's sequence number: one more than the previous message on the channel.
    pub seq: u64,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// Each component's status.
    pub components: Components,
    /// Service-wide figures.
    pub metrics: HealthMetrics,
    /// Each data source's state.
    pub sources: Vec<SourceHealth>,
}

/// Severity of a `log` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Routine events.
    Info,
    /// Something degraded that may need a look.
    Warning,
    /// A failure.
    Error,
}

/// `logs` channel: an operational event worth showing to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct LogMessage {
    /// The channel's sequence number: one more than the previous message on the channel.
    pub seq: u64,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// Severity.
    pub level: LogLevel,
    /// The event, for people.
    pub message: String,
    /// Structured details, for example the pubkey a decode failure came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub context: Option<BTreeMap<String, String>>,
}

/// Answers `alert_add`: the alert is registered (or replaced) and armed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct AlertAdded {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// The request id the client sent, echoed back; absent when it sent none.
    pub id: Option<RequestId>,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// The alert's name on this connection.
    pub alert_id: String,
    /// The alert as registered.
    pub alert: Alert,
}

/// Answers `alert_remove`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct AlertRemoved {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// The request id the client sent, echoed back; absent when it sent none.
    pub id: Option<RequestId>,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// The alert removed.
    pub alert_id: String,
}

/// One registered alert, in `alerts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct AlertEntry {
    /// The alert's name on this connection.
    pub alert_id: String,
    /// The alert as registered.
    pub alert: Alert,
    /// Whether it can fire now (false while the value has not moved back past the
    /// hysteresis since it last fired).
    pub armed: bool,
}

/// Answers `alert_list`: every alert of this connection, by `alert_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct AlertsList {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    /// The request id the client sent, echoed back; absent when it sent none.
    pub id: Option<RequestId>,
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// The alerts.
    pub alerts: Vec<AlertEntry>,
}

/// Which way a price moved through a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum CrossDirection {
    /// From below the level to above it.
    Up,
    /// From above the level to below it.
    Down,
}

/// One of this connection's alerts fired. Sent to that connection only, whatever its
/// channel subscriptions and filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct AlertTriggered {
    /// When the server produced the message.
    pub timestamp: Timestamp,
    /// The alert's name on this connection.
    pub alert_id: String,
    /// The alert as registered.
    pub alert: Alert,
    /// The value that fired it: a price, a spread in percent, or a net profit in percent.
    pub value: f64,
    /// The channel of the message that fired it (`prices` or `opportunities`).
    pub channel: Channel,
    /// That message's `seq`.
    pub seq: u64,
    /// The pair.
    pub pair: String,
    /// The pool whose price fired a price alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub pool: Option<String>,
    /// The dex of that pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub dex: Option<String>,
    /// The opportunity that fired an opportunity alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub opportunity_id: Option<String>,
    /// For a `crosses` alert, which way the price went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub direction: Option<CrossDirection>,
}
