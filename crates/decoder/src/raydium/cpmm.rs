//! Raydium CPMM `PoolState` (637 bytes) and `AmmConfig` (236 bytes).
//!
//! Layout: raydium-cp-swap `programs/cp-swap/src/states/pool.rs` and `config.rs`
//! (`#[repr(C, packed)]` zero-copy), as of commit 609780f. That version added the creator-fee
//! fields (`creator_fee_on`, `enable_creator_fee`, `creator_fees_token_{0,1}`) inside what was
//! padding; older pools read them as zero, which is what the program assumes for them.

use solana_pubkey::Pubkey;

use crate::program::discriminator::{AMM_CONFIG, POOL_STATE};
use crate::read::{pubkey_at, u8_at, u16_at, u64_at};
use crate::view::{fixed, invalid, owned_by};
use crate::{AccountKind, DecodeError, RAYDIUM_CPMM};

/// Byte offsets in `PoolState`, discriminator included.
pub mod pool_offset {
    /// Byte offset of `amm_config`.
    pub const AMM_CONFIG: usize = 8;
    /// Byte offset of `pool_creator`.
    pub const POOL_CREATOR: usize = 40;
    /// Byte offset of `token_0_vault`.
    pub const TOKEN_0_VAULT: usize = 72;
    /// Byte offset of `token_1_vault`.
    pub const TOKEN_1_VAULT: usize = 104;
    /// Byte offset of `lp_mint`.
    pub const LP_MINT: usize = 136;
    /// Byte offset of `token_0_mint`.
    pub const TOKEN_0_MINT: usize = 168;
    /// Byte offset of `token_1_mint`.
    pub const TOKEN_1_MINT: usize = 200;
    /// Byte offset of `token_0_program`.
    pub const TOKEN_0_PROGRAM: usize = 232;
    /// Byte offset of `token_1_program`.
    pub const TOKEN_1_PROGRAM: usize = 264;
    /// Byte offset of `observation_key`.
    pub const OBSERVATION_KEY: usize = 296;
    /// Byte offset of `auth_bump`.
    pub const AUTH_BUMP: usize = 328;
    /// Byte offset of `status`.
    pub const STATUS: usize = 329;
    /// Byte offset of `lp_mint_decimals`.
    pub const LP_MINT_DECIMALS: usize = 330;
    /// Byte offset of `mint_0_decimals`.
    pub const MINT_0_DECIMALS: usize = 331;
    /// Byte offset of `mint_1_decimals`.
    pub const MINT_1_DECIMALS: usize = 332;
    /// Byte offset of `lp_supply`.
    pub const LP_SUPPLY: usize = 333;
    /// Byte offset of `protocol_fees_token_0`.
    pub const PROTOCOL_FEES_TOKEN_0: usize = 341;
    /// Byte offset of `protocol_fees_token_1`.
    pub const PROTOCOL_FEES_TOKEN_1: usize = 349;
    /// Byte offset of `fund_fees_token_0`.
    pub const FUND_FEES_TOKEN_0: usize = 357;
    /// Byte offset of `fund_fees_token_1`.
    pub const FUND_FEES_TOKEN_1: usize = 365;
    /// Byte offset of `open_time`.
    pub const OPEN_TIME: usize = 373;
    /// Byte offset of `recent_epoch`.
    pub const RECENT_EPOCH: usize = 381;
    /// Byte offset of `creator_fee_on`.
    pub const CREATOR_FEE_ON: usize = 389;
    /// Byte offset of `enable_creator_fee`.
    pub const ENABLE_CREATOR_FEE: usize = 390;
    /// Byte offset of `padding1`.
    pub const PADDING1: usize = 391;
    /// Byte offset of `creator_fees_token_0`.
    pub const CREATOR_FEES_TOKEN_0: usize = 397;
    /// Byte offset of `creator_fees_token_1`.
    pub const CREATOR_FEES_TOKEN_1: usize = 405;
    /// Byte offset of `padding`.
    pub const PADDING: usize = 413;
}

/// Which token the creator fee is taken in (`CreatorFeeOn` in the program).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreatorFeeOn {
    /// From the input token, whichever it is.
    BothToken,
    /// Only in token 0: on the input when selling token 0, on the output otherwise.
    OnlyToken0,
    /// Only in token 1: on the input when selling token 1, on the output otherwise.
    OnlyToken1,
}

/// A zero-copy view of a CPMM `PoolState`.
#[derive(Clone, Copy)]
pub struct CpmmPool<'a> {
    data: &'a [u8; 637],
}

owned_by!(CpmmPool, RAYDIUM_CPMM);

impl<'a> CpmmPool<'a> {
    /// The account's length in bytes.
    pub const LEN: usize = 637;
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::RaydiumCpmmPool;

    /// Decodes and validates a CPMM `PoolState`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for an unknown `creator_fee_on`.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<637>(Self::KIND, data, Some(&POOL_STATE))?,
        };
        let fee_on = u8_at(view.data, pool_offset::CREATOR_FEE_ON);
        if fee_on > 2 {
            return Err(invalid(
                Self::KIND,
                "creator_fee_on",
                fee_on,
                "not a CreatorFeeOn (0..=2)",
            ));
        }
        Ok(view)
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8; 637] {
        self.data
    }
    /// The stored `amm_config`.
    pub fn amm_config(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::AMM_CONFIG)
    }
    /// The stored `pool_creator`.
    pub fn pool_creator(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::POOL_CREATOR)
    }
    /// The stored `token_0_vault`.
    pub fn token_0_vault(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_0_VAULT)
    }
    /// The stored `token_1_vault`.
    pub fn token_1_vault(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_1_VAULT)
    }
    /// The stored `lp_mint`.
    pub fn lp_mint(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::LP_MINT)
    }
    /// The stored `token_0_mint`.
    pub fn token_0_mint(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_0_MINT)
    }
    /// The stored `token_1_mint`.
    pub fn token_1_mint(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_1_MINT)
    }
    /// The stored `token_0_program`.
    pub fn token_0_program(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_0_PROGRAM)
    }
    /// The stored `token_1_program`.
    pub fn token_1_program(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_1_PROGRAM)
    }
    /// The stored `observation_key`.
    pub fn observation_key(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::OBSERVATION_KEY)
    }
    /// The stored `auth_bump`.
    pub fn auth_bump(&self) -> u8 {
        u8_at(self.data, pool_offset::AUTH_BUMP)
    }
    /// Bit 0 disables deposit, bit 1 withdraw, bit 2 swap.
    pub fn status(&self) -> u8 {
        u8_at(self.data, pool_offset::STATUS)
    }
    /// Whether the program accepts swaps (status bit 2 clear).
    pub fn swaps_enabled(&self) -> bool {
        self.status() & 0b100 == 0
    }
    /// The stored `lp_mint_decimals`.
    pub fn lp_mint_decimals(&self) -> u8 {
        u8_at(self.data, pool_offset::LP_MINT_DECIMALS)
    }
    /// The stored `mint_0_decimals`.
    pub fn mint_0_decimals(&self) -> u8 {
        u8_at(self.data, pool_offset::MINT_0_DECIMALS)
    }
    /// The stored `mint_1_decimals`.
    pub fn mint_1_decimals(&self) -> u8 {
        u8_at(self.data, pool_offset::MINT_1_DECIMALS)
    }
    /// The stored `lp_supply`.
    pub fn lp_supply(&self) -> u64 {
        u64_at(self.data, pool_offset::LP_SUPPLY)
    }
    /// The stored `protocol_fees_token_0`.
    pub fn protocol_fees_token_0(&self) -> u64 {
        u64_at(self.data, pool_offset::PROTOCOL_FEES_TOKEN_0)
    }
    /// The stored `protocol_fees_token_1`.
    pub fn protocol_fees_token_1(&self) -> u64 {
        u64_at(self.data, pool_offset::PROTOCOL_FEES_TOKEN_1)
    }
    /// The stored `fund_fees_token_0`.
    pub fn fund_fees_token_0(&self) -> u64 {
        u64_at(self.data, pool_offset::FUND_FEES_TOKEN_0)
    }
    /// The stored `fund_fees_token_1`.
    pub fn fund_fees_token_1(&self) -> u64 {
        u64_at(self.data, pool_offset::FUND_FEES_TOKEN_1)
    }
    /// The stored `open_time`.
    pub fn open_time(&self) -> u64 {
        u64_at(self.data, pool_offset::OPEN_TIME)
    }
    /// The stored `recent_epoch`.
    pub fn recent_epoch(&self) -> u64 {
        u64_at(self.data, pool_offset::RECENT_EPOCH)
    }
    /// Validated to be 0..=2.
    pub fn creator_fee_on(&self) -> CreatorFeeOn {
        match u8_at(self.data, pool_offset::CREATOR_FEE_ON) {
            1 => CreatorFeeOn::OnlyToken0,
            2 => CreatorFeeOn::OnlyToken1,
            _ => CreatorFeeOn::BothToken,
        }
    }
    /// The stored `enable_creator_fee`.
    pub fn enable_creator_fee(&self) -> bool {
        u8_at(self.data, pool_offset::ENABLE_CREATOR_FEE) != 0
    }
    /// The stored `creator_fees_token_0`.
    pub fn creator_fees_token_0(&self) -> u64 {
        u64_at(self.data, pool_offset::CREATOR_FEES_TOKEN_0)
    }
    /// The stored `creator_fees_token_1`.
    pub fn creator_fees_token_1(&self) -> u64 {
        u64_at(self.data, pool_offset::CREATOR_FEES_TOKEN_1)
    }
}

impl std::fmt::Debug for CpmmPool<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpmmPool")
            .field("token_0_mint", &self.token_0_mint())
            .field("token_1_mint", &self.token_1_mint())
            .field("amm_config", &self.amm_config())
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// Byte offsets in the CPMM `AmmConfig`, discriminator included.
pub mod config_offset {
    /// Byte offset of `bump`.
    pub const BUMP: usize = 8;
    /// Byte offset of `disable_create_pool`.
    pub const DISABLE_CREATE_POOL: usize = 9;
    /// Byte offset of `index`.
    pub const INDEX: usize = 10;
    /// Byte offset of `trade_fee_rate`.
    pub const TRADE_FEE_RATE: usize = 12;
    /// Byte offset of `protocol_fee_rate`.
    pub const PROTOCOL_FEE_RATE: usize = 20;
    /// Byte offset of `fund_fee_rate`.
    pub const FUND_FEE_RATE: usize = 28;
    /// Byte offset of `create_pool_fee`.
    pub const CREATE_POOL_FEE: usize = 36;
    /// Byte offset of `protocol_owner`.
    pub const PROTOCOL_OWNER: usize = 44;
    /// Byte offset of `fund_owner`.
    pub const FUND_OWNER: usize = 76;
    /// Byte offset of `creator_fee_rate`.
    pub const CREATOR_FEE_RATE: usize = 108;
}

/// Fee rates are in millionths (`FEE_RATE_DENOMINATOR_VALUE` = 1,000,000).
pub const FEE_RATE_DENOMINATOR: u64 = 1_000_000;

/// A zero-copy view of a CPMM `AmmConfig`.
#[derive(Clone, Copy)]
pub struct CpmmConfig<'a> {
    data: &'a [u8; 236],
}

owned_by!(CpmmConfig, RAYDIUM_CPMM);

impl<'a> CpmmConfig<'a> {
    /// The account's length in bytes.
    pub const LEN: usize = 236;
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::RaydiumCpmmConfig;

    /// Decodes and validates a CPMM `AmmConfig`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for a fee rate of 100% or more.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<236>(Self::KIND, data, Some(&AMM_CONFIG))?,
        };
        for (field, at) in [
            ("trade_fee_rate", config_offset::TRADE_FEE_RATE),
            ("creator_fee_rate", config_offset::CREATOR_FEE_RATE),
        ] {
            let rate = u64_at(view.data, at);
            if rate >= FEE_RATE_DENOMINATOR {
                return Err(invalid(
                    Self::KIND,
                    field,
                    rate,
                    "fee rate must be below 1,000,000",
                ));
            }
        }
        Ok(view)
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8; 236] {
        self.data
    }
    /// The stored `bump`.
    pub fn bump(&self) -> u8 {
        u8_at(self.data, config_offset::BUMP)
    }
    /// The stored `disable_create_pool`.
    pub fn disable_create_pool(&self) -> bool {
        u8_at(self.data, config_offset::DISABLE_CREATE_POOL) != 0
    }
    /// The stored `index`.
    pub fn index(&self) -> u16 {
        u16_at(self.data, config_offset::INDEX)
    }
    /// Trade fee in millionths of the input.
    pub fn trade_fee_rate(&self) -> u64 {
        u64_at(self.data, config_offset::TRADE_FEE_RATE)
    }
    /// Protocol share of the trade fee, in millionths.
    pub fn protocol_fee_rate(&self) -> u64 {
        u64_at(self.data, config_offset::PROTOCOL_FEE_RATE)
    }
    /// Fund share of the trade fee, in millionths.
    pub fn fund_fee_rate(&self) -> u64 {
        u64_at(self.data, config_offset::FUND_FEE_RATE)
    }
    /// The stored `create_pool_fee`.
    pub fn create_pool_fee(&self) -> u64 {
        u64_at(self.data, config_offset::CREATE_POOL_FEE)
    }
    /// The stored `protocol_owner`.
    pub fn protocol_owner(&self) -> Pubkey {
        pubkey_at(self.data, config_offset::PROTOCOL_OWNER)
    }
    /// The stored `fund_owner`.
    pub fn fund_owner(&self) -> Pubkey {
        pubkey_at(self.data, config_offset::FUND_OWNER)
    }
    /// Creator fee in millionths, charged when the pool enables it.
    pub fn creator_fee_rate(&self) -> u64 {
        u64_at(self.data, config_offset::CREATOR_FEE_RATE)
    }
}

impl std::fmt::Debug for CpmmConfig<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpmmConfig")
            .field("index", &self.index())
            .field("trade_fee_rate", &self.trade_fee_rate())
            .field("creator_fee_rate", &self.creator_fee_rate())
            .finish_non_exhaustive()
    }
}
