//! The `cex_dex` strategy against a real mainnet pool (the fixtures' Orca SOL/USDC
//! whirlpool) and exchange books around its price: both ways, depth, staleness, fees,
//! removal, and a property test that no reported opportunity loses money when re-verified
//! exactly.

mod support;

use detector::{
    CexBook, CexConfig, CexLevel, Detector, DetectorConfig, OpportunityEvent, PoolUpdate,
    RejectReason,
};
use proptest::prelude::*;
use protocol::{OpportunityStatus, OpportunityType};
use support::{E8, SOL, USDC, book, key, orca_sol_usdc, real_pools, reverify, spot, tokens};

const SEC: u64 = 1_000_000;
const T: u64 = 1_000 * SEC;

fn config(cex: CexConfig) -> DetectorConfig {
    DetectorConfig {
        min_profit_bps: 5,
        min_profit_lamports: 1_000,
        cex,
        ..DetectorConfig::default()
    }
}

fn detector(cex: CexConfig) -> Detector {
    let mut d = Detector::new(config(cex), key(SOL)).unwrap();
    for t in tokens() {
        d.register_token(t);
    }
    d
}

/// The real pool and a detector holding it, or `None` without the fixtures.
fn setup(cex: CexConfig) -> Option<(Detector, PoolUpdate)> {
    let Some(pool) = orca_sol_usdc(T) else {
        eprintln!("no fixtures (DEXMON_FIXTURES): skipped");
        return None;
    };
    let mut d = detector(cex);
    assert!(d.apply(pool.clone(), T).is_empty());
    Some((d, pool))
}

fn cex_events(events: &[OpportunityEvent]) -> Vec<&OpportunityEvent> {
    events
        .iter()
        .filter(|e| e.opportunity.kind == OpportunityType::CexDex)
        .collect()
}

/// A book whose mid is `premium` above the pool's price (below when negative).
fn book_at(pool: &PoolUpdate, premium: f64, levels: usize, qty: f64, at: u64) -> CexBook {
    let mid = spot(pool, &key(SOL)) * (1.0 + premium);
    book(mid, 0.0002, levels, 0.0005, qty, at)
}

#[test]
fn a_richer_book_opens_buy_on_the_pool_sell_on_the_exchange() {
    let cex = CexConfig::default();
    let Some((mut d, pool)) = setup(cex) else {
        return;
    };
    let b = book_at(&pool, 0.01, 20, 5.0, T);
    let events = d.apply_cex(b.clone(), T + 300);
    let opened = cex_events(&events);
    assert_eq!(opened.len(), 1, "{events:#?}");
    let e = opened[0];
    assert_eq!(e.status, OpportunityStatus::Open);
    let o = &e.opportunity;
    assert_eq!(o.pair, "SOL/USDC");
    assert_eq!(
        (o.buy_dex.as_str(), o.sell_dex.as_str()),
        ("orca", "binance")
    );
    assert_eq!(o.profit_token, "USDC");
    assert_eq!(
        (o.legs[0].token_in.as_str(), o.legs[0].token_out.as_str()),
        ("USDC", "SOL")
    );
    assert_eq!(o.legs[1].dex, "binance");
    assert!(o.buy_price < o.sell_price);
    assert_eq!(o.timing.detection_latency_ms, 0.3);
    assert!(
        o.id.starts_with("cex_dex:SOL/USDC:binance:SOLUSDC:"),
        "{}",
        o.id
    );
    let realised = reverify(e, &[&pool], &b, cex.taker_fee_bps, cex.transfer_cost_bps);
    assert_eq!(realised, o.net_profit);
    assert!(realised > 0);
    // On the wire, the exchange leg's pool is `binance:SOLUSDC`.
    let msg = e.to_message(1, protocol::Timestamp::from_unix_millis(0), |a| {
        format!("{:02x}", a[0])
    });
    assert_eq!(msg.opportunity_type, OpportunityType::CexDex);
    assert_eq!(msg.legs[1].pool, "binance:SOLUSDC");
    assert_eq!(msg.legs[1].dex, "binance");
    assert!(msg.costs.dex_fees > 0.0 && msg.costs.gas_jito > 0.0);
    assert!(msg.net_profit_percent > 0.0 && msg.net_profit_percent < msg.gross_profit_percent);
}

#[test]
fn a_cheaper_book_opens_buy_on_the_exchange_sell_into_the_pool() {
    let cex = CexConfig {
        transfer_cost_bps: 3,
        ..CexConfig::default()
    };
    let Some((mut d, pool)) = setup(cex) else {
        return;
    };
    let b = book_at(&pool, -0.01, 20, 5.0, T);
    let events = d.apply_cex(b.clone(), T);
    let opened = cex_events(&events);
    assert_eq!(opened.len(), 1, "{events:#?}");
    let o = &opened[0].opportunity;
    assert_eq!(
        (o.buy_dex.as_str(), o.sell_dex.as_str()),
        ("binance", "orca")
    );
    assert_eq!(
        (o.legs[0].token_in.as_str(), o.legs[0].token_out.as_str()),
        ("USDC", "SOL")
    );
    assert_eq!(o.legs[1].pool, pool.address);
    let cex_side = o.cex.as_ref().unwrap();
    assert!(cex_side.buy && cex_side.transfer_cost > 0);
    let realised = reverify(
        opened[0],
        &[&pool],
        &b,
        cex.taker_fee_bps,
        cex.transfer_cost_bps,
    );
    assert_eq!(realised, o.net_profit);
}

#[test]
fn the_size_is_limited_by_the_visible_depth() {
    let cex = CexConfig::default();
    let Some((mut d, pool)) = setup(cex) else {
        return;
    };
    // A 3% premium on one thin level: every unit of it is worth taking.
    let thin = book_at(&pool, 0.03, 1, 0.5, T);
    let events = d.apply_cex(thin.clone(), T);
    let o = &cex_events(&events)[0].opportunity;
    // The whole level, to within the pool's integer steps (one raw USDC buys ~25 lamports
    // here, and a few units either way at the edge pay the same).
    let qty = o.cex.as_ref().unwrap().qty_e8;
    assert!(qty <= E8 / 2 && E8 / 2 - qty < 1_000, "{qty}");
    reverify(
        cex_events(&events)[0],
        &[&pool],
        &thin,
        cex.taker_fee_bps,
        0,
    );
    let thin_size = o.input;
    // Ten times the depth: a larger trade.
    let deep = book_at(&pool, 0.03, 1, 5.0, T + 1);
    let events = d.apply_cex(deep.clone(), T + 1);
    let e = cex_events(&events)[0];
    assert_eq!(e.status, OpportunityStatus::Update);
    assert!(e.opportunity.input > 5 * thin_size);
    reverify(e, &[&pool], &deep, cex.taker_fee_bps, 0);
}

#[test]
fn the_size_maximises_profit_where_the_pool_limits_it() {
    let cex = CexConfig::default();
    let Some((mut d, pool)) = setup(cex) else {
        return;
    };
    // A deep book 1% below the pool: the pool's slippage, not the book, ends the trade.
    let b = book_at(&pool, -0.01, 20, 1_000.0, T);
    let events = d.apply_cex(b.clone(), T);
    let e = cex_events(&events)[0];
    let best = reverify(e, &[&pool], &b, cex.taker_fee_bps, 0);
    let qty = e.opportunity.cex.as_ref().unwrap().qty_e8;
    assert!(qty < 20 * 1_000 * E8, "not depth-limited");
    // Profit at 5% smaller and larger sizes, through the same exact legs, is lower.
    for scaled in [qty / 20 * 19, qty / 20 * 21] {
        let mut other = e.clone();
        let o = &mut other.opportunity;
        let n: u128 = {
            let mut left = u128::from(scaled);
            b.asks.iter().fold(0u128, |sum, l| {
                let take = left.min(u128::from(l.qty_e8));
                left -= take;
                sum + take * u128::from(l.price_e8)
            })
        };
        let paid = (n * 1_000_000).div_ceil(10u128.pow(16)) as u64;
        let base = ((u128::from(scaled) - (u128::from(scaled) * 10).div_ceil(10_000)) * 10) as u64;
        let q = pool
            .snapshot
            .quote_exact_in(
                if pool.token_a == key(SOL) {
                    pricing::Direction::AToB
                } else {
                    pricing::Direction::BToA
                },
                base,
            )
            .unwrap();
        let profit = i128::from(q.amount_out) - i128::from(paid) - i128::from(o.tx_cost);
        assert!(profit < best, "size {scaled}: {profit} ≥ {best}");
    }
}

#[test]
fn a_stale_book_is_not_traded_against() {
    let cex = CexConfig::default();
    let Some((mut d, pool)) = setup(cex) else {
        return;
    };
    let max_age = cex.max_book_age_ms * 1_000;
    // Arrived just over the limit before the decision: ignored.
    let b = book_at(&pool, 0.01, 20, 5.0, T);
    assert!(cex_events(&d.apply_cex(b.clone(), T + max_age + 1)).is_empty());
    assert_eq!(d.rejections().get(&RejectReason::StaleBook), Some(&2));
    // Fresh, it opens; a pool update after the book has aged closes it.
    let events = d.apply_cex(b, T + max_age);
    assert_eq!(cex_events(&events).len(), 1);
    let mut moved = pool.clone();
    moved.slot += 1;
    moved.reserves.0 += 1;
    moved.received_at_us = T + max_age + 1;
    let events = d.apply(moved, T + max_age + 1);
    let closed = cex_events(&events);
    assert_eq!(closed.len(), 1, "{events:#?}");
    assert_eq!(closed[0].status, OpportunityStatus::Close);
}

#[test]
fn the_taker_fee_can_make_it_unprofitable() {
    // A 0.6% premium pays a 0.1% taker fee, not a 1% one.
    let Some((mut d, pool)) = setup(CexConfig::default()) else {
        return;
    };
    let b = book_at(&pool, 0.006, 20, 5.0, T);
    assert_eq!(cex_events(&d.apply_cex(b.clone(), T)).len(), 1);
    let Some((mut d, _)) = setup(CexConfig {
        taker_fee_bps: 100,
        ..CexConfig::default()
    }) else {
        return;
    };
    assert!(cex_events(&d.apply_cex(b, T)).is_empty());
    assert_eq!(d.rejections().get(&RejectReason::BelowMinProfit), Some(&2));
}

#[test]
fn removal_of_the_book_or_the_pool_closes_it() {
    let cex = CexConfig::default();
    let Some((mut d, pool)) = setup(cex) else {
        return;
    };
    let b = book_at(&pool, 0.01, 20, 5.0, T);
    assert_eq!(cex_events(&d.apply_cex(b.clone(), T)).len(), 1);
    let events = d.remove_cex("binance", "SOLUSDC", T + 1);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].status, OpportunityStatus::Close);
    assert_eq!(d.open_opportunities().count(), 0);
    assert!(d.remove_cex("binance", "SOLUSDC", T + 2).is_empty());
    // Back again, then the pool goes.
    assert_eq!(cex_events(&d.apply_cex(b, T + 3)).len(), 1);
    let events = d.remove_pool(&pool.address, T + 4);
    assert_eq!(cex_events(&events)[0].status, OpportunityStatus::Close);
}

#[test]
fn a_pool_update_re_evaluates_the_books_of_its_pair() {
    let cex = CexConfig::default();
    let Some(pool) = orca_sol_usdc(T) else { return };
    let mut d = detector(cex);
    // The book first: no pool of its pair yet.
    let b = book_at(&pool, 0.01, 20, 5.0, T);
    assert!(d.apply_cex(b.clone(), T).is_empty());
    let events = d.apply(pool.clone(), T);
    let opened = cex_events(&events);
    assert_eq!(opened.len(), 1, "{events:#?}");
    reverify(opened[0], &[&pool], &b, cex.taker_fee_bps, 0);
}

#[test]
fn an_invalid_book_is_dropped() {
    let cex = CexConfig::default();
    let Some((mut d, pool)) = setup(cex) else {
        return;
    };
    let mut b = book_at(&pool, 0.01, 20, 5.0, T);
    assert_eq!(cex_events(&d.apply_cex(b.clone(), T)).len(), 1);
    b.asks[0].price_e8 = b.bids[0].price_e8; // crossed
    let events = d.apply_cex(b, T + 1);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].status, OpportunityStatus::Close);
    assert_eq!(d.rejections().get(&RejectReason::InvalidBook), Some(&1));
}

#[test]
fn the_config_is_validated() {
    let err = Detector::new(
        config(CexConfig {
            taker_fee_bps: 10_000,
            ..CexConfig::default()
        }),
        key(SOL),
    )
    .unwrap_err();
    assert_eq!(err.field, "cex.taker_fee_bps");
}

// ---- The property: no reported cex_dex opportunity loses money on exact re-verification.

#[derive(Debug, Clone)]
struct Case {
    /// Which real pool (by index) or a synthetic constant-product pool (`None`).
    pool: Option<usize>,
    reserves: (u64, u64),
    premium_bp: i32,
    spread_bp: u32,
    levels: Vec<(u32, u64)>,
    taker_fee_bps: u32,
    transfer_cost_bps: u32,
    book_age_ms: u64,
    book_first: bool,
}

fn cases() -> impl Strategy<Value = Case> {
    (
        prop::option::weighted(0.7, 0usize..5),
        (
            1_000_000_000_000u64..50_000_000_000_000,
            100_000_000_000u64..10_000_000_000_000,
        ),
        -400i32..400,
        0u32..20,
        prop::collection::vec((1u32..40, 1u64..2_000 * E8), 1..20),
        0u32..40,
        0u32..20,
        0u64..1_500,
        any::<bool>(),
    )
        .prop_map(
            |(
                pool,
                reserves,
                premium_bp,
                spread_bp,
                levels,
                taker_fee_bps,
                transfer_cost_bps,
                book_age_ms,
                book_first,
            )| Case {
                pool,
                reserves,
                premium_bp,
                spread_bp,
                levels,
                taker_fee_bps,
                transfer_cost_bps,
                book_age_ms,
                book_first,
            },
        )
}

/// A synthetic Raydium AMM v4 SOL/USDC pool.
fn amm(reserves: (u64, u64), at: u64) -> PoolUpdate {
    let model = market::PoolModel::RaydiumAmmV4(
        pricing::AmmV4Pool::new(pricing::AmmV4Params {
            vault_coin: pricing::Vault::new(reserves.0, 0),
            vault_pc: pricing::Vault::new(reserves.1, 0),
            swap_fee_numerator: 25,
            swap_fee_denominator: 10_000,
            coin_decimals: 9,
            pc_decimals: 6,
        })
        .unwrap(),
    );
    let mut address = [0xA0; 32];
    address[31] = 1;
    PoolUpdate {
        address,
        dex: "raydium".into(),
        pool_type: "amm_v4".into(),
        token_a: key(SOL),
        token_b: key(USDC),
        snapshot: model.into(),
        reserves,
        slot: 10,
        received_at_us: at,
    }
}

/// Runs a case; returns how many opportunities were re-verified (pool buys, exchange buys).
fn run(case: &Case, real: &[PoolUpdate]) -> Result<(u32, u32), TestCaseError> {
    let cex = CexConfig {
        taker_fee_bps: case.taker_fee_bps,
        transfer_cost_bps: case.transfer_cost_bps,
        max_book_age_ms: 1_000,
    };
    let mut d = detector(cex);
    let sol_usdc = real
        .iter()
        .find(|p| p.address == key(support::ORCA_SOL_USDC))
        .cloned();
    let pool = match case.pool {
        Some(i) if !real.is_empty() => real[i % real.len()].clone(),
        _ => amm(case.reserves, T),
    };
    // The book's pair is the pool's, base = token A; SOL/USDC prices transaction costs.
    let (base, quote) = (pool.token_a, pool.token_b);
    if let Some(s) = &sol_usdc
        && s.address != pool.address
    {
        d.apply(s.clone(), T);
    }
    let mid = spot(&pool, &base) * (1.0 + f64::from(case.premium_bp) / 10_000.0);
    let half = f64::from(case.spread_bp) / 20_000.0;
    let (mut bid, mut ask) = (mid * (1.0 - half), mid * (1.0 + half));
    let mut bids = Vec::new();
    let mut asks = Vec::new();
    for (gap_bp, qty) in &case.levels {
        let (b, a) = ((bid * 1e8) as u64, (ask * 1e8).ceil() as u64);
        if b == 0
            || bids.last().is_some_and(|l: &CexLevel| l.price_e8 <= b)
            || asks.last().is_some_and(|l: &CexLevel| l.price_e8 >= a)
        {
            break;
        }
        bids.push(CexLevel {
            price_e8: b,
            qty_e8: *qty,
        });
        asks.push(CexLevel {
            price_e8: a.max(b + 1),
            qty_e8: *qty,
        });
        bid *= 1.0 - f64::from(*gap_bp) / 10_000.0;
        ask *= 1.0 + f64::from(*gap_bp) / 10_000.0;
    }
    let now = T + 2 * SEC;
    let book = CexBook {
        venue: "binance".into(),
        symbol: "XY".into(),
        base_mint: base,
        quote_mint: quote,
        bids,
        asks,
        received_at_us: now - case.book_age_ms * 1_000,
    };
    let feed = |d: &mut Detector| {
        let mut events = Vec::new();
        if case.book_first {
            events.extend(d.apply_cex(book.clone(), now));
            events.extend(d.apply(pool.clone(), now));
        } else {
            events.extend(d.apply(pool.clone(), now));
            events.extend(d.apply_cex(book.clone(), now));
        }
        events
    };
    let events = feed(&mut d);
    // Deterministic: a second detector fed the same inputs says the same.
    let mut again = detector(cex);
    if let Some(s) = &sol_usdc
        && s.address != pool.address
    {
        again.apply(s.clone(), T);
    }
    prop_assert_eq!(&feed(&mut again), &events);
    let mut seen = (0, 0);
    for e in &events {
        if e.opportunity.kind != OpportunityType::CexDex || e.status == OpportunityStatus::Close {
            continue;
        }
        prop_assert!(case.book_age_ms <= 1_000, "traded against a stale book");
        let pools: Vec<&PoolUpdate> = std::iter::once(&pool).chain(sol_usdc.as_ref()).collect();
        let realised = reverify(e, &pools, &book, case.taker_fee_bps, case.transfer_cost_bps);
        prop_assert!(
            realised >= e.opportunity.net_profit,
            "reported {} realised {realised}",
            e.opportunity.net_profit
        );
        prop_assert!(realised > 0);
        if e.opportunity.cex.as_ref().unwrap().buy {
            seen.1 += 1;
        } else {
            seen.0 += 1;
        }
    }
    Ok(seen)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// No false positives: every reported cex_dex opportunity, re-verified by re-walking the
    /// book and re-quoting the pool at the reported amounts, makes at least its net profit.
    #[test]
    fn reported_cex_dex_opportunities_are_real(case in cases()) {
        let real = real_pools(T).unwrap_or_default();
        run(&case, &real)?;
    }
}

/// The property must see opportunities both ways, on real pools and synthetic ones.
#[test]
fn the_property_test_sees_real_opportunities() {
    use proptest::test_runner::{Config, TestRunner};
    let real = real_pools(T).unwrap_or_default();
    let mut runner = TestRunner::new(Config {
        cases: 200,
        ..Config::default()
    });
    let seen = std::cell::Cell::new((0u32, 0u32));
    runner
        .run(&cases(), |case| {
            let (a, b) = run(&case, &real)?;
            let (x, y) = seen.get();
            seen.set((x + a, y + b));
            Ok(())
        })
        .unwrap();
    let (pool_buys, exchange_buys) = seen.get();
    eprintln!("re-verified {pool_buys} pool-buys and {exchange_buys} exchange-buys");
    assert!(
        pool_buys >= 20 && exchange_buys >= 20,
        "{pool_buys} {exchange_buys}"
    );
}
