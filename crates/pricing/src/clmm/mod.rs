//! Concentrated liquidity (Q64.64 sqrt prices): Orca Whirlpool and Raydium CLMM.
//!
//! The two programs share the model (liquidity between initialized ticks, a sqrt price in
//! Q64.64) but not the code: their tick math, rounding and swap loops differ in details that
//! change results by a unit, so each has its own module, written from its own program.

pub mod orca;
pub mod raydium;
mod tick_search;

/// One tick of a tick array, as a quote needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tick {
    /// Whether the tick is initialized (only initialized ticks stop a swap step).
    pub initialized: bool,
    /// Liquidity added when the price crosses this tick upwards (removed downwards).
    pub liquidity_net: i128,
}

/// `liquidity + delta`, failing like the programs' `add_liquidity_delta` on under- or overflow.
///
/// # Errors
/// [`crate::PricingError::Overflow`] when the result leaves `u128`.
pub fn add_liquidity_delta(liquidity: u128, delta: i128) -> crate::Result<u128> {
    if delta >= 0 {
        liquidity
            .checked_add(delta.unsigned_abs())
            .ok_or(crate::PricingError::Overflow("liquidity + delta"))
    } else {
        liquidity
            .checked_sub(delta.unsigned_abs())
            .ok_or(crate::PricingError::Overflow("liquidity - delta"))
    }
}
