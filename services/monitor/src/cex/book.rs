//! One symbol's order book as the feed knows it: the top levels from the partial-depth stream,
//! with the best bid and ask replaced by the real-time `bookTicker` whenever that is newer,
//! and the last trade.

use super::wire::{Event, Level, to_f64};

/// One exchange symbol's book, mapped to our pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    /// `binance`.
    pub venue: &'static str,
    /// The exchange's symbol, upper case (`SOLUSDC`).
    pub symbol: String,
    /// Our pair (`SOL/USDC`), as configured.
    pub pair: String,
    /// Best first.
    pub bids: Vec<Level>,
    /// Best first.
    pub asks: Vec<Level>,
    depth_update_id: u64,
    ticker: Option<(u64, Level, Level)>,
    last_trade_id: Option<u64>,
    /// The last trade: price ×10^8 and its time, Unix milliseconds.
    pub last_trade: Option<(u64, u64)>,
    /// When the latest change arrived, [`crate::clock::monotonic_us`].
    pub received_at_us: u64,
}

impl Book {
    pub fn new(venue: &'static str, symbol: impl Into<String>, pair: impl Into<String>) -> Self {
        Self {
            venue,
            symbol: symbol.into(),
            pair: pair.into(),
            bids: Vec::new(),
            asks: Vec::new(),
            depth_update_id: 0,
            ticker: None,
            last_trade_id: None,
            last_trade: None,
            received_at_us: 0,
        }
    }

    /// `venue:SYMBOL`, the book's id where a pool address would be.
    pub fn id(&self) -> String {
        format!("{}:{}", self.venue, self.symbol)
    }

    /// Applies an event for this symbol. Returns whether the book or last trade changed; an
    /// event older than what the book holds (a second connection's copy during a rotation)
    /// changes nothing.
    pub fn apply(&mut self, event: &Event, now_us: u64) -> bool {
        let changed = match event {
            Event::Depth {
                last_update_id,
                bids,
                asks,
                ..
            } => {
                if *last_update_id <= self.depth_update_id {
                    return false;
                }
                self.depth_update_id = *last_update_id;
                self.bids.clone_from(bids);
                self.asks.clone_from(asks);
                // A ticker newer than this depth still knows the top better.
                if let Some((id, bid, ask)) = self.ticker
                    && id > *last_update_id
                {
                    self.set_top(bid, ask);
                }
                true
            }
            Event::BookTicker {
                update_id,
                bid,
                ask,
                ..
            } => {
                if self.ticker.is_some_and(|(id, _, _)| id >= *update_id) {
                    return false;
                }
                self.ticker = Some((*update_id, *bid, *ask));
                if *update_id > self.depth_update_id {
                    self.set_top(*bid, *ask);
                }
                true
            }
            Event::Trade {
                trade_id,
                price_e8,
                time_ms,
                ..
            } => {
                if self.last_trade_id.is_some_and(|id| id >= *trade_id) {
                    return false;
                }
                self.last_trade_id = Some(*trade_id);
                self.last_trade = Some((*price_e8, *time_ms));
                true
            }
            Event::ServerShutdown { .. } | Event::Other { .. } => false,
        };
        if changed {
            self.received_at_us = now_us;
        }
        changed
    }

    /// Puts the ticker's best levels on top: levels at or through them are gone.
    fn set_top(&mut self, bid: Level, ask: Level) {
        self.bids.retain(|l| l.price_e8 < bid.price_e8);
        if bid.qty_e8 > 0 {
            self.bids.insert(0, bid);
        }
        self.asks.retain(|l| l.price_e8 > ask.price_e8);
        if ask.qty_e8 > 0 {
            self.asks.insert(0, ask);
        }
    }

    /// Best bid and ask, ×10^8, when both sides have a level.
    pub fn top(&self) -> Option<(u64, u64)> {
        Some((self.bids.first()?.price_e8, self.asks.first()?.price_e8))
    }

    /// The mid, bid and ask for display.
    pub fn display_prices(&self) -> Option<(f64, f64, f64)> {
        let (bid, ask) = self.top()?;
        let (bid, ask) = (to_f64(bid), to_f64(ask));
        Some(((bid + ask) / 2.0, bid, ask))
    }

    /// The visible depth's value in quote units, both sides, for display.
    pub fn depth_value(&self) -> f64 {
        self.bids
            .iter()
            .chain(&self.asks)
            .map(|l| to_f64(l.price_e8) * to_f64(l.qty_e8))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(price: u64, qty: u64) -> Level {
        Level {
            price_e8: price,
            qty_e8: qty,
        }
    }

    fn depth(id: u64) -> Event {
        Event::Depth {
            symbol: "SOLUSDC".into(),
            last_update_id: id,
            bids: vec![level(100, 1), level(99, 2), level(98, 3)],
            asks: vec![level(101, 1), level(102, 2), level(103, 3)],
        }
    }

    fn ticker(id: u64, bid: u64, ask: u64) -> Event {
        Event::BookTicker {
            symbol: "SOLUSDC".into(),
            update_id: id,
            bid: level(bid, 5),
            ask: level(ask, 6),
        }
    }

    #[test]
    fn a_newer_ticker_replaces_the_top_of_the_depth() {
        let mut book = Book::new("binance", "SOLUSDC", "SOL/USDC");
        assert!(book.apply(&depth(10), 1));
        assert!(book.apply(&ticker(11, 99, 102), 2));
        // Levels through the new best are gone; the ticker's levels are on top.
        assert_eq!(book.bids, vec![level(99, 5), level(98, 3)]);
        assert_eq!(book.asks, vec![level(102, 6), level(103, 3)]);
        assert_eq!(book.top(), Some((99, 102)));
        assert_eq!(book.received_at_us, 2);
    }

    #[test]
    fn older_copies_change_nothing() {
        let mut book = Book::new("binance", "SOLUSDC", "SOL/USDC");
        book.apply(&ticker(20, 99, 102), 1);
        // A depth older than the ticker keeps the ticker's top.
        assert!(book.apply(&depth(15), 2));
        assert_eq!(book.top(), Some((99, 102)));
        assert!(!book.apply(&depth(15), 3), "the same depth again");
        assert!(!book.apply(&ticker(20, 1, 2), 3), "the same ticker again");
        let trade = |id| Event::Trade {
            symbol: "SOLUSDC".into(),
            trade_id: id,
            price_e8: 100,
            qty_e8: 1,
            time_ms: 5,
        };
        assert!(book.apply(&trade(7), 4));
        assert!(!book.apply(&trade(7), 5), "a trade is counted once");
        assert_eq!(book.last_trade, Some((100, 5)));
    }
}
