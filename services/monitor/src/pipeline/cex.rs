//! Exchange books through the pipeline: each changed book's mid, bid and ask become a
//! `price_update` of pool type `cex_book` (under the same move-or-refresh throttle as pools),
//! and the book goes to the detector's `cex_dex` strategy as exact ×10^8 levels. An emptied
//! book (its feed lost the connection) withdraws the price and closes its opportunities.

use std::sync::atomic::Ordering;

use protocol::{LogLevel, PriceUpdate, ServerMessage, Timestamp};

use super::{LastPrice, Pipeline};
use crate::cex::Book;
use crate::clock::{BatchClock, monotonic_us};

impl Pipeline {
    /// Processes the books that changed since the last call, at `clock`.
    pub fn process_books(&mut self, books: Vec<Book>, clock: BatchClock) {
        self.clock = clock;
        // Prices first, as for pools: detection must not delay any book's price.
        let mut live = Vec::with_capacity(books.len());
        for book in books {
            if book.bids.is_empty() && book.asks.is_empty() {
                self.withdraw_book(&book);
            } else {
                self.publish_book(&book);
                live.push(book);
            }
        }
        for book in &live {
            self.detect_book(book);
        }
    }

    fn withdraw_book(&mut self, book: &Book) {
        let id = book.id();
        self.last_cex_price.remove(&id);
        self.hub.withdraw_price(&id);
        let events = self
            .detector
            .remove_cex(book.venue, &book.symbol, self.clock.now_us);
        self.publish_events(events, None);
    }

    fn detect_book(&mut self, book: &Book) {
        let Some((base, quote)) = book.pair.split_once('/') else {
            return;
        };
        let mints = self
            .tokens
            .resolve(base)
            .and_then(|b| self.tokens.resolve(quote).map(|q| (b, q)));
        let (base_mint, quote_mint) = match mints {
            Ok(mints) => mints,
            Err(why) => {
                // Prices still show; without mints there is nothing to trade against.
                if self.logged_books.insert(book.id()) {
                    self.log(
                        LogLevel::Warning,
                        &format!(
                            "{}: no cex_dex detection for {}: {why}",
                            book.id(),
                            book.pair
                        ),
                        &[("book", book.id())],
                    );
                }
                return;
            }
        };
        let level = |l: &crate::cex::wire::Level| detector::CexLevel {
            price_e8: l.price_e8,
            qty_e8: l.qty_e8,
        };
        let input = detector::CexBook {
            venue: book.venue.to_owned(),
            symbol: book.symbol.clone(),
            base_mint: base_mint.to_bytes(),
            quote_mint: quote_mint.to_bytes(),
            bids: book.bids.iter().map(level).collect(),
            asks: book.asks.iter().map(level).collect(),
            received_at_us: book.received_at_us,
        };
        let events = self.detector.apply_cex(input, self.clock.now_us);
        self.stats
            .record_latency(monotonic_us().saturating_sub(book.received_at_us));
        self.publish_events(events, Some(book.received_at_us));
    }

    fn publish_book(&mut self, book: &Book) {
        let Some((mid, bid, ask)) = book.display_prices() else {
            return;
        };
        if !(mid.is_finite() && mid > 0.0) {
            return;
        }
        let id = book.id();
        let now = self.clock.now_us;
        if self
            .prices
            .holds_back(self.last_cex_price.get(&id), mid, now)
        {
            return;
        }
        self.last_cex_price.insert(
            id.clone(),
            LastPrice {
                price: mid,
                at_us: now,
            },
        );
        self.stats.prices_published.fetch_add(1, Ordering::Relaxed);
        self.hub.publish(ServerMessage::PriceUpdate(PriceUpdate {
            seq: 0,
            timestamp: Timestamp::default(),
            pair: book.pair.clone(),
            dex: book.venue.to_owned(),
            pool_type: "cex_book".to_owned(),
            pool: id,
            price: mid,
            liquidity: book.depth_value(),
            // Exchange books have no slot.
            slot: 0,
            last_update_ms: now.saturating_sub(book.received_at_us) / 1_000,
            update_received_us: Some(self.clock.unix_us_of(book.received_at_us)),
            bid: Some(bid),
            ask: Some(ask),
        }));
    }
}
