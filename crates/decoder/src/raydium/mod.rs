//! Raydium: AMM v4, CPMM and CLMM.

pub mod amm_v4;
pub mod clmm;
pub mod cpmm;
