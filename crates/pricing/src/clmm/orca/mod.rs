//! Orca Whirlpool, from orca-so/whirlpools `programs/whirlpool/src` (commit 630c0e01):
//! `math/tick_math.rs`, `math/token_math.rs`, `math/swap_math.rs`, `math/bit_math.rs`,
//! `manager/swap_manager.rs`, `manager/fee_rate_manager.rs`, `state/oracle.rs` and
//! `util/swap_tick_sequence.rs`.

pub mod adaptive_fee;
pub mod swap;
pub mod swap_step;
pub mod tick_math;
pub mod token_math;

pub use adaptive_fee::{AdaptiveFeeConstants, AdaptiveFeeVariables, Oracle};
pub use swap::{SwapOutcome, TickArray, WhirlpoolPool, WhirlpoolState};
pub use tick_math::{
    MAX_SQRT_PRICE_X64, MAX_TICK_INDEX, MIN_SQRT_PRICE_X64, MIN_TICK_INDEX,
    sqrt_price_from_tick_index, tick_index_from_sqrt_price,
};

/// Ticks per tick array.
pub const TICK_ARRAY_SIZE: i32 = 88;
/// `fee_rate` denominator: hundredths of a basis point.
pub const FEE_RATE_MUL_VALUE: u128 = 1_000_000;
/// `protocol_fee_rate` denominator: basis points.
pub const PROTOCOL_FEE_RATE_MUL_VALUE: u128 = 10_000;
