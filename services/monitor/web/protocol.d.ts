// dexmon.v1 wire messages. Generated from crates/protocol by ts-rs: do not edit.
// Regenerate with `DEXMON_BLESS=1 cargo test -p protocol typescript`.
// Timestamps are RFC 3339 strings; token amounts are decimal strings.

export type ServerMessage = { "type": "connected" } & Connected | { "type": "subscribed" } & SubscriptionAck | { "type": "unsubscribed" } & SubscriptionAck | { "type": "snapshot" } & Snapshot | { "type": "resumed" } & Resumed | { "type": "pong" } & Pong | { "type": "error" } & ErrorMessage | { "type": "price_update" } & PriceUpdate | { "type": "opportunity" } & Opportunity | { "type": "health" } & Health | { "type": "log" } & LogMessage | { "type": "alert_added" } & AlertAdded | { "type": "alert_removed" } & AlertRemoved | { "type": "alerts" } & AlertsList | { "type": "alert_triggered" } & AlertTriggered;

export type ClientMessage = { "type": "subscribe" } & Subscription | { "type": "unsubscribe" } & Subscription | { "type": "ping" } & Ping | { "type": "resume" } & Resume | { "type": "alert_add" } & AlertAdd | { "type": "alert_remove" } & AlertRemove | { "type": "alert_list" } & AlertList;

export type Channel = "prices" | "opportunities" | "health" | "logs";

export type RequestId = number | string;

export type ErrorCode = "INVALID_JSON" | "INVALID_MSGPACK" | "UNSUPPORTED_FRAME" | "INVALID_MESSAGE" | "UNKNOWN_TYPE" | "UNKNOWN_FIELD" | "INVALID_FIELD" | "MESSAGE_TOO_LARGE" | "RATE_LIMITED" | "TOO_MANY_SUBSCRIPTIONS" | "UNAUTHORIZED" | "INTERNAL" | "INVALID_ALERT" | "TOO_MANY_ALERTS" | "UNKNOWN_ALERT";

export type Connected = { 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * Always [`crate::PROTOCOL_VERSION`].
 */
protocol: string, 
/**
 * The monitor's version.
 */
server_version: string, 
/**
 * Unique per connection; quote it when reporting problems.
 */
session_id: string, 
/**
 * Random per server start. `resume` only recovers within the same epoch.
 */
epoch: string, 
/**
 * How often the server pings, in milliseconds.
 */
heartbeat_interval_ms: number, 
/**
 * The channels this connection is subscribed to now (all of them on connect).
 */
channels: Array<Channel>, };

export type SubscriptionAck = { 
/**
 * The request id the client sent, echoed back; absent when it sent none.
 */
id?: RequestId, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * Channels subscribed after the request.
 */
channels: Array<Channel>, 
/**
 * Pair filter after the request; absent means every pair.
 */
pairs?: Array<string>, 
/**
 * Dex filter after the request; absent means every dex.
 */
dexes?: Array<string>, };

export type Snapshot = { 
/**
 * The request id the client sent, echoed back; absent when it sent none.
 */
id?: RequestId, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * The channel the snapshot is of.
 */
channel: Channel, 
/**
 * The channel's sequence number: one more than the previous message on the channel.
 */
seq: number, 
/**
 * For `prices`: the latest update of every matching pool.
 */
prices?: Array<PriceUpdate>, 
/**
 * For `opportunities`: every open opportunity.
 */
opportunities?: Array<Opportunity>, 
/**
 * For `health`: the latest health report, if one was published yet.
 */
health?: Health, 
/**
 * For `logs`: the most recent log messages still in history.
 */
logs?: Array<LogMessage>, };

export type Resumed = { 
/**
 * The request id the client sent, echoed back; absent when it sent none.
 */
id?: RequestId, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * The channel resumed.
 */
channel: Channel, 
/**
 * Whether the missed messages are still held and follow.
 */
recovered: boolean, 
/**
 * First replayed `seq`.
 */
from_seq: number, 
/**
 * Last replayed `seq`.
 */
to_seq: number, };

export type Pong = { 
/**
 * The request id the client sent, echoed back; absent when it sent none.
 */
id?: RequestId, 
/**
 * When the server produced the message.
 */
timestamp: string, };

export type ErrorMessage = { 
/**
 * The request id the client sent, echoed back; absent when it sent none.
 */
id?: RequestId, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * What kind of refusal.
 */
code: ErrorCode, 
/**
 * A description for people.
 */
message: string, 
/**
 * More detail, when there is any.
 */
details?: string, };

export type PriceUpdate = { 
/**
 * The channel's sequence number: one more than the previous message on the channel.
 */
seq: number, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * `BASE/QUOTE` symbols, for example `SOL/USDC`.
 */
pair: string, 
/**
 * `raydium`, `orca` or `meteora`; for a centralized-exchange book, the exchange
 * (`binance`).
 */
dex: string, 
/**
 * `amm_v4`, `cpmm`, `clmm`, `whirlpool` or `dlmm`; `cex_book` for an exchange's order book.
 */
pool_type: string, 
/**
 * The pool account's address (base58); for a `cex_book`, `exchange:SYMBOL` (for example
 * `binance:SOLUSDC`).
 */
pool: string, 
/**
 * Quote tokens per base token, adjusted for decimals. For display; quotes use integers.
 * For a `cex_book`, the mid between `bid` and `ask`.
 */
price: number, 
/**
 * `cex_book` only: the best bid.
 */
bid?: number, 
/**
 * `cex_book` only: the best ask.
 */
ask?: number, 
/**
 * Pool value in quote-token units.
 */
liquidity: number, 
/**
 * The slot of the account state this price was computed from.
 */
slot: number, 
/**
 * Milliseconds between the account update's arrival and this message.
 */
last_update_ms: number, 
/**
 * When the server received the account update (for a `cex_book`, the book) this price
 * was computed from, in microseconds since the Unix epoch. A client on a synchronised
 * clock gets its end-to-end latency from it to the microsecond. Absent from servers that
 * predate it.
 */
update_received_us?: number, };

export type Opportunity = { 
/**
 * The channel's sequence number: one more than the previous message on the channel.
 */
seq: number, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * Stable for the opportunity's whole life, from `open` to `close`.
 */
id: string, 
/**
 * Whether it opened, changed or closed.
 */
status: OpportunityStatus, 
/**
 * The strategy that found it.
 */
opportunity_type: OpportunityType, 
/**
 * `BASE/QUOTE` symbols.
 */
pair: string, 
/**
 * Dex of the buy leg.
 */
buy_dex: string, 
/**
 * Dex of the sell leg.
 */
sell_dex: string, 
/**
 * Effective price paid on the buy leg, quote per base.
 */
buy_price: number, 
/**
 * Effective price received on the sell leg, quote per base.
 */
sell_price: number, 
/**
 * Profit before costs, percent of the input.
 */
gross_profit_percent: number, 
/**
 * Profit after every cost, percent of the input.
 */
net_profit_percent: number, 
/**
 * Size of the first leg's input, in that token's units (after decimals).
 */
recommended_size: number, 
/**
 * 0 to 100; see `docs/protocol.md` for how it is built.
 */
confidence: number, 
/**
 * What executing it costs.
 */
costs: Costs, 
/**
 * How fresh and aligned its data is.
 */
timing: Timing, 
/**
 * Its swaps, in order.
 */
legs: Array<Leg>, };

export type OpportunityStatus = "open" | "update" | "close";

export type OpportunityType = "spatial" | "statistical" | "triangular" | "cex_dex";

export type Costs = { 
/**
 * Swap fees charged by the pools on every leg.
 */
dex_fees: number, 
/**
 * Price impact of the recommended size, beyond the spot price.
 */
slippage: number, 
/**
 * Base fee, priority fee and Jito tip, converted from SOL.
 */
gas_jito: number, };

export type Timing = { 
/**
 * From the triggering account update's arrival to the detector's decision.
 */
detection_latency_ms: number, 
/**
 * Largest slot difference between the legs' pool states.
 */
slot_delta: number, 
/**
 * Age of the oldest leg's data when the decision was made.
 */
data_freshness_ms: number, 
/**
 * When the server received the update that triggered this decision (an account update,
 * or an exchange book), in microseconds since the Unix epoch. Absent from servers that
 * predate it, and from decisions no update triggered.
 */
update_received_us?: number, };

export type Leg = { 
/**
 * The pool account's address (base58).
 */
pool: string, 
/**
 * `raydium`, `orca` or `meteora`.
 */
dex: string, 
/**
 * Symbol of the token sold into the pool.
 */
token_in: string, 
/**
 * Symbol of the token bought from the pool.
 */
token_out: string, 
/**
 * Sold into the pool, raw units.
 */
amount_in: string, 
/**
 * Bought from the pool, raw units.
 */
amount_out: string, };

export type Health = { 
/**
 * The channel's sequence number: one more than the previous message on the channel.
 */
seq: number, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * Each component's status.
 */
components: Components, 
/**
 * Service-wide figures.
 */
metrics: HealthMetrics, 
/**
 * Each data source's state.
 */
sources: Array<SourceHealth>, };

export type Components = { 
/**
 * The WebSocket hub.
 */
websocket: ComponentHealth, 
/**
 * The pricing stage.
 */
price_calculator: ComponentHealth, 
/**
 * The arbitrage detector.
 */
detector: ComponentHealth, 
/**
 * The state cache.
 */
cache: CacheHealth, };

export type ComponentHealth = { 
/**
 * The component's state.
 */
status: ComponentStatus, 
/**
 * Its recent latency, in milliseconds.
 */
latency_ms: number, };

export type ComponentStatus = "healthy" | "degraded" | "down";

export type CacheHealth = { 
/**
 * The cache's state.
 */
status: ComponentStatus, 
/**
 * Its recent latency, in milliseconds.
 */
latency_ms: number, 
/**
 * Share of lookups answered from the cache, 0.0 to 1.0.
 */
hit_rate: number, 
/**
 * Pools held.
 */
entry_count: number, };

export type HealthMetrics = { 
/**
 * p95 of the detection latency over the last reporting window, in milliseconds.
 */
avg_detection_latency_p95: number, 
/**
 * Prices published in the last minute.
 */
price_updates_per_min: number, 
/**
 * Pools whose data is older than the staleness limit.
 */
stale_prices: number, 
/**
 * Seconds since the service started.
 */
uptime_seconds: number, 
/**
 * Open WebSocket connections.
 */
connected_clients: number, };

export type SourceHealth = { 
/**
 * `yellowstone`, `rpc`, `replay` or `simulator`.
 */
name: string, 
/**
 * The connection state.
 */
state: SourceState, 
/**
 * Milliseconds since the source last delivered anything; absent before the first message.
 */
last_message_age_ms?: number, 
/**
 * The latest slot seen from this source.
 */
slot?: number, 
/**
 * Why the source is not `connected`, for example the fallback's reason.
 */
reason?: string, };

export type SourceState = "connected" | "reconnecting" | "fallback" | "down";

export type LogMessage = { 
/**
 * The channel's sequence number: one more than the previous message on the channel.
 */
seq: number, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * Severity.
 */
level: LogLevel, 
/**
 * The event, for people.
 */
message: string, 
/**
 * Structured details, for example the pubkey a decode failure came from.
 */
context?: { [key in string]: string }, };

export type LogLevel = "info" | "warning" | "error";

export type Subscription = { 
/**
 * A request id, echoed in the answer.
 */
id?: RequestId, 
/**
 * Channels to add (or remove).
 */
channels: Array<Channel>, 
/**
 * Pairs (`BASE/QUOTE`) to add to (or remove from) the pair filter.
 */
pairs?: Array<string>, 
/**
 * Dexes to add to (or remove from) the dex filter.
 */
dexes?: Array<string>, };

export type Ping = { 
/**
 * A request id, echoed in `pong`.
 */
id?: RequestId, };

export type Resume = { 
/**
 * A request id, echoed in `resumed`.
 */
id?: RequestId, 
/**
 * The channel to replay.
 */
channel: Channel, 
/**
 * The `epoch` from the `connected` message of the connection that was lost.
 */
epoch: string, 
/**
 * The last `seq` the client processed on this channel.
 */
after_seq: number, };

export type AlertAdd = { 
/**
 * A request id, echoed in `alert_added`.
 */
id?: RequestId, 
/**
 * The alert's name on this connection; the server picks one when absent. Adding an
 * `alert_id` that exists replaces that alert (and re-arms it).
 */
alert_id?: string, 
/**
 * What to watch.
 */
alert: Alert, };

export type AlertRemove = { 
/**
 * A request id, echoed in `alert_removed`.
 */
id?: RequestId, 
/**
 * The alert to remove.
 */
alert_id: string, };

export type AlertList = { 
/**
 * A request id, echoed in `alerts`.
 */
id?: RequestId, };

export type Alert = { 
/**
 * `BASE/QUOTE`. Required for price and spread alerts; narrows an opportunity alert.
 */
pair?: string, 
/**
 * Price alerts: `above`, `below` or `crosses`.
 */
condition?: AlertCondition, 
/**
 * Price alerts: the level, quote per base.
 */
price?: number, 
/**
 * Price alerts: watch the deepest pool of this dex only.
 */
dex?: string, 
/**
 * Price alerts: watch this pool only (base58 address).
 */
pool?: string, 
/**
 * Spread alerts: fires when the pair's pools disagree by more than this, percent.
 */
spread_pct_above?: number, 
/**
 * Opportunity alerts: only this strategy.
 */
opportunity_type?: OpportunityType, 
/**
 * Opportunity alerts: fires when an opportunity's net profit exceeds this, percent.
 */
net_profit_pct_above?: number, 
/**
 * How far, in percent of the level, the value must move back before the alert can fire
 * again. Defaults: 0.5 for price alerts, 10 for spread and opportunity alerts.
 */
hysteresis_pct?: number, };

export type AlertCondition = "above" | "below" | "crosses";

export type AlertAdded = { 
/**
 * The request id the client sent, echoed back; absent when it sent none.
 */
id?: RequestId, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * The alert's name on this connection.
 */
alert_id: string, 
/**
 * The alert as registered.
 */
alert: Alert, };

export type AlertRemoved = { 
/**
 * The request id the client sent, echoed back; absent when it sent none.
 */
id?: RequestId, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * The alert removed.
 */
alert_id: string, };

export type AlertsList = { 
/**
 * The request id the client sent, echoed back; absent when it sent none.
 */
id?: RequestId, 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * The alerts.
 */
alerts: Array<AlertEntry>, };

export type AlertEntry = { 
/**
 * The alert's name on this connection.
 */
alert_id: string, 
/**
 * The alert as registered.
 */
alert: Alert, 
/**
 * Whether it can fire now (false while the value has not moved back past the
 * hysteresis since it last fired).
 */
armed: boolean, };

export type AlertTriggered = { 
/**
 * When the server produced the message.
 */
timestamp: string, 
/**
 * The alert's name on this connection.
 */
alert_id: string, 
/**
 * The alert as registered.
 */
alert: Alert, 
/**
 * The value that fired it: a price, a spread in percent, or a net profit in percent.
 */
value: number, 
/**
 * The channel of the message that fired it (`prices` or `opportunities`).
 */
channel: Channel, 
/**
 * That message's `seq`.
 */
seq: number, 
/**
 * The pair.
 */
pair: string, 
/**
 * The pool whose price fired a price alert.
 */
pool?: string, 
/**
 * The dex of that pool.
 */
dex?: string, 
/**
 * The opportunity that fired an opportunity alert.
 */
opportunity_id?: string, 
/**
 * For a `crosses` alert, which way the price went.
 */
direction?: CrossDirection, };

export type CrossDirection = "up" | "down";
