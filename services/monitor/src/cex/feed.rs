//! One Binance combined-stream connection per group of symbols, kept alive by the rules
//! Binance documents.
//!
//! A connection is replaced without a gap: the new one is opened while the old one keeps
//! delivering, and the old one is closed only once the new one has delivered a frame. Both
//! may deliver the same update meanwhile; the books ignore what they already hold (update and
//! trade ids). That happens before Binance's 24-hour limit (`rotate_after`) and at once on a
//! `serverShutdown` event. A connection that is lost, or silent for `stale_after`, is
//! reconnected with backoff.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use protocol::SourceState;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::wire::{self, Event};
use super::{BinanceSettings, Book, BookInbox, FeedStats};
use crate::clock::monotonic_us;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;
/// A replacement connection being opened.
type Dial = std::pin::Pin<Box<dyn Future<Output = Result<Live, String>> + Send>>;

/// The combined-stream URL for a group of symbols.
pub fn stream_url(endpoint: &str, symbols: &[String]) -> String {
    let streams: Vec<String> = symbols
        .iter()
        .flat_map(|s| {
            let s = s.to_ascii_lowercase();
            [
                format!("{s}@bookTicker"),
                format!("{s}@depth20@100ms"),
                format!("{s}@trade"),
            ]
        })
        .collect();
    format!(
        "{}/stream?streams={}",
        endpoint.trim_end_matches('/'),
        streams.join("/")
    )
}

/// Runs every connection of the venue until `stop`.
pub async fn run(
    settings: BinanceSettings,
    inbox: Arc<BookInbox>,
    stats: Arc<FeedStats>,
    stop: watch::Receiver<bool>,
) {
    let symbols: Vec<(String, String)> = settings.symbols.clone().into_iter().collect();
    let tasks: Vec<_> = symbols
        .chunks(settings.symbols_per_connection.max(1))
        .map(|group| {
            let books = group
                .iter()
                .map(|(symbol, pair)| {
                    let symbol = symbol.to_ascii_uppercase();
                    (symbol.clone(), Book::new("binance", symbol, pair.clone()))
                })
                .collect();
            let conn = Connection {
                url: stream_url(
                    &settings.endpoint,
                    &group.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>(),
                ),
                settings: settings.clone(),
                books,
                inbox: inbox.clone(),
                stats: stats.clone(),
                stop: stop.clone(),
            };
            tokio::spawn(conn.run())
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
}

/// Why a connection stopped being used.
enum End {
    Stop,
    Lost(String),
}

struct Connection {
    url: String,
    settings: BinanceSettings,
    books: BTreeMap<String, Book>,
    inbox: Arc<BookInbox>,
    stats: Arc<FeedStats>,
    stop: watch::Receiver<bool>,
}

/// One open socket and when it was opened and last heard from.
struct Live {
    ws: Socket,
    opened: Instant,
    last_frame: Instant,
}

impl Connection {
    async fn run(mut self) {
        let mut backoff = self.settings.backoff.clone();
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_os_rng();
        let mut first = true;
        loop {
            if *self.stop.borrow() {
                return;
            }
            if !first {
                self.stats.status.reconnects.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("dexmon_cex_reconnects_total", "venue" => "binance").increment(1);
            }
            first = false;
            let live = match self.connect().await {
                Ok(ws) => ws,
                Err(reason) => {
                    let delay = backoff.next_delay(&mut rng);
                    tracing::warn!(url = %self.url, %reason, ?delay, "binance: connect failed");
                    self.stats.status.set(
                        SourceState::Reconnecting,
                        Some(format!("connect failed: {reason}")),
                    );
                    if self.sleep_or_stop(delay).await {
                        return;
                    }
                    continue;
                }
            };
            let opened = live.opened;
            match self.serve(live).await {
                End::Stop => return,
                End::Lost(reason) => {
                    self.withdraw_books();
                    backoff.connected_for(opened.elapsed());
                    let delay = backoff.next_delay(&mut rng);
                    tracing::warn!(%reason, ?delay, "binance: connection lost; reconnecting");
                    self.stats
                        .status
                        .set(SourceState::Reconnecting, Some(reason));
                    if self.sleep_or_stop(delay).await {
                        return;
                    }
                }
            }
        }
    }

    /// Sleeps; true when asked to stop meanwhile.
    async fn sleep_or_stop(&mut self, delay: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(delay) => false,
            _ = self.stop.changed() => true,
        }
    }

    async fn connect(&self) -> Result<Live, String> {
        self.dial().await
    }

    /// Reads the active connection, replacing it when its time is up or the server says it
    /// is shutting down, until it is lost or the feed stops.
    async fn serve(&mut self, mut active: Live) -> End {
        let mut incoming: Option<Live> = None;
        let mut dialing: Option<Dial> = None;
        let mut rotate_at = active.opened + self.settings.rotate_after;
        loop {
            let stale_at = active.last_frame + self.settings.stale_after;
            tokio::select! {
                frame = active.ws.next() => match frame {
                    Some(Ok(message)) => {
                        active.last_frame = Instant::now();
                        if self.on_message(&mut active.ws, message).await {
                            dialing.get_or_insert_with(|| self.dial());
                        }
                    }
                    other => {
                        let reason = end_reason(other);
                        // Mid-rotation, the new connection simply takes over.
                        if let Some(next) = incoming.take() {
                            tracing::info!(%reason, "binance: old connection ended during the handover");
                            active = next;
                            continue;
                        }
                        return End::Lost(reason);
                    }
                },
                frame = next_frame(&mut incoming), if incoming.is_some() => match frame {
                    Some(Ok(message)) => {
                        let Some(mut next) = incoming.take() else { continue };
                        next.last_frame = Instant::now();
                        let data = matches!(message, Message::Text(_));
                        let shutdown = self.on_message(&mut next.ws, message).await;
                        if !data {
                            incoming = Some(next);
                            continue;
                        }
                        // The new connection delivers data: the old one can go.
                        let mut old = std::mem::replace(&mut active, next);
                        let _ = old.ws.close(None).await;
                        rotate_at = active.opened + self.settings.rotate_after;
                        self.stats.rotations.fetch_add(1, Ordering::Relaxed);
                        metrics::counter!("dexmon_cex_rotations_total", "venue" => "binance").increment(1);
                        tracing::info!("binance: connection replaced without a gap");
                        if shutdown {
                            dialing = Some(self.dial());
                        }
                    }
                    other => {
                        tracing::warn!(reason = %end_reason(other), "binance: replacement connection failed; retrying");
                        incoming = None;
                        rotate_at = Instant::now() + self.settings.stale_after;
                    }
                },
                dialed = next_dial(&mut dialing), if dialing.is_some() => {
                    dialing = None;
                    match dialed {
                        Ok(next) => incoming = Some(next),
                        Err(reason) => {
                            tracing::warn!(%reason, "binance: replacement connection could not open; retrying");
                            rotate_at = Instant::now() + self.settings.stale_after;
                        }
                    }
                }
                () = tokio::time::sleep_until(rotate_at), if dialing.is_none() && incoming.is_none() => {
                    tracing::info!(after = ?self.settings.rotate_after, "binance: planned replacement before the 24-hour limit");
                    dialing = Some(self.dial());
                }
                () = tokio::time::sleep_until(stale_at) => {
                    self.stats.watchdog_trips.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("dexmon_cex_watchdog_trips_total", "venue" => "binance").increment(1);
                    return End::Lost(format!("no frame for {:?} (stale)", self.settings.stale_after));
                }
                _ = self.stop.changed() => {
                    let _ = active.ws.close(None).await;
                    return End::Stop;
                }
            }
        }
    }

    /// Opens a connection, handshake within the timeout.
    fn dial(&self) -> Dial {
        let url = self.url.clone();
        let timeout = self.settings.connect_timeout;
        Box::pin(async move {
            let (ws, _) = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(url))
                .await
                .map_err(|_| format!("no handshake within {timeout:?}"))?
                .map_err(|e| e.to_string())?;
            let now = Instant::now();
            Ok(Live {
                ws,
                opened: now,
                last_frame: now,
            })
        })
    }

    /// Handles one frame. Returns true for a `serverShutdown` event.
    async fn on_message(&mut self, ws: &mut Socket, message: Message) -> bool {
        let now_us = monotonic_us();
        self.stats.last_frame_us.store(now_us, Ordering::Relaxed);
        if self.stats.status.get().0 != SourceState::Connected {
            self.stats.status.set(SourceState::Connected, None);
        }
        match message {
            Message::Text(text) => {
                self.stats.frames.fetch_add(1, Ordering::Relaxed);
                match wire::parse(text.as_str()) {
                    Ok(Event::ServerShutdown { time_ms }) => {
                        self.stats.shutdown_events.fetch_add(1, Ordering::Relaxed);
                        tracing::info!(
                            time_ms,
                            "binance: serverShutdown; opening a new connection now"
                        );
                        return true;
                    }
                    Ok(event) => self.apply(&event, now_us),
                    Err(err) => self.malformed(&err.to_string()),
                }
            }
            Message::Ping(_) => {
                // tungstenite queued the pong with the ping's payload; send it now rather
                // than with the next read.
                self.stats.pings.fetch_add(1, Ordering::Relaxed);
                if let Err(err) = ws.flush().await {
                    tracing::debug!(%err, "binance: pong flush failed");
                }
            }
            Message::Binary(_) => self.malformed("binary frame on a JSON stream"),
            Message::Pong(_) | Message::Close(_) | Message::Frame(_) => {}
        }
        false
    }

    fn apply(&mut self, event: &Event, now_us: u64) {
        let symbol = match event {
            Event::BookTicker { symbol, .. }
            | Event::Depth { symbol, .. }
            | Event::Trade { symbol, .. } => symbol,
            Event::ServerShutdown { .. } | Event::Other { .. } => return,
        };
        let Some(book) = self.books.get_mut(symbol) else {
            self.malformed(&format!("a stream for {symbol}, which was not asked for"));
            return;
        };
        if book.apply(event, now_us) {
            self.inbox.put(book.clone());
        }
    }

    /// The connection is gone: what the books showed is no longer known. Each is handed on
    /// empty, so its price is withdrawn and its opportunities close; the next connection
    /// fills them again.
    fn withdraw_books(&mut self) {
        let now_us = monotonic_us();
        for book in self.books.values_mut() {
            *book = Book::new(book.venue, book.symbol.clone(), book.pair.clone());
            book.received_at_us = now_us;
            self.inbox.put(book.clone());
        }
    }

    fn malformed(&self, what: &str) {
        let n = self.stats.malformed.fetch_add(1, Ordering::Relaxed) + 1;
        metrics::counter!("dexmon_cex_malformed_frames_total", "venue" => "binance").increment(1);
        // The first few in full, then one in a hundred: a broken upstream must not flood the log.
        if n <= 10 || n.is_multiple_of(100) {
            tracing::warn!(count = n, error = %what, "binance: frame skipped");
        }
    }
}

async fn next_dial(dial: &mut Option<Dial>) -> Result<Live, String> {
    match dial {
        Some(dial) => dial.await,
        None => std::future::pending().await,
    }
}

async fn next_frame(
    live: &mut Option<Live>,
) -> Option<Result<Message, tokio_tungstenite::tungstenite::Error>> {
    match live {
        Some(live) => live.ws.next().await,
        None => std::future::pending().await,
    }
}

fn end_reason(frame: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) -> String {
    match frame {
        Some(Ok(Message::Close(Some(c)))) => {
            format!("closed by the server: {} {}", c.code, c.reason)
        }
        Some(Ok(_)) | None => "connection closed".to_owned(),
        Some(Err(e)) => format!("read failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_three_streams_per_symbol_in_lower_case() {
        assert_eq!(
            stream_url("wss://stream.binance.com:9443/", &["SOLUSDC".into()]),
            "wss://stream.binance.com:9443/stream?streams=solusdc@bookTicker/solusdc@depth20@100ms/solusdc@trade"
        );
    }
}
