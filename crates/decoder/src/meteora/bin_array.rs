//! Meteora DLMM `BinArray` (10136 bytes) and `BinArrayBitmapExtension` (1576 bytes).

use solana_pubkey::Pubkey;

use super::{MAX_BIN_ID, MAX_BIN_PER_ARRAY};
use crate::program::discriminator::{BIN_ARRAY, BIN_ARRAY_BITMAP_EXTENSION};
use crate::read::{i64_at, pubkey_at, u8_at, u64_at, u128_at};
use crate::view::{fixed, invalid, owned_by};
use crate::{AccountKind, DecodeError, METEORA_DLMM};

/// Byte offsets in `BinArray`, discriminator included.
pub mod offset {
    pub const INDEX: usize = 8;
    pub const VERSION: usize = 16;
    pub const LB_PAIR: usize = 24;
    pub const BINS: usize = 56;
    pub const BIN_LEN: usize = 144;
}

/// A zero-copy view of a `BinArray`: 70 consecutive bins starting at `index * 70`.
#[derive(Clone, Copy)]
pub struct BinArray<'a> {
    data: &'a [u8; 10_136],
}

owned_by!(BinArray, METEORA_DLMM);

impl<'a> BinArray<'a> {
    pub const LEN: usize = 10_136;
    pub const KIND: AccountKind = AccountKind::DlmmBinArray;

    /// Decodes and validates a `BinArray`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`], or
    /// [`DecodeError::InvalidField`] for an index outside the bin id range.
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        let view = Self {
            data: fixed::<10_136>(Self::KIND, data, Some(&BIN_ARRAY))?,
        };
        let max_index = i64::from(MAX_BIN_ID) / MAX_BIN_PER_ARRAY as i64 + 1;
        let index = view.index();
        if !(-max_index..=max_index).contains(&index) {
            return Err(invalid(
                Self::KIND,
                "index",
                index,
                "outside the bin id range",
            ));
        }
        Ok(view)
    }

    pub fn bytes(&self) -> &'a [u8; 10_136] {
        self.data
    }
    /// The array index: bins `index * 70 ..= index * 70 + 69`.
    pub fn index(&self) -> i64 {
        i64_at(self.data, offset::INDEX)
    }
    pub fn version(&self) -> u8 {
        u8_at(self.data, offset::VERSION)
    }
    pub fn lb_pair(&self) -> Pubkey {
        pubkey_at(self.data, offset::LB_PAIR)
    }
    /// The id of the first bin in the array.
    pub fn lower_bin_id(&self) -> i64 {
        self.index() * MAX_BIN_PER_ARRAY as i64
    }
    /// The bin at position `i` (0..70).
    pub fn bin(&self, i: usize) -> Option<Bin<'a>> {
        if i >= MAX_BIN_PER_ARRAY {
            return None;
        }
        let start = offset::BINS + i * offset::BIN_LEN;
        self.data
            .get(start..start + offset::BIN_LEN)
            .map(|data| Bin { data })
    }
    /// The bin with id `bin_id`, if this array holds it.
    pub fn bin_by_id(&self, bin_id: i32) -> Option<Bin<'a>> {
        let i = i64::from(bin_id) - self.lower_bin_id();
        usize::try_from(i).ok().and_then(|i| self.bin(i))
    }
    /// All 70 bins, in order.
    pub fn bins(&self) -> impl ExactSizeIterator<Item = Bin<'a>> + 'a {
        let data = self.data;
        (0..MAX_BIN_PER_ARRAY).map(move |i| {
            let start = offset::BINS + i * offset::BIN_LEN;
            Bin {
                data: &data[start..start + offset::BIN_LEN],
            }
        })
    }
}

impl std::fmt::Debug for BinArray<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinArray")
            .field("lb_pair", &self.lb_pair())
            .field("index", &self.index())
            .finish_non_exhaustive()
    }
}

/// One bin (144 bytes).
#[derive(Clone, Copy)]
pub struct Bin<'a> {
    data: &'a [u8],
}

impl Bin<'_> {
    /// Token X in the bin.
    pub fn amount_x(&self) -> u64 {
        u64_at(self.data, 0)
    }
    /// Token Y in the bin.
    pub fn amount_y(&self) -> u64 {
        u64_at(self.data, 8)
    }
    /// The bin's price, Q64.64, as the program cached it (zero until first used).
    pub fn price(&self) -> u128 {
        u128_at(self.data, 16)
    }
    pub fn liquidity_supply(&self) -> u128 {
        u128_at(self.data, 32)
    }
    pub fn fee_amount_x_per_token_stored(&self) -> u128 {
        u128_at(self.data, 80)
    }
    pub fn fee_amount_y_per_token_stored(&self) -> u128 {
        u128_at(self.data, 96)
    }
    /// The bin's bytes after `liquidity_supply`, whose meaning depends on the program version.
    pub fn tail_bytes(&self) -> &[u8] {
        self.data.get(48..).unwrap_or_default()
    }
}

impl std::fmt::Debug for Bin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bin")
            .field("amount_x", &self.amount_x())
            .field("amount_y", &self.amount_y())
            .field("price", &self.price())
            .finish_non_exhaustive()
    }
}

/// A zero-copy view of a `BinArrayBitmapExtension`: which bin arrays beyond the pair's own
/// bitmap are initialized.
#[derive(Clone, Copy)]
pub struct BinArrayBitmapExtension<'a> {
    data: &'a [u8; 1576],
}

owned_by!(BinArrayBitmapExtension, METEORA_DLMM);

impl<'a> BinArrayBitmapExtension<'a> {
    pub const LEN: usize = 1576;
    pub const KIND: AccountKind = AccountKind::DlmmBinArrayBitmapExtension;
    /// Number of 512-bit bitmaps on each side.
    pub const BITMAP_SIZE: usize = 12;

    /// Decodes a `BinArrayBitmapExtension`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`] or [`DecodeError::WrongLength`].
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        Ok(Self {
            data: fixed::<1576>(Self::KIND, data, Some(&BIN_ARRAY_BITMAP_EXTENSION))?,
        })
    }

    pub fn bytes(&self) -> &'a [u8; 1576] {
        self.data
    }
    pub fn lb_pair(&self) -> Pubkey {
        pubkey_at(self.data, 8)
    }
    /// The `index`th (0..12) 512-bit bitmap above the pair's own range.
    pub fn positive_bitmap(&self, index: usize) -> Option<[u64; 8]> {
        (index < Self::BITMAP_SIZE)
            .then(|| std::array::from_fn(|i| u64_at(self.data, 40 + index * 64 + i * 8)))
    }
    /// The `index`th (0..12) 512-bit bitmap below the pair's own range.
    pub fn negative_bitmap(&self, index: usize) -> Option<[u64; 8]> {
        (index < Self::BITMAP_SIZE)
            .then(|| std::array::from_fn(|i| u64_at(self.data, 40 + 768 + index * 64 + i * 8)))
    }
}

impl std::fmt::Debug for BinArrayBitmapExtension<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinArrayBitmapExtension")
            .field("lb_pair", &self.lb_pair())
            .finish_non_exhaustive()
    }
}
