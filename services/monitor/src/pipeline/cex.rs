//! Exchange books through the pipeline: each changed book's mid, bid and ask become a
//! `price_update` of pool type `cex_book`, under the same move-or-refresh throttle as pools.

use std::sync::atomic::Ordering;

use protocol::{PriceUpdate, ServerMessage, Timestamp};

use super::{LastPrice, Pipeline};
use crate::cex::Book;
use crate::clock::BatchClock;

impl Pipeline {
    /// Processes the books that changed since the last call, at `clock`.
    pub fn process_books(&mut self, books: Vec<Book>, clock: BatchClock) {
        self.clock = clock;
        for book in books {
            self.publish_book(&book);
        }
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
        if let Some(last) = self.last_cex_price.get(&id)
            && (mid / last.price - 1.0).abs() < self.prices.min_move
            && now.saturating_sub(last.at_us) < self.prices.refresh_us
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
            bid: Some(bid),
            ask: Some(ask),
        }));
    }
}
