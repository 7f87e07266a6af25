//! Raydium CLMM, from raydium-clmm `programs/amm/src` (commit 03b44b7):
//! `libraries/{tick_math,liquidity_math,sqrt_price_math,swap_math,full_math,tick_array_bit_map}.rs`,
//! `states/{tick_array,tickarray_bitmap_extension,pool_fee}.rs` and `swap_internal` with its
//! `SwapState` in `instructions/swap.rs`.
//!
//! Modelled: the concentrated-liquidity swap with the pool's `fee_on` mode (fee from the input,
//! or always in token 0 or token 1), the dynamic fee (a volatility accumulator per tick-spacing
//! step, steps bounded to tick-spacing edges), and the tick-array walk by the pool's bitmaps.
//! Not modelled yet, and refused with [`crate::PricingError::Unsupported`] rather than
//! mispriced: crossing a tick that holds limit orders (the program fills them inside the tick).

pub mod bitmap;
pub mod math;
pub mod swap;
pub mod tick_math;

pub use bitmap::initialized_tick_array_starts;
pub use swap::{ClmmPool, ClmmState, ClmmTick, ClmmTickArray, DynamicFee, FeeOn, SwapOutcome};
pub use tick_math::{
    MAX_SQRT_PRICE_X64, MAX_TICK, MIN_SQRT_PRICE_X64, MIN_TICK, sqrt_price_at_tick,
    tick_at_sqrt_price,
};

/// Ticks per tick array.
pub const TICK_ARRAY_SIZE: i32 = 60;
/// Fee rates are in millionths.
pub const FEE_RATE_DENOMINATOR: u32 = 1_000_000;
