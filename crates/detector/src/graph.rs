//! The market as a graph: pools, the pairs they trade, the triangles pairs close, and the
//! token facts (symbols, decimals, prices) every strategy reads.

use std::collections::BTreeSet;

use pricing::helpers::{PoolToken, pool_value, price_of};

use crate::input::{Mint, PoolAddress, PoolUpdate, TokenInfo};

// Keyed by 32-byte addresses that anyone can choose (by creating pools), so the hasher must
// resist collisions as SipHash does, while being fast: ahash.
pub(crate) type HashMap<K, V> = ahash::AHashMap<K, V>;

/// A pair's tokens, in byte order.
pub(crate) type PairKey = (Mint, Mint);

#[inline]
pub(crate) fn pair_key(a: Mint, b: Mint) -> PairKey {
    if a <= b { (a, b) } else { (b, a) }
}

#[derive(Debug)]
pub(crate) struct PoolEntry {
    pub(crate) update: PoolUpdate,
    pub(crate) pair: usize,
    /// Marginal out-per-in after the lowest fee, A→B and B→A: computed once per update.
    pub(crate) rate_ab: f64,
    pub(crate) rate_ba: f64,
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

/// The best pool of a pair in one direction, and its marginal rate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Best {
    pub(crate) pool: PoolAddress,
    pub(crate) rate: f64,
}

#[derive(Debug)]
pub(crate) struct PairEntry {
    pub(crate) key: PairKey,
    pub(crate) pools: BTreeSet<PoolAddress>,
    pub(crate) triangles: BTreeSet<usize>,
    /// The best pool and its rate for each direction: `key.0 → key.1`, then `key.1 → key.0`.
    pub(crate) best: [Option<Best>; 2],
}

/// One step of a triangle's walk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    /// The pair traded.
    pub(crate) pair: usize,
    /// The direction within the pair: 0 is `key.0 → key.1`.
    pub(crate) direction: usize,
    pub(crate) token_in: Mint,
}

/// Three tokens pairwise connected; `pairs` are the pair indices of the edges
/// `(t0, t1)`, `(t1, t2)`, `(t0, t2)`.
#[derive(Debug)]
pub(crate) struct Triangle {
    pub(crate) tokens: [Mint; 3],
    pub(crate) pairs: [usize; 3],
    pub(crate) alive: bool,
    /// Both walks from the start token (the best-ranked one), forwards and backwards. Fixed
    /// when the triangle is found, so register tokens before their pools.
    pub(crate) walks: [[Step; 3]; 2],
}

impl Triangle {
    /// The tokens of a walk, in order.
    #[inline]
    pub(crate) fn path(&self, reverse: bool) -> [Mint; 3] {
        let walk = self.walks[usize::from(reverse)];
        [walk[0].token_in, walk[1].token_in, walk[2].token_in]
    }
}

/// Pools, pairs, triangles and tokens.
#[derive(Debug)]
pub(crate) struct Graph {
    pub(crate) sol_mint: Mint,
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
}

impl Graph {
    pub(crate) fn new(sol_mint: Mint) -> Self {
        Self {
            sol_mint,
            tokens: HashMap::default(),
            mint_decimals: HashMap::default(),
            pools: HashMap::default(),
            pair_index: HashMap::default(),
            pairs: Vec::new(),
            triangles: Vec::new(),
            triangle_index: HashMap::default(),
            neighbours: HashMap::default(),
        }
    }

    pub(crate) fn register_token(&mut self, token: TokenInfo) {
        self.tokens.insert(token.mint, token);
    }

    #[inline]
    pub(crate) fn pool(&self, address: &PoolAddress) -> Option<&PoolEntry> {
        self.pools.get(address)
    }

    #[inline]
    pub(crate) fn pair(&self, pair: usize) -> Option<&PairEntry> {
        self.pairs.get(pair)
    }

    /// The index of the pair of `a` and `b`, if any pool ever traded it.
    #[inline]
    pub(crate) fn pair_of(&self, a: Mint, b: Mint) -> Option<usize> {
        self.pair_index.get(&pair_key(a, b)).copied()
    }

    #[inline]
    pub(crate) fn triangle(&self, triangle: usize) -> Option<&Triangle> {
        self.triangles.get(triangle).filter(|t| t.alive)
    }

    pub(crate) fn triangle_count(&self) -> usize {
        self.triangles.iter().filter(|t| t.alive).count()
    }

    pub(crate) fn symbol(&self, mint: &Mint) -> String {
        self.tokens.get(mint).map_or_else(
            || crate::opportunity::pool_label(mint),
            |t| t.symbol.clone(),
        )
    }

    #[inline]
    pub(crate) fn decimals(&self, mint: &Mint) -> u8 {
        self.mint_decimals
            .get(mint)
            .copied()
            .unwrap_or_else(|| self.tokens.get(mint).map_or(0, |t| t.decimals))
    }

    fn rank(&self, mint: &Mint) -> u8 {
        self.tokens.get(mint).map_or(0, |t| t.quote_rank)
    }

    /// (base, quote) of a pair: the higher-ranked token quotes.
    #[inline]
    pub(crate) fn orient(&self, (x, y): PairKey) -> (Mint, Mint) {
        if self.rank(&x) > self.rank(&y) {
            (y, x)
        } else {
            (x, y)
        }
    }

    /// Takes a pool's new state. Returns its pair's index when the state is new, `None` when
    /// it repeats the one held or is older (then nothing can have changed).
    pub(crate) fn upsert(&mut self, update: PoolUpdate) -> Option<usize> {
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
                    return None;
                }
                if existing.update.slot > update.slot {
                    // Never apply an older state over a newer one.
                    return None;
                }
                existing.pair
            }
            None => self.add_pool(address, key),
        };
        self.pools.insert(address, PoolEntry::new(update, pair));
        self.refresh_best(pair);
        Some(pair)
    }

    /// Recomputes a pair's best pool per direction from the pools' cached rates.
    fn refresh_best(&mut self, pair: usize) {
        let Some(entry) = self.pairs.get(pair) else {
            return;
        };
        let mut best: [Option<Best>; 2] = [None, None];
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
                if rate.is_finite() && slot.is_none_or(|b| rate > b.rate) {
                    *slot = Some(Best {
                        pool: *address,
                        rate,
                    });
                }
            }
        }
        if let Some(entry) = self.pairs.get_mut(pair) {
            entry.best = best;
        }
    }

    /// Removes a pool from its pair, and the pair's triangles when it was the last pool.
    /// Returns whether the pool was there.
    pub(crate) fn remove(&mut self, address: &PoolAddress) -> bool {
        let Some(entry) = self.pools.remove(address) else {
            return false;
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
                None => return true,
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
        true
    }

    /// Adds a pool to its pair (creating the pair, and any triangles it closes, when new) and
    /// returns the pair's index.
    fn add_pool(&mut self, address: PoolAddress, key: PairKey) -> usize {
        if let Some(&pair) = self.pair_index.get(&key)
            && let Some(entry) = self.pairs.get_mut(pair)
        {
            let revived = entry.pools.is_empty();
            entry.pools.insert(address);
            if revived {
                self.connect(key);
            }
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
        self.connect(key);
        pair
    }

    /// Links a (new or revived) pair into the token graph and records the triangles it closes.
    fn connect(&mut self, (u, v): PairKey) {
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
            let step = |from: Mint, to: Mint| -> Option<Step> {
                let key = pair_key(from, to);
                let pair = *self.pair_index.get(&key)?;
                Some(Step {
                    pair,
                    direction: usize::from(key.0 != from),
                    token_in: from,
                })
            };
            let walk = |path: [Mint; 3]| -> Option<[Step; 3]> {
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
    }

    /// Price of one whole `token` in whole `quote` units, through a direct pair.
    pub(crate) fn price_in(&self, token: &Mint, quote: &Mint) -> Option<f64> {
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

    /// The profit token's raw units per lamport, from the market's own SOL price.
    pub(crate) fn sol_price_in(&self, token: &Mint) -> Option<f64> {
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
    pub(crate) fn pool_value(&self, pool: &PoolUpdate, quote: &Mint) -> f64 {
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
}

/// Which of `pool`'s tokens `base` is, for [`price_of`]: A when it is the pool's first token,
/// else B.
pub(crate) fn base_token(pool: &PoolUpdate, base: &Mint) -> PoolToken {
    if pool.token_a == *base {
        PoolToken::A
    } else {
        PoolToken::B
    }
}
