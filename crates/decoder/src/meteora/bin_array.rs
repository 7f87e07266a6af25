//! Meteora DLMM `BinArray` (10136 bytes) and `BinArrayBitmapExtension` (1576 bytes).

use solana_pubkey::Pubkey;

use super::{MAX_BIN_ID, MAX_BIN_PER_ARRAY};
use crate::program::discriminator::{BIN_ARRAY, BIN_ARRAY_BITMAP_EXTENSION};
use crate::read::{i64_at, pubkey_at, u8_at, u32_at, u64_at, u128_at};
use crate::view::{fixed, invalid, owned_by};
use crate::{AccountKind, DecodeError, METEORA_DLMM};

/// Byte offsets in `BinArray`, discriminator included.
pub mod offset {
    /// `index: i64`.
    pub const INDEX: usize = 8;
    /// `version: u8`.
    pub const VERSION: usize = 16;
    /// `lb_pair: Pubkey`.
    pub const LB_PAIR: usize = 24;
    /// The first of the 70 bins.
    pub const BINS: usize = 56;
    /// Bytes per bin.
    pub const BIN_LEN: usize = 144;
}

/// A zero-copy view of a `BinArray`: 70 consecutive bins starting at `index * 70`.
#[derive(Clone, Copy)]
pub struct BinArray<'a> {
    data: &'a [u8; 10_136],
}

owned_by!(BinArray, METEORA_DLMM);

impl<'a> BinArray<'a> {
    /// Account size.
    pub const LEN: usize = 10_136;
    /// The account kind.
    pub const KIND: AccountKind = AccountKind::DlmmBinArray;
    /// The first `version` with the limit-order bin layout; older arrays hold
    /// `reward_per_token_stored` and swap totals where the order fields now are.
    pub const LIMIT_ORDER_LAYOUT_VERSION: u8 = 2;

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

    /// The account bytes.
    pub fn bytes(&self) -> &'a [u8; 10_136] {
        self.data
    }
    /// The array index: bins `index * 70 ..= index * 70 + 69`.
    pub fn index(&self) -> i64 {
        i64_at(self.data, offset::INDEX)
    }
    /// Bin layout version: [`Self::LIMIT_ORDER_LAYOUT_VERSION`] and above use the limit-order
    /// layout. Informational only: the program reads order fields by position (see [`Bin`]).
    pub fn version(&self) -> u8 {
        u8_at(self.data, offset::VERSION)
    }
    /// Whether the bins use the limit-order layout (the `legacy_*` bin accessors apply when not).
    pub fn has_limit_order_layout(&self) -> bool {
        self.version() >= Self::LIMIT_ORDER_LAYOUT_VERSION
    }
    /// The pair the array belongs to.
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

/// Byte offsets inside one 144-byte `Bin`.
///
/// Both bin layouts share the first 48 bytes (`amount_x`, `amount_y`, `price`,
/// `liquidity_supply`) and the two fee-per-token fields at 80 and 96. The rest changed meaning
/// when limit orders arrived; the program reads the bytes by position, never by version.
pub mod bin_offset {
    /// `amount_x: u64`.
    pub const AMOUNT_X: usize = 0;
    /// `amount_y: u64`.
    pub const AMOUNT_Y: usize = 8;
    /// `price: u128`, Q64.64.
    pub const PRICE: usize = 16;
    /// `liquidity_supply: u128`.
    pub const LIQUIDITY_SUPPLY: usize = 32;
    /// Limit-order layout: `fulfilled_order_amount_x: u64`. Older layout: first half of
    /// `reward_per_token_stored[0]`.
    pub const FULFILLED_ORDER_AMOUNT_X: usize = 48;
    /// Limit-order layout: `fulfilled_order_amount_y: u64`.
    pub const FULFILLED_ORDER_AMOUNT_Y: usize = 56;
    /// Limit-order layout: `limit_order_fee_ask_side: u64`. Older layout:
    /// `reward_per_token_stored[1]` starts here.
    pub const LIMIT_ORDER_FEE_ASK_SIDE: usize = 64;
    /// Limit-order layout: `limit_order_fee_bid_side: u64`.
    pub const LIMIT_ORDER_FEE_BID_SIDE: usize = 72;
    /// Older layout: `reward_per_token_stored: [u128; 2]`.
    pub const REWARD_PER_TOKEN_STORED: usize = 48;
    /// `fee_amount_x_per_token_stored: u128` (both layouts).
    pub const FEE_AMOUNT_X_PER_TOKEN_STORED: usize = 80;
    /// `fee_amount_y_per_token_stored: u128` (both layouts).
    pub const FEE_AMOUNT_Y_PER_TOKEN_STORED: usize = 96;
    /// Limit-order layout: `open_order_amount: u64`. Older layout: low half of `amount_x_in`.
    pub const OPEN_ORDER_AMOUNT: usize = 112;
    /// Limit-order layout: `total_processing_order_amount: u64`. Older layout: high half of
    /// `amount_x_in`.
    pub const TOTAL_PROCESSING_ORDER_AMOUNT: usize = 120;
    /// Limit-order layout: `processed_order_remaining_amount: u64`. Older layout: low half of
    /// `amount_y_in`.
    pub const PROCESSED_ORDER_REMAINING_AMOUNT: usize = 128;
    /// Limit-order layout: `order_age: u32`. Older layout: bytes 8..12 of `amount_y_in`.
    pub const ORDER_AGE: usize = 136;
    /// Limit-order layout: `limit_order_ask_side: u8`. Older layout: byte 12 of `amount_y_in`.
    pub const LIMIT_ORDER_ASK_SIDE: usize = 140;
    /// Older layout: `amount_x_in: u128`, the bin's lifetime swap input of X.
    pub const AMOUNT_X_IN: usize = 112;
    /// Older layout: `amount_y_in: u128`, the bin's lifetime swap input of Y.
    pub const AMOUNT_Y_IN: usize = 128;
}

/// One bin (144 bytes).
///
/// # Layout versions
/// `BinArray::version` 2 arrays use the limit-order layout. Older arrays (versions 0 and 1)
/// kept `reward_per_token_stored` and the swap totals `amount_x_in` / `amount_y_in` where the
/// order fields now sit. The program does not look at the version when it swaps: on a pair
/// that supports limit orders ([`super::lb_pair::LbPair::is_support_limit_order`]) it reads
/// [`Bin::open_order_amount`], [`Bin::processed_order_remaining_amount`] and
/// [`Bin::limit_order_ask_side`] from those positions whatever the array's version, so an older
/// array's swap totals fill as resting orders. The order accessors therefore decode the bytes
/// exactly as the program reads them, for every version; the `legacy_*` accessors give the
/// older layout's meaning of the same bytes.
#[derive(Clone, Copy)]
pub struct Bin<'a> {
    data: &'a [u8],
}

impl<'a> Bin<'a> {
    /// The bin's 144 bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }
    /// Token X in the bin for market making (protocol fees excluded).
    pub fn amount_x(&self) -> u64 {
        u64_at(self.data, bin_offset::AMOUNT_X)
    }
    /// Token Y in the bin for market making (protocol fees excluded).
    pub fn amount_y(&self) -> u64 {
        u64_at(self.data, bin_offset::AMOUNT_Y)
    }
    /// The bin's price, Q64.64, as the program cached it (zero until first used).
    pub fn price(&self) -> u128 {
        u128_at(self.data, bin_offset::PRICE)
    }
    /// Market-making liquidity shares issued for the bin.
    pub fn liquidity_supply(&self) -> u128 {
        u128_at(self.data, bin_offset::LIQUIDITY_SUPPLY)
    }
    /// Limit-order layout: total X paid out to filled orders.
    pub fn fulfilled_order_amount_x(&self) -> u64 {
        u64_at(self.data, bin_offset::FULFILLED_ORDER_AMOUNT_X)
    }
    /// Limit-order layout: total Y paid out to filled orders.
    pub fn fulfilled_order_amount_y(&self) -> u64 {
        u64_at(self.data, bin_offset::FULFILLED_ORDER_AMOUNT_Y)
    }
    /// Limit-order layout: fees collected by ask-side orders.
    pub fn limit_order_fee_ask_side(&self) -> u64 {
        u64_at(self.data, bin_offset::LIMIT_ORDER_FEE_ASK_SIDE)
    }
    /// Limit-order layout: fees collected by bid-side orders.
    pub fn limit_order_fee_bid_side(&self) -> u64 {
        u64_at(self.data, bin_offset::LIMIT_ORDER_FEE_BID_SIDE)
    }
    /// Swap fee of token X per liquidity share (both layouts).
    pub fn fee_amount_x_per_token_stored(&self) -> u128 {
        u128_at(self.data, bin_offset::FEE_AMOUNT_X_PER_TOKEN_STORED)
    }
    /// Swap fee of token Y per liquidity share (both layouts).
    pub fn fee_amount_y_per_token_stored(&self) -> u128 {
        u128_at(self.data, bin_offset::FEE_AMOUNT_Y_PER_TOKEN_STORED)
    }
    /// Resting open limit orders in the bin, as the program reads it (any layout version; see
    /// the type docs). Orders sell X on the ask side, Y on the bid side.
    pub fn open_order_amount(&self) -> u64 {
        u64_at(self.data, bin_offset::OPEN_ORDER_AMOUNT)
    }
    /// Limit-order layout: orders being processed in the bin.
    pub fn total_processing_order_amount(&self) -> u64 {
        u64_at(self.data, bin_offset::TOTAL_PROCESSING_ORDER_AMOUNT)
    }
    /// What is left of orders already being processed, as the program reads it (any layout
    /// version). Swaps fill it after the bin's own liquidity and before open orders.
    pub fn processed_order_remaining_amount(&self) -> u64 {
        u64_at(self.data, bin_offset::PROCESSED_ORDER_REMAINING_AMOUNT)
    }
    /// Limit-order layout: the bin's order age counter.
    pub fn order_age(&self) -> u32 {
        u32_at(self.data, bin_offset::ORDER_AGE)
    }
    /// Whether the bin's orders are on the ask side (sell X, filled by swaps buying X), as the
    /// program reads it: any non-zero byte. Bid-side orders sell Y.
    pub fn limit_order_ask_side(&self) -> bool {
        u8_at(self.data, bin_offset::LIMIT_ORDER_ASK_SIDE) != 0
    }
    /// Older layout: `reward_per_token_stored[index]` (index 0 or 1).
    pub fn legacy_reward_per_token_stored(&self, index: usize) -> Option<u128> {
        (index < 2).then(|| u128_at(self.data, bin_offset::REWARD_PER_TOKEN_STORED + 16 * index))
    }
    /// Older layout: total X swapped into the bin (`amount_x_in`).
    pub fn legacy_amount_x_in(&self) -> u128 {
        u128_at(self.data, bin_offset::AMOUNT_X_IN)
    }
    /// Older layout: total Y swapped into the bin (`amount_y_in`).
    pub fn legacy_amount_y_in(&self) -> u128 {
        u128_at(self.data, bin_offset::AMOUNT_Y_IN)
    }
}

impl std::fmt::Debug for Bin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bin")
            .field("amount_x", &self.amount_x())
            .field("amount_y", &self.amount_y())
            .field("price", &self.price())
            .field("open_order_amount", &self.open_order_amount())
            .field(
                "processed_order_remaining_amount",
                &self.processed_order_remaining_amount(),
            )
            .field("limit_order_ask_side", &self.limit_order_ask_side())
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
    /// Account size.
    pub const LEN: usize = 1576;
    /// The account kind.
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

    /// The account bytes.
    pub fn bytes(&self) -> &'a [u8; 1576] {
        self.data
    }
    /// The pair the extension belongs to.
    pub fn lb_pair(&self) -> Pubkey {
        pubkey_at(self.data, 8)
    }
    /// All 12 positive bitmaps (arrays `512..6656`), as the pricing crate takes them.
    pub fn positive_bitmaps(&self) -> [[u64; 8]; 12] {
        std::array::from_fn(|i| self.positive_bitmap(i).unwrap_or_default())
    }
    /// All 12 negative bitmaps (arrays `-6656..-512`), as the pricing crate takes them.
    pub fn negative_bitmaps(&self) -> [[u64; 8]; 12] {
        std::array::from_fn(|i| self.negative_bitmap(i).unwrap_or_default())
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
