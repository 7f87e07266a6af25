//! Orca adaptive-fee `Oracle` (254 bytes).
//!
//! Layout: orca-so/whirlpools `programs/whirlpool/src/state/oracle.rs` (`#[repr(C, packed)]`
//! zero-copy), as of commit 630c0e01.

use solana_pubkey::Pubkey;

use crate::program::discriminator::ORACLE;
use crate::read::{i32_at, pubkey_at, u16_at, u32_at, u64_at};
use crate::view::{fixed, invalid, owned_by};
use crate::{AccountKind, DecodeError, ORCA_WHIRLPOOL};

/// Byte offsets in `Oracle`, discriminator included.
pub mod offset {
    /// Byte offset of `whirlpool`.
    pub const WHIRLPOOL: usize = 8;
    /// Byte offset of `trade_enable_timestamp`.
    pub const TRADE_ENABLE_TIMESTAMP: usize = 40;
    /// Byte offset of `constants`.
    pub const CONSTANTS: usize = 48;
    /// Byte offset of `variables`.
    pub const VARIABLES: usize = 82;
}

/// Parameters of the adaptive fee (`AdaptiveFeeConstants`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdaptiveFeeConstants {
    /// The stored `filter_period`.
    pub filter_period: u16,
    /// The stored `decay_period`.
    pub decay_period: u16,
    /// The stored `reduction_factor`.
    pub reduction_factor: u16,
    /// The stored `adaptive_fee_control_factor`.
    pub adaptive_fee_control_factor: u32,
    /// The stored `max_volatility_accumulator`.
    pub max_volatility_accumulator: u32,
    /// The stored `tick_group_size`.
    pub tick_group_size: u16,
    /// The stored `major_swap_threshold_ticks`.
    pub major_swap_threshold_ticks: u16,
}

/// State of the adaptive fee (`AdaptiveFeeVariables`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdaptiveFeeVariables {
    /// The stored `last_reference_update_timestamp`.
    pub last_reference_update_timestamp: u64,
    /// The stored `last_major_swap_timestamp`.
    pub last_major_swap_timestamp: u64,
    /// The stored `volatility_reference`.
    pub volatility_reference: u32,
    /// The stored `tick_group_index_reference`.
    pub tick_group_index_reference: i32,
    /// The stored `volatility_accumulator`.
    pub volatility_accumulator: u32,
}

/// A zero-copy view of an Orca `Oracle`.
#[derive(Clone, Copy)]
pub struct WhirlpoolOracle<'a> {
    data: &'a [u8; 254],
}

owned_by!(WhirlpoolOracle, ORCA_WHIRLPOOL);

impl<'a> WhirlpoolOracle<'a> {
    /// The account's length in bytes.
    pub const LEN: usize = 254;
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::WhirlpoolOracle;

    /// Decodes and validates an Orca `Oracle`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for a zero tick group size.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<254>(Self::KIND, data, Some(&ORACLE))?,
        };
        if view.constants().tick_group_size == 0 {
            return Err(invalid(
                Self::KIND,
                "tick_group_size",
                0,
                "must be positive",
            ));
        }
        Ok(view)
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8; 254] {
        self.data
    }
    /// The stored `whirlpool`.
    pub fn whirlpool(&self) -> Pubkey {
        pubkey_at(self.data, offset::WHIRLPOOL)
    }
    /// The stored `trade_enable_timestamp`.
    pub fn trade_enable_timestamp(&self) -> u64 {
        u64_at(self.data, offset::TRADE_ENABLE_TIMESTAMP)
    }
    /// The stored `constants`.
    pub fn constants(&self) -> AdaptiveFeeConstants {
        let (d, o) = (&self.data[..], offset::CONSTANTS);
        AdaptiveFeeConstants {
            filter_period: u16_at(d, o),
            decay_period: u16_at(d, o + 2),
            reduction_factor: u16_at(d, o + 4),
            adaptive_fee_control_factor: u32_at(d, o + 6),
            max_volatility_accumulator: u32_at(d, o + 10),
            tick_group_size: u16_at(d, o + 14),
            major_swap_threshold_ticks: u16_at(d, o + 16),
        }
    }
    /// The stored `variables`.
    pub fn variables(&self) -> AdaptiveFeeVariables {
        let (d, o) = (&self.data[..], offset::VARIABLES);
        AdaptiveFeeVariables {
            last_reference_update_timestamp: u64_at(d, o),
            last_major_swap_timestamp: u64_at(d, o + 8),
            volatility_reference: u32_at(d, o + 16),
            tick_group_index_reference: i32_at(d, o + 20),
            volatility_accumulator: u32_at(d, o + 24),
        }
    }
}

impl std::fmt::Debug for WhirlpoolOracle<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhirlpoolOracle")
            .field("whirlpool", &self.whirlpool())
            .field("constants", &self.constants())
            .finish_non_exhaustive()
    }
}
