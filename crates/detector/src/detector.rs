//! The detector: routes each pool update or exchange book to the strategies it affects and
//! their candidates through valuation into the opportunity lifecycle.

use std::collections::BTreeMap;

use crate::cex::{Books, CexBook};
use crate::config::DetectorConfig;
use crate::error::{ConfigError, RejectReason};
use crate::graph::{Graph, pair_key};
use crate::input::{Mint, PoolAddress, PoolUpdate, TokenInfo};
use crate::lifecycle::{Evaluation, Lifecycle, OppKey};
use crate::opportunity::{Opportunity, OpportunityEvent, pool_label};
use crate::strategy::statistical::{self, Spreads};
use crate::strategy::{Candidate, arrival, cex_dex, spatial, triangular};
use crate::valuation::Valuation;

/// The arbitrage detector. Feed it pool updates and exchange books in order; it returns the
/// opportunity events each causes. It reads no clock: every time comes from the caller.
#[derive(Debug)]
pub struct Detector {
    config: DetectorConfig,
    graph: Graph,
    books: Books,
    spreads: Spreads,
    lifecycle: Lifecycle,
}

impl Detector {
    /// A detector with a checked configuration. `sol_mint` is wrapped SOL, used to convert
    /// transaction costs.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first field out of range (see [`DetectorConfig::validate`]).
    pub fn new(config: DetectorConfig, sol_mint: Mint) -> Result<Self, ConfigError> {
        Ok(Self {
            config: config.validate()?,
            graph: Graph::new(sol_mint),
            books: Books::default(),
            spreads: Spreads::default(),
            lifecycle: Lifecycle::default(),
        })
    }

    /// Registers a token's symbol, decimals and quote preference.
    pub fn register_token(&mut self, token: TokenInfo) {
        self.graph.register_token(token);
    }

    /// How many candidates each validation rule refused so far.
    pub fn rejections(&self) -> &BTreeMap<RejectReason, u64> {
        self.lifecycle.rejections()
    }

    /// Open opportunities, by id.
    pub fn open_opportunities(&self) -> impl Iterator<Item = &Opportunity> {
        self.lifecycle.opportunities()
    }

    /// Number of triangles in the token graph.
    pub fn triangle_count(&self) -> usize {
        self.graph.triangle_count()
    }

    /// Applies a pool update at decision time `now_us` and returns the events it causes.
    pub fn apply(&mut self, update: PoolUpdate, now_us: u64) -> Vec<OpportunityEvent> {
        let address = update.address;
        match self.graph.upsert(update) {
            Some(pair) => self.evaluate_affected(address, pair, now_us),
            None => Vec::new(),
        }
    }

    /// Removes a pool; its opportunities close.
    pub fn remove_pool(&mut self, address: &PoolAddress, now_us: u64) -> Vec<OpportunityEvent> {
        let _ = now_us;
        if !self.graph.remove(address) {
            return Vec::new();
        }
        self.spreads
            .retain(|(p, q), _| p != address && q != address);
        self.lifecycle
            .close_where(|_, o| o.legs.iter().any(|l| l.pool == *address))
    }

    /// Takes an exchange's new book at decision time `now_us` and returns the events it
    /// causes: each pool of the book's pair is evaluated against it, both ways. A book that
    /// fails [`CexBook::validate`] is dropped (its opportunities close) and counted as
    /// [`RejectReason::InvalidBook`].
    pub fn apply_cex(&mut self, book: CexBook, now_us: u64) -> Vec<OpportunityEvent> {
        if book.validate().is_err() {
            self.lifecycle.count(RejectReason::InvalidBook);
            return self.remove_cex(&book.venue, &book.symbol, now_us);
        }
        let pair = pair_key(book.base_mint, book.quote_mint);
        let trigger_at_us = book.received_at_us;
        let (index, remapped) = self.books.insert(book);
        let mut events = Vec::new();
        if remapped {
            // The symbol now maps to other mints: what it found before no longer holds.
            events.extend(self.close_book(index));
        }
        let pools: Vec<PoolAddress> = self
            .graph
            .pair_of(pair.0, pair.1)
            .and_then(|p| self.graph.pair(p))
            .map(|p| p.pools.iter().copied().collect())
            .unwrap_or_default();
        for pool in pools {
            events.extend(self.cex_dex(index, pool, trigger_at_us, now_us));
        }
        events
    }

    /// Removes an exchange's book (its feed stopped, or the symbol is no longer followed);
    /// its opportunities close.
    pub fn remove_cex(&mut self, venue: &str, symbol: &str, now_us: u64) -> Vec<OpportunityEvent> {
        let _ = now_us;
        let Some(index) = self.books.find(venue, symbol) else {
            return Vec::new();
        };
        let events = self.close_book(index);
        self.books.remove(venue, symbol);
        events
    }

    fn close_book(&mut self, index: usize) -> Vec<OpportunityEvent> {
        self.lifecycle
            .close_where(|key, _| matches!(key, OppKey::CexDex { book, .. } if *book == index))
    }

    fn evaluate_affected(
        &mut self,
        address: PoolAddress,
        pair: usize,
        now_us: u64,
    ) -> Vec<OpportunityEvent> {
        let mut events = Vec::new();
        let Some(entry) = self.graph.pair(pair) else {
            return events;
        };
        let key = entry.key;
        let others: Vec<PoolAddress> = entry
            .pools
            .iter()
            .filter(|p| **p != address)
            .copied()
            .collect();
        let triangles: Vec<usize> = entry.triangles.iter().copied().collect();
        let (base, quote) = self.graph.orient(key);
        let trigger_at = arrival(&self.graph, &address, now_us);
        for other in &others {
            for (buy, sell) in [(address, *other), (*other, address)] {
                let route = spatial::Route {
                    buy,
                    sell,
                    base,
                    quote,
                };
                let candidate = spatial::candidate(&self.graph, route, trigger_at);
                let key = OppKey::Spatial { buy, sell };
                let evaluation = self.value(key, candidate, now_us);
                events.extend(self.track(key, evaluation, now_us));
            }
            let (p, q) = if address <= *other {
                (address, *other)
            } else {
                (*other, address)
            };
            let pools = statistical::Pools { p, q, base, quote };
            let candidate = statistical::candidate(
                &self.graph,
                &self.config,
                &mut self.spreads,
                pools,
                trigger_at,
            );
            let key = OppKey::Statistical { p, q };
            let evaluation = self.value(key, candidate, now_us);
            events.extend(self.track(key, evaluation, now_us));
        }
        for triangle in triangles {
            for reverse in [false, true] {
                let candidate = triangular::candidate(&self.graph, triangle, reverse, trigger_at);
                let key = OppKey::Triangular { triangle, reverse };
                let evaluation = self.value(key, candidate, now_us);
                events.extend(self.track(key, evaluation, now_us));
            }
        }
        for book in self.books.of_pair(&key) {
            events.extend(self.cex_dex(book, address, trigger_at, now_us));
        }
        events
    }

    /// Values a pool candidate (or passes its rejection on).
    fn value(
        &self,
        key: OppKey,
        candidate: Result<Candidate<'_>, RejectReason>,
        now_us: u64,
    ) -> Evaluation {
        match candidate {
            Ok(candidate) => {
                let valuation = Valuation {
                    config: &self.config,
                    graph: &self.graph,
                };
                valuation.finish(candidate, self.lifecycle.get(&key), now_us)
            }
            Err(reason) => Evaluation::Rejected(reason),
        }
    }

    /// Evaluates a pool against a book, both ways.
    fn cex_dex(
        &mut self,
        book: usize,
        pool: PoolAddress,
        trigger_at_us: u64,
        now_us: u64,
    ) -> Vec<OpportunityEvent> {
        let mut events = Vec::new();
        for dex_buys in [true, false] {
            let key = OppKey::CexDex {
                book,
                pool,
                dex_buys,
            };
            let (Some(entry), Some(cex)) = (self.graph.pool(&pool), self.books.get(book)) else {
                continue;
            };
            let valuation = Valuation {
                config: &self.config,
                graph: &self.graph,
            };
            let pairing = cex_dex::Pairing {
                pool: entry,
                book: cex,
                dex_buys,
                trigger_at_us,
                now_us,
            };
            let evaluation = cex_dex::evaluate(&valuation, pairing, self.lifecycle.get(&key));
            events.extend(self.track(key, evaluation, now_us));
        }
        events
    }

    fn track(
        &mut self,
        key: OppKey,
        evaluation: Evaluation,
        now_us: u64,
    ) -> Option<OpportunityEvent> {
        let (graph, books) = (&self.graph, &self.books);
        self.lifecycle
            .track(key, evaluation, |o| id(graph, books, &key, &o.pair), now_us)
    }
}

/// The wire id of an opportunity: strategy, tokens, and pools or books where they identify it.
fn id(graph: &Graph, books: &Books, key: &OppKey, pair: &str) -> String {
    match key {
        OppKey::Spatial { buy, sell } => {
            format!("spatial:{pair}:{}:{}", pool_label(buy), pool_label(sell))
        }
        OppKey::Statistical { p, q } => {
            format!("statistical:{pair}:{}:{}", pool_label(p), pool_label(q))
        }
        OppKey::Triangular { triangle, reverse } => match graph.triangle(*triangle) {
            Some(t) => {
                let path = t.path(*reverse);
                format!(
                    "triangular:{}>{}>{}",
                    graph.symbol(&path[0]),
                    graph.symbol(&path[1]),
                    graph.symbol(&path[2])
                )
            }
            None => format!("triangular:{triangle}"),
        },
        OppKey::CexDex {
            book,
            pool,
            dex_buys,
        } => {
            let market = books
                .get(*book)
                .map_or_else(|| book.to_string(), CexBook::market_id);
            let way = if *dex_buys { "buy_dex" } else { "buy_cex" };
            format!("cex_dex:{pair}:{market}:{}:{way}", pool_label(pool))
        }
    }
}
