//! The client's connection rules against the real monitor on loopback: close code 4008, a
//! silent (stale) connection, a reconnect budget that runs out, MessagePack, and alerts that
//! outlive a reconnect.

mod common;

use std::time::Duration;

use common::{Ledger, Relay, config, next, read_until, settings, start};
use dexmon_client::protocol::{Alert, AlertCondition, Channel, Codec, ServerMessage, close_code};
use dexmon_client::{Backoff, Client, Error, Event, channels};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_close_is_reconnected_and_resumed() {
    let mut s = settings();
    // A flood of 1 KiB logs, from a second after start, and a small outbox: a client that
    // stops reading is closed with 4008 within seconds.
    s.bench_publish = monitor::BenchPublish {
        rate: 5_000,
        payload_bytes: 1_024,
        delay: Duration::from_secs(1),
    };
    s.ws.outbox_capacity = 64;
    let running = start(s).await;
    let mut client = Client::connect(config(running.addr).event_capacity(1))
        .await
        .unwrap();
    let mut ledger = Ledger::default();
    read_until(&mut client, &mut ledger, |l| l.count(Channel::Logs) >= 10).await;
    // The application stops taking events: the client stops reading its socket.
    tokio::time::sleep(Duration::from_secs(4)).await;
    read_until(&mut client, &mut ledger, |l| !l.resumed.is_empty()).await;
    assert_eq!(
        ledger.disconnects.first(),
        Some(&Some(close_code::SLOW_CONSUMER)),
        "{:?}",
        ledger.disconnects
    );
    // The ledger checked continuity on every event: what was lost, if anything, is an
    // explicit gap followed by its snapshot, never a silent jump.
    let target = ledger.count(Channel::Logs) + 50;
    read_until(&mut client, &mut ledger, |l| {
        l.count(Channel::Logs) >= target
    })
    .await;
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_stale_and_replaced() {
    let mut s = settings();
    s.ws.heartbeat = Duration::from_secs(1);
    let running = start(s).await;
    let relay = Relay::start(running.addr).await;
    let mut client = Client::connect(config(relay.addr)).await.unwrap();
    let mut ledger = Ledger::default();
    read_until(&mut client, &mut ledger, |l| l.count(Channel::Health) >= 3).await;
    // Nothing flows and nothing closes: only the heartbeat rule can notice.
    relay.freeze();
    let reason = loop {
        match next(&mut client).await {
            Event::Disconnected { code, reason } => {
                assert_eq!(code, None);
                break reason;
            }
            event => ledger.record(&event),
        }
    };
    assert!(reason.contains("stale"), "{reason}");
    read_until(&mut client, &mut ledger, |l| !l.resumed.is_empty()).await;
    let target = ledger.count(Channel::Health) + 3;
    read_until(&mut client, &mut ledger, |l| {
        l.count(Channel::Health) >= target
    })
    .await;
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconnect_budget_runs_out_with_gave_up() {
    let running = start(settings()).await;
    let relay = Relay::start(running.addr).await;
    let backoff = Backoff::new(
        Duration::from_millis(20),
        Duration::from_millis(100),
        0.2,
        Some(2),
    )
    .unwrap();
    let mut client = Client::connect(config(relay.addr).backoff(backoff))
        .await
        .unwrap();
    relay.hold(true);
    relay.cut();
    let mut attempts = Vec::new();
    let end = loop {
        let event = tokio::time::timeout(Duration::from_secs(20), client.next_event())
            .await
            .expect("an event within 20 s");
        match event {
            Some(Ok(Event::Reconnecting { attempt, delay })) => {
                assert!(delay <= Duration::from_millis(120), "{delay:?}");
                attempts.push(attempt);
            }
            Some(Ok(_)) => {}
            other => break other,
        }
    };
    assert_eq!(attempts, [1, 2]);
    assert!(
        matches!(end, Some(Err(Error::GaveUp { attempts: 2 }))),
        "{end:?}"
    );
    assert!(client.next_event().await.is_none(), "stopped for good");
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_messagepack_client_resumes_exactly() {
    let running = start(settings()).await;
    let relay = Relay::start(running.addr).await;
    let mut client = Client::connect(config(relay.addr).codec(Codec::MsgPack))
        .await
        .unwrap();
    assert_eq!(client.codec(), Codec::MsgPack, "the server took the offer");
    client
        .unsubscribe(channels([Channel::Prices]))
        .await
        .unwrap();
    let mut ledger = Ledger::default();
    read_until(&mut client, &mut ledger, |l| l.count(Channel::Health) >= 5).await;
    relay.cut();
    read_until(&mut client, &mut ledger, |l| l.resumed.len() == 1).await;
    let target = ledger.count(Channel::Health) + 5;
    read_until(&mut client, &mut ledger, |l| {
        l.count(Channel::Health) >= target
    })
    .await;
    assert_eq!(client.codec(), Codec::MsgPack);
    assert_eq!(ledger.resumed, [true]);
    assert!(ledger.gaps.is_empty(), "{:?}", ledger.gaps);
    for channel in [Channel::Opportunities, Channel::Health, Channel::Logs] {
        ledger.matches_server(&running, channel);
    }
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_are_registered_again_after_a_reconnect() {
    let running = start(settings()).await;
    let relay = Relay::start(running.addr).await;
    let mut client = Client::connect(config(relay.addr)).await.unwrap();
    let price = loop {
        if let Some(p) = running.hub.prices().into_iter().next() {
            break p;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Half the price: the condition holds now and for the whole test.
    let alert = Alert {
        pair: Some(price.pair.clone()),
        condition: Some(AlertCondition::Above),
        price: Some(price.price / 2.0),
        ..Alert::default()
    };
    let added = client.add_alert("low", alert.clone()).await.unwrap();
    assert_eq!((added.alert_id.as_str(), &added.alert), ("low", &alert));
    let fired = |event: &Event| matches!(event, Event::Message(ServerMessage::AlertTriggered(a)) if a.alert_id == "low");
    while !fired(&next(&mut client).await) {}
    relay.cut();
    let mut resumed = false;
    loop {
        let event = next(&mut client).await;
        resumed |= matches!(event, Event::Resumed { .. });
        if fired(&event) {
            assert!(resumed, "fired again only on the new connection");
            break;
        }
    }
    let listed = client.list_alerts().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].alert_id.as_str(), &listed[0].alert),
        ("low", &alert)
    );
    client.remove_alert("low").await.unwrap();
    assert!(client.list_alerts().await.unwrap().is_empty());
    let refused = client.remove_alert("low").await.unwrap_err();
    assert!(
        matches!(&refused, Error::Refused { code, .. } if code.as_str() == "UNKNOWN_ALERT"),
        "{refused:?}"
    );
    running.stop();
}
