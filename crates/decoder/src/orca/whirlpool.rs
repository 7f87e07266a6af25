//! Orca `Whirlpool` (653 bytes).
//!
//! Layout: orca-so/whirlpools `programs/whirlpool/src/state/whirlpool.rs` (Borsh, all fields
//! fixed-size, so offsets are constant), as of commit 630c0e01. `fee_tier_index_seed` was
//! `tick_spacing_seed` before adaptive fee tiers, and the reward info's `extension` was its
//! `authority`; the bytes are the same.

use solana_pubkey::Pubkey;

use crate::program::discriminator::WHIRLPOOL;
use crate::read::{bytes_at, i32_at, pubkey_at, u8_at, u16_at, u64_at, u128_at};
use crate::view::{fixed, invalid, owned_by};
use crate::{AccountKind, DecodeError, ORCA_WHIRLPOOL};

/// Lowest tick the program allows.
pub const MIN_TICK_INDEX: i32 = -443_636;
/// Highest tick the program allows.
pub const MAX_TICK_INDEX: i32 = 443_636;
/// Sqrt price (Q64.64) at `MIN_TICK_INDEX`.
pub const MIN_SQRT_PRICE_X64: u128 = 4_295_048_016;
/// Sqrt price (Q64.64) at `MAX_TICK_INDEX`.
pub const MAX_SQRT_PRICE_X64: u128 = 79_226_673_515_401_279_992_447_579_055;
/// Number of reward slots.
pub const NUM_REWARDS: usize = 3;
/// `fee_rate` is in hundredths of a basis point: 1,000,000 is 100%.
pub const FEE_RATE_DENOMINATOR: u32 = 1_000_000;
/// `protocol_fee_rate` is in basis points of the fee: 10,000 is 100%.
pub const PROTOCOL_FEE_RATE_DENOMINATOR: u16 = 10_000;
/// Tick spacings at or above this value mark full-range-only pools.
pub const FULL_RANGE_ONLY_TICK_SPACING_THRESHOLD: u16 = 32_768;

/// Byte offsets in `Whirlpool`, discriminator included.
pub mod offset {
    /// Byte offset of `whirlpools_config`.
    pub const WHIRLPOOLS_CONFIG: usize = 8;
    /// Byte offset of `whirlpool_bump`.
    pub const WHIRLPOOL_BUMP: usize = 40;
    /// Byte offset of `tick_spacing`.
    pub const TICK_SPACING: usize = 41;
    /// Byte offset of `fee_tier_index_seed`.
    pub const FEE_TIER_INDEX_SEED: usize = 43;
    /// Byte offset of `fee_rate`.
    pub const FEE_RATE: usize = 45;
    /// Byte offset of `protocol_fee_rate`.
    pub const PROTOCOL_FEE_RATE: usize = 47;
    /// Byte offset of `liquidity`.
    pub const LIQUIDITY: usize = 49;
    /// Byte offset of `sqrt_price`.
    pub const SQRT_PRICE: usize = 65;
    /// Byte offset of `tick_current_index`.
    pub const TICK_CURRENT_INDEX: usize = 81;
    /// Byte offset of `protocol_fee_owed_a`.
    pub const PROTOCOL_FEE_OWED_A: usize = 85;
    /// Byte offset of `protocol_fee_owed_b`.
    pub const PROTOCOL_FEE_OWED_B: usize = 93;
    /// Byte offset of `token_mint_a`.
    pub const TOKEN_MINT_A: usize = 101;
    /// Byte offset of `token_vault_a`.
    pub const TOKEN_VAULT_A: usize = 133;
    /// Byte offset of `fee_growth_global_a`.
    pub const FEE_GROWTH_GLOBAL_A: usize = 165;
    /// Byte offset of `token_mint_b`.
    pub const TOKEN_MINT_B: usize = 181;
    /// Byte offset of `token_vault_b`.
    pub const TOKEN_VAULT_B: usize = 213;
    /// Byte offset of `fee_growth_global_b`.
    pub const FEE_GROWTH_GLOBAL_B: usize = 245;
    /// Byte offset of `reward_last_updated_timestamp`.
    pub const REWARD_LAST_UPDATED_TIMESTAMP: usize = 261;
    /// Byte offset of `reward_infos`.
    pub const REWARD_INFOS: usize = 269;
    /// Byte offset of `reward_info_len`.
    pub const REWARD_INFO_LEN: usize = 128;
}

/// One reward slot of a whirlpool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WhirlpoolRewardInfo {
    /// The stored `mint`.
    pub mint: Pubkey,
    /// The stored `vault`.
    pub vault: Pubkey,
    /// Was `authority` in older versions.
    pub extension: [u8; 32],
    /// The stored `emissions_per_second_x64`.
    pub emissions_per_second_x64: u128,
    /// The stored `growth_global_x64`.
    pub growth_global_x64: u128,
}

/// A zero-copy view of a `Whirlpool`.
#[derive(Clone, Copy)]
pub struct Whirlpool<'a> {
    data: &'a [u8; 653],
}

owned_by!(Whirlpool, ORCA_WHIRLPOOL);

impl<'a> Whirlpool<'a> {
    /// The account's length in bytes.
    pub const LEN: usize = 653;
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::WhirlpoolPool;

    /// Decodes and validates a `Whirlpool`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for a tick or sqrt price outside the program's range, a
    /// zero tick spacing, or a protocol fee rate over 100%.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<653>(Self::KIND, data, Some(&WHIRLPOOL))?,
        };
        let tick = view.tick_current_index();
        if !(MIN_TICK_INDEX..=MAX_TICK_INDEX).contains(&tick) {
            return Err(invalid(
                Self::KIND,
                "tick_current_index",
                tick,
                "outside the tick range",
            ));
        }
        let sqrt = view.sqrt_price();
        if !(MIN_SQRT_PRICE_X64..=MAX_SQRT_PRICE_X64).contains(&sqrt) {
            return Err(invalid(
                Self::KIND,
                "sqrt_price",
                i128::try_from(sqrt).unwrap_or(i128::MAX),
                "outside MIN_SQRT_PRICE..=MAX_SQRT_PRICE",
            ));
        }
        if view.tick_spacing() == 0 {
            return Err(invalid(Self::KIND, "tick_spacing", 0, "must be positive"));
        }
        let protocol = view.protocol_fee_rate();
        if protocol > PROTOCOL_FEE_RATE_DENOMINATOR {
            return Err(invalid(
                Self::KIND,
                "protocol_fee_rate",
                protocol,
                "over 100%",
            ));
        }
        Ok(view)
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8; 653] {
        self.data
    }
    /// The stored `whirlpools_config`.
    pub fn whirlpools_config(&self) -> Pubkey {
        pubkey_at(self.data, offset::WHIRLPOOLS_CONFIG)
    }
    /// The stored `whirlpool_bump`.
    pub fn whirlpool_bump(&self) -> u8 {
        u8_at(self.data, offset::WHIRLPOOL_BUMP)
    }
    /// The stored `tick_spacing`.
    pub fn tick_spacing(&self) -> u16 {
        u16_at(self.data, offset::TICK_SPACING)
    }
    /// Whether only full-range positions are allowed (splash pools).
    pub fn is_full_range_only(&self) -> bool {
        self.tick_spacing() >= FULL_RANGE_ONLY_TICK_SPACING_THRESHOLD
    }
    /// The fee tier index used as a PDA seed (the tick spacing, before adaptive fee tiers).
    pub fn fee_tier_index_seed(&self) -> [u8; 2] {
        bytes_at(self.data, offset::FEE_TIER_INDEX_SEED)
    }
    /// The stored `fee_tier_index`.
    pub fn fee_tier_index(&self) -> u16 {
        u16_at(self.data, offset::FEE_TIER_INDEX_SEED)
    }
    /// Whether the pool was created from an adaptive fee tier and so has an [`Oracle`]
    /// (`fee_tier_index != tick_spacing`).
    ///
    /// [`Oracle`]: crate::orca::oracle::WhirlpoolOracle
    pub fn is_initialized_with_adaptive_fee(&self) -> bool {
        self.fee_tier_index() != self.tick_spacing()
    }
    /// Swap fee in hundredths of a basis point (the static part, with an adaptive fee).
    pub fn fee_rate(&self) -> u16 {
        u16_at(self.data, offset::FEE_RATE)
    }
    /// Protocol share of the fee, in basis points.
    pub fn protocol_fee_rate(&self) -> u16 {
        u16_at(self.data, offset::PROTOCOL_FEE_RATE)
    }
    /// The stored `liquidity`.
    pub fn liquidity(&self) -> u128 {
        u128_at(self.data, offset::LIQUIDITY)
    }
    /// Q64.64 square root of the price of token A in token B.
    pub fn sqrt_price(&self) -> u128 {
        u128_at(self.data, offset::SQRT_PRICE)
    }
    /// The stored `tick_current_index`.
    pub fn tick_current_index(&self) -> i32 {
        i32_at(self.data, offset::TICK_CURRENT_INDEX)
    }
    /// The stored `protocol_fee_owed_a`.
    pub fn protocol_fee_owed_a(&self) -> u64 {
        u64_at(self.data, offset::PROTOCOL_FEE_OWED_A)
    }
    /// The stored `protocol_fee_owed_b`.
    pub fn protocol_fee_owed_b(&self) -> u64 {
        u64_at(self.data, offset::PROTOCOL_FEE_OWED_B)
    }
    /// The stored `token_mint_a`.
    pub fn token_mint_a(&self) -> Pubkey {
        pubkey_at(self.data, offset::TOKEN_MINT_A)
    }
    /// The stored `token_vault_a`.
    pub fn token_vault_a(&self) -> Pubkey {
        pubkey_at(self.data, offset::TOKEN_VAULT_A)
    }
    /// The stored `fee_growth_global_a`.
    pub fn fee_growth_global_a(&self) -> u128 {
        u128_at(self.data, offset::FEE_GROWTH_GLOBAL_A)
    }
    /// The stored `token_mint_b`.
    pub fn token_mint_b(&self) -> Pubkey {
        pubkey_at(self.data, offset::TOKEN_MINT_B)
    }
    /// The stored `token_vault_b`.
    pub fn token_vault_b(&self) -> Pubkey {
        pubkey_at(self.data, offset::TOKEN_VAULT_B)
    }
    /// The stored `fee_growth_global_b`.
    pub fn fee_growth_global_b(&self) -> u128 {
        u128_at(self.data, offset::FEE_GROWTH_GLOBAL_B)
    }
    /// The stored `reward_last_updated_timestamp`.
    pub fn reward_last_updated_timestamp(&self) -> u64 {
        u64_at(self.data, offset::REWARD_LAST_UPDATED_TIMESTAMP)
    }
    /// The stored reward info at `index`; `None` past the last one.
    pub fn reward_info(&self, index: usize) -> Option<WhirlpoolRewardInfo> {
        if index >= NUM_REWARDS {
            return None;
        }
        let o = offset::REWARD_INFOS + index * offset::REWARD_INFO_LEN;
        let d = &self.data[..];
        Some(WhirlpoolRewardInfo {
            mint: pubkey_at(d, o),
            vault: pubkey_at(d, o + 32),
            extension: bytes_at(d, o + 64),
            emissions_per_second_x64: u128_at(d, o + 96),
            growth_global_x64: u128_at(d, o + 112),
        })
    }
}

impl std::fmt::Debug for Whirlpool<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Whirlpool")
            .field("token_mint_a", &self.token_mint_a())
            .field("token_mint_b", &self.token_mint_b())
            .field("tick_spacing", &self.tick_spacing())
            .field("tick_current_index", &self.tick_current_index())
            .field("sqrt_price", &self.sqrt_price())
            .field("liquidity", &self.liquidity())
            .finish_non_exhaustive()
    }
}
