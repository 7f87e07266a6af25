//! Token amounts between two sqrt prices, and the next sqrt price after an amount, with the
//! rounding of `math/token_math.rs`.
//!
//! - `Δa = L·(√P_upper − √P_lower)·2^64 / (√P_upper·√P_lower)`, the numerator formed as a
//!   256-bit product shifted left by one 64-bit word; a shift that overflows 256 bits is
//!   "exceeds max", as in the program.
//! - `Δb = L·(√P_upper − √P_lower) / 2^64`, the product in u128; an overflowing product is
//!   "exceeds max".
//! - After an amount of A, `√P' = L·√P·2^64 / (L·2^64 ± amount·√P)`, rounded up.
//! - After an amount of B, `√P' = √P ± amount·2^64 / L`, the quotient rounded up when
//!   removing B (exact output) and down when adding it.

use ruint::aliases::U256;

use super::tick_math::{MAX_SQRT_PRICE_X64, MIN_SQRT_PRICE_X64};
use crate::{PricingError, Result};

/// An amount that may not fit a token amount. The swap step treats "exceeds" as "the target
/// is out of reach", so it is a value, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountDelta {
    /// An amount that fits in `u64`.
    Valid(u64),
    /// The amount exceeds `u64::MAX` (the program's `TokenMaxExceeded`).
    ExceedsMax,
}

impl AmountDelta {
    /// Whether this is a valid amount at most `other` (`ExceedsMax` never is).
    pub fn lte(self, other: u64) -> bool {
        matches!(self, Self::Valid(v) if v <= other)
    }

    /// The amount.
    ///
    /// # Errors
    /// [`PricingError::Overflow`] for `ExceedsMax`.
    pub fn value(self, ctx: &'static str) -> Result<u64> {
        match self {
            Self::Valid(v) => Ok(v),
            Self::ExceedsMax => Err(PricingError::Overflow(ctx)),
        }
    }
}

fn ordered(p0: u128, p1: u128) -> (u128, u128) {
    if p0 > p1 { (p1, p0) } else { (p0, p1) }
}

/// `x << 64` in 256 bits, or `None` when bits would be lost.
fn shift_word_left(x: U256) -> Option<U256> {
    if x >> 192u32 != U256::ZERO {
        None
    } else {
        Some(x << 64u32)
    }
}

/// Token A between two sqrt prices.
pub fn amount_delta_a(p0: u128, p1: u128, liquidity: u128, round_up: bool) -> AmountDelta {
    let (lower, upper) = ordered(p0, p1);
    let Some(numerator) = shift_word_left(U256::from(liquidity) * U256::from(upper - lower)) else {
        return AmountDelta::ExceedsMax;
    };
    let denominator = U256::from(upper) * U256::from(lower);
    if denominator == U256::ZERO {
        return AmountDelta::ExceedsMax;
    }
    let (q, r) = (numerator / denominator, numerator % denominator);
    let q = if round_up && r != U256::ZERO {
        q + U256::ONE
    } else {
        q
    };
    match u64::try_from(q) {
        Ok(v) => AmountDelta::Valid(v),
        Err(_) => AmountDelta::ExceedsMax,
    }
}

/// Token B between two sqrt prices.
pub fn amount_delta_b(p0: u128, p1: u128, liquidity: u128, round_up: bool) -> AmountDelta {
    let (lower, upper) = ordered(p0, p1);
    let diff = upper - lower;
    if liquidity == 0 || diff == 0 {
        return AmountDelta::Valid(0);
    }
    let Some(product) = liquidity.checked_mul(diff) else {
        return AmountDelta::ExceedsMax;
    };
    let result = product >> 64;
    let round = round_up && product & u128::from(u64::MAX) > 0;
    match (u64::try_from(result), round) {
        (Ok(u64::MAX), true) | (Err(_), _) => AmountDelta::ExceedsMax,
        (Ok(v), true) => AmountDelta::Valid(v + 1),
        (Ok(v), false) => AmountDelta::Valid(v),
    }
}

/// The sqrt price after `amount` of token A enters (exact input) or leaves (exact output).
///
/// # Errors
/// Overflow, removing as much A as the liquidity holds, or a price out of range.
pub fn next_sqrt_price_from_a_round_up(
    sqrt_price: u128,
    liquidity: u128,
    amount: u64,
    amount_is_input: bool,
) -> Result<u128> {
    if amount == 0 {
        return Ok(sqrt_price);
    }
    let product = U256::from(sqrt_price) * U256::from(amount);
    let numerator = shift_word_left(U256::from(liquidity) * U256::from(sqrt_price))
        .ok_or(PricingError::Overflow("liquidity * sqrt_price << 64"))?;
    let liquidity_shifted: U256 = U256::from(liquidity) << 64u32;
    if !amount_is_input && liquidity_shifted <= product {
        return Err(PricingError::InsufficientLiquidity(
            "output exceeds the liquidity's token A",
        ));
    }
    let denominator = if amount_is_input {
        liquidity_shifted
            .checked_add(product)
            .ok_or(PricingError::Overflow("price denominator"))?
    } else {
        liquidity_shifted - product
    };
    if denominator == U256::ZERO {
        return Err(PricingError::DivisionByZero("next sqrt price from A"));
    }
    let (q, r) = (numerator / denominator, numerator % denominator);
    let q = if r != U256::ZERO { q + U256::ONE } else { q };
    let price = u128::try_from(q).map_err(|_| PricingError::Overflow("next sqrt price"))?;
    if !(MIN_SQRT_PRICE_X64..=MAX_SQRT_PRICE_X64).contains(&price) {
        return Err(PricingError::InsufficientLiquidity(
            "sqrt price leaves its range",
        ));
    }
    Ok(price)
}

/// The sqrt price after `amount` of token B enters (exact input) or leaves (exact output).
///
/// # Errors
/// Zero liquidity, or a price that over- or underflows.
pub fn next_sqrt_price_from_b_round_down(
    sqrt_price: u128,
    liquidity: u128,
    amount: u64,
    amount_is_input: bool,
) -> Result<u128> {
    if liquidity == 0 {
        return Err(PricingError::DivisionByZero("next sqrt price from B"));
    }
    let amount_x64 = u128::from(amount) << 64;
    let q = amount_x64 / liquidity;
    let delta = if !amount_is_input && amount_x64 % liquidity > 0 {
        q + 1
    } else {
        q
    };
    if amount_is_input {
        sqrt_price
            .checked_add(delta)
            .ok_or(PricingError::Overflow("sqrt price + delta"))
    } else {
        sqrt_price
            .checked_sub(delta)
            .ok_or(PricingError::InsufficientLiquidity("sqrt price - delta"))
    }
}

/// The sqrt price after a swap step's amount: token A moves it by the A formula, token B by
/// the B formula (`get_next_sqrt_price`).
///
/// # Errors
/// As the two functions it dispatches to.
pub fn next_sqrt_price(
    sqrt_price: u128,
    liquidity: u128,
    amount: u64,
    amount_is_input: bool,
    a_to_b: bool,
) -> Result<u128> {
    if amount_is_input == a_to_b {
        next_sqrt_price_from_a_round_up(sqrt_price, liquidity, amount, amount_is_input)
    } else {
        next_sqrt_price_from_b_round_down(sqrt_price, liquidity, amount, amount_is_input)
    }
}
