//! Exact swap quotes for Solana DEX pools: what the on-chain program would pay, to the unit.
//!
//! # Flow
//! ```text
//! decoded accounts ──(caller maps)──▶ model (AmmV4Pool, CpmmPool, ...) ──quote()──▶ Quote
//!                                                                     └─spot_price()─▶ Price
//! ```
//!
//! - Each model is a plain struct of the numbers its program reads, so this crate has no
//!   Solana dependency and other bots can fill the models from any decoder.
//! - Quote paths use integers only (u64, u128, and 256-bit products), with each program's own
//!   rounding; every module names the program file and function its formulas come from.
//!   Floats appear only in [`Price::to_f64`] and the display helpers.
//! - Token-2022 transfer fees are applied around any model's quote, in each program's order,
//!   by [`quote_with_transfer_fees`] ([`transfer_fee`] holds the one copy of that math).
//! - Overflow and impossible swaps are [`PricingError`]s, never panics or wraps.
//! - A quote that runs out of known liquidity says so ([`Fill::Partial`]) instead of pricing
//!   as if the curve went on.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod clmm;
pub mod cp;
pub mod dlmm;
mod error;
pub mod helpers;
pub mod math;
mod quote;
pub mod transfer_fee;

pub use clmm::orca::{WhirlpoolPool, WhirlpoolState};
pub use clmm::raydium::ClmmPool as RaydiumClmmPool;
pub use cp::Vault;
pub use cp::amm_v4::{AmmV4Params, AmmV4Pool};
pub use cp::cpmm::{CpmmFees, CpmmParams, CpmmPool, CreatorFeeOn};
pub use dlmm::DlmmPool;
pub use error::{PricingError, Result};
pub use quote::{Direction, Fill, PartialReason, Price, Quote, SwapMode, SwapModel};
pub use transfer_fee::{
    FeeProgram, PoolTransferFees, TransferFee, TransferFeeConfig, TransferFeeQuote,
    quote_model_with_transfer_fees, quote_with_transfer_fees,
};
