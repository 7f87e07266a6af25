//! The `getProgramAccounts` filters, applied with the RPC's semantics to every real mainnet
//! account in the fixtures: a pair's two searches find exactly the pools of that pair, in
//! either mint order, and nothing else.

use decoder::discovery::{AccountFilter, POOL_LAYOUTS, PoolLayout};
use decoder::test_utils::all_fixtures;
use decoder::*;
use proptest::prelude::*;

/// A pool account's program and mints, read by the decoder itself.
fn pool_mints(owner: &Pubkey, data: &[u8]) -> Option<(Program, [Pubkey; 2])> {
    let mints = match decode_account(owner, data).ok()? {
        DecodedAccount::RaydiumAmmV4(p) => [p.coin_mint(), p.pc_mint()],
        DecodedAccount::RaydiumCpmmPool(p) => [p.token_0_mint(), p.token_1_mint()],
        DecodedAccount::RaydiumClmmPool(p) => [p.token_mint_0(), p.token_mint_1()],
        DecodedAccount::Whirlpool(p) => [p.token_mint_a(), p.token_mint_b()],
        DecodedAccount::DlmmLbPair(p) => [p.token_x_mint(), p.token_y_mint()],
        _ => return None,
    };
    Some((Program::from_owner(owner)?, mints))
}

fn passes(filters: &[AccountFilter], data: &[u8]) -> bool {
    filters.iter().all(|f| f.matches(data))
}

#[test]
fn each_pair_search_finds_exactly_its_pools_in_either_order() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let pools: Vec<_> = fixtures
        .iter()
        .filter_map(|f| pool_mints(&f.account.owner, &f.account.data).map(|p| (f, p)))
        .collect();
    let programs: std::collections::BTreeSet<String> =
        pools.iter().map(|(_, (p, _))| p.to_string()).collect();
    assert_eq!(programs.len(), 5, "a pool of every program: {programs:?}");
    for (pool, (program, [a, b])) in &pools {
        let layout = PoolLayout::of(*program).expect("a pool program has a layout");
        assert!(layout.pair_filters(a, b).iter().all(|f| f.len() <= 4));
        // Asked either way round, the pair finds the pool once: in the order it stores.
        for (x, y) in [(a, b), (b, a)] {
            let [straight, reversed] = layout.pair_filters(x, y);
            let hits = [straight, reversed].map(|f| passes(&f, &pool.account.data));
            assert_eq!(hits, [x == a, x == b], "{} asked {x}/{y}", pool.pubkey);
        }
        // Every other account of every program, pools of other pairs included, is left out.
        for other in &fixtures {
            let same_pair = pool_mints(&other.account.owner, &other.account.data)
                .is_some_and(|(p, m)| p == *program && (m == [*a, *b] || m == [*b, *a]));
            let found = other.account.owner == program.id()
                && layout
                    .pair_filters(a, b)
                    .iter()
                    .any(|f| passes(f, &other.account.data));
            assert_eq!(
                found, same_pair,
                "{} searched for {}",
                other.pubkey, pool.pubkey
            );
        }
        // A token search finds the pool at its mint's position.
        assert!(passes(&layout.token_filters(a)[0], &pool.account.data));
        assert!(passes(&layout.token_filters(b)[1], &pool.account.data));
        // The mints come back from the slice discovery asks for.
        let slice = layout.mint_slice();
        let bytes = &pool.account.data[slice.offset..slice.offset + slice.length];
        assert_eq!(layout.mints_in_slice(bytes).unwrap(), [*a, *b]);
    }
}

#[test]
fn the_filters_speak_json_rpc() {
    let sol: Pubkey = "So11111111111111111111111111111111111111112"
        .parse()
        .unwrap();
    let usdc: Pubkey = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
        .parse()
        .unwrap();
    let whirlpool = PoolLayout::of(Program::OrcaWhirlpool).unwrap();
    let [first, _] = whirlpool.pair_filters(&sol, &usdc);
    let json: Vec<_> = first.iter().map(AccountFilter::to_json).collect();
    assert_eq!(json[0], serde_json::json!({ "dataSize": 653 }));
    assert_eq!(
        json[1],
        serde_json::json!({ "memcmp": { "offset": 0, "bytes": "P5XRDOGAYwk=", "encoding": "base64" } })
    );
    assert_eq!(
        json[2],
        serde_json::json!({ "memcmp": { "offset": 101, "bytes": sol.to_string(), "encoding": "base58" } })
    );
    assert_eq!(json[3]["memcmp"]["offset"], 181);
    assert_eq!(
        whirlpool.mint_slice().to_json(),
        serde_json::json!({ "offset": 101, "length": 112 })
    );
    let amm = PoolLayout::of(Program::RaydiumAmmV4).unwrap();
    assert_eq!(
        amm.pair_filters(&sol, &usdc)[0].len(),
        3,
        "no discriminator"
    );
    assert!(PoolLayout::of(Program::SplToken).is_none());
    assert_eq!(POOL_LAYOUTS.len(), 5);
}

#[test]
fn program_accounts_answers_parse_with_their_slices() {
    // The shape Agave answers `getProgramAccounts` with `withContext` and a `dataSlice`:
    // `data` is the slice, `space` the whole account.
    let json = br#"{"jsonrpc":"2.0","result":{"context":{"apiVersion":"2.1.9","slot":42},
        "value":[{"pubkey":"HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ","account":{
        "data":["AQID","base64"],"executable":false,"lamports":7,
        "owner":"whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc","rentEpoch":18446744073709551615,
        "space":653}}]},"id":1}"#;
    let parsed = decoder::rpc::parse_get_program_accounts(json).unwrap();
    assert_eq!(parsed.slot, 42);
    let only = &parsed.accounts[0];
    assert_eq!(
        only.pubkey.to_string(),
        "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ"
    );
    assert_eq!(
        (only.account.data.as_slice(), only.space),
        (&[1u8, 2, 3][..], Some(653))
    );
    assert_eq!(only.account.owner, ORCA_WHIRLPOOL);
    let refused =
        br#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}"#;
    let err = decoder::rpc::parse_get_program_accounts(refused).unwrap_err();
    assert!(err.to_string().contains("-32601"), "{err}");
}

proptest! {
    /// No bytes make the answer parser panic.
    #[test]
    fn program_accounts_parser_never_panics(data in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = decoder::rpc::parse_get_program_accounts(&data);
    }

    /// Filters and slices never panic on any bytes.
    #[test]
    fn filters_and_slices_never_panic(
        data in prop::collection::vec(any::<u8>(), 0..1600),
        offset in 0usize..2000,
        key in any::<[u8; 32]>(),
        which in 0usize..5,
    ) {
        let layout = &POOL_LAYOUTS[which];
        let key = Pubkey::new_from_array(key);
        let memcmp = AccountFilter::Memcmp { offset, bytes: decoder::discovery::MemcmpBytes::Pubkey(key) };
        let _ = memcmp.matches(&data);
        let _ = AccountFilter::Memcmp { offset: usize::MAX, bytes: decoder::discovery::MemcmpBytes::Pubkey(key) }.matches(&data);
        for filters in layout.pair_filters(&key, &key) {
            let _ = passes(&filters, &data);
        }
        let _ = layout.mints_in_slice(&data);
    }
}
