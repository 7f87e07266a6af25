//! The HTTP surface (Axum): `/ws`, liveness and readiness, Prometheus metrics, the REST
//! catch-up API and the dashboard.
//!
//! | route | what |
//! |---|---|
//! | `GET /ws` | the `dexmon.v1` WebSocket ([`crate::ws`]) |
//! | `GET /` | the dashboard page, or the same WebSocket when the request is an upgrade |
//! | `GET /health` | liveness: 200 while the process serves requests |
//! | `GET /ready` | readiness: 200 when the source delivers fresh data, 503 with the reason |
//! | `GET /metrics` | Prometheus text |
//! | `GET /api/prices`, `/api/pools`, `/api/opportunities?limit=`, `/api/stats` | JSON |

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use protocol::{Channel, ServerMessage};
use serde::{Deserialize, Serialize};

use crate::auth::Credentials;
use crate::clock::monotonic_us;
use crate::hub::Hub;
use crate::pipeline::PipelineStats;
use crate::source::{CoalescingQueue, SourceStatus};
use crate::ws::WsContext;

/// Shared, read-mostly state behind the routes.
#[derive(Clone)]
pub struct AppState {
    pub started: Instant,
    pub hub: Arc<Hub>,
    pub pipeline: Arc<PipelineStats>,
    pub queue: Arc<CoalescingQueue>,
    pub source: Arc<SourceStatus>,
    pub live: Arc<crate::source::yellowstone::LiveStats>,
    /// The Binance feed, when configured.
    pub cex: Option<Arc<crate::cex::FeedStats>>,
    pub ws: WsContext,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// The followed pools (`POST /api/pools`, `DELETE /api/pools/{address}`).
    pub pools: Arc<crate::pools::PoolControl>,
    /// Data older than this is stale: `/ready` answers 503.
    pub stale_after: Duration,
    /// RPC polling standing in for every stream longer than this: `/ready` answers 503.
    pub max_fallback: Option<Duration>,
    /// Roles `ingest` and `edge`: the NATS side's state.
    pub nats: Option<crate::nats::NodeState>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("epoch", &self.hub.epoch)
            .field("source", &self.source.name)
            .finish_non_exhaustive()
    }
}

/// The router with every route.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/prices", get(prices))
        .route("/api/pools", get(pools).post(crate::pools::api::add))
        .route(
            "/api/pools/{address}",
            axum::routing::delete(crate::pools::api::remove),
        )
        .route("/api/opportunities", get(opportunities))
        .route("/api/stats", get(stats))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_auth));
    let cors = tower_http::cors::CorsLayer::new()
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::POST,
            axum::http::Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .allow_origin(tower_http::cors::Any);
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics_text))
        .merge(api.layer(cors))
        .merge(crate::dashboard::routes())
        .route("/ws", get(crate::ws::upgrade).with_state(state.ws.clone()))
        .route(
            "/",
            get(crate::ws::index_or_upgrade).with_state(state.ws.clone()),
        )
        .with_state(state)
}

/// Role `ingest`: only what operators and probes need.
pub fn ops_router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics_text))
        .with_state(state)
}

async fn require_auth(
    State(state): State<AppState>,
    Query(credentials): Query<Credentials>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    if state.ws.auth.authorize(&headers, &credentials) {
        next.run(request).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "missing or wrong credentials\n",
        )
            .into_response()
    }
}

/// Body of `GET /health`.
#[derive(Debug, Serialize)]
struct Liveness {
    status: &'static str,
    version: &'static str,
    uptime_seconds: u64,
    /// Roles `ingest` and `edge`: leadership, lag, losses.
    #[serde(skip_serializing_if = "Option::is_none")]
    nats: Option<crate::nats::NodeReport>,
}

async fn health(State(state): State<AppState>) -> Json<Liveness> {
    Json(Liveness {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: state.started.elapsed().as_secs(),
        nats: state.nats.as_ref().map(crate::nats::NodeState::report),
    })
}

/// Body of `GET /ready`.
#[derive(Debug, Serialize)]
struct Readiness {
    ready: bool,
    source: String,
    state: protocol::SourceState,
    /// Milliseconds since the last account update; absent before the first.
    data_age_ms: Option<u64>,
    /// How long RPC polling has stood in for every stream, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    fallback_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// Each Yellowstone endpoint's state (absent for other sources).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    endpoints: Vec<EndpointReadiness>,
    /// The exchange feed, when configured. Reported, but it does not decide readiness: pool
    /// prices flow without it, and the detector ignores a book older than its limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    cex: Option<CexReadiness>,
    /// Roles `ingest` and `edge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    nats: Option<crate::nats::NodeReport>,
}

#[derive(Debug, Serialize)]
struct CexReadiness {
    name: String,
    state: protocol::SourceState,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_message_age_ms: Option<u64>,
    reconnects: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct EndpointReadiness {
    name: String,
    state: protocol::SourceState,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// Ready when the data is fresh and comes from a stream, or from RPC polling that has not
/// lasted longer than `max_fallback` while every endpoint at least may come back (a refused
/// token will not).
fn readiness(state: &AppState) -> Readiness {
    use protocol::SourceState as S;
    let (source_state, source_reason) = state.source.get();
    // An edge's data arrives from the streams, not from a pipeline of its own.
    let last = match &state.nats {
        Some(crate::nats::NodeState::Edge { mirror, .. }) => {
            mirror.last_message_us.load(Ordering::Relaxed)
        }
        _ => state.pipeline.last_update_us.load(Ordering::Relaxed),
    };
    let age_ms = (last > 0).then(|| monotonic_us().saturating_sub(last) / 1_000);
    let stale_ms = u64::try_from(state.stale_after.as_millis()).unwrap_or(u64::MAX);
    let fallback_for = state
        .live
        .fallback_for()
        .filter(|_| source_state == S::Fallback);
    let unauthorized: Vec<&str> = state
        .live
        .endpoints
        .iter()
        .filter(|e| e.unauthorized())
        .map(|e| e.status.name.as_str())
        .collect();
    let reason = match (source_state, age_ms) {
        (S::Fallback, _) if !unauthorized.is_empty() => Some(format!(
            "no stream: {} unauthorized; {}",
            unauthorized.join(", "),
            source_reason.unwrap_or_default()
        )),
        (S::Fallback, _)
            if fallback_for
                .zip(state.max_fallback)
                .is_some_and(|(f, max)| f > max) =>
        {
            Some(format!(
                "RPC polling has stood in for the streams for {} s (more than {} s): {}",
                fallback_for.unwrap_or_default().as_secs(),
                state.max_fallback.unwrap_or_default().as_secs(),
                source_reason.unwrap_or_default()
            ))
        }
        (S::Connected | S::Fallback, Some(age)) if age <= stale_ms => None,
        (S::Connected | S::Fallback, Some(age)) => {
            Some(format!("data is stale: last update {age} ms ago"))
        }
        (S::Connected | S::Fallback, None) => Some("no data received yet".to_owned()),
        (other, _) => Some(source_reason.unwrap_or_else(|| format!("source is {other:?}"))),
    };
    let reason = reason.or_else(|| {
        state
            .nats
            .as_ref()
            .and_then(crate::nats::NodeState::not_ready)
    });
    Readiness {
        ready: reason.is_none(),
        source: state.source.name.clone(),
        state: source_state,
        data_age_ms: age_ms,
        fallback_secs: fallback_for.map(|f| f.as_secs()),
        reason,
        endpoints: state
            .live
            .endpoints
            .iter()
            .map(|e| {
                let (state, reason) = e.status.get();
                EndpointReadiness {
                    name: e.status.name.clone(),
                    state,
                    reason,
                }
            })
            .collect(),
        cex: state.cex.as_ref().map(|c| {
            let (state, reason) = c.status.get();
            CexReadiness {
                name: c.status.name.clone(),
                state,
                last_message_age_ms: c.last_frame_age_ms(monotonic_us()),
                reconnects: c.status.reconnects.load(Ordering::Relaxed),
                reason,
            }
        }),
        nats: state.nats.as_ref().map(crate::nats::NodeState::report),
    }
}

async fn ready(State(state): State<AppState>) -> Response {
    let body = readiness(&state);
    let status = if body.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    // Figures kept as atomics elsewhere are copied in at scrape time: levels as gauges, and
    // running counts (`_total`) as counters, so that `rate()` works on them.
    let p = &state.pipeline;
    if let Some(nats) = &state.nats {
        nats.export_metrics();
    }
    #[allow(clippy::cast_precision_loss)]
    let set = |name: &'static str, value: u64| metrics::gauge!(name).set(value as f64);
    let count = |name: &'static str, value: u64| metrics::counter!(name).absolute(value);
    set("dexmon_source_queue_depth", state.queue.len() as u64);
    set(
        "dexmon_ws_connections_active",
        state.ws.stats.active.load(Ordering::Relaxed) as u64,
    );
    let (q, l) = (&state.queue.stats, &state.live);
    for (name, value) in [
        ("dexmon_source_queue_pushed_total", &q.pushed),
        ("dexmon_source_queue_coalesced_total", &q.coalesced),
        ("dexmon_source_queue_stale_total", &q.stale),
        ("dexmon_source_queue_overflowed_total", &q.overflowed),
        ("dexmon_live_account_updates_total", &l.account_updates),
        ("dexmon_live_duplicates_total", &l.duplicates),
        ("dexmon_live_older_ignored_total", &l.older_ignored),
        ("dexmon_live_resnapshots_total", &l.resnapshots),
        ("dexmon_live_fallback_polls_total", &l.fallback_polls),
        ("dexmon_live_rpc_failures_total", &l.rpc_failures),
        ("dexmon_live_malformed_updates_total", &l.malformed_updates),
        ("dexmon_updates_total", &p.updates),
        ("dexmon_decode_failures_total", &p.decode_failures),
        ("dexmon_unknown_accounts_total", &p.unknown_accounts),
        ("dexmon_out_of_order_total", &p.out_of_order),
        ("dexmon_model_failures_total", &p.model_failures),
    ] {
        count(name, value.load(Ordering::Relaxed));
    }
    set(
        "dexmon_live_last_delivered_slot",
        l.last_delivered_slot.load(Ordering::Relaxed),
    );
    set("dexmon_latest_slot", p.latest_slot.load(Ordering::Relaxed));
    count(
        "dexmon_live_pings_answered_total",
        l.sum(|e| &e.pings_answered),
    );
    count(
        "dexmon_live_subscriptions_total",
        l.sum(|e| &e.subscriptions),
    );
    count(
        "dexmon_live_watchdog_trips_total",
        l.sum(|e| &e.watchdog_trips),
    );
    endpoint_metrics(&state);
    cex_metrics(&state);
    set(
        "dexmon_open_opportunities",
        state.hub.open_opportunities().len() as u64,
    );
    count(
        "dexmon_source_reconnects_total",
        state.source.reconnects.load(Ordering::Relaxed),
    );
    for channel in Channel::ALL {
        metrics::counter!("dexmon_published_total", "channel" => channel.as_str())
            .absolute(state.hub.published(channel));
    }
    let (source_state, _) = state.source.get();
    set_state_gauges(
        "dexmon_source_state",
        ("source", &state.source.name),
        source_state,
    );
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// One gauge per state, 1 for the current one and 0 for the others, labelled with `who` and
/// `state` (so a dashboard can graph time spent in each state).
fn set_state_gauges(
    metric: &'static str,
    who: (&'static str, &str),
    current: protocol::SourceState,
) {
    for candidate in [
        protocol::SourceState::Connected,
        protocol::SourceState::Reconnecting,
        protocol::SourceState::Fallback,
        protocol::SourceState::Down,
    ] {
        let label = format!("{candidate:?}").to_lowercase();
        metrics::gauge!(metric, who.0 => who.1.to_owned(), "state" => label)
            .set(if candidate == current { 1.0 } else { 0.0 });
    }
}

/// Per-endpoint gauges, labelled `endpoint`.
fn endpoint_metrics(state: &AppState) {
    for e in &state.live.endpoints {
        let name = e.status.name.clone();
        for (metric, value) in [
            ("dexmon_endpoint_subscriptions_total", &e.subscriptions),
            ("dexmon_endpoint_reconnects_total", &e.reconnects),
            ("dexmon_endpoint_watchdog_trips_total", &e.watchdog_trips),
            ("dexmon_endpoint_received_total", &e.received),
            ("dexmon_endpoint_delivered_total", &e.delivered),
            ("dexmon_endpoint_races_won_total", &e.races_won),
            ("dexmon_endpoint_races_lost_total", &e.races_lost),
            ("dexmon_endpoint_replay_refusals_total", &e.replay_refusals),
            // A counter in microseconds: `metrics` counters are integers.
            ("dexmon_endpoint_lead_microseconds_total", &e.lead_us_total),
        ] {
            metrics::counter!(metric, "endpoint" => name.clone())
                .absolute(value.load(Ordering::Relaxed));
        }
        #[allow(clippy::cast_precision_loss)]
        metrics::gauge!("dexmon_endpoint_checkpoint_slot", "endpoint" => name.clone())
            .set(e.checkpoint.load(Ordering::Relaxed) as f64);
        let (current, _) = e.status.get();
        set_state_gauges("dexmon_endpoint_state", ("endpoint", &name), current);
    }
}

fn cex_metrics(state: &AppState) {
    let Some(c) = &state.cex else {
        return;
    };
    let venue = c.status.name.clone();
    for (metric, value) in [
        ("dexmon_cex_frames_total", &c.frames),
        ("dexmon_cex_pings_total", &c.pings),
        ("dexmon_cex_shutdown_events_total", &c.shutdown_events),
        ("dexmon_cex_feed_reconnects_total", &c.status.reconnects),
    ] {
        metrics::counter!(metric, "venue" => venue.clone()).absolute(value.load(Ordering::Relaxed));
    }
    #[allow(clippy::cast_precision_loss)]
    metrics::gauge!("dexmon_cex_last_frame_age_seconds", "venue" => venue.clone()).set(
        c.last_frame_age_ms(monotonic_us())
            .map_or(-1.0, |ms| ms as f64 / 1e3),
    );
    let (current, _) = c.status.get();
    set_state_gauges("dexmon_cex_state", ("venue", &venue), current);
}

async fn prices(State(state): State<AppState>) -> Json<Vec<protocol::PriceUpdate>> {
    Json(state.hub.prices())
}

/// One pool in `GET /api/pools`.
#[derive(Debug, Serialize)]
struct Pool {
    pool: String,
    /// Empty for a pool that has not been priced.
    pair: String,
    dex: String,
    pool_type: String,
    /// 0 for a pool that has not been priced.
    slot: u64,
    /// `priced`, `waiting` (an account it needs has not arrived) or `unquotable`.
    status: &'static str,
    /// Why a pool is not priced.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

async fn pools(State(state): State<AppState>) -> Json<Vec<Pool>> {
    let unpriced = state
        .pipeline
        .unpriced
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let mut pools: Vec<Pool> = state
        .hub
        .prices()
        .into_iter()
        .filter(|p| {
            p.pool
                .parse::<decoder::Pubkey>()
                .map_or(true, |k| !unpriced.contains_key(&k))
        })
        .map(|p| Pool {
            pool: p.pool,
            pair: p.pair,
            dex: p.dex,
            pool_type: p.pool_type,
            slot: p.slot,
            status: "priced",
            reason: None,
        })
        .collect();
    pools.extend(unpriced.into_iter().map(|(address, u)| Pool {
        pool: address.to_string(),
        pair: String::new(),
        dex: u.dex.to_owned(),
        pool_type: u.pool_type.to_owned(),
        slot: 0,
        status: if u.waiting { "waiting" } else { "unquotable" },
        reason: Some(u.reason),
    }));
    Json(pools)
}

#[derive(Debug, Deserialize)]
struct Limit {
    limit: Option<usize>,
}

/// Body of `GET /api/opportunities`.
#[derive(Debug, Serialize)]
struct Opportunities {
    open: Vec<protocol::Opportunity>,
    /// The latest opportunity messages (opens, updates, closes), newest last.
    recent: Vec<protocol::Opportunity>,
}

async fn opportunities(
    State(state): State<AppState>,
    Query(limit): Query<Limit>,
) -> Json<Opportunities> {
    let limit = limit.limit.unwrap_or(100).min(1_000);
    let recent = state
        .hub
        .recent(Channel::Opportunities, limit)
        .into_iter()
        .filter_map(|p| match p.message.message() {
            ServerMessage::Opportunity(o) => Some(o.clone()),
            _ => None,
        })
        .collect();
    Json(Opportunities {
        open: state.hub.open_opportunities(),
        recent,
    })
}

/// Body of `GET /api/stats`.
#[derive(Debug, Serialize)]
struct Stats {
    uptime_seconds: u64,
    epoch: String,
    updates: u64,
    decode_failures: u64,
    unknown_accounts: u64,
    out_of_order: u64,
    prices_published: u64,
    opportunities_published: u64,
    latest_slot: u64,
    queue_depth: usize,
    connections: usize,
    detection_latency_p50_us: Option<u64>,
    detection_latency_p99_us: Option<u64>,
    seq: Vec<(Channel, u64)>,
    /// Each Yellowstone endpoint, with its race figures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    endpoints: Vec<EndpointStatsBody>,
}

/// One endpoint in `GET /api/stats`.
#[derive(Debug, Serialize)]
pub struct EndpointStatsBody {
    pub name: String,
    pub state: protocol::SourceState,
    /// Writes it handed on (first, or alone).
    pub delivered: u64,
    /// Writes two endpoints delivered: how many it had first, and how many it had later.
    pub races_won: u64,
    pub races_lost: u64,
    /// Share of races it won (0..=1); absent before any race.
    pub win_share: Option<f64>,
    /// Mean margin of the races it won, ms.
    pub mean_lead_ms: Option<f64>,
    /// False once the server said it cannot replay.
    pub replay: bool,
    pub checkpoint_slot: u64,
    pub reconnects: u64,
    pub watchdog_trips: u64,
}

impl EndpointStatsBody {
    pub fn of(e: &crate::source::endpoint::EndpointStats) -> Self {
        let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        let (won, lost) = (load(&e.races_won), load(&e.races_lost));
        #[allow(clippy::cast_precision_loss)]
        Self {
            name: e.status.name.clone(),
            state: e.status.get().0,
            delivered: load(&e.delivered),
            races_won: won,
            races_lost: lost,
            win_share: (won + lost > 0).then(|| won as f64 / (won + lost) as f64),
            mean_lead_ms: (won > 0).then(|| load(&e.lead_us_total) as f64 / won as f64 / 1_000.0),
            replay: !e.replay_unsupported.load(Ordering::Relaxed),
            checkpoint_slot: load(&e.checkpoint),
            reconnects: load(&e.reconnects),
            watchdog_trips: load(&e.watchdog_trips),
        }
    }
}

async fn stats(State(state): State<AppState>) -> Json<Stats> {
    let p = &state.pipeline;
    Json(Stats {
        uptime_seconds: state.started.elapsed().as_secs(),
        epoch: state.hub.epoch.clone(),
        updates: p.updates.load(Ordering::Relaxed),
        decode_failures: p.decode_failures.load(Ordering::Relaxed),
        unknown_accounts: p.unknown_accounts.load(Ordering::Relaxed),
        out_of_order: p.out_of_order.load(Ordering::Relaxed),
        prices_published: p.prices_published.load(Ordering::Relaxed),
        opportunities_published: p.opportunities_published.load(Ordering::Relaxed),
        latest_slot: p.latest_slot.load(Ordering::Relaxed),
        queue_depth: state.queue.len(),
        connections: state.ws.stats.active.load(Ordering::Relaxed),
        detection_latency_p50_us: p.latency_quantile_us(0.5),
        detection_latency_p99_us: p.latency_quantile_us(0.99),
        seq: Channel::ALL
            .iter()
            .map(|c| (*c, state.hub.seq(*c)))
            .collect(),
        endpoints: state
            .live
            .endpoints
            .iter()
            .map(|e| EndpointStatsBody::of(e))
            .collect(),
    })
}
