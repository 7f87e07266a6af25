//! Server-side alerts over `/ws`, with real WebSocket clients against the real server in
//! process. The market is the built-in simulator, so prices move on their own; a second
//! connection records every price and opportunity so that each `alert_triggered` can be
//! checked against the exact message it names.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use monitor::Settings;
use protocol::{AlertTriggered, Channel, CrossDirection, RequestId, ServerMessage};
use support::start;
use support::ws_client::*;

fn settings() -> Settings {
    let mut s = Settings::default();
    s.simulator.updates_per_second = 1_000;
    s.ws.max_alerts = 3;
    s
}

/// What a recording connection saw: per `(channel, seq)`, the pool or opportunity and value.
#[derive(Default)]
struct Record {
    seen: HashMap<(Channel, u64), (String, f64)>,
}

impl Record {
    fn take(&mut self, m: &ServerMessage) {
        match m {
            ServerMessage::PriceUpdate(p) => {
                self.seen
                    .insert((Channel::Prices, p.seq), (p.pool.clone(), p.price));
            }
            ServerMessage::Opportunity(o) => {
                self.seen.insert(
                    (Channel::Opportunities, o.seq),
                    (o.id.clone(), o.net_profit_percent),
                );
            }
            ServerMessage::Snapshot(s) => {
                for p in s.prices.iter().flatten() {
                    self.seen
                        .insert((Channel::Prices, p.seq), (p.pool.clone(), p.price));
                }
                for o in s.opportunities.iter().flatten() {
                    self.seen.insert(
                        (Channel::Opportunities, o.seq),
                        (o.id.clone(), o.net_profit_percent),
                    );
                }
            }
            _ => {}
        }
    }
}

/// The deepest pool of the first pair priced on `ws`, read from its snapshot and live
/// updates for half a second: (pair, pool, price).
async fn deepest(ws: &mut Client) -> (String, String, f64) {
    let mut pools: HashMap<String, (String, f64, f64)> = HashMap::new();
    let start = tokio::time::Instant::now();
    while pools.is_empty() || start.elapsed() < Duration::from_millis(500) {
        let mut take = |p: &protocol::PriceUpdate| {
            pools.insert(p.pool.clone(), (p.pair.clone(), p.price, p.liquidity));
        };
        match next(ws).await {
            ServerMessage::Snapshot(s) => s.prices.iter().flatten().for_each(&mut take),
            ServerMessage::PriceUpdate(p) => take(&p),
            _ => {}
        }
    }
    let mut all: Vec<_> = pools.into_iter().collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let pair = all[0].1.0.clone();
    let (pool, (_, price, _)) = all
        .into_iter()
        .filter(|(_, (p, _, _))| *p == pair)
        .max_by(|a, b| a.1.2.total_cmp(&b.1.2))
        .expect("a pool");
    (pair, pool, price)
}

/// Reads `ws` for `window`, returning the alerts it got; `record` takes the recorder's
/// messages meanwhile.
async fn alerts_during(
    ws: &mut Client,
    recorder: &mut Client,
    record: &mut Record,
    window: Duration,
) -> Vec<AlertTriggered> {
    let end = tokio::time::Instant::now() + window;
    let mut fired = Vec::new();
    while tokio::time::Instant::now() < end {
        tokio::select! {
            m = next(ws) => if let ServerMessage::AlertTriggered(a) = m { fired.push(a) },
            m = next(recorder) => record.take(&m),
            () = tokio::time::sleep_until(end) => {}
        }
    }
    fired
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_alert_fires_once_per_crossing_whatever_the_subscription() {
    let server = start(settings()).await;
    let mut recorder = connect(&server).await;
    let mut record = Record::default();
    let mut ws = connect(&server).await;
    let (pair, _, price) = deepest(&mut ws).await;
    // Alerts do not depend on what the connection subscribed to.
    send(
        &mut ws,
        r#"{"type":"unsubscribe","channels":["prices","opportunities"]}"#,
    )
    .await;
    let level = price / 2.0;
    send(
        &mut ws,
        &format!(
            r#"{{"type":"alert_add","id":21,"alert_id":"low","alert":{{"pair":"{pair}","condition":"above","price":{level}}}}}"#
        ),
    )
    .await;
    let ServerMessage::AlertAdded(added) = until(&mut ws, "alert_added", |m| {
        matches!(m, ServerMessage::AlertAdded(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(added.id, Some(RequestId::Number(21)));
    assert_eq!(added.alert_id, "low");
    // The price is already above the level: it fires at once, and never again while the
    // price stays above, however many updates arrive.
    let fired = alerts_during(&mut ws, &mut recorder, &mut record, Duration::from_secs(2)).await;
    assert_eq!(fired.len(), 1, "once per crossing: {fired:?}");
    let alert = &fired[0];
    assert_eq!(
        (alert.alert_id.as_str(), alert.pair.as_str()),
        ("low", pair.as_str())
    );
    assert_eq!(alert.channel, Channel::Prices);
    assert!(alert.value > level, "{alert:?}");
    // The value is exactly the price of the message it names.
    let (pool, value) = record
        .seen
        .get(&(Channel::Prices, alert.seq))
        .unwrap_or_else(|| panic!("the recorder never saw prices seq {}", alert.seq));
    assert_eq!(Some(pool), alert.pool.as_ref());
    assert_eq!(*value, alert.value);

    send(&mut ws, r#"{"type":"alert_list","id":"l"}"#).await;
    let ServerMessage::Alerts(list) =
        until(&mut ws, "alerts", |m| matches!(m, ServerMessage::Alerts(_))).await
    else {
        unreachable!()
    };
    assert_eq!(list.alerts.len(), 1);
    assert!(
        !list.alerts[0].armed,
        "fired and not yet back below the band"
    );
}

/// A price for a pair the simulator does not have, published through the server's own hub,
/// so the test decides exactly how the price moves.
fn scripted(price: f64) -> ServerMessage {
    ServerMessage::PriceUpdate(protocol::PriceUpdate {
        seq: 0,
        timestamp: protocol::Timestamp::from_unix_millis(0),
        pair: "ALRT/USDC".into(),
        dex: "orca".into(),
        pool_type: "whirlpool".into(),
        pool: "scripted-pool".into(),
        price,
        liquidity: 1_000.0,
        slot: 1,
        last_update_ms: 0,
        update_received_us: None,
        bid: None,
        ask: None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crosses_alert_fires_each_way_past_its_hysteresis() {
    let server = start(settings()).await;
    let mut ws = connect(&server).await;
    server.hub.publish(scripted(101.0));
    send(
        &mut ws,
        r#"{"type":"alert_add","id":1,"alert":{"pair":"ALRT/USDC","condition":"crosses","price":100,"hysteresis_pct":1}}"#,
    )
    .await;
    let added = until(&mut ws, "the answer", |m| {
        matches!(m, ServerMessage::AlertAdded(_) | ServerMessage::Error(_))
    })
    .await;
    assert!(matches!(added, ServerMessage::AlertAdded(_)), "{added:?}");
    // Starts above. 99.5 crosses down; 100.5 is back above the level but not past the 1% band
    // a firing sets; 101.5 is; 98.5 crosses down again.
    let mut expected = Vec::new();
    for (price, direction) in [
        (99.5, Some(CrossDirection::Down)),
        (100.5, None),
        (101.5, Some(CrossDirection::Up)),
        (98.5, Some(CrossDirection::Down)),
    ] {
        let published = server.hub.publish(scripted(price)).expect("published");
        if let Some(direction) = direction {
            expected.push((published.seq, price, direction));
        }
    }
    let mut fired = Vec::new();
    while fired.len() < expected.len() {
        if let ServerMessage::AlertTriggered(a) = until(&mut ws, "alert_triggered", |m| {
            matches!(m, ServerMessage::AlertTriggered(_))
        })
        .await
        {
            assert_eq!(a.pool.as_deref(), Some("scripted-pool"));
            fired.push((
                a.seq,
                a.value,
                a.direction.expect("a crossing has a direction"),
            ));
        }
    }
    assert_eq!(fired, expected);
    // Nothing more: a ping's answer comes before any other alert would.
    send(&mut ws, r#"{"type":"ping","id":5}"#).await;
    let m = until(&mut ws, "pong or alert", |m| {
        matches!(m, ServerMessage::Pong(_) | ServerMessage::AlertTriggered(_))
    })
    .await;
    assert!(matches!(m, ServerMessage::Pong(_)), "{m:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opportunity_alert_names_the_opportunity_that_fired_it() {
    let server = start(settings()).await;
    let mut recorder = connect(&server).await;
    let mut record = Record::default();
    let mut ws = connect(&server).await;
    send(
        &mut ws,
        r#"{"type":"alert_add","id":1,"alert":{"net_profit_pct_above":0.000001}}"#,
    )
    .await;
    let mut fired = Vec::new();
    for _ in 0..60 {
        fired.extend(
            alerts_during(&mut ws, &mut recorder, &mut record, Duration::from_secs(1)).await,
        );
        if !fired.is_empty() {
            break;
        }
    }
    let alert = fired
        .first()
        .expect("the simulator opened an opportunity within 60 s");
    assert_eq!(alert.channel, Channel::Opportunities);
    let (id, net) = record
        .seen
        .get(&(Channel::Opportunities, alert.seq))
        .unwrap_or_else(|| panic!("the recorder never saw opportunities seq {}", alert.seq));
    assert_eq!(Some(id), alert.opportunity_id.as_ref());
    assert_eq!(*net, alert.value);
    // Once per opportunity: no id fires twice unless it fell back in between (not within a
    // few seconds of a simulator whose opportunities close rather than shrink).
    let mut ids: Vec<_> = fired
        .iter()
        .filter_map(|a| a.opportunity_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), fired.len(), "{fired:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_alert_requests_get_coded_errors_with_their_id() {
    let server = start(settings()).await;
    let mut ws = connect(&server).await;
    let refusals = [
        (r#"{"type":"alert_add","id":1,"alert":{}}"#, "INVALID_ALERT"),
        (
            r#"{"type":"alert_add","id":2,"alert":{"pair":"SOLUSDC","condition":"above","price":1}}"#,
            "INVALID_ALERT",
        ),
        (
            r#"{"type":"alert_add","id":3,"alert":{"pair":"SOL/USDC","condition":"above","price":-1}}"#,
            "INVALID_ALERT",
        ),
        (
            r#"{"type":"alert_add","id":4,"alert":{"pair":"SOL/USDC","price":1,"colour":"red"}}"#,
            "UNKNOWN_FIELD",
        ),
        (
            r#"{"type":"alert_remove","id":5,"alert_id":"nope"}"#,
            "UNKNOWN_ALERT",
        ),
    ];
    for (frame, code) in refusals {
        send(&mut ws, frame).await;
        let ServerMessage::Error(e) =
            until(&mut ws, code, |m| matches!(m, ServerMessage::Error(_))).await
        else {
            unreachable!()
        };
        assert_eq!(e.code.as_str(), code, "{frame}: {e:?}");
        assert!(e.id.is_some(), "{frame}");
    }
    // The limit (3 here): a fourth alert is refused, a replacement is not.
    for n in 1..=3 {
        send(
            &mut ws,
            &format!(r#"{{"type":"alert_add","alert_id":"x{n}","alert":{{"pair":"SOL/USDC","spread_pct_above":{n}}}}}"#),
        )
        .await;
        until(&mut ws, "alert_added", |m| {
            matches!(m, ServerMessage::AlertAdded(_))
        })
        .await;
    }
    send(
        &mut ws,
        r#"{"type":"alert_add","id":6,"alert":{"pair":"SOL/USDC","spread_pct_above":9}}"#,
    )
    .await;
    expect_error(&mut ws, "TOO_MANY_ALERTS").await;
    send(
        &mut ws,
        r#"{"type":"alert_add","alert_id":"x1","alert":{"pair":"SOL/USDC","spread_pct_above":9}}"#,
    )
    .await;
    until(&mut ws, "alert_added", |m| {
        matches!(m, ServerMessage::AlertAdded(_))
    })
    .await;
    send(&mut ws, r#"{"type":"alert_remove","id":7,"alert_id":"x2"}"#).await;
    let ServerMessage::AlertRemoved(removed) = until(&mut ws, "alert_removed", |m| {
        matches!(m, ServerMessage::AlertRemoved(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(
        (removed.id, removed.alert_id.as_str()),
        (Some(RequestId::Number(7)), "x2")
    );
    send(&mut ws, r#"{"type":"alert_list"}"#).await;
    let ServerMessage::Alerts(list) =
        until(&mut ws, "alerts", |m| matches!(m, ServerMessage::Alerts(_))).await
    else {
        unreachable!()
    };
    let ids: Vec<_> = list.alerts.iter().map(|a| a.alert_id.as_str()).collect();
    assert_eq!(ids, ["x1", "x3"]);
    assert_eq!(list.alerts[0].alert.spread_pct_above, Some(9.0), "replaced");
    // Refused alerts are answers, not violations: the connection is still open.
    still_alive(&mut ws, 99).await;
}
