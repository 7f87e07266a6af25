//! A Raydium CLMM swap that must cross into a tick array beyond the pool's default bitmap is
//! quoted in full once the pool's `TickArrayBitmapExtension` has arrived, and only partly (the
//! rest of the curve unknown) before. No fixture pool has liquidity that far out, so the pool,
//! arrays and extension are written in the program's layout by the decoder's encoders.

use decoder::Pubkey;
use decoder::encode::{self, ClFields};
use market::{Direction, Fill, Pool, QuoteClock, SwapMode};
use pricing::PartialReason;
use pricing::clmm::raydium::sqrt_price_at_tick;

const TICK: i32 = 30_700; // in array 511, the last the default bitmap covers (tick spacing 1)

fn extension(pool: &Pubkey, positive_word0: u64) -> Vec<u8> {
    let mut data = vec![0u8; 1832];
    data[..8].copy_from_slice(&decoder::discriminator::TICK_ARRAY_BITMAP_EXTENSION);
    data[8..40].copy_from_slice(pool.as_ref());
    data[40..48].copy_from_slice(&positive_word0.to_le_bytes());
    data
}

#[test]
fn a_swap_beyond_the_default_bitmap_needs_the_extension() {
    let address = Pubkey::new_unique();
    let mints = (Pubkey::new_unique(), Pubkey::new_unique());
    let vaults = (Pubkey::new_unique(), Pubkey::new_unique());
    let config = Pubkey::new_unique();
    let mut bitmap = [0u64; 16];
    bitmap[15] = 1 << 63; // array 511
    let pool_bytes = encode::clmm_pool(&ClFields {
        config,
        vaults,
        mints,
        decimals: (6, 6),
        tick_spacing: 1,
        liquidity: 1_000_000_000_000,
        sqrt_price: sqrt_price_at_tick(TICK).unwrap(),
        tick_current: TICK,
        tick_array_bitmap: bitmap,
        ..ClFields::default()
    });
    let clmm = decoder::RAYDIUM_CLMM;
    let mut pool = Pool::from_keyed_account(address, &clmm, &pool_bytes).unwrap();
    let token = decoder::SPL_TOKEN;
    for (mint, vault) in [(mints.0, vaults.0), (mints.1, vaults.1)] {
        pool.update(&mint, &token, &encode::mint(6, u64::MAX / 2))
            .unwrap();
        let holding = encode::token_account(&mint, &address, u64::MAX / 4);
        pool.update(&vault, &token, &holding).unwrap();
    }
    pool.update(&config, &clmm, &encode::clmm_config(2_500, 1))
        .unwrap();
    // One initialized tick in array 511 (30,710) and one in array 512 (30,750).
    let a511 = encode::clmm_tick_array(&address, 30_660, 1, &[(50, 0)]);
    let a512 = encode::clmm_tick_array(&address, 30_720, 1, &[(30, 0)]);
    for (start, bytes) in [(30_660, &a511), (30_720, &a512)] {
        let key = market::address::raydium_clmm_tick_array(&address, start);
        assert!(
            pool.accounts_to_update().contains(&key),
            "array {start} followed"
        );
        pool.update(&key, &clmm, bytes).unwrap();
    }
    let extension_key = pool.accounts().bitmap_extension.unwrap();
    assert_eq!(
        extension_key,
        market::address::raydium_clmm_bitmap_extension(&address)
    );
    assert!(pool.accounts_to_update().contains(&extension_key));

    let clock = QuoteClock::default();
    // Enough token 1 to lift the price about 20 ticks: past 30,720 into array 512.
    let amount = 5_000_000_000;
    let without = pool
        .snapshot(clock)
        .unwrap()
        .quote(Direction::BToA, SwapMode::ExactIn, amount)
        .unwrap();
    // Without the extension the pool's own bitmap says no array lies beyond 511.
    assert_eq!(
        without.fill,
        Fill::Partial(PartialReason::LiquidityExhausted),
        "{without:?}"
    );
    pool.update(&extension_key, &clmm, &extension(&address, 1))
        .unwrap();
    let with = pool
        .snapshot(clock)
        .unwrap()
        .quote(Direction::BToA, SwapMode::ExactIn, amount)
        .unwrap();
    assert_eq!(with.fill, Fill::Complete, "{with:?}");
    assert_eq!(with.amount_in, amount);
    assert!(with.amount_out > without.amount_out);
    // An extension that marks nothing beyond leaves the swap partial again.
    pool.update(&extension_key, &clmm, &extension(&address, 0))
        .unwrap();
    let cleared = pool
        .snapshot(clock)
        .unwrap()
        .quote(Direction::BToA, SwapMode::ExactIn, amount)
        .unwrap();
    assert_eq!(cleared, without);
}
