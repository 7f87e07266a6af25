//! The five pool programs, and what each calls itself on the wire.

use decoder::{DecodedAccount, Pubkey};

/// Which program a pool belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PoolKind {
    /// Raydium AMM v4 (constant product, OpenBook-era).
    RaydiumAmmV4,
    /// Raydium CPMM (constant product, Token-2022 aware).
    RaydiumCpmm,
    /// Raydium CLMM (concentrated liquidity).
    RaydiumClmm,
    /// Orca Whirlpool (concentrated liquidity).
    OrcaWhirlpool,
    /// Meteora DLMM (liquidity book).
    MeteoraDlmm,
}

impl PoolKind {
    /// Every kind, in a fixed order.
    pub const ALL: [Self; 5] = [
        Self::RaydiumAmmV4,
        Self::RaydiumCpmm,
        Self::RaydiumClmm,
        Self::OrcaWhirlpool,
        Self::MeteoraDlmm,
    ];

    /// The venue name used in `dexmon.v1` messages (`"raydium"`, `"orca"`, `"meteora"`).
    pub fn dex(self) -> &'static str {
        match self {
            Self::RaydiumAmmV4 | Self::RaydiumCpmm | Self::RaydiumClmm => "raydium",
            Self::OrcaWhirlpool => "orca",
            Self::MeteoraDlmm => "meteora",
        }
    }

    /// The pool type used in `dexmon.v1` messages (`"amm_v4"`, `"cpmm"`, `"clmm"`,
    /// `"whirlpool"`, `"dlmm"`).
    pub fn pool_type(self) -> &'static str {
        match self {
            Self::RaydiumAmmV4 => "amm_v4",
            Self::RaydiumCpmm => "cpmm",
            Self::RaydiumClmm => "clmm",
            Self::OrcaWhirlpool => "whirlpool",
            Self::MeteoraDlmm => "dlmm",
        }
    }

    /// The program that owns the pool account.
    pub fn program_id(self) -> Pubkey {
        match self {
            Self::RaydiumAmmV4 => decoder::RAYDIUM_AMM_V4,
            Self::RaydiumCpmm => decoder::RAYDIUM_CPMM,
            Self::RaydiumClmm => decoder::RAYDIUM_CLMM,
            Self::OrcaWhirlpool => decoder::ORCA_WHIRLPOOL,
            Self::MeteoraDlmm => decoder::METEORA_DLMM,
        }
    }

    /// The kind of a decoded pool account, or `None` for any other account.
    pub fn of(decoded: &DecodedAccount<'_>) -> Option<Self> {
        Some(match decoded {
            DecodedAccount::RaydiumAmmV4(_) => Self::RaydiumAmmV4,
            DecodedAccount::RaydiumCpmmPool(_) => Self::RaydiumCpmm,
            DecodedAccount::RaydiumClmmPool(_) => Self::RaydiumClmm,
            DecodedAccount::Whirlpool(_) => Self::OrcaWhirlpool,
            DecodedAccount::DlmmLbPair(_) => Self::MeteoraDlmm,
            _ => return None,
        })
    }
}

impl std::fmt::Display for PoolKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.dex(), self.pool_type())
    }
}
