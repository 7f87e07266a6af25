//! Meteora DLMM on real pairs: bin prices equal the prices the program cached in the bins,
//! the bins hold no more than the reserves, and quotes behave as the program's rules say.

use decoder::test_utils::{Fixture, all_fixtures, by_pubkey};
use pricing::dlmm::{
    Bin, BinArray, CollectFeeMode, DlmmParams, DlmmPool, VariableParameters, bin_price_x64,
};
use pricing::{Direction, Fill, PartialReason, PricingError, SwapMode, SwapModel};
use proptest::prelude::*;

#[path = "support/dlmm_fixtures.rs"]
mod dlmm_fixtures;
use dlmm_fixtures::{PAIRS, pool, raw};

fn bin_arrays(fixtures: &[Fixture], pair: &str) -> Vec<(decoder::BinArray<'static>, i64)> {
    fixtures
        .iter()
        .filter(|f| f.pool.as_deref() == Some(pair) && f.kind == "meteora-dlmm.BinArray")
        .map(|f| {
            let data: &'static [u8] = Box::leak(f.account.data.clone().into_boxed_slice());
            let view = decoder::BinArray::from_bytes(data).unwrap();
            (view, view.index())
        })
        .collect()
}

#[test]
fn bin_prices_equal_the_prices_the_program_cached() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let mut checked = 0;
    for pair in PAIRS {
        let f = by_pubkey(&fixtures, pair).unwrap();
        let step = decoder::LbPair::from_account(&f.account.owner, &f.account.data)
            .unwrap()
            .bin_step();
        for (array, _) in bin_arrays(&fixtures, pair) {
            for (i, bin) in array.bins().enumerate() {
                if bin.price() != 0 {
                    let id = (array.lower_bin_id() + i as i64) as i32;
                    assert_eq!(
                        bin_price_x64(id, step).unwrap(),
                        bin.price(),
                        "{pair} bin {id}"
                    );
                    checked += 1;
                }
            }
        }
    }
    eprintln!("{checked} cached bin prices matched");
    assert!(checked >= 20, "only {checked} cached prices found");
}

#[test]
fn bins_hold_no_more_than_the_reserves() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    for pair in PAIRS {
        let f = by_pubkey(&fixtures, pair).unwrap();
        let p = decoder::LbPair::from_account(&f.account.owner, &f.account.data).unwrap();
        let reserve = |key: decoder::Pubkey| {
            let r = by_pubkey(&fixtures, &key.to_string()).unwrap();
            decoder::TokenAccount::from_account(&r.account.owner, &r.account.data)
                .unwrap()
                .amount()
        };
        let (mut x, mut y) = (0u128, 0u128);
        for (array, _) in bin_arrays(&fixtures, pair) {
            for bin in array.bins() {
                x += u128::from(bin.amount_x());
                y += u128::from(bin.amount_y());
            }
        }
        assert!(
            x <= u128::from(reserve(p.reserve_x())),
            "{pair}: bins hold {x} X"
        );
        assert!(
            y <= u128::from(reserve(p.reserve_y())),
            "{pair}: bins hold {y} Y"
        );
    }
}

/// What the bins of `pool` can pay in `direction`, limit orders included when the pair fills
/// them.
fn bins_can_pay(pool: &DlmmPool, direction: Direction) -> u128 {
    let sell_x = direction == Direction::AToB;
    pool.bin_arrays
        .iter()
        .flat_map(|a| a.bins.iter())
        .map(|b| {
            let mm = if sell_x { b.amount_y } else { b.amount_x };
            let orders = if pool.params.support_limit_order && sell_x != b.limit_order_ask_side {
                u128::from(b.open_order_amount) + u128::from(b.processed_order_remaining_amount)
            } else {
                0
            };
            u128::from(mm) + orders
        })
        .sum()
}

#[test]
fn real_pairs_quote_within_their_bins_and_vaults() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    for pair in PAIRS {
        let raw = raw(&fixtures, pair);
        let pool = pool(&raw);
        let reserves = raw.reserves.unwrap();
        for direction in [Direction::AToB, Direction::BToA] {
            let vault = if direction == Direction::AToB {
                reserves.1
            } else {
                reserves.0
            };
            let small = pool.quote_exact_in(direction, 1_000_000).unwrap();
            assert!(small.amount_in <= 1_000_000 && small.amount_out > 0);
            match pool.quote_exact_in(direction, u64::MAX / 4) {
                Ok(huge) => {
                    assert!(
                        matches!(
                            huge.fill,
                            Fill::Partial(
                                PartialReason::BinArraysExhausted
                                    | PartialReason::LiquidityExhausted
                            )
                        ),
                        "{pair} {direction:?}: {huge:?}"
                    );
                    assert!(u128::from(huge.amount_out) <= bins_can_pay(&pool, direction));
                    assert!(huge.amount_out <= vault);
                }
                // Only where the bins promise more than the vault holds.
                Err(e) => {
                    assert_eq!(
                        e,
                        PricingError::InsufficientLiquidity("output exceeds the reserve vault")
                    );
                    assert!(bins_can_pay(&pool, direction) > u128::from(vault), "{pair}");
                }
            }
        }
    }
}

const ORDERS: &str = "9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd";
const LEGACY: &str = "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig";

#[test]
fn resting_orders_add_depth_on_the_limit_order_pair() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let with = pool(&raw(&fixtures, ORDERS));
    assert!(with.params.support_limit_order);
    let mut without = with.clone();
    without.params.support_limit_order = false;
    // The program's own test: 40e9 X in crosses at least five bins of Y and bid orders.
    let a = with
        .swap(Direction::AToB, SwapMode::ExactIn, 40_000_000_000)
        .unwrap();
    let b = without
        .swap(Direction::AToB, SwapMode::ExactIn, 40_000_000_000)
        .unwrap();
    assert_eq!(a.fill, Fill::Complete);
    assert!(with.active_id - a.end_active_id >= 5, "{a:?}");
    // Orders fill at the same bin prices, so the walk stops sooner and pays more.
    assert!(a.end_active_id > b.end_active_id, "{a:?} {b:?}");
    assert!(a.amount_out > b.amount_out, "{a:?} {b:?}");
    // Half of the fee on order fills is protocol fee, so the protocol takes a larger share.
    assert!(
        a.protocol_fee * b.fee > b.protocol_fee * a.fee,
        "{a:?} {b:?}"
    );
    // And 45e12 Y in crosses at least five bins of X and ask orders.
    let c = with
        .swap(Direction::BToA, SwapMode::ExactIn, 45_000_000_000_000)
        .unwrap();
    assert!(c.end_active_id - with.active_id >= 5, "{c:?}");
}

#[test]
fn older_layout_orders_pay_out_up_to_the_vault() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let raw = raw(&fixtures, LEGACY);
    let pool = pool(&raw);
    assert!(pool.params.support_limit_order);
    let vault_y = raw.reserves.unwrap().1;
    // The active bin 15 holds 28777 Y of its own and reads as 6.6e11 Y of bid orders.
    let small = pool
        .swap(Direction::AToB, SwapMode::ExactIn, 1_000_000)
        .unwrap();
    assert_eq!(
        small.end_active_id, 15,
        "filled inside the active bin: {small:?}"
    );
    assert!(small.amount_out > 28_777);
    // Exact out of more than the vault holds: the bin promises it, the transfer cannot pay it.
    assert_eq!(
        pool.swap(Direction::AToB, SwapMode::ExactOut, vault_y + 1),
        Err(PricingError::InsufficientLiquidity(
            "output exceeds the reserve vault"
        ))
    );
    let unchecked = DlmmPool {
        reserves: None,
        ..pool.clone()
    };
    let promised = unchecked
        .swap(Direction::AToB, SwapMode::ExactOut, vault_y + 1)
        .unwrap();
    assert_eq!(promised.fill, Fill::Complete);
    assert_eq!(promised.end_active_id, 15);
    // Exact in too: an input that buys more Y than the vault holds fails.
    let big_in = promised.amount_in;
    assert!(
        pool.swap(Direction::AToB, SwapMode::ExactIn, big_in)
            .is_err()
    );
    // Within the vault, exact out fills from the orders of the one bin.
    let fits = pool
        .swap(Direction::AToB, SwapMode::ExactOut, vault_y / 2)
        .unwrap();
    assert_eq!((fits.fill, fits.end_active_id), (Fill::Complete, 15));
}

#[test]
fn an_input_too_small_to_buy_anything_is_an_error() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    for pair in PAIRS {
        let pool = pool(&raw(&fixtures, pair));
        for direction in [Direction::AToB, Direction::BToA] {
            assert_eq!(
                pool.quote_exact_in(direction, 1),
                Err(PricingError::ZeroAmount("amount out")),
                "{pair} {direction:?}"
            );
        }
    }
}

fn generated_pool() -> impl Strategy<Value = DlmmPool> {
    (
        (
            prop::sample::select(vec![1u16, 5, 10, 25, 80, 100]),
            -1_500i32..1_500,
            prop::sample::select(vec![5_000u16, 10_000, 20_000]),
            0u32..40_000,
            prop::sample::select(vec![CollectFeeMode::InputOnly, CollectFeeMode::OnlyY]),
            0i64..4_000,
        ),
        prop::collection::vec((0u64..10_000_000_000, 0u64..10_000_000_000), 210),
        prop::collection::vec(
            (0u64..5_000_000_000, 0u64..5_000_000_000, any::<bool>()),
            210,
        ),
        any::<bool>(),
        prop::sample::select(vec![0u8, 1, 2]),
    )
        .prop_map(
            |(
                (bin_step, active_id, base_factor, vfc, mode, elapsed),
                amounts,
                orders,
                lo,
                vaults,
            )| {
                let center = pricing::dlmm::bin_id_to_array_index(active_id);
                let arrays: Vec<BinArray> = (0..3)
                    .map(|k| {
                        let index = center - 1 + k;
                        let mut bins = [Bin::default(); 70];
                        for (i, b) in bins.iter_mut().enumerate() {
                            let id = index * 70 + i as i64;
                            let (x, y) = amounts[(k * 70) as usize + i];
                            // X sits above the active bin, Y below, both in the active bin.
                            b.amount_x = if id >= i64::from(active_id) { x } else { 0 };
                            b.amount_y = if id <= i64::from(active_id) { y } else { 0 };
                            let (open, processed, ask) = orders[(k * 70) as usize + i];
                            // Orders on a quarter of the bins, either side.
                            if (open ^ processed) % 4 == 0 {
                                b.open_order_amount = open;
                                b.processed_order_remaining_amount = processed % 3 * processed;
                                b.limit_order_ask_side = ask;
                            }
                        }
                        BinArray { index, bins }
                    })
                    .collect();
                let total = |f: fn(&Bin) -> u64| -> u64 {
                    arrays
                        .iter()
                        .flat_map(|a| a.bins.iter())
                        .map(f)
                        .fold(0u64, u64::saturating_add)
                };
                let (x, y) = (total(|b| b.amount_x), total(|b| b.amount_y));
                let reserves = match vaults {
                    0 => None,
                    // Enough for the bins' own liquidity, not for every order.
                    1 => Some((x, y)),
                    _ => Some((x / 3, y / 3)),
                };
                DlmmPool {
                    params: DlmmParams {
                        bin_step,
                        base_factor,
                        base_fee_power_factor: 0,
                        filter_period: 30,
                        decay_period: 600,
                        reduction_factor: 5_000,
                        variable_fee_control: vfc,
                        max_volatility_accumulator: 350_000,
                        protocol_share: 500,
                        collect_fee_mode: mode,
                        support_limit_order: lo,
                    },
                    variables: VariableParameters {
                        volatility_accumulator: 20_000,
                        volatility_reference: 5_000,
                        index_reference: active_id,
                        last_update_timestamp: 1_000,
                    },
                    active_id,
                    arrays_with_liquidity: arrays.iter().map(|a| a.index).collect(),
                    bin_arrays: arrays,
                    timestamp: 1_000 + elapsed,
                    decimals_x: 0,
                    decimals_y: 0,
                    reserves,
                }
            },
        )
}

fn direction(a_to_b: bool) -> Direction {
    if a_to_b {
        Direction::AToB
    } else {
        Direction::BToA
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn quotes_never_panic_never_pay_zero_and_stay_within_the_vault(
        pool in generated_pool(),
        amount in prop_oneof![1u64..1_000, 1u64..1_000_000_000_000, Just(u64::MAX)],
        a_to_b: bool,
        exact_in: bool,
    ) {
        let mode = if exact_in { SwapMode::ExactIn } else { SwapMode::ExactOut };
        if let Ok(q) = pool.quote(direction(a_to_b), mode, amount) {
            prop_assert!(q.amount_out > 0, "{q:?}");
            prop_assert!(q.amount_in > 0, "{q:?}");
            if let Some((x, y)) = pool.reserves {
                let vault = if a_to_b { y } else { x };
                prop_assert!(q.amount_out <= vault, "{q:?}");
            }
            prop_assert!(u128::from(q.amount_out) <= bins_can_pay(&pool, direction(a_to_b)));
            let given = if exact_in { q.amount_in } else { q.amount_out };
            prop_assert!(given <= amount, "{q:?}");
        }
    }

    #[test]
    fn exact_out_then_exact_in_round_trips(pool in generated_pool(), amount in 1u64..1_000_000_000, a_to_b: bool) {
        let direction = direction(a_to_b);
        if let Ok(out) = pool.quote_exact_out(direction, amount)
            && out.is_complete()
        {
            // The exact-out input buys at least the output...
            let back = pool.quote_exact_in(direction, out.amount_in).unwrap();
            prop_assert!(back.amount_out >= amount, "asked {amount}: {out:?} then {back:?}");
            prop_assert_eq!(back.amount_in, out.amount_in);
            // ...and one unit less does not: the exact-out input is the least that pays.
            if out.amount_in > 1
                && let Ok(less) = pool.quote_exact_in(direction, out.amount_in - 1)
            {
                prop_assert!(less.amount_out < amount, "asked {amount}: {out:?}, one less {less:?}");
            }
        }
    }

    #[test]
    fn larger_inputs_never_buy_less(pool in generated_pool(), amount in 1u64..1_000_000_000, extra in 1u64..1_000_000_000, a_to_b: bool) {
        let direction = direction(a_to_b);
        // Amounts the program cannot represent, or outputs above the vault, fail in the
        // program too; skip those.
        let (Ok(small), Ok(large)) = (pool.quote_exact_in(direction, amount), pool.quote_exact_in(direction, amount + extra)) else {
            return Ok(());
        };
        prop_assert!(large.amount_out >= small.amount_out);
    }
}

/// The real pair `B5Eia4cE...` holds a Token-2022 mint with a 0.5% transfer fee capped at
/// 5,000 (epoch 835 on). Meteora's SDK (`quote_exact_in` / `quote_exact_out`) takes
/// `calculate_transfer_fee_excluded_amount` of the input before the bins and of the output
/// after, and grosses exact-out amounts up with `calculate_transfer_fee_included_amount`.
#[test]
fn real_token_2022_pair_quotes_with_its_transfer_fee() {
    use pricing::transfer_fee::{FeeProgram, PoolTransferFees, TransferFee, TransferFeeConfig};
    use pricing::{SwapMode, quote_model_with_transfer_fees};
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let pair = "B5Eia4cE71tKuEDaqPHucJLG2fxySKyKzLMewd2nUvoc";
    let f = by_pubkey(&fixtures, pair).unwrap();
    let lb = decoder::LbPair::from_account(&f.account.owner, &f.account.data).unwrap();
    let fee_of = |mint: decoder::Pubkey| -> Option<TransferFee> {
        let m = by_pubkey(&fixtures, &mint.to_string())?;
        let m = decoder::Mint::from_account(&m.account.owner, &m.account.data).unwrap();
        let config = m.transfer_fee_config()?;
        let fee = |f: decoder::token::TransferFee| {
            TransferFee::new(f.transfer_fee_basis_points, f.maximum_fee)
        };
        let config = TransferFeeConfig {
            older: fee(config.older_transfer_fee),
            newer: fee(config.newer_transfer_fee),
            newer_epoch: config.newer_transfer_fee.epoch,
        };
        Some(config.at_epoch(835))
    };
    let fees = PoolTransferFees {
        a: fee_of(lb.token_x_mint()),
        b: fee_of(lb.token_y_mint()),
    };
    let half = Some(TransferFee::new(50, 5_000));
    assert!(
        fees.a == half || fees.b == half,
        "one side is the 0.5% mint: {fees:?}"
    );
    let fee =
        |fee: Option<TransferFee>, x: u64| fee.map_or(0, |_| (x * 50).div_ceil(10_000).min(5_000));
    let gross = |fee: Option<TransferFee>, x: u64| {
        fee.map_or(x, |_| (x * 10_000).div_ceil(9_950).min(x + 5_000))
    };
    let pool = pool(&raw(&fixtures, pair));
    for direction in [Direction::AToB, Direction::BToA] {
        let (fee_in, fee_out) = fees.in_out(direction);
        for amount in [1_000u64, 1_001, 2_000_000] {
            let q = quote_model_with_transfer_fees(
                FeeProgram::MeteoraDlmm,
                &pool,
                fees,
                direction,
                SwapMode::ExactIn,
                amount,
            )
            .unwrap();
            let core = pool
                .quote_exact_in(direction, amount - fee(fee_in, amount))
                .unwrap();
            assert_eq!(q.pool, core);
            assert_eq!(q.amount_in, amount);
            assert_eq!(
                q.amount_out,
                core.amount_out - fee(fee_out, core.amount_out)
            );
            if amount == 1_000 && fee_in.is_some() {
                assert_eq!(q.pool.amount_in, 995, "the issue's example");
            }

            let want = q.amount_out.max(1);
            let q = quote_model_with_transfer_fees(
                FeeProgram::MeteoraDlmm,
                &pool,
                fees,
                direction,
                SwapMode::ExactOut,
                want,
            )
            .unwrap();
            let core = pool
                .quote_exact_out(direction, gross(fee_out, want))
                .unwrap();
            assert_eq!(q.pool, core);
            assert_eq!(q.amount_out, want);
            assert_eq!(q.amount_in, gross(fee_in, core.amount_in));
        }
    }
}

/// A pair trading at the top of the pair's own bitmap (array 511): the swap buying X crosses
/// into arrays 512 and 515 only when the bitmap extension marks them, jumping the empty arrays
/// between, as the program's bitmap search does.
#[test]
fn quotes_cross_into_arrays_the_bitmap_extension_marks() {
    use pricing::dlmm::{ExtensionBitmaps, arrays_with_liquidity};
    let step = 1u16;
    let active = 511 * 70 + 69; // the last bin of array 511
    let array = |index: i64| {
        let mut bins = [Bin::default(); 70];
        for (i, b) in bins.iter_mut().enumerate() {
            let id = index * 70 + i as i64;
            if id >= i64::from(active) {
                b.amount_x = 1_000_000;
            }
            if id <= i64::from(active) {
                b.amount_y = 1_000_000;
            }
        }
        BinArray { index, bins }
    };
    let mut bitmap = [0u64; 16];
    bitmap[15] = 1 << 63; // array 511
    let mut positive: ExtensionBitmaps = [[0; 8]; 12];
    positive[0][0] = 1 | 1 << 3; // arrays 512 and 515
    let negative: ExtensionBitmaps = [[0; 8]; 12];
    let with_extension = arrays_with_liquidity(&bitmap, Some((&positive, &negative)));
    assert_eq!(with_extension, vec![511, 512, 515]);
    let pool = |arrays_with_liquidity: Vec<i64>| DlmmPool {
        params: DlmmParams {
            bin_step: step,
            base_factor: 10_000,
            ..DlmmParams::default()
        },
        variables: VariableParameters {
            index_reference: active,
            ..VariableParameters::default()
        },
        active_id: active,
        arrays_with_liquidity,
        bin_arrays: vec![array(511), array(512), array(515)],
        timestamp: 0,
        decimals_x: 0,
        decimals_y: 0,
        reserves: None,
    };
    // 81 bins of X: the active bin, all of array 512, then ten bins of 515.
    let crossing = pool(with_extension)
        .swap(Direction::BToA, SwapMode::ExactOut, 81_000_000)
        .unwrap();
    assert_eq!(crossing.fill, Fill::Complete, "{crossing:?}");
    assert_eq!(crossing.end_active_id, 515 * 70 + 9);
    let exact_in = pool(arrays_with_liquidity(&bitmap, Some((&positive, &negative))))
        .swap(Direction::BToA, SwapMode::ExactIn, crossing.amount_in)
        .unwrap();
    assert!(exact_in.amount_out >= 81_000_000 && exact_in.end_active_id == 515 * 70 + 9);
    // Without the extension the swap ends with the pair's own range.
    let own = pool(arrays_with_liquidity(&bitmap, None))
        .swap(Direction::BToA, SwapMode::ExactIn, u64::MAX / 4)
        .unwrap();
    assert_eq!(own.fill, Fill::Partial(PartialReason::LiquidityExhausted));
    assert_eq!(own.amount_out, 1_000_000);
}
