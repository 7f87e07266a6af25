//! Invariants every model must keep, on generated states, and models built from the real
//! constant-product pool accounts.
//!
//! - exact-out followed by exact-in never yields less than requested;
//! - output never exceeds the reserve;
//! - a larger input never buys less;
//! - no input panics, however absurd the state.

use decoder::test_utils::{all_fixtures, by_pubkey};
use pricing::clmm::Tick;
use pricing::clmm::orca::{TickArray, WhirlpoolPool, WhirlpoolState};
use pricing::dlmm::{Bin, BinArray, DlmmParams, DlmmPool, VariableParameters};
use pricing::{
    AmmV4Params, AmmV4Pool, CpmmFees, CpmmParams, CpmmPool, CreatorFeeOn, Direction, SwapMode,
    SwapModel, Vault,
};
use proptest::prelude::*;

fn direction() -> impl Strategy<Value = Direction> {
    prop::sample::select(vec![Direction::AToB, Direction::BToA])
}

fn amm_v4() -> impl Strategy<Value = AmmV4Pool> {
    (
        1u64..u64::MAX / 2,
        1u64..u64::MAX / 2,
        0u64..100,
        prop::sample::select(vec![10_000u64, 1_000_000]),
    )
        .prop_map(|(coin, pc, num, den)| {
            AmmV4Pool::new(AmmV4Params {
                vault_coin: Vault::new(coin, 0),
                vault_pc: Vault::new(pc, 0),
                swap_fee_numerator: num,
                swap_fee_denominator: den,
                coin_decimals: 9,
                pc_decimals: 6,
            })
            .unwrap()
        })
}

fn cpmm() -> impl Strategy<Value = CpmmPool> {
    (
        1u64..u64::MAX / 2,
        1u64..u64::MAX / 2,
        prop::sample::select(vec![100u64, 2_500, 10_000, 40_000]),
        prop::sample::select(vec![0u64, 120_000]),
        prop::sample::select(vec![0u64, 40_000]),
        prop::sample::select(vec![0u64, 500, 5_000]),
        prop::sample::select(vec![
            CreatorFeeOn::BothToken,
            CreatorFeeOn::OnlyToken0,
            CreatorFeeOn::OnlyToken1,
        ]),
    )
        .prop_map(|(r0, r1, trade, protocol, fund, creator, on)| {
            let fees = CpmmFees {
                trade_fee_rate: trade,
                protocol_fee_rate: protocol,
                fund_fee_rate: fund,
                creator_fee_rate: creator,
                creator_fee_on: on,
            };
            CpmmPool::new(CpmmParams {
                vault_0: Vault::new(r0, 0),
                vault_1: Vault::new(r1, 0),
                fees,
                decimals_0: 9,
                decimals_1: 6,
            })
            .unwrap()
        })
}

fn check_model<M: SwapModel>(
    model: &M,
    reserves: (u64, u64),
    direction: Direction,
    amount: u64,
    extra: u64,
) -> Result<(), TestCaseError> {
    let reserve_out = match direction {
        Direction::AToB => reserves.1,
        Direction::BToA => reserves.0,
    };
    if let Ok(q) = model.quote_exact_in(direction, amount) {
        prop_assert!(
            q.amount_out < reserve_out,
            "paid {} of reserve {reserve_out}",
            q.amount_out
        );
        if let Ok(larger) = model.quote_exact_in(direction, amount.saturating_add(extra)) {
            prop_assert!(larger.amount_out >= q.amount_out);
        }
    }
    if let Ok(out) = model.quote_exact_out(direction, amount)
        && let Ok(back) = model.quote_exact_in(direction, out.amount_in)
    {
        prop_assert!(
            back.amount_out >= amount,
            "asked {amount}: {out:?} then {back:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn amm_v4_invariants(pool in amm_v4(), d in direction(), amount in 1u64..u64::MAX / 4, extra in 1u64..1_000_000_000) {
        check_model(&pool, (pool.reserve_coin, pool.reserve_pc), d, amount, extra)?;
    }

    #[test]
    fn cpmm_invariants(pool in cpmm(), d in direction(), amount in 1u64..u64::MAX / 4, extra in 1u64..1_000_000_000) {
        check_model(&pool, (pool.reserve_0, pool.reserve_1), d, amount, extra)?;
    }

    /// Absurd states and amounts: every model answers with a quote or a typed error.
    #[test]
    fn no_state_or_amount_panics(
        a: u64, b: u64, owed: (u64, u64), fee: (u64, u64),
        sqrt_price in prop_oneof![any::<u128>(), 4_295_048_016u128..79_226_673_515_401_279_992_447_579_055],
        tick in prop_oneof![any::<i32>(), -443_636i32..443_636],
        liquidity in prop_oneof![any::<u128>(), 0u128..(1 << 90)],
        spacing in prop_oneof![any::<u16>(), 1u16..256],
        fee_rate: u16, protocol: u16,
        nets in prop::collection::vec(any::<i128>(), 88),
        bin_step: u16, active_id in prop_oneof![any::<i32>(), -2_000i32..2_000], bin_amounts in prop::collection::vec(any::<(u64, u64, u128)>(), 70),
        vfc: u32, acc: u32, timestamp: i64,
        amount: u64, d in direction(), exact_in: bool,
    ) {
        let mode = if exact_in { SwapMode::ExactIn } else { SwapMode::ExactOut };
        if let Ok(p) = AmmV4Pool::new(AmmV4Params { vault_coin: Vault::new(a, owed.0), vault_pc: Vault::new(b, owed.1), swap_fee_numerator: fee.0, swap_fee_denominator: fee.1, coin_decimals: 0, pc_decimals: 0 }) {
            let _ = p.quote(d, mode, amount);
        }
        let fees = CpmmFees { trade_fee_rate: fee.0, protocol_fee_rate: fee.1, fund_fee_rate: fee.1, creator_fee_rate: fee.0 / 3, creator_fee_on: CreatorFeeOn::OnlyToken1 };
        if let Ok(p) = CpmmPool::new(CpmmParams { vault_0: Vault::new(a, owed.0), vault_1: Vault::new(b, owed.1), fees, decimals_0: 0, decimals_1: 0 }) {
            let _ = p.quote(d, mode, amount);
        }
        let mut ticks = [Tick::default(); 88];
        for (t, net) in ticks.iter_mut().zip(&nets) {
            *t = Tick { initialized: net % 3 == 0, liquidity_net: *net };
        }
        let span = 88 * i64::from(spacing.max(1));
        let start = (i64::from(tick).div_euclid(span) * span).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let whirlpool = WhirlpoolPool {
            state: WhirlpoolState { sqrt_price, tick_current_index: tick, liquidity, tick_spacing: spacing, fee_rate, protocol_fee_rate: protocol, decimals_a: 0, decimals_b: 0 },
            tick_arrays: vec![TickArray { start_tick_index: start, ticks }],
            oracle: None,
            timestamp: 0,
        };
        let _ = whirlpool.quote(d, mode, amount);
        // The same state as a Raydium CLMM pool, every tick initialized at the array's ticks.
        let mut r_ticks = [pricing::clmm::raydium::ClmmTick::default(); 60];
        for ((t, net), i) in r_ticks.iter_mut().zip(&nets).zip(0i64..) {
            *t = pricing::clmm::raydium::ClmmTick { tick: (i64::from(start) + i * i64::from(spacing)) as i32, liquidity_net: *net, liquidity_gross: net.unsigned_abs(), has_limit_orders: net % 7 == 0 };
        }
        let raydium = pricing::RaydiumClmmPool {
            state: pricing::clmm::raydium::ClmmState {
                sqrt_price_x64: sqrt_price, tick_current: tick, liquidity, tick_spacing: spacing,
                trade_fee_rate: u32::from(fee_rate) * 15, protocol_fee_rate: u32::from(protocol), fund_fee_rate: 0,
                fee_on: pricing::clmm::raydium::FeeOn::Token0Only, dynamic_fee: None, swaps_enabled: true,
                decimals_0: 0, decimals_1: 0,
            },
            initialized_array_starts: vec![start],
            tick_arrays: vec![pricing::clmm::raydium::ClmmTickArray { start_tick_index: start, ticks: r_ticks }],
            timestamp: 0,
        };
        let _ = raydium.quote(d, mode, amount);
        let mut bins = [Bin::default(); 70];
        for (bin, (x, y, price)) in bins.iter_mut().zip(&bin_amounts) {
            *bin = Bin { amount_x: *x, amount_y: *y, price: *price, ..Bin::default() };
        }
        let dlmm = DlmmPool {
            params: DlmmParams { bin_step, base_factor: fee_rate, variable_fee_control: vfc, max_volatility_accumulator: acc, ..DlmmParams::default() },
            variables: VariableParameters { last_update_timestamp: timestamp / 2, ..VariableParameters::default() },
            active_id,
            arrays_with_liquidity: vec![pricing::dlmm::bin_id_to_array_index(active_id)],
            bin_arrays: vec![BinArray { index: pricing::dlmm::bin_id_to_array_index(active_id), bins }],
            timestamp,
            decimals_x: 0,
            decimals_y: 0,
            reserves: None,
        };
        let _ = dlmm.quote(d, mode, amount);
    }
}

/// The real AMM v4 and CPMM pool accounts mapped onto the models. The fixtures hold no vault
/// accounts for these pools, so the vault balances here are chosen (and said to be); what is
/// real is every field the pool account contributes: owed pnl or fees, decimals, fee rates.
#[test]
fn real_constant_product_pools_map_onto_the_models() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let f = by_pubkey(&fixtures, "58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2").unwrap();
    let p = decoder::AmmInfo::from_account(&f.account.owner, &f.account.data).unwrap();
    let (vault_coin, vault_pc) = (2_000_000_000_000u64, 350_000_000_000u64);
    let pool = AmmV4Pool::new(AmmV4Params {
        vault_coin: Vault::new(vault_coin, p.need_take_pnl_coin()),
        vault_pc: Vault::new(vault_pc, p.need_take_pnl_pc()),
        swap_fee_numerator: p.swap_fee_numerator(),
        swap_fee_denominator: p.swap_fee_denominator(),
        coin_decimals: p.coin_decimals(),
        pc_decimals: p.pc_decimals(),
    })
    .unwrap();
    assert_eq!(pool.reserve_coin, vault_coin - 183_502_858);
    assert_eq!(pool.reserve_pc, vault_pc - 21_928_100);
    let q = pool.quote_exact_in(Direction::AToB, 1_000_000_000).unwrap();
    assert_eq!(q.fee, 2_500_000, "25/10000 of the input, rounded up");
    let spot = pool.spot_price_f64();
    assert!((spot - 175.0).abs() < 0.1, "{spot}");

    let f = by_pubkey(&fixtures, "Q2sPHPdUWFMg7M7wwrQKLrn619cAucfRsmhVJffodSp").unwrap();
    let p = decoder::CpmmPool::from_account(&f.account.owner, &f.account.data).unwrap();
    let owed_0 = p.protocol_fees_token_0() + p.fund_fees_token_0() + p.creator_fees_token_0();
    let owed_1 = p.protocol_fees_token_1() + p.fund_fees_token_1() + p.creator_fees_token_1();
    let fees = CpmmFees {
        trade_fee_rate: 2_500,
        protocol_fee_rate: 120_000,
        fund_fee_rate: 40_000,
        creator_fee_rate: 0,
        creator_fee_on: CreatorFeeOn::BothToken,
    };
    let pool = CpmmPool::new(CpmmParams {
        vault_0: Vault::new(10_000_000_000, owed_0),
        vault_1: Vault::new(900_000_000, owed_1),
        fees,
        decimals_0: p.mint_0_decimals(),
        decimals_1: p.mint_1_decimals(),
    })
    .unwrap();
    assert_eq!(pool.reserve_0, 10_000_000_000 - 484_814_504 - 123_593_244);
    assert_eq!(pool.reserve_1, 900_000_000 - 286_186_090 - 78_871_511);
    let q = pool.quote_exact_in(Direction::BToA, 1_000_000).unwrap();
    assert!(q.amount_out > 0 && q.fee == 2_500);
    // Owing more than the vault holds is refused, as the program does.
    assert!(
        CpmmPool::new(CpmmParams {
            vault_0: Vault::new(1, owed_0),
            vault_1: Vault::new(1, owed_1),
            fees,
            decimals_0: 9,
            decimals_1: 6
        })
        .is_err()
    );
}
