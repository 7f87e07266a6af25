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
    pub const STATUS: usize = 0;
    pub const NONCE: usize = 8;
    pub const COIN_DECIMALS: usize = 32;
    pub const PC_DECIMALS: usize = 40;
    pub const STATE: usize = 48;
    pub const FEES: usize = 128;
    pub const TRADE_FEE_NUMERATOR: usize = FEES + 16;
    pub const TRADE_FEE_DENOMINATOR: usize = FEES + 24;
    pub const SWAP_FEE_NUMERATOR: usize = FEES + 48;
    pub const SWAP_FEE_DENOMINATOR: usize = FEES + 56;
    pub const STATE_DATA: usize = 192;
    pub const NEED_TAKE_PNL_COIN: usize = STATE_DATA;
    pub const NEED_TAKE_PNL_PC: usize = STATE_DATA + 8;
    pub const POOL_OPEN_TIME: usize = STATE_DATA + 32;
    pub const SWAP_COIN_IN_AMOUNT: usize = STATE_DATA + 64;
    pub const SWAP_PC_OUT_AMOUNT: usize = STATE_DATA + 80;
    pub const SWAP_PC_IN_AMOUNT: usize = STATE_DATA + 104;
    pub const SWAP_COIN_OUT_AMOUNT: usize = STATE_DATA + 120;
    pub const COIN_VAULT: usize = 336;
    pub const PC_VAULT: usize = 368;
    pub const COIN_VAULT_MINT: usize = 400;
    pub const PC_VAULT_MINT: usize = 432;
    pub const LP_MINT: usize = 464;
    pub const OPEN_ORDERS: usize = 496;
    pub const MARKET: usize = 528;
    pub const MARKET_PROGRAM: usize = 560;
    pub const TARGET_ORDERS: usize = 592;
    pub const AMM_OWNER: usize = 688;
    pub const LP_AMOUNT: usize = 720;
    pub const RECENT_EPOCH: usize = 736;
}

/// The pool's status (`AmmStatus` in the program).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmmStatus {
    Uninitialized,
    Initialized,
    Disabled,
    WithdrawOnly,
    LiquidityOnly,
    OrderBookOnly,
    SwapOnly,
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
    pub const LEN: usize = 752;
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
    pub fn status_raw(&self) -> u64 {
        u64_at(self.data, offset::STATUS)
    }
    pub fn status(&self) -> AmmStatus {
        AmmStatus::from_u64(self.status_raw()).unwrap_or(AmmStatus::Uninitialized)
    }
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
    pub fn trade_fee_numerator(&self) -> u64 {
        u64_at(self.data, offset::TRADE_FEE_NUMERATOR)
    }
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
    pub fn pool_open_time(&self) -> u64 {
        u64_at(self.data, offset::POOL_OPEN_TIME)
    }
    pub fn swap_coin_in_amount(&self) -> u128 {
        u128_at(self.data, offset::SWAP_COIN_IN_AMOUNT)
    }
    pub fn swap_pc_out_amount(&self) -> u128 {
        u128_at(self.data, offset::SWAP_PC_OUT_AMOUNT)
    }
    pub fn swap_pc_in_amount(&self) -> u128 {
        u128_at(self.data, offset::SWAP_PC_IN_AMOUNT)
    }
    pub fn swap_coin_out_amount(&self) -> u128 {
        u128_at(self.data, offset::SWAP_COIN_OUT_AMOUNT)
    }
    pub fn coin_vault(&self) -> Pubkey {
        pubkey_at(self.data, offset::COIN_VAULT)
    }
    pub fn pc_vault(&self) -> Pubkey {
        pubkey_at(self.data, offset::PC_VAULT)
    }
    pub fn coin_mint(&self) -> Pubkey {
        pubkey_at(self.data, offset::COIN_VAULT_MINT)
    }
    pub fn pc_mint(&self) -> Pubkey {
        pubkey_at(self.data, offset::PC_VAULT_MINT)
    }
    pub fn lp_mint(&self) -> Pubkey {
        pubkey_at(self.data, offset::LP_MINT)
    }
    pub fn open_orders(&self) -> Pubkey {
        pubkey_at(self.data, offset::OPEN_ORDERS)
    }
    pub fn market(&self) -> Pubkey {
        pubkey_at(self.data, offset::MARKET)
    }
    pub fn market_program(&self) -> Pubkey {
        pubkey_at(self.data, offset::MARKET_PROGRAM)
    }
    pub fn target_orders(&self) -> Pubkey {
        pubkey_at(self.data, offset::TARGET_ORDERS)
    }
    pub fn amm_owner(&self) -> Pubkey {
        pubkey_at(self.data, offset::AMM_OWNER)
    }
    pub fn lp_amount(&self) -> u64 {
        u64_at(self.data, offset::LP_AMOUNT)
    }
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
