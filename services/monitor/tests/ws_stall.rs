//! A client that stops reading, against the real server on loopback with real WebSocket
//! clients: its prices conflate, it is closed with 4008, and a healthy client keeps up.
//!
//! In a binary of its own because the test waits for the process-wide Prometheus counters
//! (`dexmon_ws_slow_consumer_closes_total`): beside the other `/ws` tests, another test's 4008
//! could end that wait before this client was closed, and the client would then read the live
//! stream instead of its close frame.

mod support;

use std::time::Duration;

use futures::StreamExt;
use monitor::Settings;
use protocol::{ServerMessage, close_code};
use support::http_get;
use support::start;
use support::ws_client::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_is_conflated_then_closed_while_others_keep_up() {
    let mut s = Settings {
        health_interval: Duration::from_millis(200),
        ..Settings::default()
    };
    s.simulator.updates_per_second = 20_000;
    s.ws.outbox_capacity = 16;
    // The server's send buffer bounds what the kernel holds for a client that stops reading,
    // so the stall reaches the outbox quickly and the client, once it reads again, wades
    // through little before the close frame. Clients keep the kernel's default buffers: a
    // receive buffer below one loopback segment (64 KiB) stalls the drain on zero-window
    // probes for minutes.
    s.ws.send_buffer = Some(16 * 1024);
    // A debug build on a busy machine may still take a while to read that backlog; without
    // the close frame in the socket within the grace, the server drops the connection bare.
    s.ws.close_grace = Duration::from_secs(60);
    let server = start(s).await;

    // The stalled client stops reading after its `connected`.
    let mut stalled = connect(&server).await;
    assert!(matches!(
        next(&mut stalled).await,
        ServerMessage::Connected(_)
    ));

    // The healthy client reads on its own task, without pause, as a healthy bot does: the
    // checks below (metrics over HTTP) must not stall it too.
    let healthy = connect(&server).await;
    let received = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let reader = tokio::spawn({
        let received = received.clone();
        async move {
            let mut healthy = healthy;
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    m = healthy.next() => match m {
                        Some(Ok(_)) => {
                            received.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        other => panic!("the healthy client lost its connection: {other:?}"),
                    },
                }
            }
            healthy
        }
    });
    let started = std::time::Instant::now();
    let mut windows_with_traffic = 0;
    let mut seen = 0;
    // While the stalled client does not read, the healthy one keeps receiving.
    let metrics_url = server.addr;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = received.load(std::sync::atomic::Ordering::Relaxed);
        if now > seen {
            windows_with_traffic += 1;
        }
        seen = now;
        let metrics = http_get(metrics_url, "/metrics").await;
        let closes = metric(&metrics, "dexmon_ws_slow_consumer_closes_total");
        if closes >= 1.0 {
            assert!(
                metric(&metrics, "dexmon_ws_conflated_total") > 0.0,
                "prices conflated first"
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the stalled client was never closed"
        );
    }
    let during_stall = received.load(std::sync::atomic::Ordering::Relaxed);
    assert!(windows_with_traffic >= 1 && during_stall > 0);
    println!(
        "healthy client received {during_stall} messages during the stall ({:?})",
        started.elapsed()
    );
    // Once it reads again, the stalled client finds the 4008 close after what was in flight.
    // The healthy client keeps reading meanwhile, as it would.
    let draining = std::time::Instant::now();
    let (code, backlog) = read_to_close(&mut stalled).await;
    assert_eq!(code, close_code::SLOW_CONSUMER);
    println!(
        "the stalled client reached its close frame after {:?} of reading {backlog} bytes",
        draining.elapsed()
    );
    // The 16 KiB send buffer (32 KiB once the kernel doubles it, as it does for bookkeeping),
    // the client's own receive buffer and the frames in flight: about
    // 170 KB here. Left to the kernel's autotuning it was 3.9 MB.
    assert!(
        backlog < 1024 * 1024,
        "{backlog} stale bytes queued ahead of the close frame"
    );
    stop.send(true).unwrap();
    let mut healthy = reader.await.unwrap();
    still_alive(&mut healthy, 3).await;
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
