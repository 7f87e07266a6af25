//! The array sizes are the programs' constants, written once in each crate that needs them:
//! the decoder for account layouts, pricing for the math (pricing does not depend on the
//! decoder). This pins the two to each other.

#[test]
fn pricing_and_decoder_agree_on_array_sizes() {
    assert_eq!(
        usize::try_from(pricing::clmm::orca::TICK_ARRAY_SIZE).unwrap(),
        decoder::orca::tick_array::TICK_ARRAY_SIZE
    );
    assert_eq!(
        usize::try_from(pricing::clmm::raydium::TICK_ARRAY_SIZE).unwrap(),
        decoder::raydium::clmm::TICK_ARRAY_SIZE
    );
    assert_eq!(
        pricing::dlmm::MAX_BIN_PER_ARRAY,
        decoder::meteora::MAX_BIN_PER_ARRAY
    );
}
