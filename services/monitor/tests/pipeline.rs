//! The pipeline end to end on the simulator's genuine account bytes: prices come out for every
//! pool, and lagging pools open opportunities that the detector reports.

mod support;

use std::sync::Arc;

use monitor::hub::Hub;
use monitor::source::simulator::{Market, SimulatorConfig};
use protocol::{Channel, OpportunityStatus, ServerMessage};

#[test]
fn the_simulated_market_produces_prices_and_opportunities() {
    let hub = Arc::new(Hub::new(1 << 20));
    let mut rx = hub.subscribe();
    let mut pipeline = support::pipeline(hub.clone());
    let mut market = Market::new(&SimulatorConfig::default());
    pipeline.process(market.snapshot(), None);
    assert_eq!(
        hub.prices().len(),
        16,
        "every simulated pool is priced from its accounts"
    );
    for _ in 0..3_000 {
        let updates = market.step();
        pipeline.process(updates, None);
    }
    let mut opened = 0;
    let mut closed = 0;
    while let Ok(p) = rx.try_recv() {
        if let ServerMessage::Opportunity(o) = p.message.message() {
            match o.status {
                OpportunityStatus::Open => opened += 1,
                OpportunityStatus::Close => closed += 1,
                OpportunityStatus::Update => {}
            }
        }
    }
    assert!(
        opened >= 5 && closed >= 1,
        "opened {opened}, closed {closed}"
    );
    assert!(hub.published(Channel::Prices) > 100);
    let stats = &pipeline.stats;
    assert_eq!(
        stats
            .decode_failures
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    assert_eq!(
        stats
            .model_failures
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[test]
fn seq_grows_by_one_per_channel_message() {
    let hub = Arc::new(Hub::new(1 << 16));
    let mut rx = hub.subscribe();
    let mut pipeline = support::pipeline(hub.clone());
    let mut market = Market::new(&SimulatorConfig::default());
    pipeline.process(market.snapshot(), None);
    for _ in 0..500 {
        pipeline.process(market.step(), None);
    }
    let mut last = [0u64; 4];
    while let Ok(p) = rx.try_recv() {
        assert_eq!(p.seq, last[p.channel.index()] + 1, "gap on {}", p.channel);
        assert_eq!(p.message.message().seq(), Some(p.seq));
        last[p.channel.index()] = p.seq;
    }
    assert!(last[Channel::Prices.index()] > 0);
}
