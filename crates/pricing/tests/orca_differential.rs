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
    let ours = pool.swap(direction(a_to_b), mode(exact_in), amount, 0);
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
    let more = pool
        .swap(Direction::AToB, SwapMode::ExactIn, u64::MAX / 4, 0)
        .unwrap();
    let partial = only_current
        .swap(Direction::AToB, SwapMode::ExactIn, u64::MAX / 4, 0)
        .unwrap();
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

// ---------------------------------------------------------------------------------------
// Token-2022 transfer fees: our WhirlpoolPool wrapped in `quote_with_transfer_fees` against
// Orca's `swap_quote_by_input_token` / `swap_quote_by_output_token` with `transfer_fee_a/b`.
//
// One documented difference: on an exact-in that fills completely, Orca's SDK reports as
// `token_in` the smallest send that nets the pool the same input, where the program (and our
// `amount_in`) transfers the amount asked; ours reports that number as `minimum_amount_in`,
// and that is what is compared.

use pricing::transfer_fee::{
    FeeProgram, PoolTransferFees, TransferFee, TransferFeeConfig, TransferFeeQuote,
    quote_with_transfer_fees,
};
use pricing::{Direction, PricingError, SwapMode, SwapModel};

/// The fee in force at `epoch`, by the token program's rule restated here (`get_epoch_fee`:
/// the newer fee from its first epoch on), independently of the crate's own pick.
fn epoch_fee_reference(config: &TransferFeeConfig, epoch: u64) -> TransferFee {
    if epoch >= config.newer_epoch {
        config.newer
    } else {
        config.older
    }
}

fn orca_fee(fee: Option<TransferFee>) -> Option<orca::TransferFee> {
    fee.map(|f| orca::TransferFee::new_with_max(f.basis_points, f.maximum_fee))
}

/// What a compared case exercised.
#[derive(Debug, Default, Clone, Copy)]
struct FeeCounts {
    compared: u32,
    both_refused: u32,
    fee_in_charged: u32,
    fee_out_charged: u32,
    cap_hit: u32,
    full_fee: u32,
    slack_in: u32,
    older_epoch: u32,
    newer_epoch: u32,
    exact_out: u32,
    b_to_a: u32,
}

impl FeeCounts {
    fn add(&mut self, o: FeeCounts) {
        self.compared += o.compared;
        self.both_refused += o.both_refused;
        self.fee_in_charged += o.fee_in_charged;
        self.fee_out_charged += o.fee_out_charged;
        self.cap_hit += o.cap_hit;
        self.full_fee += o.full_fee;
        self.slack_in += o.slack_in;
        self.older_epoch += o.older_epoch;
        self.newer_epoch += o.newer_epoch;
        self.exact_out += o.exact_out;
        self.b_to_a += o.b_to_a;
    }
}

/// Whether `fee` charged its cap on `gross` where the uncapped fee would be more.
fn capped(fee: Option<TransferFee>, gross: u64) -> bool {
    fee.is_some_and(|f| {
        let raw = (u128::from(gross) * u128::from(f.basis_points)).div_ceil(10_000);
        f.basis_points > 0 && raw > u128::from(f.maximum_fee)
    })
}

/// Compares one transfer-fee quote with Orca's; returns what it exercised.
fn compare_with_fees(
    pool: &WhirlpoolPool,
    configs: (TransferFeeConfig, TransferFeeConfig),
    epoch: u64,
    amount: u64,
    mode: SwapMode,
    direction: Direction,
) -> FeeCounts {
    let fees = PoolTransferFees {
        a: Some(epoch_fee_reference(&configs.0, epoch)),
        b: Some(epoch_fee_reference(&configs.1, epoch)),
    };
    let (fee_in, fee_out) = fees.in_out(direction);
    let ours: Result<TransferFeeQuote, PricingError> = quote_with_transfer_fees(
        FeeProgram::OrcaWhirlpool,
        configs_at(&configs, epoch, direction).0,
        configs_at(&configs, epoch, direction).1,
        mode,
        amount,
        |mode, amount| pool.quote(direction, mode, amount),
    );
    let arrays: [orca::TickArrayFacade; 5] =
        std::array::from_fn(|i| array_facade(&pool.tick_arrays[i]));
    let a_to_b = direction == Direction::AToB;
    let (fa, fb) = (orca_fee(fees.a), orca_fee(fees.b));
    // (in, out, trade fee): Orca's `token_in`/`token_est_in` and `token_est_out`/`token_out`.
    let theirs = match mode {
        SwapMode::ExactIn => orca::swap_quote_by_input_token(
            amount,
            a_to_b,
            0,
            facade(pool),
            None,
            arrays.into(),
            pool.timestamp,
            fa,
            fb,
        )
        .map(|q| (q.token_in, q.token_est_out, q.trade_fee)),
        SwapMode::ExactOut => orca::swap_quote_by_output_token(
            amount,
            !a_to_b,
            0,
            facade(pool),
            None,
            arrays.into(),
            pool.timestamp,
            fa,
            fb,
        )
        .map(|q| (q.token_est_in, q.token_out, q.trade_fee)),
    };
    let mut counts = FeeCounts::default();
    let context = || {
        format!(
            "amount {amount}, {mode:?}, {direction:?}, fees {fees:?}, epoch {epoch}, {:?}",
            pool.state
        )
    };
    match (&ours, &theirs) {
        (Ok(q), _) if q.pool.fill == Fill::Partial(PartialReason::TickArraysExhausted) => {}
        (Ok(q), Ok((their_in, their_out, their_fee))) => {
            let our_in = match mode {
                SwapMode::ExactIn => {
                    assert_eq!(
                        q.amount_in,
                        if q.pool.is_complete() {
                            amount
                        } else {
                            q.minimum_amount_in
                        },
                        "{}",
                        context()
                    );
                    q.minimum_amount_in
                }
                SwapMode::ExactOut => q.amount_in,
            };
            assert_eq!(
                (our_in, q.amount_out, q.pool.fee),
                (*their_in, *their_out, *their_fee),
                "ours {q:?}: {}",
                context()
            );
            counts.compared = 1;
            counts.fee_in_charged = u32::from(q.transfer_fee_in > 0);
            counts.fee_out_charged = u32::from(q.transfer_fee_out > 0);
            counts.cap_hit =
                u32::from(capped(fee_in, q.amount_in) || capped(fee_out, q.pool.amount_out));
            counts.full_fee = u32::from(
                [fee_in, fee_out]
                    .iter()
                    .flatten()
                    .any(|f| f.basis_points == 10_000),
            );
            counts.slack_in = u32::from(q.minimum_amount_in < q.amount_in);
            counts.older_epoch =
                u32::from(epoch < configs.0.newer_epoch || epoch < configs.1.newer_epoch);
            counts.newer_epoch =
                u32::from(epoch >= configs.0.newer_epoch || epoch >= configs.1.newer_epoch);
            counts.exact_out = u32::from(mode == SwapMode::ExactOut);
            counts.b_to_a = u32::from(direction == Direction::BToA);
        }
        (Err(_), Err(_)) => counts.both_refused = 1,
        // Orca's SDK quotes an exact-in whose input is all fee as a zero swap; the programs
        // refuse to swap nothing (Whirlpool `ZeroTradableAmount`), and so do we.
        (Err(PricingError::ZeroAmount(_)), Ok((_, 0, 0))) if mode == SwapMode::ExactIn => {
            counts.both_refused = 1
        }
        (Ok(q), Err(e)) => panic!("Orca refused ({e}) what we quote {q:?}: {}", context()),
        (Err(e), Ok(t)) => panic!("we refused ({e}) what Orca quotes {t:?}: {}", context()),
    }
    counts
}

/// The (input, output) fees at `epoch`, picked by the crate's own `at_epoch`.
fn configs_at(
    configs: &(TransferFeeConfig, TransferFeeConfig),
    epoch: u64,
    direction: Direction,
) -> (Option<TransferFee>, Option<TransferFee>) {
    PoolTransferFees {
        a: Some(configs.0.at_epoch(epoch)),
        b: Some(configs.1.at_epoch(epoch)),
    }
    .in_out(direction)
}

fn any_transfer_fee() -> impl Strategy<Value = TransferFee> {
    (
        prop_oneof![
            Just(0u16),
            Just(1u16),
            Just(50u16),
            Just(10_000u16),
            Just(9_999u16),
            0u16..=10_000
        ],
        prop_oneof![
            Just(0u64),
            Just(1u64),
            1u64..1_000,
            1_000u64..1_000_000_000,
            Just(u64::MAX)
        ],
    )
        .prop_map(|(bps, max)| TransferFee::new(bps, max))
}

fn any_fee_config() -> impl Strategy<Value = TransferFeeConfig> {
    (any_transfer_fee(), any_transfer_fee(), 0u64..20).prop_map(|(older, newer, newer_epoch)| {
        TransferFeeConfig {
            older,
            newer,
            newer_epoch,
        }
    })
}

/// Generated pools, fees (0, 100%, tiny caps), epochs on both sides of the switch, both modes
/// and directions: every quote equal to Orca's, and enough of them charging fees for that to
/// mean something.
#[test]
fn transfer_fee_quotes_match_orca() {
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config {
        cases: 3_000,
        ..Config::default()
    });
    let counts = std::cell::Cell::new(FeeCounts::default());
    let strategy = (
        generated_pool(),
        (any_fee_config(), any_fee_config()),
        0u64..20,
        prop_oneof![
            1u64..1_000,
            1_000u64..1_000_000_000,
            1_000_000_000u64..u64::MAX / 2
        ],
        any::<bool>(),
        any::<bool>(),
    );
    runner
        .run(
            &strategy,
            |(pool, configs, epoch, amount, exact_in, a_to_b)| {
                let mode = if exact_in {
                    SwapMode::ExactIn
                } else {
                    SwapMode::ExactOut
                };
                let direction = if a_to_b {
                    Direction::AToB
                } else {
                    Direction::BToA
                };
                let mut total = counts.get();
                total.add(compare_with_fees(
                    &pool, configs, epoch, amount, mode, direction,
                ));
                counts.set(total);
                Ok(())
            },
        )
        .unwrap();
    let c = counts.get();
    eprintln!("transfer-fee cases against Orca: {c:?}");
    assert!(c.compared >= 1_200, "{c:?}");
    assert!(c.fee_in_charged >= 500, "{c:?}");
    assert!(c.fee_out_charged >= 500, "{c:?}");
    assert!(c.cap_hit >= 200, "{c:?}");
    assert!(c.full_fee >= 100, "{c:?}");
    assert!(c.slack_in >= 20, "{c:?}");
    assert!(c.older_epoch >= 300 && c.newer_epoch >= 300, "{c:?}");
    assert!(c.exact_out >= 400 && c.b_to_a >= 400, "{c:?}");
    assert!(c.both_refused >= 50, "{c:?}");
}

/// The real SOL/USDC and SAMO/USDC whirlpools with a 0.5% fee capped at 5,000 on one side
/// and 1% uncapped on the other, every amount size, both modes and directions.
#[test]
fn real_whirlpools_with_transfer_fees_quote_like_orca() {
    let half = TransferFee::new(50, 5_000);
    let one = TransferFee::new(100, u64::MAX);
    let flat = |fee| TransferFeeConfig {
        older: fee,
        newer: fee,
        newer_epoch: 0,
    };
    let mut total = FeeCounts::default();
    for key in [
        "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ",
        "9vqYJjDUFecLL2xPUC4Rc7hyCtZ6iJ4mDiVZX7aFXoAe",
    ] {
        let Some(pool) = fixture_pool(key) else {
            return;
        };
        let mut pool = nearest_six(pool);
        // Orca's quote takes five arrays here, as the generated pools have.
        let current = pool.state.tick_current_index;
        while pool.tick_arrays.len() > 5 {
            let first = pool.tick_arrays[0].start_tick_index;
            if current - first
                > pool.tick_arrays[pool.tick_arrays.len() - 1].start_tick_index - current
            {
                pool.tick_arrays.remove(0);
            } else {
                pool.tick_arrays.pop();
            }
        }
        for configs in [(flat(half), flat(one)), (flat(one), flat(half))] {
            for exponent in 0..=15 {
                for mantissa in [1u64, 3, 7] {
                    let amount = mantissa * 10u64.pow(exponent);
                    for mode in [SwapMode::ExactIn, SwapMode::ExactOut] {
                        for direction in [Direction::AToB, Direction::BToA] {
                            total.add(compare_with_fees(
                                &pool, configs, 1, amount, mode, direction,
                            ));
                        }
                    }
                }
            }
        }
    }
    eprintln!("real whirlpools with transfer fees: {total:?}");
    assert!(total.compared >= 200, "{total:?}");
    assert!(total.cap_hit >= 50, "{total:?}");
}
