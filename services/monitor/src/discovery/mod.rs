//! Pool discovery: from pairs and tokens to the pools worth following.
//!
//! ```text
//! targets (pairs, tokens) ─▶ search.rs: getProgramAccounts per program and mint order
//!     (decoder::discovery filters, a dataSlice over the mints, bounded concurrency, backoff)
//!   ─▶ candidates ─▶ select.rs: RPC snapshot of each candidate and what it needs (watch.rs),
//!      market::Pool values its vaults through its own price ─▶ floor, best N per pair
//!   ─▶ Discovery { kept, skipped (and why) }
//! ```
//!
//! What the filters are is the decoder's knowledge ([`decoder::discovery::PoolLayout`]); how
//! a pool is valued is the market's ([`market::Pool::liquidity_in`]). This module only wires
//! them to the RPC. [`task`] repeats discovery on an interval and turns the differences into
//! live subscription changes.

pub mod command;
pub mod search;
pub mod select;
pub mod settings;
pub mod task;

use std::collections::BTreeMap;
use std::time::Duration;

use decoder::Pubkey;

use crate::backoff::Backoff;
use crate::source::rpc::{RpcClient, RpcError};
use crate::tokens::TokenRegistry;

/// What to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// Every pool of these two mints.
    Pair([Pubkey; 2]),
    /// Every pool holding this mint.
    Token(Pubkey),
}

impl Target {
    /// "SOL/USDC" or "JUP/*", with the registry's symbols.
    pub fn label(&self, tokens: &TokenRegistry) -> String {
        match self {
            Self::Pair([a, b]) => {
                let (base, quote) = tokens.orient(a, b);
                tokens.pair_label(&base, &quote)
            }
            Self::Token(mint) => format!("{}/*", tokens.label(mint)),
        }
    }

    /// Whether a pool of these mints is one this target asks for.
    pub fn accepts(&self, mints: &[Pubkey; 2]) -> bool {
        match self {
            Self::Pair([a, b]) => *mints == [*a, *b] || *mints == [*b, *a],
            Self::Token(m) => mints.contains(m),
        }
    }
}

/// How discovery searches and what it keeps.
#[derive(Debug, Clone)]
pub struct DiscoverySettings {
    pub targets: Vec<Target>,
    /// The least a pool must hold, in whole units of the token it is valued in (a pair's
    /// quote token, or the followed token). Tokens without an entry have no floor.
    pub min_liquidity: BTreeMap<Pubkey, u64>,
    /// At most this many pools per pair, the most liquid first.
    pub max_per_pair: usize,
    /// Rediscovery interval.
    pub interval: Duration,
    /// `getProgramAccounts` calls in flight at once.
    pub concurrency: usize,
    /// Delays between attempts after an error or a 429.
    pub backoff: Backoff,
    /// Attempts per search before discovery gives up for this round.
    pub attempts: u32,
    /// Arrays either side of the price fetched to price concentrated pools.
    pub array_radius: u32,
}

impl DiscoverySettings {
    /// The defaults for `targets`: no floor, 5 pools per pair, every 10 minutes, 4 searches
    /// at once, 4 attempts each.
    pub fn new(targets: Vec<Target>) -> Self {
        Self {
            targets,
            min_liquidity: BTreeMap::new(),
            max_per_pair: 5,
            interval: Duration::from_secs(600),
            concurrency: 4,
            backoff: Backoff::upstream(),
            attempts: 4,
            array_radius: market::DEFAULT_ARRAY_RADIUS,
        }
    }
}

/// A pool discovery keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub address: Pubkey,
    pub kind: market::PoolKind,
    /// Token A and token B, as the pool orders them.
    pub mints: [Pubkey; 2],
    /// The token the liquidity is counted in.
    pub valued_in: Pubkey,
    /// Both vaults, in raw units of `valued_in` (exact).
    pub liquidity: u128,
    /// `valued_in`'s decimals, for display.
    pub decimals: u8,
    /// The pool's lowest fee, as a fraction (display only).
    pub fee_rate: f64,
}

impl Kept {
    /// The liquidity in whole tokens, for display only.
    pub fn liquidity_display(&self) -> f64 {
        self.liquidity as f64 / 10f64.powi(i32::from(self.decimals))
    }
}

/// Why discovery left a pool out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Its liquidity is under the floor (raw units of the valuation token).
    BelowFloor { liquidity: u128, floor: u128 },
    /// The pair already has `max` more liquid pools.
    OverLimit { max: usize },
    /// It could not be valued: an account is missing or a mint blocks swaps.
    Unpriced(String),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BelowFloor { liquidity, floor } => {
                write!(
                    f,
                    "liquidity {liquidity} below the floor {floor} (raw units)"
                )
            }
            Self::OverLimit { max } => write!(f, "the pair already has {max} more liquid pools"),
            Self::Unpriced(why) => write!(f, "cannot be valued: {why}"),
        }
    }
}

/// A pool discovery left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub address: Pubkey,
    pub kind: Option<market::PoolKind>,
    pub mints: [Pubkey; 2],
    pub reason: SkipReason,
}

/// One round's outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovery {
    /// The slot the pools were read at.
    pub slot: u64,
    /// Kept pools, most liquid first within each pair.
    pub kept: Vec<Kept>,
    pub skipped: Vec<Skipped>,
}

/// Why a round failed.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("the RPC provider refuses getProgramAccounts ({0}); pool discovery is unavailable")]
    Refused(#[source] RpcError),
    #[error("pool discovery failed after retries: {0}")]
    Rpc(#[source] RpcError),
}

/// Searches every target, values what it finds and chooses.
///
/// # Errors
/// [`DiscoveryError::Refused`] when the provider does not serve `getProgramAccounts`;
/// [`DiscoveryError::Rpc`] when a call still fails after `settings.attempts`.
pub async fn discover(
    rpc: &RpcClient,
    settings: &DiscoverySettings,
    tokens: &TokenRegistry,
) -> Result<Discovery, DiscoveryError> {
    let candidates = search::candidates(rpc, settings).await?;
    select::choose(rpc, settings, tokens, candidates).await
}
