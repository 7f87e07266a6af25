//! The local view against the monitor's own table (`/api/prices` serves `Hub::prices`) after
//! forced disconnects: every pool the monitor last priced at or before the client's position
//! reads the same, and the open opportunities are the monitor's.

mod common;

use common::{Relay, config, next, settings, start};
use dexmon_client::protocol::{Channel, ServerMessage};
use dexmon_client::{Client, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_view_matches_the_monitor_after_disconnects() {
    let running = start(settings()).await;
    let relay = Relay::start(running.addr).await;
    let mut client = Client::connect(config(relay.addr).view(true))
        .await
        .unwrap();
    let mut position = [0u64; 4];
    let mut resumed = 0;
    let mut prices = 0;
    while resumed < 2 || prices < 1_500 {
        let event = next(&mut client).await;
        match &event {
            Event::Message(ServerMessage::Snapshot(s)) => position[s.channel.index()] = s.seq,
            Event::Message(m) => {
                if let (Some(c), Some(seq)) = (m.channel(), m.seq()) {
                    position[c.index()] = seq;
                    if c == Channel::Prices {
                        prices += 1;
                        if prices % 500 == 0 {
                            relay.cut();
                        }
                    }
                }
            }
            Event::Resumed { .. } => resumed += 1,
            _ => {}
        }
    }
    let view = client.view().unwrap();
    let mut compared = 0;
    for p in running.hub.prices() {
        if p.seq <= position[Channel::Prices.index()] {
            assert_eq!(view.price(&p.pool), Some(&p), "pool {}", p.pool);
            compared += 1;
        }
    }
    assert!(compared > 0, "some pools were compared");
    // Opportunities: what the view holds open is what the monitor held open at that seq.
    if running.hub.seq(Channel::Opportunities) == position[Channel::Opportunities.index()] {
        let mut open: Vec<String> = running
            .hub
            .open_opportunities()
            .into_iter()
            .map(|o| o.id)
            .collect();
        let mut local: Vec<String> = view.opportunities().map(|o| o.id.clone()).collect();
        open.sort();
        local.sort();
        assert_eq!(local, open);
    }
    running.stop();
}
