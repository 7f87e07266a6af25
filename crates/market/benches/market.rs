//! The market's own costs on real mainnet pools: assembling a pool's complete quoting state
//! from its accounts (what the monitor does after every update), routing an update, and a
//! quote through the Token-2022 transfer-fee path against the same pool's plain model quote,
//! and a DLMM quote that fills resting orders against the same quote with orders ignored.
//!
//! `cargo bench -p market --bench market` (needs the shared fixtures).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use market::test_utils::{COMPLETE_POOLS, fixture_market, pubkey};
use market::{AccountUpdate, QuoteClock, SwapMode};
use pricing::Direction;

const CLOCK: QuoteClock = QuoteClock {
    slot: 360_720_000,
    epoch: 835,
    unix_timestamp: 1_760_000_000,
};

fn bench(c: &mut Criterion) {
    let Some((market, fixtures)) = fixture_market(8) else {
        eprintln!("NOTICE: no fixtures, market benchmarks skipped");
        return;
    };
    let mut snapshot = c.benchmark_group("market_snapshot");
    for address in COMPLETE_POOLS {
        let key = address.parse().unwrap();
        let pool = market.pool(&key).unwrap();
        let name = format!("{}_{}", pool.kind().pool_type(), &address[..6]);
        snapshot.bench_function(name, |b| b.iter(|| black_box(pool.snapshot(CLOCK)).is_ok()));
    }
    snapshot.finish();

    // A vault write routed to its pool (new slot each time, so it is never stale).
    let vault_key = market
        .pool(&COMPLETE_POOLS[0].parse().unwrap())
        .unwrap()
        .accounts()
        .vaults[0];
    let vault = fixtures.iter().find(|f| pubkey(f) == vault_key).unwrap();
    let mut routed = market.clone();
    let mut slot = 1_000_000;
    c.bench_function("market_apply/vault_update", |b| {
        b.iter(|| {
            slot += 1;
            black_box(routed.apply(AccountUpdate {
                pubkey: vault_key,
                owner: vault.account.owner,
                data: &vault.account.data,
                slot,
                write_version: None,
            }))
        })
    });

    // The Token-2022 DLMM pair: the same swap through the transfer-fee path and through the
    // pool model alone.
    let pair = market
        .snapshot(
            &"B5Eia4cE71tKuEDaqPHucJLG2fxySKyKzLMewd2nUvoc"
                .parse()
                .unwrap(),
            CLOCK,
        )
        .unwrap();
    let side = pair.transfer_fees.iter().position(Option::is_some).unwrap();
    let sell = if side == 0 {
        Direction::AToB
    } else {
        Direction::BToA
    };
    let mut fee_path = c.benchmark_group("transfer_fee_path");
    for mode in [SwapMode::ExactIn, SwapMode::ExactOut] {
        let amount = 10_000;
        fee_path.bench_function(format!("{mode:?}_with_fee"), |b| {
            b.iter(|| black_box(pair.quote(sell, mode, black_box(amount))).is_ok())
        });
        fee_path.bench_function(format!("{mode:?}_model_only"), |b| {
            b.iter(|| black_box(pair.model.quote(sell, mode, black_box(amount))).is_ok())
        });
    }
    fee_path.finish();

    // The pair with resting orders in its bins: the same swap with orders filled (as the
    // program does) and with them left out (what the monitor did before).
    let orders = market
        .snapshot(
            &"9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd"
                .parse()
                .unwrap(),
            CLOCK,
        )
        .unwrap();
    let market::PoolModel::Dlmm(with_orders) = &orders.model else {
        unreachable!("9t3EyC is a DLMM pair")
    };
    let mut without_orders = with_orders.clone();
    without_orders.params.support_limit_order = false;
    let mut order_path = c.benchmark_group("limit_order_path");
    for (name, direction) in [("sell_x", Direction::AToB), ("sell_y", Direction::BToA)] {
        let amount = 1_000_000_000;
        order_path.bench_function(format!("{name}_orders_filled"), |b| {
            b.iter(|| {
                black_box(with_orders.swap(direction, SwapMode::ExactIn, black_box(amount))).is_ok()
            })
        });
        order_path.bench_function(format!("{name}_orders_ignored"), |b| {
            b.iter(|| {
                black_box(without_orders.swap(direction, SwapMode::ExactIn, black_box(amount)))
                    .is_ok()
            })
        });
    }
    order_path.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
