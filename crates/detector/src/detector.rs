//! The market (pools, pairs, token graph, triangles) and the per-update evaluation.

use std::collections::{BTreeMap, BTreeSet};

// Keyed by 32-byte addresses that anyone can choose (by creating pools), so the hasher must
// resist collisions as SipHash does, while being fast: ahash.
type HashMap<K, V> = ahash::AHashMap<K, V>;

use pricing::helpers::{PoolToken, pool_value, price_of};
use pricing::{Direction, Fill};
use protocol::{Costs, OpportunityStatus, OpportunityType, Timing};

use crate::config::DetectorConfig;
use crate::error::RejectReason;
use crate::opportunity::{Opportunity, OpportunityEvent, OpportunityLeg, pool_label};
use crate::sizing::{Hint, Outcome, Sized, constant_product_optimum, optimise};
use crate::spread::SpreadStats;
use market::{PoolSnapshot, SwapQuote};

/// A token mint address.
pub type Mint = [u8; 32];
/// A pool account address.
pub type PoolAddress = [u8; 32];

/// What the detector needs to know about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub mint: Mint,
    pub symbol: String,
    pub decimals: u8,
    /// Preference as a pair's quote token (0 never; higher wins, e.g. USDC 3, USDT 2, SOL 1).
    pub quote_rank: u8,
}

/// A pool's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUpdate {
    pub address: PoolAddress,
    pub dex: String,
    pub pool_type: String,
    /// The pool's token A and token B.
    pub token_a: Mint,
    pub token_b: Mint,
    pub snapshot: PoolSnapshot,
    /// Vault balances `(a, b)`, for liquidity checks.
    pub reserves: (u64, u64),
    pub slot: u64,
    /// When the update arrived, in microseconds on the caller's clock.
    pub received_at_us: u64,
}

type PairKey = (Mint, Mint);

#[derive(Debug)]
struct PoolEntry {
    update: PoolUpdate,
    pair: usize,
    /// Marginal out-per-in after the lowest fee, A→B and B→A: computed once per update.
    rate_ab: f64,
    rate_ba: f64,
}

impl PoolEntry {
    fn new(update: PoolUpdate, pair: usize) -> Self {
        let spot = update.snapshot.spot();
        let keep = 1.0 - update.snapshot.min_fee_rate();
        Self {
            rate_ab: spot * keep,
            rate_ba: keep / spot,
            update,
            pair,
        }
    }
}

#[derive(Debug)]
struct PairEntry {
    key: PairKey,
    pools: BTreeSet<PoolAddress>,
    triangles: BTreeSet<usize>,
    /// The best pool and its rate for each direction: `key.0 → key.1`, then `key.1 → key.0`.
    best: [Option<(PoolAddress, f64)>; 2],
}

/// Three tokens pairwise connected; `pairs` are the pair indices of the edges
/// `(t0, t1)`, `(t1, t2)`, `(t0, t2)`.
#[derive(Debug)]
struct Triangle {
    tokens: [Mint; 3],
    pairs: [usize; 3],
    alive: bool,
    /// Both walks from the start token (the best-ranked one), forwards and backwards; each
    /// step is (pair index, direction within the pair, token in). Fixed when the triangle is
    /// found, so register tokens before their pools.
    walks: [[(usize, usize, Mint); 3]; 2],
}

#[derive(Debug)]
struct OpenOpportunity {
    first_seen_us: u64,
    last: Opportunity,
}

/// An opportunity's identity: which strategy, on which pools or tokens. Ordered, so
/// iteration is deterministic; turned into the wire id only when an event is emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum OppKey {
    Spatial {
        buy: PoolAddress,
        sell: PoolAddress,
    },
    Statistical {
        p: PoolAddress,
        q: PoolAddress,
    },
    /// A triangle, walked forwards (`false`) or backwards from its start token.
    Triangular {
        triangle: usize,
        reverse: bool,
    },
}

enum Evaluation {
    Valid(Box<Opportunity>),
    /// Still valid (or within the close hysteresis) and not materially changed: nothing to
    /// emit, and nothing was built.
    Unchanged,
    Rejected(RejectReason),
}

/// The arbitrage detector. Feed it pool updates in order; it returns the opportunity events
/// each update causes. It reads no clock: every time comes from the caller.
#[derive(Debug)]
pub struct Detector {
    config: DetectorConfig,
    sol_mint: Mint,
    tokens: HashMap<Mint, TokenInfo>,
    /// Decimals read from the pools' mints; they win over registered ones.
    mint_decimals: HashMap<Mint, u8>,
    pools: HashMap<PoolAddress, PoolEntry>,
    pair_index: HashMap<PairKey, usize>,
    /// Pairs and triangles are never reused once created, so their indices are stable ids.
    pairs: Vec<PairEntry>,
    triangles: Vec<Triangle>,
    triangle_index: HashMap<[Mint; 3], usize>,
    neighbours: HashMap<Mint, BTreeSet<Mint>>,
    open: BTreeMap<OppKey, OpenOpportunity>,
    spreads: HashMap<(PoolAddress, PoolAddress), SpreadStats>,
    rejections: BTreeMap<RejectReason, u64>,
}

fn pair_key(a: Mint, b: Mint) -> PairKey {
    if a <= b { (a, b) } else { (b, a) }
}

struct Side<'a> {
    pool: &'a PoolUpdate,
    direction: Direction,
    rate: f64,
}

impl<'a> Side<'a> {
    fn new(entry: &'a PoolEntry, token_in: Mint) -> Self {
        let direction = direction_from(&entry.update, token_in);
        let rate = match direction {
            Direction::AToB => entry.rate_ab,
            Direction::BToA => entry.rate_ba,
        };
        Self {
            pool: &entry.update,
            direction,
            rate,
        }
    }

    /// Marginal out-per-in after the lowest fee, raw units (screening only).
    fn rate(&self) -> f64 {
        self.rate
    }

    fn quote(&self, amount: u64) -> Option<SwapQuote> {
        self.pool
            .snapshot
            .quote_exact_in(self.direction, amount)
            .ok()
            .filter(|q| q.fill == Fill::Complete)
    }

    /// `(reserve_in, reserve_out, 1 − fee)` and whether they are exact (constant product)
    /// or virtual (concentrated liquidity).
    fn constant_product(&self) -> Option<((f64, f64, f64), bool)> {
        let ((a, b), fee, exact) = self.pool.snapshot.virtual_reserves()?;
        let gamma = 1.0 - fee;
        Some((
            match self.direction {
                Direction::AToB => (a, b, gamma),
                Direction::BToA => (b, a, gamma),
            },
            exact,
        ))
    }

    fn token_in(&self) -> Mint {
        match self.direction {
            Direction::AToB => self.pool.token_a,
            Direction::BToA => self.pool.token_b,
        }
    }

    fn token_out(&self) -> Mint {
        match self.direction {
            Direction::AToB => self.pool.token_b,
            Direction::BToA => self.pool.token_a,
        }
    }
}

fn direction_from(pool: &PoolUpdate, token_in: Mint) -> Direction {
    if pool.token_a == token_in {
        Direction::AToB
    } else {
        Direction::BToA
    }
}

impl Detector {
    /// A detector with a validated configuration. `sol_mint` is wrapped SOL, used to convert
    /// transaction costs.
    pub fn new(config: DetectorConfig, sol_mint: Mint) -> Self {
        Self {
            config,
            sol_mint,
            tokens: HashMap::default(),
            mint_decimals: HashMap::default(),
            pools: HashMap::default(),
            pair_index: HashMap::default(),
            pairs: Vec::new(),
            triangles: Vec::new(),
            triangle_index: HashMap::default(),
            neighbours: HashMap::default(),
            open: BTreeMap::new(),
            spreads: HashMap::default(),
            rejections: BTreeMap::new(),
        }
    }

    /// Registers a token's symbol, decimals and quote preference.
    pub fn register_token(&mut self, token: TokenInfo) {
        self.tokens.insert(token.mint, token);
    }

    /// How many candidates each validation rule refused so far.
    pub fn rejections(&self) -> &BTreeMap<RejectReason, u64> {
        &self.rejections
    }

    /// Open opportunities, by id.
    pub fn open_opportunities(&self) -> impl Iterator<Item = &Opportunity> {
        self.open.values().map(|o| &o.last)
    }

    /// Number of triangles in the token graph.
    pub fn triangle_count(&self) -> usize {
        self.triangles.iter().filter(|t| t.alive).count()
    }

    fn symbol(&self, mint: &Mint) -> String {
        self.tokens
            .get(mint)
            .map_or_else(|| pool_label(mint), |t| t.symbol.clone())
    }

    fn decimals(&self, mint: &Mint) -> u8 {
        self.mint_decimals
            .get(mint)
            .copied()
            .unwrap_or_else(|| self.tokens.get(mint).map_or(0, |t| t.decimals))
    }

    fn rank(&self, mint: &Mint) -> u8 {
        self.tokens.get(mint).map_or(0, |t| t.quote_rank)
    }

    /// (base, quote) of a pair: the higher-ranked token quotes.
    fn orient(&self, (x, y): PairKey) -> (Mint, Mint) {
        if self.rank(&x) > self.rank(&y) {
            (y, x)
        } else {
            (x, y)
        }
    }

    /// Applies a pool update at decision time `now_us` and returns the events it causes.
    pub fn apply(&mut self, update: PoolUpdate, now_us: u64) -> Vec<OpportunityEvent> {
        let address = update.address;
        let key = pair_key(update.token_a, update.token_b);
        let (decimals_a, decimals_b) = update.snapshot.decimals();
        self.mint_decimals.insert(update.token_a, decimals_a);
        self.mint_decimals.insert(update.token_b, decimals_b);
        let pair = match self.pools.get_mut(&address) {
            Some(existing) => {
                if existing.update.snapshot == update.snapshot
                    && existing.update.reserves == update.reserves
                {
                    // Same state: nothing can have changed.
                    existing.update.slot = existing.update.slot.max(update.slot);
                    existing.update.received_at_us =
                        existing.update.received_at_us.max(update.received_at_us);
                    return Vec::new();
                }
                if existing.update.slot > update.slot {
                    // Never apply an older state over a newer one.
                    return Vec::new();
                }
                existing.pair
            }
            None => self.add_pool_to_graph(address, key),
        };
        self.pools.insert(address, PoolEntry::new(update, pair));
        self.refresh_best(pair);
        self.evaluate_affected(address, pair, now_us)
    }

    /// Recomputes a pair's best pool per direction from the pools' cached rates.
    fn refresh_best(&mut self, pair: usize) {
        let Some(entry) = self.pairs.get(pair) else {
            return;
        };
        let mut best: [Option<(PoolAddress, f64)>; 2] = [None, None];
        for address in &entry.pools {
            let Some(pool) = self.pools.get(address) else {
                continue;
            };
            let forward = pool.update.token_a == entry.key.0;
            let (rate_0_to_1, rate_1_to_0) = if forward {
                (pool.rate_ab, pool.rate_ba)
            } else {
                (pool.rate_ba, pool.rate_ab)
            };
            for (slot, rate) in best.iter_mut().zip([rate_0_to_1, rate_1_to_0]) {
                if rate.is_finite() && slot.is_none_or(|(_, r)| rate > r) {
                    *slot = Some((*address, rate));
                }
            }
        }
        if let Some(entry) = self.pairs.get_mut(pair) {
            entry.best = best;
        }
    }

    /// Removes a pool; its opportunities close.
    pub fn remove_pool(&mut self, address: &PoolAddress, now_us: u64) -> Vec<OpportunityEvent> {
        let Some(entry) = self.pools.remove(address) else {
            return Vec::new();
        };
        let pair = entry.pair;
        let mut emptied = false;
        if let Some(p) = self.pairs.get_mut(pair) {
            p.pools.remove(address);
            emptied = p.pools.is_empty();
        }
        self.refresh_best(pair);
        if emptied {
            // The edge is gone: so are its triangles.
            let (key, dead) = match self.pairs.get_mut(pair) {
                Some(p) => (p.key, std::mem::take(&mut p.triangles)),
                None => return Vec::new(),
            };
            for t in dead {
                let Some(tri) = self.triangles.get_mut(t) else {
                    continue;
                };
                tri.alive = false;
                let (tokens, pairs) = (tri.tokens, tri.pairs);
                self.triangle_index.remove(&tokens);
                for p in pairs {
                    if let Some(other) = self.pairs.get_mut(p) {
                        other.triangles.remove(&t);
                    }
                }
            }
            for (x, y) in [(key.0, key.1), (key.1, key.0)] {
                if let Some(n) = self.neighbours.get_mut(&x) {
                    n.remove(&y);
                }
            }
        }
        self.spreads
            .retain(|(p, q), _| p != address && q != address);
        let keys: Vec<OppKey> = self
            .open
            .iter()
            .filter(|(_, o)| o.last.legs.iter().any(|l| l.pool == *address))
            .map(|(key, _)| *key)
            .collect();
        let _ = now_us;
        keys.into_iter()
            .filter_map(|k| self.open.remove(&k))
            .map(|open| OpportunityEvent {
                status: OpportunityStatus::Close,
                opportunity: open.last,
            })
            .collect()
    }

    /// Adds a pool to its pair (creating the pair, and any triangles it closes, when new) and
    /// returns the pair's index.
    fn add_pool_to_graph(&mut self, address: PoolAddress, key: PairKey) -> usize {
        if let Some(&pair) = self.pair_index.get(&key)
            && let Some(entry) = self.pairs.get_mut(pair)
        {
            let revived = entry.pools.is_empty();
            entry.pools.insert(address);
            if !revived {
                return pair;
            }
            self.connect(pair, key);
            return pair;
        }
        let pair = self.pairs.len();
        self.pairs.push(PairEntry {
            key,
            pools: BTreeSet::from([address]),
            triangles: BTreeSet::new(),
            best: [None, None],
        });
        self.pair_index.insert(key, pair);
        self.connect(pair, key);
        pair
    }

    /// Links a (new or revived) pair into the token graph and records the triangles it closes.
    fn connect(&mut self, pair: usize, (u, v): PairKey) {
        self.neighbours.entry(u).or_default().insert(v);
        self.neighbours.entry(v).or_default().insert(u);
        let common: Vec<Mint> = match (self.neighbours.get(&u), self.neighbours.get(&v)) {
            (Some(nu), Some(nv)) => nu.intersection(nv).copied().collect(),
            _ => Vec::new(),
        };
        for w in common {
            let mut tokens = [u, v, w];
            tokens.sort_unstable();
            if self.triangle_index.contains_key(&tokens) {
                continue;
            }
            let edges = [
                (tokens[0], tokens[1]),
                (tokens[1], tokens[2]),
                (tokens[0], tokens[2]),
            ];
            let pairs: Vec<usize> = edges
                .iter()
                .filter_map(|(x, y)| self.pair_index.get(&pair_key(*x, *y)).copied())
                .collect();
            let Ok(pairs) = <[usize; 3]>::try_from(pairs) else {
                continue;
            };
            let start = *tokens
                .iter()
                .max_by_key(|m| (self.rank(m), std::cmp::Reverse(**m)))
                .unwrap_or(&tokens[0]);
            let mut rest = tokens.iter().filter(|m| **m != start).copied();
            let (Some(x), Some(y)) = (rest.next(), rest.next()) else {
                continue;
            };
            let step = |from: Mint, to: Mint| -> Option<(usize, usize, Mint)> {
                let key = pair_key(from, to);
                let pair = *self.pair_index.get(&key)?;
                Some((pair, usize::from(key.0 != from), from))
            };
            let walk = |path: [Mint; 3]| -> Option<[(usize, usize, Mint); 3]> {
                Some([
                    step(path[0], path[1])?,
                    step(path[1], path[2])?,
                    step(path[2], path[0])?,
                ])
            };
            let (Some(forward), Some(backward)) = (walk([start, x, y]), walk([start, y, x])) else {
                continue;
            };
            let t = self.triangles.len();
            self.triangles.push(Triangle {
                tokens,
                pairs,
                alive: true,
                walks: [forward, backward],
            });
            self.triangle_index.insert(tokens, t);
            for p in pairs {
                if let Some(entry) = self.pairs.get_mut(p) {
                    entry.triangles.insert(t);
                }
            }
        }
        let _ = pair;
    }

    fn evaluate_affected(
        &mut self,
        address: PoolAddress,
        pair: usize,
        now_us: u64,
    ) -> Vec<OpportunityEvent> {
        let mut events = Vec::new();
        let Some(entry) = self.pairs.get(pair) else {
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
        let (base, quote) = self.orient(key);
        for other in &others {
            for (buy, sell) in [(address, *other), (*other, address)] {
                let key = OppKey::Spatial { buy, sell };
                let evaluation = self.spatial(&key, &buy, &sell, base, quote, address, now_us);
                events.extend(self.track(key, evaluation, now_us));
            }
            let (p, q) = if address <= *other {
                (address, *other)
            } else {
                (*other, address)
            };
            let key = OppKey::Statistical { p, q };
            let evaluation = self.statistical(&key, p, q, base, quote, address, now_us);
            events.extend(self.track(key, evaluation, now_us));
        }
        for triangle in triangles {
            for reverse in [false, true] {
                let key = OppKey::Triangular { triangle, reverse };
                let evaluation = self.triangular(&key, triangle, reverse, address, now_us);
                events.extend(self.track(key, evaluation, now_us));
            }
        }
        events
    }

    /// The tokens of a triangle's walk, in order.
    fn triangle_path(&self, triangle: usize, reverse: bool) -> Option<[Mint; 3]> {
        let walk = self.triangles.get(triangle)?.walks[usize::from(reverse)];
        Some([walk[0].2, walk[1].2, walk[2].2])
    }

    /// The wire id of an opportunity: strategy, tokens, and pools where they identify it.
    fn id(&self, key: &OppKey, pair: &str) -> String {
        match key {
            OppKey::Spatial { buy, sell } => {
                format!("spatial:{pair}:{}:{}", pool_label(buy), pool_label(sell))
            }
            OppKey::Statistical { p, q } => {
                format!("statistical:{pair}:{}:{}", pool_label(p), pool_label(q))
            }
            OppKey::Triangular { triangle, reverse } => {
                match self.triangle_path(*triangle, *reverse) {
                    Some(path) => format!(
                        "triangular:{}>{}>{}",
                        self.symbol(&path[0]),
                        self.symbol(&path[1]),
                        self.symbol(&path[2])
                    ),
                    None => format!("triangular:{triangle}"),
                }
            }
        }
    }

    fn track(
        &mut self,
        key: OppKey,
        evaluation: Evaluation,
        now_us: u64,
    ) -> Option<OpportunityEvent> {
        match evaluation {
            Evaluation::Unchanged => None,
            Evaluation::Valid(opp) => {
                let mut opp = *opp;
                opp.id = self.id(&key, &opp.pair);
                match self.open.get_mut(&key) {
                    None => {
                        opp.confidence = confidence_with_persistence(opp.confidence, 0);
                        self.open.insert(
                            key,
                            OpenOpportunity {
                                first_seen_us: now_us,
                                last: opp.clone(),
                            },
                        );
                        Some(OpportunityEvent {
                            status: OpportunityStatus::Open,
                            opportunity: opp,
                        })
                    }
                    Some(open) => {
                        // `finish` only builds a valid opportunity for an open id when it
                        // changed materially.
                        opp.confidence = confidence_with_persistence(
                            opp.confidence,
                            now_us.saturating_sub(open.first_seen_us),
                        );
                        open.last = opp.clone();
                        Some(OpportunityEvent {
                            status: OpportunityStatus::Update,
                            opportunity: opp,
                        })
                    }
                }
            }
            Evaluation::Rejected(reason) => {
                *self.rejections.entry(reason).or_default() += 1;
                self.open.remove(&key).map(|open| OpportunityEvent {
                    status: OpportunityStatus::Close,
                    opportunity: open.last,
                })
            }
        }
    }

    /// The profit token's raw units per lamport, from the market's own SOL price.
    fn sol_price_in(&self, token: &Mint) -> Option<f64> {
        if *token == self.sol_mint {
            return Some(1.0);
        }
        let pair = self
            .pairs
            .get(*self.pair_index.get(&pair_key(self.sol_mint, *token))?)?;
        // The deepest pool's marginal price.
        let pool = pair
            .pools
            .iter()
            .filter_map(|p| self.pools.get(p))
            .max_by_key(|e| {
                if e.update.token_a == self.sol_mint {
                    e.update.reserves.0
                } else {
                    e.update.reserves.1
                }
            })?;
        let price = price_of(
            base_token(&pool.update, &self.sol_mint),
            pool.update.snapshot.spot(),
        );
        (price.is_finite() && price > 0.0).then_some(price)
    }

    /// Value of a pool in whole units of `quote`.
    fn pool_value(&self, pool: &PoolUpdate, quote: &Mint) -> f64 {
        let (da, db) = (self.decimals(&pool.token_a), self.decimals(&pool.token_b));
        let quote = if pool.token_b == *quote {
            PoolToken::B
        } else {
            PoolToken::A
        };
        pool_value(
            pool.reserves.0,
            pool.reserves.1,
            &pool.snapshot.spot_price(),
            da,
            db,
            quote,
        )
    }

    /// Common validation and costing of a sized candidate. The cheap checks run first, and
    /// the opportunity's display figures are built only when there is something to emit.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        key: &OppKey,
        kind: OpportunityType,
        pair: &dyn Fn() -> String,
        profit_token: Mint,
        quote: Mint,
        sides: &[Side<'_>],
        sized: Sized,
        trigger: &PoolAddress,
        now_us: u64,
    ) -> Evaluation {
        let Some(lamport_price) = self.sol_price_in(&profit_token) else {
            return Evaluation::Rejected(RejectReason::NoSolPrice);
        };
        let lamports = self.config.costs.lamports(sides.len() as u64);
        let tx_cost = (lamports as f64 * lamport_price)
            .ceil()
            .min(u64::MAX as f64) as u64;
        let net = sized.profit - i128::from(tx_cost);
        let output = sized.legs.last().map_or(0, |l| l.1);
        let decimals = self.decimals(&profit_token);
        let unit = 10f64.powi(i32::from(decimals));

        let slot_max = sides.iter().map(|s| s.pool.slot).max().unwrap_or(0);
        let slot_min = sides.iter().map(|s| s.pool.slot).min().unwrap_or(0);
        let slot_delta = slot_max - slot_min;
        let oldest = sides
            .iter()
            .map(|s| s.pool.received_at_us)
            .min()
            .unwrap_or(now_us);
        let age_us = now_us.saturating_sub(oldest);
        let trigger_at = self
            .pools
            .get(trigger)
            .map_or(now_us, |p| p.update.received_at_us);

        // Validation, in order of cheapness; the first failure is the reason.
        let min_value = sides
            .iter()
            .map(|s| self.pool_value(s.pool, &quote))
            .fold(f64::INFINITY, f64::min);
        let min_abs = (self.config.min_profit_lamports as f64 * lamport_price).ceil() as i128;
        let bps_ok = net > 0
            && net * 10_000 >= i128::from(self.config.min_profit_bps) * i128::from(sized.input);
        let reason = if age_us > self.config.max_data_age_us {
            Some(RejectReason::StaleData)
        } else if slot_delta > self.config.max_slot_delta {
            Some(RejectReason::SlotMisaligned)
        } else if min_value < self.config.min_liquidity_quote {
            Some(RejectReason::LowLiquidity)
        } else if !bps_ok || net < min_abs {
            Some(RejectReason::BelowMinProfit)
        } else {
            None
        };
        match (reason, self.open.get(key)) {
            (Some(RejectReason::BelowMinProfit), Some(open))
                if net > 0
                    && net as f64 * 10_000.0 / sized.input.max(1) as f64
                        >= f64::from(self.config.min_profit_bps) * self.config.close_ratio
                    && !self.material(open, net, sized.input, sides) =>
            {
                // Close hysteresis: still near the threshold, keep it open quietly.
                return Evaluation::Unchanged;
            }
            (Some(reason), _) => return Evaluation::Rejected(reason),
            (None, Some(open)) if !self.material(open, net, sized.input, sides) => {
                return Evaluation::Unchanged;
            }
            (None, _) => {}
        }

        // Display figures.
        let first = &sides[0];
        let last = &sides[sides.len() - 1];
        let (first_in, first_out, _) = sized.legs[0];
        let (last_in, last_out, _) = sized.legs[sized.legs.len() - 1];
        let d = |m: &Mint| 10f64.powi(i32::from(self.decimals(m)));
        let buy_price = (first_in as f64 / d(&first.token_in()))
            / (first_out as f64 / d(&first.token_out())).max(f64::MIN_POSITIVE);
        let sell_price = (last_out as f64 / d(&last.token_out()))
            / (last_in as f64 / d(&last.token_in())).max(f64::MIN_POSITIVE);

        // Fees (exact, from the quotes) and slippage (the quote's shortfall from the marginal
        // price after fees), each leg valued back into the profit token through the trade's
        // own exchange rates.
        let mut fees = 0.0;
        let mut slippage = 0.0;
        let mut value_per_unit = 1.0; // profit-token units per unit of this leg's input
        for (side, (amount_in, amount_out, fee)) in sides.iter().zip(&sized.legs) {
            fees += *fee as f64 * value_per_unit;
            let ideal_out = *amount_in as f64 * side.rate();
            if ideal_out > *amount_out as f64 && *amount_out > 0 {
                slippage += (ideal_out - *amount_out as f64) / ideal_out
                    * *amount_in as f64
                    * value_per_unit;
            }
            if *amount_out > 0 {
                value_per_unit = *amount_in as f64 * value_per_unit / *amount_out as f64;
            }
        }
        let to_quote = |raw: f64| -> f64 {
            let whole = raw / unit;
            if profit_token == quote {
                whole
            } else {
                whole * self.price_in(&profit_token, &quote).unwrap_or(0.0)
            }
        };

        let opp = Opportunity {
            id: String::new(),
            kind,
            pair: pair(),
            buy_dex: first.pool.dex.clone(),
            sell_dex: last.pool.dex.clone(),
            buy_price,
            sell_price,
            profit_token: self.symbol(&profit_token),
            input: sized.input,
            output,
            net_profit: net,
            tx_cost,
            gross_profit_percent: sized.profit as f64 * 100.0 / sized.input as f64,
            net_profit_percent: net as f64 * 100.0 / sized.input as f64,
            recommended_size: sized.input as f64 / unit,
            confidence: 0,
            costs: Costs {
                dex_fees: to_quote(fees),
                slippage: to_quote(slippage),
                gas_jito: to_quote(tx_cost as f64),
            },
            timing: Timing {
                detection_latency_ms: now_us.saturating_sub(trigger_at) as f64 / 1_000.0,
                slot_delta,
                data_freshness_ms: age_us / 1_000,
            },
            legs: sides
                .iter()
                .zip(&sized.legs)
                .map(|(s, (amount_in, amount_out, _))| OpportunityLeg {
                    pool: s.pool.address,
                    dex: s.pool.dex.clone(),
                    token_in: self.symbol(&s.token_in()),
                    token_out: self.symbol(&s.token_out()),
                    amount_in: *amount_in,
                    amount_out: *amount_out,
                })
                .collect(),
        };

        let mut opp = opp;
        opp.confidence = confidence(
            &self.config,
            age_us,
            slot_delta,
            to_quote(sized.input as f64),
            min_value,
        );
        Evaluation::Valid(Box::new(opp))
    }

    /// Whether a candidate differs materially from the open opportunity it would replace.
    fn material(&self, open: &OpenOpportunity, net: i128, input: u64, sides: &[Side<'_>]) -> bool {
        let last = &open.last;
        let h = self.config.update_hysteresis;
        (net - last.net_profit).unsigned_abs() as f64
            > h * last.net_profit.unsigned_abs().max(1) as f64
            || (input as f64 - last.input as f64).abs() > h * last.input.max(1) as f64
            || sides
                .iter()
                .map(|s| s.pool.address)
                .ne(last.legs.iter().map(|l| l.pool))
    }

    /// Price of one whole `token` in whole `quote` units, through a direct pair.
    fn price_in(&self, token: &Mint, quote: &Mint) -> Option<f64> {
        let pair = self
            .pairs
            .get(*self.pair_index.get(&pair_key(*token, *quote))?)?;
        let pool = pair.pools.iter().find_map(|p| self.pools.get(p))?;
        let (da, db) = (
            self.decimals(&pool.update.token_a),
            self.decimals(&pool.update.token_b),
        );
        let p = pool.update.snapshot.spot_price().to_f64(da, db);
        Some(price_of(base_token(&pool.update, token), p))
    }

    #[allow(clippy::too_many_arguments)]
    fn spatial(
        &self,
        key: &OppKey,
        buy: &PoolAddress,
        sell: &PoolAddress,
        base: Mint,
        quote: Mint,
        trigger: PoolAddress,
        now_us: u64,
    ) -> Evaluation {
        let (Some(b), Some(s)) = (self.pools.get(buy), self.pools.get(sell)) else {
            return Evaluation::Rejected(RejectReason::Unquotable);
        };
        let sides = [Side::new(b, quote), Side::new(s, base)];
        if sides[0].rate() * sides[1].rate() <= 1.0 {
            return Evaluation::Rejected(RejectReason::BelowMinProfit);
        }
        let Some(sized) = size_through(&sides, hint(&sides)) else {
            return Evaluation::Rejected(RejectReason::Unquotable);
        };
        let pair = || format!("{}/{}", self.symbol(&base), self.symbol(&quote));
        self.finish(
            key,
            OpportunityType::Spatial,
            &pair,
            quote,
            quote,
            &sides,
            sized,
            &trigger,
            now_us,
        )
    }

    fn triangular(
        &self,
        key: &OppKey,
        triangle: usize,
        reverse: bool,
        trigger: PoolAddress,
        now_us: u64,
    ) -> Evaluation {
        let Some(t) = self.triangles.get(triangle).filter(|t| t.alive) else {
            return Evaluation::Rejected(RejectReason::Unquotable);
        };
        let walk = t.walks[usize::from(reverse)];
        let path = [walk[0].2, walk[1].2, walk[2].2];
        // Screen with each edge's cached best rate: three array reads, no hashing.
        let mut edges = [[0u8; 32]; 3];
        let mut product = 1.0;
        for (slot, (pair, direction, _)) in edges.iter_mut().zip(walk) {
            let Some((best, rate)) = self.pairs.get(pair).and_then(|e| e.best[direction]) else {
                return Evaluation::Rejected(RejectReason::Unquotable);
            };
            product *= rate;
            *slot = best;
        }
        if product <= 1.0 {
            return Evaluation::Rejected(RejectReason::BelowMinProfit);
        }
        let mut sides = Vec::with_capacity(3);
        for (best, from) in edges.iter().zip(path) {
            let Some(entry) = self.pools.get(best) else {
                return Evaluation::Rejected(RejectReason::Unquotable);
            };
            sides.push(Side::new(entry, from));
        }
        let Some(sized) = size_through(&sides, hint(&sides)) else {
            return Evaluation::Rejected(RejectReason::Unquotable);
        };
        let pair = || {
            format!(
                "{}/{}/{}",
                self.symbol(&path[0]),
                self.symbol(&path[1]),
                self.symbol(&path[2])
            )
        };
        self.finish(
            key,
            OpportunityType::Triangular,
            &pair,
            path[0],
            path[0],
            &sides,
            sized,
            &trigger,
            now_us,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn statistical(
        &mut self,
        key: &OppKey,
        p: PoolAddress,
        q: PoolAddress,
        base: Mint,
        quote: Mint,
        trigger: PoolAddress,
        now_us: u64,
    ) -> Evaluation {
        let (Some(pe), Some(qe)) = (self.pools.get(&p), self.pools.get(&q)) else {
            return Evaluation::Rejected(RejectReason::Unquotable);
        };
        let price =
            |e: &PoolEntry| price_of(base_token(&e.update, &base), e.update.snapshot.spot());
        let spread = (price(pe) / price(qe)).ln();
        let at = self
            .pools
            .get(&trigger)
            .map_or(now_us, |e| e.update.received_at_us);
        let half_life = self.config.stat_half_life_us;
        let stats = self
            .spreads
            .entry((p, q))
            .or_insert_with(|| SpreadStats::new(spread, at));
        // Score against the statistics before this sample joins them.
        let z = stats.z(spread);
        let warmed = stats.warmed_up(self.config.stat_warmup_samples, self.config.stat_warmup_us);
        let deviation = spread - stats.mean;
        stats.push(spread, at, half_life);
        let Some(z) = z.filter(|_| warmed) else {
            return Evaluation::Rejected(RejectReason::BelowMinProfit);
        };
        if z.abs() < self.config.stat_z_threshold {
            return Evaluation::Rejected(RejectReason::BelowMinProfit);
        }
        // Positive deviation: p is rich relative to q; buy on q, sell on p.
        let (buy, sell) = if deviation > 0.0 { (q, p) } else { (p, q) };
        let (Some(b), Some(s)) = (self.pools.get(&buy), self.pools.get(&sell)) else {
            return Evaluation::Rejected(RejectReason::Unquotable);
        };
        let sides = [Side::new(b, quote), Side::new(s, base)];
        let size = ((self.config.stat_trade_size_quote
            * 10f64.powi(i32::from(self.decimals(&quote)))) as u64)
            .max(1);
        let Some(leg1) = sides[0].quote(size) else {
            return Evaluation::Rejected(RejectReason::Unquotable);
        };
        let Some(leg2) = sides[1].quote(leg1.amount_out) else {
            return Evaluation::Rejected(RejectReason::Unquotable);
        };
        // Expected outcome once the spread reverts to its mean: the sell leg's proceeds scale
        // by exp(|deviation|). A statistical opportunity is a forecast, not a locked profit.
        let expected_out =
            (leg2.amount_out as f64 * deviation.abs().exp()).min(u64::MAX as f64) as u64;
        let sized = Sized {
            input: size,
            profit: i128::from(expected_out) - i128::from(size),
            legs: vec![
                (leg1.amount_in, leg1.amount_out, leg1.fee),
                (leg2.amount_in, expected_out, leg2.fee),
            ],
        };
        let pair = || format!("{}/{}", self.symbol(&base), self.symbol(&quote));
        self.finish(
            key,
            OpportunityType::Statistical,
            &pair,
            quote,
            quote,
            &sides,
            sized,
            &trigger,
            now_us,
        )
    }
}

/// The closed-form starting point for a chain, when every leg has (virtual) reserves.
fn hint(sides: &[Side<'_>]) -> Hint {
    let mut legs = Vec::with_capacity(sides.len());
    let mut exact = true;
    for side in sides {
        let Some((leg, leg_exact)) = side.constant_product() else {
            return Hint::None;
        };
        legs.push(leg);
        exact &= leg_exact;
    }
    match constant_product_optimum(&legs) {
        Some(q) if exact => Hint::Exact(q),
        Some(q) => Hint::Approximate(q),
        None => Hint::None,
    }
}

/// Sizes a chain of swaps (each leg's output is the next leg's input).
fn size_through(sides: &[Side<'_>], hint: Hint) -> Option<Sized> {
    let f = |input: u64| -> Option<Outcome> {
        let mut amount = input;
        let mut legs = Vec::with_capacity(sides.len());
        for side in sides {
            let q = side.quote(amount)?;
            legs.push((q.amount_in, q.amount_out, q.fee));
            amount = q.amount_out;
        }
        Some((i128::from(amount) - i128::from(input), legs))
    };
    let sized = optimise(&f, u64::MAX / 4, hint)?;
    (sized.profit > 0).then_some(sized)
}

/// The documented confidence score before persistence, 0 to 100:
/// 30% freshness (`1 − age / max_age`), 25% slot alignment (`1 − slot_delta / (max + 1)`),
/// 25% depth (`1 − size / (10% of the smallest pool's value)`); the last 20% is persistence,
/// added by [`confidence_with_persistence`].
fn confidence(
    config: &DetectorConfig,
    age_us: u64,
    slot_delta: u64,
    size_quote: f64,
    min_pool_value: f64,
) -> u8 {
    let freshness = 1.0 - (age_us as f64 / config.max_data_age_us as f64).min(1.0);
    let alignment = 1.0 - (slot_delta as f64 / (config.max_slot_delta + 1) as f64).min(1.0);
    let depth = if min_pool_value.is_finite() && min_pool_value > 0.0 {
        1.0 - (size_quote / (0.1 * min_pool_value)).clamp(0.0, 1.0)
    } else {
        0.5
    };
    (100.0 * (0.30 * freshness + 0.25 * alignment + 0.25 * depth))
        .round()
        .clamp(0.0, 80.0) as u8
}

/// Adds persistence: 20 points once an opportunity has stood for two seconds.
fn confidence_with_persistence(base: u8, open_for_us: u64) -> u8 {
    let persistence = (open_for_us as f64 / 2_000_000.0).min(1.0);
    (f64::from(base) + 20.0 * persistence)
        .round()
        .clamp(0.0, 100.0) as u8
}

/// Which of `pool`'s tokens `base` is, for [`price_of`]: A when it is the pool's first token,
/// else B.
fn base_token(pool: &PoolUpdate, base: &Mint) -> PoolToken {
    if pool.token_a == *base {
        PoolToken::A
    } else {
        PoolToken::B
    }
}
