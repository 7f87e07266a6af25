//! Raydium AMM v4 `AmmInfo` (752 bytes, no discriminator).
//!
//! Layout: raydium-amm `program/src/state.rs`, `AmmInfo` with `Fees` and `StateData`
//! (`#[repr(C, packed)]`), as of commit 27f461d (the program after the OpenBook dependency was
//! removed; the layout is unchanged since launch).

use solana_pubkey::Pubkey;

use crate::read::{pubkey_at, u64_at, u128_at};
use crate::view::{fixed, invalid, owned_by};
use crate::{AccountKind, DecodeError, RAYDIUM_AMM_V4};

/// Byte offsets of the fields read here.
pub mod offset {
    /// Byte offset of `status`.
    pub const STATUS: usize = 0;
    /// Byte offset of `nonce`.
    pub const NONCE: usize = 8;
    /// Byte offset of `coin_decimals`.
    pub const COIN_DECIMALS: usize = 32;
    /// Byte offset of `pc_decimals`.
    pub const PC_DECIMALS: usize = 40;
    /// Byte offset of `state`.
    pub const STATE: usize = 48;
    /// Byte offset of `fees`.
    pub const FEES: usize = 128;
    /// Byte offset of `trade_fee_numerator`.
    pub const TRADE_FEE_NUMERATOR: usize = FEES + 16;
    /// Byte offset of `trade_fee_denominator`.
    pub const TRADE_FEE_DENOMINATOR: usize = FEES + 24;
    /// Byte offset of `swap_fee_numerator`.
    pub const SWAP_FEE_NUMERATOR: usize = FEES + 48;
    /// Byte offset of `swap_fee_denominator`.
    pub const SWAP_FEE_DENOMINATOR: usize = FEES + 56;
    /// Byte offset of `state_data`.
    pub const STATE_DATA: usize = 192;
    /// Byte offset of `need_take_pnl_coin`.
    pub const NEED_TAKE_PNL_COIN: usize = STATE_DATA;
    /// Byte offset of `need_take_pnl_pc`.
    pub const NEED_TAKE_PNL_PC: usize = STATE_DATA + 8;
    /// Byte offset of `pool_open_time`.
    pub const POOL_OPEN_TIME: usize = STATE_DATA + 32;
    /// Byte offset of `swap_coin_in_amount`.
    pub const SWAP_COIN_IN_AMOUNT: usize = STATE_DATA + 64;
    /// Byte offset of `swap_pc_out_amount`.
    pub const SWAP_PC_OUT_AMOUNT: usize = STATE_DATA + 80;
    /// Byte offset of `swap_pc_in_amount`.
    pub const SWAP_PC_IN_AMOUNT: usize = STATE_DATA + 104;
    /// Byte offset of `swap_coin_out_amount`.
    pub const SWAP_COIN_OUT_AMOUNT: usize = STATE_DATA + 120;
    /// Byte offset of `coin_vault`.
    pub const COIN_VAULT: usize = 336;
    /// Byte offset of `pc_vault`.
    pub const PC_VAULT: usize = 368;
    /// Byte offset of `coin_vault_mint`.
    pub const COIN_VAULT_MINT: usize = 400;
    /// Byte offset of `pc_vault_mint`.
    pub const PC_VAULT_MINT: usize = 432;
    /// Byte offset of `lp_mint`.
    pub const LP_MINT: usize = 464;
    /// Byte offset of `open_orders`.
    pub const OPEN_ORDERS: usize = 496;
    /// Byte offset of `market`.
    pub const MARKET: usize = 528;
    /// Byte offset of `market_program`.
    pub const MARKET_PROGRAM: usize = 560;
    /// Byte offset of `target_orders`.
    pub const TARGET_ORDERS: usize = 592;
    /// Byte offset of `amm_owner`.
    pub const AMM_OWNER: usize = 688;
    /// Byte offset of `lp_amount`.
    pub const LP_AMOUNT: usize = 720;
    /// Byte offset of `recent_epoch`.
    pub const RECENT_EPOCH: usize = 736;
}

/// The pool's status (`AmmStatus` in the program).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmmStatus {
    /// The program's `Uninitialized` value.
    Uninitialized,
    /// The program's `Initialized` value.
    Initialized,
    /// The program's `Disabled` value.
    Disabled,
    /// The program's `WithdrawOnly` value.
    WithdrawOnly,
    /// The program's `LiquidityOnly` value.
    LiquidityOnly,
    /// The program's `OrderBookOnly` value.
    OrderBookOnly,
    /// The program's `SwapOnly` value.
    SwapOnly,
    /// The program's `WaitingTrade` value.
    WaitingTrade,
}

impl AmmStatus {
    fn from_u64(v: u64) -> Option<Self> {
        Some(match v {
            0 => Self::Uninitialized,
            1 => Self::Initialized,
            2 => Self::Disabled,
            3 => Self::WithdrawOnly,
            4 => Self::LiquidityOnly,
            5 => Self::OrderBookOnly,
            6 => Self::SwapOnly,
            7 => Self::WaitingTrade,
            _ => return None,
        })
    }

    /// Whether the program accepts swaps in this status.
    pub fn swaps_enabled(self) -> bool {
        matches!(
            self,
            Self::Initialized | Self::SwapOnly | Self::OrderBookOnly
        )
    }
}

/// A zero-copy view of an `AmmInfo` account. "coin" is the base token, "pc" the quote.
#[derive(Clone, Copy)]
pub struct AmmInfo<'a> {
    data: &'a [u8; 752],
}

owned_by!(AmmInfo, RAYDIUM_AMM_V4);

impl<'a> AmmInfo<'a> {
    /// The account's length in bytes.
    pub const LEN: usize = 752;
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::RaydiumAmmV4Pool;

    /// Decodes and validates an `AmmInfo`.
    ///
    /// # Errors
    /// [`DecodeError::WrongLength`] unless the data is 752 bytes;
    /// [`DecodeError::InvalidField`] for a status the program does not define, decimals over
    /// 255, or a zero fee denominator on an initialized pool.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<752>(Self::KIND, data, None)?,
        };
        let status = u64_at(view.data, offset::STATUS);
        if AmmStatus::from_u64(status).is_none() {
            return Err(invalid(
                Self::KIND,
                "status",
                status,
                "not an AmmStatus (0..=7)",
            ));
        }
        for (field, at) in [
            ("coin_decimals", offset::COIN_DECIMALS),
            ("pc_decimals", offset::PC_DECIMALS),
        ] {
            let decimals = u64_at(view.data, at);
            if decimals > u64::from(u8::MAX) {
                return Err(invalid(
                    Self::KIND,
                    field,
                    decimals,
                    "mint decimals are a u8",
                ));
            }
        }
        if status != 0 {
            for (field, at) in [
                ("trade_fee_denominator", offset::TRADE_FEE_DENOMINATOR),
                ("swap_fee_denominator", offset::SWAP_FEE_DENOMINATOR),
            ] {
                if u64_at(view.data, at) == 0 {
                    return Err(invalid(Self::KIND, field, 0, "zero denominator"));
                }
            }
        }
        Ok(view)
    }

    /// The raw account bytes.
    pub fn bytes(&self) -> &'a [u8; 752] {
        self.data
    }
    /// The stored `status_raw`.
    pub fn status_raw(&self) -> u64 {
        u64_at(self.data, offset::STATUS)
    }
    /// The stored `status`.
    pub fn status(&self) -> AmmStatus {
        AmmStatus::from_u64(self.status_raw()).unwrap_or(AmmStatus::Uninitialized)
    }
    /// The stored `nonce`.
    pub fn nonce(&self) -> u64 {
        u64_at(self.data, offset::NONCE)
    }
    /// Validated to fit a u8.
    pub fn coin_decimals(&self) -> u8 {
        u64_at(self.data, offset::COIN_DECIMALS) as u8
    }
    /// Validated to fit a u8.
    pub fn pc_decimals(&self) -> u8 {
        u64_at(self.data, offset::PC_DECIMALS) as u8
    }
    /// The stored `trade_fee_numerator`.
    pub fn trade_fee_numerator(&self) -> u64 {
        u64_at(self.data, offset::TRADE_FEE_NUMERATOR)
    }
    /// The stored `trade_fee_denominator`.
    pub fn trade_fee_denominator(&self) -> u64 {
        u64_at(self.data, offset::TRADE_FEE_DENOMINATOR)
    }
    /// The swap fee charged on the input (25 on mainnet).
    pub fn swap_fee_numerator(&self) -> u64 {
        u64_at(self.data, offset::SWAP_FEE_NUMERATOR)
    }
    /// The swap fee's denominator (10000 on mainnet).
    pub fn swap_fee_denominator(&self) -> u64 {
        u64_at(self.data, offset::SWAP_FEE_DENOMINATOR)
    }
    /// Coin owed to the protocol, still held in the coin vault.
    pub fn need_take_pnl_coin(&self) -> u64 {
        u64_at(self.data, offset::NEED_TAKE_PNL_COIN)
    }
    /// Pc owed to the protocol, still held in the pc vault.
    pub fn need_take_pnl_pc(&self) -> u64 {
        u64_at(self.data, offset::NEED_TAKE_PNL_PC)
    }
    /// The stored `pool_open_time`.
    pub fn pool_open_time(&self) -> u64 {
        u64_at(self.data, offset::POOL_OPEN_TIME)
    }
    /// The stored `swap_coin_in_amount`.
    pub fn swap_coin_in_amount(&self) -> u128 {
        u128_at(self.data, offset::SWAP_COIN_IN_AMOUNT)
    }
    /// The stored `swap_pc_out_amount`.
    pub fn swap_pc_out_amount(&self) -> u128 {
        u128_at(self.data, offset::SWAP_PC_OUT_AMOUNT)
    }
    /// The stored `swap_pc_in_amount`.
    pub fn swap_pc_in_amount(&self) -> u128 {
        u128_at(self.data, offset::SWAP_PC_IN_AMOUNT)
    }
    /// The stored `swap_coin_out_amount`.
    pub fn swap_coin_out_amount(&self) -> u128 {
        u128_at(self.data, offset::SWAP_COIN_OUT_AMOUNT)
    }
    /// The stored `coin_vault`.
    pub fn coin_vault(&self) -> Pubkey {
        pubkey_at(self.data, offset::COIN_VAULT)
    }
    /// The stored `pc_vault`.
    pub fn pc_vault(&self) -> Pubkey {
        pubkey_at(self.data, offset::PC_VAULT)
    }
    /// The stored `coin_mint`.
    pub fn coin_mint(&self) -> Pubkey {
        pubkey_at(self.data, offset::COIN_VAULT_MINT)
    }
    /// The stored `pc_mint`.
    pub fn pc_mint(&self) -> Pubkey {
        pubkey_at(self.data, offset::PC_VAULT_MINT)
    }
    /// The stored `lp_mint`.
    pub fn lp_mint(&self) -> Pubkey {
        pubkey_at(self.data, offset::LP_MINT)
    }
    /// The stored `open_orders`.
    pub fn open_orders(&self) -> Pubkey {
        pubkey_at(self.data, offset::OPEN_ORDERS)
    }
    /// The stored `market`.
    pub fn market(&self) -> Pubkey {
        pubkey_at(self.data, offset::MARKET)
    }
    /// The stored `market_program`.
    pub fn market_program(&self) -> Pubkey {
        pubkey_at(self.data, offset::MARKET_PROGRAM)
    }
    /// The stored `target_orders`.
    pub fn target_orders(&self) -> Pubkey {
        pubkey_at(self.data, offset::TARGET_ORDERS)
    }
    /// The stored `amm_owner`.
    pub fn amm_owner(&self) -> Pubkey {
        pubkey_at(self.data, offset::AMM_OWNER)
    }
    /// The stored `lp_amount`.
    pub fn lp_amount(&self) -> u64 {
        u64_at(self.data, offset::LP_AMOUNT)
    }
    /// The stored `recent_epoch`.
    pub fn recent_epoch(&self) -> u64 {
        u64_at(self.data, offset::RECENT_EPOCH)
    }
}

impl std::fmt::Debug for AmmInfo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmmInfo")
            .field("status", &self.status())
            .field("coin_mint", &self.coin_mint())
            .field("pc_mint", &self.pc_mint())
            .field("coin_vault", &self.coin_vault())
            .field("pc_vault", &self.pc_vault())
            .finish_non_exhaustive()
    }
}
