//! The detector: routes each pool update to the strategies it affects, and their candidates
//! through valuation into the opportunity lifecycle.

use std::collections::BTreeMap;

use crate::config::DetectorConfig;
use crate::error::{ConfigError, RejectReason};
use crate::graph::Graph;
use crate::input::{Mint, PoolAddress, PoolUpdate, TokenInfo};
use crate::lifecycle::{Evaluation, Lifecycle, OppKey};
use crate::opportunity::{Opportunity, OpportunityEvent, pool_label};
use crate::strategy::statistical::{self, Spreads};
use crate::strategy::{Candidate, arrival, spatial, triangular};
use crate::valuation::Valuation;

/// The arbitrage detector. Feed it pool updates in order; it returns the opportunity events
/// each update causes. It reads no clock: every time comes from the caller.
#[derive(Debug)]
pub struct Detector {
    config: DetectorConfig,
    graph: Graph,
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

    fn track(
        &mut self,
        key: OppKey,
        evaluation: Evaluation,
        now_us: u64,
    ) -> Option<OpportunityEvent> {
        let graph = &self.graph;
        self.lifecycle
            .track(key, evaluation, |o| id(graph, &key, &o.pair), now_us)
    }
}

/// The wire id of an opportunity: strategy, tokens, and pools where they identify it.
fn id(graph: &Graph, key: &OppKey, pair: &str) -> String {
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
    }
}
