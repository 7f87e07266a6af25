//! `/ws`: the `dexmon.v1` WebSocket endpoint.
//!
//! Per connection, two tasks share an [`outbox::Outbox`]:
//! - the reader task receives the hub's broadcast and the client's frames. It filters live
//!   messages through the connection's [`session::Session`], answers requests, enforces the
//!   limits and watches the heartbeat. It never waits on the socket's write side;
//! - the writer task drains the outbox with `feed` and one `flush` per batch, sends the
//!   protocol-level pings, and sends the close frame.
//!
//! A slow client therefore only ever fills its own outbox: prices conflate there, and when its
//! reliable lane overflows the connection closes with 4008. Other connections are unaffected.

pub mod alerts;
pub mod outbox;
pub mod rate_limit;
pub mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use protocol::{
    Channel, ClientMessage, ClientParseError, Codec, Connected, ErrorCode, ErrorMessage, Pong,
    RequestId, Resumed, ServerMessage, Timestamp, close_code,
};
use tokio::sync::{broadcast, watch};

use self::alerts::{AlertBook, AlertError, Fired, Seed};
use self::outbox::{Outbox, Outgoing};
use self::rate_limit::TokenBucket;
use self::session::Session;
use crate::auth::{Auth, Credentials};
use crate::clock::{monotonic_us, unix_ms};
use crate::hub::{Hub, Published, Recovery};

/// Limits and timings of `/ws`.
#[derive(Debug, Clone, PartialEq)]
pub struct WsConfig {
    /// Connections beyond this are refused with 503 at the upgrade.
    pub max_connections: usize,
    /// Largest inbound message; larger ones get `MESSAGE_TOO_LARGE`.
    pub max_message_bytes: usize,
    /// Inbound messages per second per connection, on average.
    pub rate_per_second: f64,
    /// Inbound burst per connection.
    pub rate_burst: u32,
    /// Channels plus pairs plus dexes one connection may hold.
    pub max_subscriptions: usize,
    /// Alerts one connection may hold.
    pub max_alerts: usize,
    /// Protocol-level ping interval.
    pub heartbeat: Duration,
    /// How long past a ping the pong may take before the connection is closed with 4000.
    pub pong_timeout: Duration,
    /// Reliable (non-price) messages queued per connection before it is closed with 4008.
    pub outbox_capacity: usize,
    /// Refused messages tolerated before the connection is closed with 1008. For the rate
    /// limit, `max_violations × rate_burst` refused messages close it with 4029.
    pub max_violations: u32,
    /// How long a closing connection may take to flush its close frame.
    pub close_grace: Duration,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_message_bytes: 16 * 1024,
            rate_per_second: 20.0,
            rate_burst: 40,
            max_subscriptions: 256,
            max_alerts: 32,
            heartbeat: Duration::from_secs(25),
            pong_timeout: Duration::from_secs(10),
            outbox_capacity: 4_096,
            max_violations: 20,
            close_grace: Duration::from_secs(5),
        }
    }
}

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
        .read_buffer_size(4 * 1024)
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

/// One connection's reader-side state: its subscription, limits and outbox.
struct Connection {
    ctx: WsContext,
    codec: Codec,
    peer: SocketAddr,
    session: Session,
    alerts: AlertBook,
    outbox: Arc<Outbox>,
    bucket: TokenBucket,
    violations: u32,
    rate_violations: u32,
    last_rate_error_us: Option<u64>,
    session_id: String,
}

impl Connection {
    async fn run(socket: WebSocket, ctx: WsContext, codec: Codec, peer: SocketAddr, ok: bool) {
        let config = ctx.config.clone();
        let (sink, mut stream) = socket.split();
        let outbox = Arc::new(Outbox::new(config.outbox_capacity));
        let last_pong_us = Arc::new(AtomicU64::new(monotonic_us()));
        let writer = tokio::spawn(write_loop(sink, outbox.clone(), codec, config.heartbeat));
        let session_id = format!("{:08x}", rand::random::<u32>());
        let mut conn = Self {
            bucket: TokenBucket::new(config.rate_per_second, config.rate_burst, monotonic_us())
                .unwrap_or_else(|_| {
                    // The config is validated at start-up; this is only a safety net.
                    TokenBucket::new(20.0, 40, monotonic_us()).unwrap_or_else(|_| unreachable!())
                }),
            session: Session::new(config.max_subscriptions),
            alerts: AlertBook::new(config.max_alerts),
            ctx,
            codec,
            peer,
            outbox,
            violations: 0,
            rate_violations: 0,
            last_rate_error_us: None,
            session_id,
        };
        tracing::debug!(peer = %conn.peer, session = conn.session_id, ?codec, "websocket connected");
        if !ok {
            conn.reply(ServerMessage::Error(error(
                None,
                ErrorCode::Unauthorized,
                "missing or wrong credentials",
            )));
            conn.outbox.close(close_code::UNAUTHORIZED, "unauthorized");
            tracing::warn!(peer = %conn.peer, "websocket closed: unauthorized");
        } else {
            let rx = conn.ctx.hub.subscribe();
            conn.greet();
            conn.serve(rx, &mut stream, &last_pong_us).await;
        }
        // Keep reading while the close frame goes out, so the client's answer (and any pong
        // in flight) is consumed: closing a socket with unread input resets it, and the
        // client would lose the close frame and its code.
        let grace = config.close_grace;
        let consume = async {
            while let Some(Ok(frame)) = stream.next().await {
                if matches!(frame, Message::Close(_)) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(grace, async {
            tokio::join!(finish(writer, grace), consume);
        })
        .await;
        tracing::debug!(peer = %conn.peer, session = conn.session_id, "websocket closed");
    }

    fn greet(&mut self) {
        let hub = self.ctx.hub.clone();
        self.reply(ServerMessage::Connected(Connected {
            timestamp: now(),
            protocol: protocol::PROTOCOL_VERSION.to_owned(),
            server_version: env!("CARGO_PKG_VERSION").to_owned(),
            session_id: self.session_id.clone(),
            epoch: hub.epoch.clone(),
            heartbeat_interval_ms: u64::try_from(self.ctx.config.heartbeat.as_millis())
                .unwrap_or(u64::MAX),
            channels: self.session.channels(),
        }));
        // A client that only listens still starts from the full picture, the header's
        // source, slot and uptime included.
        self.snapshot(Channel::Prices, None);
        self.snapshot(Channel::Opportunities, None);
        self.snapshot(Channel::Health, None);
    }

    async fn serve(
        &mut self,
        mut rx: broadcast::Receiver<Published>,
        stream: &mut futures::stream::SplitStream<WebSocket>,
        last_pong_us: &AtomicU64,
    ) {
        let mut shutdown = self.ctx.shutdown.clone();
        let heartbeat = self.ctx.config.heartbeat;
        let deadline_us = u64::try_from((heartbeat + self.ctx.config.pong_timeout).as_micros())
            .unwrap_or(u64::MAX);
        let mut check = tokio::time::interval(self.ctx.config.pong_timeout.min(heartbeat));
        loop {
            if self.outbox.is_closing() {
                return;
            }
            tokio::select! {
                live = rx.recv() => match live {
                    Ok(published) => self.forward(&published),
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        // This task fell behind the hub itself: what it missed cannot be
                        // conflated any more, so the client must resume.
                        tracing::warn!(peer = %self.peer, missed, "connection lagged the hub; closing as slow consumer");
                        self.slow_consumer();
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                frame = stream.next() => match frame {
                    Some(Ok(Message::Text(text))) => self.on_frame(text.as_bytes(), false),
                    Some(Ok(Message::Binary(bytes))) => self.on_frame(&bytes, true),
                    Some(Ok(Message::Pong(_))) => last_pong_us.store(monotonic_us(), Ordering::Release),
                    Some(Ok(Message::Ping(_))) => {} // tungstenite answers pings itself
                    Some(Ok(Message::Close(_))) | None => return,
                    Some(Err(err)) => {
                        tracing::debug!(peer = %self.peer, %err, "websocket read failed");
                        return;
                    }
                },
                _ = check.tick() => {
                    // Any frame from the client counts as alive too; tungstenite only reports
                    // pongs here, so the pong time is the measure.
                    if monotonic_us().saturating_sub(last_pong_us.load(Ordering::Acquire)) > deadline_us {
                        tracing::info!(peer = %self.peer, "websocket closed: heartbeat timeout");
                        self.outbox.close(close_code::HEARTBEAT_TIMEOUT, "heartbeat timeout");
                    }
                }
                _ = shutdown.changed() => {
                    self.outbox.close(close_code::GOING_AWAY, "server going away");
                    return;
                }
            }
        }
    }

    /// A live channel message from the hub.
    fn forward(&mut self, published: &Published) {
        let message = published.message.message();
        // Alerts see every message, whatever the connection's subscription.
        for fired in self.alerts.on_message(message) {
            self.triggered(fired);
        }
        if !self.session.is_new(published.channel, published.seq) || !self.session.wants(message) {
            return;
        }
        let outgoing = Outgoing {
            message: published.message.clone(),
            published_us: Some(published.published_us),
            text: published.text.clone(),
        };
        if let ServerMessage::PriceUpdate(p) = message {
            if self.outbox.push_price(&p.pool, outgoing) {
                metrics::counter!("dexmon_ws_conflated_total").increment(1);
            }
        } else if self.outbox.push(outgoing).is_err() {
            self.slow_consumer();
        }
    }

    fn slow_consumer(&mut self) {
        self.outbox
            .close(close_code::SLOW_CONSUMER, "slow consumer");
        metrics::counter!("dexmon_ws_slow_consumer_closes_total").increment(1);
        tracing::warn!(peer = %self.peer, session = self.session_id, "websocket closed: slow consumer (4008)");
    }

    /// Queues a control message for this connection only.
    fn reply(&mut self, message: ServerMessage) {
        match protocol::EncodedMessage::new(message) {
            Ok(message) => {
                if self
                    .outbox
                    .push(Outgoing {
                        message,
                        published_us: None,
                        text: None,
                    })
                    .is_err()
                {
                    self.slow_consumer();
                }
            }
            Err(err) => tracing::error!(%err, "control message failed to encode"),
        }
    }

    /// A frame from the client.
    fn on_frame(&mut self, bytes: &[u8], binary: bool) {
        let now_us = monotonic_us();
        if !self.bucket.try_take(now_us) {
            self.rate_violations += 1;
            metrics::counter!("dexmon_ws_rate_limited_total").increment(1);
            // A burst's overflow is one mistake; a client that keeps sending far past its
            // budget (more than `max_violations` bursts' worth) is closed.
            let tolerated = self
                .ctx
                .config
                .max_violations
                .saturating_mul(self.ctx.config.rate_burst);
            if self.rate_violations > tolerated {
                tracing::warn!(peer = %self.peer, "websocket closed: rate limited repeatedly");
                self.outbox.close(close_code::RATE_LIMITED, "rate limited");
            } else if self
                .last_rate_error_us
                .is_none_or(|last| now_us.saturating_sub(last) >= 1_000_000)
            {
                // At most one error a second, so a flood cannot make us amplify it.
                self.last_rate_error_us = Some(now_us);
                self.reply(ServerMessage::Error(error(
                    None,
                    ErrorCode::RateLimited,
                    "inbound message rate exceeded; message dropped",
                )));
            }
            return;
        }
        let expected_binary = self.codec == Codec::MsgPack;
        let parsed = if binary != expected_binary {
            Err((
                ErrorCode::UnsupportedFrame,
                if binary {
                    "binary frame on a JSON connection".to_owned()
                } else {
                    "text frame on a MessagePack connection".to_owned()
                },
            ))
        } else {
            protocol::decode_client(bytes, self.codec, self.ctx.config.max_message_bytes)
                .map_err(|e: ClientParseError| (e.code(), e.to_string()))
        };
        match parsed {
            Ok(message) => self.on_message(message),
            Err((code, text)) => {
                metrics::counter!("dexmon_ws_parse_errors_total", "code" => code.as_str())
                    .increment(1);
                tracing::info!(peer = %self.peer, session = self.session_id, %code, error = %text, "refused client message");
                // Echo the request's id whenever it can still be read, so that the client can
                // tell which request was refused.
                let id = (binary == expected_binary)
                    .then(|| {
                        protocol::client_request_id(
                            bytes,
                            self.codec,
                            self.ctx.config.max_message_bytes,
                        )
                    })
                    .flatten();
                self.refuse(id, code, text);
            }
        }
    }

    /// Answers a refused request and closes after repeated violations.
    fn refuse(&mut self, id: Option<RequestId>, code: ErrorCode, text: String) {
        self.reply(ServerMessage::Error(error(id, code, &text)));
        self.violations += 1;
        if self.violations > self.ctx.config.max_violations {
            tracing::warn!(peer = %self.peer, "websocket closed: repeated protocol violations");
            self.outbox
                .close(close_code::POLICY_VIOLATION, "repeated protocol violations");
        }
    }

    fn on_message(&mut self, message: ClientMessage) {
        match message {
            ClientMessage::Ping(p) => self.reply(ServerMessage::Pong(Pong {
                id: p.id,
                timestamp: now(),
            })),
            ClientMessage::Subscribe(s) => match self.session.subscribe(&s) {
                Ok(prices) => {
                    let session = &self.session;
                    self.outbox.retain_prices(|m| session.wants(m));
                    self.reply(ServerMessage::Subscribed(
                        self.session.ack(s.id.clone(), now()),
                    ));
                    if prices {
                        self.snapshot(Channel::Prices, s.id);
                    }
                }
                Err(err) => self.refuse(s.id, ErrorCode::TooManySubscriptions, err.to_string()),
            },
            ClientMessage::Unsubscribe(s) => {
                self.session.unsubscribe(&s);
                let session = &self.session;
                self.outbox.retain_prices(|m| session.wants(m));
                self.reply(ServerMessage::Unsubscribed(self.session.ack(s.id, now())));
            }
            ClientMessage::Resume(r) => self.resume(r),
            ClientMessage::AlertAdd(a) => self.add_alert(a),
            ClientMessage::AlertRemove(r) => match self.alerts.remove(&r.alert_id) {
                Ok(()) => self.reply(ServerMessage::AlertRemoved(protocol::AlertRemoved {
                    id: r.id,
                    timestamp: now(),
                    alert_id: r.alert_id,
                })),
                Err(err) => self.refuse_alert(r.id, &err),
            },
            ClientMessage::AlertList(l) => {
                self.reply(ServerMessage::Alerts(protocol::AlertsList {
                    id: l.id,
                    timestamp: now(),
                    alerts: self.alerts.list(),
                }));
            }
        }
    }

    /// Registers an alert, answers `alert_added`, then sends what it fired on at once.
    fn add_alert(&mut self, request: protocol::AlertAdd) {
        let hub = &self.ctx.hub;
        let mut seed = Seed::default();
        match request.alert.rule() {
            Ok(protocol::AlertRule::Opportunity { .. }) => {
                let snapshot = hub.snapshot(Channel::Opportunities, &|_, _| true);
                seed.opportunities = snapshot.opportunities.unwrap_or_default();
                seed.opportunities_seq = snapshot.seq;
            }
            Ok(_) => {
                if let Ok(Some(pair)) = self.alerts.needs_prices_of(&request.alert) {
                    let snapshot = hub.snapshot(Channel::Prices, &|p, _| p == pair);
                    seed.prices = snapshot.prices.unwrap_or_default();
                }
            }
            // `add` reports it.
            Err(_) => {}
        }
        let alert = request.alert.clone();
        match self.alerts.add(request.alert_id, request.alert, seed) {
            Ok((alert_id, fired)) => {
                metrics::counter!("dexmon_ws_alerts_added_total").increment(1);
                self.reply(ServerMessage::AlertAdded(protocol::AlertAdded {
                    id: request.id,
                    timestamp: now(),
                    alert_id,
                    alert,
                }));
                for fired in fired {
                    self.triggered(fired);
                }
            }
            Err(err) => self.refuse_alert(request.id, &err),
        }
    }

    /// An alert request the connection cannot honour. Not a protocol violation: it does not
    /// count towards the 1008 close.
    fn refuse_alert(&mut self, id: Option<RequestId>, err: &AlertError) {
        let code = err.code();
        metrics::counter!("dexmon_ws_alerts_refused_total", "code" => code.as_str()).increment(1);
        tracing::debug!(peer = %self.peer, session = self.session_id, %code, error = %err, "alert refused");
        self.reply(ServerMessage::Error(error(id, code, &err.to_string())));
    }

    fn triggered(&mut self, mut fired: Fired) {
        metrics::counter!("dexmon_ws_alerts_triggered_total").increment(1);
        fired.timestamp = now();
        self.reply(ServerMessage::AlertTriggered(fired));
    }

    /// Queues a snapshot of `channel`; live messages it covers are dropped.
    fn snapshot(&mut self, channel: Channel, id: Option<RequestId>) {
        let session = &self.session;
        let mut snapshot = self
            .ctx
            .hub
            .snapshot(channel, &|pair, dexes| session.matches(pair, dexes));
        snapshot.id = id;
        self.session.cover(channel, snapshot.seq);
        if channel == Channel::Prices {
            self.outbox.clear_prices();
        } else {
            self.outbox.remove_through(channel, snapshot.seq);
        }
        self.reply(ServerMessage::Snapshot(snapshot));
    }

    fn resume(&mut self, r: protocol::Resume) {
        let (from_seq, to_seq) = match self.ctx.hub.recover(r.channel, &r.epoch, r.after_seq) {
            Recovery::Recovered { messages, to_seq } => {
                // Queued live copies are dropped and later ones skipped, so the replay below
                // is the one, ordered copy of every missed message.
                let delivered = self.outbox.remove_through_and_delivered(r.channel, to_seq);
                let replay: Vec<Published> = messages
                    .into_iter()
                    .filter(|p| {
                        let already =
                            delivered.is_some_and(|(first, last)| (first..=last).contains(&p.seq));
                        !already && self.session.wants(p.message.message())
                    })
                    .collect();
                // A replay the outbox cannot hold would close the connection with 4008 again
                // and again; past that size the client is better served by a snapshot.
                if replay.len() < self.outbox.reliable_room() {
                    self.replay(r, replay, to_seq);
                    return;
                }
                metrics::counter!("dexmon_ws_resume_too_large_total").increment(1);
                (r.after_seq + 1, to_seq)
            }
            Recovery::Lost { from_seq, to_seq } => (from_seq, to_seq),
        };
        self.reply(ServerMessage::Resumed(Resumed {
            id: r.id.clone(),
            timestamp: now(),
            channel: r.channel,
            recovered: false,
            from_seq,
            to_seq,
        }));
        self.snapshot(r.channel, r.id);
    }

    /// Answers a recoverable `resume` and queues the missed messages.
    fn replay(&mut self, r: protocol::Resume, replay: Vec<Published>, to_seq: u64) {
        self.session.cover(r.channel, to_seq);
        if r.channel == Channel::Prices {
            self.outbox.clear_prices();
        }
        self.reply(ServerMessage::Resumed(Resumed {
            id: r.id,
            timestamp: now(),
            channel: r.channel,
            recovered: true,
            from_seq: r.after_seq + 1,
            to_seq,
        }));
        for published in replay {
            let outgoing = Outgoing {
                message: published.message,
                published_us: Some(published.published_us),
                text: published.text,
            };
            if self.outbox.push(outgoing).is_err() {
                self.slow_consumer();
                return;
            }
        }
    }
}

fn now() -> Timestamp {
    Timestamp::from_unix_millis(unix_ms())
}

fn error(id: Option<RequestId>, code: ErrorCode, message: &str) -> ErrorMessage {
    ErrorMessage {
        id,
        timestamp: now(),
        code,
        message: message.to_owned(),
        details: None,
    }
}

/// Waits for the writer to send its close frame, then gives up on a client that does not
/// read at all.
async fn finish(writer: tokio::task::JoinHandle<()>, grace: Duration) {
    let abort = writer.abort_handle();
    if tokio::time::timeout(grace, writer).await.is_err() {
        abort.abort();
    }
}

/// Drains the outbox into the socket: `feed` every message, one `flush` per batch.
async fn write_loop(
    mut sink: futures::stream::SplitSink<WebSocket, Message>,
    outbox: Arc<Outbox>,
    codec: Codec,
    heartbeat: Duration,
) {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    loop {
        let drained = tokio::select! {
            drained = outbox.drain(256) => drained,
            _ = ping.tick() => {
                if sink.send(Message::Ping(bytes::Bytes::new())).await.is_err() {
                    outbox.close(close_code::GOING_AWAY, "write failed");
                    return;
                }
                continue;
            }
        };
        // Counted per batch, not per message: a labelled metric costs a registry lookup.
        let mut sent = [(0u64, 0u64); Channel::ALL.len()];
        let mut oldest_published: Option<u64> = None;
        for outgoing in drained.messages {
            let channel = outgoing.message.message().channel();
            let prepared = match (codec, outgoing.text) {
                (Codec::Json, Some(text)) => Some(Message::Text(text)),
                _ => None,
            };
            let frame = match prepared {
                Some(frame) => frame,
                None => match outgoing.message.bytes(codec) {
                    Ok(bytes) => match codec {
                        // The JSON encoding is UTF-8 by construction.
                        Codec::Json => match Utf8Bytes::try_from(bytes) {
                            Ok(text) => Message::Text(text),
                            Err(_) => continue,
                        },
                        Codec::MsgPack => Message::Binary(bytes),
                    },
                    Err(err) => {
                        tracing::error!(%err, "message failed to encode");
                        continue;
                    }
                },
            };
            let len = match &frame {
                Message::Text(t) => t.len(),
                Message::Binary(b) => b.len(),
                _ => 0,
            };
            if sink.feed(frame).await.is_err() {
                outbox.close(close_code::GOING_AWAY, "write failed");
                return;
            }
            if let Some(channel) = channel {
                let counts = &mut sent[channel.index()];
                counts.0 += 1;
                counts.1 += len as u64;
            }
            if let Some(published) = outgoing.published_us {
                oldest_published = Some(oldest_published.map_or(published, |o| o.min(published)));
            }
        }
        for channel in Channel::ALL {
            let (messages, bytes) = sent[channel.index()];
            if messages > 0 {
                metrics::counter!("dexmon_ws_messages_sent_total", "channel" => channel.as_str())
                    .increment(messages);
                metrics::counter!("dexmon_ws_bytes_sent_total", "channel" => channel.as_str())
                    .increment(bytes);
            }
        }
        if let Some(published) = oldest_published {
            // The batch's worst case: its oldest message.
            #[allow(clippy::cast_precision_loss)]
            let seconds = monotonic_us().saturating_sub(published) as f64 / 1e6;
            metrics::histogram!("dexmon_publish_to_write_seconds").record(seconds);
        }
        if sink.flush().await.is_err() {
            outbox.close(close_code::GOING_AWAY, "write failed");
            return;
        }
        if let Some(closing) = drained.closing {
            let frame = CloseFrame {
                code: closing.code,
                reason: Utf8Bytes::from_static(closing.reason),
            };
            let _ = sink.send(Message::Close(Some(frame))).await;
            let _ = sink.close().await;
            return;
        }
    }
}
