//! Account bytes to typed pool state for Raydium AMM v4, CPMM and CLMM, Orca Whirlpool,
//! Meteora DLMM, and SPL Token / Token-2022 accounts. Zero-copy, typed errors, never panics.
//!
//! Skeleton: the layouts arrive with the decoder issue.

#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
