//! Two ingest publishers that both believe they lead, against a real `nats-server`: the
//! streams' expected-last-sequence check refuses the stale one's publish, it steps down, and
//! the stream's sequence never forks (every message's `seq` is its stream sequence).

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use dexmon_tests::nats::NatsServer;
use dexmon_tests::{TempDir, installed, skip_without, wait};
use monitor::config::nats::NatsSettings;
use monitor::hub::Hub;
use monitor::nats::layout::Layout;
use monitor::nats::lease::Leadership;
use monitor::nats::publish::{PublishStats, Publisher};
use protocol::{Channel, ServerMessage};

fn price(pool: &str, price: f64) -> ServerMessage {
    ServerMessage::PriceUpdate(protocol::PriceUpdate {
        seq: 0,
        timestamp: protocol::Timestamp::default(),
        pair: "SOL/USDC".into(),
        dex: "orca".into(),
        pool_type: "whirlpool".into(),
        pool: pool.into(),
        price,
        bid: None,
        ask: None,
        liquidity: 1.0,
        slot: 1,
        last_update_ms: 0,
        update_received_us: None,
    })
}

struct Node {
    hub: Arc<Hub>,
    leadership: Arc<Leadership>,
    stats: Arc<PublishStats>,
}

fn node(
    js: &jetstream::Context,
    layout: &Layout,
    settings: &NatsSettings,
    name: &str,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Node {
    let hub = Arc::new(Hub::new(1_024));
    let leadership = Arc::new(Leadership::new(name));
    let stats = Arc::new(PublishStats::default());
    leadership.elect();
    let publisher = Publisher::new(
        js.clone(),
        layout.clone(),
        hub.clone(),
        leadership.clone(),
        stats.clone(),
        settings.clone(),
    );
    tokio::spawn(publisher.run(stop.clone()));
    Node {
        hub,
        leadership,
        stats,
    }
}

async fn publish(node: &Node, pool: &str, count: usize, js: &jetstream::Context, layout: &Layout) {
    let before = last_seq(js, layout).await;
    for i in 0..count {
        node.hub.publish(price(pool, 100.0 + i as f64));
    }
    // Wait until the stream moved (or the node stepped down).
    for _ in 0..200 {
        if last_seq(js, layout).await >= before + count as u64 || !node.leadership.is_leader() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn last_seq(js: &jetstream::Context, layout: &Layout) -> u64 {
    layout.last_sequences(js).await.unwrap()[Channel::Prices.index()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_leader_is_refused_and_steps_down() {
    if skip_without(installed("nats-server"), "nats-server") {
        return;
    }
    let dir = TempDir::new("fencing");
    let server = NatsServer::start(dir.path());
    let settings = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let layout = Layout::new("FENCE");
    layout.ensure(&js, &settings).await.unwrap();
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);

    let a = node(&js, &layout, &settings, "a", &stop);
    let b = node(&js, &layout, &settings, "b", &stop);
    // Let both subscribe before anything is published.
    tokio::time::sleep(Duration::from_millis(200)).await;
    publish(&a, "PoolA", 10, &js, &layout).await;
    // b reads the streams when it first publishes, so it continues after a's messages...
    publish(&b, "PoolB", 10, &js, &layout).await;
    // ...and a, which still counts from its own last publish, is refused.
    publish(&a, "PoolA", 10, &js, &layout).await;
    wait::until_async("a to step down", Duration::from_secs(10), || async {
        (!a.leadership.is_leader()).then_some(())
    })
    .await;
    assert!(a.stats.rejected.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    assert!(b.leadership.is_leader(), "the current leader keeps leading");

    // Every message in the stream carries its stream sequence as `seq`.
    let stream = js.get_stream(layout.stream(Channel::Prices)).await.unwrap();
    let last = last_seq(&js, &layout).await;
    assert!(last >= 20, "both leaders' first batches landed: {last}");
    for seq in 1..=last {
        let message = stream.get_raw_message(seq).await.unwrap();
        let decoded = protocol::decode_server(&message.payload, protocol::Codec::Json).unwrap();
        assert_eq!(decoded.seq(), Some(seq), "the stream forked at {seq}");
    }
    println!("{last} messages, all with seq = stream sequence; a was refused and stepped down");
}
