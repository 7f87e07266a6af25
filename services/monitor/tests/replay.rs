//! Record and replay: a recorded simulator session replays to the same prices and
//! opportunities every time, offline batch by batch and through the running service at 10x.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use monitor::hub::Hub;
use monitor::source::replay::Player;
use monitor::{Settings, cli::SourceArg};
use protocol::Channel;

/// Records about two seconds of the simulator at 5,000 updates/s.
async fn record_session(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("dexmon-{name}-{}.rec", std::process::id()));
    let mut settings = Settings::default();
    settings.simulator.updates_per_second = 5_000;
    settings.record = Some(path.clone());
    let running = monitor::start(settings).await.unwrap();
    let hub = running.hub.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    // Recordings hold account updates, not exchange books: only the opportunities between
    // pools can come back in a replay, so only those count.
    let between_pools = || {
        hub.recent(Channel::Opportunities, usize::MAX)
            .iter()
            .filter(|p| {
                !matches!(p.message.message(), protocol::ServerMessage::Opportunity(o)
                    if o.opportunity_type == protocol::OpportunityType::CexDex)
            })
            .count()
    };
    while between_pools() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no opportunities recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    running.stop();
    running.wait().await.unwrap();
    path
}

/// A published message without its wall-clock `timestamp`, the one field a replay may not
/// repeat.
fn comparable(bytes: &[u8]) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    value.as_object_mut().unwrap().remove("timestamp");
    value
}

/// Every price and opportunity message an offline replay publishes.
fn replay_offline(path: &Path) -> Vec<serde_json::Value> {
    let hub = Arc::new(Hub::new(1 << 20));
    let mut rx = hub.subscribe();
    let mut pipeline = support::pipeline(hub.clone());
    let mut player = Player::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    let base_us = 1_000_000;
    while let Some(batch) = player.next_batch().unwrap() {
        let (offset, unix_ms) = batch.processed_at.expect("recorded batches are complete");
        let clock = monitor::clock::BatchClock {
            now_us: base_us + offset,
            unix_us: unix_ms * 1_000,
        };
        let mut updates = batch.updates;
        for u in &mut updates {
            u.received_at_us += base_us;
        }
        pipeline.process_at(updates, batch.slot, clock);
        while let Ok(published) = rx.try_recv() {
            if matches!(published.channel, Channel::Prices | Channel::Opportunities) {
                out.push(comparable(
                    &published.message.bytes(protocol::Codec::Json).unwrap(),
                ));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_recording_replays_to_the_same_messages() {
    let path = record_session("determinism").await;
    let first = replay_offline(&path);
    let second = replay_offline(&path);
    let opportunities = first.iter().filter(|m| m["type"] == "opportunity").count();
    eprintln!(
        "replayed {} messages ({opportunities} opportunities) from {} bytes",
        first.len(),
        std::fs::metadata(&path).unwrap().len()
    );
    assert!(first.len() > 100, "a real session: {}", first.len());
    assert!(
        opportunities >= 3,
        "opportunities replayed: {opportunities}"
    );
    assert_eq!(first.len(), second.len());
    for (i, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(a, b, "message {i} differs");
    }
    let _ = std::fs::remove_file(&path);
}

/// Through the running service, paced at 10x: the same counts and the same final prices.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_replays_the_same_market_at_ten_times_speed() {
    let path = record_session("service").await;
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let settings = Settings {
            source: SourceArg::Replay(path.clone()),
            replay_speed: 10.0,
            ..Settings::default()
        };
        let running = monitor::start(settings).await.unwrap();
        let hub = running.hub.clone();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while running.source.get().1.as_deref() != Some("replay finished") {
            assert!(
                tokio::time::Instant::now() < deadline,
                "replay did not finish"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        running.stop();
        running.wait().await.unwrap();
        let prices: Vec<_> = hub
            .prices()
            .into_iter()
            .map(|p| (p.pool, p.price.to_bits(), p.slot, p.seq))
            .collect();
        outcomes.push((
            hub.seq(Channel::Prices),
            hub.seq(Channel::Opportunities),
            prices,
        ));
    }
    eprintln!(
        "service replay: {} prices, {} opportunities",
        outcomes[0].0, outcomes[0].1
    );
    assert!(outcomes[0].0 > 100 && outcomes[0].1 >= 3);
    assert_eq!(outcomes[0], outcomes[1]);
    let _ = std::fs::remove_file(&path);
}
