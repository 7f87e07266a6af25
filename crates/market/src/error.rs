//! Why a pool cannot be built or quoted.

use decoder::{DecodeError, Pubkey};
use pricing::PricingError;

use crate::mint::MintBlocker;

/// What an account is to a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountRole {
    /// The pool account itself.
    Pool,
    /// The vault of token A (`0`) or token B (`1`).
    Vault(u8),
    /// The mint of token A (`0`) or token B (`1`).
    Mint(u8),
    /// The program's fee configuration (Raydium CPMM and CLMM `AmmConfig`).
    Config,
    /// Orca's adaptive-fee `Oracle`.
    Oracle,
    /// Raydium CLMM `TickArrayBitmapExtension` or Meteora DLMM `BinArrayBitmapExtension`.
    BitmapExtension,
    /// A tick array (Orca, Raydium CLMM) or bin array (Meteora DLMM).
    Array,
}

impl std::fmt::Display for AccountRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = |side: &u8| if *side == 0 { "A" } else { "B" };
        match self {
            Self::Pool => f.write_str("pool"),
            Self::Vault(s) => write!(f, "vault {}", token(s)),
            Self::Mint(s) => write!(f, "mint {}", token(s)),
            Self::Config => f.write_str("fee config"),
            Self::Oracle => f.write_str("oracle"),
            Self::BitmapExtension => f.write_str("bitmap extension"),
            Self::Array => f.write_str("tick/bin array"),
        }
    }
}

/// Why a pool cannot be built, updated or quoted. Every variant names the account or rule at
/// fault; nothing is reported as a zero quote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarketError {
    /// The account is not a pool of a supported program.
    #[error("account {0} is not a supported pool")]
    NotAPool(Pubkey),
    /// An account's bytes did not decode.
    #[error("{role} {account} does not decode: {source}")]
    Decode {
        /// The account.
        account: Pubkey,
        /// What the pool needed it for.
        role: AccountRole,
        /// The decoder's reason.
        source: DecodeError,
    },
    /// An account decoded, but as something other than the role needs.
    #[error("{role} {account} is a {found}, not what the pool needs")]
    WrongAccount {
        /// The account.
        account: Pubkey,
        /// What the pool needed it for.
        role: AccountRole,
        /// What it decoded as.
        found: &'static str,
    },
    /// An account the pool needs has not been given yet.
    #[error("missing {role} {account}")]
    MissingAccount {
        /// The account.
        account: Pubkey,
        /// What the pool needs it for.
        role: AccountRole,
    },
    /// The account does not belong to this pool.
    #[error("account {0} is not one this pool uses")]
    NotUsed(Pubkey),
    /// The mint is neither of the pool's tokens.
    #[error("mint {0} is not one of the pool's tokens")]
    UnknownMint(Pubkey),
    /// A mint has an extension that makes a swap impossible or unpredictable.
    #[error("mint {mint} cannot be quoted: {blocker:?}")]
    Unquotable {
        /// The mint.
        mint: Pubkey,
        /// The extension at fault.
        blocker: MintBlocker,
    },
    /// The swap math refused the swap, as the program would.
    #[error(transparent)]
    Pricing(#[from] PricingError),
}

impl MarketError {
    /// True for an account that has not arrived yet: normal while a pool is being assembled.
    pub fn is_missing(&self) -> bool {
        matches!(self, Self::MissingAccount { .. })
    }
}

/// `Result` with [`MarketError`].
pub type Result<T, E = MarketError> = std::result::Result<T, E>;
