//! A local picture of the market, merged from snapshots and updates.

use std::collections::{BTreeMap, HashMap};

use protocol::{Channel, Opportunity, OpportunityStatus, PriceUpdate, ServerMessage};

use crate::Event;

/// What buying base costs at a venue: a pool's price, an exchange book's ask.
fn buy_at(p: &PriceUpdate) -> f64 {
    p.ask.unwrap_or(p.price)
}

/// What selling base fetches at a venue: a pool's price, an exchange book's bid.
fn sell_at(p: &PriceUpdate) -> f64 {
    p.bid.unwrap_or(p.price)
}

/// The latest price of every pool and the open opportunities, as the events seen so far say.
///
/// A `prices` or `opportunities` snapshot replaces that part of the view; updates change one
/// entry; an opportunity's `close` removes it. [`Client`](crate::Client) keeps one when
/// [`Config::view`](crate::Config::view) is on, applying each event as the application takes
/// it, so the view always matches the events already returned. It can also be fed by hand:
///
/// ```
/// use dexmon_client::MarketView;
/// use dexmon_client::protocol::{ServerMessage, decode_server, Codec};
///
/// let json = r#"{"type":"price_update","seq":1,"timestamp":"2026-01-11T12:34:56.789Z","pair":"SOL/USDC","dex":"orca","pool_type":"whirlpool","pool":"P1","price":176.2,"liquidity":1.0,"slot":1,"last_update_ms":1}"#;
/// let mut view = MarketView::default();
/// view.apply(&decode_server(json.as_bytes(), Codec::Json)?);
/// assert_eq!(view.best_ask("SOL/USDC").map(|p| p.price), Some(176.2));
/// # Ok::<(), dexmon_client::protocol::ServerParseError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MarketView {
    prices: HashMap<String, PriceUpdate>,
    opportunities: BTreeMap<String, Opportunity>,
}

impl MarketView {
    /// Merges one server message.
    pub fn apply(&mut self, message: &ServerMessage) {
        match message {
            ServerMessage::Snapshot(s) => match s.channel {
                Channel::Prices => {
                    self.prices = s
                        .prices
                        .iter()
                        .flatten()
                        .map(|p| (p.pool.clone(), p.clone()))
                        .collect();
                }
                Channel::Opportunities => {
                    self.opportunities = s
                        .opportunities
                        .iter()
                        .flatten()
                        .filter(|o| o.status != OpportunityStatus::Close)
                        .map(|o| (o.id.clone(), o.clone()))
                        .collect();
                }
                Channel::Health | Channel::Logs => {}
            },
            ServerMessage::PriceUpdate(p) => {
                self.prices.insert(p.pool.clone(), p.clone());
            }
            ServerMessage::Opportunity(o) => {
                if o.status == OpportunityStatus::Close {
                    self.opportunities.remove(&o.id);
                } else {
                    self.opportunities.insert(o.id.clone(), o.clone());
                }
            }
            _ => {}
        }
    }

    /// Merges an [`Event`]: its message, if it carries one.
    pub fn apply_event(&mut self, event: &Event) {
        if let Event::Message(m) = event {
            self.apply(m);
        }
    }

    /// The latest price of a pool, by its address.
    pub fn price(&self, pool: &str) -> Option<&PriceUpdate> {
        self.prices.get(pool)
    }

    /// Every pool's latest price, in no particular order.
    pub fn prices(&self) -> impl Iterator<Item = &PriceUpdate> {
        self.prices.values()
    }

    /// Every pool of `pair` (`BASE/QUOTE`), in no particular order.
    pub fn pools_of<'a>(&'a self, pair: &'a str) -> impl Iterator<Item = &'a PriceUpdate> + 'a {
        self.prices.values().filter(move |p| p.pair == pair)
    }

    /// The venue of `pair` where base is cheapest to buy: the lowest pool price, or an
    /// exchange book's `ask` (never its mid, at which nobody sells).
    pub fn best_ask(&self, pair: &str) -> Option<&PriceUpdate> {
        self.prices
            .values()
            .filter(|p| p.pair == pair)
            .min_by(|a, b| buy_at(a).total_cmp(&buy_at(b)))
    }

    /// The venue of `pair` where base sells for the most: the highest pool price, or an
    /// exchange book's `bid`.
    pub fn best_bid(&self, pair: &str) -> Option<&PriceUpdate> {
        self.prices
            .values()
            .filter(|p| p.pair == pair)
            .max_by(|a, b| sell_at(a).total_cmp(&sell_at(b)))
    }

    /// The open opportunities, by id.
    pub fn opportunities(&self) -> impl Iterator<Item = &Opportunity> {
        self.opportunities.values()
    }

    /// One open opportunity by its id.
    pub fn opportunity(&self, id: &str) -> Option<&Opportunity> {
        self.opportunities.get(id)
    }

    /// How many pools have a price.
    pub fn pool_count(&self) -> usize {
        self.prices.len()
    }
}

#[cfg(test)]
mod tests {
    use protocol::Timestamp;

    use super::*;

    fn price(pool: &str, price: f64, book: Option<(f64, f64)>) -> ServerMessage {
        ServerMessage::PriceUpdate(PriceUpdate {
            seq: 1,
            timestamp: Timestamp::from_unix_millis(0),
            pair: "SOL/USDC".into(),
            dex: if book.is_some() { "binance" } else { "orca" }.into(),
            pool_type: if book.is_some() {
                "cex_book"
            } else {
                "whirlpool"
            }
            .into(),
            pool: pool.into(),
            price,
            liquidity: 1.0,
            slot: 0,
            last_update_ms: 0,
            update_received_us: None,
            bid: book.map(|b| b.0),
            ask: book.map(|b| b.1),
        })
    }

    #[test]
    fn an_exchange_book_is_bought_at_its_ask_and_sold_at_its_bid() {
        let mut view = MarketView::default();
        view.apply(&price("pool", 100.05, None));
        // Mid 100.0 is below the pool, but buying there costs the ask, 100.1.
        view.apply(&price("binance:SOLUSDC", 100.0, Some((99.9, 100.1))));
        assert_eq!(
            view.best_ask("SOL/USDC").map(|p| p.pool.as_str()),
            Some("pool")
        );
        view.apply(&price("pool", 99.95, None));
        // Mid 100.0 is above the pool, but selling there fetches the bid, 99.9.
        assert_eq!(
            view.best_bid("SOL/USDC").map(|p| p.pool.as_str()),
            Some("pool")
        );
        view.apply(&price("binance:SOLUSDC", 100.2, Some((100.15, 100.25))));
        assert_eq!(
            view.best_bid("SOL/USDC").map(|p| p.pool.as_str()),
            Some("binance:SOLUSDC")
        );
    }
}
