//! Centralized-exchange order books as inputs, and their exact integer arithmetic.
//!
//! Binance spot prices and quantities have at most 8 decimals, so they are carried exactly as
//! integers ×10^8 of whole tokens: a level's notional `price_e8 × qty_e8` is quote ×10^16.
//! Converting to a mint's raw units rounds what the trader receives down and what the trader
//! pays up.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::BookError;
use crate::graph::{HashMap, PairKey, pair_key};
use crate::input::Mint;

/// One price level of a book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CexLevel {
    /// Quote per base, whole tokens, ×10^8.
    pub price_e8: u64,
    /// Base quantity, whole tokens, ×10^8.
    pub qty_e8: u64,
}

/// A centralized exchange's visible order book for one symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CexBook {
    /// The exchange, for example `binance`.
    pub venue: String,
    /// The exchange's symbol, for example `SOLUSDC`.
    pub symbol: String,
    /// The mint the symbol's base asset maps to.
    pub base_mint: Mint,
    /// The mint the symbol's quote asset maps to (explicitly: USDT is not USDC).
    pub quote_mint: Mint,
    /// Bids, best (highest) first.
    pub bids: Vec<CexLevel>,
    /// Asks, best (lowest) first.
    pub asks: Vec<CexLevel>,
    /// When the book arrived, in microseconds on the caller's clock.
    pub received_at_us: u64,
}

impl CexBook {
    /// `venue:SYMBOL`, the book's id in legs and on the wire.
    pub fn market_id(&self) -> String {
        format!("{}:{}", self.venue, self.symbol)
    }

    /// Checks the book can be traded against: distinct mints, no zero price or quantity,
    /// levels best first, not crossed. Either side may be empty.
    ///
    /// # Errors
    /// The first [`BookError`] found.
    pub fn validate(&self) -> Result<(), BookError> {
        if self.base_mint == self.quote_mint {
            return Err(BookError::SameMint);
        }
        for (side, levels, better) in [
            ("bids", &self.bids, (|a, b| a > b) as fn(u64, u64) -> bool),
            ("asks", &self.asks, |a, b| a < b),
        ] {
            for (index, level) in levels.iter().enumerate() {
                if level.price_e8 == 0 || level.qty_e8 == 0 {
                    return Err(BookError::ZeroLevel { side, index });
                }
                if index > 0 && !better(levels[index - 1].price_e8, level.price_e8) {
                    return Err(BookError::Unsorted { side, index });
                }
            }
        }
        if let (Some(bid), Some(ask)) = (self.bids.first(), self.asks.first())
            && bid.price_e8 >= ask.price_e8
        {
            return Err(BookError::Crossed);
        }
        Ok(())
    }
}

/// Walks `levels` (best first) for `qty_e8` of base: the notional, quote ×10^16, or `None`
/// when the visible levels hold less.
pub(crate) fn walk(levels: &[CexLevel], qty_e8: u64) -> Option<u128> {
    let mut left = qty_e8;
    let mut notional = 0u128;
    for level in levels {
        if left == 0 {
            break;
        }
        let take = left.min(level.qty_e8);
        notional = notional.checked_add(u128::from(level.price_e8) * u128::from(take))?;
        left -= take;
    }
    (left == 0).then_some(notional)
}

/// The base quantity on one side, ×10^8.
pub(crate) fn depth(levels: &[CexLevel]) -> u64 {
    levels
        .iter()
        .fold(0u64, |sum, level| sum.saturating_add(level.qty_e8))
}

/// `value` with `from` decimals as a number with `to` decimals, rounded down, or up when
/// `up`. `None` when it does not fit.
pub(crate) fn rescale(value: u128, from: u32, to: u32, up: bool) -> Option<u128> {
    if to >= from {
        value.checked_mul(10u128.checked_pow(to - from)?)
    } else {
        let d = 10u128.checked_pow(from - to)?;
        Some(if up { value.div_ceil(d) } else { value / d })
    }
}

/// `ceil(value × bps / 10,000)`, without overflow.
pub(crate) fn bps_up(value: u128, bps: u32) -> u128 {
    let bps = u128::from(bps);
    let whole = value / 10_000 * bps;
    let rest = value % 10_000 * bps;
    whole + rest.div_ceil(10_000)
}

/// The books held, by a stable index per `venue:SYMBOL` (reused if the book returns), and
/// the books of each pair.
#[derive(Debug, Default)]
pub(crate) struct Books {
    index: BTreeMap<(String, String), usize>,
    books: Vec<Option<CexBook>>,
    by_pair: HashMap<PairKey, BTreeSet<usize>>,
}

impl Books {
    pub(crate) fn get(&self, book: usize) -> Option<&CexBook> {
        self.books.get(book)?.as_ref()
    }

    pub(crate) fn find(&self, venue: &str, symbol: &str) -> Option<usize> {
        self.index
            .get(&(venue.to_owned(), symbol.to_owned()))
            .copied()
    }

    /// The books of a pair, in index order.
    pub(crate) fn of_pair(&self, key: &PairKey) -> Vec<usize> {
        self.by_pair
            .get(key)
            .map(|b| b.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Stores a book; returns its index and whether its mints changed from the book held.
    pub(crate) fn insert(&mut self, book: CexBook) -> (usize, bool) {
        let key = (book.venue.clone(), book.symbol.clone());
        let pair = pair_key(book.base_mint, book.quote_mint);
        let index = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.books.push(None);
                self.index.insert(key, self.books.len() - 1);
                self.books.len() - 1
            }
        };
        let remapped = match self.get(index) {
            Some(old) => (old.base_mint, old.quote_mint) != (book.base_mint, book.quote_mint),
            None => false,
        };
        if remapped {
            self.unlink(index);
        }
        self.by_pair.entry(pair).or_default().insert(index);
        if let Some(slot) = self.books.get_mut(index) {
            *slot = Some(book);
        }
        (index, remapped)
    }

    /// Drops a book; returns its index if it was held.
    pub(crate) fn remove(&mut self, venue: &str, symbol: &str) -> Option<usize> {
        let index = self.find(venue, symbol)?;
        self.get(index)?;
        self.unlink(index);
        if let Some(slot) = self.books.get_mut(index) {
            *slot = None;
        }
        Some(index)
    }

    fn unlink(&mut self, index: usize) {
        let Some(book) = self.get(index) else {
            return;
        };
        let pair = pair_key(book.base_mint, book.quote_mint);
        if let Some(set) = self.by_pair.get_mut(&pair) {
            set.remove(&index);
            if set.is_empty() {
                self.by_pair.remove(&pair);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(price_e8: u64, qty_e8: u64) -> CexLevel {
        CexLevel { price_e8, qty_e8 }
    }

    #[test]
    fn walking_takes_levels_best_first_and_stops_at_the_visible_depth() {
        let bids = [
            level(180 * 100_000_000, 2 * 100_000_000),
            level(179 * 100_000_000, 100_000_000),
        ];
        // 2.5 SOL: 2 at 180, 0.5 at 179.
        assert_eq!(
            walk(&bids, 250_000_000),
            Some(2 * 180 * 10u128.pow(16) + 179 * 10u128.pow(16) / 2)
        );
        assert_eq!(walk(&bids, 300_000_000), Some(539 * 10u128.pow(16)));
        assert_eq!(walk(&bids, 300_000_001), None);
        assert_eq!(depth(&bids), 300_000_000);
    }

    #[test]
    fn rescaling_rounds_the_way_it_is_told() {
        assert_eq!(rescale(1_234_567_891, 9, 8, false), Some(123_456_789));
        assert_eq!(rescale(1_234_567_891, 9, 8, true), Some(123_456_790));
        assert_eq!(rescale(1_234_567_890, 9, 8, true), Some(123_456_789));
        assert_eq!(rescale(123, 8, 9, false), Some(1_230));
        assert_eq!(rescale(1, 0, 39, false), None);
        assert_eq!(bps_up(10_001, 10), 11);
        assert_eq!(bps_up(10_000, 10), 10);
        // ceil(MAX / 1,000), without the overflow of MAX × 10.
        assert_eq!(bps_up(u128::MAX, 10), u128::MAX / 1_000 + 1);
    }

    #[test]
    fn invalid_books_are_named() {
        let mut book = CexBook {
            venue: "binance".into(),
            symbol: "SOLUSDC".into(),
            base_mint: [1; 32],
            quote_mint: [2; 32],
            bids: vec![level(100, 1), level(99, 1)],
            asks: vec![level(101, 1), level(102, 1)],
            received_at_us: 0,
        };
        assert_eq!(book.validate(), Ok(()));
        book.asks[0].price_e8 = 100;
        assert_eq!(book.validate(), Err(BookError::Crossed));
        book.asks[0].price_e8 = 103;
        assert_eq!(
            book.validate(),
            Err(BookError::Unsorted {
                side: "asks",
                index: 1
            })
        );
        book.asks.clear();
        book.bids[1].qty_e8 = 0;
        assert_eq!(
            book.validate(),
            Err(BookError::ZeroLevel {
                side: "bids",
                index: 1
            })
        );
        book.quote_mint = book.base_mint;
        assert_eq!(book.validate(), Err(BookError::SameMint));
    }
}
