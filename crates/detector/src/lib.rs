//! Spatial, triangular and statistical arbitrage detection over `pricing` models. Pure and
//! deterministic: no I/O and no clocks, so a replayed feed gives the same decisions.
//!
//! Skeleton: the strategies arrive with the detector issue.

#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
