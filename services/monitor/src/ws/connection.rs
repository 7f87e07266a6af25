//! One connection, served by one task: the hub's live messages go through its filters and
//! alerts into its outbox, the client's requests are answered, and the [`Writer`] moves the
//! outbox into the socket whenever the socket takes more, without ever waiting on it.
//!
//! Everything a connection holds while idle is here: its filters, alerts, limits, outbox and
//! writer, one heartbeat timer and the hub's broadcast receiver.

use std::fmt;
use std::net::SocketAddr;

use protocol::{Channel, Codec, Connected, ErrorCode, ServerMessage, close_code};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::alerts::AlertBook;
use super::frame::Incoming;
use super::gate::Gate;
use super::outbox::{Outbox, Outgoing};
use super::rate_limit::TokenBucket;
use super::session::Session;
use super::socket::{FrameReader, ReadError};
use super::upgrade::WsContext;
use super::writer::{Writer, Written};
use super::{error, now};
use crate::clock::monotonic_us;
use crate::hub::Published;

/// Live messages handled before the writer runs again: what arrived together leaves in one
/// flush, and the client's requests still get their turn.
const LIVE_BATCH: usize = 256;

/// A connection's id, as the `connected` message and the logs show it.
#[derive(Debug, Clone, Copy)]
pub(super) struct SessionId(u32);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// Why [`Connection::serve`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// The outbox is closing: flush it and send the close frame.
    Closing,
    /// The client sent its close frame, with its code if it gave one: answer it.
    ClosedByClient(Option<u16>),
    /// The client's socket failed while reading.
    ReadFailed,
    /// The socket failed while writing.
    WriteFailed,
}

/// One connection's state.
pub(super) struct Connection {
    pub(super) ctx: WsContext,
    pub(super) codec: Codec,
    pub(super) peer: SocketAddr,
    pub(super) session: Session,
    pub(super) alerts: AlertBook,
    pub(super) outbox: Outbox,
    pub(super) bucket: TokenBucket,
    pub(super) violations: u32,
    pub(super) rate_violations: u32,
    pub(super) last_rate_error_us: Option<u64>,
    pub(super) session_id: SessionId,
}

impl Connection {
    pub(super) async fn run<S>(
        socket: S,
        ctx: WsContext,
        codec: Codec,
        peer: SocketAddr,
        authorized: bool,
    ) where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let config = ctx.config.clone();
        let (read, write) = tokio::io::split(socket);
        // Frames past our own limit still reach `on_frame`, which answers them with
        // `MESSAGE_TOO_LARGE`; only far larger ones end the connection with 1009.
        let backstop = (config.max_message_bytes * 4).max(64 * 1024);
        let mut reader = FrameReader::new(read, backstop);
        let mut writer = Writer::new(codec, write);
        let mut conn = Self {
            bucket: TokenBucket::new(config.rate_per_second, config.rate_burst, monotonic_us())
                .unwrap_or_else(|_| {
                    // The config is validated at start-up; this is only a safety net.
                    TokenBucket::new(20.0, 40, monotonic_us()).unwrap_or_else(|_| unreachable!())
                }),
            session: Session::new(config.max_subscriptions),
            alerts: AlertBook::new(config.max_alerts),
            outbox: Outbox::new(config.outbox_capacity),
            ctx,
            codec,
            peer,
            violations: 0,
            rate_violations: 0,
            last_rate_error_us: None,
            session_id: SessionId(rand::random()),
        };
        tracing::debug!(peer = %conn.peer, session = %conn.session_id, ?codec, "websocket connected");
        let ended = if authorized {
            let rx = conn.ctx.hub.subscribe();
            conn.greet();
            conn.serve(rx, &mut writer, &mut reader).await
        } else {
            conn.reply(ServerMessage::Error(error(
                None,
                ErrorCode::Unauthorized,
                "missing or wrong credentials",
            )));
            conn.outbox.close(close_code::UNAUTHORIZED, "unauthorized");
            tracing::warn!(peer = %conn.peer, "websocket closed: unauthorized");
            Ended::Closing
        };
        conn.finish(ended, &mut writer, &mut reader).await;
        tracing::debug!(peer = %conn.peer, session = %conn.session_id, "websocket closed");
    }

    /// Serves the connection until it must close. The writer goes first whenever it has work:
    /// it never waits on the socket, so a client that reads slowly only ever fills its own
    /// outbox.
    async fn serve<R, W>(
        &mut self,
        mut rx: broadcast::Receiver<Published>,
        writer: &mut Writer<W>,
        reader: &mut FrameReader<R>,
    ) -> Ended
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        // Made once and kept registered: a fresh `changed()` per loop took and released the
        // watch's lock on every message, about 3% of the core at 1,000 clients.
        let mut shutdown = self.ctx.shutdown.clone();
        let going_away = async move {
            // A dropped sender means the node is going too.
            let _ = shutdown.wait_for(|stopping| *stopping).await;
        };
        tokio::pin!(going_away);
        let heartbeat = self.ctx.config.heartbeat;
        let pong_deadline = heartbeat + self.ctx.config.pong_timeout;
        let mut last_pong = Instant::now();
        let mut next_ping = last_pong + heartbeat;
        // The connection's one timer: the next ping, or the pong deadline if that is sooner.
        let timer = tokio::time::sleep_until(next_ping.min(last_pong + pong_deadline));
        tokio::pin!(timer);
        // The sources that are quiet nearly always are polled only once they signalled: a
        // live message wakes this task far more often than anything else. The writer is one
        // of them while the socket is full: it then waits for the socket to take more, so a
        // stalled client's live messages only join its outbox.
        let (shutdown_gate, write_gate, read_gate, timer_gate) = (
            Gate::default(),
            Gate::default(),
            Gate::default(),
            Gate::default(),
        );
        loop {
            if self.outbox.is_closing() {
                return Ended::Closing;
            }
            let writing = writer.has_work(&self.outbox);
            tokio::select! {
                biased;
                // Polled once at most: the loop returns as soon as the outbox is closing.
                () = shutdown_gate.wait(|cx| going_away.as_mut().poll(cx)) => {
                    self.outbox.close(close_code::GOING_AWAY, "server going away");
                }
                written = write_gate.wait(|cx| writer.poll_write(cx, &mut self.outbox)), if writing => {
                    if written.is_err() {
                        return Ended::WriteFailed;
                    }
                }
                frame = read_gate.wait(|cx| reader.poll_next(cx)) => match frame {
                    Some(Ok(Incoming::Text(text))) => self.on_frame(&text, false),
                    Some(Ok(Incoming::Binary(bytes))) => self.on_frame(&bytes, true),
                    // Only a pong proves the client reads what it is sent.
                    Some(Ok(Incoming::Pong)) => last_pong = Instant::now(),
                    Some(Ok(Incoming::Ping(payload))) => writer.pong(&payload),
                    Some(Ok(Incoming::Close(code))) => return Ended::ClosedByClient(code),
                    Some(Err(ReadError::Frame(err))) => self.broke_protocol(&err),
                    Some(Err(ReadError::Io(err))) => {
                        tracing::debug!(peer = %self.peer, %err, "websocket read failed");
                        return Ended::ReadFailed;
                    }
                    // The client closed its side without a close frame: it may still read
                    // our close.
                    None => return Ended::ClosedByClient(None),
                },
                live = rx.recv() => match live {
                    Ok(published) => {
                        self.forward(&published);
                        self.forward_waiting(&mut rx);
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => self.lagged(missed),
                    Err(broadcast::error::RecvError::Closed) => {
                        self.outbox.close(close_code::GOING_AWAY, "server going away");
                    }
                },
                () = timer_gate.wait(|cx| timer.as_mut().poll(cx)) => {
                    let now = Instant::now();
                    if now >= last_pong + pong_deadline {
                        tracing::info!(peer = %self.peer, "websocket closed: heartbeat timeout");
                        self.outbox.close(close_code::HEARTBEAT_TIMEOUT, "heartbeat timeout");
                    } else if now >= next_ping {
                        writer.ping();
                        next_ping = now + heartbeat;
                    }
                    timer.as_mut().reset(next_ping.min(last_pong + pong_deadline));
                    // A reset timer registers again when it is next polled.
                    timer_gate.open();
                }
            }
        }
    }

    /// Takes the live messages already waiting, up to [`LIVE_BATCH`].
    fn forward_waiting(&mut self, rx: &mut broadcast::Receiver<Published>) {
        for _ in 1..LIVE_BATCH {
            match rx.try_recv() {
                Ok(published) => self.forward(&published),
                Err(broadcast::error::TryRecvError::Lagged(missed)) => {
                    self.lagged(missed);
                    return;
                }
                Err(_) => return,
            }
        }
    }

    /// This connection fell behind the hub itself: what it missed cannot be conflated any
    /// more, so the client must resume.
    fn lagged(&mut self, missed: u64) {
        tracing::warn!(peer = %self.peer, missed, "connection lagged the hub; closing as slow consumer");
        self.slow_consumer();
    }

    /// Ends the connection. When this side closes, what is queued and the close frame go out
    /// while the client's frames are still read, so its answer (and any pong in flight) is
    /// consumed: closing a socket with unread input resets it, and the client would lose the
    /// close frame and its code. A client that does not read at all gets `close_grace`.
    async fn finish<R, W>(
        &mut self,
        ended: Ended,
        writer: &mut Writer<W>,
        reader: &mut FrameReader<R>,
    ) where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let grace = self.ctx.config.close_grace;
        match ended {
            Ended::WriteFailed | Ended::ReadFailed => {}
            Ended::ClosedByClient(code) => {
                // Answers the client's close with its code, after what is already in flight.
                writer.close_reply(code);
                let write = async {
                    while let Ok(Written::Flushed) = writer.write(&mut self.outbox).await {}
                };
                let _ = tokio::time::timeout(grace, write).await;
            }
            Ended::Closing => {
                let write = async {
                    while let Ok(Written::Flushed) = writer.write(&mut self.outbox).await {
                        if !writer.has_work(&self.outbox) {
                            break;
                        }
                    }
                };
                let consume = async {
                    while let Some(Ok(frame)) = reader.next().await {
                        if matches!(frame, Incoming::Close(_)) {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(grace, async { tokio::join!(write, consume) }).await;
            }
        }
    }

    fn greet(&mut self) {
        let hub = self.ctx.hub.clone();
        self.reply(ServerMessage::Connected(Connected {
            timestamp: now(),
            protocol: protocol::PROTOCOL_VERSION.to_owned(),
            server_version: env!("CARGO_PKG_VERSION").to_owned(),
            session_id: self.session_id.to_string(),
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

    /// The client's frames broke RFC 6455: it is told why with the matching close code, at
    /// once (what was queued is dropped, as RFC 6455 §7.1.7 fails the connection).
    fn broke_protocol(&mut self, err: &super::frame::FrameError) {
        metrics::counter!("dexmon_ws_frame_errors_total", "reason" => err.reason()).increment(1);
        tracing::info!(peer = %self.peer, session = %self.session_id, %err, "websocket closed: bad frame");
        self.outbox.close(err.close_code(), err.reason());
    }

    pub(super) fn slow_consumer(&mut self) {
        self.outbox
            .close(close_code::SLOW_CONSUMER, "slow consumer");
        metrics::counter!("dexmon_ws_slow_consumer_closes_total").increment(1);
        tracing::warn!(peer = %self.peer, session = %self.session_id, "websocket closed: slow consumer (4008)");
    }

    /// Queues a control message for this connection only.
    pub(super) fn reply(&mut self, message: ServerMessage) {
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
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};

    use tokio::io::ReadBuf;

    use super::*;
    use crate::auth::Auth;
    use crate::hub::Hub;
    use crate::ws::{WsConfig, WsStats};

    /// A client that never reads: its socket takes `room` more bytes, then nothing until the
    /// test makes room. Counts the writes the connection tries.
    #[derive(Default)]
    struct Client {
        room: usize,
        received: Vec<u8>,
        write_polls: usize,
        writable: Option<Waker>,
    }

    #[derive(Clone, Default)]
    struct Socket(Arc<Mutex<Client>>);

    impl AsyncRead for Socket {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            // The client sends nothing; its heartbeat is hours away in this test.
            Poll::Pending
        }
    }

    impl AsyncWrite for Socket {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let mut client = self.0.lock().unwrap();
            client.write_polls += 1;
            let n = buf.len().min(client.room);
            if n == 0 {
                client.writable = Some(cx.waker().clone());
                return Poll::Pending;
            }
            client.room -= n;
            client.received.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Lets the connection's task run until it waits.
    async fn settle() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    #[tokio::test]
    async fn a_full_socket_is_not_tried_again_for_each_live_message_and_loses_none() {
        let hub = Arc::new(Hub::new(1_024));
        let (_stop, shutdown) = tokio::sync::watch::channel(false);
        let config = WsConfig {
            heartbeat: std::time::Duration::from_secs(3_600),
            ..WsConfig::default()
        };
        let ctx = WsContext {
            hub: hub.clone(),
            config: Arc::new(config),
            stats: Arc::new(WsStats::default()),
            auth: Arc::new(Auth::default()),
            shutdown,
        };
        let socket = Socket::default();
        let peer = "127.0.0.1:9".parse().unwrap();
        let task = tokio::spawn(Connection::run(
            socket.clone(),
            ctx,
            Codec::Json,
            peer,
            true,
        ));
        settle().await;
        let tried = socket.0.lock().unwrap().write_polls;
        assert!(tried > 0, "the greeting was never written");

        for i in 0..100 {
            hub.log(protocol::LogLevel::Info, &format!("probe {i}"), &[]);
            tokio::task::yield_now().await;
        }
        settle().await;
        assert_eq!(
            socket.0.lock().unwrap().write_polls,
            tried,
            "the full socket was tried again for live messages"
        );

        let writable = {
            let mut client = socket.0.lock().unwrap();
            client.room = usize::MAX;
            client
                .writable
                .take()
                .expect("the writer waits on the socket")
        };
        writable.wake();
        settle().await;
        let received = String::from_utf8_lossy(&socket.0.lock().unwrap().received).into_owned();
        for i in 0..100 {
            assert!(
                received.contains(&format!("\"probe {i}\"")),
                "live message {i} was lost"
            );
        }
        task.abort();
    }
}
