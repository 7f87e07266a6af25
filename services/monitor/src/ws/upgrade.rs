//! Accepting a connection: origin, capacity, codec negotiation, then the upgrade that hands the
//! socket to its [`Connection`].
//!
//! The handshake is RFC 6455's, checked here (method, `Connection`, `Upgrade`, version, key),
//! and the upgraded socket goes to our own framing (`socket.rs`) rather than tungstenite's,
//! which copies every payload into a write buffer that keeps the size of the largest message
//! it ever sent: for a connection that took a snapshot of every price, most of what it held.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
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
    let on_upgrade = ws.on_upgrade;
    tokio::spawn(async move {
        let _slot = slot;
        match on_upgrade.await {
            Ok(upgraded) => {
                Connection::run(TokioIo::new(upgraded), ctx, codec, peer, authorized).await;
            }
            Err(err) => tracing::debug!(%peer, %err, "websocket upgrade failed"),
        }
    });
    let mut response = (
        StatusCode::SWITCHING_PROTOCOLS,
        [
            (header::CONNECTION, HeaderValue::from_static("upgrade")),
            (header::UPGRADE, HeaderValue::from_static("websocket")),
            (header::SEC_WEBSOCKET_ACCEPT, ws.accept),
        ],
    )
        .into_response();
    if let Some(protocol) = subprotocol {
        response.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(protocol),
        );
    }
    response
}

/// A checked WebSocket handshake request (RFC 6455 §4.2.1): what the `101` answer needs.
#[derive(Debug)]
pub struct WebSocketUpgrade {
    /// `Sec-WebSocket-Accept`, derived from the client's key.
    accept: HeaderValue,
    on_upgrade: OnUpgrade,
}

/// Why a request is not a WebSocket handshake this server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("a WebSocket handshake must be a GET")]
    NotGet,
    #[error("the `Connection` header must include `upgrade`")]
    NoConnectionUpgrade,
    #[error("the `Upgrade` header must be `websocket`")]
    NotWebSocket,
    #[error("only WebSocket version 13 is supported")]
    UnsupportedVersion,
    #[error("the `Sec-WebSocket-Key` header is missing")]
    NoKey,
    #[error("this connection cannot be upgraded")]
    NotUpgradable,
}

impl IntoResponse for HandshakeError {
    fn into_response(self) -> Response {
        let status = match self {
            Self::NotGet => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedVersion | Self::NotUpgradable => StatusCode::UPGRADE_REQUIRED,
            _ => StatusCode::BAD_REQUEST,
        };
        let mut response = (status, format!("{self}\n")).into_response();
        if self == Self::UnsupportedVersion {
            // RFC 6455 §4.4: name the version this server speaks.
            response.headers_mut().insert(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
        }
        response
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade {
    type Rejection = HandshakeError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header_has = |name: header::HeaderName, token: &str| {
            parts.headers.get_all(name).iter().any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            })
        };
        if parts.method != Method::GET {
            return Err(HandshakeError::NotGet);
        }
        if !header_has(header::CONNECTION, "upgrade") {
            return Err(HandshakeError::NoConnectionUpgrade);
        }
        if !header_has(header::UPGRADE, "websocket") {
            return Err(HandshakeError::NotWebSocket);
        }
        if parts
            .headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .map(HeaderValue::as_bytes)
            != Some(b"13".as_slice())
        {
            return Err(HandshakeError::UnsupportedVersion);
        }
        let key = parts
            .headers
            .get(header::SEC_WEBSOCKET_KEY)
            .ok_or(HandshakeError::NoKey)?;
        let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
        let accept = HeaderValue::from_str(&accept).map_err(|_| HandshakeError::NoKey)?;
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or(HandshakeError::NotUpgradable)?;
        Ok(Self { accept, on_upgrade })
    }
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
    match WebSocketUpgrade::from_request_parts(&mut parts, &ctx).await {
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
