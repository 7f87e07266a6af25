//! Amounts between sqrt prices and next sqrt prices, as `libraries/liquidity_math.rs`,
//! `libraries/sqrt_price_math.rs` and `libraries/full_math.rs` compute them.
//!
//! Raydium evaluates these with 512-bit intermediates, so its results are the exact rational
//! values rounded as asked; an amount over `u64::MAX` is `MaxTokenOverflow`.

use ruint::aliases::{U256, U512};

use crate::{PricingError, Result};

/// Why [`delta_amounts_for_swap`] could not produce an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeltaError {
    /// The amount exceeds `u64::MAX` (the program's `MaxTokenOverflow`, which the swap step
    /// treats as "target out of reach").
    MaxTokenOverflow,
    /// Any other failure (`ZeroSqrtPrice`, arithmetic).
    Other(PricingError),
}

/// `a * b / d` rounded as asked, exactly (512-bit product).
fn mul_div_512(a: U256, b: U256, d: U256, round_up: bool) -> Option<U512> {
    if d == U256::ZERO {
        return None;
    }
    let product: U512 = a.widening_mul(b);
    let d = U512::from(d);
    let (q, r) = product.div_rem(d);
    Some(if round_up && r != U512::ZERO {
        q + U512::ONE
    } else {
        q
    })
}

fn to_u64(v: U512) -> std::result::Result<u64, DeltaError> {
    u64::try_from(v).map_err(|_| DeltaError::MaxTokenOverflow)
}

/// `(amount_in, amount_out)`, raw token units, to move `liquidity` between two Q64.64 sqrt
/// prices (`get_delta_amounts_for_swap`), in either order: the input rounded up, the output
/// rounded down. Selling token 0 (`zero_for_one`), the input is the token-0 amount
/// `L·(√P_upper − √P_lower)·2^64 / (√P_upper·√P_lower)` and the output the token-1 amount
/// `L·(√P_upper − √P_lower) / 2^64`; buying token 0, the other way round.
///
/// # Errors
/// [`DeltaError::MaxTokenOverflow`] when an amount exceeds `u64::MAX` (the swap step reads it
/// as "target out of reach"); [`DeltaError::Other`] for a zero sqrt price.
pub fn delta_amounts_for_swap(
    p0: u128,
    p1: u128,
    liquidity: u128,
    zero_for_one: bool,
) -> std::result::Result<(u64, u64), DeltaError> {
    let (lower, upper) = if p0 > p1 { (p1, p0) } else { (p0, p1) };
    if lower == 0 {
        return Err(DeltaError::Other(PricingError::InvalidInput(
            "zero sqrt price",
        )));
    }
    let amount_1_x64 = U256::from(liquidity) * U256::from(upper - lower);
    let product = U256::from(lower) * U256::from(upper);
    let q64 = U256::from(1u8) << 64usize;
    let amount_0 = |round_up| {
        mul_div_512(amount_1_x64, q64, product, round_up).ok_or(DeltaError::Other(
            PricingError::DivisionByZero("sqrt price product"),
        ))
    };
    let amount_1_floor = U512::from(amount_1_x64 >> 64usize);
    let amount_1_ceil = U512::from((amount_1_x64 + U256::from(u64::MAX)) >> 64usize);
    let (amount_in, amount_out) = if zero_for_one {
        (amount_0(true)?, amount_1_floor)
    } else {
        (amount_1_ceil, amount_0(false)?)
    };
    Ok((to_u64(amount_in)?, to_u64(amount_out)?))
}

/// The next sqrt price after `amount` of token 0 is added (input) or removed (output),
/// rounded up (`get_next_sqrt_price_from_amount_0_rounding_up`).
fn next_from_amount_0(sqrt_price: u128, liquidity: u128, amount: u64, add: bool) -> Result<u128> {
    if amount == 0 {
        return Ok(sqrt_price);
    }
    let numerator_1 = U256::from(liquidity) << 64usize;
    let product = U256::from(amount) * U256::from(sqrt_price);
    let denominator = if add {
        numerator_1 + product
    } else {
        numerator_1
            .checked_sub(product)
            .ok_or(PricingError::InsufficientLiquidity(
                "output exceeds the liquidity's token 0",
            ))?
    };
    let price = mul_div_512(numerator_1, U256::from(sqrt_price), denominator, true).ok_or(
        PricingError::DivisionByZero("next sqrt price from amount 0"),
    )?;
    u128::try_from(price).map_err(|_| PricingError::Overflow("next sqrt price"))
}

/// The next sqrt price after `amount` of token 1 is added (input, quotient rounded down) or
/// removed (output, rounded up) (`get_next_sqrt_price_from_amount_1_rounding_down`).
fn next_from_amount_1(sqrt_price: u128, liquidity: u128, amount: u64, add: bool) -> Result<u128> {
    if amount == 0 {
        return Ok(sqrt_price);
    }
    if liquidity == 0 {
        return Err(PricingError::DivisionByZero(
            "next sqrt price from amount 1",
        ));
    }
    let shifted = u128::from(amount) << 64;
    if add {
        sqrt_price
            .checked_add(shifted / liquidity)
            .ok_or(PricingError::Overflow("sqrt price + delta"))
    } else {
        sqrt_price
            .checked_sub(shifted.div_ceil(liquidity))
            .ok_or(PricingError::InsufficientLiquidity("sqrt price - delta"))
    }
}

fn check_range(sqrt_price: u128, liquidity: u128) -> Result<()> {
    if !(super::MIN_SQRT_PRICE_X64..super::MAX_SQRT_PRICE_X64).contains(&sqrt_price) {
        return Err(PricingError::InvalidInput("sqrt price out of range"));
    }
    if liquidity == 0 {
        return Err(PricingError::InsufficientLiquidity("zero liquidity"));
    }
    Ok(())
}

/// The Q64.64 sqrt price after `amount_in` (raw units, fees already taken off) enters at
/// `sqrt_price` with `liquidity` (`get_next_sqrt_price_from_input`): selling token 0
/// (`zero_for_one`) by `L·√P·2^64 / (L·2^64 + amount·√P)` rounded up, selling token 1 by
/// `√P + amount·2^64 / L` rounded down, so the price never moves further than the amount pays
/// for.
///
/// # Errors
/// [`PricingError::InvalidInput`] for a sqrt price outside
/// `MIN_SQRT_PRICE_X64..MAX_SQRT_PRICE_X64`, [`PricingError::InsufficientLiquidity`] for zero
/// liquidity, and overflow.
pub fn next_sqrt_price_from_input(
    sqrt_price: u128,
    liquidity: u128,
    amount_in: u64,
    zero_for_one: bool,
) -> Result<u128> {
    check_range(sqrt_price, liquidity)?;
    if zero_for_one {
        next_from_amount_0(sqrt_price, liquidity, amount_in, true)
    } else {
        next_from_amount_1(sqrt_price, liquidity, amount_in, true)
    }
}

/// The Q64.64 sqrt price after `amount_out` (raw units) leaves at `sqrt_price` with
/// `liquidity` (`get_next_sqrt_price_from_output`): buying token 1 (`zero_for_one`) by
/// `√P − ceil(amount·2^64 / L)`, buying token 0 by `L·√P·2^64 / (L·2^64 − amount·√P)` rounded
/// up, so the price always moves at least as far as the amount needs.
///
/// # Errors
/// As [`next_sqrt_price_from_input`], and [`PricingError::InsufficientLiquidity`] when the
/// liquidity does not hold `amount_out`.
pub fn next_sqrt_price_from_output(
    sqrt_price: u128,
    liquidity: u128,
    amount_out: u64,
    zero_for_one: bool,
) -> Result<u128> {
    check_range(sqrt_price, liquidity)?;
    if zero_for_one {
        next_from_amount_1(sqrt_price, liquidity, amount_out, false)
    } else {
        next_from_amount_0(sqrt_price, liquidity, amount_out, false)
    }
}
