//! What the detector is fed: tokens and pool states.

use market::PoolSnapshot;

/// A token mint address.
pub type Mint = [u8; 32];
/// A pool account address.
pub type PoolAddress = [u8; 32];

/// What the detector needs to know about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The token's mint address.
    pub mint: Mint,
    /// Display symbol, for example `SOL`.
    pub symbol: String,
    /// Decimals as registered; the decimals read from a pool's mint accounts win over these.
    pub decimals: u8,
    /// Preference as a pair's quote token (0 never; higher wins, e.g. USDC 3, USDT 2, SOL 1).
    pub quote_rank: u8,
}

/// A pool's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUpdate {
    /// The pool account's address.
    pub address: PoolAddress,
    /// `raydium`, `orca` or `meteora`.
    pub dex: String,
    /// `amm_v4`, `cpmm`, `clmm`, `whirlpool` or `dlmm`.
    pub pool_type: String,
    /// The pool's token A.
    pub token_a: Mint,
    /// The pool's token B.
    pub token_b: Mint,
    /// The pool's complete quoting state.
    pub snapshot: PoolSnapshot,
    /// Vault balances `(a, b)`, for liquidity checks.
    pub reserves: (u64, u64),
    /// The slot of the account state.
    pub slot: u64,
    /// When the update arrived, in microseconds on the caller's clock.
    pub received_at_us: u64,
}
