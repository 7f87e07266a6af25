//! Constant-product pools: Raydium AMM v4 and Raydium CPMM.
//!
//! Both compute `out = in * reserve_out / (reserve_in + in)` rounded down, and for exact
//! output `in = reserve_in * out / (reserve_out - out)` rounded up; they differ in how fees
//! are charged and which reserves count.

pub mod amm_v4;
pub mod cpmm;

use crate::math::{div_ceil, mul_div_floor};
use crate::{PricingError, Result};

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
