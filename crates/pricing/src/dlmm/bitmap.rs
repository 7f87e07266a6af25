//! Which bin arrays hold liquidity, from the pair's own 1024-bit bitmap and the optional
//! `BinArrayBitmapExtension` (the program's `next_bin_array_index_with_liquidity_internal` and
//! the extension's `next_bin_array_index_with_liquidity`, flattened into a sorted list).
//!
//! - The pair's bitmap covers arrays `-512..=511`: bit `i` is array `i - 512`.
//! - The extension's positive bitmap `o` (0..12), bit `b` (0..512), is array `(o + 1) * 512 + b`.
//! - Its negative bitmap `o`, bit `b`, is array `-((o + 1) * 512 + b) - 1`.

/// Arrays on each side of zero that the pair's own bitmap covers.
pub const BIN_ARRAY_BITMAP_SIZE: i64 = 512;
/// 512-bit bitmaps on each side of a `BinArrayBitmapExtension`.
pub const EXTENSION_BITMAP_SIZE: usize = 12;

/// One side of a `BinArrayBitmapExtension`: 12 bitmaps of 512 bits (8 little-endian words).
pub type ExtensionBitmaps = [[u64; 8]; EXTENSION_BITMAP_SIZE];

fn set_bits(words: &[u64]) -> impl Iterator<Item = i64> + '_ {
    words.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                w as i64 * 64 + i64::from(bit)
            })
        })
    })
}

/// Every bin array index with liquidity, ascending: what
/// [`super::DlmmPool::arrays_with_liquidity`] wants. `extension` is the pair's
/// `BinArrayBitmapExtension` as `(positive, negative)` bitmaps, when it has one; without it the
/// swap cannot leave arrays `-512..=511`, as on chain.
pub fn arrays_with_liquidity(
    bitmap: &[u64; 16],
    extension: Option<(&ExtensionBitmaps, &ExtensionBitmaps)>,
) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    if let Some((_, negative)) = extension {
        // Most negative first: the last bitmap's highest bit.
        for (o, words) in negative.iter().enumerate().rev() {
            let mut side: Vec<i64> = set_bits(words)
                .map(|b| -((o as i64 + 1) * BIN_ARRAY_BITMAP_SIZE + b) - 1)
                .collect();
            side.reverse();
            out.extend(side);
        }
    }
    out.extend(set_bits(bitmap).map(|b| b - BIN_ARRAY_BITMAP_SIZE));
    if let Some((positive, _)) = extension {
        for (o, words) in positive.iter().enumerate() {
            out.extend(set_bits(words).map(|b| (o as i64 + 1) * BIN_ARRAY_BITMAP_SIZE + b));
        }
    }
    debug_assert!(out.windows(2).all(|w| w[0] < w[1]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_bit(words: &mut [u64], bit: usize) {
        words[bit / 64] |= 1 << (bit % 64);
    }

    #[test]
    fn default_bitmap_is_centred_on_zero() {
        let mut bitmap = [0u64; 16];
        for bit in [0, 511, 512, 1023] {
            with_bit(&mut bitmap, bit);
        }
        assert_eq!(arrays_with_liquidity(&bitmap, None), vec![-512, -1, 0, 511]);
    }

    #[test]
    fn extension_continues_both_ends_of_the_default_range() {
        let mut positive = [[0u64; 8]; 12];
        let mut negative = [[0u64; 8]; 12];
        // The arrays right next to the default range, and the ends of the extension.
        with_bit(&mut positive[0], 0); // 512
        with_bit(&mut positive[0], 3); // 515
        with_bit(&mut positive[11], 511); // 6655, the last array the program allows
        with_bit(&mut negative[0], 0); // -513
        with_bit(&mut negative[1], 2); // -1027
        with_bit(&mut negative[11], 511); // -6656
        let mut bitmap = [0u64; 16];
        with_bit(&mut bitmap, 0); // -512
        with_bit(&mut bitmap, 1023); // 511
        assert_eq!(
            arrays_with_liquidity(&bitmap, Some((&positive, &negative))),
            vec![-6656, -1027, -513, -512, 511, 512, 515, 6655]
        );
        // Without the extension only the pair's own range is visible.
        assert_eq!(arrays_with_liquidity(&bitmap, None), vec![-512, 511]);
    }

    #[test]
    fn the_extension_reaches_the_bin_id_limits() {
        // MAX_BIN_ID 443636 is in array 6337; MIN_BIN_ID in array -6338: both inside the
        // extension's range (-6656..=6655).
        assert_eq!(
            super::super::bin_id_to_array_index(super::super::MAX_BIN_ID),
            6337
        );
        assert_eq!(
            super::super::bin_id_to_array_index(super::super::MIN_BIN_ID),
            -6338
        );
    }
}
