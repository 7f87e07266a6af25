//! Live Solana DEX accounts in, complete and exact quotes out: the piece a bot needs between
//! an account stream and a trade.
//!
//! # Flow
//! ```text
//! (pubkey, owner, bytes) ─▶ Market::apply ─┬─ pool account ─▶ Pool::from_keyed_account
//!                                          ├─ vault / mint / config / oracle / bitmap extension
//!                                          │    (routed by address) ─▶ Pool::update
//!                                          └─ tick / bin array (routed by the pool it names)
//!                                               ─▶ Pool::update
//! Pool::accounts_to_update ─▶ what to subscribe to next (arrays around the price, oracle, ...)
//! Pool::snapshot(clock) ─▶ PoolSnapshot { model, transfer fees } ─▶ quote(direction, mode, amount)
//!                                                                   ─▶ SwapQuote
//! ```
//!
//! - **Complete.** A pool is quotable only when every account it needs has arrived: vaults,
//!   both mints (decimals come from the mints, never from a list), fee configs, Orca's
//!   adaptive-fee oracle. Until then [`Pool::snapshot`] names the missing account.
//! - **Exact.** Quotes use the program's own integer math ([`pricing`]) and apply Token-2022
//!   transfer fees in the program's own order and rounding. A mint whose extensions make a
//!   swap impossible or unpredictable (transfer hook, paused, non-transferable) is
//!   [`MarketError::Unquotable`], never a wrong number.
//! - **Pure.** No I/O and no clock: callers pass a [`QuoteClock`] (slot, epoch, unix time).
//!
//! Naming: `decoder` views are *accounts* (`Whirlpool`, `LbPair`), `pricing` types are *math*
//! (`WhirlpoolPool`, `DlmmPool`), and this crate's types are *pools* ([`Pool`], [`Market`],
//! [`PoolSnapshot`]).

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod address;
mod clock;
mod error;
#[cfg(feature = "jupiter")]
pub mod jupiter;
mod kind;
mod market;
pub mod mint;
mod model;
mod pool;
mod snapshot;
#[cfg(feature = "test-utils")]
pub mod test_utils;

pub use clock::QuoteClock;
pub use error::{AccountRole, MarketError, Result};
pub use kind::PoolKind;
pub use market::{AccountUpdate, Applied, MAX_PARKED_ACCOUNTS, Market};
pub use mint::{MintBlocker, MintState};
pub use model::PoolModel;
pub use pool::{DEFAULT_ARRAY_RADIUS, Pool, PoolAccounts};
pub use snapshot::{PoolSnapshot, SwapQuote};

pub use pricing::{Direction, Fill, Price, SwapMode};
