//! Meteora DLMM `LbPair` (904 bytes).

use solana_pubkey::Pubkey;

use super::{MAX_BIN_ID, MIN_BIN_ID};
use crate::program::discriminator::LB_PAIR;
use crate::read::{i32_at, i64_at, pubkey_at, u8_at, u16_at, u32_at, u64_at, u128_at};
use crate::view::{fixed, invalid, owned_by};
use crate::{AccountKind, DecodeError, METEORA_DLMM};

/// Byte offsets in `LbPair`, discriminator included.
pub mod offset {
    /// Offset of `parameters`.
    pub const PARAMETERS: usize = 8;
    /// Offset of `v_parameters`.
    pub const V_PARAMETERS: usize = 40;
    /// Offset of `bump_seed`.
    pub const BUMP_SEED: usize = 72;
    /// Offset of `bin_step_seed`.
    pub const BIN_STEP_SEED: usize = 73;
    /// Offset of `pair_type`.
    pub const PAIR_TYPE: usize = 75;
    /// Offset of `active_id`.
    pub const ACTIVE_ID: usize = 76;
    /// Offset of `bin_step`.
    pub const BIN_STEP: usize = 80;
    /// Offset of `status`.
    pub const STATUS: usize = 82;
    /// Offset of `require_base_factor_seed`.
    pub const REQUIRE_BASE_FACTOR_SEED: usize = 83;
    /// Offset of `base_factor_seed`.
    pub const BASE_FACTOR_SEED: usize = 84;
    /// Offset of `activation_type`.
    pub const ACTIVATION_TYPE: usize = 86;
    /// Offset of `creator_pool_on_off_control`.
    pub const CREATOR_POOL_ON_OFF_CONTROL: usize = 87;
    /// Offset of `token_x_mint`.
    pub const TOKEN_X_MINT: usize = 88;
    /// Offset of `token_y_mint`.
    pub const TOKEN_Y_MINT: usize = 120;
    /// Offset of `reserve_x`.
    pub const RESERVE_X: usize = 152;
    /// Offset of `reserve_y`.
    pub const RESERVE_Y: usize = 184;
    /// Offset of `protocol_fee`.
    pub const PROTOCOL_FEE: usize = 216;
    /// Offset of `padding_1`.
    pub const PADDING_1: usize = 232;
    /// Offset of `reward_infos`.
    pub const REWARD_INFOS: usize = 264;
    /// Offset of `reward_info_len`.
    pub const REWARD_INFO_LEN: usize = 144;
    /// Offset of `oracle`.
    pub const ORACLE: usize = 552;
    /// Offset of `bin_array_bitmap`.
    pub const BIN_ARRAY_BITMAP: usize = 584;
    /// Offset of `last_updated_at`.
    pub const LAST_UPDATED_AT: usize = 712;
    /// Offset of `padding_2`.
    pub const PADDING_2: usize = 720;
    /// Offset of `pre_activation_swap_address`.
    pub const PRE_ACTIVATION_SWAP_ADDRESS: usize = 752;
    /// Offset of `base_key`.
    pub const BASE_KEY: usize = 784;
    /// Offset of `activation_point`.
    pub const ACTIVATION_POINT: usize = 816;
    /// Offset of `pre_activation_duration`.
    pub const PRE_ACTIVATION_DURATION: usize = 824;
    /// Offset of `padding_3`.
    pub const PADDING_3: usize = 832;
    /// Offset of `padding_4`.
    pub const PADDING_4: usize = 840;
    /// Offset of `creator`.
    pub const CREATOR: usize = 848;
    /// Offset of `token_mint_x_program_flag`.
    pub const TOKEN_MINT_X_PROGRAM_FLAG: usize = 880;
    /// Offset of `token_mint_y_program_flag`.
    pub const TOKEN_MINT_Y_PROGRAM_FLAG: usize = 881;
    /// Offset of `version`.
    pub const VERSION: usize = 882;
    /// Offset of `reserved`.
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
    /// Base fee factor: base fee rate = `base_factor * bin_step * 10 * 10^base_fee_power_factor`.
    pub base_factor: u16,
    /// Seconds within which swaps count as one burst (volatility references kept).
    pub filter_period: u16,
    /// Seconds after which the volatility reference decays to zero.
    pub decay_period: u16,
    /// Share of the accumulator the reference keeps inside the decay window, in basis points.
    pub reduction_factor: u16,
    /// Scale of the variable (volatility) fee.
    pub variable_fee_control: u32,
    /// Cap of the volatility accumulator.
    pub max_volatility_accumulator: u32,
    /// Lowest bin id the pair allows for its bin step.
    pub min_bin_id: i32,
    /// Highest bin id the pair allows for its bin step.
    pub max_bin_id: i32,
    /// Protocol share of the swap fee, in basis points.
    pub protocol_share: u16,
    /// Power of ten applied to the base fee.
    pub base_fee_power_factor: u8,
    /// Limit orders or liquidity mining: see [`LbPair::is_support_limit_order`].
    pub function_type: u8,
    /// 0: fee from the input token; 1: fee always in token Y.
    pub collect_fee_mode: u8,
}

/// The pair's volatility state (`VariableParameters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VariableParameters {
    /// Volatility accumulated by the last swap.
    pub volatility_accumulator: u32,
    /// Volatility the next swap starts from.
    pub volatility_reference: u32,
    /// Bin the volatility is measured from.
    pub index_reference: i32,
    /// Unix time of the last update.
    pub last_update_timestamp: i64,
}

/// One reward slot of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DlmmRewardInfo {
    /// Reward mint (default when the slot is unused).
    pub mint: Pubkey,
    /// Reward vault.
    pub vault: Pubkey,
    /// Who may fund the reward.
    pub funder: Pubkey,
    /// Reward duration in seconds.
    pub reward_duration: u64,
    /// Unix time the reward ends.
    pub reward_duration_end: u64,
    /// Reward per second, Q64.64.
    pub reward_rate: u128,
    /// Unix time of the last reward update.
    pub last_update_time: u64,
    /// Seconds the reward ran with no liquidity in the active bin.
    pub cumulative_seconds_with_empty_liquidity_reward: u64,
}

/// A zero-copy view of an `LbPair`. Token X is the base, Y the quote.
#[derive(Clone, Copy)]
pub struct LbPair<'a> {
    data: &'a [u8; 904],
}

owned_by!(LbPair, METEORA_DLMM);

impl<'a> LbPair<'a> {
    /// Account size.
    pub const LEN: usize = 904;
    /// The account kind.
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

    /// The account bytes.
    pub fn bytes(&self) -> &'a [u8; 904] {
        self.data
    }
    /// The fee parameters (`StaticParameters`).
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
    /// The volatility state (`VariableParameters`).
    pub fn v_parameters(&self) -> VariableParameters {
        let (d, o) = (&self.data[..], offset::V_PARAMETERS);
        VariableParameters {
            volatility_accumulator: u32_at(d, o),
            volatility_reference: u32_at(d, o + 4),
            index_reference: i32_at(d, o + 8),
            last_update_timestamp: i64_at(d, o + 16),
        }
    }
    /// PDA bump.
    pub fn bump_seed(&self) -> u8 {
        u8_at(self.data, offset::BUMP_SEED)
    }
    /// Pair type (permissionless, permission, customizable, ...).
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
    /// Whether the base factor is part of the PDA seeds.
    pub fn require_base_factor_seed(&self) -> u8 {
        u8_at(self.data, offset::REQUIRE_BASE_FACTOR_SEED)
    }
    /// 0: activation by slot, 1: by timestamp.
    pub fn activation_type(&self) -> u8 {
        u8_at(self.data, offset::ACTIVATION_TYPE)
    }
    /// Whether the creator may enable and disable the pair.
    pub fn creator_pool_on_off_control(&self) -> u8 {
        u8_at(self.data, offset::CREATOR_POOL_ON_OFF_CONTROL)
    }
    /// Token X (base) mint.
    pub fn token_x_mint(&self) -> Pubkey {
        pubkey_at(self.data, offset::TOKEN_X_MINT)
    }
    /// Token Y (quote) mint.
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
    /// Reward slot `index` (0 or 1).
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
    /// The oracle account.
    pub fn oracle(&self) -> Pubkey {
        pubkey_at(self.data, offset::ORACLE)
    }
    /// Which bin arrays in -512..512 are initialized (1024 bits).
    pub fn bin_array_bitmap(&self) -> [u64; 16] {
        std::array::from_fn(|i| u64_at(self.data, offset::BIN_ARRAY_BITMAP + 8 * i))
    }
    /// Unix time the fee parameters were last changed.
    pub fn last_updated_at(&self) -> i64 {
        i64_at(self.data, offset::LAST_UPDATED_AT)
    }
    /// Address allowed to swap before activation.
    pub fn pre_activation_swap_address(&self) -> Pubkey {
        pubkey_at(self.data, offset::PRE_ACTIVATION_SWAP_ADDRESS)
    }
    /// Base key of a permission pair.
    pub fn base_key(&self) -> Pubkey {
        pubkey_at(self.data, offset::BASE_KEY)
    }
    /// Slot or time the pair activates (permission pairs).
    pub fn activation_point(&self) -> u64 {
        u64_at(self.data, offset::ACTIVATION_POINT)
    }
    /// How long before activation the pre-activation address may swap.
    pub fn pre_activation_duration(&self) -> u64 {
        u64_at(self.data, offset::PRE_ACTIVATION_DURATION)
    }
    /// Pool creator.
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
