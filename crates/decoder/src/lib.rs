//! Account bytes to typed pool state for Raydium AMM v4, CPMM and CLMM, Orca Whirlpool,
//! Meteora DLMM, and SPL Token / Token-2022 accounts.
//!
//! # Flow
//! ```text
//! (owner, bytes) ─▶ decode_account ─▶ Program::from_owner ─▶ discriminator + length ─▶ view::from_bytes
//!                        │                                                              │
//!                        └── DecodeError (which kind, and why) ◀── validation ◀─────────┘
//! ```
//!
//! - [`decode_account`] is the one entry point: it goes from the owner and the bytes to a
//!   [`DecodedAccount`], or to a [`DecodeError`] that says whether the account is not one we
//!   decode (unknown owner or discriminator) or is malformed (length, field value).
//! - Each view (`AmmInfo`, `Whirlpool`, `LbPair`, ...) has `from_bytes` for callers who know
//!   the kind and `from_account` that also checks the owner.
//! - Views are zero-copy: they borrow the account bytes (as a fixed-size array where the
//!   length is fixed) and read little-endian fields on demand. Decoding allocates nothing.
//! - Nothing panics on any input: reads are bounds-checked, and the fuzz target and property
//!   tests feed random and truncated bytes to every decoder.
//!
//! Each module documents the program version its layout was read from. Where a program later
//! added fields inside former padding, the view reads them; older accounts read zero there.
//!
//! Beyond pools: [`discovery`] turns the pool layouts into `getProgramAccounts` filters that
//! find every pool of a pair or a token, and [`metadata`] reads token names and symbols
//! (Metaplex Token Metadata, Token-2022's metadata extensions).
//!
//! Features: `account-decoder` decodes JSON-RPC `UiAccount`s; `anchor` implements anchor-lang's
//! account traits for the Anchor programs' views; `encode` writes account bytes from fields;
//! `test-utils` loads the shared fixtures.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod discovery;
mod error;
// documented with the DLMM limit-order work
pub mod metadata;
#[allow(missing_docs)]
pub mod meteora;
pub mod orca;
mod program;
pub mod raydium;
mod read;
pub mod rpc;
pub mod token;
mod view;

#[cfg(feature = "anchor")]
pub mod anchor;
#[cfg(feature = "encode")]
pub mod encode;
#[cfg(feature = "test-utils")]
pub mod test_utils;

pub use error::{DecodeError, ExpectedLength};
pub use program::{
    AccountKind, Discriminator, METAPLEX_TOKEN_METADATA, METEORA_DLMM, ORCA_WHIRLPOOL, Program,
    RAYDIUM_AMM_V4, RAYDIUM_CLMM, RAYDIUM_CPMM, SPL_TOKEN, SPL_TOKEN_2022, discriminator,
};
pub use solana_pubkey::Pubkey;

pub use meteora::bin_array::{Bin, BinArray, BinArrayBitmapExtension};
pub use meteora::lb_pair::LbPair;
pub use meteora::oracle::DlmmOracle;
pub use orca::oracle::WhirlpoolOracle;
pub use orca::tick_array::{WhirlpoolTick, WhirlpoolTickArray};
pub use orca::whirlpool::Whirlpool;
pub use raydium::amm_v4::AmmInfo;
pub use raydium::clmm::{
    ClmmConfig, ClmmPool, ClmmTick, ClmmTickArray, ClmmTickArrayBitmapExtension,
};
pub use raydium::cpmm::{CpmmConfig, CpmmPool};
pub use token::{Mint, MintBlocker, PausableConfig, TokenAccount, TokenProgram, TransferHook};

/// Any account this crate decodes.
#[derive(Debug, Clone, Copy)]
pub enum DecodedAccount<'a> {
    /// A `AmmInfo` view.
    RaydiumAmmV4(AmmInfo<'a>),
    /// A `CpmmPool` view.
    RaydiumCpmmPool(CpmmPool<'a>),
    /// A `CpmmConfig` view.
    RaydiumCpmmConfig(CpmmConfig<'a>),
    /// A `ClmmPool` view.
    RaydiumClmmPool(ClmmPool<'a>),
    /// A `ClmmConfig` view.
    RaydiumClmmConfig(ClmmConfig<'a>),
    /// A `ClmmTickArray` view.
    RaydiumClmmTickArray(ClmmTickArray<'a>),
    /// A `ClmmTickArrayBitmapExtension` view.
    RaydiumClmmTickArrayBitmapExtension(ClmmTickArrayBitmapExtension<'a>),
    /// A `Whirlpool` view.
    Whirlpool(Whirlpool<'a>),
    /// A `WhirlpoolTickArray` view.
    WhirlpoolTickArray(WhirlpoolTickArray<'a>),
    /// A `WhirlpoolOracle` view.
    WhirlpoolOracle(WhirlpoolOracle<'a>),
    /// A `LbPair` view.
    DlmmLbPair(LbPair<'a>),
    /// A `BinArray` view.
    DlmmBinArray(BinArray<'a>),
    /// A `BinArrayBitmapExtension` view.
    DlmmBinArrayBitmapExtension(BinArrayBitmapExtension<'a>),
    /// A `DlmmOracle` view.
    DlmmOracle(DlmmOracle<'a>),
    /// A `TokenAccount` view.
    TokenAccount(TokenAccount<'a>),
    /// A `Mint` view.
    Mint(Mint<'a>),
}

impl DecodedAccount<'_> {
    /// The account's kind.
    pub fn kind(&self) -> AccountKind {
        match self {
            Self::RaydiumAmmV4(_) => AccountKind::RaydiumAmmV4Pool,
            Self::RaydiumCpmmPool(_) => AccountKind::RaydiumCpmmPool,
            Self::RaydiumCpmmConfig(_) => AccountKind::RaydiumCpmmConfig,
            Self::RaydiumClmmPool(_) => AccountKind::RaydiumClmmPool,
            Self::RaydiumClmmConfig(_) => AccountKind::RaydiumClmmConfig,
            Self::RaydiumClmmTickArray(_) => AccountKind::RaydiumClmmTickArray,
            Self::RaydiumClmmTickArrayBitmapExtension(_) => {
                AccountKind::RaydiumClmmTickArrayBitmapExtension
            }
            Self::Whirlpool(_) => AccountKind::WhirlpoolPool,
            Self::WhirlpoolTickArray(t) => t.kind(),
            Self::WhirlpoolOracle(_) => AccountKind::WhirlpoolOracle,
            Self::DlmmLbPair(_) => AccountKind::DlmmLbPair,
            Self::DlmmBinArray(_) => AccountKind::DlmmBinArray,
            Self::DlmmBinArrayBitmapExtension(_) => AccountKind::DlmmBinArrayBitmapExtension,
            Self::DlmmOracle(_) => AccountKind::DlmmOracle,
            Self::TokenAccount(_) => AccountKind::TokenAccount,
            Self::Mint(_) => AccountKind::Mint,
        }
    }
}

/// Decodes any supported account from its owner program and bytes.
///
/// The owner picks the program; within a program the discriminator (and, for Raydium's
/// shared `PoolState` discriminator, the owner and length) picks the kind. Raydium AMM v4 has
/// no discriminator and is recognised by length; SPL Token accounts and mints by length.
///
/// # Errors
/// [`DecodeError::UnknownOwner`] for a program this crate does not decode;
/// [`DecodeError::UnknownAccount`] for an account of a known program that matches no kind;
/// otherwise the error of the kind's own decoder (length, field values).
///
/// # Example
/// ```rust
/// use decoder::{AccountKind, DecodeError, DecodedAccount, SPL_TOKEN, decode_account};
///
/// // An SPL Token mint: 82 bytes, supply at byte 36, decimals at 44, initialized at 45.
/// let mut bytes = vec![0u8; 82];
/// bytes[36..44].copy_from_slice(&1_000_000u64.to_le_bytes());
/// bytes[44] = 6;
/// bytes[45] = 1;
/// let account = decode_account(&SPL_TOKEN, &bytes)?;
/// assert_eq!(account.kind(), AccountKind::Mint);
/// let DecodedAccount::Mint(mint) = account else { unreachable!() };
/// assert_eq!((mint.decimals(), mint.supply()), (6, 1_000_000));
///
/// // Bytes no SPL Token account has are a typed error, not a panic.
/// assert!(decode_account(&SPL_TOKEN, &[0u8; 7]).is_err());
/// # Ok::<(), DecodeError>(())
/// ```
pub fn decode_account<'a>(
    owner: &Pubkey,
    data: &'a [u8],
) -> Result<DecodedAccount<'a>, DecodeError> {
    let program = Program::from_owner(owner).ok_or(DecodeError::UnknownOwner { owner: *owner })?;
    let disc = data.first_chunk::<8>().copied();
    let unknown = || DecodeError::UnknownAccount {
        program,
        discriminator: disc,
        len: data.len(),
    };
    use discriminator as d;
    Ok(match program {
        Program::RaydiumAmmV4 => match data.len() {
            AmmInfo::LEN => DecodedAccount::RaydiumAmmV4(AmmInfo::from_bytes(data)?),
            _ => return Err(unknown()),
        },
        Program::RaydiumCpmm => match disc.ok_or_else(unknown)? {
            d::POOL_STATE => DecodedAccount::RaydiumCpmmPool(CpmmPool::from_bytes(data)?),
            d::AMM_CONFIG => DecodedAccount::RaydiumCpmmConfig(CpmmConfig::from_bytes(data)?),
            _ => return Err(unknown()),
        },
        Program::RaydiumClmm => match disc.ok_or_else(unknown)? {
            d::POOL_STATE => DecodedAccount::RaydiumClmmPool(ClmmPool::from_bytes(data)?),
            d::AMM_CONFIG => DecodedAccount::RaydiumClmmConfig(ClmmConfig::from_bytes(data)?),
            d::TICK_ARRAY_STATE => {
                DecodedAccount::RaydiumClmmTickArray(ClmmTickArray::from_bytes(data)?)
            }
            d::TICK_ARRAY_BITMAP_EXTENSION => DecodedAccount::RaydiumClmmTickArrayBitmapExtension(
                ClmmTickArrayBitmapExtension::from_bytes(data)?,
            ),
            _ => return Err(unknown()),
        },
        Program::OrcaWhirlpool => match disc.ok_or_else(unknown)? {
            d::WHIRLPOOL => DecodedAccount::Whirlpool(Whirlpool::from_bytes(data)?),
            d::WHIRLPOOL_TICK_ARRAY => {
                DecodedAccount::WhirlpoolTickArray(WhirlpoolTickArray::fixed_from_bytes(data)?)
            }
            d::WHIRLPOOL_DYNAMIC_TICK_ARRAY => {
                DecodedAccount::WhirlpoolTickArray(WhirlpoolTickArray::dynamic_from_bytes(data)?)
            }
            d::ORACLE => DecodedAccount::WhirlpoolOracle(WhirlpoolOracle::from_bytes(data)?),
            _ => return Err(unknown()),
        },
        Program::MeteoraDlmm => match disc.ok_or_else(unknown)? {
            d::LB_PAIR => DecodedAccount::DlmmLbPair(LbPair::from_bytes(data)?),
            d::BIN_ARRAY => DecodedAccount::DlmmBinArray(BinArray::from_bytes(data)?),
            d::BIN_ARRAY_BITMAP_EXTENSION => DecodedAccount::DlmmBinArrayBitmapExtension(
                BinArrayBitmapExtension::from_bytes(data)?,
            ),
            d::ORACLE => DecodedAccount::DlmmOracle(DlmmOracle::from_bytes(data)?),
            _ => return Err(unknown()),
        },
        Program::SplToken | Program::SplToken2022 => {
            let token_program = if program == Program::SplToken {
                TokenProgram::Token
            } else {
                TokenProgram::Token2022
            };
            match data.len() {
                token::MINT_LEN => DecodedAccount::Mint(Mint::from_bytes(token_program, data)?),
                token::ACCOUNT_LEN => {
                    DecodedAccount::TokenAccount(TokenAccount::from_bytes(token_program, data)?)
                }
                len if token_program == TokenProgram::Token2022
                    && len > token::ACCOUNT_LEN
                    && len != token::MULTISIG_LEN =>
                {
                    match data.get(165) {
                        Some(1) => DecodedAccount::Mint(Mint::from_bytes(token_program, data)?),
                        Some(2) => DecodedAccount::TokenAccount(TokenAccount::from_bytes(
                            token_program,
                            data,
                        )?),
                        _ => return Err(unknown()),
                    }
                }
                _ => return Err(unknown()),
            }
        }
    })
}
