//! `/ws` with real WebSocket clients (tokio-tungstenite) against the real server, in process,
//! on loopback. The market is the built-in simulator: real account bytes through the real
//! pipeline.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use futures::SinkExt;
use monitor::Settings;
use protocol::{Channel, Codec, ServerMessage, close_code};
use support::ws_client::*;
use support::{http_get, start};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

fn settings() -> Settings {
    let mut s = Settings::default();
    s.simulator.updates_per_second = 1_000;
    s.health_interval = Duration::from_millis(200);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listening_client_gets_every_channel_in_seq_order() {
    let server = start(settings()).await;
    let mut ws = connect(&server).await;
    let ServerMessage::Connected(c) = next(&mut ws).await else {
        panic!("connected first")
    };
    assert_eq!(c.protocol, "dexmon.v1");
    assert_eq!(c.channels, Channel::ALL.to_vec());
    let mut seen = BTreeSet::new();
    let mut last = [0u64; 4];
    while seen.len() < 4 {
        let m = next(&mut ws).await;
        if let (Some(channel), Some(seq)) = (m.channel(), m.seq()) {
            assert!(
                seq > last[channel.index()],
                "{channel} seq {seq} after {}",
                last[channel.index()]
            );
            last[channel.index()] = seq;
            seen.insert(channel);
        }
    }
    server.stop();
    assert_eq!(
        close_code_of(&mut ws).await,
        close_code::GOING_AWAY,
        "graceful shutdown sends 1001"
    );
    server.wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_apply_without_reconnecting_and_prices_come_with_a_snapshot() {
    let server = start(settings()).await;
    let mut ws = connect(&server).await;
    // Let the market publish first, so the snapshot below has something in it.
    until(
        &mut ws,
        "a SOL/USDC price",
        |m| matches!(m, ServerMessage::PriceUpdate(p) if p.pair == "SOL/USDC"),
    )
    .await;
    send(
        &mut ws,
        r#"{"type":"subscribe","id":1,"channels":["prices"],"pairs":["SOL/USDC"]}"#,
    )
    .await;
    let ack = until(&mut ws, "subscribed", |m| {
        matches!(m, ServerMessage::Subscribed(_))
    })
    .await;
    let ServerMessage::Subscribed(ack) = ack else {
        unreachable!()
    };
    assert_eq!(ack.id, Some(protocol::RequestId::Number(1)));
    assert_eq!(ack.pairs, Some(vec!["SOL/USDC".to_owned()]));
    let ServerMessage::Snapshot(snap) = until(&mut ws, "the snapshot after the ack", |m| {
        matches!(m, ServerMessage::Snapshot(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(snap.channel, Channel::Prices);
    let prices = snap.prices.unwrap();
    assert!(!prices.is_empty());
    assert!(prices.iter().all(|p| p.pair == "SOL/USDC"));
    let mut updates = 0;
    while updates < 30 {
        match next(&mut ws).await {
            ServerMessage::PriceUpdate(p) => {
                assert_eq!(p.pair, "SOL/USDC");
                assert!(p.seq > snap.seq, "live prices continue after the snapshot");
                updates += 1;
            }
            ServerMessage::Opportunity(o) => assert_eq!(o.pair, "SOL/USDC"),
            _ => {}
        }
    }
    // A dex filter narrows further; then dropping prices stops them.
    send(&mut ws, r#"{"type":"subscribe","id":"d","dexes":["orca"]}"#).await;
    until(&mut ws, "subscribed", |m| {
        matches!(m, ServerMessage::Subscribed(_))
    })
    .await;
    for _ in 0..10 {
        let m = until(&mut ws, "a price", |m| {
            matches!(m, ServerMessage::PriceUpdate(_))
        })
        .await;
        let ServerMessage::PriceUpdate(p) = m else {
            unreachable!()
        };
        assert_eq!((p.pair.as_str(), p.dex.as_str()), ("SOL/USDC", "orca"));
    }
    send(
        &mut ws,
        r#"{"type":"unsubscribe","id":2,"channels":["prices"]}"#,
    )
    .await;
    let ServerMessage::Unsubscribed(ack) = until(&mut ws, "unsubscribed", |m| {
        matches!(m, ServerMessage::Unsubscribed(_))
    })
    .await
    else {
        unreachable!()
    };
    assert!(!ack.channels.contains(&Channel::Prices));
    // Health arrives every 200 ms; across 10 of them no price may follow the ack.
    for _ in 0..10 {
        let m = until(&mut ws, "health", |m| {
            assert!(
                !matches!(m, ServerMessage::PriceUpdate(_)),
                "price after unsubscribe"
            );
            matches!(m, ServerMessage::Health(_))
        })
        .await;
        drop(m);
    }
}

/// Collects the `logs` seqs a client receives until it has seen `count` after `resumed`.
async fn logs_after_resume(ws: &mut Client, count: usize) -> (protocol::Resumed, Vec<u64>) {
    let mut seqs = Vec::new();
    let mut resumed = None;
    let mut after = 0;
    while resumed.is_none() || after < count {
        match next(ws).await {
            ServerMessage::Log(l) => {
                seqs.push(l.seq);
                if resumed.is_some() {
                    after += 1;
                }
            }
            ServerMessage::Resumed(r) => resumed = Some(r),
            _ => {}
        }
    }
    (resumed.unwrap(), seqs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_replays_exactly_what_was_missed() {
    let server = start(settings()).await;
    let mut first = connect(&server).await;
    let ServerMessage::Connected(c) = next(&mut first).await else {
        panic!()
    };
    let mut last_log = 0;
    while last_log < 5 {
        if let ServerMessage::Log(l) = next(&mut first).await {
            last_log = l.seq;
        }
    }
    drop(first);
    // Miss a good number of messages.
    tokio::time::sleep(Duration::from_millis(1_500)).await;

    let mut second = connect(&server).await;
    let ServerMessage::Connected(c2) = next(&mut second).await else {
        panic!()
    };
    assert_eq!(c2.epoch, c.epoch);
    send_resume(&mut second, "logs", &c.epoch, last_log).await;
    let (resumed, seqs) = logs_after_resume(&mut second, 20).await;
    assert!(resumed.recovered, "{resumed:?}");
    assert_eq!(resumed.from_seq, last_log + 1);
    assert!(
        resumed.to_seq > last_log + 5,
        "messages were missed: {resumed:?}"
    );
    let unique: BTreeSet<u64> = seqs.iter().copied().collect();
    assert_eq!(unique.len(), seqs.len(), "no duplicate: {seqs:?}");
    let expected: BTreeSet<u64> = (last_log + 1..=*unique.last().unwrap()).collect();
    assert_eq!(unique, expected, "no gap from after_seq on");
    println!(
        "resumed {} missed log messages, {} live after",
        resumed.to_seq - last_log,
        seqs.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_beyond_the_history_or_epoch_answers_with_a_snapshot() {
    let mut s = settings();
    s.history.max_messages = 10;
    let server = start(s).await;
    let mut ws = connect(&server).await;
    let ServerMessage::Connected(c) = next(&mut ws).await else {
        panic!()
    };
    // Wait until more than the history has been published on opportunities.
    until(
        &mut ws,
        "opportunity seq > 30",
        |m| matches!(m, ServerMessage::Opportunity(o) if o.seq > 30),
    )
    .await;
    send_resume(&mut ws, "opportunities", &c.epoch, 1).await;
    let ServerMessage::Resumed(r) = until(&mut ws, "resumed", |m| {
        matches!(m, ServerMessage::Resumed(_))
    })
    .await
    else {
        unreachable!()
    };
    assert!(!r.recovered);
    assert!(r.from_seq > 2 && r.to_seq >= r.from_seq, "{r:?}");
    let ServerMessage::Snapshot(snap) = until(&mut ws, "snapshot", |m| {
        matches!(m, ServerMessage::Snapshot(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(snap.channel, Channel::Opportunities);
    assert!(snap.opportunities.is_some());

    send_resume(&mut ws, "logs", "another-epoch", 0).await;
    let ServerMessage::Resumed(r) = until(&mut ws, "resumed", |m| {
        matches!(m, ServerMessage::Resumed(_))
    })
    .await
    else {
        unreachable!()
    };
    assert!(!r.recovered, "another epoch never recovers");
    let ServerMessage::Snapshot(snap) = until(&mut ws, "snapshot", |m| {
        matches!(m, ServerMessage::Snapshot(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(snap.channel, Channel::Logs);
}

/// A `log` published straight into the server's hub.
fn a_log(n: usize) -> ServerMessage {
    ServerMessage::Log(protocol::LogMessage {
        seq: 0,
        timestamp: protocol::Timestamp::from_unix_millis(0),
        level: protocol::LogLevel::Info,
        message: format!("test log {n}"),
        context: None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_larger_than_the_send_queue_is_a_snapshot_not_a_4008() {
    let mut s = settings();
    s.ws.outbox_capacity = 32;
    let server = start(s).await;
    // Each round: logs published while no client is connected, then a new connection resumes
    // from before them, as a client coming back does.
    for (missed, recovered) in [(10, true), (200, false)] {
        let before = server.hub.seq(Channel::Logs);
        for n in 0..missed {
            server.hub.publish(a_log(n));
        }
        let mut ws = connect(&server).await;
        send_resume(&mut ws, "logs", &server.hub.epoch, before).await;
        let ServerMessage::Resumed(r) = until(&mut ws, "resumed", |m| {
            matches!(m, ServerMessage::Resumed(_))
        })
        .await
        else {
            unreachable!()
        };
        assert_eq!(r.recovered, recovered, "{missed} missed: {r:?}");
        let to = before + missed as u64;
        assert_eq!((r.from_seq, r.to_seq), (before + 1, to));
        if !recovered {
            // The history still holds all of them; the send queue could not.
            let ServerMessage::Snapshot(snap) = until(&mut ws, "snapshot", |m| {
                matches!(m, ServerMessage::Snapshot(_))
            })
            .await
            else {
                unreachable!()
            };
            assert_eq!((snap.channel, snap.seq), (Channel::Logs, to));
        }
        still_alive(&mut ws, 3).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_typed_errors_and_the_connection_survives() {
    let server = start(settings()).await;
    let mut ws = connect(&server).await;
    send(&mut ws, r#"{"type":"subscribe","#).await;
    expect_error(&mut ws, "INVALID_JSON").await;
    send(&mut ws, r#"[1,2,3]"#).await;
    expect_error(&mut ws, "INVALID_MESSAGE").await;
    send(&mut ws, r#"{"type":"launch_rockets"}"#).await;
    expect_error(&mut ws, "UNKNOWN_TYPE").await;
    send(&mut ws, r#"{"type":"subscribe","chanels":["prices"]}"#).await;
    expect_error(&mut ws, "UNKNOWN_FIELD").await;
    send(&mut ws, r#"{"type":"subscribe","channels":["candles"]}"#).await;
    expect_error(&mut ws, "INVALID_FIELD").await;
    ws.send(Message::binary(vec![0xc1, 0xff, 0x00]))
        .await
        .unwrap();
    expect_error(&mut ws, "UNSUPPORTED_FRAME").await;
    still_alive(&mut ws, 1).await;

    // The same on a MessagePack connection.
    let mut request = format!("ws://{}/ws", server.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("dexmon.v1.msgpack"),
    );
    let (mut mp, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "dexmon.v1.msgpack"
    );
    assert!(matches!(next(&mut mp).await, ServerMessage::Connected(_)));
    mp.send(Message::binary(vec![0xc1, 0xff, 0x00]))
        .await
        .unwrap();
    expect_error(&mut mp, "INVALID_MSGPACK").await;
    send(&mut mp, r#"{"type":"ping"}"#).await;
    expect_error(&mut mp, "UNSUPPORTED_FRAME").await;
    let ping = protocol::encode_client(
        &protocol::ClientMessage::Ping(protocol::Ping {
            id: Some(protocol::RequestId::Number(5)),
        }),
        Codec::MsgPack,
    )
    .unwrap();
    mp.send(Message::binary(ping)).await.unwrap();
    let ServerMessage::Pong(p) =
        until(&mut mp, "pong", |m| matches!(m, ServerMessage::Pong(_))).await
    else {
        unreachable!()
    };
    assert_eq!(p.id, Some(protocol::RequestId::Number(5)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_limit_is_enforced_with_an_error_then_a_close() {
    let mut s = settings();
    s.ws.max_connections = 3;
    s.ws.max_message_bytes = 1_024;
    s.ws.rate_per_second = 5.0;
    s.ws.rate_burst = 10;
    s.ws.max_subscriptions = 8;
    s.ws.max_violations = 3;
    let server = start(s).await;

    // Size.
    let mut ws = connect(&server).await;
    let big = format!(r#"{{"type":"ping","id":"{}"}}"#, "x".repeat(2_000));
    send(&mut ws, &big).await;
    expect_error(&mut ws, "MESSAGE_TOO_LARGE").await;
    // Subscriptions: 4 channels + 5 pairs > 8.
    send(
        &mut ws,
        r#"{"type":"subscribe","pairs":["A/B","C/D","E/F","G/H","I/J"]}"#,
    )
    .await;
    expect_error(&mut ws, "TOO_MANY_SUBSCRIPTIONS").await;
    still_alive(&mut ws, 1).await;
    // Repeated violations close with 1008.
    for _ in 0..3 {
        send(&mut ws, "nope").await;
    }
    assert_eq!(close_code_of(&mut ws).await, close_code::POLICY_VIOLATION);

    // Rate: a burst past the bucket is refused with one error, and the connection lives.
    let mut ws = connect(&server).await;
    for i in 0..15 {
        send(&mut ws, &format!(r#"{{"type":"ping","id":{i}}}"#)).await;
    }
    expect_error(&mut ws, "RATE_LIMITED").await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    still_alive(&mut ws, 99).await;
    // Flooding on closes with 4029.
    for i in 0..40 {
        send(&mut ws, &format!(r#"{{"type":"ping","id":{i}}}"#)).await;
    }
    assert_eq!(close_code_of(&mut ws).await, close_code::RATE_LIMITED);

    drop(ws);
    // Connections: 3 allowed, the 4th is refused with 503 at the upgrade. The connections
    // closed above release their slots once their close handshakes end, so wait for those.
    let mut held = Vec::new();
    for _ in 0..100 {
        if held.len() == 3 {
            break;
        }
        match connect_with(&server, "/ws", &[]).await {
            Ok(ws) => held.push(ws),
            Err(WsError::Http(r)) if r.status().as_u16() == 503 => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(held.len(), 3);
    let refused = match connect_with(&server, "/ws", &[]).await {
        Err(WsError::Http(response)) => Some(response.status().as_u16()),
        other => panic!("a 4th connection was not refused: {:?}", other.map(|_| ())),
    };
    assert_eq!(refused, Some(503));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_required_when_configured() {
    let mut s = settings();
    s.auth.tokens = vec![monitor::auth::Token::new("s3cret")];
    let server = start(s).await;
    let mut ws = connect(&server).await;
    expect_error(&mut ws, "UNAUTHORIZED").await;
    assert_eq!(close_code_of(&mut ws).await, close_code::UNAUTHORIZED);

    let mut ws = connect_with(&server, "/ws?token=s3cret", &[])
        .await
        .unwrap();
    assert!(matches!(next(&mut ws).await, ServerMessage::Connected(_)));
    let mut ws = connect_with(&server, "/ws", &[("authorization", "Bearer s3cret")])
        .await
        .unwrap();
    assert!(matches!(next(&mut ws).await, ServerMessage::Connected(_)));

    let status = |path: &str, header: Option<&str>| {
        let addr = server.addr;
        let path = path.to_owned();
        let header = header.map(str::to_owned);
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut tcp = TcpStream::connect(addr).await.unwrap();
            let auth = header
                .map(|h| format!("Authorization: {h}\r\n"))
                .unwrap_or_default();
            tcp.write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .unwrap();
            let mut out = String::new();
            tcp.read_to_string(&mut out).await.unwrap();
            out[9..12].to_owned()
        }
    };
    assert_eq!(status("/api/prices", None).await, "401");
    assert_eq!(status("/api/prices", Some("Bearer s3cret")).await, "200");
    assert_eq!(status("/health", None).await, "200", "liveness stays open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_origins_are_refused() {
    let server = start(settings()).await;
    let host = server.addr.to_string();
    let err = connect_with(&server, "/ws", &[("origin", "https://evil.example")])
        .await
        .unwrap_err();
    let WsError::Http(response) = err else {
        panic!("{err}")
    };
    assert_eq!(response.status().as_u16(), 403);
    let own = format!("http://{host}");
    let mut ws = connect_with(&server, "/ws", &[("origin", &own)])
        .await
        .unwrap();
    assert!(matches!(next(&mut ws).await, ServerMessage::Connected(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_client_is_closed_after_the_pong_window() {
    let mut s = settings();
    s.ws.heartbeat = Duration::from_millis(300);
    s.ws.pong_timeout = Duration::from_millis(300);
    let server = start(s).await;
    let mut ws = connect(&server).await;
    send(
        &mut ws,
        r#"{"type":"unsubscribe","channels":["prices","opportunities","health","logs"]}"#,
    )
    .await;
    until(&mut ws, "unsubscribed", |m| {
        matches!(m, ServerMessage::Unsubscribed(_))
    })
    .await;
    // Not reading means not answering pings.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(close_code_of(&mut ws).await, close_code::HEARTBEAT_TIMEOUT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_serves_the_catch_up_state() {
    let server = start(settings()).await;
    let mut ws = connect(&server).await;
    until(&mut ws, "an opportunity", |m| {
        matches!(m, ServerMessage::Opportunity(_))
    })
    .await;
    let body = |s: String| s.split("\r\n\r\n").nth(1).unwrap().to_owned();
    let prices: serde_json::Value =
        serde_json::from_str(&body(http_get(server.addr, "/api/prices").await)).unwrap();
    assert!(prices.as_array().unwrap().len() >= 10);
    let pools: serde_json::Value =
        serde_json::from_str(&body(http_get(server.addr, "/api/pools").await)).unwrap();
    assert_eq!(
        pools.as_array().unwrap().len(),
        prices.as_array().unwrap().len()
    );
    let opps: serde_json::Value = serde_json::from_str(&body(
        http_get(server.addr, "/api/opportunities?limit=5").await,
    ))
    .unwrap();
    assert!(opps["recent"].as_array().unwrap().len() <= 5);
    assert!(!opps["recent"].as_array().unwrap().is_empty());
    let stats: serde_json::Value =
        serde_json::from_str(&body(http_get(server.addr, "/api/stats").await)).unwrap();
    assert!(stats["updates"].as_u64().unwrap() > 0);
    assert_eq!(stats["connections"].as_u64(), Some(1));
    let ready = http_get(server.addr, "/ready").await;
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let metrics = http_get(server.addr, "/metrics").await;
    for name in [
        "dexmon_ws_connections_active",
        "dexmon_ws_messages_sent_total",
        "dexmon_ws_bytes_sent_total",
        "dexmon_source_queue_depth",
        "dexmon_decode_failures_total",
        "dexmon_update_to_publish_seconds_bucket",
        "dexmon_publish_to_write_seconds_bucket",
        "dexmon_source_state",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
    // Running counts are Prometheus counters, so `rate()` works on them; levels are gauges.
    let types: Vec<(&str, &str)> = metrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .collect();
    assert!(types.len() > 20, "{types:?}");
    for (name, kind) in &types {
        let expected = if name.ends_with("_total") {
            "counter"
        } else if name.ends_with("_seconds") {
            "histogram"
        } else {
            "gauge"
        };
        assert_eq!(*kind, expected, "{name} is exported as a {kind}");
    }
    assert!(types.contains(&("dexmon_ws_connections_active", "gauge")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_connection_gets_the_latest_health_with_its_snapshots() {
    let server = start(settings()).await;
    while server.hub.latest_health().is_none() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut ws = connect(&server).await;
    assert!(matches!(next(&mut ws).await, ServerMessage::Connected(_)));
    // The greeting comes before anything live: connected, then one snapshot per channel.
    let mut greeting = Vec::new();
    for _ in 0..3 {
        match next(&mut ws).await {
            ServerMessage::Snapshot(s) => greeting.push(s),
            other => panic!("the greeting has only snapshots, got {other:?}"),
        }
    }
    let health = greeting
        .iter()
        .find(|s| s.channel == Channel::Health)
        .expect("a health snapshot on connect");
    let report = health.health.as_ref().expect("with the latest report");
    assert_eq!(report.seq, health.seq, "the latest one");
    assert!(!report.sources.is_empty(), "the header's source is there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_echo_the_request_id_whenever_it_can_be_read() {
    let server = start(settings()).await;
    let mut ws = connect(&server).await;
    for (frame, code, id) in [
        (
            r#"{"type":"alert_snooze","id":33}"#,
            "UNKNOWN_TYPE",
            Some(protocol::RequestId::Number(33)),
        ),
        (
            r#"{"type":"subscribe","id":"s-1","chanels":["prices"]}"#,
            "UNKNOWN_FIELD",
            Some(protocol::RequestId::Text("s-1".into())),
        ),
        (
            r#"{"type":"subscribe","id":34,"channels":["candles"]}"#,
            "INVALID_FIELD",
            Some(protocol::RequestId::Number(34)),
        ),
        (r#"{"type":"alert_snooze","id":[1]}"#, "UNKNOWN_TYPE", None),
        (
            r#"{"type":"alert_add","id":35}"#,
            "INVALID_FIELD",
            Some(protocol::RequestId::Number(35)),
        ),
        (r#"{"type":"subscribe","#, "INVALID_JSON", None),
    ] {
        send(&mut ws, frame).await;
        let ServerMessage::Error(e) =
            until(&mut ws, code, |m| matches!(m, ServerMessage::Error(_))).await
        else {
            unreachable!()
        };
        assert_eq!(e.code.as_str(), code, "{frame}");
        assert_eq!(e.id, id, "{frame}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_root_serves_the_page_and_upgrades_like_ws() {
    let server = start(settings()).await;
    let page = http_get(server.addr, "/").await;
    assert!(
        page.contains("<html") || page.contains("<!doctype"),
        "{page}"
    );
    let mut ws = connect_with(&server, "/", &[]).await.expect("upgrade on /");
    assert!(matches!(next(&mut ws).await, ServerMessage::Connected(_)));
    still_alive(&mut ws, 9).await;

    // The same checks as /ws: a token is required when configured.
    let mut s = settings();
    s.auth.tokens = vec![monitor::auth::Token::new("secret")];
    let guarded = start(s).await;
    let mut ws = connect_with(&guarded, "/", &[]).await.expect("upgrade");
    expect_error(&mut ws, "UNAUTHORIZED").await;
    assert_eq!(close_code_of(&mut ws).await, close_code::UNAUTHORIZED);
    let mut ws = connect_with(&guarded, "/", &[("authorization", "Bearer secret")])
        .await
        .expect("upgrade");
    assert!(matches!(next(&mut ws).await, ServerMessage::Connected(_)));
}
