//! `cargo bench -p pricing --bench dlmm_peer`: our DLMM exact-in quote and the `meteora-dlmm`
//! crate's `quote` side by side on the same pair bytes and amounts (results asserted equal
//! first): within one bin, and across about 5 and 10 bins.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use meteora_dlmm::decode::PoolState;
use pricing::dlmm::{
    BinArray, CollectFeeMode, DlmmParams, DlmmPool, VariableParameters, bin_price_x64,
};
use pricing::{Direction, SwapMode};

const ACTIVE: i32 = 30;
const NOW: i64 = 10;

fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

/// An `LbPair` and two `BinArray`s (-1 and 0) as account bytes: bin step 10, active bin 30,
/// 1e9 of each token per bin on its side, a base and a variable fee.
fn pair_bytes() -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut lb = vec![0u8; 904];
    put(&mut lb, 8, &10_000u16.to_le_bytes()); // base factor
    put(&mut lb, 10, &30u16.to_le_bytes());
    put(&mut lb, 12, &600u16.to_le_bytes());
    put(&mut lb, 14, &5_000u16.to_le_bytes());
    put(&mut lb, 16, &20_000u32.to_le_bytes()); // variable fee control
    put(&mut lb, 20, &350_000u32.to_le_bytes());
    put(&mut lb, 32, &500u16.to_le_bytes());
    put(&mut lb, 48, &ACTIVE.to_le_bytes());
    put(&mut lb, 76, &ACTIVE.to_le_bytes());
    put(&mut lb, 80, &10u16.to_le_bytes());
    let arrays = (-1i64..=0)
        .map(|index| {
            let mut data = vec![0u8; 10_136];
            put(&mut data, 8, &index.to_le_bytes());
            for i in 0..70 {
                let id = index * 70 + i as i64;
                let o = 56 + i * 144;
                if id >= i64::from(ACTIVE) {
                    put(&mut data, o, &1_000_000_000u64.to_le_bytes());
                }
                if id <= i64::from(ACTIVE) {
                    put(&mut data, o + 8, &1_000_000_000u64.to_le_bytes());
                }
                let price = bin_price_x64(id as i32, 10).expect("price");
                put(&mut data, o + 16, &price.to_le_bytes());
            }
            data
        })
        .collect();
    (lb, arrays)
}

fn ours(arrays: &[Vec<u8>]) -> DlmmPool {
    DlmmPool {
        params: DlmmParams {
            bin_step: 10,
            base_factor: 10_000,
            filter_period: 30,
            decay_period: 600,
            reduction_factor: 5_000,
            variable_fee_control: 20_000,
            max_volatility_accumulator: 350_000,
            protocol_share: 500,
            collect_fee_mode: CollectFeeMode::InputOnly,
            ..DlmmParams::default()
        },
        variables: VariableParameters {
            index_reference: ACTIVE,
            ..VariableParameters::default()
        },
        active_id: ACTIVE,
        arrays_with_liquidity: vec![-1, 0],
        bin_arrays: arrays
            .iter()
            .map(|d| BinArray::from_account_bytes(d).expect("bin array"))
            .collect(),
        timestamp: NOW,
        decimals_x: 0,
        decimals_y: 0,
        reserves: Some((u64::MAX, u64::MAX)),
    }
}

// The peer's error type is large; returning it as is keeps its timing honest.
#[allow(clippy::result_large_err)]
fn dlmm_vs_peer(c: &mut Criterion) {
    let (lb, arrays) = pair_bytes();
    let pool = ours(&arrays);
    let peer = PoolState::from_accounts(&lb, &arrays, 0, 0, None, false).expect("peer decode");
    for (name, amount) in [
        ("1_bin", 1_000_000u64),
        ("5_bins", 4_500_000_000),
        ("10_bins", 9_500_000_000),
    ] {
        let s = pool
            .swap(Direction::AToB, SwapMode::ExactIn, amount)
            .expect("swap");
        let q = meteora_dlmm::quote(
            &peer,
            u128::from(amount),
            true,
            NOW,
            false,
            true,
            None,
            None,
        )
        .expect("peer quote");
        assert_eq!(u128::from(s.amount_out), q.amount_out, "{name}");
        eprintln!(
            "dlmm {name}: {} bins crossed, {} out",
            pool.active_id - s.end_active_id,
            s.amount_out
        );
        let mut g = c.benchmark_group(format!("dlmm_exact_in/{name}"));
        g.bench_function("dexmon", |b| {
            b.iter(|| black_box(&pool).swap(Direction::AToB, SwapMode::ExactIn, black_box(amount)))
        });
        g.bench_function("meteora_dlmm", |b| {
            b.iter(|| {
                meteora_dlmm::quote(
                    black_box(&peer),
                    black_box(u128::from(amount)),
                    true,
                    NOW,
                    false,
                    true,
                    None,
                    None,
                )
            })
        });
        g.finish();
    }
}

criterion_group!(benches, dlmm_vs_peer);
criterion_main!(benches);
