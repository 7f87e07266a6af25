//! `cargo bench -p decoder`: decoding (and validating) each account kind from bytes, and, in
//! the same run, the Borsh route Orca users take today (`orca_whirlpools_client`, which
//! `AccountDeserialize` also uses) on the same accounts.
//!
//! Each decode is followed by reading the fields a pricer needs, so a lazy view is not
//! credited for work it skipped.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use decoder::test_utils::{Fixture, all_fixtures, by_pubkey};
use decoder::*;

fn fixture<'a>(fixtures: &'a [Fixture], pubkey: &str) -> &'a Fixture {
    by_pubkey(fixtures, pubkey).unwrap_or_else(|| panic!("fixture {pubkey} missing"))
}

fn decode_kinds(c: &mut Criterion, fixtures: &[Fixture]) {
    let cases = [
        (
            "raydium_amm_v4",
            "58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2",
        ),
        (
            "raydium_cpmm_pool",
            "Q2sPHPdUWFMg7M7wwrQKLrn619cAucfRsmhVJffodSp",
        ),
        (
            "raydium_clmm_pool",
            "3ucNos4NbumPLZNWztqGHNFFgkHeRMBQAVemeeomsUxv",
        ),
        (
            "raydium_clmm_tick_array",
            "HBytvMypGaPRENK9w9HmtFeNLr9xCHvPamcCiiYsYvqY",
        ),
        (
            "orca_whirlpool",
            "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ",
        ),
        (
            "orca_tick_array",
            "2Eh8HEeu45tCWxY6ruLLRN6VcTSD7bfshGj7bZA87Kne",
        ),
        (
            "orca_dynamic_tick_array",
            "FmnzW4qBd5fkyDtqPjA5a3vpQeqstSEG12REFb68dTZa",
        ),
        (
            "meteora_lb_pair",
            "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig",
        ),
        (
            "meteora_bin_array",
            "5Sm2ecMeqohRkNpFJPWSqHL1BkA7AEW4ck8TmdF1gD4t",
        ),
        (
            "spl_token_account",
            "2JTw1fE2wz1SymWUQ7UqpVtrTuKjcd6mWwYwUJUCh2rq",
        ),
        ("spl_mint", "So11111111111111111111111111111111111111112"),
        (
            "token_2022_mint",
            "B4rGSdcBrmLEPUQXpZa91PMsRE3GqNcjLd6EMvM3yaj2",
        ),
    ];
    let mut group = c.benchmark_group("decode_account");
    for (name, pubkey) in cases {
        let f = fixture(fixtures, pubkey);
        let (owner, data) = (f.account.owner, f.account.data.clone());
        group.bench_function(name, |b| {
            b.iter(|| {
                let decoded = decode_account(black_box(&owner), black_box(&data)).unwrap();
                black_box(decoded.kind())
            })
        });
    }
    group.finish();
}

fn whirlpool_vs_borsh(c: &mut Criterion, fixtures: &[Fixture]) {
    let pool = fixture(fixtures, "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ")
        .account
        .data
        .clone();
    let ticks = fixture(fixtures, "2Eh8HEeu45tCWxY6ruLLRN6VcTSD7bfshGj7bZA87Kne")
        .account
        .data
        .clone();

    let mut group = c.benchmark_group("whirlpool_pool");
    group.bench_function("dexmon", |b| {
        b.iter(|| {
            let p = decode_account(black_box(&ORCA_WHIRLPOOL), black_box(&pool)).unwrap();
            let DecodedAccount::Whirlpool(p) = p else {
                unreachable!()
            };
            black_box((
                p.sqrt_price(),
                p.liquidity(),
                p.tick_current_index(),
                p.fee_rate(),
                p.token_vault_a(),
                p.token_vault_b(),
            ))
        })
    });
    group.bench_function("orca_whirlpools_client_borsh", |b| {
        b.iter(|| {
            let p = orca_whirlpools_client::Whirlpool::from_bytes(black_box(&pool)).unwrap();
            black_box((
                p.sqrt_price,
                p.liquidity,
                p.tick_current_index,
                p.fee_rate,
                p.token_vault_a,
                p.token_vault_b,
            ))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("whirlpool_tick_array");
    group.bench_function("dexmon", |b| {
        b.iter(|| {
            let t = WhirlpoolTickArray::from_bytes(black_box(&ticks)).unwrap();
            let net: i128 = t
                .ticks()
                .filter(|k| k.initialized())
                .map(|k| k.liquidity_net())
                .sum();
            black_box((t.start_tick_index(), net))
        })
    });
    group.bench_function("orca_whirlpools_client_borsh", |b| {
        b.iter(|| {
            let t = orca_whirlpools_client::FixedTickArray::from_bytes(black_box(&ticks)).unwrap();
            let net: i128 = t
                .ticks
                .iter()
                .filter(|k| k.initialized)
                .map(|k| k.liquidity_net)
                .sum();
            black_box((t.start_tick_index, net))
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let Some(fixtures) = all_fixtures() else {
        eprintln!("NOTICE: decoder benchmarks need the fixtures (DEXMON_FIXTURES)");
        return;
    };
    decode_kinds(c, &fixtures);
    whirlpool_vs_borsh(c, &fixtures);
}

criterion_group!(decoder_benches, benches);
criterion_main!(decoder_benches);
