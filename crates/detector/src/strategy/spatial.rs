//! Spatial arbitrage: two pools of one pair disagree; buy the base where it is cheap and sell
//! it where it is dear, starting and ending in the quote token. Locked in by the quotes.

use protocol::OpportunityType;

use super::{Candidate, PairName, Side, hint, size_through};
use crate::error::RejectReason;
use crate::graph::Graph;
use crate::input::{Mint, PoolAddress};

/// Two pools of one pair, oriented: quote → base on `buy`, base → quote on `sell`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    pub(crate) buy: PoolAddress,
    pub(crate) sell: PoolAddress,
    pub(crate) base: Mint,
    pub(crate) quote: Mint,
}

/// The best size through `route`, screened first with marginal rates.
#[inline]
pub(crate) fn candidate(
    graph: &Graph,
    route: Route,
    trigger_at_us: u64,
) -> Result<Candidate<'_>, RejectReason> {
    let (Some(b), Some(s)) = (graph.pool(&route.buy), graph.pool(&route.sell)) else {
        return Err(RejectReason::Unquotable);
    };
    let (buy, sell) = (Side::new(b, route.quote), Side::new(s, route.base));
    // Screen before allocating anything: most pairs of pools are not crossed.
    if buy.rate() * sell.rate() <= 1.0 {
        return Err(RejectReason::BelowMinProfit);
    }
    let sides = vec![buy, sell];
    let sized = size_through(&sides, hint(&sides)).ok_or(RejectReason::Unquotable)?;
    Ok(Candidate {
        kind: OpportunityType::Spatial,
        name: PairName::Pair {
            base: route.base,
            quote: route.quote,
        },
        profit_token: route.quote,
        quote: route.quote,
        sides,
        sized,
        trigger_at_us,
    })
}
