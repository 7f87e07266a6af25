//! Triangular arbitrage: a cycle through three pairs, from the best-ranked token back to it,
//! returns more than it started with. Locked in by the quotes.

use protocol::OpportunityType;

use super::{Candidate, PairName, Side, hint, size_through};
use crate::error::RejectReason;
use crate::graph::Graph;

/// The best size around `triangle`, forwards or backwards, through each edge's best pool.
#[inline]
pub(crate) fn candidate(
    graph: &Graph,
    triangle: usize,
    reverse: bool,
    trigger_at_us: u64,
) -> Result<Candidate<'_>, RejectReason> {
    let t = graph.triangle(triangle).ok_or(RejectReason::Unquotable)?;
    let walk = t.walks[usize::from(reverse)];
    let path = t.path(reverse);
    // Screen with each edge's cached best rate: three array reads, no hashing.
    let mut edges = [[0u8; 32]; 3];
    let mut product = 1.0;
    for (slot, step) in edges.iter_mut().zip(walk) {
        let best = graph
            .pair(step.pair)
            .and_then(|e| e.best[step.direction])
            .ok_or(RejectReason::Unquotable)?;
        product *= best.rate;
        *slot = best.pool;
    }
    if product <= 1.0 {
        return Err(RejectReason::BelowMinProfit);
    }
    let mut sides = Vec::with_capacity(3);
    for (best, from) in edges.iter().zip(path) {
        let entry = graph.pool(best).ok_or(RejectReason::Unquotable)?;
        sides.push(Side::new(entry, from));
    }
    let sized = size_through(&sides, hint(&sides)).ok_or(RejectReason::Unquotable)?;
    Ok(Candidate {
        kind: OpportunityType::Triangular,
        name: PairName::Path(path),
        profit_token: path[0],
        quote: path[0],
        sides,
        sized,
        trigger_at_us,
    })
}
