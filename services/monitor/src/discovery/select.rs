//! From candidates to the pools to follow: each candidate and everything it needs is read
//! over RPC (the same [`Watchlist`] rounds as the live source's snapshot), the pool is built
//! and valued by `market`, and the pools under the floor or past the per-pair limit are
//! reported as skipped.

use std::collections::BTreeMap;

use decoder::Pubkey;
use market::{Market, QuoteClock};

use super::search::Candidate;
use super::{Discovery, DiscoveryError, DiscoverySettings, Kept, SkipReason, Skipped, Target};
use crate::source::rpc::{RpcClient, snapshot};
use crate::source::watch::Watchlist;
use crate::tokens::TokenRegistry;

/// The token a candidate is valued in: a pair's quote token, or the followed token.
fn valued_in(candidate: &Candidate, tokens: &TokenRegistry) -> Pubkey {
    match candidate.target {
        Target::Pair([a, b]) => tokens.orient(&a, &b).1,
        Target::Token(mint) => mint,
    }
}

/// Reads, values and chooses.
///
/// # Errors
/// [`DiscoveryError::Rpc`] when the accounts cannot be read.
pub async fn choose(
    rpc: &RpcClient,
    settings: &DiscoverySettings,
    tokens: &TokenRegistry,
    candidates: Vec<Candidate>,
) -> Result<Discovery, DiscoveryError> {
    let mut out = Discovery::default();
    if candidates.is_empty() {
        return Ok(out);
    }
    let mut watch = Watchlist::new(candidates.iter().map(|c| c.address), settings.array_radius);
    let read = snapshot(rpc, &mut watch, None)
        .await
        .map_err(DiscoveryError::Rpc)?;
    out.slot = read.slot;
    let mut market = Market::new(settings.array_radius);
    for update in &read.updates {
        market.apply(market::AccountUpdate {
            pubkey: update.pubkey,
            owner: update.owner,
            data: &update.data,
            slot: update.slot,
            write_version: None,
        });
    }
    // The spot price and the vault balances do not depend on the epoch (only transfer fees
    // do, and they do not enter the valuation).
    let clock = QuoteClock {
        slot: read.slot,
        epoch: 0,
        unix_timestamp: crate::clock::unix_ms() / 1_000,
    };
    // Value every candidate; group the valued ones by pair.
    let mut by_pair: BTreeMap<[Pubkey; 2], Vec<Kept>> = BTreeMap::new();
    for candidate in &candidates {
        let skip = |kind, reason| Skipped {
            address: candidate.address,
            kind,
            mints: candidate.mints,
            reason,
        };
        let Some(pool) = market.pool(&candidate.address) else {
            let why = if read.missing.contains(&candidate.address) {
                "the pool account does not exist".to_owned()
            } else {
                "the pool account does not decode".to_owned()
            };
            out.skipped.push(skip(None, SkipReason::Unpriced(why)));
            continue;
        };
        let kind = Some(pool.kind());
        let valued_in = valued_in(candidate, tokens);
        let valued = match pool.liquidity_in(&valued_in, clock) {
            Ok(liquidity) => pool.snapshot(clock).map(|s| (liquidity, s)),
            Err(err) => Err(err),
        };
        let (liquidity, snapshot) = match valued {
            Ok(v) => v,
            Err(err) => {
                out.skipped
                    .push(skip(kind, SkipReason::Unpriced(err.to_string())));
                continue;
            }
        };
        let side = usize::from(pool.accounts().mints[1] == valued_in);
        let decimals = pool.mints()[side].map_or(0, |m| m.decimals);
        let floor = settings.min_liquidity.get(&valued_in).map_or(0, |whole| {
            u128::from(*whole) * 10u128.pow(u32::from(decimals))
        });
        if liquidity < floor {
            out.skipped
                .push(skip(kind, SkipReason::BelowFloor { liquidity, floor }));
            continue;
        }
        let mut pair = candidate.mints;
        pair.sort();
        by_pair.entry(pair).or_default().push(Kept {
            address: candidate.address,
            kind: pool.kind(),
            mints: candidate.mints,
            valued_in,
            liquidity,
            decimals,
            fee_rate: snapshot.min_fee_rate(),
        });
    }
    for (_, mut pools) in by_pair {
        pools.sort_by(|a, b| {
            b.liquidity
                .cmp(&a.liquidity)
                .then(a.address.cmp(&b.address))
        });
        for (rank, pool) in pools.into_iter().enumerate() {
            if rank < settings.max_per_pair {
                out.kept.push(pool);
            } else {
                out.skipped.push(Skipped {
                    address: pool.address,
                    kind: Some(pool.kind),
                    mints: pool.mints,
                    reason: SkipReason::OverLimit {
                        max: settings.max_per_pair,
                    },
                });
            }
        }
    }
    Ok(out)
}
