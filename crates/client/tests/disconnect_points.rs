//! Property: wherever the connection dies, the application's stream is the server's. Each
//! case cuts the connection after a random number of events (so mid-snapshot, mid-replay and
//! between live messages all occur), and the ledger checks every channel's continuity and
//! every message against what the server published.

mod common;

use common::{Ledger, Relay, config, next, settings, start};
use dexmon_client::protocol::Channel;
use dexmon_client::{Client, channels};
use proptest::prelude::*;

async fn run(cuts: Vec<usize>) {
    let running = start(settings()).await;
    let relay = Relay::start(running.addr).await;
    let mut client = Client::connect(config(relay.addr)).await.unwrap();
    client
        .unsubscribe(channels([Channel::Prices]))
        .await
        .unwrap();
    let mut ledger = Ledger::default();
    for (round, after) in cuts.iter().enumerate() {
        for _ in 0..*after {
            ledger.record(&next(&mut client).await);
        }
        relay.cut();
        while ledger.resumed.len() <= round {
            ledger.record(&next(&mut client).await);
        }
    }
    let target = ledger.count(Channel::Health) + 3;
    while ledger.count(Channel::Health) < target {
        ledger.record(&next(&mut client).await);
    }
    assert!(ledger.resumed.iter().all(|r| *r), "{:?}", ledger.resumed);
    assert!(ledger.gaps.is_empty(), "{:?}", ledger.gaps);
    for channel in [Channel::Opportunities, Channel::Health, Channel::Logs] {
        ledger.matches_server(&running, channel);
    }
    running.stop();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_disconnect_point_keeps_the_stream_exact(cuts in prop::collection::vec(0usize..60, 1..4)) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run(cuts));
    }
}
