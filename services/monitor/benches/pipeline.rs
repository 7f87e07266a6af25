//! The pipeline's throughput: simulator account updates (genuine account bytes) through
//! decode ▸ state ▸ price ▸ detect ▸ publish (JSON encoded once by the hub), on one thread,
//! as the service runs it. Run with `cargo bench -p monitor --bench pipeline`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use monitor::hub::Hub;
use monitor::pipeline::{Pipeline, PriceConfig};
use monitor::source::AccountUpdate;
use monitor::source::simulator::{Market, SimulatorConfig};

/// A pipeline that has seen the whole market once, and the next `steps` swaps.
fn prepared(steps: usize) -> (Pipeline, Vec<Vec<AccountUpdate>>) {
    let mut market = Market::new(&SimulatorConfig::default());
    let hub = Arc::new(Hub::new(1 << 16));
    let mut pipeline = Pipeline::new(
        detector::DetectorConfig::default(),
        PriceConfig::default(),
        monitor::tokens::TokenRegistry::default(),
        hub,
    )
    .expect("the default detector configuration is valid");
    pipeline.process(market.snapshot(), Some(market.slot()));
    // Warm the detector's statistics past their warm-up.
    for _ in 0..2_000 {
        pipeline.process(market.step(), Some(market.slot()));
    }
    let swaps = (0..steps).map(|_| market.step()).collect();
    (pipeline, swaps)
}

fn bench(c: &mut Criterion) {
    let steps = 2_000;
    let (_, sample) = prepared(steps);
    let updates: usize = sample.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(updates as u64));
    group.sample_size(20);
    // One swap per batch: the live service at low rates.
    group.bench_function("swap_per_batch", |b| {
        b.iter_batched(
            || prepared(steps),
            |(mut pipeline, swaps)| {
                for swap in swaps {
                    pipeline.process(black_box(swap), None);
                }
                pipeline
            },
            BatchSize::LargeInput,
        );
    });
    // 100 swaps per batch: the service under load, where a batch holds what queued up.
    group.bench_function("100_swaps_per_batch", |b| {
        b.iter_batched(
            || prepared(steps),
            |(mut pipeline, swaps)| {
                for chunk in swaps.chunks(100) {
                    pipeline.process(black_box(chunk.concat()), None);
                }
                pipeline
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
