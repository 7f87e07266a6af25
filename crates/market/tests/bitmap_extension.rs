//! A Raydium CLMM or Meteora DLMM swap that must cross into an array beyond the pool's default
//! bitmap is quoted in full once the pool's bitmap extension has arrived, and only partly (the
//! rest of the curve unknown) before. No fixture pool has liquidity that far out, so the pools,
//! arrays and extensions are written in the program's layout by the decoder's encoders.

use decoder::Pubkey;
use decoder::encode::{self, ClFields, LbPairFields};
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

fn dlmm_extension(pair: &Pubkey, positive_word0: u64) -> Vec<u8> {
    let mut data = vec![0u8; 1576];
    data[..8].copy_from_slice(&decoder::discriminator::BIN_ARRAY_BITMAP_EXTENSION);
    data[8..40].copy_from_slice(pair.as_ref());
    data[40..48].copy_from_slice(&positive_word0.to_le_bytes());
    data
}

#[test]
fn a_dlmm_swap_beyond_the_default_bitmap_needs_the_extension() {
    let address = Pubkey::new_unique();
    let mints = (Pubkey::new_unique(), Pubkey::new_unique());
    let reserves = (Pubkey::new_unique(), Pubkey::new_unique());
    let mut bitmap = [0u64; 16];
    bitmap[15] = 1 << 63; // array 511, the last the pair's own bitmap covers
    let active_id = 511 * 70 + 69; // the array's last bin
    let pair = encode::lb_pair(&LbPairFields {
        bin_step: 1,
        base_factor: 10_000,
        active_id,
        mints,
        reserves,
        bin_array_bitmap: bitmap,
        ..LbPairFields::default()
    });
    let dlmm = decoder::METEORA_DLMM;
    let mut pool = Pool::from_keyed_account(address, &dlmm, &pair).unwrap();
    let token = decoder::SPL_TOKEN;
    for (mint, vault) in [(mints.0, reserves.0), (mints.1, reserves.1)] {
        pool.update(&mint, &token, &encode::mint(6, u64::MAX / 2))
            .unwrap();
        let holding = encode::token_account(&mint, &address, u64::MAX / 4);
        pool.update(&vault, &token, &holding).unwrap();
    }
    // X in the active bin and in the first bins of array 512.
    let a511 = encode::bin_array(&address, 511, &[(69, 1_000_000, 0)]);
    let a512 = encode::bin_array(&address, 512, &[(0, 1_000_000, 0), (1, 1_000_000, 0)]);
    for (index, bytes) in [(511, &a511), (512, &a512)] {
        let key = market::address::dlmm_bin_array(&address, index);
        assert!(
            pool.accounts_to_update().contains(&key),
            "array {index} followed"
        );
        pool.update(&key, &dlmm, bytes).unwrap();
    }
    let extension_key = pool.accounts().bitmap_extension.unwrap();
    assert_eq!(
        extension_key,
        market::address::dlmm_bitmap_extension(&address)
    );
    let clock = QuoteClock::default();
    // Buy X with Y: more than the active bin holds.
    let amount = 100_000_000;
    let quote = |pool: &Pool| {
        pool.snapshot(clock)
            .unwrap()
            .quote(Direction::BToA, SwapMode::ExactIn, amount)
            .unwrap()
    };
    let without = quote(&pool);
    assert!(!without.is_complete(), "{without:?}");
    assert!(without.amount_out <= 1_000_000);
    pool.update(&extension_key, &dlmm, &dlmm_extension(&address, 1))
        .unwrap();
    let with = quote(&pool);
    assert!(
        with.amount_out > 1_000_000,
        "crossed into array 512: {with:?}"
    );
    pool.update(&extension_key, &dlmm, &dlmm_extension(&address, 0))
        .unwrap();
    assert_eq!(quote(&pool), without);
}
