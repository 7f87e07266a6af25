//! Exact constant-product, concentrated-liquidity and DLMM quotes, with the programs' own
//! integer rounding. No Solana dependency, no I/O, no clocks.
//!
//! Skeleton: the models arrive with the pricing issue.

#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
