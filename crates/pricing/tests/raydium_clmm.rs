//! Raydium CLMM: tick math against the real pool's stored tick, the swap step against the
//! Orca model where the two programs' math coincides, and the swap invariants.

use decoder::test_utils::{all_fixtures, by_pubkey};
use pricing::clmm::Tick;
use pricing::clmm::orca;
use pricing::clmm::raydium::{
    ClmmPool, ClmmState, ClmmTick, ClmmTickArray, DynamicFee, FeeOn, MAX_TICK, MIN_TICK,
    sqrt_price_at_tick, tick_at_sqrt_price,
};
use pricing::{Direction, Fill, PartialReason, SwapMode, SwapModel};
use proptest::prelude::*;

/// The swap's way from the differential's bools (`a_to_b`), in the crate's vocabulary.
fn direction(a_to_b: bool) -> Direction {
    if a_to_b {
        Direction::AToB
    } else {
        Direction::BToA
    }
}

/// The swap's kind from the differential's bools (`exact_in`).
fn mode(exact_in: bool) -> SwapMode {
    if exact_in {
        SwapMode::ExactIn
    } else {
        SwapMode::ExactOut
    }
}

#[test]
fn real_pool_tick_matches_its_sqrt_price() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let f = by_pubkey(&fixtures, "3ucNos4NbumPLZNWztqGHNFFgkHeRMBQAVemeeomsUxv").unwrap();
    let p = decoder::ClmmPool::from_account(&f.account.owner, &f.account.data).unwrap();
    assert_eq!(
        tick_at_sqrt_price(p.sqrt_price_x64()).unwrap(),
        p.tick_current()
    );
    assert!(sqrt_price_at_tick(p.tick_current()).unwrap() <= p.sqrt_price_x64());
}

#[test]
fn real_pool_without_its_tick_arrays_quotes_nothing_and_says_why() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let f = by_pubkey(&fixtures, "3ucNos4NbumPLZNWztqGHNFFgkHeRMBQAVemeeomsUxv").unwrap();
    let p = decoder::ClmmPool::from_account(&f.account.owner, &f.account.data).unwrap();
    let pool = ClmmPool {
        state: ClmmState {
            sqrt_price_x64: p.sqrt_price_x64(),
            tick_current: p.tick_current(),
            liquidity: p.liquidity(),
            tick_spacing: p.tick_spacing(),
            trade_fee_rate: 400,
            protocol_fee_rate: 120_000,
            fund_fee_rate: 40_000,
            fee_on: FeeOn::FromInput,
            dynamic_fee: None,
            swaps_enabled: p.swaps_enabled(),
            decimals_0: p.mint_decimals_0(),
            decimals_1: p.mint_decimals_1(),
        },
        initialized_array_starts: pricing::clmm::raydium::initialized_tick_array_starts(
            p.tick_spacing(),
            &p.tick_array_bitmap(),
            None,
        ),
        tick_arrays: vec![],
        timestamp: 1_700_000_000,
    };
    assert!(!pool.initialized_array_starts.is_empty());
    let q = pool.quote_exact_in(Direction::AToB, 1_000_000_000).unwrap();
    assert_eq!((q.amount_in, q.amount_out), (0, 0));
    assert_eq!(q.fill, Fill::Partial(PartialReason::TickArraysExhausted));
    // SOL/USDC at this slot: about 242 USDC per SOL.
    let price = pool.spot_price_f64();
    assert!((100.0..1_000.0).contains(&price), "spot price {price}");
}

/// A Raydium pool whose current array is initialized only at its two ends, and the same pool
/// as an Orca model; within the range between those ticks both programs' step math is the
/// same formula with the same rounding.
fn twin_pools(
    tick: i32,
    frac: u32,
    liquidity: u128,
    fee_rate: u16,
) -> (ClmmPool, orca::WhirlpoolPool) {
    let spacing = 1u16;
    let start = tick.div_euclid(60) * 60;
    let lower = sqrt_price_at_tick(tick).unwrap();
    let upper = sqrt_price_at_tick(tick + 1).unwrap();
    let sqrt_price = lower + (upper - lower) * u128::from(frac) / 1_000_000;
    let mut ticks = [ClmmTick::default(); 60];
    for (i, t) in ticks.iter_mut().enumerate() {
        t.tick = start + i as i32;
    }
    ticks[0].liquidity_gross = 1;
    ticks[59].liquidity_gross = 1;
    let raydium = ClmmPool {
        state: ClmmState {
            sqrt_price_x64: sqrt_price,
            tick_current: tick_at_sqrt_price(sqrt_price).unwrap(),
            liquidity,
            tick_spacing: spacing,
            trade_fee_rate: u32::from(fee_rate),
            protocol_fee_rate: 0,
            fund_fee_rate: 0,
            fee_on: FeeOn::FromInput,
            dynamic_fee: None,
            swaps_enabled: true,
            decimals_0: 0,
            decimals_1: 0,
        },
        initialized_array_starts: vec![start],
        tick_arrays: vec![ClmmTickArray {
            start_tick_index: start,
            ticks,
        }],
        timestamp: 1_700_000_000,
    };
    let mut arrays: Vec<orca::TickArray> = (-1..=1)
        .map(|i| orca::TickArray::empty(start.div_euclid(88) * 88 + i * 88))
        .collect();
    for a in &mut arrays {
        for (i, t) in a.ticks.iter_mut().enumerate() {
            let index = a.start_tick_index + i as i32;
            if index == start || index == start + 59 {
                *t = Tick {
                    initialized: true,
                    liquidity_net: 0,
                };
            }
        }
    }
    let orca = orca::WhirlpoolPool {
        state: orca::WhirlpoolState {
            sqrt_price,
            tick_current_index: orca::tick_index_from_sqrt_price(sqrt_price),
            liquidity,
            tick_spacing: spacing,
            fee_rate,
            protocol_fee_rate: 0,
            decimals_a: 0,
            decimals_b: 0,
        },
        tick_arrays: arrays,
        oracle: None,
        timestamp: 0,
    };
    (raydium, orca)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn single_range_swaps_match_the_orca_model(
        tick in -300_000i32..300_000,
        frac in 1u32..999_999,
        liquidity in (1u128 << 40)..(1u128 << 100),
        fee_rate in prop::sample::select(vec![0u16, 100, 500, 2_500, 10_000]),
        amount in 1u64..1_000_000,
        exact_in: bool,
        a_to_b: bool,
    ) {
        let (raydium, orca) = twin_pools(tick, frac, liquidity, fee_rate);
        let r = raydium.swap(direction(a_to_b), mode(exact_in), amount, 0);
        let o = orca.swap(direction(a_to_b), mode(exact_in), amount, 0);
        if let (Ok(r), Ok(o)) = (r, o) {
            // Only compare swaps that stayed inside the shared range.
            let inside = r.end_sqrt_price > sqrt_price_at_tick(tick.div_euclid(60) * 60).unwrap()
                && r.end_sqrt_price < sqrt_price_at_tick(tick.div_euclid(60) * 60 + 59).unwrap();
            if inside && r.fill == Fill::Complete {
                prop_assert_eq!((r.amount_in, r.amount_out, r.fee, r.end_sqrt_price), (o.amount_in, o.amount_out, o.fee, o.end_sqrt_price));
            }
        }
    }

    #[test]
    fn exact_out_then_exact_in_gets_at_least_the_output(
        tick in -300_000i32..300_000,
        frac in 1u32..999_999,
        liquidity in (1u128 << 50)..(1u128 << 100),
        fee_rate in prop::sample::select(vec![0u16, 100, 500, 2_500, 10_000]),
        fee_on in prop::sample::select(vec![FeeOn::FromInput, FeeOn::Token0Only, FeeOn::Token1Only]),
        amount in 1u64..10_000_000,
        a_to_b: bool,
    ) {
        let (mut pool, _) = twin_pools(tick, frac, liquidity, fee_rate);
        pool.state.fee_on = fee_on;
        let direction = if a_to_b { Direction::AToB } else { Direction::BToA };
        if let Ok(out) = pool.quote_exact_out(direction, amount)
            && out.is_complete()
            && let Ok(back) = pool.quote_exact_in(direction, out.amount_in)
        {
            prop_assert!(back.amount_out >= amount, "asked {amount}, exact-out said {out:?}, exact-in gives {back:?}");
        }
    }

    #[test]
    fn a_larger_input_never_buys_less(
        tick in -300_000i32..300_000,
        frac in 1u32..999_999,
        liquidity in (1u128 << 50)..(1u128 << 100),
        fee_on in prop::sample::select(vec![FeeOn::FromInput, FeeOn::Token0Only, FeeOn::Token1Only]),
        amount in 1u64..10_000_000,
        extra in 1u64..1_000_000,
        a_to_b: bool,
    ) {
        let (mut pool, _) = twin_pools(tick, frac, liquidity, 2_500);
        pool.state.fee_on = fee_on;
        let direction = if a_to_b { Direction::AToB } else { Direction::BToA };
        if let (Ok(small), Ok(large)) = (pool.quote_exact_in(direction, amount), pool.quote_exact_in(direction, amount + extra)) {
            prop_assert!(large.amount_out >= small.amount_out);
        }
    }
}

#[test]
fn limit_orders_on_a_crossed_tick_are_refused_not_guessed() {
    let (mut pool, _) = twin_pools(1_000, 500_000, 1 << 64, 2_500);
    pool.tick_arrays[0].ticks[0].has_limit_orders = true;
    assert!(matches!(
        pool.swap(Direction::AToB, SwapMode::ExactIn, u64::MAX / 2, 0),
        Err(pricing::PricingError::Unsupported(_))
    ));
}

fn dynamic(acc: u32, last_update: u64) -> DynamicFee {
    DynamicFee {
        filter_period: 10,
        decay_period: 60,
        reduction_factor: 5_000,
        dynamic_fee_control: 80_000,
        max_volatility_accumulator: 200_000,
        tick_spacing_index_reference: 0,
        volatility_reference: 0,
        volatility_accumulator: acc,
        last_update_timestamp: last_update,
    }
}

/// A dynamic-fee pool spanning many tick-spacing steps, so the fee can grow within a swap.
fn dynamic_pool(fee: Option<DynamicFee>) -> ClmmPool {
    let (mut pool, _) = twin_pools(30, 500_000, 1 << 70, 2_500);
    pool.state.dynamic_fee = fee.map(|mut d| {
        d.tick_spacing_index_reference = pool.state.tick_current;
        d
    });
    pool
}

#[test]
fn the_dynamic_fee_raises_the_fee_and_grows_with_distance() {
    let now = 1_700_000_000;
    let static_pool = dynamic_pool(None);
    let calm = dynamic_pool(Some(dynamic(0, now - 5)));
    // About eight ticks of price movement.
    let big = 1_000_000_000_000_000_000u64;
    let q_static = static_pool
        .swap(Direction::AToB, SwapMode::ExactIn, big, 0)
        .unwrap();
    let q_calm = calm
        .swap(Direction::AToB, SwapMode::ExactIn, big, 0)
        .unwrap();
    assert_eq!(q_static.fill, Fill::Complete);
    assert_eq!(q_calm.fill, Fill::Complete);
    assert!(
        q_calm.fee > q_static.fee,
        "dynamic {} vs static {}",
        q_calm.fee,
        q_static.fee
    );
    assert!(q_calm.amount_out < q_static.amount_out);
    // A tiny swap inside the first tick-spacing step pays (almost) the base fee only.
    let tiny_static = static_pool
        .swap(Direction::AToB, SwapMode::ExactIn, 1_000_000, 0)
        .unwrap();
    let tiny_calm = calm
        .swap(Direction::AToB, SwapMode::ExactIn, 1_000_000, 0)
        .unwrap();
    assert_eq!(tiny_calm.fee, tiny_static.fee);
}

#[test]
fn the_volatility_reference_decays_with_time() {
    let now = 1_700_000_000;
    let big = 400_000_000_000_000u64;
    // Within the filter period the old accumulator keeps counting; after the decay period it
    // is forgotten; in between it is reduced by the reduction factor.
    let fresh = dynamic_pool(Some(DynamicFee {
        volatility_reference: 100_000,
        ..dynamic(100_000, now - 5)
    }));
    let decaying = dynamic_pool(Some(DynamicFee {
        volatility_reference: 100_000,
        ..dynamic(100_000, now - 30)
    }));
    let forgotten = dynamic_pool(Some(DynamicFee {
        volatility_reference: 100_000,
        ..dynamic(100_000, now - 600)
    }));
    let fee = |p: &ClmmPool| {
        p.swap(Direction::AToB, SwapMode::ExactIn, big, 0)
            .unwrap()
            .fee
    };
    assert!(
        fee(&fresh) > fee(&decaying),
        "{} vs {}",
        fee(&fresh),
        fee(&decaying)
    );
    assert!(
        fee(&decaying) > fee(&forgotten),
        "{} vs {}",
        fee(&decaying),
        fee(&forgotten)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn dynamic_fee_quotes_keep_the_invariants(acc in 0u32..200_000, age in 0u64..1_000, amount in 1u64..1_000_000_000_000_000, extra in 1u64..1_000_000_000, a_to_b: bool) {
        let pool = dynamic_pool(Some(dynamic(acc, 1_700_000_000 - age)));
        let direction = if a_to_b { Direction::AToB } else { Direction::BToA };
        if let (Ok(small), Ok(large)) = (pool.quote_exact_in(direction, amount), pool.quote_exact_in(direction, amount + extra)) {
            prop_assert!(large.amount_out >= small.amount_out);
        }
        if let Ok(out) = pool.quote_exact_out(direction, amount)
            && out.is_complete()
            && let Ok(back) = pool.quote_exact_in(direction, out.amount_in)
        {
            prop_assert!(back.amount_out >= amount);
        }
    }
}

#[test]
fn tick_bounds_are_enforced() {
    assert!(sqrt_price_at_tick(MIN_TICK - 1).is_err());
    assert!(sqrt_price_at_tick(MAX_TICK + 1).is_err());
}

/// The single-range comparison must compare most cases rather than skip them.
#[test]
fn single_range_comparison_is_not_vacuous() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 11
    };
    let mut compared = 0;
    for _ in 0..400 {
        let tick = (next() % 600_000) as i32 - 300_000;
        let frac = (next() % 999_998) as u32 + 1;
        let liquidity = (1u128 << 60) + u128::from(next());
        let (raydium, orca) = twin_pools(tick, frac, liquidity, 2_500);
        let amount = next() % 1_000_000 + 1;
        let (exact_in, a_to_b) = (next() % 2 == 0, next() % 2 == 0);
        let (Ok(r), Ok(o)) = (
            raydium.swap(direction(a_to_b), mode(exact_in), amount, 0),
            orca.swap(direction(a_to_b), mode(exact_in), amount, 0),
        ) else {
            continue;
        };
        if r.fill == Fill::Complete && r.end_tick == o.end_tick_index {
            assert_eq!(
                (r.amount_in, r.amount_out, r.fee, r.end_sqrt_price),
                (o.amount_in, o.amount_out, o.fee, o.end_sqrt_price)
            );
            compared += 1;
        }
    }
    assert!(compared >= 300, "only {compared} of 400 compared");
}

/// Raydium CLMM `swap_v2` (`exact_internal_v2`) with Token-2022 fees on both sides, by the
/// program's own steps: exact in takes `get_transfer_fee(amount)` off before the swap and
/// `get_transfer_fee(amount_1)` off what the vault pays; exact out asks the pool for
/// `amount + get_transfer_inverse_fee(amount)` and transfers `amount_0 +
/// get_transfer_inverse_fee(amount_0)` in.
#[test]
fn swap_v2_transfer_fees_follow_the_program_steps() {
    use pricing::transfer_fee::{FeeProgram, PoolTransferFees, TransferFee};
    use pricing::{SwapMode, quote_model_with_transfer_fees};
    let pool = dynamic_pool(None);
    // Token 0: 1% uncapped; token 1: 0.5% capped at 40.
    let fees = PoolTransferFees {
        a: Some(TransferFee::new(100, u64::MAX)),
        b: Some(TransferFee::new(50, 40)),
    };
    let fee_0 = |x: u64| x.div_ceil(100);
    let fee_1 = |x: u64| (x * 50).div_ceil(10_000).min(40);
    // `calculate_inverse_fee` for 1%: the smallest gross netting x, less x.
    let inverse_fee_0 = |x: u64| (x * 10_000).div_ceil(9_900) - x;
    let inverse_fee_1 = |x: u64| ((x * 10_000).div_ceil(9_950) - x).min(40);

    // Exact in, 0 → 1: 1,000,000 in, 10,000 withheld, the pool swaps 990,000.
    let q = quote_model_with_transfer_fees(
        FeeProgram::RaydiumClmm,
        &pool,
        fees,
        Direction::AToB,
        SwapMode::ExactIn,
        1_000_000,
    )
    .unwrap();
    let core = pool.quote_exact_in(Direction::AToB, 990_000).unwrap();
    assert_eq!(q.pool, core);
    assert_eq!(
        (q.amount_in, q.transfer_fee_in),
        (1_000_000, fee_0(1_000_000))
    );
    assert_eq!(q.amount_out, core.amount_out - fee_1(core.amount_out));
    assert_eq!(
        q.transfer_fee_out, 40,
        "the cap on 0.5% of {}",
        core.amount_out
    );

    // Exact out, 1 → 0: 5,000 of token 0 wanted net; the pool pays 5,000 + inverse fee.
    let q = quote_model_with_transfer_fees(
        FeeProgram::RaydiumClmm,
        &pool,
        fees,
        Direction::BToA,
        SwapMode::ExactOut,
        5_000,
    )
    .unwrap();
    let core = pool
        .quote_exact_out(Direction::BToA, 5_000 + inverse_fee_0(5_000))
        .unwrap();
    assert_eq!(q.pool, core);
    assert_eq!(q.amount_out, 5_000);
    assert_eq!(q.amount_in, core.amount_in + inverse_fee_1(core.amount_in));
    assert_eq!(q.transfer_fee_out, inverse_fee_0(5_000));
}
