//! Raydium AMM v4, as `process_swap_base_in` / `process_swap_base_out` in raydium-amm
//! `program/src/processor.rs` and `Calculator::swap_token_amount_base_{in,out}` in
//! `program/src/math.rs` compute it (commit 27f461d):
//!
//! - reserves are the vault amounts minus `need_take_pnl` (`calc_total_without_take_pnl_no_orderbook`);
//! - exact in: `fee = ceil(in * swap_fee_numerator / swap_fee_denominator)`, then the
//!   fee-less curve on `in - fee`, rounded down;
//! - exact out: the fee-less curve's input rounded up, then
//!   `ceil(that * denominator / (denominator - numerator))`;
//! - a zero input or output is rejected, as is an output that would empty the reserve.

use super::{Vault, input_for_output, output_for_input};
use crate::math::{div_ceil, mul_div_ceil, to_u64};
use crate::quote::{Direction, Fill, Price, Quote, SwapMode, SwapModel};
use crate::{PricingError, Result};

/// An AMM v4 pool's swap state. A is the coin (base), B the pc (quote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmmV4Pool {
    /// Coin vault balance minus `need_take_pnl_coin`.
    pub reserve_coin: u64,
    /// Pc vault balance minus `need_take_pnl_pc`.
    pub reserve_pc: u64,
    /// Swap fee numerator (`fees.swap_fee_numerator`).
    pub swap_fee_numerator: u64,
    /// Swap fee denominator (`fees.swap_fee_denominator`).
    pub swap_fee_denominator: u64,
    /// Decimals of the coin mint.
    pub coin_decimals: u8,
    /// Decimals of the pc mint.
    pub pc_decimals: u8,
}

/// What [`AmmV4Pool::new`] reads from an AMM v4 pool (`AmmInfo`) and its two vaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AmmV4Params {
    /// The coin (token A) vault and the pool's `need_take_pnl_coin`.
    pub vault_coin: Vault,
    /// The pc (token B) vault and the pool's `need_take_pnl_pc`.
    pub vault_pc: Vault,
    /// `fees.swap_fee_numerator`.
    pub swap_fee_numerator: u64,
    /// `fees.swap_fee_denominator`.
    pub swap_fee_denominator: u64,
    /// Decimals of the coin mint.
    pub coin_decimals: u8,
    /// Decimals of the pc mint.
    pub pc_decimals: u8,
}

impl AmmV4Pool {
    /// Builds the model from the pool's vaults, swap fee and decimals, checking them as the
    /// program would.
    ///
    /// # Errors
    /// [`PricingError::ReserveBelowOwedFees`] when a vault holds less than the pnl owed from it
    /// (the program fails the swap with `CheckedSubOverflow`); [`PricingError::InvalidInput`]
    /// for a fee of 100% or more.
    ///
    /// # Example
    /// ```rust
    /// use pricing::{AmmV4Params, AmmV4Pool, Vault};
    ///
    /// let pool = AmmV4Pool::new(AmmV4Params {
    ///     vault_coin: Vault::new(1_000_000, 100),
    ///     vault_pc: Vault::new(2_000_000, 0),
    ///     swap_fee_numerator: 25,
    ///     swap_fee_denominator: 10_000,
    ///     coin_decimals: 9,
    ///     pc_decimals: 6,
    /// })?;
    /// assert_eq!((pool.reserve_coin, pool.reserve_pc), (999_900, 2_000_000));
    /// # Ok::<(), pricing::PricingError>(())
    /// ```
    pub fn new(params: AmmV4Params) -> Result<Self> {
        if params.swap_fee_numerator >= params.swap_fee_denominator {
            return Err(PricingError::InvalidInput("swap fee must be below 100%"));
        }
        Ok(Self {
            reserve_coin: params.vault_coin.reserve()?,
            reserve_pc: params.vault_pc.reserve()?,
            swap_fee_numerator: params.swap_fee_numerator,
            swap_fee_denominator: params.swap_fee_denominator,
            coin_decimals: params.coin_decimals,
            pc_decimals: params.pc_decimals,
        })
    }

    fn reserves(&self, direction: Direction) -> (u128, u128) {
        match direction {
            Direction::AToB => (u128::from(self.reserve_coin), u128::from(self.reserve_pc)),
            Direction::BToA => (u128::from(self.reserve_pc), u128::from(self.reserve_coin)),
        }
    }

    fn price_after(&self, direction: Direction, paid_in: u64, paid_out: u64) -> Price {
        // Fees stay in the pool, so the whole input joins the reserve.
        let (coin, pc) = match direction {
            Direction::AToB => (
                u128::from(self.reserve_coin) + u128::from(paid_in),
                u128::from(self.reserve_pc) - u128::from(paid_out),
            ),
            Direction::BToA => (
                u128::from(self.reserve_coin) - u128::from(paid_out),
                u128::from(self.reserve_pc) + u128::from(paid_in),
            ),
        };
        Price::Ratio { b: pc, a: coin }
    }
}

impl SwapModel for AmmV4Pool {
    fn quote(&self, direction: Direction, mode: SwapMode, amount: u64) -> Result<Quote> {
        if amount == 0 {
            return Err(PricingError::ZeroAmount("amount"));
        }
        let (reserve_in, reserve_out) = self.reserves(direction);
        let (num, den) = (
            u128::from(self.swap_fee_numerator),
            u128::from(self.swap_fee_denominator),
        );
        let (amount_in, amount_out, fee) = match mode {
            SwapMode::ExactIn => {
                let amount_in = u128::from(amount);
                let fee = mul_div_ceil(amount_in, num, den, "swap fee")?;
                let out = output_for_input(amount_in - fee, reserve_in, reserve_out)?;
                if out == 0 {
                    return Err(PricingError::ZeroAmount("output rounds to zero"));
                }
                (amount, to_u64(out, "amount_out")?, to_u64(fee, "fee")?)
            }
            SwapMode::ExactOut => {
                let before_fee = input_for_output(u128::from(amount), reserve_in, reserve_out)?;
                let with_fee = div_ceil(
                    before_fee
                        .checked_mul(den)
                        .ok_or(PricingError::Overflow("input * denominator"))?,
                    den - num,
                    "input with fee",
                )?;
                let amount_in = to_u64(with_fee, "amount_in")?;
                if amount_in == 0 {
                    return Err(PricingError::ZeroAmount("input rounds to zero"));
                }
                (amount_in, amount, to_u64(with_fee - before_fee, "fee")?)
            }
        };
        Ok(Quote {
            amount_in,
            amount_out,
            fee,
            fee_out: 0,
            fill: Fill::Complete,
            price_after: self.price_after(direction, amount_in, amount_out),
        })
    }

    fn spot_price(&self) -> Price {
        Price::Ratio {
            b: u128::from(self.reserve_pc),
            a: u128::from(self.reserve_coin),
        }
    }

    fn decimals(&self) -> (u8, u8) {
        (self.coin_decimals, self.pc_decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> AmmV4Pool {
        AmmV4Pool::new(AmmV4Params {
            vault_coin: Vault::new(1_000_000_000_000, 0),
            vault_pc: Vault::new(176_000_000_000, 0),
            swap_fee_numerator: 25,
            swap_fee_denominator: 10_000,
            coin_decimals: 9,
            pc_decimals: 6,
        })
        .unwrap()
    }

    #[test]
    fn exact_in_charges_the_fee_on_input_rounded_up() {
        let q = pool()
            .quote_exact_in(Direction::AToB, 1_000_000_001)
            .unwrap();
        // fee = ceil(1_000_000_001 * 25 / 10_000) = 2_500_001
        assert_eq!(q.fee, 2_500_001);
        // out = floor(997_500_000 * 176e9 / (1e12 + 997_500_000))
        let expected = 997_500_000u128 * 176_000_000_000 / (1_000_000_000_000 + 997_500_000);
        assert_eq!(u128::from(q.amount_out), expected);
    }

    #[test]
    fn exact_out_rounds_input_up_twice() {
        let q = pool()
            .quote_exact_out(Direction::BToA, 1_000_000_000)
            .unwrap();
        let before =
            (176_000_000_000u128 * 1_000_000_000).div_ceil(1_000_000_000_000 - 1_000_000_000);
        let with_fee = (before * 10_000).div_ceil(9_975);
        assert_eq!(u128::from(q.amount_in), with_fee);
        assert_eq!(u128::from(q.fee), with_fee - before);
    }

    #[test]
    fn pnl_owed_is_not_liquidity() {
        let p = AmmV4Pool::new(AmmV4Params {
            vault_coin: Vault::new(100, 10),
            vault_pc: Vault::new(200, 20),
            swap_fee_numerator: 25,
            swap_fee_denominator: 10_000,
            coin_decimals: 0,
            pc_decimals: 0,
        })
        .unwrap();
        assert_eq!((p.reserve_coin, p.reserve_pc), (90, 180));
        assert!(matches!(
            AmmV4Pool::new(AmmV4Params {
                vault_coin: Vault::new(5, 10),
                vault_pc: Vault::new(200, 0),
                swap_fee_numerator: 25,
                swap_fee_denominator: 10_000,
                coin_decimals: 0,
                pc_decimals: 0
            }),
            Err(PricingError::ReserveBelowOwedFees {
                reserve: 5,
                owed: 10
            })
        ));
    }

    #[test]
    fn cannot_buy_the_whole_reserve() {
        assert!(matches!(
            pool().quote_exact_out(Direction::AToB, 176_000_000_000),
            Err(PricingError::InsufficientLiquidity(_))
        ));
    }
}
