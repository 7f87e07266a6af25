//! Tick index ⇄ Q64.64 sqrt price, bit-exact with `math/tick_math.rs`.
//!
//! `sqrt(1.0001)^tick` is built by multiplying precomputed factors `sqrt(1.0001)^(±2^k)` for
//! the set bits of `|tick|`: Q96 factors with a 96-bit shift for positive ticks, Q64 factors
//! with a 64-bit shift for negative ticks, exactly as the program does (the factor values are
//! the program's). The inverse is the log2 search both CLMM programs share
//! (`clmm::tick_search`) at Orca's 14 bits of precision, then a check of the upper candidate
//! with this module's own tick-to-price function.

/// Lowest tick.
pub const MIN_TICK_INDEX: i32 = -443_636;
/// Highest tick.
pub const MAX_TICK_INDEX: i32 = 443_636;
/// Sqrt price at `MIN_TICK_INDEX`.
pub const MIN_SQRT_PRICE_X64: u128 = 4_295_048_016;
/// Sqrt price at `MAX_TICK_INDEX`.
pub const MAX_SQRT_PRICE_X64: u128 = 79_226_673_515_401_279_992_447_579_055;

/// `sqrt(1.0001)^(2^k)` in Q96 for k = 1..=18 (bit 0 picks the starting value).
const POSITIVE_FACTORS_Q96: [u128; 18] = [
    79236085330515764027303304731,
    79244008939048815603706035061,
    79259858533276714757314932305,
    79291567232598584799939703904,
    79355022692464371645785046466,
    79482085999252804386437311141,
    79736823300114093921829183326,
    80248749790819932309965073892,
    81282483887344747381513967011,
    83390072131320151908154831281,
    87770609709833776024991924138,
    97234110755111693312479820773,
    119332217159966728226237229890,
    179736315981702064433883588727,
    407748233172238350107850275304,
    2098478828474011932436660412517,
    55581415166113811149459800483533,
    38992368544603139932233054999993551,
];
const POSITIVE_ONE_Q96: u128 = 79228162514264337593543950336;
const POSITIVE_BIT0_Q96: u128 = 79232123823359799118286999567;

/// `sqrt(1.0001)^(-2^k)` in Q64 for k = 1..=18.
const NEGATIVE_FACTORS_Q64: [u128; 18] = [
    18444899583751176498,
    18443055278223354162,
    18439367220385604838,
    18431993317065449817,
    18417254355718160513,
    18387811781193591352,
    18329067761203520168,
    18212142134806087854,
    17980523815641551639,
    17526086738831147013,
    16651378430235024244,
    15030750278693429944,
    12247334978882834399,
    8131365268884726200,
    3584323654723342297,
    696457651847595233,
    26294789957452057,
    37481735321082,
];
const NEGATIVE_ONE_Q64: u128 = 18446744073709551616;
const NEGATIVE_BIT0_Q64: u128 = 18445821805675392311;

/// The Q64.64 sqrt price at `tick`. Ticks outside `MIN_TICK_INDEX..=MAX_TICK_INDEX` are
/// clamped, because the program never computes them.
pub fn sqrt_price_from_tick_index(tick: i32) -> u128 {
    let tick = tick.clamp(MIN_TICK_INDEX, MAX_TICK_INDEX);
    let abs = tick.unsigned_abs();
    if tick >= 0 {
        let mut ratio = if abs & 1 != 0 {
            POSITIVE_BIT0_Q96
        } else {
            POSITIVE_ONE_Q96
        };
        for (k, factor) in POSITIVE_FACTORS_Q96.iter().enumerate() {
            if abs & (2 << k) != 0 {
                ratio = mul_shift_96(ratio, *factor);
            }
        }
        ratio >> 32
    } else {
        let mut ratio = if abs & 1 != 0 {
            NEGATIVE_BIT0_Q64
        } else {
            NEGATIVE_ONE_Q64
        };
        for (k, factor) in NEGATIVE_FACTORS_Q64.iter().enumerate() {
            if abs & (2 << k) != 0 {
                // ratio <= 2^64 and factor < 2^64: the product fits in u128.
                ratio = (ratio * factor) >> 64;
            }
        }
        ratio
    }
}

/// `(a · b) >> 96` from the full 256-bit product, built from four 64×64 partial products.
/// For every tick in range the result fits in 128 bits, as the program asserts.
fn mul_shift_96(a: u128, b: u128) -> u128 {
    const MASK: u128 = u64::MAX as u128;
    let (a1, a0, b1, b0) = (a >> 64, a & MASK, b >> 64, b & MASK);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & MASK) + (p10 & MASK);
    let lo = (p00 & MASK) | (mid << 64);
    let hi = p11
        .wrapping_add(p01 >> 64)
        .wrapping_add(p10 >> 64)
        .wrapping_add(mid >> 64);
    (hi << 32) | (lo >> 96)
}

/// Fractional bits of log2 Orca computes.
const BIT_PRECISION: u32 = 14;

/// The greatest tick whose sqrt price is at or below `sqrt_price_x64` (Q64.64). Prices outside
/// `MIN_SQRT_PRICE_X64..=MAX_SQRT_PRICE_X64` are clamped.
pub fn tick_index_from_sqrt_price(sqrt_price_x64: u128) -> i32 {
    let sqrt_price_x64 = sqrt_price_x64.clamp(MIN_SQRT_PRICE_X64, MAX_SQRT_PRICE_X64);
    let (tick_low, tick_high) =
        crate::clmm::tick_search::tick_candidates(sqrt_price_x64, BIT_PRECISION);
    if tick_low == tick_high || sqrt_price_from_tick_index(tick_high) > sqrt_price_x64 {
        tick_low
    } else {
        tick_high
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds_match_the_program_constants() {
        assert_eq!(
            sqrt_price_from_tick_index(MIN_TICK_INDEX),
            MIN_SQRT_PRICE_X64
        );
        assert_eq!(
            sqrt_price_from_tick_index(MAX_TICK_INDEX),
            MAX_SQRT_PRICE_X64
        );
        assert_eq!(sqrt_price_from_tick_index(0), 1 << 64);
        assert_eq!(
            tick_index_from_sqrt_price(MIN_SQRT_PRICE_X64),
            MIN_TICK_INDEX
        );
        assert_eq!(
            tick_index_from_sqrt_price(MAX_SQRT_PRICE_X64),
            MAX_TICK_INDEX
        );
    }

    proptest! {
        #[test]
        fn mul_shift_96_matches_wide_arithmetic(a in 0u128..(1 << 127), b in 0u128..(1 << 100)) {
            use ruint::aliases::U256;
            let wide = (U256::from(a) * U256::from(b)) >> 96usize;
            if let Ok(expected) = u128::try_from(wide) {
                prop_assert_eq!(super::mul_shift_96(a, b), expected);
            }
        }

        #[test]
        fn tick_round_trips(tick in MIN_TICK_INDEX..=MAX_TICK_INDEX) {
            prop_assert_eq!(tick_index_from_sqrt_price(sqrt_price_from_tick_index(tick)), tick);
        }

        #[test]
        fn sqrt_price_is_monotonic(tick in MIN_TICK_INDEX..MAX_TICK_INDEX) {
            prop_assert!(sqrt_price_from_tick_index(tick) < sqrt_price_from_tick_index(tick + 1));
        }

        #[test]
        fn tick_from_price_is_the_floor(price in MIN_SQRT_PRICE_X64..MAX_SQRT_PRICE_X64) {
            let tick = tick_index_from_sqrt_price(price);
            prop_assert!(sqrt_price_from_tick_index(tick) <= price);
            prop_assert!(sqrt_price_from_tick_index(tick + 1) > price);
        }
    }
}
