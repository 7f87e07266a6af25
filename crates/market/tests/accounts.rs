//! Which accounts a pool needs: derived addresses match the real mainnet arrays, and the set
//! follows the price.

use decoder::{DecodedAccount, decode_account};
use market::address::{dlmm_bin_array, raydium_clmm_tick_array, whirlpool_tick_array};
use market::test_utils::{fixture_market, pubkey};
use market::{AccountRole, AccountUpdate, Applied, Market, Pool};

/// Every real tick or bin array of a fixture pool re-derives from its pool and start, and
/// sits in the pool's window when it is near the price. (Arrays whose pool is not in the
/// fixtures came from sources that recorded them under other addresses.)
#[test]
fn derived_array_addresses_match_real_arrays() {
    let Some((market, fixtures)) = fixture_market(8) else {
        return;
    };
    let mut matched = 0;
    let mut in_window = 0;
    let pools: Vec<&str> = fixtures
        .iter()
        .filter(|f| f.pool.as_deref() == Some(f.pubkey.as_str()))
        .map(|f| f.pubkey.as_str())
        .collect();
    for array in fixtures.iter().filter(|f| {
        f.kind.contains("Array")
            && !f.kind.contains("Bitmap")
            && f.pool.as_deref().is_some_and(|p| pools.contains(&p))
    }) {
        let key = pubkey(array);
        let decoded = decode_account(&array.account.owner, &array.account.data).unwrap();
        let (pool, derived) = match decoded {
            DecodedAccount::WhirlpoolTickArray(t) => (
                t.whirlpool(),
                whirlpool_tick_array(&t.whirlpool(), t.start_tick_index()),
            ),
            DecodedAccount::RaydiumClmmTickArray(t) => (
                t.pool_id(),
                raydium_clmm_tick_array(&t.pool_id(), t.start_tick_index()),
            ),
            DecodedAccount::DlmmBinArray(b) => {
                (b.lb_pair(), dlmm_bin_array(&b.lb_pair(), b.index()))
            }
            other => panic!("{key}: not an array: {other:?}"),
        };
        assert_eq!(derived, key, "{key} derives to another address");
        matched += 1;
        if let Some(p) = market.pool(&pool) {
            in_window += usize::from(p.accounts_to_update().contains(&key));
        }
    }
    assert!(matched >= 10, "only {matched} arrays checked");
    assert!(
        in_window >= 10,
        "only {in_window} arrays inside their pool's window"
    );
    eprintln!("{matched} real array addresses re-derived, {in_window} inside the radius-8 window");
}

#[test]
fn a_whirlpool_needs_vaults_mints_and_its_window() {
    let Some((_, fixtures)) = fixture_market(1) else {
        return;
    };
    let f = fixtures
        .iter()
        .find(|f| f.pubkey == "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ")
        .unwrap();
    let pool = Pool::with_array_radius(pubkey(f), &f.account.owner, &f.account.data, 1).unwrap();
    let needed = pool.accounts_to_update();
    // itself, two vaults, two mints, three arrays (+ the oracle for adaptive-fee pools)
    let oracle = usize::from(pool.accounts().oracle.is_some());
    assert_eq!(needed.len(), 8 + oracle, "{needed:?}");
    for side in 0..2 {
        assert!(needed.contains(&pool.accounts().vaults[side]));
        assert!(needed.contains(&pool.accounts().mints[side]));
        assert_eq!(
            pool.accounts().role_of(&pool.accounts().mints[side]),
            Some(AccountRole::Mint(side as u8))
        );
    }
}

#[test]
fn a_price_move_across_arrays_shifts_the_window_and_drops_stale_arrays() {
    let Some((market, fixtures)) = fixture_market(1) else {
        return;
    };
    let address = "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ";
    let f = fixtures.iter().find(|f| f.pubkey == address).unwrap();
    let DecodedAccount::Whirlpool(w) = decode_account(&f.account.owner, &f.account.data).unwrap()
    else {
        unreachable!()
    };
    let mut pool = market.pool(&address.parse().unwrap()).unwrap().clone();
    let before = pool.accounts_to_update();
    let span = pricing::clmm::orca::TICK_ARRAY_SIZE * i32::from(w.tick_spacing());
    let mut moved = f.account.data.clone();
    let at = decoder::orca::whirlpool::offset::TICK_CURRENT_INDEX;
    moved[at..at + 4].copy_from_slice(&(w.tick_current_index() + span).to_le_bytes());
    assert!(pool.update(&pubkey(f), &f.account.owner, &moved).unwrap());
    let after = pool.accounts_to_update();
    assert_eq!(before.len(), after.len());
    assert_eq!(
        before.difference(&after).count(),
        1,
        "one array left the window"
    );
}

/// Accounts that arrive before their pool are handed over when it comes; older writes never
/// replace newer ones.
#[test]
fn routing_is_order_independent_and_newest_wins() {
    let Some((reference, fixtures)) = fixture_market(8) else {
        return;
    };
    let mut market = Market::new(8);
    // Pools last.
    let mut ordered: Vec<_> = fixtures.iter().collect();
    ordered.sort_by_key(|f| f.kind.ends_with("Whirlpool") || f.kind.ends_with("LbPair"));
    for f in &ordered {
        market.apply(AccountUpdate {
            pubkey: pubkey(f),
            owner: f.account.owner,
            data: &f.account.data,
            slot: 10,
            write_version: None,
        });
    }
    let clock = market::QuoteClock {
        slot: 10,
        epoch: 800,
        unix_timestamp: 1_760_000_000,
    };
    for address in market::test_utils::COMPLETE_POOLS {
        let key = address.parse().unwrap();
        let late = market.snapshot(&key, clock).map(|s| s.spot_price());
        let early = reference.snapshot(&key, clock).map(|s| s.spot_price());
        assert_eq!(late, early, "{address}");
    }
    // An older write of a vault is ignored; the same write again too.
    let vault = market
        .pool(
            &"HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ"
                .parse()
                .unwrap(),
        )
        .unwrap()
        .accounts()
        .vaults[0];
    let f = fixtures.iter().find(|f| pubkey(f) == vault).unwrap();
    let mut emptied = f.account.data.clone();
    emptied[64..72].copy_from_slice(&0u64.to_le_bytes());
    let update = |data, slot| AccountUpdate {
        pubkey: vault,
        owner: f.account.owner,
        data,
        slot,
        write_version: None,
    };
    assert_eq!(market.apply(update(&emptied, 9)), Applied::Stale);
    assert_eq!(market.apply(update(&f.account.data, 10)), Applied::Stale);
    assert!(matches!(
        market.apply(update(&emptied, 11)),
        Applied::Affects(_)
    ));
    let pool = market
        .pool(
            &"HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ"
                .parse()
                .unwrap(),
        )
        .unwrap();
    assert_eq!(pool.vault_amounts()[0], Some(0));
}
