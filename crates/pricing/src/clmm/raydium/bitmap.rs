//! Which tick arrays are initialized, from the pool's 1024-bit bitmap and the
//! `TickArrayBitmapExtension` (`libraries/tick_array_bit_map.rs`,
//! `states/tickarray_bitmap_extension.rs`).
//!
//! The pool's bitmap covers array indices -512..512 (bit `start / ticks_per_array + 512`). The
//! extension holds 14 bitmaps of 512 arrays on each side beyond that: positive bitmap `o`, bit
//! `b` is the array starting at `(o + 1) · 512 · span + b · span`; negative bitmap `o`, bit `b`
//! starts at `−(o + 2) · 512 · span + b · span`, where `span` is the ticks per array.

use super::TICK_ARRAY_SIZE;

/// One side of a `TickArrayBitmapExtension`: 14 bitmaps of 512 bits.
pub type ExtensionBitmaps = [[u64; 8]; 14];

/// The start ticks of every initialized tick array, ascending.
pub fn initialized_tick_array_starts(
    tick_spacing: u16,
    default_bitmap: &[u64; 16],
    extension: Option<(&ExtensionBitmaps, &ExtensionBitmaps)>,
) -> Vec<i32> {
    let span = i64::from(tick_spacing) * i64::from(TICK_ARRAY_SIZE);
    let bits = |words: &[u64]| {
        words
            .iter()
            .enumerate()
            .flat_map(|(w, word)| {
                (0..64)
                    .filter(move |b| word >> b & 1 == 1)
                    .map(move |b| w as i64 * 64 + b)
            })
            .collect::<Vec<i64>>()
    };
    let mut starts: Vec<i64> = bits(default_bitmap)
        .into_iter()
        .map(|bit| (bit - 512) * span)
        .collect();
    if let Some((positive, negative)) = extension {
        for (o, words) in positive.iter().enumerate() {
            starts.extend(
                bits(words)
                    .into_iter()
                    .map(|b| (o as i64 + 1) * 512 * span + b * span),
            );
        }
        for (o, words) in negative.iter().enumerate() {
            starts.extend(
                bits(words)
                    .into_iter()
                    .map(|b| -(o as i64 + 2) * 512 * span + b * span),
            );
        }
    }
    starts.sort_unstable();
    starts
        .into_iter()
        .filter_map(|s| i32::try_from(s).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bitmap_bit_512_is_the_array_at_tick_zero() {
        let mut bitmap = [0u64; 16];
        bitmap[8] = 1 | 1 << 1; // bits 512 and 513
        bitmap[7] = 1 << 63; // bit 511
        assert_eq!(
            initialized_tick_array_starts(10, &bitmap, None),
            vec![-600, 0, 600]
        );
    }

    #[test]
    fn extension_bitmaps_extend_both_sides() {
        let mut positive = [[0u64; 8]; 14];
        let mut negative = [[0u64; 8]; 14];
        positive[0][0] = 1; // first array past the default range
        negative[0][7] = 1 << 63; // bit 511 of the first negative bitmap: just below -512 arrays
        let starts = initialized_tick_array_starts(1, &[0; 16], Some((&positive, &negative)));
        assert_eq!(starts, vec![-513 * 60, 512 * 60]);
    }
}
