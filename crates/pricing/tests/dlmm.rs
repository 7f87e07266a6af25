//! Meteora DLMM on real pairs: bin prices equal the prices the program cached in the bins,
//! the bins hold no more than the reserves, and quotes behave as the program's rules say.

use decoder::test_utils::{Fixture, all_fixtures, by_pubkey};
use pricing::dlmm::{
    Bin, BinArray, CollectFeeMode, DlmmParams, DlmmPool, VariableParameters, bin_price_x64,
};
use pricing::{Direction, Fill, PartialReason, SwapModel};
use proptest::prelude::*;

const PAIRS: [&str; 3] = [
    "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig",
    "9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd",
    "B5Eia4cE71tKuEDaqPHucJLG2fxySKyKzLMewd2nUvoc",
];

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

fn pool(fixtures: &[Fixture], pair: &str) -> DlmmPool {
    let f = by_pubkey(fixtures, pair).unwrap();
    let p = decoder::LbPair::from_account(&f.account.owner, &f.account.data).unwrap();
    let (sp, vp) = (p.parameters(), p.v_parameters());
    let arrays = bin_arrays(fixtures, pair);
    DlmmPool {
        params: DlmmParams {
            bin_step: p.bin_step(),
            base_factor: sp.base_factor,
            base_fee_power_factor: sp.base_fee_power_factor,
            filter_period: sp.filter_period,
            decay_period: sp.decay_period,
            reduction_factor: sp.reduction_factor,
            variable_fee_control: sp.variable_fee_control,
            max_volatility_accumulator: sp.max_volatility_accumulator,
            protocol_share: sp.protocol_share,
            collect_fee_mode: CollectFeeMode::InputOnly,
            // These bins use the older layout, whose tail bytes are swap totals, not orders.
            support_limit_order: false,
        },
        variables: VariableParameters {
            volatility_accumulator: vp.volatility_accumulator,
            volatility_reference: vp.volatility_reference,
            index_reference: vp.index_reference,
            last_update_timestamp: vp.last_update_timestamp,
        },
        active_id: p.active_id(),
        arrays_with_liquidity: arrays
            .iter()
            .map(|(_, i)| *i)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        bin_arrays: arrays
            .iter()
            .map(|(view, index)| {
                let mut bins = [Bin::default(); 70];
                for (out, bin) in bins.iter_mut().zip(view.bins()) {
                    *out = Bin {
                        amount_x: bin.amount_x(),
                        amount_y: bin.amount_y(),
                        price: bin.price(),
                        ..Bin::default()
                    };
                }
                BinArray {
                    index: *index,
                    bins,
                }
            })
            .collect(),
        timestamp: vp.last_update_timestamp + 10,
        decimals_x: 0,
        decimals_y: 0,
    }
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

#[test]
fn real_pairs_quote_within_their_bins() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    for pair in PAIRS {
        let pool = pool(&fixtures, pair);
        for direction in [Direction::AToB, Direction::BToA] {
            let small = pool.quote_exact_in(direction, 1_000).unwrap();
            assert!(small.amount_in <= 1_000);
            let huge = pool.quote_exact_in(direction, u64::MAX / 4).unwrap();
            assert!(
                matches!(
                    huge.fill,
                    Fill::Partial(
                        PartialReason::BinArraysExhausted | PartialReason::LiquidityExhausted
                    )
                ),
                "{pair} {direction:?}: {huge:?}"
            );
            // What the known bins can pay out, no more.
            let total: u64 = pool
                .bin_arrays
                .iter()
                .flat_map(|a| a.bins.iter())
                .map(|b| {
                    if direction == Direction::AToB {
                        b.amount_y
                    } else {
                        b.amount_x
                    }
                })
                .sum();
            assert!(
                huge.amount_out <= total,
                "{pair}: paid {} of {total}",
                huge.amount_out
            );
        }
    }
}

fn generated_pool() -> impl Strategy<Value = DlmmPool> {
    (
        prop::sample::select(vec![1u16, 5, 10, 25, 80, 100]),
        -1_500i32..1_500,
        prop::sample::select(vec![5_000u16, 10_000, 20_000]),
        0u32..40_000,
        prop::sample::select(vec![CollectFeeMode::InputOnly, CollectFeeMode::OnlyY]),
        prop::collection::vec((0u64..10_000_000_000, 0u64..10_000_000_000), 210),
        0i64..4_000,
    )
        .prop_map(
            |(bin_step, active_id, base_factor, vfc, mode, amounts, elapsed)| {
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
                        }
                        BinArray { index, bins }
                    })
                    .collect();
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
                        support_limit_order: false,
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
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn exact_out_then_exact_in_gets_at_least_the_output(pool in generated_pool(), amount in 1u64..1_000_000_000, a_to_b: bool) {
        let direction = if a_to_b { Direction::AToB } else { Direction::BToA };
        if let Ok(out) = pool.quote_exact_out(direction, amount)
            && out.is_complete()
            && let Ok(back) = pool.quote_exact_in(direction, out.amount_in)
        {
            prop_assert!(back.amount_out >= amount, "asked {amount}: {out:?} then {back:?}");
        }
    }

    #[test]
    fn larger_inputs_never_buy_less_and_never_exceed_the_bins(pool in generated_pool(), amount in 1u64..1_000_000_000, extra in 1u64..1_000_000_000, a_to_b: bool) {
        let direction = if a_to_b { Direction::AToB } else { Direction::BToA };
        // Bins whose price makes an amount exceed u64 fail in the program too; skip those.
        let (Ok(small), Ok(large)) = (pool.quote_exact_in(direction, amount), pool.quote_exact_in(direction, amount + extra)) else {
            return Ok(());
        };
        prop_assert!(large.amount_out >= small.amount_out);
        let total: u64 = pool.bin_arrays.iter().flat_map(|a| a.bins.iter()).map(|b| if a_to_b { b.amount_y } else { b.amount_x }).sum();
        prop_assert!(large.amount_out <= total);
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
    let pool = pool(&fixtures, pair);
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
