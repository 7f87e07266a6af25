#![warn(missing_docs)]
//! Meteora DLMM (liquidity book), as MeteoraAg/dlmm-sdk `commons` computes it for the program
//! at commit fb02e51: `math/u64x64_math.rs` (`pow`), `math/price_math.rs`, `math/u128x128_math.rs`,
//! `extensions/lb_pair.rs` (fees and volatility), `extensions/bin.rs` and `quote.rs`
//! (`swap_exact_in_quote_at_bin`, `swap_exact_out_quote_at_bin`, `split_fee`, the bin walk).
//!
//! Each bin trades at a constant price `(1 + bin_step / 10_000)^id` (Q64.64); a swap drains the
//! active bin, then moves one bin at a time. The fee is a base fee from `base_factor` plus a
//! variable fee from the volatility accumulator, which is refreshed from the time since the
//! last update (a parameter here: the library reads no clock) and grows with every bin
//! crossed.
//!
//! Resting limit orders, which the program fills inside a bin after the bin's own liquidity
//! (processed orders first, then open orders) on pairs where
//! [`DlmmParams::support_limit_order`] holds, are the bin fields [`Bin::open_order_amount`],
//! [`Bin::processed_order_remaining_amount`] and [`Bin::limit_order_ask_side`].
//! [`Bin::from_program_bytes`] reads them where the program does; the program reads those
//! bytes whatever the bin array's layout version, so older arrays' swap totals fill as orders
//! on such pairs, and this crate does the same. The vault balances
//! ([`DlmmPool::reserves`]) bound what a swap can pay, as the token transfer does on chain.

mod bitmap;
mod price;
mod swap;

pub use bitmap::{
    BIN_ARRAY_BITMAP_SIZE, EXTENSION_BITMAP_SIZE, ExtensionBitmaps, arrays_with_liquidity,
};
pub use price::{bin_id_to_array_index, bin_price_x64};
pub use swap::{Bin, BinArray, CollectFeeMode, DlmmParams, DlmmPool, DlmmSwap, VariableParameters};

/// Bins per bin array.
pub const MAX_BIN_PER_ARRAY: usize = 70;
/// Lowest bin id.
pub const MIN_BIN_ID: i32 = -443_636;
/// Highest bin id.
pub const MAX_BIN_ID: i32 = 443_636;
/// Fees are in billionths.
pub const FEE_PRECISION: u64 = 1_000_000_000;
/// The total fee is capped at 10%.
pub const MAX_FEE_RATE: u64 = 100_000_000;
