//! Transfer fees read from a real Token-2022 mint (the Meteora DLMM pool `B5Eia4cE...`'s
//! token X, 0.5% capped at 5,000 from epoch 835) and applied by the pricing crate.

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
