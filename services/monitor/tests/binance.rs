//! The Binance feed against a local server that stands in for Binance (there is no network
//! here): the same combined-stream wire format, Binance's own documentation examples as frames,
//! and each connection rule Binance documents exercised on its own.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use monitor::Settings;
use monitor::backoff::Backoff;
use monitor::cex::BinanceSettings;
use protocol::SourceState;
use support::binance::{BinanceStandIn, Command, doc_frames};
use support::live::{eventually, prices, ready};
use support::start;

fn settings(endpoint: &str, tune: impl FnOnce(&mut BinanceSettings)) -> Settings {
    let mut binance = BinanceSettings::new(BTreeMap::from([
        ("BNBUSDT".to_owned(), "BNB/USDT".to_owned()),
        ("BNBBTC".to_owned(), "BNB/BTC".to_owned()),
    ]));
    binance.endpoint = endpoint.to_owned();
    binance.backoff = Backoff::new(
        Duration::from_millis(50),
        Duration::from_millis(200),
        Duration::from_secs(30),
    )
    .unwrap();
    tune(&mut binance);
    Settings {
        binance: Some(binance),
        ..Settings::default()
    }
}

/// A bookTicker frame of the documented shape for BNBUSDT, with update id `u` and a bid that
/// moves with it.
fn ticker(u: u64) -> String {
    format!(
        r#"{{"stream":"bnbusdt@bookTicker","data":{{"u":{u},"s":"BNBUSDT","b":"{}.{:08}","B":"31.21000000","a":"26.00000000","A":"40.66000000"}}}}"#,
        25,
        u % 100_000_000
    )
}

async fn cex_price(server: &monitor::Running, pool: &str) -> Option<serde_json::Value> {
    prices(server).await.into_iter().find(|p| p["pool"] == pool)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_frames_become_exact_cex_prices() {
    let binance = BinanceStandIn::start(doc_frames()[..3].to_vec()).await;
    let server = start(settings(&binance.endpoint(), |_| {})).await;
    let stats = server.cex.clone().expect("the feed runs");
    eventually("both books priced", 10, || {
        stats.frames.load(Ordering::Relaxed) >= 3
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let (usdt, btc) = loop {
        if let (Some(a), Some(b)) = (
            cex_price(&server, "binance:BNBUSDT").await,
            cex_price(&server, "binance:BNBBTC").await,
        ) {
            break (a, b);
        }
        assert!(tokio::time::Instant::now() < deadline, "no cex prices");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // bookTicker: b 25.35190000, a 25.36520000.
    assert_eq!(usdt["pair"], "BNB/USDT");
    assert_eq!(
        (usdt["dex"].as_str(), usdt["pool_type"].as_str()),
        (Some("binance"), Some("cex_book"))
    );
    assert_eq!(usdt["bid"].as_f64(), Some(25.3519));
    assert_eq!(usdt["ask"].as_f64(), Some(25.3652));
    assert!((usdt["price"].as_f64().unwrap() - 25.358_55).abs() < 1e-9);
    // Partial depth: bids [["0.0024","10"]], asks [["0.0026","100"]].
    assert_eq!(btc["pair"], "BNB/BTC");
    assert_eq!(
        (btc["bid"].as_f64(), btc["ask"].as_f64()),
        (Some(0.0024), Some(0.0026))
    );
    // One combined-stream connection for the group, three streams per symbol, lower case.
    let seen = binance.connections();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].streams,
        "bnbbtc@bookTicker/bnbbtc@depth20@100ms/bnbbtc@trade/bnbusdt@bookTicker/bnbusdt@depth20@100ms/bnbusdt@trade"
    );
    // Health, /ready and /metrics show it.
    let (_, body) = ready(&server).await;
    assert_eq!(body["cex"]["name"], "binance", "{body}");
    assert_eq!(body["cex"]["state"], "connected", "{body}");
    let health = server.hub.latest_health();
    if let Some(h) = health {
        assert!(
            h.sources.iter().any(|s| s.name == "binance"),
            "{:?}",
            h.sources
        );
    }
    let metrics = support::live::metrics(&server).await;
    assert!(
        metrics.contains("dexmon_cex_frames_total{venue=\"binance\"} 3"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_are_answered_with_their_payload() {
    let binance = BinanceStandIn::start(Vec::new()).await;
    let server = start(settings(&binance.endpoint(), |_| {})).await;
    eventually("connected", 10, || {
        binance.shared.opened.load(Ordering::Relaxed) == 1
    })
    .await;
    binance.send(Command::Ping(b"binance-ping-4711".to_vec()));
    eventually("the pong", 10, || !binance.pongs().is_empty()).await;
    assert_eq!(binance.pongs(), vec![b"binance-ping-4711".to_vec()]);
    let stats = server.cex.clone().unwrap();
    assert_eq!(stats.pings.load(Ordering::Relaxed), 1);
}

/// Streams bookTicker frames to every connection until stopped.
fn stream_tickers(binance: &BinanceStandIn) -> tokio::task::JoinHandle<()> {
    let sender = binance.clone();
    tokio::spawn(async move {
        for u in 1_000u64.. {
            sender.send(Command::Text(ticker(u)));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planned_rotation_opens_the_new_connection_before_closing_the_old() {
    let binance = BinanceStandIn::start(Vec::new()).await;
    let server = start(settings(&binance.endpoint(), |b| {
        b.rotate_after = Duration::from_secs(1);
    }))
    .await;
    let feed = stream_tickers(&binance);
    let stats = server.cex.clone().unwrap();
    eventually("two rotations", 15, || {
        stats.rotations.load(Ordering::Relaxed) >= 2
    })
    .await;
    feed.abort();
    // The feed counts a rotation once it has sent the old connection's close; the stand-in
    // sees it a moment later.
    eventually("every replaced connection closed", 10, || {
        let seen = binance.connections();
        seen[..seen.len() - 1].iter().all(|c| c.closed.is_some())
    })
    .await;
    let seen = binance.connections();
    for pair in seen.windows(2) {
        let (old, new) = (&pair[0], &pair[1]);
        let closed = old.closed.expect("the old connection was closed");
        assert!(
            new.opened < closed,
            "the new connection opened first: {seen:?}"
        );
        assert!(old.closed_by_client, "the feed closed the old one itself");
    }
    assert_eq!(
        stats.status.reconnects.load(Ordering::Relaxed),
        0,
        "a rotation is not a reconnect"
    );
    assert_eq!(stats.status.get().0, SourceState::Connected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_shutdown_event_replaces_the_connection_at_once() {
    let binance = BinanceStandIn::start(Vec::new()).await;
    let server = start(settings(&binance.endpoint(), |_| {})).await;
    let feed = stream_tickers(&binance);
    eventually("connected", 10, || {
        binance.shared.opened.load(Ordering::Relaxed) == 1
    })
    .await;
    let shutdown = doc_frames()[3].clone();
    binance.send(Command::Text(shutdown));
    let stats = server.cex.clone().unwrap();
    eventually("replaced", 10, || {
        stats.rotations.load(Ordering::Relaxed) == 1
    })
    .await;
    feed.abort();
    assert_eq!(stats.shutdown_events.load(Ordering::Relaxed), 1);
    assert_eq!(stats.status.reconnects.load(Ordering::Relaxed), 0);
    eventually("the old connection closed", 10, || {
        binance.connections()[0].closed.is_some()
    })
    .await;
    let seen = binance.connections();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[1].opened < seen[0].closed.expect("old closed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_trips_the_watchdog_and_is_replaced() {
    let binance = BinanceStandIn::start(vec![doc_frames()[0].clone()]).await;
    let server = start(settings(&binance.endpoint(), |b| {
        b.stale_after = Duration::from_millis(500);
    }))
    .await;
    let stats = server.cex.clone().unwrap();
    // The greeting, then nothing: open, but silent.
    eventually("a watchdog trip", 10, || {
        stats.watchdog_trips.load(Ordering::Relaxed) >= 1
    })
    .await;
    eventually("a new connection", 10, || {
        binance.shared.opened.load(Ordering::Relaxed) >= 2
    })
    .await;
    assert!(stats.status.reconnects.load(Ordering::Relaxed) >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_are_counted_and_the_connection_stays() {
    let binance = BinanceStandIn::start(Vec::new()).await;
    let server = start(settings(&binance.endpoint(), |_| {})).await;
    eventually("connected", 10, || {
        binance.shared.opened.load(Ordering::Relaxed) == 1
    })
    .await;
    for bad in [
        Command::Text("{not json".into()),
        Command::Text(r#"{"stream":"bnbusdt@bookTicker","data":{"u":1,"s":"BNBUSDT","b":"-1","B":"1","a":"2","A":"1"}}"#.into()),
        Command::Text(r#"{"stream":"ethusdt@trade","data":{"e":"trade","E":1,"s":"ETHUSDT","t":1,"p":"1","q":"1","T":1,"m":true,"M":true}}"#.into()),
        Command::Binary(vec![1, 2, 3]),
    ] {
        binance.send(bad);
    }
    binance.send(Command::Text(doc_frames()[0].clone()));
    let stats = server.cex.clone().unwrap();
    eventually("the good frame after the bad ones", 10, || {
        stats.frames.load(Ordering::Relaxed) >= 4
    })
    .await;
    eventually("counted", 10, || {
        stats.malformed.load(Ordering::Relaxed) == 4
    })
    .await;
    assert_eq!(binance.connections().len(), 1, "the connection stayed");
    assert_eq!(stats.status.reconnects.load(Ordering::Relaxed), 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while cex_price(&server, "binance:BNBUSDT").await.is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the good frame was not priced"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_comes_back_with_backoff() {
    let binance = BinanceStandIn::start(vec![doc_frames()[0].clone()]).await;
    let server = start(settings(&binance.endpoint(), |_| {})).await;
    let stats = server.cex.clone().unwrap();
    eventually("connected", 10, || {
        stats.status.get().0 == SourceState::Connected
    })
    .await;
    binance.send(Command::Drop);
    eventually("reconnected", 10, || {
        binance.shared.opened.load(Ordering::Relaxed) == 2
            && stats.status.get().0 == SourceState::Connected
    })
    .await;
    assert_eq!(stats.status.reconnects.load(Ordering::Relaxed), 1);
    assert!(
        !binance.connections()[0].closed_by_client,
        "the server dropped it"
    );
}

/// A partial-depth frame of the documented shape for SOLUSDC: twenty levels a side from
/// `bid` down and `ask` up, one cent apart, 50 SOL each.
fn sol_depth(update_id: u64, bid: f64, ask: f64) -> String {
    let cents = |p: f64| (p * 100.0).round() as u64;
    let level = |c: u64| format!(r#"["{}.{:02}","50.00000000"]"#, c / 100, c % 100);
    let bids: Vec<String> = (0..20).map(|i| level(cents(bid) - i)).collect();
    let asks: Vec<String> = (0..20).map(|i| level(cents(ask) + i)).collect();
    format!(
        r#"{{"stream":"solusdc@depth20@100ms","data":{{"lastUpdateId":{update_id},"bids":[{}],"asks":[{}]}}}}"#,
        bids.join(","),
        asks.join(",")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_book_away_from_the_pools_opens_a_cex_dex_opportunity_and_closing_it_closes_it() {
    let binance = BinanceStandIn::start(Vec::new()).await;
    let mut s = settings(&binance.endpoint(), |b| {
        b.symbols = BTreeMap::from([("SOLUSDC".to_owned(), "SOL/USDC".to_owned())]);
    });
    // The simulator's pools, the stand-in's book.
    s.simulator.updates_per_second = 500;
    let server = start(s).await;
    let mut ws = support::ws_client::connect(&server).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let pool_price = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "three SOL/USDC pools never priced"
        );
        let sol_usdc: Vec<_> = server
            .hub
            .prices()
            .into_iter()
            .filter(|p| p.pair == "SOL/USDC" && p.pool_type != "cex_book")
            .collect();
        if sol_usdc.len() >= 3 {
            break sol_usdc.iter().map(|p| p.price).sum::<f64>() / sol_usdc.len() as f64;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Bids 3% above every pool: buy SOL on a pool, sell it into the book. The book is sent
    // again every 300 ms, as Binance's depth stream does, so that a slow machine never lets
    // it age past the detector's limit before the opportunity is judged.
    let bids_above = keep_sending(binance.clone(), 1, pool_price * 1.03, pool_price * 1.031);
    let opened = support::ws_client::until(&mut ws, "a cex_dex open", |m| {
        matches!(m, protocol::ServerMessage::Opportunity(o)
            if o.opportunity_type == protocol::OpportunityType::CexDex
                && o.status == protocol::OpportunityStatus::Open)
    })
    .await;
    let protocol::ServerMessage::Opportunity(o) = opened else {
        unreachable!()
    };
    assert_eq!(o.pair, "SOL/USDC");
    assert_eq!(o.sell_dex, "binance", "{o:?}");
    assert!(o.net_profit_percent > 0.0);
    let book_leg = o
        .legs
        .iter()
        .find(|l| l.dex == "binance")
        .expect("a book leg");
    assert_eq!(book_leg.pool, "binance:SOLUSDC");
    assert_eq!(
        (book_leg.token_in.as_str(), book_leg.token_out.as_str()),
        ("SOL", "USDC")
    );
    let pool_leg = o
        .legs
        .iter()
        .find(|l| l.dex != "binance")
        .expect("a pool leg");
    // The SOL bought is the SOL sold, but for what is below the exchange's 10^-8 step
    // (SOL has nine decimals): at most 9 lamports stay in inventory.
    assert!(
        book_leg.amount_in <= pool_leg.amount_out && pool_leg.amount_out - book_leg.amount_in < 10,
        "bought {} sold {}",
        pool_leg.amount_out,
        book_leg.amount_in
    );
    // The book comes back to the pools: the opportunity closes.
    bids_above.abort();
    let back = keep_sending(
        binance.clone(),
        1_000_000,
        pool_price * 0.9995,
        pool_price * 1.0005,
    );
    support::ws_client::until(&mut ws, "its close", |m| {
        matches!(m, protocol::ServerMessage::Opportunity(c)
            if c.id == o.id && c.status == protocol::OpportunityStatus::Close)
    })
    .await;
    back.abort();
}

/// Sends the SOLUSDC book every 300 ms with rising update ids, until aborted.
fn keep_sending(
    binance: BinanceStandIn,
    first_id: u64,
    bid: f64,
    ask: f64,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for id in first_id.. {
            binance.send(Command::Text(sol_depth(id, bid, ask)));
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    })
}
