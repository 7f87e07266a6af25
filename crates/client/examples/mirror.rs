//! Keeps a local price table from the stream, forces a disconnect, and shows that after the
//! reconnect the table still matches the monitor's own `/api/prices`.
//!
//! It starts the monitor in process (its simulator) behind a small TCP relay, so that it can
//! cut the connection; it needs no running monitor.
//!
//! ```sh
//! cargo run -p dexmon-client --example mirror
//! ```

use std::time::Duration;

use dexmon_client::protocol::{Channel, PriceUpdate, ServerMessage};
use dexmon_client::{Backoff, Client, Config, Event};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = monitor::Settings::default();
    settings.simulator.updates_per_second = 500;
    let running = monitor::start(settings).await?;
    let (relay, cut) = relay(running.addr).await?;

    let backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(1), 0.2, None)?;
    let config = Config::new(format!("ws://{relay}/ws"))
        .view(true)
        .backoff(backoff);
    let mut client = Client::connect(config).await?;
    let mut prices_seen = 0usize;
    let mut position = 0u64;
    let mut resumed = false;
    let mut cut_done = false;
    while let Some(event) = client.next_event().await {
        match event? {
            Event::Message(ServerMessage::PriceUpdate(p)) => {
                prices_seen += 1;
                position = p.seq;
            }
            Event::Message(ServerMessage::Snapshot(s)) if s.channel == Channel::Prices => {
                position = s.seq;
            }
            Event::Resumed { recovered } => {
                println!("reconnected; every channel recovered: {recovered}");
                resumed = true;
            }
            Event::Gap { channel, from, to } => println!("gap on {channel}: {from}..{to}"),
            Event::Disconnected { code, reason } => println!("disconnected: {code:?} {reason}"),
            _ => {}
        }
        if prices_seen >= 300 && !cut_done {
            cut_done = true;
            println!("cutting the connection after {prices_seen} price updates");
            cut.send_modify(|n| *n += 1);
        }
        if resumed && prices_seen >= 600 {
            break;
        }
    }

    // Every pool whose latest price the monitor published at or before the last update this
    // client delivered must read the same locally; later ones are still in flight.
    let url = format!("http://{}/api/prices", running.addr);
    let server: Vec<PriceUpdate> = reqwest::get(url).await?.json().await?;
    let view = client.view().ok_or("the view is on")?;
    let (mut same, mut in_flight, mut wrong) = (0, 0, 0);
    for p in &server {
        if p.seq > position {
            in_flight += 1;
        } else if view.price(&p.pool) == Some(p) {
            same += 1;
        } else {
            wrong += 1;
            println!("differs: {} {} {}", p.pair, p.dex, p.pool);
        }
    }
    println!(
        "/api/prices: {} pools; local table: {} pools; {same} identical, {in_flight} newer than \
         this client's position {position}, {wrong} wrong",
        server.len(),
        view.pool_count()
    );
    running.stop();
    if wrong > 0 {
        return Err("the local table does not match /api/prices".into());
    }
    Ok(())
}

/// A TCP relay in front of `upstream`; sending on the watch drops every relayed connection.
async fn relay(
    upstream: std::net::SocketAddr,
) -> std::io::Result<(std::net::SocketAddr, tokio::sync::watch::Sender<u64>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (cut, _) = tokio::sync::watch::channel(0u64);
    let cut_tx = cut.clone();
    tokio::spawn(async move {
        while let Ok((mut down, _)) = listener.accept().await {
            let mut cut_rx = cut_tx.subscribe();
            tokio::spawn(async move {
                let Ok(mut up) = TcpStream::connect(upstream).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut down, &mut up) => {}
                    _ = cut_rx.changed() => {}
                }
            });
        }
    });
    Ok((addr, cut))
}
