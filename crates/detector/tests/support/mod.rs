//! Real mainnet pools from the shared fixtures (`DEXMON_FIXTURES`), exchange books around
//! their prices, and an exact re-verification of `cex_dex` opportunities written apart from
//! the detector's own arithmetic.

#![allow(dead_code)]

use detector::{CexBook, CexLevel, Mint, OpportunityEvent, PoolUpdate, TokenInfo};
use market::QuoteClock;
use market::test_utils::{COMPLETE_POOLS, fixture_market};
use pricing::{Direction, Fill};

pub(crate) const SOL: &str = "So11111111111111111111111111111111111111112";
pub(crate) const USDC: &str = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
/// Orca's SOL/USDC whirlpool, complete in the fixtures (pool, vaults, mints, arrays).
pub(crate) const ORCA_SOL_USDC: &str = "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ";
pub(crate) const E8: u64 = 100_000_000;

/// A base58 address as bytes.
pub(crate) fn key(s: &str) -> Mint {
    let mut out = [0u8; 32];
    let digits: Vec<u8> = s
        .bytes()
        .map(|c| {
            b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
                .iter()
                .position(|&a| a == c)
                .expect("base58") as u8
        })
        .collect();
    // Big-number base conversion, 58 → 256.
    let mut bytes: Vec<u8> = Vec::new();
    for d in digits {
        let mut carry = u32::from(d);
        for b in bytes.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let leading = s.bytes().take_while(|&c| c == b'1').count();
    let mut full = vec![0u8; leading];
    full.extend(bytes);
    out[32 - full.len()..].copy_from_slice(&full);
    out
}

/// Every complete fixture pool as a detector input, at slot 10, received at `at`.
pub(crate) fn real_pools(at: u64) -> Option<Vec<PoolUpdate>> {
    let (market, _) = fixture_market(8)?;
    let clock = QuoteClock {
        slot: 330_000_000,
        epoch: 800,
        unix_timestamp: 1_760_000_000,
    };
    let mut out = Vec::new();
    for pool in market.pools() {
        if !COMPLETE_POOLS.contains(&pool.address().to_string().as_str()) {
            continue;
        }
        let Ok(snapshot) = pool.snapshot(clock) else {
            continue;
        };
        let [a, b] = pool.accounts().mints;
        let v = pool.vault_amounts();
        out.push(PoolUpdate {
            address: pool.address().to_bytes(),
            dex: pool.kind().dex().into(),
            pool_type: pool.kind().pool_type().into(),
            token_a: a.to_bytes(),
            token_b: b.to_bytes(),
            snapshot,
            reserves: (v[0].unwrap_or(0), v[1].unwrap_or(0)),
            slot: 10,
            received_at_us: at,
        });
    }
    out.sort_by_key(|p| p.address);
    Some(out)
}

/// The fixtures' SOL/USDC whirlpool.
pub(crate) fn orca_sol_usdc(at: u64) -> Option<PoolUpdate> {
    real_pools(at)?
        .into_iter()
        .find(|p| p.address == key(ORCA_SOL_USDC))
}

pub(crate) fn tokens() -> Vec<TokenInfo> {
    vec![
        TokenInfo {
            mint: key(SOL),
            symbol: "SOL".into(),
            decimals: 9,
            quote_rank: 1,
        },
        TokenInfo {
            mint: key(USDC),
            symbol: "USDC".into(),
            decimals: 6,
            quote_rank: 3,
        },
    ]
}

/// The pool's marginal price of `base` in `quote`, whole units.
pub(crate) fn spot(pool: &PoolUpdate, base: &Mint) -> f64 {
    let (da, db) = pool.snapshot.decimals();
    let p = pool.snapshot.spot_price().to_f64(da, db);
    if pool.token_a == *base { p } else { 1.0 / p }
}

/// A SOL/USDC book of `levels` levels each side around `mid` (whole USDC per SOL), each
/// level `step` (a fraction) worse than the one before and `qty` SOL deep.
pub(crate) fn book(mid: f64, spread: f64, levels: usize, step: f64, qty: f64, at: u64) -> CexBook {
    let e8 = |x: f64| (x * 1e8).round() as u64;
    CexBook {
        venue: "binance".into(),
        symbol: "SOLUSDC".into(),
        base_mint: key(SOL),
        quote_mint: key(USDC),
        bids: (0..levels)
            .map(|i| CexLevel {
                price_e8: e8(mid * (1.0 - spread / 2.0) * (1.0 - step * i as f64)),
                qty_e8: e8(qty),
            })
            .collect(),
        asks: (0..levels)
            .map(|i| CexLevel {
                price_e8: e8(mid * (1.0 + spread / 2.0) * (1.0 + step * i as f64)),
                qty_e8: e8(qty),
            })
            .collect(),
        received_at_us: at,
    }
}

fn pow10(n: u32) -> u128 {
    (0..n).fold(1u128, |p, _| p * 10)
}

/// What the exchange does with `qty_e8` against `levels`, level by level, one unit of 10^-8
/// at a time where a level is partly taken: `Σ price × qty`, quote ×10^16.
fn notional(levels: &[CexLevel], qty_e8: u64) -> Option<u128> {
    let mut left = u128::from(qty_e8);
    let mut sum = 0u128;
    for l in levels {
        let take = left.min(u128::from(l.qty_e8));
        sum += take * u128::from(l.price_e8);
        left -= take;
    }
    (left == 0).then_some(sum)
}

/// Re-verifies a `cex_dex` event exactly: the pool re-quoted at the reported amount, the book
/// re-walked at the reported quantity with the fee and the decimal conversions done here,
/// and the reported amounts compared unit for unit. Returns the realised net profit (raw
/// quote), after the transaction cost and transfer cost the detector charged.
pub(crate) fn reverify(
    event: &OpportunityEvent,
    pools: &[&PoolUpdate],
    book: &CexBook,
    taker_fee_bps: u32,
    transfer_cost_bps: u32,
) -> i128 {
    let o = &event.opportunity;
    let cex = o
        .cex
        .as_ref()
        .expect("a cex_dex opportunity has its exchange side");
    assert_eq!(o.legs.len(), 2);
    let dex_leg = if cex.buy { &o.legs[1] } else { &o.legs[0] };
    let pool = *pools
        .iter()
        .find(|p| p.address == dex_leg.pool)
        .expect("the pool leg names a pool of the case");
    let (db, dq) = {
        let (da, dbb) = pool.snapshot.decimals();
        if pool.token_a == book.base_mint {
            (u32::from(da), u32::from(dbb))
        } else {
            (u32::from(dbb), u32::from(da))
        }
    };
    let quote_dex = |token_in: Mint, amount: u64| {
        let direction = if pool.token_a == token_in {
            Direction::AToB
        } else {
            Direction::BToA
        };
        let q = pool
            .snapshot
            .quote_exact_in(direction, amount)
            .expect("the pool quotes");
        assert_eq!(q.fill, Fill::Complete);
        q
    };
    let fee = |x: u128, bps: u32| (x * u128::from(bps)).div_ceil(10_000);
    let (input, output) = if !cex.buy {
        // Pool, then the bids.
        let (dex, ex) = (&o.legs[0], &o.legs[1]);
        assert_eq!(dex.pool, pool.address);
        assert_eq!(ex.cex_market.as_deref(), Some(book.market_id().as_str()));
        let q = quote_dex(book.quote_mint, dex.amount_in);
        assert_eq!(
            q.amount_out, dex.amount_out,
            "pool leg differs from the pool's quote"
        );
        assert!(
            ex.amount_in <= dex.amount_out,
            "sells more than the pool gave"
        );
        // The base sold must be a whole number of 10^-8.
        let scaled = u128::from(ex.amount_in) * pow10(8);
        assert_eq!(scaled % pow10(db), 0, "not a whole 10^-8 of base");
        let qty = (scaled / pow10(db)) as u64;
        assert_eq!(qty, cex.qty_e8);
        let n = notional(&book.bids, qty).expect("within the visible bids");
        assert_eq!(n, cex.notional_e16);
        let received = (n - fee(n, taker_fee_bps)) * pow10(dq) / pow10(16);
        assert_eq!(
            u128::from(ex.amount_out),
            received,
            "exchange leg differs by {} units",
            i128::try_from(received).unwrap() - i128::from(ex.amount_out)
        );
        (dex.amount_in, ex.amount_out)
    } else {
        // The asks, then the pool.
        let (ex, dex) = (&o.legs[0], &o.legs[1]);
        assert_eq!(dex.pool, pool.address);
        let n = notional(&book.asks, cex.qty_e8).expect("within the visible asks");
        assert_eq!(n, cex.notional_e16);
        let paid = (n * pow10(dq)).div_ceil(pow10(16));
        assert_eq!(
            u128::from(ex.amount_in),
            paid,
            "exchange leg pays a different amount"
        );
        let base_e8 = u128::from(cex.qty_e8) - fee(u128::from(cex.qty_e8), taker_fee_bps);
        let base = base_e8 * pow10(db) / pow10(8);
        assert_eq!(
            u128::from(ex.amount_out),
            base,
            "exchange leg delivers a different amount"
        );
        assert_eq!(dex.amount_in, ex.amount_out, "legs must chain");
        let q = quote_dex(book.base_mint, dex.amount_in);
        assert_eq!(
            q.amount_out, dex.amount_out,
            "pool leg differs from the pool's quote"
        );
        (ex.amount_in, dex.amount_out)
    };
    assert_eq!((o.input, o.output), (input, output));
    let transfer = fee(u128::from(input), transfer_cost_bps) as i128;
    assert_eq!(transfer, i128::from(cex.transfer_cost));
    i128::from(output) - i128::from(input) - transfer - i128::from(o.tx_cost)
}
