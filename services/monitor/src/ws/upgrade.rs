//! Accepting a connection: origin, capacity, codec negotiation, then the upgrade that hands the
//! socket to its [`Connection`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::Codec;
use tokio::sync::watch;

use super::WsConfig;
use super::connection::Connection;
use crate::auth::{Auth, Credentials};
use crate::hub::Hub;

/// Figures shared by every connection that the service reads back (the health report,
/// `/api/stats`, and `/metrics` at scrape time). Running counts that nothing reads back go
/// straight to `metrics` counters instead, so each event is counted once.
#[derive(Debug, Default)]
pub struct WsStats {
    /// Open connections.
    pub active: AtomicUsize,
}

/// What the `/ws` handler needs.
#[derive(Debug, Clone)]
pub struct WsContext {
    pub hub: Arc<Hub>,
    pub config: Arc<WsConfig>,
    pub stats: Arc<WsStats>,
    pub auth: Arc<Auth>,
    pub shutdown: watch::Receiver<bool>,
}

/// Releases a connection slot when the connection ends, however it ends.
struct Slot(Arc<WsStats>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

impl WsContext {
    fn try_slot(&self) -> Option<Slot> {
        let taken = self
            .stats
            .active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.config.max_connections).then_some(n + 1)
            });
        taken.ok().map(|_| {
            metrics::counter!("dexmon_ws_connections_total").increment(1);
            Slot(self.stats.clone())
        })
    }
}

/// `GET /ws`: checks the origin and capacity, negotiates the codec, and upgrades.
pub async fn upgrade(
    State(ctx): State<WsContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(credentials): Query<Credentials>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Err(origin) = ctx.auth.check_origin(&headers) {
        tracing::warn!(%peer, origin, "websocket refused: origin not allowed");
        return (StatusCode::FORBIDDEN, "origin not allowed\n").into_response();
    }
    let Some(slot) = ctx.try_slot() else {
        metrics::counter!("dexmon_ws_refused_total", "reason" => "capacity").increment(1);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            "connection limit reached\n",
        )
            .into_response();
    };
    let authorized = ctx.auth.authorize(&headers, &credentials);
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let (codec, subprotocol) = Codec::negotiate(offered);
    let config = ctx.config.clone();
    // Tungstenite's own size limit is a backstop well above ours, so that an oversized
    // message still reaches our check and gets a `MESSAGE_TOO_LARGE` answer.
    let backstop = (config.max_message_bytes * 4).max(64 * 1024);
    let ws = ws
        // Allocated up front for every connection, and clients send little: a larger message
        // grows it as needed.
        .read_buffer_size(512)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(backstop)
        .max_frame_size(backstop);
    let ws = match subprotocol {
        Some(p) => ws.protocols([p]),
        None => ws,
    };
    ws.on_upgrade(move |socket| async move {
        let _slot = slot;
        Connection::run(socket, ctx, codec, peer, authorized).await;
    })
}

/// `GET /`: the dashboard page for a plain request, the `/ws` handler (same checks and limits)
/// for a WebSocket upgrade, so `ws://host:port` works as well as `ws://host:port/ws`.
pub async fn index_or_upgrade(
    State(ctx): State<WsContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(credentials): Query<Credentials>,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _body) = request.into_parts();
    let wants_upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !wants_upgrade {
        return crate::dashboard::index().into_response();
    }
    match <WebSocketUpgrade as axum::extract::FromRequestParts<WsContext>>::from_request_parts(
        &mut parts, &ctx,
    )
    .await
    {
        Ok(ws) => {
            upgrade(
                State(ctx),
                ConnectInfo(peer),
                Query(credentials),
                parts.headers,
                ws,
            )
            .await
        }
        Err(rejection) => rejection.into_response(),
    }
}
