//! `cargo bench -p pricing`: the quote paths, and in the same run `orca_whirlpools_core`'s
//! `swap_quote_by_input_token` on identical inputs (the results are asserted equal first),
//! with and without Token-2022 transfer fees.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use orca_whirlpools_core as orca_core;
use pricing::clmm::Tick;
use pricing::clmm::orca::{TickArray, WhirlpoolPool, WhirlpoolState, sqrt_price_from_tick_index};
use pricing::dlmm::{Bin, BinArray, DlmmParams, DlmmPool, VariableParameters};
use pricing::{
    AmmV4Pool, CpmmFees, CpmmPool, Direction, FeeProgram, PoolTransferFees, SwapMode, SwapModel,
    TransferFee, quote_model_with_transfer_fees,
};

/// A whirlpool at tick 0 (price 1) with liquidity 2^64, tick spacing 64, and an initialized
/// tick at every spacing so that each crossing is a real tick.
fn whirlpool() -> WhirlpoolPool {
    let spacing = 64i32;
    let span = 88 * spacing;
    let tick_arrays = (-2..=1)
        .map(|k| {
            let mut a = TickArray::empty(k * span);
            for t in a.ticks.iter_mut() {
                *t = Tick {
                    initialized: true,
                    liquidity_net: 1 << 40,
                };
            }
            a
        })
        .collect();
    WhirlpoolPool {
        state: WhirlpoolState {
            sqrt_price: sqrt_price_from_tick_index(32),
            tick_current_index: 32,
            liquidity: 1 << 64,
            tick_spacing: spacing as u16,
            fee_rate: 3_000,
            protocol_fee_rate: 1_300,
            decimals_a: 0,
            decimals_b: 0,
        },
        tick_arrays,
        oracle: None,
        timestamp: 0,
    }
}

fn orca_inputs(pool: &WhirlpoolPool) -> (orca_core::WhirlpoolFacade, orca_core::TickArrays) {
    let facade = orca_core::WhirlpoolFacade {
        fee_tier_index_seed: pool.state.tick_spacing.to_le_bytes(),
        tick_spacing: pool.state.tick_spacing,
        fee_rate: pool.state.fee_rate,
        protocol_fee_rate: pool.state.protocol_fee_rate,
        liquidity: pool.state.liquidity,
        sqrt_price: pool.state.sqrt_price,
        tick_current_index: pool.state.tick_current_index,
        ..Default::default()
    };
    let arrays: Vec<orca_core::TickArrayFacade> = pool
        .tick_arrays
        .iter()
        .map(|a| {
            let mut ticks = [orca_core::TickFacade::default(); 88];
            for (out, t) in ticks.iter_mut().zip(a.ticks.iter()) {
                out.initialized = t.initialized;
                out.liquidity_net = t.liquidity_net;
                out.liquidity_gross = t.liquidity_net.unsigned_abs();
            }
            orca_core::TickArrayFacade {
                start_tick_index: a.start_tick_index,
                ticks,
            }
        })
        .collect();
    (
        facade,
        orca_core::TickArrays::Four(arrays[0], arrays[1], arrays[2], arrays[3]),
    )
}

/// A whirlpool quote with transfer fees on both mints (A 0.5% capped at 5,000,000; B 1%),
/// against the same quote without fees and against Orca's crate given the same fees.
fn clmm_transfer_fees(c: &mut Criterion) {
    let pool = whirlpool();
    let (facade, arrays) = orca_inputs(&pool);
    let (fee_a, fee_b) = (
        TransferFee::new(50, 5_000_000),
        TransferFee::new(100, u64::MAX),
    );
    let fees = PoolTransferFees {
        a: Some(fee_a),
        b: Some(fee_b),
    };
    let orca_fee = |f: TransferFee| {
        Some(orca_core::TransferFee::new_with_max(
            f.basis_points,
            f.maximum_fee,
        ))
    };
    for (name, amount) in [
        ("within_one_tick", 1_000_000u64),
        ("crossing_10_ticks", 620_000_000_000_000_000),
    ] {
        let quote = || {
            quote_model_with_transfer_fees(
                FeeProgram::OrcaWhirlpool,
                black_box(&pool),
                black_box(fees),
                Direction::BToA,
                SwapMode::ExactIn,
                black_box(amount),
            )
        };
        let orca_quote = || {
            orca_core::swap_quote_by_input_token(
                black_box(amount),
                false,
                0,
                black_box(facade),
                None,
                black_box(arrays.clone()),
                0,
                orca_fee(fee_a),
                orca_fee(fee_b),
            )
        };
        let (ours, theirs) = (quote().expect("quote"), orca_quote().expect("orca quote"));
        assert!(ours.transfer_fee_in > 0 && ours.transfer_fee_out > 0);
        assert_eq!(
            (ours.minimum_amount_in, ours.amount_out, ours.pool.fee),
            (theirs.token_in, theirs.token_est_out, theirs.trade_fee)
        );
        let mut group = c.benchmark_group(format!("clmm_quote_transfer_fees/{name}"));
        group.bench_function("dexmon_without_fees", |b| {
            b.iter(|| black_box(&pool).quote_exact_in(Direction::BToA, black_box(amount)))
        });
        group.bench_function("dexmon_with_fees", |b| b.iter(quote));
        group.bench_function("orca_whirlpools_core_with_fees", |b| b.iter(orca_quote));
        group.finish();
    }
}

fn clmm(c: &mut Criterion) {
    let pool = whirlpool();
    let (facade, arrays) = orca_inputs(&pool);
    // Within one tick, and across ten initialized ticks (B to A, price rising).
    for (name, amount) in [
        ("within_one_tick", 1_000_000u64),
        ("crossing_10_ticks", 620_000_000_000_000_000),
    ] {
        let ours = pool.quote_exact_in(Direction::BToA, amount).expect("quote");
        let outcome = pool
            .swap(Direction::BToA, SwapMode::ExactIn, amount, 0)
            .expect("swap");
        let crossed = (outcome.end_tick_index - pool.state.tick_current_index) / 64;
        let theirs = orca_core::swap_quote_by_input_token(
            amount,
            false,
            0,
            facade,
            None,
            arrays.clone(),
            0,
            None,
            None,
        )
        .expect("orca quote");
        assert_eq!(
            (ours.amount_in, ours.amount_out, ours.fee),
            (theirs.token_in, theirs.token_est_out, theirs.trade_fee)
        );
        eprintln!("{name}: {crossed} ticks crossed, out {}", ours.amount_out);
        let mut group = c.benchmark_group(format!("clmm_quote/{name}"));
        group.bench_function("dexmon", |b| {
            b.iter(|| black_box(&pool).quote_exact_in(Direction::BToA, black_box(amount)))
        });
        group.bench_function("orca_whirlpools_core", |b| {
            b.iter(|| {
                orca_core::swap_quote_by_input_token(
                    black_box(amount),
                    false,
                    0,
                    black_box(facade),
                    None,
                    black_box(arrays.clone()),
                    0,
                    None,
                    None,
                )
            })
        });
        group.finish();
    }
}

fn tick_math(c: &mut Criterion) {
    let ticks: Vec<i32> = (-443_636..=443_636).step_by(8_887).collect();
    let mut group = c.benchmark_group("tick_to_sqrt_price");
    group.bench_function("dexmon_orca", |b| {
        b.iter(|| {
            ticks
                .iter()
                .map(|t| pricing::clmm::orca::sqrt_price_from_tick_index(*t))
                .fold(0u128, |a, p| a ^ p)
        })
    });
    group.bench_function("dexmon_raydium", |b| {
        b.iter(|| {
            ticks
                .iter()
                .map(|t| pricing::clmm::raydium::sqrt_price_at_tick(*t).unwrap_or(0))
                .fold(0u128, |a, p| a ^ p)
        })
    });
    group.bench_function("orca_whirlpools_core", |b| {
        b.iter(|| {
            ticks
                .iter()
                .map(|t| orca_core::tick_index_to_sqrt_price(*t))
                .fold(0u128, |a, p| a ^ p)
        })
    });
    group.finish();
    eprintln!(
        "tick_to_sqrt_price: each iteration converts {} ticks",
        ticks.len()
    );
}

fn constant_product(c: &mut Criterion) {
    let amm = AmmV4Pool::new(pricing::AmmV4Params {
        vault_coin: pricing::Vault::new(2_000_000_000_000, 183_502_858),
        vault_pc: pricing::Vault::new(350_000_000_000, 21_928_100),
        swap_fee_numerator: 25,
        swap_fee_denominator: 10_000,
        coin_decimals: 9,
        pc_decimals: 6,
    })
    .expect("pool");
    let fees = CpmmFees {
        trade_fee_rate: 2_500,
        protocol_fee_rate: 120_000,
        fund_fee_rate: 40_000,
        creator_fee_rate: 0,
        creator_fee_on: Default::default(),
    };
    let cpmm = CpmmPool::new(pricing::CpmmParams {
        vault_0: pricing::Vault::new(10_000_000_000_000, 0),
        vault_1: pricing::Vault::new(1_800_000_000_000, 0),
        fees,
        decimals_0: 9,
        decimals_1: 6,
    })
    .expect("pool");
    let mut group = c.benchmark_group("constant_product_quote");
    group.bench_function("raydium_amm_v4_exact_in", |b| {
        b.iter(|| black_box(&amm).quote_exact_in(Direction::AToB, black_box(1_000_000_000)))
    });
    group.bench_function("raydium_amm_v4_exact_out", |b| {
        b.iter(|| black_box(&amm).quote_exact_out(Direction::AToB, black_box(1_000_000)))
    });
    group.bench_function("raydium_cpmm_exact_in", |b| {
        b.iter(|| black_box(&cpmm).quote_exact_in(Direction::AToB, black_box(1_000_000_000)))
    });
    group.finish();
}

fn dlmm(c: &mut Criterion) {
    let arrays: Vec<BinArray> = (-1..=0)
        .map(|index| {
            let mut bins = [Bin::default(); 70];
            for b in bins.iter_mut() {
                *b = Bin {
                    amount_x: 1_000_000_000,
                    amount_y: 1_000_000_000,
                    ..Bin::default()
                };
            }
            BinArray { index, bins }
        })
        .collect();
    let pool = DlmmPool {
        params: DlmmParams {
            bin_step: 10,
            base_factor: 10_000,
            filter_period: 30,
            decay_period: 600,
            reduction_factor: 5_000,
            variable_fee_control: 20_000,
            max_volatility_accumulator: 350_000,
            protocol_share: 500,
            ..DlmmParams::default()
        },
        variables: VariableParameters {
            last_update_timestamp: 0,
            ..VariableParameters::default()
        },
        active_id: 30,
        arrays_with_liquidity: vec![-1, 0],
        bin_arrays: arrays,
        timestamp: 10,
        decimals_x: 0,
        decimals_y: 0,
        reserves: None,
    };
    for (name, amount) in [
        ("within_one_bin", 1_000_000u64),
        ("crossing_10_bins", 10_500_000_000),
    ] {
        let s = pool
            .swap(Direction::AToB, SwapMode::ExactIn, amount)
            .expect("swap");
        eprintln!(
            "dlmm {name}: {} bins crossed",
            pool.active_id - s.end_active_id
        );
        c.bench_function(&format!("dlmm_quote/{name}"), |b| {
            b.iter(|| black_box(&pool).quote_exact_in(Direction::AToB, black_box(amount)))
        });
    }
}

criterion_group!(
    benches,
    constant_product,
    tick_math,
    clmm,
    clmm_transfer_fees,
    dlmm
);
criterion_main!(benches);
