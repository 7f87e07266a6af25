//! The client against the real monitor on loopback: lost connections, a restarted monitor and
//! a history too short to resume. The application's stream must be the server's, message for
//! message, with an explicit `Gap` exactly where recovery was impossible.

mod common;

use std::time::Duration;

use common::{Ledger, Relay, config, next, read_until, settings, start};
use dexmon_client::protocol::{Channel, ServerMessage};
use dexmon_client::{Client, Event, channels};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_connection_resumes_every_channel_exactly() {
    let running = start(settings()).await;
    let relay = Relay::start(running.addr).await;
    let mut client = Client::connect(config(relay.addr)).await.unwrap();
    // Prices conflate per pool for a client that falls behind, so this test follows the
    // channels that are delivered without loss; the subscription must survive reconnects.
    let ack = client
        .unsubscribe(channels([Channel::Prices]))
        .await
        .unwrap();
    assert!(!ack.channels.contains(&Channel::Prices));
    let mut ledger = Ledger::default();
    for round in 1..=3 {
        let target = ledger.count(Channel::Health) + 5;
        read_until(&mut client, &mut ledger, |l| {
            l.count(Channel::Health) >= target
        })
        .await;
        relay.cut();
        read_until(&mut client, &mut ledger, |l| l.resumed.len() == round).await;
    }
    let target = ledger.count(Channel::Health) + 5;
    read_until(&mut client, &mut ledger, |l| {
        l.count(Channel::Health) >= target
    })
    .await;
    assert_eq!(ledger.resumed, vec![true, true, true]);
    assert!(
        ledger.gaps.is_empty(),
        "nothing was lost: {:?}",
        ledger.gaps
    );
    assert_eq!(ledger.epochs.len(), 4);
    assert_eq!(
        Some(ledger.count(Channel::Prices)),
        ledger.prices_at_unsubscribe,
        "no prices after the unsubscribe, on any connection: it was restored"
    );
    for channel in [Channel::Opportunities, Channel::Health, Channel::Logs] {
        ledger.matches_server(&running, channel);
    }
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_monitor_is_a_gap_then_a_snapshot() {
    let first = start(settings()).await;
    let addr = first.addr;
    let mut client = Client::connect(config(addr)).await.unwrap();
    let mut ledger = Ledger::default();
    read_until(&mut client, &mut ledger, |l| l.count(Channel::Health) >= 5).await;
    first.stop();
    first.wait().await.unwrap();
    let mut s = settings();
    s.listen = addr.to_string();
    let second = start(s).await;
    read_until(&mut client, &mut ledger, |l| {
        l.gaps.iter().any(|g| g.0 == Channel::Health)
    })
    .await;
    let target = ledger.count(Channel::Health) + 3;
    read_until(&mut client, &mut ledger, |l| {
        l.count(Channel::Health) >= target
    })
    .await;
    assert_eq!(ledger.disconnects.first(), Some(&Some(1001)), "going away");
    assert_eq!(ledger.resumed, vec![false]);
    assert_ne!(ledger.epochs[0], ledger.epochs[1]);
    let gapped: Vec<Channel> = ledger.gaps.iter().map(|g| g.0).collect();
    for channel in [Channel::Prices, Channel::Opportunities, Channel::Health] {
        assert!(gapped.contains(&channel), "{channel} has a gap: {gapped:?}");
    }
    ledger.matches_server(&second, Channel::Health);
    second.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_too_short_to_resume_is_a_gap_then_the_snapshot() {
    let mut s = settings();
    s.history = monitor::hub::HistoryLimits {
        max_messages: 3,
        max_age_us: 300_000_000,
    };
    let running = start(s).await;
    let relay = Relay::start(running.addr).await;
    let mut client = Client::connect(config(relay.addr)).await.unwrap();
    client
        .unsubscribe(channels([Channel::Prices]))
        .await
        .unwrap();
    let mut ledger = Ledger::default();
    read_until(&mut client, &mut ledger, |l| l.count(Channel::Health) >= 3).await;
    relay.hold(true);
    relay.cut();
    // Stay away until more health reports were published than the history holds.
    let seen = running.hub.seq(Channel::Health);
    while running.hub.seq(Channel::Health) < seen + 10 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    relay.hold(false);
    read_until(&mut client, &mut ledger, |l| {
        l.gaps.iter().any(|g| g.0 == Channel::Health)
    })
    .await;
    let target = ledger.count(Channel::Health) + 3;
    read_until(&mut client, &mut ledger, |l| {
        l.count(Channel::Health) >= target
    })
    .await;
    assert_eq!(ledger.resumed, vec![false]);
    let health_gap = ledger
        .gaps
        .iter()
        .find(|g| g.0 == Channel::Health)
        .expect("a health gap");
    assert!(
        health_gap.1 <= seen + 1,
        "the gap starts at or before the cut"
    );
    assert!(health_gap.2 >= seen + 10, "and ends at the fresh snapshot");
    ledger.matches_server(&running, Channel::Health);
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_refused_and_not_retried() {
    let mut s = settings();
    s.auth.tokens = vec![monitor::auth::Token::new("right")];
    let running = start(s).await;
    let err = Client::connect(config(running.addr).token("wrong"))
        .await
        .unwrap_err();
    assert!(matches!(err, dexmon_client::Error::Unauthorized), "{err}");
    let mut client = Client::connect(config(running.addr).token("right"))
        .await
        .unwrap();
    assert!(matches!(
        next(&mut client).await,
        Event::Message(ServerMessage::Connected(_))
    ));
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_acknowledged_by_id_survive_reconnects() {
    let running = start(settings()).await;
    let relay = Relay::start(running.addr).await;
    let mut client = Client::connect(config(relay.addr)).await.unwrap();
    let ack = client
        .subscribe(dexmon_client::protocol::Subscription {
            pairs: Some(vec!["SOL/USDC".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ack.pairs, Some(vec!["SOL/USDC".to_owned()]));
    assert!(ack.id.is_some(), "acknowledged by the id the client sent");
    let mut acked = false;
    let mut after_ack = 0;
    let mut resumed = 0;
    while resumed < 2 || after_ack < 200 {
        match next(&mut client).await {
            Event::Message(ServerMessage::Subscribed(a)) if a.id == ack.id => acked = true,
            Event::Message(ServerMessage::PriceUpdate(p)) if acked => {
                assert_eq!(
                    p.pair, "SOL/USDC",
                    "the pair filter holds on every connection"
                );
                after_ack += 1;
                if after_ack % 100 == 0 {
                    relay.cut();
                }
            }
            Event::Message(ServerMessage::Snapshot(s)) if acked && s.channel == Channel::Prices => {
                let prices = s.prices.unwrap_or_default();
                assert!(
                    prices.iter().all(|p| p.pair == "SOL/USDC"),
                    "filtered snapshot"
                );
            }
            Event::Resumed { .. } => resumed += 1,
            _ => {}
        }
    }
    running.stop();
}
