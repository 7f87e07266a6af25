//! Meteora DLMM: `LbPair`, `BinArray`, `BinArrayBitmapExtension` and `Oracle`.
//!
//! Layouts: MeteoraAg/dlmm-sdk `idls/dlmm.json` (bytemuck `repr(C)` accounts), as of commit
//! fb02e51. That IDL is the program version with limit orders: it renamed bytes that older
//! versions used (`StaticParameters._padding` became `function_type`, `collect_fee_mode` and
//! a shorter `_padding`; `LbPair._reserved` gave its first byte to `version`; each `Bin`'s
//! reward and swap-total fields became limit-order fields). Offsets and sizes did not change,
//! and the fields pricing needs (`amount_x`, `amount_y`, `price`, `liquidity_supply`) sit where
//! they always did.

pub mod bin_array;
pub mod lb_pair;
pub mod oracle;

/// Lowest bin id the program allows.
pub const MIN_BIN_ID: i32 = -443_636;
/// Highest bin id the program allows.
pub const MAX_BIN_ID: i32 = 443_636;
/// Bins per bin array.
pub const MAX_BIN_PER_ARRAY: usize = 70;
