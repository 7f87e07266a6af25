//! Program ids, account kinds and Anchor discriminators.

use std::fmt;

use solana_pubkey::{Pubkey, pubkey};

/// Raydium AMM v4 (constant product with an OpenBook market).
pub const RAYDIUM_AMM_V4: Pubkey = pubkey!("675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8");
/// Raydium CPMM (constant product, Anchor).
pub const RAYDIUM_CPMM: Pubkey = pubkey!("CPMMoo8L3F4NbTegBCKVNunggL7H1ZpdTHKxQB5qKP1C");
/// Raydium CLMM (concentrated liquidity, Anchor).
pub const RAYDIUM_CLMM: Pubkey = pubkey!("CAMMCzo5YL8w4VFF8KVHrK22GGUsp5VTaW7grrKgrWqK");
/// Orca Whirlpool (concentrated liquidity, Anchor).
pub const ORCA_WHIRLPOOL: Pubkey = pubkey!("whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc");
/// Meteora DLMM (liquidity book, Anchor).
pub const METEORA_DLMM: Pubkey = pubkey!("LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo");
/// SPL Token.
pub const SPL_TOKEN: Pubkey = pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/// SPL Token-2022.
pub const SPL_TOKEN_2022: Pubkey = pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");

/// Metaplex Token Metadata (token names and symbols for SPL Token mints).
pub const METAPLEX_TOKEN_METADATA: Pubkey = pubkey!("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s");

/// The first 8 bytes of an Anchor account: `sha256("account:<TypeName>")[..8]`.
pub type Discriminator = [u8; 8];

/// Anchor discriminators of the accounts this crate decodes. A test recomputes each one.
pub mod discriminator {
    use super::Discriminator;

    /// `PoolState`: shared by Raydium CPMM and CLMM, which are told apart by owner and length.
    pub const POOL_STATE: Discriminator = [247, 237, 227, 245, 215, 195, 222, 70];
    /// `AmmConfig`: Raydium CPMM and CLMM.
    pub const AMM_CONFIG: Discriminator = [218, 244, 33, 104, 203, 203, 43, 111];
    /// `TickArrayState`: Raydium CLMM.
    pub const TICK_ARRAY_STATE: Discriminator = [192, 155, 85, 205, 49, 249, 129, 42];
    /// `TickArrayBitmapExtension`: Raydium CLMM.
    pub const TICK_ARRAY_BITMAP_EXTENSION: Discriminator = [60, 150, 36, 219, 97, 128, 139, 153];
    /// `Whirlpool`: Orca.
    pub const WHIRLPOOL: Discriminator = [63, 149, 209, 12, 225, 128, 99, 9];
    /// `TickArray`: Orca's fixed tick array.
    pub const WHIRLPOOL_TICK_ARRAY: Discriminator = [69, 97, 189, 190, 110, 7, 66, 187];
    /// `DynamicTickArray`: Orca's variable-length tick array.
    pub const WHIRLPOOL_DYNAMIC_TICK_ARRAY: Discriminator = [17, 216, 246, 142, 225, 199, 218, 56];
    /// `Oracle`: Orca's adaptive-fee oracle, and Meteora DLMM's price oracle (same name).
    pub const ORACLE: Discriminator = [139, 194, 131, 179, 140, 179, 229, 244];
    /// `LbPair`: Meteora DLMM.
    pub const LB_PAIR: Discriminator = [33, 11, 49, 98, 181, 101, 177, 13];
    /// `BinArray`: Meteora DLMM.
    pub const BIN_ARRAY: Discriminator = [92, 142, 92, 220, 5, 148, 70, 181];
    /// `BinArrayBitmapExtension`: Meteora DLMM.
    pub const BIN_ARRAY_BITMAP_EXTENSION: Discriminator = [80, 111, 124, 113, 55, 237, 18, 5];
}

/// Every account kind this crate decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// Raydium Amm V4 Pool account.
    RaydiumAmmV4Pool,
    /// Raydium Cpmm Pool account.
    RaydiumCpmmPool,
    /// Raydium Cpmm Config account.
    RaydiumCpmmConfig,
    /// Raydium Clmm Pool account.
    RaydiumClmmPool,
    /// Raydium Clmm Config account.
    RaydiumClmmConfig,
    /// Raydium Clmm Tick Array account.
    RaydiumClmmTickArray,
    /// Raydium Clmm Tick Array Bitmap Extension account.
    RaydiumClmmTickArrayBitmapExtension,
    /// Whirlpool Pool account.
    WhirlpoolPool,
    /// Whirlpool Fixed Tick Array account.
    WhirlpoolFixedTickArray,
    /// Whirlpool Dynamic Tick Array account.
    WhirlpoolDynamicTickArray,
    /// Whirlpool Oracle account.
    WhirlpoolOracle,
    /// Dlmm Lb Pair account.
    DlmmLbPair,
    /// Dlmm Bin Array account.
    DlmmBinArray,
    /// Dlmm Bin Array Bitmap Extension account.
    DlmmBinArrayBitmapExtension,
    /// Dlmm Oracle account.
    DlmmOracle,
    /// Token Account account.
    TokenAccount,
    /// Mint account.
    Mint,
    /// Metaplex Token Metadata `Metadata` account.
    MetaplexMetadata,
}

impl AccountKind {
    /// The kind's name in `<program>.<Account>` form, as the fixtures' `kind` field spells it.
    /// Token accounts and mints are named for SPL Token; Token-2022 ones share the kind.
    pub const fn name(self) -> &'static str {
        match self {
            Self::RaydiumAmmV4Pool => "raydium-amm-v4.AmmInfo",
            Self::RaydiumCpmmPool => "raydium-cpmm.PoolState",
            Self::RaydiumCpmmConfig => "raydium-cpmm.AmmConfig",
            Self::RaydiumClmmPool => "raydium-clmm.PoolState",
            Self::RaydiumClmmConfig => "raydium-clmm.AmmConfig",
            Self::RaydiumClmmTickArray => "raydium-clmm.TickArrayState",
            Self::RaydiumClmmTickArrayBitmapExtension => "raydium-clmm.TickArrayBitmapExtension",
            Self::WhirlpoolPool => "orca-whirlpool.Whirlpool",
            Self::WhirlpoolFixedTickArray => "orca-whirlpool.TickArray",
            Self::WhirlpoolDynamicTickArray => "orca-whirlpool.DynamicTickArray",
            Self::WhirlpoolOracle => "orca-whirlpool.Oracle",
            Self::DlmmLbPair => "meteora-dlmm.LbPair",
            Self::DlmmBinArray => "meteora-dlmm.BinArray",
            Self::DlmmBinArrayBitmapExtension => "meteora-dlmm.BinArrayBitmapExtension",
            Self::DlmmOracle => "meteora-dlmm.Oracle",
            Self::TokenAccount => "spl-token.TokenAccount",
            Self::Mint => "spl-token.Mint",
            Self::MetaplexMetadata => "metaplex.Metadata",
        }
    }
}

impl fmt::Display for AccountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The programs this crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Program {
    /// The Raydium Amm V4 program.
    RaydiumAmmV4,
    /// The Raydium Cpmm program.
    RaydiumCpmm,
    /// The Raydium Clmm program.
    RaydiumClmm,
    /// The Orca Whirlpool program.
    OrcaWhirlpool,
    /// The Meteora Dlmm program.
    MeteoraDlmm,
    /// The Spl Token program.
    SplToken,
    /// The Spl Token2022 program.
    SplToken2022,
}

impl Program {
    /// The program that owns accounts with this owner, if it is one this crate knows.
    pub fn from_owner(owner: &Pubkey) -> Option<Self> {
        [
            (RAYDIUM_AMM_V4, Self::RaydiumAmmV4),
            (RAYDIUM_CPMM, Self::RaydiumCpmm),
            (RAYDIUM_CLMM, Self::RaydiumClmm),
            (ORCA_WHIRLPOOL, Self::OrcaWhirlpool),
            (METEORA_DLMM, Self::MeteoraDlmm),
            (SPL_TOKEN, Self::SplToken),
            (SPL_TOKEN_2022, Self::SplToken2022),
        ]
        .into_iter()
        .find_map(|(id, program)| (id == *owner).then_some(program))
    }

    /// The program's id.
    pub const fn id(self) -> Pubkey {
        match self {
            Self::RaydiumAmmV4 => RAYDIUM_AMM_V4,
            Self::RaydiumCpmm => RAYDIUM_CPMM,
            Self::RaydiumClmm => RAYDIUM_CLMM,
            Self::OrcaWhirlpool => ORCA_WHIRLPOOL,
            Self::MeteoraDlmm => METEORA_DLMM,
            Self::SplToken => SPL_TOKEN,
            Self::SplToken2022 => SPL_TOKEN_2022,
        }
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RaydiumAmmV4 => "raydium-amm-v4",
            Self::RaydiumCpmm => "raydium-cpmm",
            Self::RaydiumClmm => "raydium-clmm",
            Self::OrcaWhirlpool => "orca-whirlpool",
            Self::MeteoraDlmm => "meteora-dlmm",
            Self::SplToken => "spl-token",
            Self::SplToken2022 => "spl-token-2022",
        })
    }
}
