//! Raydium CPMM, as raydium-cp-swap computes it (commit 609780f):
//! `CurveCalculator::swap_base_input` / `swap_base_output` in `curve/calculator.rs`, the fee
//! helpers in `curve/fees.rs`, `ConstantProductCurve` in `curve/constant_product.rs`, and
//! `PoolState::{vault_amount_without_fee, is_creator_fee_on_input, adjust_creator_fee_rate}`
//! in `states/pool.rs`.
//!
//! - Reserves are the vault amounts minus the protocol, fund and creator fees owed from them.
//! - Rates are in millionths. The trade fee is charged on the input and rounded up.
//! - The creator fee (when the pool enables it) is charged on the input together with the
//!   trade fee, or on the output, depending on `creator_fee_on` and the direction.
//! - Protocol and fund shares are taken from the trade fee, rounded down; they stay in the
//!   vault but stop counting as reserves.

use super::{Vault, input_for_output, output_for_input};
use crate::math::{mul_div_ceil, mul_div_floor, to_u64};
use crate::quote::{Direction, Fill, Price, Quote, SwapMode, SwapModel};
use crate::{PricingError, Result};

/// Rates are in millionths.
pub const FEE_RATE_DENOMINATOR: u64 = 1_000_000;

/// Which token the creator fee is taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CreatorFeeOn {
    /// Always from the input.
    #[default]
    BothToken,
    /// In token 0 (A): on the input when selling A, on the output when buying A.
    OnlyToken0,
    /// In token 1 (B): on the input when selling B, on the output when buying B.
    OnlyToken1,
}

/// Fee rates of a CPMM pool (its `AmmConfig` and creator-fee settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpmmFees {
    /// `AmmConfig.trade_fee_rate`, millionths of the input.
    pub trade_fee_rate: u64,
    /// `AmmConfig.protocol_fee_rate`, millionths of the trade fee.
    pub protocol_fee_rate: u64,
    /// `AmmConfig.fund_fee_rate`, millionths of the trade fee.
    pub fund_fee_rate: u64,
    /// Already zero when the pool does not enable the creator fee.
    pub creator_fee_rate: u64,
    /// Which token the creator fee is taken in.
    pub creator_fee_on: CreatorFeeOn,
}

/// A CPMM pool's swap state. A is token 0, B token 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpmmPool {
    /// Token 0 vault balance less the fees owed from it.
    pub reserve_0: u64,
    /// Token 1 vault balance less the fees owed from it.
    pub reserve_1: u64,
    /// The pool's fee rates.
    pub fees: CpmmFees,
    /// Decimals of mint 0.
    pub decimals_0: u8,
    /// Decimals of mint 1.
    pub decimals_1: u8,
}

/// The fees of one swap, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpmmFeeBreakdown {
    /// Trade fee, raw units of the input (LP, protocol and fund shares together).
    pub trade_fee: u64,
    /// Protocol share of the trade fee.
    pub protocol_fee: u64,
    /// Fund share of the trade fee.
    pub fund_fee: u64,
    /// Creator fee, raw units, in the input or output token (see `creator_fee_on_input`).
    pub creator_fee: u64,
    /// Whether the creator fee was taken from the input (else from the output).
    pub creator_fee_on_input: bool,
}

/// What [`CpmmPool::new`] reads from a CPMM pool (`PoolState`), its `AmmConfig` and its two
/// vaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpmmParams {
    /// The token 0 (A) vault and the protocol, fund and creator fees owed in token 0.
    pub vault_0: Vault,
    /// The token 1 (B) vault and the fees owed in token 1.
    pub vault_1: Vault,
    /// The pool's fee rates.
    pub fees: CpmmFees,
    /// Decimals of mint 0.
    pub decimals_0: u8,
    /// Decimals of mint 1.
    pub decimals_1: u8,
}

impl CpmmPool {
    /// Builds the model from the pool's vaults, fee rates and decimals, checking them as the
    /// program would.
    ///
    /// # Errors
    /// [`PricingError::ReserveBelowOwedFees`] when a vault holds less than it owes (the program
    /// fails with `InsufficientVault`); [`PricingError::InvalidInput`] for rates of 100% or more.
    ///
    /// # Example
    /// ```rust
    /// use pricing::{CpmmFees, CpmmParams, CpmmPool, Vault};
    ///
    /// let pool = CpmmPool::new(CpmmParams {
    ///     vault_0: Vault::new(5_000_000, 1_000),
    ///     vault_1: Vault::new(900_000, 0),
    ///     fees: CpmmFees { trade_fee_rate: 2_500, ..CpmmFees::default() },
    ///     decimals_0: 9,
    ///     decimals_1: 6,
    /// })?;
    /// assert_eq!((pool.reserve_0, pool.reserve_1), (4_999_000, 900_000));
    /// # Ok::<(), pricing::PricingError>(())
    /// ```
    pub fn new(params: CpmmParams) -> Result<Self> {
        let fees = params.fees;
        if fees.trade_fee_rate.saturating_add(fees.creator_fee_rate) >= FEE_RATE_DENOMINATOR {
            return Err(PricingError::InvalidInput(
                "trade plus creator fee must be below 100%",
            ));
        }
        Ok(Self {
            reserve_0: params.vault_0.reserve()?,
            reserve_1: params.vault_1.reserve()?,
            fees,
            decimals_0: params.decimals_0,
            decimals_1: params.decimals_1,
        })
    }

    fn creator_fee_on_input(&self, direction: Direction) -> bool {
        matches!(
            (self.fees.creator_fee_on, direction),
            (CreatorFeeOn::BothToken, _)
                | (CreatorFeeOn::OnlyToken0, Direction::AToB)
                | (CreatorFeeOn::OnlyToken1, Direction::BToA)
        )
    }

    /// Quotes a swap and reports its fees by kind.
    ///
    /// # Errors
    /// As [`SwapModel::quote`].
    pub fn quote_with_fees(
        &self,
        direction: Direction,
        mode: SwapMode,
        amount: u64,
    ) -> Result<(Quote, CpmmFeeBreakdown)> {
        if amount == 0 {
            return Err(PricingError::ZeroAmount("amount"));
        }
        let (reserve_in, reserve_out) = match direction {
            Direction::AToB => (u128::from(self.reserve_0), u128::from(self.reserve_1)),
            Direction::BToA => (u128::from(self.reserve_1), u128::from(self.reserve_0)),
        };
        let d = u128::from(FEE_RATE_DENOMINATOR);
        let trade_rate = u128::from(self.fees.trade_fee_rate);
        let creator_rate = u128::from(self.fees.creator_fee_rate);
        let on_input = self.creator_fee_on_input(direction);
        // `Fees::split_creator_fee` divides by the sum of both rates.
        let split = |total: u128| {
            mul_div_floor(
                total,
                creator_rate,
                trade_rate + creator_rate,
                "split_creator_fee",
            )
        };
        let pre_fee = |post: u128, rate: u128| {
            if rate == 0 {
                Ok(post)
            } else {
                mul_div_ceil(post, d, d - rate, "calculate_pre_fee_amount")
            }
        };

        let (amount_in, amount_out, trade_fee, creator_fee, swapped_in, swapped_out) = match mode {
            SwapMode::ExactIn => {
                let input = u128::from(amount);
                let (trade_fee, creator_fee, less_fees) = if on_input {
                    let total = mul_div_ceil(input, trade_rate + creator_rate, d, "trading_fee")?;
                    let creator = split(total)?;
                    (total - creator, creator, input - total)
                } else {
                    let trade = mul_div_ceil(input, trade_rate, d, "trading_fee")?;
                    (trade, 0, input - trade)
                };
                let swapped = output_for_input(less_fees, reserve_in, reserve_out)?;
                let (out, creator_fee) = if on_input {
                    (swapped, creator_fee)
                } else {
                    let creator = mul_div_ceil(swapped, creator_rate, d, "creator_fee")?;
                    (swapped - creator, creator)
                };
                if out == 0 {
                    return Err(PricingError::ZeroAmount("output rounds to zero"));
                }
                (input, out, trade_fee, creator_fee, less_fees, swapped)
            }
            SwapMode::ExactOut => {
                let output = u128::from(amount);
                let (actual_out, creator_out) = if on_input {
                    (output, 0)
                } else {
                    let with_creator = pre_fee(output, creator_rate)?;
                    (with_creator, with_creator - output)
                };
                let swapped_in = input_for_output(actual_out, reserve_in, reserve_out)?;
                let (input, trade_fee, creator_fee) = if on_input {
                    let with_fee = pre_fee(swapped_in, trade_rate + creator_rate)?;
                    let total = with_fee - swapped_in;
                    let creator = split(total)?;
                    (with_fee, total - creator, creator)
                } else {
                    let with_fee = pre_fee(swapped_in, trade_rate)?;
                    (with_fee, with_fee - swapped_in, creator_out)
                };
                (
                    input,
                    output,
                    trade_fee,
                    creator_fee,
                    swapped_in,
                    actual_out,
                )
            }
        };
        let protocol_fee = mul_div_floor(
            trade_fee,
            u128::from(self.fees.protocol_fee_rate),
            d,
            "protocol_fee",
        )?;
        let fund_fee = mul_div_floor(
            trade_fee,
            u128::from(self.fees.fund_fee_rate),
            d,
            "fund_fee",
        )?;
        // The LP share of the trade fee stays in the reserve; the owed shares do not.
        let lp_fee = trade_fee - protocol_fee - fund_fee;
        let next_in = reserve_in + swapped_in + lp_fee;
        let next_out = reserve_out - swapped_out;
        let price_after = match direction {
            Direction::AToB => Price::Ratio {
                b: next_out,
                a: next_in,
            },
            Direction::BToA => Price::Ratio {
                b: next_in,
                a: next_out,
            },
        };
        let breakdown = CpmmFeeBreakdown {
            trade_fee: to_u64(trade_fee, "trade_fee")?,
            protocol_fee: to_u64(protocol_fee, "protocol_fee")?,
            fund_fee: to_u64(fund_fee, "fund_fee")?,
            creator_fee: to_u64(creator_fee, "creator_fee")?,
            creator_fee_on_input: on_input,
        };
        let (fee, fee_out) = if on_input {
            (to_u64(trade_fee + creator_fee, "fee")?, 0)
        } else {
            (breakdown.trade_fee, breakdown.creator_fee)
        };
        let quote = Quote {
            amount_in: to_u64(amount_in, "amount_in")?,
            amount_out: to_u64(amount_out, "amount_out")?,
            fee,
            fee_out,
            fill: Fill::Complete,
            price_after,
        };
        Ok((quote, breakdown))
    }
}

impl SwapModel for CpmmPool {
    fn quote(&self, direction: Direction, mode: SwapMode, amount: u64) -> Result<Quote> {
        self.quote_with_fees(direction, mode, amount)
            .map(|(q, _)| q)
    }

    fn spot_price(&self) -> Price {
        Price::Ratio {
            b: u128::from(self.reserve_1),
            a: u128::from(self.reserve_0),
        }
    }

    fn decimals(&self) -> (u8, u8) {
        (self.decimals_0, self.decimals_1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(creator_fee_on: CreatorFeeOn, creator_fee_rate: u64) -> CpmmPool {
        let fees = CpmmFees {
            trade_fee_rate: 2_500,
            protocol_fee_rate: 120_000,
            fund_fee_rate: 40_000,
            creator_fee_rate,
            creator_fee_on,
        };
        CpmmPool::new(CpmmParams {
            vault_0: Vault::new(5_000_000_000_000, 0),
            vault_1: Vault::new(900_000_000_000, 0),
            fees,
            decimals_0: 9,
            decimals_1: 6,
        })
        .unwrap()
    }

    #[test]
    fn exact_in_without_creator_fee() {
        let (q, f) = pool(CreatorFeeOn::BothToken, 0)
            .quote_with_fees(Direction::AToB, SwapMode::ExactIn, 1_000_000_000)
            .unwrap();
        assert_eq!(f.trade_fee, 2_500_000); // ceil(1e9 * 2500 / 1e6)
        assert_eq!(f.protocol_fee, 300_000); // floor(2.5e6 * 0.12)
        assert_eq!(f.fund_fee, 100_000);
        let expected = 997_500_000u128 * 900_000_000_000 / (5_000_000_000_000 + 997_500_000);
        assert_eq!(u128::from(q.amount_out), expected);
    }

    #[test]
    fn creator_fee_on_input_is_split_from_the_total() {
        let (q, f) = pool(CreatorFeeOn::BothToken, 500)
            .quote_with_fees(Direction::AToB, SwapMode::ExactIn, 1_000_000_001)
            .unwrap();
        let total = (1_000_000_001u128 * 3_000).div_ceil(1_000_000);
        let creator = total * 500 / 3_000;
        assert_eq!(u128::from(f.creator_fee), creator);
        assert_eq!(u128::from(f.trade_fee), total - creator);
        assert!(f.creator_fee_on_input);
        assert_eq!(u128::from(q.fee), total);
    }

    #[test]
    fn creator_fee_on_output_when_buying_its_token() {
        // OnlyToken0 and selling B (token 1) for A: the creator fee comes out of the output.
        let (q, f) = pool(CreatorFeeOn::OnlyToken0, 500)
            .quote_with_fees(Direction::BToA, SwapMode::ExactIn, 1_000_000)
            .unwrap();
        assert!(!f.creator_fee_on_input);
        assert_eq!(q.fee_out, f.creator_fee);
        let swapped = (1_000_000u128 - 2_500) * 5_000_000_000_000 / (900_000_000_000 + 997_500);
        assert_eq!(
            u128::from(q.amount_out),
            swapped - (swapped * 500).div_ceil(1_000_000)
        );
    }

    #[test]
    fn exact_out_inverts_exact_in_in_every_mode() {
        for mode in [
            CreatorFeeOn::BothToken,
            CreatorFeeOn::OnlyToken0,
            CreatorFeeOn::OnlyToken1,
        ] {
            for direction in [Direction::AToB, Direction::BToA] {
                let p = pool(mode, 700);
                let out = p.quote_exact_out(direction, 12_345_678).unwrap();
                let back = p.quote_exact_in(direction, out.amount_in).unwrap();
                assert!(
                    back.amount_out >= 12_345_678,
                    "{mode:?} {direction:?}: {back:?}"
                );
            }
        }
    }
}
