//! A sized `cex_dex` trade costed, validated and, when there is something to emit, turned
//! into an opportunity with its display figures and confidence.

use protocol::{Costs, OpportunityType, Timing};

use super::{NO_POOL, Pairing, Trade};
use crate::cex::depth;
use crate::lifecycle::{Evaluation, OpenOpportunity, material};
use crate::opportunity::{CexTrade, Opportunity, OpportunityLeg};
use crate::strategy::{PairName, Side};
use crate::valuation::{self, Checks, Valuation};

/// Costs, validates and (when there is something to emit) builds the opportunity.
pub(super) fn finish(
    v: &Valuation<'_>,
    p: &Pairing<'_>,
    side: &Side<'_>,
    trade: &Trade,
    open: Option<&OpenOpportunity>,
) -> Evaluation {
    let (graph, config, book) = (v.graph, v.config, p.book);
    let (base, quote) = (book.base_mint, book.quote_mint);
    let (tx_cost, lamport_price) = match v.tx_cost(&quote, 1) {
        Ok(cost) => cost,
        Err(reason) => return Evaluation::Rejected(reason),
    };
    let pool = &p.pool.update;
    let net = trade.profit() - i128::from(tx_cost);
    let pool_age = p.now_us.saturating_sub(pool.received_at_us);
    let book_age = p.now_us.saturating_sub(book.received_at_us);
    let checks = Checks {
        net,
        input: trade.input,
        age_us: pool_age,
        max_age_us: config.max_data_age_us,
        slot_delta: 0,
        min_value: graph.pool_value(pool, &quote),
        lamport_price,
    };
    let pools = if p.dex_buys {
        [pool.address, NO_POOL]
    } else {
        [NO_POOL, pool.address]
    };
    let changed = |open: &OpenOpportunity| {
        material(
            open,
            config.update_hysteresis,
            net,
            trade.input,
            pools.into_iter(),
        )
    };
    if let Some(early) = v.gate(v.reject(&checks), open, &checks, changed) {
        return early;
    }

    // Display figures, in whole units.
    let quote_unit = 10f64.powi(i32::from(graph.decimals(&quote)));
    let base_unit = 10f64.powi(i32::from(graph.decimals(&base)));
    let e16 = 1e16;
    let quote_per_base = trade.input as f64 / trade.cex_base.max(1) as f64; // raw, buy side
    let (buy_price, sell_price, dex_fee, taker_fee, cex_slip);
    let levels = if p.dex_buys { &book.bids } else { &book.asks };
    let top = levels.first().map_or(0.0, |l| l.price_e8 as f64);
    let at_top = trade.qty_e8 as f64 * top;
    if p.dex_buys {
        buy_price = (trade.input as f64 / quote_unit)
            / (trade.dex.amount_out as f64 / base_unit).max(f64::MIN_POSITIVE);
        sell_price = (trade.output as f64 / quote_unit)
            / (trade.cex_base as f64 / base_unit).max(f64::MIN_POSITIVE);
        dex_fee = trade.dex.fee as f64 / quote_unit;
        taker_fee = trade.taker_fee as f64 / e16;
        cex_slip = (at_top - trade.notional_e16 as f64).max(0.0) / e16;
    } else {
        buy_price = (trade.input as f64 / quote_unit)
            / (trade.cex_base as f64 / base_unit).max(f64::MIN_POSITIVE);
        sell_price = (trade.output as f64 / quote_unit)
            / (trade.dex.amount_in as f64 / base_unit).max(f64::MIN_POSITIVE);
        dex_fee = trade.dex.fee as f64 * quote_per_base / quote_unit;
        let average = trade.notional_e16 as f64 / trade.qty_e8.max(1) as f64; // e16 per e8
        taker_fee = trade.taker_fee as f64 * average / e16;
        cex_slip = (trade.notional_e16 as f64 - at_top).max(0.0) / e16;
    }
    let ideal_out = trade.dex.amount_in as f64 * side.rate();
    let dex_slip = if ideal_out > trade.dex.amount_out as f64 && trade.dex.amount_out > 0 {
        let value = if p.dex_buys { 1.0 } else { quote_per_base };
        (ideal_out - trade.dex.amount_out as f64) / ideal_out * trade.dex.amount_in as f64 * value
            / quote_unit
    } else {
        0.0
    };
    let (base_symbol, quote_symbol) = (graph.symbol(&base), graph.symbol(&quote));
    let dex_leg = |token_in: &str, token_out: &str| OpportunityLeg {
        pool: pool.address,
        cex_market: None,
        dex: pool.dex.clone(),
        token_in: token_in.to_owned(),
        token_out: token_out.to_owned(),
        amount_in: trade.dex.amount_in,
        amount_out: trade.dex.amount_out,
    };
    let cex_leg = |token_in: &str, token_out: &str, amount_in, amount_out| OpportunityLeg {
        pool: NO_POOL,
        cex_market: Some(book.market_id()),
        dex: book.venue.clone(),
        token_in: token_in.to_owned(),
        token_out: token_out.to_owned(),
        amount_in,
        amount_out,
    };
    let (legs, buy_dex, sell_dex) = if p.dex_buys {
        (
            vec![
                dex_leg(&quote_symbol, &base_symbol),
                cex_leg(&base_symbol, &quote_symbol, trade.cex_base, trade.output),
            ],
            pool.dex.clone(),
            book.venue.clone(),
        )
    } else {
        (
            vec![
                cex_leg(&quote_symbol, &base_symbol, trade.input, trade.cex_base),
                dex_leg(&base_symbol, &quote_symbol),
            ],
            book.venue.clone(),
            pool.dex.clone(),
        )
    };
    let size_quote = trade.input as f64 / quote_unit;
    let gross = i128::from(trade.output) - i128::from(trade.input);
    let opp = Opportunity {
        id: String::new(),
        kind: OpportunityType::CexDex,
        pair: PairName::Pair { base, quote }.resolve(graph),
        buy_dex,
        sell_dex,
        buy_price,
        sell_price,
        profit_token: quote_symbol,
        input: trade.input,
        output: trade.output,
        net_profit: net,
        tx_cost,
        gross_profit_percent: gross as f64 * 100.0 / trade.input as f64,
        net_profit_percent: net as f64 * 100.0 / trade.input as f64,
        recommended_size: size_quote,
        confidence: confidence(v, p, trade, size_quote, checks.min_value),
        costs: Costs {
            dex_fees: dex_fee + taker_fee,
            slippage: dex_slip + cex_slip,
            gas_jito: tx_cost as f64 / quote_unit,
        },
        timing: Timing {
            detection_latency_ms: p.now_us.saturating_sub(p.trigger_at_us) as f64 / 1_000.0,
            slot_delta: 0,
            data_freshness_ms: pool_age.max(book_age) / 1_000,
            update_received_us: None,
        },
        legs,
        cex: Some(CexTrade {
            venue: book.venue.clone(),
            symbol: book.symbol.clone(),
            buy: !p.dex_buys,
            qty_e8: trade.qty_e8,
            notional_e16: trade.notional_e16,
            taker_fee: trade.taker_fee,
            transfer_cost: trade.transfer_cost,
            book_age_us: book_age,
        }),
    };
    Evaluation::Valid(Box::new(opp))
}

/// The confidence before persistence, from both sides: freshness is the worse of the pool's
/// age over `max_data_age_us` and the book's over `max_book_age_ms`; alignment is how close
/// in time the two arrived (`1 − |Δt| / max_book_age`); depth is the worse of the size
/// against 10% of the pool's value and the share of the book's visible side it takes.
fn confidence(
    v: &Valuation<'_>,
    p: &Pairing<'_>,
    trade: &Trade,
    size_quote: f64,
    pool_value: f64,
) -> u8 {
    let max_book_age = (v.config.cex.max_book_age_ms * 1_000) as f64;
    let (pool_at, book_at) = (p.pool.update.received_at_us, p.book.received_at_us);
    let pool_age = p.now_us.saturating_sub(pool_at) as f64 / v.config.max_data_age_us as f64;
    let book_age = p.now_us.saturating_sub(book_at) as f64 / max_book_age;
    let freshness = 1.0 - pool_age.max(book_age).min(1.0);
    let alignment = 1.0 - (pool_at.abs_diff(book_at) as f64 / max_book_age).min(1.0);
    let levels = if p.dex_buys {
        &p.book.bids
    } else {
        &p.book.asks
    };
    let share = trade.qty_e8 as f64 / depth(levels).max(1) as f64;
    let depth = valuation::depth(size_quote, pool_value).min(1.0 - share.min(1.0));
    valuation::score(freshness, alignment, depth)
}
