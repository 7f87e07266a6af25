//! Centralized-exchange reference prices: Binance spot market data over its combined-stream
//! WebSocket endpoint.
//!
//! ```text
//! feed.rs (one connection per group of symbols: bookTicker + depth20@100ms + trade)
//!   ├─ wire.rs: frame ─▶ Event (exact ×10^8 decimals, typed errors)
//!   ├─ book.rs: Event ─▶ Book (depth with the real-time best bid/ask on top, last trade)
//!   └─ BookInbox: the latest Book per symbol ─▶ pipeline (price_update `cex_book`, detector)
//! ```
//!
//! The feed keeps the rules Binance documents: pongs echo the ping's payload (tungstenite
//! answers pings as it reads), a connection is replaced before its 24-hour limit by opening the
//! new one first, `serverShutdown` triggers the same replacement at once, a silent connection
//! trips a watchdog, and lost connections come back with [`crate::backoff::Backoff`].

pub mod book;
pub mod config;
pub mod feed;
pub mod wire;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

pub use book::Book;

use crate::backoff::Backoff;
use crate::source::SourceStatus;

/// Binance's public spot market-data endpoint.
pub const DEFAULT_BINANCE_ENDPOINT: &str = "wss://stream.binance.com:9443";
/// Streams per symbol (`bookTicker`, `depth20@100ms`, `trade`); Binance allows 1,024 streams
/// per connection, so a connection carries at most this many symbols.
pub const MAX_SYMBOLS_PER_CONNECTION: usize = 300;

/// How to follow Binance.
#[derive(Debug, Clone)]
pub struct BinanceSettings {
    /// `wss://host:port`, without a path.
    pub endpoint: String,
    /// Exchange symbol (`SOLUSDC`) to our pair (`SOL/USDC`). Explicit: a USDT book is never
    /// taken for a USDC pair.
    pub symbols: BTreeMap<String, String>,
    /// No frame for this long trips the watchdog and replaces the connection.
    pub stale_after: Duration,
    /// A connection is replaced (new one first) after this long; Binance closes at 24 h.
    pub rotate_after: Duration,
    pub connect_timeout: Duration,
    pub backoff: Backoff,
    pub symbols_per_connection: usize,
}

impl BinanceSettings {
    /// Binance's endpoint, the given symbols, a 10 s watchdog and rotation after 23 h.
    pub fn new(symbols: BTreeMap<String, String>) -> Self {
        Self {
            endpoint: DEFAULT_BINANCE_ENDPOINT.to_owned(),
            symbols,
            stale_after: Duration::from_secs(10),
            rotate_after: Duration::from_secs(23 * 3600),
            connect_timeout: Duration::from_secs(10),
            backoff: Backoff::upstream(),
            symbols_per_connection: MAX_SYMBOLS_PER_CONNECTION,
        }
    }
}

/// The latest book of every symbol, waiting for the pipeline. A newer book of a symbol
/// replaces an unread one: the pipeline always works on the current book.
#[derive(Debug, Default)]
pub struct BookInbox {
    latest: Mutex<BTreeMap<String, Book>>,
    ready: Notify,
}

impl BookInbox {
    pub fn put(&self, book: Book) {
        self.latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(book.id(), book);
        self.ready.notify_one();
    }

    /// Every book that changed since the last call, in id order.
    pub fn take(&self) -> Vec<Book> {
        std::mem::take(&mut *self.latest.lock().unwrap_or_else(PoisonError::into_inner))
            .into_values()
            .collect()
    }

    /// Whether a book changed since the last [`Self::take`].
    pub fn has_changes(&self) -> bool {
        !self
            .latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// Waits until a book is put.
    pub async fn changed(&self) {
        self.ready.notified().await;
    }
}

/// What a venue's feed has done, for health, `/ready` and `/metrics`.
#[derive(Debug)]
pub struct FeedStats {
    pub status: SourceStatus,
    /// When the last frame arrived, [`crate::clock::monotonic_us`]; 0 before the first.
    pub last_frame_us: AtomicU64,
    pub frames: AtomicU64,
    pub malformed: AtomicU64,
    pub pings: AtomicU64,
    pub rotations: AtomicU64,
    pub shutdown_events: AtomicU64,
    pub watchdog_trips: AtomicU64,
}

impl FeedStats {
    pub fn new(venue: &str) -> Self {
        let status = SourceStatus::new(venue);
        status.set(
            protocol::SourceState::Reconnecting,
            Some("connecting".into()),
        );
        Self {
            status,
            last_frame_us: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            malformed: AtomicU64::new(0),
            pings: AtomicU64::new(0),
            rotations: AtomicU64::new(0),
            shutdown_events: AtomicU64::new(0),
            watchdog_trips: AtomicU64::new(0),
        }
    }

    /// Milliseconds since the last frame, if one arrived.
    pub fn last_frame_age_ms(&self, now_us: u64) -> Option<u64> {
        match self.last_frame_us.load(Ordering::Relaxed) {
            0 => None,
            at => Some(now_us.saturating_sub(at) / 1_000),
        }
    }
}
