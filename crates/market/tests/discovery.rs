//! What discovery needs from `market`: a pool's liquidity valued through the pool itself
//! (exact, in either token) and the Metaplex metadata address of a mint, on real accounts.

use decoder::Pubkey;
use decoder::test_utils::metadata_fixtures;
use market::test_utils::{COMPLETE_POOLS, fixture_market};
use market::{MarketError, QuoteClock};
use pricing::helpers::{PoolToken, pool_value};

const CLOCK: QuoteClock = QuoteClock {
    slot: 1,
    epoch: 800,
    unix_timestamp: 1_760_000_000,
};

#[test]
fn complete_pools_are_valued_in_either_token() {
    let Some((market, _)) = fixture_market(2) else {
        return;
    };
    for address in COMPLETE_POOLS {
        let pool = market.pool(&address.parse().unwrap()).unwrap();
        let [mint_a, mint_b] = pool.accounts().mints;
        let [vault_a, vault_b] = pool.vault_amounts().map(Option::unwrap);
        let in_b = pool.liquidity_in(&mint_b, CLOCK).unwrap();
        let in_a = pool.liquidity_in(&mint_a, CLOCK).unwrap();
        // Each side's own balance is counted whole; the other side is worth something.
        assert!(
            in_b >= u128::from(vault_b) && in_a >= u128::from(vault_a),
            "{address}"
        );
        // The float display formula agrees to rounding.
        let snapshot = pool.snapshot(CLOCK).unwrap();
        let price = snapshot.spot_price();
        let float_b = pool_value(vault_a, vault_b, &price, 0, 0, PoolToken::B);
        let float_a = pool_value(vault_a, vault_b, &price, 0, 0, PoolToken::A);
        for (exact, float) in [(in_b, float_b), (in_a, float_a)] {
            let relative = ((exact as f64) - float).abs() / float.max(1.0);
            assert!(relative < 1e-9, "{address}: {exact} vs {float}");
        }
        eprintln!("{address}: {in_a} raw A, {in_b} raw B");
    }
    let pool = market.pool(&COMPLETE_POOLS[0].parse().unwrap()).unwrap();
    assert!(matches!(
        pool.liquidity_in(&Pubkey::new_unique(), CLOCK),
        Err(MarketError::UnknownMint(_))
    ));
}

#[test]
fn a_pool_without_its_vaults_cannot_be_valued() {
    let Some(fixtures) = decoder::test_utils::all_fixtures() else {
        return;
    };
    // Only the pool account: nothing else has arrived.
    let f = fixtures
        .iter()
        .find(|f| f.kind == "raydium-clmm.PoolState")
        .unwrap();
    let pool = market::Pool::from_keyed_account(
        f.pubkey.parse().unwrap(),
        &f.account.owner,
        &f.account.data,
    )
    .unwrap();
    let mint = pool.accounts().mints[0];
    assert!(matches!(
        pool.liquidity_in(&mint, CLOCK),
        Err(MarketError::MissingAccount { .. })
    ));
}

#[test]
fn metaplex_metadata_addresses_are_derived_from_the_mint() {
    let Some(fixtures) = metadata_fixtures() else {
        return;
    };
    let metaplex: Vec<_> = fixtures
        .iter()
        .filter(|f| f.kind == "metaplex.Metadata")
        .collect();
    assert_eq!(metaplex.len(), 3);
    for f in metaplex {
        let mint: Pubkey = f.expected.as_ref().unwrap()["mint"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            market::address::metaplex_metadata(&mint).to_string(),
            f.pubkey
        );
    }
}

#[test]
fn a_removed_pool_comes_back_from_the_same_writes() {
    let Some((mut market, fixtures)) = fixture_market(2) else {
        return;
    };
    let address: Pubkey = COMPLETE_POOLS[0].parse().unwrap();
    assert!(market.pool(&address).unwrap().snapshot(CLOCK).is_ok());
    market.remove_pool(&address).unwrap();
    assert!(market.pool(&address).is_none());
    // The same accounts at the same slots, as a fresh RPC read gives them.
    for f in &fixtures {
        market.apply(market::AccountUpdate {
            pubkey: market::test_utils::pubkey(f),
            owner: f.account.owner,
            data: &f.account.data,
            slot: f.slot.unwrap_or(1),
            write_version: None,
        });
    }
    let pool = market.pool(&address).expect("the pool is back");
    assert!(
        pool.snapshot(CLOCK).is_ok(),
        "quotable again, arrays included"
    );
}
