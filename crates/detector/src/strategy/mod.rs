//! The strategies: each turns the market around an update into candidates, sized by exact
//! quotes, that [`crate::valuation`] then costs and validates.
//!
//! - [`spatial`]: two pools of one pair, buy on the cheaper and sell on the dearer.
//! - [`triangular`]: a cycle through three pairs.
//! - [`statistical`]: two pools' spread far from its running mean (a forecast).
//! - [`cex_dex`]: a pool against a centralized exchange's order book.

pub(crate) mod cex_dex;
pub(crate) mod spatial;
pub(crate) mod statistical;
pub(crate) mod triangular;

use market::SwapQuote;
use pricing::{Direction, Fill};
use protocol::OpportunityType;

use crate::graph::{Graph, PoolEntry};
use crate::input::{Mint, PoolUpdate};
use crate::sizing::{Hint, Leg, Outcome, Sized, constant_product_optimum, optimise};

/// A pool traded in one direction.
#[derive(Debug)]
pub(crate) struct Side<'a> {
    pub(crate) pool: &'a PoolUpdate,
    pub(crate) direction: Direction,
    rate: f64,
}

impl<'a> Side<'a> {
    #[inline]
    pub(crate) fn new(entry: &'a PoolEntry, token_in: Mint) -> Self {
        let direction = if entry.update.token_a == token_in {
            Direction::AToB
        } else {
            Direction::BToA
        };
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
    #[inline]
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// The exact quote of `amount` in, when it fills completely.
    #[inline]
    pub(crate) fn quote(&self, amount: u64) -> Option<SwapQuote> {
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

    #[inline]
    pub(crate) fn token_in(&self) -> Mint {
        match self.direction {
            Direction::AToB => self.pool.token_a,
            Direction::BToA => self.pool.token_b,
        }
    }

    #[inline]
    pub(crate) fn token_out(&self) -> Mint {
        match self.direction {
            Direction::AToB => self.pool.token_b,
            Direction::BToA => self.pool.token_a,
        }
    }
}

/// How an opportunity's `pair` reads; resolved to symbols only when an event is emitted.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PairName {
    /// `BASE/QUOTE`.
    Pair { base: Mint, quote: Mint },
    /// `A/B/C`, a triangle's walk.
    Path([Mint; 3]),
}

impl PairName {
    pub(crate) fn resolve(&self, graph: &Graph) -> String {
        match self {
            Self::Pair { base, quote } => {
                format!("{}/{}", graph.symbol(base), graph.symbol(quote))
            }
            Self::Path(p) => format!(
                "{}/{}/{}",
                graph.symbol(&p[0]),
                graph.symbol(&p[1]),
                graph.symbol(&p[2])
            ),
        }
    }
}

/// A sized trade through pools, before costs and validation.
#[derive(Debug)]
pub(crate) struct Candidate<'a> {
    pub(crate) kind: OpportunityType,
    pub(crate) name: PairName,
    /// The token the trade starts and ends in; profits are in it.
    pub(crate) profit_token: Mint,
    /// The pair's quote token, in which costs and liquidity are shown.
    pub(crate) quote: Mint,
    pub(crate) sides: Vec<Side<'a>>,
    pub(crate) sized: Sized,
    /// When the update that triggered the evaluation arrived.
    pub(crate) trigger_at_us: u64,
}

/// The closed-form starting point for a chain, when every leg has (virtual) reserves.
pub(crate) fn hint(sides: &[Side<'_>]) -> Hint {
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
pub(crate) fn size_through(sides: &[Side<'_>], hint: Hint) -> Option<Sized> {
    let f = |input: u64| -> Option<Outcome> {
        let mut amount = input;
        let mut legs = Vec::with_capacity(sides.len());
        for side in sides {
            let q = side.quote(amount)?;
            legs.push(Leg {
                amount_in: q.amount_in,
                amount_out: q.amount_out,
                fee: q.fee,
            });
            amount = q.amount_out;
        }
        Some(Outcome {
            profit: i128::from(amount) - i128::from(input),
            legs,
        })
    };
    let sized = optimise(&f, u64::MAX / 4, hint)?;
    (sized.profit > 0).then_some(sized)
}

/// When `trigger`'s update arrived, or `now_us` when it is not a pool the graph holds.
#[inline]
pub(crate) fn arrival(graph: &Graph, trigger: &[u8; 32], now_us: u64) -> u64 {
    graph
        .pool(trigger)
        .map_or(now_us, |p| p.update.received_at_us)
}
