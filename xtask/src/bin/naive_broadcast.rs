//! Benchmark peer, for `cargo xtask loadtest` only: the naive broadcast design. One
//! `tokio::sync::broadcast` channel of `String`s; every connection receives each message and
//! `send`s it (a flush per message). Publishes RATE messages per second, each stamped with its
//! publication time in nanoseconds since the Unix epoch (`context.sent_ns`).
//!
//!   naive-broadcast PORT RATE PAYLOAD_BYTES \[DELAY_MS\]
//!
//! Publishing starts DELAY_MS after start, so the load client can connect first.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use tokio::sync::broadcast;

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("PORT RATE PAYLOAD_BYTES"))
        .collect();
    let (port, rate, payload, delay_ms) = match args[..] {
        [port, rate, payload] => (port, rate, payload, 0),
        [port, rate, payload, delay] => (port, rate, payload, delay),
        _ => panic!("usage: naive-broadcast PORT RATE PAYLOAD_BYTES [DELAY_MS]"),
    };
    // A typical capacity: a receiver more than 1,024 messages behind loses the oldest.
    let (tx, _) = broadcast::channel::<String>(1_024);
    let publisher = tx.clone();
    tokio::spawn(async move {
        let padding = "x".repeat(usize::try_from(payload).unwrap_or(0).saturating_sub(180));
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        let mut ticker = tokio::time::interval(Duration::from_millis(1));
        let started = tokio::time::Instant::now();
        let mut seq = 0u64;
        loop {
            ticker.tick().await;
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let owed = (started.elapsed().as_secs_f64() * rate as f64) as u64;
            while seq < owed {
                seq += 1;
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                // The same shape and field order as dexmon's `log` message.
                let timestamp = chrono::DateTime::<chrono::Utc>::from(SystemTime::now())
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                let message = format!(
                    r#"{{"type":"log","seq":{seq},"timestamp":"{timestamp}","level":"info","message":"bench {padding}","context":{{"sent_ns":"{}"}}}}"#,
                    now.as_nanos()
                );
                let _ = publisher.send(message);
            }
        }
    });
    let app = axum::Router::new().route(
        "/ws",
        get(move |ws: WebSocketUpgrade| {
            let rx = tx.subscribe();
            async move { ws.on_upgrade(move |socket| serve(socket, rx)) }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", u16::try_from(port).expect("port")))
        .await
        .expect("bind");
    eprintln!("naive broadcast on {port} at {rate}/s");
    axum::serve(listener, app).await.expect("serve");
}

async fn serve(mut socket: WebSocket, mut rx: broadcast::Receiver<String>) {
    loop {
        match rx.recv().await {
            Ok(message) => {
                if socket.send(Message::Text(message.into())).await.is_err() {
                    return;
                }
            }
            // Lagged: the oldest messages are gone for this client; carry on.
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
