// dexmon.v1 wire messages. Generated from crates/protocol by ts-rs: do not edit.
// Regenerate with `DEXMON_BLESS=1 cargo test -p protocol typescript`.
// Timestamps are RFC 3339 strings; token amounts are decimal strings.

export type ServerMessage = { "type": "connected" } & Connected | { "type": "subscribed" } & SubscriptionAck | { "type": "unsubscribed" } & SubscriptionAck | { "type": "snapshot" } & Snapshot | { "type": "resumed" } & Resumed | { "type": "pong" } & Pong | { "type": "error" } & ErrorMessage | { "type": "price_update" } & PriceUpdate | { "type": "opportunity" } & Opportunity | { "type": "health" } & Health | { "type": "log" } & LogMessage;

export type ClientMessage = { "type": "subscribe" } & Subscription | { "type": "unsubscribe" } & Subscription | { "type": "ping" } & Ping | { "type": "resume" } & Resume;

export type Channel = "prices" | "opportunities" | "health" | "logs";

export type RequestId = number | string;

export type ErrorCode = "INVALID_JSON" | "INVALID_MSGPACK" | "UNSUPPORTED_FRAME" | "INVALID_MESSAGE" | "UNKNOWN_TYPE" | "UNKNOWN_FIELD" | "INVALID_FIELD" | "MESSAGE_TOO_LARGE" | "RATE_LIMITED" | "TOO_MANY_SUBSCRIPTIONS" | "UNAUTHORIZED" | "INTERNAL";

export type Connected = { timestamp: string, 
/**
 * Always [`crate::PROTOCOL_VERSION`].
 */
protocol: string, server_version: string, 
/**
 * Unique per connection; quote it when reporting problems.
 */
session_id: string, 
/**
 * Random per server start. `resume` only recovers within the same epoch.
 */
epoch: string, heartbeat_interval_ms: number, 
/**
 * The channels this connection is subscribed to now (all of them on connect).
 */
channels: Array<Channel>, };

export type SubscriptionAck = { id?: RequestId, timestamp: string, 
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

export type Snapshot = { id?: RequestId, timestamp: string, channel: Channel, seq: number, 
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

export type Resumed = { id?: RequestId, timestamp: string, channel: Channel, recovered: boolean, from_seq: number, to_seq: number, };

export type Pong = { id?: RequestId, timestamp: string, };

export type ErrorMessage = { id?: RequestId, timestamp: string, code: ErrorCode, message: string, details?: string, };

export type PriceUpdate = { seq: number, timestamp: string, 
/**
 * `BASE/QUOTE` symbols, for example `SOL/USDC`.
 */
pair: string, 
/**
 * `raydium`, `orca` or `meteora`.
 */
dex: string, 
/**
 * `amm_v4`, `cpmm`, `clmm`, `whirlpool` or `dlmm`.
 */
pool_type: string, 
/**
 * The pool account's address (base58).
 */
pool: string, 
/**
 * Quote tokens per base token, adjusted for decimals. For display; quotes use integers.
 */
price: number, 
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
last_update_ms: number, };

export type Opportunity = { seq: number, timestamp: string, 
/**
 * Stable for the opportunity's whole life, from `open` to `close`.
 */
id: string, status: OpportunityStatus, opportunity_type: OpportunityType, pair: string, buy_dex: string, sell_dex: string, 
/**
 * Effective price paid on the buy leg, quote per base.
 */
buy_price: number, 
/**
 * Effective price received on the sell leg, quote per base.
 */
sell_price: number, gross_profit_percent: number, net_profit_percent: number, 
/**
 * Size of the first leg's input, in that token's units (after decimals).
 */
recommended_size: number, 
/**
 * 0 to 100; see `docs/protocol.md` for how it is built.
 */
confidence: number, costs: Costs, timing: Timing, legs: Array<Leg>, };

export type OpportunityStatus = "open" | "update" | "close";

export type OpportunityType = "spatial" | "statistical" | "triangular";

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
data_freshness_ms: number, };

export type Leg = { pool: string, dex: string, 
/**
 * Symbol of the token sold into the pool.
 */
token_in: string, 
/**
 * Symbol of the token bought from the pool.
 */
token_out: string, amount_in: string, amount_out: string, };

export type Health = { seq: number, timestamp: string, components: Components, metrics: HealthMetrics, sources: Array<SourceHealth>, };

export type Components = { websocket: ComponentHealth, price_calculator: ComponentHealth, detector: ComponentHealth, cache: CacheHealth, };

export type ComponentHealth = { status: ComponentStatus, latency_ms: number, };

export type ComponentStatus = "healthy" | "degraded" | "down";

export type CacheHealth = { status: ComponentStatus, latency_ms: number, 
/**
 * Share of lookups answered from the cache, 0.0 to 1.0.
 */
hit_rate: number, entry_count: number, };

export type HealthMetrics = { 
/**
 * p95 of the detection latency over the last reporting window, in milliseconds.
 */
avg_detection_latency_p95: number, price_updates_per_min: number, 
/**
 * Pools whose data is older than the staleness limit.
 */
stale_prices: number, uptime_seconds: number, connected_clients: number, };

export type SourceHealth = { 
/**
 * `yellowstone`, `rpc`, `replay` or `simulator`.
 */
name: string, state: SourceState, 
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

export type LogMessage = { seq: number, timestamp: string, level: LogLevel, message: string, 
/**
 * Structured details, for example the pubkey a decode failure came from.
 */
context?: { [key in string]: string }, };

export type LogLevel = "info" | "warning" | "error";

export type Subscription = { id?: RequestId, channels: Array<Channel>, pairs?: Array<string>, dexes?: Array<string>, };

export type Ping = { id?: RequestId, };

export type Resume = { id?: RequestId, channel: Channel, 
/**
 * The `epoch` from the `connected` message of the connection that was lost.
 */
epoch: string, 
/**
 * The last `seq` the client processed on this channel.
 */
after_seq: number, };
