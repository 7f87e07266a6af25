//! Arbitrage detection over exact pool quotes: after every pool update, is there a trade that
//! makes money after every cost, how big should it be, and how sure are we?
//!
//! # Flow
//! ```text
//! PoolUpdate ─▶ Detector::apply(update, now)
//!                 ├─ same state? ─▶ nothing
//!                 ├─ graph: pool ▸ pair ▸ triangles (kept current as pools come and go)
//!                 ├─ affected ids only: spatial (this pool × each pool of its pair),
//!                 │   statistical (this pool × each pool of its pair), triangular (each
//!                 │   triangle through its pair, both directions)
//!                 ├─ screen with marginal rates and lowest fees (never hides a real one)
//!                 ├─ size by exact integer quotes (closed form for two constant-product legs,
//!                 │   golden-section search otherwise)
//!                 ├─ cost: pool fees and slippage from the quotes, transaction cost in SOL at
//!                 │   the market's own SOL price
//!                 ├─ validate: min profit (bps, absolute), liquidity, slot delta, data age
//!                 └─ lifecycle: open ▸ update (hysteresis) ▸ close ─▶ Vec<OpportunityEvent>
//! ```
//!
//! Modules: `graph` (pools, pairs, triangles, token facts), `strategy::{spatial, triangular,
//! statistical}` (candidates), `sizing` (the optimum input), `valuation` (costs, validation,
//! display figures, confidence), `lifecycle` (open, update, close).
//!
//! Pure and deterministic: no I/O, no clock (times are inputs), and no iteration over hash
//! maps where order matters, so a replayed feed gives the same events every time.
//!
//! # Confidence
//! 0 to 100: 30 points for freshness (`1 − age / max_age`), 25 for slot alignment
//! (`1 − slot_delta / (max_slot_delta + 1)`), 25 for depth (`1 − size / (10% of the smallest
//! pool's value)`), and 20 for persistence (full after the opportunity has stood two seconds).
//!
//! Statistical opportunities are forecasts: their profit assumes the spread reverts to its
//! mean; spatial and triangular ones are locked in by the quotes at the reported size.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod config;
mod detector;
mod error;
mod graph;
mod input;
mod lifecycle;
mod opportunity;
mod sizing;
mod spread;
mod strategy;
mod valuation;

pub use config::{CostModel, DetectorConfig};
pub use detector::Detector;
pub use error::{ConfigError, RejectReason};
pub use input::{Mint, PoolAddress, PoolUpdate, TokenInfo};
pub use opportunity::{Opportunity, OpportunityEvent, OpportunityLeg};
