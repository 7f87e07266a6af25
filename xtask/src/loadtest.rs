//! `cargo xtask loadtest`: the release monitor as a separate process, on its simulator, with
//! N real WebSocket clients on loopback. Reports deliveries per second, the publish-to-client
//! latency (message timestamp to receipt, millisecond resolution) and the server's memory
//! per idle connection (VmRSS from /proc).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;

pub(crate) struct Options {
    pub(crate) clients: usize,
    pub(crate) idle: usize,
    pub(crate) seconds: u64,
    pub(crate) sim_rate: u32,
}

impl Options {
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut o = Self {
            clients: 1_000,
            idle: 1_000,
            seconds: 10,
            sim_rate: 2_000,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let n: u64 = value
                .parse()
                .map_err(|_| format!("{flag}: {value} is not a number"))?;
            match flag.as_str() {
                "--clients" => o.clients = usize::try_from(n).map_err(|e| e.to_string())?,
                "--idle" => o.idle = usize::try_from(n).map_err(|e| e.to_string())?,
                "--seconds" => o.seconds = n,
                "--sim-rate" => o.sim_rate = u32::try_from(n).map_err(|e| e.to_string())?,
                other => return Err(format!("unknown loadtest flag {other}")),
            }
        }
        Ok(o)
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kib(pid: u32) -> Result<u64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| "no VmRSS".to_owned())
}

#[derive(serde::Deserialize)]
struct Stamped<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: Option<&'a str>,
}

pub(crate) fn run(root: &std::path::Path, options: &Options) -> Result<(), String> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map_or_else(|_| root.join("target"), std::path::PathBuf::from);
    let bin = target.join("release/monitor");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        l.local_addr().map_err(|e| e.to_string())?.port()
    };
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(&bin)
        .args([
            "--listen",
            &addr,
            "--sim-rate",
            &options.sim_rate.to_string(),
            "--max-connections",
            "20000",
        ])
        .env("DEXMON_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let server = Server(child);
    let pid = server.0.id();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let url = format!("ws://{addr}/ws");
        for _ in 0..600 {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss_start = rss_kib(pid)?;

        // Idle connections: subscribed to nothing, so they only cost memory.
        let mut idle = Vec::with_capacity(options.idle);
        for _ in 0..options.idle {
            let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.map_err(|e| e.to_string())?;
            futures::SinkExt::send(&mut ws, Message::text(
                r#"{"type":"unsubscribe","channels":["prices","opportunities","health","logs"]}"#,
            ))
            .await
            .map_err(|e| e.to_string())?;
            idle.push(ws);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Drain what the idle ones were sent on connect (connected and the snapshots).
        for ws in &mut idle {
            while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(1), ws.next()).await {}
        }
        let rss_idle = rss_kib(pid)?;
        let per_idle = (rss_idle.saturating_sub(rss_start)) as f64 / options.idle.max(1) as f64;

        // Active clients: every channel.
        let delivered = Arc::new(AtomicU64::new(0));
        let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = Vec::with_capacity(options.clients);
        for _ in 0..options.clients {
            let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.map_err(|e| e.to_string())?;
            let delivered = delivered.clone();
            let measuring = measuring.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies_ms: Vec<i64> = Vec::new();
                while let Some(Ok(frame)) = ws.next().await {
                    let Message::Text(text) = frame else { continue };
                    if !measuring.load(Ordering::Relaxed) {
                        continue;
                    }
                    delivered.fetch_add(1, Ordering::Relaxed);
                    if let Ok(m) = serde_json::from_str::<Stamped>(&text)
                        && matches!(m.kind, "price_update" | "opportunity")
                        && let Some(ts) = m.timestamp.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    {
                        latencies_ms.push(chrono::Utc::now().timestamp_millis() - ts.timestamp_millis());
                    }
                }
                latencies_ms
            }));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        measuring.store(true, Ordering::Relaxed);
        let started = Instant::now();
        tokio::time::sleep(Duration::from_secs(options.seconds)).await;
        measuring.store(false, Ordering::Relaxed);
        let elapsed = started.elapsed().as_secs_f64();
        let count = delivered.load(Ordering::Relaxed);
        let rss_end = rss_kib(pid)?;
        drop(server);
        let mut latencies: Vec<i64> = Vec::new();
        for task in tasks {
            latencies.extend(task.await.map_err(|e| e.to_string())?);
        }
        latencies.sort_unstable();
        let q = |p: f64| latencies.get(((latencies.len().saturating_sub(1)) as f64 * p) as usize).copied().unwrap_or(0);
        println!("loadtest: {} active clients, {} idle, {} s, simulator {} updates/s", options.clients, options.idle, options.seconds, options.sim_rate);
        println!("  deliveries: {count} in {elapsed:.1} s = {:.0}/s", count as f64 / elapsed);
        println!("  publish-to-client latency (ms, timestamp resolution 1 ms): p50 {} p99 {} max {} over {} samples", q(0.5), q(0.99), latencies.last().copied().unwrap_or(0), latencies.len());
        if options.idle > 0 {
            println!("  server RSS: start {rss_start} KiB, with idle clients {rss_idle} KiB ({per_idle:.1} KiB per idle connection), end {rss_end} KiB");
        } else {
            println!("  server RSS: start {rss_start} KiB, end {rss_end} KiB");
        }
        Ok(())
    })
}
