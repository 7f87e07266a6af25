//! CEX–DEX arbitrage: a pool and a centralized exchange's book disagree. Either buy the base
//! on the pool (its exact quote) and sell it into the book's bids, or buy it from the asks
//! and sell it into the pool; the trade starts and ends in the book's quote token.
//!
//! The exchange leg is exact integer arithmetic on the book (prices and quantities ×10^8):
//! the walk's notional, the taker fee in the asset received (rounded up), and the conversion
//! to raw units with the mints' decimals (what is received rounded down, what is paid up).
//! Base below the exchange's 8 decimals stays in inventory, valued at nothing. The size
//! maximises profit after the taker fee and the transfer cost, within the visible depth.

mod report;

use super::Side;
use crate::cex::{CexBook, bps_up, depth, rescale, walk};
use crate::error::RejectReason;
use crate::graph::PoolEntry;
use crate::lifecycle::{Evaluation, OpenOpportunity};
use crate::sizing::{Leg, Outcome, search};
use crate::valuation::Valuation;

/// The `pool` of an exchange leg.
pub(crate) const NO_POOL: [u8; 32] = [0; 32];

/// One way through a pool and a book, and when the evaluation happens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pairing<'a> {
    pub(crate) pool: &'a PoolEntry,
    pub(crate) book: &'a CexBook,
    /// Buy the base on the pool and sell it on the exchange; else the reverse.
    pub(crate) dex_buys: bool,
    /// When the pool update or book that triggered the evaluation arrived.
    pub(crate) trigger_at_us: u64,
    pub(crate) now_us: u64,
}

/// The exact trade at one size.
#[derive(Debug, Clone, Copy)]
struct Trade {
    /// Quote paid into the first leg, raw.
    input: u64,
    /// Quote received from the last leg, raw.
    output: u64,
    /// The pool's fill.
    dex: Leg,
    /// Base raw on the exchange leg: sold (pool buys) or received after the fee.
    cex_base: u64,
    qty_e8: u64,
    notional_e16: u128,
    taker_fee: u128,
    transfer_cost: u64,
}

impl Trade {
    fn profit(&self) -> i128 {
        i128::from(self.output) - i128::from(self.input) - i128::from(self.transfer_cost)
    }
}

/// The exchange's terms, and the mints' decimals.
#[derive(Debug, Clone, Copy)]
struct Terms {
    base_decimals: u32,
    quote_decimals: u32,
    taker_fee_bps: u32,
    transfer_cost_bps: u32,
}

/// Pay `x` quote into the pool for base, sell it into the bids.
fn pool_buys(side: &Side<'_>, book: &CexBook, t: Terms, x: u64) -> Option<Trade> {
    let q = side.quote(x)?;
    let qty_e8 = u64::try_from(rescale(q.amount_out.into(), t.base_decimals, 8, false)?).ok()?;
    if qty_e8 == 0 {
        return None;
    }
    let sold = u64::try_from(rescale(qty_e8.into(), 8, t.base_decimals, false)?).ok()?;
    let notional = walk(&book.bids, qty_e8)?;
    let fee = bps_up(notional, t.taker_fee_bps);
    let output = u64::try_from(rescale(notional - fee, 16, t.quote_decimals, false)?).ok()?;
    Some(Trade {
        input: q.amount_in,
        output,
        dex: Leg {
            amount_in: q.amount_in,
            amount_out: q.amount_out,
            fee: q.fee,
        },
        cex_base: sold,
        qty_e8,
        notional_e16: notional,
        taker_fee: fee,
        transfer_cost: u64::try_from(bps_up(q.amount_in.into(), t.transfer_cost_bps)).ok()?,
    })
}

/// Buy `qty_e8` base from the asks, sell what arrives after the fee into the pool.
fn exchange_buys(side: &Side<'_>, book: &CexBook, t: Terms, qty_e8: u64) -> Option<Trade> {
    let notional = walk(&book.asks, qty_e8)?;
    let input = u64::try_from(rescale(notional, 16, t.quote_decimals, true)?).ok()?;
    let fee = bps_up(qty_e8.into(), t.taker_fee_bps);
    let received_e8 = u128::from(qty_e8).checked_sub(fee)?;
    let base = u64::try_from(rescale(received_e8, 8, t.base_decimals, false)?).ok()?;
    if base == 0 {
        return None;
    }
    let q = side.quote(base)?;
    Some(Trade {
        input,
        output: q.amount_out,
        dex: Leg {
            amount_in: q.amount_in,
            amount_out: q.amount_out,
            fee: q.fee,
        },
        cex_base: base,
        qty_e8,
        notional_e16: notional,
        taker_fee: fee,
        transfer_cost: u64::try_from(bps_up(input.into(), t.transfer_cost_bps)).ok()?,
    })
}

/// Screens, sizes, costs and validates one way through a pool and a book.
pub(crate) fn evaluate(
    v: &Valuation<'_>,
    p: Pairing<'_>,
    open: Option<&OpenOpportunity>,
) -> Evaluation {
    match sized(v, &p) {
        Ok((side, trade)) => report::finish(v, &p, &side, &trade, open),
        Err(reason) => Evaluation::Rejected(reason),
    }
}

/// The best trade one way, after the book-age check and a screen with the marginal rates.
fn sized<'a>(v: &Valuation<'_>, p: &Pairing<'a>) -> Result<(Side<'a>, Trade), RejectReason> {
    let cex = &v.config.cex;
    let book = p.book;
    if p.now_us.saturating_sub(book.received_at_us) > cex.max_book_age_ms * 1_000 {
        return Err(RejectReason::StaleBook);
    }
    let (base, quote) = (book.base_mint, book.quote_mint);
    let side = Side::new(p.pool, if p.dex_buys { quote } else { base });
    let t = Terms {
        base_decimals: u32::from(v.graph.decimals(&base)),
        quote_decimals: u32::from(v.graph.decimals(&quote)),
        taker_fee_bps: cex.taker_fee_bps,
        transfer_cost_bps: cex.transfer_cost_bps,
    };
    let levels = if p.dex_buys { &book.bids } else { &book.asks };
    let top = levels.first().ok_or(RejectReason::Unquotable)?;
    // Screen: the best marginal rates after fees (profit only falls with size).
    let top_raw =
        top.price_e8 as f64 / 1e8 * 10f64.powi(t.quote_decimals as i32 - t.base_decimals as i32);
    let keep = 1.0 - f64::from(t.taker_fee_bps) / 10_000.0;
    let hurdle = 1.0 + f64::from(t.transfer_cost_bps) / 10_000.0;
    let edge = if p.dex_buys {
        side.rate() * top_raw * keep
    } else {
        keep / top_raw * side.rate()
    };
    if edge.is_nan() || edge <= hurdle {
        return Err(RejectReason::BelowMinProfit);
    }
    let at = |size: u64| {
        if p.dex_buys {
            pool_buys(&side, book, t, size)
        } else {
            exchange_buys(&side, book, t, size)
        }
    };
    // Bounds: the asks' depth; or, buying on the pool, the whole bid side's proceeds (no
    // profitable input can exceed what selling every visible bid would return).
    let visible = depth(levels);
    let hi = if p.dex_buys {
        let proceeds = walk(levels, visible).and_then(|n| rescale(n, 16, t.quote_decimals, true));
        proceeds.map_or(u64::MAX / 4, |n| n.min(u128::from(u64::MAX / 4)) as u64)
    } else {
        visible
    };
    let f = |size: u64| {
        at(size).map(|trade| Outcome {
            profit: trade.profit(),
            legs: Vec::new(),
        })
    };
    let best = search(&f, 1, hi.max(1)).ok_or(RejectReason::Unquotable)?;
    let mut trade = at(best.input).ok_or(RejectReason::Unquotable)?;
    if p.dex_buys {
        // Rounding noise leaves the search short of the depth's edge when the depth binds:
        // find the largest input the bids still fill, and take it if it pays more.
        let (mut lo, mut over) = (
            best.input,
            best.input.saturating_add(best.input / 1_000 + 1),
        );
        if at(over).is_none() {
            while over - lo > 1 {
                let mid = lo + (over - lo) / 2;
                if at(mid).is_some() {
                    lo = mid;
                } else {
                    over = mid;
                }
            }
            if let Some(edge) = at(lo).filter(|e| e.profit() > trade.profit()) {
                trade = edge;
            }
        }
    }
    if trade.profit() <= 0 {
        return Err(RejectReason::BelowMinProfit);
    }
    Ok((side, trade))
}
