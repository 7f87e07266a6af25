//! Bin prices: `(1 + bin_step / 10_000)^id` in Q64.64 by square-and-multiply, exactly as the
//! program's `pow` does it (the base is inverted first when it is at least one, and the result
//! inverted back at the end).

use super::MAX_BIN_PER_ARRAY;
use crate::{PricingError, Result};

const SCALE_OFFSET: u32 = 64;
const ONE: u128 = 1 << SCALE_OFFSET;
const MAX_EXPONENTIAL: u32 = 0x80000;
const BASIS_POINT_MAX: u128 = 10_000;

/// `a * b >> 64`, failing where the program's `checked_mul` on u128 fails. After the base is
/// inverted both factors are usually below 2^64, where one 64-bit multiply is exact.
#[inline(always)]
fn mul_shr(a: u128, b: u128) -> Option<u128> {
    if (a | b) >> 64 == 0 {
        Some((a * b) >> SCALE_OFFSET)
    } else {
        Some(a.checked_mul(b)? >> SCALE_OFFSET)
    }
}

fn pow(base: u128, exp: i32) -> Option<u128> {
    if exp == 0 {
        return Some(ONE);
    }
    let mut invert = exp < 0;
    let exp = exp.unsigned_abs();
    if exp >= MAX_EXPONENTIAL {
        return None;
    }
    let mut squared = base;
    let mut result = ONE;
    if squared >= result {
        squared = u128::MAX.checked_div(squared)?;
        invert = !invert;
    }
    for bit in 0..19 {
        if exp & (1 << bit) != 0 {
            result = mul_shr(result, squared)?;
        }
        if bit < 18 {
            squared = mul_shr(squared, squared)?;
        }
    }
    if result == 0 {
        return None;
    }
    if invert {
        result = u128::MAX.checked_div(result)?;
    }
    Some(result)
}

/// The Q64.64 price of bin `id` (token Y per token X, raw units).
///
/// # Errors
/// [`PricingError::Overflow`] where the program's `pow` fails.
pub fn bin_price_x64(id: i32, bin_step: u16) -> Result<u128> {
    let bps = (u128::from(bin_step) << SCALE_OFFSET) / BASIS_POINT_MAX;
    pow(ONE + bps, id).ok_or(PricingError::Overflow("bin price"))
}

/// The bin array holding bin `id`: `floor(id / 70)`.
pub fn bin_id_to_array_index(id: i32) -> i64 {
    i64::from(id).div_euclid(MAX_BIN_PER_ARRAY as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_zero_is_one_and_prices_rise_by_the_step() {
        assert_eq!(bin_price_x64(0, 25).unwrap(), ONE);
        let p1 = bin_price_x64(1, 25).unwrap() as f64 / ONE as f64;
        assert!((p1 - 1.0025).abs() < 1e-12, "{p1}");
        let pm = bin_price_x64(-100, 10).unwrap() as f64 / ONE as f64;
        assert!((pm - 1.001f64.powi(-100)).abs() < 1e-12, "{pm}");
    }

    /// The program's square-and-multiply, with plain checked u128 multiplies.
    fn reference_pow(base: u128, exp: i32) -> Option<u128> {
        if exp == 0 {
            return Some(ONE);
        }
        let mut invert = exp < 0;
        let exp = exp.unsigned_abs();
        if exp >= MAX_EXPONENTIAL {
            return None;
        }
        let (mut squared, mut result) = (base, ONE);
        if squared >= result {
            squared = u128::MAX.checked_div(squared)?;
            invert = !invert;
        }
        for bit in 0..19 {
            if exp & (1 << bit) != 0 {
                result = result.checked_mul(squared)? >> SCALE_OFFSET;
            }
            if bit < 18 {
                squared = squared.checked_mul(squared)? >> SCALE_OFFSET;
            }
        }
        if result == 0 {
            return None;
        }
        if invert {
            result = u128::MAX.checked_div(result)?;
        }
        Some(result)
    }

    proptest::proptest! {
        #[test]
        fn pow_matches_the_plain_u128_version(step in 1u16..=400, id in -443_636i32..=443_636) {
            let base = ONE + (u128::from(step) << SCALE_OFFSET) / BASIS_POINT_MAX;
            proptest::prop_assert_eq!(pow(base, id), reference_pow(base, id));
        }

        #[test]
        fn pow_matches_on_any_base(base: u128, id in -600_000i32..600_000) {
            proptest::prop_assert_eq!(pow(base, id), reference_pow(base, id));
        }
    }

    #[test]
    fn array_index_floors() {
        assert_eq!(bin_id_to_array_index(0), 0);
        assert_eq!(bin_id_to_array_index(69), 0);
        assert_eq!(bin_id_to_array_index(70), 1);
        assert_eq!(bin_id_to_array_index(-1), -1);
        assert_eq!(bin_id_to_array_index(-70), -1);
        assert_eq!(bin_id_to_array_index(-71), -2);
    }
}
