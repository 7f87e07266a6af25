//! One swap step between the current sqrt price and a target (`compute_swap` in
//! `math/swap_math.rs`).
//!
//! The "fixed" amount is the side the caller specified (input for exact in, output for exact
//! out), the "unfixed" the other. With exact input the fee is taken first:
//! `amount · (1 − fee_rate)` rounded down prices the step; if the step stops short of the
//! target the whole remainder is consumed and the fee is what the step did not use, otherwise
//! the fee is `amount_in · fee_rate / (1 − fee_rate)` rounded up.

use super::FEE_RATE_MUL_VALUE;
use super::token_math::{AmountDelta, amount_delta_a, amount_delta_b, next_sqrt_price};
use crate::Result;
use crate::math::{mul_div_ceil, mul_div_floor, to_u64};

/// The outcome of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapStep {
    /// Input the price move took, raw units, without the fee.
    pub amount_in: u64,
    /// Output paid, raw units.
    pub amount_out: u64,
    /// Q64.64 sqrt price the step ended at: the target, or short of it when the amount ran out.
    pub next_sqrt_price: u128,
    /// Fee charged on the input, raw units.
    pub fee_amount: u64,
}

fn fixed_delta(p0: u128, p1: u128, liquidity: u128, exact_in: bool, a_to_b: bool) -> AmountDelta {
    if a_to_b == exact_in {
        amount_delta_a(p0, p1, liquidity, exact_in)
    } else {
        amount_delta_b(p0, p1, liquidity, exact_in)
    }
}

fn unfixed_delta(p0: u128, p1: u128, liquidity: u128, exact_in: bool, a_to_b: bool) -> AmountDelta {
    if a_to_b == exact_in {
        amount_delta_b(p0, p1, liquidity, !exact_in)
    } else {
        amount_delta_a(p0, p1, liquidity, !exact_in)
    }
}

/// Computes one step.
///
/// # Errors
/// Overflow of an amount that must fit, or a next price the program would reject.
pub fn compute_swap_step(
    amount_remaining: u64,
    fee_rate: u32,
    liquidity: u128,
    sqrt_price_current: u128,
    sqrt_price_target: u128,
    exact_in: bool,
    a_to_b: bool,
) -> Result<SwapStep> {
    let fee_rate = u128::from(fee_rate);
    let initial_fixed = fixed_delta(
        sqrt_price_current,
        sqrt_price_target,
        liquidity,
        exact_in,
        a_to_b,
    );
    let amount_calc = if exact_in {
        to_u64(
            mul_div_floor(
                u128::from(amount_remaining),
                FEE_RATE_MUL_VALUE - fee_rate,
                FEE_RATE_MUL_VALUE,
                "amount less fee",
            )?,
            "amount less fee",
        )?
    } else {
        amount_remaining
    };
    let next = if initial_fixed.lte(amount_calc) {
        sqrt_price_target
    } else {
        next_sqrt_price(sqrt_price_current, liquidity, amount_calc, exact_in, a_to_b)?
    };
    let is_max_swap = next == sqrt_price_target;
    let unfixed = unfixed_delta(sqrt_price_current, next, liquidity, exact_in, a_to_b)
        .value("unfixed amount")?;
    let fixed = match initial_fixed {
        AmountDelta::Valid(v) if is_max_swap => v,
        _ => fixed_delta(sqrt_price_current, next, liquidity, exact_in, a_to_b)
            .value("fixed amount")?,
    };
    let (amount_in, mut amount_out) = if exact_in {
        (fixed, unfixed)
    } else {
        (unfixed, fixed)
    };
    if !exact_in && amount_out > amount_remaining {
        amount_out = amount_remaining;
    }
    let fee_amount = if exact_in && !is_max_swap {
        amount_remaining
            .checked_sub(amount_in)
            .ok_or(crate::PricingError::Overflow("step fee"))?
    } else {
        to_u64(
            mul_div_ceil(
                u128::from(amount_in),
                fee_rate,
                FEE_RATE_MUL_VALUE - fee_rate,
                "step fee",
            )?,
            "step fee",
        )?
    };
    Ok(SwapStep {
        amount_in,
        amount_out,
        next_sqrt_price: next,
        fee_amount,
    })
}
