//! Constant-product pools: Raydium AMM v4 and Raydium CPMM.
//!
//! Both compute `out = in * reserve_out / (reserve_in + in)` rounded down, and for exact
//! output `in = reserve_in * out / (reserve_out - out)` rounded up; they differ in how fees
//! are charged and which reserves count.

pub mod amm_v4;
pub mod cpmm;

use crate::math::{div_ceil, mul_div_floor};
use crate::{PricingError, Result};

/// A pool vault as both constant-product programs count it: the token account's balance and
/// what the pool still owes out of it. Only the difference is a swap's reserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vault {
    /// The vault token account's balance, raw units.
    pub balance: u64,
    /// What the pool owes from the vault and keeps out of its reserve: AMM v4's
    /// `need_take_pnl_*`, CPMM's protocol, fund and creator fees of that token.
    pub owed: u64,
}

impl Vault {
    /// A vault holding `balance` and owing `owed` from it.
    pub const fn new(balance: u64, owed: u64) -> Self {
        Self { balance, owed }
    }

    /// `balance - owed`, the reserve a swap prices against.
    ///
    /// # Errors
    /// [`PricingError::ReserveBelowOwedFees`] when the vault holds less than it owes (both
    /// programs fail the swap then).
    pub fn reserve(self) -> Result<u64> {
        self.balance
            .checked_sub(self.owed)
            .ok_or(PricingError::ReserveBelowOwedFees {
                reserve: self.balance,
                owed: self.owed,
            })
    }
}

/// `dx * y / (x + dx)`, rounded down: the output of a fee-less constant-product swap.
///
/// # Errors
/// Overflow, or an empty pool.
#[inline]
pub fn output_for_input(amount_in: u128, reserve_in: u128, reserve_out: u128) -> Result<u128> {
    let denominator = reserve_in
        .checked_add(amount_in)
        .ok_or(PricingError::Overflow("reserve_in + amount_in"))?;
    mul_div_floor(
        amount_in,
        reserve_out,
        denominator,
        "constant-product output",
    )
}

/// `x * dy / (y - dy)`, rounded up: the input a fee-less constant-product swap needs to pay
/// out `amount_out`.
///
/// # Errors
/// [`PricingError::InsufficientLiquidity`] unless `amount_out < reserve_out`; overflow.
#[inline]
pub fn input_for_output(amount_out: u128, reserve_in: u128, reserve_out: u128) -> Result<u128> {
    if amount_out >= reserve_out {
        return Err(PricingError::InsufficientLiquidity(
            "output must be below the reserve",
        ));
    }
    let numerator = reserve_in
        .checked_mul(amount_out)
        .ok_or(PricingError::Overflow("reserve_in * amount_out"))?;
    div_ceil(
        numerator,
        reserve_out - amount_out,
        "constant-product input",
    )
}
