//! Statistical arbitrage: the log spread between two pools of one pair, against its
//! exponentially weighted mean and variance. A spread `stat_z_threshold` deviations wide
//! (after warm-up) signals a trade of `stat_trade_size_quote`, buying on the cheap pool.
//! A forecast: its profit assumes the spread reverts to its mean.

use pricing::helpers::price_of;
use protocol::OpportunityType;

use super::{Candidate, PairName, Side};
use crate::config::DetectorConfig;
use crate::error::RejectReason;
use crate::graph::{Graph, HashMap, PoolEntry, base_token};
use crate::input::{Mint, PoolAddress};
use crate::sizing::{Leg, Sized};
use crate::spread::SpreadStats;

/// Each ordered pool pair's spread statistics.
pub(crate) type Spreads = HashMap<(PoolAddress, PoolAddress), SpreadStats>;

/// Two pools of one pair (`p < q`) and the pair's orientation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pools {
    pub(crate) p: PoolAddress,
    pub(crate) q: PoolAddress,
    pub(crate) base: Mint,
    pub(crate) quote: Mint,
}

/// Adds the pools' current spread to their statistics and, when it is wide enough, the
/// trade that bets on its reversion.
#[inline]
pub(crate) fn candidate<'a>(
    graph: &'a Graph,
    config: &DetectorConfig,
    spreads: &mut Spreads,
    pools: Pools,
    trigger_at_us: u64,
) -> Result<Candidate<'a>, RejectReason> {
    let Pools { p, q, base, quote } = pools;
    let (Some(pe), Some(qe)) = (graph.pool(&p), graph.pool(&q)) else {
        return Err(RejectReason::Unquotable);
    };
    let price = |e: &PoolEntry| price_of(base_token(&e.update, &base), e.update.snapshot.spot());
    let spread = (price(pe) / price(qe)).ln();
    let at = trigger_at_us;
    let stats = spreads
        .entry((p, q))
        .or_insert_with(|| SpreadStats::new(spread, at));
    // Score against the statistics before this sample joins them.
    let z = stats.z(spread);
    let warmed = stats.warmed_up(config.stat_warmup_samples, config.stat_warmup_us);
    let deviation = spread - stats.mean;
    stats.push(spread, at, config.stat_half_life_us);
    let Some(z) = z.filter(|_| warmed) else {
        return Err(RejectReason::BelowMinProfit);
    };
    if z.abs() < config.stat_z_threshold {
        return Err(RejectReason::BelowMinProfit);
    }
    // Positive deviation: p is rich relative to q; buy on q, sell on p.
    let (buy, sell) = if deviation > 0.0 { (qe, pe) } else { (pe, qe) };
    let sides = vec![Side::new(buy, quote), Side::new(sell, base)];
    let size = ((config.stat_trade_size_quote * 10f64.powi(i32::from(graph.decimals(&quote))))
        as u64)
        .max(1);
    let leg1 = sides[0].quote(size).ok_or(RejectReason::Unquotable)?;
    let leg2 = sides[1]
        .quote(leg1.amount_out)
        .ok_or(RejectReason::Unquotable)?;
    // Expected outcome once the spread reverts to its mean: the sell leg's proceeds scale
    // by exp(|deviation|). A statistical opportunity is a forecast, not a locked profit.
    let expected_out = (leg2.amount_out as f64 * deviation.abs().exp()).min(u64::MAX as f64) as u64;
    let sized = Sized {
        input: size,
        profit: i128::from(expected_out) - i128::from(size),
        legs: vec![
            Leg {
                amount_in: leg1.amount_in,
                amount_out: leg1.amount_out,
                fee: leg1.fee,
            },
            Leg {
                amount_in: leg2.amount_in,
                amount_out: expected_out,
                fee: leg2.fee,
            },
        ],
    };
    Ok(Candidate {
        kind: OpportunityType::Statistical,
        name: PairName::Pair { base, quote },
        profit_token: quote,
        quote,
        sides,
        sized,
        trigger_at_us,
    })
}
