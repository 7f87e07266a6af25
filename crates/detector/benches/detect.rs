//! `cargo bench -p detector`: a market of 1,000 pools over 200 tokens, about 5,000 triangles;
//! the time from one pool update to the decisions it causes.
//!
//! The market: a core of 30 tokens all paired with each other (435 pairs, 4,060 triangles),
//! 170 more tokens each paired with three core tokens (510 pairs, 510 triangles), and second venues on 55
//! core pairs: 1,000 constant-product pools in all. Prices are consistent up to noise below the
//! fees, so most updates open nothing, as in a real market; one update in fifty moves a pool
//! by 1–2%, which opens opportunities. Besides criterion's mean, the bench prints the median
//! and p99 of single updates, measured one by one.
//!
//! `detector/apply_cex_book`: the same market, and a stream of exchange books of 20 levels
//! each side for the pair of tokens 0 and 1 (two pools), around the pools' price with noise;
//! one book in fifty is 1–2% off, which opens `cex_dex` opportunities. Timed from
//! `apply_cex` to the returned decisions (criterion's figure includes cloning the book).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use detector::{CexBook, CexLevel, Detector, DetectorConfig, PoolUpdate, TokenInfo};
use market::PoolModel;
use pricing::{AmmV4Params, AmmV4Pool, Vault};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 17
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

fn mint(i: usize) -> [u8; 32] {
    let mut m = [0u8; 32];
    m[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    m
}

fn pool(n: usize, a: usize, b: usize, prices: &[f64], skew: f64, slot: u64, at: u64) -> PoolUpdate {
    // $1,000,000 of each side, at the tokens' prices (raw units, 6 decimals).
    let ra = (1e12 / prices[a]) as u64;
    let rb = (1e12 / prices[b] * skew) as u64;
    let mut address = [0u8; 32];
    address[..8].copy_from_slice(&(n as u64 + 1).to_le_bytes());
    address[31] = 0xEE;
    let curve = PoolModel::RaydiumAmmV4(
        AmmV4Pool::new(AmmV4Params {
            vault_coin: Vault::new(ra, 0),
            vault_pc: Vault::new(rb, 0),
            swap_fee_numerator: 25,
            swap_fee_denominator: 10_000,
            coin_decimals: 6,
            pc_decimals: 6,
        })
        .expect("pool"),
    );
    PoolUpdate {
        address,
        dex: "raydium".into(),
        pool_type: "amm_v4".into(),
        token_a: mint(a),
        token_b: mint(b),
        snapshot: curve.into(),
        reserves: (ra, rb),
        slot,
        received_at_us: at,
    }
}

fn market() -> (Detector, Vec<(usize, usize)>, Vec<f64>) {
    let mut rng = Rng(7);
    let mut detector = Detector::new(
        DetectorConfig {
            max_slot_delta: u64::MAX / 2,
            max_data_age_us: u64::MAX / 2,
            ..DetectorConfig::default()
        },
        mint(0),
    )
    .expect("valid config");
    let prices: Vec<f64> = (0..200)
        .map(|i| {
            if i == 0 {
                180.0
            } else if i == 1 {
                1.0
            } else {
                0.001 + rng.unit() * 50.0
            }
        })
        .collect();
    for i in 0..200 {
        detector.register_token(TokenInfo {
            mint: mint(i),
            symbol: format!("T{i}"),
            decimals: 6,
            quote_rank: if i == 1 {
                3
            } else if i == 0 {
                1
            } else {
                0
            },
        });
    }
    let mut pairs = Vec::new();
    for a in 0..30 {
        for b in a + 1..30 {
            pairs.push((a, b));
        }
    }
    for leaf in 30..200 {
        let k = 3;
        let mut chosen = Vec::new();
        while chosen.len() < k {
            let hub = (rng.next() % 30) as usize;
            if !chosen.contains(&hub) {
                chosen.push(hub);
                pairs.push((hub, leaf));
            }
        }
    }
    // Second venues on core pairs, up to 1,000 pools.
    let mut venues = pairs.clone();
    let mut i = 0;
    while venues.len() < 1_000 {
        venues.push(pairs[i % 435]);
        i += 1;
    }
    for (n, (a, b)) in venues.iter().enumerate() {
        detector.apply(pool(n, *a, *b, &prices, 1.0, 1, 1), 1);
    }
    (detector, venues, prices)
}

fn updates(venues: &[(usize, usize)], prices: &[f64], count: usize) -> Vec<PoolUpdate> {
    let mut rng = Rng(11);
    (0..count)
        .map(|i| {
            let n = (rng.next() % venues.len() as u64) as usize;
            let (a, b) = venues[n];
            let skew = if i % 50 == 0 {
                1.0 + 0.01 + rng.unit() * 0.01
            } else {
                1.0 + (rng.unit() - 0.5) * 0.001
            };
            pool(n, a, b, prices, skew, 2 + i as u64, 2 + i as u64)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let (mut detector, venues, prices) = market();
    eprintln!(
        "market: {} pools, {} triangles",
        venues.len(),
        detector.triangle_count()
    );

    // Single updates, timed one by one for the distribution.
    time_each("update", updates(&venues, &prices, 20_000), |u| {
        let now = u.received_at_us;
        detector.apply(u, now)
    });

    let stream = updates(&venues, &prices, 100_000);
    let mut i = 0usize;
    c.bench_function("detector/apply_one_update", |b| {
        b.iter(|| {
            let u = stream[i % stream.len()].clone();
            i += 1;
            let now = u.received_at_us + (i as u64 / stream.len() as u64) * 1_000_000;
            let mut u = u;
            u.slot += (i / stream.len()) as u64 * 1_000_000;
            u.received_at_us = now;
            black_box(detector.apply(u, now))
        })
    });
}

/// Times `apply` on each input alone (not dropping its events) and prints the distribution.
fn time_each<T, E>(what: &str, inputs: Vec<T>, mut apply: impl FnMut(T) -> Vec<E>) {
    let mut times: Vec<Duration> = Vec::with_capacity(inputs.len());
    let mut events = 0usize;
    for input in inputs {
        let start = Instant::now();
        let out = apply(input);
        times.push(start.elapsed());
        events += out.len();
    }
    times.sort_unstable();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    eprintln!(
        "single {what}: p50 {:?}, p90 {:?}, p99 {:?}, max {:?} over {} {what}s ({} events)",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        times[times.len() - 1],
        times.len(),
        events
    );
}

/// Books for the pair of tokens 0 and 1 (price 180), 20 levels each side.
fn books(count: usize) -> Vec<CexBook> {
    let mut rng = Rng(13);
    (0..count)
        .map(|i| {
            let skew = if i % 50 == 0 {
                let off = 0.01 + rng.unit() * 0.01;
                if i % 100 == 0 { 1.0 + off } else { 1.0 - off }
            } else {
                1.0 + (rng.unit() - 0.5) * 0.001
            };
            let mid = 180.0 * skew;
            let level = |k: usize, sign: f64, rng: &mut Rng| CexLevel {
                price_e8: (mid * (1.0 + sign * (0.0001 + 0.0002 * k as f64)) * 1e8) as u64,
                qty_e8: (1 + rng.next() % 200) * 100_000_000,
            };
            CexBook {
                venue: "binance".into(),
                symbol: "T0T1".into(),
                base_mint: mint(0),
                quote_mint: mint(1),
                bids: (0..20).map(|k| level(k, -1.0, &mut rng)).collect(),
                asks: (0..20).map(|k| level(k, 1.0, &mut rng)).collect(),
                received_at_us: 2 + i as u64,
            }
        })
        .collect()
}

fn bench_cex(c: &mut Criterion) {
    let (mut detector, _, _) = market();
    time_each("book", books(20_000), |book| {
        let now = book.received_at_us;
        detector.apply_cex(book, now)
    });

    let stream = books(10_000);
    let mut i = 0usize;
    c.bench_function("detector/apply_cex_book", |b| {
        b.iter(|| {
            let mut book = stream[i % stream.len()].clone();
            i += 1;
            book.received_at_us += (i / stream.len()) as u64 * 1_000_000;
            let now = book.received_at_us;
            black_box(detector.apply_cex(book, now))
        })
    });
}

criterion_group!(benches, bench, bench_cex);
criterion_main!(benches);
