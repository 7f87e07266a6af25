//! Orca tick arrays: the fixed `TickArray` (9988 bytes) and the newer `DynamicTickArray`
//! (148 to 10004 bytes), behind one view.
//!
//! Layout: orca-so/whirlpools `programs/whirlpool/src/state/{tick,fixed_tick_array,
//! dynamic_tick_array}.rs`, as of commit 630c0e01. A fixed array stores 88 ticks of 113 bytes
//! (`initialized: bool` then the tick data). A dynamic array stores a `tick_bitmap: u128` and
//! then, per tick, a Borsh enum: tag 0 (uninitialized, 1 byte) or tag 1 followed by 112 bytes
//! of tick data, so a tick's offset is found by counting the initialized ticks before it.

use solana_pubkey::Pubkey;

use crate::program::discriminator::{WHIRLPOOL_DYNAMIC_TICK_ARRAY, WHIRLPOOL_TICK_ARRAY};
use crate::read::{i32_at, i128_at, pubkey_at, u8_at, u128_at};
use crate::view::{check_discriminator, check_owner, fixed, invalid};
use crate::{AccountKind, DecodeError, ExpectedLength, ORCA_WHIRLPOOL};

/// Ticks per tick array.
pub const TICK_ARRAY_SIZE: usize = 88;
/// Bytes of tick data (without the initialized flag or tag).
pub const TICK_DATA_LEN: usize = 112;

/// Byte offsets of the fixed `TickArray`.
pub mod fixed_offset {
    /// Byte offset of `start_tick_index`.
    pub const START_TICK_INDEX: usize = 8;
    /// Byte offset of `ticks`.
    pub const TICKS: usize = 12;
    /// Byte offset of `tick_len`.
    pub const TICK_LEN: usize = 113;
    /// Byte offset of `whirlpool`.
    pub const WHIRLPOOL: usize = 9956;
}

/// Byte offsets of the `DynamicTickArray`.
pub mod dynamic_offset {
    /// Byte offset of `start_tick_index`.
    pub const START_TICK_INDEX: usize = 8;
    /// Byte offset of `whirlpool`.
    pub const WHIRLPOOL: usize = 12;
    /// Byte offset of `tick_bitmap`.
    pub const TICK_BITMAP: usize = 44;
    /// Byte offset of `ticks`.
    pub const TICKS: usize = 60;
    /// The shortest valid length in bytes.
    pub const MIN_LEN: usize = TICKS + super::TICK_ARRAY_SIZE;
    /// The longest valid length in bytes.
    pub const MAX_LEN: usize = TICKS + super::TICK_ARRAY_SIZE * (1 + super::TICK_DATA_LEN);
}

/// A zero-copy view of either kind of Orca tick array.
#[derive(Clone, Copy)]
pub enum WhirlpoolTickArray<'a> {
    /// A fixed `TickArray` (88 ticks of 113 bytes).
    Fixed(&'a [u8; 9988]),
    /// The bytes and the tick bitmap; a tick's offset follows from the bitmap in O(1).
    Dynamic(&'a [u8], u128),
}

impl<'a> WhirlpoolTickArray<'a> {
    /// `fixed_len`, as the program lays it out.
    pub const FIXED_LEN: usize = 9988;
    /// The program that owns tick arrays.
    pub const PROGRAM_ID: Pubkey = ORCA_WHIRLPOOL;

    /// Decodes a fixed `TickArray`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`] or [`DecodeError::WrongLength`].
    #[inline]
    pub fn fixed_from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let kind = AccountKind::WhirlpoolFixedTickArray;
        let data = fixed::<9988>(kind, data, Some(&WHIRLPOOL_TICK_ARRAY))?;
        for i in 0..TICK_ARRAY_SIZE {
            let flag = u8_at(data, fixed_offset::TICKS + i * fixed_offset::TICK_LEN);
            if flag > 1 {
                return Err(invalid(
                    kind,
                    "ticks[].initialized",
                    flag,
                    "a bool must be 0 or 1",
                ));
            }
        }
        Ok(Self::Fixed(data))
    }

    /// Decodes a `DynamicTickArray`, checking that every tick's tag agrees with the bitmap
    /// and that the length is exactly what the initialized ticks need.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for a tag that is not 0 or 1 or disagrees with the bitmap.
    pub fn dynamic_from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let kind = AccountKind::WhirlpoolDynamicTickArray;
        check_discriminator(kind, data, &WHIRLPOOL_DYNAMIC_TICK_ARRAY)?;
        if !(dynamic_offset::MIN_LEN..=dynamic_offset::MAX_LEN).contains(&data.len()) {
            return Err(DecodeError::WrongLength {
                kind,
                expected: ExpectedLength::Between(dynamic_offset::MIN_LEN, dynamic_offset::MAX_LEN),
                actual: data.len(),
            });
        }
        let bitmap = u128_at(data, dynamic_offset::TICK_BITMAP);
        let initialized = bitmap.count_ones() as usize;
        let expected = dynamic_offset::MIN_LEN + initialized * TICK_DATA_LEN;
        if data.len() != expected {
            return Err(DecodeError::WrongLength {
                kind,
                expected: ExpectedLength::Exactly(expected),
                actual: data.len(),
            });
        }
        let mut at = dynamic_offset::TICKS;
        for i in 0..TICK_ARRAY_SIZE {
            let tag = u8_at(data, at);
            let in_bitmap = bitmap >> i & 1 == 1;
            match (tag, in_bitmap) {
                (0, false) => at += 1,
                (1, true) => at += 1 + TICK_DATA_LEN,
                _ => {
                    return Err(invalid(
                        kind,
                        "ticks[].tag",
                        tag,
                        "disagrees with tick_bitmap",
                    ));
                }
            }
        }
        Ok(Self::Dynamic(data, bitmap))
    }

    /// Decodes either kind, by discriminator.
    ///
    /// # Errors
    /// As [`Self::fixed_from_bytes`] or [`Self::dynamic_from_bytes`]; a discriminator of
    /// neither is reported against the fixed kind.
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        if data.first_chunk::<8>() == Some(&WHIRLPOOL_DYNAMIC_TICK_ARRAY) {
            Self::dynamic_from_bytes(data)
        } else {
            Self::fixed_from_bytes(data)
        }
    }

    /// Like [`Self::from_bytes`], after checking the owner.
    ///
    /// # Errors
    /// [`DecodeError::WrongOwner`], then as [`Self::from_bytes`].
    pub fn from_account(owner: &Pubkey, data: &'a [u8]) -> Result<Self, DecodeError> {
        check_owner(AccountKind::WhirlpoolFixedTickArray, ORCA_WHIRLPOOL, owner)?;
        Self::from_bytes(data)
    }

    /// Which of the two kinds this is.
    pub fn kind(&self) -> AccountKind {
        match self {
            Self::Fixed(_) => AccountKind::WhirlpoolFixedTickArray,
            Self::Dynamic(..) => AccountKind::WhirlpoolDynamicTickArray,
        }
    }

    /// The raw account bytes.
    pub fn bytes(&self) -> &'a [u8] {
        match self {
            Self::Fixed(d) => &d[..],
            Self::Dynamic(d, _) => d,
        }
    }

    /// The stored `start_tick_index`.
    pub fn start_tick_index(&self) -> i32 {
        match self {
            Self::Fixed(d) => i32_at(&d[..], fixed_offset::START_TICK_INDEX),
            Self::Dynamic(d, _) => i32_at(d, dynamic_offset::START_TICK_INDEX),
        }
    }

    /// The stored `whirlpool`.
    pub fn whirlpool(&self) -> Pubkey {
        match self {
            Self::Fixed(d) => pubkey_at(&d[..], fixed_offset::WHIRLPOOL),
            Self::Dynamic(d, _) => pubkey_at(d, dynamic_offset::WHIRLPOOL),
        }
    }

    /// The tick at `index` (0..88). An uninitialized tick reads as all zeros.
    pub fn tick(&self, index: usize) -> Option<WhirlpoolTick<'a>> {
        if index >= TICK_ARRAY_SIZE {
            return None;
        }
        Some(match self {
            Self::Fixed(d) => {
                let at = fixed_offset::TICKS + index * fixed_offset::TICK_LEN;
                let initialized = u8_at(&d[..], at) == 1;
                WhirlpoolTick {
                    initialized,
                    data: d.get(at + 1..at + 113).unwrap_or_default(),
                }
            }
            Self::Dynamic(d, bitmap) => {
                if bitmap >> index & 1 == 0 {
                    WhirlpoolTick {
                        initialized: false,
                        data: &[],
                    }
                } else {
                    let before = (bitmap & ((1u128 << index) - 1)).count_ones() as usize;
                    let at =
                        dynamic_offset::TICKS + before * (1 + TICK_DATA_LEN) + (index - before);
                    WhirlpoolTick {
                        initialized: true,
                        data: d.get(at + 1..at + 1 + TICK_DATA_LEN).unwrap_or_default(),
                    }
                }
            }
        })
    }

    /// All 88 ticks, in order.
    pub fn ticks(&self) -> impl ExactSizeIterator<Item = WhirlpoolTick<'a>> + 'a {
        let this = *self;
        (0..TICK_ARRAY_SIZE).map(move |i| this.tick(i).unwrap_or(WhirlpoolTick::EMPTY))
    }
}

impl std::fmt::Debug for WhirlpoolTickArray<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhirlpoolTickArray")
            .field("kind", &self.kind())
            .field("whirlpool", &self.whirlpool())
            .field("start_tick_index", &self.start_tick_index())
            .finish_non_exhaustive()
    }
}

/// One tick. Reads of an uninitialized dynamic tick return zero, as the program treats it.
#[derive(Clone, Copy)]
pub struct WhirlpoolTick<'a> {
    initialized: bool,
    data: &'a [u8],
}

impl WhirlpoolTick<'_> {
    const EMPTY: WhirlpoolTick<'static> = WhirlpoolTick {
        initialized: false,
        data: &[],
    };

    /// The stored `initialized`.
    pub fn initialized(&self) -> bool {
        self.initialized
    }
    /// The stored `liquidity_net`.
    pub fn liquidity_net(&self) -> i128 {
        i128_at(self.data, 0)
    }
    /// The stored `liquidity_gross`.
    pub fn liquidity_gross(&self) -> u128 {
        u128_at(self.data, 16)
    }
    /// The stored `fee_growth_outside_a`.
    pub fn fee_growth_outside_a(&self) -> u128 {
        u128_at(self.data, 32)
    }
    /// The stored `fee_growth_outside_b`.
    pub fn fee_growth_outside_b(&self) -> u128 {
        u128_at(self.data, 48)
    }
    /// The stored `reward_growths_outside`.
    pub fn reward_growths_outside(&self) -> [u128; 3] {
        std::array::from_fn(|i| u128_at(self.data, 64 + 16 * i))
    }
}

impl std::fmt::Debug for WhirlpoolTick<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhirlpoolTick")
            .field("initialized", &self.initialized)
            .field("liquidity_net", &self.liquidity_net())
            .finish_non_exhaustive()
    }
}
