//! Raydium CLMM `PoolState` (1544 bytes), `AmmConfig` (117 bytes), `TickArrayState`
//! (10240 bytes) and `TickArrayBitmapExtension` (1832 bytes).
//!
//! Layout: raydium-clmm `programs/amm/src/states/{pool,config,tick_array,
//! tickarray_bitmap_extension,pool_fee}.rs` (`#[repr(C, packed)]` zero-copy), as of commit
//! 03b44b7. That version reuses space that older versions left as padding or used for swap
//! statistics: `fee_on` (was padding), `dynamic_fee_info` (was `padding1[0..10]`), and in each
//! tick the limit-order fields (were `padding: [u32; 13]`). Older accounts read those as zero,
//! except `padding5`/`padding6`, which hold the retired swap and fee totals and are exposed raw.

use solana_pubkey::Pubkey;

use crate::program::discriminator::{
    AMM_CONFIG, POOL_STATE, TICK_ARRAY_BITMAP_EXTENSION, TICK_ARRAY_STATE,
};
use crate::read::{i32_at, i128_at, pubkey_at, u8_at, u16_at, u32_at, u64_at, u128_at};
use crate::view::{fixed, invalid, owned_by};
use crate::{AccountKind, DecodeError, RAYDIUM_CLMM};

/// Lowest tick the program allows.
pub const MIN_TICK: i32 = -443_636;
/// Highest tick the program allows.
pub const MAX_TICK: i32 = 443_636;
/// `sqrt_price_x64` at `MIN_TICK`.
pub const MIN_SQRT_PRICE_X64: u128 = 4_295_048_016;
/// `sqrt_price_x64` at `MAX_TICK`.
pub const MAX_SQRT_PRICE_X64: u128 = 79_226_673_521_066_979_257_578_248_091;
/// Ticks per tick array.
pub const TICK_ARRAY_SIZE: usize = 60;
/// Number of reward slots.
pub const REWARD_NUM: usize = 3;
/// Fee rates are in millionths.
pub const FEE_RATE_DENOMINATOR: u32 = 1_000_000;

/// Byte offsets in `PoolState`, discriminator included.
pub mod pool_offset {
    /// Byte offset of `bump`.
    pub const BUMP: usize = 8;
    /// Byte offset of `amm_config`.
    pub const AMM_CONFIG: usize = 9;
    /// Byte offset of `owner`.
    pub const OWNER: usize = 41;
    /// Byte offset of `token_mint_0`.
    pub const TOKEN_MINT_0: usize = 73;
    /// Byte offset of `token_mint_1`.
    pub const TOKEN_MINT_1: usize = 105;
    /// Byte offset of `token_vault_0`.
    pub const TOKEN_VAULT_0: usize = 137;
    /// Byte offset of `token_vault_1`.
    pub const TOKEN_VAULT_1: usize = 169;
    /// Byte offset of `observation_key`.
    pub const OBSERVATION_KEY: usize = 201;
    /// Byte offset of `mint_decimals_0`.
    pub const MINT_DECIMALS_0: usize = 233;
    /// Byte offset of `mint_decimals_1`.
    pub const MINT_DECIMALS_1: usize = 234;
    /// Byte offset of `tick_spacing`.
    pub const TICK_SPACING: usize = 235;
    /// Byte offset of `liquidity`.
    pub const LIQUIDITY: usize = 237;
    /// Byte offset of `sqrt_price_x64`.
    pub const SQRT_PRICE_X64: usize = 253;
    /// Byte offset of `tick_current`.
    pub const TICK_CURRENT: usize = 269;
    /// Byte offset of `padding3`.
    pub const PADDING3: usize = 273;
    /// Byte offset of `padding4`.
    pub const PADDING4: usize = 275;
    /// Byte offset of `fee_growth_global_0_x64`.
    pub const FEE_GROWTH_GLOBAL_0_X64: usize = 277;
    /// Byte offset of `fee_growth_global_1_x64`.
    pub const FEE_GROWTH_GLOBAL_1_X64: usize = 293;
    /// Byte offset of `protocol_fees_token_0`.
    pub const PROTOCOL_FEES_TOKEN_0: usize = 309;
    /// Byte offset of `protocol_fees_token_1`.
    pub const PROTOCOL_FEES_TOKEN_1: usize = 317;
    /// `[u128; 4]`; older versions: swap_in_amount_token_0, swap_out_amount_token_1,
    /// swap_in_amount_token_1, swap_out_amount_token_0.
    pub const PADDING5: usize = 325;
    /// Byte offset of `status`.
    pub const STATUS: usize = 389;
    /// Byte offset of `fee_on`.
    pub const FEE_ON: usize = 390;
    /// Byte offset of `padding`.
    pub const PADDING: usize = 391;
    /// Byte offset of `reward_infos`.
    pub const REWARD_INFOS: usize = 397;
    /// Byte offset of `reward_info_len`.
    pub const REWARD_INFO_LEN: usize = 169;
    /// Byte offset of `tick_array_bitmap`.
    pub const TICK_ARRAY_BITMAP: usize = 904;
    /// `[u64; 4]`; older versions: total_fees_token_0, total_fees_claimed_token_0,
    /// total_fees_token_1, total_fees_claimed_token_1.
    pub const PADDING6: usize = 1032;
    /// Byte offset of `fund_fees_token_0`.
    pub const FUND_FEES_TOKEN_0: usize = 1064;
    /// Byte offset of `fund_fees_token_1`.
    pub const FUND_FEES_TOKEN_1: usize = 1072;
    /// Byte offset of `open_time`.
    pub const OPEN_TIME: usize = 1080;
    /// Byte offset of `recent_epoch`.
    pub const RECENT_EPOCH: usize = 1088;
    /// Byte offset of `dynamic_fee_info`.
    pub const DYNAMIC_FEE_INFO: usize = 1096;
    /// Byte offset of `padding1`.
    pub const PADDING1: usize = 1176;
    /// Byte offset of `padding2`.
    pub const PADDING2: usize = 1288;
}

/// Which token a CLMM pool takes its fee in (`fee_on`; zero on pools older than the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClmmFeeOn {
    /// From the input token (the classic behaviour).
    FromInput,
    /// Always in token 0.
    Token0Only,
    /// Always in token 1.
    Token1Only,
}

/// Dynamic-fee parameters and state, stored in the pool (`DynamicFeeInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClmmDynamicFeeInfo {
    /// The stored `filter_period`.
    pub filter_period: u16,
    /// The stored `decay_period`.
    pub decay_period: u16,
    /// The stored `reduction_factor`.
    pub reduction_factor: u16,
    /// The stored `dynamic_fee_control`.
    pub dynamic_fee_control: u32,
    /// The stored `max_volatility_accumulator`.
    pub max_volatility_accumulator: u32,
    /// The stored `tick_spacing_index_reference`.
    pub tick_spacing_index_reference: i32,
    /// The stored `volatility_reference`.
    pub volatility_reference: u32,
    /// The stored `volatility_accumulator`.
    pub volatility_accumulator: u32,
    /// The stored `last_update_timestamp`.
    pub last_update_timestamp: u64,
}

impl ClmmDynamicFeeInfo {
    /// Whether the pool charges a dynamic fee (a zero control factor means it does not).
    pub fn is_enabled(&self) -> bool {
        self.dynamic_fee_control != 0
    }
}

/// One reward slot of a CLMM pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClmmRewardInfo {
    /// The stored `reward_state`.
    pub reward_state: u8,
    /// The stored `open_time`.
    pub open_time: u64,
    /// The stored `end_time`.
    pub end_time: u64,
    /// The stored `last_update_time`.
    pub last_update_time: u64,
    /// The stored `emissions_per_second_x64`.
    pub emissions_per_second_x64: u128,
    /// The stored `reward_total_emitted`.
    pub reward_total_emitted: u64,
    /// The stored `reward_claimed`.
    pub reward_claimed: u64,
    /// The stored `token_mint`.
    pub token_mint: Pubkey,
    /// The stored `token_vault`.
    pub token_vault: Pubkey,
    /// The stored `authority`.
    pub authority: Pubkey,
    /// The stored `reward_growth_global_x64`.
    pub reward_growth_global_x64: u128,
}

/// A zero-copy view of a CLMM `PoolState`.
#[derive(Clone, Copy)]
pub struct ClmmPool<'a> {
    data: &'a [u8; 1544],
}

owned_by!(ClmmPool, RAYDIUM_CLMM);

impl<'a> ClmmPool<'a> {
    /// The account's length in bytes.
    pub const LEN: usize = 1544;
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::RaydiumClmmPool;

    /// Decodes and validates a CLMM `PoolState`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for a tick or sqrt price outside the program's range, a
    /// zero tick spacing, or an unknown `fee_on`.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<1544>(Self::KIND, data, Some(&POOL_STATE))?,
        };
        let tick = view.tick_current();
        if !(MIN_TICK..=MAX_TICK).contains(&tick) {
            return Err(invalid(
                Self::KIND,
                "tick_current",
                tick,
                "outside MIN_TICK..=MAX_TICK",
            ));
        }
        let sqrt = view.sqrt_price_x64();
        if !(MIN_SQRT_PRICE_X64..=MAX_SQRT_PRICE_X64).contains(&sqrt) {
            return Err(invalid(
                Self::KIND,
                "sqrt_price_x64",
                i128::try_from(sqrt).unwrap_or(i128::MAX),
                "outside MIN_SQRT_PRICE_X64..=MAX_SQRT_PRICE_X64",
            ));
        }
        if view.tick_spacing() == 0 {
            return Err(invalid(Self::KIND, "tick_spacing", 0, "must be positive"));
        }
        let fee_on = u8_at(view.data, pool_offset::FEE_ON);
        if fee_on > 2 {
            return Err(invalid(
                Self::KIND,
                "fee_on",
                fee_on,
                "not a fee mode (0..=2)",
            ));
        }
        Ok(view)
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8; 1544] {
        self.data
    }
    /// The stored `bump`.
    pub fn bump(&self) -> u8 {
        u8_at(self.data, pool_offset::BUMP)
    }
    /// The stored `amm_config`.
    pub fn amm_config(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::AMM_CONFIG)
    }
    /// The stored `owner`.
    pub fn owner(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::OWNER)
    }
    /// The stored `token_mint_0`.
    pub fn token_mint_0(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_MINT_0)
    }
    /// The stored `token_mint_1`.
    pub fn token_mint_1(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_MINT_1)
    }
    /// The stored `token_vault_0`.
    pub fn token_vault_0(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_VAULT_0)
    }
    /// The stored `token_vault_1`.
    pub fn token_vault_1(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::TOKEN_VAULT_1)
    }
    /// The stored `observation_key`.
    pub fn observation_key(&self) -> Pubkey {
        pubkey_at(self.data, pool_offset::OBSERVATION_KEY)
    }
    /// The stored `mint_decimals_0`.
    pub fn mint_decimals_0(&self) -> u8 {
        u8_at(self.data, pool_offset::MINT_DECIMALS_0)
    }
    /// The stored `mint_decimals_1`.
    pub fn mint_decimals_1(&self) -> u8 {
        u8_at(self.data, pool_offset::MINT_DECIMALS_1)
    }
    /// The stored `tick_spacing`.
    pub fn tick_spacing(&self) -> u16 {
        u16_at(self.data, pool_offset::TICK_SPACING)
    }
    /// The stored `liquidity`.
    pub fn liquidity(&self) -> u128 {
        u128_at(self.data, pool_offset::LIQUIDITY)
    }
    /// The stored `sqrt_price_x64`.
    pub fn sqrt_price_x64(&self) -> u128 {
        u128_at(self.data, pool_offset::SQRT_PRICE_X64)
    }
    /// The stored `tick_current`.
    pub fn tick_current(&self) -> i32 {
        i32_at(self.data, pool_offset::TICK_CURRENT)
    }
    /// The stored `fee_growth_global_0_x64`.
    pub fn fee_growth_global_0_x64(&self) -> u128 {
        u128_at(self.data, pool_offset::FEE_GROWTH_GLOBAL_0_X64)
    }
    /// The stored `fee_growth_global_1_x64`.
    pub fn fee_growth_global_1_x64(&self) -> u128 {
        u128_at(self.data, pool_offset::FEE_GROWTH_GLOBAL_1_X64)
    }
    /// The stored `protocol_fees_token_0`.
    pub fn protocol_fees_token_0(&self) -> u64 {
        u64_at(self.data, pool_offset::PROTOCOL_FEES_TOKEN_0)
    }
    /// The stored `protocol_fees_token_1`.
    pub fn protocol_fees_token_1(&self) -> u64 {
        u64_at(self.data, pool_offset::PROTOCOL_FEES_TOKEN_1)
    }
    /// The retired swap totals (see [`pool_offset::PADDING5`]), raw.
    pub fn padding5(&self) -> [u128; 4] {
        std::array::from_fn(|i| u128_at(self.data, pool_offset::PADDING5 + 16 * i))
    }
    /// Bit 4 set disables swaps.
    pub fn status(&self) -> u8 {
        u8_at(self.data, pool_offset::STATUS)
    }
    /// Whether the program accepts swaps (status bit 4 clear).
    pub fn swaps_enabled(&self) -> bool {
        self.status() & 0b1_0000 == 0
    }
    /// Validated to be 0..=2.
    pub fn fee_on(&self) -> ClmmFeeOn {
        match u8_at(self.data, pool_offset::FEE_ON) {
            1 => ClmmFeeOn::Token0Only,
            2 => ClmmFeeOn::Token1Only,
            _ => ClmmFeeOn::FromInput,
        }
    }
    /// The stored reward info at `index`; `None` past the last one.
    pub fn reward_info(&self, index: usize) -> Option<ClmmRewardInfo> {
        if index >= REWARD_NUM {
            return None;
        }
        let o = pool_offset::REWARD_INFOS + index * pool_offset::REWARD_INFO_LEN;
        let d = &self.data[..];
        Some(ClmmRewardInfo {
            reward_state: u8_at(d, o),
            open_time: u64_at(d, o + 1),
            end_time: u64_at(d, o + 9),
            last_update_time: u64_at(d, o + 17),
            emissions_per_second_x64: u128_at(d, o + 25),
            reward_total_emitted: u64_at(d, o + 41),
            reward_claimed: u64_at(d, o + 49),
            token_mint: pubkey_at(d, o + 57),
            token_vault: pubkey_at(d, o + 89),
            authority: pubkey_at(d, o + 121),
            reward_growth_global_x64: u128_at(d, o + 153),
        })
    }
    /// The default bitmap of initialized tick arrays (1024 bits around tick 0).
    pub fn tick_array_bitmap(&self) -> [u64; 16] {
        std::array::from_fn(|i| u64_at(self.data, pool_offset::TICK_ARRAY_BITMAP + 8 * i))
    }
    /// The retired fee totals (see [`pool_offset::PADDING6`]), raw.
    pub fn padding6(&self) -> [u64; 4] {
        std::array::from_fn(|i| u64_at(self.data, pool_offset::PADDING6 + 8 * i))
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
    /// The stored `dynamic_fee_info`.
    pub fn dynamic_fee_info(&self) -> ClmmDynamicFeeInfo {
        let o = pool_offset::DYNAMIC_FEE_INFO;
        let d = &self.data[..];
        ClmmDynamicFeeInfo {
            filter_period: u16_at(d, o),
            decay_period: u16_at(d, o + 2),
            reduction_factor: u16_at(d, o + 4),
            dynamic_fee_control: u32_at(d, o + 6),
            max_volatility_accumulator: u32_at(d, o + 10),
            tick_spacing_index_reference: i32_at(d, o + 14),
            volatility_reference: u32_at(d, o + 18),
            volatility_accumulator: u32_at(d, o + 22),
            last_update_timestamp: u64_at(d, o + 26),
        }
    }
}

impl std::fmt::Debug for ClmmPool<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClmmPool")
            .field("token_mint_0", &self.token_mint_0())
            .field("token_mint_1", &self.token_mint_1())
            .field("tick_current", &self.tick_current())
            .field("sqrt_price_x64", &self.sqrt_price_x64())
            .field("liquidity", &self.liquidity())
            .finish_non_exhaustive()
    }
}

/// Byte offsets in the CLMM `AmmConfig`, discriminator included.
pub mod config_offset {
    /// Byte offset of `bump`.
    pub const BUMP: usize = 8;
    /// Byte offset of `index`.
    pub const INDEX: usize = 9;
    /// Byte offset of `owner`.
    pub const OWNER: usize = 11;
    /// Byte offset of `protocol_fee_rate`.
    pub const PROTOCOL_FEE_RATE: usize = 43;
    /// Byte offset of `trade_fee_rate`.
    pub const TRADE_FEE_RATE: usize = 47;
    /// Byte offset of `tick_spacing`.
    pub const TICK_SPACING: usize = 51;
    /// Byte offset of `fund_fee_rate`.
    pub const FUND_FEE_RATE: usize = 53;
    /// Byte offset of `padding_u32`.
    pub const PADDING_U32: usize = 57;
    /// Byte offset of `fund_owner`.
    pub const FUND_OWNER: usize = 61;
    /// Byte offset of `padding`.
    pub const PADDING: usize = 93;
}

/// A zero-copy view of a CLMM `AmmConfig`.
#[derive(Clone, Copy)]
pub struct ClmmConfig<'a> {
    data: &'a [u8; 117],
}

owned_by!(ClmmConfig, RAYDIUM_CLMM);

impl<'a> ClmmConfig<'a> {
    /// The account's length in bytes.
    pub const LEN: usize = 117;
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::RaydiumClmmConfig;

    /// Decodes and validates a CLMM `AmmConfig`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for a trade fee of 100% or more.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<117>(Self::KIND, data, Some(&AMM_CONFIG))?,
        };
        let rate = view.trade_fee_rate();
        if rate >= FEE_RATE_DENOMINATOR {
            return Err(invalid(
                Self::KIND,
                "trade_fee_rate",
                rate,
                "must be below 1,000,000",
            ));
        }
        Ok(view)
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8; 117] {
        self.data
    }
    /// The stored `bump`.
    pub fn bump(&self) -> u8 {
        u8_at(self.data, config_offset::BUMP)
    }
    /// The stored `index`.
    pub fn index(&self) -> u16 {
        u16_at(self.data, config_offset::INDEX)
    }
    /// The stored `owner`.
    pub fn owner(&self) -> Pubkey {
        pubkey_at(self.data, config_offset::OWNER)
    }
    /// The stored `protocol_fee_rate`.
    pub fn protocol_fee_rate(&self) -> u32 {
        u32_at(self.data, config_offset::PROTOCOL_FEE_RATE)
    }
    /// Trade fee in millionths of the swap amount.
    pub fn trade_fee_rate(&self) -> u32 {
        u32_at(self.data, config_offset::TRADE_FEE_RATE)
    }
    /// The stored `tick_spacing`.
    pub fn tick_spacing(&self) -> u16 {
        u16_at(self.data, config_offset::TICK_SPACING)
    }
    /// The stored `fund_fee_rate`.
    pub fn fund_fee_rate(&self) -> u32 {
        u32_at(self.data, config_offset::FUND_FEE_RATE)
    }
    /// The stored `fund_owner`.
    pub fn fund_owner(&self) -> Pubkey {
        pubkey_at(self.data, config_offset::FUND_OWNER)
    }
}

impl std::fmt::Debug for ClmmConfig<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClmmConfig")
            .field("index", &self.index())
            .field("trade_fee_rate", &self.trade_fee_rate())
            .field("tick_spacing", &self.tick_spacing())
            .finish_non_exhaustive()
    }
}

/// Byte offsets in `TickArrayState`, discriminator included.
pub mod tick_array_offset {
    /// Byte offset of `pool_id`.
    pub const POOL_ID: usize = 8;
    /// Byte offset of `start_tick_index`.
    pub const START_TICK_INDEX: usize = 40;
    /// Byte offset of `ticks`.
    pub const TICKS: usize = 44;
    /// Byte offset of `tick_len`.
    pub const TICK_LEN: usize = 168;
    /// Byte offset of `initialized_tick_count`.
    pub const INITIALIZED_TICK_COUNT: usize = 10_124;
    /// Byte offset of `recent_epoch`.
    pub const RECENT_EPOCH: usize = 10_125;
    /// Byte offset of `padding`.
    pub const PADDING: usize = 10_133;
}

/// A zero-copy view of a CLMM `TickArrayState`.
#[derive(Clone, Copy)]
pub struct ClmmTickArray<'a> {
    data: &'a [u8; 10_240],
}

owned_by!(ClmmTickArray, RAYDIUM_CLMM);

impl<'a> ClmmTickArray<'a> {
    /// The account's length in bytes.
    pub const LEN: usize = 10_240;
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::RaydiumClmmTickArray;

    /// Decodes and validates a CLMM `TickArrayState`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for a start tick outside the program's range or more
    /// initialized ticks than the array holds.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<10_240>(Self::KIND, data, Some(&TICK_ARRAY_STATE))?,
        };
        let start = view.start_tick_index();
        if !(MIN_TICK - TICK_ARRAY_SIZE as i32 * i32::from(u16::MAX)..=MAX_TICK).contains(&start) {
            return Err(invalid(
                Self::KIND,
                "start_tick_index",
                start,
                "outside the tick range",
            ));
        }
        let count = view.initialized_tick_count();
        if usize::from(count) > TICK_ARRAY_SIZE {
            return Err(invalid(
                Self::KIND,
                "initialized_tick_count",
                count,
                "more than 60",
            ));
        }
        Ok(view)
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8; 10_240] {
        self.data
    }
    /// The stored `pool_id`.
    pub fn pool_id(&self) -> Pubkey {
        pubkey_at(self.data, tick_array_offset::POOL_ID)
    }
    /// The stored `start_tick_index`.
    pub fn start_tick_index(&self) -> i32 {
        i32_at(self.data, tick_array_offset::START_TICK_INDEX)
    }
    /// The tick at `index` (0..60) in the array.
    pub fn tick(&self, index: usize) -> Option<ClmmTick<'a>> {
        if index >= TICK_ARRAY_SIZE {
            return None;
        }
        let start = tick_array_offset::TICKS + index * tick_array_offset::TICK_LEN;
        self.data
            .get(start..start + tick_array_offset::TICK_LEN)
            .map(|data| ClmmTick { data })
    }
    /// All 60 ticks, in order.
    pub fn ticks(&self) -> impl ExactSizeIterator<Item = ClmmTick<'a>> + 'a {
        let data = self.data;
        (0..TICK_ARRAY_SIZE).map(move |i| {
            let start = tick_array_offset::TICKS + i * tick_array_offset::TICK_LEN;
            ClmmTick {
                data: &data[start..start + tick_array_offset::TICK_LEN],
            }
        })
    }
    /// The stored `initialized_tick_count`.
    pub fn initialized_tick_count(&self) -> u8 {
        u8_at(self.data, tick_array_offset::INITIALIZED_TICK_COUNT)
    }
    /// The stored `recent_epoch`.
    pub fn recent_epoch(&self) -> u64 {
        u64_at(self.data, tick_array_offset::RECENT_EPOCH)
    }
}

impl std::fmt::Debug for ClmmTickArray<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClmmTickArray")
            .field("pool_id", &self.pool_id())
            .field("start_tick_index", &self.start_tick_index())
            .field("initialized_tick_count", &self.initialized_tick_count())
            .finish_non_exhaustive()
    }
}

/// One tick of a CLMM tick array (168 bytes).
#[derive(Clone, Copy)]
pub struct ClmmTick<'a> {
    data: &'a [u8],
}

impl ClmmTick<'_> {
    /// The tick index stored in the tick (0 for a tick never initialized).
    pub fn tick(&self) -> i32 {
        i32_at(self.data, 0)
    }
    /// The stored `liquidity_net`.
    pub fn liquidity_net(&self) -> i128 {
        i128_at(self.data, 4)
    }
    /// The stored `liquidity_gross`.
    pub fn liquidity_gross(&self) -> u128 {
        u128_at(self.data, 20)
    }
    /// A tick is initialized when positions reference it.
    pub fn is_initialized(&self) -> bool {
        self.liquidity_gross() != 0
    }
    /// The stored `fee_growth_outside_0_x64`.
    pub fn fee_growth_outside_0_x64(&self) -> u128 {
        u128_at(self.data, 36)
    }
    /// The stored `fee_growth_outside_1_x64`.
    pub fn fee_growth_outside_1_x64(&self) -> u128 {
        u128_at(self.data, 52)
    }
    /// The stored `reward_growths_outside_x64`.
    pub fn reward_growths_outside_x64(&self) -> [u128; REWARD_NUM] {
        std::array::from_fn(|i| u128_at(self.data, 68 + 16 * i))
    }
    /// The stored `order_phase`.
    pub fn order_phase(&self) -> u64 {
        u64_at(self.data, 116)
    }
    /// The stored `orders_amount`.
    pub fn orders_amount(&self) -> u64 {
        u64_at(self.data, 124)
    }
    /// The stored `part_filled_orders_remaining`.
    pub fn part_filled_orders_remaining(&self) -> u64 {
        u64_at(self.data, 132)
    }
    /// The stored `unfilled_ratio_x64`.
    pub fn unfilled_ratio_x64(&self) -> u128 {
        u128_at(self.data, 140)
    }
    /// The tick's bytes after the reward growths (older versions: `padding: [u32; 13]`).
    pub fn tail_bytes(&self) -> &[u8] {
        self.data.get(116..).unwrap_or_default()
    }
}

impl std::fmt::Debug for ClmmTick<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClmmTick")
            .field("tick", &self.tick())
            .field("liquidity_net", &self.liquidity_net())
            .field("liquidity_gross", &self.liquidity_gross())
            .finish_non_exhaustive()
    }
}

/// A zero-copy view of a CLMM `TickArrayBitmapExtension`: which tick arrays beyond the
/// pool's default bitmap are initialized.
#[derive(Clone, Copy)]
pub struct ClmmTickArrayBitmapExtension<'a> {
    data: &'a [u8; 1832],
}

owned_by!(ClmmTickArrayBitmapExtension, RAYDIUM_CLMM);

impl<'a> ClmmTickArrayBitmapExtension<'a> {
    /// The account's length in bytes.
    pub const LEN: usize = 1832;
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::RaydiumClmmTickArrayBitmapExtension;
    /// Number of 512-bit bitmaps on each side.
    pub const BITMAP_SIZE: usize = 14;

    /// Decodes a CLMM `TickArrayBitmapExtension`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`] or [`DecodeError::WrongLength`].
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        Ok(Self {
            data: fixed::<1832>(Self::KIND, data, Some(&TICK_ARRAY_BITMAP_EXTENSION))?,
        })
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8; 1832] {
        self.data
    }
    /// The stored `pool_id`.
    pub fn pool_id(&self) -> Pubkey {
        pubkey_at(self.data, 8)
    }
    /// The `index`th (0..14) 512-bit bitmap above the default range.
    pub fn positive_bitmap(&self, index: usize) -> Option<[u64; 8]> {
        (index < Self::BITMAP_SIZE)
            .then(|| std::array::from_fn(|i| u64_at(self.data, 40 + index * 64 + i * 8)))
    }
    /// The `index`th (0..14) 512-bit bitmap below the default range.
    pub fn negative_bitmap(&self, index: usize) -> Option<[u64; 8]> {
        (index < Self::BITMAP_SIZE)
            .then(|| std::array::from_fn(|i| u64_at(self.data, 40 + 896 + index * 64 + i * 8)))
    }
}

impl std::fmt::Debug for ClmmTickArrayBitmapExtension<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClmmTickArrayBitmapExtension")
            .field("pool_id", &self.pool_id())
            .finish_non_exhaustive()
    }
}
