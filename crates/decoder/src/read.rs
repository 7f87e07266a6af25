//! Little-endian reads at fixed offsets of a byte slice.
//!
//! Every read is bounds-checked and returns zero when out of range, so no input can make a
//! read panic. Decoders check the account length before building a view, so inside a view
//! the fallback is never taken; with the fixed-size arrays the views hold, the compiler
//! removes the check.

use solana_pubkey::Pubkey;

macro_rules! le_reader {
    ($($name:ident: $ty:ty;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(data: &[u8], offset: usize) -> $ty {
            data.get(offset..)
                .and_then(|rest| rest.first_chunk::<{ size_of::<$ty>() }>())
                .map_or(0, |bytes| <$ty>::from_le_bytes(*bytes))
        }
    )*};
}

le_reader! {
    u16_at: u16;
    u32_at: u32;
    i32_at: i32;
    u64_at: u64;
    i64_at: i64;
    u128_at: u128;
    i128_at: i128;
}

#[inline(always)]
pub(crate) fn u8_at(data: &[u8], offset: usize) -> u8 {
    data.get(offset).copied().unwrap_or(0)
}

#[inline(always)]
pub(crate) fn bytes_at<const N: usize>(data: &[u8], offset: usize) -> [u8; N] {
    data.get(offset..)
        .and_then(|rest| rest.first_chunk::<N>())
        .copied()
        .unwrap_or([0; N])
}

#[inline(always)]
pub(crate) fn pubkey_at(data: &[u8], offset: usize) -> Pubkey {
    Pubkey::new_from_array(bytes_at::<32>(data, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_never_panics_out_of_range() {
        let data = [1u8, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(u16_at(&data, 0), 0x0201);
        assert_eq!(u64_at(&data, 1), 0x0908_0706_0504_0302);
        assert_eq!(u64_at(&data, 2), 0, "a read past the end yields 0");
        assert_eq!(u128_at(&data, usize::MAX), 0);
        assert_eq!(u8_at(&data, 9), 0);
        assert_eq!(pubkey_at(&data, 0), Pubkey::default());
    }
}
