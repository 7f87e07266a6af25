//! Arbitrage detection over exact pool quotes and exchange order books: after every pool
//! update or book, is there a trade that makes money after every cost, how big should it be,
//! and how sure are we?
//!
//! # Flow
//! ```text
//! PoolUpdate ─▶ Detector::apply(update, now)        CexBook ─▶ Detector::apply_cex(book, now)
//!                 ├─ same state? ─▶ nothing                      ├─ invalid? ─▶ dropped, closes
//!                 ├─ graph: pool ▸ pair ▸ triangles              └─ each pool of its pair ×
//!                 ├─ affected ids only:                             both ways: cex_dex
//!                 │   spatial (this pool × each pool of its pair),
//!                 │   statistical (the same pairs), triangular (each triangle through its
//!                 │   pair, both directions), cex_dex (this pool × each book of its pair)
//!                 ├─ screen with marginal rates and lowest fees (never hides a real one)
//!                 ├─ size by exact integer quotes (closed form for two constant-product legs,
//!                 │   golden-section search otherwise; cex_dex within the visible depth)
//!                 ├─ cost: pool fees and slippage from the quotes, transaction cost in SOL at
//!                 │   the market's own SOL price; cex_dex adds the taker fee and transfer cost
//!                 ├─ validate: book age, min profit (bps, absolute), liquidity, slot delta,
//!                 │   data age
//!                 └─ lifecycle: open ▸ update (hysteresis) ▸ close ─▶ Vec<OpportunityEvent>
//! ```
//!
//! Modules: `graph` (pools, pairs, triangles, token facts), `strategy::{spatial, triangular,
//! statistical, cex_dex}` (candidates), `sizing` (the optimum input), `valuation` (costs,
//! validation, display figures, confidence), `lifecycle` (open, update, close), `cex`
//! (exchange books and their integer arithmetic).
//!
//! Pure and deterministic: no I/O, no clock (times are inputs), and no iteration over hash
//! maps where order matters, so a replayed feed gives the same events every time.
//!
//! # CEX–DEX
//! An exchange book ([`CexBook`]) is an input like a pool: prices and quantities are exact
//! integers ×10^8 of whole tokens. Buying on the pool uses its exact quote; the exchange leg
//! walks the book at the same size, the taker fee ([`CexConfig::taker_fee_bps`]) is charged in
//! the asset received and rounded up, and conversions to raw units round what is received
//! down and what is paid up. Profit also pays [`CexConfig::transfer_cost_bps`] of the input
//! and one on-chain swap's transaction cost. A book older than
//! [`CexConfig::max_book_age_ms`] is not traded against ([`RejectReason::StaleBook`]).
//!
//! # Confidence
//! 0 to 100: 30 points for freshness (`1 − age / max_age`), 25 for slot alignment
//! (`1 − slot_delta / (max_slot_delta + 1)`), 25 for depth (`1 − size / (10% of the smallest
//! pool's value)`), and 20 for persistence (full after the opportunity has stood two seconds).
//! For `cex_dex`, freshness takes the worse of the pool's and the book's age (each against
//! its own limit), alignment is how close in time the two arrived (`1 − |Δt| /
//! max_book_age`), and depth is also held to the share of the book's visible side taken.
//!
//! Statistical opportunities are forecasts: their profit assumes the spread reverts to its
//! mean; spatial, triangular and cex_dex ones are locked in by the quotes and the book at the
//! reported size.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod cex;
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

pub use cex::{CexBook, CexLevel};
pub use config::{CexConfig, CostModel, DetectorConfig};
pub use detector::Detector;
pub use error::{BookError, ConfigError, RejectReason};
pub use input::{Mint, PoolAddress, PoolUpdate, TokenInfo};
pub use opportunity::{CexTrade, Opportunity, OpportunityEvent, OpportunityLeg};
