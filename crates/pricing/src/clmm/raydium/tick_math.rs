//! Tick ⇄ Q64.64 sqrt price, bit-exact with Raydium's `libraries/tick_math.rs`.
//!
//! Raydium builds `sqrt(1.0001)^-|tick|` in Q64 from 19 factors (bit 0 picks the start) and
//! inverts it as `u128::MAX / ratio` for positive ticks, unlike Orca, which uses Q96 factors
//! for positive ticks; the results differ in the last bits, so each program has its own.
//! The inverse is the log2 search both CLMM programs share (`clmm::tick_search`) at
//! Raydium's 16 bits of precision (Orca uses 14), then a check with this module's own
//! tick-to-price function.

/// Lowest tick.
pub const MIN_TICK: i32 = -443_636;
/// Highest tick.
pub const MAX_TICK: i32 = 443_636;
/// Sqrt price at `MIN_TICK`.
pub const MIN_SQRT_PRICE_X64: u128 = 4_295_048_016;
/// Sqrt price at `MAX_TICK`.
pub const MAX_SQRT_PRICE_X64: u128 = 79_226_673_521_066_979_257_578_248_091;

const BIT0: u128 = 0xfffc_b933_bd6f_b800;
/// `sqrt(1.0001)^(-2^k)` in Q64 for k = 1..=18.
const FACTORS_Q64: [u128; 18] = [
    0xfff9_7272_373d_4000,
    0xfff2_e50f_5f65_7000,
    0xffe5_caca_7e10_f000,
    0xffcb_9843_d60f_7000,
    0xff97_3b41_fa98_e800,
    0xff2e_a164_66c9_b000,
    0xfe5d_ee04_6a9a_3800,
    0xfcbe_86c7_900b_b000,
    0xf987_a725_3ac6_5800,
    0xf339_2b08_22bb_6000,
    0xe715_9475_a2ca_f000,
    0xd097_f3bd_fd2f_2000,
    0xa9f7_4646_2d9f_8000,
    0x70d8_69a1_56f3_1c00,
    0x31be_135f_97ed_3200,
    0x09aa_508b_5b85_a500,
    0x005d_6af8_dedc_582c,
    0x0000_2216_e584_f5fa,
];

/// The Q64.64 sqrt price at `tick`.
///
/// # Errors
/// [`crate::PricingError::InvalidInput`] outside `MIN_TICK..=MAX_TICK`.
pub fn sqrt_price_at_tick(tick: i32) -> crate::Result<u128> {
    if !(MIN_TICK..=MAX_TICK).contains(&tick) {
        return Err(crate::PricingError::InvalidInput("tick out of range"));
    }
    let abs = tick.unsigned_abs();
    let mut ratio: u128 = if abs & 1 != 0 { BIT0 } else { 1 << 64 };
    for (k, factor) in FACTORS_Q64.iter().enumerate() {
        if abs & (2 << k) != 0 {
            // ratio <= 2^64 and factor < 2^64, so the product fits in u128.
            ratio = (ratio * factor) >> 64;
        }
    }
    if tick > 0 {
        ratio = u128::MAX / ratio;
    }
    Ok(ratio)
}

/// Fractional bits of log2 Raydium computes.
const BIT_PRECISION: u32 = 16;

/// The greatest tick whose sqrt price is at or below `sqrt_price_x64` (Q64.64).
///
/// # Errors
/// [`crate::PricingError::InvalidInput`] outside `MIN_SQRT_PRICE_X64..MAX_SQRT_PRICE_X64`.
pub fn tick_at_sqrt_price(sqrt_price_x64: u128) -> crate::Result<i32> {
    if !(MIN_SQRT_PRICE_X64..MAX_SQRT_PRICE_X64).contains(&sqrt_price_x64) {
        return Err(crate::PricingError::InvalidInput("sqrt price out of range"));
    }
    let (tick_low, tick_high) =
        crate::clmm::tick_search::tick_candidates(sqrt_price_x64, BIT_PRECISION);
    Ok(
        if tick_low == tick_high || sqrt_price_at_tick(tick_high)? > sqrt_price_x64 {
            tick_low
        } else {
            tick_high
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds_match_the_program_constants() {
        assert_eq!(sqrt_price_at_tick(MIN_TICK).unwrap(), MIN_SQRT_PRICE_X64);
        assert_eq!(sqrt_price_at_tick(MAX_TICK).unwrap(), MAX_SQRT_PRICE_X64);
        assert_eq!(sqrt_price_at_tick(0).unwrap(), 1 << 64);
        assert_eq!(tick_at_sqrt_price(MIN_SQRT_PRICE_X64).unwrap(), MIN_TICK);
        assert_eq!(
            tick_at_sqrt_price(MAX_SQRT_PRICE_X64 - 1).unwrap(),
            MAX_TICK - 1
        );
        assert!(sqrt_price_at_tick(MAX_TICK + 1).is_err());
    }

    proptest! {
        #[test]
        fn tick_round_trips(tick in MIN_TICK..MAX_TICK) {
            prop_assert_eq!(tick_at_sqrt_price(sqrt_price_at_tick(tick).unwrap()).unwrap(), tick);
        }

        #[test]
        fn tick_from_price_is_the_floor(price in MIN_SQRT_PRICE_X64..MAX_SQRT_PRICE_X64) {
            let tick = tick_at_sqrt_price(price).unwrap();
            prop_assert!(sqrt_price_at_tick(tick).unwrap() <= price);
            prop_assert!(sqrt_price_at_tick(tick + 1).unwrap() > price);
        }
    }
}
