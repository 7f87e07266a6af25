//! Real mainnet pools, assembled from their real accounts, quote with the mints' decimals.

use market::test_utils::{COMPLETE_POOLS, fixture_market};
use market::{AccountRole, MarketError, Pool, QuoteClock, SwapMode};
use pricing::Direction;

const CLOCK: QuoteClock = QuoteClock {
    slot: 330_000_000,
    epoch: 800,
    unix_timestamp: 1_760_000_000,
};

fn key(s: &str) -> decoder::Pubkey {
    s.parse().unwrap()
}

#[test]
fn every_complete_fixture_pool_quotes_both_ways() {
    let Some((market, _)) = fixture_market(8) else {
        return;
    };
    for address in COMPLETE_POOLS {
        let pool = market
            .pool(&key(address))
            .unwrap_or_else(|| panic!("{address} not a pool"));
        let snapshot = pool
            .snapshot(CLOCK)
            .unwrap_or_else(|e| panic!("{address}: {e}"));
        let mints = pool.mints();
        assert_eq!(
            snapshot.decimals(),
            (mints[0].unwrap().decimals, mints[1].unwrap().decimals),
            "{address}: decimals come from the mints"
        );
        for (direction, decimals) in [
            (Direction::AToB, snapshot.decimals().0),
            (Direction::BToA, snapshot.decimals().1),
        ] {
            // One whole token in.
            let q = snapshot
                .quote(direction, SwapMode::ExactIn, 10u64.pow(u32::from(decimals)))
                .unwrap_or_else(|e| panic!("{address} {direction:?}: {e}"));
            assert!(q.amount_out > 0 || !q.is_complete(), "{address}: {q:?}");
        }
    }
}

/// The scale an outside probe saw published wrong when decimals came from a built-in list.
#[test]
fn prices_use_the_mints_decimals() {
    let Some((market, _)) = fixture_market(8) else {
        return;
    };
    for (address, expected) in [
        ("EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig", 1.4483e-3),
        ("9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd", 0.001),
    ] {
        let snapshot = market.snapshot(&key(address), CLOCK).unwrap();
        let (da, db) = snapshot.decimals();
        let price = snapshot.spot_price().to_f64(da, db);
        // Published prices are oriented base/quote, so either side may be the one shown.
        let close = |p: f64| (p / expected - 1.0).abs() < 0.01;
        assert!(
            close(price) || close(1.0 / price),
            "{address}: {price} (decimals {da}/{db}), expected about {expected}"
        );
    }
}

#[test]
fn a_pool_without_its_mints_is_not_priced() {
    let Some((_, fixtures)) = fixture_market(8) else {
        return;
    };
    let address = key(COMPLETE_POOLS[0]);
    let own = fixtures
        .iter()
        .find(|f| f.pubkey == COMPLETE_POOLS[0])
        .unwrap();
    let mut pool =
        Pool::from_keyed_account(address, &own.account.owner, &own.account.data).unwrap();
    let needed = pool.accounts_to_update();
    for f in &fixtures {
        let k = key(&f.pubkey);
        let is_mint = pool.accounts().mints.contains(&k);
        if k != address
            && !is_mint
            && (needed.contains(&k) || f.pool.as_deref() == Some(COMPLETE_POOLS[0]))
        {
            let _ = pool.update(&k, &f.account.owner, &f.account.data);
        }
    }
    match pool.snapshot(CLOCK) {
        Err(MarketError::MissingAccount {
            role: AccountRole::Mint(0),
            account,
        }) => {
            assert_eq!(account, pool.accounts().mints[0]);
        }
        other => panic!("expected a missing mint, got {other:?}"),
    }
}
