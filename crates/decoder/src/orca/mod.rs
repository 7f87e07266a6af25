//! Orca Whirlpool: pools, fixed and dynamic tick arrays, and the adaptive-fee oracle.

pub mod oracle;
pub mod tick_array;
pub mod whirlpool;
