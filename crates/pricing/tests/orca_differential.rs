//! Differential test against Orca's own quote crate, `orca_whirlpools_core`: on the real
//! SOL/USDC and SAMO/USDC whirlpools with their tick arrays, and on thousands of generated pool
//! states, our exact-in and exact-out quotes must equal Orca's to the unit (amount in, amount
//! out, fee), in both directions, and our end price and tick must be the ones Orca's swap
//! stops at.
//!
//! Orca's crate returns amounts and fee but not the end price, so the end price is checked by
//! re-running Orca's `compute_swap` with our end price as its price limit: it must fill the
//! same amounts, and with a limit one unit short of it, it must not.
//!
//! Where they deliberately differ: when the tick arrays run out, Orca's crate returns an error
//! and ours returns the filled part as `Fill::Partial(TickArraysExhausted)`; those cases are
//! checked for that, not compared.

use decoder::test_utils::{all_fixtures, by_pubkey};
use orca_whirlpools_core as orca;
use pricing::clmm::Tick;
use pricing::clmm::orca::{
    AdaptiveFeeConstants, AdaptiveFeeVariables, MAX_TICK_INDEX, MIN_TICK_INDEX, Oracle,
    SwapOutcome, TickArray, WhirlpoolPool, WhirlpoolState, sqrt_price_from_tick_index,
    tick_index_from_sqrt_price,
};
use pricing::{Fill, PartialReason};
use proptest::prelude::*;

fn facade(pool: &WhirlpoolPool) -> orca::WhirlpoolFacade {
    // A pool made from an adaptive fee tier has a fee tier index other than its tick spacing.
    let fee_tier_index = if pool.oracle.is_some() {
        pool.state.tick_spacing.wrapping_add(1024)
    } else {
        pool.state.tick_spacing
    };
    orca::WhirlpoolFacade {
        fee_tier_index_seed: fee_tier_index.to_le_bytes(),
        tick_spacing: pool.state.tick_spacing,
        fee_rate: pool.state.fee_rate,
        protocol_fee_rate: pool.state.protocol_fee_rate,
        liquidity: pool.state.liquidity,
        sqrt_price: pool.state.sqrt_price,
        tick_current_index: pool.state.tick_current_index,
        ..Default::default()
    }
}

fn array_facade(array: &TickArray) -> orca::TickArrayFacade {
    let mut ticks = [orca::TickFacade::default(); 88];
    for (out, tick) in ticks.iter_mut().zip(array.ticks.iter()) {
        out.initialized = tick.initialized;
        out.liquidity_net = tick.liquidity_net;
        out.liquidity_gross = tick.liquidity_net.unsigned_abs();
    }
    orca::TickArrayFacade {
        start_tick_index: array.start_tick_index,
        ticks,
    }
}

fn orca_arrays(pool: &WhirlpoolPool) -> [Option<orca::TickArrayFacade>; 6] {
    let mut out = [None; 6];
    for (slot, array) in out.iter_mut().zip(pool.tick_arrays.iter()) {
        *slot = Some(array_facade(array));
    }
    out
}

/// Orca's swap, with an optional sqrt price limit.
fn orca_swap(
    pool: &WhirlpoolPool,
    amount: u64,
    limit: u128,
    exact_in: bool,
    a_to_b: bool,
) -> Option<orca::SwapResult> {
    orca_swap_result(pool, amount, limit, exact_in, a_to_b).ok()
}

fn orca_swap_result(
    pool: &WhirlpoolPool,
    amount: u64,
    limit: u128,
    exact_in: bool,
    a_to_b: bool,
) -> Result<orca::SwapResult, orca::CoreError> {
    let sequence = orca::TickArraySequence::new(orca_arrays(pool), pool.state.tick_spacing)?;
    let adaptive = pool.oracle.map(|o| orca::AdaptiveFeeInfo {
        constants: orca::AdaptiveFeeConstantsFacade {
            filter_period: o.constants.filter_period,
            decay_period: o.constants.decay_period,
            reduction_factor: o.constants.reduction_factor,
            adaptive_fee_control_factor: o.constants.adaptive_fee_control_factor,
            max_volatility_accumulator: o.constants.max_volatility_accumulator,
            tick_group_size: o.constants.tick_group_size,
            major_swap_threshold_ticks: o.constants.major_swap_threshold_ticks,
        },
        variables: orca::AdaptiveFeeVariablesFacade {
            last_reference_update_timestamp: o.variables.last_reference_update_timestamp,
            last_major_swap_timestamp: o.variables.last_major_swap_timestamp,
            volatility_reference: o.variables.volatility_reference,
            tick_group_index_reference: o.variables.tick_group_index_reference,
            volatility_accumulator: o.variables.volatility_accumulator,
        },
    });
    orca::compute_swap(
        amount,
        limit,
        facade(pool),
        sequence,
        a_to_b,
        exact_in,
        pool.timestamp,
        adaptive,
    )
}

fn orca_error(pool: &WhirlpoolPool, amount: u64, exact_in: bool, a_to_b: bool) -> String {
    match orca_swap_result(pool, amount, 0, exact_in, a_to_b) {
        Ok(_) => "ok".into(),
        Err(e) => e.to_string(),
    }
}

/// Compares one quote; returns whether it was compared.
fn compare(pool: &WhirlpoolPool, amount: u64, exact_in: bool, a_to_b: bool) -> bool {
    let ours = pool.swap(amount, 0, exact_in, a_to_b);
    let theirs = orca_swap(pool, amount, 0, exact_in, a_to_b);
    match (&ours, &theirs) {
        (Ok(ours), _) if ours.fill == Fill::Partial(PartialReason::TickArraysExhausted) => false,
        (Ok(ours), Some(theirs)) => {
            assert_eq!(
                (ours.amount_a, ours.amount_b, ours.fee),
                (theirs.token_a, theirs.token_b, theirs.trade_fee),
                "amounts differ: amount {amount}, exact_in {exact_in}, a_to_b {a_to_b}, {:?}, ours {ours:?}",
                pool.state
            );
            if ours.fill == Fill::Complete {
                check_end_price(pool, ours, exact_in, a_to_b);
            }
            true
        }
        (Ok(ours), None) => panic!(
            "Orca refused ({:?}) a swap we filled: {ours:?}, amount {amount}, exact_in {exact_in}, a_to_b {a_to_b}, {:?} {:?}",
            orca_error(pool, amount, exact_in, a_to_b),
            pool.state,
            pool.oracle
        ),
        (Err(e), Some(theirs)) => panic!(
            "we refused ({e}) a swap Orca fills ({}, {}), amount {amount}, exact_in {exact_in}, a_to_b {a_to_b}, {:?}",
            theirs.token_a, theirs.token_b, pool.state
        ),
        (Err(_), None) => false,
    }
}

fn check_end_price(pool: &WhirlpoolPool, ours: &SwapOutcome, exact_in: bool, a_to_b: bool) {
    let (start, end) = (pool.state.sqrt_price, ours.end_sqrt_price);
    // The end tick is Orca's own tick for the end price, except that the program stores one
    // less after crossing down onto a tick exactly.
    let floor_tick = orca::sqrt_price_to_tick_index(end);
    assert!(
        ours.end_tick_index == floor_tick
            || (a_to_b && end == sqrt_price_from_tick_index(ours.end_tick_index + 1)),
        "end tick {} for price {end} (floor tick {floor_tick})",
        ours.end_tick_index
    );
    // Orca's crate does not return the end price. When the swap stayed in one liquidity range
    // (one step), the side the caller did not fix is exactly Orca's own amount delta between
    // the start and end prices, which pins the end price to the unit.
    let crossed = pool
        .tick_arrays
        .iter()
        .flat_map(|a| {
            let ts = i32::from(pool.state.tick_spacing);
            a.ticks
                .iter()
                .enumerate()
                .filter(|(_, t)| t.initialized)
                .map(move |(i, _)| a.start_tick_index + i as i32 * ts)
        })
        .any(|t| {
            let p = sqrt_price_from_tick_index(t);
            (start.min(end)..=start.max(end)).contains(&p) && p != start
        });
    if crossed || end == start || pool.oracle.is_some() {
        return;
    }
    let liquidity = pool.state.liquidity;
    let unfixed = if a_to_b == exact_in {
        orca::try_get_amount_delta_b(start, end, liquidity, !exact_in)
    } else {
        orca::try_get_amount_delta_a(start, end, liquidity, !exact_in)
    }
    .expect("Orca amount delta");
    let ours_unfixed = if exact_in {
        ours.amount_out
    } else {
        ours.amount_in - ours.fee
    };
    assert_eq!(
        ours_unfixed, unfixed,
        "end price {end} does not produce our amounts in Orca's math"
    );
}

fn fixture_pool(pool_key: &str) -> Option<WhirlpoolPool> {
    let fixtures = all_fixtures()?;
    let f = by_pubkey(&fixtures, pool_key).expect("pool fixture");
    let p = decoder::Whirlpool::from_account(&f.account.owner, &f.account.data).unwrap();
    let mut tick_arrays: Vec<TickArray> = fixtures
        .iter()
        .filter(|t| t.pool.as_deref() == Some(pool_key) && t.kind.ends_with("TickArray"))
        .map(|t| {
            let view = decoder::WhirlpoolTickArray::from_account(&t.account.owner, &t.account.data)
                .unwrap();
            let mut ticks = [Tick::default(); 88];
            for (out, tick) in ticks.iter_mut().zip(view.ticks()) {
                *out = Tick {
                    initialized: tick.initialized(),
                    liquidity_net: tick.liquidity_net(),
                };
            }
            TickArray {
                start_tick_index: view.start_tick_index(),
                ticks,
            }
        })
        .collect();
    tick_arrays.sort_by_key(|a| a.start_tick_index);
    Some(WhirlpoolPool {
        state: WhirlpoolState {
            sqrt_price: p.sqrt_price(),
            tick_current_index: p.tick_current_index(),
            liquidity: p.liquidity(),
            tick_spacing: p.tick_spacing(),
            fee_rate: p.fee_rate(),
            protocol_fee_rate: p.protocol_fee_rate(),
            decimals_a: 0,
            decimals_b: 0,
        },
        tick_arrays,
        oracle: None,
        timestamp: 1_700_000_000,
    })
}

/// Keeps the six arrays nearest the price (Orca's crate takes at most six).
fn nearest_six(mut pool: WhirlpoolPool) -> WhirlpoolPool {
    let current = pool.state.tick_current_index;
    while pool.tick_arrays.len() > 6 {
        let first = pool.tick_arrays[0].start_tick_index;
        let last = pool.tick_arrays[pool.tick_arrays.len() - 1].start_tick_index;
        if (current - first).abs() > (last - current).abs() {
            pool.tick_arrays.remove(0);
        } else {
            pool.tick_arrays.pop();
        }
    }
    pool
}

#[test]
fn real_whirlpools_quote_like_orca() {
    let mut compared = 0;
    for key in [
        "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ",
        "9vqYJjDUFecLL2xPUC4Rc7hyCtZ6iJ4mDiVZX7aFXoAe",
    ] {
        let Some(pool) = fixture_pool(key) else {
            return;
        };
        assert!(
            pool.tick_arrays.len() >= 6,
            "{key}: expected the pool's tick arrays"
        );
        let pool = nearest_six(pool);
        for exponent in 0..=15 {
            for mantissa in [1u64, 3, 7] {
                let amount = mantissa * 10u64.pow(exponent);
                for exact_in in [true, false] {
                    for a_to_b in [true, false] {
                        compared += usize::from(compare(&pool, amount, exact_in, a_to_b));
                    }
                }
            }
        }
    }
    eprintln!("compared {compared} quotes on real whirlpools");
    assert!(compared >= 200, "only {compared} quotes compared");
}

#[test]
fn running_out_of_tick_arrays_is_reported_not_extrapolated() {
    let Some(pool) = fixture_pool("HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ") else {
        return;
    };
    let mut only_current = pool.clone();
    let current = pool.state.tick_current_index;
    let span = 88 * i32::from(pool.state.tick_spacing);
    only_current
        .tick_arrays
        .retain(|a| current >= a.start_tick_index && current < a.start_tick_index + span);
    assert_eq!(only_current.tick_arrays.len(), 1);
    let more = pool.swap(u64::MAX / 4, 0, true, true).unwrap();
    let partial = only_current.swap(u64::MAX / 4, 0, true, true).unwrap();
    assert_eq!(
        partial.fill,
        Fill::Partial(PartialReason::TickArraysExhausted)
    );
    assert!(
        partial.amount_in > 0 && partial.amount_in < more.amount_in,
        "{partial:?} vs {more:?}"
    );
    // The partial quote stops exactly at the array's lower edge.
    assert_eq!(
        partial.end_sqrt_price,
        sqrt_price_from_tick_index(only_current.tick_arrays[0].start_tick_index)
    );
}

#[test]
fn tick_math_is_bit_exact_with_orca() {
    let ticks = (MIN_TICK_INDEX..=MAX_TICK_INDEX).step_by(97).chain([
        MIN_TICK_INDEX,
        -1,
        0,
        1,
        MAX_TICK_INDEX,
    ]);
    for tick in ticks {
        let price = sqrt_price_from_tick_index(tick);
        assert_eq!(price, orca::tick_index_to_sqrt_price(tick), "tick {tick}");
        assert_eq!(
            tick_index_from_sqrt_price(price),
            orca::sqrt_price_to_tick_index(price)
        );
        if price < orca::MAX_SQRT_PRICE {
            assert_eq!(
                tick_index_from_sqrt_price(price + 1),
                orca::sqrt_price_to_tick_index(price + 1)
            );
        }
    }
}

/// A generated pool: a price, a liquidity, and five tick arrays around it with random
/// initialized ticks whose liquidity nets never take liquidity below zero.
fn generated_pool() -> impl Strategy<Value = WhirlpoolPool> {
    (
        prop::sample::select(vec![1u16, 2, 4, 8, 16, 64, 96, 128, 256]),
        -200_000i32..200_000,
        0u32..1_000_000,
        prop::sample::select(vec![0u16, 100, 300, 500, 1_000, 3_000, 10_000, 30_000]),
        prop::sample::select(vec![0u16, 300, 1_300, 2_500]),
        1u128..(1u128 << 80),
        prop::collection::vec((0usize..(88 * 5), 1u128..(1u128 << 70)), 0..40),
    )
        .prop_map(
            |(tick_spacing, tick, frac, fee_rate, protocol_fee_rate, liquidity, inits)| {
                let ts = i32::from(tick_spacing);
                let span = 88 * ts;
                let tick = tick.clamp(MIN_TICK_INDEX + 3 * span, MAX_TICK_INDEX - 3 * span);
                let lower = sqrt_price_from_tick_index(tick);
                let upper = sqrt_price_from_tick_index(tick + 1);
                let sqrt_price = lower + (upper - lower) * u128::from(frac) / 1_000_000;
                let tick_current_index = tick_index_from_sqrt_price(sqrt_price);
                let current_start = tick_current_index.div_euclid(span) * span;
                let first_start = current_start - 2 * span;
                let mut arrays: Vec<TickArray> = (0..5)
                    .map(|i| TickArray::empty(first_start + i * span))
                    .collect();
                // Ticks at or below the price add liquidity going up (a position's lower end),
                // so crossing them downwards removes at most what they added; ticks above remove
                // at most half of what is active when crossed upwards.
                let mut active = liquidity;
                for (slot, delta) in inits {
                    let index = first_start + slot as i32 * ts;
                    let t = &mut arrays[slot / 88].ticks[slot % 88];
                    t.initialized = true;
                    if index <= tick_current_index {
                        t.liquidity_net += delta as i128;
                        active += delta;
                    } else {
                        let remove = delta.min(liquidity / 64);
                        t.liquidity_net -= remove as i128;
                    }
                }
                WhirlpoolPool {
                    state: WhirlpoolState {
                        sqrt_price,
                        tick_current_index,
                        liquidity: active,
                        tick_spacing,
                        fee_rate,
                        protocol_fee_rate,
                        decimals_a: 0,
                        decimals_b: 0,
                    },
                    tick_arrays: arrays,
                    oracle: None,
                    timestamp: 1_700_000_000,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn generated_pools_quote_like_orca(
        pool in generated_pool(),
        amount in prop_oneof![1u64..1_000, 1_000u64..1_000_000_000, 1_000_000_000u64..u64::MAX / 2],
        exact_in: bool,
        a_to_b: bool,
    ) {
        compare(&pool, amount, exact_in, a_to_b);
    }
}

/// A generated pool with an adaptive-fee oracle in a realistic state.
fn adaptive_pool() -> impl Strategy<Value = WhirlpoolPool> {
    (
        generated_pool(),
        prop::sample::select(vec![1u16, 2, 4, 8, 16]),
        prop::sample::select(vec![0u32, 1_500, 4_000, 24_000]),
        prop::sample::select(vec![0u32, 88_000, 350_000]),
        0u64..7_200,
        0u64..7_200,
        0u32..350_000,
        -40i32..40,
        0u32..350_000,
    )
        .prop_map(
            |(
                mut pool,
                group_divisor,
                control,
                max_acc,
                since_ref,
                since_major,
                vol_ref,
                ref_offset,
                vol_acc,
            )| {
                let tick_group_size = (pool.state.tick_spacing / group_divisor).max(1);
                let now = pool.timestamp;
                let group = pool
                    .state
                    .tick_current_index
                    .div_euclid(i32::from(tick_group_size));
                pool.oracle = Some(Oracle {
                    trade_enable_timestamp: 0,
                    constants: AdaptiveFeeConstants {
                        filter_period: 30,
                        decay_period: 600,
                        reduction_factor: 5_000,
                        adaptive_fee_control_factor: control,
                        max_volatility_accumulator: max_acc,
                        tick_group_size,
                        major_swap_threshold_ticks: 64,
                    },
                    variables: AdaptiveFeeVariables {
                        last_reference_update_timestamp: now - since_ref,
                        last_major_swap_timestamp: now - since_ref.min(since_major),
                        volatility_reference: vol_ref.min(max_acc),
                        tick_group_index_reference: group + ref_offset,
                        volatility_accumulator: vol_acc.min(max_acc),
                    },
                });
                pool
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn adaptive_fee_pools_quote_like_orca(
        pool in adaptive_pool(),
        amount in prop_oneof![1u64..1_000_000, 1_000_000u64..u64::MAX / 2],
        exact_in: bool,
        a_to_b: bool,
    ) {
        compare(&pool, amount, exact_in, a_to_b);
    }
}

/// The generated comparisons must mostly compare rather than skip: count them.
#[test]
fn most_generated_cases_are_compared() {
    use proptest::test_runner::{Config, TestRunner};
    for (name, adaptive) in [("static fee", false), ("adaptive fee", true)] {
        let mut runner = TestRunner::new(Config {
            cases: 500,
            ..Config::default()
        });
        let compared = std::cell::Cell::new(0u32);
        let strategy = (
            prop_oneof![generated_pool().boxed(), adaptive_pool().boxed()],
            1u64..1_000_000_000,
            any::<bool>(),
            any::<bool>(),
        );
        runner
            .run(&strategy, |(pool, amount, exact_in, a_to_b)| {
                if pool.oracle.is_some() == adaptive {
                    compared
                        .set(compared.get() + u32::from(compare(&pool, amount, exact_in, a_to_b)));
                }
                Ok(())
            })
            .unwrap();
        eprintln!(
            "{name}: compared {} of ~250 generated quotes",
            compared.get()
        );
        assert!(
            compared.get() >= 150,
            "{name}: only {} compared",
            compared.get()
        );
    }
}
