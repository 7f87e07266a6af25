//! Integer helpers shared by the models: checked multiply-divide with explicit rounding.

use ruint::aliases::U256;

use crate::{PricingError, Result};

/// `a * b / d`, rounded down, with the product in 256 bits.
///
/// # Errors
/// Division by zero, or a quotient over `u128::MAX`.
#[inline]
pub fn mul_div_floor(a: u128, b: u128, d: u128, ctx: &'static str) -> Result<u128> {
    mul_div(a, b, d, false, ctx)
}

/// `a * b / d`, rounded up, with the product in 256 bits.
///
/// # Errors
/// Division by zero, or a quotient over `u128::MAX`.
#[inline]
pub fn mul_div_ceil(a: u128, b: u128, d: u128, ctx: &'static str) -> Result<u128> {
    mul_div(a, b, d, true, ctx)
}

#[inline]
fn mul_div(a: u128, b: u128, d: u128, round_up: bool, ctx: &'static str) -> Result<u128> {
    if d == 0 {
        return Err(PricingError::DivisionByZero(ctx));
    }
    if let Some(p) = a.checked_mul(b) {
        let q = p / d;
        return Ok(if round_up && p % d != 0 { q + 1 } else { q });
    }
    let p = U256::from(a) * U256::from(b);
    let d = U256::from(d);
    let (q, r) = (p / d, p % d);
    let q = if round_up && r != U256::ZERO {
        q + U256::ONE
    } else {
        q
    };
    u128::try_from(q).map_err(|_| PricingError::Overflow(ctx))
}

/// `n / d` rounded up.
///
/// # Errors
/// Division by zero.
#[inline]
pub fn div_ceil(n: u128, d: u128, ctx: &'static str) -> Result<u128> {
    if d == 0 {
        return Err(PricingError::DivisionByZero(ctx));
    }
    Ok(n.div_ceil(d))
}

/// A `u128` result that must fit a token amount.
///
/// # Errors
/// The value exceeds `u64::MAX`.
#[inline]
pub fn to_u64(v: u128, ctx: &'static str) -> Result<u64> {
    u64::try_from(v).map_err(|_| PricingError::Overflow(ctx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn mul_div_matches_wide_arithmetic(a: u128, b: u128, d in 1u128..) {
            let wide = U256::from(a) * U256::from(b);
            let floor = wide / U256::from(d);
            let ceil = floor + if wide % U256::from(d) == U256::ZERO { U256::ZERO } else { U256::ONE };
            prop_assert_eq!(mul_div_floor(a, b, d, "t").ok(), u128::try_from(floor).ok());
            prop_assert_eq!(mul_div_ceil(a, b, d, "t").ok(), u128::try_from(ceil).ok());
        }
    }

    #[test]
    fn division_by_zero_is_an_error() {
        assert_eq!(
            mul_div_floor(1, 1, 0, "x"),
            Err(PricingError::DivisionByZero("x"))
        );
        assert_eq!(div_ceil(1, 0, "y"), Err(PricingError::DivisionByZero("y")));
    }
}
