//! Our DLMM exact-in quotes against the `meteora-dlmm` crate (0.2), an independent exact-in
//! engine that reads the same raw `LbPair` / `BinArray` bytes: on the three real pairs of the
//! fixtures and on random bins, orders and fees. Every case must agree to the unit, except
//! where the peer legitimately differs (each exclusion is counted and said why):
//!
//! - reserve vault: the peer does not know the vault balances, so it prices outputs the
//!   program's transfer would refuse; we return an error there (checked: the peer's output is
//!   above the vault);
//! - zero output: the peer returns 0, we return the error the program returns;
//! - gaps: the peer walks only contiguous loaded arrays and stops at the first array it was
//!   not given, while the program (and we) jump over arrays the bitmap marks empty.
//!
//! No Token-2022 transfer fees here: those are priced elsewhere.

use decoder::test_utils::all_fixtures;
use meteora_dlmm::decode::PoolState;
use pricing::dlmm::{
    BinArray, CollectFeeMode, DlmmParams, DlmmPool, VariableParameters, bin_id_to_array_index,
    bin_price_x64,
};
use pricing::math::mul_div_ceil;
use pricing::{Direction, Fill, PartialReason, PricingError, SwapMode};
use proptest::prelude::*;

#[path = "support/dlmm_fixtures.rs"]
mod dlmm_fixtures;
use dlmm_fixtures::{ELAPSED, GAPPED, PAIRS, pool, raw};

#[derive(Debug, Default)]
struct Counts {
    compared: usize,
    crossed_bins: usize,
    filled_orders: usize,
    partial: usize,
    excluded_reserve: usize,
    excluded_zero: usize,
    excluded_gap: usize,
    excluded_cast: usize,
}

/// Compares one exact-in quote; `peer` is the same pool in the peer's form.
fn compare(
    ours: &DlmmPool,
    peer: &PoolState,
    direction: Direction,
    amount: u64,
    counts: &mut Counts,
) -> Result<(), String> {
    let swap_for_y = direction == Direction::AToB;
    let theirs = match meteora_dlmm::quote(
        peer,
        u128::from(amount),
        swap_for_y,
        ours.timestamp,
        ours.params.support_limit_order,
        false,
        None,
        None,
    ) {
        Ok(q) => q,
        Err(e) => return Err(format!("peer refused: {e:?}")),
    };
    let mine = ours.swap(direction, SwapMode::ExactIn, amount);
    let ctx = format!("{direction:?} {amount}: ours {mine:?}, peer {theirs:?}");
    match mine {
        Err(PricingError::InsufficientLiquidity("output exceeds the reserve vault")) => {
            let (x, y) = ours.reserves.ok_or("reserve error without reserves")?;
            let vault = if swap_for_y { y } else { x };
            if theirs.amount_out <= u128::from(vault) {
                return Err(format!("reserve error but the peer pays within it: {ctx}"));
            }
            counts.excluded_reserve += 1;
        }
        Err(PricingError::ZeroAmount("amount out"))
        | Err(PricingError::InsufficientLiquidity("no liquidity in the swap direction")) => {
            if theirs.amount_out != 0 {
                return Err(format!("we refuse a zero output, the peer pays: {ctx}"));
            }
            counts.excluded_zero += 1;
        }
        // The program casts every bin amount to u64 (`safe_*_cast`) and fails when one does not
        // fit; the peer keeps u128 and goes on.
        Err(PricingError::Overflow("MathOverflow")) if program_cast_overflows(ours, swap_for_y) => {
            counts.excluded_cast += 1;
        }
        Err(e) => return Err(format!("we failed ({e}): {ctx}")),
        Ok(s) => {
            // The peer stopped at an array the bitmap marks empty, which the program skips.
            if let Some(bin) = theirs.missing_bin_id
                && !ours
                    .arrays_with_liquidity
                    .contains(&bin_id_to_array_index(bin as i32))
                && s.fill != Fill::Partial(PartialReason::BinArraysExhausted)
                && u128::from(s.amount_out) > theirs.amount_out
            {
                counts.excluded_gap += 1;
                return Ok(());
            }
            if u128::from(s.amount_out) != theirs.amount_out {
                return Err(format!("amount out differs: {ctx}"));
            }
            match s.fill {
                Fill::Complete => {
                    if !theirs.complete {
                        return Err(format!("we filled, the peer did not: {ctx}"));
                    }
                    if s.amount_in != amount {
                        return Err(format!("complete but not all spent: {ctx}"));
                    }
                }
                Fill::Partial(_) => {
                    if theirs.complete && theirs.remaining_in == 0 {
                        return Err(format!("the peer filled, we did not: {ctx}"));
                    }
                    counts.partial += 1;
                }
            }
            counts.compared += 1;
            if s.end_active_id != ours.active_id {
                counts.crossed_bins += 1;
            }
            if ours.params.support_limit_order {
                let mut without = ours.clone();
                without.params.support_limit_order = false;
                if without.swap(direction, SwapMode::ExactIn, amount).ok() != Some(s) {
                    counts.filled_orders += 1;
                }
            }
        }
    }
    Ok(())
}

/// Whether some bin the swap can reach needs more input than a u64 to drain (what the
/// program's `get_amount_in` refuses).
fn program_cast_overflows(pool: &DlmmPool, swap_for_y: bool) -> bool {
    pool.bin_arrays.iter().any(|a| {
        a.bins.iter().enumerate().any(|(i, b)| {
            let id = a.index * 70 + i as i64;
            let ahead = if swap_for_y {
                id <= i64::from(pool.active_id)
            } else {
                id >= i64::from(pool.active_id)
            };
            let mm = if swap_for_y { b.amount_y } else { b.amount_x };
            let orders = if swap_for_y != b.limit_order_ask_side {
                b.open_order_amount.max(b.processed_order_remaining_amount)
            } else {
                0
            };
            let out = u128::from(mm.max(orders));
            let need = if swap_for_y {
                mul_div_ceil(out, 1 << 64, b.price, "t")
            } else {
                mul_div_ceil(out, b.price, 1 << 64, "t")
            };
            ahead && out > 0 && need.map_or(true, |n| n > u128::from(u64::MAX))
        })
    })
}

#[test]
fn real_pairs_agree_with_meteora_dlmm() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let mut counts = Counts::default();
    for pair in PAIRS.into_iter().chain([GAPPED]) {
        let raw = raw(&fixtures, pair);
        let ours = pool(&raw);
        assert_eq!(
            ours.timestamp - ours.variables.last_update_timestamp,
            ELAPSED
        );
        let peer = PoolState::from_accounts(&raw.lb_pair, &raw.bin_arrays, 0, 0, None, false)
            .expect("the peer decodes the pair");
        for direction in [Direction::AToB, Direction::BToA] {
            for amount in (0..=15).map(|k| 10u64.pow(k) * 3) {
                compare(&ours, &peer, direction, amount, &mut counts)
                    .unwrap_or_else(|e| panic!("{pair}: {e}"));
            }
        }
    }
    eprintln!("real pairs: {counts:?}");
    // Non-vacuous: most swaps cross bins, the order pairs fill orders, and the older-layout
    // pair's orders exceed its Y vault.
    assert!(counts.compared >= 60, "{counts:?}");
    assert!(counts.crossed_bins >= 30, "{counts:?}");
    assert!(counts.filled_orders >= 10, "{counts:?}");
    assert!(counts.excluded_reserve >= 1, "{counts:?}");
    assert!(counts.excluded_gap >= 1, "{counts:?}");
}

/// One random pair as raw account bytes, which both engines read.
#[derive(Clone)]
struct RawRandom {
    lb_pair: Vec<u8>,
    bin_arrays: Vec<Vec<u8>>,
    pool: DlmmPool,
}

impl std::fmt::Debug for RawRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes say nothing a reader can use; the pool's parameters and its active bins do.
        let active = self.pool.active_id;
        let array = self
            .pool
            .bin_arrays
            .iter()
            .find(|a| a.index == bin_id_to_array_index(active));
        let bin = array.map(|a| a.bins[(i64::from(active) - a.index * 70) as usize]);
        f.debug_struct("RawRandom")
            .field("params", &self.pool.params)
            .field("variables", &self.pool.variables)
            .field("active_id", &active)
            .field("timestamp", &self.pool.timestamp)
            .field("active_bin", &bin)
            .finish_non_exhaustive()
    }
}

fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

#[allow(clippy::too_many_arguments)]
fn random_pair() -> impl Strategy<Value = RawRandom> {
    (
        (
            prop::sample::select(vec![1u16, 2, 5, 10, 25, 50, 100]),
            -6_000i32..6_000,
            0u16..20_000,
            prop::sample::select(vec![0u32, 7_500, 20_000, 120_000]),
            0u32..150_000,
            0i64..1_000,
            any::<bool>(),
            prop::sample::select(vec![0u16, 500, 2_000]),
        ),
        prop::collection::vec((0u64..2_000_000_000, 0u64..2_000_000_000), 210),
        prop::collection::vec((0u64..1_000_000_000, 0u64..1_000_000_000, 0u8..4), 210),
        any::<bool>(),
    )
        .prop_map(
            |((step, spread, base, vfc, va, elapsed, fee_y, share), amounts, orders, lo)| {
                // Prices within about 1/400..400 of 1 whatever the step.
                let active = spread * 10 / i32::from(step);
                let mut lb = vec![0u8; 904];
                put(&mut lb, 8, &base.to_le_bytes());
                put(&mut lb, 10, &30u16.to_le_bytes()); // filter period
                put(&mut lb, 12, &600u16.to_le_bytes()); // decay period
                put(&mut lb, 14, &5_000u16.to_le_bytes()); // reduction factor
                put(&mut lb, 16, &vfc.to_le_bytes());
                put(&mut lb, 20, &350_000u32.to_le_bytes());
                put(&mut lb, 32, &share.to_le_bytes());
                lb[36] = u8::from(fee_y);
                put(&mut lb, 40, &va.to_le_bytes());
                put(&mut lb, 44, &(va / 2).to_le_bytes());
                put(&mut lb, 48, &active.to_le_bytes());
                put(&mut lb, 56, &1_000i64.to_le_bytes());
                put(&mut lb, 76, &active.to_le_bytes());
                put(&mut lb, 80, &step.to_le_bytes());
                let center = bin_id_to_array_index(active);
                let bin_arrays: Vec<Vec<u8>> = (0..3)
                    .map(|k| {
                        let index = center - 1 + k;
                        let mut data = vec![0u8; 10_136];
                        put(&mut data, 8, &index.to_le_bytes());
                        for i in 0..70 {
                            let id = index * 70 + i as i64;
                            let o = 56 + i * 144;
                            let (x, y) = amounts[(k * 70) as usize + i];
                            let x = if id >= i64::from(active) { x } else { 0 };
                            let y = if id <= i64::from(active) { y } else { 0 };
                            put(&mut data, o, &x.to_le_bytes());
                            put(&mut data, o + 8, &y.to_le_bytes());
                            let price = bin_price_x64(id as i32, step).unwrap();
                            put(&mut data, o + 16, &price.to_le_bytes());
                            let (open, processed, kind) = orders[(k * 70) as usize + i];
                            // Orders on half the bins: bids (ask byte 0) or asks (1 or 2: any
                            // non-zero byte is the ask side).
                            if kind > 0 {
                                put(&mut data, o + 112, &open.to_le_bytes());
                                put(
                                    &mut data,
                                    o + 128,
                                    &(processed % 3 * processed / 2).to_le_bytes(),
                                );
                                data[o + 140] = kind - 1;
                            }
                        }
                        data
                    })
                    .collect();
                let pool = DlmmPool {
                    params: DlmmParams {
                        bin_step: step,
                        base_factor: base,
                        base_fee_power_factor: 0,
                        filter_period: 30,
                        decay_period: 600,
                        reduction_factor: 5_000,
                        variable_fee_control: vfc,
                        max_volatility_accumulator: 350_000,
                        protocol_share: share,
                        collect_fee_mode: if fee_y {
                            CollectFeeMode::OnlyY
                        } else {
                            CollectFeeMode::InputOnly
                        },
                        support_limit_order: lo,
                    },
                    variables: VariableParameters {
                        volatility_accumulator: va,
                        volatility_reference: va / 2,
                        index_reference: active,
                        last_update_timestamp: 1_000,
                    },
                    active_id: active,
                    arrays_with_liquidity: vec![center - 1, center, center + 1],
                    bin_arrays: bin_arrays
                        .iter()
                        .map(|d| BinArray::from_account_bytes(d).unwrap())
                        .collect(),
                    timestamp: 1_000 + elapsed,
                    decimals_x: 0,
                    decimals_y: 0,
                    reserves: None,
                };
                RawRandom {
                    lb_pair: lb,
                    bin_arrays,
                    pool,
                }
            },
        )
}

#[test]
fn random_pairs_agree_with_meteora_dlmm() {
    // Counts only grow on passing cases; a failing run fails the test anyway.
    let counts = std::cell::RefCell::new(Counts::default());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(3_000));
    let strategy = (
        random_pair(),
        prop_oneof![
            1u64..1_000,
            1_000u64..10_000_000_000,
            10_000_000_000u64..1 << 50
        ],
        any::<bool>(),
    );
    runner
        .run(&strategy, |(pair, amount, a_to_b)| {
            let peer = PoolState::from_accounts(&pair.lb_pair, &pair.bin_arrays, 0, 0, None, false)
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let direction = if a_to_b {
                Direction::AToB
            } else {
                Direction::BToA
            };
            compare(
                &pair.pool,
                &peer,
                direction,
                amount,
                &mut counts.borrow_mut(),
            )
            .map_err(TestCaseError::fail)
        })
        .unwrap();
    let counts = counts.into_inner();
    eprintln!("random pairs: {counts:?}");
    assert!(counts.compared >= 2_000, "{counts:?}");
    assert!(counts.crossed_bins >= 500, "{counts:?}");
    assert!(counts.filled_orders >= 500, "{counts:?}");
    assert!(counts.partial >= 50, "{counts:?}");
    assert_eq!(
        counts.excluded_gap + counts.excluded_reserve,
        0,
        "{counts:?}"
    );
}
