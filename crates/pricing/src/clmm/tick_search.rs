//! The log2 search from a Q64.64 sqrt price to a tick, which both programs compute the same
//! way (Orca's `math/tick_math.rs::tick_index_from_sqrt_price`, Raydium's
//! `libraries/tick_math.rs::get_tick_at_sqrt_price`); only the bits of precision differ (Orca
//! 14, Raydium 16). Each program then picks between the two candidates with its own
//! tick-to-price function and handles out-of-range prices its own way.

/// `log_√1.0001(2)` in Q32: a Q32 log2 times this is a Q64 tick.
const LOG_B_2_X32: i128 = 59_543_866_431_248;
/// Error margins of the approximation, in Q64 ticks (the programs' constants).
const LOG_B_P_ERR_MARGIN_LOWER_X64: i128 = 184_467_440_737_095_516;
const LOG_B_P_ERR_MARGIN_UPPER_X64: i128 = 15_793_534_762_490_258_745;

/// `(tick_low, tick_high)`: the ticks the exact answer lies between, from the most significant
/// bit of `sqrt_price_x64` and `bit_precision` fractional bits of its log2, found by repeated
/// squaring. When they differ, the answer is `tick_high` if its sqrt price is at or below
/// `sqrt_price_x64`, else `tick_low`. `sqrt_price_x64` must be nonzero.
pub(crate) fn tick_candidates(sqrt_price_x64: u128, bit_precision: u32) -> (i32, i32) {
    let msb = 127 - sqrt_price_x64.leading_zeros();
    let log2p_integer_x32 = (i128::from(msb) - 64) << 32;

    // Normalise to [1, 2) in Q63 and square repeatedly to read fractional bits of log2.
    let mut r = if msb >= 64 {
        sqrt_price_x64 >> (msb - 63)
    } else {
        sqrt_price_x64 << (63 - msb)
    };
    let mut log2p_fraction_x64: i128 = 0;
    let mut bit: i128 = 1 << 63;
    for _ in 0..bit_precision {
        r *= r;
        let above_two = r >> 127;
        r >>= 63 + above_two;
        log2p_fraction_x64 += bit * above_two as i128;
        bit >>= 1;
    }
    let log2p_x32 = log2p_integer_x32 + (log2p_fraction_x64 >> 32);
    let logbp_x64 = log2p_x32 * LOG_B_2_X32;
    let tick_low = ((logbp_x64 - LOG_B_P_ERR_MARGIN_LOWER_X64) >> 64) as i32;
    let tick_high = ((logbp_x64 + LOG_B_P_ERR_MARGIN_UPPER_X64) >> 64) as i32;
    (tick_low, tick_high)
}
