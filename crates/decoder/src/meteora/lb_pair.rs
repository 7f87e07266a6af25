//! Meteora DLMM `LbPair` (904 bytes).

use solana_pubkey::Pubkey;

use super::{MAX_BIN_ID, MIN_BIN_ID};
use crate::program::discriminator::LB_PAIR;
use crate::read::{i32_at, i64_at, pubkey_at, u8_at, u16_at, u32_at, u64_at, u128_at};
use crate::view::{fixed, invalid, owned_by};
use crate::{AccountKind, DecodeError, METEORA_DLMM};

/// Byte offsets in `LbPair`, discriminator included.
pub mod offset {
    pub const PARAMETERS: usize = 8;
    pub const V_PARAMETERS: usize = 40;
    pub const BUMP_SEED: usize = 72;
    pub const BIN_STEP_SEED: usize = 73;
    pub const PAIR_TYPE: usize = 75;
    pub const ACTIVE_ID: usize = 76;
    pub const BIN_STEP: usize = 80;
    pub const STATUS: usize = 82;
    pub const REQUIRE_BASE_FACTOR_SEED: usize = 83;
    pub const BASE_FACTOR_SEED: usize = 84;
    pub const ACTIVATION_TYPE: usize = 86;
    pub const CREATOR_POOL_ON_OFF_CONTROL: usize = 87;
    pub const TOKEN_X_MINT: usize = 88;
    pub const TOKEN_Y_MINT: usize = 120;
    pub const RESERVE_X: usize = 152;
    pub const RESERVE_Y: usize = 184;
    pub const PROTOCOL_FEE: usize = 216;
    pub const PADDING_1: usize = 232;
    pub const REWARD_INFOS: usize = 264;
    pub const REWARD_INFO_LEN: usize = 144;
    pub const ORACLE: usize = 552;
    pub const BIN_ARRAY_BITMAP: usize = 584;
    pub const LAST_UPDATED_AT: usize = 712;
    pub const PADDING_2: usize = 720;
    pub const PRE_ACTIVATION_SWAP_ADDRESS: usize = 752;
    pub const BASE_KEY: usize = 784;
    pub const ACTIVATION_POINT: usize = 816;
    pub const PRE_ACTIVATION_DURATION: usize = 824;
    pub const PADDING_3: usize = 832;
    pub const PADDING_4: usize = 840;
    pub const CREATOR: usize = 848;
    pub const TOKEN_MINT_X_PROGRAM_FLAG: usize = 880;
    pub const TOKEN_MINT_Y_PROGRAM_FLAG: usize = 881;
    pub const VERSION: usize = 882;
    pub const RESERVED: usize = 883;
}

/// `StaticParameters::function_type`: decided by whether rewards were initialized.
pub const FUNCTION_TYPE_UNDETERMINED: u8 = 0;
/// `StaticParameters::function_type`: liquidity mining (rewards), no limit orders.
pub const FUNCTION_TYPE_LIQUIDITY_MINING: u8 = 1;
/// `StaticParameters::function_type`: limit orders, no rewards.
pub const FUNCTION_TYPE_LIMIT_ORDER: u8 = 2;

/// The pair's fee parameters (`StaticParameters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StaticParameters {
    pub base_factor: u16,
    pub filter_period: u16,
    pub decay_period: u16,
    pub reduction_factor: u16,
    pub variable_fee_control: u32,
    pub max_volatility_accumulator: u32,
    pub min_bin_id: i32,
    pub max_bin_id: i32,
    pub protocol_share: u16,
    pub base_fee_power_factor: u8,
    pub function_type: u8,
    pub collect_fee_mode: u8,
}

/// The pair's volatility state (`VariableParameters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VariableParameters {
    pub volatility_accumulator: u32,
    pub volatility_reference: u32,
    pub index_reference: i32,
    pub last_update_timestamp: i64,
}

/// One reward slot of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DlmmRewardInfo {
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub funder: Pubkey,
    pub reward_duration: u64,
    pub reward_duration_end: u64,
    pub reward_rate: u128,
    pub last_update_time: u64,
    pub cumulative_seconds_with_empty_liquidity_reward: u64,
}

/// A zero-copy view of an `LbPair`. Token X is the base, Y the quote.
#[derive(Clone, Copy)]
pub struct LbPair<'a> {
    data: &'a [u8; 904],
}

owned_by!(LbPair, METEORA_DLMM);

impl<'a> LbPair<'a> {
    pub const LEN: usize = 904;
    pub const KIND: AccountKind = AccountKind::DlmmLbPair;

    /// Decodes and validates an `LbPair`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for an active bin outside the program's range or a zero
    /// bin step.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<904>(Self::KIND, data, Some(&LB_PAIR))?,
        };
        let active = view.active_id();
        if !(MIN_BIN_ID..=MAX_BIN_ID).contains(&active) {
            return Err(invalid(
                Self::KIND,
                "active_id",
                active,
                "outside the bin id range",
            ));
        }
        if view.bin_step() == 0 {
            return Err(invalid(Self::KIND, "bin_step", 0, "must be positive"));
        }
        Ok(view)
    }

    pub fn bytes(&self) -> &'a [u8; 904] {
        self.data
    }
    pub fn parameters(&self) -> StaticParameters {
        let (d, o) = (&self.data[..], offset::PARAMETERS);
        StaticParameters {
            base_factor: u16_at(d, o),
            filter_period: u16_at(d, o + 2),
            decay_period: u16_at(d, o + 4),
            reduction_factor: u16_at(d, o + 6),
            variable_fee_control: u32_at(d, o + 8),
            max_volatility_accumulator: u32_at(d, o + 12),
            min_bin_id: i32_at(d, o + 16),
            max_bin_id: i32_at(d, o + 20),
            protocol_share: u16_at(d, o + 24),
            base_fee_power_factor: u8_at(d, o + 26),
            function_type: u8_at(d, o + 27),
            collect_fee_mode: u8_at(d, o + 28),
        }
    }
    pub fn v_parameters(&self) -> VariableParameters {
        let (d, o) = (&self.data[..], offset::V_PARAMETERS);
        VariableParameters {
            volatility_accumulator: u32_at(d, o),
            volatility_reference: u32_at(d, o + 4),
            index_reference: i32_at(d, o + 8),
            last_update_timestamp: i64_at(d, o + 16),
        }
    }
    pub fn bump_seed(&self) -> u8 {
        u8_at(self.data, offset::BUMP_SEED)
    }
    pub fn pair_type(&self) -> u8 {
        u8_at(self.data, offset::PAIR_TYPE)
    }
    /// The bin that holds the current price.
    pub fn active_id(&self) -> i32 {
        i32_at(self.data, offset::ACTIVE_ID)
    }
    /// Price ratio between neighbouring bins, in basis points.
    pub fn bin_step(&self) -> u16 {
        u16_at(self.data, offset::BIN_STEP)
    }
    /// 0 enabled, 1 disabled.
    pub fn status(&self) -> u8 {
        u8_at(self.data, offset::STATUS)
    }
    pub fn require_base_factor_seed(&self) -> u8 {
        u8_at(self.data, offset::REQUIRE_BASE_FACTOR_SEED)
    }
    pub fn activation_type(&self) -> u8 {
        u8_at(self.data, offset::ACTIVATION_TYPE)
    }
    pub fn creator_pool_on_off_control(&self) -> u8 {
        u8_at(self.data, offset::CREATOR_POOL_ON_OFF_CONTROL)
    }
    pub fn token_x_mint(&self) -> Pubkey {
        pubkey_at(self.data, offset::TOKEN_X_MINT)
    }
    pub fn token_y_mint(&self) -> Pubkey {
        pubkey_at(self.data, offset::TOKEN_Y_MINT)
    }
    /// The token X vault.
    pub fn reserve_x(&self) -> Pubkey {
        pubkey_at(self.data, offset::RESERVE_X)
    }
    /// The token Y vault.
    pub fn reserve_y(&self) -> Pubkey {
        pubkey_at(self.data, offset::RESERVE_Y)
    }
    /// Protocol fees held in the vaults: (x, y).
    pub fn protocol_fee(&self) -> (u64, u64) {
        (
            u64_at(self.data, offset::PROTOCOL_FEE),
            u64_at(self.data, offset::PROTOCOL_FEE + 8),
        )
    }
    pub fn reward_info(&self, index: usize) -> Option<DlmmRewardInfo> {
        if index >= 2 {
            return None;
        }
        let (d, o) = (
            &self.data[..],
            offset::REWARD_INFOS + index * offset::REWARD_INFO_LEN,
        );
        Some(DlmmRewardInfo {
            mint: pubkey_at(d, o),
            vault: pubkey_at(d, o + 32),
            funder: pubkey_at(d, o + 64),
            reward_duration: u64_at(d, o + 96),
            reward_duration_end: u64_at(d, o + 104),
            reward_rate: u128_at(d, o + 112),
            last_update_time: u64_at(d, o + 128),
            cumulative_seconds_with_empty_liquidity_reward: u64_at(d, o + 136),
        })
    }
    pub fn oracle(&self) -> Pubkey {
        pubkey_at(self.data, offset::ORACLE)
    }
    /// Which bin arrays in -512..512 are initialized (1024 bits).
    pub fn bin_array_bitmap(&self) -> [u64; 16] {
        std::array::from_fn(|i| u64_at(self.data, offset::BIN_ARRAY_BITMAP + 8 * i))
    }
    pub fn last_updated_at(&self) -> i64 {
        i64_at(self.data, offset::LAST_UPDATED_AT)
    }
    pub fn pre_activation_swap_address(&self) -> Pubkey {
        pubkey_at(self.data, offset::PRE_ACTIVATION_SWAP_ADDRESS)
    }
    pub fn base_key(&self) -> Pubkey {
        pubkey_at(self.data, offset::BASE_KEY)
    }
    pub fn activation_point(&self) -> u64 {
        u64_at(self.data, offset::ACTIVATION_POINT)
    }
    pub fn pre_activation_duration(&self) -> u64 {
        u64_at(self.data, offset::PRE_ACTIVATION_DURATION)
    }
    pub fn creator(&self) -> Pubkey {
        pubkey_at(self.data, offset::CREATOR)
    }
    /// 0 for SPL Token, 1 for Token-2022.
    pub fn token_mint_x_program_flag(&self) -> u8 {
        u8_at(self.data, offset::TOKEN_MINT_X_PROGRAM_FLAG)
    }
    /// 0 for SPL Token, 1 for Token-2022.
    pub fn token_mint_y_program_flag(&self) -> u8 {
        u8_at(self.data, offset::TOKEN_MINT_Y_PROGRAM_FLAG)
    }
    /// Layout version (0 on pairs older than the field).
    pub fn version(&self) -> u8 {
        u8_at(self.data, offset::VERSION)
    }
    /// Whether swaps fill resting limit orders inside bins (`is_support_limit_order`).
    ///
    /// `StaticParameters::function_type` decides: [`FUNCTION_TYPE_LIMIT_ORDER`] yes,
    /// [`FUNCTION_TYPE_LIQUIDITY_MINING`] no, [`FUNCTION_TYPE_UNDETERMINED`] yes exactly when
    /// neither reward slot has a mint (a pair runs rewards or orders, never both); any other
    /// value no. The bins' layout version plays no part (see [`super::bin_array::Bin`]).
    pub fn is_support_limit_order(&self) -> bool {
        match self.parameters().function_type {
            FUNCTION_TYPE_LIMIT_ORDER => true,
            FUNCTION_TYPE_UNDETERMINED => (0..2).all(|i| {
                self.reward_info(i)
                    .is_none_or(|r| r.mint == Pubkey::default())
            }),
            _ => false,
        }
    }
}

impl std::fmt::Debug for LbPair<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LbPair")
            .field("token_x_mint", &self.token_x_mint())
            .field("token_y_mint", &self.token_y_mint())
            .field("active_id", &self.active_id())
            .field("bin_step", &self.bin_step())
            .finish_non_exhaustive()
    }
}
