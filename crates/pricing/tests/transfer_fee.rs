//! Transfer fees read from a real Token-2022 mint (the Meteora DLMM pool `B5Eia4cE...`'s
//! token X, 0.5% capped at 5,000 from epoch 835) and applied by the pricing crate, and Raydium
//! CPMM's transfer-fee rules on its own model.

use decoder::test_utils::{all_fixtures, by_pubkey};
use pricing::{
    FeeProgram, Fill, Price, Quote, SwapMode, TransferFee, TransferFeeConfig,
    quote_with_transfer_fees,
};

/// The decoder keeps the stored fields; pricing does the arithmetic. This is the whole
/// mapping (the market crate will own it; decoder does not depend on pricing).
fn pricing_config(config: &decoder::token::TransferFeeConfig) -> TransferFeeConfig {
    let fee = |f: &decoder::token::TransferFee| {
        TransferFee::new(f.transfer_fee_basis_points, f.maximum_fee)
    };
    TransferFeeConfig {
        older: fee(&config.older_transfer_fee),
        newer: fee(&config.newer_transfer_fee),
        newer_epoch: config.newer_transfer_fee.epoch,
    }
}

#[test]
fn real_half_percent_mint_takes_5_of_1000_before_the_swap() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let f = by_pubkey(&fixtures, "B4rGSdcBrmLEPUQXpZa91PMsRE3GqNcjLd6EMvM3yaj2").unwrap();
    let mint = decoder::Mint::from_account(&f.account.owner, &f.account.data).unwrap();
    let config = pricing_config(&mint.transfer_fee_config().unwrap());
    let fee = config.at_epoch(835);
    assert_eq!(fee, TransferFee::new(50, 5_000));
    assert_eq!(fee.fee(1_000), Ok(5));
    assert_eq!(fee.fee(10_000_000), Ok(5_000), "the cap");
    assert_eq!(fee.gross_for_net(995), Ok(1_000));

    // A 1:1 pool: the trader sends 1,000, the pool gets 995; both sides pay 0.5%.
    let one_to_one = |_: SwapMode, amount: u64| {
        Ok(Quote {
            amount_in: amount,
            amount_out: amount,
            fee: 0,
            fee_out: 0,
            fill: Fill::Complete,
            price_after: Price::Ratio { b: 1, a: 1 },
        })
    };
    let q = quote_with_transfer_fees(
        FeeProgram::MeteoraDlmm,
        Some(fee),
        Some(fee),
        SwapMode::ExactIn,
        1_000,
        one_to_one,
    )
    .unwrap();
    assert_eq!(
        (q.amount_in, q.pool.amount_in, q.amount_out),
        (1_000, 995, 990)
    );
    assert_eq!((q.transfer_fee_in, q.transfer_fee_out), (5, 5));
}

fn cpmm() -> pricing::CpmmPool {
    let fees = pricing::CpmmFees {
        trade_fee_rate: 2_500,
        protocol_fee_rate: 120_000,
        fund_fee_rate: 40_000,
        creator_fee_rate: 0,
        creator_fee_on: pricing::CreatorFeeOn::BothToken,
    };
    pricing::CpmmPool::new(pricing::CpmmParams {
        vault_0: pricing::Vault::new(5_000_000_000, 0),
        vault_1: pricing::Vault::new(7_000_000_000, 0),
        fees,
        decimals_0: 9,
        decimals_1: 6,
    })
    .unwrap()
}

/// Raydium CPMM `swap_base_input`: `actual_amount_in = amount_in - get_transfer_fee(amount_in)`
/// must be positive, the curve runs on it, the trader gets `amount_out -
/// get_transfer_fee(amount_out)`, which must be positive too.
#[test]
fn cpmm_swap_base_input_takes_the_fee_first_and_refuses_zero_nets() {
    use pricing::{Direction, PoolTransferFees, PricingError, SwapModel};
    let pool = cpmm();
    let fees = PoolTransferFees {
        a: Some(TransferFee::new(50, u64::MAX)),
        b: Some(TransferFee::new(300, 1_000)),
    };
    let q = pricing::quote_model_with_transfer_fees(
        FeeProgram::RaydiumCpmm,
        &pool,
        fees,
        Direction::AToB,
        SwapMode::ExactIn,
        1_000,
    )
    .unwrap();
    assert_eq!(
        q.pool.amount_in, 995,
        "the issue's example: 0.5% of 1,000 first"
    );
    assert_eq!(q.pool, pool.quote_exact_in(Direction::AToB, 995).unwrap());
    let out = q.pool.amount_out;
    assert_eq!(q.amount_out, out - (out * 300).div_ceil(10_000).min(1_000));

    // The whole input withheld, or the whole output: the program's `require_gt!(.., 0)`.
    let all = Some(TransferFee::new(10_000, u64::MAX));
    let refused = |fees: PoolTransferFees| {
        pricing::quote_model_with_transfer_fees(
            FeeProgram::RaydiumCpmm,
            &pool,
            fees,
            Direction::AToB,
            SwapMode::ExactIn,
            1_000,
        )
    };
    assert!(matches!(
        refused(PoolTransferFees { a: all, b: None }),
        Err(PricingError::ZeroAmount(_))
    ));
    assert_eq!(
        refused(PoolTransferFees { a: None, b: all }),
        Err(PricingError::ZeroAmount("output after the transfer fee"))
    );
}

/// Raydium CPMM `swap_base_output`: the pool pays `amount_out_received +
/// get_transfer_inverse_fee(..)`, the trader sends `input_amount +
/// get_transfer_inverse_fee(input_amount)`.
#[test]
fn cpmm_swap_base_output_grosses_up_both_sides() {
    use pricing::{Direction, PoolTransferFees, SwapModel};
    let pool = cpmm();
    let fees = PoolTransferFees {
        a: Some(TransferFee::new(50, 3)),
        b: Some(TransferFee::new(300, u64::MAX)),
    };
    let q = pricing::quote_model_with_transfer_fees(
        FeeProgram::RaydiumCpmm,
        &pool,
        fees,
        Direction::BToA,
        SwapMode::ExactOut,
        10_000,
    )
    .unwrap();
    // 0.5% of the 10,050 it takes to net 10,000 is 51: capped at 3, so 10,003 comes out.
    assert_eq!(
        q.pool,
        pool.quote_exact_out(Direction::BToA, 10_003).unwrap()
    );
    assert_eq!((q.amount_out, q.transfer_fee_out), (10_000, 3));
    let input = q.pool.amount_in;
    assert_eq!(q.amount_in, (input * 10_000).div_ceil(9_700));
}
